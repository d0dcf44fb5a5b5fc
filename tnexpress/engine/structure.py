"""A network flattened to arrays and index tuples, with one terminal per open leg.

Every open index ``k`` gets a terminal tensor: the identity ``delta(('open', k), k)``.
The original tensors keep ``k``; the terminal carries the row label
``('open', k)``. A cut through the open leg then is an ordinary cut of the
index ``k``, and every row label sits on exactly one tensor (its terminal), even
when ``k`` is a hyper-index (an input read by several windows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._gc import no_gc
from .sides import check_network, resolve_side

__all__ = ("Structure", "build_structure", "row_label", "structure_key", "StructureCache")


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
    """True for an order >= 3 delta tensor (all dims equal, ones on the diagonal)."""
    shape = t.shape
    if len(shape) < 3 or len(set(shape)) != 1 or not isinstance(t.data, np.ndarray):
        return False
    d = shape[0]
    if d ** len(shape) > 2**20:
        return False
    data = t.data
    diag = data[(np.arange(d),) * len(shape)]
    return bool(np.count_nonzero(data) == d and np.all(diag == 1))


def _copy_tensor_merges(tn, opens):
    """Labels to merge for explicit COPY tensors: a delta is one hyper-index.

    A COPY tensor ``delta(i_1, ..., i_m)`` equals a single index shared by the
    holders of ``i_1 .. i_m``; as such it is contracted cheaply and cut at most
    once (its matricization has rank ``d`` whatever legs are cut). Merged only
    when its legs reach distinct tensors and at most one leg is open.
    """
    rename: dict = {}
    dropped: set = set()
    for tid, t in tn.tensor_map.items():
        if not _is_copy_tensor(t):
            continue
        legs = [rename.get(ix, ix) for ix in t.inds]
        open_legs = [ix for ix in t.inds if ix in opens]
        if len(open_legs) > 1 or len(set(legs)) != len(legs):
            continue
        neighbours = [
            other
            for ix in t.inds
            for other in tn.ind_map[ix]
            if other != tid and other not in dropped
        ]
        if len(set(neighbours)) != len(neighbours):
            continue
        target = open_legs[0] if open_legs else legs[0]
        for ix in t.inds:
            for old, new in list(rename.items()):
                if new == ix:
                    rename[old] = target
            if ix != target:
                rename[ix] = target
        dropped.add(tid)
    return rename, dropped


@no_gc
def build_structure(tn, A) -> Structure:
    """Flatten ``tn`` (not modified) and add terminals for side ``A`` and its complement."""
    tn = check_network(tn)
    a_inds, b_inds = resolve_side(tn, A)
    opens = set(a_inds) | set(b_inds)
    rename, dropped = _copy_tensor_merges(tn, opens)
    arrays, inputs, tids = [], [], []
    size: dict = {}
    holders: dict = {}
    for tid, t in tn.tensor_map.items():
        data = t.data
        inds = t.inds
        if rename:
            inds = tuple([rename.get(ix, ix) for ix in inds])
        # shapes read once per tensor (dropped COPY tensors too: their legs' sizes)
        size.update(zip(inds, data.shape if hasattr(data, "shape") else t.shape))
        if tid in dropped:
            continue
        node = len(arrays)
        arrays.append(data)
        inputs.append(inds)
        tids.append(tid)
        for ix in inds:
            h = holders.get(ix)
            if h is None:
                holders[ix] = [node]
            else:
                h.append(node)
    size = {ix: int(d) for ix, d in size.items()}
    # distinct dtypes first: str(dtype) per array costs more than the rest at N = 4096
    dtypes = {np.asarray(a).dtype if not hasattr(a, "dtype") else a.dtype for a in arrays}
    try:
        dtype = np.result_type(*[np.dtype(str(d).replace("torch.", "")) for d in dtypes])
    except TypeError:
        dtype = np.dtype("float64")
    a_terms, b_terms = [], []
    a_set = set(a_inds)  # a set: `ix in a_inds` on a tuple is O(N^2) at N = 4096
    for ix in a_inds + b_inds:
        node = len(arrays)
        arrays.append(None)  # identity, made lazily by whoever contracts
        row = row_label(ix)
        inputs.append((row, ix))
        size[row] = size[ix]
        holders[ix].append(node)  # the row label is on this terminal only: not listed
        (a_terms if ix in a_set else b_terms).append(node)
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
