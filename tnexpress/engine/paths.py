r"""Contraction through cotengra: optimizer choice by network, path cache, memory budget.

Every contraction tnexpress performs gets its tree from :func:`contraction_tree`,
so the same structure is searched once per process (an LRU cache keyed on the
canonical form of ``inputs, output, size_dict``), and every dense allocation is
checked against the memory budget first (:func:`check_size`).

Optimizer choice (``optimize=None``)
------------------------------------
1. Random-greedy in Rust (``cotengrust``, 32 trials; 8 beyond 2,000 tensors):
   for tree-like networks of thousands of tensors it reaches the
   hyper-optimizer's cost in milliseconds (8,191-tensor binary tree: 0.04 s,
   against 250 s for the same optimizer in pure Python). Without
   ``cotengrust``: cotengra's greedy.
2. If the network's hypergraph has a cycle (:func:`is_loopy`) and the greedy
   tree's estimated run time :math:`t = \mathrm{combo} / 2\cdot10^9` s
   (combo: flops plus 64 x entries written) exceeds 0.5 ms, a time-bounded
   ``cotengra.HyperOptimizer`` (greedy and ``kahypar`` when installed, else
   greedy and ``labels``; ``optuna`` drives it when installed, else cotengra's
   own optimizer) searches for ``min(max(0.25 t, 0.05), 4)`` s
   (:func:`set_hyper_time`) and its tree replaces the greedy one when its combo
   cost is lower. Tree-like networks skip the search. PEPS numbers (flops and
   width of each choice against a longer hyper-optimizer run) are in
   ``benchmarks/results/bench_loopy.md``.

Row-compressed sides (``rows=...``)
-----------------------------------
The executor (:func:`tnexpress.engine.executor.run_path`) replaces an
intermediate by the ``R`` of a QR whenever its row labels (open legs of one side
of a cut) outweigh the rest. Its cost is then not the tree's cost: QR flops
:math:`2 d_r d_o^2` dominate on loopy sides (PEPS half with ``D=3``: a default
tree costs 2.8e11 QR flops for 5e9 contraction flops). With ``rows`` the tree is
searched on the network without the row labels and scored by
:func:`compressed_cost`, the executor's own rule replayed on shapes: the
greedy tree, three layer sweeps toward the cut (:func:`_layer_paths`) and, on
loopy sides worth it, the hyper-optimizer minimizing that cost directly. PEPS
6x6 ``D=3``, one half: 2.8e11 QR flops on the greedy tree, 5.3e10 on the
chosen one.
"""

from __future__ import annotations

import importlib.util
import math
import threading
from collections import OrderedDict

import cotengra as ctg

from .budget import BudgetError, check_size, get_memory_budget, set_memory_budget

__all__ = (
    "BudgetError",
    "contraction_tree",
    "compressed_cost",
    "estimate_compressed_cost",
    "default_optimizer",
    "is_loopy",
    "get_memory_budget",
    "set_memory_budget",
    "set_hyper_time",
    "check_size",
    "clear_path_cache",
    "path_cache_info",
)

#: flop rate assumed to turn a tree's cost into an estimated run time (s)
FLOP_RATE = 2e9
#: a QR flop costs about this many matmul flops (numpy, tall matrices, one core)
QR_WEIGHT = 3.0
# max_tensors: one hyper-optimizer trial on thousands of tensors outlasts any budget (the
# replica network of ht N=1024, 8k tensors: 12 s per search for max_time=4 s), and such
# networks (replicas and doubles of trees) are the ones random-greedy already does well
_HYPER = {
    "fraction": 0.25,
    "min_est": 5e-4,
    "min_time": 0.05,
    "max_time": 4.0,
    "max_tensors": 1500,
}


def _has(mod: str) -> bool:
    return importlib.util.find_spec(mod) is not None


def _has_cotengrust() -> bool:
    return _has("cotengrust")


def set_hyper_time(*, fraction=None, max_time=None, min_est=None) -> dict:
    """Tune the hyper-optimizer's time budget; return the previous settings.

    Parameters
    ----------
    fraction : float, optional
        Search time as a fraction of the greedy tree's estimated run time.
    max_time : float, optional
        Upper bound of the search time in seconds (``0`` disables the search).
    min_est : float, optional
        Estimated run time (s) below which the greedy tree is kept unsearched.
    """
    old = dict(_HYPER)
    for key, val in (("fraction", fraction), ("max_time", max_time), ("min_est", min_est)):
        if val is not None:
            if not isinstance(val, (int, float)) or val < 0:
                raise ValueError(f"{key} must be a number >= 0, got {val!r}")
            _HYPER[key] = float(val)
    return old


def default_optimizer(n_inputs: int = 0):
    """The fast default: Rust random-greedy if ``cotengrust`` is installed, else greedy."""
    if _has_cotengrust():
        return ctg.RandomGreedyOptimizer(
            max_repeats=32 if n_inputs < 2000 else 8, accel=True, parallel=False, seed=7
        )
    return "greedy"


def hyper_methods() -> list:
    """Path finders the hyper-optimizer samples: greedy plus kahypar (or labels)."""
    return ["greedy", "kahypar"] if _has("kahypar") else ["greedy", "labels"]


def is_loopy(inputs, rows=()) -> bool:
    """Whether the hypergraph of ``inputs`` (rows ignored) has a cycle.

    Tensors and indices are the nodes of a bipartite graph, an index joined to
    each tensor holding it; an index on one tensor only is a leaf and ignored.
    The graph has a cycle iff it has more edges than nodes minus components.
    """
    rows = set(rows)
    holders: dict = {}
    for t, term in enumerate(inputs):
        for ix in set(term):
            if ix not in rows:
                holders.setdefault(ix, []).append(t)
    parent = list(range(len(inputs)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for h in holders.values():
        if len(h) < 2:
            continue
        # an index on k tensors is a star: k edges, 1 node, so k - 1 unions
        r0 = find(h[0])
        for t in h[1:]:
            r = find(t)
            if r == r0:
                return True
            parent[r] = r0
    return False


def compressed_cost(inputs, output, path, size, rows=()) -> tuple:
    """``(contraction flops, QR flops, peak entries)`` of a row-compressed run.

    Replays :func:`tnexpress.engine.executor.run_path` on shapes: the same keep
    rule per pairwise step, and an intermediate whose row labels outweigh the
    rest (``d_r > d_o``, or ``d_r == d_o`` with several row labels) becomes
    ``min(d_r, d_o)`` rows, for ``2 d_r d_o^2 - 2 d_o^3 / 3`` QR flops when
    ``d_r > d_o`` (the executor may defer a small chain step's QR, ``executor.QR_SLACK``;
    the model compresses at once). Contraction flops are the product of the dimensions of all
    labels of the pair (cotengra's convention).

    Parameters
    ----------
    inputs : sequence of tuple
        Labels of each term, row labels included.
    output : tuple
        Kept labels (rows and cut).
    path : sequence of (int, int)
        Linear path (``tree.get_path()``).
    size : dict
        Dimension of each label.
    rows : iterable
        Row labels.
    """
    rows = set(rows)
    out_set = set(output)
    size = dict(size)
    terms = [tuple(t) for t in inputs]
    count: dict = {}
    for ix in terms:
        for i in set(ix):
            count[i] = count.get(i, 0) + 1
    prod = math.prod
    flops = qr = 0.0
    peak = max((prod(size[i] for i in t) for t in terms), default=1)
    fresh = 0

    def compress(ix):
        nonlocal fresh, qr
        d_r = d_o = 1
        n_r = 0
        o_ix = []
        for i in ix:
            if i in rows:
                d_r *= size[i]
                n_r += 1
            else:
                d_o *= size[i]
                o_ix.append(i)
        if n_r and (d_r > d_o or (n_r > 1 and d_r == d_o)):
            if d_r > d_o:
                qr += 2.0 * d_r * d_o * d_o - 2.0 * d_o**3 / 3
            new = ("cc-row", fresh)
            fresh += 1
            size[new] = min(d_r, d_o)
            rows.add(new)
            return (new, *o_ix)
        return ix

    for i, j in path:
        i, j = sorted((i, j))
        bi, ai = terms.pop(j), terms.pop(i)
        for lab in set(ai) | set(bi):
            count[lab] -= (lab in ai) + (lab in bi)
        union = dict.fromkeys(ai + bi)
        flops += prod(size[x] for x in union)
        keep = tuple(
            lab for lab in union if lab in out_set or lab in rows or count.get(lab, 0) > 0
        )
        peak = max(peak, prod(size[x] for x in keep))
        keep = compress(keep)
        for lab in set(keep):
            count[lab] = count.get(lab, 0) + 1
        terms.append(keep)
    while len(terms) > 1:
        bi, ai = terms.pop(), terms.pop()
        keep = tuple(dict.fromkeys(ai + bi))
        flops += prod(size[x] for x in keep)
        peak = max(peak, prod(size[x] for x in keep))
        terms.append(compress(keep))
    return flops, qr, peak


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


class _CompressedObjective(ctg.scoring.Objective):
    """Score a trial by :func:`compressed_cost` (log2 of weighted flops).

    A tree whose peak intermediate exceeds the memory budget scores ``inf``.
    """

    __slots__ = ("inputs", "output", "size", "rows", "max_entries")

    def __init__(self, inputs, output, size, rows, max_entries):
        self.inputs, self.output, self.size = inputs, output, size
        self.rows, self.max_entries = tuple(rows), max_entries

    def get_dynamic_programming_minimize(self):
        return "flops"

    def __hash__(self):
        return id(self)

    def __call__(self, trial):
        ctg.scoring.ensure_basic_quantities_are_computed(trial)
        return _score(
            self.inputs,
            self.output,
            trial["tree"].get_path(),
            self.size,
            self.rows,
            self.max_entries,
        )


def _score(inputs, output, path, size, rows, max_entries):
    flops, qr, peak = compressed_cost(inputs, output, path, size, rows)
    if peak > max_entries:
        return math.inf
    return math.log2(flops + QR_WEIGHT * qr + 1.0)


def _layer_paths(inputs, output) -> list:
    """Candidate SSA paths that sweep a side layer by layer toward its output.

    Layers are the tensors at each graph distance from the holders of the
    output labels (the cut), farthest first; each layer is put in chain order
    (a depth-first walk along its own bonds). Three sweeps, scored by the
    caller with :func:`compressed_cost`:

    - ``chain``: the accumulated tensor absorbs the layer's tensors one by one;
    - ``block``: the layer is contracted on its own (a chain), then absorbed;
    - ``halves``: each half of the layer's chain is contracted, then absorbed.

    On a PEPS block whose rows are its physical legs these keep the QR
    compressions at the narrow boundaries between layers (``D=3`` 6x3 block:
    7e10 QR flops for ``halves`` against 2.8e11 for the greedy tree).
    """
    n = len(inputs)
    holders: dict = {}
    for t, term in enumerate(inputs):
        for ix in set(term):
            holders.setdefault(ix, []).append(t)
    adj = [set() for _ in range(n)]
    for h in holders.values():
        for a in h:
            adj[a].update(b for b in h if b != a)
    out_set = set(output)
    dist = [-1] * n
    front = [t for t in range(n) if out_set & set(inputs[t])]
    if not front:
        return []
    for t in front:
        dist[t] = 0
    while front:
        nxt = []
        for a in front:
            for b in adj[a]:
                if dist[b] < 0:
                    dist[b] = dist[a] + 1
                    nxt.append(b)
        front = nxt
    far = max(dist) + 1
    dist = [d if d >= 0 else far for d in dist]
    layers = []
    for d in sorted(set(dist), reverse=True):
        members = {t for t in range(n) if dist[t] == d}
        order = []
        while members:
            start = min(members, key=lambda t: (len(adj[t] & members), t))
            stack = [start]
            while stack:
                t = stack.pop()
                if t not in members:
                    continue
                members.discard(t)
                order.append(t)
                stack.extend(sorted(adj[t] & members, reverse=True))
        layers.append(order)
    return [_sweep_ssa(layers, n, v) for v in ("chain", "block", "halves")]


def _sweep_ssa(layers, n, variant) -> list:
    """The SSA path of one sweep of :func:`_layer_paths`."""
    ssa: list = []

    def join(a, b):
        if a is None:
            return b
        ssa.append((a, b))
        return n + len(ssa) - 1

    def chain(nodes):
        c = None
        for t in nodes:
            c = join(c, t)
        return c

    acc = None
    for layer in layers:
        if variant == "chain":
            for t in layer:
                acc = join(acc, t)
        elif variant == "block" or len(layer) < 4:
            acc = join(acc, chain(layer))
        else:
            half = len(layer) // 2
            acc = join(acc, chain(layer[:half]))
            acc = join(acc, chain(layer[half:][::-1]))
    return ssa


def _greedy_tree(inputs, output, size_dict):
    if len(inputs) == 1:
        return ctg.ContractionTree.from_path(inputs, output, size_dict, path=())
    if _has_cotengrust():
        ntrials = 32 if len(inputs) < 2000 else 8
        ssa = _rust_random_greedy_ssa_path(inputs, output, size_dict, ntrials)
        return ctg.ContractionTree.from_path(inputs, output, size_dict, ssa_path=ssa)
    return ctg.array_contract_tree(inputs, output, size_dict=size_dict, optimize="greedy")


def _hyper_budget(est_s: float) -> float:
    """Search seconds for a contraction estimated at ``est_s`` seconds (0: no search)."""
    if est_s < _HYPER["min_est"] or _HYPER["max_time"] <= 0:
        return 0.0
    return min(max(_HYPER["fraction"] * est_s, _HYPER["min_time"]), _HYPER["max_time"])


def _hyper_tree(inputs, output, size_dict, max_time, minimize="flops"):
    opt = ctg.HyperOptimizer(
        methods=hyper_methods(),
        minimize=minimize,
        max_repeats=1024,
        max_time=max_time,
        parallel=False,
        progbar=False,
        reconf_opts=None if not isinstance(minimize, str) else "auto",
        on_trial_error="ignore",
    )
    try:
        return ctg.array_contract_tree(inputs, output, size_dict=size_dict, optimize=opt)
    except (KeyError, ValueError):  # every trial failed (e.g. all over budget)
        return None


def _combo(tree) -> float:
    """Flops plus 64 x entries written (cotengra's "combo"): memory traffic counts too.

    Measured: two trees of one PEPS 6x6 ``D=3`` Gram network, 9.6e8 and 4.8e8
    flops with widths 23.2 and 20.0, ran in 1.0 s and 0.11 s.
    """
    return float(tree.combo_cost(factor=64))


def _search(inputs, output, size_dict, rows_full):
    """The ``optimize=None`` choice: greedy, then the hyper-optimizer where it pays."""
    tree = _greedy_tree(inputs, output, size_dict)
    if len(inputs) < 3 or len(inputs) > _HYPER["max_tensors"] or not is_loopy(inputs):
        return tree
    if rows_full is None:
        cost = _combo(tree)
        if cost / FLOP_RATE < _HYPER["min_est"]:
            return tree
        budget = _hyper_budget(cost / FLOP_RATE)
        if budget > 0.0:
            hyper = _hyper_tree(inputs, output, size_dict, budget, minimize="combo")
            if hyper is not None and _combo(hyper) < cost:
                return hyper
        return tree
    full_inputs, full_output, full_size, rows = rows_full
    max_entries = get_memory_budget() / 8
    candidates, scores = _compressed_candidates(
        tree, inputs, output, size_dict, full_inputs, full_output, full_size, rows, max_entries
    )
    best = min(range(len(candidates)), key=scores.__getitem__)
    est = 2.0 ** scores[best] / FLOP_RATE if math.isfinite(scores[best]) else math.inf
    budget = _hyper_budget(est)
    if budget > 0.0:
        objective = _CompressedObjective(full_inputs, full_output, full_size, rows, max_entries)
        hyper = _hyper_tree(inputs, output, size_dict, budget, minimize=objective)
        if hyper is not None:
            new = _score(full_inputs, full_output, hyper.get_path(), full_size, rows, max_entries)
            if new < scores[best]:
                return hyper
    return candidates[best]


def _compressed_candidates(
    tree, inputs, output, size_dict, full_inputs, full_output, full_size, rows, max_entries
):
    """The greedy tree and the layer sweeps, with their :func:`_score`."""
    candidates = [tree] + [
        ctg.ContractionTree.from_path(inputs, output, size_dict, ssa_path=ssa)
        for ssa in _layer_paths(inputs, output)
    ]
    scores = [
        _score(full_inputs, full_output, t.get_path(), full_size, rows, max_entries)
        for t in candidates
    ]
    return candidates, scores


def estimate_compressed_cost(inputs, output, size_dict, rows) -> float:
    """Weighted flops (contraction + ``QR_WEIGHT`` x QR) of a row-compressed run, quickly.

    The best of the greedy tree and the layer sweeps (no hyper-optimizer, no
    cache): an upper bound on what :func:`contraction_tree` with ``rows`` finds.
    """
    row_set = set(rows)
    key, relabel = _canonical_key(inputs, output, size_dict, "estimate-compressed")
    key = (*key, tuple(sorted(relabel[r] for r in row_set if r in relabel)))
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    ins = [tuple(i for i in t if i not in row_set) for t in inputs]
    out = tuple(i for i in output if i not in row_set)
    relabel: dict = {}
    for t in ins:
        for i in t:
            relabel.setdefault(i, ctg.get_symbol(len(relabel)))
    for i in out:
        relabel.setdefault(i, ctg.get_symbol(len(relabel)))
    ins = [tuple(relabel[i] for i in t) for t in ins]
    out = tuple(relabel[i] for i in out)
    sizes = {relabel[i]: size_dict[i] for i in relabel}
    tree = _greedy_tree(ins, out, sizes)
    if len(ins) < 3:
        cands, scores = (
            [tree],
            [_score(inputs, output, tree.get_path(), size_dict, rows, math.inf)],
        )
    else:
        cands, scores = _compressed_candidates(
            tree, ins, out, sizes, inputs, output, size_dict, tuple(rows), math.inf
        )
    est = 2.0 ** min(scores)
    with _LOCK:
        _CACHE[key] = est
        if len(_CACHE) > _CACHE_MAX:
            _CACHE.popitem(last=False)
    return est


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


def contraction_tree(inputs, output, size_dict, *, optimize=None, rows=()) -> ctg.ContractionTree:
    """A cotengra contraction tree for the einsum ``inputs -> output``.

    Parameters
    ----------
    inputs : sequence of tuple of hashable
        Index labels of each tensor (hyper-indices allowed).
    output : tuple of hashable
        Labels of the output (row labels excluded).
    size_dict : dict
        Dimension of every label.
    optimize : None, str, cotengra optimizer or path
        ``None``: the choice of the module docstring (random-greedy; on loopy
        networks worth it, a time-bounded hyper-optimizer); a string is a
        cotengra preset (``"greedy"``, ``"auto-hq"``, ``"hyper"``...); an
        optimizer object is used as is. Trees found with ``None`` or a string
        are cached by structure.
    rows : iterable of hashable
        Row labels of a row-compressed run (open legs of one side of a cut,
        see :func:`compressed_cost`). They are left out of the tree, whose
        leaves are ``inputs`` without them, and with ``optimize=None`` the
        search minimizes the compressed cost.

    Returns
    -------
    cotengra.ContractionTree
        Tree whose leaves are ``inputs`` in order (without ``rows``). Its labels
        are single characters (``cotengra.get_symbol`` of the order of first
        appearance), as cotengra's ``ContractionTree.contract`` requires;
        ``tree.inputs[i]`` gives the labels of leaf ``i``.

    Examples
    --------
    >>> tree = contraction_tree([("a", "b"), ("b", "c")], ("a", "c"), {"a": 2, "b": 3, "c": 2})
    >>> tree.N, tree.get_path()
    (2, ((0, 1),))
    """
    inputs = [tuple(t) for t in inputs]
    output = tuple(output)
    row_set = set(rows)
    key, relabel = _canonical_key(inputs, output, size_dict, optimize)
    if row_set:
        key = (*key, tuple(sorted(relabel[r] for r in row_set if r in relabel)))
    # cotengra joins labels into strings when contracting: use single characters
    sym = {ix: ctg.get_symbol(n) for ix, n in relabel.items() if ix not in row_set}
    full = (inputs, output, size_dict, tuple(r for r in relabel if r in row_set))
    inputs = [tuple(sym[ix] for ix in t if ix not in row_set) for t in inputs]
    output = tuple(sym[ix] for ix in output if ix not in row_set)
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
    if len(inputs) == 1:
        tree = ctg.ContractionTree.from_path(inputs, output, size_dict, path=())
    elif optimize is None:
        tree = _search(inputs, output, size_dict, full if row_set else None)
    else:
        opt = optimize
        if optimize == "hyper":
            opt = ctg.HyperOptimizer(max_repeats=32, parallel=False, progbar=False)
        tree = ctg.array_contract_tree(inputs, output, size_dict=size_dict, optimize=opt)
    if cacheable:
        with _LOCK:
            _CACHE[key] = tree
            if len(_CACHE) > _CACHE_MAX:
                _CACHE.popitem(last=False)
    return tree
