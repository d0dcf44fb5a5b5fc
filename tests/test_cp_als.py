"""CP-ALS, CP-rank estimates and equal-core tensor trains (seeds/004)."""

import itertools

import numpy as np
import pytest

from tnexpress.grid import cp_als as C
from tnexpress.grid import matricize


def test_cp_to_dense_and_tt_to_dense_match_loops():
    rng = np.random.default_rng(0)
    fs = [rng.standard_normal((n, 2)) for n in (2, 3, 4)]
    T = C.cp_to_dense(fs)
    for i, j, k in itertools.product(range(2), range(3), range(4)):
        assert T[i, j, k] == pytest.approx(
            sum(fs[0][i, r] * fs[1][j, r] * fs[2][k, r] for r in range(2))
        )
    cores = C.random_tt_cores(4, 2, 3, equal_cores=True, seed=1)
    assert all(c is cores[1] for c in cores[1:-1])  # one shared inner core
    X = C.tt_to_dense(cores)
    for idx in itertools.product(range(2), repeat=4):
        v = cores[0][:, idx[0], :]
        for c, i in zip(cores[1:], idx[1:], strict=True):
            v = v @ c[:, i, :]
        assert X[idx] == pytest.approx(v[0, 0])


@pytest.mark.parametrize("shape,R", [((4, 4, 4), 3), ((3, 4, 5), 4), ((3, 3, 3, 3), 5)])
def test_estimate_recovers_known_cp_rank(shape, R):
    rng = np.random.default_rng(1)
    T = C.cp_to_dense([rng.standard_normal((n, R)) for n in shape])
    assert C.estimate_cp_rank(T, restarts=5) == R
    fit = min((C.cp_als(T, R, tol=1e-8, seed=s) for s in range(5)), key=lambda f: f.rel_error)
    assert np.linalg.norm(C.cp_to_dense(fit.factors) - T) < 1e-6 * np.linalg.norm(T)
    # one term fewer cannot fit: error bounded away from 0
    assert C.cp_als(T, R - 1, seed=4).rel_error > 1e-3


def test_cp_als_rank_one_and_zero():
    T = np.einsum("i,j,k->ijk", [1.0, 2.0], [3.0, -1.0, 0.5], [2.0, 1.0])
    assert C.cp_als(T, 1, seed=0).rel_error < 1e-10
    assert C.estimate_cp_rank(np.zeros((2, 2, 2))) == 0
    with pytest.raises(ValueError, match="rank must be >= 1"):
        C.cp_als(T, 0)
    with pytest.raises(ValueError, match="order >= 2"):
        C.cp_als(np.ones(3), 1)
    with pytest.raises(ValueError, match="tol must be"):
        C.cp_als(T, 1, tol=2.0)


@pytest.mark.parametrize("d", [2, 4, 6])
def test_alkin_witness_identity_matricization(d):
    n, r = 2, 3
    q = min(n, r - 1)
    X = C.tt_to_dense(C.alkin_witness_cores(d, n, r))
    Mq = matricize(X[(slice(0, q),) * d], list(range(0, d, 2)))
    np.testing.assert_array_equal(Mq, np.eye(q ** (d // 2)))
    assert np.linalg.matrix_rank(matricize(X, list(range(0, d, 2)))) >= q ** (d // 2)


@pytest.mark.parametrize("d", [4, 6])
def test_equal_core_tt_cp_rank_lower_bound(d):
    # a.e. CP rank >= q^(d/2), q = min(n, r - 1) (Alkin & Oseledets); the odd/even
    # matricization rank is a valid lower bound, and the ALS estimate respects both
    n, r = 2, 3
    X = C.tt_to_dense(C.random_tt_cores(d, n, r, equal_cores=True, seed=d))
    mat_rank = np.linalg.matrix_rank(matricize(X, list(range(0, d, 2))))
    assert mat_rank >= min(n, r - 1) ** (d // 2)
    # ranks below the matricization rank never fit (checked, not assumed)
    assert C.cp_als(X, mat_rank - 1, seed=0).rel_error > 1e-4
    est = C.estimate_cp_rank(X, restarts=4, start=mat_rank, max_iter=3000)
    assert est is not None and est >= mat_rank >= min(n, r - 1) ** (d // 2)
