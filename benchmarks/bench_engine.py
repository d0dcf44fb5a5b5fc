"""Benchmark: the pairwise executor against a hand-written numpy QR sweep, and the stages at scale.

Usage::

    python benchmarks/bench_engine.py [--quick] [--big] [--out DIR]

a. ``mps``: Schmidt values of ``MPS_rand_state(L=1024, D=16)`` across the middle
   cut. The plain way is a raw numpy loop: QR (``numpy.linalg.qr(mode="r")``)
   from the left end to the middle and from the right end to the middle, then
   the SVD of ``R_L R_R^T``. tnexpress is timed twice: the whole call
   (``tx.schmidt_values``: structure, min cut, tree path, compile, both sides,
   SVD) and the executor alone (both sides' compiled plans run again).
   Spectra must agree (max abs difference reported).
b. ``stages``: ``tt(N, 2, 4)`` and ``ht(N, 2, 4)`` left/right spectrum, time of
   each stage (build, structure, min cut, spectrum) in wall and CPU seconds,
   at N = 2^12 and 2^16 (``--big``: also 2^20), with the peak resident memory.

Writes ``bench_engine.json`` and ``bench_engine.md`` into DIR (default
``benchmarks/results``). On a shared machine wall times are noisy: the best
of several runs is kept and CPU time is reported alongside.
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
    t_raw, s_raw = best(lambda: raw_qr_sweep(arrays, half), repeat)

    def cold():
        _CUTS.clear()
        S._PLANS.clear()
        return tx.schmidt_values(mps, range(half), method="cut")

    t_cold, s_tx = best(cold, repeat)
    t_tx, s_tx = best(lambda: tx.schmidt_values(mps, range(half), method="cut"), repeat)
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

    t_exec, _ = best(exec_only, repeat)
    k = min(len(s_raw), len(s_tx))
    return {
        "L": L,
        "D": D,
        "raw_qr_sweep_s": t_raw,
        "tnexpress_call_cold_s": t_cold,
        "tnexpress_call_s": t_tx,
        "tnexpress_executor_s": t_exec,
        "ratio_call_cold": t_cold / t_raw,
        "ratio_call": t_tx / t_raw,
        "ratio_executor": t_exec / t_raw,
        "max_abs_diff": float(np.max(np.abs(s_raw[:k] - s_tx[:k]))),
    }


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
    res["total_wall_s"] = sum(
        res[k]["wall_s"] for k in ("build", "structure", "min_cut", "spectrum")
    )
    res["total_cpu_s"] = sum(
        res[k]["cpu_s"] for k in ("build", "structure", "min_cut", "spectrum")
    )
    res["cut_weight"] = sp.cut_weight
    res["maxrss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--big", action="store_true", help="also N = 2^20 (minutes, GiBs)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = ap.parse_args(argv)
    repeat = 2 if args.quick else 5
    out = {
        "machine": platform.platform(),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
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
            r = stages(fam, N)
            out["stages"].append(r)
            print(
                f"{fam} N={N}: "
                + ", ".join(
                    f"{k} {r[k]['wall_s']:.2f}s ({r[k]['cpu_s']:.2f} cpu)"
                    for k in ("build", "structure", "min_cut", "spectrum")
                )
                + f"; total {r['total_wall_s']:.1f}s wall, {r['total_cpu_s']:.1f}s cpu, "
                f"rss {r['maxrss_gib']:.2f} GiB",
                flush=True,
            )
    d = Path(args.out)
    d.mkdir(parents=True, exist_ok=True)
    (d / "bench_engine.json").write_text(json.dumps(out, indent=2))
    lines = [
        "# bench_engine",
        "",
        f"`python benchmarks/bench_engine.py{' --quick' if args.quick else ''}"
        f"{' --big' if args.big else ''}` on {out['machine']}, {out['cpus']} CPUs "
        "(shared; best of several runs).",
        "",
        "## MPS middle cut vs a raw numpy QR sweep",
        "",
        "First call: min cut and plans computed; again: the same network shape, min cut and "
        "plans from the structure cache (structure, execution and SVD redone).",
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
        "| family | N | build | structure | min cut | spectrum | total | peak RSS (GiB) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in out["stages"]:
        cells = [f"{r[k]['wall_s']:.2f} ({r[k]['cpu_s']:.2f})" for k in
                 ("build", "structure", "min_cut", "spectrum")]  # fmt: skip
        lines.append(
            f"| {r['family']} | {r['N']} | "
            + " | ".join(cells)
            + f" | {r['total_wall_s']:.1f} ({r['total_cpu_s']:.1f}) | {r['maxrss_gib']:.2f} |"
        )
    (d / "bench_engine.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
