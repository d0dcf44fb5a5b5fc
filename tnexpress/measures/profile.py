r"""The entanglement profile: entropies of every cut ``(order[:k], order[k:])`` in one sweep.

For ``N`` open legs in an order :math:`o`, the profile is
:math:`S_\alpha(o_{<k} : o_{\ge k})` for :math:`k = 1 \dots N-1`, in bits. The
cuts are not computed independently. Like an MPS canonical sweep:

1. Every node of the network (tensors and open-leg terminals) gets an entry
   time :math:`k_X(v)` into the left region :math:`X_k = \{v : k_X(v) \le k\}`
   and an exit time :math:`k_Y(v)` of the right region
   :math:`Y_k = \{v : k_Y(v) \ge k\}`; the terminal of leg :math:`o_p` has
   :math:`k_X = p + 1`, :math:`k_Y = p`, so :math:`X_k` holds exactly the
   legs :math:`o_{<k}` and :math:`Y_k` the legs :math:`o_{\ge k}`. The times
   come from spanning trees rooted at the last leg (for ``X``) and at the first
   (for ``Y``): a node enters ``X`` once every leg below it has, so on trees
   (MPS, tensor trains, HT) the regions are unions of complete subtrees.
2. A left-to-right sweep keeps, for each connected component of :math:`X_k`,
   the ``R`` factor of its matricization (legs ``x`` boundary bonds): adding
   the nodes entering at ``k`` contracts them into the components they touch,
   with QR compression of the legs (:func:`tnexpress.engine.executor.run_path`),
   never a Gram matrix. A right-to-left sweep does the same for :math:`Y_k`.
3. Each cut's Schmidt values are the singular values of

   .. math::

       R_X(k)\; M_k\; R_Y(k)^T, \qquad M_k = \text{the nodes in neither region},

   since :math:`[[A]] = Q_X R_X M_k R_Y^T Q_Y^T` with isometries ``Q``.

Components of a region are independent factors (their legs form a tensor
product), so the factor of ``X_k`` is never the Kronecker product of its parts:
an HT prefix of ``popcount(k)`` complete subtrees keeps ``popcount(k)`` small
factors. A cut whose middle matrix or factors exceed the memory budget is
computed on its own (the replica method for integer ``alpha >= 2``) or refused
with a :class:`~tnexpress.engine.budget.BudgetError` naming the cut.

Tree networks (MPS, tensor trains, HT and any network whose tensors and
hyper-indices form a tree) in an order that keeps every subtree's legs
contiguous take a compiled, batched form of the same sweeps first
(:mod:`._profile_plan`): one plan per structure, every level's identical small
contractions and QRs stacked into one call, every cut's matrix from its
vertex, the factors of its parts and a two-sided outside environment. Other
networks and orders, and plans over the memory budget, run the sweep above.
"""

from __future__ import annotations

import itertools
import math
import numbers

import autoray as ar
import numpy as np
from cotengrust import optimize_greedy

from ..engine.budget import BudgetError, get_memory_budget
from ..engine.budget import fmt_bytes as _fmt_bytes
from ..engine.executor import identity_like, qr_r
from ..engine.executor import run_path as contract_path
from ..engine.paths import contraction_tree
from ..engine.plan import peak_entries
from ..engine.sides import check_network, open_inds, resolve_side
from ..engine.structure import build_structure
from ._profile_plan import tree_profile
from .schmidt import SchmidtSpectrum, renyi_bits

__all__ = ("entanglement_profile", "region_times")

_fresh = itertools.count()
#: the compiled tree plan (:mod:`._profile_plan`) where it applies; the general sweep otherwise
_TREE = True
#: optimizer of the many small contractions of the sweeps (cached per structure)
_SMALL_OPT = "greedy"


def _resolve_order(tn, order):
    opens = open_inds(tn)
    if len(opens) < 2:
        raise ValueError(f"the profile needs at least 2 open legs, tn has {len(opens)}")
    if order is None:
        return list(opens)
    order = list(order)
    if len(order) != len(opens):
        raise ValueError(
            f"order must be a permutation of the {len(opens)} sites (open legs), "
            f"got {len(order)} entries"
        )
    head, _ = resolve_side(tn, order[:-1], name="order")
    (last,), _ = resolve_side(tn, order[-1:], name="order")
    if last in set(head):
        raise ValueError(f"order repeats entries [{order[-1]!r}]; each site may appear once")
    return [*head, last]


def _graph(st):
    """Adjacency of the bipartite node/label graph (labels with >= 2 holders)."""
    n = st.n_nodes
    labels = [ix for ix, h in st.holders.items() if len(set(h)) >= 2]
    lab_id = {ix: n + i for i, ix in enumerate(labels)}
    adj: list = [[] for _ in range(n + len(labels))]
    for ix, node in lab_id.items():
        for h in dict.fromkeys(st.holders[ix]):
            adj[node].append(h)
            adj[h].append(node)
    return adj


def _times(adj, n_nodes, roots, pos_of, reduce, empty):
    """Per node: ``reduce`` of leg positions in the subtree of its anchor (BFS trees)."""
    n = len(adj)
    parent = [-2] * n
    order: list = []
    for r in roots:
        if parent[r] != -2:
            continue
        parent[r] = -1
        queue = [r]
        for u in queue:
            for v in adj[u]:
                if parent[v] == -2:
                    parent[v] = u
                    queue.append(v)
        order.extend(queue)
    val = [empty] * n
    for u, p in pos_of.items():
        val[u] = p
    for u in reversed(order):
        p = parent[u]
        if p >= 0 and val[u] != empty:
            val[p] = val[u] if val[p] == empty else reduce(val[p], val[u])
    anchor_val = [empty] * n
    for u in order:  # parents before children
        p = parent[u]
        anchor_val[u] = val[u] if (val[u] != empty or p < 0) else anchor_val[p]
    return anchor_val[:n_nodes]


def region_times(st, seq):
    """Entry times ``k_X`` and exit times ``k_Y`` (numpy int arrays) of every node."""
    n = st.n_nodes
    # the terminal of open leg k exposes the row label ("open", k); its other label
    # may be a merged COPY class shared by several open legs
    term = {st.inputs[t][0][1]: t for t in (*st.a_terminals, *st.b_terminals)}
    pos_of = {term[ix]: p for p, ix in enumerate(seq)}
    adj = _graph(st)
    N = len(seq)
    mx = _times(adj, n, [term[ix] for ix in reversed(seq)], pos_of, max, -1)
    mn = _times(adj, n, [term[ix] for ix in seq], pos_of, min, N)
    kx = np.array([m + 1 if m >= 0 else 1 for m in mx], dtype=np.int64)
    ky = np.array([m if m < N else 0 for m in mn], dtype=np.int64)
    for t, p in pos_of.items():
        kx[t], ky[t] = p + 1, p
    ky = np.minimum(ky, kx - 1)  # X_k and Y_k disjoint for every k
    return kx, ky


_PATHS: dict = {}


def _path(tree):
    """``tree.get_path()``, remembered per (cached, shared) tree object."""
    hit = _PATHS.get(id(tree))
    if hit is None or hit[0] is not tree:
        if len(_PATHS) > 4096:
            _PATHS.clear()
        hit = _PATHS[id(tree)] = (tree, tree.get_path())
    return hit[1]


def _peak(tree, inputs, output, path, size, rows):
    """Largest intermediate: a cheap bound first, the exact count only when it matters."""
    bound = tree.max_size() * math.prod(size[i] for i in rows)
    if bound <= 2**16:
        return bound
    return peak_entries(inputs, output, path, size, rows=rows)


def _tensordot_pair(arrays, inputs, keep):
    """Two numpy terms without batch labels: one ``tensordot`` (``None, None`` otherwise)."""
    (a, ai), (b, bi) = zip(arrays, inputs)
    shared = set(ai) & set(bi)
    if shared & keep or len(set(ai)) != len(ai) or len(set(bi)) != len(bi):
        return None, None
    if any(i not in keep and i not in shared for i in (*ai, *bi)):
        return None, None
    con = [i for i in ai if i in shared]
    c = np.tensordot(a, b, axes=([ai.index(i) for i in con], [bi.index(i) for i in con]))
    m = float(np.abs(c).max()) if c.size else 0.0
    if m > 0 and math.isfinite(m):
        c = c / m
    return c, tuple(i for i in ai if i not in shared) + tuple(i for i in bi if i not in shared)


class _Sweep:
    """Components of a growing region, each an ``R`` factor ``(row, *boundary)``."""

    def __init__(self, st, like, optimize, budget, itemsize):
        self.st = st
        self.like = like
        # many small distinct contractions: cotengra's greedy (cached) unless asked
        self.optimize = _SMALL_OPT if optimize is None else optimize
        self.budget = budget
        self.itemsize = itemsize
        self.inside = np.zeros(st.n_nodes, dtype=bool)
        self.count: dict = {}  # label -> holders inside
        self.comp_of_label: dict = {}  # boundary label -> component id
        self.comps: dict = {}  # id -> (array, labels)
        self.size = dict(st.size)

    def _array(self, node):
        a = self.st.arrays[node]
        if a is None:
            return identity_like(self.st.size[self.st.inputs[node][1]], self.like)
        return a

    def _outside(self, ix):
        return self.count.get(ix, 0) < len(self.st.holders[ix])

    def add(self, nodes):
        """Add ``nodes``; merge them with the components they touch."""
        st = self.st
        for v in nodes:
            self.inside[v] = True
            for ix in st.inputs[v]:
                if ix in st.holders:
                    self.count[ix] = self.count.get(ix, 0) + 1
        if len(nodes) == 1:  # the common step: one node and the components it touches
            (v,) = nodes
            touched = dict.fromkeys(
                self.comp_of_label[ix] for ix in st.inputs[v] if ix in self.comp_of_label
            )
            self._merge([("n", v), *[("c", c) for c in touched]])
            return
        # union-find over new nodes and touched components
        parent: dict = {}

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        owner: dict = {}
        for v in nodes:
            parent[("n", v)] = ("n", v)
            for ix in st.inputs[v]:
                if ix not in st.holders:
                    continue
                keys = [owner.get(ix)]
                c = self.comp_of_label.get(ix)
                if c is not None:
                    parent.setdefault(("c", c), ("c", c))
                    keys.append(("c", c))
                for key in keys:
                    if key is not None:
                        ra, rb = find(("n", v)), find(key)
                        if ra != rb:
                            parent[ra] = rb
                owner.setdefault(ix, ("n", v))
        groups: dict = {}
        for key in parent:
            groups.setdefault(find(key), []).append(key)
        for members in groups.values():
            self._merge(members)

    def _merge(self, members):
        st = self.st
        arrays, inputs, rows = [], [], []
        # a terminal whose leg reaches one tensor of the same batch is folded into it
        member_nodes = {x for kind, x in members if kind == "n"}
        fold: dict = {}
        folded = set()
        for x in member_nodes:
            if x >= len(st.tids):
                row, ix = st.inputs[x]
                h = set(st.holders[ix])
                if len(h) == 2:
                    (t,) = h - {x}
                    if t in member_nodes and t < len(st.tids):
                        fold.setdefault(t, {})[ix] = row
                        folded.add(x)
                        rows.append(row)
        for kind, x in members:
            if kind == "n" and x in folded:
                continue
            if kind == "c":
                a, labels = self.comps.pop(x)
                arrays.append(a)
                inputs.append(labels)
                rows.append(labels[0])
                for ix in labels[1:]:
                    self.comp_of_label.pop(ix, None)
            else:
                arrays.append(self._array(x))
                term = st.inputs[x]
                inputs.append(tuple(fold[x].get(i, i) for i in term) if x in fold else term)
                if x >= len(st.tids):
                    rows.append(st.inputs[x][0])
        row_set = set(rows)
        boundary = tuple(
            dict.fromkeys(
                ix
                for term in inputs
                for ix in term
                if ix not in row_set and ix in st.holders and self._outside(ix)
            )
        )
        tree_inputs = [tuple(i for i in term if i not in row_set) for term in inputs]
        output = tuple(rows) + boundary
        W = math.prod(self.size[i] for i in boundary)
        # a local size dict: the executor copies it, and self.size grows with every step
        size = {i: self.size[i] for t in inputs for i in t}
        a, ix = None, None
        if len(inputs) == 2 and all(isinstance(x, np.ndarray) for x in arrays):
            a, ix = _tensordot_pair(arrays, inputs, set(output))
        if a is None and W * W * self.itemsize <= self.budget:
            lean = _lean_contract(arrays, inputs, output, size, self.budget, self.itemsize)
            if lean is not None:
                a, ix = lean
        if a is None:
            if len(inputs) <= 2:  # nothing to search; the result is the largest array
                path = [(0, 1)] if len(inputs) == 2 else []
                keep = dict.fromkeys(i for t in inputs for i in t if i in set(output))
                peak = max(math.prod(self.size[i] for i in keep), W * W)
            else:
                tree = contraction_tree(tree_inputs, boundary, size, optimize=self.optimize)
                path = _path(tree)
                peak = max(_peak(tree, inputs, output, path, size, rows), W * W)
            if peak * self.itemsize > self.budget:
                raise BudgetError(
                    f"a profile factor (boundary weight W={W}) needs "
                    f"{_fmt_bytes(peak * self.itemsize)}, over the memory budget"
                )
            a, ix, _ = contract_path(arrays, inputs, output, path, size, rows=rows)
        for p, lab in enumerate(ix):
            self.size[lab] = a.shape[p]
        b_set = set(boundary)
        r_ix = [i for i in ix if i not in b_set]
        d_r = math.prod(self.size[i] for i in r_ix)
        perm = [ix.index(i) for i in (*r_ix, *boundary)]
        mat = ar.do("reshape", ar.do("transpose", a, perm), (d_r, W))
        if d_r > W:
            mat = qr_r(mat)
        k = int(mat.shape[0])
        new = ("prof-row", next(_fresh))
        self.size[new] = k
        cid = next(_fresh)
        arr = ar.do("reshape", mat, (k, *[self.size[i] for i in boundary]))
        self.comps[cid] = (arr, (new, *boundary))
        for lab in boundary:
            self.comp_of_label[lab] = cid

    def snapshot(self):
        return list(self.comps.values())


def _sweep(st, times, ks, like, optimize, budget, itemsize):
    """Snapshots of the region's components after each ``k`` of ``ks``; stops at a refusal."""
    sw = _Sweep(st, like, optimize, budget, itemsize)
    by_k: dict = {}
    for v, k in enumerate(times.tolist()):
        by_k.setdefault(k, []).append(v)
    snaps: dict = {}
    for k in ks:
        try:
            sw.add(by_k.get(k, []))
        except BudgetError:
            break
        snaps[k] = sw.snapshot()
    return snaps, sw.size


_LEAN = True  # the einsum route for small contractions (the general executor otherwise)
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: largest intermediate (entries) the lean einsum route takes
_LEAN_MAX = 2**16


_LEAN_PLANS: dict = {}


def _lean_plan(inputs, output, size):
    """Letters and einsum steps of a small contraction along a greedy path.

    The sweeps run thousands of tiny distinct contractions (a handful of
    tensors each); cotengrust's greedy called directly costs microseconds where
    a cached :func:`~tnexpress.engine.paths.contraction_tree` costs a
    millisecond of key building and tree bookkeeping. Letters go by first
    appearance, so contractions of the same shape share one cached plan.
    Returns ``(terms, steps, final, peak)``: ``steps`` are ``(i, j, equation)``
    on the live list (``i < j``, result appended), ``final`` the last
    transposition's equation or ``None``; ``None`` when the labels outnumber
    einsum's letters.
    """
    labels = dict.fromkeys(i for t in inputs for i in t)
    if len(labels) > len(_LETTERS):
        return None
    sym = {lab: _LETTERS[n] for n, lab in enumerate(labels)}
    terms = tuple("".join(sym[i] for i in t) for t in inputs)
    out = "".join(sym[i] for i in output)
    sizes = {sym[lab]: size[lab] for lab in labels}
    key = (terms, out, tuple(sizes.values()))
    hit = _LEAN_PLANS.get(key)
    if hit is not None:
        return (terms, *hit)
    if len(terms) > 2:
        path = [sorted(p) for p in optimize_greedy([list(t) for t in terms], list(out), sizes)]
    else:
        path = [(0, 1)] if len(terms) == 2 else []
    count: dict = {}
    for t in terms:
        for c in set(t):
            count[c] = count.get(c, 0) + 1
    live = list(terms)
    peak = max((math.prod(sizes[c] for c in t) for t in live), default=1)
    steps = []
    for i, j in path:
        bt, at = live.pop(j), live.pop(i)
        for c in set(at) | set(bt):
            count[c] -= (c in at) + (c in bt)
        keep = "".join(c for c in dict.fromkeys(at + bt) if c in out or count.get(c, 0) > 0)
        for c in set(keep):
            count[c] = count.get(c, 0) + 1
        live.append(keep)
        steps.append((i, j, f"{at},{bt}->{keep}"))
        peak = max(peak, math.prod(sizes[c] for c in keep))
    while len(live) > 1:  # disconnected pieces
        bt, at = live.pop(), live.pop()
        keep = "".join(dict.fromkeys(at + bt))
        steps.append((len(live), len(live) + 1, f"{at},{bt}->{keep}"))
        live.append(keep)
        peak = max(peak, math.prod(sizes[c] for c in keep))
    final = None if live[0] == out else f"{live[0]}->{out}"
    if len(_LEAN_PLANS) > 8192:
        _LEAN_PLANS.clear()
    _LEAN_PLANS[key] = (tuple(steps), final, peak)
    return terms, tuple(steps), final, peak


def _einsum_path(arrays, steps, final):
    """Run a lean plan: one ``einsum`` per pair, each result rescaled to max 1.

    For the many small contractions of a sweep (at most ``_LEAN_MAX`` entries
    anywhere): no row compression, a fraction of the general executor's
    per-step cost. The scale is dropped: the profile needs factors up to a
    constant only.
    """
    live = list(arrays)
    for n, (i, j, eq) in enumerate(steps, 1):
        b, a = live.pop(j), live.pop(i)
        r = np.einsum(eq, a, b)
        # entries grow by at most the contracted dimension (<= _LEAN_MAX) per step
        # from inputs scaled to max 1: rescaling every 4th step and at the end
        # keeps them within 2^±64 of 1
        if (n % 4 == 0 or n == len(steps)) and r.size:
            m = float(np.abs(r).max())
            if m > 0 and math.isfinite(m):
                r = r / m
        live.append(r)
    a = live[0]
    return a if final is None else np.einsum(final, a)


def _lean_contract(arrays, inputs, output, size, budget, itemsize):
    """``(array, output)`` by the lean einsum route, or ``None`` when it does not apply."""
    if not (_LEAN and all(isinstance(x, np.ndarray) for x in arrays)):
        return None
    plan = _lean_plan(inputs, output, size)
    if plan is None:
        return None
    _, steps, final, peak = plan
    if peak > _LEAN_MAX or peak * itemsize > budget:
        return None
    return _einsum_path([_unit_max(a) for a in arrays], steps, final), tuple(output)


_UNIT: dict = {}


def _unit_max(a):
    """``a`` scaled to max abs 1 (remembered per array object: network tensors recur)."""
    hit = _UNIT.get(id(a))
    if hit is not None and hit[0] is a:
        return hit[1]
    m = float(np.abs(a).max()) if a.size else 0.0
    b = a / m if m > 0 and math.isfinite(m) and m != 1.0 else a
    if len(_UNIT) > 65536:
        _UNIT.clear()
    _UNIT[id(a)] = (a, b)
    return b


def _middle(st, xs, mids, ys, size, optimize, budget, itemsize):
    """Schmidt values of one cut from the two regions' factors and the middle nodes."""
    if not mids and len(xs) == 1 and len(ys) == 1 and set(xs[0][1][1:]) == set(ys[0][1][1:]):
        # R_X R_Y^T directly: both factors carry the same boundary labels
        (x, xl), (y, yl) = xs[0], ys[0]
        x, y = np.asarray(ar.to_numpy(x)), np.asarray(ar.to_numpy(y))
        y = y.transpose([0, *[yl.index(i) for i in xl[1:]]])
        mat = x.reshape(x.shape[0], -1) @ y.reshape(y.shape[0], -1).T
        return mat
    arrays = [a for a, _ in xs] + [st.arrays[v] for v in mids] + [a for a, _ in ys]
    inputs = [lab for _, lab in xs] + [st.inputs[v] for v in mids] + [lab for _, lab in ys]
    x_rows = tuple(lab[0] for _, lab in xs)
    y_rows = tuple(lab[0] for _, lab in ys)
    size = {i: size[i] for t in inputs for i in t}
    d_y = math.prod(size[i] for i in y_rows)
    output = x_rows + y_rows
    lean = _lean_contract(arrays, inputs, output, size, budget, itemsize)
    if lean is not None:
        a, ix = lean
    else:
        tree = contraction_tree(
            [tuple(i for i in t if i not in set(x_rows)) for t in inputs],
            y_rows,
            size,
            optimize=optimize,
        )
        path = _path(tree)
        peak = _peak(tree, inputs, output, path, size, x_rows)
        if peak * itemsize > budget:
            raise BudgetError(f"{_fmt_bytes(peak * itemsize)} for the middle matrix")
        a, ix, _ = contract_path(arrays, inputs, output, path, size, rows=x_rows)
    a = np.asarray(ar.to_numpy(a))
    y_set = set(y_rows)
    r_ix = [i for i in ix if i not in y_set]
    perm = [ix.index(i) for i in (*r_ix, *y_rows)]
    return a.transpose(perm).reshape(-1, d_y)


def _cut_entropy(mat, alpha) -> float:
    """Entropy of the cut whose matrix is ``mat`` (same singular values as ``[[A]]``)."""
    if alpha < 1:
        # the rank (alpha = 0) and orders below 1 weigh tiny p_k heavily (p^0.5 of a
        # Gram eigenvalue's eps * s_max^2 noise is 1e-8): they need the singular values
        s = np.linalg.svd(mat, compute_uv=False)
        return SchmidtSpectrum(s, 0.0, "profile", None, mat.shape).entropy(alpha)
    # p_k = s_k^2 from the smaller Gram matrix: absolute error eps * s_max^2 on p
    g = mat @ mat.conj().T if mat.shape[0] <= mat.shape[1] else mat.conj().T @ mat
    p = np.linalg.eigvalsh(g)
    tot = p.sum()
    if not tot > 0:
        raise ValueError("the network contracts to zero: it has no Schmidt decomposition")
    return renyi_bits(p[p > 0] / tot, alpha)


def entanglement_profile(tn, *, alpha: float = 1, order=None, optimize=None) -> np.ndarray:
    r"""Entropies :math:`S_\alpha(o_{<k} : o_{\ge k})`, ``k = 1 .. N-1``, in bits.

    Parameters
    ----------
    tn : quimb.tensor.TensorNetwork
        Any network (MPS, tensor trains, HT with hyper-indices, PEPS); not
        modified.
    alpha : float
        Renyi order ``>= 0`` (``1``: von Neumann), as in :func:`tnexpress.entropy`.
    order : sequence of int or str, optional
        A permutation of the sites (positions or open-index names); default the
        open legs in :func:`tnexpress.open_inds` order (``tn.sites`` order).
    optimize : None, str or cotengra optimizer
        Path optimizer (cached default).

    Returns
    -------
    numpy.ndarray
        ``N - 1`` entropies; entry ``k - 1`` is the cut after the ``k``-th site.

    Raises
    ------
    BudgetError
        Naming the cut, when a cut is too wide for factors and ``alpha`` is not
        an integer ``>= 2`` (which the replica method takes instead).

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> import tnexpress as tx
    >>> ghz = qtn.MPS_ghz_state(5)
    >>> tx.entanglement_profile(ghz).round(12).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not alpha >= 0:
        raise ValueError(f"alpha must be a real number >= 0, got alpha={alpha!r}")
    tn = check_network(tn)
    seq = _resolve_order(tn, order)
    budget = get_memory_budget()
    if _TREE:  # trees with contiguous subtrees: the compiled batched plan
        fast = tree_profile(tn, seq, alpha, budget)
        if fast is not None:
            return fast
    N = len(seq)
    st = build_structure(tn, seq[:1])
    kx, ky = region_times(st, seq)
    like = next(a for a in st.arrays if a is not None)
    itemsize = np.dtype(st.dtype).itemsize
    ks = list(range(1, N))
    try:
        return _profile(tn, st, seq, kx, ky, like, budget, itemsize, ks, alpha, optimize)
    finally:
        _UNIT.clear()  # scaled copies of this network's arrays


def _profile(tn, st, seq, kx, ky, like, budget, itemsize, ks, alpha, optimize):
    from .schmidt import entropy

    N = len(seq)
    left, lsize = _sweep(st, kx, ks, like, optimize, budget, itemsize)
    right, rsize = _sweep(st, ky, ks[::-1], like, optimize, budget, itemsize)
    sizes = {**lsize, **rsize}
    is_term = np.zeros(st.n_nodes, dtype=bool)
    is_term[len(st.tids) :] = True
    out = np.empty(N - 1)
    for k in ks:
        mat = None
        if k in left and k in right:
            mids = np.nonzero((kx > k) & (ky < k) & ~is_term)[0].tolist()
            try:
                mat = _middle(
                    st, left[k], mids, right[k], sizes, optimize or _SMALL_OPT, budget, itemsize
                )
            except BudgetError:
                mat = None
        if mat is not None:
            out[k - 1] = _cut_entropy(np.asarray(mat), alpha)
            continue
        try:
            out[k - 1] = entropy(tn, seq[:k], alpha, optimize=optimize)
        except BudgetError as err:
            raise BudgetError(
                f"the profile's cut k={k} ({seq[k - 1]!r} | {seq[k]!r}: the first {k} of {N} "
                f"sites against the rest) is too wide: {err}"
            ) from err
    return out
