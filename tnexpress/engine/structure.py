"""A network flattened to arrays and index tuples, with one terminal per open leg.

Every open index ``k`` gets a terminal tensor: the identity ``delta(('open', k), k)``.
The original tensors keep ``k``; the terminal carries the row label
``('open', k)``. A cut through the open leg then is an ordinary cut of the
index ``k``, and every row label sits on exactly one tensor (its terminal), even
when ``k`` is a hyper-index (an input read by several windows).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from operator import attrgetter

import autoray as ar
import numpy as np

from .._gc import freeze_if_large, no_gc
from .sides import check_network, deferred_columns, resolve_side

__all__ = (
    "Structure",
    "build_structure",
    "graph_arrays",
    "GraphArrays",
    "crossing_labels",
    "row_label",
    "structure_key",
    "StructureCache",
)


def row_label(ix):
    """The label the terminal of open index ``ix`` exposes."""
    return ("open", ix)


@dataclass
class Structure:
    """Arrays, index tuples and terminals of a network and a bipartition.

    Nodes ``0 .. len(tids)-1`` are the network's tensors (``tids[node]`` is the
    quimb tensor id), the following ones are the terminals.
    """

    arrays: list
    inputs: list[tuple]
    tids: list
    a_inds: tuple
    b_inds: tuple
    a_terminals: list[int]
    b_terminals: list[int]
    size: dict
    dtype: np.dtype
    graph: GraphArrays  # the same labels as integer arrays (see graph_arrays)

    @property
    def n_nodes(self) -> int:
        """Number of tensors, terminals included."""
        return len(self.arrays)

    @property
    def holders(self) -> dict:
        """``label -> list of nodes holding it`` (row labels excluded; made once, on demand).

        The same information as :func:`graph_arrays`, as a dict: what the
        routes for small networks read. Networks of 2^20 tensors that are
        trees never build it.
        """
        h = self.__dict__.get("_holders")
        if h is None:
            g = graph_arrays(self)
            nodes = g.lab_nodes.tolist()
            ptr = g.lab_ptr.tolist()
            h = self.__dict__["_holders"] = {
                lab: nodes[ptr[i] : ptr[i + 1]] for i, lab in enumerate(g.labels)
            }
        return h


class _Key:
    """A hashable view of a structure's shape (labels, sizes, side A); hash computed once."""

    __slots__ = ("parts", "_hash")

    def __init__(self, parts):
        self.parts = parts
        self._hash = hash(parts)

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        return isinstance(other, _Key) and self._hash == other._hash and self.parts == other.parts


@dataclass(frozen=True)
class GraphArrays:
    """The labels of a :class:`Structure` as integer arrays (compressed sparse rows).

    Label ``i`` is ``labels[i]`` (every label but the terminals' row labels, in
    order of first appearance); its holders are
    ``lab_nodes[lab_ptr[i]:lab_ptr[i + 1]]`` (in node order, a node holding it
    twice listed twice), its dimension ``lab_size[i]``. The labels of node ``n``
    are ``node_lab[node_ptr[n]:node_ptr[n + 1]]``, in axis order (a terminal:
    its class label only).
    """

    labels: list
    lab_ptr: np.ndarray
    lab_nodes: np.ndarray
    lab_size: np.ndarray
    node_ptr: np.ndarray
    node_lab: np.ndarray


def graph_arrays(st: Structure) -> GraphArrays:
    """The :class:`GraphArrays` of ``st`` (made by :func:`build_structure`)."""
    return st.graph


def crossing_labels(g: GraphArrays, mask) -> np.ndarray:
    """Ids of the labels with holders on both sides of the node mask ``mask`` (sorted)."""
    on = mask[g.lab_nodes].astype(np.int8)
    if not on.size:
        return np.zeros(0, np.int64)
    starts = g.lab_ptr[:-1]  # every label has a holder: no empty segment
    return np.flatnonzero(np.minimum.reduceat(on, starts) != np.maximum.reduceat(on, starts))


def _make_graph(inputs, n_t, shapes, size=None, interned=None) -> GraphArrays:
    """:class:`GraphArrays` of ``inputs``, in a few C-level passes (no Python loop per label).

    Nodes ``0 .. n_t-1`` are tensors with ``shapes``, the rest terminals ``(row, label)``.
    Label sizes come from the shapes; ``size`` gives those of labels held by
    terminals alone (``None``: every terminal's label is on a tensor).
    ``interned``: ``(label_id, ids)`` of the tensors' legs, made already (a deferred
    network's columns); the terminals' labels are then looked up in it.
    """
    n = len(inputs)
    if interned is not None:
        lab_id, ids_t = interned
        terms = np.fromiter(
            map(lab_id.__getitem__, [t[1] for t in inputs[n_t:]]), np.int64, n - n_t
        )
        ids = np.concatenate([ids_t, terms])
    else:
        flat = list(chain(chain.from_iterable(inputs[:n_t]), [t[1] for t in inputs[n_t:]]))
        lab_id = {}
        sd = lab_id.setdefault
        # one pass: a new label gets the next id (measured 2.3x faster than fromkeys + a map)
        ids = np.array([sd(x, len(lab_id)) for x in flat], dtype=np.int64)
    labels = list(lab_id)
    n_lab = len(labels)
    lens = np.ones(n, np.int64)
    lens[:n_t] = np.fromiter(map(len, inputs[:n_t]), np.int64, n_t)
    node_ptr = np.zeros(n + 1, np.int64)
    np.cumsum(lens, out=node_ptr[1:])
    m = int(node_ptr[n_t])
    lab_size = np.zeros(n_lab, np.int64)
    if size is not None:
        flat_terms = [t[1] for t in inputs[n_t:]]
        lab_size[ids[m:]] = np.fromiter(map(size.__getitem__, flat_terms), np.int64, n - n_t)
    lab_size[ids[:m]] = np.fromiter(chain.from_iterable(shapes), np.int64, m)
    order = np.argsort(ids, kind="stable")
    lab_nodes = np.repeat(np.arange(n, dtype=np.int64), lens)[order]
    lab_ptr = np.zeros(n_lab + 1, np.int64)
    np.cumsum(np.bincount(ids, minlength=n_lab), out=lab_ptr[1:])
    return GraphArrays(labels, lab_ptr, lab_nodes, lab_size, node_ptr, ids)


def structure_key(st: Structure) -> _Key:
    """What the min cut and the contraction plans of ``st`` depend on (not the weights).

    Two structures with equal keys (the same network shape and side ``A``,
    whatever the arrays) have the same node numbering, min cut and plans.
    """
    k = st.__dict__.get("_key")
    if k is None:
        k = st.__dict__["_key"] = _Key(
            (tuple(st.inputs), tuple(st.size.values()), len(st.a_inds), str(st.dtype))
        )
    return k


class StructureCache:
    """A small LRU cache keyed by :func:`structure_key` (networks up to ``max_nodes``).

    Repeated measures of one architecture (other weights, the same call
    again) skip the min cut and the path compilation; very large networks
    are not kept (their plans take hundreds of MiB).
    """

    def __init__(self, maxsize: int = 32, max_nodes: int = 100_000):
        from collections import OrderedDict

        self._d: OrderedDict = OrderedDict()
        self.maxsize, self.max_nodes = maxsize, max_nodes
        self.hits = self.misses = 0

    def get(self, st: Structure, extra=()):
        """The cached value for ``st`` (and ``extra``), or ``None``."""
        if st.n_nodes > self.max_nodes:
            return None
        key = (structure_key(st), extra)
        hit = self._d.get(key)
        if hit is not None:
            self._d.move_to_end(key)
            self.hits += 1
        else:
            self.misses += 1
        return hit

    def put(self, st: Structure, value, extra=()):
        """Cache ``value`` for ``st`` (and ``extra``)."""
        if st.n_nodes > self.max_nodes:
            return
        self._d[(structure_key(st), extra)] = value
        if len(self._d) > self.maxsize:
            self._d.popitem(last=False)

    def clear(self):
        """Forget everything."""
        self._d.clear()


def _is_copy_tensor(data) -> bool:
    """True for an order >= 3 delta array (all dims equal, ones on the diagonal).

    Rejects by shape, then by the count of nonzeros (a random tensor has no
    zero), before looking at the diagonal: most tensors cost a few attribute reads.
    """
    if not isinstance(data, np.ndarray):
        return False
    shape = data.shape
    n = len(shape)
    if n < 3:
        return False
    d = shape[0]
    if shape.count(d) != n or d**n > 2**20 or np.count_nonzero(data) != d:
        return False
    flat = data.reshape(-1)
    # entry (i, ..., i) sits at flat position i * (d^n - 1) / (d - 1)
    diag = flat[:: (d**n - 1) // (d - 1)] if d > 1 else flat
    return bool(np.all(diag == 1))


class _Classes:
    """Union-find over index labels: the classes that merged COPY tensors identify."""

    def __init__(self):
        self.parent: dict = {}

    def find(self, ix):
        parent = self.parent
        root = ix
        while parent.get(root, root) != root:
            root = parent[root]
        while ix != root:  # path compression
            parent[ix], ix = root, parent[ix]
        return root

    def union(self, roots, target) -> None:
        for r in roots:
            if r != target:
                self.parent[r] = target


def _columns(tn) -> tuple[list, list, list]:
    """``(tids, arrays, inds)`` of the tensors of ``tn``, in ``tensor_map`` order.

    A builder's network whose quimb maps are not made yet gives its columns
    (:func:`~tnexpress.engine.sides.deferred_columns`): the maps stay unmade.
    """
    cols = deferred_columns(tn)
    if cols is not None:  # new lists: the columns are the network's own
        return list(range(len(cols))), list(cols.datas), list(cols.inds)
    ts = list(tn.tensor_map.values())
    return list(tn.tensor_map), list(map(attrgetter("data"), ts)), [t.inds for t in ts]


def _shapes(tn, datas) -> list:
    """Shapes of the arrays ``datas`` of ``tn``'s tensors (tuples of ints), read directly.

    ``Tensor.shape`` dispatches through autoray (4.5 us a tensor here); numpy,
    torch and jax arrays all have ``.shape``.
    """
    try:
        shapes = [tuple(d.shape) for d in datas]
    except AttributeError:
        return [t.shape for t in tn.tensor_map.values()]
    return shapes


def _copy_candidates(tids, datas, shapes) -> list:
    """Tensor ids that may be COPY tensors, cheaply at 2^20 tensors.

    Shape first (once per distinct shape), then the entry at flat position 1
    (off the diagonal: zero in a delta, almost never zero in a weight), then
    :func:`_is_copy_tensor`.
    """
    ok = {}
    for s in set(shapes):
        n = len(s)
        ok[s] = n >= 3 and s.count(s[0]) == n and s[0] ** n <= 2**20
    if not any(ok.values()):
        return []
    out = []
    for tid, d, s in zip(tids, datas, shapes):
        if ok[s]:
            if isinstance(d, np.ndarray) and (s[0] == 1 or d.item(1) == 0) and _is_copy_tensor(d):
                out.append(tid)
    return out


def _copy_tensor_merges(tn, opens, shapes, tids, datas):
    r"""Labels to merge for explicit COPY tensors: a delta is one hyper-index.

    A COPY tensor :math:`\delta(i_1, \ldots, i_m)` forces its legs to one value,
    so it equals a single label shared by every other holder of
    :math:`i_1 .. i_m`; as such it is contracted cheaply and cut at most once
    (its matricization has rank ``d`` whatever legs are cut). Legs are merged
    into classes by union-find, so chains and trees of COPY tensors become one
    hyper-index. A class may hold several *open* legs (the cores of a GHZ
    state from ``MatrixProductState.from_dense`` are COPY tensors with an open
    leg each): the open legs are not identified with each other, each keeps its
    own terminal ``delta(('open', k), class)``, so the legs stay distinct
    outputs (see :func:`build_structure`).

    A COPY tensor is left as an ordinary tensor when merging it would put one
    class on some remaining tensor twice (a diagonal: two of its legs already
    meet, or two reach the same tensor), or when it is the last tensor left.

    Returns
    -------
    find : callable
        ``find(ix)``: the class label of index ``ix`` (``ix`` itself if unmerged).
    dropped : set
        Tensor ids of the merged COPY tensors.
    """
    classes = _Classes()
    find = classes.find
    # holders of each class among the tensors that stay, one entry per leg
    class_holders: dict = {}
    dropped: set = set()
    candidates = _copy_candidates(tids, datas, shapes)
    if not candidates:  # the maps of a deferred network stay unmade
        return find, dropped
    n_left = tn.num_tensors
    tensor_map = tn.tensor_map
    for tid in candidates:
        if n_left <= 1:
            break
        t = tensor_map[tid]
        roots = [find(ix) for ix in t.inds]
        if len(set(roots)) != len(roots):
            continue  # two legs already one class: merging would leave a diagonal
        merged: list = []
        for r in roots:
            h = class_holders.get(r)
            if h is None:
                h = list(tn.ind_map[r])
            merged.extend(h)
        merged = [o for o in merged if o != tid]
        if len(set(merged)) != len(merged):
            continue  # some other tensor would hold the class twice
        # an open label names the class when there is one (readable, stable)
        target = next((r for r in roots if r in opens), roots[0])
        classes.union(roots, target)
        for r in roots:
            class_holders.pop(r, None)
        class_holders[target] = merged
        dropped.add(tid)
        n_left -= 1
    return find, dropped


def _all_finite_views(arrays):
    """:func:`_all_finite_fast` for many numpy views of a few bases, in C-level passes.

    ``None`` where it does not apply (other types, mixed dtypes, loose arrays).
    """
    if len(arrays) < 4096 or set(map(type, arrays)) != {np.ndarray}:
        return None
    dts = set(map(attrgetter("dtype"), arrays))
    if len(dts) != 1:
        return None
    (dt,) = dts
    if dt.kind not in "fc":
        return True
    bases = list(map(attrgetter("base"), arrays))
    by_id = dict(zip(map(id, bases), bases))
    if len(by_id) > 64:
        return None
    ids = np.fromiter(map(id, bases), np.uint64, len(bases))
    uniq, inv = np.unique(ids, return_inverse=True)
    covered = np.bincount(
        inv.reshape(-1),
        weights=np.fromiter(map(attrgetter("size"), arrays), np.float64, len(arrays)),
    )
    sparse = []  # bases the views cover less than half of: their views summed instead
    for u, c in zip(uniq.tolist(), covered.tolist()):
        b = by_id[u]
        if type(b) is not np.ndarray or b.dtype != dt:
            return None
        if 2 * c < b.size:
            sparse.append(u)
    if sparse:
        pos = np.flatnonzero(np.isin(uniq[inv.reshape(-1)], sparse))
        if len(pos) > 64:
            return None
        views = [arrays[i] for i in pos.tolist()]
        if not np.isfinite(np.concatenate([v.reshape(-1) for v in views]).sum()):
            return False
    return all(bool(np.isfinite(b.sum())) for u, b in by_id.items() if u not in sparse)


def _all_finite_fast(arrays) -> bool:
    """True if every numpy array is certainly finite (``False``: look closer).

    A finite sum proves every entry finite (a NaN or an infinity makes the sum
    NaN or infinite). Views of one base (a builder's bulk draw) are proven by
    one sum over the base when the views cover at least half of it.
    """
    fast = _all_finite_views(arrays)
    if fast is not None:
        return fast
    bases: dict = {}
    loose = []
    for a in arrays:
        if not isinstance(a, np.ndarray):
            return False
        if a.dtype.kind not in "fc":
            continue
        b = a.base
        if type(b) is np.ndarray and b.dtype == a.dtype:
            e = bases.get(id(b))
            if e is None:
                bases[id(b)] = [b, a.size, [a]]
            else:
                e[1] += a.size
                e[2].append(a)
        else:
            loose.append(a)
    for b, covered, views in bases.values():
        if len(views) >= 8 and 2 * covered >= b.size:
            if not np.isfinite(b.sum()):
                return False
        else:
            loose.extend(views)
    # many small arrays: one sum over their concatenation (chunks of <= 2^22 entries)
    chunk: list = []
    n = 0
    for a in loose:
        if a.size > 2**16:
            if not np.isfinite(a.sum()):
                return False
            continue
        chunk.append(a.reshape(-1))
        n += a.size
        if n > 2**22:
            if not np.isfinite(np.concatenate(chunk).sum()):
                return False
            chunk, n = [], 0
    return not chunk or bool(np.isfinite(np.concatenate(chunk).sum()))


def _check_finite(tn, arrays=None) -> None:
    """Raise ValueError naming the first tensor holding a NaN or an infinity."""
    if arrays is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            if _all_finite_fast(arrays):
                return
    for t in tn.tensor_map.values():
        data = t.data
        if isinstance(data, np.ndarray):
            ok = data.dtype.kind not in "fc" or bool(np.isfinite(data).all())
        else:  # torch, jax, ... through autoray
            try:
                ok = bool(ar.do("all", ar.do("isfinite", data)))
            except Exception:  # a backend without isfinite: leave it to the contraction
                ok = True
        if not ok:
            raise ValueError(
                f"the network has a NaN or inf entry in the tensor with tags "
                f"{sorted(t.tags)} and inds {t.inds}; every measure needs finite entries"
            )


def _squeeze_unit_bonds(tn, opens, shapes):
    """``tn`` without its inner dimension-1 indices (a copy; ``tn`` itself if it has none).

    Summing over one value is exact, and a dimension-1 bond weighs ``log2 1 = 0``
    in any cut, but it is still an axis: rank-1 ConvAC layers on a 16x16 grid
    give intermediates with more than numpy's 64 axes, and a COPY tensor with
    an extra dimension-1 leg would no longer be recognized as one (a looser
    min cut). Open legs stay, whatever their dimension; tensor ids are kept.
    """
    if not any(1 in s for s in set(shapes)):
        return tn
    return tn.squeeze(exclude=set(opens))


@no_gc
def build_structure(tn, A) -> Structure:
    """Flatten ``tn`` (not modified) and add terminals for side ``A`` and its complement.

    Labels are the network's index names, except that the legs of merged COPY
    tensors take the name of their class (:func:`_copy_tensor_merges`). Each
    open index ``k`` gets a terminal with labels ``(row_label(k), class(k))``:
    row labels are distinct even when several open legs share one class.

    Raises
    ------
    ValueError
        Bad side ``A`` (see :func:`~tnexpress.engine.sides.resolve_side`), or a
        tensor with a NaN or inf entry (named by its tags and inds).

    Examples
    --------
    GHZ on 6 qubits from ``from_dense``: cores 1, 2, 3 are COPY tensors with an
    open leg each (core 4 carries a sign); they merge into one class holding
    ``k1, k2, k3``, each still its own output.

    >>> import numpy as np
    >>> import quimb.tensor as qtn
    >>> v = np.zeros(2**6)
    >>> v[0] = v[-1] = 2**-0.5
    >>> st = build_structure(qtn.MatrixProductState.from_dense(v, [2] * 6), [0, 1, 2])
    >>> len(st.tids), [st.inputs[n][0] for n in st.a_terminals]
    (3, [('open', 'k0'), ('open', 'k1'), ('open', 'k2')])
    >>> len({st.inputs[n][1] for n in st.a_terminals + st.b_terminals})
    4
    """
    tn = check_network(tn)
    a_inds, b_inds = resolve_side(tn, A)
    tids, datas, inds = _columns(tn)
    _check_finite(tn, datas)
    opens = set(a_inds) | set(b_inds)
    shapes = _shapes(tn, datas)
    squeezed = _squeeze_unit_bonds(tn, opens, shapes)
    if squeezed is not tn:
        tn = squeezed
        tids, datas, inds = _columns(tn)
        shapes = _shapes(tn, datas)
    find, dropped = _copy_tensor_merges(tn, opens, shapes, tids, datas)
    size: dict = {}
    opens_list = a_inds + b_inds
    if not dropped:  # the common case: C-level passes over the tensors
        arrays = datas
        inputs = inds
        labs = opens_list
    else:  # merged COPY tensors: legs take their class's name
        arrays, inputs, tids, kept_shapes = [], [], [], []
        for (tid, t), data, shape in zip(tn.tensor_map.items(), datas, shapes):
            labels = tuple([find(ix) for ix in t.inds])
            # dropped COPY tensors too: their legs' sizes
            size.update(zip(labels, shape))
            if tid in dropped:
                continue
            arrays.append(data)
            inputs.append(labels)
            tids.append(tid)
            kept_shapes.append(shape)
        shapes = kept_shapes
        labs = [find(ix) for ix in opens_list]
    # distinct dtypes first: str(dtype) per array costs more than the rest at N = 4096
    try:
        dtypes = set(map(attrgetter("dtype"), arrays))
    except AttributeError:
        dtypes = {a.dtype if hasattr(a, "dtype") else np.asarray(a).dtype for a in arrays}
    try:
        dtype = np.result_type(*[np.dtype(str(d).replace("torch.", "")) for d in dtypes])
    except TypeError:
        dtype = np.dtype("float64")
    n_t = len(arrays)
    a_terms = list(range(n_t, n_t + len(a_inds)))
    b_terms = list(range(n_t + len(a_inds), n_t + len(opens_list)))
    arrays += [None] * len(opens_list)  # identities, made lazily when contracted
    rows = [("open", ix) for ix in opens_list]  # row_label(ix)
    inputs += zip(rows, labs)
    cols = deferred_columns(tn)  # the same network, its legs interned already
    interned = None if cols is None or dropped else cols.interned()[:2]
    graph = _make_graph(inputs, n_t, shapes, size if dropped else None, interned)
    if not dropped:  # every label is on a tensor: its size from the graph
        size = dict(zip(graph.labels, graph.lab_size.tolist()))
    elif not all(type(d) is int for d in set(size.values())):
        size = {ix: int(d) for ix, d in size.items()}
    # a row label has its class label's size (read off the graph: no dict lookup per leg)
    term_labs = graph.node_lab[graph.node_ptr[n_t : len(inputs)]]
    size.update(zip(rows, graph.lab_size[term_labs].tolist()))
    freeze_if_large(len(arrays))  # its tuples and lists: never scanned by the collector again
    return Structure(
        arrays=arrays,
        inputs=inputs,
        tids=tids,
        a_inds=a_inds,
        b_inds=b_inds,
        a_terminals=a_terms,
        b_terminals=b_terms,
        size=size,
        dtype=dtype,
        graph=graph,
    )
