"""Linear self-attention: forward pass, partition invariance, depth and embedding-rank effects.

Ranks are grid ranks with rtol = 1e-10: the entries carry rounding errors ~1e-15
relative, so by Weyl's inequality every singular value counted is nonzero in exact
arithmetic: the counts are lower bounds on the separation rank (Claim 7.1).
"""

import itertools

import numpy as np
import pytest

from tnexpress.grid import balanced_partitions, grid_rank
from tnexpress.grid import generalized as G
from tnexpress.grid.attention import attention_separation_ranks, linear_attention

RTOL = 1e-10


def _template(K, d, seed=0):
    # generic points (random directions, radii in [0.7, 1.3]); NOT on the unit sphere,
    # where polynomials satisfy |x|^2 = 1 and the grid rank drops
    rng = np.random.default_rng(seed)
    t = rng.standard_normal((K, d))
    return t / np.linalg.norm(t, axis=1, keepdims=True) * rng.uniform(0.7, 1.3, (K, 1))


def _loop_forward(net, X):
    # direct loop implementation of Eq. (7.6) without softmax, one input sequence
    Y = [net.embed @ x for x in X]
    for l in range(net.L):
        new = []
        for i in range(len(Y)):
            acc = np.zeros(net.d_x)
            for h in range(net.H):
                z = np.zeros(net.d_x // net.H)
                for j in range(len(Y)):
                    a = float((net.WQ[l, h] @ Y[i]) @ (net.WK[l, h] @ Y[j]))
                    z += a * (net.WV[l, h] @ Y[j])
                acc += net.WO[l, h] @ z
            new.append(Y[i] + acc if net.residual else acc)
        Y = new
    return float(net.readout @ Y[net.position])


@pytest.mark.parametrize("residual", [False, True])
def test_forward_matches_loop(residual):
    net = linear_attention(2, 4, H=2, d_in=3, embed_rank=2, residual=residual, position=1, seed=0)
    X = np.random.default_rng(1).standard_normal((3, 5, 3))
    y = net(X)
    for b in range(3):
        assert y[b] == pytest.approx(_loop_forward(net, X[b]), rel=1e-12)
    assert np.linalg.matrix_rank(net.embed) == 2


def test_depth_one_closed_form_rank():
    # L = 1: y = sum_j <Q y_i, K y_j> <u, V y_j>; across a partition with i in A the terms with
    # j in B are sum_a (y_i)_a g_a(y_B): sep rank = r + 1 (r = embedding rank)
    for d_x, r in [(2, 2), (4, 1), (4, 3), (4, 4)]:
        net = linear_attention(1, d_x, embed_rank=r, seed=r)
        T = net.grid_tensor(4, _template(10, d_x, seed=1))
        assert grid_rank(T, (0, 1), RTOL) == r + 1


def test_partition_invariance_all_balanced_partitions():
    # Proposition 7.1: the same rank for every balanced partition
    net = linear_attention(2, 2, seed=1)
    ranks = attention_separation_ranks(net, 6, _template(5, 2, seed=2), rtol=RTOL)
    assert len(ranks) == 10
    assert set(ranks.values()) == {18}
    # with heads and a residual connection too
    net = linear_attention(2, 2, H=2, residual=True, seed=3)
    assert len(set(attention_separation_ranks(net, 4, _template(12, 2), rtol=RTOL).values())) == 1
    # contrast: a deep (conv) arithmetic circuit favors interleaved partitions
    conv = G.deep(4, 3, 3, g="product", seed=0)
    T = conv.grid_tensor_from_features(np.random.default_rng(0).standard_normal((3, 3)))
    conv_ranks = {A: grid_rank(T, A) for A in balanced_partitions(4)}
    assert conv_ranks[(0, 1)] == 3 and conv_ranks[(0, 2)] == 9


def test_rank_grows_with_depth():
    ranks = []
    for L in (1, 2, 3):
        net = linear_attention(L, 2, seed=0)
        ranks.append(grid_rank(net.grid_tensor(4, _template(12, 2, seed=4)), (0, 1), RTOL))
    assert ranks[0] == 3 and ranks[1] == 18
    assert ranks[2] > ranks[1]  # 35 counted (a lower bound); the exact value is beyond float64


def test_embedding_rank_caps_separation_rank():
    # Theorem 7.3: r < d_x caps the rank; at L = 2 the rank depends on r only
    tm = {d: _template(16, d, seed=5) for d in (2, 3, 4)}
    by_r = {}
    for d_x in (2, 3, 4):
        for r in range(1, d_x + 1):
            net = linear_attention(2, d_x, embed_rank=r, seed=10 * d_x + r)
            by_r.setdefault(r, set()).add(grid_rank(net.grid_tensor(4, tm[d_x]), (0, 1), RTOL))
    # r = 1, 2: exact plateaus, the same whatever the width d_x >= r
    assert by_r[1] == {5} and by_r[2] == {18}
    # r = 3, 4: degree-9 polynomials in 3-4 variables, counts are float lower bounds
    # (41-49 and 106-110 measured); they still grow strictly with r
    assert min(by_r[3]) > 18 and min(by_r[4]) > max(by_r[3])
    # d_in > d_x: the embedding has rank <= d_x, the rank is that of the full-width net
    net = linear_attention(2, 2, d_in=6, seed=1)
    assert net.embed_rank == 2
    assert grid_rank(net.grid_tensor(4, _template(16, 6, seed=6)), (0, 1), RTOL) == 18


def test_attention_errors():
    with pytest.raises(ValueError, match="H=3 must divide d_x=4"):
        linear_attention(1, 4, H=3)
    with pytest.raises(ValueError, match="embed_rank must be <= min"):
        linear_attention(1, 4, embed_rank=5)
    with pytest.raises(ValueError, match="L must be >= 1"):
        linear_attention(0, 4)
    with pytest.raises(ValueError, match="readout must be in"):
        linear_attention(1, 4, readout=4)
    net = linear_attention(1, 3, position=2, seed=0)
    with pytest.raises(ValueError, match="output position"):
        net.grid_tensor(2, _template(3, 3))
    with pytest.raises(ValueError, match="d_in=3"):
        net(np.zeros((2, 4, 2)))


def test_symmetry_in_non_output_positions():
    # the reason for Proposition 7.1: permuting positions other than i leaves y unchanged
    net = linear_attention(2, 3, H=1, seed=7)
    X = np.random.default_rng(8).standard_normal((1, 5, 3))
    base = net(X)[0]
    for perm in itertools.permutations(range(1, 5)):
        assert net(X[:, (0,) + perm])[0] == pytest.approx(base, rel=1e-12)
