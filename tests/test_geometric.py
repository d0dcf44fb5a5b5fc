"""Geometric measure: closed forms (theory.md) and dense numpy references."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pytest
import quimb.tensor as qtn

from tnexpress.measures.geometric import GeometricMeasure, geometric_measure

# ----------------------------------------------------------------------------- helpers


def dense_of(tn, inds):
    """Dense amplitude tensor of ``tn`` with axes in ``inds`` order (numpy einsum)."""
    sym = {}
    for t in tn:
        for ix in t.inds:
            sym.setdefault(
                ix, chr(ord("a") + len(sym)) if len(sym) < 26 else chr(ord("A") + len(sym) - 26)
            )
    eq = ",".join("".join(sym[ix] for ix in t.inds) for t in tn)
    eq += "->" + "".join(sym[ix] for ix in inds)
    return np.einsum(eq, *[t.data for t in tn])


def dense_overlap2(psi, states):
    """|<phi_1 x ... x phi_N|psi>|^2 / <psi|psi> for a dense tensor ``psi``."""
    x = psi
    for v in states:
        x = np.tensordot(np.conj(v), x, axes=(0, 0))
    return abs(complex(x)) ** 2 / np.vdot(psi, psi).real


def dense_als(psi, *, restarts=40, sweeps=400, seed=0):
    """Independent dense alternating maximization: best Lambda^2 found (a lower bound)."""
    rng = np.random.default_rng(seed)
    n = psi.ndim
    best = 0.0
    for _ in range(restarts):
        vs = [rng.standard_normal(d) + 1j * rng.standard_normal(d) for d in psi.shape]
        vs = [v / np.linalg.norm(v) for v in vs]
        for _ in range(sweeps):
            for i in range(n):
                x = psi
                for j in reversed(range(n)):  # contract every axis but i, from the back
                    if j != i:
                        x = np.tensordot(x, np.conj(vs[j]), axes=(j, 0))
                vs[i] = x / np.linalg.norm(x)
        best = max(best, dense_overlap2(psi, vs))
    return best


def schmidt_upper_bound(psi):
    """min over bipartitions of the largest normalized squared Schmidt value (>= Lambda^2)."""
    n = psi.ndim
    p = psi / np.linalg.norm(psi)
    best = 1.0
    for k in range(1, n):
        for side in itertools.combinations(range(n), k):
            rest = [i for i in range(n) if i not in side]
            m = np.transpose(p, list(side) + rest).reshape(
                int(np.prod([psi.shape[i] for i in side])), -1
            )
            best = min(best, np.linalg.svd(m, compute_uv=False)[0] ** 2)
    return best


def dense_tn(psi, prefix="k"):
    """A dense vector as a one-tensor network with open indices k0, k1, ..."""
    return qtn.TensorNetwork([qtn.Tensor(psi, inds=[f"{prefix}{i}" for i in range(psi.ndim)])])


def dicke(n, k):
    v = np.zeros(2**n)
    for c in itertools.combinations(range(n), k):
        v[sum(1 << i for i in c)] = 1.0
    return v.reshape([2] * n)


def snapshot(tn):
    return [(t.data.copy(), tuple(t.inds), frozenset(t.tags)) for t in tn], tuple(tn.outer_inds())


def assert_unchanged(tn, snap):
    tensors, outer = snap
    assert tuple(tn.outer_inds()) == outer
    assert len(tensors) == tn.num_tensors
    for (data, inds, tags), t in zip(tensors, tn, strict=True):
        assert np.array_equal(data, t.data)
        assert tuple(t.inds) == inds and frozenset(t.tags) == tags


def chain_log_overlap2(arrays, states):
    """ln |<phi|psi>|^2 - ln <psi|psi> for an open-boundary chain, with rescaling."""
    # arrays: first (D, d), middle (Dl, Dr, d), last (D, d) as quimb MPS 'lrp' order
    n = len(arrays)
    a0 = arrays[0]
    v = a0 @ np.conj(states[0])
    g = np.einsum("ap,bp->ab", a0, np.conj(a0))
    lv = lg = 0.0
    for i in range(1, n - 1):
        a = arrays[i]
        v = np.einsum("l,lrp,p->r", v, a, np.conj(states[i]))
        g = np.einsum("ab,acp,bdp->cd", g, a, np.conj(a))
        sv, sg = np.abs(v).max(), np.abs(g).max()
        v, g, lv, lg = v / sv, g / sg, lv + math.log(sv), lg + math.log(sg)
    a = arrays[-1]
    f = v @ (a @ np.conj(states[-1]))
    nrm = np.einsum("ab,ap,bp->", g, a, np.conj(a)).real
    return 2 * (math.log(abs(f)) + lv) - (math.log(nrm) + lg)


# ----------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("n", [3, 6, 10])
def test_ghz_is_one_bit(n):
    assert geometric_measure(qtn.MPS_ghz_state(n), seed=0) == pytest.approx(1.0, abs=1e-10)


def test_ghz_other_optimizer_deterministic_starts():
    ghz = qtn.MPS_ghz_state(5)
    assert geometric_measure(ghz, optimize="greedy", restarts=2) == pytest.approx(1.0, abs=1e-10)


@pytest.mark.parametrize("n", [3, 4, 5, 7])
def test_w_state(n):
    w = dicke(n, 1)
    expect = -math.log2(((n - 1) / n) ** (n - 1))
    got = geometric_measure(qtn.MatrixProductState.from_dense(w.ravel(), [2] * n), seed=1)
    assert got == pytest.approx(expect, abs=1e-9)
    if n == 3:
        assert got == pytest.approx(math.log2(9 / 4), abs=1e-9)


@pytest.mark.parametrize("n,k", [(4, 2), (5, 2), (6, 3), (6, 2)])
def test_dicke(n, k):
    expect = -math.log2(math.comb(n, k) * (k / n) ** k * ((n - k) / n) ** (n - k))
    got = geometric_measure(
        qtn.MatrixProductState.from_dense(dicke(n, k).ravel(), [2] * n), seed=2
    )
    assert got == pytest.approx(expect, abs=1e-9)


def test_product_state_is_zero():
    assert geometric_measure(qtn.MPS_computational_state("01101")) == pytest.approx(0.0, abs=1e-12)
    rng = np.random.default_rng(3)
    vs = [rng.standard_normal(3) + 1j * rng.standard_normal(3) for _ in range(4)]
    psi = np.einsum("a,b,c,d->abcd", *vs) * 1e5  # unnormalized
    assert geometric_measure(dense_tn(psi), seed=0) == pytest.approx(0.0, abs=1e-10)


@pytest.mark.parametrize("dtype", [float, complex])
def test_bipartite_is_top_schmidt_value(dtype):
    rng = np.random.default_rng(4)
    m = rng.standard_normal((3, 5))
    if dtype is complex:
        m = m + 1j * rng.standard_normal((3, 5))
    s = np.linalg.svd(m, compute_uv=False)
    expect = -math.log2(s[0] ** 2 / np.sum(s**2))
    res = geometric_measure(dense_tn(m), seed=0, return_state=True)
    assert res.value == pytest.approx(expect, abs=1e-10)
    assert dense_overlap2(m, res.states) == pytest.approx(s[0] ** 2 / np.sum(s**2), abs=1e-10)


# ----------------------------------------------------------------------------- dense references


def test_complex_random_state_against_dense():
    rng = np.random.default_rng(5)
    psi = rng.standard_normal((2, 3, 2, 2)) + 1j * rng.standard_normal((2, 3, 2, 2))
    mps = qtn.MatrixProductState.from_dense(psi.ravel(), [2, 3, 2, 2])
    res = geometric_measure(mps, seed=0, return_state=True)
    assert isinstance(res, GeometricMeasure)
    value, states = res  # unpacks as (value, states)
    assert [v.shape for v in states] == [(2,), (3,), (2,), (2,)]
    assert all(np.iscomplexobj(v) for v in states)
    assert all(np.linalg.norm(v) == pytest.approx(1.0, abs=1e-12) for v in states)
    # the returned product state achieves the reported Lambda^2, recomputed densely
    lam2 = dense_overlap2(psi, states)
    assert lam2 == pytest.approx(res.overlap, abs=1e-10)
    assert lam2 == pytest.approx(2.0**-value, abs=1e-10)
    # at least as good as an independent dense search, never above the Schmidt bound
    assert lam2 >= dense_als(psi, restarts=8, sweeps=100) - 1e-9
    assert -math.log2(schmidt_upper_bound(psi)) <= value + 1e-9


def test_linear_kind_consistent():
    mps = qtn.MatrixProductState.from_dense(dicke(4, 1).ravel(), [2] * 4)
    e_log = geometric_measure(mps, seed=0)
    e_lin = geometric_measure(mps, kind="linear", seed=0)
    assert e_lin == pytest.approx(1 - 2.0**-e_log, abs=1e-12)
    assert e_lin == pytest.approx(1 - (3 / 4) ** 3, abs=1e-10)


def test_real_state_complex_product_states_do_better_or_equal():
    rng = np.random.default_rng(10)
    psi = rng.standard_normal((2, 2, 2, 2))
    tn = dense_tn(psi)
    cplx = geometric_measure(tn, seed=0, return_state=True)
    real = geometric_measure(tn, seed=0, complex_phi=False, return_state=True)
    assert not any(np.iscomplexobj(v) for v in real.states)
    assert cplx.value <= real.value + 1e-10
    for r in (cplx, real):
        assert dense_overlap2(psi, r.states) == pytest.approx(r.overlap, abs=1e-10)


# ----------------------------------------------------------------------------- hyper-indices


@pytest.mark.parametrize("n", [3, 5])
def test_ghz_as_hyper_network(n):
    # one delta hyper-index h shared by n tensors, each with one open leg
    delta = np.eye(2)
    tn = qtn.TensorNetwork([qtn.Tensor(delta, inds=("h", f"k{i}")) for i in range(n)])
    assert "h" not in tn.outer_inds()
    snap = snapshot(tn)
    res = geometric_measure(tn, seed=0, return_state=True)
    assert res.value == pytest.approx(1.0, abs=1e-10)
    psi = dense_of(tn, res.inds)
    assert dense_overlap2(psi, res.states) == pytest.approx(0.5, abs=1e-10)
    assert_unchanged(tn, snap)


def test_open_hyper_index_and_inner_hyper_index():
    # psi[k0,k1,k2,k3] = sum_h A[k0,k1,h] B[k0,k2,h] C[k3,h]: k0 is an open index
    # shared by two tensors, h an inner hyper-index shared by three
    rng = np.random.default_rng(6)
    A = rng.standard_normal((2, 2, 3)) + 1j * rng.standard_normal((2, 2, 3))
    B = rng.standard_normal((2, 2, 3))
    C = rng.standard_normal((2, 3))
    tensors = [
        qtn.Tensor(A, inds=("k0", "k1", "h"), tags={"I0", "I1"}),
        qtn.Tensor(B, inds=("k0", "k2", "h"), tags={"I2"}),
        qtn.Tensor(C, inds=("k3", "h"), tags={"I3"}),
    ]
    tn = qtn.TensorNetwork(tensors).view_as(
        qtn.TensorNetworkGenVector, site_ind_id="k{}", site_tag_id="I{}", sites=range(4)
    )
    assert "k0" not in tn.outer_inds()  # quimb alone would miss this party
    snap = snapshot(tn)
    res = geometric_measure(tn, seed=0, return_state=True)
    assert res.inds == ("k0", "k1", "k2", "k3")
    psi = np.einsum("abh,ach,dh->abcd", A, B, C)
    lam2 = dense_overlap2(psi, res.states)
    assert lam2 == pytest.approx(res.overlap, abs=1e-10)
    assert lam2 >= dense_als(psi, restarts=8, sweeps=100) - 1e-9
    assert_unchanged(tn, snap)
    # the same network as a plain TensorNetwork needs the parties spelled out
    plain = qtn.TensorNetwork(tensors)
    res2 = geometric_measure(plain, inds=["k0", "k1", "k2", "k3"], seed=0, return_state=True)
    assert dense_overlap2(psi, res2.states) == pytest.approx(res2.overlap, abs=1e-10)
    assert res2.value == pytest.approx(res.value, abs=1e-8)


def test_peps_against_dense():
    peps = qtn.PEPS.rand(2, 3, bond_dim=2, seed=7)
    snap = snapshot(peps)
    res = geometric_measure(peps, seed=0, return_state=True)
    psi = dense_of(peps, res.inds)
    assert res.inds == tuple(peps.site_inds)
    lam2 = dense_overlap2(psi, res.states)
    assert lam2 == pytest.approx(res.overlap, abs=1e-10)
    assert -math.log2(schmidt_upper_bound(psi)) <= res.value + 1e-9
    assert_unchanged(peps, snap)


def test_input_network_unmodified():
    mps = qtn.MPS_rand_state(6, 3, seed=8, dtype=complex)
    snap = snapshot(mps)
    geometric_measure(mps, seed=0, restarts=3)
    assert_unchanged(mps, snap)


# ----------------------------------------------------------------------------- scale


def test_scale_mps_64_sites():
    mps = qtn.MPS_rand_state(64, 8, seed=9)
    t0 = time.perf_counter()
    res = geometric_measure(mps, seed=0, restarts=3, max_sweeps=100, return_state=True)
    elapsed = time.perf_counter() - t0
    assert math.isfinite(res.value) and 0.0 <= res.value <= 64
    arrays = [t.data for t in mps]  # MPS_rand_state: 'lrp' order, ends (D, d)
    ref = chain_log_overlap2(arrays, res.states)
    assert ref == pytest.approx(math.log(res.overlap), abs=1e-8)
    assert elapsed < 10.0, f"64-site MPS took {elapsed:.2f} s"


def test_scale_tensor_train_256_overflowing_norm():
    rng = np.random.default_rng(11)
    n, D, d = 256, 4, 2
    arrays = (
        [8 * rng.standard_normal((D, d))]
        + [8 * rng.standard_normal((D, D, d)) for _ in range(n - 2)]
        + [8 * rng.standard_normal((D, d))]
    )
    tt = qtn.MatrixProductState(arrays)
    # the norm overflows float64: a naive transfer-matrix product reaches inf
    g = np.einsum("ap,bp->ab", arrays[0], arrays[0])
    with np.errstate(over="ignore", invalid="ignore"):
        for a in arrays[1:-1]:
            g = np.einsum("ab,acp,bdp->cd", g, a, a)
    assert not np.all(np.isfinite(g))
    t0 = time.perf_counter()
    res = geometric_measure(tt, seed=0, restarts=2, max_sweeps=60, return_state=True)
    elapsed = time.perf_counter() - t0
    assert math.isfinite(res.value) and 0.0 <= res.value <= n * math.log2(d)
    ref = chain_log_overlap2(arrays, res.states)
    assert ref == pytest.approx(math.log(res.overlap), abs=1e-7)
    assert elapsed < 15.0, f"256-core tensor train took {elapsed:.2f} s"


# ----------------------------------------------------------------------------- errors


def test_bad_input():
    mps = qtn.MPS_ghz_state(3)
    with pytest.raises(ValueError, match="kind"):
        geometric_measure(mps, kind="entropy")
    with pytest.raises(ValueError, match="restarts"):
        geometric_measure(mps, restarts=0)
    with pytest.raises(TypeError, match="restarts"):
        geometric_measure(mps, restarts=2.5)
    with pytest.raises(ValueError, match="max_sweeps"):
        geometric_measure(mps, max_sweeps=0)
    with pytest.raises(ValueError, match="tol"):
        geometric_measure(mps, tol=-1.0)
    with pytest.raises(TypeError, match="TensorNetwork"):
        geometric_measure(np.ones((2, 2)))
    with pytest.raises(TypeError, match="TensorNetwork"):
        geometric_measure(qtn.Tensor(np.ones((2, 2)), inds=("a", "b")))
    closed = qtn.TensorNetwork(
        [
            qtn.Tensor(np.ones((2, 2)), inds=("a", "b")),
            qtn.Tensor(np.ones((2, 2)), inds=("a", "b")),
        ]
    )
    with pytest.raises(ValueError, match="no open index"):
        geometric_measure(closed)
    zero = dense_tn(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="zero vector"):
        geometric_measure(zero)
    with pytest.raises(ValueError, match="inds"):
        geometric_measure(mps, inds=["k0", "k1"])  # misses the open index k2
    with pytest.raises(ValueError, match="inds"):
        geometric_measure(mps, inds=["k0", "k1", "k2", "nope"])
