r"""One pairwise executor for every contraction, with pluggable arithmetic.

A contraction path (cotengra ``ssa`` or linear) is compiled once into a
:class:`Plan` by :func:`compile_path`: one :class:`Step` per pair, holding the
labels of both operands and of the result and everything the arithmetic needs
(axes to sum first, transpositions, matrix shapes, row compression). The
compiled plan is then run by :func:`execute` with one of three arithmetics,
each implementing ``pair(a, b, step)`` and ``unary(a, step)``:

- :class:`FloatArith`: floating point through numpy (LAPACK ``geqrf`` called
  directly) or any autoray backend (torch, gradients included); intermediates
  are rescaled to max 1 with the ``log2`` factors accumulated;
- :class:`ModPArith`: exact residues modulo a prime ``p`` (float64-limb BLAS
  matmuls, :func:`tnexpress.measures.exact.matmul_mod_p`);
- :class:`ShapeArith`: no arrays, only shapes; it records every allocation the
  float pass will make (transposed copies, matmul outputs, QR input copies,
  ``tau`` and workspace, rescaling) and returns the largest, in entries. Every
  route runs it before allocating anything (:meth:`Plan.peak_entries`).

Row compression (QR sweeps). Let ``rows`` be labels that are outputs of the
whole contraction and never contracted (the open legs of one side of a cut).
When an intermediate ``T`` holds row labels ``R`` (dimension ``d_R``) and other
labels ``O`` (``d_O < d_R``), write ``T = Q S`` with ``Q`` (``d_R x d_O``)
isometric; since ``Q`` acts on labels nothing else touches, the final matrix
``X = (Q \otimes I) X'`` and ``X, X'`` have the same singular values and the
same ``R`` factor. So ``T`` is replaced by ``S`` (stored transposed, labels
``(*O, new_row)``) under a fresh row label: no condition number is squared.
Any intermediate may be compressed or not (the result's singular values are the
same); a chain step (an intermediate absorbing an input term) waits while
``d_R <= QR_SLACK * d_O`` and the intermediate is small, so a chain of bond 4
pays one QR per few steps instead of one tiny QR call per step; joins of two
intermediates and the last step compress at once.

Rescaling. Each intermediate enters the final result linearly exactly once,
so dividing any intermediate by ``m`` and adding ``log2 m`` to a global
exponent is exact. :class:`FloatArith` checks the largest entry at an
adaptive interval (every step at first; then so that the observed drift stays
below ``2^128`` between checks); a check that finds ``inf``, ``nan``, ``0`` or
a value beyond ``2^{\pm 900}`` restarts the whole contraction with a check at
every step, so no overflow or underflow passes silently.

A single pairwise contraction (for sweep codes such as the geometric
measure): :func:`contract_pair` ``(a, ai, b, bi, out)`` compiles the step once
(cached by labels and shapes) and runs it in float arithmetic without
rescaling; the result has labels ``out``.

Examples
--------
>>> import numpy as np
>>> a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
>>> plan = compile_path([("i", "j"), ("j", "k")], ("i", "k"), [(0, 1)], {"i": 2, "j": 3, "k": 4})
>>> plan.peak_entries()
12
>>> c, ix, l2 = execute(plan, [a, b], FloatArith(rescale=False))
>>> ix, bool(np.allclose(c, a @ b))
(('i', 'k'), True)
"""

from __future__ import annotations

import math
from collections import ChainMap

import autoray as ar
import numpy as np

from .._gc import no_gc
from .arith import FloatArith, ModPArith, ShapeArith, _geqrf, _Restart, r_factor

__all__ = (
    "Step",
    "Plan",
    "compile_path",
    "execute",
    "FloatArith",
    "ModPArith",
    "ShapeArith",
    "contract_pair",
    "run_path",
    "identity_like",
    "qr_r",
)


def identity_like(d: int, like) -> object:
    """A ``d x d`` identity in the backend and dtype of array ``like``."""
    if like is None:
        return np.eye(d)
    if isinstance(like, np.ndarray):
        return np.eye(d, dtype=like.dtype)
    backend = ar.infer_backend(like)
    eye = np.eye(d, dtype=str(getattr(like, "dtype", "float64")).replace("torch.", ""))
    return ar.do("asarray", eye, like=backend)


_TRIU: dict = {}


def qr_r(x):
    """The ``R`` factor of the reduced QR of matrix ``x`` (any autoray backend).

    numpy: LAPACK ``geqrf`` called directly (``numpy.linalg.qr``'s wrappers cost
    more than the factorization for the many small factors of a sweep); other
    backends: :func:`~tnexpress.engine.arith.r_factor` (exact gradients at any rank).
    """
    if not isinstance(x, np.ndarray):
        return r_factor(x)
    geqrf = _geqrf(x.dtype.char) if x.dtype.char in "fdFD" else None
    if geqrf is None or x.shape[0] < x.shape[1]:
        return np.linalg.qr(x, mode="r")
    qr, _, _, info = geqrf(x)
    if info != 0:  # pragma: no cover
        return np.linalg.qr(x, mode="r")
    w = x.shape[1]
    mask = _TRIU.get((w, x.dtype.char))
    if mask is None:
        mask = _TRIU[(w, x.dtype.char)] = np.triu(np.ones((w, w), dtype=x.dtype))
    return qr[:w] * mask


# ----------------------------------------------------------------------------- plan

#: chain steps (an intermediate absorbing an input term) leave the rows uncompressed while
#: they are at most ``QR_SLACK`` times the other labels and the intermediate at most
#: ``QR_SLACK_ENTRIES`` entries: one QR per few steps instead of one QR call per step
#: (measured, best of 9: MPS L=1024 D=16 both sides 10.5 -> 8.0 ms, tt(16384, 2, 4)
#: 90 -> 60 ms). Steps joining two intermediates (trees) compress at once: rows multiply.
QR_SLACK = 4
QR_SLACK_ENTRIES = 2**16


class Step:
    """One compiled step: a pair (``b`` is not None) or a unary reduction.

    Steps are templates on local labels (``0 .. n-1`` in order of first
    appearance; ``-1`` the new row label), shared by every step of a plan that
    is the same up to a renaming. Attributes (``None`` where an operation is
    skipped): ``swap`` whether the operands are taken in reverse order; ``join``
    whether both operands are intermediates (rescaled at once: in a tree their
    magnitudes multiply, so the log-magnitude doubles per level);
    ``ai, bi, out`` local labels; ``sa, sb`` axes summed out first;
    ``pa, pb`` transpositions; ``ma, mb`` matrix shapes and ``ta, tb`` whether
    the matrix is used transposed (a free view); ``shape`` of the product in
    ``pre`` labels; ``comp`` the compression ``(perm, d_o, d_r, mode)``.
    """

    __slots__ = (
        "i", "j", "ai", "bi", "pre", "out", "sa", "sb", "pa", "pb", "ma", "mb", "ta", "tb",
        "shape", "comp", "out_shape", "generic", "swap", "new_size", "in_a", "in_b", "join",
    )  # fmt: skip

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))


class Plan:
    """A compiled contraction, its input shapes, final labels and shape.

    ``steps = (I, J, T)``: the operands' ssa ids and the step templates.
    """

    __slots__ = ("steps", "in_shapes", "out", "out_shape", "n_inputs", "_peak")

    def __init__(self, steps, in_shapes, out, out_shape, n_inputs):
        self.steps = steps
        self.in_shapes = in_shapes
        self.out = out
        self.out_shape = out_shape
        self.n_inputs = n_inputs
        self._peak = None

    def peak_entries(self) -> int:
        """Largest single allocation of the float pass, in entries (shape pass)."""
        if self._peak is None:
            # a template allocates the same wherever it recurs: each is replayed once,
            # on the operand shapes it was compiled for
            arith = ShapeArith()
            arith.peak = max(map(math.prod, self.in_shapes), default=1)
            for st in dict.fromkeys(self.steps[2]):
                if st.in_b is None:
                    arith.unary(st.in_a, st)
                else:
                    arith.pair(st.in_a, st.in_b, st)
            self._peak = arith.peak
        return self._peak


def _as_ssa(path, n: int, ssa: bool):
    """The path as ssa pairs, completed with outer products of leftover terms."""
    path = [tuple(p) for p in path]
    if ssa:
        out = [p for p in path if len(p) == 2]
        live = set(range(n))
        nxt = n
        for i, j in out:
            live.discard(i)
            live.discard(j)
            live.add(nxt)
            nxt += 1
        live = sorted(live)
    else:
        ids = list(range(n))
        out = []
        nxt = n
        for p in path:
            if len(p) != 2:
                continue
            i, j = sorted(p)
            b, a = ids.pop(j), ids.pop(i)
            out.append((a, b))
            ids.append(nxt)
            nxt += 1
        live = ids
    while len(live) > 1:
        out.append((live[0], live[1]))
        live = [*live[2:], nxt]
        nxt += 1
    return out, (live[0] if live else None)


def _prod(ix, size):
    p = 1
    for x in ix:
        p *= size[x]
    return p


def _layout(ix, first, second):
    """How the term with labels ``ix`` becomes the matrix ``(first, second)``.

    Returns ``(perm, transposed)``: ``perm`` None when ``ix`` already reads
    ``first + second`` (a reshape view) or ``second + first`` (a reshape
    view, then ``.T``: free); otherwise the transposition to apply.
    """
    if ix == first + second:
        return None, False
    if ix == second + first:
        return None, True
    return tuple(ix.index(x) for x in first + second), False


def _pair_step(ai, bi, keep, size, swap):
    sb_set, sa_set = set(bi), set(ai)
    sa = tuple(k for k, x in enumerate(ai) if x not in sb_set and x not in keep)
    sb = tuple(k for k, x in enumerate(bi) if x not in sa_set and x not in keep)
    if sa:
        ai = tuple(x for x in ai if x in sb_set or x in keep)
    if sb:
        bi = tuple(x for x in bi if x in sa_set or x in keep)
    if swap:
        ai, bi, sa, sb = bi, ai, sb, sa
        sa_set, sb_set = sb_set, sa_set
    sb_set = set(bi)
    sa_set = set(ai)
    batch = tuple(x for x in ai if x in sb_set and x in keep)
    fa = tuple(x for x in ai if x not in sb_set)
    fb = tuple(x for x in bi if x not in sa_set)
    con_a = tuple(x for x in ai if x in sb_set and x not in keep)
    con_b = tuple(x for x in bi if x in sa_set and x not in keep)
    dfa, dfb, dc = _prod(fa, size), _prod(fb, size), _prod(con_a, size)
    if batch:
        db = _prod(batch, size)
        pa = tuple(ai.index(x) for x in batch + fa + con_a)
        pb = tuple(bi.index(x) for x in batch + con_a + fb)
        pa = None if pa == tuple(range(len(ai))) else pa
        pb = None if pb == tuple(range(len(bi))) else pb
        ma, mb, ta, tb = (db, dfa, dc), (db, dc, dfb), False, False
    else:
        # the contracted labels in a's order or in b's, whichever copies less
        best = None
        for con in (con_a, con_b):
            pa, ta = _layout(ai, fa, con)
            pb, tb = _layout(bi, con, fb)
            cost = (pa is not None) * _prod(ai, size) + (pb is not None) * _prod(bi, size)
            if best is None or cost < best[0]:
                best = (cost, pa, ta, pb, tb)
        _, pa, ta, pb, tb = best
        ma = (dc, dfa) if ta else (dfa, dc)
        mb = (dfb, dc) if tb else (dc, dfb)
    pre = batch + fa + fb
    return dict(ai=ai, bi=bi, sa=sa or None, sb=sb or None, pa=pa, pb=pb, ma=ma, mb=mb,
                ta=ta, tb=tb, pre=pre, shape=tuple(size[x] for x in pre))  # fmt: skip


def _compress(pre, rows, size, new_label, slack=False):
    """Row compression of a result with labels ``pre``: (labels, comp) or None."""
    r_ix = tuple(x for x in pre if x in rows)
    if not r_ix:
        return None
    o_ix = tuple(x for x in pre if x not in rows)
    d_r, d_o = _prod(r_ix, size), _prod(o_ix, size)
    if d_r < d_o or (d_r == d_o and len(r_ix) == 1):
        return None
    if slack and d_r > d_o and d_r <= QR_SLACK * d_o and d_r * d_o <= QR_SLACK_ENTRIES:
        return None  # a small chain intermediate grows a few steps: one QR for several
    new = new_label()
    if d_r == d_o:  # merge the row labels, no QR; keep the memory order
        if pre[: len(r_ix)] == r_ix:
            perm, out = None, (new, *o_ix)
        elif pre[len(o_ix) :] == r_ix:
            perm, out = None, (*o_ix, new)
        else:
            perm, out = tuple(pre.index(x) for x in o_ix + r_ix), (*o_ix, new)
        size[new] = d_r
        return out, (perm, d_o, d_r, "merge")
    if pre[len(o_ix) :] == r_ix:
        perm, mode = None, "suffix"
    elif pre[: len(r_ix)] == r_ix:
        perm, mode = None, "prefix"
    else:
        perm, mode = tuple(pre.index(x) for x in o_ix + r_ix), "suffix"
    size[new] = d_o
    return (*o_ix, new), (perm, d_o, d_r, mode)


@no_gc
def compile_path(inputs, output, path, size, *, rows=(), ssa: bool = False) -> Plan:
    """Compile a contraction path into a :class:`Plan`.

    Parameters
    ----------
    inputs : sequence of tuple
        Labels of each term (hyper-indices allowed).
    output : tuple
        Labels kept at the end (row labels included; they may be replaced by
        compressed row labels ``("row", n)``).
    path : sequence of (int, int)
        Cotengra path over ``inputs``: linear (``tree.get_path()``) or ssa
        (``tree.get_ssa_path()``); pieces it leaves apart are joined by outer
        products.
    size : dict
        Dimension of every label.
    rows : iterable
        Output labels compressed by QR whenever they outweigh the rest.
    ssa : bool
        ``True`` for an ssa path, ``False`` (default) for a linear one.
    """
    inputs = [tuple(t) for t in inputs]
    rows = set(rows)
    out_set = set(output) | rows
    cnt: dict = {}
    get_cnt = cnt.get
    for t in inputs:
        for x in t:
            cnt[x] = get_cnt(x, 0) + 1
    for x in out_set:  # output labels are always kept: their count never reaches 0
        cnt[x] = get_cnt(x, 0) + 1
    # per label one int: size, whether it is a row label (the key's part per label is
    # this code times 2 plus whether the label is kept)
    code = {x: 2 * size[x] + (x in rows) for x in cnt}
    extra: dict = {}  # sizes of the new row labels (the caller's dict is not copied)
    sizes = ChainMap(extra, size)
    fresh = [0]

    def new_row(d):
        fresh[0] += 1
        lab = ("row", fresh[0])
        rows.add(lab)
        extra[lab] = d
        code[lab] = 2 * d + 1
        cnt[lab] = 1
        return lab

    pairs, root = _as_ssa(path, len(inputs), ssa)
    n_inputs = len(inputs)
    rep = [len(set(t)) != len(t) for t in inputs]
    terms = list(inputs)
    I, J, T = [], [], []
    if not pairs and inputs:
        pairs, root = [(0, None)], 1
    templates: dict = {}
    get_template = templates.get
    append_i, append_j, append_t, append_term = I.append, J.append, T.append, terms.append
    last = len(pairs) - 1
    for step, (i, j) in enumerate(pairs):
        ai = terms[i]
        terms[i] = None
        for x in ai:
            cnt[x] -= 1
        if j is not None:
            bi = terms[j]
            terms[j] = None
            for x in bi:
                cnt[x] -= 1
        else:
            bi = ()
        # the step up to a renaming of its labels: chains and trees repeat a few
        labels = list(dict.fromkeys(ai + bi))
        n_ai = len(ai)
        key = (
            # 1: a chain step, exactly one operand is an input term, not the last (QR_SLACK);
            # 2: a join of two intermediates (magnitudes multiply: rescaled at once)
            0
            if j is None
            else (1 if step < last else 0)
            if (i < n_inputs) != (j < n_inputs)
            else 2 * (i >= n_inputs),
            j is None,
            n_ai,
            len(bi),
            tuple(map(labels.index, bi)) if len(labels) != n_ai + len(bi) else None,
            # repeated labels (traces) occur on input terms only: results are deduplicated
            tuple(map(labels.index, ai)) if i < n_inputs and rep[i] else None,
            tuple([2 * code[x] + (cnt[x] > 0) for x in labels]),
        )
        st = get_template(key)
        if st is None:
            st = templates[key] = _template(ai, bi, j is None, labels, key[1:], key[0] == 1)
            st.join = key[0] == 2
            sa, sb = tuple(map(sizes.__getitem__, ai)), tuple(map(sizes.__getitem__, bi))
            st.in_a, st.in_b = (sb, sa) if st.swap else (sa, None if j is None else sb)
        if st.swap:
            append_i(j)
            append_j(i)
        else:
            append_i(i)
            append_j(j)
        append_t(st)
        if st.new_size is None:
            out = tuple(map(labels.__getitem__, st.out))
        else:
            out = tuple([labels[k] if k >= 0 else new_row(st.new_size) for k in st.out])
        for x in out:
            cnt[x] += 1
        append_term(out)
    get = size.__getitem__
    in_shapes = [tuple(map(get, t)) for t in inputs]
    final = terms[root] if root is not None else ()
    return Plan((I, J, T), in_shapes, final, tuple(sizes[x] for x in final), len(inputs))


def _template(ai, bi, unary, labels, key, chain=False):
    """Compile one step on local labels ``0 .. n-1`` (``-1``: the new row label)."""
    pos = {x: k for k, x in enumerate(labels)}
    ai = tuple(pos[x] for x in ai)
    bi = tuple(pos[x] for x in bi)
    # per label: 2 * (2 * size + is_row) + kept
    keep = {k for k, f in enumerate(key[5]) if f & 1}
    rows = {k for k, f in enumerate(key[5]) if f & 2}
    size = {k: f >> 2 for k, f in enumerate(key[5])}

    def new_label():
        return -1

    if unary:
        pre = tuple(x for x in ai if x in keep)
        sa = tuple(k for k, x in enumerate(ai) if x not in keep)
        kw = dict(ai=ai, sa=sa or None, pre=pre, shape=tuple(size[x] for x in pre))
        swap = False
    elif len(set(ai)) != len(ai) or len(set(bi)) != len(bi):
        pre = tuple(x for x in dict.fromkeys(ai + bi) if x in keep)
        kw = dict(ai=ai, bi=bi, pre=pre, shape=tuple(size[x] for x in pre), generic=True)
        swap = False
    else:
        kw = _pair_step(ai, bi, keep, size, False)
        swap = False
        if rows and _rows_split(kw["pre"], rows):
            alt = _pair_step(ai, bi, keep, size, True)
            if not _rows_split(alt["pre"], rows):
                kw, swap = alt, True
    comp = _compress(kw["pre"], rows, size, new_label, chain) if rows else None
    out = comp[0] if comp else kw["pre"]
    kw["comp"] = comp and comp[1]
    kw["out"] = out
    kw["out_shape"] = tuple(size[x] for x in out)
    kw["swap"] = swap
    kw["new_size"] = size.get(-1)
    return Step(**kw)


def _rows_split(pre, rows) -> bool:
    """True when the row labels of ``pre`` are neither a prefix nor a suffix."""
    flags = [x in rows for x in pre]
    if not any(flags):
        return False
    k = sum(flags)
    return not (all(flags[:k]) or all(flags[len(flags) - k :]))


def execute(plan: Plan, arrays, arith):
    """Run a compiled plan; return ``(result, labels, log2 factor)``.

    ``arrays`` are the terms in ``inputs`` order (shapes for
    :class:`ShapeArith`). The result's labels are ``plan.out``.
    """
    while True:
        terms = arith.start(arrays)
        # a first float attempt may overflow on purpose (checked, then redone)
        errs = np.seterr(over="ignore", invalid="ignore") if arith.lenient else None
        try:
            pair, append = arith.pair, terms.append
            for i, j, st in zip(*plan.steps):
                if j is None:
                    c = arith.unary(terms[i], st)
                    terms[i] = None
                else:
                    c = pair(terms[i], terms[j], st)
                    terms[i] = terms[j] = None  # free as we go
                append(c)
            res = terms[-1] if terms else arith.scalar()
            return arith.finish(res), plan.out, arith.log2
        except _Restart:
            arith.strict()
        finally:
            if errs is not None:
                np.seterr(**errs)


# ----------------------------------------------------------------------------- primitives

_PAIR_CACHE: dict = {}


def contract_pair(a, ai, b, bi, out):
    """Contract two arrays to labels ``out`` (float, no rescaling); the sweep primitive.

    ``ai``, ``bi``, ``out`` are label tuples; a label on both operands and in
    ``out`` is a batch (hyper) label, on both and not in ``out`` is summed, on
    one only and not in ``out`` is summed first. The compiled step is cached
    by labels and shapes.
    """
    ai, bi, out = tuple(ai), tuple(bi), tuple(out)
    key = (ai, bi, out, tuple(a.shape), tuple(b.shape))
    plan = _PAIR_CACHE.get(key)
    if plan is None:
        size = dict(zip(ai, a.shape))
        size.update(zip(bi, b.shape))
        plan = compile_path([ai, bi], out, [(0, 1)], size)
        if len(_PAIR_CACHE) > 4096:
            _PAIR_CACHE.clear()
        _PAIR_CACHE[key] = plan
    c, ix, _ = execute(plan, [a, b], FloatArith(rescale=False))
    if ix != out:
        c = ar.do("transpose", c, tuple(ix.index(x) for x in out))
    return c


def run_path(arrays, inputs, output, path, size, *, rows=(), rescale=True):
    """Compile and run a linear ``path`` in float arithmetic, after the shape pass.

    Returns ``(array, labels, log2 factor)`` as :func:`execute`; compressed row
    labels are tuples ``("row", n)``. Raises
    :class:`~tnexpress.engine.budget.BudgetError` before allocating if the
    largest allocation exceeds the memory budget.
    """
    from .budget import check_size

    plan = compile_path(inputs, output, path, size, rows=rows)
    itemsize = max([getattr(getattr(a, "dtype", None), "itemsize", 8) for a in arrays] or [8])
    check_size(
        plan.peak_entries(),
        itemsize,
        what="the largest intermediate of the contraction",
        instead="slice it (tnexpress.engine.contract_network) or reduce the network",
    )
    return execute(plan, arrays, FloatArith(rescale=rescale))
