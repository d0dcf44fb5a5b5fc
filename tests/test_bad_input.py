"""Bad input: clear errors naming the argument, before any large allocation."""

import numpy as np
import pytest
import quimb.tensor as qtn

import tnexpress as tx
from tnexpress import partitions as P


@pytest.mark.parametrize(
    "call,exc,match",
    [
        (lambda: tx.nets.ht(12, 2, 2), ValueError, "N=12 is not a power of pool=2"),
        (lambda: tx.nets.ht(16, 2, (2, 2)), ValueError, "ranks has 2 entries"),
        (lambda: tx.nets.ht(16, 0, 2), ValueError, "M must be >= 1"),
        (lambda: tx.nets.ht(16, 2, (2, 2, 0, 2)), ValueError, r"ranks\[2\] must be >= 1"),
        (lambda: tx.nets.ht(16, 2.5, 2), TypeError, "M must be an int"),
        (lambda: tx.nets.cp(-1, 2, 2), ValueError, "N must be >= 1"),
        (lambda: tx.nets.tt(1, 2, 2), ValueError, "N must be >= 2"),
        (lambda: tx.nets.tt(4, 2, 2, equal_cores="yes"), TypeError, "equal_cores"),
        (lambda: tx.nets.cp(4, 2, 2, weights="cauchy"), ValueError, "weights must be one of"),
        (lambda: tx.nets.cp(4, 2, 2, dtype="int32"), TypeError, "dtype must be a float"),
        (lambda: tx.nets.ht2d(3, 4, 2, 2), ValueError, "cannot be pooled"),
        (lambda: tx.nets.ht(8, 2, 2, geometry="spiral"), ValueError, "geometry must be"),
        (lambda: tx.nets.ht_tree(((0, 1), (1, 2)), 2, 2), ValueError, "each exactly once"),
        (lambda: P.blocks(8, 8), ValueError, r"size must be in \[1, 7\]"),
        (lambda: P.get_partition("zigzag", 8), ValueError, "unknown partition"),
        (lambda: tx.nets.get_family("nope"), ValueError, "registered: "),
    ],
)
def test_builder_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


NET = tx.nets.ht(8, 2, 2, seed=0)


@pytest.mark.parametrize(
    "A,exc,match",
    [
        ([], ValueError, "A is empty"),
        (range(8), ValueError, "covers every open index"),
        ([0, 0, 1], ValueError, "repeats entries"),
        ([0, 9], ValueError, r"out of range; valid positions are 0..7"),
        ([-1], ValueError, "out of range"),
        (["k0", "zz"], ValueError, "unknown open indices"),
        ([0, "k1"], TypeError, "only site positions"),
        ([True], TypeError, "only site positions"),
        (3.5, TypeError, "iterable"),
        (3, TypeError, r"bare int 3; pass a list, e\.g\. \[3\]"),
        ("k3", TypeError, r"bare str 'k3'; pass a list"),
    ],
)
def test_side_errors(A, exc, match):
    for fn in (tx.min_cut, tx.schmidt_values, tx.schmidt_rank, tx.entropy):
        with pytest.raises(exc, match=match):
            fn(NET, A)


def test_measure_argument_errors():
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        tx.entropy(NET, [0], alpha=-1)
    with pytest.raises(TypeError, match="alpha must be a real"):
        tx.entropy(NET, [0], alpha="2")
    with pytest.raises(ValueError, match="method must be one of"):
        tx.schmidt_values(NET, [0], method="svd")
    with pytest.raises(ValueError, match="rtol must be"):
        tx.schmidt_rank(NET, [0], rtol=2.0)
    with pytest.raises(TypeError, match="must be a quimb TensorNetwork"):
        tx.min_cut(np.ones((2, 2)), [0])
    with pytest.raises(ValueError, match="unknown partition"):
        tx.certify("ht", "zigzag", N=8, M=2, ranks=2)


def test_dense_request_beyond_memory_is_refused_before_allocating():
    big = tx.nets.ht(64, 2, 2, seed=0)  # 2^64 amplitudes
    with pytest.raises(tx.BudgetError, match=r"needs .* over the memory budget.*method='cut'"):
        tx.schmidt_values(big, P.left_right(64), method="dense")
    # the cut method handles it (min cut 2)
    assert tx.schmidt_rank(big, P.left_right(64), method="cut") == 2


def test_cut_too_wide_is_refused_with_size():
    net = tx.nets.ht(64, 2, 2, seed=0)  # odd/even min cut 2^32
    with pytest.raises(tx.BudgetError, match=r"cut weight W=4294967296"):
        tx.schmidt_values(net, P.odd_even(64), method="cut")


def test_budget_is_settable():
    old = tx.get_memory_budget()
    try:
        tx.set_memory_budget(1024)
        with pytest.raises(tx.BudgetError, match="1 KiB"):
            tx.schmidt_values(tx.nets.tt(10, 2, 2, seed=0), P.odd_even(10), method="dense")
        with pytest.raises(ValueError, match="nbytes must be a positive int"):
            tx.set_memory_budget(-5)
    finally:
        tx.set_memory_budget(old)
    assert tx.get_memory_budget() == old


def test_peps_sites_as_tuples():
    peps = qtn.PEPS.rand(2, 3, bond_dim=2, seed=1)
    w1 = tx.min_cut(peps, [(0, 0), (0, 1), (0, 2)]).weight
    w2 = tx.min_cut(peps, [peps.site_ind((0, j)) for j in range(3)]).weight
    assert w1 == w2 == 8


def _with_entry(net, k, value):
    net = net.copy()
    t = list(net)[k]
    d = t.data.copy()
    d.flat[0] = value
    t.modify(data=d)
    return net


MEASURES = {
    "min_cut": lambda tn, A: tx.min_cut(tn, A),
    "schmidt_values": lambda tn, A: tx.schmidt_values(tn, A),
    "schmidt_values_dense": lambda tn, A: tx.schmidt_values(tn, A, method="dense"),
    "schmidt_values_cut": lambda tn, A: tx.schmidt_values(tn, A, method="cut"),
    "schmidt_rank": lambda tn, A: tx.schmidt_rank(tn, A),
    "schmidt_rank_exact": lambda tn, A: tx.schmidt_rank(tn, A, exact=True),
    "entropy": lambda tn, A: tx.entropy(tn, A),
    "entropy_2": lambda tn, A: tx.entropy(tn, A, alpha=2),
    "certificate": lambda tn, A: tx.bipartition(tn, A).certificate(seed=0),
}


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name", list(MEASURES))
def test_non_finite_entry_named_by_every_measure(name, value):
    net = _with_entry(tx.nets.ht(8, 2, 2, seed=0), 3, value)
    t = list(net)[3]
    with pytest.raises(ValueError, match=r"NaN or inf entry in the tensor with tags") as e:
        MEASURES[name](net, [0, 2, 4, 6])
    assert str(sorted(t.tags)) in str(e.value) and str(t.inds) in str(e.value)


def test_non_finite_torch_entry():
    torch = pytest.importorskip("torch")
    net = _with_entry(tx.nets.tt(6, 2, 2, seed=0), 2, np.nan)
    net.apply_to_arrays(torch.from_numpy)
    with pytest.raises(ValueError, match="NaN or inf"):
        tx.schmidt_values(net, [0, 1])


ZERO_FLOAT = (
    "schmidt_values",
    "schmidt_values_dense",
    "schmidt_values_cut",
    "schmidt_rank",
    "entropy",
    "entropy_2",
)


@pytest.mark.parametrize("name", ZERO_FLOAT)
@pytest.mark.parametrize("how", ["zero_tensor", "cancellation"])
def test_zero_network_same_error_from_every_float_measure(name, how):
    if how == "zero_tensor":
        net = tx.nets.tt(6, 2, 2, seed=0).copy()
        list(net)[2].modify(data=np.zeros_like(list(net)[2].data))
    else:  # nonzero tensors whose contraction vanishes: <u|v> = 0 on a bond
        u, v = np.array([1.0, 0.0]), np.array([0.0, 1.0])
        net = qtn.TensorNetwork(
            [
                qtn.Tensor(np.outer(np.ones(2), u), inds=("k0", "b")),
                qtn.Tensor(np.outer(v, np.ones(2)), inds=("b", "k1")),
            ]
        )
        assert np.allclose(net.contract(output_inds=("k0", "k1")).data, 0)
    with pytest.raises(ValueError, match="the network contracts to zero"):
        MEASURES[name](net, [0])
    # the min cut stays a valid bound (structure only), the exact rank is 0
    assert MEASURES["min_cut"](net, [0]).weight >= 1
    assert tx.schmidt_rank(net, [0], exact=True) == 0
    with pytest.raises(ValueError, match="contracts to zero"):
        tx.log2_norm(net)


def test_schmidt_values_numerical_rank_unless_all():
    psi = qtn.MPS_rand_state(40, 32, seed=0)
    s = tx.schmidt_values(psi, range(20))
    sp = tx.schmidt_spectrum(psi, range(20))
    assert len(s) == sp.rank() == 32
    # a rank-deficient matricization: 4 x 4 legs over a bond-2 chain
    mps = qtn.MPS_rand_state(4, 2, seed=0)
    assert len(tx.schmidt_values(mps, [0, 1], method="dense", all=True)) == 4
    assert len(tx.schmidt_values(mps, [0, 1], method="dense")) == tx.schmidt_rank(mps, [0, 1]) == 2
    tt = tx.nets.tt(8, 2, 3, seed=0)  # bond 3: 16 x 16 dense matricization of rank 16
    low = tx.nets.tt(8, 2, 1, seed=0)  # rank 1
    assert len(tx.schmidt_values(low, [0, 2, 4, 6], method="dense")) == 1
    allv = tx.schmidt_values(low, [0, 2, 4, 6], method="dense", all=True)
    assert len(allv) == 16 and np.all(allv[1:] < 1e-12)
    np.testing.assert_allclose(np.sum(allv**2), 1, rtol=1e-12)
    assert len(tx.schmidt_values(tt, [0, 2, 4, 6])) == 16
    with pytest.raises(TypeError, match="all must be a bool"):
        tx.schmidt_values(tt, [0], all=1)


def test_spectrum_repr_is_informative():
    psi = qtn.MPS_rand_state(12, 4, seed=0)
    sp = tx.schmidt_spectrum(psi, range(6), method="cut")
    r = repr(sp)
    assert r.startswith("SchmidtSpectrum(method='cut', W=4,") and "rank 4" in r
    assert f"{sp.values[0]:.4g}" in r and f"log2 norm {sp.log2_norm:.4f}" in r
    np.testing.assert_allclose(sp.significant(), sp.values[: sp.rank()])
