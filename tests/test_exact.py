"""Exact arithmetic mod p: every check against Python ints or Fractions."""

from __future__ import annotations

import itertools
import math
import time
from fractions import Fraction

import numpy as np
import pytest

from tnexpress.measures.exact import (
    ExactRank,
    contract_mod_p,
    dyadic_scale,
    exact_cut_rank,
    is_prime,
    matmul_mod_p,
    prime_count_lower_bound,
    random_prime,
    rank_mod_p,
    to_residues,
)

P26 = 50705327  # random_prime(0) with bits=26
P31 = 2147483647  # 2^31 - 1, three limbs


# ----------------------------------------------------------------------------- references


def _isprime_trial(n):
    return n >= 2 and all(n % q for q in range(2, math.isqrt(n) + 1))


def _rank_fraction(rows):
    """Exact rank over Q by Gaussian elimination on Fractions."""
    m = [[Fraction(v) for v in row] for row in rows]
    r = 0
    ncols = len(m[0]) if m else 0
    for j in range(ncols):
        piv = next((i for i in range(r, len(m)) if m[i][j] != 0), None)
        if piv is None:
            continue
        m[r], m[piv] = m[piv], m[r]
        for i in range(r + 1, len(m)):
            if m[i][j] != 0:
                f = m[i][j] / m[r][j]
                m[i] = [a - f * b for a, b in zip(m[i], m[r], strict=True)]
        r += 1
    return r


def _rank_mod_p_ref(rows, p):
    m = [[int(v) % p for v in row] for row in rows]
    r = 0
    for j in range(len(m[0]) if m else 0):
        piv = next((i for i in range(r, len(m)) if m[i][j]), None)
        if piv is None:
            continue
        m[r], m[piv] = m[piv], m[r]
        inv = pow(m[r][j], -1, p)
        for i in range(r + 1, len(m)):
            if m[i][j]:
                f = m[i][j] * inv % p
                m[i] = [(a - f * b) % p for a, b in zip(m[i], m[r], strict=True)]
        r += 1
    return r


def _einsum_exact(arrays, inputs, output, sizes):
    """Brute-force sum over every label value, in Python ints."""
    labels = list(dict.fromkeys(ix for t in inputs for ix in t))
    out = np.zeros([sizes[ix] for ix in output], dtype=object)
    out[...] = 0
    for vals in itertools.product(*(range(sizes[ix]) for ix in labels)):
        v = dict(zip(labels, vals, strict=True))
        term = 1
        for a, t in zip(arrays, inputs, strict=True):
            term *= int(a[tuple(v[ix] for ix in t)])
        key = tuple(v[ix] for ix in output)
        out[key] = out[key] + term
    return out


def _dense(arrays, inputs, output):
    """Dense float contraction with numpy.einsum (hyper-indices allowed)."""
    sym = {}
    for ix in [*(ix for t in inputs for ix in t), *output]:
        sym.setdefault(ix, chr(ord("a") + len(sym)))
    eq = ",".join("".join(sym[ix] for ix in t) for t in inputs) + "->"
    return np.einsum(eq + "".join(sym[ix] for ix in output), *arrays)


# ----------------------------------------------------------------------------- primes


def test_is_prime_matches_trial_division_and_pseudoprimes():
    assert [n for n in range(3000) if is_prime(n)] == [n for n in range(3000) if _isprime_trial(n)]
    # strong pseudoprimes to several small bases, and Mersenne numbers
    for n in (561, 3215031751, 3825123056546413051, 2**61 + 1, 2**31 + 1):
        assert not is_prime(n)
    for n in (2**31 - 1, 2**61 - 1, 1_000_000_007, P26):
        assert is_prime(n)


@pytest.mark.parametrize("bits", [3, 5, 12, 26, 31])
def test_random_prime_in_range_and_seeded(bits):
    ps = [random_prime(np.random.default_rng(s), bits) for s in range(20)]
    for p in ps:
        assert 2 ** (bits - 1) <= p < 2**bits
        if bits <= 26:
            assert _isprime_trial(p)
    assert random_prime(0, bits) == random_prime(0, bits)
    assert random_prime(0) == P26


def test_random_prime_uniform_small_range():
    # primes in [16, 32): 17 19 23 29 31, each about 1/5 of 2000 draws
    rng = np.random.default_rng(3)
    draws = [random_prime(rng, 5) for _ in range(2000)]
    assert set(draws) == {17, 19, 23, 29, 31}
    assert all(300 < draws.count(q) < 500 for q in (17, 19, 23, 29, 31))


def test_prime_count_lower_bound():
    for bits in range(3, 15):
        exact = sum(_isprime_trial(n) for n in range(2 ** (bits - 1), 2**bits))
        assert prime_count_lower_bound(bits) == exact
    # pi(2^26) - pi(2^25) = 3957809 - 2063689
    assert 0.98 * 1_894_120 < prime_count_lower_bound(26) <= 1_894_120
    # pi(2^31) - pi(2^30) = 105097565 - 54400028
    assert 0.98 * 50_697_537 < prime_count_lower_bound(31) <= 50_697_537


def test_prime_errors():
    with pytest.raises(ValueError, match="bits"):
        random_prime(0, 32)
    with pytest.raises(ValueError, match="bits"):
        random_prime(0, 2)
    with pytest.raises(TypeError, match="bits"):
        random_prime(0, 26.0)
    with pytest.raises(ValueError, match="odd prime"):
        to_residues(np.ones(2), 15)


# ----------------------------------------------------------------------------- residues


def _awkward_floats(rng, n=400):
    x = rng.standard_normal(n) * 10.0 ** rng.integers(-300, 300, n)
    special = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        5e-324,
        -5e-324,
        2.2250738585072014e-308,
        1.7976931348623157e308,
        -1.7976931348623157e308,
        0.1,
        -1 / 3,
        2.0**-1074 * 3,
        2.0**1000,
        12345678901234567.0,
    ]
    return np.concatenate([x, special])


@pytest.mark.parametrize("p", [P26, P31, 11])
def test_to_residues_exact_against_fractions(p):
    x = _awkward_floats(np.random.default_rng(1))
    for s in (0, 7, -5):
        got = to_residues(x, p, s)
        assert got.dtype == np.int64 and got.shape == x.shape
        for v, g in zip(x.tolist(), got.tolist(), strict=True):
            f = Fraction(v) * Fraction(2) ** s
            want = f.numerator * pow(f.denominator, -1, p) % p
            assert g == want
    # shape kept, integer input accepted
    m = np.arange(-6, 6).reshape(3, 4)
    assert (to_residues(m, p) == np.array([[int(v) % p for v in row] for row in m])).all()


def test_dyadic_scale_minimal_integer_exponent():
    rng = np.random.default_rng(2)
    arrays = [
        _awkward_floats(rng, 50),
        np.array([4.0, -12.0, 0.0]),  # all even: negative exponent
        np.array([0.75, 3.0]),
        np.zeros((2, 2)),
        rng.integers(-5, 6, (3, 3)).astype(float) * 2.0**-9,
    ]
    for a, s in zip(arrays, dyadic_scale(arrays), strict=True):
        fr = [Fraction(v) * Fraction(2) ** s for v in a.ravel().tolist()]
        assert all(f.denominator == 1 for f in fr)
        if any(fr):  # minimal: one step lower leaves a non-integer
            assert any((f / 2).denominator != 1 for f in fr)
    assert dyadic_scale(arrays)[1:4] == [-2, 2, 0]


def test_residue_errors():
    with pytest.raises(TypeError, match="exact arithmetic supports real networks"):
        to_residues(np.ones(3, dtype=complex), P26)
    with pytest.raises(ValueError, match="non-finite"):
        to_residues(np.array([1.0, np.nan]), P26)
    with pytest.raises(ValueError, match="non-finite"):
        dyadic_scale([np.array([np.inf])])
    with pytest.raises(TypeError, match="exact arithmetic supports real networks"):
        dyadic_scale([np.ones(2, dtype=np.complex64)])


# ----------------------------------------------------------------------------- matmul


@pytest.mark.parametrize("p", [P26, P31, 13])
def test_matmul_mod_p_exact(p):
    rng = np.random.default_rng(4)
    a = rng.integers(0, p, (2, 5, 70))
    b = rng.integers(0, p, (2, 70, 6))
    got = matmul_mod_p(a, b, p)
    for t in range(2):
        for i in range(5):
            for j in range(6):
                want = sum(int(a[t, i, k]) * int(b[t, k, j]) for k in range(70)) % p
                assert got[t, i, j] == want


def test_matmul_mod_p_chunks_long_contraction():
    # K = 40000 > 2^14 (the exact chunk for 26-bit primes): all residues p - 1
    p = P26
    a = np.full((1, 40000), p - 1, dtype=np.int64)
    got = matmul_mod_p(a, a.T.copy(), p)
    assert got[0, 0] == 40000 * (p - 1) ** 2 % p


# ----------------------------------------------------------------------------- contraction

NETWORKS = {
    # hyper-index "h" on three tensors, output hyper-index "o" on two, private "z"
    "hyper": (
        [("a", "h", "o"), ("h", "b", "z"), ("h", "c"), ("o", "b", "c")],
        ("a", "o"),
        dict(a=2, h=3, o=2, b=3, z=2, c=2),
    ),
    # two disconnected pieces and a scalar tensor
    "disconnected": (
        [("a", "b"), ("b", "c"), (), ("d", "e"), ("e",)],
        ("c", "a", "d"),
        dict(a=2, b=3, c=2, d=3, e=2),
    ),
    "single": ([("a", "b", "c")], ("c", "a"), dict(a=2, b=3, c=4)),
    "scalar-out": ([("a", "b"), ("b", "a")], (), dict(a=3, b=4)),
    "outer": ([("a",), ("b",)], ("b", "a"), dict(a=3, b=2)),
    "tuple-labels": (
        [((0, "x"), 5), (5, None), (None, (0, "x"))],
        (5,),
        {(0, "x"): 2, 5: 3, None: 2},
    ),
}


@pytest.mark.parametrize("name", sorted(NETWORKS))
@pytest.mark.parametrize("p", [P26, 7])
def test_contract_mod_p_against_exact_einsum(name, p):
    inputs, output, sizes = NETWORKS[name]
    rng = np.random.default_rng(5)
    ints = [rng.integers(-50, 50, [sizes[ix] for ix in t]) for t in inputs]
    want = _einsum_exact(ints, inputs, output, sizes)
    res = [to_residues(a, p) for a in ints]
    got = contract_mod_p(res, inputs, output, sizes, p)
    assert got.shape == tuple(sizes[ix] for ix in output)
    assert got.dtype == np.int64
    assert [int(v) for v in got.ravel()] == [int(v) % p for v in np.ravel(want)]


def test_contract_mod_p_given_tree_and_errors():
    from tnexpress.engine.paths import contraction_tree

    inputs, output, sizes = NETWORKS["hyper"]
    rng = np.random.default_rng(6)
    ints = [rng.integers(0, 9, [sizes[ix] for ix in t]) for t in inputs]
    tree = contraction_tree(inputs, output, sizes)
    got = contract_mod_p(ints, inputs, output, sizes, P26, tree=tree)
    want = _einsum_exact(ints, inputs, output, sizes)
    assert [int(v) for v in got.ravel()] == [int(v) % P26 for v in want.ravel()]
    with pytest.raises(TypeError, match="int64"):
        contract_mod_p([a.astype(float) for a in ints], inputs, output, sizes, P26)
    with pytest.raises(ValueError, match=r"outside \[0, p\)"):
        contract_mod_p([a - 5 for a in ints], inputs, output, sizes, P26)
    with pytest.raises(ValueError, match="output index"):
        contract_mod_p(ints, inputs, ("q",), sizes, P26)


# ----------------------------------------------------------------------------- rank


def _low_rank(rng, m, n, r, lo=-3, hi=4):
    return rng.integers(lo, hi, (m, r)) @ rng.integers(lo, hi, (r, n))


@pytest.mark.parametrize("block", [128, 4])
def test_rank_mod_p_against_fractions(block):
    rng = np.random.default_rng(7)
    cases = [
        _low_rank(rng, m, n, r)
        for m, n, r in [(9, 12, 4), (15, 11, 7), (20, 20, 20), (13, 30, 1), (25, 18, 11)]
    ]
    d = rng.integers(-4, 5, (12, 16))
    d[5] = 3 * d[1] - d[7]  # rank-deficient by a row relation
    d[:, 9] = d[:, 2] - 2 * d[:, 3]  # and a column relation
    cases += [
        d,
        np.zeros((5, 7), dtype=np.int64),
        rng.integers(-9, 9, (1, 6)),
        rng.integers(-9, 9, (6, 1)),
        np.diag([1, 2, 0, 4, 0, 6]),
    ]
    for m in cases:
        want = _rank_fraction(m.tolist())
        for p in (P26, P31):
            assert rank_mod_p(m, p, block=block) == want == _rank_mod_p_ref(m.tolist(), p)


def test_rank_mod_p_is_a_lower_bound():
    # [[1, 1], [1, 1 + p]] has rank 2 over Q and rank 1 over GF(p)
    p = 101
    m = np.array([[1, 1], [1, 1 + p]])
    assert _rank_fraction(m.tolist()) == 2
    assert rank_mod_p(m, p) == 1
    # tiny primes: rank mod p never exceeds the rank over Q, and equals the reference
    rng = np.random.default_rng(8)
    for _ in range(30):
        m = _low_rank(rng, 8, 9, 5, -20, 20)
        want = _rank_fraction(m.tolist())
        for p in (3, 5, 7):
            got = rank_mod_p(m, p, block=3)
            assert got == _rank_mod_p_ref(m.tolist(), p) <= want


def test_rank_mod_p_1024_timed():
    # L diag(1,..,1,0,..,0) U with unit triangular L, U: rank exactly r over every field
    rng = np.random.default_rng(9)
    n, r = 1024, 1000
    L = np.tril(rng.integers(-2, 3, (n, n)), -1) + np.eye(n, dtype=np.int64)
    U = np.triu(rng.integers(-2, 3, (n, n)), 1) + np.eye(n, dtype=np.int64)
    M = matmul_mod_p(L[:, :r] % P26, U[:r] % P26, P26)  # = L D U mod p (tested above)
    t0 = time.perf_counter()
    assert rank_mod_p(M, P26) == r
    assert time.perf_counter() - t0 < 10


def test_rank_errors():
    with pytest.raises(ValueError, match="2-d"):
        rank_mod_p(np.ones(3, dtype=np.int64), P26)
    with pytest.raises(TypeError, match="integer dtype"):
        rank_mod_p(np.ones((2, 2)), P26)
    with pytest.raises(ValueError, match="block"):
        rank_mod_p(np.ones((2, 2), dtype=np.int64), P26, block=0)


# ----------------------------------------------------------------------------- cut rank


def _two_sides(rng, *, low=None, float_weights=False):
    """A hyper network split by cut (c1, c2): rows (a1, a2 | a3) on X, (b1, b2) on Y.

    X: T1[a1, h, c1], T2[h, a2, k], T3[k, c2, h]  (h: hyper-index inside X)
    Y: S1[c1, b1, g], S2[g, c2, b2], S3[c1, g]   (c1: cut hyper-index, on 2 of Y)
    """
    sizes = dict(a1=3, a2=2, h=2, k=3, c1=2, c2=3, b1=4, b2=3, g=2)
    xi = [("a1", "h", "c1"), ("h", "a2", "k"), ("k", "c2", "h")]
    yi = [("c1", "b1", "g"), ("g", "c2", "b2"), ("c1", "g")]

    def draw(t):
        if float_weights:
            return rng.standard_normal([sizes[ix] for ix in t])
        return rng.integers(-3, 4, [sizes[ix] for ix in t]).astype(float)

    xa, ya = [draw(t) for t in xi], [draw(t) for t in yi]
    if low == "x":  # T3 of rank 1 between (k) and (c2, h): caps [[A]] at rank <= 2 * ...
        xa[2] = np.einsum("k,ch->kch", rng.integers(1, 3, 3), rng.integers(-2, 3, (3, 2)))
        xa[2] = xa[2].astype(float)
    return sizes, (xa, xi), (ya, yi)


@pytest.mark.parametrize(
    "rows",
    [
        (("a1", "a2"), ("b1", "b2")),
        (("a1",), ("b1",)),
        (("a1", "a2"), ("b2",)),
        (("a2",), ("b1", "b2")),
    ],
)
@pytest.mark.parametrize("low", [None, "x"])
def test_exact_cut_rank_matches_dense_exact_rank(rows, low):
    rng = np.random.default_rng(10)
    sizes, (xa, xi), (ya, yi) = _two_sides(rng, low=low)
    xr, yr = rows
    # the other open legs of each side are traced over: sum them out by a ones vector
    for ix in {"a1", "a2"} - set(xr):
        xa, xi = xa + [np.ones(sizes[ix])], xi + [(ix,)]
    for ix in {"b1", "b2"} - set(yr):
        ya, yi = ya + [np.ones(sizes[ix])], yi + [(ix,)]
    res = exact_cut_rank((xa, xi, xr), (ya, yi, yr), ("c1", "c2"), seed=0)
    dense = _dense(xa + ya, xi + yi, xr + yr)
    mat = dense.reshape(math.prod(sizes[ix] for ix in xr), -1)
    want = _rank_fraction(np.rint(mat).astype(np.int64).tolist())  # integer weights: exact
    assert np.array_equal(mat, np.rint(mat))
    assert isinstance(res, ExactRank)
    assert res.rank == want == np.linalg.matrix_rank(mat)
    assert len(res.primes) == 2 and res.ranks == (want, want)
    assert 0.0 <= res.failure_probability < 1e-4
    n = min(min(math.prod(sizes[ix] for ix in r), 6) for r in (xr, yr))
    if want == n:
        assert res.failure_probability == 0.0


def test_exact_cut_rank_float_weights_and_bound_formula():
    rng = np.random.default_rng(11)
    sizes, (xa, xi), (ya, yi) = _two_sides(rng, float_weights=True)
    xa[0][0, 0, 0] = 0.0  # entries of every magnitude class: zero, tiny, huge
    xa[1][1, 1, 1] = 2.0**-600
    ya[2][0, 1] = 2.0**700
    res = exact_cut_rank(
        (xa, xi, ("a1", "a2")), (ya, yi, ("b1", "b2")), ("c1", "c2"), n_primes=3, seed=1
    )
    dense = _dense(xa + ya, xi + yi, ("a1", "a2", "b1", "b2")).reshape(6, 12)
    assert res.rank == _rank_fraction(
        [[Fraction(v) for v in row] for row in _dense_fraction(xa, xi, ya, yi, sizes)]
    )
    assert res.rank == 6 and np.linalg.matrix_rank(dense) < 6  # floats lose it, exact does not
    # independent recomputation of the Hadamard bound (X direct: 6 rows = W; Y Gram: 12 > W):
    # log2 E = [sum_X log2 max|T| + log2(h k)] + 2 [sum_Y log2 max|T| + log2 g] + log2(b1 b2)
    #          + log2 W;  bound = n (log2 E + log2(n) / 2), n = 6
    s = dyadic_scale(xa) + dyadic_scale(ya)
    lmax = [
        math.log2(max(abs(Fraction(v)) for v in a.ravel().tolist()) * Fraction(2) ** si)
        for a, si in zip(xa + ya, s, strict=True)
    ]
    log2_e = sum(lmax[:3]) + math.log2(6) + 2 * (sum(lmax[3:]) + 1) + math.log2(12) + math.log2(6)
    want = 6 * (log2_e + 0.5 * math.log2(6))
    # the code rounds each max|T| up to a power of two: at most 1 bit per tensor occurrence
    assert want - 1e-6 <= res.log2_minor_bound <= want + 6 * 9 + 1e-6
    assert res.failure_probability == 0.0  # rank 6 = smallest factor dimension


def _dense_fraction(xa, xi, ya, yi, sizes):
    """Exact rational matricization (rows a1 a2, columns b1 b2) by brute force."""
    arrays = [
        np.array([Fraction(v) for v in a.ravel().tolist()], dtype=object).reshape(a.shape)
        for a in xa + ya
    ]
    labels = list(dict.fromkeys(ix for t in xi + yi for ix in t))
    out = {}
    for vals in itertools.product(*(range(sizes[ix]) for ix in labels)):
        v = dict(zip(labels, vals, strict=True))
        term = Fraction(1)
        for a, t in zip(arrays, xi + yi, strict=True):
            term *= a[tuple(v[ix] for ix in t)]
        key = (v["a1"] * 2 + v["a2"], v["b1"] * 3 + v["b2"])
        out[key] = out.get(key, 0) + term
    return [[out[(i, j)] for j in range(12)] for i in range(6)]


def _triangular_chain(n, diag_exps, rng):
    """X = L D, L unit lower-triangular integer, D = diag(2^-e): rank known by construction."""
    L = np.tril(rng.integers(-3, 4, (n, n)), -1) + np.eye(n)
    D = np.diag([0.0 if e is None else 2.0**-e for e in diag_exps])
    return L.astype(float), D


@pytest.mark.parametrize("zero_at", [None, 17])
def test_exact_cut_rank_ill_conditioned(zero_at):
    # [[A]] = (L1 D1)(D2 U2): singular values spread over ~1e-20..1e0 (and far below)
    n = 40
    rng = np.random.default_rng(12)
    exps = [(3 * i) % 70 for i in range(n)]
    if zero_at is not None:
        exps[zero_at] = None
    L1, D1 = _triangular_chain(n, exps, rng)
    L2, D2 = _triangular_chain(n, [(5 * i) % 67 for i in range(n)], rng)
    U2 = L2.T
    xs = ([L1, D1], [("a", "k"), ("k", "c")], ("a",))
    ys = ([D2, U2], [("c", "g"), ("g", "b")], ("b",))
    want = n if zero_at is None else n - 1  # triangular factors, nonzero diagonals
    res = exact_cut_rank(xs, ys, ("c",), seed=2)
    dense = L1 @ D1 @ D2 @ U2
    assert res.rank == want
    assert np.linalg.matrix_rank(dense) < want  # float rank fails on this conditioning
    if zero_at is None:  # full rank n = W: exact for certain
        assert res.failure_probability == 0.0
    else:
        assert 0.0 < res.failure_probability < 1e-3


def test_exact_cut_rank_hilbert_like():
    # float64 Hilbert matrices H (rows a, cut c) and H (cut c, cols b): float rank ~ 20 of 40
    n = 40
    H = 1.0 / (np.arange(n)[:, None] + np.arange(n)[None, :] + 1.0)
    want = _rank_fraction([[Fraction(v) for v in row] for row in H.tolist()])
    assert want == n
    res = exact_cut_rank(([H], [("a", "c")], ("a",)), ([H], [("c", "b")], ("b",)), ("c",), seed=3)
    assert res.rank == n and res.failure_probability == 0.0
    assert np.linalg.matrix_rank(H @ H) < n


def test_exact_cut_rank_small_primes_never_exceed():
    # 4-bit primes (11, 13): the rank can drop, never rise; the bound then is not tiny
    rng = np.random.default_rng(13)
    sizes, (xa, xi), (ya, yi) = _two_sides(rng)
    xa = [a * 7 + 1 for a in xa]
    dense = _dense(xa + ya, xi + yi, ("a1", "a2", "b1", "b2")).reshape(6, 12)
    want = _rank_fraction(np.rint(dense).astype(np.int64).tolist())
    seen = set()
    for seed in range(12):
        res = exact_cut_rank(
            (xa, xi, ("a1", "a2")),
            (ya, yi, ("b1", "b2")),
            ("c1", "c2"),
            n_primes=1,
            seed=seed,
            bits=4,
        )
        assert res.rank <= want
        assert res.rank == _rank_mod_p_ref(np.rint(dense).astype(np.int64).tolist(), res.primes[0])
        seen.add(res.rank)
        if res.rank < want:
            assert res.failure_probability == 1.0
    assert want in seen


@pytest.mark.parametrize("n_primes", [1, 3])
def test_exact_cut_rank_gram_both_sides_hyper_rows(n_primes):
    # rows exceed W = 3 on both sides: both factors are Gram matrices. Row label "a" and
    # internal "h" are hyper-indices of X; cut "c" is on two tensors of each side.
    rng = np.random.default_rng(14)
    sizes = dict(a=3, e=2, h=2, c=3, b=4, f=2, g=2)
    xi = [("a", "e", "h", "c"), ("h", "a", "c"), ("h", "e")]
    yi = [("c", "b", "g"), ("g", "c", "f")]
    xa = [rng.integers(-2, 3, [sizes[ix] for ix in t]).astype(float) for t in xi]
    ya = [rng.integers(-2, 3, [sizes[ix] for ix in t]).astype(float) for t in yi]
    res = exact_cut_rank(
        (xa, xi, ("a", "e")), (ya, yi, ("b", "f")), ("c",), n_primes=n_primes, seed=4
    )
    mat = _dense(xa + ya, xi + yi, ("a", "e", "b", "f")).reshape(6, 8)
    want = _rank_fraction(np.rint(mat).astype(np.int64).tolist())
    assert res.rank == want == np.linalg.matrix_rank(mat) and len(res.primes) == n_primes
    # Y[c, b, f] = u_c (B S)[b, f]: Y has rank 1 across the cut, so [[A]] has rank 1
    B = np.array([[1.0, 2.0], [0.0, 1.0], [-1.0, 3.0], [2.0, 2.0]])
    ya2 = [np.einsum("c,bg->cbg", [1.0, -1.0, 2.0], B), np.repeat(ya[1][:, :1, :], 3, axis=1)]
    mat2 = _dense(xa + ya2, xi + yi, ("a", "e", "b", "f")).reshape(6, 8)
    want2 = _rank_fraction(np.rint(mat2).astype(np.int64).tolist())
    res2 = exact_cut_rank((xa, xi, ("a", "e")), (ya2, yi, ("b", "f")), ("c",), seed=5)
    assert res2.rank == want2 == 1


def test_exact_cut_rank_edge_cases():
    u, v = np.array([1.0, -2.0, 0.5]), np.array([3.0, 1.0])
    # empty cut: a product state, rank 1
    res = exact_cut_rank(([u], [("a",)], ("a",)), ([v], [("b",)], ("b",)), ())
    assert res.rank == 1 and res.failure_probability == 0.0
    # an all-zero tensor: rank 0, certainly
    z = np.zeros((3, 2))
    res = exact_cut_rank(([z], [("a", "c")], ("a",)), ([np.eye(2)], [("c", "b")], ("b",)), ("c",))
    assert res.rank == 0 and res.failure_probability == 0.0
    # a side without rows (scalar side)
    res = exact_cut_rank(
        ([np.ones((3, 2))], [("a", "c")], ("a",)), ([np.array([1.0, 2.0])], [("c",)], ()), ("c",)
    )
    assert res.rank == 1


def test_exact_cut_rank_errors():
    x = ([np.ones((2, 2))], [("a", "c")], ("a",))
    y = ([np.ones((2, 2))], [("c", "b")], ("b",))
    with pytest.raises(TypeError, match="exact arithmetic supports real networks"):
        exact_cut_rank(([np.ones((2, 2), dtype=complex)], [("a", "c")], ("a",)), y, ("c",))
    with pytest.raises(ValueError, match="cut label 'q'"):
        exact_cut_rank(x, y, ("q",))
    with pytest.raises(ValueError, match="not in cut"):
        exact_cut_rank(x, y, ())
    with pytest.raises(ValueError, match="n_primes"):
        exact_cut_rank(x, y, ("c",), n_primes=0)
    with pytest.raises(ValueError, match="open row label 'z'"):
        exact_cut_rank(([np.ones((2, 2))], [("a", "c")], ("z",)), y, ("c",))
    with pytest.raises(ValueError, match="dimension"):
        exact_cut_rank(x, ([np.ones((3, 2))], [("c", "b")], ("b",)), ("c",))
    with pytest.raises(TypeError, match="x_side"):
        exact_cut_rank(([np.ones(2)], [("c",)]), y, ("c",))
