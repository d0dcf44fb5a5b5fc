# ruff: noqa: B023  (the lambdas below are timed at once, inside their loop)
"""Benchmark: exact Schmidt rank (mod random primes, FLINT) against a float SVD.

Usage::

    python benchmarks/bench_exact.py [--quick] [--out DIR] [--widths 1024 4096]

Writes ``bench_exact.json`` and ``bench_exact.md`` into DIR (default
``benchmarks/results``). For networks whose min cut is ``W``, times in the same
run:

- ``exact``: ``tx.schmidt_rank(net, A, exact=True)`` end to end (structure, min
  cut, residues, modular contraction of both sides, FLINT ranks);
- ``svd``: ``numpy.linalg.svd`` of a ``W x W`` float64 matrix (values only), the
  cost floor of any float spectrum at this cut;
- ``float``: ``tx.schmidt_rank(net, A)``, tnexpress's float route;

and prints the ratios ``exact / svd`` (the goal of issue 9: <= 3) and
``exact / float``; with ``--old DIR`` also the exact route of another checkout
(e.g. ``git archive main | tar -x -C DIR``), in a subprocess. The exact call's time is split into residues, the modular
contraction of the sides and the FLINT ranks (timers around those functions).

Networks: ``mps`` (random Gaussian MPS, bond ``W`` in the middle, bonds capped
at the physical dimension towards the ends, ``2 log2 W`` sites, cut in the
middle: sides of ``W`` rows, factors used directly) and ``cp`` (``tx.nets.cp``,
N=8, ``rank=W``, odd/even cut: ``M^4 > W`` rows per side, Gram factors).
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

# One BLAS thread unless the caller says otherwise (see bench_schmidt.py): both routes
# run under the same setting.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import quimb.tensor as qtn  # noqa: E402

import tnexpress as tx  # noqa: E402
from tnexpress.measures import exact as ex  # noqa: E402
from tnexpress.measures import modp  # noqa: E402


def mps_capped(W, seed=0):
    """Random MPS of 2 log2(W) qubits, bonds min(2^k, 2^(L-k), W): middle bond W."""
    L = 2 * int(round(math.log2(W)))
    rng = np.random.default_rng(seed)
    bonds = [min(2**k, 2 ** (L - k), W) for k in range(1, L)]
    arrays = []
    for k in range(L):
        left = bonds[k - 1] if k else None
        right = bonds[k] if k < L - 1 else None
        shape = [d for d in (left, right) if d is not None] + [2]
        arrays.append(rng.standard_normal(shape) / math.sqrt(math.prod(shape) / 2))
    return qtn.MatrixProductState(arrays), list(range(L // 2))


def cp_net(W, seed=0):
    M = math.ceil(W**0.25) + 1  # M^4 > W: Gram factors on both sides
    return tx.nets.cp(8, M, W, seed=seed), [0, 2, 4, 6]


NETS = {"mps": mps_capped, "cp": cp_net}


class Timers:
    """Accumulate wall time of a few functions of the exact route while patched.

    ``residues``: the one-time dyadic split of every tensor and its residues per
    prime; ``contract``: the modular contraction of both sides (with their row
    echelon compressions), residues excluded; ``rank``: the final ranks.
    """

    PATCH = (
        (modp.Dyadic, "__init__", "split"),
        (modp.Dyadic, "residues", "res"),
        (ex._Side, "factor", "factor"),
        (ex, "_cut_rank", "rank"),
    )

    def __init__(self):
        self.raw = {key: 0.0 for _, _, key in self.PATCH}
        self.saved = []

    @property
    def t(self):
        r = self.raw
        return {
            "residues": r["split"] + r["res"],
            "contract": r["factor"] - r["res"],
            "rank": r["rank"],
        }

    def __enter__(self):
        for owner, name, key in self.PATCH:
            fn = getattr(owner, name)
            self.saved.append((owner, name, fn))

            def wrapped(*a, _fn=fn, _key=key, **k):
                t0 = time.perf_counter()
                try:
                    return _fn(*a, **k)
                finally:
                    self.raw[_key] += time.perf_counter() - t0

            setattr(owner, name, wrapped)
        return self

    def __exit__(self, *exc):
        for owner, name, fn in self.saved:
            setattr(owner, name, fn)


def best(fn, repeat):
    times, out = [], None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


_OLD = """
import sys, time
sys.path[:0] = [{old!r}, {here!r}]
import bench_exact as b
import tnexpress as tx
net, A = b.NETS[{name!r}]({W})
times = []
for _ in range({rep}):
    t0 = time.perf_counter()
    r = tx.schmidt_rank(net, A, exact=True, seed=0)
    times.append(time.perf_counter() - t0)
print(min(times), r)
"""


def time_old(old, name, W, rep):
    """Best time of ``tx.schmidt_rank(exact=True)`` from another checkout, in a subprocess."""
    import subprocess

    code = _OLD.format(old=str(old), here=str(Path(__file__).parent), name=name, W=W, rep=rep)
    env = {**os.environ, "PYTHONPATH": str(old)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    t, r = out.stdout.split()
    return float(t), int(r)


def run(widths, repeat, nets, old=None):
    """Time every net at every width; ``repeat=None``: best of 3 up to W=1024, else 1."""
    rows = []
    for W in widths:
        rep = repeat or (3 if W <= 1024 else 1)
        rng = np.random.default_rng(W)
        mat = rng.standard_normal((W, W))
        t_svd, _ = best(lambda: np.linalg.svd(mat, compute_uv=False), rep)
        for name in nets:
            net, A = NETS[name](W)
            cut = tx.min_cut(net, A).weight
            t_float, r_float = best(lambda: tx.schmidt_rank(net, A), rep)
            times, split = [], None
            for _ in range(max(1, rep)):
                with Timers() as tm:
                    t0 = time.perf_counter()
                    res = tx.bipartition(net, A).exact_rank(seed=0)
                    times.append(time.perf_counter() - t0)
                if split is None or times[-1] == min(times):
                    split = dict(tm.t)
            t_exact = min(times)
            t_old = r_old = None
            if old is not None:
                t_old, r_old = time_old(old, name, W, rep)
            row = dict(
                net=name,
                W=W,
                min_cut=cut,
                exact_rank=res.rank,
                float_rank=r_float,
                primes=len(res.primes),
                failure_probability=res.failure_probability,
                t_svd=t_svd,
                t_float=t_float,
                t_exact=t_exact,
                exact_over_svd=t_exact / t_svd,
                exact_over_float=t_exact / t_float,
                **{f"t_{k}": v for k, v in split.items()},
                t_old=t_old,
                old_rank=r_old,
                old_over_svd=None if t_old is None else t_old / t_svd,
            )
            rows.append(row)
            print(
                f"{name:4s} W={W:5d} rank exact {res.rank} float {r_float} | svd {t_svd:.2f}s "
                f"float {t_float:.2f}s exact {t_exact:.2f}s (residues {split['residues']:.2f} "
                f"contract {split['contract']:.2f} rank {split['rank']:.2f}) | "
                f"exact/svd {t_exact / t_svd:.2f}  exact/float {t_exact / t_float:.2f}"
                + ("" if t_old is None else f"  | old {t_old:.2f}s old/svd {t_old / t_svd:.2f}"),
                flush=True,
            )
    return rows


def failure_bounds(widths, nets):
    """Per-prime failure bound of each net at 26 and 62 bits (from its Hadamard minor bound)."""
    for W in widths:
        for name in nets:
            net, A = NETS[name](W)
            L = tx.bipartition(net, A).exact_rank(seed=0).log2_minor_bound
            per = {
                b: min(1.0, math.floor(L / (b - 1)) / ex.prime_count_lower_bound(b))
                for b in (26, 62)
            }
            print(
                f"{name} W={W}: log2 minor bound {L:.4g}; per-prime failure bound "
                f"26-bit {per[26]:.3g}, 62-bit {per[62]:.3g}"
            )


def markdown(rows, meta):
    out = [
        "# Exact Schmidt rank (mod random primes, FLINT) vs float SVD",
        "",
        "The exact route tries a 21-bit probe prime first (kept when it proves the largest "
        "possible rank, as on every row here: failure probability 0), then 62-bit primes. "
        "`residues`: dyadic split + residues; `contract`: modular contraction of the sides "
        "with row echelon compression; `rank`: the final ranks.",
        "",
        f"Command: `{meta['command']}`; {meta['machine']}; BLAS threads "
        f"{meta['blas_threads']}; best of {meta['repeat']}.",
        "",
        "| net | W | rank exact / float | svd W x W (s) | float route (s) | exact (s) "
        "| residues / contract / rank (s) | exact / svd | exact / float | old exact (s) "
        "| old / svd |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r['net']} | {r['W']} | {r['exact_rank']} / {r['float_rank']} | {r['t_svd']:.2f} "
            f"| {r['t_float']:.2f} | {r['t_exact']:.2f} | {r['t_residues']:.2f} / "
            f"{r['t_contract']:.2f} / {r['t_rank']:.2f} | **{r['exact_over_svd']:.2f}** "
            f"| {r['exact_over_float']:.2f} | "
            + ("-" if r["t_old"] is None else f"{r['t_old']:.2f}")
            + " | "
            + ("-" if r["t_old"] is None else f"{r['old_over_svd']:.2f}")
            + " |"
        )
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="W = 256, 512 only")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    ap.add_argument("--widths", type=int, nargs="+", default=None)
    ap.add_argument("--nets", nargs="+", default=list(NETS), choices=list(NETS))
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument(
        "--old", default=None, help="another checkout (e.g. `git archive main`) to time too"
    )
    ap.add_argument("--bounds-only", action="store_true", help="print failure bounds, no timing")
    args = ap.parse_args(argv)
    widths = args.widths or ([256, 512] if args.quick else [1024, 4096])
    if args.bounds_only:
        return failure_bounds(widths, args.nets)
    repeat = args.repeat
    meta = dict(
        command="python benchmarks/bench_exact.py " + " ".join(argv or sys.argv[1:]),
        machine=f"{platform.machine()} {os.cpu_count()} cores, python {platform.python_version()}",
        blas_threads=os.environ.get("OPENBLAS_NUM_THREADS"),
        repeat=repeat or "3 (W <= 1024) / 1",
    )
    rows = run(widths, repeat, args.nets, args.old)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_exact.json").write_text(json.dumps(dict(meta=meta, rows=rows), indent=2))
    (out / "bench_exact.md").write_text(markdown(rows, meta))
    print(markdown(rows, meta))


if __name__ == "__main__":
    main()
