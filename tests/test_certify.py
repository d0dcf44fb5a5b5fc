"""Certificates: exact lower bound at an integer point meets the min-cut upper bound."""

import numpy as np
import pytest
import quimb.tensor as qtn

import tnexpress as tx
from tnexpress import partitions as P
from tnexpress.nets import register_family
from tnexpress.nets._common import WeightDrawer, as_gen_vector


def test_ht16_odd_even_is_256():
    c = tx.certify("ht", "odd-even", N=16, M=2, ranks=(2, 2, 2, 2), seed=0)
    assert (c.lower, c.upper, c.proven) == (256, 256, True)
    # full rank 256 at the first 62-bit prime: exact for certain, no second prime drawn
    assert c.failure_probability == 0.0
    # a proven rank comes from one prime: the 21-bit probe (or a 62-bit one if the probe fell short)
    assert len(c.primes) == 1 and all(2**20 < p < 2**21 or 2**61 < p < 2**62 for p in c.primes)


def test_tt12_equal_cores_odd_even_is_729():
    c = tx.certify("tt", "odd-even", N=12, M=3, rank=4, equal_cores=True, seed=1)
    assert (c.lower, c.upper, c.proven) == (729, 729, True)
    # q^(d/2) lower bound of the theory, q = min(n, r - 1)
    assert c.lower >= min(3, 4 - 1) ** 6


@pytest.mark.parametrize(
    "family,A,arch",
    [
        ("ht", P.left_right(32), {"N": 32, "M": 2, "ranks": (2, 3, 4, 3, 2)}),
        ("ht", P.blocks(32, 8), {"N": 32, "M": 2, "ranks": (2, 2, 2, 2, 2)}),
        ("tt", P.left_right(32), {"N": 32, "M": 2, "rank": 5}),
        ("cp", P.odd_even(32), {"N": 32, "M": 3, "rank": 7}),
    ],
)
def test_n32_networks_with_small_cuts(family, A, arch):
    c = tx.certify(family, A, seed=3, **arch)
    assert (
        c.proven
        and c.lower
        == c.upper
        == tx.min_cut(tx.nets.get_family(family).build(**arch, seed=0), A).weight
    )


def _deficient(N, M, seed=None, weights="normal", dtype="float64"):
    """A chain whose middle bond matrix is an outer product: generic rank 1, min cut 4."""
    draw = WeightDrawer(seed, weights, dtype)
    left = qtn.Tensor(draw(M, 4), inds=("k0", "a"), tags=("I0",))
    mid = qtn.Tensor(np.outer(draw(4), draw(4)), inds=("a", "b"))
    right = qtn.Tensor(draw(4, M), inds=("b", "k1"), tags=("I1",))
    return as_gen_vector([left, mid, right], 2)


register_family(
    "test-deficient",
    _deficient,
    partitions=lambda N, **_: {"left-right": (0,)},
    params={},
    overwrite=True,
)


def test_rank_deficient_architecture_is_not_proven():
    c = tx.certify("test-deficient", "left-right", N=2, M=5, seed=0)
    assert c.upper == 4
    assert c.lower == 1
    assert not c.proven


def test_exact_rank_never_exceeds_numerical_rank_of_integer_networks():
    for seed in range(4):
        net = tx.nets.ht(8, 2, (2, 3, 2), seed=seed, weights="integer")
        for A in (P.odd_even(8), P.left_right(8), [0, 5]):
            ex = tx.schmidt_rank(net, A, exact=True, seed=seed)
            num = tx.schmidt_rank(net, A, method="dense")
            assert ex <= tx.min_cut(net, A).weight
            assert ex == num  # well conditioned small case: both exact


def test_exact_beats_floats_on_ill_conditioned_network():
    # a chain whose middle matrix has singular values down to 2^-60: float rank
    # sees 8 - 3 = 5, the exact rank is 8 (all dyadic entries are exact)
    rng = np.random.default_rng(0)
    q1, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    q2, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    s = 2.0 ** -np.array([0, 1, 2, 3, 4, 55, 58, 60])
    mid = (q1 * s) @ q2.T
    tn = qtn.TensorNetwork(
        [
            qtn.Tensor(np.eye(8), inds=("k0", "a")),
            qtn.Tensor(mid, inds=("a", "b")),
            qtn.Tensor(np.eye(8), inds=("b", "k1")),
        ]
    )
    assert tx.schmidt_rank(tn, ["k0"], method="dense") < 8
    assert tx.schmidt_rank(tn, ["k0"], exact=True, seed=1) == 8


@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_certificate_of_any_network(dtype):
    # a random MPS (real or complex) is not a registered family: family=None
    mps = qtn.MPS_rand_state(10, 5, phys_dim=2, dtype=dtype, seed=4)
    for A in (range(5), [0, 3, 4, 9], [2]):
        bp = tx.bipartition(mps, A)
        c = bp.certificate(seed=1)
        assert c.family is None and c.arch == {}
        assert c.upper == bp.min_cut.weight
        assert c.lower == tx.schmidt_rank(mps, A, method="dense") == c.upper and c.proven
        assert c.failure_probability == 0.0
        if dtype == "complex128":
            assert all(p % 4 == 1 for p in c.primes)


def test_complex_network_rank_deficient_by_construction():
    # a complex chain whose middle bond matrix is an exact product of Gaussian-integer
    # 6x3 and 3x6 matrices (exact in float64): exact rank 3 < min cut 4
    rng = np.random.default_rng(2)

    def g(*shape):
        return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)

    def gi(*shape):
        return rng.integers(-5, 6, shape) + 1j * rng.integers(-5, 6, shape)

    mid = (gi(6, 3) @ gi(3, 6)).astype(complex)
    tn = qtn.TensorNetwork(
        [
            qtn.Tensor(g(4, 6), inds=("k0", "a")),
            qtn.Tensor(mid, inds=("a", "b")),
            qtn.Tensor(g(6, 2, 4), inds=("b", "k1", "k2")),
        ]
    )
    c = tx.bipartition(tn, ["k0"]).certificate(seed=3)
    assert (c.lower, c.upper, c.proven) == (3, 4, False)
    assert 0.0 < c.failure_probability < 1e-20 and len(c.primes) == 2
    assert tx.schmidt_rank(tn, ["k0"], exact=True, seed=3) == 3


def test_complex_exact_beats_floats_on_ill_conditioned_network():
    # complex unitaries around Schmidt values down to 2^-60: float rank sees 5, exact 8
    rng = np.random.default_rng(5)
    q1, _ = np.linalg.qr(rng.standard_normal((8, 8)) + 1j * rng.standard_normal((8, 8)))
    q2, _ = np.linalg.qr(rng.standard_normal((8, 8)) + 1j * rng.standard_normal((8, 8)))
    s = 2.0 ** -np.array([0, 1, 2, 3, 4, 55, 58, 60])
    mid = (q1 * s) @ q2.conj().T
    tn = qtn.TensorNetwork(
        [
            qtn.Tensor(np.eye(8), inds=("k0", "a")),
            qtn.Tensor(mid, inds=("a", "b")),
            qtn.Tensor(np.eye(8), inds=("b", "k1")),
        ]
    )
    assert tx.schmidt_rank(tn, ["k0"], method="dense") < 8
    assert tx.schmidt_rank(tn, ["k0"], exact=True, seed=1) == 8
