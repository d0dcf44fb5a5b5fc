"""Builders against independent numpy implementations of each architecture."""

import itertools
import math

import numpy as np
import pytest

import tnexpress as tx
from tnexpress.nets.ht import grid_tree, pooling_tree, tree_leaves


def _dense(net):
    N = net.nsites
    out = tuple(net.site_ind(i) for i in range(N))
    extra = tuple(ix for ix in net.outer_inds() if ix not in out)
    return net.contract(output_inds=out + extra).transpose(*(out + extra)).data


def _tensor_with(net, ix):
    (tid,) = [t for t in net.ind_map[ix]]
    return net.tensor_map[tid]


def test_cp_matches_sum_of_products():
    net = tx.nets.cp(5, 3, 4, seed=1)
    a = [_tensor_with(net, f"k{i}").transpose(f"k{i}", "z").data for i in range(5)]
    lam = net.select("OUT").tensors[0].data
    ref = np.zeros((3,) * 5)
    for z in range(4):
        term = lam[z]
        for i in range(5):
            term = np.multiply.outer(term, a[i][:, z])
        ref += term
    np.testing.assert_allclose(_dense(net), ref, rtol=1e-12, atol=1e-12)


def _ht_reference(net, tree, M):
    """Evaluate the deep ConvAC on every one-hot input by the layer recursion."""
    N = len(tree_leaves(tree))
    out = np.zeros((M,) * N)

    def conv_in(node_ix):
        # the conv tensor that reads index node_ix (a leaf leg or a pooled index)
        return [net.tensor_map[t] for t in net.ind_map[node_ix]]

    for d in itertools.product(range(M), repeat=N):

        def feat(node):
            if isinstance(node, int):
                t = _tensor_with(net, f"k{node}")
                pix = [i for i in t.inds if i != f"k{node}"][0]
                return t.transpose(f"k{node}", pix).data[d[node]], pix
            vals = [feat(c) for c in node]
            pix = vals[0][1]
            assert all(v[1] == pix for v in vals)  # children pool on one index
            phi = np.prod([v[0] for v in vals], axis=0)
            # conv to the parent (or the output layer)
            nxt = [t for t in conv_in(pix) if not any(i.startswith("k") for i in t.inds)]
            nxt = [t for t in nxt if t.inds[0] == pix]
            (t,) = nxt
            mat = t.data
            if mat.ndim == 1:
                return phi @ mat, None
            return phi @ mat, t.inds[1]

        out[d] = feat(tree)[0]
    return out


@pytest.mark.parametrize("geometry", ["contiguous", "mirror"])
def test_ht_matches_layer_recursion(geometry):
    N, M = 8, 2
    net = tx.nets.ht(N, M, (2, 3, 2), geometry=geometry, seed=3)
    tree = pooling_tree(N, geometry)
    np.testing.assert_allclose(_dense(net), _ht_reference(net, tree, M), rtol=1e-10, atol=1e-12)


def test_ht2d_matches_layer_recursion_and_grid_tree():
    tree = grid_tree(4, 4)
    assert tree[0] == (0, 1, 4, 5)  # bottom windows are 2x2 blocks
    net = tx.nets.ht2d(4, 4, 2, (2, 2), seed=5)
    ref = _ht_reference(net, tree, 2)
    np.testing.assert_allclose(_dense(net), ref, rtol=1e-10, atol=1e-12)


def test_tt_matches_matrix_product_and_equal_cores_share():
    N, M, r = 6, 2, 3
    net = tx.nets.tt(N, M, r, equal_cores=True, seed=7)
    cores = [_tensor_with(net, f"k{i}") for i in range(N)]
    assert all(cores[i].data is cores[1].data for i in range(1, N - 1))
    first = cores[0].transpose("k0", "b0").data
    last = cores[-1].transpose(f"b{N - 2}", f"k{N - 1}").data
    G = cores[1].transpose("b0", "k1", "b1").data
    ref = np.zeros((M,) * N)
    for d in itertools.product(range(M), repeat=N):
        v = first[d[0]]
        for i in range(1, N - 1):
            v = v @ G[:, d[i], :]
        ref[d] = v @ last[:, d[-1]]
    np.testing.assert_allclose(_dense(net), ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "build",
    [
        lambda **kw: tx.nets.cp(6, 2, 3, **kw),
        lambda **kw: tx.nets.ht(8, 2, (2, 2, 2), **kw),
        lambda **kw: tx.nets.ht2d(4, 4, 2, (2, 2), **kw),
    ],
)
def test_copy_tensors_same_tensor_more_tensors(build):
    hyper = build(seed=11)
    copy = build(seed=11, copy_tensors=True)
    assert copy.num_tensors > hyper.num_tensors
    assert len(copy.select("POOL").tensors) > 0
    np.testing.assert_allclose(_dense(copy), _dense(hyper), rtol=1e-10, atol=1e-12)
    # hyper-indices are indices on 3+ tensors; the COPY form has none
    assert any(len(t) >= 3 for t in hyper.ind_map.values())
    assert all(len(t) <= 2 for t in copy.ind_map.values())


def test_weights_integer_complex_and_seeded():
    a = _dense(tx.nets.ht(4, 2, 2, seed=0, weights="integer"))
    assert np.all(a == np.round(a)) and np.any(a != 0)
    c = tx.nets.tt(4, 2, 2, seed=0, dtype="complex128")
    assert all(np.iscomplexobj(t.data) for t in c)
    np.testing.assert_array_equal(
        _dense(tx.nets.cp(4, 2, 2, seed=9)), _dense(tx.nets.cp(4, 2, 2, seed=9))
    )


def test_output_leg_Y_and_tags():
    net = tx.nets.ht(8, 2, 2, Y=3, seed=0)
    assert "y" in net.outer_inds() and net.ind_size("y") == 3
    assert len(net.select("OUT").tensors) == 1
    assert len(net.select("CONV").tensors) == 8 + 4 + 2
    assert len(net.select("L0").tensors) == 8
    assert net.select(net.site_tag(3)).tensors[0].inds[0] == "k3"


def test_general_tree_and_sizes():
    tree = ((0, 3), ((1, 2), 4))
    net = tx.nets.ht_tree(tree, 2, (2, 3, 2), seed=0)
    assert net.nsites == 5
    assert _dense(net).shape == (2,) * 5
    assert math.prod(net.ind_size(f"k{i}") for i in range(5)) == 32
