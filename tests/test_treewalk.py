"""The compiled walk of the batched side factors (``engine/_treewalk.py``).

Wherever the compiled walk gives a factor, it must be the Python walk's
(:func:`tnexpress.engine.batched.tree_factor` after ``side_terms``) bit for bit,
scale included; where it gives ``None`` the Python walk decides. Every tree
family must be taken by it (else the 2^20 spectra would silently be slow).
"""

from __future__ import annotations

import numpy as np
import pytest
import quimb.tensor as qtn
from hypothesis import given, settings
from hypothesis import strategies as hs
from strategies import random_networks, sides

import tnexpress as tx
from tnexpress.engine import batched as B
from tnexpress.engine._treewalk import walk_side_factor
from tnexpress.engine.structure import build_structure
from tnexpress.measures.mincut import min_cut_structure


def _python_factor(st, nodes, cut):
    old = B.WALK_MIN
    B.WALK_MIN = 2**62
    try:
        return B.structure_side_factor(st, nodes, cut)
    finally:
        B.WALK_MIN = old


def _both_sides(st):
    side_a, cut = min_cut_structure(st)
    side_b = [n for n in range(st.n_nodes) if n not in side_a]
    return [(sorted(side_a), cut), (side_b, cut)]


def _assert_same(st, nodes, cut):
    """The compiled walk's factor is the Python walk's, bit for bit (or it declines)."""
    got = walk_side_factor(st, nodes, cut)
    ref = _python_factor(st, nodes, cut)
    if got is None:
        return ref is None
    assert ref is not None, "the compiled walk took a side the Python walk refuses"
    assert got[1] == ref[1]
    assert got[0].dtype == ref[0].dtype and got[0].shape == ref[0].shape
    np.testing.assert_array_equal(got[0], ref[0])
    return True


FAMILIES = {
    "tt": lambda: tx.nets.tt(300, 2, 3, seed=1),
    "tt-equal": lambda: tx.nets.tt(64, 3, 2, True, seed=2),
    "tt-complex": lambda: tx.nets.tt(128, 2, 3, seed=3, dtype="complex128"),
    "tt-float32": lambda: tx.nets.tt(128, 2, 3, seed=3, dtype="float32"),
    "ht": lambda: tx.nets.ht(256, 2, 3, seed=4),
    "ht-Y": lambda: tx.nets.ht(64, 2, (2, 3, 2, 3, 2, 3), Y=3, seed=5),
    "ht-mirror": lambda: tx.nets.ht(64, 2, 2, geometry="mirror", seed=6),
    "ht-pool3": lambda: tx.nets.ht(81, 2, 2, 3, seed=7),
    "ht-copy": lambda: tx.nets.ht(32, 2, 2, seed=8, copy_tensors=True),
    "ht2d": lambda: tx.nets.ht2d(8, 8, 2, 2, seed=9),
    "mps": lambda: qtn.MPS_rand_state(40, 4, seed=10),
}


@pytest.mark.parametrize("fam", sorted(FAMILIES))
@pytest.mark.parametrize("where", ["left", "odd", "middle"])
def test_families_walked_bit_for_bit(fam, where):
    net = FAMILIES[fam]()
    n = len(tx.open_inds(net)) - ("y" in net.ind_map)
    A = {
        "left": range(n // 2),
        "odd": range(0, min(n, 12), 2),
        "middle": range(n // 4, n // 4 + max(1, n // 3)),
    }[where]
    st = build_structure(net, list(A))
    for nodes, cut in _both_sides(st):
        if np.prod([st.size[x] for x in cut], dtype=float) > 256:
            continue  # a wide cut: the factor itself would be large
        assert _assert_same(st, nodes, cut), "a side the Python walk takes was declined"


@settings(max_examples=120, deadline=None)
@given(random_networks(max_tensors=7, max_open=6), hs.data())
def test_random_networks_walked_bit_for_bit_or_declined(tn, data):
    """Random graphs, hyper-indices, COPY tensors, dimension-1 legs, dtypes: the compiled
    walk agrees with the Python walk wherever it answers, and answers on every tree."""
    A = data.draw(sides(tn))
    st = build_structure(tn, A)
    for nodes, cut in _both_sides(st):
        if not cut:
            continue
        try:
            ref = _python_factor(st, nodes, cut)
        except ValueError:  # over the memory budget
            continue
        got = walk_side_factor(st, nodes, cut)
        if ref is not None:
            assert got is not None, "a side the Python walk takes was declined"
        assert _assert_same(st, nodes, cut)


def test_spectrum_at_scale_uses_the_walk(monkeypatch):
    calls = []
    import tnexpress.engine._treewalk as W

    real = W.walk_side_factor

    def spy(*a):
        out = real(*a)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(W, "walk_side_factor", spy)
    monkeypatch.setattr(B, "BATCH_MIN_NODES", 4096)
    net = tx.nets.ht(4096, 2, 3, seed=0)
    s = tx.schmidt_values(net, range(2048))
    assert calls == [True, True]
    monkeypatch.setattr(B, "BATCH_MIN_NODES", 10**12)  # the executor route
    from tnexpress.measures import schmidt as S

    S._PLANS.clear()
    np.testing.assert_allclose(tx.schmidt_values(net, range(2048)), s, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(
    hs.sampled_from(["float64", "float32", "complex128", "complex64"]),
    hs.lists(hs.integers(-1000, 1000), min_size=1, max_size=6),
    hs.integers(0, 2**16),
)
def test_frexp_scale_exact_and_bounded(dtype, exps, seed):
    """Items are divided by powers of two only (exact), the exponents summed, and every
    item left within the dtype's unscaled band of 1 (a product of two stays in range)."""
    dt = np.dtype(dtype)
    maxexp = np.finfo(dt).maxexp
    exps = [int(np.clip(e, -maxexp + 30, maxexp - 30)) for e in exps]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((len(exps), 3, 2))
    if dt.kind == "c":
        x = x + 1j * rng.standard_normal(x.shape)
    x = (x * np.ldexp(1.0, np.array(exps))[:, None, None]).astype(dt)
    y, l2 = B._frexp_scale(x, (1, 2))
    assert y.dtype == dt and np.isfinite(y).all()
    free = maxexp // B.SCALE_FREE
    m = np.abs(y).max(axis=(1, 2))
    assert (m < 2.0**free).all() and (
        m[np.abs(x).max(axis=(1, 2)) > 0] >= 2.0 ** (-free - 1)
    ).all()
    # exact: each item is x / 2^e_i with sum(e_i) = l2 (powers of two only)
    ratio = np.abs(x).max(axis=(1, 2)).astype(np.float64) / m.astype(np.float64)
    e = np.log2(ratio)
    np.testing.assert_array_equal(e, np.round(e))
    assert int(np.round(e).sum()) == l2
    back = y.astype(np.complex128 if dt.kind == "c" else np.float64)
    np.testing.assert_array_equal(back * np.ldexp(1.0, np.round(e).astype(int))[:, None, None], x)


def _caterpillar(n, seed=0):
    """A chain of cores, each with an open leg and a leaf tensor on a second leg: a tree
    as deep as it is long, with no unary chain."""
    rng = np.random.default_rng(seed)
    ts = []
    for i in range(n):
        inds = (
            *((f"b{i - 1}",) if i else ()),
            f"q{i}",
            f"k{i}",
            *((f"b{i}",) if i < n - 1 else ()),
        )
        ts.append(qtn.Tensor(rng.standard_normal([2] * len(inds)), inds=inds))
        ts.append(qtn.Tensor(rng.standard_normal(2), inds=(f"q{i}",)))
    return qtn.TensorNetwork(ts)


def test_deep_thin_trees_go_to_the_python_walk(monkeypatch):
    import tnexpress.engine._treewalk as W

    net = _caterpillar(400)
    st = build_structure(net, [f"k{i}" for i in range(200)])
    (side, cut), _ = _both_sides(st)
    assert walk_side_factor(st, side, cut) is None  # 400 heights of ~2 nodes
    monkeypatch.setattr(W, "LEVEL_NODES_MIN", 0)
    assert _assert_same(st, side, cut)
    assert walk_side_factor(st, side, cut) is not None
