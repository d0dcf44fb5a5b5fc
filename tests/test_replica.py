"""Renyi-n entropies by the replica trick against dense numpy, the cut method, closed forms."""

import concurrent.futures

import numpy as np
import pytest
import quimb.tensor as qtn
from helpers import random_hyper_network
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tnexpress as tx
from tnexpress.measures.replica import log2_trace_power, replica_entropy


def dense_renyi(tn, a_inds, n):
    """S_n in bits from the dense state: eigenvalues of rho_A."""
    opens = tx.open_inds(tn)
    b_inds = [ix for ix in opens if ix not in set(a_inds)]
    psi = tn.contract(output_inds=tuple(a_inds) + tuple(b_inds))
    mat = psi.to_dense(list(a_inds), b_inds)
    s = np.linalg.svd(mat, compute_uv=False)
    p = s**2 / np.sum(s**2)
    return float(np.log2(np.sum(p**n)) / (1 - n))


def bell_pairs(n_pairs, dtype=float):
    """Pairs (i, i + n_pairs), each (|00> + |11>)/sqrt(2)."""
    bell = np.eye(2, dtype=dtype) / np.sqrt(2)
    ts = [qtn.Tensor(bell, inds=(f"k{i}", f"k{i + n_pairs}")) for i in range(n_pairs)]
    return qtn.TensorNetwork(ts)


def snapshot(tn):
    return [(t.inds, t.data.copy(), set(t.tags)) for t in tn.tensors]


def same(tn, snap):
    return len(snap) == tn.num_tensors and all(
        t.inds == i and np.array_equal(t.data, d) and set(t.tags) == g
        for t, (i, d, g) in zip(tn.tensors, snap)
    )


@pytest.mark.parametrize("n", [2, 3])
def test_ht_matches_cut_and_dense(n):
    net = tx.nets.ht(16, 2, (2, 2, 2, 2), seed=3)
    A = tx.partitions.odd_even(16)
    s = tx.entropy(net, A, alpha=n, method="replica")
    assert s == pytest.approx(tx.entropy(net, A, alpha=n, method="cut"), abs=1e-9)
    assert s == pytest.approx(tx.entropy(net, A, alpha=n, method="dense"), abs=1e-9)


def _random_case(kind, seed):
    rng = np.random.default_rng(seed)
    if kind == "hyper":
        tn = random_hyper_network(rng, n_tensors=5, n_open=5, n_bonds=6, n_hyper=2)
    elif kind == "mps":
        tn = qtn.MPS_rand_state(7, 3, seed=seed)
    elif kind == "mps-complex":
        tn = qtn.MPS_rand_state(7, 3, seed=seed, dtype=complex)
    elif kind == "cp":
        tn = tx.nets.cp(6, 2, 3, seed=seed)
    elif kind == "ht":
        tn = tx.nets.ht(8, 2, (2, 3, 2), seed=seed)
    else:
        tn = tx.nets.tt(7, 2, 3, seed=seed)
    opens = tx.open_inds(tn)
    k = int(rng.integers(1, len(opens)))
    A = [opens[i] for i in sorted(rng.choice(len(opens), k, replace=False))]
    return tn, A


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["hyper", "mps", "mps-complex", "cp", "ht", "tt"]),
    seed=st.integers(0, 10**6),
    n=st.integers(2, 4),
)
def test_property_matches_dense_and_cut(kind, seed, n):
    tn, A = _random_case(kind, seed)
    ref = dense_renyi(tn, A, n)
    assert replica_entropy(tn, A, n) == pytest.approx(ref, abs=1e-9)
    assert tx.entropy(tn, A, alpha=n, method="cut") == pytest.approx(ref, abs=1e-9)


@pytest.mark.parametrize("n", [2, 3])
def test_bell_pairs_known_answer_at_scale(n):
    N = 1024  # S_n = N/2 = 512 bits: Tr rho^n = 2^(-512 (n-1)), far below float64's range
    tn = bell_pairs(N // 2)
    A = [f"k{i}" for i in range(N // 2)]
    assert replica_entropy(tn, A, n) == pytest.approx(N / 2, abs=1e-8)
    assert log2_trace_power(tn, A, n) == pytest.approx(-(n - 1) * N / 2, abs=1e-8)
    # legs 0..255 and 768..1023: every pair still split
    half = [f"k{i}" for i in range(N // 4)] + [f"k{i}" for i in range(N // 2 + N // 4, N)]
    assert replica_entropy(tn, half, n) == pytest.approx(N / 2, abs=1e-8)
    same_side = [f"k{i}" for i in range(N // 4)] + [f"k{N // 2 + i}" for i in range(N // 4)]
    # pairs 0..255 whole on A, 256..511 whole on B: a product across the cut
    assert replica_entropy(tn, same_side, n) == pytest.approx(0.0, abs=1e-8)


def test_bell_pairs_partners_on_one_side_give_zero():
    tn = bell_pairs(8)
    A = [f"k{i}" for i in range(4)] + [f"k{8 + i}" for i in range(4)]
    assert replica_entropy(tn, A, 2) == pytest.approx(0.0, abs=1e-10)
    # pairs 0, 1 whole on A; pairs 2..5 split; pairs 6, 7 whole on B: 4 bits
    A2 = [f"k{i}" for i in range(6)] + [f"k{8 + i}" for i in range(2)]
    assert replica_entropy(tn, A2, 3) == pytest.approx(4.0, abs=1e-10)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_ghz_one_bit_every_cut(n):
    ghz = qtn.MPS_ghz_state(10)
    for A in ([0], [0, 1, 2], [1, 4, 7], list(range(9))):
        assert replica_entropy(ghz, A, n) == pytest.approx(1.0, abs=1e-10)


def test_product_state_zero():
    prod = qtn.MPS_product_state([np.array([0.6, 0.8])] * 6)
    assert replica_entropy(prod, [0, 2, 4], 2) == pytest.approx(0.0, abs=1e-12)


def test_side_swap_at_scale_and_no_overflow():
    N = 256
    net = tx.nets.ht(N, 2, (2,) * 8, seed=1)
    A = tx.partitions.odd_even(N)
    B = [i for i in range(N) if i not in A]
    s_a, s_b = replica_entropy(net, A, 2), replica_entropy(net, B, 2)
    assert s_a == pytest.approx(s_b, abs=1e-8)
    # weights x 1e3: the norm is ~2^5000, far beyond float64; the entropy is unchanged
    big = net.copy()
    big.multiply_each_(1e3)
    assert tx.log2_norm(big) > 5000
    assert replica_entropy(big, A, 2) == pytest.approx(s_a, abs=1e-8)


def test_relabelling_invariance_and_network_untouched():
    net = tx.nets.ht(16, 2, (2, 2, 2, 2), seed=5)
    snap = snapshot(net)
    A = tx.partitions.odd_even(16)
    s = replica_entropy(net, A, 3)
    assert same(net, snap)
    renamed = net.reindex({f"k{i}": f"x{i}" for i in range(16)})
    renamed = renamed.reindex({ix: ix + "_r" for ix in renamed.inner_inds()})
    assert replica_entropy(renamed, [f"x{i}" for i in A], 3) == pytest.approx(s, abs=1e-10)


def test_slicing_and_executor_same_value():
    net = tx.nets.ht(16, 2, (2, 2, 2, 2), seed=2)
    A = tx.partitions.odd_even(16)
    ref = replica_entropy(net, A, 2)
    assert replica_entropy(net, A, 2, max_memory=2**8) == pytest.approx(ref, abs=1e-10)
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        got = replica_entropy(net, A, 2, max_memory=2**8, executor=ex)
    assert got == pytest.approx(ref, abs=1e-10)


def test_auto_takes_replica_for_wide_cuts_and_refusal_names_it():
    net = tx.nets.ht(32, 2, (2,) * 5, seed=0)
    A = tx.partitions.odd_even(32)  # W = 2^16 > 2^12: the factors are not formed
    assert tx.entropy(net, A, alpha=2) == pytest.approx(replica_entropy(net, A, 2), abs=1e-12)
    with pytest.raises(tx.BudgetError, match=r"alpha=2, method='replica'"):
        tx.entropy(net, A)  # von Neumann: the 32 GiB factor is refused
    bp = tx.bipartition(net, A)
    assert bp.entropy(3) == pytest.approx(replica_entropy(net, A, 3), abs=1e-12)


@pytest.mark.parametrize("alpha", [1, 1.5, 0, 0.5, float("inf"), True, "2"])
def test_bad_alpha_names_alpha(alpha):
    net = tx.nets.ht(8, 2, (2, 2, 2), seed=0)
    with pytest.raises(ValueError, match="alpha"):
        replica_entropy(net, [0, 2], alpha)
    if not isinstance(alpha, (bool, str)) and alpha >= 0:
        with pytest.raises(ValueError, match="alpha"):
            tx.entropy(net, [0, 2], alpha=alpha, method="replica")


def test_bad_side():
    net = tx.nets.ht(8, 2, (2, 2, 2), seed=0)
    with pytest.raises(ValueError):
        replica_entropy(net, [], 2)
    with pytest.raises(ValueError):
        replica_entropy(net, [99], 2)


def test_torch_arrays_sliced_and_unsliced():
    torch = pytest.importorskip("torch")
    psi = qtn.MPS_rand_state(8, 3, seed=1)
    pt = psi.copy()
    pt.apply_to_arrays(lambda x: torch.tensor(x))
    A = [0, 2, 5]
    for n in (2, 3):
        ref = dense_renyi(psi, [f"k{i}" for i in A], n)
        assert replica_entropy(pt, A, n) == pytest.approx(ref, abs=1e-9)
    ref = dense_renyi(psi, [f"k{i}" for i in A], 2)
    assert replica_entropy(pt, A, 2, max_memory=2**9) == pytest.approx(ref, abs=1e-9)
    assert isinstance(pt.tensors[0].data, torch.Tensor)


def test_replica_refusal_names_size_slices_and_way_out():
    """A replica network that no slicing fits says how big it is and what to do, at once."""
    peps = qtn.PEPS.rand(4, 4, 2, seed=0)
    A = [s for s in peps.sites if s[1] % 2 == 0]
    with pytest.raises(tx.BudgetError) as err:
        replica_entropy(peps, A, 2, max_memory=16)
    msg = str(err.value)
    for part in ("largest intermediate of", "entries", "slices", "flops", "raise max_memory"):
        assert part in msg
