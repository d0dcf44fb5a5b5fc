"""Quantum min-cut bound of a bipartition (Levine et al. 2018), by max-flow.

For any network realizing the tensor ``A`` and any edge cut ``C`` separating
the open legs of side ``I`` from those of side ``J``,

.. math::

    \\operatorname{rank} [[A]]_{I,J} \\le W_C = \\prod_{e \\in C} \\dim(e),

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

from ._structure import Structure, build_structure

__all__ = ("MinCut", "min_cut", "min_cut_structure")


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
    """

    weight: int
    inds: tuple[str, ...]
    log2: float
    tids_a: frozenset

    def __int__(self) -> int:
        return self.weight


def _flow_graph(st: Structure) -> nx.DiGraph:
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


def min_cut_structure(st: Structure) -> tuple[frozenset, tuple]:
    """Min cut of a prepared :class:`Structure`: (nodes on side A, cut labels)."""
    G = _flow_graph(st)
    _, (reach, _) = nx.minimum_cut(G, "S", "T")
    side_a = frozenset(n for n in reach if isinstance(n, int))
    cut = tuple(
        ix
        for ix, holders in st.holders.items()
        if len(holders) >= 2
        and any(h in side_a for h in holders)
        and any(h not in side_a for h in holders)
    )
    return side_a, cut


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
    st = build_structure(tn, A)
    side_a, cut = min_cut_structure(st)
    weight = 1
    for ix in cut:
        weight *= st.size[ix]
    tids_a = frozenset(st.tids[n] for n in side_a if n < len(st.tids))
    return MinCut(weight=weight, inds=cut, log2=math.log2(weight), tids_a=tids_a)
