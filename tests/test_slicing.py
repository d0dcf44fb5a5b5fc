"""Sliced contraction within a memory budget: serial, thread/process pools, dask, ray."""

import concurrent.futures
import importlib.util
import multiprocessing
import re
import string
import tracemalloc

import cotengra as ctg
import numpy as np
import pytest
import quimb.tensor as qtn

from tnexpress.engine.paths import BudgetError
from tnexpress.engine.sides import open_inds
from tnexpress.engine.slicing import contract_network as contract
from tnexpress.engine.slicing import plan_contraction

_LETTERS = string.ascii_letters


def dense_reference(tn, output):
    """Plain numpy einsum of the whole network (no cotengra, no slicing)."""
    labels = {}
    for t in tn.tensors:
        for ix in t.inds:
            labels.setdefault(ix, _LETTERS[len(labels)])
    eq = ",".join("".join(labels[ix] for ix in t.inds) for t in tn.tensors)
    eq += "->" + "".join(labels[ix] for ix in output)
    arrays = [t.data for t in tn.tensors]
    # numpy's greedy caps intermediates at the largest input unless told otherwise
    path, _ = np.einsum_path(eq, *arrays, optimize=("greedy", 2**24))
    return np.einsum(eq, *arrays, optimize=path)


# ---- networks: (tn, output_inds, max_memory in bytes) -----------------------------------


def peps_norm():
    psi = qtn.PEPS.rand(3, 3, bond_dim=3, seed=3)
    return psi.H & psi, (), 2**9


def peps_amplitudes():
    psi = qtn.PEPS.rand(3, 3, bond_dim=4, seed=4)
    out = tuple(psi.site_ind(i, j) for i in range(3) for j in range(3))
    return psi, out, 2**13  # output is 2^9 float64 = 4 KiB


def hyper_network():
    # hyper-indices inside and in the output: an output index shared by several
    # tensors must be named explicitly
    inputs, output, shapes, _ = ctg.utils.rand_equation(
        12, 3, n_out=2, n_hyper_in=2, n_hyper_out=1, seed=1
    )
    rng = np.random.default_rng(0)
    tn = qtn.TensorNetwork(
        [
            qtn.Tensor(rng.normal(size=sh), inds=ix, tags={f"T{k}"})
            for k, (ix, sh) in enumerate(zip(inputs, shapes, strict=True))
        ]
    )
    return tn, tuple(output), 2**8


NETWORKS = {"peps_norm": peps_norm, "peps_amplitudes": peps_amplitudes, "hyper": hyper_network}


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        host="127.0.0.1",
        protocol="tcp",  # inproc:// (the in-process default) rejects a host
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _check(result, tn, output):
    ref = dense_reference(tn, output)
    if output:
        assert isinstance(result, qtn.Tensor)
        assert result.inds == tuple(output)
        np.testing.assert_allclose(result.data, ref, rtol=1e-10, atol=1e-12 * abs(ref).max())
    else:
        assert np.ndim(result) == 0
        np.testing.assert_allclose(result, ref, rtol=1e-10)


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_serial_sliced_matches_dense(name):
    tn, output, budget = NETWORKS[name]()
    tree, out, itemsize = plan_contraction(tn, output, max_memory=budget)
    assert out == output
    assert tree.nslices >= 4
    assert tree.max_size() * itemsize <= budget
    # without the budget the same network needs no slicing
    assert plan_contraction(tn, output)[0].nslices == 1
    _check(contract(tn, output, max_memory=budget), tn, output)


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_thread_pool_matches_dense(name):
    tn, output, budget = NETWORKS[name]()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        res = contract(tn, output, max_memory=budget, executor=pool)
    _check(res, tn, output)


def test_process_pool_matches_dense():
    tn, output, budget = hyper_network()
    # forkserver: forking a process that imported jax or torch (test_backends) can deadlock
    ctx = multiprocessing.get_context("forkserver")
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        res = contract(tn, output, max_memory=budget, executor=pool)
    _check(res, tn, output)


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_dask_matches_dense(name, dask_client):
    tn, output, budget = NETWORKS[name]()
    res = contract(tn, output, max_memory=budget, executor=dask_client)
    _check(res, tn, output)


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray not installed")
def test_ray_matches_dense():
    import ray

    ray.init(
        num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", ignore_reinit_error=True
    )
    try:
        tn, output, budget = hyper_network()
        _check(contract(tn, output, max_memory=budget, executor=ray), tn, output)
    finally:
        ray.shutdown()


def test_min_slices_int():
    tn, output, _ = peps_norm()
    tree, _, _ = plan_contraction(tn, output, slicing=8)
    assert tree.nslices >= 8
    _check(contract(tn, output, slicing=8), tn, output)


def test_unsliced_default_output_and_order():
    psi = qtn.PEPS.rand(2, 3, bond_dim=2, seed=5)
    res = contract(psi)  # default output: the lone (physical) indices
    assert set(res.inds) == set(psi.site_inds)
    _check(res, psi, res.inds)
    # a permuted output order is respected
    perm = tuple(reversed(res.inds))
    _check(contract(psi, perm), psi, perm)
    # tags are the union of the network's
    assert set(res.tags) == set(psi.tags)


def test_open_inds_of_hyper_network():
    tn, output, _ = hyper_network()
    lone = {ix for ix, tids in tn.ind_map.items() if len(tids) == 1}
    assert set(open_inds(tn)) == lone
    # the hyper output index (on 2+ tensors) is summed unless named
    hyper_out = [ix for ix in output if len(tn.ind_map[ix]) > 1]
    assert hyper_out
    res = contract(tn)
    assert not set(hyper_out) & set(res.inds)
    _check(res, tn, res.inds)


def test_default_output_keeps_hyper_site_indices():
    # overlapping windows read each input several times: its site index is a
    # hyper-index (quimb's outer_inds() is empty), yet it must stay open
    import tnexpress as tx

    net = tx.nets.overlap(4, 2, [2, 2], seed=0)
    sites = tuple(net.site_ind(i) for i in range(4))
    assert any(len(net.ind_map[ix]) > 2 for ix in sites)
    for budget in (None, 2**7):
        res = contract(net, max_memory=budget)
        assert res.inds == sites
        _check(res, net, sites)
    assert plan_contraction(net, max_memory=2**7)[0].nslices >= 4


def _complete_graph(n, d=2, seed=0):
    """n tensors, every pair joined by a bond of dimension d: width >= d^(2 n^2 / 9)."""
    rng = np.random.default_rng(seed)
    ts = []
    for i in range(n):
        inds = [f"b{min(i, j)}_{max(i, j)}" for j in range(n) if j != i]
        ts.append(qtn.Tensor(rng.normal(size=(d,) * (n - 1)), inds=inds))
    return qtn.TensorNetwork(ts)


def test_budget_error_before_allocating():
    tn = _complete_graph(14)  # 14 tensors of 2^13 entries; any path has >= 2^44
    tracemalloc.start()
    try:
        with pytest.raises(BudgetError) as err:
            contract(tn, slicing=False, max_memory=2**30)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    msg = str(err.value)
    assert "largest intermediate" in msg
    size = re.search(r"needs ([\d.]+ \w+) \(2\^([\d.]+) entries\)", msg)
    assert size and float(size.group(2)) >= 44  # names the size
    assert "slicing=True" in msg and "min-cut" in msg  # and the ways out
    assert peak < 32 * 2**20  # nothing contraction-sized was allocated


def test_default_budget_also_checked():
    tn = _complete_graph(14)
    with pytest.raises(BudgetError, match="over max_memory"):
        contract(tn, slicing=False)  # default budget: half of RAM, far below 2^44 * 8 B


def test_output_too_big():
    mps = qtn.MPS_rand_state(40, 2, seed=1)  # 2^40 amplitudes
    tracemalloc.start()
    try:
        for slicing in ("auto", True, False):
            with pytest.raises(BudgetError, match="slicing cannot help") as err:
                contract(mps, max_memory=2**30, slicing=slicing)
            assert "2^40.0 entries" in str(err.value)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_strip_exponent_agrees(name):
    tn, output, budget = NETWORKS[name]()
    plain = contract(tn, output, max_memory=budget)
    mantissa, exponent = contract(tn, output, max_memory=budget, strip_exponent=True)
    assert isinstance(exponent, float)
    if output:
        assert mantissa.inds == plain.inds
        np.testing.assert_allclose(
            mantissa.data * 10**exponent,
            plain.data,
            rtol=1e-10,
            atol=1e-12 * abs(plain.data).max(),
        )
    else:
        np.testing.assert_allclose(mantissa * 10**exponent, plain, rtol=1e-10)


def test_strip_exponent_survives_overflow():
    # <psi|psi> = 1 for a normalized MPS; scaling each of the 2 x 120 tensors
    # by 10^4 makes it 10^960, beyond float64
    psi = qtn.MPS_rand_state(120, 3, seed=2)
    psi.multiply_each_(1e4)
    norm = psi.H & psi
    with np.errstate(over="ignore", invalid="ignore"):
        assert not np.isfinite(contract(norm))
    for budget in (None, 2**8):
        mantissa, exponent = contract(norm, max_memory=budget, strip_exponent=True)
        assert np.isfinite(mantissa)
        assert np.log10(abs(mantissa)) + exponent == pytest.approx(960.0, abs=1e-9)


def test_callers_network_unchanged():
    tn, output, budget = hyper_network()
    before = [(t.inds, set(t.tags), t.data.copy(), id(t.data)) for t in tn.tensors]
    n_before = tn.num_tensors
    contract(tn, output, max_memory=budget, strip_exponent=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        contract(tn, output, max_memory=budget, executor=pool)
    assert tn.num_tensors == n_before
    for t, (inds, tags, data, data_id) in zip(tn.tensors, before, strict=True):
        assert t.inds == inds and set(t.tags) == tags and id(t.data) == data_id
        np.testing.assert_array_equal(t.data, data)


def test_single_tensor():
    t = qtn.Tensor(np.arange(6.0).reshape(2, 3), inds=("a", "b"))
    res = contract(t, ("b", "a"))
    np.testing.assert_array_equal(res.data, np.arange(6.0).reshape(2, 3).T)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"max_memory": 0}, ValueError, "max_memory must be > 0"),
        ({"max_memory": "1GB"}, TypeError, "max_memory must be"),
        ({"slicing": "yes"}, ValueError, "slicing must be"),
        ({"slicing": 0}, ValueError, "slicing must be"),
        ({"output_inds": ("nope",)}, ValueError, "output_inds"),
        ({"output_inds": ("k0", "k0")}, ValueError, "repeated"),
        ({"executor": object()}, TypeError, "executor must be"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    mps = qtn.MPS_rand_state(4, 2, seed=1)
    with pytest.raises(exc, match=match):
        contract(mps, **kwargs)


def test_not_a_network():
    with pytest.raises(TypeError, match="tn must be a quimb TensorNetwork"):
        contract(np.ones((2, 2)))


def test_progress_bar_over_slices_gives_the_same_value(capsys):
    import quimb.tensor as qtn

    tn = qtn.MPS_rand_state(10, 8, seed=3)
    norm = tn.H & tn
    ref = float(contract(norm, max_memory=2**9))
    got = float(contract(norm, max_memory=2**9, progress=True))
    assert got == pytest.approx(ref, rel=1e-12)
    assert "slices" in capsys.readouterr().err
