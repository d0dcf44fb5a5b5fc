"""The single place that exercises non-numpy backends (torch, jax) through tnexpress.

Each backend is a ``pytest.param`` skipped when the library is not installed, so
the suite passes with numpy alone. Results are compared with a dense numpy
einsum of the same network.
"""

import concurrent.futures
import importlib.util
import string

import cotengra as ctg
import numpy as np
import pytest
import quimb.tensor as qtn
from autoray import do, infer_backend, to_numpy

from tnexpress.engine.slicing import contract_network as contract
from tnexpress.engine.slicing import plan_contraction


def _has(name):
    return importlib.util.find_spec(name) is not None


def _jax_setup():
    import jax

    jax.config.update("jax_enable_x64", True)


BACKENDS = [
    pytest.param("numpy", id="numpy"),
    pytest.param(
        "torch",
        id="torch",
        marks=pytest.mark.skipif(not _has("torch"), reason="torch not installed"),
    ),
    pytest.param(
        "jax", id="jax", marks=pytest.mark.skipif(not _has("jax"), reason="jax not installed")
    ),
]


def to_backend(tn, backend):
    """A copy of ``tn`` whose arrays belong to ``backend``; ``tn`` is untouched."""
    if backend == "jax":
        _jax_setup()
    new = tn.copy()
    new.apply_to_arrays(lambda x: do("asarray", x, like=backend))
    return new


def dense_reference(tn, output):
    labels = {}
    for t in tn.tensors:
        for ix in t.inds:
            labels.setdefault(ix, string.ascii_letters[len(labels)])
    eq = ",".join("".join(labels[ix] for ix in t.inds) for t in tn.tensors)
    eq += "->" + "".join(labels[ix] for ix in output)
    arrays = [to_numpy(t.data) for t in tn.tensors]
    path, _ = np.einsum_path(eq, *arrays, optimize=("greedy", 2**24))
    return np.einsum(eq, *arrays, optimize=path)


def hyper_network(dtype="float64"):
    inputs, output, shapes, _ = ctg.utils.rand_equation(
        12, 3, n_out=2, n_hyper_in=2, n_hyper_out=1, seed=1
    )
    rng = np.random.default_rng(0)
    ts = []
    for ix, sh in zip(inputs, shapes, strict=True):
        x = rng.normal(size=sh)
        if dtype.startswith("complex"):
            x = x + 1j * rng.normal(size=sh)
        ts.append(qtn.Tensor(x.astype(dtype), inds=ix))
    return qtn.TensorNetwork(ts), tuple(output)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("max_memory", [None, 2**8], ids=["whole", "sliced"])
def test_contract_hyper_network(backend, max_memory):
    tn_np, output = hyper_network()
    tn = to_backend(tn_np, backend)
    res = contract(tn, output, max_memory=max_memory)
    assert infer_backend(res.data) == backend
    np.testing.assert_allclose(to_numpy(res.data), dense_reference(tn_np, output), rtol=1e-10)
    # the caller's arrays keep their backend
    assert all(infer_backend(t.data) == backend for t in tn.tensors)


@pytest.mark.parametrize("backend", BACKENDS)
def test_scalar_strip_exponent_and_threads(backend):
    psi = qtn.PEPS.rand(3, 3, bond_dim=2, seed=3)
    norm_np = psi.H & psi
    norm = to_backend(norm_np, backend)
    ref = dense_reference(norm_np, ())
    assert plan_contraction(norm, max_memory=2**10)[0].nslices >= 4
    val = contract(norm, max_memory=2**10)
    np.testing.assert_allclose(float(to_numpy(val)), ref, rtol=1e-10)
    m, e = contract(norm, max_memory=2**10, strip_exponent=True)
    np.testing.assert_allclose(float(to_numpy(m)) * 10**e, ref, rtol=1e-10)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        val = contract(norm, max_memory=2**10, executor=pool)
    np.testing.assert_allclose(float(to_numpy(val)), ref, rtol=1e-10)


@pytest.mark.parametrize("backend", BACKENDS)
def test_complex_and_float32(backend):
    tn_np, output = hyper_network("complex128")
    res = contract(to_backend(tn_np, backend), output, max_memory=2**10)
    np.testing.assert_allclose(to_numpy(res.data), dense_reference(tn_np, output), rtol=1e-10)

    tn32_np, output = hyper_network("float32")
    tn32 = to_backend(tn32_np, backend)
    tree, _, itemsize = plan_contraction(tn32, output, max_memory=2**8)
    assert itemsize == 4  # float32 entries: the same budget holds twice as many
    assert tree.max_size() <= 2**6
    res = contract(tn32, output, max_memory=2**8)
    assert "float32" in str(res.data.dtype)
    np.testing.assert_allclose(to_numpy(res.data), dense_reference(tn32_np, output), rtol=1e-4)


@pytest.mark.skipif(not _has("torch"), reason="torch not installed")
def test_torch_gradient_through_slices():
    import torch

    psi = qtn.PEPS.rand(3, 3, bond_dim=2, seed=7)
    norm = to_backend(psi.H & psi, "torch")
    x = norm.tensors[0].data
    x.requires_grad_(True)
    whole = contract(norm)
    (g_whole,) = torch.autograd.grad(whole, x)
    sliced = contract(norm, max_memory=2**9)
    (g_sliced,) = torch.autograd.grad(sliced, x)
    torch.testing.assert_close(g_sliced, g_whole)


@pytest.mark.parametrize("backend", BACKENDS)
def test_measures_accept_backend_arrays(backend):
    import tnexpress as tx
    from tnexpress import partitions as P

    net = tx.nets.ht(8, 2, (2, 2, 2), seed=0)
    other = to_backend(net, backend)
    A = P.odd_even(8)
    ref = tx.schmidt_values(net, A, method="dense")
    for method in ("cut", "dense"):
        np.testing.assert_allclose(tx.schmidt_values(other, A, method=method), ref, atol=1e-10)
    assert tx.min_cut(other, [0, 1]).weight == tx.min_cut(net, [0, 1]).weight
    assert tx.entropy(other, [0, 1]) == pytest.approx(tx.entropy(net, [0, 1]), abs=1e-10)
    assert tx.schmidt_rank(other, A) == 16
