"""A network flattened to arrays and index tuples, with one terminal per open leg.

Every open index ``k`` gets a terminal tensor: the identity ``delta(('open', k), k)``.
The original tensors keep ``k``; the terminal carries the row label
``('open', k)``. A cut through the open leg then is an ordinary cut of the
index ``k``, and every row label sits on exactly one tensor (its terminal), even
when ``k`` is a hyper-index (an input read by several windows).
"""

from __future__ import annotations

from dataclasses import dataclass

import autoray as ar
import numpy as np

from .._gc import freeze_if_large, no_gc
from .sides import check_network, resolve_side

__all__ = (
    "Structure",
    "build_structure",
    "graph_arrays",
    "GraphArrays",
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
    holders: dict  # label -> list of nodes holding it (row labels excluded)
    dtype: np.dtype

    @property
    def n_nodes(self) -> int:
        """Number of tensors, terminals included."""
        return len(self.arrays)


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

    Label ``i`` is ``labels[i]`` (the keys of ``st.holders``: row labels excluded);
    its holders are ``lab_nodes[lab_ptr[i]:lab_ptr[i + 1]]`` (in ``st.holders``
    order, repeats kept), its dimension ``lab_size[i]``. The labels of node ``n``
    are ``node_lab[node_ptr[n]:node_ptr[n + 1]]``, in label order (not axis order).
    """

    labels: list
    lab_ptr: np.ndarray
    lab_nodes: np.ndarray
    lab_size: np.ndarray
    node_ptr: np.ndarray
    node_lab: np.ndarray


def graph_arrays(st: Structure) -> GraphArrays:
    """The :class:`GraphArrays` of ``st`` (computed once, kept on ``st``).

    Linear time, in numpy but for one pass over ``st.holders``; what the tree
    algorithms on networks of 2^20 tensors (the min-cut DP) run on.
    """
    g = st.__dict__.get("_graph")
    if g is not None:
        return g
    from itertools import chain

    labels = list(st.holders)
    hl = list(st.holders.values())
    n_lab = len(labels)
    lens = np.fromiter(map(len, hl), np.int64, n_lab)
    lab_ptr = np.zeros(n_lab + 1, np.int64)
    np.cumsum(lens, out=lab_ptr[1:])
    lab_nodes = np.fromiter(chain.from_iterable(hl), np.int64, int(lab_ptr[-1]))
    size = st.size
    lab_size = np.fromiter(map(size.__getitem__, labels), np.int64, n_lab)
    order = np.argsort(lab_nodes, kind="stable")
    node_lab = np.repeat(np.arange(n_lab, dtype=np.int64), lens)[order]
    node_ptr = np.zeros(st.n_nodes + 1, np.int64)
    np.cumsum(np.bincount(lab_nodes, minlength=st.n_nodes), out=node_ptr[1:])
    g = st.__dict__["_graph"] = GraphArrays(
        labels, lab_ptr, lab_nodes, lab_size, node_ptr, node_lab
    )
    return g


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


def _is_copy_tensor(t) -> bool:
    """True for an order >= 3 delta tensor (all dims equal, ones on the diagonal).

    Rejects by shape, then by the count of nonzeros (a random tensor has no
    zero), before looking at the diagonal: most tensors cost a few attribute reads.
    """
    data = t.data
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


def _copy_tensor_merges(tn, opens):
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
    n_left = tn.num_tensors
    for tid, t in tn.tensor_map.items():
        if n_left <= 1 or not _is_copy_tensor(t):
            continue
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


def _all_finite_fast(arrays) -> bool:
    """True if every numpy array is certainly finite (``False``: look closer).

    A finite sum proves every entry finite (a NaN or an infinity makes the sum
    NaN or infinite). Views of one base (a builder's bulk draw) are proven by
    one sum over the base when the views cover at least half of it.
    """
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


def _squeeze_unit_bonds(tn, opens, datas=None):
    """``tn`` without its inner dimension-1 indices (a copy; ``tn`` itself if it has none).

    Summing over one value is exact, and a dimension-1 bond weighs ``log2 1 = 0``
    in any cut, but it is still an axis: rank-1 ConvAC layers on a 16x16 grid
    give intermediates with more than numpy's 64 axes, and a COPY tensor with
    an extra dimension-1 leg would no longer be recognized as one (a looser
    min cut). Open legs stay, whatever their dimension; tensor ids are kept.
    """
    if datas is None:
        datas = [t.data for t in tn.tensor_map.values()]
    shapes = [d.shape if hasattr(d, "shape") else np.shape(d) for d in datas]
    if not any(1 in s for s in shapes):
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
    datas = [t.data for t in tn.tensor_map.values()]
    _check_finite(tn, datas)
    opens = set(a_inds) | set(b_inds)
    tn = _squeeze_unit_bonds(tn, opens, datas)
    find, dropped = _copy_tensor_merges(tn, opens)
    arrays, inputs, tids = [], [], []
    size: dict = {}
    holders: dict = {}
    get, update = holders.get, size.update
    for tid, t in tn.tensor_map.items():
        data = t.data
        labels = t.inds
        if dropped:  # merged COPY tensors: legs take their class's name
            labels = tuple([find(ix) for ix in labels])
        # shapes read once per tensor (dropped COPY tensors too: their legs' sizes)
        update(zip(labels, data.shape if hasattr(data, "shape") else t.shape))
        if dropped and tid in dropped:
            continue
        node = len(arrays)
        arrays.append(data)
        inputs.append(labels)
        tids.append(tid)
        for ix in labels:
            h = get(ix)
            if h is None:
                holders[ix] = [node]
            else:
                h.append(node)
    if not all(type(d) is int for d in set(size.values())):
        size = {ix: int(d) for ix, d in size.items()}
    # distinct dtypes first: str(dtype) per array costs more than the rest at N = 4096
    dtypes = {a.dtype if hasattr(a, "dtype") else np.asarray(a).dtype for a in arrays}
    try:
        dtype = np.result_type(*[np.dtype(str(d).replace("torch.", "")) for d in dtypes])
    except TypeError:
        dtype = np.dtype("float64")
    node = len(arrays)
    a_terms = list(range(node, node + len(a_inds)))
    b_terms = list(range(node + len(a_inds), node + len(a_inds) + len(b_inds)))
    arrays += [None] * (len(a_inds) + len(b_inds))  # identities, made lazily when contracted
    for ix in a_inds + b_inds:
        lab = find(ix) if dropped else ix
        row = ("open", ix)  # row_label(ix)
        inputs.append((row, lab))
        size[row] = size[lab]
        h = get(lab)  # row labels: on one terminal, not listed
        if h is None:
            holders[lab] = [node]
        else:
            h.append(node)
        node += 1
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
        holders=holders,
        dtype=dtype,
    )
