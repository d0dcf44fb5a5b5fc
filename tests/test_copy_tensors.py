"""Explicit COPY (delta) tensors: merged into hyper-indices without changing the tensor.

A COPY tensor with an open leg (the cores of GHZ from ``from_dense``) must keep
every open leg a distinct output; chains and stars of deltas merge into one
class. Every route (auto, cut, dense) is compared with dense numpy, and the
min cut must bound the rank.
"""

import itertools
import math

import numpy as np
import pytest
import quimb.tensor as qtn
from helpers import dense_schmidt

import tnexpress as tx
from tnexpress.engine.sides import resolve_side
from tnexpress.engine.structure import build_structure

METHODS = ("auto", "cut", "dense")


def delta(d, inds, tags=("COPY",)):
    """An explicit COPY tensor of dimension ``d`` on ``inds``."""
    data = np.zeros((d,) * len(inds))
    data[(np.arange(d),) * len(inds)] = 1.0
    return qtn.Tensor(data, inds=tuple(inds), tags=set(tags))


def ghz(n):
    v = np.zeros(2**n)
    v[0] = v[-1] = 1 / math.sqrt(2)
    return v


def w_state(n):
    v = np.zeros(2**n)
    for i in range(n):
        v[1 << i] = 1 / math.sqrt(n)
    return v


def dicke(n, k):
    v = np.zeros(2**n)
    for ones in itertools.combinations(range(n), k):
        v[sum(1 << (n - 1 - i) for i in ones)] = 1.0
    return v / np.linalg.norm(v)


def _vector_schmidt(v, n, A):
    rest = [i for i in range(n) if i not in A]
    m = v.reshape([2] * n).transpose(list(A) + rest).reshape(2 ** len(A), -1)
    s = np.linalg.svd(m, compute_uv=False)
    return s / np.linalg.norm(s)


def _agree(s, ref, atol=1e-10):
    k = max(len(s), len(ref))
    a = np.pad(s, (0, k - len(s)))
    b = np.pad(ref, (0, k - len(ref)))
    np.testing.assert_allclose(a, b, atol=atol, rtol=0)


def _check_all_routes(tn, A, ref):
    """Every route matches ``ref``; min cut >= rank; entropy from the same values."""
    rank_ref = int(np.count_nonzero(ref > 1e-10 * ref[0]))
    for method in METHODS:
        s = tx.schmidt_values(tn, A, method=method)
        _agree(s, ref)
        assert tx.schmidt_rank(tn, A, method=method) == rank_ref
    assert tx.min_cut(tn, A).weight >= rank_ref
    p = ref[ref > 1e-12] ** 2
    assert tx.entropy(tn, A) == pytest.approx(float(-np.sum(p * np.log2(p))), abs=1e-9)


STATE_CASES = [
    ("ghz12", 12, ghz(12)),
    ("ghz6", 6, ghz(6)),
    ("ghz3", 3, ghz(3)),
    ("w8", 8, w_state(8)),
    ("w5", 5, w_state(5)),
    ("dicke8-2", 8, dicke(8, 2)),
    ("dicke6-3", 6, dicke(6, 3)),
]


def _cuts(n):
    out = [list(range(n // 2)), list(range(1, n, 3)), [0], [n - 1], [1, n - 2]]
    out.append(list(range(0, n, 2)))
    out = [sorted(set(A)) for A in out]
    return [A for A in out if 0 < len(A) < n]


@pytest.mark.parametrize("name,n,v", STATE_CASES, ids=[c[0] for c in STATE_CASES])
def test_states_from_dense_every_route(name, n, v):
    mps = qtn.MatrixProductState.from_dense(v, [2] * n)
    for A in _cuts(n):
        _check_all_routes(mps, A, _vector_schmidt(v, n, A))


def test_ghz_issue_cases():
    """The cases of issue 9: were rank 1 / four values of 0.5 / a crash."""
    v = ghz(12)
    mps = qtn.MatrixProductState.from_dense(v, [2] * 12)
    for A in (range(6), [1, 4, 7, 10]):
        for method in METHODS:
            s = tx.schmidt_values(mps, A, method=method)
            _agree(s, np.array([1, 1]) / math.sqrt(2))
        assert tx.entropy(mps, A) == pytest.approx(1.0)
        assert tx.min_cut(mps, A).weight >= 2


def _explicit_ghz_chain(n, d=2, seed=None):
    """GHZ-like chain of explicit deltas, each with an open leg; random ends if seeded."""
    ts = []
    for i in range(n):
        inds = [f"k{i}"]
        if i > 0:
            inds.append(f"b{i - 1}")
        if i < n - 1:
            inds.append(f"b{i}")
        ts.append(delta(d, inds, tags=(f"I{i}",)))
    if seed is not None:  # a random matrix on the first open leg
        rng = np.random.default_rng(seed)
        ts[0] = qtn.Tensor(rng.standard_normal((d, d)), inds=("k0", "b0"))
    return qtn.TensorNetwork(ts)


@pytest.mark.parametrize("n,d,seed", [(5, 2, None), (6, 3, 0), (7, 2, 1)])
def test_hand_drawn_copy_chain(n, d, seed):
    tn = _explicit_ghz_chain(n, d, seed)
    opens = [f"k{i}" for i in range(n)]
    for A in (opens[:2], opens[1::2], [opens[-1]], [opens[0], opens[-1]]):
        a, b = resolve_side(tn, A)
        _check_all_routes(tn, A, dense_schmidt(tn, a, b))


def test_copy_chain_merges_into_one_class():
    tn = _explicit_ghz_chain(6, 2)
    st = build_structure(tn, ["k0", "k3"])
    # the four order-3 deltas merged; the order-2 ends are identities, kept
    assert len(st.tids) == 2
    labels = {st.inputs[n][1] for n in st.a_terminals + st.b_terminals}
    assert len(labels) == 3  # k1..k4 one class, k0 and k5 on the ends...
    rows = {st.inputs[n][0] for n in st.a_terminals + st.b_terminals}
    assert len(rows) == 6  # ...and six distinct open legs
    assert tx.min_cut(tn, ["k0", "k3"]).weight == 2


@pytest.mark.parametrize("arms", [3, 4, 6])
def test_copy_star_with_random_arms(arms):
    rng = np.random.default_rng(arms)
    d = 3
    ts = [delta(d, [f"h{i}" for i in range(arms)])]
    for i in range(arms):
        ts.append(qtn.Tensor(rng.standard_normal((d, 2)), inds=(f"h{i}", f"k{i}")))
    tn = qtn.TensorNetwork(ts)
    opens = [f"k{i}" for i in range(arms)]
    for A in (opens[:1], opens[: arms // 2], opens[::2]):
        a, b = resolve_side(tn, A)
        _check_all_routes(tn, A, dense_schmidt(tn, a, b))
        assert tx.min_cut(tn, A).weight <= d  # the star is cut once


def test_star_of_open_legs_and_a_single_delta():
    # a COPY tensor whose legs are all open: the whole network is GHZ_d
    tn = qtn.TensorNetwork([delta(3, ["a", "b", "c", "e"])])
    for A in (["a"], ["a", "c"]):
        _check_all_routes(tn, A, np.ones(3) / math.sqrt(3))
    # two all-open deltas joined by one bond: still GHZ on 6 legs
    tn = qtn.TensorNetwork([delta(2, ["a", "b", "c", "x"]), delta(2, ["x", "e", "f", "g"])])
    for A in (["a", "e"], ["a", "b", "c"], ["g"]):
        _check_all_routes(tn, A, np.ones(2) / math.sqrt(2))


def test_adjacent_deltas_with_open_legs_and_random_tensors():
    rng = np.random.default_rng(7)
    d = 2
    ts = [
        delta(d, ["k0", "x", "y"]),
        delta(d, ["k1", "y", "z"]),  # shares y with the first: both open legs in one class
        qtn.Tensor(rng.standard_normal((d, 3, 2)), inds=("x", "u", "k2")),
        qtn.Tensor(rng.standard_normal((d, 3, 2)), inds=("z", "u", "k3")),
        delta(3, ["u", "v", "w"]),  # a delta with no open leg
        qtn.Tensor(rng.standard_normal((3, 2)), inds=("v", "k4")),
        qtn.Tensor(rng.standard_normal((3, 2, 2)), inds=("w", "k5", "k6")),
    ]
    tn = qtn.TensorNetwork(ts)
    opens = tx.open_inds(tn)
    for r in range(1, len(opens)):
        for A in itertools.islice(itertools.combinations(opens, r), 4):
            a, b = resolve_side(tn, list(A))
            _check_all_routes(tn, list(A), dense_schmidt(tn, a, b))


def test_delta_with_two_legs_on_one_tensor_stays_explicit():
    # merging would put the class twice on T (a diagonal): the delta is kept
    rng = np.random.default_rng(3)
    ts = [
        delta(2, ["p", "q", "k0"]),
        qtn.Tensor(rng.standard_normal((2, 2, 2, 3)), inds=("p", "q", "k1", "r")),
        qtn.Tensor(rng.standard_normal((3, 2)), inds=("r", "k2")),
    ]
    tn = qtn.TensorNetwork(ts)
    assert len(build_structure(tn, ["k0"]).tids) == 3
    for A in (["k0"], ["k2"], ["k0", "k2"]):
        a, b = resolve_side(tn, A)
        _check_all_routes(tn, A, dense_schmidt(tn, a, b))


def test_loop_of_deltas():
    # two deltas joined by two bonds (a loop): the second is not merged
    rng = np.random.default_rng(5)
    ts = [
        delta(2, ["a", "b", "x"]),
        delta(2, ["a", "b", "y"]),
        qtn.Tensor(rng.standard_normal((2, 2)), inds=("x", "k0")),
        qtn.Tensor(rng.standard_normal((2, 2)), inds=("y", "k1")),
    ]
    tn = qtn.TensorNetwork(ts)
    a, b = resolve_side(tn, ["k0"])
    _check_all_routes(tn, ["k0"], dense_schmidt(tn, a, b))


def _gen_vector(tensors, n):
    return qtn.TensorNetwork(tensors).view_as(
        qtn.TensorNetworkGenVector, site_ind_id="k{}", site_tag_id="I{}", sites=range(n)
    )


def test_delta_on_a_hyper_open_index():
    # open index k0 on a delta and on a random tensor (an input read twice)
    rng = np.random.default_rng(11)
    ts = [
        delta(2, ["k0", "x", "y"]),
        qtn.Tensor(rng.standard_normal((2, 2, 3)), inds=("k0", "x", "k1")),
        qtn.Tensor(rng.standard_normal((2, 3)), inds=("y", "k2")),
    ]
    tn = _gen_vector(ts, 3)
    for A in ([0], [1], [0, 2]):
        a, b = resolve_side(tn, A)
        ref = dense_schmidt(qtn.TensorNetwork(ts), a, b)
        _check_all_routes(tn, A, ref)


def test_two_open_deltas_on_a_hyper_open_index():
    # k0 on two deltas that also share a bond: one class, with k0 and k1 open in it
    rng = np.random.default_rng(12)
    ts = [
        delta(2, ["k0", "x", "k1"]),
        delta(2, ["k0", "x", "z"]),
        qtn.Tensor(rng.standard_normal((2, 3)), inds=("z", "k2")),
        qtn.Tensor(rng.standard_normal((2, 2)), inds=("k1", "k3")),
    ]
    tn = _gen_vector(ts, 4)
    for A in ([0], [1], [0, 2], [1, 3]):
        a, b = resolve_side(tn, A)
        ref = dense_schmidt(qtn.TensorNetwork(ts), a, b)
        _check_all_routes(tn, A, ref)


def test_dimension_one_deltas():
    ts = [
        delta(1, ["x", "y", "z"]),
        qtn.Tensor(np.array([[2.0, 1.0]]), inds=("x", "k0")),
        qtn.Tensor(np.array([[1.0, -1.0, 3.0]]), inds=("y", "k1")),
        qtn.Tensor(np.array([[0.5, 1.0]]), inds=("z", "k2")),
    ]
    tn = qtn.TensorNetwork(ts)
    for A in (["k0"], ["k0", "k1"]):
        _check_all_routes(tn, A, np.array([1.0]))
        assert tx.min_cut(tn, A).weight == 1


def test_merging_does_not_modify_the_network():
    tn = _explicit_ghz_chain(5, 2, seed=0)
    before = [(t.inds, t.data.copy(), set(t.tags)) for t in tn]
    tx.schmidt_values(tn, ["k0", "k2"], method="dense")
    tx.schmidt_values(tn, ["k0", "k2"], method="cut")
    after = list(tn)
    assert len(after) == len(before)
    for (inds, data, tags), t in zip(before, after):
        assert t.inds == inds and set(t.tags) == tags
        np.testing.assert_array_equal(t.data, data)


def test_exact_rank_and_certificate_with_open_deltas():
    mps = qtn.MatrixProductState.from_dense(ghz(8), [2] * 8)
    bp = tx.bipartition(mps, [0, 3, 5])
    assert bp.rank(exact=True, seed=0) == 2
    c = bp.certificate(seed=0)
    assert c.lower == 2 and c.upper >= 2
