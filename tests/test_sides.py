"""Sides: ints are positions in tn.sites order, bare values refused, dangling legs warned."""

import re
import warnings

import numpy as np
import pytest
import quimb as qu
import quimb.tensor as qtn
from hypothesis import given, settings
from hypothesis import strategies as st_

import tnexpress as tx
from tnexpress.engine import resolve_side

PEPS = qtn.PEPS.rand(3, 3, bond_dim=2, seed=1)


def test_peps_ints_are_positions_in_sites_order():
    sites = list(PEPS.sites)
    A = [0, 4, 8]
    a_inds, _ = resolve_side(PEPS, A)
    assert a_inds == tuple(PEPS.site_ind(sites[k]) for k in A)
    # the same bipartition by tuples and by index names
    assert tx.min_cut(PEPS, A).weight == tx.min_cut(PEPS, [sites[k] for k in A]).weight
    s_int = tx.schmidt_values(PEPS, A)
    s_tup = tx.schmidt_values(PEPS, [(0, 0), (1, 1), (2, 2)])
    np.testing.assert_allclose(s_int, s_tup)
    # against quimb's dense reference
    psi = PEPS.to_dense()
    ref = np.linalg.svd(
        np.moveaxis(psi.reshape([2] * 9), A, [0, 1, 2]).reshape(8, 64), compute_uv=False
    )
    ref = ref / np.linalg.norm(ref)
    np.testing.assert_allclose(s_int, ref[: len(s_int)], atol=1e-12)
    assert qu is not None


def test_peps_position_out_of_range():
    with pytest.raises(ValueError, match=r"valid positions are 0..8 \(in tn.sites order"):
        tx.min_cut(PEPS, [9])
    with pytest.raises(ValueError, match="not sites of this network"):
        tx.min_cut(PEPS, [(5, 5)])


@pytest.mark.parametrize("A", [3, "k3", np.int64(2)])
def test_bare_value_refused(A):
    net = tx.nets.ht(8, 2, 2, seed=0)
    for fn in (tx.min_cut, tx.schmidt_values, tx.schmidt_rank, tx.entropy, tx.bipartition):
        with pytest.raises(TypeError, match=r"A must be a list .* pass a list, e\.g\. \["):
            fn(net, A)


def test_dangling_non_site_index_warns():
    mps = qtn.MPS_rand_state(6, 2, seed=0)
    extra = mps.copy()
    t = extra[2]
    t.new_ind("y", size=3)  # an extra open leg that is not a site index
    with pytest.warns(UserWarning, match=r"open indices \['y'\] .* not site indices") as rec:
        w = tx.min_cut(extra, [0, 1]).weight
    assert rec[0].filename == __file__  # points at the caller, not at tnexpress
    assert w == 2  # the bond between sites 1 and 2
    with warnings.catch_warnings():  # a clean MPS does not warn
        warnings.simplefilter("error")
        tx.min_cut(mps, [0, 1])
        tx.min_cut(tx.nets.ht(8, 2, 2, seed=0), [0, 1])


def test_plain_network_ints_are_open_ind_positions():
    tn = qtn.TensorNetwork([qtn.rand_tensor((2, 3), "ab"), qtn.rand_tensor((3, 4), "bc")])
    assert resolve_side(tn, [1]) == (("c",), ("a",))


@settings(max_examples=40, deadline=None)
@given(
    n=st_.integers(66, 200),
    data=st_.data(),
    kind=st_.sampled_from(["tt", "peps", "plain"]),
)
def test_many_int_positions_take_the_numpy_path_with_the_same_answer(n, data, kind):
    # more than 64 plain ints are resolved in numpy; numpy ints take the general path
    import quimb.tensor as qtn

    if kind == "tt":
        tn = tx.nets.tt(n, 2, 2, seed=0)
    elif kind == "peps":
        tn = qtn.PEPS.rand(2, n // 2, bond_dim=1, seed=0)
    else:  # no sites: positions in open_inds order
        tn = qtn.TensorNetwork(list(tx.nets.tt(n, 2, 2, seed=0).tensors))
    n_open = len(tx.open_inds(tn))
    A = data.draw(
        st_.lists(st_.integers(0, n_open - 1), min_size=65, max_size=n_open, unique=True),
        label="A",
    )
    bad = data.draw(st_.sampled_from([None, "repeat", "negative", "too big"]), label="bad")
    if bad == "repeat":
        A.append(A[0])
    elif bad == "negative":
        A.append(-1)
    elif bad == "too big":
        A.append(n_open)
    slow = [np.int64(a) for a in A]
    try:
        want = resolve_side(tn, slow)
    except (ValueError, TypeError) as e:
        with pytest.raises(type(e), match=re.escape(str(e)[:10])):
            resolve_side(tn, A)
        return
    assert bad is None
    got = resolve_side(tn, A)
    assert got == want
    opens = tx.open_inds(tn)  # positions: in sites order, which open_inds lists first
    assert got[0] == tuple(opens[a] for a in A)
    assert set(got[1]) == set(opens) - set(got[0])
