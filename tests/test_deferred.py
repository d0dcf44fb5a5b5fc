"""Builder networks whose quimb objects are made on first use (``nets/_deferred.py``).

A deferred network must be indistinguishable from the eager one: once anything
of quimb reads it, it *is* the eager network (same maps, same class); before,
every measure reads its columns and gives the eager network's answers, and the
columns are never modified. The builders' columns (``ht`` on complete trees)
must equal the general tree builder's.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import quimb.tensor as qtn
from hypothesis import given, settings
from hypothesis import strategies as st

import tnexpress as tx
from tnexpress.engine.sides import deferred_columns
from tnexpress.engine.structure import _all_finite_views
from tnexpress.nets import _deferred
from tnexpress.nets._common import WeightDrawer
from tnexpress.nets.ht import ht_tree, pooling_tree


@pytest.fixture
def always_deferred(monkeypatch):
    monkeypatch.setattr(_deferred, "DEFERRED_MIN", 0)


def _built_with(threshold, build, **kw):
    """``build(**kw)`` with the deferral threshold at ``threshold``."""
    old = _deferred.DEFERRED_MIN
    _deferred.DEFERRED_MIN = threshold
    try:
        return build(**kw)
    finally:
        _deferred.DEFERRED_MIN = old


def _eager(build, **kw):
    """The same network built eagerly (deferral off)."""
    return _built_with(2**62, build, **kw)


_BUILDS = {
    "tt": (lambda N, seed, dtype: tx.nets.tt(N, 2, 3, seed=seed, dtype=dtype)),
    "tt-equal": (lambda N, seed, dtype: tx.nets.tt(N, 3, 2, True, seed=seed, dtype=dtype)),
    "ht": (lambda N, seed, dtype: tx.nets.ht(2 ** max(1, N // 3), 2, 2, seed=seed, dtype=dtype)),
    "ht-Y": (
        lambda N, seed, dtype: tx.nets.ht(
            2 ** max(1, N // 3), 2, 3, Y=2, geometry="mirror", seed=seed, dtype=dtype
        )
    ),
}


def _assert_same_tensors(a, b):
    _deferred.materialize(a)
    _deferred.materialize(b)
    assert type(a) is type(b) is qtn.TensorNetworkGenVector
    assert list(a.tensor_map) == list(b.tensor_map)
    for name in ("tag_map", "ind_map"):
        ma, mb = getattr(a, name), getattr(b, name)
        assert list(ma) == list(mb) and all(list(ma[k]) == list(mb[k]) for k in ma)
    assert list(a._outer_inds) == list(b._outer_inds)
    assert list(a._inner_inds) == list(b._inner_inds)
    for ta, tb in zip(a.tensors, b.tensors, strict=True):
        assert ta.inds == tb.inds and list(ta.tags) == list(tb.tags)
        np.testing.assert_array_equal(ta.data, tb.data)
        ((ref, _),) = ta._owners.values()
        assert ref() is a
    for p in ("_sites", "_site_tag_id", "_site_ind_id", "exponent"):
        assert getattr(a, p) == getattr(b, p)


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(sorted(_BUILDS)),
    st.integers(4, 12),
    st.integers(0, 2**16),
    st.sampled_from(["float64", "complex128", "float32"]),
)
def test_measures_of_a_deferred_network_equal_the_eager_ones(fam, N, seed, dtype):
    net = _built_with(0, _BUILDS[fam], N=N, seed=seed, dtype=dtype)
    eager = _eager(_BUILDS[fam], N=N, seed=seed, dtype=dtype)
    cols = deferred_columns(net)
    assert cols is not None and type(net) is not qtn.TensorNetworkGenVector
    assert type(net).__name__ == "TensorNetworkGenVector"  # what messages name
    assert isinstance(net, qtn.TensorNetworkGenVector)
    n = len(tx.open_inds(eager)) - ("y" in eager.ind_map)
    A = list(range(n // 2))
    assert tx.open_inds(net) == tx.open_inds(eager)
    assert cols.site_inds == [eager.site_ind(i) for i in eager.sites]  # the builder's names
    assert net.num_tensors == eager.num_tensors and net.outer_inds() == eager.outer_inds()
    datas, inds = list(cols.datas), list(cols.inds)
    for method in ("cut", "dense"):
        np.testing.assert_allclose(
            tx.schmidt_values(net, A, method=method),
            tx.schmidt_values(eager, A, method=method),
            rtol=1e-4 if dtype == "float32" else 1e-10,
            atol=1e-6 if dtype == "float32" else 1e-13,
        )
    bp, bq = tx.bipartition(net, A), tx.bipartition(eager, A)
    assert bp.min_cut.weight == bq.min_cut.weight and bp.rank() == bq.rank()
    assert bp.structure.inputs == bq.structure.inputs and bp.structure.size == bq.structure.size
    g, h = bp.structure.graph, bq.structure.graph
    assert g.labels == h.labels
    for f in ("lab_ptr", "lab_nodes", "lab_size", "node_ptr", "node_lab"):
        np.testing.assert_array_equal(getattr(g, f), getattr(h, f))
    # nothing made, nothing modified
    assert deferred_columns(net) is cols
    assert all(map(lambda x, y: x is y, cols.datas, datas)) and cols.inds == inds
    assert len(cols.datas) == len(datas)
    # the first read of a map makes the plain network, the eager one exactly
    assert net.tensor_map is net.tensor_map
    assert deferred_columns(net) is None
    _assert_same_tensors(net, eager)


_QUIMB_READS = {
    "tensors": lambda n: n.tensors,
    "num_indices": lambda n: n.num_indices,
    "copy": lambda n: n.copy(),
    "copy.copy": copy.copy,
    "deepcopy": copy.deepcopy,
    "pickle": lambda n: pickle.loads(pickle.dumps(n)),
    "view_as": lambda n: n.view_as(qtn.TensorNetwork),
    "repr": repr,
    "str": str,
    "select": lambda n: n.select("I1"),
    "contract": lambda n: n.contract(output_inds=n.outer_inds()),
    "to_dense": lambda n: n.to_dense(),
    "add_tensor": lambda n: n.add_tensor(qtn.Tensor(np.ones(2), inds=("zz",))),
    "retag": lambda n: n.retag_({"CORE": "NEW"}),
    "reindex": lambda n: n.reindex_({"k0": "q0"}),
    "ind_size": lambda n: n.ind_size("k0"),
}


@pytest.mark.parametrize("op", sorted(_QUIMB_READS))
def test_quimb_sees_the_plain_network(op, always_deferred):
    net = tx.nets.tt(6, 2, 2, seed=3)
    assert deferred_columns(net) is not None
    out = _QUIMB_READS[op](net)
    assert deferred_columns(net) is None and type(net) is qtn.TensorNetworkGenVector
    if isinstance(out, qtn.TensorNetwork):
        assert type(out) in (qtn.TensorNetworkGenVector, qtn.TensorNetwork)
        assert deferred_columns(out) is None
    eager = _eager(lambda: tx.nets.tt(6, 2, 2, seed=3))
    _QUIMB_READS[op](eager)
    if op not in ("repr", "str"):
        assert list(net.ind_map) == list(eager.ind_map)
        assert list(net.tag_map) == list(eager.tag_map)
    np.testing.assert_allclose(
        tx.schmidt_values(net, [0, 1, 2]), tx.schmidt_values(eager, [0, 1, 2]), atol=1e-12
    )


def test_measures_after_materializing_match(always_deferred):
    net = tx.nets.ht(16, 2, 2, seed=0)
    before = tx.schmidt_values(net, [0, 2, 4, 6, 8, 10, 12, 14])
    assert len(net.tensors) == 31 and deferred_columns(net) is None  # made now
    after = tx.schmidt_values(net, [0, 2, 4, 6, 8, 10, 12, 14])
    np.testing.assert_allclose(before, after, atol=1e-14)


def test_deferred_network_rejects_bad_columns():
    with pytest.raises(ValueError, match="Wrong number of inds"):
        _deferred.deferred_network(qtn.TensorNetwork, [np.ones((2, 2))], [("a",)], [()])
    with pytest.raises(TypeError, match="tuple"):
        _deferred.deferred_network(qtn.TensorNetwork, [np.ones(2)], [["a"]], [()])


def test_big_builders_defer_and_small_ones_do_not(monkeypatch):
    monkeypatch.setattr(_deferred, "DEFERRED_MIN", 2**10)
    assert deferred_columns(tx.nets.tt(2**10, 2, 2, seed=0)) is not None
    assert deferred_columns(tx.nets.tt(2**10 - 1, 2, 2, seed=0)) is None
    assert deferred_columns(tx.nets.ht(2**10, 2, 2, seed=0, copy_tensors=True)) is None


@pytest.mark.parametrize("where", [0, 1, -1, "root"])
def test_non_finite_entry_of_a_big_deferred_network_is_named(where, always_deferred):
    # >= 4096 views of a few bases: the one-sum-per-base check (the root's base is mostly
    # other tensors' draws: its view is summed alone)
    net = tx.nets.ht(2**12, 2, 2, seed=0)
    cols = deferred_columns(net)
    k = len(cols.datas) - 1 if where == "root" else where
    cols.datas[k].flat[0] = np.nan  # in place: the network's own array
    with pytest.raises(ValueError, match="NaN or inf entry in the tensor with tags"):
        tx.schmidt_values(net, range(2**11))


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_all_finite_views_proves_or_refuses(data):
    n_blocks = data.draw(st.integers(1, 3))
    sizes = [data.draw(st.integers(8, 64)) for _ in range(n_blocks)]
    bases = [np.random.default_rng(i).standard_normal(n) for i, n in enumerate(sizes)]
    views = []
    for b in bases:
        n = data.draw(st.integers(1, len(b)))
        views += [b[i : i + 1] for i in range(n)]
    views = views * (4096 // len(views) + 1)
    bad = data.draw(st.booleans())
    if bad:
        views[data.draw(st.integers(0, len(views) - 1))][0] = np.inf
    out = _all_finite_views(views)
    truth = all(np.isfinite(v).all() for v in views)
    assert out is None or out == truth


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([(2, 1), (2, 2), (2, 3), (2, 5), (3, 1), (3, 2), (3, 3), (4, 2), (5, 2)]),
    st.sampled_from(["contiguous", "mirror"]),
    st.integers(1, 3),
    st.integers(1, 3),
    st.sampled_from(["normal", "integer", "uniform"]),
    st.sampled_from(["float64", "complex64"]),
    st.integers(0, 2**16),
    st.booleans(),
)
def test_ht_columns_equal_the_tree_builder(pl, geometry, M, Y, weights, dtype, seed, copies):
    pool, L = pl
    N = pool**L
    if geometry == "mirror" and pool != 2:
        with pytest.raises(ValueError, match="mirror"):
            tx.nets.ht(N, M, 2, pool, geometry=geometry)
        return
    ranks = tuple((seed >> (2 * i)) % 3 + 1 for i in range(L))
    kw = dict(Y=Y, seed=seed, weights=weights, dtype=dtype, copy_tensors=copies)
    a = _eager(lambda: tx.nets.ht(N, M, ranks, pool, geometry=geometry, **kw))
    b = ht_tree(pooling_tree(N, geometry, pool=pool), M, ranks, **kw)
    _assert_same_tensors(a, b)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from([(2,), (2, 3), (3, 2), (2, 2, 2)]), min_size=1, max_size=12),
    st.integers(0, 2**16),
)
def test_weight_drawer_many_with_equal_distinct_tuples(shapes, seed):
    same = WeightDrawer(seed).many(shapes)  # repeated tuple objects
    fresh = WeightDrawer(seed).many([tuple(list(s)) for s in shapes])  # equal, distinct
    for x, y in zip(same, fresh, strict=True):
        np.testing.assert_array_equal(x, y)


def test_threads_reading_one_deferred_network_make_its_maps_once(always_deferred):
    from concurrent.futures import ThreadPoolExecutor

    net = tx.nets.ht(256, 2, 2, seed=1)
    with ThreadPoolExecutor(8) as ex:
        maps = list(ex.map(lambda _: net.tensor_map, range(8)))
    assert all(m is maps[0] for m in maps) and deferred_columns(net) is None
    assert all(len(t.owners) == 1 for t in net.tensors)
    _assert_same_tensors(net, _eager(lambda: tx.nets.ht(256, 2, 2, seed=1)))
