r"""Renyi-n entropies by the replica trick: one contraction, no ``W x W`` factor.

For a state :math:`|\psi\rangle` (the network's tensor) and a bipartition
``(A, B)``, :math:`\rho_A = \mathrm{Tr}_B |\psi\rangle\langle\psi| / \langle\psi|\psi\rangle`
and, for an integer :math:`n \ge 2`,

.. math::

    \mathrm{Tr}\,\rho_A^n = \frac{Z_n}{Z_1^n}, \qquad
    S_n = \frac{\log_2 \mathrm{Tr}\,\rho_A^n}{1 - n}\ \text{bits},

where :math:`Z_n` is the contraction of ``n`` kets :math:`\psi^{(j)}` and
``n`` bras :math:`\bar\psi^{(j)}` in which the legs of ``A`` of bra ``j``
join ket ``j + 1 (mod n)`` and the legs of ``B`` of bra ``j`` join ket ``j``;
:math:`Z_1 = \langle\psi|\psi\rangle` is the same construction with ``n = 1``.
Every inner index is renamed per replica explicitly (hyper-indices included),
so no ``W x W`` factor of the min cut is ever formed: on a tree network the
replica network keeps the treewidth of ``2n`` glued trees and the cost does not
depend on the cut weight ``W``.

The contraction runs through the engine: a cotengra tree from the path cache
(:func:`tnexpress.engine.paths.contraction_tree`), sliced until its largest
intermediate fits the memory budget (checked before anything is allocated),
each slice run by the pairwise executor :func:`tnexpress.engine.executor.run_path`
with intermediates rescaled to max 1 and the ``log2`` factors accumulated, so
values like :math:`2^{-512}` and norms like :math:`2^{5000}` stay exponents.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import math
import numbers

import autoray as ar
import cotengra as ctg
import numpy as np

from ..engine.budget import BudgetError, get_memory_budget
from ..engine.budget import fmt_bytes as _fmt_bytes
from ..engine.executor import run_path as contract_path
from ..engine.paths import contraction_tree
from ..engine.sides import check_network, resolve_side
from ..engine.slicing import MAX_SLICES

__all__ = ("replica_entropy", "log2_trace_power", "replica_terms", "contract_scalar_log2")


def check_replica_order(alpha, name: str = "alpha") -> int:
    """Return ``alpha`` as an int, or raise ValueError unless it is an integer >= 2."""
    ok = isinstance(alpha, numbers.Real) and not isinstance(alpha, bool)
    ok = ok and math.isfinite(alpha) and float(alpha).is_integer() and alpha >= 2
    if not ok:
        raise ValueError(
            f"{name} must be an integer >= 2 for method='replica' (Tr rho^n needs n replicas), "
            f"got {name}={alpha!r}; use method='cut' or 'dense' for other orders"
        )
    return int(alpha)


def _itemsize(arrays) -> int:
    """Bytes per entry of the widest dtype among ``arrays`` (any autoray backend)."""
    sizes = []
    for a in arrays:
        try:
            sizes.append(np.dtype(ar.get_dtype_name(a)).itemsize)
        except TypeError:  # e.g. bfloat16, unknown to numpy
            sizes.append(8)
    return max(sizes, default=8)


def _terms(tn):
    arrays, inputs, size = [], [], {}
    for t in tn.tensors:
        data = t.data
        arrays.append(data)
        inputs.append(tuple(t.inds))
        for ix, d in zip(t.inds, data.shape if hasattr(data, "shape") else t.shape):
            size[ix] = int(d)
    return arrays, inputs, size


def _conj(a):
    if isinstance(a, np.ndarray):
        return a.conj() if np.iscomplexobj(a) else a
    return ar.do("conj", a)


def replica_terms(arrays, inputs, size, a_inds, b_inds, n: int):
    r"""Arrays, labels and sizes of the ``2n``-replica network :math:`Z_n`.

    Labels: inner index ``ix`` of ket ``j`` is ``("k", j, ix)``, of bra ``j``
    ``("b", j, ix)``; a leg ``ix`` of ``A`` of ket ``j`` and of bra ``j - 1``
    is ``("A", j, ix)``; a leg of ``B`` of ket ``j`` and bra ``j`` is
    ``("B", j, ix)``. ``n = 1`` gives the norm network
    :math:`\langle\psi|\psi\rangle`.
    """
    a_set, b_set = set(a_inds), set(b_inds)

    def ket(j, ix):
        if ix in a_set:
            return ("A", j, ix)
        if ix in b_set:
            return ("B", j, ix)
        return ("k", j, ix)

    def bra(j, ix):
        if ix in a_set:
            return ("A", (j + 1) % n, ix)
        if ix in b_set:
            return ("B", j, ix)
        return ("b", j, ix)

    conj = [_conj(a) for a in arrays]
    out_arrays, out_inputs, out_size = [], [], {}
    for j in range(n):
        for lab, arrs in ((ket, arrays), (bra, conj)):
            for a, term in zip(arrs, inputs):
                labels = tuple(lab(j, ix) for ix in term)
                out_arrays.append(a)
                out_inputs.append(labels)
                for ix, new in zip(term, labels):
                    out_size[new] = size[ix]
    return out_arrays, out_inputs, out_size


def _symbols_to_labels(inputs, output=()):
    # the relabelling contraction_tree applies (first appearance, inputs then output)
    order = dict.fromkeys(ix for term in (*inputs, output) for ix in term)
    return {ctg.get_symbol(i): lab for i, lab in enumerate(order)}


def _take(a, axis, k):
    if isinstance(a, np.ndarray):
        return a.take(k, axis=axis)
    return ar.do("take", a, k, axis=axis)


def _slice_terms(arrays, inputs, fixed: dict):
    """Fix the labels of ``fixed`` (label -> value) on every array holding them."""
    out_a, out_i = [], []
    for a, term in zip(arrays, inputs):
        if any(ix in fixed for ix in term):
            for ix in [ix for ix in term if ix in fixed]:
                pos = term.index(ix)
                a = _take(a, pos, fixed[ix])
                term = term[:pos] + term[pos + 1 :]
        out_a.append(a)
        out_i.append(term)
    return out_a, out_i


def _run_slice_range(arrays, inputs, size, path, sliced, start, stop):
    """``(mantissa, log2)`` of the sum of slices ``start..stop-1`` (log-domain sum)."""
    mant, exp = 0.0, -math.inf
    labels = [lab for lab, _ in sliced]
    ranges = [range(d) for _, d in sliced]
    for values in itertools.islice(itertools.product(*ranges), start, stop):
        arrs, ins = _slice_terms(arrays, inputs, dict(zip(labels, values)))
        a, _, l2 = contract_path(arrs, ins, (), path, size)
        m = complex(np.asarray(ar.to_numpy(a)).reshape(()))
        mant, exp = _log_add(mant, exp, m, l2)
    return mant, exp


def contract_scalar_log2(
    arrays, inputs, size, *, optimize=None, max_memory=None, executor=None, what="the network"
):
    """Contract a closed network to ``(mantissa, log2_scale)``, sliced to the budget.

    Parameters
    ----------
    arrays, inputs, size
        Arrays, their labels (any hashables, hyper-indices allowed) and the
        dimension of every label; every label is summed.
    optimize : None, str or cotengra optimizer
        Path optimizer (:func:`tnexpress.engine.paths.contraction_tree`; cached).
    max_memory : int, optional
        Bytes any single intermediate may take; default the memory budget.
    executor : None or concurrent.futures.Executor
        Where groups of slices run.
    what : str
        Name of the network, for error messages.

    Returns
    -------
    complex, float
        The value is ``mantissa * 2**log2_scale``.

    Raises
    ------
    BudgetError
        Before allocating, when no slicing brings the largest intermediate
        under the budget, or more than ``MAX_SLICES`` slices would be needed.
    """
    if executor is not None and not isinstance(executor, concurrent.futures.Executor):
        raise TypeError(
            "executor must be None or a concurrent.futures.Executor, got "
            f"{type(executor).__name__}"
        )
    budget = get_memory_budget() if max_memory is None else int(max_memory)
    itemsize = _itemsize(arrays)
    target = max(1, budget // itemsize)
    tree = contraction_tree(inputs, (), size, optimize=optimize)
    sliced = []
    if tree.max_size() > target:
        unsliced = tree.max_size()
        tree = tree.copy()
        tree.slice_(target_size=target, allow_outer=False, seed=0)
        if tree.max_size() > target or tree.nslices > MAX_SLICES:
            flops = float(tree.total_flops())
            raise BudgetError(
                f"{what} has a largest intermediate of {_fmt_bytes(unsliced * itemsize)} "
                f"(2^{math.log2(unsliced):.1f} entries) on its best path; fitting it into the "
                f"memory budget of {_fmt_bytes(budget)} takes {tree.nslices:.3g} slices "
                f"(at most {MAX_SLICES} are run) and ~10^{math.log10(max(flops, 1)):.1f} "
                f"flops; raise max_memory to at least {_fmt_bytes(unsliced * itemsize)} "
                "on a machine that has it, pass a size-aware optimize=, or use a smaller "
                "replica order n or a smaller network"
            )
        sym = _symbols_to_labels(inputs)
        sliced = [(sym[s], info.size) for s, info in tree.sliced_inds.items()]
        if not all(isinstance(a, np.ndarray) for a in arrays):
            # sliced terms can contract to 0-d intermediates, which the pairwise
            # executor cannot transpose on torch; slices run on numpy copies
            arrays = [np.asarray(ar.to_numpy(a)) for a in arrays]
    path = tree.get_path()
    nslices = math.prod(d for _, d in sliced)
    if executor is None or nslices == 1:
        return _run_slice_range(arrays, inputs, size, path, sliced, 0, nslices)
    workers = getattr(executor, "_max_workers", None) or 2
    ntasks = max(1, min(nslices, 4 * workers))
    edges = [round(k * nslices / ntasks) for k in range(ntasks + 1)]
    futs = [
        executor.submit(_run_slice_range, arrays, inputs, size, path, sliced, a, b)
        for a, b in zip(edges[:-1], edges[1:])
        if b > a
    ]
    mant, exp = 0.0, -math.inf
    for f in futs:
        m, l2 = f.result()
        mant, exp = _log_add(mant, exp, m, l2)
    return mant, exp


def _log_add(mant, exp, m, l2):
    """``mant * 2**exp + m * 2**l2`` as ``(mantissa, exponent)``, the larger exponent kept."""
    if m == 0:
        return mant, exp
    if l2 > exp:
        return (mant * 2.0 ** (exp - l2) + m if math.isfinite(exp) else m), l2
    return mant + m * 2.0 ** (l2 - exp), exp


def _log2_positive(mant, exp, what):
    re = float(np.real(mant))
    if not re > 0 or not math.isfinite(exp):
        raise FloatingPointError(
            f"{what} came out as {mant!r} * 2^{exp}: not positive, precision was lost"
        )
    return math.log2(re) + exp


def log2_trace_power(tn, A, n, *, optimize=None, max_memory=None, executor=None) -> float:
    r"""``log2`` of :math:`\mathrm{Tr}\,\rho_A^n` for an integer ``n >= 1``, normalized state.

    Parameters are those of :func:`replica_entropy` (``n = 1`` gives ``0``).
    """
    if not (isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1):
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    tn = check_network(tn)
    a_inds, b_inds = resolve_side(tn, A)
    arrays, inputs, size = _terms(tn)
    opts = dict(optimize=optimize, max_memory=max_memory, executor=executor)
    norm = contract_scalar_log2(
        *replica_terms(arrays, inputs, size, a_inds, b_inds, 1), what="<psi|psi>", **opts
    )
    log2_z1 = _log2_positive(*norm, "<psi|psi>")
    if n == 1:
        return 0.0
    zn = contract_scalar_log2(
        *replica_terms(arrays, inputs, size, a_inds, b_inds, n),
        what=f"the {2 * n}-replica network of Tr rho_A^{n}",
        **opts,
    )
    return _log2_positive(*zn, f"Tr rho_A^{n}") - n * log2_z1


def replica_entropy(tn, A, n=2, *, optimize=None, max_memory=None, executor=None) -> float:
    r"""Renyi-``n`` entanglement entropy of ``(A, rest)`` in bits, by ``2n`` replicas.

    .. math::

        S_n = \frac{1}{1 - n} \log_2 \frac{Z_n}{Z_1^n},

    with :math:`Z_n` the ``n``-replica network (module docstring). Never forms
    the ``W x W`` factors of the min cut, so cuts of weight ``2^512`` are
    routine on tree networks.

    Parameters
    ----------
    tn : quimb.tensor.TensorNetwork
        Any network (MPS, PEPS, hyper-indices, complex); not modified.
    A : iterable of int or str
        Side A: site positions or open-index names; B is the rest.
    n : int
        Renyi order, an integer ``>= 2``.
    optimize : None, str or cotengra optimizer
        Path optimizer (default: the engine's cached fast default).
    max_memory : int, optional
        Bytes any intermediate may take (default: the memory budget); the
        contraction is sliced to fit.
    executor : None or concurrent.futures.Executor
        Where slices run.

    Returns
    -------
    float
        :math:`S_n` in bits.

    Raises
    ------
    ValueError
        ``n`` not an integer ``>= 2``, or a bad side ``A``.
    BudgetError
        If no slicing fits the budget (raised before allocating).

    Examples
    --------
    >>> import tnexpress as tx
    >>> net = tx.nets.ht(16, 2, (2, 2, 2, 2), seed=0)
    >>> A = tx.partitions.odd_even(16)
    >>> s2 = tx.entropy(net, A, alpha=2, method="replica")
    >>> abs(s2 - tx.entropy(net, A, alpha=2, method="cut")) < 1e-9
    True
    """
    n = check_replica_order(n, "alpha")
    return (
        log2_trace_power(tn, A, n, optimize=optimize, max_memory=max_memory, executor=executor)
        / (1 - n)
        + 0.0
    )
