r"""Quantum min-cut bound of a bipartition (Levine et al. 2018), by max-flow.

For any network realizing the tensor ``A`` and any edge cut ``C`` separating
the open legs of side ``I`` from those of side ``J``,

.. math::

    \operatorname{rank} [[A]]_{I,J} \le W_C = \prod_{e \in C} \dim(e),

so the min cut is an upper bound on the Schmidt number. The flow graph: one node
per tensor and one *terminal* node per open leg (the leg itself is an edge
from its terminal to its tensor(s), so cutting an open leg costs its
dimension); every index is an edge of capacity ``log(dim)``; an index shared by
three or more nodes (a hyper-index: delta / product pooling) becomes a node
pair ``in -> out`` of capacity ``log(dim)`` with infinite edges from and to each
holder, so it is cut at most once and costs its dimension once. The terminals
of side A hang from the source, those of side B from the sink. The weight is
reported as the exact integer product of the cut dimensions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np

from .._gc import no_gc
from ..engine.structure import Structure, StructureCache, crossing_labels, graph_arrays
from ._treecut import capacity, tree_cut_mask

__all__ = ("MinCut", "min_cut", "min_cut_of", "min_cut_structure")


@dataclass(frozen=True)
class MinCut:
    """A minimum cut of a bipartition.

    Attributes
    ----------
    weight : int
        Exact product of the dimensions of the cut indices (the rank bound).
    inds : tuple of str
        The cut indices (an open index appears here when the cut goes through
        that leg).
    log2 : float
        ``log2(weight)``.
    tids_a : frozenset of int
        Tensor ids (``tn.tensor_map`` keys) on side A of the cut.

    Examples
    --------
    >>> import tnexpress as tx
    >>> cut = tx.min_cut(tx.nets.ht(8, 2, 2, seed=0), [0, 2, 4, 6])
    >>> cut.weight, cut.inds, cut.log2
    (16, ('k1', 'k3', 'k5', 'k7'), 4.0)
    """

    weight: int
    inds: tuple[str, ...]
    log2: float
    tids_a: frozenset

    def __int__(self) -> int:
        return self.weight


def _flow_graph(st: Structure) -> nx.DiGraph:
    """The flow graph as a networkx ``DiGraph`` (for drawing and cross-checks).

    :func:`min_cut_structure` builds the same graph in flat lists
    (:func:`_flow_arrays`) and runs its own max-flow on it.
    """
    G = nx.DiGraph()
    G.add_node("S")
    G.add_node("T")
    for node in range(st.n_nodes):
        G.add_node(node)
    for node in st.a_terminals:
        G.add_edge("S", node)  # no capacity attribute = infinite
    for node in st.b_terminals:
        G.add_edge(node, "T")
    for ix, holders in st.holders.items():
        if len(holders) < 2:
            continue
        cap = math.log(st.size[ix])
        if len(holders) == 2:
            u, v = holders
            if u == v:
                continue
            for a, b in ((u, v), (v, u)):
                if G.has_edge(a, b):
                    G[a][b]["capacity"] += cap
                else:
                    G.add_edge(a, b, capacity=cap)
        else:
            hin, hout = ("in", ix), ("out", ix)
            G.add_edge(hin, hout, capacity=cap)
            for u in set(holders):
                G.add_edge(u, hin)
                G.add_edge(hout, u)
    return G


# Capacities of the max-flow: log2(dim) in fixed point, as exact Python ints.
# Sums are exact, so equal-weight cuts of power-of-2 dimensions tie exactly
# (floats would break such ties by rounding noise), and distinct weights up to
# ~2^30 are told apart (their log2 differ by > 1e-9 >> 2^-_SCALE_BITS).
_SCALE_BITS = 44


def _capacity(dim: int) -> int:
    return capacity(dim, _SCALE_BITS)


def _flow_arrays(st: Structure):
    """Residual network of the flow graph in flat lists.

    Nodes: ``0 .. n_nodes-1`` the structure's nodes, then ``S``, ``T``, then
    one ``in``/``out`` pair per hyper-index. Arc ``e`` goes to ``head[e]`` with
    residual capacity ``cap[e]`` (an int, see :func:`_capacity`); its reverse
    is ``e ^ 1``. An index on two nodes is one undirected arc pair (capacity
    ``log2 dim`` both ways).
    """
    n = st.n_nodes
    S, T = n, n + 1
    head: list = []
    cap: list = []
    adj: list = [[] for _ in range(n + 2)]

    def arc(u, v, c, rc):
        e = len(head)
        head.append(v)
        head.append(u)
        cap.append(c)
        cap.append(rc)
        adj[u].append(e)
        adj[v].append(e + 1)

    size = st.size
    edges = [(ix, holders) for ix, holders in st.holders.items() if len(holders) >= 2]
    caps = {}
    for ix, _ in edges:
        d = size[ix]
        if d not in caps:
            caps[d] = _capacity(d)
    # "infinite": more than every finite capacity together
    inf = 1 + sum(caps[size[ix]] * (len(h) if len(h) > 2 else 1) for ix, h in edges)
    for node in st.a_terminals:
        arc(S, node, inf, 0)
    for node in st.b_terminals:
        arc(node, T, inf, 0)
    push_h, push_c = head.extend, cap.extend
    for ix, holders in edges:
        c = caps[size[ix]]
        if len(holders) == 2:
            u, v = holders
            if u != v:  # arc() inlined: this loop runs once per index (2^20 of them)
                e = len(head)
                push_h((v, u))
                push_c((c, c))
                adj[u].append(e)
                adj[v].append(e + 1)
        else:
            hin = len(adj)
            adj.append([])
            adj.append([])
            arc(hin, hin + 1, c, 0)
            for u in set(holders):
                arc(u, hin, inf, 0)
                arc(hin + 1, u, inf, 0)
    return S, T, head, cap, adj


def _max_flow(S, T, head, cap, adj) -> int:
    """Dinic's max-flow on the residual lists (modified in place); the flow value."""
    n = len(adj)
    total = 0
    while True:
        level = [-1] * n
        level[S] = 0
        queue = [S]
        for u in queue:  # BFS; the list grows while iterated
            lu = level[u] + 1
            for e in adj[u]:
                v = head[e]
                if level[v] < 0 and cap[e] > 0:
                    level[v] = lu
                    queue.append(v)
            if level[T] >= 0:
                break
        if level[T] < 0:
            return total
        ptr = [0] * n
        # blocking flow by iterative DFS along the level graph
        while True:
            stack: list = []  # arcs of the current path
            u = S
            while u != T:
                arcs = adj[u]
                i = ptr[u]
                lu = level[u] + 1
                while i < len(arcs):
                    e = arcs[i]
                    if cap[e] > 0 and level[head[e]] == lu:
                        break
                    i += 1
                ptr[u] = i
                if i < len(arcs):
                    stack.append(arcs[i])
                    u = head[arcs[i]]
                    continue
                # dead end: drop u from the level graph and retreat
                level[u] = -1
                if not stack:
                    break
                e = stack.pop()
                u = head[e ^ 1]
                ptr[u] += 1
            if u != T:
                break
            f = min(cap[e] for e in stack)
            for e in stack:
                cap[e] -= f
                cap[e ^ 1] += f
            total += f


def _reaches_target(T, head, cap, adj) -> bytearray:
    """``mark[u] = 1`` where ``u`` reaches ``T`` by arcs with residual capacity."""
    mark = bytearray(len(adj))
    mark[T] = 1
    queue = [T]
    for v in queue:
        for e in adj[v]:  # e: v -> u; its reverse e ^ 1: u -> v
            u = head[e]
            if not mark[u] and cap[e ^ 1] > 0:
                mark[u] = 1
                queue.append(u)
    return mark


def _tree_min_cut(st: Structure):
    """Maximal source side of a min cut by dynamic programming, or ``None`` if loopy.

    When the incidence graph (nodes and labels held by two or more of them) is a
    forest, the min cut is a tree DP: ``f_v(s)`` is the cheapest cut of the
    subtree under node ``v`` with ``v`` on side ``s`` (terminals fixed); a label
    ``l`` of capacity ``c`` with children ``u`` contributes
    ``g_l(s) = min(sum_u f_u(s), c + sum_u min_t f_u(t))`` (all on ``v``'s side,
    or cut once: a hyper-index costs its dimension once). A second pass from the
    roots gives ``F_v(s)``, the cheapest cut of the whole component with ``v`` on
    ``s``; the largest source side among minimum cuts (the one max-flow reports)
    is the set of nodes with ``F_v(0)`` equal to the minimum. Linear time, exact
    integer capacities, compiled (:mod:`tnexpress.measures._treecut`).
    """
    mask = tree_cut_mask(st)
    return None if mask is None else frozenset(np.flatnonzero(mask).tolist())


_CUTS = StructureCache()


@no_gc
def min_cut_structure(st: Structure) -> tuple[frozenset, tuple]:
    """Min cut of a prepared :class:`Structure`: (nodes on side A, cut labels).

    Side A is the largest source side among minimum cuts (the nodes that cannot
    reach the sink in the residual network of a maximum flow; the same set for
    every maximum flow, so it does not depend on the max-flow algorithm).
    Cached by :func:`~tnexpress.engine.structure.structure_key`: the cut
    depends on the shape of the network, not on its weights.
    """
    hit = _CUTS.get(st)
    if hit is not None:
        return hit
    res = _min_cut_structure(st)
    _CUTS.put(st, res)
    return res


def _min_cut_structure(st: Structure, *, tree: bool = True) -> tuple[frozenset, tuple]:
    g = graph_arrays(st)
    in_a = tree_cut_mask(st) if tree else None
    if in_a is None:
        S, T, head, cap, adj = _flow_arrays(st)
        _max_flow(S, T, head, cap, adj)
        mark = _reaches_target(T, head, cap, adj)
        in_a = np.frombuffer(bytes(mark[: st.n_nodes]), dtype=np.uint8) == 0
    side_a = frozenset(np.flatnonzero(in_a).tolist())
    cut_ids = crossing_labels(g, in_a)  # a label is cut when its holders are on both sides
    labels = g.labels
    return side_a, tuple([labels[i] for i in cut_ids.tolist()])


def min_cut(tn, A) -> MinCut:
    """Minimum-weight edge cut separating side ``A``'s open legs from the rest.

    Parameters
    ----------
    tn : quimb.tensor.TensorNetwork
        Any network (hyper-indices allowed); not modified.
    A : iterable of int or str
        Side A as site positions or open-index names; B is every other open index.

    Returns
    -------
    MinCut
        ``.weight`` (exact int), ``.inds``, ``.log2``, ``.tids_a``.

    Examples
    --------
    >>> import tnexpress as tx
    >>> tx.min_cut(tx.nets.ht(16, 2, 2, seed=0), tx.partitions.odd_even(16)).weight
    256
    """
    from .bipartition import Bipartition

    return Bipartition(tn, A).min_cut


def min_cut_of(st: Structure, side_a, cut) -> MinCut:
    """The :class:`MinCut` of a structure whose cut :func:`min_cut_structure` found."""
    weight = 1
    for ix in cut:
        weight *= st.size[ix]
    tids_a = frozenset(st.tids[n] for n in side_a if n < len(st.tids))
    return MinCut(weight=weight, inds=cut, log2=math.log2(weight), tids_a=tids_a)
