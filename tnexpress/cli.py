"""The ``tnexpress`` command line: ``atlas``, ``measure``, ``certify``, ``bench``, ``experiment``.

Bad input exits with status 2 and one line on stderr (no traceback).
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


def _arch_args(argv: list[str]):
    """Split ``--arch NAME`` and the family's own parameters out of ``argv``."""
    from .nets import get_family

    pre = _Parser(prog="tnexpress", add_help=False)
    pre.add_argument("--arch", required=True)
    known, rest = pre.parse_known_args(argv)
    fam = get_family(known.arch)
    p = _Parser(prog=f"tnexpress --arch {fam.name}", add_help=False)
    for name, (parse, default, help_) in fam.params.items():
        p.add_argument(f"--{name}", type=parse, default=default, help=help_)
    arch, rest = p.parse_known_args(rest)
    return fam, vars(arch), rest


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


def _jsonable(d: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


def _cmd_measure(argv):
    from .measures.mincut import min_cut
    from .measures.schmidt import schmidt_spectrum

    fam, arch, rest = _arch_args(argv)
    p = _Parser(prog="tnexpress measure")
    p.add_argument("--partition", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--method", default="auto", choices=("auto", "cut", "dense"))
    p.add_argument("--json", action="store_true")
    opts = p.parse_args(rest)
    A = _side(fam, arch, opts.partition)
    net = fam.build(**arch, seed=opts.seed)
    cut = min_cut(net, A)
    sp = schmidt_spectrum(net, A, method=opts.method)  # one spectrum for rank and entropy
    rank, ent = sp.rank(), sp.entropy()
    bound = fam.bound(opts.partition, **arch) if fam.bound else None
    out = {
        "arch": fam.name,
        **_jsonable(arch),
        "partition": opts.partition,
        "A": list(A),
        "seed": opts.seed,
        "min_cut": cut.weight,
        "schmidt_rank": rank,
        "entropy_bits": ent,
        "closed_form": bound,
    }
    if opts.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:>14}: {v}")
    return 0


def _cmd_certify(argv):
    from .measures.certify import certify

    fam, arch, rest = _arch_args(argv)
    p = _Parser(prog="tnexpress certify")
    p.add_argument("--partition", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--primes", type=int, default=2)
    opts = p.parse_args(rest)
    A = _side(fam, arch, opts.partition)
    cert = certify(fam, A, seed=opts.seed, n_primes=opts.primes, **arch)
    out = cert.as_dict()
    out["partition"] = opts.partition
    print(json.dumps(out))
    return 0


def _cmd_atlas(argv):
    from .atlas import run_atlas

    p = _Parser(prog="tnexpress atlas")
    p.add_argument("--out", default="atlas", help="output directory (default ./atlas)")
    p.add_argument("--quick", action="store_true", help="smallest sizes only")
    opts = p.parse_args(argv)
    run_atlas(Path(opts.out), quick=opts.quick)
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
    "usage: tnexpress {atlas,measure,certify,bench,experiment} ...\n"
    "  atlas   [--out DIR] [--quick]          the main job: bounds and measures of every family\n"
    "  measure --arch NAME [family params] --partition NAME [--json]\n"
    "  certify --arch NAME [family params] --partition NAME\n"
    "  bench   [--quick] [--out DIR]          benchmarks (from a source checkout)\n"
    "  experiment NAME [--quick] [--json] [--seeds K] [--out DIR]   learning experiments\n"
    "          (tt-cores, channel-order, pooling-geometry; extra 'learn')\n"
)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``tnexpress`` command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(_USAGE)
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    if cmd not in _COMMANDS:
        print(
            f"tnexpress: unknown command {cmd!r}; valid: {', '.join(_COMMANDS)}", file=sys.stderr
        )
        return 2
    try:
        return _COMMANDS[cmd](rest)
    except _UsageError as e:
        print(str(e).splitlines()[0], file=sys.stderr)
        return 2
    except (ValueError, TypeError, KeyError, MemoryError) as e:
        msg = " ".join(str(e).split()) or type(e).__name__
        print(f"tnexpress {cmd}: error: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
