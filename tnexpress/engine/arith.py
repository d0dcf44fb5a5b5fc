r"""The arithmetics of the pairwise executor (:mod:`tnexpress.engine.executor`).

Each implements ``start(arrays)``, ``pair(a, b, step)``, ``unary(a, step)``,
``finish(x)``, ``scalar()``, ``strict()`` and the attributes ``log2`` and
``lenient``; a :class:`~tnexpress.engine.executor.Step` says what to do.

- :class:`ShapeArith`: shapes only; ``peak`` = the largest allocation of the
  float pass, in entries (counted per template: a template allocates the same
  wherever it recurs).
- :class:`FloatArith`: numpy (LAPACK ``geqrf`` called directly, no autoray
  dispatch) or any autoray backend (torch, gradients flow); adaptive rescaling.
- :class:`ModPArith`: exact int64 residues modulo a prime; rows compressed by
  reduced row echelon form (FLINT), a full-rank intermediate held as an :class:`Eye`.

Examples
--------
>>> import numpy as np
>>> from tnexpress.engine.executor import compile_path, execute
>>> plan = compile_path([("i", "j"), ("j", "k")], ("i", "k"), [(0, 1)], {"i": 2, "j": 2, "k": 2})
>>> a = np.array([[1, 2], [3, 4]])
>>> execute(plan, [a, a], ModPArith(5))[0].tolist()
[[2, 0], [0, 2]]
"""

from __future__ import annotations

import math
from functools import lru_cache

import autoray as ar
import numpy as np

__all__ = ("ShapeArith", "FloatArith", "ModPArith", "Eye")


class _Restart(Exception):
    """A rescaling check found an over/underflow: rerun with a check per step."""


# ----------------------------------------------------------------------------- arithmetics


class ShapeArith:
    """Shapes only: ``peak`` is the largest allocation of the float pass, in entries."""

    log2 = 0.0
    lenient = False

    def __init__(self):
        self.peak = 0
        self._seen: set = set()  # a template allocates the same whenever it recurs

    def start(self, shapes):
        """Prepare the input terms (arrays, or shapes); reset the state."""
        shapes = [tuple(s) for s in shapes]
        self._seen = set()
        self.peak = max([math.prod(s) for s in shapes], default=1)
        return shapes

    def strict(self):  # pragma: no cover - never restarts
        """Switch to a check at every step (after a failed sparse check)."""
        pass

    def _alloc(self, n):
        if n > self.peak:
            self.peak = n

    def scalar(self):
        """The result of an empty contraction."""
        return ()

    def finish(self, x):
        """Last touch on the result (final rescaling)."""
        return x

    def _reduce(self, s, axes):
        s = tuple(d for k, d in enumerate(s) if k not in axes)
        self._alloc(math.prod(s))
        return s

    def unary(self, a, st):
        """Reduce a single term (no path): sum labels, compress rows."""
        if st.sa:
            a = self._reduce(a, st.sa)
        else:
            self._alloc(math.prod(a))  # the float pass copies the caller's array
        return self._post(st.shape, st)

    def pair(self, a, b, st):
        """Contract two terms as the compiled ``st`` says."""
        if st in self._seen:
            return st.out_shape
        self._seen.add(st)
        if st.generic:
            self._alloc(math.prod(st.shape))
            return self._post(st.shape, st)
        if st.sa:
            a = self._reduce(a, st.sa)
        if st.sb:
            b = self._reduce(b, st.sb)
        if st.pa is not None:
            self._alloc(math.prod(a))
        if st.pb is not None:
            self._alloc(math.prod(b))
        self._alloc(math.prod(st.shape))  # the matmul output
        return self._post(st.shape, st)

    def _post(self, shape, st):
        n = math.prod(shape)
        comp = st.comp
        if comp is not None:
            perm, d_o, d_r, mode = comp
            if perm is not None:
                self._alloc(n)  # transposed copy
            if mode != "merge":
                if mode == "prefix" and d_o > 1:
                    self._alloc(n)  # LAPACK wants column-major: the wrapper copies
                self._alloc(max(3 * d_o, 1))  # geqrf workspace (tau is smaller)
                self._alloc(d_o * d_o)  # R, masked
        return st.out_shape


_TRIL: dict = {}


def _tril(n, dtype):
    key = (n, dtype)
    m = _TRIL.get(key)
    if m is None:
        m = _TRIL[key] = np.tril(np.ones((n, n), dtype=dtype))
    return m


@lru_cache(maxsize=8)
def _geqrf(dtype):
    try:
        from scipy.linalg import lapack

        return lapack.get_lapack_funcs(("geqrf",), dtype=dtype)[0]
    except Exception:  # pragma: no cover - scipy ships with quimb
        return None


class FloatArith:
    """Floating point: numpy fast path, any autoray backend otherwise.

    Parameters
    ----------
    rescale : bool
        Rescale intermediates to max 1, accumulating ``log2`` (see the module
        docstring for the adaptive interval).
    track : callable, optional
        ``track(n_entries)`` is called with the size of every array this pass
        allocates (for tests of :class:`ShapeArith`); slows the pass down.
    """

    def __init__(self, rescale: bool = True, *, track=None):
        self.rescale = rescale
        self.track = track
        self.log2 = 0.0
        self._strict = False
        self.restarts = 0  # strict reruns after a failed sparse check

    def strict(self):
        """Switch to a check at every step (after a failed sparse check)."""
        self._strict = True
        self.restarts += 1

    @property
    def lenient(self) -> bool:
        """True while checks are sparse (a restart, not a warning, reports overflow)."""
        return self.rescale and not self._strict

    def scalar(self):
        """The result of an empty contraction."""
        return np.ones(())

    def start(self, arrays):
        """Prepare the input terms (arrays, or shapes); reset the state."""
        self.log2 = 0.0
        self._since = 0
        self._interval = 1
        self._qr: dict = {}  # template -> (geqrf, tril mask)
        arrays = list(arrays)
        self.numpy = all(isinstance(a, np.ndarray) for a in arrays)
        if self.numpy:
            arrays = [a if a.flags.c_contiguous else np.ascontiguousarray(a) for a in arrays]
            if self.track is not None:
                for a in arrays:
                    self.track(int(a.size))
            else:
                self.pair = self._pair_np  # the hot path: no branches it does not need
            self.ops = None
        else:
            like = next((a for a in arrays if not isinstance(a, np.ndarray)), None)
            backend = ar.infer_backend(like)
            fn = ar.get_lib_fn
            self.ops = (
                fn(backend, "transpose"),
                fn(backend, "reshape"),
                fn(backend, "matmul"),
                fn(backend, "linalg.qr"),
                fn(backend, "sum"),
            )
            arrays = [ar.do("asarray", a, like=backend) for a in arrays]
        return arrays

    def finish(self, x):
        """Last touch on the result (final rescaling)."""
        if self.rescale:
            x = self._scale(x, final=True)
        return x

    # -- numpy ----------------------------------------------------------------

    def _t(self, new, old=None):
        if self.track is not None and (old is None or not np.shares_memory(new, old)):
            self.track(int(new.size))
        return new

    def unary(self, a, st):
        """Reduce a single term (no path): sum labels, compress rows."""
        if st.sa:
            a = self._sum(a, st.sa)
        elif self.numpy:
            a = self._t(a.copy())  # the caller's array: LAPACK overwrites what it gets
        return self._post(a, st, inplace=False)

    def _sum(self, a, axes):
        if self.numpy:
            return self._t(a.sum(axis=axes))
        return self.ops[4](a, axes)

    def pair(self, a, b, st):
        """Contract two terms as the compiled ``st`` says."""
        if st.generic:
            import cotengra as ctg

            c = ctg.array_contract((a, b), (st.ai, st.bi), st.pre, cache_expression=False)
            return self._post(c, st)
        if st.sa:
            a = self._sum(a, st.sa)
        if st.sb:
            b = self._sum(b, st.sb)
        if self.numpy:
            if st.pa is not None:
                a = self._t(a.transpose(st.pa).copy())
            if st.pb is not None:
                b = self._t(b.transpose(st.pb).copy())
            a = a.reshape(st.ma)
            b = b.reshape(st.mb)
            c = self._t((a.T if st.ta else a) @ (b.T if st.tb else b))
            return self._post(c, st)
        tr, rs, mm = self.ops[0], self.ops[1], self.ops[2]
        if st.pa is not None:
            a = tr(a, st.pa)
        if st.pb is not None:
            b = tr(b, st.pb)
        a, b = rs(a, st.ma), rs(b, st.mb)
        c = mm(tr(a, (1, 0)) if st.ta else a, tr(b, (1, 0)) if st.tb else b)
        return self._post(c, st)

    def _pair_np(self, a, b, st):
        if st.generic or st.sa or st.sb or st.pa is not None or st.pb is not None:
            return FloatArith.pair(self, a, b, st)
        a = a.reshape(st.ma)
        b = b.reshape(st.mb)
        c = (a.T if st.ta else a) @ (b.T if st.tb else b)
        comp = st.comp
        c = c.reshape(st.out_shape) if comp is None else self._compress_np(c, st, comp)
        if self.rescale:
            self._since += 1
            if self._strict or st.join or self._since >= self._interval:
                c = self._scale(c)
        return c

    def _post(self, c, st, inplace=True):
        comp = st.comp
        if comp is None:
            c = c.reshape(st.out_shape) if self.numpy else self.ops[1](c, st.out_shape)
        elif self.numpy:
            c = self._compress_np(c, st, comp)
        else:
            c = self._compress_ar(c, st, comp)
        if self.rescale:
            self._since += 1
            if self._strict or st.join or self._since >= self._interval:
                c = self._scale(c, inplace=inplace)
        return c

    def _compress_np(self, c, st, comp):
        perm, d_o, d_r, mode = comp
        if perm is not None:
            c = self._t(c.reshape(st.shape).transpose(perm).copy())
        if mode == "merge":
            return c.reshape(st.out_shape)
        if mode == "prefix":
            m = c.reshape(d_r, d_o)
        else:
            m = c.reshape(d_o, d_r).T  # column-major (d_r, d_o): LAPACK works in place
        fns = self._qr.get(st)
        if fns is None:
            fns = self._qr[st] = (_geqrf(m.dtype.char), _tril(d_o, m.dtype))
        geqrf, tril = fns
        if geqrf is None:  # pragma: no cover
            r = self._t(np.linalg.qr(m, mode="r"))
            return r.T.reshape(st.out_shape)
        if self.track is not None:
            if not m.flags.f_contiguous:
                self.track(m.size)
            self.track(max(3 * d_o, 1))
        qr, _, _, info = geqrf(m, overwrite_a=1)
        if info:  # pragma: no cover
            raise np.linalg.LinAlgError(f"geqrf failed (info={info})")
        # R^T, lower triangular, row-major: labels (*others, new row)
        rt = self._t(qr.T[:, :d_o] * tril)
        return rt.reshape(st.out_shape)

    def _compress_ar(self, c, st, comp):
        perm, d_o, d_r, mode = comp
        tr, rs = self.ops[0], self.ops[1]
        if perm is not None:
            c = tr(rs(c, st.shape), perm)
        if mode == "merge":
            return rs(c, st.out_shape)
        m = rs(c, (d_r, d_o)) if mode == "prefix" else tr(rs(c, (d_o, d_r)), (1, 0))
        r = r_factor(m, self.ops[3])
        return rs(tr(r, (1, 0)), st.out_shape)

    def _max_abs(self, x) -> float:
        if self.numpy:
            if x.size == 0:
                return 0.0
            if x.dtype.kind == "c":
                return float(self._t(np.abs(x)).max())
            return float(max(x.max(), -x.min()))
        return float(ar.to_numpy(ar.do("max", ar.do("abs", x))))

    def _scale(self, x, final=False, inplace=True):
        m = self._max_abs(x)
        if not self._strict and not (math.isfinite(m) and 2.0**-900 < m < 2.0**900):
            raise _Restart  # overflow, underflow or zero: redo with a check per step
        if m > 0 and math.isfinite(m):
            if self.numpy and inplace and x.flags.writeable:
                x *= 1.0 / m
            else:
                x = x / m
            self.log2 += math.log2(m)
            if not self._strict and not final:
                drift = abs(math.log2(m)) / max(self._since, 1)
                self._interval = max(1, min(32, int(128 / max(drift, 1.0))))
        self._since = 0
        return x


def r_factor(m, qr=None):
    r"""``R = Q^H m`` with ``Q`` from the QR of ``m`` held constant (autoray backends).

    The value is the ``R`` factor of the reduced QR. Its derivative is not that
    of ``linalg.qr``'s ``R``, which divides by ``R``'s diagonal and is wrong or
    undefined when ``m`` is rank-deficient (a pooling layer's intermediate
    often is): with ``Q`` constant and :math:`QQ^H m = m`,

    .. math::

        d(R^H R) = dm^H QQ^H m + m^H QQ^H dm = dm^H m + m^H dm = d(m^H m),

    so every quantity that depends on ``m`` only through its Gram matrix (each
    Schmidt value of a side factor) gets its exact gradient, at any rank.
    """
    qr = ar.get_lib_fn(ar.infer_backend(m), "linalg.qr") if qr is None else qr
    q = qr(ar.do("stop_gradient", m))[0]
    return ar.do("matmul", ar.do("transpose", ar.do("conj", q)), m)


class Eye:
    """An identity held lazily: labels ``(new, *O)`` or ``(*O, new)``, ``new`` = flat ``O``.

    What :class:`ModPArith` leaves for a compressed intermediate of full rank
    (its row echelon form is the identity); the next pair takes the other
    operand's rows or columns in a permuted order instead of a product.
    """

    __slots__ = ("shape", "new_first")

    def __init__(self, shape, new_first: bool):
        self.shape = tuple(shape)
        self.new_first = bool(new_first)

    @property
    def d(self) -> int:
        """Dimension of the new label (= of the composite of the others)."""
        return self.shape[0] if self.new_first else self.shape[-1]

    def dense(self) -> np.ndarray:
        """The identity as an int64 array of ``shape``."""
        return np.eye(self.d, dtype=np.int64).reshape(self.shape)


def _eye_gather(e: Eye, perm, mshape):
    """How ``e``, transposed by ``perm`` and reshaped to ``mshape``, acts as a matrix.

    Returns ``(new_on_rows, g)``: the matrix is ``[n == g[j]]`` with the new
    label on its rows (``new_on_rows``) or columns, ``j`` the flat index of the
    other labels in transposed order and ``g[j]`` its flat index in ``e``'s own
    order (``None`` when ``g`` is the identity); ``None`` if it is no such matrix.
    """
    nd = len(e.shape)
    if len(mshape) != 2:
        return None
    axes = list(range(nd)) if perm is None else list(perm)
    q = 0 if e.new_first else nd - 1
    pos = axes.index(q)
    if pos == 0 and mshape[0] == e.d:
        rows = True
    elif pos == nd - 1 and mshape[1] == e.d:
        rows = False
    else:
        return None
    others = [k for k in axes if k != q]
    own = sorted(others)
    if others == own:
        return rows, None
    g = np.arange(e.d).reshape([e.shape[k] for k in own])
    return rows, g.transpose([own.index(k) for k in others]).ravel()


class ModPArith:
    r"""Exact int64 residues modulo the prime ``p``; row compression by row echelon form.

    Where the plan compresses an intermediate ``T`` (row labels ``R`` against
    the others ``O``, ``d_R >= d_O``), the matrix ``T`` (``d_R x d_O``) is
    replaced by its reduced row echelon form mod ``p`` (FLINT), padded with
    zero rows to ``d_O``: ``T = C E`` with ``C`` of full column rank, so the
    final side matrix is ``X = (C \otimes I) X'`` and ``rank_p(X M) =
    rank_p(X' M)`` for every ``M``, exactly (over :math:`\mathrm{GF}(p)`). A
    full-rank ``T`` becomes an :class:`Eye`. ``ranks`` records the rank of
    every compression in order.
    """

    log2 = 0.0
    lenient = False

    def __init__(self, p: int):
        from ..measures.modp import matmul_mod_p

        self.p = int(p)
        self._mm = matmul_mod_p
        self.ranks: list = []

    def start(self, arrays):
        """Prepare the input terms (arrays, or shapes); reset the state."""
        self.ranks = []
        return list(arrays)

    def strict(self):  # pragma: no cover - never restarts
        """Switch to a check at every step (after a failed sparse check)."""
        pass

    def scalar(self):
        """The result of an empty contraction."""
        return np.array(1 % self.p, dtype=np.int64)

    def finish(self, x):
        """Last touch on the result (final rescaling)."""
        return x

    def _sum(self, x, axes):
        from ..measures.modp import sum_mod

        if isinstance(x, Eye):
            x = x.dense()
        return sum_mod(x, axes, self.p)

    def unary(self, a, st):
        """Reduce a single term (no path): sum labels, compress rows."""
        if isinstance(a, Eye):
            a = a.dense()
        if st.sa:
            a = self._sum(a, st.sa)
        return self._post(a, st)

    def pair(self, a, b, st):
        """Contract two terms as the compiled ``st`` says."""
        if st.generic:
            raise ValueError("modular contraction supports no traces (repeated labels)")
        if st.sa:
            a = self._sum(a, st.sa)
        if st.sb:
            b = self._sum(b, st.sb)
        ea, eb = isinstance(a, Eye), isinstance(b, Eye)
        if ea and eb:
            a, ea = a.dense(), False
        if ea or eb:
            g = _eye_gather(a, st.pa, st.ma) if ea else _eye_gather(b, st.pb, st.mb)
            if g is None:
                a = a.dense() if ea else a
                b = b.dense() if eb else b
            else:
                return self._post(self._gather(a, b, st, ea, *g), st)
        if st.pa is not None:
            a = a.transpose(st.pa)
        if st.pb is not None:
            b = b.transpose(st.pb)
        a = a.reshape(st.ma)
        b = b.reshape(st.mb)
        return self._post(self._mm(a.T if st.ta else a, b.T if st.tb else b, self.p), st)

    @staticmethod
    def _gather(a, b, st, eye_is_a, new_on_rows, g):
        """The product with one :class:`Eye` operand: a permuted copy of the other."""
        if eye_is_a:  # U @ B, U = [n == g[j]] with n on rows (P1) or columns (P2)
            if st.pb is not None:
                b = b.transpose(st.pb)
            B = b.reshape(st.mb)
            B = B.T if st.tb else B
            p1 = new_on_rows != bool(st.ta)  # U = P1 (new on rows of U)
            if g is None:
                return B
            return B[np.argsort(g)] if p1 else B[g]
        if st.pa is not None:
            a = a.transpose(st.pa)
        A = a.reshape(st.ma)
        A = A.T if st.ta else A
        p1 = new_on_rows != bool(st.tb)
        if g is None:
            return A
        return A[:, g] if p1 else A[:, np.argsort(g)]

    def _post(self, c, st):
        comp = st.comp
        if comp is None:
            return c.reshape(st.out_shape)
        from ..measures import _flint

        perm, d_o, d_r, mode = comp
        new_first = bool(st.out) and st.out[0] == -1
        if perm is not None:
            m = c.reshape(st.shape).transpose(perm).reshape(d_o, d_r).T
        elif mode == "prefix" or (mode == "merge" and new_first):
            m = c.reshape(d_r, d_o)
        else:
            m = c.reshape(d_o, d_r).T
        r, e = _flint.rref(np.ascontiguousarray(m), self.p)
        self.ranks.append(r)
        if r == d_o:
            return Eye(st.out_shape, new_first)
        s = np.zeros((d_o, d_o), dtype=np.int64)
        s[:r] = e
        return np.ascontiguousarray(s if new_first else s.T).reshape(st.out_shape)
