r"""Two regions of a pure state: mutual information and logarithmic negativity.

For disjoint regions ``A`` and ``B`` of the open legs (the rest ``C`` traced out),

.. math::

    \rho_{AB} = \frac{\mathrm{Tr}_C\, |\psi\rangle\langle\psi|}{\langle\psi|\psi\rangle},
    \qquad
    I_\alpha(A:B) = S_\alpha(\rho_A) + S_\alpha(\rho_B) - S_\alpha(\rho_{AB}),
    \qquad
    E_N(A:B) = \log_2 \big\| \rho_{AB}^{T_B} \big\|_1,

all in bits, with :math:`S_\alpha` the Renyi entropy (von Neumann at
:math:`\alpha = 1`) and :math:`T_B` the partial transpose on ``B``.

:math:`\rho_{AB}` is built as a network, a ket and a bra (conjugated) of every
tensor with the legs of ``C`` joined and every inner index renamed per copy
(hyper-indices included), contracted through the engine: a cached cotengra
path, the size of the output and of the largest intermediate checked against
the memory budget before anything is allocated, and the pairwise executor with
rescaling. The spectra are then dense eigen-decompositions of the
``d_A d_B x d_A d_B`` matrix, of its partial traces and its partial transpose.
"""

from __future__ import annotations

import math
import numbers

import autoray as ar
import numpy as np

from ..engine.budget import BudgetError, get_memory_budget
from ..engine.budget import fmt_bytes as _fmt_bytes
from ..engine.executor import run_path as contract_path
from ..engine.paths import contraction_tree
from ..engine.sides import check_network, open_inds, resolve_side
from .replica import _conj, _itemsize, _terms
from .schmidt import renyi_bits

__all__ = ("reduced_density_matrix", "mutual_information", "logarithmic_negativity")


def _regions(tn, A, B):
    a_inds, _ = resolve_side(tn, A, name="A")
    b_inds, _ = resolve_side(tn, B, name="B")
    both = set(a_inds) & set(b_inds)
    if both:
        raise ValueError(
            f"A and B overlap in {sorted(both, key=str)[:5]}; the two regions must be disjoint"
        )
    return a_inds, b_inds


def reduced_density_matrix(tn, A, B=(), *, optimize=None, max_memory=None):
    r"""The normalized reduced density matrix :math:`\rho_{AB}` as a dense numpy matrix.

    Parameters
    ----------
    tn : quimb.tensor.TensorNetwork
        Any network; not modified.
    A, B : iterable of int or str
        Disjoint regions (site positions or open-index names); ``B`` may be
        empty. Everything else is traced out.
    optimize : None, str or cotengra optimizer
        Path optimizer (cached default).
    max_memory : int, optional
        Bytes any array may take (default: the memory budget).

    Returns
    -------
    numpy.ndarray
        Hermitian, trace 1, of shape ``(d_A d_B, d_A d_B)``; rows and columns
        ordered as ``A``'s legs then ``B``'s, in the order given.

    Raises
    ------
    BudgetError
        Before allocating, when the matrix or the largest intermediate of its
        contraction exceeds the budget.
    """
    tn = check_network(tn)
    if B is None or (not isinstance(B, (str, numbers.Integral)) and len(list(B)) == 0):
        a_inds, _ = resolve_side(tn, A, name="A")
        b_inds = ()
    else:
        a_inds, b_inds = _regions(tn, A, B)
    arrays, inputs, size = _terms(tn)
    kept = set(a_inds) | set(b_inds)
    opens = set(open_inds(tn))
    out_ket = tuple(("ket", ix) for ix in (*a_inds, *b_inds))
    out_bra = tuple(("bra", ix) for ix in (*a_inds, *b_inds))
    dim = math.prod(size[ix] for ix in (*a_inds, *b_inds))
    itemsize = _itemsize(arrays)
    budget = get_memory_budget() if max_memory is None else int(max_memory)
    way_out = "choose smaller regions A, B, or raise the budget (tx.set_memory_budget)"
    if dim * dim * itemsize > budget:
        raise BudgetError(
            f"the reduced density matrix of A and B ({dim} x {dim}) needs "
            f"{_fmt_bytes(dim * dim * itemsize)}, over the memory budget of "
            f"{_fmt_bytes(budget)}; {way_out}"
        )

    def label(side, ix):
        if ix in kept:
            return (side, ix)
        if ix in opens:
            return ("C", ix)
        return (side + "-inner", ix)

    d_arrays, d_inputs, d_size = [], [], {}
    for side, arrs in (("ket", arrays), ("bra", [_conj(a) for a in arrays])):
        for a, term in zip(arrs, inputs):
            labels = tuple(label(side, ix) for ix in term)
            d_arrays.append(a)
            d_inputs.append(labels)
            for ix, new in zip(term, labels):
                d_size[new] = size[ix]
    output = out_ket + out_bra
    tree = contraction_tree(d_inputs, output, d_size, optimize=optimize)
    if tree.max_size() * itemsize > budget:
        raise BudgetError(
            f"contracting the reduced density matrix of A and B needs "
            f"{_fmt_bytes(tree.max_size() * itemsize)} for its largest intermediate, over "
            f"the memory budget of {_fmt_bytes(budget)}; {way_out}"
        )
    a, ix, _ = contract_path(d_arrays, d_inputs, output, tree.get_path(), d_size)
    a = np.asarray(ar.to_numpy(a))
    rho = a.transpose([ix.index(i) for i in output]).reshape(dim, dim)
    rho = (rho + rho.conj().T) / 2
    tr = np.trace(rho).real
    if not tr > 0:
        raise ValueError("the network contracts to zero: it has no reduced density matrix")
    return rho / tr


def _entropy_bits(rho, alpha) -> float:
    p = np.linalg.eigvalsh(rho)
    # eigenvalues carry noise of ~ eps * ||rho|| (either sign): numpy's rank threshold keeps
    # it out of the rank and of orders below 1 (p^0.5 of 1e-16 noise is 1e-8)
    p = p[p > len(p) * np.finfo(p.dtype).eps * p.max()]
    if alpha == 0:
        return math.log2(p.size)
    return renyi_bits(p / p.sum(), alpha)


def _partial_traces(rho, da, db):
    r4 = rho.reshape(da, db, da, db)
    return np.einsum("ijkj->ik", r4), np.einsum("ijil->jl", r4)


def _dims(tn, A, B):
    a_inds, b_inds = _regions(check_network(tn), A, B)
    size = {ix: tn.ind_size(ix) for ix in (*a_inds, *b_inds)}
    return math.prod(size[i] for i in a_inds), math.prod(size[i] for i in b_inds)


def mutual_information(tn, A, B, alpha: float = 1, *, optimize=None) -> float:
    r"""Mutual information :math:`I_\alpha(A:B)` of two disjoint regions, in bits.

    .. math::

        I_\alpha(A:B) = S_\alpha(\rho_A) + S_\alpha(\rho_B) - S_\alpha(\rho_{AB})

    Parameters
    ----------
    tn : quimb.tensor.TensorNetwork
        Any network (a pure state); not modified.
    A, B : iterable of int or str
        Disjoint, non-empty regions; the rest is traced out.
    alpha : float
        Renyi order ``>= 0`` (``1``: von Neumann).
    optimize : None, str or cotengra optimizer
        Path optimizer.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Empty, overlapping or out-of-range regions, or a bad ``alpha``.
    BudgetError
        When :math:`\rho_{AB}` is too large (before allocating).

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> import tnexpress as tx
    >>> ghz = qtn.MPS_ghz_state(6)
    >>> round(tx.mutual_information(ghz, [0], [5]), 12)
    1.0
    """
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not alpha >= 0:
        raise ValueError(f"alpha must be a real number >= 0, got alpha={alpha!r}")
    da, db = _dims(tn, A, B)
    rho = reduced_density_matrix(tn, A, B, optimize=optimize)
    ra, rb = _partial_traces(rho, da, db)
    return _entropy_bits(ra, alpha) + _entropy_bits(rb, alpha) - _entropy_bits(rho, alpha)


def logarithmic_negativity(tn, A, B, *, optimize=None) -> float:
    r"""Logarithmic negativity :math:`E_N(A:B) = \log_2 \|\rho_{AB}^{T_B}\|_1` in bits.

    Parameters
    ----------
    tn : quimb.tensor.TensorNetwork
        Any network (a pure state); not modified.
    A, B : iterable of int or str
        Disjoint, non-empty regions; the rest is traced out.
    optimize : None, str or cotengra optimizer
        Path optimizer.

    Returns
    -------
    float
        ``>= 0``; for ``A`` and ``B`` covering everything, the Renyi-1/2
        entropy of the pure bipartition.

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> import tnexpress as tx
    >>> ghz = qtn.MPS_ghz_state(5)
    >>> round(tx.logarithmic_negativity(ghz, [0, 1], [2, 3, 4]), 12)  # pure: S_1/2
    1.0
    >>> round(abs(tx.logarithmic_negativity(ghz, [0, 1], [4])), 12)  # 2, 3 traced: separable
    0.0
    """
    da, db = _dims(tn, A, B)
    rho = reduced_density_matrix(tn, A, B, optimize=optimize)
    pt = rho.reshape(da, db, da, db).transpose(0, 3, 2, 1).reshape(da * db, da * db)
    ev = np.linalg.eigvalsh((pt + pt.conj().T) / 2)
    return float(max(0.0, math.log2(np.sum(np.abs(ev)))))
