"""Loopy networks: PEPS half-cut spectra and contraction paths.

For ``qtn.PEPS.rand(L, L, D, seed=0)``, L = 4, 5, 6, D = 2, 3, side A = the left
``L // 2`` columns (min cut: the ``L`` horizontal bonds, ``W = D^L``):

a. Half-cut Schmidt spectrum, same run, best of ``--repeat`` (process CPU time;
   wall in the JSON):

   - ``tx``: ``tx.schmidt_values(tn, A, method="cut")`` as the library runs it
     (skipped when the row-compressed cost of its path, from
     ``tnexpress.engine.paths.compressed_cost``, predicts more than 120 s);
   - ``tx+``: the library as it is (the rows-aware side trees and the guarded
     Gram factors this benchmark once proposed are integrated; ``proposed()`` is
     a no-op kept for the record), so the ``tx`` column is no longer run;
   - ``quimb``: quimb's route, ``compute_reduced_factor("right", open, cut)`` on
     both halves of the min cut, SVD of ``R_X R_Y^T``, with ``optimize="greedy"``
     and with quimb's default ``"auto-hq"`` (the faster is the baseline);
   - ``dense``: ``tn.to_dense(A, B)`` + numpy SVD (up to 2^20 amplitudes).

   ``speedup`` = quimb / tx+. ``diff`` = max |s - s_quimb| of normalized spectra.
b. Paths of the norm network ``<psi|psi>`` and of one side's Gram network
   ``X^dagger X``: cotengra cost (flops) and width (log2 largest intermediate)
   of the rust random-greedy default, of ``contraction_tree`` (the choice by
   network of this branch), and of ``ctg.HyperOptimizer`` (greedy + kahypar,
   ``--hyper-time`` s), ratios against the hyper-optimizer.

Usage::

    python benchmarks/bench_loopy.py [--quick] [--out DIR] [--repeat R]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
from pathlib import Path

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import cotengra as ctg  # noqa: E402
import numpy as np  # noqa: E402
import quimb.tensor as qtn  # noqa: E402

import tnexpress as tx  # noqa: E402
import tnexpress.measures.schmidt as S  # noqa: E402
from tnexpress.engine import paths as P  # noqa: E402
from tnexpress.measures.gram import gram_spectrum  # noqa: E402

# --------------------------------------------------------------------------- routes


@contextlib.contextmanager
def proposed():
    """No-op: the integration this benchmark proposed is in the library now.

    ``measures/schmidt.py::_side_plan`` searches side trees with the row labels
    named (``contraction_tree(..., rows=rows)``) and ``spectrum_of`` tries the
    guarded Gram factors (:func:`tnexpress.measures.gram.gram_spectrum`) first;
    ``tx+`` is therefore the library as it is.
    """
    yield


def halves(tn, A):
    cut = tx.min_cut(tn, A)
    x = qtn.TensorNetwork([tn.tensor_map[t] for t in cut.tids_a])
    y = qtn.TensorNetwork([tn.tensor_map[t] for t in tn.tensor_map if t not in cut.tids_a])
    return x, y, list(cut.inds)


def quimb_route(x, y, cut, A, B, optimize):
    with np.errstate(all="ignore"):
        rx = np.asarray(x.compute_reduced_factor("right", A, cut, optimize=optimize))
        ry = np.asarray(y.compute_reduced_factor("right", B, cut, optimize=optimize))
    return np.linalg.svd(rx @ ry.T, compute_uv=False)


def predicted_tx_seconds(tn, A):
    """Row-compressed cost of the library's side trees, as seconds at ``FLOP_RATE``."""
    bp = tx.bipartition(tn, A)
    st = bp.structure
    side_a, cut = bp._cut_of()
    side_b = [n for n in range(st.n_nodes) if n not in side_a]
    total = 0.0
    for nodes in (side_a, side_b):
        _, inputs, rows = S._side_terms(st, nodes)
        rs = set(rows)
        tree = P.contraction_tree(
            [tuple(i for i in t if i not in rs) for t in inputs], cut, st.size
        )
        f, q, _ = P.compressed_cost(inputs, tuple(cut), tree.get_path(), st.size, rows)
        total += f + P.QR_WEIGHT * q
    return total / P.FLOP_RATE


def _time(fn, repeat):
    cpu, wall, out = [], [], None
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        out = fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return min(cpu), min(wall), out


def _norm(s):
    s = np.asarray(s, dtype=float)
    return s / np.linalg.norm(s)


def _diff(s, ref):
    k = min(len(s), len(ref))
    return float(np.abs(_norm(s)[:k] - _norm(ref)[:k]).max())


def _interleaved(fns, repeat):
    """Best process-CPU and wall time of each function, the calls interleaved."""
    res = {k: ([], []) for k in fns}
    out = {}
    for _ in range(repeat):
        for k, fn in fns.items():
            c0, w0 = time.process_time(), time.perf_counter()
            out[k] = fn()
            res[k][0].append(time.process_time() - c0)
            res[k][1].append(time.perf_counter() - w0)
    return {k: (min(c), min(w)) for k, (c, w) in res.items()}, out


def section_spectra(cases, repeat, tx_limit):
    recs = []
    for L, D in cases:
        tn = qtn.PEPS.rand(L, L, D, seed=0)
        A = [tn.site_ind(i, j) for i in range(L) for j in range(L // 2)]
        B = [ix for ix in tn.site_inds if ix not in A]
        x, y, cut = halves(tn, A)
        W = D**L
        rep = 1 if W > 256 else repeat
        rec = {"L": L, "D": D, "W": W, "repeat": rep}
        P.clear_path_cache()

        def tx_plus(tn=tn, A=A):
            with proposed():
                return tx.schmidt_values(tn, A, method="cut")

        fns = {"tx+": tx_plus}
        est = predicted_tx_seconds(tn, A)
        rec["tx_predicted_s"] = est
        for opt in ("greedy", "auto-hq"):
            fns[f"quimb_{opt}"] = lambda opt=opt, a=(x, y, cut, A, B): quimb_route(*a, opt)
        for k, fn in fns.items():  # first calls: path searches, cached afterwards
            w0 = time.perf_counter()
            fn()
            rec[f"{k}_first_s"] = time.perf_counter() - w0
        # tx+ and quimb interleaved; the library route on its own (its large QRs
        # evict the caches the small routes live in)
        solo = {k: fns.pop(k) for k in ("tx",) if k in fns}
        times, out = _interleaved(fns, rep)
        if solo:
            t_solo, o_solo = _interleaved(solo, rep)
            times.update(t_solo)
            out.update(o_solo)
        for k, (c, w) in times.items():
            rec[f"{k}_cpu_s"], rec[f"{k}_wall_s"] = c, w
        with proposed():
            rec["tx+_route"] = "gram" if gram_spectrum(*_gram_args(tn, A)) is not None else "qr"
        s_new = out["tx+"]
        q = min(("quimb_greedy", "quimb_auto-hq"), key=lambda k: times[k][0])
        rec["quimb_opt"] = q.split("_", 1)[1]
        rec["quimb_cpu_s"], rec["quimb_wall_s"] = times[q]
        rec["diff_vs_quimb"] = _diff(s_new, out[q])
        rec["speedup"] = rec["quimb_cpu_s"] / rec["tx+_cpu_s"]
        rec["speedup_wall"] = rec["quimb_wall_s"] / rec["tx+_wall_s"]
        if "tx" in out:
            rec["tx_speedup"] = rec["quimb_cpu_s"] / rec["tx_cpu_s"]
            rec["tx_diff"] = _diff(out["tx"], s_new)
        if L * L <= 20:
            c, w, mat = _time(lambda tn=tn, A=A, B=B: np.asarray(tn.to_dense(A, B)), 1)
            s_d = np.linalg.svd(mat, compute_uv=False)
            rec["dense_cpu_s"] = c
            rec["diff_vs_dense"] = _diff(s_new, s_d)
        recs.append(rec)
        tx_txt = (
            f"tx {rec['tx_cpu_s'] * 1e3:.1f} ms (first {rec['tx_first_s']:.2f} s)"
            if "tx_cpu_s" in rec
            else "tx = tx+ (not run)"
        )
        print(
            f"PEPS {L}x{L} D={D} W={W}: tx+ {rec['tx+_cpu_s'] * 1e3:.1f} ms "
            f"(first {rec['tx+_first_s']:.2f} s, {rec['tx+_route']}), {tx_txt}, "
            f"quimb[{rec['quimb_opt']}] {rec['quimb_cpu_s'] * 1e3:.1f} ms: "
            f"speedup {rec['speedup']:.2f}x, diff {rec['diff_vs_quimb']:.1e}",
            flush=True,
        )
    return recs


def _gram_args(tn, A):
    bp = tx.bipartition(tn, A)
    side_a, cut = bp._cut_of()
    return bp.structure, side_a, cut


def _symbolize(inputs, output, size):
    sym = {}
    for t in list(inputs) + [output]:
        for i in t:
            sym.setdefault(i, ctg.get_symbol(len(sym)))
    return (
        [tuple(sym[i] for i in t) for t in inputs],
        tuple(sym[i] for i in output),
        {sym[i]: size[i] for i in sym},
    )


def norm_network(tn):
    ket = [(t.inds, t.shape) for t in tn.tensors]
    opens = set(tn.outer_inds())
    bra = [(tuple(i if i in opens else ("bra", i) for i in inds), sh) for inds, sh in ket]
    size, inputs = {}, []
    for inds, sh in ket + bra:
        inputs.append(tuple(inds))
        size.update(zip(inds, sh))
    return _symbolize(inputs, (), size)


def gram_network(tn, A):
    x, _, cut = halves(tn, A)
    inner = {i for i in x.ind_map if i not in set(A)}
    ket = [(t.inds, t.shape) for t in x.tensors]
    bra = [(tuple(("bra", i) if i in inner else i for i in inds), sh) for inds, sh in ket]
    size, inputs = {}, []
    for inds, sh in ket + bra:
        inputs.append(tuple(inds))
        size.update(zip(inds, sh))
    return _symbolize(inputs, tuple(cut) + tuple(("bra", c) for c in cut), size)


def section_paths(cases, hyper_time):
    recs = []
    for L, D in cases:
        tn = qtn.PEPS.rand(L, L, D, seed=0)
        A = [tn.site_ind(i, j) for i in range(L) for j in range(L // 2)]
        for what, (inputs, output, size) in (
            ("norm", norm_network(tn)),
            ("gram side", gram_network(tn, A)),
        ):
            rows = {}
            w0 = time.perf_counter()
            t = P._greedy_tree(inputs, output, size)
            rows["random-greedy (default before)"] = (t, time.perf_counter() - w0)
            P.clear_path_cache()
            w0 = time.perf_counter()
            t = P.contraction_tree(inputs, output, size)
            rows["contraction_tree (by network)"] = (t, time.perf_counter() - w0)
            w0 = time.perf_counter()
            opt = ctg.HyperOptimizer(
                methods=P.hyper_methods(),
                max_time=hyper_time,
                max_repeats=4096,
                parallel=False,
                progbar=False,
            )
            t = ctg.array_contract_tree(inputs, output, size_dict=size, optimize=opt)
            rows["ctg.HyperOptimizer"] = (t, time.perf_counter() - w0)
            ref = rows["ctg.HyperOptimizer"][0]
            for name, (t, dt) in rows.items():
                rec = {
                    "L": L,
                    "D": D,
                    "network": what,
                    "optimizer": name,
                    "search_s": dt,
                    "flops": float(t.contraction_cost()),
                    "width": float(t.contraction_width()),
                }
                rec["flops_ratio"] = rec["flops"] / float(ref.contraction_cost())
                rec["width_diff_bits"] = rec["width"] - float(ref.contraction_width())
                recs.append(rec)
                print(
                    f"PEPS {L}x{L} D={D} {what:9s} {name:32s} flops {rec['flops']:.3g} "
                    f"(x{rec['flops_ratio']:.2f}) width {rec['width']:.1f} "
                    f"({rec['width_diff_bits']:+.1f}) search {dt:.2f} s",
                    flush=True,
                )
    return recs


def markdown(spec, paths_, meta):
    out = [
        "# Loopy networks: PEPS half-cut spectra and paths"
        + (" (--quick)" if meta["quick"] else ""),
        "",
        f"{meta['date']}, {meta['cpu_count']} CPUs (shared), BLAS threads "
        f"{meta['blas_threads']}, total {meta['total_s']:.0f} s. Times: best of the repeats "
        "(1 when W > 256), process CPU; ratios from the same run. `tx+`: the library as is "
        "(rows-aware side trees and guarded Gram factors integrated; the old `tx` column, "
        "the library before that, is no longer run); "
        "quimb: `compute_reduced_factor` on both halves (faster of greedy / auto-hq).",
        "",
        "## a. Half-cut Schmidt spectrum",
        "",
        "| PEPS | D | W | tx+ (ms) | tx+ first call (s) | route | tx (ms) | quimb (ms) "
        "| speedup quimb/tx+ | (wall) | quimb/tx | diff vs quimb | diff vs dense |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in spec:
        tx_ms = f"{r['tx_cpu_s'] * 1e3:.1f}" if "tx_cpu_s" in r else "= tx+"
        out.append(
            f"| {r['L']}x{r['L']} | {r['D']} | {r['W']} | {r['tx+_cpu_s'] * 1e3:.1f} "
            f"| {r['tx+_first_s']:.2f} | {r['tx+_route']} | {tx_ms} "
            f"| {r['quimb_cpu_s'] * 1e3:.1f} ({r['quimb_opt']}) | **{r['speedup']:.2f}x** "
            f"| {r['speedup_wall']:.2f}x | "
            + (f"{r['tx_speedup']:.2f}x" if "tx_speedup" in r else "-")
            + f" | {r['diff_vs_quimb']:.1e} | "
            + (f"{r['diff_vs_dense']:.1e}" if "diff_vs_dense" in r else "-")
            + " |"
        )
    out += [
        "",
        "## b. Contraction paths (ratios against ctg.HyperOptimizer, same run)",
        "",
        "| PEPS | D | network | optimizer | flops | flops ratio | width | width - hyper "
        "(bits) | search (s) |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in paths_:
        out.append(
            f"| {r['L']}x{r['L']} | {r['D']} | {r['network']} | {r['optimizer']} "
            f"| {r['flops']:.3g} | {r['flops_ratio']:.2f} | {r['width']:.1f} "
            f"| {r['width_diff_bits']:+.1f} | {r['search_s']:.2f} |"
        )
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="4x4, 5x5 and 6x6 at D=2 only")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--hyper-time", type=float, default=None)
    ap.add_argument("--tx-limit", type=float, default=120.0, help="skip tx beyond this (s)")
    args = ap.parse_args(argv)
    repeat = args.repeat or (10 if args.quick else 15)
    cases = (
        [(4, 2), (5, 2), (6, 2)]
        if args.quick
        else [(4, 2), (5, 2), (6, 2), (4, 3), (5, 3), (6, 3)]
    )
    hyper_time = args.hyper_time or (2.0 if args.quick else 8.0)
    t0 = time.perf_counter()
    spec = section_spectra(cases, repeat, args.tx_limit)
    paths_ = section_paths(cases, hyper_time)
    meta = {
        "quick": args.quick,
        "total_s": time.perf_counter() - t0,
        "python": platform.python_version(),
        "cotengra": ctg.__version__,
        "cpu_count": os.cpu_count(),
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "hyper_methods": P.hyper_methods(),
        "hyper_time_s": hyper_time,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_loopy.json").write_text(
        json.dumps({"meta": meta, "spectra": spec, "paths": paths_}, indent=1, default=str)
    )
    (out / "bench_loopy.md").write_text(markdown(spec, paths_, meta))
    print(f"wrote {out / 'bench_loopy.md'} and .json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
