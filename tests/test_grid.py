"""Grid tensors (Claim 7.1) and the generalized ConvACs of Cohen & Shashua (ICML 2016)."""

import itertools
import math

import numpy as np
import pytest

from tnexpress.engine.paths import BudgetError
from tnexpress.grid import (
    balanced_partitions,
    grid_rank,
    grid_schmidt_values,
    grid_tensor,
    matricize,
)
from tnexpress.grid import generalized as G

# ---------------------------------------------------------------- grid.py


def test_grid_tensor_matches_loop_vector_and_scalar_points():
    rng = np.random.default_rng(0)
    tmpl = rng.standard_normal((3, 2))
    w = rng.standard_normal(2)

    def f(X):  # (b, N, 2)
        return np.tanh(X @ w).prod(axis=1) + X[:, 0, 0] * X[:, -1, 1]

    T = grid_tensor(f, 4, tmpl, batch_size=7)  # batches not dividing 81
    for idx in itertools.product(range(3), repeat=4):
        pts = tmpl[list(idx)]
        ref = np.prod([math.tanh(p @ w) for p in pts]) + pts[0, 0] * pts[-1, 1]
        assert T[idx] == pytest.approx(ref, abs=1e-14)
    S = grid_tensor(lambda X: X.sum(axis=1), 3, np.array([0.0, 1.0, 5.0]))
    for idx in itertools.product(range(3), repeat=3):
        assert S[idx] == sum([0.0, 1.0, 5.0][i] for i in idx)


def test_grid_tensor_errors():
    tmpl = np.zeros((4, 2))
    with pytest.raises(TypeError, match="f must be callable"):
        grid_tensor(3, 2, tmpl)
    with pytest.raises(ValueError, match="N must be >= 1"):
        grid_tensor(lambda X: X[:, 0, 0], 0, tmpl)
    with pytest.raises(ValueError, match="template must have shape"):
        grid_tensor(lambda X: X[:, 0, 0], 2, np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="f must return shape"):
        grid_tensor(lambda X: X[:, 0], 2, tmpl)
    with pytest.raises(BudgetError, match="grid tensor"):  # 4^40 entries: refused, not allocated
        grid_tensor(lambda X: X[:, 0, 0], 40, tmpl)


def test_matricize_and_rank_against_numpy():
    rng = np.random.default_rng(1)
    T = rng.standard_normal((2, 3, 4, 5))
    Mx = matricize(T, [2, 0])
    # row = (j0, j2) with j0 slowest; col = (j1, j3)
    for j0, j1, j2, j3 in itertools.product(range(2), range(3), range(4), range(5)):
        assert Mx[j0 * 4 + j2, j1 * 5 + j3] == T[j0, j1, j2, j3]
    # a tensor of known rank 2 across ({0, 2}, {1, 3})
    u = rng.standard_normal((2, 2, 4))  # (term, j0, j2)
    v = rng.standard_normal((2, 3, 5))
    T2 = np.einsum("tac,tbd->abcd", u, v)
    assert grid_rank(T2, [0, 2]) == np.linalg.matrix_rank(matricize(T2, [0, 2])) == 2
    assert grid_rank(np.zeros((2, 2)), [0]) == 0
    s = grid_schmidt_values(T2, [0, 2])
    assert np.sum(s**2) == pytest.approx(1.0)
    np.testing.assert_allclose(
        s[:2], np.linalg.svd(matricize(T2, [0, 2]), compute_uv=False)[:2] / np.linalg.norm(T2)
    )
    for bad, exc in [
        ([0, 0], ValueError),
        ([4], ValueError),
        ([], ValueError),
        (["a"], TypeError),
    ]:
        with pytest.raises(exc, match="A "):
            matricize(T, bad)
    with pytest.raises(ValueError, match="rtol"):
        grid_rank(T, [0], rtol=2.0)


def test_balanced_partitions_count():
    for N in (2, 4, 6):
        parts = balanced_partitions(N)
        assert len(parts) == math.comb(N, N // 2) // 2
        assert all(0 in A and len(A) == N // 2 for A in parts)
    assert len(balanced_partitions(5)) == math.comb(5, 2)


def test_claim_7_1_grid_rank_lower_bounds_separation_rank():
    # f = sum_{v<R} g_v(x_A) h_v(x_B) has sep rank <= R; the grid rank never exceeds R,
    # and for generic g_v, h_v on enough template points it equals R.
    rng = np.random.default_rng(2)
    R = 3
    W = rng.standard_normal((R, 2, 2))

    def f(X):  # A = {0, 2}, B = {1, 3}
        a = np.stack([np.cos(X[:, 0] * W[v, 0, 0] + X[:, 2] * W[v, 0, 1]) for v in range(R)])
        b = np.stack(
            [np.exp(0.3 * (X[:, 1] * W[v, 1, 0] - X[:, 3] * W[v, 1, 1])) for v in range(R)]
        )
        return (a * b).sum(axis=0)

    T = grid_tensor(f, 4, rng.standard_normal(5))
    assert grid_rank(T, [0, 2]) == R
    assert grid_rank(T, [2, 0]) == R
    # across another partition the same function is not separable with R terms
    assert grid_rank(T, [0, 1]) > R


# ---------------------------------------------------------------- generalized ConvACs


def _tmpl(K, s=2, seed=0):
    return np.random.default_rng(seed).standard_normal((K, s))


@pytest.mark.parametrize("g", ["product", "relu_max", "relu_sum"])
@pytest.mark.parametrize("kind,N", [("shallow", 2), ("shallow", 5), ("deep", 2), ("deep", 8)])
def test_generalized_decomposition_equals_brute_force(g, kind, N):
    K = 3
    if kind == "shallow":
        net = G.shallow(N, 3, 2, g=g, seed=N)
    else:
        net = G.deep(N, 3, [3, 2, 2][: int(math.log2(N))], g=g, seed=N)
    tmpl = _tmpl(K, seed=N)
    T = net.grid_tensor(tmpl)
    B = grid_tensor(net, N, tmpl)  # evaluates the forward pass on all K^N points
    np.testing.assert_allclose(T, B, rtol=1e-12, atol=1e-12 * np.abs(B).max())
    assert np.abs(B).max() > 0


def _cp_entry(F, conv0, out, idx):
    return sum(
        out[c] * np.prod([F[k] @ conv0[i, c] for i, k in enumerate(idx)]) for c in range(len(out))
    )


def test_product_pooling_is_the_coefficient_tensor_times_F_shallow():
    N, M, K = 4, 3, 3
    net = G.shallow(N, M, 3, g="product", seed=3)
    C = net.coefficient_tensor()
    # independent: CP coefficient tensor entry by entry from the weights
    for idx in itertools.product(range(M), repeat=N):
        ref = sum(
            net.out[c] * np.prod([net.conv[0][i, c, d] for i, d in enumerate(idx)])
            for c in range(3)
        )
        assert C[idx] == pytest.approx(ref, abs=1e-13)
    tmpl = _tmpl(K, seed=3)
    F = net.features(tmpl)
    T = net.grid_tensor(tmpl)
    ref = np.einsum("abcd,ia,jb,kc,ld->ijkl", C, F, F, F, F)
    np.testing.assert_allclose(T, ref, rtol=1e-12, atol=1e-14)
    for idx in [(0, 1, 2, 0), (2, 2, 1, 1)]:
        assert T[idx] == pytest.approx(_cp_entry(F, net.conv[0], net.out, idx))


def test_product_pooling_is_the_coefficient_tensor_times_F_deep():
    N, M = 4, 2
    net = G.deep(N, M, [2, 3], g="product", seed=4)
    a0, a1 = net.conv
    C = net.coefficient_tensor()
    # independent: HT by loops, phi1[j, g, d, e] = sum_a a1[j, g, a] a0[2j, a, d] a0[2j+1, a, e]
    for idx in itertools.product(range(M), repeat=N):
        ref = 0.0
        for al in range(3):
            left = sum(a1[0, al, a] * a0[0, a, idx[0]] * a0[1, a, idx[1]] for a in range(2))
            right = sum(a1[1, al, a] * a0[2, a, idx[2]] * a0[3, a, idx[3]] for a in range(2))
            ref += net.out[al] * left * right
        assert C[idx] == pytest.approx(ref, abs=1e-13)
    F = np.random.default_rng(5).standard_normal((3, M))  # "given by a matrix on the template"
    T = net.grid_tensor_from_features(F)
    np.testing.assert_allclose(T, np.einsum("abcd,ia,jb,kc,ld->ijkl", C, F, F, F, F), atol=1e-13)
    with pytest.raises(ValueError, match="coefficient tensor exists only"):
        G.deep(N, M, 2, g="relu_max", seed=0).coefficient_tensor()


def test_deep_relu_max_depth_efficiency():
    # Cohen & Shashua: deep ReLU/max reaches the maximal odd/even grid rank K^(N/2) = 256
    # while any shallow ReLU/max net with Z channels has rank <= Z (|A| K + 1).
    N, M, K = 8, 4, 4
    F = np.abs(np.random.default_rng(0).standard_normal((K, M)))
    odd = list(range(0, N, 2))
    # existence (the paper's claim): one weight point reaching the maximum
    deep_rank = grid_rank(G.deep(N, M, 8, g="relu_max", seed=10).grid_tensor_from_features(F), odd)
    assert deep_rank == K ** (N // 2)
    # and typical draws of the same deep net beat an equally wide (Z = 8) shallow net
    bound8 = G.shallow_relu_max_rank_bound(8, N // 2, K)
    assert bound8 == 136
    for seed in range(3):
        T = G.deep(N, M, 8, g="relu_max", seed=seed).grid_tensor_from_features(F)
        assert grid_rank(T, odd) > bound8
    bound1 = G.shallow_relu_max_rank_bound(1, N // 2, K)
    assert bound1 == 17
    for Z in (1, 2, 8):
        for seed in range(3):
            sh = G.shallow(N, M, Z, g="relu_max", seed=seed)
            r = grid_rank(sh.grid_tensor_from_features(F), odd)
            assert r <= G.shallow_relu_max_rank_bound(Z, N // 2, K)
    # a shallow net needs >= 256 / 17 -> 16 channels to match this 3-layer, 8-channel net
    assert math.ceil(deep_rank / bound1) == 16 > 8


def test_deep_relu_max_incompleteness_positive_measure_set():
    # an open set of deep ReLU/max weights realizes exactly a 1-channel shallow ReLU/max net
    N, M, K = 8, 4, 4
    tmpl = _tmpl(K, seed=7)
    odd = list(range(0, N, 2))
    for seed in range(4):
        net = G.collapsible_deep(N, M, [4, 3, 3], seed=seed)
        sh = G.shallow_equivalent(net)
        assert sh.kind == "shallow" and sh.ranks == (1,)
        T = grid_tensor(net, N, tmpl)  # brute force, the network itself
        np.testing.assert_allclose(sh.grid_tensor(tmpl), T, rtol=1e-12, atol=1e-12)
        assert np.abs(T).max() > 0  # not the trivial zero function
        assert grid_rank(T, odd) <= G.shallow_relu_max_rank_bound(1, N // 2, K)
        # perturbing weights inside the open set keeps the equality (positive measure)
        rng = np.random.default_rng(seed)
        for W in net.conv[1:]:
            W[:, :, 1:] += rng.standard_normal(W[:, :, 1:].shape)  # free coordinates
        np.testing.assert_allclose(
            grid_tensor(net, N, tmpl), G.shallow_equivalent(net).grid_tensor(tmpl), atol=1e-12
        )
    # generic deep weights are outside the set: the check refuses them
    with pytest.raises(ValueError, match="must be"):
        G.shallow_equivalent(G.deep(N, M, 3, g="relu_max", seed=0))


def test_shallow_relu_sum_not_universal():
    # span of shallow ReLU/sum grid tensors = additive tensors, dim N(K-1)+1 < K^N;
    # product pooling spans all K^N
    N, K = 4, 3
    tmpl = _tmpl(K, seed=8)
    V = {
        g: np.array(
            [G.shallow(N, 3, 3, g=g, seed=s).grid_tensor(tmpl).ravel() for s in range(120)]
        )
        for g in ("relu_sum", "product")
    }
    assert np.linalg.matrix_rank(V["relu_sum"]) == G.additive_subspace_dim(N, K) == 9
    assert np.linalg.matrix_rank(V["product"]) == K**N == 81
    # independent membership check: an additive tensor is fixed by its projection
    # T -> sum_i mean over other modes (minus (N-1) * global mean)
    T = V["relu_sum"][0].reshape((K,) * N)
    P = (
        sum(
            T.mean(axis=tuple(j for j in range(N) if j != i)).reshape(
                [K if j == i else 1 for j in range(N)]
            )
            for i in range(N)
        )
        - (N - 1) * T.mean()
    )
    np.testing.assert_allclose(P, T, atol=1e-12)


def test_generalized_argument_errors():
    with pytest.raises(ValueError, match="power of 2"):
        G.deep(6, 2, 2)
    with pytest.raises(ValueError, match="ranks has 2 entries"):
        G.deep(8, 2, [2, 2])
    with pytest.raises(ValueError, match="g must be one of"):
        G.shallow(4, 2, 2, g="min")
    with pytest.raises(ValueError, match="N must be >= 2"):
        G.shallow(1, 2, 2)
    with pytest.raises(ValueError, match="rep must be one of"):
        G.shallow(4, 2, 2, rep="tanh")
    net = G.shallow(4, 2, 2, d_in=3)
    with pytest.raises(ValueError, match="d_in=3"):
        net(np.zeros((5, 4, 2)))
    with pytest.raises(ValueError, match="N=4 positions"):
        net(np.zeros((5, 3, 3)))
    with pytest.raises(ValueError, match=r"shape \(K, M=2\)"):
        net.grid_tensor_from_features(np.zeros((3, 5)))
    with pytest.raises(BudgetError):
        G.deep(64, 2, 2, seed=0).grid_tensor_from_features(np.ones((3, 2)))


def test_callable_rep_and_g():
    # a representation given as a callable, and g given as a callable, agree with brute force
    def rep(X):
        return np.concatenate([np.sin(X), np.cos(X)], axis=-1)  # (..., 1) -> (..., 2)

    net = G.deep(4, 2, 2, g=lambda a, b: np.maximum(a, b), rep=rep, seed=1)
    tmpl = np.linspace(-1, 1, 3)  # scalar points
    np.testing.assert_allclose(net.grid_tensor(tmpl), grid_tensor(net, 4, tmpl), atol=1e-13)
