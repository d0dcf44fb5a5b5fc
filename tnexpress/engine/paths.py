"""Contraction through cotengra: default optimizer, path cache and memory budget.

Every contraction tnexpress performs gets its tree from :func:`contraction_tree`,
so the same structure is searched once per process (an LRU cache keyed on the
canonical form of ``inputs, output, size_dict``), and every dense allocation is
checked against the memory budget first (:func:`check_size`).

Default optimizer
-----------------
For tree-like networks of thousands of tensors the hyper-optimizer takes
minutes; ``RandomGreedyOptimizer`` run in Rust (``cotengrust``) reaches the same
cost in milliseconds (measured: 8,191-tensor binary tree, 0.08 s, versus 250 s
for the same optimizer in pure Python). Without ``cotengrust`` the default is
cotengra's single greedy pass.
"""

from __future__ import annotations

import importlib.util
import threading
from collections import OrderedDict

import cotengra as ctg

from .budget import BudgetError, check_size, get_memory_budget, set_memory_budget

__all__ = (
    "BudgetError",
    "contraction_tree",
    "default_optimizer",
    "get_memory_budget",
    "set_memory_budget",
    "check_size",
    "clear_path_cache",
    "path_cache_info",
)


def _has_cotengrust() -> bool:
    return importlib.util.find_spec("cotengrust") is not None


def default_optimizer(n_inputs: int = 0):
    """The fast default: Rust random-greedy if ``cotengrust`` is installed, else greedy."""
    if _has_cotengrust():
        return ctg.RandomGreedyOptimizer(
            max_repeats=32 if n_inputs < 2000 else 8, accel=True, parallel=False, seed=7
        )
    return "greedy"


def _rust_random_greedy_ssa_path(inputs, output, size_dict, ntrials):
    # Calling cotengrust directly skips cotengra's per-trial tree bookkeeping,
    # which dominates on 10^4-tensor networks (measured: 0.04 s here versus
    # 3-8 s through RandomGreedyOptimizer for an 8,191-tensor binary tree).
    import cotengrust

    sym: dict = {}
    for term in inputs:
        for ix in term:
            if ix not in sym:
                sym[ix] = ctg.get_symbol(len(sym))
    for ix in output:
        sym.setdefault(ix, ctg.get_symbol(len(sym)))
    ins = [[sym[ix] for ix in term] for term in inputs]
    out = [sym[ix] for ix in output]
    sizes = {sym[ix]: int(size_dict[ix]) for ix in sym}
    path, _ = cotengrust.optimize_random_greedy_track_flops(
        ins, out, sizes, ntrials=ntrials, seed=7, use_ssa=True
    )
    return path


_CACHE: OrderedDict = OrderedDict()
_CACHE_MAX = 512
_LOCK = threading.Lock()
_STATS = {"hits": 0, "misses": 0}


def clear_path_cache() -> None:
    """Forget all cached contraction trees and reset the hit counters."""
    with _LOCK:
        _CACHE.clear()
        _STATS.update(hits=0, misses=0)


def path_cache_info() -> dict:
    """``{"hits", "misses", "size", "maxsize"}`` of the contraction-path cache."""
    with _LOCK:
        return {**_STATS, "size": len(_CACHE), "maxsize": _CACHE_MAX}


def _canonical_key(inputs, output, size_dict, optimize_key):
    # relabel indices by first appearance so that isomorphic labellings share a key
    relabel: dict = {}
    canon_inputs = tuple(
        tuple(relabel.setdefault(ix, len(relabel)) for ix in term) for term in inputs
    )
    canon_output = tuple(relabel.setdefault(ix, len(relabel)) for ix in output)
    sizes = tuple(size_dict[ix] for ix in relabel)
    return (canon_inputs, canon_output, sizes, optimize_key), relabel


def contraction_tree(inputs, output, size_dict, *, optimize=None) -> ctg.ContractionTree:
    """A cotengra contraction tree for the einsum ``inputs -> output``.

    Parameters
    ----------
    inputs : sequence of tuple of hashable
        Index labels of each tensor (hyper-indices allowed).
    output : tuple of hashable
        Labels of the output.
    size_dict : dict
        Dimension of every label.
    optimize : None, str, cotengra optimizer or path
        ``None`` uses :func:`default_optimizer`; a string is a cotengra preset
        (``"greedy"``, ``"auto-hq"``, ``"hyper"``...); an optimizer object is used
        as is. Trees found with ``None`` or a string are cached by structure.

    Returns
    -------
    cotengra.ContractionTree
        Tree whose leaves are ``inputs`` in order. Its labels are single
        characters (``cotengra.get_symbol`` of the order of first appearance),
        as cotengra's ``ContractionTree.contract`` requires; ``tree.inputs[i]``
        gives the labels of leaf ``i``.
    """
    inputs = [tuple(t) for t in inputs]
    output = tuple(output)
    key, relabel = _canonical_key(inputs, output, size_dict, optimize)
    # cotengra joins labels into strings when contracting: use single characters
    sym = {ix: ctg.get_symbol(n) for ix, n in relabel.items()}
    inputs = [tuple(sym[ix] for ix in t) for t in inputs]
    output = tuple(sym[ix] for ix in output)
    size_dict = {sym[ix]: size_dict[ix] for ix in sym}
    cacheable = optimize is None or isinstance(optimize, str)
    if cacheable:
        with _LOCK:
            hit = _CACHE.get(key)
            if hit is not None:
                _CACHE.move_to_end(key)
                _STATS["hits"] += 1
            else:
                _STATS["misses"] += 1
        if hit is not None:
            # same canonical key => same symbol labels: the tree itself is reusable
            # (callers never mutate it; slicing works on a copy)
            return hit
    opt = default_optimizer(len(inputs)) if optimize is None else optimize
    if optimize == "hyper":
        opt = ctg.HyperOptimizer(max_repeats=32, parallel=False, progbar=False)
    if len(inputs) == 1:
        tree = ctg.ContractionTree.from_path(inputs, output, size_dict, path=())
    elif optimize is None and _has_cotengrust():
        ntrials = 32 if len(inputs) < 2000 else 8
        ssa = _rust_random_greedy_ssa_path(inputs, output, size_dict, ntrials)
        tree = ctg.ContractionTree.from_path(inputs, output, size_dict, ssa_path=ssa)
    else:
        tree = ctg.array_contract_tree(inputs, output, size_dict=size_dict, optimize=opt)
    if cacheable:
        with _LOCK:
            _CACHE[key] = tree
            if len(_CACHE) > _CACHE_MAX:
                _CACHE.popitem(last=False)
    return tree
