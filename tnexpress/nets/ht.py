r"""Deep convolutional arithmetic circuits = hierarchical Tucker (HT) decompositions.

A deep ConvAC over a pooling tree ``T`` (leaves = input positions): each leaf
``i`` applies an unshared 1x1 convolution ``a^{0,i}`` (M -> r_0); each internal
node ``v`` of height ``h`` multiplies its children's channels entrywise (product
pooling, a delta tensor = the hyper-index ``h{h-1}_{j}`` of size ``r_{h-1}``),
and, unless it is the root, a 1x1 convolution maps those ``r_{h-1}`` channels to
its parent's ``r_{h'-1}``; the root feeds a dense output layer (``Y`` outputs).

.. math::

    \phi^{v}_{\gamma} = \prod_{c \in \mathrm{children}(v)}
        \Big(\sum_{\alpha} a^{c}_{\gamma \alpha} \phi^{c}_{\alpha}\Big),
    \qquad A = \sum_{\gamma} a^{\mathrm{out}}_{\gamma} \phi^{\mathrm{root}}_{\gamma}

``ranks[l]`` is the pooling width of the nodes of height ``l + 1``; the number of
ranks is the height of the tree. :func:`ht` is the contiguous 1D case (windows
of ``pool`` adjacent positions), :func:`ht2d` the 2D case (``window`` blocks of a
grid), :func:`ht_tree` takes any tree, e.g. :func:`pooling_tree` with
``geometry="mirror"`` (pairs ``i`` with ``N-1-i``, Cohen & Shashua 2017).
"""

from __future__ import annotations

import math
import numbers
from collections import deque
from collections.abc import Sequence
from itertools import repeat

import quimb.tensor as qtn

from .._gc import no_gc
from .._typing import Ranks, Seed, WeightKind
from .._validate import check_positive_int, check_ranks
from ._common import SITE_TAG, WeightDrawer, gen_vector_from_columns
from ._registry import register_family

__all__ = ("ht", "ht2d", "ht_tree", "pooling_tree", "grid_tree", "tree_height", "tree_leaves")


def _is_leaf(node) -> bool:
    t = type(node)
    if t is int:
        return True
    if t is tuple or t is list:  # the common inner nodes: no abstract-class check
        return False
    return isinstance(node, numbers.Integral) and not isinstance(node, bool)


def tree_leaves(tree) -> list[int]:
    """Leaves (input positions) of a nested-tuple tree, left to right."""
    out: list[int] = []
    stack = [tree]
    while stack:  # depth first, children left to right
        node = stack.pop()
        if _is_leaf(node):
            out.append(int(node))
            continue
        if (
            isinstance(node, (str, bytes))
            or not isinstance(node, (tuple, list, Sequence))
            or len(node) == 0
        ):
            raise TypeError(
                f"tree must be nested sequences of ints (leaves = positions), got node {node!r}"
            )
        stack.extend(reversed(node))
    return out


def tree_height(tree) -> int:
    """Height of a nested-tuple tree (a leaf has height 0)."""
    if isinstance(tree, numbers.Integral):
        return 0
    return 1 + max(tree_height(c) for c in tree)


def pooling_tree(N: int, geometry: str = "contiguous", *, pool: int = 2):
    """The pooling tree of a 1D deep ConvAC.

    Parameters
    ----------
    N : int
        Number of positions, a power of ``pool``.
    geometry : {"contiguous", "mirror"}
        - ``"contiguous"``: windows of ``pool`` adjacent positions at every level;
        - ``"mirror"``: positions reordered ``0, N-1, 1, N-2, ...`` first, so the
          first level pools ``i`` with ``N-1-i`` (favours left/right partitions).
    pool : int
        Window size (>= 2).
    """
    N = check_positive_int("N", N, minimum=2)
    pool = check_positive_int("pool", pool, minimum=2)
    L = round(math.log(N, pool))
    if pool**L != N:
        raise ValueError(f"N={N} is not a power of pool={pool}; a pooling tree needs N = pool^L")
    level: list = _leaf_order(N, geometry, pool)
    while len(level) > 1:
        level = [tuple(level[j : j + pool]) for j in range(0, len(level), pool)]
    return level[0]


def grid_tree(H: int, W: int, window=(2, 2)):
    """The pooling tree of a 2D deep ConvAC on an ``H x W`` grid (site = y*W + x).

    Each level pools ``window = (wy, wx)`` blocks of the level below (clipped to
    1 along an axis already reduced to size 1).
    """
    H = check_positive_int("H", H)
    W = check_positive_int("W", W)
    if H * W < 2:
        raise ValueError(f"the grid needs at least 2 sites, got H={H}, W={W}")
    if (
        not isinstance(window, Sequence)
        or len(window) != 2
        or any(isinstance(w, bool) or not isinstance(w, numbers.Integral) or w < 1 for w in window)
        or window[0] * window[1] < 2
    ):
        raise ValueError(f"window must be two ints >= 1 with product >= 2, got {window!r}")
    grid = [[y * W + x for x in range(W)] for y in range(H)]
    while len(grid) * len(grid[0]) > 1:
        h, w = len(grid), len(grid[0])
        gy, gx = min(window[0], h), min(window[1], w)
        if h % gy or w % gx:
            raise ValueError(
                f"grid H={H}, W={W} cannot be pooled by window={tuple(window)}: a level of "
                f"size {h}x{w} is not divisible by {gy}x{gx}"
            )
        grid = [
            [
                tuple(grid[y * gy + dy][x * gx + dx] for dy in range(gy) for dx in range(gx))
                for x in range(w // gx)
            ]
            for y in range(h // gy)
        ]
    return grid[0][0]


@no_gc
def ht_tree(
    tree,
    M: int,
    ranks: Ranks,
    *,
    Y: int = 1,
    seed: Seed = None,
    weights: WeightKind = "normal",
    dtype="float64",
    copy_tensors: bool = False,
) -> qtn.TensorNetworkGenVector:
    """Deep ConvAC over any pooling tree.

    Parameters
    ----------
    tree : nested sequence of int
        Pooling tree; its leaves are the positions ``0 .. N-1``, each once.
    M : int
        Representation size (dimension of each open leg ``k{i}``).
    ranks : int or sequence of int
        Channels ``r_0 .. r_{L-1}``, one per tree level (L = tree height).
    Y : int
        Number of outputs; ``Y > 1`` adds the open leg ``y``.
    seed, weights, dtype, copy_tensors
        As in :func:`tnexpress.nets.cp`.

    Returns
    -------
    quimb.tensor.TensorNetworkGenVector
        Tags: ``CONV`` with ``L{l}`` (and ``I{i}`` at the leaves), ``OUT``.
    """
    leaves = tree_leaves(tree)
    N = len(leaves)
    if sorted(leaves) != list(range(N)):
        raise ValueError(f"tree leaves must be 0..{N - 1} each exactly once, got {sorted(leaves)}")
    if N < 2:
        raise ValueError("tree needs at least 2 leaves")
    M = check_positive_int("M", M)
    Y = check_positive_int("Y", Y)
    heights: dict = {}  # id(node) -> height, each subtree measured once

    def height(node) -> int:
        if _is_leaf(node):
            return 0
        h = heights.get(id(node))
        if h is None:
            h = heights[id(node)] = 1 + max(height(c) for c in node)
        return h

    L = height(tree)
    ranks = check_ranks(ranks, L, what=f"a pooling tree of height {L}")
    draw = WeightDrawer(seed, weights, dtype)
    # shapes, inds and tags in drawing order; the weights are drawn at once at the end
    shapes: list[tuple] = []
    inds: list[tuple] = []
    tags: list[tuple] = []
    counters = [0] * L
    layer_tags = [f"L{l}" for l in range(L)]

    def build(node) -> tuple[str, int, int]:
        """Build the subtree; return (pool index, its size, node height)."""
        h = height(node)
        l = h - 1
        pix = f"h{l}_{counters[l]}"
        counters[l] += 1
        r = ranks[l]
        for child in node:
            if _is_leaf(child):
                shapes.append((M, r))
                inds.append((f"k{child}", pix))
                tags.append(("CONV", layer_tags[l], SITE_TAG.format(int(child))))
            else:
                cix, cdim, _ = build(child)
                shapes.append((cdim, r))
                inds.append((cix, pix))
                tags.append(("CONV", layer_tags[l]))
        return pix, r, h

    root_ix, root_dim, _ = build(tree)
    if Y == 1:
        shapes.append((root_dim,))
        inds.append((root_ix,))
    else:
        shapes.append((root_dim, Y))
        inds.append((root_ix, "y"))
    tags.append(("OUT",))
    return gen_vector_from_columns(draw.many(shapes), inds, tags, N, copy_tensors=copy_tensors)


def ht(
    N: int,
    M: int,
    ranks: Ranks,
    pool: int = 2,
    *,
    geometry: str = "contiguous",
    Y: int = 1,
    seed: Seed = None,
    weights: WeightKind = "normal",
    dtype="float64",
    copy_tensors: bool = False,
) -> qtn.TensorNetworkGenVector:
    """Deep ConvAC in 1D with pooling windows of ``pool`` positions.

    ``len(ranks)`` must be ``L = log_pool N`` (an int is repeated L times).
    Generic ranks (Cohen, Sharir & Shashua 2016): odd/even
    ``min(r_0, M)^(N/2)``; left/right ``c_{L-1}`` with ``c_0 = min(M, r_0)``,
    ``c_l = min(r_l, r_{l-1}, c_{l-1}^2)``.
    See :func:`ht_tree` for the other parameters. From 2^14 tensors (without
    ``copy_tensors``) quimb's objects are made on first use (see
    :mod:`tnexpress.nets._deferred`).
    """
    N = check_positive_int("N", N, minimum=2)
    pool = check_positive_int("pool", pool, minimum=2)
    L = round(math.log(N, pool))
    if pool**L != N:
        raise ValueError(f"N={N} is not a power of pool={pool}; ht needs N = pool^L")
    ranks = check_ranks(ranks, L, what=f"ht with N={N}, pool={pool}")
    M = check_positive_int("M", M)
    Y = check_positive_int("Y", Y)
    order = _leaf_order(N, geometry, pool)
    draw = WeightDrawer(seed, weights, dtype)
    shapes, inds, tags, site_inds = _complete_tree_columns(order, pool, M, ranks, Y)
    return gen_vector_from_columns(
        draw.many(shapes), inds, tags, N, copy_tensors=copy_tensors, site_inds=site_inds
    )


def _leaf_order(N, geometry, pool) -> list:
    """The positions at the leaves of :func:`pooling_tree`, left to right."""
    if geometry == "contiguous":
        return list(range(N))
    if geometry == "mirror":
        if pool != 2:
            raise ValueError(f"geometry='mirror' needs pool=2, got pool={pool}")
        return [p for i in range(N // 2) for p in (i, N - 1 - i)]
    raise ValueError(f"geometry must be 'contiguous' or 'mirror', got {geometry!r}")


def _complete_tree_columns(order, pool, M, ranks, Y):
    """Shapes, inds, tags and site indices of :func:`ht_tree` on a complete tree, without it.

    The same columns, in the same order, as ``ht_tree(tree, ...)`` with ``tree``
    the complete tree whose leaves read ``order`` (its ``build`` emits each
    node's tensor after its subtree: post-order), made level by level in
    C-level passes instead of one Python call per node (``ht(2**20, 2, 4)``: no
    nested tuples of a million nodes to walk); and ``k{i}`` of every position
    ``i`` (the strings of ``inds``).
    """
    import numpy as np

    L = len(ranks)
    # post-order of a complete subtree of height g: (height, index within the level) per
    # node, the root last; height g + 1 = pool copies shifted, then the new root
    hs = np.zeros(1, np.int64)
    ix = np.zeros(1, np.int64)
    for g in range(L):
        width = np.int64(pool) ** (g - hs)  # nodes of each height in one height-g subtree
        hs = np.concatenate([np.tile(hs, pool), [g + 1]])
        ix = np.concatenate([(ix + c * width) for c in range(pool)] + [np.zeros(1, np.int64)])
    hs, ix = hs[:-1], ix[:-1]  # every node but the root: one tensor each
    pos = np.empty(len(hs), np.int64)  # a node's place in the emission order
    n_at = [len(order) // pool**g for g in range(L)]
    start = np.cumsum([0, *n_at])
    key = start[hs] + ix  # node id: heights in blocks, left to right within a height
    pos[key] = np.arange(len(hs))
    shapes: list = [None] * len(hs)
    inds: list = [None] * len(hs)
    tags: list = [None] * len(hs)
    parent = [list(map(f"h{g}_{{}}".format, range(n_at[g] // pool))) for g in range(L)]
    for g in range(L):
        at = pos[start[g] : start[g + 1]].tolist()
        up = [x for x in parent[g] for _ in range(pool)]  # each node's parent pool index
        if g == 0:
            own = list(map("k{}".format, order))
            site_inds = own if order == sorted(order) else [None] * len(order)
            if site_inds is not own:  # site by site (the leaves read a permutation)
                deque(map(site_inds.__setitem__, order, own), maxlen=0)
            tg = zip(repeat("CONV"), repeat("L0"), map(SITE_TAG.format, order))
            shape = (M, ranks[0])
        else:
            own = parent[g - 1]
            tg = repeat(("CONV", f"L{g}"))
            shape = (ranks[g - 1], ranks[g])
        deque(map(inds.__setitem__, at, zip(own, up)), maxlen=0)
        deque(map(tags.__setitem__, at, tg), maxlen=0)
        deque(map(shapes.__setitem__, at, repeat(shape)), maxlen=0)
    root = parent[L - 1][0]
    shapes.append((ranks[L - 1],) if Y == 1 else (ranks[L - 1], Y))
    inds.append((root,) if Y == 1 else (root, "y"))
    tags.append(("OUT",))
    return shapes, inds, tags, site_inds


def ht2d(
    H: int,
    W: int,
    M: int,
    ranks: Ranks,
    *,
    window=(2, 2),
    Y: int = 1,
    seed: Seed = None,
    weights: WeightKind = "normal",
    dtype="float64",
    copy_tensors: bool = False,
) -> qtn.TensorNetworkGenVector:
    """Deep ConvAC on an ``H x W`` grid pooling ``window`` blocks (site = y*W + x).

    Generic ranks (Levine et al. 2018), 2x2 windows, N = H*W: interleaved
    partitions ``min(r_0^(N/4), M^(N/2))``; left/right the min cut of the tree.
    See :func:`ht_tree` for the other parameters.
    """
    tree = grid_tree(H, W, window)
    L = tree_height(tree)
    if not isinstance(ranks, numbers.Integral):
        check_ranks(ranks, L, what=f"ht2d with H={H}, W={W}, window={tuple(window)}")
    return ht_tree(
        tree, M, ranks, Y=Y, seed=seed, weights=weights, dtype=dtype, copy_tensors=copy_tensors
    )


def _parse_ranks(s: str) -> tuple[int, ...]:
    return tuple(int(x) for x in s.split(",") if x.strip())


def _left_right_rank(M, ranks):
    c = min(M, ranks[0])
    for l in range(1, len(ranks)):
        c = min(ranks[l], ranks[l - 1], c * c)
    return c


def _ht_partitions(N, pool=2, **_):
    from ..partitions import canonical_1d

    return canonical_1d(N)


def _ht_bound(partition, N, M, ranks, pool=2, geometry="contiguous", **_):
    L = round(math.log(N, pool))
    ranks = (ranks,) * L if isinstance(ranks, numbers.Integral) else tuple(ranks)
    if pool != 2 or geometry != "contiguous":
        return None
    if partition == "odd-even":
        return min(ranks[0], M) ** (N // 2)
    if partition == "left-right":
        return _left_right_rank(M, ranks)
    return None


def _ht2d_partitions(H, W, **_):
    from ..partitions import canonical_2d

    return canonical_2d(H, W)


def _ht2d_bound(partition, H, W, M, ranks, window=(2, 2), **_):
    N = H * W
    r0 = ranks if isinstance(ranks, numbers.Integral) else ranks[0]
    if tuple(window) == (2, 2) and H == W and partition in ("interleaved", "checkerboard"):
        return min(r0 ** (N // 4), M ** (N // 2))
    return None


register_family(
    "ht",
    ht,
    partitions=_ht_partitions,
    params={
        "N": (int, 16, "number of inputs (a power of pool)"),
        "M": (int, 2, "representation size"),
        "ranks": (_parse_ranks, (2, 2, 2, 2), "channels per layer, comma separated"),
        "pool": (int, 2, "pooling window"),
    },
    bound=_ht_bound,
    atlas=(
        {"N": 8, "M": 2, "ranks": (2, 2, 2)},
        {"N": 16, "M": 2, "ranks": (2, 2, 2, 2)},
        {"N": 16, "M": 2, "ranks": (2, 4, 8, 16)},
    ),
    doc="deep ConvAC (hierarchical Tucker), 1D",
)

register_family(
    "ht2d",
    ht2d,
    partitions=_ht2d_partitions,
    params={
        "H": (int, 4, "grid height (power of 2)"),
        "W": (int, 4, "grid width (power of 2)"),
        "M": (int, 2, "representation size"),
        "ranks": (_parse_ranks, (2, 2), "channels per layer, comma separated"),
    },
    bound=_ht2d_bound,
    atlas=({"H": 4, "W": 4, "M": 2, "ranks": (2, 2)}, {"H": 4, "W": 4, "M": 3, "ranks": (2, 4)}),
    doc="deep ConvAC (hierarchical Tucker), 2D grid",
)
