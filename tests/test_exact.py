"""Exact arithmetic mod p: every check against Python ints or Fractions."""

from __future__ import annotations

import itertools
import math
import time
from fractions import Fraction

import numpy as np
import pytest
from helpers import rank_fraction

from tnexpress.measures.exact import (
    ExactRank,
    contract_mod_p,
    dyadic_scale,
    exact_cut_rank,
    is_prime,
    matmul_mod_p,
    mulmod,
    prime_count_lower_bound,
    random_prime,
    rank_mod_p,
    sqrt_minus_one,
    to_residues,
)

P26 = 50705327  # random_prime(0, 26)
P31 = 2147483647  # 2^31 - 1
P62 = 2371143724947690593  # random_prime(0): 62 bits, = 1 (mod 4)


# ----------------------------------------------------------------------------- references


def _isprime_trial(n):
    return n >= 2 and all(n % q for q in range(2, math.isqrt(n) + 1))


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
    for n in (2**31 - 1, 2**61 - 1, 1_000_000_007, P26, P62):
        assert is_prime(n)


@pytest.mark.parametrize("gaussian", [False, True])
@pytest.mark.parametrize("bits", [3, 5, 12, 26, 31, 62])
def test_random_prime_in_range_and_seeded(bits, gaussian):
    if gaussian and 22 < bits < 34:
        with pytest.raises(ValueError, match="bits must be <= 22 or >= 34"):
            random_prime(0, bits, gaussian=True)
        return
    ps = [random_prime(np.random.default_rng(s), bits, gaussian=gaussian) for s in range(20)]
    for p in ps:
        assert 2 ** (bits - 1) <= p < 2**bits
        assert p % 4 == 1 or not gaussian
        if bits <= 26:
            assert _isprime_trial(p)
    assert random_prime(0, bits) == random_prime(0, bits)
    assert random_prime(0, 26) == P26 and random_prime(0) == P62


def test_sqrt_minus_one():
    for p in (5, 13, 17, 29, 10009, P62):
        roots = {sqrt_minus_one(p, s) for s in range(12)}
        assert len(roots) == 2 and all(pow(r, 2, p) == p - 1 for r in roots)
    with pytest.raises(ValueError, match="1 \\(mod 4\\)"):
        sqrt_minus_one(P31)


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
    for bits in range(3, 15):  # primes = 1 (mod 4), sieved
        exact = sum(_isprime_trial(n) for n in range(2 ** (bits - 1) + 1, 2**bits, 4))
        assert prime_count_lower_bound(bits, True) == exact
    # above 2^33 (proven bounds only): within 3% of the prime number theorem's count
    for bits, gaussian in [(34, True), (62, True), (62, False)]:
        x, y = 2.0**bits, 2.0 ** (bits - 1)
        t = np.linspace(y, x, 200_001)
        li = float(np.sum(1 / np.log(t[:-1]) + 1 / np.log(t[1:])) / 2 * (t[1] - t[0]))
        want = li / 2 if gaussian else li
        assert 0.97 * want < prime_count_lower_bound(bits, gaussian) < want


def test_prime_errors():
    with pytest.raises(ValueError, match="bits"):
        random_prime(0, 63)
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


@pytest.mark.parametrize("p", [P26, P31, 11, P62])
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


@pytest.mark.parametrize("p", [13, 10009, P62])
def test_to_residues_complex_is_the_gaussian_homomorphism(p):
    rng = np.random.default_rng(15)
    re, im = _awkward_floats(rng, 60), _awkward_floats(rng, 60)[::-1]
    z = re + 1j * im
    root = sqrt_minus_one(p, 1)
    for s in (0, 9):
        got = to_residues(z, p, s, root=root).tolist()
        for a, b, g in zip(re.tolist(), im.tolist(), got, strict=True):
            fa, fb = Fraction(a) * Fraction(2) ** s, Fraction(b) * Fraction(2) ** s
            ra = fa.numerator * pow(fa.denominator, -1, p) % p
            rb = fb.numerator * pow(fb.denominator, -1, p) % p
            assert g == (ra + root * rb) % p
    # a ring homomorphism: phi(u v) = phi(u) phi(v) on Gaussian integers
    u = rng.integers(-99, 99, 50) + 1j * rng.integers(-99, 99, 50)
    v = rng.integers(-99, 99, 50) + 1j * rng.integers(-99, 99, 50)
    pu, pv = to_residues(u, p, root=root), to_residues(v, p, root=root)
    assert (to_residues(u * v, p, root=root) == mulmod(pu, pv, p)).all()


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
    with pytest.raises(ValueError, match="complex entries need root"):
        to_residues(np.ones(3, dtype=complex), P26)
    with pytest.raises(ValueError, match="complex entries need root"):
        to_residues(np.ones(3, dtype=complex), 13, root=4)  # 4^2 = 3, not -1
    with pytest.raises(ValueError, match="non-finite"):
        to_residues(np.array([1.0, np.nan]), P26)
    with pytest.raises(ValueError, match="non-finite"):
        dyadic_scale([np.array([np.inf])])
    with pytest.raises(ValueError, match="non-finite"):
        dyadic_scale([np.array([1j * np.inf])])
    with pytest.raises(TypeError, match="numeric array"):
        dyadic_scale([np.array(["a"])])
    # complex: one exponent for real and imaginary parts
    assert dyadic_scale([np.array([0.75 + 0.125j, 3.0])]) == [3]


# ----------------------------------------------------------------------------- matmul


@pytest.mark.parametrize("p", [P26, P31, 13, P62, 2**61 - 1, 2199023255531])
def test_matmul_mod_p_exact(p):
    rng = np.random.default_rng(4)
    a = rng.integers(0, p, (2, 5, 70))
    b = rng.integers(0, p, (2, 70, 6))
    a[0, 0], b[1, :, 0] = p - 1, p - 1  # the largest residues
    got = matmul_mod_p(a, b, p)
    for t in range(2):
        for i in range(5):
            for j in range(6):
                want = sum(int(a[t, i, k]) * int(b[t, k, j]) for k in range(70)) % p
                assert got[t, i, j] == want


@pytest.mark.parametrize("p,K", [(P31, 2**21 + 7), (P62, 5000)])
def test_matmul_mod_p_chunks_long_contraction(p, K):
    # K beyond the exact chunk (2^21 for 31-bit primes, 2^11 for 62-bit): residues p - 1
    a = np.full((1, K), p - 1, dtype=np.int64)
    got = matmul_mod_p(a, a.T.copy(), p)
    assert got[0, 0] == K * (p - 1) ** 2 % p


@pytest.mark.parametrize("bits", [21, 22, 41, 42, 62])
def test_matmul_mod_p_worst_case_digits(bits):
    # the largest prime below 2^bits, residues whose balanced digits are extreme, K = 5000
    p = next(q for q in range(2**bits - 1, 0, -2) if is_prime(q))
    for val in (p - 1, p - 2**20, p // 2, 2 ** (bits - 1) + 2**20 - 1):
        a = np.full((2, 5000), val % p, dtype=np.int64)
        assert matmul_mod_p(a, a.T.copy(), p)[0, 0] == 5000 * (val % p) ** 2 % p


@pytest.mark.parametrize("p", [13, P31, P62, 2**61 - 1])
def test_mulmod_exact(p):
    rng = np.random.default_rng(16)
    x, y = rng.integers(0, p, 3000), rng.integers(0, p, 3000)
    x[:3], y[:3] = [p - 1, 0, p - 1], [p - 1, p - 1, 1]
    got = mulmod(x, y, p)
    assert got.dtype == np.int64
    assert got.tolist() == [int(u) * int(v) % p for u, v in zip(x, y, strict=True)]


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
@pytest.mark.parametrize("p", [P26, 7, P62])
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


def test_rank_mod_p_against_fractions():
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
        want = rank_fraction(m.tolist())
        for p in (P26, P31, P62):
            assert rank_mod_p(m, p) == want == _rank_mod_p_ref(m.tolist(), p)


def test_rank_mod_p_is_a_lower_bound():
    # [[1, 1], [1, 1 + p]] has rank 2 over Q and rank 1 over GF(p)
    p = 101
    m = np.array([[1, 1], [1, 1 + p]])
    assert rank_fraction(m.tolist()) == 2
    assert rank_mod_p(m, p) == 1
    # tiny primes: rank mod p never exceeds the rank over Q, and equals the reference
    rng = np.random.default_rng(8)
    for _ in range(30):
        m = _low_rank(rng, 8, 9, 5, -20, 20)
        want = rank_fraction(m.tolist())
        for p in (3, 5, 7):
            got = rank_mod_p(m, p)
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
    with pytest.raises(ValueError, match="odd prime"):
        rank_mod_p(np.ones((2, 2), dtype=np.int64), 2**62 + 1)


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
    want = rank_fraction(np.rint(mat).astype(np.int64).tolist())  # integer weights: exact
    assert np.array_equal(mat, np.rint(mat))
    assert isinstance(res, ExactRank)
    assert res.rank == want == np.linalg.matrix_rank(mat)
    n = min(min(math.prod(sizes[ix] for ix in r), 6) for r in (xr, yr))
    # a second prime only when the first did not reach the largest possible rank n
    assert len(res.primes) == (1 if want == n else 2) and set(res.ranks) == {want}
    assert 0.0 <= res.failure_probability < 1e-20
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
    assert res.rank == rank_fraction(
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
    want = rank_fraction([[Fraction(v) for v in row] for row in H.tolist()])
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
    want = rank_fraction(np.rint(dense).astype(np.int64).tolist())
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
    want = rank_fraction(np.rint(mat).astype(np.int64).tolist())
    assert res.rank == want == np.linalg.matrix_rank(mat)
    assert len(res.primes) == (1 if want == 3 else n_primes)  # 3 = W: stop at the first
    # Y[c, b, f] = u_c (B S)[b, f]: Y has rank 1 across the cut, so [[A]] has rank 1
    B = np.array([[1.0, 2.0], [0.0, 1.0], [-1.0, 3.0], [2.0, 2.0]])
    ya2 = [np.einsum("c,bg->cbg", [1.0, -1.0, 2.0], B), np.repeat(ya[1][:, :1, :], 3, axis=1)]
    mat2 = _dense(xa + ya2, xi + yi, ("a", "e", "b", "f")).reshape(6, 8)
    want2 = rank_fraction(np.rint(mat2).astype(np.int64).tolist())
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
    with pytest.raises(ValueError, match="bits must be <= 22 or >= 34 for complex"):
        exact_cut_rank(
            ([np.ones((2, 2), dtype=complex)], [("a", "c")], ("a",)), y, ("c",), bits=26
        )
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


# ----------------------------------------------------------------------------- complex


def _rank_complex(mat):
    """Exact rank over Q(i) of a Gaussian-integer matrix: rank [[A, -B], [B, A]] / 2."""
    A, B = np.rint(mat.real).astype(np.int64), np.rint(mat.imag).astype(np.int64)
    assert np.array_equal(A + 1j * B, mat)
    r = rank_fraction(np.block([[A, -B], [B, A]]).tolist())
    assert r % 2 == 0
    return r // 2


@pytest.mark.parametrize(
    "rows", [(("a1", "a2"), ("b1", "b2")), (("a1",), ("b1", "b2")), (("a1", "a2"), ("b2",))]
)
@pytest.mark.parametrize("low", [None, "x"])
def test_exact_cut_rank_complex_matches_rank_over_q_i(rows, low):
    # Gaussian-integer weights; W = 6: rows (a1, a2) = 6 direct, (b1, b2) = 12 > W a Gram
    rng = np.random.default_rng(17)
    sizes, (xa, xi), (ya, yi) = _two_sides(rng, low=low)
    _, (xb, _), (yb, _) = _two_sides(rng, low=low)
    xa = [a + 1j * b for a, b in zip(xa, xb, strict=True)]
    ya = [a + 1j * b for a, b in zip(ya, yb, strict=True)]
    xr, yr = rows
    for ix in {"a1", "a2"} - set(xr):
        xa, xi = xa + [np.ones(sizes[ix])], xi + [(ix,)]
    for ix in {"b1", "b2"} - set(yr):
        ya, yi = ya + [np.ones(sizes[ix])], yi + [(ix,)]
    res = exact_cut_rank((xa, xi, xr), (ya, yi, yr), ("c1", "c2"), seed=6)
    mat = _dense(xa + ya, xi + yi, xr + yr).reshape(math.prod(sizes[ix] for ix in xr), -1)
    want = _rank_complex(mat)
    assert res.rank == want == np.linalg.matrix_rank(mat)
    # a 21-bit probe prime stands alone when it proves the largest rank; else 62-bit primes
    assert all(p % 4 == 1 and p.bit_length() in (21, 62) for p in res.primes)
    assert 0.0 <= res.failure_probability < 1e-20


def test_exact_cut_rank_complex_gram_needs_the_conjugate():
    # x = (1, i): x^T x = 1 + i^2 = 0 but x^H x = 2. Rows (2) > W (1): X's factor is a Gram.
    x = np.array([[1.0], [1j]])
    y = np.array([[1.0, 2.0, 3.0]])
    res = exact_cut_rank(([x], [("a", "c")], ("a",)), ([y], [("c", "b")], ("b",)), ("c",))
    assert res.rank == 1 == np.linalg.matrix_rank(x @ y)
    # the same on side Y (columns (1, i) > W): Y Y^H = 2, Y Y^T = 0
    res = exact_cut_rank(([y.T], [("a", "c")], ("a",)), ([x.T], [("c", "b")], ("b",)), ("c",))
    assert res.rank == 1


@pytest.mark.parametrize("zero_at", [None, 11])
def test_exact_cut_rank_complex_ill_conditioned(zero_at):
    # [[A]] = (L1 D1)(D2 U2), L1, U2 unit triangular over Z[i], D = diag(2^-e), e up to 69:
    # rank n (n - 1 with a zero) by construction; the float rank cannot see it
    n = 32
    rng = np.random.default_rng(18)
    exps = [(3 * i) % 70 for i in range(n)]
    if zero_at is not None:
        exps[zero_at] = None
    D1 = np.diag([0.0 if e is None else 2.0**-e for e in exps])
    D2 = np.diag([2.0 ** -((5 * i) % 67) for i in range(n)])
    tri = np.tril(rng.integers(-3, 4, (n, n)) + 1j * rng.integers(-3, 4, (n, n)), -1)
    L1 = tri + np.eye(n)
    U2 = np.triu(rng.integers(-3, 4, (n, n)) - 1j * rng.integers(-3, 4, (n, n)), 1) + np.eye(n)
    xs = ([L1, D1], [("a", "k"), ("k", "c")], ("a",))
    ys = ([D2, U2], [("c", "g"), ("g", "b")], ("b",))
    res = exact_cut_rank(xs, ys, ("c",), seed=7)
    want = n if zero_at is None else n - 1
    assert res.rank == want
    assert np.linalg.matrix_rank(L1 @ D1 @ D2 @ U2) < want
    assert (res.failure_probability == 0.0) == (zero_at is None)
    assert res.failure_probability < 1e-20


# ----------------------------------------------------------------------------- properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 12),
    zeros1=st.sets(st.integers(0, 11)),
    zeros2=st.sets(st.integers(0, 11)),
    complex_=st.booleans(),
    seed=st.integers(0, 2**31),
)
def test_property_rank_of_product_of_known_rank_factors(n, zeros1, zeros2, complex_, seed):
    # (L1 D1)(D2 U2), L1 / U2 unit triangular: rank = #{i : d1_i d2_i != 0}, exactly
    rng = np.random.default_rng(seed)

    def unit_tri(lower):
        t = rng.integers(-4, 5, (n, n)) + (1j * rng.integers(-4, 5, (n, n)) if complex_ else 0)
        return (np.tril(t, -1) if lower else np.triu(t, 1)) + np.eye(n)

    d1 = np.array([0.0 if i in zeros1 else 2.0 ** -int(rng.integers(0, 60)) for i in range(n)])
    d2 = np.array(
        [0.0 if i in zeros2 else 3.0 * 2.0 ** int(rng.integers(-9, 9)) for i in range(n)]
    )
    xs = ([unit_tri(True), np.diag(d1)], [("a", "k"), ("k", "c")], ("a",))
    ys = ([np.diag(d2), unit_tri(False)], [("c", "g"), ("g", "b")], ("b",))
    res = exact_cut_rank(xs, ys, ("c",), seed=seed, n_primes=1)
    assert res.rank == int(np.count_nonzero(d1 * d2))
    assert res.rank <= n  # at most the cut


@settings(max_examples=20, deadline=None)
@given(
    dims=st.lists(st.integers(1, 3), min_size=6, max_size=6),
    complex_=st.booleans(),
    seed=st.integers(0, 2**31),
)
def test_property_exact_equals_float_rank_on_well_conditioned_sides(dims, complex_, seed):
    # the hyper network of _two_sides with random dimensions and Gaussian weights
    rng = np.random.default_rng(seed)
    sizes = dict(a1=dims[0], a2=2, h=dims[1], k=dims[2], c1=dims[3], c2=dims[4], b1=3, b2=dims[5])
    sizes["g"] = 2
    xi = [("a1", "h", "c1"), ("h", "a2", "k"), ("k", "c2", "h")]
    yi = [("c1", "b1", "g"), ("g", "c2", "b2"), ("c1", "g")]

    def draw(t):
        shape = [sizes[ix] for ix in t]
        x = rng.standard_normal(shape)
        return x + 1j * rng.standard_normal(shape) if complex_ else x

    xa, ya = [draw(t) for t in xi], [draw(t) for t in yi]
    res = exact_cut_rank(
        (xa, xi, ("a1", "a2")), (ya, yi, ("b1", "b2")), ("c1", "c2"), seed=seed, n_primes=1
    )
    mat = _dense(xa + ya, xi + yi, ("a1", "a2", "b1", "b2")).reshape(sizes["a1"] * 2, -1)
    s = np.linalg.svd(mat, compute_uv=False)
    W = sizes["c1"] * sizes["c2"]
    assert res.rank <= min(W, *mat.shape)
    r = int(np.linalg.matrix_rank(mat))
    if r == 0 or s[r - 1] > 1e-8 * s[0]:  # well conditioned: the float rank is reliable
        assert res.rank == r
