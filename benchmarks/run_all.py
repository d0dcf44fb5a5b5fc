"""Run every benchmark script in ``benchmarks/`` and collect the results.

Usage::

    python benchmarks/run_all.py [--quick] [--out DIR] [--only NAME ...]

Each ``benchmarks/bench_*.py`` follows one convention:
``python benchmarks/bench_X.py [--quick] [--out DIR]`` writes ``bench_X.json``
and ``bench_X.md`` (plus any plots) into DIR. This runner calls each script in
its own process (so one failure does not stop the others), keeps its log in
``DIR/logs/bench_X.log``, and writes ``DIR/summary.json`` (exit status, wall
time and files of every script) and ``DIR/summary.md`` (a status table followed
by each script's markdown). Exit status: 0 if every script succeeded, else 1.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scripts(only=None) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if only:
        wanted = {o.removesuffix(".py") for o in only}
        found = [p for p in found if p.stem in wanted or p.stem.removeprefix("bench_") in wanted]
    return found


def run_one(script: Path, out: Path, quick: bool, timeout: float) -> dict:
    cmd = [sys.executable, str(script), "--out", str(out)] + (["--quick"] if quick else [])
    log = out / "logs" / f"{script.stem}.log"
    before = {p: p.stat().st_mtime for p in out.iterdir() if p.is_file()}
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, cwd=HERE.parent
        )
        rc, text = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        rc = "timeout"
        text = (
            (exc.stdout or b"").decode(errors="replace")
            if isinstance(exc.stdout, bytes)
            else (exc.stdout or "")
        )
        text += f"\n[run_all] killed after {timeout:.0f} s\n"
    wall = time.perf_counter() - t0
    log.write_text(f"$ {' '.join(cmd)}\n{text}")
    files = sorted(
        p.name for p in out.iterdir() if p.is_file() and before.get(p) != p.stat().st_mtime
    )
    return dict(
        script=script.name,
        cmd=cmd,
        rc=rc,
        ok=rc == 0,
        wall_s=wall,
        files=files,
        log=str(log.relative_to(out)),
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Run all tnexpress benchmarks.")
    ap.add_argument("--quick", action="store_true", help="pass --quick to every script")
    ap.add_argument("--out", default=str(HERE / "results"), help="results folder")
    ap.add_argument("--only", nargs="*", help="run only these scripts (bench_X or X)")
    ap.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds per script (default 300 quick, 1200 full)",
    )
    args = ap.parse_args(argv)
    out = Path(args.out).resolve()
    (out / "logs").mkdir(parents=True, exist_ok=True)
    timeout = args.timeout or (300.0 if args.quick else 1200.0)
    todo = scripts(args.only)
    if not todo:
        print("no benchmark scripts found", file=sys.stderr)
        return 2
    results = []
    bar = None
    if sys.stderr.isatty():
        from tqdm.auto import tqdm

        bar = tqdm(total=len(todo), desc="benchmarks", unit="script", leave=False)
    for script in todo:
        if bar is not None:
            bar.set_postfix_str(script.name)
        print(f"[run_all] {script.name} {'--quick' if args.quick else ''} ...", flush=True)
        r = run_one(script, out, args.quick, timeout)
        print(
            f"[run_all] {script.name}: {'ok' if r['ok'] else 'FAILED rc=' + str(r['rc'])} "
            f"({r['wall_s']:.0f} s)",
            flush=True,
        )
        results.append(r)
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    summary = dict(
        mode="quick" if args.quick else "full",
        date=time.strftime("%Y-%m-%d %H:%M"),
        python=platform.python_version(),
        machine=platform.machine(),
        scripts=results,
    )
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    lines = [
        "# tnexpress benchmarks",
        "",
        f"{summary['mode']} run, {summary['date']}, Python {summary['python']}.",
        "",
        "| script | status | wall (s) | outputs |",
        "|---|---|---|---|",
    ]
    for r in results:
        status = "ok" if r["ok"] else f"FAILED ({r['rc']}, see {r['log']})"
        lines.append(f"| {r['script']} | {status} | {r['wall_s']:.0f} | {', '.join(r['files'])} |")
    for r in results:
        md = out / f"{Path(r['script']).stem}.md"
        if r["ok"] and md.exists():
            text = md.read_text()
            lines += [
                "",
                text.replace("\n# ", "\n## ") if not text.startswith("# ") else "#" + text,
            ]
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    print(f"[run_all] wrote {out / 'summary.md'}")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
