r"""Exact ranks of tensor-network matricizations, modulo large random primes.

A float64 is a dyadic rational :math:`m\,2^{e}` (integer mantissa ``m`` of at most
53 bits), so scaling every tensor by a power of two (:func:`dyadic_scale`) makes
it an integer tensor (a Gaussian-integer tensor for complex entries) without
changing any rank, and the matricization :math:`[[A]]_{I,J}` becomes an integer
matrix up to a power of two. This module maps such networks to
:math:`\mathrm{GF}(p)` (:func:`to_residues`), contracts them there
(:func:`contract_mod_p`) and takes ranks with FLINT's ``nmod_mat``
(:func:`rank_mod_p`, through python-flint).

Why a rank mod p is a lower bound
---------------------------------
Reduction :math:`\mathbb{Z}[1/2]\to\mathbb{Z}/p` is a ring homomorphism
(:math:`p` odd), so every minor of the reduced matrix is the reduction of the
same minor of :math:`Z`: a minor that vanishes over :math:`\mathbb{Q}` vanishes
mod :math:`p`, hence :math:`\operatorname{rank}_{\mathrm{GF}(p)}(Z \bmod p) \le
\operatorname{rank}_{\mathbb{Q}} Z`. The result can only be too *small*, and it
is exact unless :math:`p` divides every nonzero maximal minor.

For complex entries the primes are :math:`p \equiv 1 \pmod 4`, where
:math:`x^2 + 1` has two roots :math:`\pm\iota` in :math:`\mathrm{GF}(p)`; then
:math:`\varphi: \mathbb{Z}[1/2][i] \to \mathrm{GF}(p)`, :math:`a + b i \mapsto
a + b\iota`, is a ring homomorphism (it is the evaluation of
:math:`\mathbb{Z}[1/2][x]/(x^2+1)` at a root of :math:`x^2+1`), so again
:math:`\operatorname{rank}_p \varphi(Z) \le \operatorname{rank}_{\mathbb{Q}(i)} Z =
\operatorname{rank}_{\mathbb{C}} Z`. Complex conjugation does not commute with
:math:`\varphi` (it would have to swap the two roots :math:`\pm\iota`), so a
conjugated tensor :math:`\bar T = A - Bi` is mapped as the Gaussian-integer
tensor it is, to :math:`\varphi(A) - \iota\,\varphi(B)` (see :func:`exact_cut_rank`).

Residues and arithmetic in :math:`\mathrm{GF}(p)` live in :mod:`tnexpress.measures.modp`
(re-exported here); this module contracts the two sides of a cut there and
bounds the probability that the primes hide rank.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..engine.arith import Eye, ModPArith
from ..engine.executor import compile_path, execute
from ..engine.paths import check_size, compressed_cost, contraction_tree
from ..engine.treepath import tree_path
from . import _flint
from .modp import (
    DEFAULT_BITS,
    Dyadic,
    _check_bits,
    _check_prime,
    _finite,
    dyadic_scale,
    is_prime,
    matmul_mod_p,
    mulmod,
    prime_count_lower_bound,
    random_prime,
    rank_mod_p,
    sqrt_minus_one,
    sum_mod,
    to_residues,
)

__all__ = (
    "ExactRank",
    "random_prime",
    "sqrt_minus_one",
    "is_prime",
    "prime_count_lower_bound",
    "dyadic_scale",
    "to_residues",
    "mulmod",
    "matmul_mod_p",
    "contract_mod_p",
    "rank_mod_p",
    "exact_cut_rank",
)

#: Size of the probe prime tried first (one float64 BLAS product per modular product,
#: residue products in int64): its rank, when it reaches the largest possible, is exact.
_PROBE_BITS = 21


# ----------------------------------------------------------------------------- contraction


def _symbolize(inputs, output):
    sym: dict = {}
    for term in inputs:
        for ix in term:
            sym.setdefault(ix, len(sym))
    for ix in output:
        if ix not in sym:
            raise ValueError(f"output index {ix!r} appears on no input tensor")
    return sym


def _check_network(arrays, inputs, output, size_dict):
    if len(arrays) != len(inputs):
        raise ValueError(f"arrays has {len(arrays)} entries but inputs has {len(inputs)}")
    output = tuple(output)
    if len(set(output)) != len(output):
        raise ValueError(f"output has a repeated index: {output!r}")
    for i, (arr, term) in enumerate(zip(arrays, inputs, strict=True)):
        if len(set(term)) != len(term):
            raise ValueError(f"inputs[{i}] repeats an index: {tuple(term)!r}")
        if np.ndim(arr) != len(term):
            raise ValueError(
                f"arrays[{i}] has {np.ndim(arr)} dimensions but inputs[{i}] names {len(term)}"
            )
        for ix, d in zip(term, np.shape(arr), strict=True):
            if size_dict.get(ix, d) != d:
                raise ValueError(
                    f"index {ix!r} has dimension {d} in arrays[{i}] but {size_dict[ix]} "
                    "in size_dict"
                )
    return output


def _network_tree_path(inputs, output, size_dict, optimize):
    """SSA path of the cotengra tree, on symbolized labels (any hashables allowed)."""
    if len(inputs) <= 1:
        return ()
    sym = _symbolize(inputs, output)
    s_inputs = [tuple(sym[ix] for ix in t) for t in inputs]
    s_out = tuple(sym[ix] for ix in output)
    s_size = {sym[ix]: int(size_dict[ix]) for ix in sym}
    tree = contraction_tree(s_inputs, s_out, s_size, optimize=optimize)
    return tuple(tuple(step) for step in tree.get_ssa_path())


def contract_mod_p(
    arrays, inputs, output, size_dict=None, p: int = None, *, tree=None, optimize=None
) -> np.ndarray:
    r"""Contract a (hyper-)network of int64 residue arrays exactly modulo ``p``.

    Computes :math:`\sum_{\text{non-output labels}} \prod_t T_t \bmod p` along a
    cotengra contraction tree. Each pairwise step classifies the labels of its two
    operands: on both and kept (a hyper- or output index shared by both) becomes a
    batch dimension, on both and not kept is contracted, on one only is kept (or
    summed first if no other tensor or the output needs it); the step is then a
    batched :func:`matmul_mod_p`.

    Parameters
    ----------
    arrays : sequence of numpy.ndarray
        int64 residues in :math:`[0, p)`.
    inputs : sequence of tuple of hashable
        Labels of each array (hyper-indices, shared by 3+ tensors, allowed).
    output : tuple of hashable
        Labels of the result, in order; each must be on some input.
    size_dict : dict, optional
        Dimension of each label (inferred from the arrays when omitted).
    p : int
        Odd prime below :math:`2^{62}`.
    tree : cotengra.ContractionTree, optional
        Tree over the same ``inputs`` (its SSA path is used); default:
        :func:`tnexpress.engine.paths.contraction_tree`.
    optimize : optional
        Passed to :func:`~tnexpress.engine.paths.contraction_tree` when ``tree`` is None.

    Returns
    -------
    numpy.ndarray
        int64 residues with shape given by ``output`` (0-d for a scalar).

    Raises
    ------
    tnexpress.engine.budget.BudgetError
        If an intermediate exceeds the memory budget (checked before contracting).
    """
    p = _check_prime(p)
    arrays = [np.asarray(a) for a in arrays]
    inputs = [tuple(t) for t in inputs]
    size_dict = dict(size_dict or {})
    output = _check_network(arrays, inputs, output, size_dict)
    for i, (arr, term) in enumerate(zip(arrays, inputs, strict=True)):
        if arr.dtype != np.int64:
            raise TypeError(f"arrays[{i}] must be int64 residues, got dtype {arr.dtype}")
        if arr.size and (arr.min() < 0 or arr.max() >= p):
            raise ValueError(f"arrays[{i}] has entries outside [0, p) = [0, {p})")
        size_dict.update(zip(term, arr.shape, strict=True))
    _symbolize(inputs, output)
    if tree is not None:
        path = tuple(tuple(step) for step in tree.get_ssa_path())
    else:
        path = _network_tree_path(inputs, output, size_dict, optimize)
    return _contract_path(arrays, inputs, output, size_dict, p, path)


def _contract_path(arrays, inputs, output, size_dict, p, path):
    """Exact pairwise contraction mod ``p`` along an SSA ``path`` (validated inputs).

    The path is compiled by :func:`tnexpress.engine.executor.compile_path`, its
    peak checked against the memory budget by the shape pass, then run in
    :class:`~tnexpress.engine.executor.ModPArith`.
    """
    from ..engine.executor import ModPArith, compile_path, execute

    if not arrays:
        return np.array(1 % p, dtype=np.int64)
    plan = compile_path(inputs, output, path, size_dict, ssa=True)
    check_size(
        plan.peak_entries(),
        8 * 3,  # int64 result plus the float64 limb copies of matmul_mod_p
        what="the largest intermediate of the exact contraction",
        instead="reduce the cut or the network",
    )
    x, t, _ = execute(plan, arrays, ModPArith(p))
    # the root: drop labels not in the output (possible when only output remains)
    axes = tuple(k for k, ix in enumerate(t) if ix not in output)
    x = sum_mod(x, axes, p)
    t = tuple(ix for ix in t if ix in output)
    return (x.transpose([t.index(ix) for ix in output]) % p).copy(order="C")


# ----------------------------------------------------------------------------- rank


def _cut_rank(fx, rx, fy, ry, W: int, p: int) -> int:
    r"""``rank_p(F_X F_Y)`` from the side factors, with as little elimination as possible.

    ``fx`` is ``m x W`` (``None``: an identity up to a column permutation,
    injective), ``rx`` its rank when known (then its rows past ``rx`` are
    zero); likewise ``fy`` (``W x n``) and ``ry``. If :math:`F_X` has rank
    :math:`W` it is injective over :math:`\mathrm{GF}(p)`, so
    :math:`\operatorname{rank}_p(F_X F_Y) = \operatorname{rank}_p F_Y`; likewise
    for :math:`F_Y`. Only when neither is, the product (of the nonzero rows and
    columns) is formed by FLINT and its rank taken.
    """
    if fx is None:
        return W if fy is None else (ry if ry is not None else _flint.rank(fy, p))
    if fy is None:
        return rx if rx is not None else _flint.rank(fx, p)
    if rx is not None:  # compressed: rows past the rank are zero
        fx = fx[:rx]
    if ry is not None:
        fy = fy[:, :ry]
    if rx is None and fx.shape[0] >= W:
        rx = _flint.rank(fx, p)
    if rx == W:
        return ry if ry is not None else _flint.rank(fy, p)
    if ry is None and fy.shape[1] >= W:
        ry = _flint.rank(fy, p)
    if ry == W:
        return rx if rx is not None else _flint.rank(fx, p)
    if not fx.size or not fy.size:
        return 0
    return _flint.rank(_flint.mul(np.ascontiguousarray(fx), np.ascontiguousarray(fy), p), p)


@dataclass(frozen=True)
class ExactRank:
    r"""Result of :func:`exact_cut_rank`.

    Attributes
    ----------
    rank : int
        :math:`\max_i \operatorname{rank}_{\mathrm{GF}(p_i)}`: a proven lower
        bound on the rank over :math:`\mathbb{Q}` (:math:`\mathbb{Q}(i)` for
        complex networks), equal to the rank over :math:`\mathbb{R}` (:math:`\mathbb{C}`).
    primes : tuple of int
        The primes used: the 21-bit probe alone when it reached the largest
        rank the factor shapes allow, else up to ``n_primes`` primes of
        ``bits`` bits (fewer when one reached it).
    failure_probability : float
        Rigorous upper bound on :math:`P(\text{rank} < \text{true rank})` over the
        random choice of the primes; 0.0 when the rank equals the largest rank
        the factor shapes allow (then it is exact for certain).
    ranks : tuple of int
        The rank modulo each prime.
    log2_minor_bound : float
        :math:`\log_2` of the Hadamard bound on every nonzero minor used for
        ``failure_probability``.
    """

    rank: int
    primes: tuple
    failure_probability: float
    ranks: tuple = ()
    log2_minor_bound: float = 0.0


def _parse_side(side, name):
    try:
        arrays, inputs, rows = side
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a tuple (arrays, inputs, open_rows)") from None
    arrays = list(arrays)
    inputs = [tuple(t) for t in inputs]
    rows = tuple(rows)
    if len(arrays) != len(inputs):
        raise ValueError(f"{name}: {len(arrays)} arrays but {len(inputs)} index tuples")
    arrays = [_finite(a, f"{name} arrays[{i}]") for i, a in enumerate(arrays)]
    if len(set(rows)) != len(rows):
        raise ValueError(f"{name}: open_rows repeats a label: {rows!r}")
    sizes: dict = {}
    for i, (a, t) in enumerate(zip(arrays, inputs, strict=True)):
        if a.ndim != len(t):
            raise ValueError(f"{name}: arrays[{i}] has {a.ndim} dimensions, inputs[{i}] {len(t)}")
        if len(set(t)) != len(t):
            raise ValueError(f"{name}: inputs[{i}] repeats a label: {t!r}")
        for ix, d in zip(t, a.shape, strict=True):
            if sizes.setdefault(ix, d) != d:
                raise ValueError(f"{name}: label {ix!r} has dimensions {sizes[ix]} and {d}")
    for ix in rows:
        if ix not in sizes:
            raise ValueError(f"{name}: open row label {ix!r} is on none of its tensors")
    return arrays, inputs, rows, sizes


def _side_bound(dys, rows, cut, sizes, gram):
    """log2 of a bound on |entries| of the side's integer factor (None if all zero)."""
    if any(d.log2_max is None for d in dys):
        return None
    total = float(sum(d.log2_max for d in dys))
    special = set(rows) | set(cut)
    internal = sum(math.log2(d) for ix, d in sizes.items() if ix not in special)
    if not gram:
        return total + internal
    return 2 * (total + internal) + sum(math.log2(sizes[ix]) for ix in rows)


def _linear(ssa, n):
    """An ssa path as a linear (positional) one."""
    ids, out, nxt = list(range(n)), [], n
    for i, j in ssa:
        a, b = ids.index(i), ids.index(j)
        out.append((min(a, b), max(a, b)))
        for k in sorted((a, b), reverse=True):
            ids.pop(k)
        ids.append(nxt)
        nxt += 1
    return out


class _Side:
    """One side of the cut: its tensors as dyadic integers, its route and compiled plan.

    Route ``"rows"``: the side itself, row-compressed by row echelon form as it
    is contracted (:class:`~tnexpress.engine.arith.ModPArith`; the float route's
    tree, :func:`tnexpress.engine.paths.contraction_tree` with ``rows``), factor
    ``F_X = X'`` with at most ``W`` rows. Route ``"gram"`` (only when the open
    rows outnumber ``W`` and its flops are fewer): ``G_X = X^H X``, the doubled
    network (the conjugated side and a copy with every non-row label renamed).
    """

    def __init__(self, arrays, inputs, rows, cut, sizes, first, optimize):
        self.dys = [Dyadic(a) for a in arrays]
        self.first = first
        sym: dict = {}
        for t in inputs:
            for ix in t:
                sym.setdefault(ix, len(sym))
        n_lab = len(sym)
        self.inputs = [tuple(sym[ix] for ix in t) for t in inputs]
        self.rows = tuple(sym[ix] for ix in rows)
        self.cut = tuple(sym[ix] for ix in cut)
        self.size = {sym[ix]: int(d) for ix, d in sizes.items()}
        self.size.update({k + n_lab: d for k, d in list(self.size.items())})
        self.W = math.prod(self.size[c] for c in self.cut)
        R = math.prod(self.size[r] for r in self.rows)
        self.route = "rows"
        self.plan = None
        if self.inputs:
            self.plan = self._rows_plan(optimize)
            if R > self.W:
                self._maybe_gram(optimize, n_lab)
        self.bound = _side_bound(self.dys, rows, cut, sizes, self.route == "gram")

    def _rows_plan(self, optimize):
        ins, rows, cut = self.inputs, self.rows, self.cut
        path = tree_path(ins, cut, ignore=rows) if optimize is None else None
        if path is None:
            tree = contraction_tree(ins, cut, self.size, optimize=optimize, rows=rows)
            path = tree.get_ssa_path()
        self._path = [tuple(s) for s in path]
        out = (*rows, *cut) if self.first else (*cut, *rows)
        return compile_path(ins, out, self._path, self.size, rows=rows, ssa=True)

    def _maybe_gram(self, optimize, n_lab):
        keep = set(self.rows)
        copy = [tuple(ix if ix in keep else ix + n_lab for ix in t) for t in self.inputs]
        dbl = [*self.inputs, *copy]
        out = (*self.cut, *(c + n_lab for c in self.cut))
        tree = contraction_tree(dbl, out, self.size, optimize=optimize)
        out_rows = (*self.rows, *self.cut)
        flops, qr, _ = compressed_cost(
            self.inputs, out_rows, _linear(self._path, len(self.inputs)), self.size, self.rows
        )
        if float(tree.contraction_cost()) + float(self.W) ** 3 < flops + qr:
            self.route, self.gram_out = "gram", out
            self.plan = compile_path(dbl, out, tree.get_ssa_path(), self.size, ssa=True)

    def peak(self) -> int:
        return 1 if self.plan is None else self.plan.peak_entries()

    def factor(self, p: int, root):
        """``(F, rank)``: ``F_X`` (``m x W``; ``F_Y``: ``W x m``), ``None`` for an identity.

        ``rank`` is known (not ``None``) when the last step compressed: then
        the rows (columns) of ``F`` past it are zero.
        """
        if self.plan is None:  # no tensors: the empty product 1
            return np.ones((1, 1), dtype=np.int64), None
        res = [d.residues(p, root=root) for d in self.dys]
        if self.route == "gram":  # G_X = X^H X conjugates the first copy, G_Y = Y Y^H the second
            conj = [d.residues(p, root=root, conj=True) if d.parts[1:] else r
                    for d, r in zip(self.dys, res, strict=True)]  # fmt: skip
            res = [*conj, *res] if self.first else [*res, *conj]
        arith = ModPArith(p)
        x, labels, _ = execute(self.plan, res, arith)
        last = self.plan.steps[2][-1] if self.plan.steps[2] else None
        known = arith.ranks[-1] if last is not None and last.comp is not None else None
        if isinstance(x, Eye):  # the root compressed to full rank W: injective
            return None, self.W
        cut = self.cut if self.route == "rows" else self.gram_out
        axes = tuple(k for k, ix in enumerate(labels) if ix not in self.plan.out)
        x = sum_mod(x, axes, p)  # labels not in the output (possible at the root)
        labels = tuple(ix for ix in labels if ix in self.plan.out)
        cut_set = set(cut)
        others = [ix for ix in labels if ix not in cut_set]
        order = [*others, *cut] if self.first else [*cut, *others]
        x = x.transpose([labels.index(ix) for ix in order])
        m = x.size // max(self.W, 1) if self.W else 0
        shape = (m, self.W) if self.first else (self.W, m)
        if self.route == "gram":
            shape = (self.W, self.W)
        return np.ascontiguousarray(x).reshape(shape), known


def exact_cut_rank(
    x_side, y_side, cut, *, n_primes: int = 2, seed=None, optimize=None, bits: int = DEFAULT_BITS
) -> ExactRank:
    r"""Exact rank of :math:`[[A]] = X Y` across a cut, modulo random primes.

    The network is split along the cut :math:`C` (labels ``cut``, dimension
    :math:`W = \prod_{c\in C} d_c`) into :math:`X` (rows: side A's open legs) and
    :math:`Y` (columns: side B's). Every tensor is first scaled by a power of
    two to an integer (Gaussian-integer) tensor (:func:`dyadic_scale`), so
    :math:`Z = XY` is a matrix over :math:`\mathbb{Z}[i]`; :math:`\varphi` (the
    reduction mod :math:`p`) commutes with every sum and product, so each side
    is contracted in :math:`\mathrm{GF}(p)` and reduced there to a factor with at
    most :math:`W` rows (columns), two ways:

    - **Row echelon compression** (default): the side is contracted along the
      float route's row-compressed tree, and every intermediate :math:`T` whose
      open rows :math:`R` outweigh its other labels :math:`O` is replaced by its
      reduced row echelon form mod :math:`p` (FLINT): :math:`T = C E` with
      :math:`C` of full column rank, so :math:`X = (C \otimes I) X'` and
      :math:`\operatorname{rank}_p(XM) = \operatorname{rank}_p(X'M)` for every
      :math:`M`, *exactly* over :math:`\mathrm{GF}(p)`; a full-rank :math:`T`
      becomes an identity that the next step only relabels
      (:class:`~tnexpress.engine.arith.ModPArith`). :math:`F_X = X'`.
    - **Gram** (when the rows outnumber :math:`W` and the doubled network's
      flops plus a :math:`W \times W` rank undercut the compressed run's): the
      Gram matrix :math:`G_X = X^{\mathsf H} X` (:math:`W\times W`), a doubled
      network (the conjugated side, and a copy with every non-row label
      renamed, row labels shared and summed); likewise :math:`G_Y = Y
      Y^{\mathsf H}`. Over :math:`\mathbb{C}`, :math:`\operatorname{rank}(X^{\mathsf
      H} X M) = \operatorname{rank}(X M)` (:math:`X^{\mathsf H}XMv = 0` gives
      :math:`\|XMv\|^2 = 0`), so the Gram factor's product has the rank of
      :math:`XY`; it is computed exactly over :math:`\mathbb{Z}[i]` (then
      reduced), :math:`\bar X` being just another Gaussian-integer network,
      mapped entrywise as :math:`a - b\iota`.

    The rank of :math:`F_X F_Y` is then taken without the product when a factor
    has full rank :math:`W` (it is injective): two eliminations for a
    full-rank cut, done by FLINT (for primes below :math:`2^{21}` by panels:
    FLINT factors each panel, float64 BLAS updates the rest, exactly).

    **Primes.** A first *probe* prime of 21 bits (one float64 product per
    modular product) is tried when ``bits > 31``; it is kept only if it reaches
    :math:`n`, the largest rank the shapes allow, which is then proven (a rank
    mod :math:`p` never exceeds the true rank). Otherwise it is dropped and up
    to ``n_primes`` primes of ``bits`` bits follow.

    **Lower bound.** :math:`\varphi` maps each minor of :math:`Z` to the same
    minor of :math:`\varphi(Z)`, so :math:`\operatorname{rank}_p \le
    \operatorname{rank} Z`; the maximum over the primes is returned, and no more
    primes are drawn once one reaches :math:`n = \min(\text{shape of } Z)`.

    **Failure probability.** Let :math:`r` be the true rank and :math:`D \ne 0` an
    :math:`r\times r` minor of :math:`Z`. Entries of :math:`Z` are bounded by
    :math:`E = E_X E_Y W`, where for a side with tensors :math:`T_t` (integer after
    scaling) :math:`E_X = \prod_t \max|T_t| \prod_{\text{internal}} d` for
    :math:`X` (one term per value of the internal labels, a hyper-index counted
    once), and with the Gram route :math:`Z = G_X F_Y` (resp. :math:`F_X G_Y`),
    :math:`E_X^{(G)} = E_X^2 \prod_{\text{rows}} d`. The compressions change no
    rank mod :math:`p`, so the rank found falls short exactly when
    :math:`p` divides every :math:`r \times r` minor of :math:`Z`. Hadamard
    gives :math:`|D| \le (E\sqrt n)^n`. Real networks: the primes of
    :math:`[2^{b-1}, 2^b)` dividing :math:`D` number at most
    :math:`\lfloor\log_2|D|/(b-1)\rfloor`. Complex networks: :math:`\varphi(D) = 0`
    means the Gaussian prime :math:`\pi = (p, i - \iota)` (norm :math:`p`) divides
    :math:`D`; distinct pairs :math:`(p, \iota)` give distinct such primes, whose
    norms multiply to at most :math:`N(D) = |D|^2`, so at most
    :math:`\lfloor 2\log_2|D|/(b-1)\rfloor` of the :math:`2N_1` pairs
    (:math:`N_1` primes :math:`\equiv 1 \bmod 4`, each with its two roots, drawn
    uniformly) are bad. For one random prime

    .. math::
        P(\operatorname{rank}_p < r) \le \frac{\lfloor n(\log_2 E +
        \tfrac12\log_2 n)/(b-1)\rfloor}{N}, \qquad \text{resp.}\quad
        \frac{\lfloor 2n(\log_2 E + \tfrac12\log_2 n)/(b-1)\rfloor}{2 N_1},

    with :math:`N, N_1` bounded below by :func:`prime_count_lower_bound`; the
    primes are independent, so the bound for the maximum is its
    ``n_primes``-th power (a dropped probe only lowers it further; it is not
    counted). It is 0 when the rank found equals :math:`n`. With
    62-bit primes one prime gives about :math:`10^{-12}` for a float network of
    :math:`W = 1024`.

    Parameters
    ----------
    x_side, y_side : tuple (arrays, inputs, open_rows)
        Real or complex float arrays, their index-label tuples (any hashables;
        hyper-indices allowed) and the side's open labels that index the rows
        of :math:`X` (columns of :math:`Y`). Labels other than rows and cut are
        summed within the side and must not occur on the other side.
    cut : sequence of hashable
        Labels shared by the two sides (on both sides' tensors, summed across the
        cut only); their order fixes the column order of :math:`X`.
    n_primes : int, default 2
        Largest number of independent random primes (>= 1).
    seed : None, int or numpy.random.Generator
        Randomness for the primes (and the roots of -1).
    optimize : optional
        Passed to :func:`tnexpress.engine.paths.contraction_tree`.
    bits : int, default 62
        Prime size, see :func:`random_prime`.

    Returns
    -------
    ExactRank

    Raises
    ------
    TypeError
        Non-numeric arrays, or a malformed side.
    ValueError
        Non-finite entries, inconsistent labels or dimensions, ``n_primes < 1``.
    tnexpress.engine.budget.BudgetError
        If a factor (:math:`W^2` int64 entries) or an intermediate is too large.

    Examples
    --------
    >>> H = 1.0 / (np.arange(30)[:, None] + np.arange(30) + 1.0)  # Hilbert: float rank < 30
    >>> res = exact_cut_rank(([H], [("a", "c")], ("a",)), ([H], [("c", "b")], ("b",)), ("c",))
    >>> res.rank, res.failure_probability, int(np.linalg.matrix_rank(H @ H)) < 30
    (30, 0.0, True)
    """
    if isinstance(n_primes, bool) or not isinstance(n_primes, (int, np.integer)) or n_primes < 1:
        raise ValueError(f"n_primes must be an int >= 1, got {n_primes!r}")
    xa, xi, xr, xs = _parse_side(x_side, "x_side")
    ya, yi, yr, ys = _parse_side(y_side, "y_side")
    gaussian = any(a.dtype.kind == "c" for a in xa + ya)
    bits = _check_bits(bits, gaussian)
    cut = tuple(cut)
    if len(set(cut)) != len(cut):
        raise ValueError(f"cut repeats a label: {cut!r}")
    for ix in cut:
        if ix not in xs or ix not in ys:
            side = "x_side" if ix not in xs else "y_side"
            raise ValueError(f"cut label {ix!r} is on no tensor of {side}")
        if xs[ix] != ys[ix]:
            raise ValueError(
                f"cut label {ix!r} has dimension {xs[ix]} in x_side, {ys[ix]} in y_side"
            )
        if ix in xr or ix in yr:
            raise ValueError(f"cut label {ix!r} is also an open row label")
    shared = (set(xs) & set(ys)) - set(cut)
    if shared:
        raise ValueError(
            f"labels {sorted(map(repr, shared))} are on both sides but not in cut; "
            "every connection between the sides must be a cut label"
        )

    W = math.prod(xs[ix] for ix in cut)
    RX = math.prod(xs[ix] for ix in xr)
    RY = math.prod(ys[ix] for ix in yr)
    nrows, ncols = min(RX, W), min(RY, W)
    check_size(
        float(nrows) * W + float(W) * ncols + float(nrows) * ncols,
        8,
        what="the exact cut factors",
        instead="reduce the cut dimension",
    )
    sx = _Side(xa, xi, xr, cut, xs, True, optimize)
    sy = _Side(ya, yi, yr, cut, ys, False, optimize)
    for side in (sx, sy):
        check_size(
            side.peak(),
            8 * 3,  # int64 result plus the float64 limb copies of matmul_mod_p
            what="the largest intermediate of the exact contraction",
            instead="reduce the cut or the network",
        )

    ex, ey = sx.bound, sy.bound
    n = min(nrows, ncols)
    if ex is None or ey is None or n == 0:  # an all-zero tensor: [[A]] = 0
        log2_det = 0.0
    else:
        log2_e = ex + ey + math.log2(W)
        log2_det = max(0.0, n * (log2_e + 0.5 * math.log2(n))) * (1 + 1e-12) + 1e-9
    if gaussian:  # bad (prime, root) pairs among 2 N_1
        bad, pairs = math.floor(2 * log2_det / (bits - 1)), 2 * prime_count_lower_bound(bits, True)
    else:
        bad, pairs = math.floor(log2_det / (bits - 1)), prime_count_lower_bound(bits)
    one = min(1.0, bad / pairs)

    rng = np.random.default_rng(seed)

    def rank_mod(p):
        root = sqrt_minus_one(p, rng) if gaussian else None
        fx, rx = sx.factor(p, root)
        fy, ry = sy.factor(p, root)
        return _cut_rank(fx, rx, fy, ry, W, p)

    if bits > _PROBE_BITS and n > 0:  # a cheap probe: proves a full rank n, else is dropped
        p = random_prime(rng, _PROBE_BITS, gaussian=gaussian)
        r = rank_mod(p)
        if r == n:
            return ExactRank(r, (p,), 0.0, (r,), float(log2_det))
    primes, ranks = [], []
    for _ in range(int(n_primes)):
        p = random_prime(rng, bits, gaussian=gaussian)
        primes.append(p)
        ranks.append(rank_mod(p))
        if ranks[-1] == n:
            break
    rank = max(ranks)
    fail = 0.0 if (rank == n or ex is None or ey is None) else one ** len(primes)
    return ExactRank(rank, tuple(primes), float(fail), tuple(ranks), float(log2_det))
