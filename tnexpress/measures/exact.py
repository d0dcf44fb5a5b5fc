r"""Exact ranks of tensor-network matricizations, modulo large random primes.

A float64 is a dyadic rational :math:`m\,2^{e}` (integer mantissa ``m`` of at most
53 bits), so scaling every tensor by a power of two (:func:`dyadic_scale`) makes
it an integer tensor without changing any rank, and the matricization
:math:`[[A]]_{I,J}` of the network becomes an integer matrix up to a power of two.
This module contracts such networks *exactly* modulo a prime :math:`p`
(:func:`contract_mod_p`, along a cotengra tree from :func:`tnexpress.contract.contraction_tree`)
and takes the rank over :math:`\mathrm{GF}(p)` (:func:`rank_mod_p`).

Why a rank mod p is a lower bound
---------------------------------
Reduction :math:`\mathbb{Z}\to\mathbb{Z}/p` is a ring homomorphism, so every
minor of :math:`Z \bmod p` is the reduction of the same minor of the integer
matrix :math:`Z`. A minor that vanishes over :math:`\mathbb{Q}` vanishes mod
:math:`p`, hence :math:`\operatorname{rank}_{\mathrm{GF}(p)}(Z \bmod p) \le
\operatorname{rank}_{\mathbb{Q}} Z`: the result can only be too *small*, never too
large, and it is exact unless :math:`p` divides every nonzero maximal minor.

Arithmetic
----------
Residues are int64 in :math:`[0, p)` with :math:`p < 2^{31}`, so the product of
two residues fits in int64. Matrix products run through float64 BLAS, which is
exact on integers below :math:`2^{53}`: the right factor is split into limbs of
about :math:`\beta/2` bits (:math:`p < 2^\beta`), each product of a residue and
a limb is below :math:`2^{3\beta/2}`, and the contracted dimension is chunked so
that every partial sum BLAS forms (in any order, with or without FMA) stays
below :math:`2^{53}`. With the default ``bits=26``: two BLAS products per modular
product, chunks of :math:`2^{14}`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from ..engine.paths import check_size, contraction_tree

__all__ = (
    "ExactRank",
    "random_prime",
    "is_prime",
    "prime_count_lower_bound",
    "dyadic_scale",
    "to_residues",
    "matmul_mod_p",
    "contract_mod_p",
    "rank_mod_p",
    "exact_cut_rank",
)

#: Default prime size: two 13-bit limbs per residue (see module docstring).
DEFAULT_BITS = 26
_MIN_BITS, _MAX_BITS = 3, 31

# Deterministic Miller-Rabin witnesses for all n < 3.3e24 (in particular all 64-bit n).
_MR_BASES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)


# ----------------------------------------------------------------------------- primes


def is_prime(n: int) -> bool:
    """Deterministic Miller-Rabin primality test, exact for every ``n < 3.3e24``.

    Parameters
    ----------
    n : int
        Number to test.

    Returns
    -------
    bool
    """
    n = int(n)
    if n < 2:
        return False
    for q in _MR_BASES:
        if n % q == 0:
            return n == q
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for a in _MR_BASES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def _check_bits(bits) -> int:
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)):
        raise TypeError(f"bits must be an int, got {type(bits).__name__}")
    bits = int(bits)
    if not _MIN_BITS <= bits <= _MAX_BITS:
        raise ValueError(f"bits must be in [{_MIN_BITS}, {_MAX_BITS}], got {bits}")
    return bits


def random_prime(rng=None, bits: int = DEFAULT_BITS) -> int:
    r"""Draw a uniformly random prime in :math:`[2^{b-1}, 2^{b})`.

    Rejection sampling: odd candidates are drawn uniformly and the first prime
    kept, so every prime of the range is equally likely.

    Parameters
    ----------
    rng : None, int or numpy.random.Generator
        Source of randomness (passed to :func:`numpy.random.default_rng`).
    bits : int, default 26
        :math:`b`, in [3, 31]. Residues stay below :math:`2^{31}` so products of
        two fit in int64; up to 26 bits the exact float64 matrix product needs two
        13-bit limbs (see the module docstring), while the failure probability of
        :func:`exact_cut_rank` falls roughly like :math:`2^{-b}` per prime.

    Returns
    -------
    int
    """
    bits = _check_bits(bits)
    rng = np.random.default_rng(rng)
    lo, hi = 1 << (bits - 1), 1 << bits
    while True:
        n = int(rng.integers(lo, hi)) | 1
        if n < hi and is_prime(n):
            return n


@cache
def prime_count_lower_bound(bits: int) -> int:
    r"""Bound the number of primes in :math:`[2^{b-1}, 2^{b})` from below, provably.

    Exact count (sieve) for :math:`b \le 22`. Above, Dusart's bounds (Math. Comp.
    68, 1999): :math:`\pi(x) \ge \frac{x}{\ln x}(1 + \frac{1}{\ln x})` for
    :math:`x \ge 599` and :math:`\pi(x) \le \frac{x}{\ln x}(1 + \frac{1}{\ln x} +
    \frac{2.51}{\ln^2 x})` for :math:`x \ge 355991`, so the count is at least
    :math:`\pi_{\rm low}(2^b) - \pi_{\rm up}(2^{b-1})` (1,867,000 for ``bits=26``;
    the true count is 1,894,120).

    Parameters
    ----------
    bits : int
        :math:`b`, in [3, 31].

    Returns
    -------
    int
    """
    bits = _check_bits(bits)
    if bits <= 22:
        hi = 1 << bits
        sieve = np.ones(hi, dtype=bool)
        sieve[:2] = False
        for q in range(2, math.isqrt(hi) + 1):
            if sieve[q]:
                sieve[q * q :: q] = False
        return int(sieve[hi >> 1 :].sum())
    x, y = float(1 << bits), float(1 << (bits - 1))
    lx, ly = math.log(x), math.log(y)
    low = x / lx * (1 + 1 / lx)
    up = y / ly * (1 + 1 / ly + 2.51 / ly**2)
    return int(math.floor(low - up)) - 1


def _check_prime(p) -> int:
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        raise TypeError(f"p must be an int prime, got {type(p).__name__}")
    p = int(p)
    if not (3 <= p < (1 << _MAX_BITS)) or not is_prime(p):
        raise ValueError(f"p must be an odd prime below 2^{_MAX_BITS}, got {p}")
    return p


# ----------------------------------------------------------------------------- residues


def _real_finite(array, name="array") -> np.ndarray:
    a = np.asarray(array)
    if np.iscomplexobj(a):
        raise TypeError(
            f"exact arithmetic supports real networks only; {name} has dtype {a.dtype}"
        )
    if a.dtype == object or not (
        np.issubdtype(a.dtype, np.floating)
        or np.issubdtype(a.dtype, np.integer)
        or a.dtype == bool
    ):
        raise TypeError(f"{name} must be a real numeric array, got dtype {a.dtype}")
    if np.issubdtype(a.dtype, np.integer) and a.size and np.abs(a).max() >= 2**53:
        raise ValueError(f"{name} has integer entries of magnitude >= 2^53; not exact as float64")
    a = a.astype(np.float64, copy=False)
    if not np.isfinite(a).all():
        raise ValueError(f"{name} has non-finite entries (inf or nan)")
    return a


def _mantissa_exponent(a: np.ndarray):
    """Split ``a = M * 2^E`` exactly: int64 ``M`` (|M| < 2^53) and int64 ``E``."""
    m, e = np.frexp(a)
    M = np.ldexp(m, 53).astype(np.int64)  # exact: |m| in [0.5, 1), 53 significant bits
    return M, e.astype(np.int64) - 53


def dyadic_scale(arrays) -> list[int]:
    r"""Per-array exponents :math:`s_t` making every :math:`2^{s_t} T_t` an integer array.

    Writing each nonzero entry as :math:`M\,2^{E}` with odd integer :math:`M`,
    :math:`s_t = \max(-E)` over the entries of :math:`T_t` (0 for an all-zero
    array), the smallest exponent that works; it is negative when every entry is
    an even integer. Multiplying a tensor by a nonzero scalar changes no rank.

    Parameters
    ----------
    arrays : sequence of array_like
        Real, finite arrays.

    Returns
    -------
    list of int
    """
    out = []
    for i, arr in enumerate(arrays):
        a = _real_finite(arr, f"arrays[{i}]")
        nz = a[a != 0]
        if nz.size == 0:
            out.append(0)
            continue
        M, E = _mantissa_exponent(nz)
        low = M & -M  # lowest set bit of the mantissa, a power of two
        tz = np.frexp(low.astype(np.float64))[1].astype(np.int64) - 1
        out.append(int((-(E + tz)).max()))
    return out


def to_residues(array, p: int, scale_exp: int = 0) -> np.ndarray:
    r"""Exact residues :math:`x\,2^{s} \bmod p` of a real float array.

    Each entry :math:`x = M\,2^{E}` (``np.frexp``, integer :math:`|M| < 2^{53}`)
    maps to :math:`(M \bmod p)\cdot(2^{E+s} \bmod p) \bmod p`; a negative power of two
    uses the inverse of 2 mod :math:`p`, which is the reduction of the dyadic
    rational (so the map is a ring homomorphism on :math:`\mathbb{Z}[1/2]`).
    With ``scale_exp`` from :func:`dyadic_scale` all powers are nonnegative.

    Parameters
    ----------
    array : array_like
        Real, finite array (float or integer dtype).
    p : int
        Odd prime below :math:`2^{31}`.
    scale_exp : int, default 0
        :math:`s`.

    Returns
    -------
    numpy.ndarray
        int64 array of the same shape, entries in :math:`[0, p)`.

    Raises
    ------
    TypeError
        Complex or non-numeric input.
    ValueError
        Non-finite entries, or ``p`` not an odd prime below :math:`2^{31}`.
    """
    p = _check_prime(p)
    a = _real_finite(array)
    s = int(scale_exp)
    M, E = _mantissa_exponent(a)
    E = E + s
    uniq, inv = np.unique(E.ravel(), return_inverse=True)
    pw = np.array([pow(2, int(k), p) for k in uniq], dtype=np.int64)
    pw = pw[inv].reshape(a.shape)
    return (M % p) * pw % p


# ----------------------------------------------------------------------------- matmul


def _limb_plan(p: int) -> tuple[int, int, int]:
    """Return (limbs, limb bits, largest exact chunk of the contracted dim) for ``p``."""
    bits = int(p - 1).bit_length()
    nl = 1
    while True:
        limb = -(-bits // nl)
        log2k = 53 - bits - limb
        if log2k >= 10 or limb == 1:
            return nl, limb, 1 << max(log2k, 0)
        nl += 1


def matmul_mod_p(a: np.ndarray, b: np.ndarray, p: int) -> np.ndarray:
    r"""Exact :math:`(a\,b) \bmod p` of int64 residue arrays (``np.matmul`` broadcasting).

    Only ``b`` is split into limbs of :math:`L` bits, :math:`b = \sum_j b_j 2^{Lj}`;
    each :math:`a\,b_j` is a float64 BLAS product whose entries are sums of at
    most :math:`2^{53-\beta-L}` (chunked) integers below :math:`2^{\beta+L}`
    (:math:`p < 2^\beta`), hence below :math:`2^{53}` and exact in any summation
    order. Then :math:`ab \equiv \sum_j (a b_j \bmod p)(2^{Lj} \bmod p)`. For
    ``bits=26`` that is two BLAS products, chunks of :math:`2^{14}`.

    Parameters
    ----------
    a, b : numpy.ndarray
        int64 residues in :math:`[0, p)`, matmul-compatible shapes.
    p : int
        Prime below :math:`2^{31}` (not re-checked).

    Returns
    -------
    numpy.ndarray
        int64 residues in :math:`[0, p)`.
    """
    nl, limb, kmax = _limb_plan(p)
    K = a.shape[-1]
    if K > kmax:
        out = None
        for k0 in range(0, K, kmax):
            part = matmul_mod_p(a[..., k0 : k0 + kmax], b[..., k0 : k0 + kmax, :], p)
            out = part if out is None else (out + part) % p
        return out
    af = a.astype(np.float64)
    mask = (1 << limb) - 1
    out = None
    for j in range(nl):
        bj = ((b >> (limb * j)) & mask).astype(np.float64) if nl > 1 else b.astype(np.float64)
        c = np.matmul(af, bj).astype(np.int64) % p
        w = pow(2, limb * j, p)
        if w != 1:
            c = c * w % p
        out = c if out is None else out + c
    return out % p if nl > 1 else out


# ----------------------------------------------------------------------------- contraction


def _symbolize(inputs, output):
    sym: dict = {}
    for term in inputs:
        for ix in term:
            sym.setdefault(ix, len(sym))
    for ix in output:
        if ix not in sym:
            raise ValueError(f"output index {ix!r} appears on no input tensor")
    return sym


def _check_network(arrays, inputs, output, size_dict):
    if len(arrays) != len(inputs):
        raise ValueError(f"arrays has {len(arrays)} entries but inputs has {len(inputs)}")
    output = tuple(output)
    if len(set(output)) != len(output):
        raise ValueError(f"output has a repeated index: {output!r}")
    for i, (arr, term) in enumerate(zip(arrays, inputs, strict=True)):
        if len(set(term)) != len(term):
            raise ValueError(f"inputs[{i}] repeats an index: {tuple(term)!r}")
        if np.ndim(arr) != len(term):
            raise ValueError(
                f"arrays[{i}] has {np.ndim(arr)} dimensions but inputs[{i}] names {len(term)}"
            )
        for ix, d in zip(term, np.shape(arr), strict=True):
            if size_dict.get(ix, d) != d:
                raise ValueError(
                    f"index {ix!r} has dimension {d} in arrays[{i}] but {size_dict[ix]} "
                    "in size_dict"
                )
    return output


def _network_tree_path(inputs, output, size_dict, optimize):
    """SSA path of the cotengra tree, on symbolized labels (any hashables allowed)."""
    if len(inputs) <= 1:
        return ()
    sym = _symbolize(inputs, output)
    s_inputs = [tuple(sym[ix] for ix in t) for t in inputs]
    s_out = tuple(sym[ix] for ix in output)
    s_size = {sym[ix]: int(size_dict[ix]) for ix in sym}
    tree = contraction_tree(s_inputs, s_out, s_size, optimize=optimize)
    return tuple(tuple(step) for step in tree.get_ssa_path())


def _sum_mod(x, axes, p):
    if not axes:
        return x
    n = math.prod(x.shape[a] for a in axes)
    if n * (p - 1) < 2**63:
        return x.sum(axis=axes) % p
    for a in sorted(axes, reverse=True):  # one axis at a time, chunked
        x = np.moveaxis(x, a, 0)
        acc = np.zeros(x.shape[1:], dtype=np.int64)
        step = max(1, (2**63 - 1) // (p - 1) - 1)
        for k in range(0, x.shape[0], step):
            acc = (acc + x[k : k + step].sum(axis=0) % p) % p
        x = acc
    return x


def contract_mod_p(
    arrays, inputs, output, size_dict=None, p: int = None, *, tree=None, optimize=None
) -> np.ndarray:
    r"""Contract a (hyper-)network of int64 residue arrays exactly modulo ``p``.

    Computes :math:`\sum_{\text{non-output labels}} \prod_t T_t \bmod p` along a
    cotengra contraction tree. Each pairwise step classifies the labels of its two
    operands: on both and kept (a hyper- or output index shared by both) becomes a
    batch dimension, on both and not kept is contracted, on one only is kept (or
    summed first if no other tensor or the output needs it); the step is then a
    batched :func:`matmul_mod_p`.

    Parameters
    ----------
    arrays : sequence of numpy.ndarray
        int64 residues in :math:`[0, p)`.
    inputs : sequence of tuple of hashable
        Labels of each array (hyper-indices, shared by 3+ tensors, allowed).
    output : tuple of hashable
        Labels of the result, in order; each must be on some input.
    size_dict : dict, optional
        Dimension of each label (inferred from the arrays when omitted).
    p : int
        Odd prime below :math:`2^{31}`.
    tree : cotengra.ContractionTree, optional
        Tree over the same ``inputs`` (its SSA path is used); default:
        :func:`tnexpress.contract.contraction_tree`.
    optimize : optional
        Passed to :func:`~tnexpress.contract.contraction_tree` when ``tree`` is None.

    Returns
    -------
    numpy.ndarray
        int64 residues with shape given by ``output`` (0-d for a scalar).

    Raises
    ------
    tnexpress.contract.BudgetError
        If an intermediate exceeds the memory budget (checked before contracting).
    """
    p = _check_prime(p)
    arrays = [np.asarray(a) for a in arrays]
    inputs = [tuple(t) for t in inputs]
    size_dict = dict(size_dict or {})
    output = _check_network(arrays, inputs, output, size_dict)
    for i, (arr, term) in enumerate(zip(arrays, inputs, strict=True)):
        if arr.dtype != np.int64:
            raise TypeError(f"arrays[{i}] must be int64 residues, got dtype {arr.dtype}")
        if arr.size and (arr.min() < 0 or arr.max() >= p):
            raise ValueError(f"arrays[{i}] has entries outside [0, p) = [0, {p})")
        size_dict.update(zip(term, arr.shape, strict=True))
    _symbolize(inputs, output)
    if tree is not None:
        path = tuple(tuple(step) for step in tree.get_ssa_path())
    else:
        path = _network_tree_path(inputs, output, size_dict, optimize)
    return _contract_path(arrays, inputs, output, size_dict, p, path)


def _contract_path(arrays, inputs, output, size_dict, p, path):
    """Exact pairwise contraction mod ``p`` along an SSA ``path`` (validated inputs).

    The path is compiled by :func:`tnexpress.engine.executor.compile_path`, its
    peak checked against the memory budget by the shape pass, then run in
    :class:`~tnexpress.engine.executor.ModPArith`.
    """
    from ..engine.executor import ModPArith, compile_path, execute

    if not arrays:
        return np.array(1 % p, dtype=np.int64)
    plan = compile_path(inputs, output, path, size_dict, ssa=True)
    check_size(
        plan.peak_entries(),
        8 * 3,  # int64 result plus the float64 limb copies of matmul_mod_p
        what="the largest intermediate of the exact contraction",
        instead="reduce the cut or the network",
    )
    x, t, _ = execute(plan, arrays, ModPArith(p))
    # the root: drop labels not in the output (possible when only output remains)
    axes = tuple(k for k, ix in enumerate(t) if ix not in output)
    x = _sum_mod(x, axes, p)
    t = tuple(ix for ix in t if ix in output)
    return (x.transpose([t.index(ix) for ix in output]) % p).copy(order="C")


# ----------------------------------------------------------------------------- rank


def _eliminate(A: np.ndarray, p: int):
    """Row-echelon elimination of ``A`` (modified in place) over GF(p).

    Returns the rank, the original row indices of the pivot rows and the pivot
    columns. Each pivot updates only the rows below it that are nonzero in its
    column, the whole remaining block at once.
    """
    m, n = A.shape
    perm = np.arange(m)
    r = 0
    pivcols = []
    for j in range(n):
        if r == m:
            break
        nz = np.flatnonzero(A[r:, j])
        if nz.size == 0:
            continue
        k = r + int(nz[0])
        if k != r:
            A[[r, k]] = A[[k, r]]
            perm[[r, k]] = perm[[k, r]]
        inv = pow(int(A[r, j]), -1, p)
        prow = A[r, j + 1 :] * inv % p
        below = r + 1 + np.flatnonzero(A[r + 1 :, j])
        if below.size:
            f = A[below, j]
            A[below, j + 1 :] = (A[below, j + 1 :] - f[:, None] * prow[None, :]) % p
            A[below, j] = 0
        pivcols.append(j)
        r += 1
    return r, perm[:r].copy(), np.array(pivcols, dtype=np.int64)


def _inverse_mod_p(S: np.ndarray, p: int) -> np.ndarray:
    """Inverse of an invertible square residue matrix by Gauss-Jordan over GF(p)."""
    k = S.shape[0]
    A = np.concatenate([S % p, np.eye(k, dtype=np.int64)], axis=1)
    for j in range(k):
        nz = np.flatnonzero(A[j:, j])
        if nz.size == 0:  # pragma: no cover - callers pass invertible blocks
            raise ArithmeticError("matrix is singular mod p")
        i = j + int(nz[0])
        if i != j:
            A[[i, j]] = A[[j, i]]
        A[j] = A[j] * pow(int(A[j, j]), -1, p) % p
        f = A[:, j].copy()
        f[j] = 0
        rows = np.flatnonzero(f)
        if rows.size:
            A[rows] = (A[rows] - f[rows, None] * A[j][None, :]) % p
    return A[:, k:]


def _schur_update(rest: np.ndarray, left: np.ndarray, right: np.ndarray, p: int) -> np.ndarray:
    """Return ``(rest - left @ right) mod p``, fusing the limb sums (fewer passes)."""
    nl, limb, kmax = _limb_plan(p)
    if left.shape[1] > kmax or nl > 2:
        return (rest - matmul_mod_p(left, right, p)) % p
    lf = left.astype(np.float64)
    mask = (1 << limb) - 1
    for j in range(nl):
        rj = ((right >> (limb * j)) & mask) if nl > 1 else right
        c = np.matmul(lf, rj.astype(np.float64)).astype(np.int64)  # exact, < 2^53
        if j:  # (c mod p) 2^(limb j) < 2^(2 bits) <= 2^52; rest stays above -2^54
            np.remainder(c, p, out=c)
            np.multiply(c, pow(2, limb * j, p), out=c)
        np.subtract(rest, c, out=rest)
    np.remainder(rest, p, out=rest)
    return rest


def rank_mod_p(matrix, p: int, *, block: int = 128) -> int:
    r"""Rank over :math:`\mathrm{GF}(p)` of an integer (residue) matrix.

    Blocked Gaussian elimination. A panel of ``block`` columns is reduced by
    plain elimination (every pivot updates the whole remaining panel at once),
    which finds its rank :math:`k`, pivot rows :math:`R` and pivot columns
    :math:`C` with :math:`S = A_{RC}` invertible. By the Schur complement

    .. math::
        \operatorname{rank} A = k + \operatorname{rank}\bigl(A_{\bar R, \bar P}
        - A_{\bar R, C}\, S^{-1} A_{R, \bar P}\bigr),

    where :math:`\bar P` are the columns right of the panel (the complement
    vanishes on the panel's own columns since the panel has rank :math:`k`); the
    update is two exact :func:`matmul_mod_p` products (BLAS), so a
    :math:`1024\times 1024` matrix takes a fraction of a second.

    Parameters
    ----------
    matrix : array_like
        2-d integer array (any integers; reduced mod ``p`` first).
    p : int
        Odd prime below :math:`2^{31}`.
    block : int, default 128
        Panel width (>= 1).

    Returns
    -------
    int
        The rank mod ``p``; never more than the rank over :math:`\mathbb{Q}`.
    """
    p = _check_prime(p)
    if isinstance(block, bool) or not isinstance(block, (int, np.integer)) or block < 1:
        raise ValueError(f"block must be a positive int, got {block!r}")
    a = np.asarray(matrix)
    if a.ndim != 2:
        raise ValueError(f"matrix must be 2-d, got shape {a.shape}")
    if a.dtype == object:
        A = np.array([[int(v) % p for v in row] for row in a], dtype=np.int64).reshape(a.shape)
    elif np.issubdtype(a.dtype, np.integer):
        A = (a.astype(np.int64) % p).astype(np.int64)
    else:
        raise TypeError(f"matrix must have an integer dtype, got {a.dtype}")
    if A.shape[0] < A.shape[1]:
        A = np.ascontiguousarray(A.T)
    total = 0
    while A.size:
        m, n = A.shape
        if n <= block:
            return total + _eliminate(A, p)[0]
        P = A[:, :block].copy()
        k, R, C = _eliminate(P, p)
        if k == 0:
            A = A[:, block:]
            continue
        notR = np.ones(m, dtype=bool)
        notR[R] = False
        Sinv = _inverse_mod_p(A[np.ix_(R, C)], p)
        T = matmul_mod_p(Sinv, np.ascontiguousarray(A[R, block:]), p)
        A = _schur_update(A[notR, block:], A[np.ix_(notR, C)], T, p)
        total += k
    return total


# ----------------------------------------------------------------------------- cut rank


@dataclass(frozen=True)
class ExactRank:
    r"""Result of :func:`exact_cut_rank`.

    Attributes
    ----------
    rank : int
        :math:`\max_i \operatorname{rank}_{\mathrm{GF}(p_i)}`: a proven lower
        bound on the rank over :math:`\mathbb{Q}` (= over :math:`\mathbb{R}`).
    primes : tuple of int
        The primes used.
    failure_probability : float
        Rigorous upper bound on :math:`P(\text{rank} < \text{true rank})` over the
        random choice of the primes; 0.0 when the rank equals the largest rank
        the factor shapes allow (then it is exact for certain).
    ranks : tuple of int
        The rank modulo each prime.
    log2_minor_bound : float
        :math:`\log_2` of the Hadamard bound on every nonzero minor used for
        ``failure_probability``.
    """

    rank: int
    primes: tuple
    failure_probability: float
    ranks: tuple = ()
    log2_minor_bound: float = 0.0


@dataclass(frozen=True)
class _Copy:
    """A renamed label of the second copy in a doubled (Gram) network."""

    label: object


def _parse_side(side, name):
    try:
        arrays, inputs, rows = side
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a tuple (arrays, inputs, open_rows)") from None
    arrays = list(arrays)
    inputs = [tuple(t) for t in inputs]
    rows = tuple(rows)
    if len(arrays) != len(inputs):
        raise ValueError(f"{name}: {len(arrays)} arrays but {len(inputs)} index tuples")
    arrays = [_real_finite(a, f"{name} arrays[{i}]") for i, a in enumerate(arrays)]
    if len(set(rows)) != len(rows):
        raise ValueError(f"{name}: open_rows repeats a label: {rows!r}")
    sizes: dict = {}
    for i, (a, t) in enumerate(zip(arrays, inputs, strict=True)):
        if a.ndim != len(t):
            raise ValueError(f"{name}: arrays[{i}] has {a.ndim} dimensions, inputs[{i}] {len(t)}")
        if len(set(t)) != len(t):
            raise ValueError(f"{name}: inputs[{i}] repeats a label: {t!r}")
        for ix, d in zip(t, a.shape, strict=True):
            if sizes.setdefault(ix, d) != d:
                raise ValueError(f"{name}: label {ix!r} has dimensions {sizes[ix]} and {d}")
    for ix in rows:
        if ix not in sizes:
            raise ValueError(f"{name}: open row label {ix!r} is on none of its tensors")
    return arrays, inputs, rows, sizes


def _side_bound(arrays, scales, inputs, rows, cut, sizes, gram):
    """log2 of a bound on |entries| of the side's integer factor (None if all zero)."""
    total = 0.0
    for a, s in zip(arrays, scales, strict=True):
        nz = a[a != 0]
        if nz.size == 0:
            return None
        total += int(np.frexp(np.abs(nz))[1].max()) + s  # |x 2^s| < 2^(e+s)
    special = set(rows) | set(cut)
    internal = sum(math.log2(d) for ix, d in sizes.items() if ix not in special)
    if not gram:
        return total + internal
    return 2 * (total + internal) + sum(math.log2(sizes[ix]) for ix in rows)


def exact_cut_rank(
    x_side, y_side, cut, *, n_primes: int = 2, seed=None, optimize=None, bits: int = DEFAULT_BITS
) -> ExactRank:
    r"""Exact rank of :math:`[[A]] = X Y` across a cut, modulo random primes.

    The network is split along the cut :math:`C` (labels ``cut``, dimension
    :math:`W = \prod_{c\in C} d_c`) into :math:`X` (rows: side A's open legs) and
    :math:`Y` (columns: side B's). Each side is reduced to a factor with at most
    :math:`W` rows (columns): :math:`F_X = X` if :math:`\dim(\text{rows}_X)\le W`,
    else the Gram matrix :math:`G_X = X^{\mathsf T} X` (:math:`W\times W`),
    contracted as a doubled network (the side and a copy with every non-row
    label renamed, row labels shared and summed); likewise :math:`F_Y = Y` or
    :math:`G_Y = Y Y^{\mathsf T}`. Over the reals
    :math:`\operatorname{rank}(X^{\mathsf T} X M) = \operatorname{rank}(X M)` (since
    :math:`\|XMv\|^2 = v^{\mathsf T}M^{\mathsf T}X^{\mathsf T}XMv`), so
    :math:`\operatorname{rank}(F_X F_Y) = \operatorname{rank}(XY)`. Every tensor is
    first scaled by a power of two to an integer tensor (:func:`dyadic_scale`;
    no rank changes), so :math:`Z = F_X F_Y` is an integer matrix, contracted
    exactly mod :math:`p` (:func:`contract_mod_p`) and its rank taken over
    :math:`\mathrm{GF}(p)` (:func:`rank_mod_p`).

    **Lower bound.** Reduction mod :math:`p` maps each minor of :math:`Z` to the
    same minor of :math:`Z \bmod p`, so a vanishing rational minor stays zero and
    :math:`\operatorname{rank}_p \le \operatorname{rank}_{\mathbb{Q}} Z`; the
    maximum over ``n_primes`` primes is returned.

    **Failure probability.** Let :math:`r` be the true rank and :math:`D \ne 0` an
    :math:`r\times r` minor of :math:`Z`; if :math:`p \nmid D` the rank mod
    :math:`p` is :math:`r`. Entries of :math:`Z` are bounded by
    :math:`E = E_X E_Y W`, where for a side with tensors :math:`T_t` (integer after
    scaling) :math:`E_X = \prod_t \max|T_t| \prod_{\text{internal}} d` for
    :math:`F_X = X` (every term of the sum is at most :math:`\prod_t\max|T_t|`, one
    term per value of the internal labels, a hyper-index counted once) and
    :math:`E_X^{(G)} = E_X^2 \prod_{\text{rows}} d` for the Gram factor. Hadamard
    gives :math:`|D| \le (E\sqrt r)^r \le (E\sqrt n)^n` with
    :math:`n = \min(\text{shape of } Z)\ge r`. The primes of
    :math:`[2^{b-1}, 2^b)` dividing :math:`D` number at most
    :math:`\lfloor\log_2|D|/(b-1)\rfloor`, so for one uniformly random prime

    .. math::
        P(\operatorname{rank}_p < r) \le \frac{\lfloor n(\log_2 E +
        \tfrac12\log_2 n)/(b-1)\rfloor}{\pi(2^b) - \pi(2^{b-1})},

    with the prime count bounded below by :func:`prime_count_lower_bound`; the
    primes are independent, so the bound for the maximum is its
    ``n_primes``-th power. It is 0 when the rank found equals :math:`n`. The bound
    grows with the bits of the scaled weights (53 per float tensor, few for small
    integer weights) and can be vacuous (1.0) for large float networks; more
    primes drive it down geometrically.

    Parameters
    ----------
    x_side, y_side : tuple (arrays, inputs, open_rows)
        Real float arrays, their index-label tuples (any hashables; hyper-indices
        allowed) and the side's open labels that index the rows of :math:`X`
        (columns of :math:`Y`). Labels other than rows and cut are summed within
        the side and must not occur on the other side.
    cut : sequence of hashable
        Labels shared by the two sides (on both sides' tensors, summed across the
        cut only); their order fixes the column order of :math:`X`.
    n_primes : int, default 2
        Number of independent random primes (>= 1).
    seed : None, int or numpy.random.Generator
        Randomness for the primes.
    optimize : optional
        Passed to :func:`tnexpress.contract.contraction_tree`.
    bits : int, default 26
        Prime size, see :func:`random_prime`.

    Returns
    -------
    ExactRank

    Raises
    ------
    TypeError
        Complex or non-numeric arrays, or a malformed side.
    ValueError
        Non-finite entries, inconsistent labels or dimensions, ``n_primes < 1``.
    tnexpress.contract.BudgetError
        If a factor (:math:`W^2` int64 entries) or an intermediate is too large.
    """
    if isinstance(n_primes, bool) or not isinstance(n_primes, (int, np.integer)) or n_primes < 1:
        raise ValueError(f"n_primes must be an int >= 1, got {n_primes!r}")
    bits = _check_bits(bits)
    xa, xi, xr, xs = _parse_side(x_side, "x_side")
    ya, yi, yr, ys = _parse_side(y_side, "y_side")
    cut = tuple(cut)
    if len(set(cut)) != len(cut):
        raise ValueError(f"cut repeats a label: {cut!r}")
    for ix in cut:
        if ix not in xs or ix not in ys:
            side = "x_side" if ix not in xs else "y_side"
            raise ValueError(f"cut label {ix!r} is on no tensor of {side}")
        if xs[ix] != ys[ix]:
            raise ValueError(
                f"cut label {ix!r} has dimension {xs[ix]} in x_side, {ys[ix]} in y_side"
            )
        if ix in xr or ix in yr:
            raise ValueError(f"cut label {ix!r} is also an open row label")
    cset = set(cut)
    shared = (set(xs) & set(ys)) - cset
    if shared:
        raise ValueError(
            f"labels {sorted(map(repr, shared))} are on both sides but not in cut; "
            "every connection between the sides must be a cut label"
        )

    W = math.prod(xs[ix] for ix in cut)
    RX = math.prod(xs[ix] for ix in xr)
    RY = math.prod(ys[ix] for ix in yr)
    gram_x, gram_y = RX > W, RY > W
    nrows = W if gram_x else RX
    ncols = W if gram_y else RY
    check_size(
        float(nrows) * W + float(W) * ncols + float(nrows) * ncols,
        8,
        what="the exact cut factors",
        instead="reduce the cut dimension",
    )

    def network(inputs, rows, gram, first):
        if not gram:
            return list(inputs), ((*rows, *cut) if first else (*cut, *rows))
        keep = set(rows)
        copy = [tuple(ix if ix in keep else _Copy(ix) for ix in t) for t in inputs]
        return [*inputs, *copy], (*cut, *(_Copy(ix) for ix in cut))

    xnet = network(xi, xr, gram_x, True)
    ynet = network(yi, yr, gram_y, False)
    xsizes = {**xs, **{_Copy(k): v for k, v in xs.items()}}
    ysizes = {**ys, **{_Copy(k): v for k, v in ys.items()}}
    xpath = _network_tree_path(*xnet, xsizes, optimize)
    ypath = _network_tree_path(*ynet, ysizes, optimize)
    xscale, yscale = dyadic_scale(xa), dyadic_scale(ya)

    ex = _side_bound(xa, xscale, xi, xr, cut, xs, gram_x)
    ey = _side_bound(ya, yscale, yi, yr, cut, ys, gram_y)
    n = min(nrows, ncols)
    if ex is None or ey is None or n == 0:  # an all-zero tensor: [[A]] = 0
        log2_det = 0.0
    else:
        log2_e = ex + ey + math.log2(W)
        log2_det = max(0.0, n * (log2_e + 0.5 * math.log2(n))) * (1 + 1e-12) + 1e-9
    one = min(1.0, math.floor(log2_det / (bits - 1)) / prime_count_lower_bound(bits))

    rng = np.random.default_rng(seed)
    primes, ranks = [], []
    for _ in range(int(n_primes)):
        p = random_prime(rng, bits)
        rx = [to_residues(a, p, s) for a, s in zip(xa, xscale, strict=True)]
        ry = [to_residues(a, p, s) for a, s in zip(ya, yscale, strict=True)]
        fx = _contract_path(rx * 2 if gram_x else rx, *xnet, xsizes, p, xpath)
        fy = _contract_path(ry * 2 if gram_y else ry, *ynet, ysizes, p, ypath)
        fx, fy = fx.reshape(nrows, W), fy.reshape(W, ncols)
        z = matmul_mod_p(fx, fy, p)
        primes.append(p)
        ranks.append(rank_mod_p(z, p))
    rank = max(ranks)
    fail = 0.0 if (rank == n or ex is None or ey is None) else one ** int(n_primes)
    return ExactRank(rank, tuple(primes), float(fail), tuple(ranks), float(log2_det))
