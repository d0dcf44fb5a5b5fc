"""tx.draw: node and cut-edge counts from the figure's data (not pixels)."""

import pytest
import quimb.tensor as qtn

import tnexpress as tx

pytest.importorskip("matplotlib")


def _collections(fig):
    return {c.get_gid(): c for c in fig.axes[0].collections if c.get_gid()}


def _n(c):
    return len(c.get_offsets()) if hasattr(c, "get_offsets") else 0


def test_ht_tree_nodes_and_cut():
    net = tx.nets.ht(8, 2, (2, 2, 2), seed=0)
    A = tx.partitions.odd_even(8)
    fig = tx.draw(net, A=A)
    c = _collections(fig)
    hyper = [ix for ix, tids in net.ind_map.items() if len(tids) > 2]
    assert _n(c["tensors"]) == net.num_tensors
    assert _n(c["deltas"]) == len(hyper) == 7
    assert _n(c["legs"]) == 8
    cut = tx.bipartition(net, A).min_cut
    # each cut index is an open leg here: one highlighted segment per cut index
    assert len(c["cut"].get_segments()) == len(cut.inds) == 4
    # sides in two colours: legs of A and of B differ
    cols = {tuple(x) for x in c["legs"].get_facecolors()}
    assert len(cols) == 2
    assert fig.axes[0].get_legend() is not None


def test_cut_through_delta_highlights_its_legs(tmp_path):
    net = tx.nets.ht(8, 2, (2, 2, 2), seed=0)
    path = tmp_path / "ht.png"
    fig = tx.draw(net, A=[0], path=path)
    assert path.stat().st_size > 1000
    cut = tx.bipartition(net, [0]).min_cut
    (ix,) = cut.inds
    assert len(net.ind_map[ix]) == 3  # the first pooling delta
    assert len(_collections(fig)["cut"].get_segments()) == 3


def test_peps_on_its_grid_and_ht2d_with_grid():
    peps = qtn.PEPS.rand(2, 3, bond_dim=2, seed=0)
    fig = tx.draw(peps, A=[0, 1, 2])
    c = _collections(fig)
    xy = c["legs"].get_offsets()
    assert len({round(float(x), 6) for x in xy[:, 0]}) == 3  # 3 columns
    assert len({round(float(y), 6) for y in xy[:, 1]}) == 2  # 2 rows
    assert len(c["cut"].get_segments()) == 3  # three vertical bonds, W = 8
    net = tx.nets.ht2d(4, 4, 2, (2, 2), seed=0)
    xy = _collections(tx.draw(net, grid=(4, 4)))["legs"].get_offsets()
    assert len({float(x) for x in xy[:, 0]}) == 4 and len({float(y) for y in xy[:, 1]}) == 4


def test_no_side_no_cut():
    fig = tx.draw(qtn.MPS_rand_state(5, 2, seed=0))
    c = _collections(fig)
    assert _n(c["tensors"]) == 5 and len(c["cut"].get_segments()) == 0
