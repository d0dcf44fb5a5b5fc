"""The fast exact route: FLINT on numpy memory, blocked ranks, row echelon compression mod p.

Every rank is checked against python-flint's own ``nmod_mat`` objects, Fractions, or
a known rank by construction.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import rank_fraction

from tnexpress.engine.arith import Eye, ModPArith
from tnexpress.engine.executor import compile_path, execute
from tnexpress.measures import _flint
from tnexpress.measures.exact import exact_cut_rank
from tnexpress.measures.modp import Dyadic, random_prime, to_residues

P21 = random_prime(5, 21)
P62 = random_prime(5, 62)


def _ref_rank(m, p):
    return int(_flint._py_nmod(np.asarray(m, dtype=np.int64) % p, p).rank())


def test_direct_flint_route_passes_its_self_test():
    assert _flint.available()


@pytest.mark.parametrize("p", [P21, P62, 13])
@pytest.mark.parametrize("shape", [(7, 5), (300, 300), (420, 290), (290, 420)])
@pytest.mark.parametrize("defect", [None, "first", "last", "many"])
def test_rank_and_rref_match_python_flint(p, shape, defect):
    rng = np.random.default_rng(hash((p, shape, defect)) % 2**32)
    a = rng.integers(0, p, shape)
    m, n = shape
    if defect == "first":  # the first panel is rank-deficient: FLINT takes over
        a[:, 2] = (3 * a[:, 0] + a[:, 1]) % p
    elif defect == "last":  # deficiency found only in the last Schur complement
        a[-1] = (a[0] + 5 * a[1]) % p
        a[:, -1] = (a[:, 0] + a[:, -2]) % p
    elif defect == "many":  # rank min(m, n) // 3 by construction
        k = min(m, n) // 3
        a = (rng.integers(0, p, (m, k)) @ rng.integers(0, 4, (k, n))) % p if p < 2**31 else a
        if p >= 2**31:
            a[:, k:] = 0
    want = _ref_rank(a, p)
    assert _flint.rank(a, p) == want
    r, e = _flint.rref(a, p)
    assert r == want
    if e is None:
        assert r == n
    else:  # nonzero rows of the echelon form: same row space, so stacking adds no rank
        assert e.shape == (r, n)
        assert _ref_rank(e, p) == r == _ref_rank(np.vstack([a, e]), p)


def test_fallback_without_the_direct_route_gives_the_same(monkeypatch):
    rng = np.random.default_rng(3)
    a = rng.integers(0, P62, (9, 6))
    a[:, 5] = (a[:, 0] + a[:, 1]) % P62
    b = rng.integers(0, P62, (6, 4))
    fast = (_flint.rank(a, P62), _flint.rref(a, P62), _flint.mul(a, b, P62))
    monkeypatch.setattr(_flint, "_LIB", False)
    slow = (_flint.rank(a, P62), _flint.rref(a, P62), _flint.mul(a, b, P62))
    assert fast[0] == slow[0] == 5
    assert np.array_equal(fast[1][1], slow[1][1])
    assert np.array_equal(fast[2], slow[2])


def test_dyadic_residues_match_to_residues_for_many_primes():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((40, 3)) * 2.0 ** rng.integers(-80, 80, (40, 3))
    a[0, 0] = 0.0
    d = Dyadic(a)
    for p in (P21, P62, 1000003):
        assert np.array_equal(d.residues(p), to_residues(a, p, d.scale))
    z = a + 1j * a[::-1]
    dz = Dyadic(z)
    p = random_prime(1, 62, gaussian=True)
    from tnexpress.measures.modp import sqrt_minus_one

    root = sqrt_minus_one(p)
    assert np.array_equal(dz.residues(p, root=root), to_residues(z, p, dz.scale, root=root))
    assert np.array_equal(
        dz.residues(p, root=root, conj=True), to_residues(np.conj(z), p, dz.scale, root=root)
    )


def _run_rows(inputs, output, path, size, rows, arrays, p):
    plan = compile_path(inputs, output, path, size, rows=rows, ssa=True)
    arith = ModPArith(p)
    x, labels, _ = execute(plan, arrays, arith)
    return plan, x, labels, arith


def test_modp_compression_keeps_every_rank_and_gathers_through_identities():
    # a chain A(r0, h) B(h, r1, k) C(k, c1, c2) with rows r0 r1: A and A.B compress;
    # full-rank steps become identities that the next pair gathers through (labels
    # permuted on purpose: C holds (c1, k, c2))
    rng = np.random.default_rng(5)
    size = dict(r0=3, h=3, r1=2, k=6, c1=2, c2=4)
    p = P62
    for deficient in (False, True):
        A = rng.integers(0, p, (3, 3))
        if deficient:
            A[2] = (A[0] + A[1]) % p  # rank 2: a padded echelon form, not an identity
        B = rng.integers(0, p, (3, 2, 6))
        C = rng.integers(0, p, (2, 6, 4))
        inputs = [("r0", "h"), ("h", "r1", "k"), ("c1", "k", "c2")]
        plan, x, labels, arith = _run_rows(
            inputs, ("r0", "r1", "c1", "c2"), [(0, 1), (2, 3)], size, ("r0", "r1"), [A, B, C], p
        )
        assert arith.ranks  # compressions happened
        assert isinstance(x, Eye) or x.shape == plan.out_shape
        dense = x.dense() if isinstance(x, Eye) else x
        cut = [labels.index("c1"), labels.index("c2")]
        rest = [k for k in range(len(labels)) if k not in cut]
        f = np.ascontiguousarray(dense.transpose(rest + cut)).reshape(-1, 8)
        full = np.einsum("ah,hbk,ckd->abcd", A, B, C, dtype=object) % p
        want = _ref_rank(full.reshape(6, 8).astype(np.int64), p)
        assert _ref_rank(f, p) == want
        assert (want < 6) == deficient
        assert arith.ranks[-1] == want  # the merge of (r0, r1) against k


def test_exact_cut_rank_wide_chain_against_float_and_blocked_ranks():
    # a random chain with a middle bond of 320: the blocked ranks (21-bit probe) run
    rng = np.random.default_rng(6)
    D = 320
    xa = [rng.standard_normal((20, 16)), rng.standard_normal((16, 20, D))]
    ya = [rng.standard_normal((D, 20, 20)), rng.standard_normal((20, 18))]
    xs = (xa, [("a1", "h"), ("h", "a2", "c")], ("a1", "a2"))
    ys = (ya, [("c", "b1", "g"), ("g", "b2")], ("b1", "b2"))
    res = exact_cut_rank(xs, ys, ("c",), seed=0)
    x_mat = np.einsum("ah,hbc->abc", *xa).reshape(-1, D)
    mat = x_mat @ np.einsum("cbg,gd->cbd", *ya).reshape(D, -1)
    assert res.rank == np.linalg.matrix_rank(mat) == D
    assert res.failure_probability == 0.0
    # a rank-deficient middle (rank 200 of 320; integer factors, so the float64 product is
    # exactly of rank 200): exact, and a 62-bit bound
    low = (rng.integers(-3, 4, (16 * 20, 200)) @ rng.integers(-3, 4, (200, D))).astype(float)
    xs2 = ([xa[0], low.reshape(16, 20, D)], xs[1], xs[2])
    res2 = exact_cut_rank(xs2, ys, ("c",), seed=1)
    assert (
        res2.rank
        == 200
        == np.linalg.matrix_rank(np.einsum("ah,hbc->abc", xa[0], xs2[0][1]).reshape(-1, D))
    )
    assert all(p.bit_length() == 62 for p in res2.primes) and res2.failure_probability < 1e-20


def test_exact_cut_rank_spectrum_down_to_2_pow_minus_60():
    # X = L diag(2^-60 i / n) : rank n exactly, far below float64 resolution for the product
    n = 300
    rng = np.random.default_rng(7)
    L = np.tril(rng.integers(-2, 3, (n, n)), -1) + np.eye(n)
    d = 2.0 ** -np.round(60 * np.arange(n) / (n - 1))
    U = np.triu(rng.integers(-2, 3, (n, n)), 1) + np.eye(n)
    for zero in (None, 150):
        dd = d.copy()
        if zero is not None:
            dd[zero] = 0.0
        xs = ([L, np.diag(dd)], [("a", "k"), ("k", "c")], ("a",))
        ys = ([np.diag(d[::-1]), U], [("c", "g"), ("g", "b")], ("b",))
        res = exact_cut_rank(xs, ys, ("c",), seed=2)
        want = n if zero is None else n - 1
        assert res.rank == want
        assert np.linalg.matrix_rank(L @ np.diag(dd) @ np.diag(d[::-1]) @ U) < want
        assert (res.failure_probability == 0.0) == (zero is None)


def test_exact_cut_rank_compressed_side_against_fractions():
    # rows (a1, a2, a3) = 12 > W = 4 on X: the route compresses or takes the Gram; the
    # intermediate A1 A2 is rank-deficient on purpose
    rng = np.random.default_rng(8)
    size = dict(a1=2, a2=3, a3=2, h=2, k=3, c=4, b=5)
    xi = [("a1", "h"), ("h", "a2", "k"), ("k", "a3", "c")]
    xa = [rng.integers(-3, 4, [size[i] for i in t]).astype(float) for t in xi]
    xa[0][1] = 2 * xa[0][0]
    ya = [rng.integers(-3, 4, (4, 5)).astype(float)]
    res = exact_cut_rank((xa, xi, ("a1", "a2", "a3")), (ya, [("c", "b")], ("b",)), ("c",), seed=3)
    dense = np.einsum("ah,hbk,kdc,ce->abde", *xa, ya[0]).reshape(12, 5)
    want = rank_fraction(np.rint(dense).astype(np.int64).tolist())
    assert res.rank == want == np.linalg.matrix_rank(dense)
    assert math.isfinite(res.log2_minor_bound)


@pytest.mark.parametrize("eye_first", [True, False])
@pytest.mark.parametrize("new_first", [True, False])
@pytest.mark.parametrize("seed", range(6))
def test_identity_operand_gives_the_dense_product(eye_first, new_first, seed):
    # an Eye over (o1, o2) <-> n contracted with a tensor holding o1, o2 in any order (and
    # with n contracted instead): the gather equals the product with the dense identity
    rng = np.random.default_rng(seed)
    size = dict(o1=2, o2=3, n=6, x=4, y=5)
    eye_labels = ("n", "o1", "o2") if new_first else ("o1", "o2", "n")
    eye = Eye([size[i] for i in eye_labels], new_first)
    contracted = [("o1", "o2"), ("o2", "o1"), ("n",)][seed % 3]
    other = list(contracted) + ["x", "y"][: 1 + seed % 2]
    rng.shuffle(other)
    b = rng.integers(0, P62, [size[i] for i in other])
    keep = [i for i in eye_labels if i not in contracted] + [
        i for i in other if i not in contracted
    ]
    inputs = [eye_labels, tuple(other)] if eye_first else [tuple(other), eye_labels]
    arrays = [eye, b] if eye_first else [b, eye]
    dense = [a.dense() if isinstance(a, Eye) else a for a in arrays]
    plan = compile_path(inputs, tuple(keep), [(0, 1)], size, ssa=True)
    got, labels, _ = execute(plan, arrays, ModPArith(P62))
    want, labels2, _ = execute(plan, dense, ModPArith(P62))
    assert labels == labels2 and np.array_equal(got, want)


def test_identity_operand_with_a_batch_label_falls_back_to_dense():
    # o1 on both operands and kept (a batch label): no gather, the dense identity is used
    rng = np.random.default_rng(9)
    size = dict(o1=2, o2=3, n=6, x=4)
    eye = Eye([2, 3, 6], False)
    b = rng.integers(0, P62, (3, 2, 4))
    plan = compile_path([("o1", "o2", "n"), ("o2", "o1", "x")], ("o1", "n", "x"), [(0, 1)], size)
    got, labels, _ = execute(plan, [eye, b], ModPArith(P62))
    want, _, _ = execute(plan, [eye.dense(), b], ModPArith(P62))
    assert np.array_equal(got, want)
    ref = np.einsum("abn,bax->anx", eye.dense(), b)
    assert np.array_equal(
        np.einsum(f"{''.join('anx'[('o1', 'n', 'x').index(i)] for i in labels)}->anx", got),
        ref % P62,
    )
