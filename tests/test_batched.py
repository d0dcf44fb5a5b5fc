"""The level-wise batched side factors (tnexpress.engine.batched) against dense numpy and the
executor route: random trees (hyper labels, several cut labels), chains, overflow, dtypes."""

from __future__ import annotations

import numpy as np
import pytest
import quimb.tensor as qtn
from hypothesis import given, settings
from hypothesis import strategies as hs
from strategies import random_networks, sides

import tnexpress as tx
from tnexpress.engine import batched as B
from tnexpress.engine.structure import build_structure
from tnexpress.measures import schmidt as S
from tnexpress.measures.mincut import min_cut_structure

PROFILE = settings(max_examples=30, deadline=None)
DTYPES = ("float64", "complex128", "float32")


def _rand(rng, shape, dtype):
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _dense_values(arrays, inputs, rows, cut):
    """Singular values of the side's matricization (rows x cut), by quimb's own contraction."""
    tn = qtn.TensorNetwork(
        [qtn.Tensor(a.astype(np.complex128), inds=ix) for a, ix in zip(arrays, inputs)]
    )
    x = tn.contract(output_inds=tuple(rows) + tuple(cut))
    x = x.transpose(*rows, *cut).data if rows else x.transpose(*cut).data
    W = int(np.prod([x.shape[len(rows) + k] for k in range(len(cut))]))
    return np.linalg.svd(x.reshape(-1, W), compute_uv=False)


def _check(arrays, inputs, rows, cut, dtype):
    before = [a.copy() for a in arrays]
    out = B.tree_factor(arrays, inputs, rows, cut, {})
    assert out is not None
    F, l2 = out
    assert F.dtype == np.dtype(dtype)
    for a, b in zip(arrays, before):  # nothing the caller passed is modified
        np.testing.assert_array_equal(a, b)
    ref = _dense_values(arrays, inputs, rows, cut)
    got = np.linalg.svd(F.astype(np.complex128), compute_uv=False) * 2.0**l2
    k = max(len(ref), len(got))
    ref, got = np.pad(ref, (0, k - len(ref))), np.pad(got, (0, k - len(got)))
    tol = 1e-4 if dtype == "float32" else 1e-11
    np.testing.assert_allclose(got, ref, rtol=0, atol=tol * ref[0])


@hs.composite
def trees(draw):
    """A random tree side: bonds (dims 1-3), hyper labels among siblings, 0-2 open legs per
    node, one root holding 1-2 cut labels, or 2 roots joined by a hyper cut label / 2 cuts."""
    rng = np.random.default_rng(draw(hs.integers(0, 2**32 - 1)))
    dtype = draw(hs.sampled_from(DTYPES))
    n = draw(hs.integers(1, 9))
    mode = draw(hs.sampled_from(["root", "hyper_cut", "two_cuts"])) if n >= 2 else "root"
    n_roots = 1 if mode == "root" else 2
    parent = [-1] * n_roots + [int(rng.integers(0, i)) for i in range(n_roots, n)]
    labels = [[] for _ in range(n)]
    # the cut
    if mode == "root":
        cut = tuple(f"c{j}" for j in range(draw(hs.integers(1, 2))))
        labels[0] += list(cut)
    elif mode == "hyper_cut":
        cut = ("c0",)
        labels[0].append("c0")
        labels[1].append("c0")
    else:
        cut = ("c0", "c1")
        labels[0].append("c0")
        labels[1].append("c1")
    # bonds: per parent, the children on one hyper label (sometimes) or each on its own
    for p in range(n):
        ch = [i for i in range(n) if parent[i] == p]
        if len(ch) >= 2 and draw(hs.booleans()):
            labels[p].append(f"h{p}")
            for i in ch:
                labels[i].append(f"h{p}")
        else:
            for i in ch:
                labels[p].append(f"e{i}")
                labels[i].append(f"e{i}")
    rows = []
    budget = 10  # at most 2^10 dense rows
    for i in range(n):
        for _ in range(int(rng.integers(0, 3))):
            if budget > 0:
                rows.append(f"r{len(rows)}")
                labels[i].append(rows[-1])
                budget -= 2
    size = {}
    for ls in labels:
        for x in ls:
            if x not in size:
                size[x] = int(rng.integers(1, 4)) if not x.startswith("r") else 2
    perm = [list(rng.permutation(len(ls))) for ls in labels]
    inputs = [tuple(ls[k] for k in p) for ls, p in zip(labels, perm)]
    arrays = [_rand(rng, [size[x] for x in ix], dtype) for ix in inputs]
    return arrays, inputs, rows, cut, dtype


@PROFILE
@given(trees())
def test_random_trees_against_dense(case):
    arrays, inputs, rows, cut, dtype = case
    _check(arrays, inputs, rows, cut, dtype)


@PROFILE
@given(hs.integers(0, 2**32 - 1), hs.integers(8, 11), hs.sampled_from(DTYPES), hs.booleans())
def test_chains_blocked_and_swept_against_dense(seed, L, dtype, equal_bonds):
    """Chains long enough to be blocked (runs of equal elements multiplied pairwise), an
    open leg on every core, equal or varying bonds; the root is the last core."""
    rng = np.random.default_rng(seed)
    bond = [3] * L if equal_bonds else [int(rng.integers(1, 4)) for _ in range(L)]
    inputs = [("r0", "b0")]
    inputs += [(f"b{i - 1}", f"r{i}", f"b{i}") for i in range(1, L)]
    inputs[-1] = (f"b{L - 2}", f"r{L - 1}", "cut")
    size = {f"b{i}": bond[i] for i in range(L)} | {"cut": 2}
    size |= {f"r{i}": 2 for i in range(L)}
    arrays = [_rand(rng, [size[x] for x in ix], dtype) for ix in inputs]
    rows = [f"r{i}" for i in range(L)]
    _check(arrays, inputs, rows, ("cut",), dtype)
    old = B.SWEEP_MIN
    B.SWEEP_MIN = 1  # every run of equal blocks by the compiled sweep (float64, complex128)
    try:
        _check(arrays, inputs, rows, ("cut",), dtype)
    finally:
        B.SWEEP_MIN = old


def test_long_chain_overflow_kept_in_the_exponent(monkeypatch):
    """4096 cores of norm ~1e3: the norm is 2^~40000, far beyond float64; the batched
    route (taken at this size here) and the executor route agree on values and log2 norm."""
    monkeypatch.setattr(B, "BATCH_MIN_NODES", 4096)
    net = tx.nets.tt(4096, 2, 3, seed=1)
    for t in net:
        t.modify(data=t.data * 1e3)
    st = build_structure(net, range(2048))
    assert st.n_nodes >= B.BATCH_MIN_NODES
    side_a, cut = min_cut_structure(st)
    sp = S.spectrum_of(st, "cut", None, lambda: (side_a, cut))
    side_b = [n for n in range(st.n_nodes) if n not in side_a]
    assert B.batched_factors(st, side_a, side_b, cut) is not None  # the batched route
    ref = _executor_spectrum(st, side_a, cut)
    assert sp.log2_norm > 30000
    assert sp.log2_norm == pytest.approx(ref.log2_norm, rel=1e-12)
    np.testing.assert_allclose(sp.values, ref.values, atol=1e-12)


def _executor_spectrum(st, side_a, cut):
    old = B.BATCH_MIN_NODES
    B.BATCH_MIN_NODES = 10**12
    try:
        S._PLANS.clear()
        return S.spectrum_of(st, "cut", None, lambda: (side_a, cut))
    finally:
        B.BATCH_MIN_NODES = old


@pytest.mark.parametrize("fam", ["tt", "ht"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_families_batched_and_executor_routes_agree(fam, dtype, monkeypatch):
    monkeypatch.setattr(B, "BATCH_MIN_NODES", 4096)
    N = 4096
    net = (tx.nets.tt if fam == "tt" else tx.nets.ht)(N, 2, 4, seed=3, dtype=dtype)
    st = build_structure(net, range(N // 2))
    side_a, cut = min_cut_structure(st)
    side_b = [n for n in range(st.n_nodes) if n not in side_a]
    assert B.batched_factors(st, side_a, side_b, cut) is not None
    sp = S.spectrum_of(st, "cut", None, lambda: (side_a, cut))
    ref = _executor_spectrum(st, side_a, cut)
    tol = 1e-4 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(sp.values, ref.values, atol=tol)
    assert sp.log2_norm == pytest.approx(ref.log2_norm, rel=tol)


@PROFILE
@given(random_networks(max_tensors=5, max_open=5), hs.data())
def test_any_network_batched_route_matches_executor(tn, data):
    """Every route of spectrum_of with the batched threshold at 0 (trees batched, loopy
    sides falling back) gives the executor's values."""
    A = data.draw(sides(tn))
    st = build_structure(tn, A)
    side_a, cut = min_cut_structure(st)
    try:
        ref = _executor_spectrum(st, side_a, cut)
    except ValueError:  # contracts to zero: the batched route must say so too
        ref = None
    old = B.BATCH_MIN_NODES
    B.BATCH_MIN_NODES = 0
    try:
        if ref is None:
            with pytest.raises(ValueError):
                S.spectrum_of(st, "cut", None, lambda: (side_a, cut))
            return
        sp = S.spectrum_of(st, "cut", None, lambda: (side_a, cut))
    finally:
        B.BATCH_MIN_NODES = old
    tol = 1e-4 if np.dtype(st.dtype) == np.float32 else 1e-10
    k = max(len(sp.values), len(ref.values))
    a = np.pad(sp.values, (0, k - len(sp.values)))
    b = np.pad(ref.values, (0, k - len(ref.values)))
    np.testing.assert_allclose(np.abs(a), np.abs(b), atol=tol)


def test_loopy_and_disconnected_sides_are_refused():
    rng = np.random.default_rng(0)
    ring = [("a", "b", "r0"), ("b", "c", "r1"), ("c", "a", "cut")]
    size = dict.fromkeys(["a", "b", "c", "r0", "r1", "cut"], 2)
    arrays = [rng.standard_normal([size[x] for x in ix]) for ix in ring]
    assert B.tree_factor(arrays, ring, ["r0", "r1"], ("cut",), size) is None
    apart = [("r0", "cut"), ("r1",)]  # a piece not joined to the cut
    arrays = [rng.standard_normal((2, 2)), rng.standard_normal(2)]
    assert B.tree_factor(arrays, apart, ["r0", "r1"], ("cut",), size) is None
    trace = [("a", "a", "cut")]
    assert B.tree_factor([rng.standard_normal((2, 2, 2))], trace, [], ("cut",), size) is None
    # two tensors sharing two ordinary labels (a loop), a trace on a child, a label on one term
    for terms in (
        [("a", "b", "cut"), ("a", "b", "r0")],
        [("a", "cut"), ("a", "b", "b")],
        [("a", "cut"), ("a", "c")],
    ):
        arrays = [rng.standard_normal([size[x] for x in ix]) for ix in terms]
        rows = [x for x in ("r0",) if any(x in t for t in terms)]
        assert B.tree_factor(arrays, terms, rows, ("cut",), size) is None


@PROFILE
@given(random_networks(max_tensors=6, max_open=6), hs.data())
def test_side_terms_numpy_equals_the_loop(tn, data):
    # large sides are folded in numpy over the graph arrays: the same kept nodes, inputs
    # and rows as the loop, on random networks (COPY classes, hyper-indices, open legs on
    # two tensors)
    from tnexpress.engine import batched as B
    from tnexpress.engine.structure import build_structure
    from tnexpress.measures.mincut import min_cut_structure

    A = data.draw(sides(tn))
    st = build_structure(tn, A)
    side_a, _ = min_cut_structure(st)
    side_b = frozenset(range(st.n_nodes)) - side_a
    for nodes in (side_a, side_b):
        if not nodes:
            continue
        loop = B.side_terms(st, nodes)
        assert B._side_terms_numpy(st, nodes) == loop
