"""The ``tnexpress`` command line: ``atlas``, ``measure``, ``certify``, ``bench``, ``experiment``.

``tnexpress --version`` and ``--help`` import nothing heavy (no quimb); each
subcommand imports what it needs when it runs. Bad input exits with status 2
and one line on stderr (no traceback).

Examples
--------
>>> from tnexpress.cli import main
>>> main(["measure", "--arch", "tt", "--N", "8", "--rank", "2", "--partition", "left-right",
...       "--json"])  # doctest: +ELLIPSIS
{"arch": "tt", "N": 8, "M": 2, "rank": 2, ..., "min_cut": 2, "schmidt_rank": 2, ...}
0
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ("main",)


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit status 2 (handled in main)
        raise _UsageError(f"{self.prog}: {message}")


def _alpha(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"alpha must be a number >= 0 (or inf), got {text!r}"
        ) from None


def _peek(argv: list[str], flag: str) -> str | None:
    """The value after ``flag`` (``--flag X`` or ``--flag=X``) in ``argv``, if any."""
    for k, a in enumerate(argv):
        if a == flag and k + 1 < len(argv):
            return argv[k + 1]
        if a.startswith(flag + "="):
            return a.split("=", 1)[1]
    return None


def _family_args(p: argparse.ArgumentParser, argv: list[str], required: bool):
    """Add ``--arch`` and, once it is known, that family's own parameters to ``p``."""
    from .nets import families, get_family

    name = _peek(argv, "--arch")
    p.add_argument(
        "--arch",
        required=required,
        metavar="NAME",
        help=f"architecture family: {', '.join(families())} "
        "(with --help: its parameters are listed)",
    )
    if name is None:
        return None
    fam = get_family(name)
    g = p.add_argument_group(f"parameters of --arch {fam.name} ({fam.doc})")
    for pname, (parse, default, help_) in fam.params.items():
        shown = ",".join(map(str, default)) if isinstance(default, tuple | list) else default
        g.add_argument(
            f"--{pname}", type=parse, default=default, help=f"{help_} (default: {shown})"
        )
    return fam


def _side(fam, arch, partition: str):
    from . import partitions as P

    parts = fam.partitions(**arch)
    if partition in parts:
        return parts[partition]
    if partition.replace(",", "").strip().isdigit():
        return tuple(int(x) for x in partition.split(",") if x.strip())
    if "N" in arch:
        try:
            return P.get_partition(partition, arch["N"])
        except ValueError:
            pass
    raise ValueError(
        f"unknown partition {partition!r} for {fam.name}; valid: {', '.join(parts)}, "
        "blocks-K, random-SEED, or positions like 0,2,5"
    )


def _parse_spec(spec: str) -> list:
    """``"k0;k3"`` -> ``["k0", "k3"]``; ``"0;3"`` -> ``[0, 3]`` (positions)."""
    items = [s.strip() for s in spec.split(";") if s.strip()]
    if not items:
        raise ValueError(f"--A {spec!r} names no site; give positions or index names, e.g. '0;3'")
    return [int(s) if s.lstrip("-").isdigit() else s for s in items]


def _jsonable(d: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


def _measure_parser(argv, prog, with_tn: bool):
    p = _Parser(
        prog=prog,
        description="Measure one bipartition: a registry family (--arch) or a saved "
        "network (--tn FILE --A SPEC). Every registered measure is reported.",
    )
    fam = _family_args(p, argv, required=False)
    if with_tn:
        p.add_argument("--tn", metavar="FILE", help="a network saved with tnexpress.save (.npz)")
        p.add_argument(
            "--A",
            metavar="SPEC",
            help="side A of a saved network: positions or index names separated by ';' "
            "(e.g. '0;3' or 'k0;k3')",
        )
    p.add_argument(
        "--partition", help="canonical partition (odd-even, left-right...) or positions 0,2,5"
    )
    p.add_argument("--seed", type=int, default=0, help="weights seed (default 0)")
    return p, fam


def _add_measure_options(p):
    from .measures.registry import get_measure, measure_names

    p.add_argument(
        "--alpha", type=_alpha, default=1.0, help="Renyi order of the entropy (default 1)"
    )
    p.add_argument("--method", default="auto", choices=("auto", "cut", "dense"))
    p.add_argument(
        "--spectrum", action="store_true", help="also print the Schmidt values (numerical rank's)"
    )
    p.add_argument(
        "--top", type=int, default=None, metavar="K", help="with --spectrum: the K largest only"
    )
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.epilog = "measures reported: " + "; ".join(
        f"{n} ({get_measure(n).doc})" for n in measure_names()
    )


def _cmd_measure(argv):
    p, fam = _measure_parser(argv, "tnexpress measure", with_tn=True)
    _add_measure_options(p)
    opts = p.parse_args(argv)
    if opts.tn is not None:
        if fam is not None or opts.partition is not None:
            raise _UsageError("tnexpress measure: --tn takes --A, not --arch or --partition")
        if opts.A is None:
            raise _UsageError("tnexpress measure: --tn FILE needs --A SPEC (e.g. --A '0;3')")
        from .io import load

        net = load(opts.tn)
        A = _parse_spec(opts.A)
        out = {"tn": opts.tn, "A": A}
    else:
        if fam is None:
            raise _UsageError(
                "tnexpress measure: give --arch NAME --partition P, or --tn FILE --A SPEC"
            )
        if opts.partition is None:
            raise _UsageError("tnexpress measure: --arch needs --partition")
        arch = {name: getattr(opts, name) for name in fam.params}
        A = _side(fam, arch, opts.partition)
        net = fam.build(**arch, seed=opts.seed)
        out = {
            "arch": fam.name,
            **_jsonable(arch),
            "partition": opts.partition,
            "A": list(A),
            "seed": opts.seed,
        }
    _report(net, A, opts, out, fam if opts.tn is None else None)
    return 0


def _report(net, A, opts, out, fam):
    from .measures.bipartition import bipartition
    from .measures.registry import get_measure, measure_names
    from .measures.schmidt import check_alpha

    check_alpha(opts.alpha)
    if opts.top is not None and opts.top < 1:
        raise ValueError(f"--top must be >= 1, got {opts.top}")
    bp = bipartition(net, A)
    out["alpha"] = opts.alpha
    for name in measure_names():
        out[name] = get_measure(name)(bp, alpha=opts.alpha, method=opts.method)
    if fam is not None:
        out["closed_form"] = (
            fam.bound(opts.partition, **{k: out[k] for k in fam.params}) if fam.bound else None
        )
    if opts.spectrum:
        s = bp.spectrum(opts.method).significant()
        s = s[: opts.top] if opts.top else s
        out["schmidt_values"] = [float(x) for x in s]
    if opts.json:
        print(json.dumps(out))
        return
    for k, v in out.items():
        if k == "schmidt_values":
            v = " ".join(f"{x:.6g}" for x in v)
        elif isinstance(v, list) and len(v) > _LIST_SHOWN:  # a side of 2^19 positions
            h = _LIST_SHOWN // 2
            v = f"[{', '.join(map(str, v[:h]))}, ..., {', '.join(map(str, v[-h:]))}] ({len(v)})"
        print(f"{k:>14}: {v}")


#: longer lists (side A of a large network) are shown by their ends and length (--json: whole)
_LIST_SHOWN = 16


def _cmd_certify(argv):
    p = _Parser(
        prog="tnexpress certify",
        description="Exact rank at integer weights (lower bound, almost everywhere) "
        "against the min cut (upper bound). Prints JSON.",
    )
    fam = _family_args(p, argv, required=True)
    p.add_argument("--partition", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--primes", type=int, default=2)
    p.add_argument("--json", action="store_true", help="JSON output (the default; accepted)")
    opts = p.parse_args(argv)
    from .measures.certify import certify

    arch = {name: getattr(opts, name) for name in fam.params}
    A = _side(fam, arch, opts.partition)
    cert = certify(fam, A, seed=opts.seed, n_primes=opts.primes, **arch)
    out = cert.as_dict()
    out["partition"] = opts.partition
    print(json.dumps(out))
    return 0


def _cmd_atlas(argv):
    p = _Parser(prog="tnexpress atlas", description="The main job: bounds and measures.")
    p.add_argument("--out", default="atlas", help="output directory (default ./atlas)")
    p.add_argument("--quick", action="store_true", help="smallest sizes only")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    opts = p.parse_args(argv)
    from .atlas import run_atlas

    run_atlas(Path(opts.out), quick=opts.quick, progress=not opts.no_progress)
    return 0


def _cmd_bench(argv):
    import subprocess

    p = _Parser(prog="tnexpress bench")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--out", default=None)
    opts = p.parse_args(argv)
    script = Path.cwd() / "benchmarks" / "run_all.py"
    if not script.exists():
        raise ValueError(
            f"no benchmarks/run_all.py under {Path.cwd()}; run 'tnexpress bench' from a "
            "source checkout of tnexpress"
        )
    cmd = [sys.executable, str(script)] + (["--quick"] if opts.quick else [])
    if opts.out:
        cmd += ["--out", opts.out]
    return subprocess.call(cmd)


def _cmd_experiment(argv):
    try:  # torch is imported only by this subcommand
        from .learn import cli as learn_cli
    except ImportError as e:
        raise ValueError(str(e)) from None
    p = _Parser(prog="tnexpress")
    learn_cli.add_parser(p.add_subparsers(dest="command"))
    return learn_cli.run(p.parse_args(["experiment", *argv]))


_COMMANDS = {
    "atlas": _cmd_atlas,
    "measure": _cmd_measure,
    "certify": _cmd_certify,
    "bench": _cmd_bench,
    "experiment": _cmd_experiment,
}

_USAGE = (
    "usage: tnexpress [--version] {atlas,measure,certify,bench,experiment} ...\n"
    "  atlas   [--out DIR] [--quick]          the main job: bounds and measures of every family\n"
    "  measure --arch NAME [family params] --partition P [--alpha A] [--spectrum] [--json]\n"
    "  measure --tn FILE --A 'k0;k3' [--alpha A] [--spectrum [--top K]] [--json]\n"
    "  certify --arch NAME [family params] --partition P [--json]\n"
    "  bench   [--quick] [--out DIR]          benchmarks (from a source checkout)\n"
    "  experiment NAME [--quick] [--json] [--seeds K] [--out DIR]   learning experiments\n"
    "          (tt-cores, channel-order, pooling-geometry, grid-alignment; extra 'learn')\n"
    "'tnexpress COMMAND --help' (with --arch NAME: that family's parameters) for details.\n"
)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``tnexpress`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(_USAGE)
        return 0 if argv else 2
    if argv[0] in ("-V", "--version"):
        from . import __version__

        print(f"tnexpress {__version__}")
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd not in _COMMANDS:
        print(
            f"tnexpress: unknown command {cmd!r}; valid: {', '.join(_COMMANDS)}", file=sys.stderr
        )
        return 2
    try:
        return _COMMANDS[cmd](rest)
    except SystemExit as e:  # --help
        return int(e.code or 0) if not isinstance(e.code, str) else 2
    except _UsageError as e:
        print(str(e).splitlines()[0], file=sys.stderr)
        return 2
    except (ValueError, TypeError, KeyError, MemoryError, OSError) as e:
        msg = " ".join(str(e).split()) or type(e).__name__
        print(f"tnexpress {cmd}: error: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
