"""The command line: JSON keys, exit statuses, one-line errors."""

import json
import subprocess
import sys

import pytest

from tnexpress.cli import main


def _run(*args):
    p = subprocess.run(
        [sys.executable, "-m", "tnexpress.cli", *args], capture_output=True, text=True, timeout=120
    )
    return p.returncode, p.stdout, p.stderr


def test_measure_json_keys_and_values():
    rc, out, err = _run(
        "measure",
        "--arch",
        "ht",
        "--N",
        "16",
        "--M",
        "2",
        "--ranks",
        "2,2,2,2",
        "--partition",
        "odd-even",
        "--json",
    )
    assert rc == 0, err
    d = json.loads(out)
    assert {"min_cut", "schmidt_rank", "entropy_bits", "N", "M", "ranks", "partition"} <= set(d)
    assert d["min_cut"] == d["schmidt_rank"] == d["closed_form"] == 256
    assert 0 < d["entropy_bits"] <= 8


def test_certify_json():
    rc, out, err = _run(
        "certify", "--arch", "tt", "--N", "8", "--M", "2", "--rank", "3", "--partition", "odd-even"
    )
    assert rc == 0, err
    d = json.loads(out)
    assert d["proven"] and d["lower"] == d["upper"] == 16


@pytest.mark.parametrize(
    "args",
    [
        ("measure", "--arch", "ht", "--N", "12", "--partition", "odd-even"),
        ("measure", "--arch", "ht", "--N", "16", "--ranks", "2,2", "--partition", "odd-even"),
        ("measure", "--arch", "nope", "--partition", "odd-even"),
        ("measure", "--arch", "ht", "--N", "x", "--partition", "odd-even"),
        ("measure", "--arch", "ht", "--partition", "zigzag"),
        ("measure", "--arch", "cp", "--N", "0", "--partition", "odd-even"),
        ("measure", "--arch", "ht", "--N", "64", "--partition", "odd-even", "--method", "dense"),
        ("frobnicate",),
        ("measure",),
    ],
)
def test_bad_input_exits_2_with_one_line(args):
    rc, out, err = _run(*args)
    assert rc == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err


def test_main_in_process_help():
    assert main(["--help"]) == 0
