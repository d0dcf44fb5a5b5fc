"""Compare contraction-path optimizers on the seed architectures' tensor networks.

For every network (the norm network <psi|psi> of a deep ConvAC, a tensor train,
a 2D deep ConvAC, a shallow CP network and a PEPS grid, at several sizes) each
optimizer searches a contraction path; we report the cost (log10 of cotengra's
``contraction_cost``: the sum over pairwise contractions of the product of all
dimensions involved), the width (log2 of the largest intermediate) and the
search time, each also as a ratio against opt_einsum's greedy measured in the
same run (cotengra's greedy when opt_einsum is not installed).

Usage::

    python benchmarks/bench_paths.py [--quick] [--out DIR]

writes ``DIR/bench_paths.json`` and ``DIR/bench_paths.md`` (default
``benchmarks/results/``), as ``benchmarks/run_all.py`` expects; the mode is in the
JSON's ``meta`` and the markdown's header.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import cotengra as ctg
import quimb.tensor as qtn

from tnexpress.engine.paths import clear_path_cache, contraction_tree

HAS_OE = importlib.util.find_spec("opt_einsum") is not None
HAS_KAHYPAR = importlib.util.find_spec("kahypar") is not None


# ---- networks --------------------------------------------------------------------------


def _nets():
    try:
        import tnexpress.nets as nets

        if all(hasattr(nets, f) for f in ("ht", "tt", "ht2d", "cp")):
            return nets
    except Exception:  # builders still being written: fall back to quimb
        pass
    return None


def _fallback_ht(N, M, r, seed):
    """Deep ConvAC with size-2 product pooling as hyper-indices, built from quimb."""
    import numpy as np

    rng = np.random.default_rng(seed)
    ts, cur, lvl = [], [f"k{i}" for i in range(N)], 0
    while len(cur) > 1:
        nxt = [f"p{lvl}_{j}" for j in range(len(cur) // 2)]
        for i, ix in enumerate(cur):
            d_in = M if lvl == 0 else r
            ts.append(qtn.Tensor(rng.normal(size=(d_in, r)), inds=(ix, nxt[i // 2])))
        cur, lvl = nxt, lvl + 1
    ts.append(qtn.Tensor(rng.normal(size=(r,)), inds=(cur[0],)))
    return qtn.TensorNetwork(ts)


def build(family, size, seed=0):
    """The ket network of ``family`` at ``size``."""
    nets = _nets()
    if family == "ht":
        if nets is not None:
            return nets.ht(size, 2, 2, seed=seed)
        return _fallback_ht(size, 2, 2, seed)
    if family == "tt":
        if nets is not None:
            return nets.tt(size, 2, 4, seed=seed)
        return qtn.MPS_rand_state(size, 4, seed=seed)
    if family == "ht2d":
        if nets is not None:
            return nets.ht2d(size, size, 2, 2, seed=seed)
        return qtn.PEPS.rand(size, size, 2, seed=seed)
    if family == "cp":
        if nets is not None:
            return nets.cp(size, 2, 4, seed=seed)
        return _fallback_ht(size, 2, 4, seed)
    if family == "peps":
        return qtn.PEPS.rand(size, size, 2, seed=seed)
    raise ValueError(f"unknown family {family!r}")


def norm_structure(psi):
    """``inputs, output, size_dict`` of <psi|psi> with single-character labels.

    The bra's inner indices (hyper-indices included) are renamed explicitly, so
    bra and ket only share the open indices.
    """
    ket = [(t.inds, t.shape) for t in psi.tensors]
    open_ = {ix for ix, tids in psi.ind_map.items() if len(tids) == 1}
    bra = [(tuple(ix if ix in open_ else ("bra", ix) for ix in inds), sh) for inds, sh in ket]
    sym, inputs, size_dict = {}, [], {}
    for inds, shape in ket + bra:
        term = []
        for ix, d in zip(inds, shape, strict=True):
            if ix not in sym:
                sym[ix] = ctg.get_symbol(len(sym))
                size_dict[sym[ix]] = int(d)
            term.append(sym[ix])
        inputs.append(tuple(term))
    return inputs, (), size_dict


# ---- optimizers: each returns a cotengra ContractionTree -------------------------------


def _tree_from_path(inputs, output, size_dict, path):
    return ctg.ContractionTree.from_path(inputs, output, size_dict, path=path)


def oe_greedy(inputs, output, size_dict, quick):
    import opt_einsum as oe

    path = oe.paths.greedy([set(t) for t in inputs], set(output), size_dict)
    return path


def oe_dp(inputs, output, size_dict, quick):
    import opt_einsum as oe

    return oe.paths.dynamic_programming([set(t) for t in inputs], set(output), size_dict)


def ctg_greedy(inputs, output, size_dict, quick):
    return ctg.array_contract_tree(inputs, output, size_dict=size_dict, optimize="greedy")


def tx_default(inputs, output, size_dict, quick):
    clear_path_cache()  # time the search, not the cache
    return contraction_tree(inputs, output, size_dict)


def hyper_kahypar(inputs, output, size_dict, quick):
    opt = ctg.HyperOptimizer(
        methods=["kahypar"],
        max_repeats=8 if quick else 32,
        max_time=1.5 if quick else 10,
        parallel=False,
        progbar=False,
    )
    return ctg.array_contract_tree(inputs, output, size_dict=size_dict, optimize=opt)


def auto_hq(inputs, output, size_dict, quick):
    return ctg.array_contract_tree(inputs, output, size_dict=size_dict, optimize="auto-hq")


#: name -> (function, feasible(n_tensors, family))
OPTIMIZERS = {
    "oe-greedy": (oe_greedy, lambda n, fam: HAS_OE),
    # dp is exponential in the worst case; with hyper-indices it took 220 s on the
    # 30-tensor ht norm network and > 10 min on the 34-tensor cp one: chains only
    "oe-dp": (oe_dp, lambda n, fam: HAS_OE and n <= 32 and fam == "tt"),
    "ctg-greedy": (ctg_greedy, lambda n, fam: True),
    "tx-default": (tx_default, lambda n, fam: True),
    "hyper-kahypar": (hyper_kahypar, lambda n, fam: HAS_KAHYPAR),
    "auto-hq": (auto_hq, lambda n, fam: n <= 2500),
}

SIZES_QUICK = {"ht": (8, 64), "tt": (16, 64), "ht2d": (4, 8), "cp": (16, 64), "peps": (4, 6)}
SIZES_FULL = {
    "ht": (8, 64, 256, 1024),
    "tt": (16, 64, 256),
    "ht2d": (4, 8, 16),
    "cp": (16, 64, 256),
    "peps": (4, 6, 8),
}


def run_one(name, inputs, output, size_dict, quick):
    fn, _ = OPTIMIZERS[name]
    t0 = time.perf_counter()
    res = fn(inputs, output, size_dict, quick)
    dt = time.perf_counter() - t0
    tree = (
        res
        if isinstance(res, ctg.ContractionTree)
        else _tree_from_path(inputs, output, size_dict, res)
    )
    return {
        "log10_cost": math.log10(max(tree.contraction_cost(), 1)),
        "log2_width": float(tree.contraction_width()),
        "search_s": dt,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"), help="output dir")
    args = ap.parse_args(argv)
    sizes = SIZES_QUICK if args.quick else SIZES_FULL
    baseline = "oe-greedy" if HAS_OE else "ctg-greedy"
    t_start = time.perf_counter()
    records = []
    for family, family_sizes in sizes.items():
        for size in family_sizes:
            psi = build(family, size)
            inputs, output, size_dict = norm_structure(psi)
            n = len(inputs)
            rows = {}
            for name, (_, feasible) in OPTIMIZERS.items():
                if not feasible(n, family):
                    continue
                rows[name] = run_one(name, inputs, output, size_dict, args.quick)
            base = rows[baseline]
            for name, r in rows.items():
                rec = {
                    "family": family,
                    "size": size,
                    "n_tensors": n,
                    "optimizer": name,
                    **r,
                    "cost_ratio": 10 ** (r["log10_cost"] - base["log10_cost"]),
                    "width_ratio": 2 ** (r["log2_width"] - base["log2_width"]),
                    "time_ratio": r["search_s"] / max(base["search_s"], 1e-9),
                }
                records.append(rec)
                print(
                    f"{family:5s} {size:5d} n={n:5d} {name:14s} cost 10^{r['log10_cost']:6.2f} "
                    f"(x{rec['cost_ratio']:.3g}) width 2^{r['log2_width']:5.1f} "
                    f"search {r['search_s']:8.4f}s (x{rec['time_ratio']:.3g})",
                    flush=True,
                )
    total = time.perf_counter() - t_start
    meta = {
        "quick": args.quick,
        "baseline": baseline,
        "total_s": total,
        "python": platform.python_version(),
        "cotengra": ctg.__version__,
        "cpu_count": os.cpu_count(),
        "cotengrust": importlib.util.find_spec("cotengrust") is not None,
        "kahypar": HAS_KAHYPAR,
        "opt_einsum": HAS_OE,
        "nets": "tnexpress.nets" if _nets() is not None else "quimb fallback",
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_paths.json").write_text(json.dumps({"meta": meta, "records": records}, indent=1))
    (out / "bench_paths.md").write_text(markdown(records, meta))
    print(f"wrote {out / 'bench_paths.md'} and .json in {total:.1f} s", file=sys.stderr)
    return 0


def markdown(records, meta):
    lines = [
        "# Contraction-path optimizers on <psi|psi> of the seed architectures"
        + (" (--quick)" if meta["quick"] else ""),
        "",
        f"Baseline for ratios: `{meta['baseline']}` (same run). cost = log10 of cotengra's "
        "contraction cost; width = log2 of the largest intermediate; time = path search.",
        f"cotengra {meta['cotengra']}, cotengrust={meta['cotengrust']}, "
        f"kahypar={meta['kahypar']}, opt_einsum={meta['opt_einsum']}, networks from "
        f"{meta['nets']}, {meta['cpu_count']} CPUs, total {meta['total_s']:.1f} s.",
        "",
        "| network | size | tensors | optimizer | log10 cost | cost ratio | log2 width "
        "| width ratio | search s | time ratio |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in records:
        lines.append(
            f"| {r['family']} | {r['size']} | {r['n_tensors']} | {r['optimizer']} "
            f"| {r['log10_cost']:.2f} | {r['cost_ratio']:.3g} | {r['log2_width']:.1f} "
            f"| {r['width_ratio']:.3g} | {r['search_s']:.4f} | {r['time_ratio']:.3g} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
