"""The pairwise executor: three arithmetics against numpy, shape pass against allocations.

References: cotengra/numpy einsum of the same network (float), the same
integer contraction reduced mod p (ModPArith), the dense matricization
(QR row compression), torch autograd through a dense einsum (gradients), and
the sizes the float pass really allocates (ShapeArith).
"""

import importlib.util

import cotengra as ctg
import numpy as np
import pytest
import quimb.tensor as qtn

import tnexpress as tx
from tnexpress.engine.executor import (
    FloatArith,
    ModPArith,
    compile_path,
    contract_pair,
    execute,
)
from tnexpress.engine.treepath import tree_path

P = 67108859  # a 26-bit prime


def _rand_net(seed, n=6):
    rng = np.random.default_rng(seed)
    inputs, output, shapes, size = ctg.utils.rand_equation(
        n, 3, n_out=int(rng.integers(0, 3)), n_hyper_in=1, n_hyper_out=int(seed % 2), seed=seed
    )
    return inputs, output, shapes, size, rng


def _in_order(c, ix, output):
    return np.transpose(c, [ix.index(x) for x in output])


@pytest.mark.parametrize("seed", range(12))
def test_float_and_modp_agree_with_einsum(seed):
    inputs, output, shapes, size, rng = _rand_net(seed)
    tree = ctg.array_contract_tree(inputs, output, size, optimize="greedy")
    floats = [rng.standard_normal(s) for s in shapes]
    ref = ctg.array_contract(floats, inputs, output, optimize="greedy")
    ints = [rng.integers(-3, 4, s) for s in shapes]
    ref_int = ctg.array_contract(ints, inputs, output, optimize="greedy")  # exact in int64
    for ssa, path in ((False, tree.get_path()), (True, tree.get_ssa_path())):
        plan = compile_path(inputs, output, path, size, ssa=ssa)
        c, ix, l2 = execute(plan, floats, FloatArith())
        np.testing.assert_allclose(_in_order(c, ix, output) * 2.0**l2, ref, rtol=1e-10, atol=1e-12)
        m, ix, _ = execute(plan, [a % P for a in ints], ModPArith(P))
        np.testing.assert_array_equal(_in_order(m, ix, output), ref_int % P)
        # the float pass on the integer network: exact small integers, same residues
        f, ix, l2 = execute(plan, [a.astype(float) for a in ints], FloatArith(rescale=False))
        f = np.rint(_in_order(f, ix, output)).astype(np.int64)
        np.testing.assert_array_equal(f % P, ref_int % P)


def _side(seed, kind):
    """A random side: arrays, labels, row labels (open legs), cut labels."""
    rng = np.random.default_rng(seed)
    if kind == "chain":
        net = qtn.MPS_rand_state(7, 3, seed=seed)
        A = range(4)
    else:
        net = tx.nets.ht(8, 2, (2, 3, 2), seed=seed)
        A = [0, 1, 2, 5]
    bp = tx.bipartition(net, A)
    st = bp.structure
    side_a, cut = bp._cut
    from tnexpress.measures.schmidt import _array, _side_terms

    nodes, inputs, rows = _side_terms(st, side_a)
    arrays = [_array(st, n) for n in nodes]
    return arrays, inputs, rows, tuple(cut), dict(st.size), rng


@pytest.mark.parametrize("kind", ["chain", "tree"])
@pytest.mark.parametrize("seed", range(3))
def test_qr_compression_is_exact_and_shape_pass_counts_every_allocation(kind, seed):
    arrays, inputs, rows, cut, size, _ = _side(seed, kind)
    output = tuple(rows) + cut
    # dense X (rows x W) by einsum; the compressed factor F has F^T F = X^T X
    X = ctg.array_contract(arrays, inputs, output, optimize="greedy")
    d_r = int(np.prod([size[r] for r in rows]))
    X = X.reshape(d_r, -1)
    for path, ssa in (
        (tree_path(inputs, cut, ignore=rows), True),
        (ctg.array_contract_tree(inputs, output, size, optimize="greedy").get_path(), False),
    ):
        plan = compile_path(inputs, output, path, size, rows=rows, ssa=ssa)
        sizes = []
        F, ix, l2 = execute(plan, arrays, FloatArith(track=sizes.append))
        assert max(sizes) == plan.peak_entries()
        cpos = [ix.index(c) for c in cut]
        rpos = [k for k in range(len(ix)) if k not in cpos]
        F = np.transpose(F, rpos + cpos).reshape(-1, X.shape[1]) * 2.0**l2
        assert F.shape[0] <= max(X.shape[1], 1) or len(rpos) == 1
        np.testing.assert_allclose(F.T @ F, X.T @ X, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(
            np.linalg.svd(F, compute_uv=False)[: min(X.shape)],
            np.linalg.svd(X, compute_uv=False)[: min(F.shape)],
            rtol=1e-10,
            atol=1e-13,
        )


def test_rescaling_restarts_on_overflow_and_tracks_exponents():
    # 10 tensors of order 1, then 30 of order 2^300: sparse checks (set while
    # the drift was small) meet an overflow, and the pass restarts strict
    n = 40
    rng = np.random.default_rng(0)
    e = [0] * 10 + [300] * (n - 10)
    arrays = [rng.uniform(1, 2, (2, 2)) * 2.0 ** e[i] for i in range(n)]
    inputs = [(f"b{i}", f"b{i + 1}") for i in range(n)]
    output = ("b0", f"b{n}")
    size = {f"b{i}": 2 for i in range(n + 1)}
    plan = compile_path(inputs, output, [(0, 1)] * (n - 1), size)
    arith = FloatArith()
    c, ix, l2 = execute(plan, arrays, arith)
    assert arith.restarts == 1
    ref, log2 = arrays[0], 0.0
    for a, k in zip(arrays[1:], e[1:], strict=True):
        ref = ref @ (a / 2.0**k)
        s = np.abs(ref).max()
        ref, log2 = ref / s, log2 + k + np.log2(s)
    assert np.isfinite(c).all()
    np.testing.assert_allclose(_in_order(c, ix, output) * 2.0 ** (l2 - log2), ref, rtol=1e-10)


def test_contract_pair_matches_einsum():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 3, 5))
    c = contract_pair(a, ("i", "h", "j"), b, ("j", "h", "k"), ("k", "h", "i"))
    np.testing.assert_allclose(c, np.einsum("ihj,jhk->khi", a, b))
    c = contract_pair(a, ("i", "h", "j"), b, ("j", "h", "k"), ("i",))
    np.testing.assert_allclose(c, np.einsum("ihj,jhk->i", a, b))


def test_tree_path_on_trees_and_cycles():
    net = tx.nets.ht(16, 2, 2, seed=0)
    inputs = [t.inds for t in net]
    size = {ix: net.ind_size(ix) for ix in net.ind_map}
    out = tuple(net.outer_inds())
    path = tree_path(inputs, out)
    assert path is not None and len(path) == len(inputs) - 1
    arrays = [t.data for t in net]
    c, ix, l2 = execute(compile_path(inputs, out, path, size, ssa=True), arrays, FloatArith())
    ref = ctg.array_contract(arrays, inputs, out, optimize="greedy")
    np.testing.assert_allclose(_in_order(c, ix, out) * 2.0**l2, ref, rtol=1e-10)
    ring = qtn.MPS_rand_state(5, 2, cyclic=True, seed=0)
    assert tree_path([t.inds for t in ring]) is None


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch not installed")
def test_torch_gradients_flow_through_float_arith():
    import torch

    arrays, inputs, rows, cut, size, _ = _side(0, "chain")
    output = tuple(rows) + cut
    ts = [torch.tensor(np.asarray(a), requires_grad=True) for a in arrays]
    plan = compile_path(
        inputs, output, tree_path(inputs, cut, ignore=rows), size, rows=rows, ssa=True
    )
    F, ix, l2 = execute(plan, ts, FloatArith())
    loss = (F**2).sum() * 4.0**l2  # ||F||^2 = ||X||^2: Q is an isometry
    loss.backward()
    ts2 = [torch.tensor(np.asarray(a), requires_grad=True) for a in arrays]
    X = ctg.array_contract(ts2, inputs, output, optimize="greedy")
    (X**2).sum().backward()
    for t, t2 in zip(ts, ts2, strict=True):
        np.testing.assert_allclose(t.grad.numpy(), t2.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_fast_network_equals_quimb_constructor():
    from tnexpress.nets._common import fast_network

    for net in (tx.nets.tt(7, 2, 3, seed=1), tx.nets.ht(8, 2, 2, seed=1, Y=3)):
        triples = [(t.data, t.inds, tuple(t.tags)) for t in net]
        a = fast_network(triples)
        b = qtn.TensorNetwork([qtn.Tensor(d, inds=i, tags=g) for d, i, g in triples], virtual=True)
        assert list(a.tensor_map) == list(b.tensor_map)
        for name in ("tag_map", "ind_map"):
            ma, mb = getattr(a, name), getattr(b, name)
            assert list(ma) == list(mb) and all(list(ma[k]) == list(mb[k]) for k in ma)
        assert list(a._inner_inds) == list(b._inner_inds)
        assert list(a._outer_inds) == list(b._outer_inds)
        assert a._tid_counter == b._tid_counter
        out = tuple(a.outer_inds())
        np.testing.assert_allclose(
            a.contract(output_inds=out).data, b.contract(output_inds=out).data
        )
        a.retag_({"CONV" if "CONV" in a.tag_map else "CORE": "X"})  # owners wired
        assert "X" in a.tag_map


def test_shape_pass_guards_the_budget_before_allocating():
    from tnexpress.engine.budget import BudgetError, set_memory_budget
    from tnexpress.engine.executor import run_path

    a, b = np.ones((100, 1)), np.ones((1, 100))  # inputs of 100 entries, outer product 10^4
    inputs, size = [("i", "j"), ("j", "k")], {"i": 100, "j": 1, "k": 100}
    set_memory_budget(8 * 5000)
    try:
        with pytest.raises(BudgetError, match="largest intermediate"):
            run_path([a, b], inputs, ("i", "k"), [(0, 1)], size)
        # a side factor with the same guard: tt's cut method at a tiny budget
        set_memory_budget(8 * 10)
        with pytest.raises(BudgetError, match="cut method"):
            tx.schmidt_values(tx.nets.tt(8, 2, 4, seed=0), range(4), method="cut")
    finally:
        set_memory_budget(None)
    c, ix, l2 = run_path([a, b], inputs, ("i", "k"), [(0, 1)], size)
    np.testing.assert_allclose(c * 2.0**l2, a @ b)


def test_caller_arrays_are_never_overwritten():
    # a single term whose rows are compressed in place by LAPACK (regression)
    tn = qtn.TensorNetwork([qtn.COPY_tensor(3, ["a", "b", "c", "e"])])
    before = tn.arrays[0].copy()
    for method in ("cut", "dense", "cut"):
        s = tx.schmidt_values(tn, ["a"], method=method)
        np.testing.assert_allclose(s, np.ones(3) / np.sqrt(3), atol=1e-12)
    np.testing.assert_array_equal(tn.arrays[0], before)
