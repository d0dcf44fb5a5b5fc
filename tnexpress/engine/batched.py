r"""Level-wise, batched factors of tree-shaped sides of a cut (no per-step plan).

The pairwise executor (:mod:`tnexpress.engine.executor`) runs a compiled plan
one step at a time; at 2^20 tensors compiling and stepping cost tens of
microseconds of Python per tensor. A side whose incidence graph is a tree
(tensors joined by ordinary and hyper labels, rooted at the one tensor holding
the cut labels) is contracted here without a plan:

- every node ``v`` of the tree gets a factor ``F_v`` (``k_v x d_p``, ``p`` the
  label to its parent; the cut labels at the root) with ``X_v = Q_v F_v``,
  ``Q_v`` isometric, ``X_v`` the subtree's matricization (rows: its open legs);
- ``F_v`` is the ``R`` factor (QR, never a Gram matrix) of ``T_v`` contracted
  with its children's factors; a hyper label's children enter as their
  row-wise Khatri-Rao product;
- nodes of equal height and equal signature (shape, axis roles, children's row
  counts) are stacked and done at once: one batched ``matmul`` per child label
  and one batched ``numpy.linalg.qr`` per group;
- long chains (nodes with a single child) are re-associated: runs of equal
  elements are multiplied pairwise into blocks (batched, no QR, rows merged up
  to :data:`BLOCK_ROWS`), then swept from the bottom with one QR per block.

Every intermediate is rescaled by a power of two per item (``numpy.frexp``: no
rounding), the exponents summed into ``log2``: nothing overflows float64.
A side that is not such a tree returns ``None`` (the caller falls back to the
executor).
"""

from __future__ import annotations

import math
from operator import attrgetter

import numpy as np

from .budget import check_size
from .executor import identity_like, qr_r
from .treepath import label_holders

__all__ = ("side_terms", "tree_factor", "structure_side_factor", "BATCH_MIN_NODES")

#: the batched route is taken for sides of at least this many tensors. Below, the
#: executor's compiled plans are cached and repeated calls are faster with them (measured,
#: idle machine, best of 3 repeats: tt(4096, 2, 4) middle cut 0.088 s vs 0.131 s batched,
#: tt(16384) 0.365 vs 0.415 s); from tt(65536) the batched route wins first and repeated
#: calls (2.05 vs 2.40 s repeated)
BATCH_MIN_NODES = 32768
#: sides of at least this many nodes are walked by the compiled walk
#: (:mod:`tnexpress.engine._treewalk`; the same factors, bit for bit); smaller ones, and
#: sides it does not take, by :func:`tree_factor`
WALK_MIN = 4096
#: chains of at least this many single-child nodes are blocked and swept
CHAIN_MIN = 8
#: row count up to which chain elements are multiplied into blocks without a QR
BLOCK_ROWS = 64


def side_terms(st, nodes):
    """Nodes, their labels and the row labels of one side, terminals folded in.

    A terminal is ``delta(row, k)``. Where ``k`` joins it to a single tensor of
    the same side, that tensor takes ``row`` in place of ``k`` and the terminal
    is dropped: the same network with one pairwise step fewer per open leg.
    """
    if len(nodes) >= SIDE_TERMS_NUMPY_MIN:
        return _side_terms_numpy(st, nodes)
    node_set = nodes if isinstance(nodes, frozenset | set) else set(nodes)
    nodes = sorted(nodes)
    n_tensors = len(st.tids)
    rename: dict = {}
    kept, rows = [], []
    holders, st_inputs = st.holders, st.inputs
    for n in nodes:
        if n >= n_tensors:
            row, k = st_inputs[n]
            rows.append(row)
            h = holders.get(k, ())
            if len(h) == 2:
                other = h[1] if h[0] == n else h[0]
                if other != n and other < n_tensors and other in node_set:
                    r = rename.get(other)
                    if r is None:
                        rename[other] = {k: row}
                    else:
                        r[k] = row
                    continue
        kept.append(n)
    inputs = []
    for n in kept:
        r = rename.get(n)
        t = st_inputs[n]
        inputs.append(t if r is None else tuple([r.get(i, i) for i in t]))
    return kept, inputs, rows


#: sides of at least this many nodes are folded by :func:`_side_terms_numpy`
SIDE_TERMS_NUMPY_MIN = 4096


def terminal_folds(g, term, n_t, in_side):
    """``(k, other, fold)`` of the terminals ``term`` of a side (graph arrays ``g``).

    ``k``: each terminal's class label; ``other``: the other holder of ``k``;
    ``fold``: whether ``k`` joins the terminal to a single tensor of the same side
    (that tensor then takes the row label in place of ``k``, see :func:`side_terms`).
    """
    k = g.node_lab[g.node_ptr[term]]
    p = g.lab_ptr[k]
    cnt = g.lab_ptr[k + 1] - p
    h0 = g.lab_nodes[p]
    h1 = g.lab_nodes[np.minimum(p + 1, g.lab_nodes.size - 1)]
    other = np.where(h0 == term, h1, h0)
    fold = (cnt == 2) & (other != term) & (other < n_t) & in_side[other]
    return k, other, fold


def _side_terms_numpy(st, nodes):
    """:func:`side_terms` over the structure's graph arrays (the same result)."""
    from .structure import graph_arrays

    g = graph_arrays(st)
    n_t = len(st.tids)
    arr = np.fromiter(nodes, np.int64, len(nodes))
    arr.sort()
    in_side = np.zeros(st.n_nodes, dtype=bool)
    in_side[arr] = True
    split = int(np.searchsorted(arr, n_t))
    term = arr[split:]
    k, other, fold = terminal_folds(g, term, n_t, in_side)
    st_inputs = st.inputs
    rows = [st_inputs[n][0] for n in term.tolist()]
    folded = np.flatnonzero(fold).tolist()
    labels = g.labels
    # a folded label is on two nodes, its terminal and one tensor: renamed globally
    ren = dict(zip([labels[i] for i in k[folded].tolist()], [rows[i] for i in folded]))
    touched = np.zeros(st.n_nodes, dtype=bool)
    touched[other[fold]] = True
    kept_arr = np.concatenate([arr[:split], term[~fold]])
    kept = kept_arr.tolist()
    rg = ren.get
    # only the touched tensors are rebuilt (a Python bool list: no numpy scalar per node)
    inputs = [st_inputs[n] for n in kept]
    for i in np.flatnonzero(touched[kept_arr]).tolist():
        t = inputs[i]
        inputs[i] = tuple(map(rg, t, t))
    return kept, inputs, rows


def structure_side_factor(st, nodes, cut):
    """``(F, log2)`` of one side of a structure's cut by :func:`tree_factor`, or ``None``."""
    arrays = st.arrays
    # one pass in C over the types, then a check per distinct type
    if not all(t is type(None) or issubclass(t, np.ndarray) for t in set(map(type, arrays))):
        return None
    if len(nodes) >= WALK_MIN:  # the walk compiled over the graph arrays
        from ._treewalk import walk_side_factor

        out = walk_side_factor(st, nodes, cut)
        if out is not None:
            return out
    kept, inputs, rows = side_terms(st, nodes)
    like = next(a for a in arrays if a is not None)
    arrs = [arrays[n] for n in kept]
    for i in [i for i, a in enumerate(arrs) if a is None]:
        arrs[i] = identity_like(st.size[st.inputs[kept[i]][1]], like)
    return tree_factor(arrs, inputs, rows, cut, st.size)


def _guard(entries: int, itemsize: int) -> None:
    """The memory budget for one stacked allocation of a batched group."""
    check_size(
        entries,
        itemsize,
        what="a stacked group of the batched side factor",
        instead="raise tnexpress.engine.batched.BATCH_MIN_NODES above this network's size",
    )


def _stack(arrays):
    """``numpy.stack`` of arrays of one shape, by one ``concatenate`` (the same array).

    ``numpy.stack`` makes a new view of every input: 1.42 s against 0.13 s for 524288
    arrays of 4 x 2 x 4 (measured).
    """
    a0 = arrays[0]
    if a0.ndim == 0 or len(arrays) < 64 or len(set(map(attrgetter("shape"), arrays))) != 1:
        return np.stack(arrays)  # (which raises on unequal shapes)
    return np.concatenate(arrays).reshape(len(arrays), *a0.shape)


#: items whose largest entry lies within 2^+-(maxexp / SCALE_FREE) of 1 are not rescaled
#: (a pass saved; ``maxexp`` of the dtype: 1024 for float64, 128 for float32)
SCALE_FREE = 8


def _frexp_scale(x, axes):
    """``x`` divided per item by a power of two near its largest entry; the exponents' sum."""
    real = x.dtype.kind == "f"
    if real and axes:  # max |x| without an |x| array: two reductions
        m = np.maximum(x.max(axis=axes), -x.min(axis=axes))
    else:
        m = np.abs(x).max(axis=axes) if axes else np.abs(x)
    _, e = np.frexp(m)  # frexp(0) = (0, 0): zero items stay
    free = np.finfo(m.dtype).maxexp // SCALE_FREE  # float64: 2^+-128, float32: 2^+-16
    if int(e.max()) <= free and int(e.min()) >= -free:
        # every item near 1: left as it is (a product of two such items stays far inside
        # the dtype's range; the next rescale brings it back)
        return x, 0
    shape = e.shape + (1,) * (x.ndim - e.ndim)
    if real:  # exact: a power of two, as the product below
        return np.ldexp(x, -e.reshape(shape)), int(e.sum())
    # a power of two in the real dtype: exact for complex entries too
    scale = np.ldexp(np.ones(shape, dtype=x.real.dtype), -e.reshape(shape))
    return x * scale, int(e.sum())


def tree_factor(arrays, inputs, rows, cut, size):
    """Factor ``F`` (``k x W``) and ``log2`` scale of a tree-shaped side, or ``None``.

    Parameters
    ----------
    arrays : list of numpy.ndarray
        The side's tensors.
    inputs : list of tuple
        Their labels.
    rows : iterable
        Open (row) labels, each on one term.
    cut : tuple
        Cut labels; ``F``'s columns are their joint index in this order.
    size : mapping
        Dimension of every label.

    Returns
    -------
    (numpy.ndarray, int) or None
        ``None`` when the side is not a single tree rooted at one term holding
        every cut label (loops, a forest, traces, labels summed on one term).
    """
    n = len(inputs)
    if n == 0 or not cut:
        return None  # no cut label: the sides are apart (the executor's outer products)
    row_set = set(rows)
    cut_set = set(cut)
    holders = label_holders(inputs)
    # the root: one term holding every cut label; else each cut label roots the subtrees
    # of its holders (joined at the end by Khatri-Rao and Kronecker products)
    starts = []
    for x in cut:
        h = holders.pop(x, None)
        if h is None:
            return None
        starts.append((x, h))
    root = starts[0][1][0] if all(h == [starts[0][1][0]] for _, h in starts) else None
    for x in row_set:
        h = holders.pop(x, None)
        if h is not None and len(h) != 1:
            return None
    # breadth first from the root: the label to the parent, the children per label and
    # the axis order (children's labels, rows, parent or cut) of every node
    plab: list = [None] * n
    kids: list = [()] * n
    perms: list = [None] * n
    seen = bytearray(n)
    if root is not None:
        seen[root] = 1
        order = [root]
    else:
        order = []
        for x, h in starts:
            for u in h:
                if seen[u]:
                    return None  # a term holding two cut labels, or one twice
                seen[u] = 1
                plab[u] = x
                order.append(u)
    pop = holders.pop
    for v in order:
        term = inputs[v]
        px = plab[v]
        cpos, rpos, ch = [], [], []
        ppos = None
        for i, x in enumerate(term):
            h = pop(x, None)
            if h is None:
                if x == px:
                    ppos = i
                elif x not in cut_set:
                    rpos.append(i)
                continue
            nh = len(h)
            if nh == 2:  # an ordinary label: no list built
                u = h[1] if h[0] == v else h[0]
                if u == v or seen[u]:
                    return None  # a trace, or a cycle
                seen[u] = 1
                plab[u] = x
                order.append(u)
                cpos.append(i)
                ch.append((u,))
                continue
            if nh < 2:
                return None  # summed on one term
            us = [u for u in h if u != v]
            if len(us) != nh - 1:
                return None  # a trace
            for u in us:
                if seen[u]:
                    return None  # a cycle
                seen[u] = 1
                plab[u] = x
                order.append(u)
            cpos.append(i)
            ch.append(us)
        if v == root:
            if len(term) != len(cpos) + len(rpos) + len(cut):
                return None  # a trace
            rpos.extend(term.index(x) for x in cut)
        elif ppos is None or len(term) != len(cpos) + len(rpos) + 1:
            return None
        else:
            rpos.append(ppos)
        cpos.extend(rpos)
        perms[v] = tuple(cpos)
        kids[v] = ch
    if len(order) != n:
        return None  # a forest
    # unary chains: a node with one child label holding one child (the root excluded)
    chain_of: dict = {}  # top node -> list of members, bottom first
    member = bytearray(n)
    for v in order:
        ch = kids[v]
        if member[v] or v == root or len(ch) != 1 or len(ch[0]) != 1:
            continue
        chain = [v]  # breadth first: v is the top of its chain
        u = ch[0][0]
        while True:
            cu = kids[u]
            if u == root or len(cu) != 1 or len(cu[0]) != 1:
                break
            chain.append(u)
            u = cu[0][0]
        if len(chain) >= CHAIN_MIN:
            for w in chain:
                member[w] = 1
            chain.reverse()
            chain_of[v] = chain
    # heights on the tree with chains collapsed; post-order = reversed breadth-first order
    height = [0] * n
    levels: dict = {}
    for v in reversed(order):
        if member[v]:
            if v not in chain_of:
                continue
            h = 1 + height[kids[chain_of[v][0]][0][0]]
        else:
            h = 0
            for us in kids[v]:
                for u in us:
                    if height[u] >= h:
                        h = height[u] + 1
        height[v] = h
        lv = levels.get(h)
        if lv is None:
            levels[h] = [v]
        else:
            lv.append(v)
    F: list = [None] * n
    K = [0] * n  # rows of each factor
    log2 = 0
    for h in sorted(levels):
        groups: dict = {}
        for v in levels[h]:
            if v in chain_of:
                F[v], l2 = _chain(chain_of[v], arrays, perms, kids, F)
                K[v] = F[v].shape[0]
                log2 += l2
                continue
            ch = kids[v]
            kk = tuple([tuple([K[u] for u in us]) for us in ch])
            key = (arrays[v].shape, perms[v], kk, len(cut) if v == root else 1)
            g = groups.get(key)
            if g is None:
                groups[key] = [v]
            else:
                g.append(v)
        for (_, perm, kk, npar), vs in groups.items():
            log2 += _group(vs, perm, kk, npar, arrays, kids, F, K)
    if root is not None:
        return F[root], log2
    out, l2 = join_cut_factors([[F[u] for u in h] for _, h in starts])
    return out, log2 + l2


def join_cut_factors(per_label):
    """``(F, log2)`` of a side rooted at several nodes, from their factors.

    ``per_label[j]``: the factors of the holders of cut label ``j`` (in cut order),
    joined by their row-wise Khatri-Rao product (a hyper cut label); several cut
    labels by Kronecker products; then one QR if the rows outnumber the columns.
    """
    out = None
    for fs in per_label:
        G = fs[0]
        for Fu in fs[1:]:
            G = (G[:, None, :] * Fu[None, :, :]).reshape(-1, G.shape[1])
        out = G if out is None else np.kron(out, G)
    if out.shape[0] > out.shape[1]:
        out = qr_r(out)
    return _frexp_scale(out, (0, 1))


def _group(vs, perm, kk, npar, arrays, kids, F, K) -> int:
    """Factors of the nodes ``vs`` (one signature) at once; returns the log2 scale."""
    child_stacks = []
    for j, ks in enumerate(kk):
        us_all = [kids[v][j] for v in vs]
        child_stacks.append([_stack([F[us[c]] for us in us_all]) for c in range(len(ks))])
    H, log2 = _group_core([arrays[v] for v in vs], perm, kk, npar, child_stacks)
    k = H.shape[1]
    for i, v in enumerate(vs):
        F[v] = H[i]
        K[v] = k
    return log2


def _group_core(Ts, perm, kk, npar, child_stacks):
    """``(H, log2)``: the stacked factors ``H[i]`` of a group's nodes.

    ``Ts``: the nodes' arrays (one shape), ``perm`` their axis order (child
    axes, rows, parent or cut axes), ``kk`` the children's row counts per
    child label, ``child_stacks[j][c]``: the ``c``-th children's factors of
    child label ``j``, stacked over the nodes (``nb x k x d``).
    """
    nb = len(Ts)
    a0 = Ts[0]
    # the largest stack: the inputs, or an intermediate (children's rows times the rest)
    inner = a0.size
    for j, ks in enumerate(kk):
        inner = inner // a0.shape[perm[j]] * math.prod(ks)
    _guard(nb * max(a0.size, inner), a0.dtype.itemsize)
    T = _stack(Ts)
    T = T.transpose(0, *(p + 1 for p in perm))
    T, log2 = _frexp_scale(T, tuple(range(1, T.ndim)))
    dims = T.shape[1:]
    m = len(kk)
    d_ch = dims[:m]
    d_rp = dims[m:]
    d_p = 1
    for d in d_rp[len(d_rp) - npar :]:  # the parent label, or the root's cut labels
        d_p *= d
    H = np.ascontiguousarray(T).reshape(nb, *dims)
    kp = 1
    for j in range(m):
        G = None
        for Fc in child_stacks[j]:  # (nb, k, d_x)
            G = (
                Fc
                if G is None
                else (G[:, :, None, :] * Fc[:, None, :, :]).reshape(nb, -1, d_ch[j])
            )
        # H: (nb, x_j, x_{j+1}.., rows.., parent, K..); G: (nb, k_j, x_j)
        H = np.matmul(G, H.reshape(nb, d_ch[j], -1))  # (nb, k_j, rest)
        kj = G.shape[1]
        H = np.moveaxis(H.reshape(nb, kj, -1), 1, -1)  # K axes last, newest last
        kp *= kj
    d_r = 1
    for d in d_rp[: len(d_rp) - npar]:
        d_r *= d
    # H: (nb, rows.., parent, K) -> (nb, rows*K, parent)
    H = H.reshape(nb, d_r, d_p, kp).transpose(0, 1, 3, 2).reshape(nb, d_r * kp, d_p)
    if d_r * kp > d_p:
        H = np.linalg.qr(H, mode="r")
    H, l2 = _frexp_scale(H, (1, 2))
    return H, log2 + l2


def _chain(chain, arrays, perms, kids, F):
    """Factor at the top of a chain (members bottom first) from its bottom child's."""
    runs: list = []  # consecutive members of equal signature
    for v in chain:
        key = (arrays[v].shape, perms[v])
        if runs and runs[-1][0] == key:
            runs[-1][1].append(v)
        else:
            runs.append((key, [v]))
    runs = [(perm, vs) for (_, perm), vs in runs]
    return _chain_runs(runs, arrays.__getitem__, F[kids[chain[0]][0][0]])


def _chain_runs(runs, array_of, R):
    """``(R, log2)``: ``R`` (the bottom child's factor) swept up a chain.

    ``runs``: ``(perm, nodes)`` per run of consecutive members of one shape and
    axis order, bottom first; ``array_of(node)``: a member's array.
    """
    elems = []  # (3-tensor (a, P, b), log2) in chain order
    log2 = 0
    for perm, vs in runs:
        a0 = array_of(vs[0])
        _guard(len(vs) * a0.size, a0.dtype.itemsize)
        X = _stack([array_of(v) for v in vs]).transpose(0, *(p + 1 for p in perm))
        a, b = X.shape[1], X.shape[-1]
        X = np.ascontiguousarray(X).reshape(len(vs), a, -1, b)
        X, l2 = _frexp_scale(X, (1, 2, 3))
        log2 += l2
        tails = []  # odd elements left over, each after the blocks below it
        while a == b and X.shape[0] >= 2 and X.shape[2] ** 2 <= BLOCK_ROWS:
            if X.shape[0] % 2:
                tails.append(X[-1])
                X = X[:-1]
            nb, P = X.shape[0] // 2, X.shape[2]
            lo = X[0::2].reshape(nb, a * P, b)
            hi = X[1::2].reshape(nb, b, P * b)
            X, l2 = _frexp_scale(np.matmul(lo, hi).reshape(nb, a, P * P, b), (1, 2, 3))
            log2 += l2
        elems.extend(X)
        elems.extend(reversed(tails))
    i = 0
    while i < len(elems):
        S = elems[i]
        j = i + 1
        while j < len(elems) and elems[j].shape == S.shape:
            j += 1
        if j - i >= SWEEP_MIN and R.dtype == S.dtype and R.dtype.char in "dD":
            # a run of equal blocks: swept by the compiled loop (no Python per block)
            R, l2 = _compiled_sweep()(np.ascontiguousarray(R), _stack(elems[i:j]))
            log2 += int(l2)
            i = j
            continue
        # short runs, other dtypes: the same step as _sweep_py, with qr_r (LAPACK geqrf
        # called directly, cheaper than numpy.linalg.qr; not callable from numba)
        for S in elems[i:j]:
            a, P, b = S.shape
            k = R.shape[0]
            M = (R @ S.reshape(a, P * b)).reshape(k * P, b)
            R = qr_r(M) if k * P > b else M
            m = np.abs(R).max()
            if m > 0:
                e = int(np.frexp(m)[1])
                if e:
                    R = R * np.ldexp(R.real.dtype.type(1), -e)
                    log2 += e
        i = j
    return R, log2


#: runs of at least this many equal chain blocks are swept by a compiled loop
SWEEP_MIN = 256
_SWEEP: list = []


def _sweep_py(R, X):  # pragma: no cover - compiled by numba (see _compiled_sweep)
    """``R`` swept through the blocks ``X[i]`` (``a x P x b``); returns ``(R, log2)``.

    Each step ``R <- qr_r((R X_i)_(kP, b))``, then divided by a power of two
    near its largest entry (the exponents summed in ``log2``).
    """
    log2 = 0
    nb, a, P, b = X.shape
    for i in range(nb):
        k = R.shape[0]
        M = np.dot(R, X[i].reshape(a, P * b)).reshape(k * P, b)
        if k * P > b:
            R = np.ascontiguousarray(np.linalg.qr(M)[1])
        else:
            R = M
        m = np.abs(R).max()
        if m > 0:
            e = math.frexp(m)[1]
            if e != 0:
                R = R * math.ldexp(1.0, -e)
                log2 += e
    return R, log2


def _compiled_sweep():
    """:func:`_sweep_py` compiled (numba, cached on disk).

    Measured on 32768 blocks of 4 x 16 x 4: 0.21 s against 1.19 s for the same loop in
    Python (bit for bit the same ``R``: both call LAPACK ``geqrf``).
    """
    if not _SWEEP:
        import numba

        _SWEEP.append(numba.njit(cache=True, nogil=True)(_sweep_py))
    return _SWEEP[0]


def batched_factors(st, side_a, side_b, cut):
    """``[(F_A, log2_A), (F_B, log2_B)]`` by :func:`tree_factor`, or ``None`` (small or loopy).

    Taken for structures of at least :data:`BATCH_MIN_NODES` nodes whose arrays are all
    numpy; either side not a tree gives ``None`` (the caller's executor route then).
    """
    if st.n_nodes < BATCH_MIN_NODES:
        return None
    fa = structure_side_factor(st, side_a, cut)
    if fa is None:
        return None
    fb = structure_side_factor(st, side_b, cut)
    return None if fb is None else [fa, fb]
