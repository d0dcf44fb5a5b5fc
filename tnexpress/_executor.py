"""Pairwise execution of a contraction path with rescaling and row compression.

:func:`contract_path` walks a cotengra tree's linear path and contracts pairs
with :func:`cotengra.array_contract` (hyper-indices are batch indices there).
After each step the intermediate is divided by its largest entry and the
``log2`` of that factor accumulated, so norms far beyond float64 (``2^4096``
amplitudes with Gaussian weights) are carried as exponents.

Row compression (QR sweeps). Let ``rows`` be labels that are outputs of the
whole contraction and never contracted (the open legs of one side of a cut).
When an intermediate ``T`` holds row labels ``R`` (dimension ``d_R``) and other
labels ``O`` (``d_O < d_R``), write ``T = Q S`` with ``Q`` (``d_R x d_O``)
isometric; since ``Q`` acts on labels nothing else touches, the final matrix
``X = (Q \\otimes I) X'`` and ``X, X'`` have the same singular values and the
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

__all__ = ("contract_path", "identity_like")

_fresh = itertools.count()


def identity_like(d: int, like) -> object:
    """A ``d x d`` identity in the backend and dtype of array ``like``."""
    eye = np.eye(d, dtype=getattr(like, "dtype", None) if isinstance(like, np.ndarray) else None)
    if isinstance(like, np.ndarray) or like is None:
        return eye.astype(like.dtype if like is not None else np.float64)
    backend = ar.infer_backend(like)
    return ar.do("array", eye, like=backend) if backend != "numpy" else eye


def _max_abs(x):
    return float(ar.to_numpy(ar.do("max", ar.do("abs", x))))


def contract_path(arrays, inputs, output, path, size, *, rows=(), rescale=True):
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
        The result, its labels (compressed row labels are tuples
        ``("row", n)``; non-row output labels keep their names) and ``log2`` of
        the factor it must be multiplied by.
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

    def finish(a, ix):
        nonlocal log2scale
        if rescale:
            m = _max_abs(a)
            if m > 0 and math.isfinite(m):
                a = a / m
                log2scale += math.log2(m)
        if rows:
            r_ix = [i for i in ix if i in rows]
            o_ix = [i for i in ix if i not in rows]
            d_r = math.prod(size[i] for i in r_ix)
            d_o = math.prod(size[i] for i in o_ix)
            if r_ix and (d_r > d_o or len(r_ix) > 1 and d_r == d_o):
                perm = [ix.index(i) for i in r_ix + o_ix]
                mat = ar.do("reshape", ar.do("transpose", a, perm), (d_r, d_o))
                if d_r > d_o:
                    _, mat = ar.do("linalg.qr", mat)
                k = min(d_r, d_o)
                new = ("row", next(_fresh))
                size[new] = k
                rows.add(new)
                a = ar.do("reshape", mat, (k, *[size[i] for i in o_ix]))
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
        both = set(ai) | set(bi)
        for lab in both:
            count[lab] -= (lab in ai) + (lab in bi)
        keep = tuple(
            lab
            for lab in dict.fromkeys(ai + bi)
            if lab in out_set or lab in rows or count.get(lab, 0) > 0
        )
        c = ctg.array_contract((a, b), (ai, bi), keep, cache_expression=False)
        c, keep = finish(c, keep)
        for lab in set(keep):
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
