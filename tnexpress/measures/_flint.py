r"""FLINT's ``nmod_mat`` on numpy memory: rank, row echelon form and product mod p.

python-flint builds an ``nmod_mat`` from Python integers, one object per entry
(0.4-0.6 s per million entries, measured; a ``1024 x 1024`` rank itself takes
0.25-0.45 s). FLINT stores a matrix as one row-major block of ``ulong`` limbs,
bit-identical to an int64 array of residues in :math:`[0, p)`, so this module
calls the same library's C functions (``nmod_mat_init``, ``nmod_mat_rank``,
``nmod_mat_rref``, ``nmod_mat_mul``, ``nmod_mat_clear``, unchanged since FLINT
2) through :mod:`ctypes` and copies the block in and out with ``memmove``
(about 1 ms per million entries).

Safety. The library is the one python-flint loaded (found in
``/proc/self/maps``, else next to the wheel). The only layout fact used is that
the struct starts with the pointer to its entries, and that a fresh matrix
holds them contiguously with row stride ``c`` (true of every FLINT release).
At first use a self-test compares rank and row echelon form of small random
matrices (a prime near :math:`2^{62}`, one near :math:`2^{20}`) with
python-flint's own objects; if anything differs or fails, every function here
falls back to python-flint's objects (slower, same results).
"""

from __future__ import annotations

import ctypes
import glob
import os

import numpy as np

__all__ = ("rank", "rref", "mul", "available")

_STRUCT_BYTES = 256  # nmod_mat_struct is 56 bytes in FLINT 2.x-3.x; generous margin
_LIB = None  # None: not tried yet; False: unavailable


def _find_library():
    try:
        with open("/proc/self/maps") as fh:
            for line in fh:
                if "libflint" in line:
                    path = line.split()[-1]
                    if os.path.exists(path):
                        return path
    except OSError:  # pragma: no cover - not Linux
        pass
    import flint

    base = os.path.dirname(os.path.dirname(flint.__file__))
    hits = sorted(glob.glob(os.path.join(base, "python_flint.libs", "libflint*")))
    if hits:  # pragma: no cover - the maps route finds it on Linux
        return hits[0]
    import ctypes.util

    return ctypes.util.find_library("flint")  # pragma: no cover


def _load():
    import flint  # noqa: F401  (loads libflint into the process)

    path = _find_library()
    if not path:  # pragma: no cover
        return False
    lib = ctypes.CDLL(path)
    vp, sl = ctypes.c_void_p, ctypes.c_long
    lib.nmod_mat_init.argtypes = [vp, sl, sl, ctypes.c_ulong]
    lib.nmod_mat_init.restype = None
    lib.nmod_mat_clear.argtypes = [vp]
    lib.nmod_mat_clear.restype = None
    lib.nmod_mat_rank.argtypes = [vp]
    lib.nmod_mat_rank.restype = sl
    lib.nmod_mat_rref.argtypes = [vp]
    lib.nmod_mat_rref.restype = sl
    lib.nmod_mat_mul.argtypes = [vp, vp, vp]
    lib.nmod_mat_mul.restype = None
    lib.nmod_mat_lu.argtypes = [vp, vp, ctypes.c_int]
    lib.nmod_mat_lu.restype = sl
    lib.nmod_mat_inv.argtypes = [vp, vp]
    lib.nmod_mat_inv.restype = ctypes.c_int
    return lib


class _Mat:
    """An ``nmod_mat_t`` owned by Python: created from (or empty like) an int64 array."""

    __slots__ = ("lib", "buf", "ptr", "shape")

    def __init__(self, lib, shape, p, data=None):
        self.lib = lib
        self.shape = (int(shape[0]), int(shape[1]))
        self.buf = ctypes.create_string_buffer(_STRUCT_BYTES)
        lib.nmod_mat_init(self.buf, self.shape[0], self.shape[1], int(p))
        self.ptr = ctypes.cast(self.buf, ctypes.POINTER(ctypes.c_void_p))[0]
        if data is not None and self.shape[0] * self.shape[1]:
            src = np.ascontiguousarray(data, dtype=np.int64)  # kept alive for the copy
            ctypes.memmove(self.ptr, src.ctypes.data, src.nbytes)

    def rows(self, k=None) -> np.ndarray:
        """The first ``k`` rows (all by default) as an int64 array."""
        k = self.shape[0] if k is None else int(k)
        out = np.empty((k, self.shape[1]), dtype=np.int64)
        if out.size:
            ctypes.memmove(out.ctypes.data, self.ptr, out.nbytes)
        return out

    def close(self):
        if self.buf is not None:
            self.lib.nmod_mat_clear(self.buf)
            self.buf = None

    def __del__(self):
        self.close()


def _py_nmod(m, p):
    from flint import fmpz_mat, nmod_mat

    return nmod_mat(fmpz_mat(m.shape[0], m.shape[1], m.ravel().tolist()), p)


def _self_test(lib) -> bool:
    rng = np.random.default_rng(12345)
    for p in (4611686018427387847, 1048573):  # primes below 2^62 and 2^20
        a = rng.integers(0, p, (7, 5))
        a[4] = (a[1] * 3 + a[2]) % p  # rank 5 of 7 rows... and a dependent row
        a[:, 4] = (a[:, 0] + 2 * a[:, 3]) % p  # rank 4
        ref, r_ref = _py_nmod(a, p).rref()
        m = _Mat(lib, a.shape, p, a)
        try:
            if lib.nmod_mat_rank(m.buf) != r_ref:
                return False
            r = lib.nmod_mat_rref(m.buf)
            got = m.rows()
        finally:
            m.close()
        want = np.array([[int(x) for x in row] for row in ref.tolist()], dtype=np.int64)
        if r != r_ref or not np.array_equal(got, want):
            return False
        b = rng.integers(0, p, (5, 3))
        ma, mb, mc = _Mat(lib, a.shape, p, a), _Mat(lib, b.shape, p, b), _Mat(lib, (7, 3), p)
        try:
            lib.nmod_mat_mul(mc.buf, ma.buf, mb.buf)
            got = mc.rows()
        finally:
            ma.close(), mb.close(), mc.close()
        want = _py_nmod(a, p) * _py_nmod(b, p)
        if not np.array_equal(got, [[int(x) for x in row] for row in want.tolist()]):
            return False
        c = a[:, :4].copy()
        c[0] = 0  # a pivot must move
        r, perm, lu = _lu(lib, c, p)
        low = np.tril(lu[:, :4], -1) + np.eye(7, 4, dtype=np.int64)
        prod = np.array((_py_nmod(low, p) * _py_nmod(np.triu(lu[:4]), p)).tolist(), dtype=object)
        if r != 4 or not np.array_equal(prod.astype(np.int64), c[perm]):
            return False
    return True


def _lib():
    global _LIB
    if _LIB is None:
        try:
            lib = _load()
            _LIB = lib if lib and _self_test(lib) else False
        except Exception:  # pragma: no cover - any failure: python-flint objects
            _LIB = False
    return _LIB


def _lu(lib, a, p):
    """``(r, P, LU)``: FLINT's ``nmod_mat_lu``, ``a[P] = L U`` (L unit lower, packed)."""
    perm = np.zeros(a.shape[0], dtype=np.int64)
    mat = _Mat(lib, a.shape, p, a)
    try:
        r = int(lib.nmod_mat_lu(perm.ctypes.data, mat.buf, 0))
        return r, perm, mat.rows()
    finally:
        mat.close()


def _inv(lib, a, p):
    """Inverse of a square residue matrix (FLINT ``nmod_mat_inv``), ``None`` if singular."""
    src, dst = _Mat(lib, a.shape, p, a), _Mat(lib, a.shape, p)
    try:
        return dst.rows() if lib.nmod_mat_inv(dst.buf, src.buf) else None
    finally:
        src.close(), dst.close()


#: panel width of the blocked rank, and the primes it is exact for: b (p - 1)^2 < 2^53
_PANEL, _BLAS_PRIME = 128, 1 << 21


def _rank_blocked(lib, a, p):
    r"""Rank by panels: FLINT factors each panel, float64 BLAS updates the rest.

    For a column panel of full rank :math:`b`, FLINT gives :math:`A[P] =
    \begin{pmatrix} L_{11} \\ L_{21}\end{pmatrix} U_{11}` (unit lower
    :math:`L_{11}`, invertible :math:`U_{11}`); with :math:`U_{12} = L_{11}^{-1}
    A_{12}` and :math:`S = A_{22} - L_{21} U_{12}`,

    .. math::
        A[P] = \begin{pmatrix} L_{11} & 0 \\ L_{21} & I \end{pmatrix}
        \begin{pmatrix} U_{11} & U_{12} \\ 0 & S \end{pmatrix},

    so :math:`\operatorname{rank} A = b + \operatorname{rank} S` over
    :math:`\mathrm{GF}(p)`. Both products run in float64, exact because every
    entry is below :math:`b (p-1)^2 < 2^{53}`. A rank-deficient panel hands
    the rest to FLINT's rank.
    """
    b, r = _PANEL, 0
    if a.shape[0] < a.shape[1]:
        a = a.T
    x = a.astype(np.float64)
    while x.shape[1] > b and x.shape[0] > b:
        rp, perm, lu = _lu(lib, np.ascontiguousarray(x[:, :b]).astype(np.int64), p)
        if rp < b:
            break
        linv = _inv(lib, np.tril(lu[:b], -1) + np.eye(b, dtype=np.int64), p).astype(np.float64)
        x = x[perm]
        u12 = np.mod(linv @ x[:b, b:], p)
        x = np.mod(x[b:, b:] - lu[b:, :b].astype(np.float64) @ u12, p)
        r += b
        if x.shape[0] < x.shape[1]:
            x = x.T
    if not x.size:
        return r
    return r + _rank_flint(lib, np.ascontiguousarray(x).astype(np.int64), p)


def _rank_flint(lib, m, p):
    mat = _Mat(lib, m.shape, p, m)
    try:
        return int(lib.nmod_mat_rank(mat.buf))
    finally:
        mat.close()


def available() -> bool:
    """Whether the direct route (no per-entry conversion) passed its self-test."""
    return bool(_lib())


def rank(m: np.ndarray, p: int) -> int:
    """Rank of a 2-d int64 array of residues in ``[0, p)`` (FLINT ``nmod_mat_rank``)."""
    if m.size == 0:
        return 0
    lib = _lib()
    if not lib:
        return int(_py_nmod(m, p).rank())
    if p < _BLAS_PRIME and min(m.shape) > 2 * _PANEL:
        return _rank_blocked(lib, m, p)
    return _rank_flint(lib, m, p)


def rref(m: np.ndarray, p: int):
    r"""``(r, E)``: the rank and the ``r x n`` nonzero rows of the reduced row echelon form.

    The rows of ``E`` span the row space of ``m`` over :math:`\mathrm{GF}(p)`.
    When ``r`` equals the number of columns, ``E`` is the identity and is not
    read back (``E`` is then ``None``).
    """
    cols = m.shape[1]
    if m.size == 0:
        return 0, np.zeros((0, cols), dtype=np.int64)
    lib = _lib()
    if lib and p < _BLAS_PRIME and min(m.shape) > 2 * _PANEL and m.shape[0] >= cols:
        if _rank_blocked(lib, m, p) == cols:  # full column rank: the identity
            return cols, None
    if not lib:
        e, r = _py_nmod(m, p).rref()
        if r == cols:
            return r, None
        return r, np.array([[int(x) for x in row] for row in e.tolist()[:r]], dtype=np.int64)
    mat = _Mat(lib, m.shape, p, m)
    try:
        r = int(lib.nmod_mat_rref(mat.buf))
        return r, (None if r == cols else mat.rows(r))
    finally:
        mat.close()


def mul(a: np.ndarray, b: np.ndarray, p: int) -> np.ndarray:
    """``a @ b mod p`` of 2-d int64 residue arrays (FLINT ``nmod_mat_mul``)."""
    lib = _lib()
    if not lib or a.size == 0 or b.size == 0:
        from .modp import matmul_mod_p

        return matmul_mod_p(a, b, p)
    ma, mb = _Mat(lib, a.shape, p, a), _Mat(lib, b.shape, p, b)
    mc = _Mat(lib, (a.shape[0], b.shape[1]), p)
    try:
        lib.nmod_mat_mul(mc.buf, ma.buf, mb.buf)
        return mc.rows()
    finally:
        ma.close(), mb.close(), mc.close()
