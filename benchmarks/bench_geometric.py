"""Geometric measure: tnexpress against a hand-written numpy alternating sweep.

The baseline is the plain way for an MPS: alternating maximization of
``|<phi|psi>|`` over product states, for each site the environment from cached
left/right transfer vectors (``L_i = L_{i-1} A_i conj(phi_i)``), update
``conj(phi_i) = conj(env) / |env|``, left to right, then the left vectors are
rebuilt as the sweep goes. Both routes use the same starts (all-|+>, all-|0>,
then complex Gaussian vectors from the same seed), the same number of restarts
and exactly the same number of sweeps (``tol=0``), and report
``E_G = -log2 max |<phi|psi>|^2 / <psi|psi>``; ``ratio`` = tnexpress time /
baseline time (best of ``--repeat``, process CPU time, measured in one run;
wall times are in the JSON). ``dE`` = tnexpress value - baseline value (<= 0
means tnexpress found an overlap at least as good).

Usage::

    python benchmarks/bench_geometric.py [--quick] [--out DIR] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402
import quimb.tensor as qtn  # noqa: E402

import tnexpress as tx  # noqa: E402


def mps_arrays(mps):
    """Site arrays as ``(left, phys, right)``, dummy bonds of size 1 at the ends."""
    n = mps.L
    out = []
    for i in range(n):
        t = mps[i]
        phys = mps.site_ind(i)
        left = [ix for ix in t.inds if i > 0 and ix in mps[i - 1].inds]
        right = [ix for ix in t.inds if i < n - 1 and ix in mps[i + 1].inds]
        a = t.transpose(*left, phys, *right).data
        if not left:
            a = a[None]
        if not right:
            a = a[..., None]
        out.append(np.asarray(a))
    return out


def initial(run, dims, rng, complex_phi=True):
    """The same starts as :func:`tnexpress.geometric_measure` (as conj(phi))."""
    if run == 0:
        return [np.full(d, 1.0 / math.sqrt(d)) for d in dims]
    if run == 1:
        return [np.eye(1, d, 0).ravel() for d in dims]
    vs = []
    for d in dims:
        v = rng.standard_normal(d)
        if complex_phi:
            v = v + 1j * rng.standard_normal(d)
        vs.append(v / np.linalg.norm(v))
    return vs


def baseline_gm(arrays, *, restarts, sweeps, seed):
    """Hand-written alternating sweep on an MPS; returns E_G in bits."""
    n = len(arrays)
    dims = [a.shape[1] for a in arrays]
    rng = np.random.default_rng(seed)
    # <psi|psi> by transfer matrices, rescaled
    e = np.ones((1, 1))
    log_n2 = 0.0
    for a in arrays:
        e = np.einsum("ab,apc,bpd->cd", e, a, a.conj())
        m = np.abs(e).max()
        e, log_n2 = e / m, log_n2 + math.log(m)
    log_n2 += math.log(abs(e[0, 0]))
    best = -math.inf
    for run in range(restarts):
        c = initial(run, dims, rng)
        # right vectors R[i] = contraction of sites i..n-1 with their c, rescaled
        right = [None] * (n + 1)
        right[n] = np.ones(1)
        for i in range(n - 1, -1, -1):
            r = arrays[i].reshape(-1, arrays[i].shape[2]) @ right[i + 1]
            r = c[i] @ r.reshape(arrays[i].shape[0], dims[i]).T
            right[i] = r / np.abs(r).max()
        logf = -math.inf
        for _ in range(sweeps):
            left = np.ones(1)
            log_l = 0.0
            for i in range(n):
                a = arrays[i]
                env = np.einsum("a,apb,b->p", left, a, right[i + 1])
                nrm = np.linalg.norm(env)
                c[i] = np.conj(env) / nrm
                left = c[i] @ np.einsum("a,apb->pb", left, a)
                m = np.abs(left).max()
                left, log_l = left / m, log_l + math.log(m)
            logf = log_l + math.log(abs(left[0]))
            for i in range(n - 1, -1, -1):  # right vectors for the next sweep
                r = arrays[i].reshape(-1, arrays[i].shape[2]) @ right[i + 1]
                r = c[i] @ r.reshape(arrays[i].shape[0], dims[i]).T
                right[i] = r / np.abs(r).max()
        best = max(best, logf)
    log_lam2 = min(2 * best - log_n2, 0.0)
    return -log_lam2 / math.log(2)


def _time(fn, repeat):
    cpu, wall, val = [], [], None
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        val = fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return min(cpu), min(wall), val


CASES_QUICK = [(16, 4), (32, 8), (64, 4)]
CASES_FULL = [(16, 4), (32, 8), (64, 4), (64, 16), (128, 8), (256, 4)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--restarts", type=int, default=4)
    ap.add_argument("--sweeps", type=int, default=20)
    args = ap.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 5)
    cases = CASES_QUICK if args.quick else CASES_FULL
    t_start = time.perf_counter()
    records = []
    for n, bond in cases:
        mps = qtn.MPS_rand_state(n, bond, seed=n + bond)
        arrays = mps_arrays(mps)
        opts = dict(restarts=args.restarts, sweeps=args.sweeps, seed=1)

        def tnx(mps=mps):
            return tx.geometric_measure(
                mps, restarts=args.restarts, max_sweeps=args.sweeps, tol=0.0, seed=1
            )

        tx.geometric_measure(mps, restarts=1, max_sweeps=1)  # path search, cached
        c_b, w_b, e_b = _time(lambda arrays=arrays, opts=opts: baseline_gm(arrays, **opts), repeat)
        c_t, w_t, e_t = _time(tnx, repeat)
        rec = {
            "N": n,
            "bond": bond,
            "restarts": args.restarts,
            "sweeps": args.sweeps,
            "baseline_cpu_s": c_b,
            "baseline_wall_s": w_b,
            "tnexpress_cpu_s": c_t,
            "tnexpress_wall_s": w_t,
            "ratio": c_t / c_b,
            "ratio_wall": w_t / w_b,
            "E_baseline": e_b,
            "E_tnexpress": e_t,
            "dE": e_t - e_b,
        }
        records.append(rec)
        print(
            f"MPS N={n:4d} D={bond:3d}: baseline {c_b * 1e3:8.2f} ms, tnexpress "
            f"{c_t * 1e3:8.2f} ms, ratio {rec['ratio']:.2f} (wall {rec['ratio_wall']:.2f}); "
            f"E {e_t:.6f} vs {e_b:.6f} (dE {rec['dE']:+.1e})",
            flush=True,
        )
    meta = {
        "quick": args.quick,
        "repeat": repeat,
        "total_s": time.perf_counter() - t_start,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_geometric.json").write_text(
        json.dumps({"meta": meta, "records": records}, indent=1)
    )
    (out / "bench_geometric.md").write_text(markdown(records, meta))
    print(f"wrote {out / 'bench_geometric.md'} and .json", file=sys.stderr)
    return 0


def markdown(records, meta):
    r0 = records[0]
    lines = [
        "# Geometric measure: tnexpress vs a hand-written numpy sweep"
        + (" (--quick)" if meta["quick"] else ""),
        "",
        f"Random MPS (`qtn.MPS_rand_state(N, D, seed=N+D)`), {r0['restarts']} restarts x "
        f"{r0['sweeps']} sweeps each (tol=0), same starts. Times: best of {meta['repeat']}, "
        f"process CPU; ratio = tnexpress / baseline (same run). {meta['date']}, "
        f"{meta['cpu_count']} CPUs, BLAS threads {meta['blas_threads']}, "
        f"total {meta['total_s']:.1f} s.",
        "",
        "| N | D | baseline (ms) | tnexpress (ms) | ratio | ratio (wall) | E_G baseline "
        "| E_G tnexpress | dE |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in records:
        lines.append(
            f"| {r['N']} | {r['bond']} | {r['baseline_cpu_s'] * 1e3:.2f} "
            f"| {r['tnexpress_cpu_s'] * 1e3:.2f} | **{r['ratio']:.2f}** | {r['ratio_wall']:.2f} "
            f"| {r['E_baseline']:.6f} | {r['E_tnexpress']:.6f} | {r['dE']:+.1e} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
