"""The command line, in process: JSON keys, help, exit statuses, one-line errors."""

import json
import subprocess
import sys

import numpy as np
import pytest
import quimb.tensor as qtn

import tnexpress as tx
from tnexpress.cli import main


def _run(capsys, *args):
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def test_entry_point_version_without_quimb():
    # the one subprocess test: the module entry point, and --version stays light
    code = (
        "import sys, runpy; sys.argv = ['tnexpress', '--version']\n"
        "try:\n    runpy.run_module('tnexpress', run_name='__main__')\n"
        "except SystemExit as e:\n    assert e.code == 0, e.code\n"
        "assert 'quimb' not in sys.modules and 'cotengra' not in sys.modules\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == f"tnexpress {tx.__version__}"


def test_measure_json_matches_library(capsys):
    rc, out, err = _run(
        capsys,
        *("measure", "--arch", "ht", "--N", "16", "--M", "2", "--ranks", "2,2,2,2"),
        *("--partition", "odd-even", "--json", "--alpha", "2"),
    )
    assert rc == 0, err
    d = json.loads(out)
    assert set(tx.measure_names()) <= set(d)
    assert {"N", "M", "ranks", "partition", "alpha", "A"} <= set(d)
    assert d["min_cut"] == d["schmidt_rank"] == d["closed_form"] == 256
    net = tx.nets.ht(16, 2, (2, 2, 2, 2), seed=0)
    assert d["entropy_bits"] == pytest.approx(tx.entropy(net, d["A"], alpha=2), rel=1e-12)


def test_measure_spectrum_top(capsys):
    args = ("measure", "--arch", "tt", "--N", "8", "--rank", "3", "--partition", "odd-even")
    rc, out, _ = _run(capsys, *args, "--spectrum", "--top", "3", "--json")
    assert rc == 0
    d = json.loads(out)
    s = tx.schmidt_values(tx.nets.tt(8, 2, 3, seed=0), tx.partitions.odd_even(8))
    np.testing.assert_allclose(d["schmidt_values"], s[:3], rtol=1e-10)
    rc, out, _ = _run(capsys, *args, "--spectrum")
    assert rc == 0 and len(out.split("schmidt_values:")[1].split()) == len(s) == 16


@pytest.mark.parametrize("spec", ["k0;k3", "0;3"])
def test_measure_saved_network(capsys, tmp_path, spec):
    psi = qtn.MPS_rand_state(8, 3, seed=1)
    path = tx.save(psi, tmp_path / "psi.npz")
    rc, out, err = _run(capsys, "measure", "--tn", str(path), "--A", spec, "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert d["min_cut"] == tx.min_cut(psi, [0, 3]).weight == 4  # two legs of dim 2
    assert d["entropy_bits"] == pytest.approx(tx.entropy(psi, [0, 3]), rel=1e-12)


def test_help_lists_family_parameters(capsys):
    rc, out, _ = _run(capsys, "measure", "--help")
    assert rc == 0 and "--arch" in out and "--tn" in out and "entropy_bits" in out
    for fam in ("ht", "tt", "cp"):
        rc, out, _ = _run(capsys, "measure", "--arch", fam, "--help")
        assert rc == 0
        for p in tx.nets.get_family(fam).params:
            assert f"--{p}" in out, (fam, p)
    rc, out, _ = _run(capsys, "certify", "--help")
    assert rc == 0 and "--partition" in out and "--json" in out
    rc, out, _ = _run(capsys, "certify", "--arch", "ht2d", "--help")
    assert rc == 0 and "--H" in out and "--W" in out


def test_certify_json_flag_accepted(capsys):
    args = ("certify", "--arch", "tt", "--N", "8", "--M", "2", "--rank", "3")
    for extra in ((), ("--json",)):
        rc, out, err = _run(capsys, *args, "--partition", "odd-even", *extra)
        assert rc == 0, err
        d = json.loads(out)
        assert d["proven"] and d["lower"] == d["upper"] == 16


def test_version_and_usage(capsys):
    rc, out, _ = _run(capsys, "--version")
    assert rc == 0 and out.strip() == f"tnexpress {tx.__version__}"
    assert _run(capsys, "--help")[0] == 0
    assert _run(capsys)[0] == 2


def _bad_files(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    np.savez(tmp_path / "pickled.npz", meta=np.array([{"a": 1}], dtype=object))
    (tmp_path / "corrupt.npz").write_bytes(b"PK\x03\x04 not a zip at all")
    tx.save(qtn.MPS_rand_state(6, 2, seed=0), tmp_path / "ok.npz")
    return tmp_path


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
        ("measure", "--arch", "ht", "--partition", "odd-even", "--alpha", "-1"),
        ("measure", "--arch", "ht", "--partition", "odd-even", "--alpha", "two"),
        ("measure", "--arch", "ht", "--partition", "odd-even", "--spectrum", "--top", "0"),
        ("measure", "--arch", "ht"),
        ("measure", "--tn", "{d}/missing.npz", "--A", "0"),
        ("measure", "--tn", "{d}/pickled.npz", "--A", "0"),
        ("measure", "--tn", "{d}/corrupt.npz", "--A", "0"),
        ("measure", "--tn", "{d}/obj.npy", "--A", "0"),
        ("measure", "--tn", "{d}/ok.npz", "--A", "k0;nope"),
        ("measure", "--tn", "{d}/ok.npz", "--A", "0;k1"),
        ("measure", "--tn", "{d}/ok.npz", "--A", ";"),
        ("measure", "--tn", "{d}/ok.npz"),
        ("measure", "--tn", "{d}/ok.npz", "--A", "0", "--arch", "ht"),
        ("certify", "--arch", "tt", "--partition", "zigzag", "--json"),
        ("certify", "--partition", "odd-even"),
        ("frobnicate",),
        ("measure",),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, tmp_path, args):
    d = _bad_files(tmp_path)
    rc, out, err = _run(capsys, *(a.format(d=d) for a in args))
    assert rc == 2, (out, err)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err


@pytest.mark.parametrize("N", [8, 64])
def test_measure_text_shows_a_long_side_by_its_ends(capsys, N):
    args = ("measure", "--arch", "tt", "--N", str(N), "--partition", "left-right")
    rc, out, _ = _run(capsys, *args)
    assert rc == 0
    (line,) = [ln for ln in out.splitlines() if ln.strip().startswith("A:")]
    A = list(range(N // 2))
    if N // 2 <= 16:
        assert line.split(":", 1)[1].strip() == str(A)
    else:  # ends and length; --json still has every position
        assert (
            line.split(":", 1)[1].strip()
            == "[0, 1, 2, 3, 4, 5, 6, 7, ..., 24, 25, 26, 27, 28, 29, 30, 31] (32)"
        )
        rc, out, _ = _run(capsys, *args, "--json")
        assert json.loads(out)["A"] == A
