# ruff: noqa: B023  (the lambdas below are timed at once, inside their loop)
"""Benchmark: Schmidt spectra by min-cut QR sweeps against the plain ways.

Usage::

    python benchmarks/bench_schmidt.py [--quick] [--out DIR]

Writes ``bench_schmidt.json``, ``bench_schmidt.md`` and PNG plots into DIR
(default ``benchmarks/results``). Every speed figure is a ratio against a
baseline timed in the same run on the same machine:

a. ``dense``: tnexpress ``method="cut"`` versus the plain way, quimb
   ``to_dense`` + ``numpy.linalg.svd``, on networks of 2^22 amplitudes; the
   normalized spectra must agree (max abs diff reported).
b. ``quimb``: versus quimb's own routes on the same bipartition:
   ``MatrixProductState.schmidt_values(i)`` for an MPS, and for any network
   the two sides' ``compute_reduced_factor`` (squared operators) followed by
   an SVD. Accuracy on networks built with a known spectrum whose smallest
   value is 1e-6 .. 1e-12 of the largest: relative error of the smallest value
   against the exact spectrum (the dense SVD is shown too: its error is
   absolute, ~1e-16 of the largest value).
c. ``scaling``: time versus N at a fixed cut (ht M=2 r=4 and tt M=2 r=4,
   left/right; the ratio to the smallest N is compared with N itself), and
   versus the cut weight at fixed N (tt and ht N=256, rank 2..64).
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

# One BLAS thread unless the caller says otherwise: on a shared 2-core machine a
# multi-threaded 2048 x 2048 SVD was measured 3-6x slower than single-threaded
# (oversubscription), which would flatter the ratios below. Both routes run
# under the same setting.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import quimb.tensor as qtn  # noqa: E402

import tnexpress as tx  # noqa: E402
from tnexpress import partitions as P  # noqa: E402


def best_time(fn, repeat):
    """(best wall time of ``repeat`` calls, first call's time, last result)."""
    times, out = [], None
    for _ in range(max(1, repeat)):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), times[0], out


def normalized(s):
    s = np.sort(np.abs(np.asarray(s, dtype=float)))[::-1]
    return s / np.linalg.norm(s)


def max_abs_diff(a, b):
    a, b = normalized(a), normalized(b)
    n = max(len(a), len(b))
    a = np.pad(a, (0, n - len(a)))
    b = np.pad(b, (0, n - len(b)))
    return float(np.max(np.abs(a - b)))


def site_inds(tn, positions):
    return [tn.site_ind(s) for s in positions]


def dense_svd(tn, A, B):
    """The plain way: the dense amplitude tensor as a matrix, numpy's SVD."""
    mat = tn.to_dense(A, B)
    return np.linalg.svd(np.asarray(mat), compute_uv=False)


def split_on_cut(tn, A):
    """The two halves of ``tn`` along tnexpress's min cut (plain networks)."""
    cut = tx.min_cut(tn, A)
    x = qtn.TensorNetwork([tn.tensor_map[t] for t in cut.tids_a])
    y = qtn.TensorNetwork([tn.tensor_map[t] for t in tn.tensor_map if t not in cut.tids_a])
    return x, y, list(cut.inds)


def quimb_reduced_factor_svd(tn, A_inds, B_inds, optimize="greedy"):
    """quimb's general route: R_X, R_Y by ``compute_reduced_factor``, SVD of R_X R_Y^T."""
    x, y, cut = split_on_cut(tn, A_inds)
    a_open = [i for i in A_inds if i not in cut]
    b_open = [i for i in B_inds if i not in cut]
    with np.errstate(all="ignore"):
        rx = np.asarray(x.compute_reduced_factor("right", a_open, cut, optimize=optimize))
        ry = np.asarray(y.compute_reduced_factor("right", b_open, cut, optimize=optimize))
        m = rx @ ry.T
    if not np.all(np.isfinite(m)):
        raise FloatingPointError("overflow to inf/nan (no norm tracking)")
    return np.linalg.svd(m, compute_uv=False)


# --------------------------------------------------------------------------- a


def section_dense(quick, repeat):
    N = 22
    nets = [
        ("tt N=22 M=2 r=8", tx.nets.tt(N, 2, 8, seed=0), P.left_right(N)),
        ("cp N=22 M=2 rank=8", tx.nets.cp(N, 2, 8, seed=0), P.left_right(N)),
    ]
    if not quick:
        nets.append(
            ("mps N=22 D=16 (quimb)", qtn.MPS_rand_state(N, 16, seed=0), list(range(N // 2)))
        )
        nets.append(("tt N=22 M=2 r=8 blocks(2)", tx.nets.tt(N, 2, 8, seed=1), P.blocks(N, 2)))
    rows = []
    for name, tn, A in nets:
        Ai = site_inds(tn, A)
        Bi = [i for i in tx.open_inds(tn) if i not in set(Ai)]
        # dense route: its cost is the contraction + SVD; one call is enough to time it
        t_dense, _, s_dense = best_time(lambda: dense_svd(tn, Ai, Bi), 1)
        t_cut, t_cut_first, s_cut = best_time(
            lambda: tx.schmidt_values(tn, A, method="cut"), repeat
        )
        rows.append(
            dict(
                network=name,
                amplitudes=f"2^{round(math.log2(math.prod(tn.ind_size(i) for i in Ai + Bi)))}",
                cut_weight=tx.min_cut(tn, A).weight,
                t_dense_s=t_dense,
                t_cut_s=t_cut,
                t_cut_first_s=t_cut_first,
                speedup=t_dense / t_cut,
                max_abs_diff=max_abs_diff(s_dense, s_cut),
            )
        )
        print(f"[a] {name}: dense {t_dense:.3f}s cut {t_cut * 1e3:.2f}ms x{t_dense / t_cut:.0f}")
    return rows


# --------------------------------------------------------------------------- b


def _isometry(rng, m, n):
    """``m x n`` (m >= n) with orthonormal columns."""
    q, _ = np.linalg.qr(rng.standard_normal((m, n)))
    return q


def mps_with_spectrum(N, D, s, rng):
    """An MPS (``lpr``) whose Schmidt values across bond N/2 are exactly ``s``."""
    i = N // 2
    dims = [min(2**j, 2 ** (N - j), D) for j in range(N + 1)]
    dims[i] = len(s)
    arrays = []
    for j in range(N):
        dl, dr = dims[j], dims[j + 1]
        if j < i:  # left-canonical: (dl*2, dr) isometry
            a = _isometry(rng, dl * 2, dr).reshape(dl, 2, dr)
        else:  # right-canonical: (dl, 2*dr) co-isometry
            a = _isometry(rng, 2 * dr, dl).T.reshape(dl, 2, dr)
            if j == i:
                a = np.einsum("a,apr->apr", s, a)
        arrays.append(a)
    arrays[0] = arrays[0][0]
    arrays[-1] = arrays[-1][:, :, 0]
    return qtn.MatrixProductState(arrays, shape="lpr")


def ttn_with_spectrum(N, D, s, rng, rotated=False):
    """A binary tree network (plain TensorNetwork, site inds ``k{i}``) with
    exact Schmidt values ``s`` across left/right: two isometric trees and diag(s)."""
    tensors = []
    counter = [0]

    def build(lo, hi):  # leaves lo..hi-1; returns (index, dim)
        if hi - lo == 1:
            return f"k{lo}", 2
        mid = (lo + hi) // 2
        (ia, da), (ib, db) = build(lo, mid), build(mid, hi)
        up = f"t{counter[0]}"
        counter[0] += 1
        du = min(da * db, D)
        q = _isometry(rng, da * db, du).reshape(da, db, du)
        tensors.append(qtn.Tensor(q, inds=(ia, ib, up)))
        return up, du

    (il, dl), (ir, dr) = build(0, N // 2), build(N // 2, N)
    W = len(s)
    assert W <= min(dl, dr)
    # project the two tops onto W dims (isometries), diag(s) as its own tensor:
    # the network carries s exactly (a dense pl diag(s) pr^T would round it to
    # ~1e-16 absolute before any method runs)
    tensors.append(qtn.Tensor(_isometry(rng, dl, W), inds=(il, "cl")))
    if rotated:
        # U diag(s) V with random orthogonal U, V as their own tensors: every
        # W-bond now sees a dense (ungraded) matrix, the general case
        tensors.append(qtn.Tensor(_isometry(rng, W, W), inds=("cl", "ml")))
        tensors.append(qtn.Tensor(np.diag(s), inds=("ml", "mr")))
        tensors.append(qtn.Tensor(_isometry(rng, W, W), inds=("mr", "cr")))
    else:
        tensors.append(qtn.Tensor(np.diag(s), inds=("cl", "cr")))
    tensors.append(qtn.Tensor(_isometry(rng, dr, W), inds=(ir, "cr")))
    return qtn.TensorNetwork(tensors)


def rel_err_small(s, exact):
    s = normalized(s)[: len(exact)]
    e = normalized(exact)
    rel = np.abs(s - e) / e
    return float(rel[-1]), float(rel.max())


def section_quimb(quick, repeat):
    rng = np.random.default_rng(0)
    acc_rows, speed_rows = [], []
    W, N = 16, (16 if quick else 20)
    for ratio in (1e-6, 1e-9, 1e-12):
        s = ratio ** (np.arange(W) / (W - 1))  # geometric: s_max = 1, s_min = ratio
        for kind in ("mps", "ttn", "ttn-rotated"):
            if kind == "mps":
                tn = mps_with_spectrum(N, 32, s, rng)
                A = list(range(N // 2))
                Ai = site_inds(tn, A)
            else:
                tn = ttn_with_spectrum(N, 32, s, rng, rotated=kind == "ttn-rotated")
                A = [f"k{i}" for i in range(N // 2)]
                Ai = A
            Bi = [i for i in tx.open_inds(tn) if i not in set(Ai)]
            routes = {
                "tnexpress cut": lambda: tx.schmidt_values(tn, A, method="cut"),
                "dense + numpy svd": lambda: dense_svd(tn, Ai, Bi),
                "quimb compute_reduced_factor": lambda: quimb_reduced_factor_svd(tn, Ai, Bi),
            }
            if kind == "mps":
                routes["quimb MPS.schmidt_values"] = lambda: np.sqrt(
                    np.abs(tn.copy().schmidt_values(N // 2))
                )
            for route, fn in routes.items():
                try:
                    t, _, out = best_time(fn, 1)
                    e_min, e_max = rel_err_small(out, s)
                except Exception:  # a route that fails is reported as such
                    t, e_min, e_max = float("nan"), float("nan"), float("nan")
                acc_rows.append(
                    dict(
                        network=f"{kind} N={N} W={W}",
                        ratio=ratio,
                        route=route,
                        rel_err_smallest=e_min,
                        rel_err_max=e_max,
                        t_s=t,
                    )
                )
            print(f"[b] accuracy {kind} ratio {ratio:g} done")
    # speed on larger networks, same bipartition
    sizes = (64, 256) if quick else (64, 256, 1024)
    for N in sizes:
        mps = qtn.MPS_rand_state(N, 32, seed=1)
        A = list(range(N // 2))
        t_q, _, s_q = best_time(lambda: np.sqrt(np.abs(mps.copy().schmidt_values(N // 2))), repeat)
        t_c, _, s_c = best_time(lambda: tx.schmidt_values(mps, A, method="cut"), repeat)
        speed_rows.append(
            dict(
                network=f"MPS N={N} D=32",
                baseline="quimb MPS.schmidt_values",
                t_baseline_s=t_q,
                t_cut_s=t_c,
                speedup=t_q / t_c,
                max_abs_diff=max_abs_diff(s_q, s_c),
            )
        )
        print(f"[b] MPS N={N}: quimb {t_q:.3f}s cut {t_c:.3f}s")
    rf_sizes = (64, 256) if quick else (64, 256, 1024)
    for fam in ("tt", "ht"):
        for N in rf_sizes:
            net = tx.nets.tt(N, 2, 4, seed=0) if fam == "tt" else tx.nets.ht(N, 2, 4, seed=0)
            A = P.left_right(N)
            Ai = site_inds(net, A)
            Bi = site_inds(net, range(N // 2, N))
            try:
                t_q, _, s_q = best_time(lambda: quimb_reduced_factor_svd(net, Ai, Bi), 1)
                err = None
            except Exception as exc:  # report, do not hide
                t_q, s_q, err = float("nan"), None, f"{type(exc).__name__}: {exc}"[:120]
            t_c, _, s_c = best_time(lambda: tx.schmidt_values(net, A, method="cut"), repeat)
            speed_rows.append(
                dict(
                    network=f"{fam} N={N} M=2 r=4",
                    baseline="quimb compute_reduced_factor x2 (greedy)",
                    t_baseline_s=t_q,
                    t_cut_s=t_c,
                    speedup=t_q / t_c,
                    max_abs_diff=max_abs_diff(s_q, s_c) if s_q is not None else None,
                    error=err,
                )
            )
            print(f"[b] {fam} N={N}: reduced factor {t_q:.3f}s cut {t_c:.3f}s")
    return acc_rows, speed_rows


# --------------------------------------------------------------------------- c


def fit_exponent(xs, ts):
    xs, ts = np.log(np.asarray(xs, float)), np.log(np.asarray(ts, float))
    return float(np.polyfit(xs, ts, 1)[0])


def section_scaling(quick, repeat):
    Ns = [16, 64, 256, 1024, 4096] if quick else [16, 64, 256, 1024, 4096, 16384]
    by_N = {}
    for fam in ("ht", "tt"):
        rows = []
        for N in Ns:
            net = tx.nets.ht(N, 2, 4, seed=0) if fam == "ht" else tx.nets.tt(N, 2, 4, seed=0)
            A = P.left_right(N)
            t, t_first, _ = best_time(lambda: tx.schmidt_spectrum(net, A, method="cut"), repeat)
            rows.append(dict(N=N, t_s=t, t_first_s=t_first))
            print(f"[c] {fam} N={N}: {t:.4f}s (first {t_first:.4f}s)")
        for r in rows:
            r["time_ratio"] = r["t_s"] / rows[0]["t_s"]
            r["N_ratio"] = r["N"] / rows[0]["N"]
        big = [r for r in rows if r["N"] >= 256]
        by_N[fam] = dict(
            rows=rows,
            exponent_N_ge_256=fit_exponent([r["N"] for r in big], [r["t_s"] for r in big]),
        )
    ranks = [2, 4, 8, 16, 32] if quick else [2, 4, 8, 16, 32, 64]
    by_W = {}
    N = 256
    for fam in ("tt", "ht"):
        rows = []
        for r in ranks:
            net = tx.nets.tt(N, 2, r, seed=0) if fam == "tt" else tx.nets.ht(N, 2, r, seed=0)
            A = P.left_right(N)
            W = tx.min_cut(net, A).weight
            t, _, _ = best_time(lambda: tx.schmidt_spectrum(net, A, method="cut"), repeat)
            rows.append(dict(rank=r, W=W, t_s=t))
            print(f"[c] {fam} N={N} r={r} W={W}: {t:.4f}s")
        for row in rows:
            row["time_ratio"] = row["t_s"] / rows[0]["t_s"]
        by_W[fam] = dict(
            rows=rows,
            exponent_rank=fit_exponent([x["rank"] for x in rows], [x["t_s"] for x in rows]),
        )
    return by_N, by_W


def plots(out, by_N, by_W):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4))
    for fam, d in by_N.items():
        xs = [r["N"] for r in d["rows"]]
        ax.loglog(xs, [r["t_s"] for r in d["rows"]], "o-", label=f"{fam} M=2 r=4, left/right")
    xs = np.array([r["N"] for r in next(iter(by_N.values()))["rows"]], float)
    ref = next(iter(by_N.values()))["rows"][0]["t_s"]
    ax.loglog(xs, ref * xs / xs[0], "k--", lw=0.8, label="linear in N (from N=16)")
    ax.set_xlabel("N (inputs)")
    ax.set_ylabel("schmidt_spectrum time (s)")
    ax.set_title("cut method: time vs N, fixed cut")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "schmidt_time_vs_N.png", dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 4))
    for fam, d in by_W.items():
        ax.loglog(
            [r["W"] for r in d["rows"]],
            [r["t_s"] for r in d["rows"]],
            "o-",
            label=f"{fam} N=256 M=2",
        )
    ax.set_xlabel("min-cut weight W")
    ax.set_ylabel("schmidt_spectrum time (s)")
    ax.set_title("cut method: time vs cut weight, N=256")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "schmidt_time_vs_cut_weight.png", dpi=120)
    plt.close(fig)


# --------------------------------------------------------------------------- report


def _fmt(x, spec):
    if x is None:
        return "-"
    if isinstance(x, float) and math.isnan(x):
        return "n/a"
    return format(x, spec)


def _x(ratio):
    if ratio is None or math.isnan(ratio):
        return "n/a"
    return f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.1f}x"


def markdown(res):
    L = ["# bench_schmidt", ""]
    m = res["meta"]
    L.append(
        f"{m['mode']} run, {m['date']}, {m['machine']}, Python {m['python']}, "
        f"{m['cpus']} CPUs, BLAS threads {m.get('blas_threads')}; wall {m['wall_s']:.0f} s. "
        f"Times: best of {m['repeat']} (cut) unless noted; ratios are against a baseline timed in the same run."
    )
    L += [
        "",
        "## a. Schmidt spectrum vs dense contraction + numpy SVD (2^22 amplitudes)",
        "",
        "| network | amplitudes | W | dense + SVD (s) | cut (ms) | cut, first call (ms) | speedup | max abs diff |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in res["dense"]:
        L.append(
            f"| {r['network']} | {r['amplitudes']} | {r['cut_weight']} | {r['t_dense_s']:.2f} | "
            f"{r['t_cut_s'] * 1e3:.2f} | {r['t_cut_first_s'] * 1e3:.2f} | **{_x(r['speedup'])}** | {r['max_abs_diff']:.1e} |"
        )
    L += [
        "",
        "## b. vs quimb's own routes",
        "",
        "### accuracy: exact spectrum s_k = ratio^(k/15), k = 0..15",
        "",
        "| network | s_min/s_max | route | rel. err. of s_min | max rel. err. | time (s) |",
        "|---|---|---|---|---|---|",
    ]
    for r in res["quimb_accuracy"]:
        L.append(
            f"| {r['network']} | {r['ratio']:.0e} | {r['route']} | {_fmt(r['rel_err_smallest'], '.1e')} | "
            f"{_fmt(r['rel_err_max'], '.1e')} | {_fmt(r['t_s'], '.3f')} |"
        )
    L += [
        "",
        "### speed, same bipartition (left/right)",
        "",
        "| network | baseline | baseline (s) | cut (s) | speedup | max abs diff |",
        "|---|---|---|---|---|---|",
    ]
    for r in res["quimb_speed"]:
        extra = f" ({r['error']})" if r.get("error") else ""
        L.append(
            f"| {r['network']} | {r['baseline']}{extra} | {_fmt(r['t_baseline_s'], '.3f')} | "
            f"{r['t_cut_s']:.3f} | {_x(r['speedup'])} | {_fmt(r['max_abs_diff'], '.1e')} |"
        )
    L += [
        "",
        "## c. scaling",
        "",
        "### time vs N at fixed cut (left/right, M=2, r=4: W=4)",
        "",
        "| family | N | time (s) | first call (s) | time / time(N=16) | N / 16 |",
        "|---|---|---|---|---|---|",
    ]
    for fam, d in res["scaling_N"].items():
        for r in d["rows"]:
            L.append(
                f"| {fam} | {r['N']} | {r['t_s']:.4f} | {r['t_first_s']:.4f} | {r['time_ratio']:.1f} | {r['N_ratio']:.0f} |"
            )
    L.append("")
    L.append(
        "Fitted exponent of time ~ N^a for N >= 256: "
        + ", ".join(
            f"{fam} a = {d['exponent_N_ge_256']:.2f}" for fam, d in res["scaling_N"].items()
        )
    )
    L += [
        "",
        "### time vs cut weight at N = 256 (left/right)",
        "",
        "| family | rank | W | time (s) | time / time(rank 2) |",
        "|---|---|---|---|---|",
    ]
    for fam, d in res["scaling_W"].items():
        for r in d["rows"]:
            L.append(
                f"| {fam} | {r['rank']} | {r['W']} | {r['t_s']:.4f} | {r['time_ratio']:.1f} |"
            )
    L.append("")
    L.append(
        "Fitted exponent of time ~ rank^b: "
        + ", ".join(f"{fam} b = {d['exponent_rank']:.2f}" for fam, d in res["scaling_W"].items())
    )
    L += ["", "Plots: `schmidt_time_vs_N.png`, `schmidt_time_vs_cut_weight.png`.", ""]
    return "\n".join(L)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="subset of sizes (under 2 minutes)")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"))
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    repeat = 2 if args.quick else 3
    t0 = time.perf_counter()
    res = {}
    res["dense"] = section_dense(args.quick, repeat)
    res["quimb_accuracy"], res["quimb_speed"] = section_quimb(args.quick, repeat)
    res["scaling_N"], res["scaling_W"] = section_scaling(args.quick, repeat)
    plots(out, res["scaling_N"], res["scaling_W"])
    res["meta"] = dict(
        mode="quick" if args.quick else "full",
        date=time.strftime("%Y-%m-%d %H:%M"),
        machine=platform.machine() + " " + platform.system(),
        python=platform.python_version(),
        cpus=os.cpu_count(),
        repeat=repeat,
        tnexpress=tx.__version__,
        blas_threads=os.environ.get("OPENBLAS_NUM_THREADS"),
        wall_s=time.perf_counter() - t0,
    )
    (out / "bench_schmidt.json").write_text(json.dumps(res, indent=1, default=float))
    (out / "bench_schmidt.md").write_text(markdown(res))
    print(f"wrote {out / 'bench_schmidt.md'} ({res['meta']['wall_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
