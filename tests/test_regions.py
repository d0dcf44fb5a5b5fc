"""Mutual information and logarithmic negativity against quimb and dense numpy."""

import numpy as np
import pytest
import quimb as qu
import quimb.tensor as qtn
from helpers import random_hyper_network
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tnexpress as tx


def dense_state(tn):
    opens = tx.open_inds(tn)
    psi = tn.contract(output_inds=opens)
    v = np.asarray(psi.data).ravel()
    return v / np.linalg.norm(v), [tn.ind_size(ix) for ix in opens]


def numpy_rho_ab(v, dims, A, B):
    n = len(dims)
    psi = v.reshape(dims)
    C = [i for i in range(n) if i not in A and i not in B]
    perm = list(A) + list(B) + C
    da = int(np.prod([dims[i] for i in A]))
    db = int(np.prod([dims[i] for i in B]))
    m = psi.transpose(perm).reshape(da * db, -1)
    return m @ m.conj().T, da, db


def numpy_measures(v, dims, A, B):
    rho, da, db = numpy_rho_ab(v, dims, A, B)

    def S(r):
        p = np.linalg.eigvalsh(r)
        p = p[p > 1e-15]
        return -np.sum(p * np.log2(p))

    r4 = rho.reshape(da, db, da, db)
    mi = S(np.einsum("ijkj->ik", r4)) + S(np.einsum("ijil->jl", r4)) - S(rho)
    pt = r4.transpose(0, 3, 2, 1).reshape(da * db, da * db)
    ln = np.log2(np.sum(np.abs(np.linalg.eigvalsh(pt))))
    return mi, ln


CASES = [
    ("mps", lambda: qtn.MPS_rand_state(10, 4, seed=1), [1, 2], [6, 7, 8]),
    ("mps-complex", lambda: qtn.MPS_rand_state(12, 5, seed=2, dtype=complex), [0, 3], [4, 11]),
    ("peps", lambda: qtn.PEPS.rand(3, 4, 2, seed=3), [(0, 0), (1, 1)], [(2, 3), (0, 3)]),
    ("peps-complex", lambda: qtn.PEPS.rand(3, 4, 2, seed=4, dtype=complex), [(1, 2)], [(1, 3)]),
    ("ht", lambda: tx.nets.ht(8, 2, (2, 2, 2), seed=5), [0, 5], [2, 3]),
]


@pytest.mark.parametrize("name,make,A,B", CASES, ids=[c[0] for c in CASES])
def test_against_numpy_and_quimb(name, make, A, B):
    tn = make()
    v, dims = dense_state(tn)
    sites = list(tn.sites) if hasattr(tn, "sites") else list(range(len(dims)))
    ia, ib = [sites.index(a) for a in A], [sites.index(b) for b in B]
    mi_ref, ln_ref = numpy_measures(v, dims, ia, ib)
    mi, ln = tx.mutual_information(tn, A, B), tx.logarithmic_negativity(tn, A, B)
    assert mi == pytest.approx(mi_ref, abs=1e-9)
    assert ln == pytest.approx(ln_ref, abs=1e-9)
    assert mi == pytest.approx(qu.mutinf_subsys(v, dims, ia, ib), abs=1e-9)  # quimb: bits
    assert ln == pytest.approx(qu.logneg_subsys(v, dims, ia, ib), abs=1e-9)  # quimb: log2
    assert mi > 1e-6  # nontrivial cases (PEPS.rand draws positive entries: ln can be 0)
    # symmetric in A, B
    assert tx.mutual_information(tn, B, A) == pytest.approx(mi, abs=1e-10)
    assert tx.logarithmic_negativity(tn, B, A) == pytest.approx(ln, abs=1e-10)


def test_renyi_mutual_information_and_rho():
    tn = qtn.MPS_rand_state(8, 3, seed=9, dtype=complex)
    v, dims = dense_state(tn)
    rho_ref, da, db = numpy_rho_ab(v, dims, [0, 1], [5])
    rho = tx.reduced_density_matrix(tn, [0, 1], [5])
    assert np.max(np.abs(rho - rho_ref)) < 1e-12

    def s2(r):
        return -np.log2(np.real(np.trace(r @ r)))

    r4 = rho_ref.reshape(da, db, da, db)
    ref = s2(np.einsum("ijkj->ik", r4)) + s2(np.einsum("ijil->jl", r4)) - s2(rho_ref)
    assert tx.mutual_information(tn, [0, 1], [5], alpha=2) == pytest.approx(ref, abs=1e-9)


def test_mps_200_sites_against_quimb_logneg():
    psi = qtn.MPS_rand_state(200, 8, seed=11)
    A, B = [90, 91, 92], [113, 114, 115]  # 20 sites apart
    ref = psi.logneg_subsys(A, B)
    assert tx.logarithmic_negativity(psi, A, B) == pytest.approx(ref, abs=1e-8)
    A2, B2 = [90, 91, 92], [93, 94, 95]  # adjacent: a nontrivial value
    ref2 = psi.logneg_subsys(A2, B2)
    assert ref2 > 1e-3
    assert tx.logarithmic_negativity(psi, A2, B2) == pytest.approx(ref2, abs=1e-8)


def test_closed_forms():
    ghz = qtn.MPS_ghz_state(6)
    assert tx.mutual_information(ghz, [0], [5]) == pytest.approx(1.0, abs=1e-12)
    assert tx.mutual_information(ghz, [0, 1], [3, 4, 5]) == pytest.approx(1.0, abs=1e-12)
    assert tx.logarithmic_negativity(ghz, [0], [5]) == pytest.approx(0.0, abs=1e-12)
    bell = np.eye(2) / np.sqrt(2)
    pairs = qtn.TensorNetwork([qtn.Tensor(bell, inds=(f"k{i}", f"k{i + 4}")) for i in range(4)])
    A, B = ["k0", "k1"], ["k4", "k5", "k2"]
    assert tx.mutual_information(pairs, A, B) == pytest.approx(4.0, abs=1e-12)
    assert tx.logarithmic_negativity(pairs, A, B) == pytest.approx(2.0, abs=1e-12)
    prod = qtn.MPS_product_state([np.array([0.6, 0.8])] * 5)
    assert tx.mutual_information(prod, [0, 1], [3]) == pytest.approx(0.0, abs=1e-12)
    assert tx.logarithmic_negativity(prod, [0, 1], [3]) == pytest.approx(0.0, abs=1e-12)


def test_pure_bipartition():
    psi = qtn.MPS_rand_state(8, 4, seed=13)
    A, B = [0, 1, 2], [3, 4, 5, 6, 7]
    assert tx.mutual_information(psi, A, B) == pytest.approx(2 * tx.entropy(psi, A), abs=1e-9)
    half = tx.entropy(psi, A, alpha=0.5)
    assert tx.logarithmic_negativity(psi, A, B) == pytest.approx(half, abs=1e-9)


def test_bad_regions_and_budget():
    psi = qtn.MPS_rand_state(8, 2, seed=0)
    snap = [(t.inds, t.data.copy()) for t in psi.tensors]
    with pytest.raises(ValueError, match="overlap"):
        tx.mutual_information(psi, [0, 1], [1, 2])
    with pytest.raises(ValueError, match="empty"):
        tx.logarithmic_negativity(psi, [], [1])
    with pytest.raises(ValueError, match="B .*out of range"):
        tx.mutual_information(psi, [0], [42])
    with pytest.raises(ValueError, match="alpha"):
        tx.mutual_information(psi, [0], [3], alpha=-1)
    old = tx.get_memory_budget()
    try:
        tx.set_memory_budget(2**12)  # 512 entries; rho_AB of 6 qubits has 4096
        with pytest.raises(tx.BudgetError, match=r"64 x 64.*smaller regions"):
            tx.logarithmic_negativity(psi, [0, 1, 2], [4, 5, 6])
    finally:
        tx.set_memory_budget(old)
    assert all(t.inds == i and np.array_equal(t.data, d) for t, (i, d) in zip(psi.tensors, snap))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["mps", "mps-complex", "peps", "hyper"]),
    seed=st.integers(0, 10**6),
)
def test_property_random_regions_match_numpy(kind, seed):
    rng = np.random.default_rng(seed)
    if kind == "hyper":
        tn = random_hyper_network(rng, n_tensors=5, n_open=6, n_bonds=6, n_hyper=2, max_dim=2)
    elif kind == "peps":
        tn = qtn.PEPS.rand(2, 3, 2, seed=seed, dtype=complex)
    else:
        dtype = complex if kind == "mps-complex" else float
        tn = qtn.MPS_rand_state(8, 3, seed=seed, dtype=dtype)
    v, dims = dense_state(tn)
    n = len(dims)
    perm = rng.permutation(n)
    ka = int(rng.integers(1, n - 1))
    kb = int(rng.integers(1, n - ka + 1))
    ia, ib = sorted(perm[:ka].tolist()), sorted(perm[ka : ka + kb].tolist())
    opens = tx.open_inds(tn)
    A, B = [opens[i] for i in ia], [opens[i] for i in ib]
    mi_ref, ln_ref = numpy_measures(v, dims, ia, ib)
    assert tx.mutual_information(tn, A, B) == pytest.approx(mi_ref, abs=1e-9)
    assert tx.logarithmic_negativity(tn, A, B) == pytest.approx(ln_ref, abs=1e-9)


def test_torch_arrays():
    torch = pytest.importorskip("torch")
    psi = qtn.MPS_rand_state(8, 3, seed=1, dtype=complex)
    pt = psi.copy()
    pt.apply_to_arrays(lambda x: torch.tensor(x))
    for A, B in (([0], [5]), ([0, 1], [3, 7])):
        assert tx.mutual_information(pt, A, B) == pytest.approx(
            tx.mutual_information(psi, A, B), abs=1e-10
        )
        assert tx.logarithmic_negativity(pt, A, B) == pytest.approx(
            tx.logarithmic_negativity(psi, A, B), abs=1e-10
        )


@pytest.mark.parametrize("alpha", [0, 0.25, 0.5, 1, 2])
def test_mutual_information_of_pure_state_equals_cut_entropies(alpha):
    """For a pure state I(A:B) = S(A) + S(B) - S(AB), each S a cut of the whole state.

    The reduced matrices here are rank deficient (bond 2), so orders below 1 and the rank
    see the eigenvalue noise unless it is thresholded.
    """
    psi = qtn.MPS_rand_state(10, 2, seed=3)
    A, B = [1, 2, 3], [5, 6, 7]
    ref = sum(
        sign * tx.entropy(psi, side, alpha=alpha, method="dense")
        for sign, side in ((1, A), (1, B), (-1, A + B))
    )
    assert tx.mutual_information(psi, A, B, alpha=alpha) == pytest.approx(ref, abs=1e-10)
