"""``fast_network`` / ``network_from_columns`` against quimb's own constructor.

The fast path fills quimb's internal maps directly; every map, their orders,
the tensors' attributes and the owners must equal what
``qtn.TensorNetwork([qtn.Tensor(...)], virtual=True)`` makes.
"""

from __future__ import annotations

import numpy as np
import pytest
import quimb.tensor as qtn
from hypothesis import given, settings
from hypothesis import strategies as st

import tnexpress as tx
from tnexpress.nets._common import WeightDrawer, fast_network, network_from_columns


def _assert_same(a, b):
    assert list(a.tensor_map) == list(b.tensor_map)
    for name in ("tag_map", "ind_map"):
        ma, mb = getattr(a, name), getattr(b, name)
        assert list(ma) == list(mb)
        assert all(list(ma[k]) == list(mb[k]) for k in ma)
        assert all(type(ma[k]) is type(mb[k]) for k in ma)
    assert list(a._inner_inds) == list(b._inner_inds)
    assert list(a._outer_inds) == list(b._outer_inds)
    assert type(a._inner_inds) is type(b._inner_inds)
    assert a._tid_counter == b._tid_counter
    for tid, ta in a.tensor_map.items():
        tb = b.tensor_map[tid]
        assert ta.inds == tb.inds and list(ta.tags) == list(tb.tags)
        assert type(ta._tags) is type(tb._tags) and ta.data is tb.data
        assert ta._left_inds is None
        ((ref, owner_tid),) = ta._owners.values()
        assert ref() is a and owner_tid == tid


def _quimb(triples):
    return qtn.TensorNetwork([qtn.Tensor(d, inds=i, tags=g) for d, i, g in triples], virtual=True)


@st.composite
def _triples(draw):
    n = draw(st.integers(0, 8))
    names = st.sampled_from("abcdefgh")  # few names: repeated and hyper-indices
    tagnames = st.sampled_from(["X", "Y", "Z", "I0", "I1"])
    out = []
    for _ in range(n):
        inds = tuple(draw(st.lists(names, min_size=0, max_size=3, unique=True)))
        tags = tuple(draw(st.lists(tagnames, min_size=0, max_size=3)))  # repeats allowed
        out.append((np.ones((2,) * len(inds)), inds, tags))
    return out


@settings(max_examples=200, deadline=None)
@given(_triples())
def test_fast_network_equals_quimb_on_random_triples(triples):
    a = fast_network(triples)
    _assert_same(a, _quimb(triples))
    if triples:
        a2 = network_from_columns(*zip(*triples))
        _assert_same(a2, _quimb(triples))


@pytest.mark.parametrize(
    "net",
    [
        tx.nets.tt(7, 2, 3, seed=1),
        tx.nets.ht(8, 2, 2, seed=1, Y=3),
        tx.nets.ht(16, 2, 2, seed=1, copy_tensors=True),
    ],
)
def test_fast_network_on_builder_triples_contracts_the_same(net):
    triples = [(t.data, t.inds, tuple(t.tags)) for t in net]
    a, b = fast_network(triples), _quimb(triples)
    _assert_same(a, b)
    out = tuple(a.outer_inds())
    np.testing.assert_allclose(a.contract(output_inds=out).data, b.contract(output_inds=out).data)
    a.retag_({"CORE" if "CORE" in a.tag_map else "CONV": "NEW"})  # owners wired
    assert "NEW" in a.tag_map and all("NEW" in t.tags for t in a.select("NEW"))


def test_fast_network_rejects_wrong_number_of_inds():
    with pytest.raises(ValueError, match="Wrong number of inds"):
        fast_network([(np.ones(2), ("a",), ()), (np.ones((2, 2)), ("a",), ("T",))])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from([(2,), (2, 3), (3, 2), (2, 2, 2), ()]), min_size=1, max_size=12),
    st.sampled_from(["float64", "float32", "complex128"]),
    st.sampled_from(["normal", "uniform"]),
    st.integers(0, 2**16),
)
def test_weight_drawer_many_equals_one_by_one(shapes, dtype, kind, seed):
    many = WeightDrawer(seed, kind, dtype).many(shapes)
    one = WeightDrawer(seed, kind, dtype)
    for s, x in zip(shapes, many, strict=True):
        y = one(*s)
        assert x.shape == y.shape and x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)
