r"""Guarded Gram factors for loopy sides of a cut (prototype for :mod:`.schmidt`).

The cut method reduces each side ``X`` (``dim(A) x W``) of the min cut to a
factor ``F_X`` with :math:`X = Q_X F_X`. With QR compression
(:func:`tnexpress.measures.schmidt._side_factor`) this never squares a
condition number, but on a loopy side it is dense linear algebra on the
boundary: a ``6 x 3`` PEPS block with ``D=3`` (``W = 729``) needs about
``5e10`` QR flops on the best path found (:func:`tnexpress.engine.paths.compressed_cost`),
while the Gram matrix

.. math::

    G_X = X^\dagger X ,

the side contracted with its conjugate over the open legs (``design.md``,
"contracting only that side with its conjugate"), costs ``5e8`` flops along a
hyper-optimized tree. Then :math:`G_X = V \Lambda V^\dagger` gives
:math:`F_X = \Lambda^{1/2} V^\dagger` and the Schmidt values are the singular
values of :math:`F_X F_Y^T`, as for the QR factors.

Guard. Squaring costs accuracy on small values: a Schmidt value :math:`s_k`
gets an absolute error of about :math:`\epsilon\, s_0^2 / s_k` instead of
:math:`\epsilon\, s_0`. :func:`gram_spectrum` therefore returns ``None``
(the caller then runs the QR route) unless every value satisfies
:math:`s_k \ge \tau s_0` (default :math:`\tau = 10^{-3}`: the error stays below
about :math:`10^3 \epsilon\, s_0`), so rank-deficient or ill-conditioned
spectra never come from the squared route.
"""

from __future__ import annotations

import math

import autoray as ar
import numpy as np

from ..engine.executor import FloatArith, compile_path, execute
from ..engine.paths import (
    FLOP_RATE,
    check_size,
    contraction_tree,
    estimate_compressed_cost,
    is_loopy,
)
from ..engine.structure import Structure, StructureCache

__all__ = ("gram_factor", "gram_pays", "gram_spectrum", "DEFAULT_TAU")

#: smallest accepted ratio ``s_min / s_max`` of a Gram-route spectrum
DEFAULT_TAU = 1e-3
#: the Gram route is tried when the QR route's weighted flops exceed this many times its own
_GAIN = 8.0
#: and when the QR route would take longer than this (s) at ``FLOP_RATE``
_MIN_EST = 0.002


def _doubled(inputs, rows, cut):
    """Ket and bra terms of ``X^dagger X``: bra labels renamed except the rows."""
    row_set = set(rows)

    def bra(lab):
        return lab if lab in row_set else ("bra", lab)

    bra_inputs = [tuple(bra(i) for i in t) for t in inputs]
    return list(inputs) + bra_inputs, tuple(bra(c) for c in cut) + tuple(cut)


def _sizes(size, labels):
    out = dict(size)
    for lab in labels:
        if isinstance(lab, tuple) and len(lab) == 2 and lab[0] == "bra":
            out[lab] = size[lab[1]]
    return out


class _Side:
    """One side: its terms, its doubled (Gram) network, tree and plan, whether the route pays.

    Depends on the structure only (not its arrays): cached per
    :func:`~tnexpress.engine.structure.structure_key`, side and cut
    (:func:`_side`), so a repeated call compiles nothing.
    """

    __slots__ = ("size", "nodes", "inputs", "rows", "cut", "optimize", "_dbl", "_tree",
                 "_plan", "_pays", "W")  # fmt: skip

    def __init__(self, st: Structure, nodes, cut, optimize):
        from .schmidt import _side_terms

        self.size = st.size
        self.nodes, self.inputs, self.rows = _side_terms(st, nodes)
        self.cut = tuple(cut)
        self.W = math.prod(st.size[i] for i in cut)
        self.optimize = optimize
        self._dbl = self._tree = self._plan = self._pays = None

    def doubled(self, cut=None):
        """``(terms, output labels, sizes)`` of the Gram network ``X^dagger X``."""
        if self._dbl is None:
            dbl, out = _doubled(self.inputs, self.rows, self.cut)
            size = _sizes(self.size, out)
            size.update(_sizes(self.size, [("bra", i) for t in self.inputs for i in t]))
            self._dbl = (dbl, out, size)
        return self._dbl

    def tree(self, cut=None):
        if self._tree is None:
            dbl, out, size = self.doubled()
            self._tree = contraction_tree(dbl, out, size, optimize=self.optimize)
        return self._tree

    def plan(self):
        """The compiled Gram plan (the executor's, with its shape pass done once)."""
        if self._plan is None:
            dbl, out, size = self.doubled()
            self._plan = compile_path(dbl, out, self.tree().get_path(), size)
            self._plan.peak_entries()
        return self._plan

    def pays(self, cut=None) -> bool:
        if self._pays is None:
            self._pays = self._decide()
        return self._pays

    def _decide(self) -> bool:
        if len(self.inputs) < 3 or not is_loopy(self.inputs, self.rows):
            return False
        qr_cost = estimate_compressed_cost(self.inputs, self.cut, self.size, self.rows)
        if qr_cost < _MIN_EST * FLOP_RATE:
            return False
        return qr_cost > _GAIN * float(self.tree().contraction_cost())


_SIDES = StructureCache(maxsize=64)


def _side(st: Structure, nodes, cut, optimize) -> _Side:
    """The (cached) :class:`_Side` of ``nodes`` across ``cut``."""
    cacheable = isinstance(optimize, str | None)
    key = ("gram", tuple(cut), frozenset(nodes), optimize)
    hit = _SIDES.get(st, key) if cacheable else None
    if hit is None:
        hit = _Side(st, nodes, cut, optimize)
        if cacheable:
            _SIDES.put(st, hit, key)
    return hit


def gram_pays(st: Structure, nodes, cut, optimize=None) -> bool:
    """Whether the Gram route is worth trying on this side: loopy and much cheaper."""
    return _side(st, nodes, cut, optimize).pays()


def _factor(st: Structure, side: _Side, cut):
    from .schmidt import _array

    W = side.W
    plan = side.plan()
    dbl, out, size = side.doubled()
    check_size(
        max(float(plan.peak_entries()), W * W),
        np.dtype(st.dtype).itemsize,
        what=f"the Gram matrix of one side (cut weight W={W})",
        instead="use the QR route (method='cut' without the Gram prototype)",
    )
    arrays = [_array(st, n) for n in side.nodes]
    real = all(isinstance(a, np.ndarray) and a.dtype.kind != "c" for a in arrays)
    arrays = arrays + (arrays if real else [ar.do("conj", a) for a in arrays])
    g, ix, l2 = execute(plan, arrays, FloatArith())
    if ix != out:
        g = ar.do("transpose", g, [ix.index(i) for i in out])
    g = np.asarray(ar.to_numpy(g)).reshape(W, W)
    g = 0.5 * (g + g.conj().T)  # Hermitian up to rounding
    try:
        low = np.linalg.cholesky(g)  # g = L L^H, so F = L^H
    except np.linalg.LinAlgError:  # not positive definite: rank-deficient
        return None
    return low.conj().T, 0.5 * l2


def gram_factor(st: Structure, nodes, cut, optimize=None):
    r"""``(F, log2 scale)`` with :math:`F^\dagger F = X^\dagger X`, ``F`` numpy ``W x W``.

    ``F`` is the conjugate transpose of the Cholesky factor of the Gram matrix
    (``None`` when that is not numerically positive definite); the scale is
    that of ``F``, half the Gram matrix's exponent.
    """
    return _factor(st, _side(st, nodes, cut, optimize), cut)


def gram_spectrum(st: Structure, side_a, cut, optimize=None, *, tau: float = DEFAULT_TAU):
    """Schmidt spectrum from both sides' Gram factors, or ``None`` if the guard fails.

    Returns
    -------
    SchmidtSpectrum or None
        ``None`` when neither side is worth the Gram route (:func:`gram_pays`),
        when a Gram matrix is not positive definite, or when some value falls
        below ``tau`` times the largest.

    Examples
    --------
    >>> import numpy as np, quimb.tensor as qtn, tnexpress as tx
    >>> tn = qtn.PEPS.rand(4, 4, 2, seed=0)
    >>> A = [tn.site_ind(i, j) for i in range(4) for j in range(2)]
    >>> bp = tx.bipartition(tn, A)
    >>> side_a, cut = bp._cut_of()
    >>> sp = gram_spectrum(bp.structure, side_a, cut, tau=0.0)
    >>> sp is None or bool(np.allclose(sp.values, tx.schmidt_values(tn, A, method="cut")))
    True
    """
    from .schmidt import SchmidtSpectrum

    a_set = set(side_a)
    side_b = [n for n in range(st.n_nodes) if n not in a_set]
    sides = [_side(st, nodes, cut, optimize) for nodes in (side_a, side_b)]
    if not any(side.pays() for side in sides):
        return None
    factors = [_factor(st, side, cut) for side in sides]
    if any(f is None for f in factors):
        return None
    (fx, lx), (fy, ly) = factors
    m = fx @ fy.T
    s = np.linalg.svd(m, compute_uv=False)
    if s.size == 0 or not s[0] > 0 or s[-1] < tau * s[0]:
        return None
    return SchmidtSpectrum(s, lx + ly, "cut", math.prod(st.size[i] for i in cut), m.shape)
