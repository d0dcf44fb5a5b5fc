"""Guarded Gram factors of loopy sides (measures/gram.py) against dense SVD and the QR route."""

import numpy as np
import pytest
import quimb.tensor as qtn

import tnexpress as tx
from tnexpress.measures import gram as G


@pytest.fixture(autouse=True)
def _short_path_search():
    """Keep hyper-optimizer searches short in tests (the choice is tested, not its budget)."""
    from tnexpress.engine import paths

    old = paths.set_hyper_time(max_time=0.3)
    yield
    paths.set_hyper_time(**{k: old[k] for k in ("fraction", "max_time", "min_est")})


def _setup(tn, A):
    bp = tx.bipartition(tn, A)
    side_a, cut = bp._cut_of()
    return bp.structure, side_a, cut


def _peps(L, D, seed=0, dtype="float64"):
    tn = qtn.PEPS.rand(L, L, D, seed=seed, dtype=dtype)
    return tn, [tn.site_ind(i, j) for i in range(L) for j in range(L // 2)]


def _dense_values(tn, A):
    B = [ix for ix in tn.site_inds if ix not in A]
    s = np.linalg.svd(np.asarray(tn.to_dense(A, B)), compute_uv=False)
    return s / np.linalg.norm(s)


@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_gram_spectrum_equals_dense_svd(dtype):
    tn, A = _peps(4, 3, seed=1, dtype=dtype)  # W = 81, 2^16 amplitudes
    st, side_a, cut = _setup(tn, A)
    sp = G.gram_spectrum(st, side_a, cut, tau=1e-6)
    assert sp is not None
    ref = _dense_values(tn, A)
    k = len(sp.values)
    np.testing.assert_allclose(sp.values, ref[:k], atol=1e-12)
    assert np.allclose(ref[k:], 0.0, atol=1e-12)
    # the scale: log2 of the Frobenius norm
    dense = np.asarray(tn.to_dense(A, [ix for ix in tn.site_inds if ix not in A]))
    assert np.isclose(sp.log2_norm, np.log2(np.linalg.norm(dense)), atol=1e-9)


def test_gram_spectrum_equals_qr_route_on_6x6():
    tn, A = _peps(6, 2, seed=2)
    st, side_a, cut = _setup(tn, A)
    assert G.gram_pays(st, side_a, cut)
    sp = G.gram_spectrum(st, side_a, cut)
    assert sp is not None
    ref = tx.schmidt_values(tn, A, method="cut")  # the QR route
    np.testing.assert_allclose(sp.values, ref, atol=1e-13)


def test_guard_refuses_small_values_and_rank_deficiency():
    tn, A = _peps(4, 3, seed=1)
    st, side_a, cut = _setup(tn, A)
    full = G.gram_spectrum(st, side_a, cut, tau=1e-6)
    ratio = full.mantissa[-1] / full.mantissa[0]
    assert G.gram_spectrum(st, side_a, cut, tau=ratio * 1.01) is None
    # a rank-one cut bond: the matricization has rank < W, its Gram matrix is singular
    bad = tn.copy()
    t = bad["I0,1"]
    bond = next(ix for ix in t.inds if ix in bad["I0,2"].inds)
    pos = t.inds.index(bond)
    u = np.random.default_rng(0).standard_normal(t.shape[pos])
    data = np.moveaxis(np.tensordot(t.data, np.outer(u, u), axes=([pos], [0])), -1, pos)
    t.modify(data=data)
    st, side_a, cut = _setup(bad, A)
    assert G.gram_spectrum(st, side_a, cut) is None
    dense = np.asarray(bad.to_dense(A, [ix for ix in bad.site_inds if ix not in A]))
    assert tx.schmidt_rank(bad, A) == np.linalg.matrix_rank(dense) < 81


def test_tree_sides_are_not_worth_it():
    mps = qtn.MPS_rand_state(12, 8, seed=0)
    st, side_a, cut = _setup(mps, range(6))
    assert not G.gram_pays(st, side_a, cut)
    assert G.gram_spectrum(st, side_a, cut) is None


def test_input_network_unmodified():
    tn, A = _peps(4, 2, seed=4)
    before = [t.data.copy() for t in tn]
    st, side_a, cut = _setup(tn, A)
    G.gram_spectrum(st, side_a, cut, tau=0.0)
    assert all(np.array_equal(a, t.data) for a, t in zip(before, tn))
