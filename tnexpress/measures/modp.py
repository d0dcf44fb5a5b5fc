r"""Arithmetic in :math:`\mathrm{GF}(p)` for exact ranks: primes, residues, products, FLINT ranks.

Random primes (all, or :math:`\equiv 1 \bmod 4` for complex networks) with a
proven lower bound on how many there are; exact residues of float64 (and
complex128) arrays, a ring homomorphism on dyadic rationals (Gaussian dyadic
rationals); exact modular products of int64 residue arrays on float64 BLAS;
ranks by FLINT's ``nmod_mat`` (python-flint). See :mod:`tnexpress.measures.exact`
for why a rank mod :math:`p` is a lower bound.

Arithmetic
----------
Residues are int64 in :math:`[0, p)`, :math:`p < 2^{62}` (default: random
62-bit primes; one of them replaces the two to four 26-bit primes of a
comparable failure bound). :func:`matmul_mod_p` writes both operands in balanced
digits of at most 21 bits and multiplies them Karatsuba-style with float64
BLAS (6 products), exact since every partial sum stays within :math:`2^{53}`;
digits are recombined with a float64 quotient estimate and a wrapping int64
remainder (:func:`mulmod`). Ranks, row echelon forms (and products of the two
cut factors, when needed) run in FLINT, on the arrays' memory
(:mod:`tnexpress.measures._flint`: about 1 ms per million entries, against
0.4 s through python-flint's ``fmpz_mat(m, n, list)``). Residues of a float
array are computed from its one-time dyadic split (:class:`Dyadic`) for every
prime, in cache-sized chunks.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from flint import fmpz

from . import _flint

__all__ = (
    "random_prime",
    "sqrt_minus_one",
    "is_prime",
    "prime_count_lower_bound",
    "dyadic_scale",
    "to_residues",
    "Dyadic",
    "mulmod",
    "matmul_mod_p",
    "rank_mod_p",
    "sum_mod",
)

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


_CHUNK = 1 << 14  # entries per step of the residue loop: temporaries stay in cache


def _mantissa_exponent(a: np.ndarray):
    """Split real ``a = M * 2^E`` exactly: int64 ``M`` (|M| < 2^53) and int16 ``E``."""
    m, e = np.frexp(a)
    M = np.ldexp(m, 53).astype(np.int64)  # exact: |m| in [0.5, 1), 53 significant bits
    return M, (e - 53).astype(np.int16)  # E in [-1127, 971]


def _split(x: np.ndarray):
    """``(M, E, v, t)`` of a flat real array, in chunks: ``x = M 2^E`` exactly.

    ``v``: the least 2-adic valuation of a nonzero entry (``E`` plus the
    trailing zeros of ``M``), ``t``: the largest ``frexp`` exponent (``|x| <
    2^t``); both ``None`` when every entry is zero.
    """
    n = x.size
    M, E = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int16)
    v = t = None
    for i in range(0, n, _CHUNK):
        m, e = np.frexp(x[i : i + _CHUNK])
        mi = (m * 9007199254740992.0).astype(np.int64)  # m 2^53: exact
        M[i : i + _CHUNK] = mi
        E[i : i + _CHUNK] = e - 53
        nz = mi != 0
        if not nz.all():
            if not nz.any():
                continue
            mi, e = mi[nz], e[nz]
        low = (mi & -mi).astype(np.float64)  # lowest set bit of the mantissa: 2^tz
        vi = int((e + np.frexp(low)[1]).min()) - 54  # e - 53 + tz, frexp(2^tz)[1] = tz + 1
        ti = int(e.max())
        v = vi if v is None else min(v, vi)
        t = ti if t is None else max(t, ti)
    return M, E, v, t


class Dyadic:
    r"""One float array as exact dyadic integers, :math:`2^{s} T = M\,2^{k}`, for any prime.

    Each real (and imaginary) part is split once into int64 mantissas
    :math:`M` (:math:`|M| < 2^{53}`) and int16 exponents :math:`E`
    (``np.frexp``); ``scale`` is the smallest :math:`s` making every
    :math:`M\,2^{E+s}` an integer (:func:`dyadic_scale`), and
    :meth:`residues` maps the scaled array to :math:`\mathrm{GF}(p)` for any
    prime without redoing the split (chunks of :data:`_CHUNK` entries).

    Attributes
    ----------
    scale : int
        :math:`s` (0 for an all-zero array).
    log2_max : float or None
        An upper bound on :math:`\log_2 \max |2^s T|` (:math:`|a + bi| \le \sqrt 2
        \max(|a|, |b|)`); ``None`` for an all-zero array.
    """

    __slots__ = ("shape", "parts", "scale", "log2_max")

    def __init__(self, array, name="array"):
        a = _finite(array, name)
        self.shape = a.shape
        parts = (a.real, a.imag) if a.dtype.kind == "c" else (a,)
        s, top, self.parts = None, None, []
        for x in parts:
            M, E, v, t = _split(np.ascontiguousarray(x).ravel())
            self.parts.append((M, E))
            if v is not None:
                s = -v if s is None else max(s, -v)
                top = t if top is None else max(top, t)
        self.scale = 0 if s is None else s
        extra = 0.5 if len(parts) == 2 else 0.0
        self.log2_max = None if top is None else top + self.scale + extra  # |x 2^s| < 2^(e+s)

    def _part(self, k, p, s):
        M, E = self.parts[k]
        out = np.empty(M.shape, dtype=np.int64)
        if not M.size:
            return out
        lo = int(E.min()) + s
        table = np.array([pow(2, j, p) for j in range(lo, int(E.max()) + s + 1)], dtype=np.int64)
        off = s - lo
        small, big = p < 1 << 31, p > 1 << 53
        for i in range(0, M.size, _CHUNK):
            m = M[i : i + _CHUNK]
            t = table[E[i : i + _CHUNK] + off]
            if small:  # (M mod p) t < 2^62
                out[i : i + _CHUNK] = (m % p) * t % p
            else:
                m = m + p * (m < 0) if big else m % p  # |M| < 2^53 < p
                out[i : i + _CHUNK] = mulmod(m, t, p)
        return out

    def residues(self, p: int, scale_exp=None, *, root=None, conj: bool = False) -> np.ndarray:
        r"""Residues of :math:`2^{s} T` (of :math:`2^s \bar T` with ``conj``) mod ``p``.

        ``scale_exp`` overrides :math:`s`; ``root`` is :math:`\iota` (complex arrays):
        :math:`a + bi \mapsto \varphi(a) + \iota\varphi(b)`, and :math:`\bar T = a - bi`
        maps to :math:`\varphi(a) - \iota\varphi(b)`.
        """
        s = self.scale if scale_exp is None else int(scale_exp)
        re = self._part(0, p, s)
        if len(self.parts) == 1:
            return re.reshape(self.shape)
        im = mulmod(self._part(1, p, s), np.full(re.shape, int(root) % p), p)
        if conj:
            im = (p - im) % p
        return ((re + im) % p).reshape(self.shape)


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
    return [Dyadic(arr, f"arrays[{i}]").scale for i, arr in enumerate(arrays)]


def to_residues(array, p: int, scale_exp: int = 0, *, root=None) -> np.ndarray:
    r"""Exact residues :math:`\varphi(x\,2^{s})` in :math:`\mathrm{GF}(p)` of a float array.

    A real entry :math:`x = M\,2^{E}` (``np.frexp``, integer :math:`|M| < 2^{53}`)
    maps to :math:`(M \bmod p)\cdot(2^{E+s} \bmod p) \bmod p`; a negative power of
    two uses the inverse of 2 mod :math:`p`, the reduction of the dyadic rational.
    A complex entry :math:`a + bi` maps to :math:`\varphi(a) + \iota\,\varphi(b)`
    with :math:`\iota` = ``root``, a root of :math:`x^2 + 1` mod :math:`p`
    (:func:`sqrt_minus_one`). With ``scale_exp`` from :func:`dyadic_scale` all
    powers are nonnegative. (:class:`Dyadic` keeps the split for several primes.)

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
    d = Dyadic(array)
    if len(d.parts) == 2:
        _check_root(root, p)
    return d.residues(p, scale_exp, root=root)


def _check_root(root, p):
    if root is None or pow(int(root), 2, p) != p - 1:
        raise ValueError(
            f"complex entries need root, a square root of -1 mod p = {p} (p = 1 mod 4); "
            f"got {root!r}"
        )


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
    :math:`a = \sum_i a_i 2^{Li}`, :math:`|a_i| \le 2^{L-1}`, multiplied
    Karatsuba-style: the float64 BLAS products :math:`a_i b_i` and
    :math:`(a_i + a_j)(b_i + b_j)` (:math:`i < j`; 6 products for 62-bit primes,
    3 for :math:`\beta \le 41`) have entries that are sums of at most
    :math:`2^{53-2L}` (chunked) integers of magnitude at most :math:`2^{2L}`, exact
    in any summation order. Then :math:`C_k = \sum_{i+j=k} a_i b_j` (int64) is
    recombined by Horner's rule in :math:`2^L` mod :math:`p`.

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


# ----------------------------------------------------------------------------- rank


def rank_mod_p(matrix, p: int) -> int:
    r"""Rank over :math:`\mathrm{GF}(p)` of an integer (residue) matrix, by FLINT.

    FLINT's ``nmod_mat_rank`` (LU decomposition with fast matrix products),
    called on the array's memory (:mod:`tnexpress.measures._flint`).

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
    return _flint.rank(np.ascontiguousarray(A), p)


def sum_mod(x, axes, p: int):
    """``x.sum(axis=axes) % p`` for int64 residues, chunked so no partial sum overflows."""
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
