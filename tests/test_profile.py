"""The entanglement profile against quimb's MPS entropies, per-cut measures and closed forms."""

import numpy as np
import pytest
import quimb.tensor as qtn
from helpers import random_hyper_network
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tnexpress as tx


def test_mps_equals_quimb_every_bond():
    psi = qtn.MPS_rand_state(96, 16, seed=7)
    prof = tx.entanglement_profile(psi)
    ref = np.array([psi.entropy(k) for k in range(1, 96)])  # quimb: bits
    assert prof.shape == (95,)
    assert np.max(np.abs(prof - ref)) < 1e-9


def test_complex_mps_renyi_against_per_cut():
    psi = qtn.MPS_rand_state(12, 4, seed=2, dtype=complex)
    for alpha in (0.5, 2, 3, float("inf")):
        prof = tx.entanglement_profile(psi, alpha=alpha)
        ref = [tx.entropy(psi, range(k), alpha=alpha, method="dense") for k in range(1, 12)]
        assert np.max(np.abs(prof - ref)) < 1e-9


def _case(kind, seed):
    rng = np.random.default_rng(seed)
    if kind == "hyper":
        tn = random_hyper_network(rng, n_tensors=5, n_open=5, n_bonds=7, n_hyper=2)
    elif kind == "mps":
        tn = qtn.MPS_rand_state(8, 3, seed=seed, dtype=complex)
    elif kind == "cp":
        tn = tx.nets.cp(7, 2, 3, seed=seed)
    elif kind == "ht":
        tn = tx.nets.ht(8, 2, (3, 2, 2), seed=seed)
    elif kind == "peps":
        tn = qtn.PEPS.rand(2, 3, 2, seed=seed)
    else:
        tn = tx.nets.tt(8, 2, 3, seed=seed)
    return tn, rng


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["hyper", "mps", "cp", "ht", "tt", "peps"]),
    seed=st.integers(0, 10**6),
    alpha=st.sampled_from([1, 2, 0.5]),
    shuffle=st.booleans(),
)
def test_property_every_cut_matches_dense(kind, seed, alpha, shuffle):
    tn, rng = _case(kind, seed)
    opens = list(tx.open_inds(tn))
    order = [opens[i] for i in rng.permutation(len(opens))] if shuffle else None
    seq = order or opens
    prof = tx.entanglement_profile(tn, alpha=alpha, order=order)
    ref = [tx.entropy(tn, seq[:k], alpha=alpha, method="dense") for k in range(1, len(seq))]
    assert np.max(np.abs(prof - np.array(ref))) < 1e-9


def test_ghz_and_product_closed_forms():
    assert np.allclose(tx.entanglement_profile(qtn.MPS_ghz_state(12), alpha=2), 1.0, atol=1e-12)
    order = [3, 0, 7, 1, 9, 2, 4, 11, 5, 8, 6, 10]
    assert np.allclose(tx.entanglement_profile(qtn.MPS_ghz_state(12), order=order), 1.0)
    prod = qtn.MPS_product_state([np.array([0.6, 0.8j])] * 8)
    assert np.allclose(tx.entanglement_profile(prod), 0.0, atol=1e-12)


@pytest.mark.parametrize("family", ["ht", "tt"])
def test_large_tree_networks_spot_checks(family):
    N = 512
    net = tx.nets.ht(N, 2, (2,) * 9, seed=1) if family == "ht" else tx.nets.tt(N, 2, 4, seed=1)
    prof = tx.entanglement_profile(net)
    assert prof.shape == (N - 1,)
    for k in (1, 171, 256, 341, 500, N - 1):  # 341 = 0b101010101: many subtrees each side
        assert prof[k - 1] == pytest.approx(tx.entropy(net, range(k)), abs=1e-9)


def test_network_untouched_and_order_is_sites():
    psi = qtn.MPS_rand_state(10, 4, seed=3)
    snap = [(t.inds, t.data.copy()) for t in psi.tensors]
    by_pos = tx.entanglement_profile(psi, order=list(range(10)))
    by_name = tx.entanglement_profile(psi, order=[f"k{i}" for i in range(10)])
    assert np.array_equal(by_pos, by_name)
    assert np.max(np.abs(by_pos - tx.entanglement_profile(psi))) == 0
    assert all(t.inds == i and np.array_equal(t.data, d) for t, (i, d) in zip(psi.tensors, snap))
    reversed_prof = tx.entanglement_profile(psi, order=list(range(9, -1, -1)))
    assert np.max(np.abs(reversed_prof - by_pos[::-1])) < 1e-12  # S(A) = S(complement)


def test_bad_order_and_alpha():
    psi = qtn.MPS_rand_state(6, 2, seed=0)
    with pytest.raises(ValueError, match="permutation"):
        tx.entanglement_profile(psi, order=[0, 1, 2])
    with pytest.raises(ValueError, match="repeats"):
        tx.entanglement_profile(psi, order=[0, 1, 2, 3, 4, 4])
    with pytest.raises(ValueError, match="out of range"):
        tx.entanglement_profile(psi, order=[0, 1, 2, 3, 4, 9])
    with pytest.raises(ValueError, match="alpha"):
        tx.entanglement_profile(psi, alpha=-1)


def test_too_wide_cut_named_or_replica():
    net = tx.nets.ht(8, 2, (2, 2, 2), seed=4)
    order = list(tx.partitions.odd_even(8)) + [1, 3, 5, 7]
    ref2 = [tx.entropy(net, order[:k], alpha=2, method="dense") for k in range(1, 8)]
    old = tx.get_memory_budget()
    try:
        tx.set_memory_budget(2**10)  # 128 float64 entries: the middle cut (16 x 16) does not fit
        with pytest.raises(tx.BudgetError, match=r"cut k=4 .*too wide"):
            tx.entanglement_profile(net, order=order)
        prof2 = tx.entanglement_profile(net, alpha=2, order=order)  # replica takes those
    finally:
        tx.set_memory_budget(old)
    assert np.max(np.abs(prof2 - np.array(ref2))) < 1e-9


@pytest.mark.parametrize(
    "make",
    [
        lambda: tx.nets.ht(64, 2, (2,) * 6, seed=3),
        lambda: tx.nets.tt(24, 3, 4, seed=4),
        lambda: qtn.PEPS.rand(3, 3, 2, seed=5),
        lambda: tx.nets.ht(16, 3, (3, 2, 2, 2), seed=6, copy_tensors=True),
    ],
)
def test_lean_einsum_route_equals_general_executor(make, monkeypatch):
    """The einsum route of small sweep steps and middles gives the general executor's values."""
    from tnexpress.measures import profile as prof

    tn = make()
    monkeypatch.setattr(prof, "_TREE", False)  # the general sweep (not the tree plan)
    lean = tx.entanglement_profile(tn)
    monkeypatch.setattr(prof, "_LEAN", False)
    general = tx.entanglement_profile(tn)
    np.testing.assert_allclose(lean, general, atol=1e-11)
    assert np.all(np.isfinite(lean))


def test_orders_below_one_ignore_eigenvalue_noise():
    """alpha < 1 weighs tiny p heavily: Gram-eigenvalue noise (1e-16) once gave 9e-9 errors."""
    tn, rng = _case("mps", 218)  # a rank-12 cut of a 16-dim side in this order
    opens = list(tx.open_inds(tn))
    order = [opens[i] for i in rng.permutation(len(opens))]
    for alpha in (0.5, 0.25, 0):
        prof = tx.entanglement_profile(tn, alpha=alpha, order=order)
        ref = [tx.entropy(tn, order[:k], alpha=alpha, method="dense") for k in range(1, 8)]
        np.testing.assert_allclose(prof, ref, atol=1e-12)


# ----------------------------------------------------------------------------- the tree plan


def _random_tree_network(rng, n_tensors, dtype="float64", hyper=True, max_dim=3):
    """A random tree of tensors (some bonds merged into hyper-indices) and its DFS leg order."""
    parent = [-1] + [int(rng.integers(0, v)) for v in range(1, n_tensors)]
    inds = [[] for _ in range(n_tensors)]
    sizes = {}
    bond_of: dict = {}  # (parent, first child's bond): hyper-indices shared by siblings
    for v in range(1, n_tensors):
        p = parent[v]
        if hyper and p in bond_of and rng.random() < 0.5:
            name = bond_of[p]  # a COPY index: the parent, this child and a sibling
        else:
            name = f"b{v}"
            sizes[name] = int(rng.integers(1, max_dim + 1))
            inds[p].append(name)
            bond_of.setdefault(p, name)
        inds[v].append(name)
    legs: list = [[] for _ in range(n_tensors)]
    n_legs = 0
    for v in range(n_tensors):
        for _ in range(int(rng.integers(0, 3))):
            legs[v].append(f"k{n_legs}")
            sizes[f"k{n_legs}"] = int(rng.integers(1, max_dim + 1))
            n_legs += 1
    if n_legs < 2:
        legs[0] += ["k_a", "k_b"]
        sizes["k_a"] = sizes["k_b"] = 2
    order: list = []

    def dfs(v):  # legs of every subtree contiguous (children of one COPY index together)
        order.extend(legs[v])
        kids = [c for c in range(1, n_tensors) if parent[c] == v]
        bonds = list(dict.fromkeys(inds[c][0] for c in kids))
        for c in sorted(kids, key=lambda c: bonds.index(inds[c][0])):
            dfs(c)

    dfs(0)
    ts = []
    for v in range(n_tensors):
        ix = tuple(dict.fromkeys(inds[v] + legs[v]))
        data = rng.standard_normal([sizes[i] for i in ix])
        if np.dtype(dtype).kind == "c":
            data = data + 1j * rng.standard_normal(data.shape)
        ts.append(qtn.Tensor(data.astype(dtype), inds=ix))
    return qtn.TensorNetwork(ts), order


def _uses_tree_plan(tn, order=None):
    from tnexpress.engine.budget import get_memory_budget
    from tnexpress.measures._profile_plan import tree_profile
    from tnexpress.measures.profile import _resolve_order

    return tree_profile(tn, _resolve_order(tn, order), 1, get_memory_budget()) is not None


def _general(tn, **kw):
    """The general sweep's profile (the tree plan switched off)."""
    from tnexpress.measures import profile as prof

    with pytest.MonkeyPatch.context() as m:
        m.setattr(prof, "_TREE", False)
        return tx.entanglement_profile(tn, **kw)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    n=st.integers(2, 7),
    dtype=st.sampled_from(["float64", "complex128"]),
    alpha=st.sampled_from([0, 0.5, 1, 2, 3, float("inf")]),
    hyper=st.booleans(),
    reverse=st.booleans(),
)
def test_property_random_trees_match_dense(seed, n, dtype, alpha, hyper, reverse):
    """Random trees with COPY indices, legs on any tensor: every cut against dense numpy."""
    rng = np.random.default_rng(seed)
    tn, order = _random_tree_network(rng, n, dtype, hyper)
    order = order[::-1] if reverse else order
    assert _uses_tree_plan(tn, order)
    prof = tx.entanglement_profile(tn, alpha=alpha, order=order)
    ref = [tx.entropy(tn, order[:k], alpha=alpha, method="dense") for k in range(1, len(order))]
    np.testing.assert_allclose(prof, ref, atol=1e-9)


@pytest.mark.filterwarnings("ignore:open indices")  # the HT output leg y: a site here
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["mps", "tt", "ht", "ht_copy", "ht_y"]),
    seed=st.integers(0, 10**6),
    dtype=st.sampled_from(["float64", "complex128", "float32"]),
    alpha=st.sampled_from([0.5, 1, 2, float("inf")]),
)
def test_property_families_tree_plan_equals_general_sweep(kind, seed, dtype, alpha):
    """MPS, tensor trains and HT (COPY indices, an output leg): tree plan = general sweep."""
    if kind == "mps":
        tn = qtn.MPS_rand_state(9, 5, seed=seed, dtype=dtype)
    elif kind == "tt":
        tn = tx.nets.tt(10, 3, 3, seed=seed, dtype=dtype)
    else:
        tn = tx.nets.ht(
            16, 2, (2, 3, 2, 2), seed=seed, dtype=dtype, copy_tensors=kind == "ht_copy",
            Y=3 if kind == "ht_y" else 1,
        )  # fmt: skip
    assert _uses_tree_plan(tn)
    fast = tx.entanglement_profile(tn, alpha=alpha)
    general = _general(tn, alpha=alpha)
    tol = 1e-9 if dtype != "float32" else 2e-3  # both in the network's float32 arithmetic
    np.testing.assert_allclose(fast, general, atol=tol)
    if dtype == "float32":  # against the float64 network's profile
        tn64 = tn.astype("float64")
        np.testing.assert_allclose(fast, tx.entanglement_profile(tn64, alpha=alpha), atol=tol)


def _mps_with_decay(L, D, lowest, seed):
    """A random MPS whose every bond is scaled by ``diag(geomspace(1, lowest, D))``."""
    rng = np.random.default_rng(seed)
    lam = np.geomspace(1.0, lowest, D)
    arrays = []
    for i in range(L):
        shape = [s for s in ((D if i else 0), (D if i < L - 1 else 0), 2) if s]
        a = rng.standard_normal(shape)
        arrays.append(a * lam[:, None] if i == L - 1 else a * lam[:, None, None] if i else a)
    return qtn.MatrixProductState(arrays)


@pytest.mark.parametrize("lowest", [1e-7, 1e-13])
def test_ill_conditioned_spectra_against_quimb(lowest):
    """Bonds scaled down to 1e-13: every bond's Renyi entropies from quimb's own SVDs."""
    psi = _mps_with_decay(40, 8, lowest, seed=3)
    psi /= psi.norm()
    assert _uses_tree_plan(psi)
    p = [psi.schmidt_values(k) for k in range(1, 40)]  # quimb: probabilities, by SVD
    assert min(q.min() / q.max() for q in p) < lowest**2  # tails far below 1e-13
    assert sum(int(np.sum(q / q.max() > 1e-13)) for q in p) > 2 * 39  # not a rank-1 chain
    np.testing.assert_allclose(
        tx.entanglement_profile(psi), [psi.entropy(k) for k in range(1, 40)], atol=1e-9
    )
    for alpha in (2, 0.5):
        ref = [np.log2(np.sum((q / q.sum()) ** alpha)) / (1 - alpha) for q in p]
        np.testing.assert_allclose(tx.entanglement_profile(psi, alpha=alpha), ref, atol=1e-9)


def test_bench_sized_mps_against_quimb_every_bond():
    psi = qtn.MPS_rand_state(128, 32, seed=5, dtype=complex)
    ref = np.array([psi.entropy(k) for k in range(1, 128)])
    np.testing.assert_allclose(tx.entanglement_profile(psi), ref, atol=1e-9)


def test_extreme_scales_rescaled_at_every_step():
    """Tensors of max abs 1e±150 (outside 2^±64): the step-by-step rescaling mode."""
    tn = tx.nets.tt(64, 2, 3, seed=2)
    ref = _general(tn)
    scaled = tn.copy()
    for n, t in enumerate(scaled.tensors):
        t.modify(data=t.data * (1e150 if n % 2 else 1e-150))
    np.testing.assert_allclose(tx.entanglement_profile(scaled), ref, atol=1e-9)
    np.testing.assert_allclose(tx.entanglement_profile(tn), ref, atol=1e-9)


def test_chunked_groups_and_plan_reuse(monkeypatch):
    from tnexpress.measures import _profile_plan as plan

    tn = tx.nets.ht(64, 2, (2,) * 6, seed=8)
    ref = _general(tn)
    first = tx.entanglement_profile(tn)
    again = tx.entanglement_profile(tn)  # the cached plan
    other = tx.nets.ht(64, 2, (2,) * 6, seed=9)  # same structure, other values
    np.testing.assert_allclose(tx.entanglement_profile(other), _general(other))
    monkeypatch.setattr(plan, "_CHUNK_ENTRIES", 8)
    monkeypatch.setattr(plan, "_PLANS", {})
    chunked = tx.entanglement_profile(tn)
    assert np.array_equal(first, again)
    np.testing.assert_allclose(first, ref, atol=1e-11)
    np.testing.assert_allclose(chunked, ref, atol=1e-11)


def test_tree_plan_declines_and_general_sweep_answers():
    """Cycles, open hyper-indices, split subtrees and a tiny budget go to the general sweep."""
    from tnexpress.measures._profile_plan import tree_profile

    peps = qtn.PEPS.rand(2, 3, 2, seed=1)
    assert not _uses_tree_plan(peps)
    ht = tx.nets.ht(8, 2, (2, 2, 2), seed=4)
    odd_even = list(tx.partitions.odd_even(8)) + [1, 3, 5, 7]
    assert not _uses_tree_plan(ht, odd_even)  # pairs split: not contiguous
    assert _uses_tree_plan(ht, list(range(8))[::-1])
    seq = list(tx.open_inds(ht))
    assert tree_profile(ht, seq, 1, budget=16) is None  # a 4 x 4 cut needs 128 bytes
    prof = tx.entanglement_profile(ht, order=odd_even)
    ref = [tx.entropy(ht, odd_even[:k], method="dense") for k in range(1, 8)]
    np.testing.assert_allclose(prof, ref, atol=1e-9)


def test_zero_tree_network_raises():
    psi = qtn.MPS_rand_state(6, 3, seed=1)
    psi.tensors[2].modify(data=np.zeros_like(psi.tensors[2].data))
    assert _uses_tree_plan(qtn.MPS_rand_state(6, 3, seed=1))
    with pytest.raises(ValueError, match="contracts to zero"):
        tx.entanglement_profile(psi)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("kind", ["mps", "ht", "peps"])
def test_non_finite_entries_named_on_every_route(kind, bad):
    # the tree plan said "contracts to zero" for a NaN; every route now gives the
    # structure's finiteness error naming the tensor, and the caller's network is untouched
    net = {
        "mps": lambda: qtn.MPS_rand_state(6, 3, seed=2),
        "ht": lambda: tx.nets.ht(8, 2, (2, 2, 2), seed=1),
        "peps": lambda: qtn.PEPS.rand(2, 3, 2, seed=1),
    }[kind]()
    data = net.tensors[1].data.copy()
    data.flat[0] = bad
    net.tensors[1].modify(data=data)
    before = [t.data.copy() for t in net]
    with pytest.raises(ValueError, match="NaN or inf"):
        tx.entanglement_profile(net)
    for t, b in zip(net, before):
        np.testing.assert_array_equal(t.data, b)
