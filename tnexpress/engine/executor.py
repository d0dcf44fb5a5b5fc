r"""Pairwise execution of a contraction path with rescaling and row compression.

:func:`run_path` walks a cotengra tree's linear path and contracts pairs
with :func:`cotengra.array_contract` (hyper-indices are batch indices there).
After each step the intermediate is divided by its largest entry and the
``log2`` of that factor accumulated, so norms far beyond float64 (``2^4096``
amplitudes with Gaussian weights) are carried as exponents.

Row compression (QR sweeps). Let ``rows`` be labels that are outputs of the
whole contraction and never contracted (the open legs of one side of a cut).
When an intermediate ``T`` holds row labels ``R`` (dimension ``d_R``) and other
labels ``O`` (``d_O < d_R``), write ``T = Q S`` with ``Q`` (``d_R x d_O``)
isometric; since ``Q`` acts on labels nothing else touches, the final matrix
``X = (Q \otimes I) X'`` and ``X, X'`` have the same singular values and the
same ``R`` factor. So ``T`` is replaced by ``S`` under a fresh row label: the
sweep never forms an intermediate larger than ``d_O^2`` on row labels and never
squares a condition number (no Gram matrix is formed).
"""

from __future__ import annotations

import itertools
import math

import autoray as ar
import cotengra as ctg
import numpy as np

__all__ = ("run_path", "identity_like", "qr_r")

_fresh = itertools.count()


def identity_like(d: int, like) -> object:
    """A ``d x d`` identity in the backend and dtype of array ``like``."""
    eye = np.eye(d, dtype=getattr(like, "dtype", None) if isinstance(like, np.ndarray) else None)
    if isinstance(like, np.ndarray) or like is None:
        return eye.astype(like.dtype if like is not None else np.float64)
    backend = ar.infer_backend(like)
    return ar.do("array", eye, like=backend) if backend != "numpy" else eye


def _np_qr_r(x):
    # R only: skips forming Q (2-3x faster for tall matrices, same R)
    return np.linalg.qr(x, mode="r")


def qr_r(x):
    """The ``R`` factor of the reduced QR of matrix ``x`` (any autoray backend)."""
    if isinstance(x, np.ndarray):
        return _np_qr_r(x)
    return ar.do("linalg.qr", x)[1]


class _Ops:
    """Backend functions, looked up once per contraction.

    autoray's dispatch per call costs more than a small pairwise contraction.
    """

    __slots__ = ("numpy", "transpose", "reshape", "matmul", "qr", "absmax")

    def __init__(self, like):
        self.numpy = isinstance(like, np.ndarray)
        if self.numpy:
            self.transpose = np.transpose
            self.reshape = np.reshape
            self.matmul = np.matmul
            self.qr = _np_qr_r
            self.absmax = None
        else:
            backend = ar.infer_backend(like)
            fn = ar.get_lib_fn
            self.transpose = fn(backend, "transpose")
            self.reshape = fn(backend, "reshape")
            self.matmul = fn(backend, "matmul")
            qr = fn(backend, "linalg.qr")
            self.qr = lambda x: qr(x)[1]
            self.absmax = (fn(backend, "abs"), fn(backend, "max"))

    def max_abs(self, x) -> float:
        if self.numpy:
            # max and -min avoid allocating |x|
            return float(max(x.max(), -x.min())) if x.dtype.kind != "c" else float(np.abs(x).max())
        f_abs, f_max = self.absmax
        return float(ar.to_numpy(f_max(f_abs(x))))


def _max_abs(x):
    return float(ar.to_numpy(ar.do("max", ar.do("abs", x))))


def _pair(ops, a, ai, b, bi, keep_set):
    """Contract two terms; return the result and its labels (order of our choosing).

    Labels shared by both and kept are batch labels (hyper-indices), shared and
    not kept are summed; a label held by one side only is kept as is. The pair
    becomes one (batched) matrix product. Anything else (a label repeated on
    one term, or summed from one term alone) returns ``None``: the caller
    falls back to cotengra's general ``array_contract``.
    """
    sa, sb = set(ai), set(bi)
    if len(sa) != len(ai) or len(sb) != len(bi):
        return None
    batch, fa, con, fb = [], [], [], []
    for lab in ai:
        if lab in sb:
            (batch if lab in keep_set else con).append(lab)
        elif lab in keep_set:
            fa.append(lab)
        else:
            return None
    for lab in bi:
        if lab not in sa:
            if lab not in keep_set:
                return None
            fb.append(lab)
    dim = dict(zip(ai, a.shape))
    dim.update(zip(bi, b.shape))
    prod = math.prod
    dc = prod([dim[lab] for lab in con])
    dfa = prod([dim[lab] for lab in fa])
    dfb = prod([dim[lab] for lab in fb])
    pa = [ai.index(lab) for lab in (*batch, *fa, *con)]
    pb = [bi.index(lab) for lab in (*batch, *con, *fb)]
    out = (*batch, *fa, *fb)
    shape = tuple(dim[lab] for lab in out)
    if batch:
        db = prod([dim[lab] for lab in batch])
        sa_, sb_ = (db, dfa, dc), (db, dc, dfb)
    else:
        sa_, sb_ = (dfa, dc), (dc, dfb)
    if ops.numpy:
        c = a.transpose(pa).reshape(sa_) @ b.transpose(pb).reshape(sb_)
        return c.reshape(shape), out
    am = ops.reshape(ops.transpose(a, pa), sa_)
    bm = ops.reshape(ops.transpose(b, pb), sb_)
    return ops.reshape(ops.matmul(am, bm), shape), out


def run_path(arrays, inputs, output, path, size, *, rows=(), rescale=True):
    """Contract ``arrays`` along the linear ``path``.

    Parameters
    ----------
    arrays : list of array
        One array per term of ``inputs``.
    inputs : list of tuple
        Labels of each array.
    output : tuple
        Labels kept at the end (row labels included; they may be replaced by
        compressed row labels, see Returns).
    path : sequence of (int, int)
        Linear contraction path (``tree.get_path()``) over ``inputs``.
    size : dict
        Dimension of each label.
    rows : iterable
        Output labels to compress by QR whenever they outnumber the rest.
    rescale : bool
        Divide each intermediate by its largest entry, accumulating ``log2``.

    Returns
    -------
    array, tuple, float
        The result, its labels, in an order of the executor's choosing
        (compressed row labels are tuples ``("row", n)``; non-row output
        labels keep their names) and ``log2`` of the factor it must be
        multiplied by.
    """
    rows = set(rows)
    out_set = set(output)
    terms = [(a, tuple(ix)) for a, ix in zip(arrays, inputs)]
    size = dict(size)
    count: dict = {}
    for _, ix in terms:
        for i in set(ix):
            count[i] = count.get(i, 0) + 1
    log2scale = 0.0
    ops = _Ops(terms[0][0]) if terms else None
    qr, reshape, transpose = (ops.qr, ops.reshape, ops.transpose) if ops else (None,) * 3

    def finish(a, ix):
        nonlocal log2scale
        if rescale:
            m = ops.max_abs(a)
            if m > 0 and math.isfinite(m):
                a = a / m
                log2scale += math.log2(m)
        if rows:
            r_ix = [i for i in ix if i in rows]
            if r_ix:
                o_ix = [i for i in ix if i not in rows]
                d_r = math.prod(size[i] for i in r_ix)
                d_o = math.prod(size[i] for i in o_ix)
                if d_r > d_o or len(r_ix) > 1 and d_r == d_o:
                    perm = [ix.index(i) for i in r_ix + o_ix]
                    if perm != list(range(len(perm))):
                        a = transpose(a, perm)
                    mat = reshape(a, (d_r, d_o))
                    if d_r > d_o:
                        mat = qr(mat)
                    k = min(d_r, d_o)
                    new = ("row", next(_fresh))
                    size[new] = k
                    rows.add(new)
                    a = reshape(mat, (k, *[size[i] for i in o_ix]))
                    ix = (new, *o_ix)
        return a, ix

    if len(terms) == 1:
        a, ix = terms[0]
        keep = tuple(i for i in ix if i in out_set)
        if keep != ix:
            a = ctg.array_contract((a,), (ix,), keep, cache_expression=False)
        a, ix = finish(a, keep)
        terms = [(a, ix)]
    for i, j in path:
        i, j = sorted((i, j))
        (b, bi), (a, ai) = terms.pop(j), terms.pop(i)
        for lab in set(ai):
            count[lab] -= 1
        for lab in set(bi):
            count[lab] -= 1
        keep_set = {
            lab for lab in (*ai, *bi) if lab in out_set or lab in rows or count.get(lab, 0) > 0
        }
        res = _pair(ops, a, ai, b, bi, keep_set)
        if res is None:
            keep = tuple(lab for lab in dict.fromkeys(ai + bi) if lab in keep_set)
            c = ctg.array_contract((a, b), (ai, bi), keep, cache_expression=False)
        else:
            c, keep = res
        c, keep = finish(c, keep)
        for lab in keep:
            count[lab] = count.get(lab, 0) + 1
        terms.append((c, keep))
    # disconnected pieces the path did not join: outer products
    while len(terms) > 1:
        (b, bi), (a, ai) = terms.pop(), terms.pop()
        keep = tuple(dict.fromkeys(ai + bi))
        c = ctg.array_contract((a, b), (ai, bi), keep, cache_expression=False)
        terms.append(finish(c, keep))
    a, ix = terms[0]
    return a, ix, log2scale
