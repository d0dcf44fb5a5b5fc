"""Overlapping ConvACs: dense contraction vs an independent forward pass, ranks vs the baseline."""

import math

import numpy as np
import pytest

import tnexpress as tx
from tnexpress import partitions as P
from tnexpress.nets.overlap import num_params, overlap, overlap2d, overlap_layer_sizes


def onehots(n_sites, M):
    """All M^n one-hot input sequences, row-major (matches the dense tensor's axes)."""
    digits = np.indices((M,) * n_sites).reshape(n_sites, -1).T
    return np.eye(M)[digits]  # (M^n, n, M)


def weight(net, *tags):
    """The weights of one (layer, location, tap); copies of a unit share them."""
    ts = net.select_tensors(tags, which="all")
    assert ts, tags
    for t in ts[1:]:
        np.testing.assert_array_equal(t.data, ts[0].data)
    return ts[0].data


def ref_overlap_1d(net, N, M, kernels, strides, padding):
    """Forward pass of the GC layers written from the definition (loops over windows)."""
    h = list(onehots(N, M).transpose(1, 0, 2))  # per position: (B, M)
    for l, (K, S) in enumerate(zip(kernels, strides)):
        n = len(h)
        if padding == "same":
            n_out, p = math.ceil(n / S), (K - S) // 2
        else:
            n_out, p = (n - K) // S + 1, 0
        new = []
        for j in range(n_out):
            y = 1.0
            for k in range(K):
                i = j * S - p + k
                if 0 <= i < n:
                    y = y * (h[i] @ weight(net, "CONV", f"L{l}", f"J{j}", f"TAP{k}"))
            new.append(y)
        h = new
    pooled = np.prod(np.stack(h), axis=0)  # global product pooling
    return (pooled @ weight(net, "OUT")).reshape((M,) * N)


def ref_overlap_2d(net, H, W, M, kernels, strides):
    """2D forward pass, 'same' padding, per-axis windows."""
    X = onehots(H * W, M)
    h = {(y, x): X[:, y * W + x] for y in range(H) for x in range(W)}
    shape = (H, W)
    for l, (K, S) in enumerate(zip(kernels, strides)):
        out = tuple(math.ceil(n / s) for n, s in zip(shape, S))
        pad = tuple((k - s) // 2 for k, s in zip(K, S))
        new = {}
        for oy in range(out[0]):
            for ox in range(out[1]):
                val = 1.0
                for dy in range(K[0]):
                    for dx in range(K[1]):
                        iy, ix = oy * S[0] - pad[0] + dy, ox * S[1] - pad[1] + dx
                        if 0 <= iy < shape[0] and 0 <= ix < shape[1]:
                            Wt = weight(
                                net,
                                "CONV",
                                f"L{l}",
                                f"J{oy * out[1] + ox}",
                                f"TAP{dy * K[1] + dx}",
                            )
                            val = val * (h[iy, ix] @ Wt)
                new[oy, ox] = val
        h, shape = new, out
    pooled = np.prod(np.stack(list(h.values())), axis=0)
    return (pooled @ weight(net, "OUT")).reshape((M,) * (H * W))


def dense(net):
    N = len(net.sites)
    return (
        net.to_dense([f"k{i}" for i in range(N)])
        .reshape((-1,) + ())
        .reshape(tuple(net.ind_size(f"k{i}") for i in range(N)))
    )


def dense_rank(net, A):
    N = len(net.sites)
    B = [i for i in range(N) if i not in set(A)]
    return np.linalg.matrix_rank(net.to_dense([f"k{i}" for i in A], [f"k{i}" for i in B]))


@pytest.mark.parametrize(
    "N, M, ranks, kernels, strides, padding",
    [
        (8, 2, (2, 3, 2, 2), (3, 2, 2, 2), (1, 2, 2, 2), "same"),
        (8, 2, (2, 2, 2), (4, 4, 2), (2, 2, 2), "same"),
        (8, 3, (2, 2, 2), (2, 2, 2), (2, 2, 2), "same"),
        (10, 2, (2, 2, 2, 2), (3, 2, 2, 2), (1, 2, 2, 2), "valid"),
        (6, 2, (2, 2), (3, 3), (1, 3), "same"),  # global pooling over 2 locations
        (7, 2, (2, 2), (5, 3), (1, 1), "valid"),
    ],
)
def test_overlap_matches_forward_pass(N, M, ranks, kernels, strides, padding):
    net = overlap(N, M, ranks, kernels, strides, padding=padding, seed=3)
    ref = ref_overlap_1d(net, N, M, kernels, strides, padding)
    np.testing.assert_allclose(dense(net), ref, rtol=1e-10, atol=1e-10)


def test_overlap2d_matches_forward_pass():
    H, W, M = 4, 4, 2
    kernels, strides = [(3, 3), (2, 2), (2, 2)], [(1, 1), (2, 2), (2, 2)]
    net = overlap2d(H, W, M, (2, 2, 2), kernels, strides, seed=5)
    ref = ref_overlap_2d(net, H, W, M, kernels, strides)
    np.testing.assert_allclose(dense(net), ref, rtol=1e-8, atol=1e-12 * np.abs(ref).max())


def test_open_legs_are_hyper_indices_when_first_layer_overlaps():
    net = overlap(8, 2, (2, 2, 2, 2), (3, 2, 2, 2), (1, 2, 2, 2), seed=0)
    # interior positions are read by 3 windows; the ends by 2
    assert [len(net.ind_map[f"k{i}"]) for i in range(8)] == [2, 3, 3, 3, 3, 3, 3, 2]
    assert net.site_inds == tuple(f"k{i}" for i in range(8))


def test_layer_sizes():
    assert overlap_layer_sizes(8, (3, 2, 2, 2), (1, 2, 2, 2)) == [(8,), (8,), (4,), (2,), (1,)]
    assert overlap_layer_sizes(10, (3, 2, 2, 2), (1, 2, 2, 2), padding="valid") == [
        (10,),
        (8,),
        (4,),
        (2,),
        (1,),
    ]
    # 2D: a flat pair is (ky, kx) for every layer; per-layer entries are pairs or ints
    assert overlap_layer_sizes((4, 6), (3, 2), (1, 2), n_layers=2) == [(4, 6), (4, 3), (4, 2)]
    assert overlap_layer_sizes((4, 6), ((3, 3), 2), ((1, 1), 2)) == [(4, 6), (4, 6), (2, 3)]


@pytest.mark.parametrize("M, r", [(2, 2), (3, 2), (2, 3)])
def test_non_overlapping_is_ht_closed_forms(M, r):
    """K = S = 2: odd/even rank min(r, M)^(N/2), left/right c_{L-1} (Cohen et al. 2016)."""
    N = 8
    net = overlap(N, M, (r, r, r), 2, 2, seed=11)
    assert dense_rank(net, P.odd_even(N)) == min(r, M) ** (N // 2)
    c = min(M, r)
    for _ in range(2):
        c = min(r, r, c * c)
    assert dense_rank(net, P.left_right(N)) == c
    assert (
        tx.nets.get_family("overlap").bound(
            "left-right", N=N, M=M, ranks=(r,) * 3, kernel=2, stride=2
        )
        == c
    )


def test_overlap_beats_baseline_with_fewer_parameters():
    """Sharir & Shashua: overlaps raise the rank for coarse partitions at equal size.

    Overlapping (K=3, S=1 first layer, width 2): 146 weights, left/right rank 8.
    Non-overlapping width 4: 164 weights, left/right rank 4 (bounded by r_top).
    """
    N, M = 8, 2
    over = overlap(N, M, (2, 2, 2, 2), (3, 2, 2, 2), (1, 2, 2, 2), seed=1)
    base = overlap(N, M, (4, 4, 4), 2, 2, seed=1)
    assert num_params(over) == 146 and num_params(base) == 164
    A = P.left_right(N)
    r_over, r_base = dense_rank(over, A), dense_rank(base, A)
    assert (r_over, r_base) == (8, 4)
    # the measured ranks respect the min-cut certificate
    assert r_over <= tx.min_cut(over, A).weight
    # no partition is worse off by more than the baseline's own cap
    for name, A in {"odd-even": P.odd_even(N), "blocks-2": P.blocks(N, 2)}.items():
        assert dense_rank(over, A) >= dense_rank(base, A), name


def test_wide_first_kernel_reaches_full_left_right_rank():
    """Large receptive field at stride 1 (Sharir & Shashua's first example): rank M^(N/2)."""
    N, M = 8, 2
    over = overlap(N, M, (4, 2, 2, 2), (7, 2, 2, 2), (1, 2, 2, 2), seed=2)
    assert dense_rank(over, P.left_right(N)) == M ** (N // 2)
    base = overlap(N, M, (2, 2, 2), 2, 2, seed=2)
    assert dense_rank(base, P.left_right(N)) == 2


def test_registry_entries_build():
    for name in ("overlap", "overlap2d"):
        fam = tx.nets.get_family(name)
        for arch in fam.atlas[:2]:
            net = fam.build(**arch, seed=0)
            for A in fam.partitions(**arch).values():
                assert 1 <= dense_rank(net, A) <= tx.min_cut(net, A).weight


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        (dict(kernel=2, stride=3), ValueError, "stride 3 > kernel 2"),
        (
            dict(kernel=(3, 2), stride=(1, 2), ranks=(2, 2), padding="valid", N=9),
            ValueError,
            "valid",
        ),
        (dict(ranks=2), TypeError, "one entry per layer"),
        (dict(padding="full"), ValueError, "padding"),
        (dict(ranks=(2, 2), kernel=(3, 2, 2)), ValueError, "disagree"),
        (dict(M=0), ValueError, "M must be >= 1"),
        (dict(kernel="3"), TypeError, "kernel"),
    ],
)
def test_errors(kwargs, err, match):
    args = dict(N=8, M=2, ranks=(2, 2, 2), kernel=2, stride=2)
    args.update(kwargs)
    with pytest.raises(err, match=match):
        overlap(**args)
