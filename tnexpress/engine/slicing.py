"""Contract any quimb tensor network within a memory budget, sliced and in parallel.

:func:`contract` is the one entry point: it finds a contraction tree through
:func:`tnexpress.contract.contraction_tree` (path cache included), checks the
largest intermediate against the memory budget *before* allocating anything,
slices the tree (cotengra's ``SliceFinder``) until every intermediate fits, and
runs the slices serially, on a :mod:`concurrent.futures` executor, on a dask
``distributed.Client`` or on ray.

Slicing
-------
Slicing an index ``ix`` of dimension ``d`` replaces one contraction by ``d``
smaller ones, each with ``ix`` fixed, whose results are summed. Only inner
indices are sliced (``allow_outer=False``), so every slice returns an array of
the output's shape and the slices are simply summed; the output itself must
therefore fit the budget, and if it does not no slicing can help.

Parallel slices are grouped into a few tasks per worker; each task sums its own
slices, so only one output-sized array per task travels back.
"""

from __future__ import annotations

import concurrent.futures
import math
import os
from collections.abc import Sequence
from typing import Any

import cotengra as ctg
import numpy as np
import quimb.tensor as qtn
from autoray import get_dtype_name, infer_backend

from .budget import BudgetError, get_memory_budget
from .budget import fmt_bytes as _fmt_bytes
from .paths import contraction_tree
from .sides import check_network, open_inds

__all__ = ("contract_network", "plan_contraction")


#: Refuse plans with more slices than this (each slice re-contracts the whole tree).
MAX_SLICES = 2**22


def _itemsize(dtype_names: Sequence[str]) -> int:
    try:
        return np.result_type(*dtype_names).itemsize
    except TypeError:  # e.g. bfloat16, unknown to numpy
        return max((np.dtype(n).itemsize if n in np.sctypeDict else 2) for n in dtype_names)


def _check_options(max_memory, slicing):
    if max_memory is not None:
        if isinstance(max_memory, bool) or not isinstance(max_memory, (int, float)):
            raise TypeError(
                f"max_memory must be a number of bytes (int) or None, got {max_memory!r}"
            )
        if not max_memory > 0:
            raise ValueError(f"max_memory must be > 0 bytes, got {max_memory!r}")
    ok = slicing == "auto" or isinstance(slicing, bool)
    ok = ok or (isinstance(slicing, int) and slicing >= 1)
    if not ok:
        raise ValueError(
            f"slicing must be 'auto', True, False or an int >= 1 (minimum number of "
            f"slices), got {slicing!r}"
        )


def _resolve_output(tn, output_inds) -> tuple:
    if output_inds is None:
        return open_inds(tn)
    if isinstance(output_inds, str):
        output_inds = (output_inds,)
    output = tuple(output_inds)
    missing = [ix for ix in output if ix not in tn.ind_map]
    if missing:
        raise ValueError(f"output_inds {missing!r} are not indices of tn")
    if len(set(output)) != len(output):
        raise ValueError(f"output_inds has repeated indices: {output!r}")
    return output


def plan_contraction(
    tn: qtn.TensorNetwork,
    output_inds: Sequence[str] | None = None,
    *,
    optimize=None,
    max_memory: int | None = None,
    slicing: bool | int | str = "auto",
):
    """Return the sliced contraction tree :func:`contract` would use, without contracting.

    Parameters
    ----------
    tn, output_inds, optimize, max_memory, slicing
        As for :func:`contract`.

    Returns
    -------
    tree : cotengra.ContractionTree
        Tree over ``tn.tensors`` (in order, indices relabelled to single
        characters ``cotengra.get_symbol(i)``), sliced so that its
        largest intermediate fits ``max_memory``.
    output : tuple of str
        The output indices.
    itemsize : int
        Bytes per entry of the result dtype, as used in the budget check.

    Raises
    ------
    BudgetError
        If the output alone exceeds the budget, or the largest intermediate does
        and ``slicing=False``, or slicing cannot reach the budget.

    Examples
    --------
    >>> import tnexpress as tx
    >>> tree, output, itemsize = tx.plan_contraction(tx.nets.tt(8, 2, 2, seed=0))
    >>> len(output), itemsize, tree.max_size() <= 2**8
    (8, 8, True)
    """
    _check_options(max_memory, slicing)
    tn = check_network(tn)
    output = _resolve_output(tn, output_inds)
    budget = get_memory_budget() if max_memory is None else int(max_memory)
    tensors = tn.tensors
    itemsize = _itemsize([get_dtype_name(t.data) for t in tensors])
    # cotengra 0.8's ContractionTree joins index labels into strings when it
    # contracts, so labels must be single characters: relabel with its symbols
    sym: dict = {}
    for t in tensors:
        for ix in t.inds:
            if ix not in sym:
                sym[ix] = ctg.get_symbol(len(sym))
    size_dict = {sym[ix]: tn.ind_size(ix) for ix in sym}
    sym_inputs = [tuple(sym[ix] for ix in t.inds) for t in tensors]
    sym_output = tuple(sym[ix] for ix in output)

    # 1. the output: no slicing can shrink it, check before any path search
    out_entries = math.prod(size_dict[ix] for ix in sym_output)
    if out_entries * itemsize > budget:
        raise BudgetError(
            f"the output of the contraction ({len(output)} open indices) needs "
            f"{_fmt_bytes(out_entries * itemsize)} (2^{math.log2(out_entries):.1f} entries), "
            f"over max_memory={_fmt_bytes(budget)}; slicing cannot help: keep fewer "
            f"indices open (output_inds), or for bipartition measures use the min-cut "
            f"method, which never forms the dense tensor"
        )

    # 2. the tree and its largest intermediate (entries), before allocating
    tree = contraction_tree(sym_inputs, sym_output, size_dict, optimize=optimize)
    target = budget // itemsize
    min_slices = slicing if (isinstance(slicing, int) and not isinstance(slicing, bool)) else 1
    peak = tree.max_size()
    if peak <= target and min_slices <= 1:
        return tree, output, itemsize
    if slicing is False:
        raise BudgetError(
            f"the largest intermediate of the contraction needs {_fmt_bytes(peak * itemsize)} "
            f"(2^{math.log2(peak):.1f} entries), over max_memory={_fmt_bytes(budget)}; "
            f"pass slicing=True (or 'auto') to slice it into pieces that fit, raise "
            f"max_memory, or for bipartition measures use the min-cut method"
        )

    # 3. slice inner indices until every intermediate fits (and >= min_slices)
    tree = tree.copy()
    for attempt in range(8):
        before = (tree.max_size(), tree.nslices)
        if tree.max_size() > target:
            tree.slice_(target_size=target, allow_outer=False, seed=attempt)
        if tree.nslices < min_slices:
            tree.slice_(
                target_slices=math.ceil(min_slices / tree.nslices), allow_outer=False, seed=attempt
            )
        if tree.max_size() <= target and tree.nslices >= min_slices:
            if tree.nslices > MAX_SLICES and tree.nslices > min_slices:
                raise BudgetError(
                    f"fitting max_memory={_fmt_bytes(budget)} needs {tree.nslices} slices, more "
                    f"than MAX_SLICES={MAX_SLICES}; raise max_memory (the largest intermediate "
                    f"unsliced is {_fmt_bytes(before[0] * itemsize)})"
                )
            return tree, output, itemsize
        if (tree.max_size(), tree.nslices) == before:
            break
    raise BudgetError(
        f"slicing could not bring the largest intermediate under max_memory="
        f"{_fmt_bytes(budget)}: still {_fmt_bytes(tree.max_size() * itemsize)} "
        f"(2^{math.log2(tree.max_size()):.1f} entries) after {tree.nslices} slices"
        + (f" (asked for >= {min_slices})" if min_slices > 1 else "")
        + "; raise max_memory or keep fewer indices open"
    )


def _contract_range(tree, arrays, start, stop, kwargs):
    """Sum of slices ``start..stop-1`` of ``tree`` (runs on a worker)."""
    check_zero = kwargs.get("check_zero", False)
    parts = (tree.contract_slice(arrays, i, **kwargs) for i in range(start, stop))
    return tree.gather_slices(parts, backend=kwargs.get("backend"), check_zero=check_zero)


def _ranges(nslices: int, ntasks: int) -> list[tuple[int, int]]:
    ntasks = max(1, min(nslices, ntasks))
    edges = [round(k * nslices / ntasks) for k in range(ntasks + 1)]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


def _executor_kind(executor) -> str:
    if executor is None:
        return "serial"
    if isinstance(executor, concurrent.futures.Executor):
        return "futures"
    mod = type(executor).__module__ or ""
    if mod.startswith("distributed") and hasattr(executor, "scatter"):
        return "dask"
    if getattr(executor, "__name__", None) == "ray" or (
        hasattr(executor, "remote") and hasattr(executor, "put") and hasattr(executor, "get")
    ):
        return "ray"
    raise TypeError(
        "executor must be None, a concurrent.futures.Executor, a dask distributed.Client "
        f"or the ray module, got {type(executor).__name__}"
    )


def _run_slices(tree, arrays, kwargs, executor, progress=False):
    kind = _executor_kind(executor)
    n = tree.nslices
    if (kind == "serial" or n == 1) and not (progress and n > 1):
        return _contract_range(tree, arrays, 0, n, kwargs)
    if kind == "serial":  # with a progress bar: one slice at a time
        from tqdm.auto import tqdm

        parts = (
            tree.contract_slice(arrays, i, **kwargs)
            for i in tqdm(range(n), desc="slices", unit="slice", leave=False)
        )
        return tree.gather_slices(
            parts, backend=kwargs.get("backend"), check_zero=kwargs.get("check_zero", False)
        )

    if kind == "futures":
        workers = getattr(executor, "_max_workers", None) or os.cpu_count() or 1
        futs = [
            executor.submit(_contract_range, tree, arrays, a, b, kwargs)
            for a, b in _ranges(n, 4 * workers)
        ]
        partials = (f.result() for f in futs)
    elif kind == "dask":
        workers = sum(executor.nthreads().values()) or 1
        tree_f = executor.scatter(tree, broadcast=True)
        arrays_f = executor.scatter(list(arrays), broadcast=True)
        futs = [
            executor.submit(_contract_range, tree_f, arrays_f, a, b, kwargs, pure=False)
            for a, b in _ranges(n, 4 * workers)
        ]
        partials = executor.gather(futs)
    else:  # ray
        ray = executor
        workers = int(ray.available_resources().get("CPU", 1)) or 1
        remote = ray.remote(_contract_range)
        tree_r, arrays_r = ray.put(tree), ray.put(list(arrays))
        refs = [remote.remote(tree_r, arrays_r, a, b, kwargs) for a, b in _ranges(n, 4 * workers)]
        partials = ray.get(refs)
    return tree.gather_slices(
        partials, backend=kwargs.get("backend"), check_zero=kwargs.get("check_zero", False)
    )


def contract_network(
    tn: qtn.TensorNetwork,
    output_inds: Sequence[str] | None = None,
    *,
    optimize=None,
    max_memory: int | None = None,
    slicing: bool | int | str = "auto",
    executor: Any = None,
    backend: str | None = None,
    strip_exponent: bool = False,
    progress: bool = False,
):
    """Contract a tensor network within a memory budget, sliced and optionally in parallel.

    Parameters
    ----------
    tn : quimb.tensor.TensorNetwork
        Any network (MPS, PEPS, builders' networks, hyper-indices allowed). It
        is not modified.
    output_inds : sequence of str, optional
        Indices to keep open, in this order. Default:
        :func:`tnexpress.open_inds` (site indices first, in ``tn.sites`` order,
        hyper or not; then any other index on exactly one tensor). In a plain
        network with hyper-indices, an index shared by several tensors that
        should stay open must be named here, or it is summed.
    optimize : None, str or cotengra optimizer, optional
        Passed to :func:`tnexpress.contract.contraction_tree`; ``None`` is the
        fast cached default.
    max_memory : int, optional
        Bytes any single intermediate may take. Default
        :func:`tnexpress.contract.get_memory_budget` (half of RAM). With an
        executor every worker holds one slice's intermediates at a time.
    slicing : {"auto", True, False} or int, optional
        How to treat a contraction whose largest intermediate exceeds the
        budget:

        - ``"auto"`` or ``True``: slice inner indices until it fits;
        - ``False``: raise :class:`~tnexpress.contract.BudgetError` instead;
        - an int ``n >= 1``: slice to fit *and* into at least ``n`` slices
          (to spread the work over an executor).
    executor : None, concurrent.futures.Executor, distributed.Client or ray, optional
        Where the slices run: ``None`` serially; a thread or process pool; a
        dask client (arrays and tree scattered once); the ``ray`` module
        (initialised by the caller). Slices are grouped into about four tasks
        per worker, each returning the sum of its slices. A contraction that
        fits unsliced runs here, in one piece; pass ``slicing=n`` to split it
        into at least ``n`` slices for the executor anyway.
    backend : str, optional
        autoray backend for the array operations; inferred from the arrays.
    strip_exponent : bool, optional
        If True, return ``(mantissa, exponent)`` with the result equal to
        ``mantissa * 10**exponent``: intermediates are rescaled as they go, so
        networks whose value over- or underflows the dtype stay finite.
    progress : bool, optional
        Show a tqdm progress bar over the slices of a long contraction (serial runs).

    Returns
    -------
    quimb.tensor.Tensor or scalar
        The contraction, a Tensor with indices ``output_inds`` and the union of
        the tags, or a scalar (a 0-d array for non-numpy backends) when no
        index stays open. With ``strip_exponent=True``, a tuple
        ``(mantissa, exponent)`` of that and a float (base 10).

    Raises
    ------
    BudgetError
        Before anything is allocated: the output alone exceeds ``max_memory``
        (slicing cannot help), or the largest intermediate does and
        ``slicing=False``.
    ValueError, TypeError
        For bad ``output_inds``, ``max_memory``, ``slicing`` or ``executor``.

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> from tnexpress.engine.slicing import contract_network
    >>> psi = qtn.MPS_rand_state(10, 4, seed=1)
    >>> norm = psi.H & psi
    >>> round(float(contract_network(norm, max_memory=2**9)), 10)
    1.0
    """
    tn = check_network(tn)
    tree, output, _ = plan_contraction(
        tn, output_inds, optimize=optimize, max_memory=max_memory, slicing=slicing
    )
    _executor_kind(executor)  # validate before any work
    arrays = [t.data for t in tn.tensors]
    kwargs = {"backend": backend}
    if strip_exponent:
        kwargs.update(strip_exponent=True, check_zero=True)
    result = _run_slices(tree, arrays, kwargs, executor, progress)

    if strip_exponent:
        mantissa, exponent = result
        return _wrap(mantissa, output, tn), float(exponent)
    return _wrap(result, output, tn)


def _wrap(data, output, tn):
    if not output:
        if infer_backend(data) == "numpy":
            return np.asarray(data)[()]
        return data
    tags = dict.fromkeys(tag for t in tn.tensors for tag in t.tags)
    return qtn.Tensor(data, inds=output, tags=tuple(tags))
