# ruff: noqa: B023  (the lambdas below are timed at once, inside their loop)
"""Benchmark: replica Renyi entropies, the entanglement profile and two-region measures.

Usage::

    python benchmarks/bench_replica.py [--quick] [--out DIR]

Writes ``bench_replica.json`` and ``bench_replica.md`` into DIR (default
``benchmarks/results``). Every speed figure is timed in the same run as its
baseline (dense numpy, tnexpress's cut method, quimb's own routines):

a. ``replica``: ht N=1024, M=2, r=2, odd/even (min cut 2^512): S_2, S_3, the
   complement's S_2; Bell pairs (known answer N/2 bits); ht2d 32x32 and PEPS
   (interleaved columns, checkerboard); small cases against dense + numpy and
   the cut method.
b. ``profile``: MPS L=256 D=32, every bond, against quimb's ``MPS.entropy``
   loop and one middle cut ``tx.entropy(mps, range(128))``; ht and tt N=4096.
   Two ratios per row: first calls (each builds its plans) and repeated calls
   (best of interleaved rounds); see ``PROFILE_COMPARED``.
c. ``regions``: MPS L=200, two 3-site regions 20 sites apart, against quimb's
   ``MPS.logneg_subsys``; MPS L=12 against dense numpy.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import quimb.tensor as qtn  # noqa: E402

import tnexpress as tx  # noqa: E402
from tnexpress import partitions as P  # noqa: E402
from tnexpress.engine.paths import contraction_tree  # noqa: E402
from tnexpress.engine.sides import resolve_side  # noqa: E402
from tnexpress.measures.replica import _terms, replica_terms  # noqa: E402


def timed(fn, repeat=1):
    best, out = math.inf, None
    for _ in range(max(1, repeat)):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def dense_renyi(tn, A, n):
    a, b = resolve_side(tn, A)
    mat = tn.contract(output_inds=a + b).to_dense(list(a), list(b))
    s = np.linalg.svd(mat, compute_uv=False)
    p = s**2 / np.sum(s**2)
    return float(np.log2(np.sum(p**n)) / (1 - n))


def replica_cost(tn, A, n):
    a, b = resolve_side(tn, A)
    arrays, inputs, size = _terms(tn)
    _, ri, rs = replica_terms(arrays, inputs, size, a, b, n)
    tree = contraction_tree(ri, (), rs)
    return math.log2(tree.max_size()), math.log10(max(tree.contraction_cost(), 1))


def bench_replica(quick):
    rows = []
    N = 256 if quick else 1024
    net = tx.nets.ht(N, 2, (2,) * int(math.log2(N)), seed=0)
    A = P.odd_even(N)
    B = [i for i in range(N) if i % 2]
    w = tx.min_cut(net, A).log2
    t2, s2 = timed(lambda: tx.entropy(net, A, alpha=2, method="replica"))
    t3, s3 = timed(lambda: tx.entropy(net, A, alpha=3, method="replica"))
    tb, s2b = timed(lambda: tx.entropy(net, B, alpha=2, method="replica"))
    rows.append(
        dict(
            case=f"ht N={N} M=2 r=2 odd/even",
            log2_W=w,
            S2=s2,
            S3=s3,
            S2_complement=s2b,
            S2_diff=abs(s2 - s2b),
            t_S2=t2,
            t_S3=t3,
            t_S2_complement=tb,
        )
    )
    bell = qtn.TensorNetwork(
        [
            qtn.Tensor(np.eye(2) / np.sqrt(2), inds=(f"k{i}", f"k{i + N // 2}"))
            for i in range(N // 2)
        ]
    )
    A_bell = [f"k{i}" for i in range(N // 2)]
    tb2, b2 = timed(lambda: tx.entropy(bell, A_bell, alpha=2, method="replica"))
    tb3, b3 = timed(lambda: tx.entropy(bell, A_bell, alpha=3, method="replica"))
    rows.append(
        dict(
            case=f"{N // 2} Bell pairs (known S_n = {N // 2})",
            S2=b2,
            S3=b3,
            S2_err=abs(b2 - N / 2),
            S3_err=abs(b3 - N / 2),
            t_S2=tb2,
            t_S3=tb3,
        )
    )
    # against dense numpy and the cut method where they run
    for n_sites in (16, 20):
        small = (
            tx.nets.ht(n_sites, 2, (2,) * int(math.ceil(math.log2(n_sites))), seed=1)
            if n_sites == 16
            else tx.nets.tt(n_sites, 2, 8, seed=1)
        )
        As = P.odd_even(n_sites)
        for n in (2, 3):
            tr, r = timed(lambda: tx.entropy(small, As, alpha=n, method="replica"), 3)
            td, d = timed(lambda: dense_renyi(small, As, n), 3)
            tc, c = timed(lambda: tx.entropy(small, As, alpha=n, method="cut"), 3)
            rows.append(
                dict(
                    case=f"{'ht' if n_sites == 16 else 'tt r=8'} N={n_sites} odd/even n={n}",
                    S=r,
                    diff_dense=abs(r - d),
                    diff_cut=abs(r - c),
                    t_replica=tr,
                    t_dense_numpy=td,
                    t_cut=tc,
                    dense_over_replica=td / tr,
                )
            )
    # 2D
    H = 16 if quick else 32
    net2 = tx.nets.ht2d(H, H, 2, (2,) * int(math.log2(H)), seed=0)
    for pname in ("interleaved_columns", "checkerboard"):
        A2 = getattr(P, pname)(H, H)
        for n in (2, 3):
            t, s = timed(lambda: tx.entropy(net2, A2, alpha=n, method="replica"))
            peak, flops = replica_cost(net2, A2, n)
            rows.append(
                dict(
                    case=f"ht2d {H}x{H} {pname} n={n}",
                    log2_W=tx.min_cut(net2, A2).log2,
                    S=s,
                    t=t,
                    log2_peak=peak,
                    log10_flops=flops,
                )
            )
    for L in (4, 5, 8) if quick else (4, 5, 6, 8):
        peps = qtn.PEPS.rand(L, L, 2, seed=0)
        Ap = [s for s in peps.sites if s[1] % 2 == 0]
        Bp = [s for s in peps.sites if s[1] % 2 == 1]
        peak, flops = replica_cost(peps, Ap, 2)
        row = dict(
            case=f"PEPS {L}x{L} D=2 interleaved columns n=2",
            log2_W=tx.min_cut(peps, Ap).log2,
            log2_peak=peak,
            log10_flops=flops,
        )
        try:
            row["t"], row["S"] = timed(lambda: tx.entropy(peps, Ap, alpha=2, method="replica"))
        except tx.BudgetError as err:  # measured: the library's refusal, before allocating
            row["refused"] = str(err)
            rows.append(row)
            continue
        if L <= 5:
            td, d = timed(lambda: dense_renyi(peps, Ap, 2))
            row.update(diff_dense=abs(row["S"] - d), t_dense_numpy=td)
        tc, sc = timed(lambda: tx.entropy(peps, Bp, alpha=2, method="replica"))
        row.update(S_complement=sc, diff_complement=abs(row["S"] - sc), t_complement=tc)
        rows.append(row)
    return rows


def interleaved(fns, rounds):
    """Best time of each callable over ``rounds`` rounds that alternate between them."""
    best = [math.inf] * len(fns)
    outs = [None] * len(fns)
    for _ in range(rounds):
        for n, fn in enumerate(fns):
            t = time.perf_counter()
            outs[n] = fn()
            best[n] = min(best[n], time.perf_counter() - t)
    return best, outs


#: what the profile rows compare (both calls in this process, OMP_NUM_THREADS=1)
PROFILE_COMPARED = (
    "first: the first tx.entanglement_profile(net) call on this structure against the "
    "first tx.entropy(net, range(N // 2)) call on it (each builds its own plans; the cut "
    "runs first); repeated: best of {r} interleaved rounds of both calls on the same net"
)


def bench_profile(quick):
    rows = []
    L = 64 if quick else 256
    psi = qtn.MPS_rand_state(L, 32, seed=1)
    tm1, _ = timed(lambda: tx.entropy(psi, range(L // 2)))
    tp1, prof = timed(lambda: tx.entanglement_profile(psi))
    (tp, tm), _ = interleaved(
        [lambda: tx.entanglement_profile(psi), lambda: tx.entropy(psi, range(L // 2))], 11
    )
    tq, ref = timed(lambda: np.array([psi.entropy(k) for k in range(1, L)]))
    rows.append(
        dict(
            case=f"MPS L={L} D=32, all {L - 1} bonds",
            t_profile_first=tp1,
            t_one_middle_cut_first=tm1,
            profile_over_cut_first=tp1 / tm1,
            t_profile=tp,
            t_one_middle_cut=tm,
            profile_over_cut_repeated=tp / tm,
            t_quimb_entropy_loop=tq,
            quimb_over_profile=tq / tp,
            max_diff_quimb=float(np.max(np.abs(prof - ref))),
            compared=PROFILE_COMPARED.format(r=11),
        )
    )
    N = 512 if quick else 4096
    for fam in ("ht", "tt"):
        net = (
            tx.nets.ht(N, 2, (2,) * int(math.log2(N)), seed=1)
            if fam == "ht"
            else tx.nets.tt(N, 2, 4, seed=1)
        )
        t1, _ = timed(lambda: tx.entropy(net, range(N // 2)))
        tp1, prof = timed(lambda: tx.entanglement_profile(net))
        (t, tm), _ = interleaved(
            [lambda: tx.entanglement_profile(net), lambda: tx.entropy(net, range(N // 2))], 7
        )
        ks = (1, N // 3, N // 2, N - 1)
        err = max(abs(prof[k - 1] - tx.entropy(net, range(k))) for k in ks)
        rows.append(
            dict(
                case=f"{fam} N={N} M=2 r={2 if fam == 'ht' else 4}, all {N - 1} cuts",
                t_profile_first=tp1,
                t_one_middle_cut_first=t1,
                profile_over_cut_first=tp1 / t1,
                t_profile=t,
                t_one_middle_cut=tm,
                profile_over_cut_repeated=t / tm,
                max_diff_spot_cuts=float(err),
                max_S=float(prof.max()),
                compared=PROFILE_COMPARED.format(r=7),
            )
        )
    return rows


def bench_regions(quick):
    rows = []
    psi = qtn.MPS_rand_state(200, 8, seed=11)
    A, B = [90, 91, 92], [113, 114, 115]
    tl, ln = timed(lambda: tx.logarithmic_negativity(psi, A, B), 3)
    tmi, mi = timed(lambda: tx.mutual_information(psi, A, B), 3)
    tq, lq = timed(lambda: psi.logneg_subsys(A, B))
    rows.append(
        dict(
            case="MPS L=200 D=8, regions 90-92 | 113-115",
            logneg=ln,
            mi=mi,
            t_logneg=tl,
            t_mi=tmi,
            t_quimb_logneg_subsys=tq,
            quimb_over_tnexpress=tq / tl,
            diff_quimb=abs(ln - lq),
        )
    )
    A2, B2 = [90, 91, 92], [93, 94, 95]
    tl2, ln2 = timed(lambda: tx.logarithmic_negativity(psi, A2, B2), 3)
    tq2, lq2 = timed(lambda: psi.logneg_subsys(A2, B2))
    rows.append(
        dict(
            case="MPS L=200 D=8, adjacent 90-92 | 93-95",
            logneg=ln2,
            t_logneg=tl2,
            t_quimb_logneg_subsys=tq2,
            quimb_over_tnexpress=tq2 / tl2,
            diff_quimb=abs(ln2 - lq2),
        )
    )
    import quimb as qu

    small = qtn.MPS_rand_state(12, 4, seed=3, dtype=complex)
    v = small.to_dense().ravel()
    dims = [2] * 12
    ta, mi_t = timed(lambda: tx.mutual_information(small, [0, 1], [7, 8, 9]), 3)
    tb, mi_q = timed(lambda: qu.mutinf_subsys(v, dims, [0, 1], [7, 8, 9]), 3)
    rows.append(
        dict(
            case="complex MPS L=12, MI of 0-1 | 7-9 vs dense quimb",
            mi=mi_t,
            diff_dense=abs(mi_t - mi_q),
            t=ta,
            t_dense_quimb=tb,
        )
    )
    return rows


def to_markdown(results):
    out = [
        "# Replica entropies, profile, regions",
        "",
        f"Machine: {results['machine']}; quick={results['quick']}",
        "",
    ]
    for sec in ("replica", "profile", "regions"):
        out += [f"## {sec}", ""]
        for row in results[sec]:
            items = ", ".join(
                f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                for k, v in row.items()
                if k not in ("case", "compared")
            )
            out.append(f"- **{row['case']}**: {items}")
        notes = dict.fromkeys(row["compared"] for row in results[sec] if "compared" in row)
        out += ["", *[f"Compared: {c}." for c in notes]] if notes else []
        out.append("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    res = dict(
        machine=f"{platform.machine()} {os.cpu_count()} cores, load average {load:.1f} at start",
        quick=args.quick,
    )
    for sec, fn in (
        ("replica", bench_replica),
        ("profile", bench_profile),
        ("regions", bench_regions),
    ):
        t = time.perf_counter()
        res[sec] = fn(args.quick)
        print(f"{sec}: {time.perf_counter() - t:.1f} s")
        for row in res[sec]:
            print("  ", row)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_replica.json").write_text(json.dumps(res, indent=1, default=float))
    (out / "bench_replica.md").write_text(to_markdown(res))


if __name__ == "__main__":
    main()
