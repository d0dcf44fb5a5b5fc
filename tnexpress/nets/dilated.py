r"""Dilated convolutional networks and mixed tensor decompositions (Cohen, Tamari & Shashua 2018).

Dilated ConvAC
--------------
``N = 2^L`` time points, ``L`` layers of size-2 convolutions with dilations
``d_1 .. d_L`` (a permutation of ``1, 2, 4, ..., N/2``; WaveNet's schedule is
``(1, 2, 4, ...)``). The unit of layer ``l`` at time ``t`` multiplies a 1x1
convolution of the unit ``d_l`` steps back with one of the current unit:

.. math::

    h^{(l)}_{t,\gamma} = \Big(\sum_\alpha a^{(l,t,\mathrm{I})}_{\gamma\alpha}
        h^{(l-1)}_{t-d_l,\alpha}\Big)\Big(\sum_\alpha a^{(l,t,\mathrm{II})}_{\gamma\alpha}
        h^{(l-1)}_{t,\alpha}\Big), \qquad h^{(0)}_t = x_t \in \mathbb{R}^M,

and the output is :math:`A = \sum_\gamma a^{\mathrm{out}}_\gamma h^{(L)}_{N-1,\gamma}`.
The receptive field of ``h^{(l)}_t`` is ``{t - s : s a subset sum of d_1..d_l}``;
these sets, for the units the output depends on, form the *mode tree*
(:func:`mode_tree`) and the network is the hierarchical decomposition over it
(:func:`tnexpress.nets.ht_tree`). Positions are 0-based: time ``t`` reads input
``k{t}``.

Mixed decompositions
--------------------
Two mode trees ``T`` and ``Tbar`` run in parallel (two branches, the same
inputs). At a *mixture node* ``nu`` (a node of both trees, here: every common
node of the chosen mixing layers, and always the root) the two branches' tensors
are summed and the sum feeds both branches above:

.. math::

    \psi^{\nu}_{\gamma} = \phi^{\nu}_{\gamma}[\psi] + \bar\phi^{\nu}_{\gamma}[\psi],
    \qquad A = \sum_\gamma a^{\mathrm{out}}_\gamma \psi^{[N]}_\gamma,

where ``phi^nu[psi]`` is ``T``'s decomposition from the mixture nodes (or inputs)
below ``nu`` up to ``nu``. In the network: the hidden units of the two branches
at a mixing layer are added and the sum is read by both branches' next layer;
the outputs are summed (the root is always mixed).

A sum is not a contraction, so each mixture node ``nu`` gets a *selector*
hyper-index ``s{h}_{j}`` of size 2 shared by all tensors of both branches'
segments under ``nu``: at ``s = b`` branch ``b``'s tensors hold their weights and
the other branch's tensors are neutral (ones on their inputs, ``e_0`` on their
internal outputs, ones on the output ``nu``), so the segment contributes exactly
``phi + phibar``. The weights of branch ``b`` are the slice ``s = b`` of its
tensors (selector = last index).

Theorem 7 (Cohen, Tamari & Shashua 2018), one tree, ``r`` channels, ``M >= r``:
``r^(#sibling pairs) <= rank [[A]]_{I,I^c} <= r^min(|Theta(I)|, |Theta(I^c)|)``
with :func:`theta` the tiling of ``I`` into maximal tree nodes and
:func:`sibling_pairs` the number of nodes whose children split into one inside
``I`` and one inside ``I^c``.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence

import numpy as np
import quimb.tensor as qtn

from .._typing import Ranks, Seed, WeightKind
from .._validate import check_positive_int, check_ranks
from ._common import SITE_TAG, WeightDrawer, as_gen_vector
from ._registry import register_family
from .ht import ht_tree, tree_height, tree_leaves

__all__ = (
    "mode_tree",
    "dilated",
    "mixed",
    "theta",
    "sibling_pairs",
    "theta_bounds",
    "tree_nodes",
    "example_partition",
    "swapped_dilations",
)


# --------------------------------------------------------------------------- trees


def _check_N(N) -> int:
    N = check_positive_int("N", N, minimum=2)
    if N & (N - 1):
        raise ValueError(f"N must be a power of 2 for a dilated network, got N={N}")
    return N


def _check_dilations(N: int, dilations) -> tuple[int, ...]:
    L = N.bit_length() - 1
    if dilations is None:
        return tuple(2**l for l in range(L))
    if isinstance(dilations, str) or not isinstance(dilations, Sequence):
        raise TypeError(f"dilations must be a sequence of ints, got {dilations!r}")
    d = tuple(dilations)
    if sorted(d) != [2**l for l in range(L)] or not all(
        isinstance(x, numbers.Integral) for x in d
    ):
        raise ValueError(
            f"dilations must be a permutation of {tuple(2**l for l in range(L))} for N={N} "
            f"(so the output's receptive field is exactly the N inputs), got {d}"
        )
    return tuple(int(x) for x in d)


def swapped_dilations(N: int) -> tuple[int, ...]:
    """The schedule that swaps the dilations of layers (1,2), (3,4), ...: ``(2, 1, 8, 4, ...)``.

    With ``L = log2 N`` odd the last layer keeps its dilation.
    """
    N = _check_N(N)
    d = [2**l for l in range(N.bit_length() - 1)]
    for i in range(0, len(d) - 1, 2):
        d[i], d[i + 1] = d[i + 1], d[i]
    return tuple(d)


def mode_tree(N: int, dilations=None):
    """The mode tree a dilation schedule induces, as nested tuples of positions.

    The node of layer ``l`` for time ``t`` is ``(node(l-1, t - d_l), node(l-1, t))``
    (the earlier unit first); the tree is the node of layer ``L`` at ``t = N-1``.

    Parameters
    ----------
    N : int
        Number of time points, ``2^L``.
    dilations : sequence of int, optional
        ``d_1 .. d_L``, a permutation of ``1, 2, ..., N/2``; default ``(1, 2, 4, ...)``.

    Examples
    --------
    >>> mode_tree(4)
    ((0, 1), (2, 3))
    >>> mode_tree(4, (2, 1))
    ((0, 2), (1, 3))
    """
    N = _check_N(N)
    d = _check_dilations(N, dilations)

    def node(l, t):
        if l == 0:
            return t
        return (node(l - 1, t - d[l - 1]), node(l - 1, t))

    return node(len(d), N - 1)


def tree_nodes(tree) -> list[tuple[int, ...]]:
    """All nodes of a nested-tuple tree as sorted leaf tuples (leaves included), post-order."""
    out: list[tuple[int, ...]] = []

    def walk(node):
        if isinstance(node, numbers.Integral):
            out.append((int(node),))
            return
        for c in node:
            walk(c)
        out.append(tuple(sorted(tree_leaves(node))))

    walk(tree)
    return out


def _side(I, N: int) -> frozenset:
    if isinstance(I, (str, bytes)) or not isinstance(I, Iterable):
        raise TypeError(f"I must be an iterable of positions, got {I!r}")
    I = frozenset(int(i) for i in I)
    bad = [i for i in I if not 0 <= i < N]
    if bad:
        raise ValueError(f"I has positions {sorted(bad)} outside [0, {N - 1}]")
    return I


def theta(I, tree) -> list[tuple[int, ...]]:
    """``Theta(I; T)``: the tiling of ``I`` into maximal nodes of the tree.

    Returns the nodes (sorted leaf tuples) left to right; ``len(theta(I, T))``
    is the exponent of the upper bound of Theorem 7.
    """
    N = len(tree_leaves(tree))
    I = _side(I, N)
    out: list[tuple[int, ...]] = []

    def walk(node):
        leaves = tree_leaves(node)
        inside = sum(1 for x in leaves if x in I)
        if inside == len(leaves):
            out.append(tuple(sorted(leaves)))
        elif inside:
            for c in node:
                walk(c)

    walk(tree)
    return out


def sibling_pairs(I, tree) -> int:
    """Number of nodes with one child inside ``I`` and another inside its complement.

    For a binary tree these are the sibling pairs ``(nu1 in Theta(I), nu2 in
    Theta(I^c))``: each contributes a factor ``r`` to the generic rank.
    """
    N = len(tree_leaves(tree))
    I = _side(I, N)
    count = 0

    def walk(node):
        nonlocal count
        if isinstance(node, numbers.Integral):
            return
        kinds = []
        for c in node:
            leaves = tree_leaves(c)
            k = sum(1 for x in leaves if x in I)
            kinds.append("in" if k == len(leaves) else "out" if k == 0 else "mixed")
            walk(c)
        if "in" in kinds and "out" in kinds:
            count += 1

    walk(tree)
    return count


def theta_bounds(I, tree, r: int, M: int | None = None) -> tuple[int, int]:
    r"""Theorem 7 bounds on the generic rank of a tree decomposition with ``r`` channels.

    .. math::

        r^{\#\text{sibling pairs}} \le \operatorname{rank}[[A]]_{I,I^c}
        \le r^{\min(|\Theta(I;T)|,\, |\Theta(I^c;T)|)}

    Parameters
    ----------
    I : iterable of int
        One side of the partition.
    tree : nested tuple
        Mode tree.
    r : int
        Channels of every layer.
    M : int, optional
        Leg dimension; the upper bound is also capped by ``M^|I|`` and
        ``M^|I^c|``; the lower bound assumes ``M >= r`` (raises otherwise).

    Returns
    -------
    (lower, upper) : tuple of int
    """
    r = check_positive_int("r", r)
    N = len(tree_leaves(tree))
    I = _side(I, N)
    Ic = frozenset(range(N)) - I
    upper = r ** min(len(theta(I, tree)), len(theta(Ic, tree)))
    if M is not None:
        M = check_positive_int("M", M)
        if M < r:
            raise ValueError(f"the lower bound of Theorem 7 needs M >= r, got M={M}, r={r}")
        upper = min(upper, M ** len(I), M ** len(Ic))
    return r ** sibling_pairs(I, tree), upper


def example_partition(N: int) -> tuple[int, ...]:
    """The partition of Cohen, Tamari & Shashua's example, 0-based.

    1-based: ``I = {2k-1 : k <= N/4} u {N/2 + 4k - k' : k <= N/8, k' in {2, 3}}``.
    Generic rank ``r^(N/4 + N/8)`` under the baseline and swapped mode trees,
    ``r^(N/2)`` under their mixture at layer 2 (``M >= r``).
    """
    N = _check_N(N)
    if N < 8:
        raise ValueError(f"the example partition needs N >= 8, got N={N}")
    one = {2 * k - 1 for k in range(1, N // 4 + 1)}
    one |= {N // 2 + 4 * k - kk for k in range(1, N // 8 + 1) for kk in (2, 3)}
    return tuple(sorted(i - 1 for i in one))


# --------------------------------------------------------------------------- networks


def _time_tags(tn, L: int, branch_tag=None) -> None:
    """Tag each CONV tensor with the time ``T{t}`` of the unit it feeds and ``TAP0``/``TAP1``."""
    leaves_of: dict[str, frozenset] = {}
    convs = []
    for t in tn:
        if "CONV" not in t.tags or (branch_tag and branch_tag not in t.tags):
            continue
        layer = next(int(g[1:]) for g in t.tags if g.startswith("L") and g[1:].isdigit())
        convs.append((layer, t))
    convs.sort(key=lambda x: x[0])
    for _layer, t in convs:
        cix, pix = t.inds[0], t.inds[1]
        child = frozenset([int(cix[1:])]) if cix.startswith("k") else leaves_of[cix]
        leaves_of[pix] = leaves_of.get(pix, frozenset()) | child
    for _layer, t in convs:
        cix, pix = t.inds[0], t.inds[1]
        child = frozenset([int(cix[1:])]) if cix.startswith("k") else leaves_of[cix]
        tau = max(leaves_of[pix])
        t.add_tag((f"T{tau}", "TAP1" if max(child) == tau else "TAP0"))


def dilated(
    N: int,
    M: int,
    r: Ranks,
    dilations=None,
    *,
    shared: bool = False,
    Y: int = 1,
    seed: Seed = None,
    weights: WeightKind = "normal",
    dtype="float64",
    copy_tensors: bool = False,
) -> qtn.TensorNetworkGenVector:
    """Dilated ConvAC with size-2 convolutions: :func:`ht_tree` over :func:`mode_tree`.

    Parameters
    ----------
    N : int
        Time points (open legs ``k0 .. k{N-1}``), a power of 2.
    M : int
        Representation size.
    r : int or sequence of int
        Channels of layers ``1 .. L`` (``r[l-1]`` = channels of layer ``l``).
    dilations : sequence of int, optional
        A permutation of ``1, 2, ..., N/2``; default ``(1, 2, 4, ...)``.
    shared : bool
        ``True``: one weight matrix per layer and tap, as in a real
        convolution (WaveNet); ``False``: every unit its own (locally connected).
    Y, seed, weights, dtype, copy_tensors
        As in :func:`tnexpress.nets.cp`.

    Returns
    -------
    quimb.tensor.TensorNetworkGenVector
        Tags as :func:`ht_tree` (``L{l-1}`` on the convolutions feeding layer
        ``l``) plus ``T{t}`` (time of the unit fed) and ``TAP0`` (the unit
        ``d_l`` back) / ``TAP1`` (the current unit).
    """
    N = _check_N(N)
    d = _check_dilations(N, dilations)
    L = len(d)
    if not isinstance(r, numbers.Integral):
        check_ranks(r, L, what=f"a dilated network with N={N}")
    net = ht_tree(
        mode_tree(N, d), M, r, Y=Y, seed=seed, weights=weights, dtype=dtype, copy_tensors=False
    )
    _time_tags(net, L)
    if shared:
        draw = WeightDrawer(np.random.default_rng(seed), weights, dtype)
        cache: dict = {}
        for t in net:
            if "CONV" not in t.tags:
                continue
            key = (next(g for g in t.tags if g.startswith("L")), "TAP1" in t.tags)
            if key not in cache:
                cache[key] = draw(*t.shape)
            t.modify(data=cache[key])
    if copy_tensors:
        from ._common import resolve_hyperinds

        net = resolve_hyperinds(net).view_as(
            qtn.TensorNetworkGenVector, site_ind_id="k{}", site_tag_id="I{}", sites=range(N)
        )
    return net


def _check_tree(tree, name):
    leaves = tree_leaves(tree)
    N = len(leaves)
    if sorted(leaves) != list(range(N)):
        raise ValueError(f"{name} leaves must be 0..{N - 1} each once, got {sorted(leaves)}")
    return N


def mixed(
    N: int,
    M: int,
    r: Ranks,
    trees=None,
    mix_layers: Sequence[int] = (),
    *,
    Y: int = 1,
    seed: Seed = None,
    weights: WeightKind = "normal",
    dtype="float64",
) -> qtn.TensorNetworkGenVector:
    """Mixed decomposition of two mode trees, interconnected at ``mix_layers``.

    Parameters
    ----------
    N : int
        Number of inputs (open legs ``k{i}``, each read by both branches: a
        hyper-index).
    M : int
        Representation size.
    r : int or sequence of int
        Channels per layer (``r[h-1]`` for nodes of height ``h``), shared by
        both branches (a sum needs equal sizes).
    trees : pair of nested tuples
        ``(T, Tbar)``, both of height ``L`` with leaves ``0 .. N-1``; default
        ``(mode_tree(N), mode_tree(N, swapped_dilations(N)))``.
    mix_layers : sequence of int
        Heights ``1 <= l < L`` at which the common nodes of the two trees are
        mixed (summed and fed to both branches); the root is always mixed.
        A layer with no common node raises ``ValueError``.
    Y, seed, weights, dtype
        As in :func:`tnexpress.nets.cp`.

    Returns
    -------
    quimb.tensor.TensorNetworkGenVector
        Tags ``CONV``, ``BR0``/``BR1`` (branch), ``L{l}``, ``T{t}``,
        ``TAP0``/``TAP1``, ``I{i}``, ``OUT``; mixture-node indices ``x{h}_{j}``,
        selector indices ``s{h}_{j}`` (size 2; branch ``b``'s weights are the
        slice ``s = b`` of its tensors, whose last index is the selector).

    Examples
    --------
    >>> net = mixed(8, 2, 2, mix_layers=(2,), seed=0)
    """
    N = _check_N(N)
    M = check_positive_int("M", M)
    Y = check_positive_int("Y", Y)
    if trees is None:
        trees = (mode_tree(N), mode_tree(N, swapped_dilations(N)))
    if isinstance(trees, (str, bytes)) or not isinstance(trees, Sequence) or len(trees) != 2:
        raise TypeError(f"trees must be a pair (T, Tbar) of nested tuples, got {trees!r}")
    for b, t in enumerate(trees):
        if _check_tree(t, f"trees[{b}]") != N:
            raise ValueError(f"trees[{b}] has {len(tree_leaves(t))} leaves; N={N}")
    L = tree_height(trees[0])
    if tree_height(trees[1]) != L:
        raise ValueError(f"trees must have the same height, got {L} and {tree_height(trees[1])}")
    ranks = check_ranks(r, L, what=f"trees of height {L}")
    if isinstance(mix_layers, numbers.Integral) or not isinstance(mix_layers, Iterable):
        raise TypeError(f"mix_layers must be a sequence of ints, got {mix_layers!r}")
    mix_layers = tuple(mix_layers)
    for l in mix_layers:
        if isinstance(l, bool) or not isinstance(l, numbers.Integral) or not 1 <= l <= L:
            raise ValueError(f"mix_layers entries must be ints in [1, {L}], got {l!r}")

    def heights(tree):
        out = {}

        def walk(node):
            if isinstance(node, numbers.Integral):
                return 0
            h = 1 + max(walk(c) for c in node)
            out[frozenset(tree_leaves(node))] = h
            return h

        walk(tree)
        return out

    H0, H1 = heights(trees[0]), heights(trees[1])
    common = {s: h for s, h in H0.items() if H1.get(s) == h}
    mix_nodes = {s for s, h in common.items() if h in mix_layers or h == L}
    for l in mix_layers:
        if not any(h == l for h in common.values()):
            raise ValueError(f"mix_layers: the trees have no common node at layer {l}")

    order = sorted(mix_nodes, key=lambda s: (common[s], min(s)))
    names = {}
    counters: dict[int, int] = {}
    for s in order:
        h = common[s]
        j = counters.get(h, 0)
        counters[h] = j + 1
        names[s] = (f"x{h - 1}_{j}", f"s{h - 1}_{j}")

    draw = WeightDrawer(seed, weights, dtype)
    tensors: list[qtn.Tensor] = []
    internal = [0]

    def segment(node, b, mix_set, out_ix, sel, out_is_mix):
        """Convs from ``node``'s children into ``out_ix``; recurse down to mixture nodes."""
        h = tree_height(node)
        l = h - 1
        for child in node:
            if isinstance(child, numbers.Integral):
                in_ix, in_dim, cset = f"k{int(child)}", M, frozenset([int(child)])
            else:
                cset = frozenset(tree_leaves(child))
                in_dim = ranks[tree_height(child) - 1]
                if cset in mix_set:
                    in_ix = names[cset][0]
                else:
                    in_ix = f"h{b}_{tree_height(child) - 1}_{internal[0]}"
                    internal[0] += 1
                    segment(child, b, mix_set, in_ix, sel, False)
            W = draw(in_dim, ranks[l])
            neutral = np.zeros_like(W)
            if out_is_mix:
                neutral[...] = 1
            else:
                neutral[:, 0] = 1
            data = np.stack([W, neutral] if b == 0 else [neutral, W], axis=-1)
            tau = max(tree_leaves(node))
            tags = ["CONV", f"BR{b}", f"L{l}", f"T{tau}", "TAP1" if max(cset) == tau else "TAP0"]
            if isinstance(child, numbers.Integral):
                tags.append(SITE_TAG.format(int(child)))
            tensors.append(qtn.Tensor(data, inds=(in_ix, out_ix, sel), tags=tags))

    def find(tree, s):
        if isinstance(tree, numbers.Integral):
            return None
        if frozenset(tree_leaves(tree)) == s:
            return tree
        for c in tree:
            f = find(c, s)
            if f is not None:
                return f
        return None

    for s in order:
        out_ix, sel = names[s]
        below = {m for m in mix_nodes if m < s}
        for b in (0, 1):
            segment(find(trees[b], s), b, below, out_ix, sel, True)
    root_ix = names[frozenset(range(N))][0]
    if Y == 1:
        tensors.append(qtn.Tensor(draw(ranks[-1]), inds=(root_ix,), tags=("OUT",)))
    else:
        tensors.append(qtn.Tensor(draw(ranks[-1], Y), inds=(root_ix, "y"), tags=("OUT",)))
    return as_gen_vector(tensors, N)


# --------------------------------------------------------------------------- registry


def _parse_ints(s: str) -> tuple[int, ...]:
    return tuple(int(x) for x in s.split(",") if x.strip())


def _dilated_partitions(N, **_):
    from ..partitions import canonical_1d

    out = canonical_1d(N)
    if N >= 8:
        out["example"] = example_partition(N)
    return out


def _dilated_bound(partition, N, M, r, dilations=None, **_):
    if not isinstance(r, numbers.Integral) or M < r:
        return None
    tree = mode_tree(N, dilations)
    lo, hi = theta_bounds(_dilated_partitions(N)[partition], tree, r, M)
    return lo if lo == hi else None


def _mixed_build(N, M, r, dilations=None, dilations_bar=None, mix_layers=(2,), **kw):
    trees = (mode_tree(N, dilations), mode_tree(N, dilations_bar or swapped_dilations(N)))
    return mixed(N, M, r, trees, mix_layers, **kw)


register_family(
    "dilated",
    dilated,
    partitions=_dilated_partitions,
    params={
        "N": (int, 8, "time points (a power of 2)"),
        "M": (int, 2, "representation size"),
        "r": (int, 2, "channels per layer"),
        "dilations": (_parse_ints, None, "dilation schedule, comma separated (default 1,2,4,...)"),
    },
    bound=_dilated_bound,
    atlas=(
        {"N": 8, "M": 2, "r": 2},
        {"N": 8, "M": 2, "r": 2, "dilations": (2, 1, 4)},
        {"N": 16, "M": 2, "r": 2},
        {"N": 16, "M": 2, "r": 2, "dilations": (2, 1, 8, 4)},
    ),
    doc="dilated ConvAC (size-2 convolutions, mode tree of the dilation schedule)",
)

register_family(
    "mixed",
    _mixed_build,
    partitions=_dilated_partitions,
    params={
        "N": (int, 8, "time points (a power of 2)"),
        "M": (int, 2, "representation size"),
        "r": (int, 2, "channels per layer"),
        "dilations": (_parse_ints, None, "schedule of branch T (default 1,2,4,...)"),
        "dilations_bar": (_parse_ints, None, "schedule of branch Tbar (default swapped pairs)"),
        "mix_layers": (_parse_ints, (2,), "layers whose common nodes are mixed"),
    },
    bound=lambda partition, N, M, r, **kw: (
        min(r ** (N // 2), M ** (N // 2))
        if partition == "example"
        and kw.get("dilations") is None
        and kw.get("dilations_bar") is None
        and tuple(kw.get("mix_layers", (2,))) == (2,)
        and isinstance(r, numbers.Integral)
        and M >= r
        else None
    ),
    atlas=({"N": 8, "M": 2, "r": 2}, {"N": 16, "M": 2, "r": 2}),
    doc="mixed decomposition of two dilated ConvACs (interconnected at a layer)",
)
