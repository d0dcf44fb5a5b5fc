"""Schmidt values, rank and entropy against dense numpy, quimb and closed forms."""

import math

import numpy as np
import pytest
import quimb as qu
import quimb.tensor as qtn
from helpers import dense_schmidt, random_hyper_network

import tnexpress as tx
from tnexpress import partitions as P
from tnexpress.engine.sides import resolve_side

FAMILY_CASES = [
    ("cp", tx.nets.cp(8, 2, 5, seed=1)),
    ("ht", tx.nets.ht(8, 2, (2, 3, 2), seed=2)),
    ("ht-Y", tx.nets.ht(8, 2, (2, 2, 2), Y=3, seed=2)),
    ("ht-mirror", tx.nets.ht(8, 2, (2, 3, 2), geometry="mirror", seed=2)),
    ("ht2d", tx.nets.ht2d(4, 4, 2, (2, 2), seed=3)),
    ("tt", tx.nets.tt(10, 2, 3, seed=4)),
    ("tt-equal", tx.nets.tt(10, 3, 2, equal_cores=True, seed=5)),
    ("tt-complex", tx.nets.tt(8, 2, 3, seed=6, dtype="complex128")),
    ("ht-copy", tx.nets.ht(8, 2, (2, 3, 2), seed=2, copy_tensors=True)),
]


def _sides(net):
    N = net.nsites
    out = [P.left_right(N), P.odd_even(N), [0, N - 1], [1]]
    if N >= 4:
        out.append(P.random_balanced(N, seed=0))
    return out


def _compare(s_test, s_ref, atol=1e-10):
    k = min(len(s_test), len(s_ref))
    np.testing.assert_allclose(s_test[:k], s_ref[:k], atol=atol, rtol=1e-6)
    assert np.all(s_test[k:] < 1e-10) and np.all(s_ref[k:] < 1e-10)


@pytest.mark.parametrize("name,net", FAMILY_CASES, ids=[c[0] for c in FAMILY_CASES])
def test_cut_and_dense_agree_with_numpy(name, net):
    for A in _sides(net):
        a, b = resolve_side(net, A)
        ref = dense_schmidt(net, a, b)
        for method in ("cut", "dense"):
            s = tx.schmidt_values(net, A, method=method)
            assert np.all(np.diff(s) <= 1e-15)  # descending
            assert np.sum(s**2) == pytest.approx(1.0, rel=1e-12)
            _compare(s, ref)


@pytest.mark.parametrize("seed", range(8))
def test_random_hyper_networks_against_dense(seed):
    rng = np.random.default_rng(seed)
    tn = random_hyper_network(rng, n_tensors=6, n_open=6, n_hyper=2)
    opens = tx.open_inds(tn)
    for A in ([opens[0]], list(opens[:3]), list(opens[1::2])):
        a, b = resolve_side(tn, A)
        ref = dense_schmidt(tn, a, b)
        _compare(tx.schmidt_values(tn, A, method="cut"), ref)


def test_random_mps_entropy_matches_quimb():
    mps = qtn.MPS_rand_state(12, bond_dim=6, seed=3)
    psi = mps.to_dense()
    for i in (1, 4, 6, 9):
        ref_quimb = mps.entropy(i)
        ref_dense = qu.entropy_subsys(psi, [2] * 12, range(i))
        got = tx.entropy(mps, list(range(i)), method="cut")
        assert got == pytest.approx(ref_quimb, abs=1e-10)
        assert got == pytest.approx(ref_dense, abs=1e-10)
        np.testing.assert_allclose(
            tx.schmidt_values(mps, list(range(i)), method="cut")[:6],
            np.sort(mps.schmidt_values(i) ** 0.5)[::-1][:6],
            atol=1e-10,
        )


def test_small_peps_against_dense():
    peps = qtn.PEPS.rand(3, 3, bond_dim=2, seed=4)
    opens = tx.open_inds(peps)
    assert len(opens) == 9
    for A in (list(opens[:3]), list(opens[::2]), [opens[4]]):
        a, b = resolve_side(peps, A)
        _compare(tx.schmidt_values(peps, A, method="cut"), dense_schmidt(peps, a, b))


def test_ill_conditioned_deep_convac_rank():
    # issue 2: N=16, M=2, r=2 odd/even spans ~11 orders of magnitude, exact rank 256
    net = tx.nets.ht(16, 2, (2, 2, 2, 2), seed=0)
    A = P.odd_even(16)
    s = tx.schmidt_values(net, A, method="cut")
    assert s[-1] / s[0] < 1e-9  # genuinely ill-conditioned
    assert tx.schmidt_rank(net, A, method="cut") == 256
    assert tx.schmidt_rank(net, A, method="dense") == 256
    sd = tx.schmidt_values(net, A, method="dense")
    np.testing.assert_allclose(s, sd, rtol=1e-3, atol=1e-15)


def _gauge_scrambled_mps(spectrum, L=10, D=None, seed=0):
    """An MPS with prescribed Schmidt values at its middle bond, gauge-scrambled."""
    rng = np.random.default_rng(seed)
    mps = qtn.MPS_rand_state(L, bond_dim=len(spectrum), seed=seed, dtype="float64")
    mps.canonize(L // 2)
    # replace the orthogonality center's singular values by the prescribed ones
    mps.left_canonize(stop=L // 2)
    mps.right_canonize(stop=L // 2)
    t = mps[L // 2]
    left_bond = mps.bond(L // 2 - 1, L // 2)
    u, _, vh = np.linalg.svd(
        t.to_dense([left_bond], [i for i in t.inds if i != left_bond]), full_matrices=False
    )
    k = len(spectrum)
    assert u.shape[1] == k
    new = (u * spectrum) @ vh
    t.modify(data=new.reshape(t.shape))
    # scramble gauges with ill-conditioned invertible matrices on every bond
    for i in range(L - 1):
        bix = mps.bond(i, i + 1)
        d = mps.ind_size(bix)
        g = rng.standard_normal((d, d)) + 3 * np.eye(d)
        mps[i].gate_(g, bix)
        mps[i + 1].gate_(np.linalg.inv(g).T, bix)
    return mps


def test_spectrum_down_to_1e_12_is_right():
    spectrum = np.logspace(0, -12, 16)
    mps = _gauge_scrambled_mps(spectrum)
    s = tx.schmidt_values(mps, list(range(5)), method="cut")
    ref = spectrum / np.linalg.norm(spectrum)
    np.testing.assert_allclose(s[:16], ref, rtol=1e-3)
    assert tx.schmidt_rank(mps, list(range(5))) == 16


@pytest.mark.parametrize("alpha", [0, 0.5, 1, 2, 3.5, math.inf])
def test_renyi_entropies_against_formulas(alpha):
    net = tx.nets.tt(10, 2, 4, seed=8)
    A = P.left_right(10)
    a, b = resolve_side(net, A)
    p = dense_schmidt(net, a, b) ** 2
    p = p[p > 1e-14]
    if alpha == 0:
        ref = math.log2(len(p))
    elif alpha == 1:
        ref = -np.sum(p * np.log2(p))
    elif math.isinf(alpha):
        ref = -math.log2(p.max())
    else:
        ref = math.log2(np.sum(p**alpha)) / (1 - alpha)
    assert tx.entropy(net, A, alpha=alpha, method="cut") == pytest.approx(ref, abs=1e-9)


def test_entropy_bounded_by_log2_min_cut():
    net = tx.nets.ht(16, 2, (2, 2, 2, 2), seed=2)
    for A in (P.odd_even(16), P.left_right(16), P.blocks(16, 4)):
        assert tx.entropy(net, A) <= tx.min_cut(net, A).log2 + 1e-9


def test_huge_network_tracks_exponents():
    net = tx.nets.ht(1024, 2, 4, seed=0)
    norms = []
    for A in (P.left_right(1024), P.blocks(1024, 256), list(range(4))):
        sp = tx.schmidt_spectrum(net, A, method="cut")
        assert sp.log2_norm > 1100  # the norm itself overflows float64
        s = sp.values
        assert np.all(np.isfinite(s)) and s.sum() > 0
        norms.append(sp.log2_norm)
    # the same tensor: the same norm whatever the bipartition
    assert max(norms) - min(norms) < 1e-6
    assert tx.log2_norm(net) == pytest.approx(norms[0], abs=1e-6)


def test_index_names_and_positions_agree():
    net = tx.nets.tt(8, 2, 3, seed=1)
    s1 = tx.schmidt_values(net, [0, 1, 2])
    s2 = tx.schmidt_values(net, ["k0", "k1", "k2"])
    np.testing.assert_allclose(s1, s2)


def test_network_not_modified():
    net = tx.nets.ht(8, 2, (2, 2, 2), seed=3)
    before = [(t.inds, frozenset(t.tags), t.data.copy()) for t in net]
    tx.schmidt_values(net, P.odd_even(8), method="cut")
    tx.schmidt_rank(net, P.left_right(8))
    tx.min_cut(net, [0, 1])
    tx.entropy(net, [0], alpha=2)
    after = [(t.inds, frozenset(t.tags), t.data) for t in net]
    assert len(before) == len(after)
    for (i0, t0, d0), (i1, t1, d1) in zip(before, after):
        assert i0 == i1 and t0 == t1
        np.testing.assert_array_equal(d0, d1)
