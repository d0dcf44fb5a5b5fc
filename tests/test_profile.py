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
