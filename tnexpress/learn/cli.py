"""The ``tnexpress experiment NAME [--quick] [--json] [--seeds K] [--out DIR]`` subcommand.

Full mode is the default; ``--quick`` runs the reduced configuration. ``--out DIR`` writes
``DIR/NAME.json`` (and ``NAME.md``, a table); ``--json`` prints the JSON to stdout instead of
the table. Exit status 0 (the claims are reported in the output, `holds` true or false).
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ("add_parser", "run", "markdown")


def add_parser(subparsers):
    """Add the ``experiment`` subcommand to an ``argparse`` subparsers object."""
    from .experiments import EXPERIMENTS

    p = subparsers.add_parser("experiment", help="train the learning experiments")
    p.add_argument("name", choices=sorted(EXPERIMENTS))
    p.add_argument("--quick", action="store_true", help="reduced sizes (minutes)")
    p.add_argument("--smoke", action="store_true", help=argparse_suppress())
    p.add_argument("--json", action="store_true", help="print the JSON result")
    p.add_argument("--seeds", type=int, default=None, help="number of seeds (0..K-1)")
    p.add_argument("--out", default=None, help="directory for NAME.json and NAME.md")
    p.add_argument("--progress", action="store_true", help="tqdm progress bars")
    return p


def argparse_suppress():
    """``argparse.SUPPRESS`` (hidden option)."""
    import argparse

    return argparse.SUPPRESS


def markdown(out: dict) -> str:
    """A markdown table of the results and the claims of one experiment run."""
    lines = [
        f"# {out['experiment']} ({out['mode']} mode, seeds {out['seeds']}, {out['seconds']} s)",
        "",
        "| variant | model | task | seed | params | train acc | test acc | entanglement (bits) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in out["results"]:
        ent = ", ".join(f"{k}: {v:.2f}" for k, v in r["entanglement"].items()) or "-"
        lines.append(
            f"| {r['variant']} | {r['model']} | {r['task']} | {r['seed']} | {r['params']} | "
            f"{r['train_accuracy']:.3f} | {r['test_accuracy']:.3f} | {ent} |"
        )
    lines += ["", "| claim | variant | values | holds |", "|---|---|---|---|"]
    for c in out["claims"]:
        vals = ", ".join(f"{k} {v:.3f}" for k, v in c["values"].items())
        verdict = c["holds"] if c.get("tested", True) else "untested: a model at chance"
        lines.append(f"| {c['claim']} | {c['variant']} | {vals} | {verdict} |")
    return "\n".join(lines) + "\n"


def run(args) -> int:
    """Run the experiment of parsed ``args``; return the exit status 0."""
    import torch

    from .experiments import run_experiment

    torch.set_num_threads(max(1, min(torch.get_num_threads(), 2)))
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    out = run_experiment(args.name, mode=mode, seeds=args.seeds, progress=args.progress)
    if args.out:
        d = Path(args.out)
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{args.name}.json").write_text(json.dumps(out, indent=1) + "\n")
        (d / f"{args.name}.md").write_text(markdown(out))
    print(json.dumps(out) if args.json else markdown(out), end="" if not args.json else "\n")
    return 0
