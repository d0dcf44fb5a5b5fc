"""Draw a network: pooling deltas as small nodes, sides A/B in two colours, the min cut in red.

Only the standard library is imported at module level (``tnexpress --version``
stays light); matplotlib (extra ``plots``), numpy and quimb are imported when
:func:`draw` runs.
"""

from __future__ import annotations

__all__ = ("draw",)

_COLOURS = {
    "A": "#4c72b0",  # blue
    "B": "#dd8452",  # orange
    "none": "#8c8c8c",
    "cut": "#c00000",
}


def _layout(tn, legs, holders, grid):
    """Positions of tensors, deltas and open legs.

    Open legs sit on a line (1D sites, in ``tn.sites`` order) or on their 2D
    grid; every other node is at its graph distance from the legs in height
    and, across, at the mean of the legs it reaches going down (its subtree),
    so trees draw as trees above their inputs.
    """
    import numpy as np

    sites = list(getattr(tn, "sites", ())) if hasattr(tn, "site_ind") else []
    leg_pos = {}
    two_d = False
    if sites and all(isinstance(s, tuple) and len(s) == 2 for s in sites):
        two_d = True
        for s in sites:
            leg_pos[tn.site_ind(s)] = (float(s[1]), -float(s[0]))
    elif sites and grid is not None:
        H, W = grid
        two_d = True
        for k, s in enumerate(sites):
            leg_pos[tn.site_ind(s)] = (float(k % W), -float(k // W))
    for k, ix in enumerate(legs):
        leg_pos.setdefault(ix, (float(k), 0.0))
    # graph: nodes are ("t", tid), ("d", ix) for hyper-indices, ("l", ix) for open legs
    adj: dict = {}

    def link(a, b):
        adj.setdefault(a, set()).add(b)
        adj.setdefault(b, set()).add(a)

    for tid in tn.tensor_map:
        adj.setdefault(("t", tid), set())
    for ix, tids in holders.items():
        if ix in leg_pos:
            for tid in tids:
                link(("l", ix), ("t", tid))
        elif len(tids) > 2:
            for tid in tids:
                link(("d", ix), ("t", tid))
        elif len(tids) == 2:
            a, b = tids
            link(("t", a), ("t", b))
    # height: BFS distance from the legs
    depth = {("l", ix): 0 for ix in leg_pos}
    frontier = list(depth)
    while frontier:
        nxt = []
        for u in frontier:
            for v in adj[u]:
                if v not in depth:
                    depth[v] = depth[u] + 1
                    nxt.append(v)
        frontier = nxt
    far = max(depth.values(), default=0) + 1
    nodes = list(adj)
    for u in nodes:
        depth.setdefault(u, far)
    # across: the mean of the legs a node reaches by descending (its subtree in a tree)
    order = sorted(nodes, key=lambda u: depth[u])
    support: dict = {}
    for u in order:
        if u[0] == "l":
            support[u] = {u[1]}
        else:
            below = [v for v in adj[u] if depth[v] < depth[u]]
            support[u] = set().union(*(support[v] for v in below)) if below else set()
    centre = np.mean(list(leg_pos.values()), axis=0) if leg_pos else np.zeros(2)
    pos = {
        u: np.mean([leg_pos[ix] for ix in support[u]], axis=0) if support[u] else centre
        for u in nodes
    }
    out = {}
    for u in nodes:
        x, y = pos[u]
        if two_d:  # lift deeper nodes up and to the right: layers stack like floors
            out[u] = (x + 0.09 * depth[u], y + 0.13 * depth[u])
        else:
            out[u] = (x, y + depth[u])
    return out, adj, two_d


def draw(tn, A=None, path=None, *, grid=None, figsize=None, title=None, labels=None):
    """Draw ``tn``: tensors, pooling deltas, open legs, and the min cut of ``(A, rest)``.

    Parameters
    ----------
    tn : quimb.tensor.TensorNetwork
        Any network; not modified.
    A : iterable of int or str, optional
        Side A (as in :func:`tnexpress.schmidt_values`). Given: open legs and
        tensors are coloured by side (A blue, B orange, by the min cut's
        sides) and the indices of :attr:`tnexpress.Bipartition.min_cut` are
        drawn thick and red.
    path : str or pathlib.Path, optional
        Where to save the figure (PNG, PDF... by suffix).
    grid : (int, int), optional
        ``(H, W)``: lay integer sites out on an ``H x W`` grid, site ``y * W + x``
        (as :func:`tnexpress.nets.ht2d` numbers them). ``(i, j)`` sites
        (quimb's PEPS) are laid out on their grid without it.
    figsize : (float, float), optional
    title : str, optional
    labels : bool, optional
        Label open legs with their index names (default: up to 64 legs).

    Returns
    -------
    matplotlib.figure.Figure
        Its axes hold collections with ``gid`` ``"tensors"``, ``"deltas"``,
        ``"legs"``, ``"edges"`` and ``"cut"`` (one segment per cut index leg).

    Examples
    --------
    >>> import tnexpress as tx
    >>> net = tx.nets.ht(8, 2, (2, 2, 2), seed=0)
    >>> fig = tx.draw(net, A=tx.partitions.odd_even(8))
    >>> {c.get_gid(): len(c.get_offsets()) for c in fig.axes[0].collections
    ...  if c.get_gid() in ("tensors", "deltas", "legs")}
    {'tensors': 15, 'deltas': 7, 'legs': 8}
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    from .engine.sides import check_network, open_inds

    tn = check_network(tn)
    legs = open_inds(tn)
    holders = {ix: tuple(tids) for ix, tids in tn.ind_map.items()}
    pos, adj, two_d = _layout(tn, legs, holders, grid)
    side_of_tid: dict = {}
    side_of_leg: dict = {}
    cut_inds: set = set()
    cut_w = None
    if A is not None:
        from .measures.bipartition import bipartition

        bp = bipartition(tn, A)
        mc = bp.min_cut
        cut_inds = set(mc.inds)
        cut_w = mc.weight
        a_set = set(bp.a_inds)
        for ix in legs:
            side_of_leg[ix] = "A" if ix in a_set else "B"
        for tid in tn.tensor_map:
            side_of_tid[tid] = "A" if tid in mc.tids_a else "B"
    if figsize is None:
        side = len(legs) ** 0.5
        figsize = (
            (min(12, 4 + 0.8 * side), min(10, 3 + 0.7 * side))
            if two_d
            else (
                min(14, 4 + 0.45 * len(legs)),
                4.5,
            )
        )
    fig, ax = plt.subplots(figsize=figsize)
    segs, cut_segs = [], []
    seen = set()
    for u, nbs in adj.items():
        for v in nbs:
            key = frozenset((u, v))
            if key in seen:
                continue
            seen.add(key)
            # which index does this edge carry?
            if u[0] in "ld" or v[0] in "ld":
                ix = u[1] if u[0] in "ld" else v[1]
                is_cut = ix in cut_inds
            else:
                shared = set(tn.tensor_map[u[1]].inds) & set(tn.tensor_map[v[1]].inds)
                is_cut = bool(shared & cut_inds)
            (cut_segs if is_cut else segs).append((pos[u], pos[v]))
    ax.add_collection(
        LineCollection(segs, colors="#555555", linewidths=0.8, zorder=1, gid="edges")
    )
    ax.add_collection(
        LineCollection(cut_segs, colors=_COLOURS["cut"], linewidths=3.0, zorder=2, gid="cut")
    )

    def scatter(kind, gid, size, marker, colour_of):
        us = [u for u in pos if u[0] == kind]
        if not us:
            return
        xy = [pos[u] for u in us]
        cols = [colour_of(u) for u in us]
        ax.scatter(
            [p[0] for p in xy],
            [p[1] for p in xy],
            s=size,
            c=cols,
            marker=marker,
            edgecolors="k",
            linewidths=0.6,
            zorder=3,
            gid=gid,
        )

    scatter("t", "tensors", 160, "o", lambda u: _COLOURS[side_of_tid.get(u[1], "none")])
    scatter(
        "d",
        "deltas",
        40,
        "o",
        lambda u: _COLOURS["cut"] if u[1] in cut_inds else "black",
    )
    scatter("l", "legs", 70, "s", lambda u: _COLOURS[side_of_leg.get(u[1], "none")])
    if labels is None:
        labels = len(legs) <= 64
    if labels:
        for ix in legs:
            x, y = pos[("l", ix)]
            dy = -0.28 if not two_d else -0.08
            ax.annotate(str(ix), (x, y + dy), ha="center", va="top", fontsize=8)
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            mfc="white",
            mec="k",
            ms=9,
            label="tensor" + (" (colour: its side of the cut)" if A is not None else ""),
        ),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            mfc="black",
            mec="k",
            ms=5,
            label="pooling delta (hyper-index)",
        ),
        Line2D(
            [],
            [],
            marker="s",
            ls="",
            mfc=_COLOURS["none"],
            mec="k",
            ms=7,
            label="open leg (input)",
        ),
    ]
    if A is not None:
        handles += [
            Line2D([], [], marker="s", ls="", mfc=_COLOURS["A"], mec="k", ms=8, label="side A"),
            Line2D([], [], marker="s", ls="", mfc=_COLOURS["B"], mec="k", ms=8, label="side B"),
            Line2D([], [], color=_COLOURS["cut"], lw=3, label=f"min cut (W = {cut_w})"),
        ]
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False
    )
    ax.autoscale_view()
    ax.margins(0.08)
    ax.set_aspect("equal" if two_d else "auto")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110, bbox_inches="tight")
    return fig
