"""Dilated ConvACs and mixed decompositions vs independent time-domain forward passes and Theorem 7."""

import itertools

import numpy as np
import pytest

import tnexpress as tx
from tnexpress import partitions as P
from tnexpress.nets.dilated import (
    dilated,
    example_partition,
    mixed,
    mode_tree,
    sibling_pairs,
    swapped_dilations,
    theta,
    theta_bounds,
    tree_nodes,
)


def onehots(n, M):
    digits = np.indices((M,) * n).reshape(n, -1).T
    return np.eye(M)[digits]  # (M^n, n, M)


def unit_weight(net, *tags, branch=None):
    ts = net.select_tensors(tags, which="all")
    assert len(ts) == 1, tags
    d = ts[0].data
    return d if branch is None else d[..., branch]


def ref_dilated(net, N, M, d):
    """Time-domain forward pass h_l[t] = (W_I h_{l-1}[t-d_l]) * (W_II h_{l-1}[t]), weights by tag."""
    X = onehots(N, M)
    memo = {}

    def h(l, t):
        if l == 0:
            return X[:, t]
        if (l, t) not in memo:
            past = h(l - 1, t - d[l - 1]) @ unit_weight(net, "CONV", f"L{l - 1}", f"T{t}", "TAP0")
            now = h(l - 1, t) @ unit_weight(net, "CONV", f"L{l - 1}", f"T{t}", "TAP1")
            memo[l, t] = past * now
        return memo[l, t]

    return (h(len(d), N - 1) @ unit_weight(net, "OUT")).reshape((M,) * N)


def ref_shared_conv(Ws, a, N, M, d):
    """A real dilated convolution over the whole sequence, one weight pair per layer."""
    X = onehots(N, M)
    h = [X[:, t] for t in range(N)]
    for l, (WI, WII) in enumerate(Ws):
        h = [
            None if t - d[l] < 0 or h[t - d[l]] is None else (h[t - d[l]] @ WI) * (h[t] @ WII)
            for t in range(N)
        ]
    return (h[N - 1] @ a).reshape((M,) * N)


def ref_mixed(net, N, M, ds, mix_layers):
    """Two dilated branches; at a mixing layer both read the sum of the two hidden units."""
    X = onehots(N, M)
    L = len(ds[0])
    memo = {}

    def h(b, l, t):
        if (b, l, t) not in memo:

            def W(tap):
                return unit_weight(net, "CONV", f"BR{b}", f"L{l - 1}", f"T{t}", tap, branch=b)

            memo[b, l, t] = (inp(b, l - 1, t - ds[b][l - 1]) @ W("TAP0")) * (
                inp(b, l - 1, t) @ W("TAP1")
            )
        return memo[b, l, t]

    def inp(b, l, t):
        if l == 0:
            return X[:, t]
        if l in mix_layers:
            return h(0, l, t) + h(1, l, t)
        return h(b, l, t)

    out = (h(0, L, N - 1) + h(1, L, N - 1)) @ unit_weight(net, "OUT")
    return out.reshape((M,) * N)


def dense(net):
    N = len(net.sites)
    return net.to_dense([f"k{i}" for i in range(N)]).reshape((net.ind_size("k0"),) * N)


def dense_rank(net, A):
    N = len(net.sites)
    B = [i for i in range(N) if i not in set(A)]
    return int(np.linalg.matrix_rank(net.to_dense([f"k{i}" for i in A], [f"k{i}" for i in B])))


def subset_sums(ds):
    return {sum(c) for k in range(len(ds) + 1) for c in itertools.combinations(ds, k)}


# --------------------------------------------------------------------------- mode trees


def test_mode_tree_small_and_seed_figure():
    assert mode_tree(4) == ((0, 1), (2, 3))
    assert mode_tree(4, (2, 1)) == ((0, 2), (1, 3))
    # the seed's figure (1-based): {1,3},{2,4},...; {1,2,3,4},...; {1,2,3,4,9,10,11,12},...
    nodes = {frozenset(i + 1 for i in n) for n in tree_nodes(mode_tree(16, (2, 1, 8, 4)))}
    for s in (
        {1, 3},
        {2, 4},
        {14, 16},
        {1, 2, 3, 4},
        {13, 14, 15, 16},
        {1, 2, 3, 4, 9, 10, 11, 12},
        {5, 6, 7, 8, 13, 14, 15, 16},
    ):
        assert frozenset(s) in nodes
    assert swapped_dilations(16) == (2, 1, 8, 4) and swapped_dilations(8) == (2, 1, 4)


@pytest.mark.parametrize("d", list(itertools.permutations((1, 2, 4, 8)))[::5])
def test_mode_tree_is_the_receptive_field_tree(d):
    """Nodes of height l = receptive fields {t - s : s subset sum of d_1..d_l} of the needed units."""
    N = 16
    tree = mode_tree(N, d)
    by_height = {}

    def walk(node, l):
        if isinstance(node, int):
            return
        by_height.setdefault(l, set()).add(
            frozenset(
                x
                for x in (lambda f: f(f, node))(
                    lambda f, n: [n] if isinstance(n, int) else [y for c in n for y in f(f, c)]
                )
            )
        )
        for c in node:
            walk(c, l - 1)

    walk(tree, len(d))
    needed = {N - 1}
    for l in range(len(d), 0, -1):
        fields = {frozenset(t - s for s in subset_sums(d[:l])) for t in needed}
        assert by_height[l] == fields
        needed = {t - x for t in needed for x in (0, d[l - 1])}


# --------------------------------------------------------------------------- networks


@pytest.mark.parametrize(
    "N, M, r, d", [(8, 2, 2, None), (8, 3, (2, 3, 2), (4, 1, 2)), (16, 2, 2, (2, 1, 8, 4))]
)
def test_dilated_matches_time_domain_forward_pass(N, M, r, d):
    d_ = d or tuple(2**l for l in range(N.bit_length() - 1))
    net = dilated(N, M, r, d, seed=7)
    np.testing.assert_allclose(dense(net), ref_dilated(net, N, M, d_), rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("d", [(1, 2, 4), (4, 2, 1), (2, 1, 4)])
def test_shared_weights_is_a_true_dilated_convolution(d):
    N, M, r = 8, 2, 3
    net = dilated(N, M, r, d, shared=True, seed=1)
    Ws = [
        (
            unit_weight(net, "CONV", f"L{l}", f"T{N - 1}", "TAP0"),
            unit_weight(net, "CONV", f"L{l}", f"T{N - 1}", "TAP1"),
        )
        for l in range(3)
    ]
    ref = ref_shared_conv(Ws, unit_weight(net, "OUT"), N, M, d)
    np.testing.assert_allclose(dense(net), ref, rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize(
    "N, M, r, ds, mix",
    [
        (8, 2, 2, ((1, 2, 4), (2, 1, 4)), (2,)),
        (8, 3, 2, ((1, 2, 4), (2, 1, 4)), ()),
        (8, 2, 3, ((1, 2, 4), (2, 1, 4)), (2, 3)),
        (8, 2, 2, ((1, 2, 4), (1, 2, 4)), (1, 2)),
        (16, 2, 2, ((1, 2, 4, 8), (2, 1, 8, 4)), (2,)),
    ],
)
def test_mixed_matches_interconnected_forward_pass(N, M, r, ds, mix):
    net = mixed(N, M, r, (mode_tree(N, ds[0]), mode_tree(N, ds[1])), mix, seed=4)
    ref = ref_mixed(net, N, M, ds, set(mix))
    np.testing.assert_allclose(dense(net), ref, rtol=1e-9, atol=1e-12 * np.abs(ref).max())


# --------------------------------------------------------------------------- Theorem 7


def test_theta_and_pairs_on_the_example():
    N = 16
    I = example_partition(N)
    assert [i + 1 for i in I] == [1, 3, 5, 7, 9, 10, 13, 14]
    T, Tb = mode_tree(N), mode_tree(N, swapped_dilations(N))
    Ic = [i for i in range(N) if i not in I]
    for tree in (T, Tb):
        assert len(theta(I, tree)) == len(theta(Ic, tree)) == N // 4 + N // 8
        assert sibling_pairs(I, tree) == N // 4 + N // 8
    assert theta(I, T) == [(0,), (2,), (4,), (6,), (8, 9), (12, 13)]
    assert theta(P.left_right(N), T) == [tuple(range(8))]


@pytest.mark.parametrize("M, r", [(2, 2), (3, 2)])
def test_theorem7_bounds_hold_on_random_partitions(M, r):
    N = 8
    rng = np.random.default_rng(0)
    parts = [P.random_balanced(N, rng) for _ in range(6)] + [P.odd_even(N), P.left_right(N)]
    for d in ((1, 2, 4), (2, 4, 1)):
        net = dilated(N, M, r, d, seed=2)
        for A in parts:
            lo, hi = theta_bounds(A, mode_tree(N, d), r, M)
            assert lo <= dense_rank(net, A) <= hi, (d, A)


def test_example_ranks_baseline_swapped_vs_mixed_N8():
    """r^(N/4+N/8) = 8 for each branch; the mixture reaches r^(N/2) = 16 (M = r = 2, full rank).

    With M = 3 the branches stay at 8 and the mixture reaches 36 >= 16; mixing at the output
    only (no intermediate connection) gets 16 <= 8 + 8.
    """
    N, r = 8, 2
    I = example_partition(N)
    for M, want_mixed, want_outsum in ((2, 16, 12), (3, 36, 16)):
        T = dilated(N, M, r, seed=1)
        Tb = dilated(N, M, r, swapped_dilations(N), seed=1)
        assert dense_rank(T, I) == dense_rank(Tb, I) == r ** (N // 4 + N // 8)
        mix = mixed(N, M, r, mix_layers=(2,), seed=1)
        assert dense_rank(mix, I) == want_mixed >= r ** (N // 2)
        assert dense_rank(mixed(N, M, r, mix_layers=(), seed=1), I) == want_outsum <= 2 * 8


def test_example_ranks_N16():
    N, M, r = 16, 2, 2
    I = example_partition(N)
    assert dense_rank(dilated(N, M, r, seed=3), I) == r**6
    assert dense_rank(dilated(N, M, r, swapped_dilations(N), seed=3), I) == r**6
    mix = mixed(N, M, r, mix_layers=(2,), seed=3)
    assert dense_rank(mix, I) == r ** (N // 2)
    assert tx.min_cut(mix, I).weight >= r ** (N // 2)


def test_registry_entries_build():
    for name in ("dilated", "mixed"):
        fam = tx.nets.get_family(name)
        arch = fam.atlas[0]
        net = fam.build(**arch, seed=0)
        for pname, A in fam.partitions(**arch).items():
            rank = dense_rank(net, A)
            b = fam.bound(pname, **arch)
            assert b is None or rank == b, (name, pname, rank, b)


@pytest.mark.parametrize(
    "call, err, match",
    [
        (lambda: mode_tree(12), ValueError, "power of 2"),
        (lambda: mode_tree(8, (1, 2, 2)), ValueError, "permutation"),
        (lambda: dilated(8, 2, (2, 2)), ValueError, "ranks has 2 entries"),
        (lambda: mixed(8, 2, 2, mix_layers=(1,)), ValueError, "no common node at layer 1"),
        (lambda: mixed(8, 2, 2, mix_layers=(5,)), ValueError, r"\[1, 3\]"),
        (lambda: mixed(8, 2, 2, trees=(mode_tree(8),)), TypeError, "pair"),
        (lambda: theta([9], mode_tree(8)), ValueError, "outside"),
        (lambda: theta_bounds([0], mode_tree(8), 3, M=2), ValueError, "M >= r"),
    ],
)
def test_errors(call, err, match):
    with pytest.raises(err, match=match):
        call()
