r"""Exact ranks of tensor-network matricizations, modulo large random primes.

A float64 is a dyadic rational :math:`m\,2^{e}` (integer mantissa ``m`` of at most
53 bits), so scaling every tensor by a power of two (:func:`dyadic_scale`) makes
it an integer tensor (a Gaussian-integer tensor for complex entries) without
changing any rank, and the matricization :math:`[[A]]_{I,J}` becomes an integer
matrix up to a power of two. This module maps such networks to
:math:`\mathrm{GF}(p)` (:func:`to_residues`), contracts them there
(:func:`contract_mod_p`) and takes ranks with FLINT's ``nmod_mat``
(:func:`rank_mod_p`, through python-flint).

Why a rank mod p is a lower bound
---------------------------------
Reduction :math:`\mathbb{Z}[1/2]\to\mathbb{Z}/p` is a ring homomorphism
(:math:`p` odd), so every minor of the reduced matrix is the reduction of the
same minor of :math:`Z`: a minor that vanishes over :math:`\mathbb{Q}` vanishes
mod :math:`p`, hence :math:`\operatorname{rank}_{\mathrm{GF}(p)}(Z \bmod p) \le
\operatorname{rank}_{\mathbb{Q}} Z`. The result can only be too *small*, and it
is exact unless :math:`p` divides every nonzero maximal minor.

For complex entries the primes are :math:`p \equiv 1 \pmod 4`, where
:math:`x^2 + 1` has two roots :math:`\pm\iota` in :math:`\mathrm{GF}(p)`; then
:math:`\varphi: \mathbb{Z}[1/2][i] \to \mathrm{GF}(p)`, :math:`a + b i \mapsto
a + b\iota`, is a ring homomorphism (it is the evaluation of
:math:`\mathbb{Z}[1/2][x]/(x^2+1)` at a root of :math:`x^2+1`), so again
:math:`\operatorname{rank}_p \varphi(Z) \le \operatorname{rank}_{\mathbb{Q}(i)} Z =
\operatorname{rank}_{\mathbb{C}} Z`. Complex conjugation is *not* compatible
with :math:`\varphi` (:math:`\varphi(\bar z) \ne \overline{\varphi(z)}` has no
meaning), so a conjugated tensor is mapped as its own Gaussian-integer tensor
:math:`\bar a - \ldots`, i.e. :math:`a - b\iota` (see :func:`exact_cut_rank`).

Arithmetic
----------
Residues are int64 in :math:`[0, p)`, :math:`p < 2^{62}` (default: random
62-bit primes). :func:`matmul_mod_p` splits both operands into limbs of at most
21 bits and multiplies the limbs with float64 BLAS, exact since every partial
sum stays below :math:`2^{53}`; limbs are recombined with :func:`mulmod`, whose
quotient estimate is a float64 division and whose remainder is computed in
wrapping int64 arithmetic. Ranks (and the one product of the two cut factors,
when needed) run in FLINT; numpy residues enter it through a flat list
(``nmod_mat(m, n, entries, p)``, the fastest constructor measured).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from flint import fmpz, fmpz_mat, nmod_mat

from ..engine.paths import check_size, contraction_tree

__all__ = (
    "ExactRank",
    "random_prime",
    "sqrt_minus_one",
    "is_prime",
    "prime_count_lower_bound",
    "dyadic_scale",
    "to_residues",
    "mulmod",
    "matmul_mod_p",
    "contract_mod_p",
    "rank_mod_p",
    "exact_cut_rank",
)

#: Default prime size: the largest that keeps residue arithmetic in int64.
DEFAULT_BITS = 62
_MIN_BITS, _MAX_BITS = 3, 62
_LIMB = 21  # limb bits of matmul_mod_p: limb products < 2^42, 2^11 of them sum below 2^53

# ----------------------------------------------------------------------------- primes


def is_prime(n: int) -> bool:
    """Primality, proven (FLINT's ``fmpz_is_prime``).

    Examples
    --------
    >>> is_prime(2**61 - 1), is_prime(3215031751)
    (True, False)
    """
    return int(n) >= 2 and bool(fmpz(int(n)).is_prime())


def _check_bits(bits, gaussian=False) -> int:
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)):
        raise TypeError(f"bits must be an int, got {type(bits).__name__}")
    bits = int(bits)
    if not _MIN_BITS <= bits <= _MAX_BITS:
        raise ValueError(f"bits must be in [{_MIN_BITS}, {_MAX_BITS}], got {bits}")
    if gaussian and 22 < bits < 34:
        raise ValueError(
            f"bits must be <= 22 or >= 34 for complex networks (primes 1 mod 4), got {bits}"
        )
    return bits


def random_prime(rng=None, bits: int = DEFAULT_BITS, *, gaussian: bool = False) -> int:
    r"""Draw a uniformly random prime in :math:`[2^{b-1}, 2^{b})`.

    Rejection sampling: candidates (odd, or :math:`\equiv 1 \bmod 4` when
    ``gaussian``) are drawn uniformly and the first prime kept, so every prime
    of the range (of the residue class) is equally likely.

    Parameters
    ----------
    rng : None, int or numpy.random.Generator
        Source of randomness (passed to :func:`numpy.random.default_rng`).
    bits : int, default 62
        :math:`b`, in [3, 62]: residues below :math:`2^{62}` keep every sum of
        two in int64 (see the module docstring). The failure probability of
        :func:`exact_cut_rank` falls roughly like :math:`2^{-b}` per prime.
    gaussian : bool, default False
        Draw :math:`p \equiv 1 \pmod 4` (complex networks); ``bits`` must then be
        at most 22 or at least 34 (where :func:`prime_count_lower_bound` is proven).

    Returns
    -------
    int

    Examples
    --------
    >>> p = random_prime(0, gaussian=True)
    >>> p.bit_length(), p % 4, is_prime(p)
    (62, 1, True)
    """
    bits = _check_bits(bits, gaussian)
    rng = np.random.default_rng(rng)
    lo, hi = 1 << (bits - 1), 1 << bits
    while True:
        n = int(rng.integers(lo, hi))
        n = (n & ~3) | 1 if gaussian else n | 1
        if lo <= n < hi and is_prime(n):
            return n


def sqrt_minus_one(p: int, rng=None) -> int:
    r"""A root :math:`\iota` of :math:`x^2 + 1` mod a prime :math:`p \equiv 1 \pmod 4`.

    :math:`\iota = c^{(p-1)/4}` for the least quadratic non-residue :math:`c`
    (Euler's criterion gives :math:`\iota^2 = c^{(p-1)/2} = -1`); with ``rng``
    one of the two roots :math:`\pm\iota` is picked uniformly at random.

    Examples
    --------
    >>> pow(sqrt_minus_one(13), 2, 13)
    12
    """
    p = int(p)
    if p % 4 != 1 or not is_prime(p):
        raise ValueError(f"p must be a prime = 1 (mod 4), got {p}")
    c = 2
    while pow(c, (p - 1) // 2, p) != p - 1:
        c += 1
    root = pow(c, (p - 1) // 4, p)
    if rng is not None and np.random.default_rng(rng).integers(2):
        root = p - root
    return root


@cache
def prime_count_lower_bound(bits: int, gaussian: bool = False) -> int:
    r"""Bound the number of primes in :math:`[2^{b-1}, 2^{b})` from below, provably.

    Exact count (sieve) for :math:`b \le 22`. Above, all primes: Dusart's bounds
    (Math. Comp. 68, 1999), :math:`\pi(x) \ge \frac{x}{\ln x}(1 + \frac{1}{\ln x})`
    for :math:`x \ge 599` and :math:`\pi(x) \le \frac{x}{\ln x}(1 + \frac{1}{\ln
    x} + \frac{2.51}{\ln^2 x})` for :math:`x \ge 355991`, so the count is at least
    :math:`\pi_{\rm low}(2^b) - \pi_{\rm up}(2^{b-1})` (1,867,000 for ``b=26``;
    the true count is 1,894,120). Primes :math:`\equiv 1 \pmod 4` (``gaussian``,
    :math:`b \ge 34`): Bennett, Martin, O'Bryant and Rechnitzer (Illinois J.
    Math. 62, 2018) prove :math:`|\theta(x; 4, 1) - x/2| < \frac{x}{160 \ln x}`
    for :math:`x \ge 8\cdot 10^9`; every prime counted adds at most
    :math:`\ln 2^b` to :math:`\theta`, so the count is at least
    :math:`[\theta_{\rm low}(2^b) - \theta_{\rm up}(2^{b-1})] / \ln 2^b`.

    Parameters
    ----------
    bits : int
        :math:`b`, in [3, 62] (``gaussian``: at most 22 or at least 34).
    gaussian : bool, default False
        Count only the primes :math:`\equiv 1 \pmod 4`.

    Returns
    -------
    int
    """
    bits = _check_bits(bits, gaussian)
    if bits <= 22:
        hi = 1 << bits
        sieve = np.ones(hi, dtype=bool)
        sieve[:2] = False
        for q in range(2, math.isqrt(hi) + 1):
            if sieve[q]:
                sieve[q * q :: q] = False
        top = sieve[hi >> 1 :]
        return int(top[1::4].sum() if gaussian else top.sum())  # hi/2 = 0 (mod 4) for b >= 3
    x, y = float(1 << bits), float(1 << (bits - 1))
    lx, ly = math.log(x), math.log(y)
    if gaussian:
        low = x / 2 - x / (160 * lx) - y / 2 - y / (160 * ly)
        return int(math.floor(low / lx)) - 1
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


def _finite(array, name="array") -> np.ndarray:
    """float64 or complex128 copy-free view of a finite numeric array."""
    a = np.asarray(array)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise TypeError(f"{name} must be a numeric array, got dtype {a.dtype}")
    if np.issubdtype(a.dtype, np.integer) and a.size and np.abs(a).max() >= 2**53:
        raise ValueError(f"{name} has integer entries of magnitude >= 2^53; not exact as float64")
    a = a.astype(np.complex128 if np.iscomplexobj(a) else np.float64, copy=False)
    if not np.isfinite(a).all():
        raise ValueError(f"{name} has non-finite entries (inf or nan)")
    return a


def _mantissa_exponent(a: np.ndarray):
    """Split real ``a = M * 2^E`` exactly: int64 ``M`` (|M| < 2^53) and int64 ``E``."""
    m, e = np.frexp(a)
    M = np.ldexp(m, 53).astype(np.int64)  # exact: |m| in [0.5, 1), 53 significant bits
    return M, e.astype(np.int64) - 53


def dyadic_scale(arrays) -> list[int]:
    r"""Per-array exponents :math:`s_t` making every :math:`2^{s_t} T_t` an integer array.

    Writing each nonzero real (and imaginary) part as :math:`M\,2^{E}` with odd
    integer :math:`M`, :math:`s_t = \max(-E)` over the parts of :math:`T_t` (0 for
    an all-zero array), the smallest exponent that works; it is negative when
    every part is an even integer. Scaling by a nonzero scalar changes no rank.

    Parameters
    ----------
    arrays : sequence of array_like
        Real or complex, finite arrays.

    Returns
    -------
    list of int
    """
    out = []
    for i, arr in enumerate(arrays):
        a = _finite(arr, f"arrays[{i}]")
        parts = np.concatenate([a.real.ravel(), a.imag.ravel()]) if a.dtype.kind == "c" else a
        nz = parts[parts != 0]
        if nz.size == 0:
            out.append(0)
            continue
        M, E = _mantissa_exponent(nz)
        low = M & -M  # lowest set bit of the mantissa, a power of two
        tz = np.frexp(low.astype(np.float64))[1].astype(np.int64) - 1
        out.append(int((-(E + tz)).max()))
    return out


def _real_residues(a, p, s):
    M, E = _mantissa_exponent(a)
    E += s
    lo = int(E.min()) if E.size else 0
    table = np.array([pow(2, k, p) for k in range(lo, int(E.max()) + 1)] if E.size else [])
    return mulmod(M % p, table.astype(np.int64)[E - lo], p)


def to_residues(array, p: int, scale_exp: int = 0, *, root=None) -> np.ndarray:
    r"""Exact residues :math:`\varphi(x\,2^{s})` in :math:`\mathrm{GF}(p)` of a float array.

    A real entry :math:`x = M\,2^{E}` (``np.frexp``, integer :math:`|M| < 2^{53}`)
    maps to :math:`(M \bmod p)\cdot(2^{E+s} \bmod p) \bmod p`; a negative power of
    two uses the inverse of 2 mod :math:`p`, the reduction of the dyadic rational.
    A complex entry :math:`a + bi` maps to :math:`\varphi(a) + \iota\,\varphi(b)`
    with :math:`\iota` = ``root``, a root of :math:`x^2 + 1` mod :math:`p`
    (:func:`sqrt_minus_one`). With ``scale_exp`` from :func:`dyadic_scale` all
    powers are nonnegative.

    Parameters
    ----------
    array : array_like
        Finite array (float, integer or complex dtype).
    p : int
        Odd prime below :math:`2^{62}`.
    scale_exp : int, default 0
        :math:`s`.
    root : int, optional
        :math:`\iota`, required for complex input (:math:`\iota^2 \equiv -1`).

    Returns
    -------
    numpy.ndarray
        int64 array of the same shape, entries in :math:`[0, p)`.

    Raises
    ------
    TypeError
        Non-numeric input.
    ValueError
        Non-finite entries, ``p`` not an odd prime below :math:`2^{62}`, or complex
        input without a valid ``root``.

    Examples
    --------
    >>> to_residues([0.5, -3.0], 7).tolist()  # 1/2 = 4, -3 = 4 (mod 7)
    [4, 4]
    >>> to_residues([1 + 2j], 13, root=5).tolist()  # 1 + 2*5 = 11, and 5^2 = -1 (mod 13)
    [11]
    """
    p = _check_prime(p)
    a = _finite(array)
    s = int(scale_exp)
    if a.dtype.kind != "c":
        return _real_residues(a, p, s)
    if root is None or pow(int(root), 2, p) != p - 1:
        raise ValueError(
            f"complex entries need root, a square root of -1 mod p = {p} (p = 1 mod 4); "
            f"got {root!r}"
        )
    im = mulmod(_real_residues(a.imag, p, s), np.full(a.shape, int(root) % p), p)
    return (_real_residues(a.real, p, s) + im) % p


# ----------------------------------------------------------------------------- arithmetic


def _mulmod_small(x, c, p):
    """``x * c mod p`` for residues ``x`` (< p < 2^62) and ``0 <= c < 2^22``.

    The float64 quotient estimate ``floor(x c / p)`` (< 2^23) is off by at most
    one (relative error < 2^-50), so ``x c - q p`` lies in ``[-p, 2p)``, inside
    int64, and wrapping int64 arithmetic computes it exactly.
    """
    c = np.asarray(c, dtype=np.int64)
    q = np.floor(x.astype(np.float64) * c.astype(np.float64) / float(p)).astype(np.int64)
    with np.errstate(over="ignore"):
        r = x * c - q * p
    r += p * (r < 0)
    r -= p * (r >= p)
    return r


def mulmod(x, y, p: int) -> np.ndarray:
    r"""Exact elementwise :math:`x\,y \bmod p` of int64 residues, :math:`p < 2^{62}`.

    For :math:`p < 2^{31}` the product fits int64. Otherwise
    :math:`y = y_0 + y_1 2^{21} + y_2 2^{42}` and Horner's rule
    :math:`((x y_2) 2^{21} + x y_1) 2^{21} + x y_0`, every step a product by a
    factor below :math:`2^{22}` reduced exactly (float64 quotient, int64 remainder;
    measured faster than one ``np.longdouble`` quotient).

    Examples
    --------
    >>> p = 2**61 - 1
    >>> int(mulmod(np.array([p - 1]), np.array([p - 2]), p)[0]) == (p - 1) * (p - 2) % p
    True
    """
    x, y = np.asarray(x, dtype=np.int64), np.asarray(y, dtype=np.int64)
    if p < 1 << 31:
        return x * y % p
    mask = (1 << _LIMB) - 1
    r = _mulmod_small(x, y >> (2 * _LIMB), p)
    for j in (1, 0):
        r = _mulmod_small(r, 1 << _LIMB, p) + _mulmod_small(x, (y >> (_LIMB * j)) & mask, p)
        r -= p * (r >= p)
    return r


def _digits(x: np.ndarray, nl: int, limb: int) -> list:
    """Balanced base-``2^limb`` digits of ``x < 2^(nl limb)`` as float64: |d| <= 2^(limb-1)."""
    half, mask, out = 1 << (limb - 1), (1 << limb) - 1, []
    for _ in range(nl - 1):
        d = ((x + half) & mask) - half
        x = (x - d) >> limb
        out.append(d.astype(np.float64))
    return [*out, x.astype(np.float64)]


def matmul_mod_p(a: np.ndarray, b: np.ndarray, p: int) -> np.ndarray:
    r"""Exact :math:`(a\,b) \bmod p` of int64 residue arrays (``np.matmul`` broadcasting).

    Both operands are written in :math:`n = \lceil (\beta + 1) / 21\rceil`
    balanced digits of :math:`L = \lceil (\beta + 1)/n \rceil \le 21` bits
    (:math:`p < 2^\beta`; one digit, unsigned, for :math:`\beta \le 21`),
    :math:`a = \sum_i a_i 2^{Li}`, :math:`|a_i| \le 2^{L-1}`, multiplied Karatsuba-style: the float64 BLAS
    products :math:`a_i b_i` and :math:`(a_i + a_j)(b_i + b_j)` (:math:`i < j`;
    6 products for 62-bit primes, 3 for :math:`\beta \le 41`) have entries that
    are sums of at most :math:`2^{53-2L}` (chunked) integers of magnitude at most
    :math:`2^{2L}`, exact in any summation order. Then :math:`C_k = \sum_{i+j=k}
    a_i b_j` (int64) is recombined by Horner's rule in :math:`2^L` mod :math:`p`.

    Parameters
    ----------
    a, b : numpy.ndarray
        int64 residues in :math:`[0, p)`, matmul-compatible shapes.
    p : int
        Prime below :math:`2^{62}` (not re-checked).

    Returns
    -------
    numpy.ndarray
        int64 residues in :math:`[0, p)`.
    """
    bits = int(p - 1).bit_length()
    nl = 1 if bits <= _LIMB else -(-(bits + 1) // _LIMB)  # nl L > bits: top digit balanced
    limb = bits if nl == 1 else -(-(bits + 1) // nl)
    kmax = 1 << (53 - 2 * limb)
    K = a.shape[-1]
    if K > kmax:
        out = None
        for k0 in range(0, K, kmax):
            part = matmul_mod_p(a[..., k0 : k0 + kmax], b[..., k0 : k0 + kmax, :], p)
            out = part if out is None else (out + part) % p
        return out
    if nl == 1:
        return np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(np.int64) % p
    if K == 1:  # outer / Hadamard products (hyper-indices): elementwise
        return mulmod(a, b[..., :1, :], p)
    da, db = _digits(a, nl, limb), _digits(b, nl, limb)
    sq = [np.matmul(da[i], db[i]).astype(np.int64) for i in range(nl)]  # |.| <= 2^53
    C = [None] * (2 * nl - 1)
    for i in range(nl):
        C[2 * i] = sq[i].copy()
    for i in range(nl):
        for j in range(i + 1, nl):
            q = np.matmul(da[i] + da[j], db[i] + db[j]).astype(np.int64)
            q -= sq[i]
            q -= sq[j]
            C[i + j] = q if C[i + j] is None else C[i + j] + q  # |C| < 2^55
    r = C[-1] % p
    for c in C[-2::-1]:
        r = (_mulmod_small(r, 1 << limb, p) + c % p) % p
    return r


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
        Odd prime below :math:`2^{62}`.
    tree : cotengra.ContractionTree, optional
        Tree over the same ``inputs`` (its SSA path is used); default:
        :func:`tnexpress.engine.paths.contraction_tree`.
    optimize : optional
        Passed to :func:`~tnexpress.engine.paths.contraction_tree` when ``tree`` is None.

    Returns
    -------
    numpy.ndarray
        int64 residues with shape given by ``output`` (0-d for a scalar).

    Raises
    ------
    tnexpress.engine.budget.BudgetError
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
    """Exact pairwise contraction mod ``p`` along an SSA ``path`` (validated inputs)."""
    if not arrays:
        return np.array(1 % p, dtype=np.int64)
    # complete a partial path (disconnected pieces left over) by chaining the rest
    n = len(inputs)
    live = set(range(n))
    nxt = n
    full = []
    for step in path:
        full.append(tuple(step))
        live.difference_update(step)
        live.add(nxt)
        nxt += 1
    live = sorted(live)
    while len(live) > 1:
        full.append((live[0], live[1]))
        live = [*live[2:], nxt]
        nxt += 1

    # how many live tensors (plus the output) carry each label
    count: dict = {}
    for term in inputs:
        for ix in term:
            count[ix] = count.get(ix, 0) + 1
    for ix in output:
        count[ix] = count.get(ix, 0) + 1

    # plan: inds of every intermediate, with a memory check before any work
    terms = list(inputs)
    plan_count = dict(count)
    plan = []
    biggest = 0
    for step in full:
        ops = [terms[s] for s in step]
        for t in ops:
            for ix in t:
                plan_count[ix] -= 1
        merged = list(dict.fromkeys(ix for t in ops for ix in t))
        kept = tuple(ix for ix in merged if plan_count[ix] > 0)
        for ix in kept:
            plan_count[ix] += 1
        terms.append(kept)
        plan.append(kept)
        biggest = max(biggest, math.prod(size_dict[ix] for ix in kept))
    check_size(
        biggest,
        8 * 3,
        what="the largest intermediate of the exact contraction",
        instead="reduce the cut or the network",
    )

    tensors: dict = dict(enumerate(zip(arrays, inputs, strict=True)))
    cnt = dict(count)

    if not full:
        x, t = tensors[0]
    for k_step, ((i, j), kept) in enumerate(zip(full, plan, strict=True)):
        (a, ta), (b, tb) = tensors.pop(i), tensors.pop(j)
        for ix in ta + tb:
            cnt[ix] -= 1
        keep = set(kept)
        sa, sb = set(ta), set(tb)
        # sum out labels private to one operand and needed nowhere else
        axes = tuple(k for k, ix in enumerate(ta) if ix not in sb and ix not in keep)
        a = _sum_mod(a, axes, p)
        ta = tuple(ix for ix in ta if ix in sb or ix in keep)
        axes = tuple(k for k, ix in enumerate(tb) if ix not in sa and ix not in keep)
        b = _sum_mod(b, axes, p)
        tb = tuple(ix for ix in tb if ix in sa or ix in keep)
        sa, sb = set(ta), set(tb)
        batch = [ix for ix in ta if ix in sb and ix in keep]
        con = [ix for ix in ta if ix in sb and ix not in keep]
        lf = [ix for ix in ta if ix not in sb]
        rf = [ix for ix in tb if ix not in sa]
        dims = [size_dict[ix] for ix in batch], [size_dict[ix] for ix in lf]
        am = a.transpose([ta.index(ix) for ix in batch + lf + con]).reshape(
            math.prod(dims[0]), math.prod(dims[1]), math.prod(size_dict[ix] for ix in con)
        )
        bm = b.transpose([tb.index(ix) for ix in batch + con + rf]).reshape(
            math.prod(dims[0]),
            math.prod(size_dict[ix] for ix in con),
            math.prod(size_dict[ix] for ix in rf),
        )
        c = matmul_mod_p(am, bm, p)
        cinds = batch + lf + rf
        c = c.reshape([size_dict[ix] for ix in cinds])
        c = c.transpose([cinds.index(ix) for ix in kept])
        for ix in kept:
            cnt[ix] += 1
        tensors[len(inputs) + k_step] = (c.copy(order="C"), tuple(kept))
        x, t = c, tuple(kept)
    # the root: drop labels not in the output (possible when only output remains)
    axes = tuple(k for k, ix in enumerate(t) if ix not in output)
    x = _sum_mod(x, axes, p)
    t = tuple(ix for ix in t if ix in output)
    return (x.transpose([t.index(ix) for ix in output]) % p).copy(order="C")


# ----------------------------------------------------------------------------- rank


def _to_nmod(m: np.ndarray, p: int):
    """Convert int64 residues to FLINT ``nmod_mat``.

    Through ``fmpz_mat(rows, cols, flat list)``: measured 0.36 s + 0.04 s for a
    1024 x 1024 matrix, against 0.83 s for ``nmod_mat(rows, cols, list, p)``.
    """
    return nmod_mat(fmpz_mat(m.shape[0], m.shape[1], m.ravel().tolist()), p)


def rank_mod_p(matrix, p: int) -> int:
    r"""Rank over :math:`\mathrm{GF}(p)` of an integer (residue) matrix, by FLINT.

    FLINT's ``nmod_mat_rank`` (LU decomposition with fast matrix products).

    Parameters
    ----------
    matrix : array_like
        2-d integer array (any integers; reduced mod ``p`` first).
    p : int
        Odd prime below :math:`2^{62}`.

    Returns
    -------
    int
        The rank mod ``p``; never more than the rank over :math:`\mathbb{Q}`.

    Examples
    --------
    >>> rank_mod_p([[1, 2], [3, 6]], 7), rank_mod_p([[1, 1], [1, 8]], 7)
    (1, 1)
    """
    p = _check_prime(p)
    a = np.asarray(matrix)
    if a.ndim != 2:
        raise ValueError(f"matrix must be 2-d, got shape {a.shape}")
    if a.dtype == object:
        A = np.array([[int(v) % p for v in row] for row in a], dtype=np.int64).reshape(a.shape)
    elif np.issubdtype(a.dtype, np.integer):
        A = a.astype(np.int64) % p
    else:
        raise TypeError(f"matrix must have an integer dtype, got {a.dtype}")
    return int(_to_nmod(A, p).rank())


def _product_rank(fx: np.ndarray, fy: np.ndarray, p: int) -> int:
    r"""``rank_p(fx @ fy)``, skipping the product when a factor has full rank ``W``.

    If :math:`F_X` (:math:`m \times W`) has rank :math:`W` mod :math:`p` it is
    injective over :math:`\mathrm{GF}(p)`, so :math:`\operatorname{rank}_p(F_X
    F_Y) = \operatorname{rank}_p F_Y`; likewise if :math:`F_Y` has rank :math:`W`.
    Otherwise the product is formed (FLINT) and its rank taken.
    """
    W = fx.shape[1]
    X, Y = _to_nmod(fx, p), _to_nmod(fy, p)
    rx = ry = None
    if fx.shape[0] >= W:
        rx = X.rank()
        if rx == W:
            return int(Y.rank())
    if fy.shape[1] >= W:
        ry = Y.rank()
        if ry == W:
            return int(X.rank() if rx is None else rx)
    return int((X * Y).rank())


# ----------------------------------------------------------------------------- cut rank


@dataclass(frozen=True)
class ExactRank:
    r"""Result of :func:`exact_cut_rank`.

    Attributes
    ----------
    rank : int
        :math:`\max_i \operatorname{rank}_{\mathrm{GF}(p_i)}`: a proven lower
        bound on the rank over :math:`\mathbb{Q}` (:math:`\mathbb{Q}(i)` for
        complex networks), equal to the rank over :math:`\mathbb{R}` (:math:`\mathbb{C}`).
    primes : tuple of int
        The primes used (fewer than ``n_primes`` when the first reached the
        largest rank the factor shapes allow).
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
    arrays = [_finite(a, f"{name} arrays[{i}]") for i, a in enumerate(arrays)]
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


def _side_bound(arrays, scales, rows, cut, sizes, gram):
    """log2 of a bound on |entries| of the side's integer factor (None if all zero)."""
    total = 0.0
    for a, s in zip(arrays, scales, strict=True):
        if a.dtype.kind == "c":  # |a + bi| <= sqrt(2) max(|a|, |b|)
            parts = np.abs(np.concatenate([a.real.ravel(), a.imag.ravel()]))
            nz, extra = parts[parts != 0], 0.5
        else:
            nz, extra = np.abs(a[a != 0]), 0.0
        if nz.size == 0:
            return None
        total += int(np.frexp(nz)[1].max()) + s + extra  # |x 2^s| < 2^(e+s)
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
    else the Gram matrix :math:`G_X = X^{\mathsf H} X` (:math:`W\times W`),
    contracted as a doubled network (the conjugated side, and a copy with every
    non-row label renamed, row labels shared and summed); likewise :math:`F_Y = Y`
    or :math:`G_Y = Y Y^{\mathsf H}`. Over :math:`\mathbb{C}`,
    :math:`\operatorname{rank}(X^{\mathsf H} X M) = \operatorname{rank}(X M)`
    (:math:`X^{\mathsf H}XMv = 0` gives :math:`\|XMv\|^2 = v^{\mathsf H}M^{\mathsf H}
    X^{\mathsf H}XMv = 0`), and :math:`\operatorname{rank}(M Y Y^{\mathsf H}) =
    \operatorname{rank}(M Y)` by the same argument on the adjoint, so
    :math:`\operatorname{rank}(F_X F_Y) = \operatorname{rank}(XY)`. Every tensor is
    first scaled by a power of two to an integer (Gaussian-integer) tensor
    (:func:`dyadic_scale`), so :math:`Z = F_X F_Y` is a matrix over
    :math:`\mathbb{Z}[i]`, computed *exactly* there; :math:`\bar X` is just
    another Gaussian-integer network, mapped entrywise as :math:`a - b\iota`. Only
    then is :math:`Z` reduced: the sides are contracted in :math:`\mathrm{GF}(p)`
    (:func:`contract_mod_p`, the homomorphism commutes with every sum and
    product) and the rank of :math:`\varphi(Z)` taken (FLINT; the product
    :math:`F_X F_Y` is skipped when a factor has full rank :math:`W`).

    **Lower bound.** :math:`\varphi` maps each minor of :math:`Z` to the same
    minor of :math:`\varphi(Z)`, so :math:`\operatorname{rank}_p \le
    \operatorname{rank} Z`; the maximum over the primes is returned, and no more
    primes are drawn once one reaches :math:`n = \min(\text{shape of } Z)`.

    **Failure probability.** Let :math:`r` be the true rank and :math:`D \ne 0` an
    :math:`r\times r` minor of :math:`Z`. Entries of :math:`Z` are bounded by
    :math:`E = E_X E_Y W`, where for a side with tensors :math:`T_t` (integer after
    scaling) :math:`E_X = \prod_t \max|T_t| \prod_{\text{internal}} d` for
    :math:`F_X = X` (one term per value of the internal labels, a hyper-index
    counted once) and :math:`E_X^{(G)} = E_X^2 \prod_{\text{rows}} d` for the Gram
    factor. Hadamard gives :math:`|D| \le (E\sqrt n)^n`. Real networks: the primes
    of :math:`[2^{b-1}, 2^b)` dividing :math:`D` number at most
    :math:`\lfloor\log_2|D|/(b-1)\rfloor`. Complex networks: :math:`\varphi(D) = 0`
    means the Gaussian prime :math:`\pi = (p, i - \iota)` (norm :math:`p`) divides
    :math:`D`; distinct pairs :math:`(p, \iota)` give distinct such primes, whose
    norms multiply to at most :math:`N(D) = |D|^2`, so at most
    :math:`\lfloor 2\log_2|D|/(b-1)\rfloor` of the :math:`2N_1` pairs
    (:math:`N_1` primes :math:`\equiv 1 \bmod 4`, each with its two roots, drawn
    uniformly) are bad. For one random prime

    .. math::
        P(\operatorname{rank}_p < r) \le \frac{\lfloor n(\log_2 E +
        \tfrac12\log_2 n)/(b-1)\rfloor}{N}, \qquad \text{resp.}\quad
        \frac{\lfloor 2n(\log_2 E + \tfrac12\log_2 n)/(b-1)\rfloor}{2 N_1},

    with :math:`N, N_1` bounded below by :func:`prime_count_lower_bound`; the
    primes are independent, so the bound for the maximum is its
    ``n_primes``-th power. It is 0 when the rank found equals :math:`n`. With
    62-bit primes one prime gives about :math:`10^{-12}` for a float network of
    :math:`W = 1024`.

    Parameters
    ----------
    x_side, y_side : tuple (arrays, inputs, open_rows)
        Real or complex float arrays, their index-label tuples (any hashables;
        hyper-indices allowed) and the side's open labels that index the rows
        of :math:`X` (columns of :math:`Y`). Labels other than rows and cut are
        summed within the side and must not occur on the other side.
    cut : sequence of hashable
        Labels shared by the two sides (on both sides' tensors, summed across the
        cut only); their order fixes the column order of :math:`X`.
    n_primes : int, default 2
        Largest number of independent random primes (>= 1).
    seed : None, int or numpy.random.Generator
        Randomness for the primes (and the roots of -1).
    optimize : optional
        Passed to :func:`tnexpress.engine.paths.contraction_tree`.
    bits : int, default 62
        Prime size, see :func:`random_prime`.

    Returns
    -------
    ExactRank

    Raises
    ------
    TypeError
        Non-numeric arrays, or a malformed side.
    ValueError
        Non-finite entries, inconsistent labels or dimensions, ``n_primes < 1``.
    tnexpress.engine.budget.BudgetError
        If a factor (:math:`W^2` int64 entries) or an intermediate is too large.

    Examples
    --------
    >>> H = 1.0 / (np.arange(30)[:, None] + np.arange(30) + 1.0)  # Hilbert: float rank < 30
    >>> res = exact_cut_rank(([H], [("a", "c")], ("a",)), ([H], [("c", "b")], ("b",)), ("c",))
    >>> res.rank, res.failure_probability, int(np.linalg.matrix_rank(H @ H)) < 30
    (30, 0.0, True)
    """
    if isinstance(n_primes, bool) or not isinstance(n_primes, (int, np.integer)) or n_primes < 1:
        raise ValueError(f"n_primes must be an int >= 1, got {n_primes!r}")
    xa, xi, xr, xs = _parse_side(x_side, "x_side")
    ya, yi, yr, ys = _parse_side(y_side, "y_side")
    gaussian = any(a.dtype.kind == "c" for a in xa + ya)
    bits = _check_bits(bits, gaussian)
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
    shared = (set(xs) & set(ys)) - set(cut)
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

    ex = _side_bound(xa, xscale, xr, cut, xs, gram_x)
    ey = _side_bound(ya, yscale, yr, cut, ys, gram_y)
    n = min(nrows, ncols)
    if ex is None or ey is None or n == 0:  # an all-zero tensor: [[A]] = 0
        log2_det = 0.0
    else:
        log2_e = ex + ey + math.log2(W)
        log2_det = max(0.0, n * (log2_e + 0.5 * math.log2(n))) * (1 + 1e-12) + 1e-9
    if gaussian:  # bad (prime, root) pairs among 2 N_1
        bad, pairs = math.floor(2 * log2_det / (bits - 1)), 2 * prime_count_lower_bound(bits, True)
    else:
        bad, pairs = math.floor(log2_det / (bits - 1)), prime_count_lower_bound(bits)
    one = min(1.0, bad / pairs)

    rng = np.random.default_rng(seed)
    primes, ranks = [], []
    for _ in range(int(n_primes)):
        p = random_prime(rng, bits, gaussian=gaussian)
        root = sqrt_minus_one(p, rng) if gaussian else None

        def residues(arrays, scales, conj=False, p=p, root=root):
            return [
                to_residues(np.conj(a) if conj else a, p, s, root=root)
                for a, s in zip(arrays, scales, strict=True)
            ]

        # Gram: G_X = X^H X conjugates the first copy (rows c), G_Y = Y Y^H the second
        rx = residues(xa, xscale, conj=gram_x)
        rx = [*rx, *residues(xa, xscale)] if gram_x else rx
        ry = residues(ya, yscale)
        ry = [*ry, *residues(ya, yscale, conj=True)] if gram_y else ry
        fx = _contract_path(rx, *xnet, xsizes, p, xpath).reshape(nrows, W)
        fy = _contract_path(ry, *ynet, ysizes, p, ypath).reshape(W, ncols)
        primes.append(p)
        ranks.append(_product_rank(fx, fy, p))
        if ranks[-1] == n:
            break
    rank = max(ranks)
    fail = 0.0 if (rank == n or ex is None or ey is None) else one ** len(primes)
    return ExactRank(rank, tuple(primes), float(fail), tuple(ranks), float(log2_det))
