"""Benchmark: the pairwise executor against a hand-written numpy QR sweep, and the stages at scale.

Usage::

    python benchmarks/bench_engine.py [--quick] [--big] [--out DIR]

a. ``mps``: Schmidt values of ``MPS_rand_state(L=1024, D=16)`` across the middle
   cut. The plain way is a raw numpy loop: QR (``numpy.linalg.qr(mode="r")``)
   from the left end to the middle and from the right end to the middle, then
   the SVD of ``R_L R_R^T``. tnexpress is timed three ways: the first call on a
   fresh network shape (``tx.schmidt_values`` with the min-cut and plan caches
   cleared: structure, min cut, tree path, compile, both sides, SVD), the same
   call again (min cut and plans cached) and the executor alone (both sides'
   compiled plans run again). The timings are interleaved (raw, first, again,
   executor, raw, ...) and the best of each is kept, so the ratios come from the
   same minutes of a shared machine. Spectra must agree (max abs difference).
b. ``stages``: ``tt(N, 2, 4)`` and ``ht(N, 2, 4)`` left/right spectrum, time of
   each stage (build, structure, min cut, spectrum) in wall and CPU seconds,
   at N = 2^12 and 2^16 (``--big``: also 2^20, the goal: < 30 s building
   included), with the peak resident memory. Each (family, N) runs in its own
   process, so its peak RSS is its own.

Writes ``bench_engine.json`` and ``bench_engine.md`` into DIR (default
``benchmarks/results``), with the machine's load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import quimb.tensor as qtn  # noqa: E402

import tnexpress as tx  # noqa: E402
from tnexpress.engine.batched import BATCH_MIN_NODES  # noqa: E402
from tnexpress.engine.executor import FloatArith, execute  # noqa: E402
from tnexpress.engine.structure import build_structure  # noqa: E402
from tnexpress.measures import schmidt as S  # noqa: E402
from tnexpress.measures.mincut import _CUTS, min_cut_structure  # noqa: E402


def best(fn, repeat):
    """(best wall time, result) of ``repeat`` calls."""
    out, times = None, []
    for _ in range(max(1, repeat)):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def raw_qr_sweep(arrays, half):
    """The plain way: numpy QR sweeps from both ends to the middle, SVD of R_L R_R^T.

    ``arrays`` are quimb MPS arrays, shapes ``(r, p)``, ``(l, r, p)`` ..., ``(l, p)``.
    """
    qr = np.linalg.qr
    R = qr(arrays[0], mode="r")  # (p, r) -> R (k, r)... first site is (r, p)
    R = qr(arrays[0].T, mode="r")
    for A in arrays[1:half]:
        l, r, p = A.shape
        M = (R @ A.reshape(l, r * p)).reshape(-1, r, p).transpose(0, 2, 1).reshape(-1, r)
        R = qr(M, mode="r")
    RL = R
    R = qr(arrays[-1].T, mode="r")  # (p, l) -> (k, l)
    for A in arrays[half:-1][::-1]:
        l, r, p = A.shape
        M = (A.reshape(l, r, p).transpose(0, 2, 1).reshape(l * p, r) @ R.T).reshape(l, p, -1)
        M = M.transpose(1, 2, 0).reshape(-1, l)
        R = qr(M, mode="r")
    s = np.linalg.svd(RL @ R.T, compute_uv=False)
    return s / np.linalg.norm(s)


def bench_mps(L, D, repeat):
    mps = qtn.MPS_rand_state(L, D, seed=0)
    arrays = [t.data for t in mps]
    half = L // 2

    def cold():
        _CUTS.clear()
        S._PLANS.clear()
        return tx.schmidt_values(mps, range(half), method="cut")

    def again():
        return tx.schmidt_values(mps, range(half), method="cut")

    s_tx = cold()
    bp = tx.bipartition(mps, range(half))
    st = bp.structure
    side_a, cut = bp._cut
    side_b = [n for n in range(st.n_nodes) if n not in side_a]
    plans = [S._side_plan(st, side, cut, None) for side in (side_a, side_b)]

    def exec_only():
        out = []
        for nodes, plan in plans:
            out.append(execute(plan, [S._array(st, n) for n in nodes], FloatArith()))
        return out

    fns = {
        "raw": lambda: raw_qr_sweep(arrays, half),
        "cold": cold,
        "again": again,
        "exec": exec_only,
    }
    times: dict = {k: [] for k in fns}
    for _ in range(max(1, repeat)):  # interleaved: each round times every variant once
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
    t_raw, t_cold, t_tx, t_exec = (min(times[k]) for k in ("raw", "cold", "again", "exec"))
    s_raw = raw_qr_sweep(arrays, half)
    k = min(len(s_raw), len(s_tx))
    return {
        "L": L,
        "D": D,
        "rounds": repeat,
        "raw_qr_sweep_s": t_raw,
        "tnexpress_call_cold_s": t_cold,
        "tnexpress_call_s": t_tx,
        "tnexpress_executor_s": t_exec,
        "ratio_call_cold": t_cold / t_raw,
        "ratio_call": t_tx / t_raw,
        "ratio_executor": t_exec / t_raw,
        "median_ratio_call_cold": float(np.median(times["cold"]) / np.median(times["raw"])),
        "max_abs_diff": float(np.max(np.abs(s_raw[:k] - s_tx[:k]))),
    }


def raw_tt_sweep(arrays, half):
    """The plain way for ``tt`` cores ``(p, r)``, ``(l, p, r)`` ..., ``(l, p)``: QR sweeps to the
    middle with ``R`` rescaled to norm 1 at each step (the norms overflow float64 otherwise)."""
    qr = np.linalg.qr
    R = qr(arrays[0], mode="r")  # (p, r) -> (k, r)
    for A in arrays[1:half]:
        l, p, r = A.shape
        R = qr((R @ A.reshape(l, p * r)).reshape(-1, r), mode="r")
        R /= np.abs(R).max()
    RL = R
    R = qr(arrays[-1].T, mode="r")  # (p, l) -> (k, l)
    for A in arrays[half:-1][::-1]:
        l, p, r = A.shape
        M = (A.reshape(l * p, r) @ R.T).reshape(l, -1).T
        R = qr(np.ascontiguousarray(M), mode="r")
        R /= np.abs(R).max()
    s = np.linalg.svd(RL @ R.T, compute_uv=False)
    return s / np.linalg.norm(s)


def stages(fam, N):
    res = {"family": fam, "N": N}

    def stage(name, fn):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        res[name] = {"wall_s": time.perf_counter() - t, "cpu_s": time.process_time() - c}
        return out

    net = stage(
        "build",
        lambda: tx.nets.tt(N, 2, 4, seed=0) if fam == "tt" else tx.nets.ht(N, 2, 4, seed=0),
    )
    st = stage("structure", lambda: build_structure(net, range(N // 2)))
    side_a, cut = stage("min_cut", lambda: min_cut_structure(st))
    sp = stage("spectrum", lambda: S.spectrum_of(st, "cut", None, lambda: (side_a, cut)))
    keys = ("build", "structure", "min_cut", "spectrum")
    res["total_wall_s"] = sum(res[k]["wall_s"] for k in keys)
    res["total_cpu_s"] = sum(res[k]["cpu_s"] for k in keys)
    res["cut_weight"] = sp.cut_weight
    res["rank"] = sp.rank()
    res["maxrss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    # quimb's own objects of the network (deferred by the builders from 2^14 tensors: made
    # here, on first read; not part of the total)
    stage("quimb_maps", lambda: net.tensor_map)
    if fam == "tt":  # the plain way on the same cores, and the spectra compared
        arrays = [t.data for t in net.tensors]
        t, c = time.perf_counter(), time.process_time()
        s_raw = raw_tt_sweep(arrays, N // 2)
        res["raw_qr_sweep"] = {"wall_s": time.perf_counter() - t, "cpu_s": time.process_time() - c}
        s_tx = sp.values
        k = min(len(s_raw), len(s_tx))
        res["max_abs_diff_vs_raw"] = float(np.max(np.abs(s_raw[:k] - s_tx[:k])))
    # the user's call on a fresh network: build, then tx.schmidt_values (every stage inside)
    net = st = sp = None  # freed before the fresh build
    build = tx.nets.tt if fam == "tt" else tx.nets.ht
    s_call = stage("call", lambda: tx.schmidt_values(build(N, 2, 4, seed=0), range(N // 2)))
    res["call_rank"] = len(s_call)
    return res


def stages_subprocess(fam, N):
    """:func:`stages` in a fresh process (its own peak RSS, memory freed after)."""
    import subprocess

    out = subprocess.run(
        [sys.executable, __file__, "--one", fam, str(N)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--big", action="store_true", help="also N = 2^20 (minutes, GiBs)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    ap.add_argument("--one", nargs=2, metavar=("FAMILY", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:  # one stage run, JSON on stdout (see stages_subprocess)
        print(json.dumps(stages(args.one[0], int(args.one[1]))))
        return
    repeat = 3 if args.quick else 9
    out = {
        "machine": platform.platform(),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg(),
    }
    out["mps"] = bench_mps(256 if args.quick else 1024, 16, repeat)
    m = out["mps"]
    print(
        f"MPS L={m['L']} D={m['D']}: raw numpy QR sweep {m['raw_qr_sweep_s'] * 1e3:.1f} ms, "
        f"tnexpress call: first {m['tnexpress_call_cold_s'] * 1e3:.1f} ms "
        f"({m['ratio_call_cold']:.2f}x), again {m['tnexpress_call_s'] * 1e3:.1f} ms "
        f"({m['ratio_call']:.2f}x), "
        f"executor {m['tnexpress_executor_s'] * 1e3:.1f} ms ({m['ratio_executor']:.2f}x), "
        f"max |ds| {m['max_abs_diff']:.1e}"
    )
    Ns = [2**12] if args.quick else [2**12, 2**16]
    if args.big:
        Ns.append(2**20)
    out["stages"] = []
    for N in Ns:
        for fam in ("tt", "ht"):
            r = stages_subprocess(fam, N)
            out["stages"].append(r)
            print(
                f"{fam} N={N}: "
                + ", ".join(
                    f"{k} {r[k]['wall_s']:.2f}s ({r[k]['cpu_s']:.2f} cpu)"
                    for k in ("build", "structure", "min_cut", "spectrum")
                )
                + f"; total {r['total_wall_s']:.1f}s wall, {r['total_cpu_s']:.1f}s cpu, "
                f"rss {r['maxrss_gib']:.2f} GiB; call {r['call']['wall_s']:.1f}s, "
                f"quimb maps {r['quimb_maps']['wall_s']:.2f}s",
                flush=True,
            )
    out["load_after"] = os.getloadavg()
    d = Path(args.out)
    d.mkdir(parents=True, exist_ok=True)
    (d / "bench_engine.json").write_text(json.dumps(out, indent=2))
    lb, la = out["load_before"], out["load_after"]
    lines = [
        "# bench_engine",
        "",
        f"`python benchmarks/bench_engine.py{' --quick' if args.quick else ''}"
        f"{' --big' if args.big else ''}` on {out['machine']}, {out['cpus']} CPUs, shared: "
        f"load average {lb[0]:.1f} before, {la[0]:.1f} after (1-minute). One BLAS thread.",
        "",
        "## MPS middle cut vs a raw numpy QR sweep (goal: first call <= 1.3x)",
        "",
        "First call: a fresh network shape (min cut and plans computed); again: the same "
        "network, min cut and plans from the structure cache (structure, execution and SVD "
        f"redone). Best of {m['rounds']} interleaved rounds (raw, first, again, executor); "
        f"the ratio of the medians of the first call is {m['median_ratio_call_cold']:.2f}.",
        "",
        "| L | D | raw sweep (ms) | first call (ms) | ratio | again (ms) | ratio "
        "| executor (ms) | ratio | max abs diff |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| {m['L']} | {m['D']} | {m['raw_qr_sweep_s'] * 1e3:.1f} | "
        f"{m['tnexpress_call_cold_s'] * 1e3:.1f} | {m['ratio_call_cold']:.2f} | "
        f"{m['tnexpress_call_s'] * 1e3:.1f} | {m['ratio_call']:.2f} | "
        f"{m['tnexpress_executor_s'] * 1e3:.1f} | {m['ratio_executor']:.2f} | "
        f"{m['max_abs_diff']:.1e} |",
        "",
        "## Stages, left/right spectrum of tt(N, 2, 4) and ht(N, 2, 4): wall s (cpu s)",
        "",
        "Goal at N = 2^20: total (building included) < 30 s. One process per row (its own "
        "peak RSS). `raw` is the plain numpy QR sweep over the same tt cores (R rescaled per "
        "step), and `diff` the largest difference of the two spectra. The spectrum stage "
        "takes the level-wise batched route (`tnexpress.engine.batched`, from "
        f"{BATCH_MIN_NODES} nodes).",
        "",
        "`call`: `tx.schmidt_values(build(N, 2, 4, seed=0), range(N // 2))` on a fresh "
        "network, end to end; `quimb maps`: making the network's quimb objects on their first "
        "read (the builders defer them from 2^14 tensors; not in the total).",
        "",
        "| family | N | build | structure | min cut | spectrum | total | call | quimb maps "
        "| peak RSS (GiB) | rank / W | raw (tt) | diff |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in out["stages"]:
        cells = [f"{r[k]['wall_s']:.2f} ({r[k]['cpu_s']:.2f})" for k in
                 ("build", "structure", "min_cut", "spectrum")]  # fmt: skip
        raw = r.get("raw_qr_sweep")
        raw = f"{raw['wall_s']:.2f} ({raw['cpu_s']:.2f})" if raw else "-"
        diff = f"{r['max_abs_diff_vs_raw']:.1e}" if "max_abs_diff_vs_raw" in r else "-"
        lines.append(
            f"| {r['family']} | {r['N']} | "
            + " | ".join(cells)
            + f" | {r['total_wall_s']:.1f} ({r['total_cpu_s']:.1f}) | "
            f"{r['call']['wall_s']:.1f} | {r['quimb_maps']['wall_s']:.2f} | {r['maxrss_gib']:.2f} "
            f"| {r['rank']} / {r['cut_weight']} | {raw} | {diff} |"
        )
    (d / "bench_engine.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
