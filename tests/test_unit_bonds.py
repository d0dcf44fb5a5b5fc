"""Dimension-1 bonds: any number of them (past numpy's 64 axes) changes no measure.

A rank-1 layer of a trained ConvAC on a 16x16 grid is a network whose
intermediates carry more than 64 axes, almost all of size 1. The structure
drops inner dimension-1 labels (summing over one value is exact); these tests
add dozens of them to random networks of every kind and check every route
against dense numpy, and that the min cut and the caller's network are unchanged.
"""

import numpy as np
import pytest
import quimb.tensor as qtn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import dense_reference, random_networks, sides, tolerance

import tnexpress as tx

pytestmark = pytest.mark.filterwarnings("ignore:open indices")


def with_unit_bonds(tn, pairs):
    """A copy of ``tn`` with a dimension-1 bond between tensors ``i`` and ``j`` per pair."""
    out = tn.copy()
    ts = list(out)
    if len(ts) < 2:
        return out
    for n, (i, j) in enumerate(pairs):
        name = f"unit{n}"
        i %= len(ts)
        j = (i + 1 + j % (len(ts) - 1)) % len(ts)  # another tensor
        ts[i].new_ind(name, size=1)
        ts[j].new_ind(name, size=1)
    return out


@st.composite
def networks_with_unit_bonds(draw):
    tn = draw(random_networks(max_tensors=4, max_open=4))
    A = draw(sides(tn))
    k = draw(st.integers(0, 45))  # numpy allows 64 axes per input tensor
    pairs = [(draw(st.integers(0, 63)), draw(st.integers(0, 63))) for _ in range(k)]
    return tn, A, with_unit_bonds(tn, pairs)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks_with_unit_bonds())
def test_unit_bonds_change_no_measure(case):
    tn, A, unit = case
    before = [t.inds for t in unit]
    # the reference: the network without them (quimb cannot contract > 52 labels at once)
    ref = dense_reference(tn, *tx.engine.sides.resolve_side(tn, A))
    tol = tolerance(unit)
    for method in ("auto", "cut", "dense"):
        got = tx.schmidt_values(unit, A, method=method)
        n = min(len(got), len(ref))
        np.testing.assert_allclose(got[:n], ref[:n], atol=tol)
        assert np.all(ref[n:] < tol) and np.all(got[n:] < tol)
    assert tx.min_cut(unit, A).weight == tx.min_cut(tn, A).weight
    assert [t.inds for t in unit] == before


def test_many_unit_bonds_past_numpy_axis_limit():
    """A chain whose neighbours also share 30 unit bonds each: side factors pass 64 axes."""
    psi = qtn.MPS_rand_state(8, 3, seed=1)
    pairs = [(i, 1) for i in range(7) for _ in range(30)]  # tensor i and tensor i + 1
    unit = with_unit_bonds(psi, pairs)
    assert max(t.ndim for t in unit) <= 64 < sum(t.ndim for t in list(unit)[:4])
    A = [0, 2, 4, 6]
    ref = dense_reference(psi, *tx.engine.sides.resolve_side(psi, A))
    for method in ("auto", "cut"):
        np.testing.assert_allclose(tx.schmidt_values(unit, A, method=method), ref, atol=1e-10)
    assert tx.entropy(unit, A) == pytest.approx(tx.entropy(psi, A), abs=1e-10)
    assert tx.schmidt_rank(unit, A, exact=True) == tx.schmidt_rank(psi, A, exact=True)
