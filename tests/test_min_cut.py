"""Min-cut bounds: closed forms of the seeds, brute force, and certificates."""

import math

import numpy as np
import pytest
from helpers import brute_force_min_cut, random_hyper_network
from hypothesis import given, settings
from hypothesis import strategies as st_

import tnexpress as tx
from tnexpress import partitions as P
from tnexpress.engine.sides import resolve_side


@pytest.mark.parametrize("N,M,r0", [(8, 2, 2), (16, 2, 2), (16, 3, 2), (8, 2, 5), (16, 4, 3)])
def test_ht_odd_even_closed_form(N, M, r0):
    L = int(math.log2(N))
    net = tx.nets.ht(N, M, (r0,) + (4,) * (L - 1), seed=0)
    assert tx.min_cut(net, P.odd_even(N)).weight == min(r0, M) ** (N // 2)


@pytest.mark.parametrize("ranks", [(2, 2, 2, 2), (2, 4, 8, 16), (3, 2, 5, 7), (4, 16, 3, 9)])
def test_ht_left_right_closed_form(ranks):
    M = 2
    c = min(M, ranks[0])
    for l in range(1, len(ranks)):
        c = min(ranks[l], ranks[l - 1], c * c)
    net = tx.nets.ht(16, M, ranks, seed=0)
    assert tx.min_cut(net, P.left_right(16)).weight == c


@pytest.mark.parametrize("M,r0", [(2, 2), (2, 3), (3, 2), (4, 5)])
def test_ht2d_interleaved_closed_form(M, r0):
    H = W = 4
    N = H * W
    net = tx.nets.ht2d(H, W, M, (r0, 8), seed=0)
    expect = min(r0 ** (N // 4), M ** (N // 2))
    assert tx.min_cut(net, P.interleaved_columns(H, W)).weight == expect
    assert tx.min_cut(net, P.checkerboard(H, W)).weight == expect


@pytest.mark.parametrize("N,M,r", [(6, 2, 3), (8, 3, 5), (7, 2, 100)])
def test_cp_closed_form_every_size_of_A(N, M, r):
    net = tx.nets.cp(N, M, r, seed=0)
    for a in range(1, N):
        assert tx.min_cut(net, list(range(a))).weight == min(r, M**a, M ** (N - a))


@pytest.mark.parametrize("N,M,r", [(8, 2, 3), (10, 3, 2), (9, 2, 5)])
def test_tt_cuts_match_brute_force(N, M, r):
    net = tx.nets.tt(N, M, r, seed=0)
    for A in (P.left_right(N), P.odd_even(N), [0, 3, 4]):
        a, b = resolve_side(net, A)
        assert tx.min_cut(net, A).weight == brute_force_min_cut(net, set(a), set(b))
    h = N // 2
    assert tx.min_cut(net, P.left_right(N)).weight == min(r, M**h, M ** (N - h))


@pytest.mark.parametrize("seed", range(12))
def test_random_hyper_networks_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    tn = random_hyper_network(rng, n_tensors=6, n_open=5, n_hyper=2)
    opens = tx.open_inds(tn)
    A = list(opens[: len(opens) // 2])
    a, b = resolve_side(tn, A)
    cut = tx.min_cut(tn, A)
    assert cut.weight == brute_force_min_cut(tn, set(a), set(b))
    # certificate: the weight is the product of the cut dimensions
    assert cut.weight == math.prod(tn.ind_size(ix) for ix in cut.inds)
    assert cut.log2 == pytest.approx(math.log2(cut.weight))


def test_cut_separates_the_sides():
    net = tx.nets.ht(16, 2, (2, 2, 2, 2), seed=0)
    cut = tx.min_cut(net, P.left_right(16))
    # removing the cut indices leaves no path between an A tensor and a B tensor
    import networkx as nx

    G = nx.Graph()
    G.add_nodes_from(net.tensor_map)
    for ix, tids in net.ind_map.items():
        if ix in cut.inds:
            continue
        tids = list(tids)
        for u in tids[1:]:
            G.add_edge(tids[0], u)
    a_t = [next(iter(net.ind_map[f"k{i}"])) for i in range(8)]
    b_t = [next(iter(net.ind_map[f"k{i}"])) for i in range(8, 16)]
    assert not any(nx.has_path(G, u, v) for u in a_t[:2] for v in b_t[:2])
    assert set(a_t) <= cut.tids_a and not set(b_t) & cut.tids_a


def test_hyper_index_counted_once():
    # CP: the pooling index z is shared by N + 1 tensors; cutting it costs r once
    net = tx.nets.cp(6, 5, 3, seed=0)
    cut = tx.min_cut(net, P.left_right(6))
    assert cut.weight == 3 and cut.inds == ("z",)
    copy = tx.nets.cp(6, 5, 3, seed=0, copy_tensors=True)
    assert tx.min_cut(copy, P.left_right(6)).weight == 3


@pytest.mark.parametrize(
    "net,A",
    [
        (tx.nets.ht(8, 2, (2, 2, 2), seed=1), P.odd_even(8)),
        (tx.nets.ht(8, 3, (2, 3, 2), seed=2), P.left_right(8)),
        (tx.nets.ht2d(4, 4, 2, (2, 2), seed=3), P.interleaved_columns(4, 4)),
        (tx.nets.ht2d(4, 4, 2, (2, 3), seed=3), P.top_bottom(4, 4)),
        (tx.nets.cp(8, 2, 5, seed=4), P.odd_even(8)),
        (tx.nets.tt(10, 2, 3, seed=5), P.odd_even(10)),
        (tx.nets.tt(10, 3, 4, equal_cores=True, seed=6), P.odd_even(10)),
    ],
)
def test_rank_meets_min_cut_for_generic_weights(net, A):
    w = tx.min_cut(net, A).weight
    assert tx.schmidt_rank(net, A, method="dense") == w
    assert tx.schmidt_rank(net, A, method="cut") == w


@pytest.mark.parametrize("seed", range(6))
def test_rank_never_exceeds_min_cut(seed):
    rng = np.random.default_rng(100 + seed)
    tn = random_hyper_network(rng, n_tensors=5, n_open=5, n_hyper=1)
    opens = tx.open_inds(tn)
    for A in ([opens[0]], list(opens[:2]), list(opens[::2])):
        assert tx.schmidt_rank(tn, A, method="dense") <= tx.min_cut(tn, A).weight


@pytest.mark.parametrize("seed", range(10))
def test_own_max_flow_matches_networkx(seed):
    # graph.py runs Dinic's algorithm itself (30x faster than networkx at 8k nodes);
    # networkx's minimum_cut on the same flow graph is the reference value
    import networkx as nx

    from tnexpress.engine.structure import build_structure
    from tnexpress.measures.mincut import _flow_graph

    rng = np.random.default_rng(500 + seed)
    tn = random_hyper_network(rng, n_tensors=7, n_open=6, n_hyper=2)
    opens = tx.open_inds(tn)
    A = list(rng.choice(opens, 3, replace=False))
    st = build_structure(tn, A)
    value, _ = nx.minimum_cut(_flow_graph(st), "S", "T")
    assert tx.min_cut(tn, A).log2 == pytest.approx(value / math.log(2), abs=1e-9)


def _random_tree_network(rng, n_tensors):
    """A random tree (or forest) of tensors joined by bonds and hyper-indices, open legs."""
    import quimb.tensor as qtn

    inds = [[] for _ in range(n_tensors)]
    sizes = {}
    placed = [0]
    b = 0
    while len(placed) < n_tensors:
        k = min(int(rng.integers(1, 4)), n_tensors - len(placed))  # new tensors joined at once
        new = list(range(len(placed), len(placed) + k))
        name = f"b{b}"
        b += 1
        sizes[name] = int(rng.integers(1, 4))  # dimension-1 legs too
        for u in [int(rng.choice(placed))] + new:
            inds[u].append(name)
        if rng.random() < 0.15:  # sometimes start a new component instead
            inds[new[0]].remove(name) if len(new) > 1 else None
        placed += new
    for k in range(int(rng.integers(2, 2 * n_tensors))):
        name = f"k{k}"
        sizes[name] = int(rng.integers(2, 4))
        holders = rng.choice(n_tensors, 1 + (rng.random() < 0.1), replace=False)
        for u in holders:
            inds[int(u)].append(name)
    ts = []
    for u in range(n_tensors):
        ix = tuple(dict.fromkeys(inds[u]))
        ts.append(qtn.Tensor(rng.standard_normal([sizes[i] for i in ix]), inds=ix))
    return qtn.TensorNetwork(ts)


@pytest.mark.parametrize("seed", range(40))
def test_tree_dp_matches_max_flow(seed):
    # on forests the min cut is a dynamic program; it must find the same (largest) source
    # side, hence the same cut, as Dinic's max-flow
    from tnexpress.engine.paths import is_loopy
    from tnexpress.engine.structure import build_structure
    from tnexpress.measures.mincut import _min_cut_structure, _tree_min_cut

    rng = np.random.default_rng(900 + seed)
    tn = _random_tree_network(rng, int(rng.integers(2, 12)))
    opens = tx.open_inds(tn)
    if len(opens) < 2:
        return
    k = int(rng.integers(1, len(opens)))
    A = [str(x) for x in rng.choice(opens, k, replace=False)]
    st = build_structure(tn, A)
    # an open leg on two tensors of one tree closes a loop (through its terminal)
    assert (_tree_min_cut(st) is None) == is_loopy(st.inputs)
    assert _min_cut_structure(st) == _min_cut_structure(st, tree=False)
    if len(tn.tensor_map) <= 8:
        a_inds, b_inds = resolve_side(tn, A)
        assert tx.min_cut(tn, A).weight == brute_force_min_cut(tn, a_inds, b_inds)


def test_tree_dp_refuses_loops():
    import quimb.tensor as qtn

    from tnexpress.engine.structure import build_structure
    from tnexpress.measures.mincut import _tree_min_cut

    ring = qtn.TensorNetwork(
        [qtn.rand_tensor((2, 2, 2), inds=(f"b{i}", f"b{(i + 1) % 4}", f"k{i}")) for i in range(4)]
    )
    assert _tree_min_cut(build_structure(ring, ["k0", "k1"])) is None
    assert tx.min_cut(ring, ["k0", "k1"]).weight == 4


@settings(max_examples=60, deadline=None)
@given(seed=st_.integers(0, 2**31 - 1), n=st_.integers(2, 14), flip=st_.floats(0, 1))
def test_compiled_tree_dp_matches_python_and_max_flow(seed, n, flip):
    # the min-cut DP compiled by numba (networks from COMPILE_MIN_NODES nodes) and the same
    # function run as Python give the same side; both agree with Dinic's max-flow
    from tnexpress.engine.structure import build_structure
    from tnexpress.measures import _treecut
    from tnexpress.measures.mincut import _min_cut_structure

    rng = np.random.default_rng(seed)
    tn = _random_tree_network(rng, n)
    opens = tx.open_inds(tn)
    if len(opens) < 2:
        return
    k = max(1, min(len(opens) - 1, int(flip * len(opens))))
    A = [str(x) for x in rng.choice(opens, k, replace=False)]
    st = build_structure(tn, A)
    py = _treecut.tree_cut_mask(st)
    old = _treecut.COMPILE_MIN_NODES
    try:
        _treecut.COMPILE_MIN_NODES = 0
        compiled = _treecut.tree_cut_mask(st)
    finally:
        _treecut.COMPILE_MIN_NODES = old
    assert (py is None) == (compiled is None)
    if py is not None:
        assert np.array_equal(py, compiled)
        assert _min_cut_structure(st) == _min_cut_structure(st, tree=False)


def test_capacity_scale_keeps_sums_in_int64():
    # 2^21 labels of dimension 4 held by 2 nodes: the scale drops below 44 bits, and the
    # largest sum the DP forms (3 (degree + 2) big) stays below 2^63
    from tnexpress.measures._treecut import capacity_scale

    sizes = np.full(2**21, 4)
    deg = np.full(2**21, 2)
    S = capacity_scale(sizes, deg)
    assert 20 <= S < 44
    big = 1 + int(sizes.size) * 2 * 2**S
    assert 3 * (2 + 2) * 2 * big < 2**63
    assert capacity_scale(np.array([4, 4]), np.array([2, 2])) == 44
