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
        ([0, 9], ValueError, r"out of range; valid sites are 0..7"),
        ([-1], ValueError, "out of range"),
        (["k0", "zz"], ValueError, "unknown open indices"),
        ([0, "k1"], TypeError, "only site positions"),
        ([True], TypeError, "only site positions"),
        (3.5, TypeError, "iterable"),
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
