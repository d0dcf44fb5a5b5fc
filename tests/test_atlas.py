"""The main job in quick mode: files written, rows consistent with the theory, guarded sections."""

import json

import numpy as np
import pytest

import tnexpress as tx
from tnexpress.atlas import rows as R
from tnexpress.atlas import run_atlas


def test_atlas_quick(tmp_path):
    pytest.importorskip("matplotlib")
    data = run_atlas(tmp_path, quick=True, log=lambda *a: None, progress=False)
    md = (tmp_path / "atlas.md").read_text()
    assert md.startswith("# tnexpress atlas")
    on_disk = json.loads((tmp_path / "atlas.json").read_text())
    assert len(on_disk["rows"]) == len(data["rows"]) > 0
    for f in data["figures"]:
        assert (tmp_path / f).stat().st_size > 1000
        assert f"![{f}]({f})" in md
    for f in (
        "depth_efficiency.png",
        "bound_vs_measured.png",
        "partitions.png",
        "renyi2_vs_N.png",
        "network_ht8.png",
        "network_ht2d.png",
    ):
        assert f in data["figures"], f
    families = {r["family"] for r in data["rows"]}
    assert {"cp", "ht", "ht2d", "tt", "overlap2d"} <= families <= set(tx.nets.families())
    for r in data["rows"]:
        assert "geometric_bits" not in r  # once per network, in its own table
        assert 1 <= r["schmidt_rank"] <= r["rank_best"] <= r["min_cut"]
        if r["closed_form"] is not None:
            assert r["min_cut"] == r["closed_form"], r
        if r["certified"] is not None and r["certified"]["proven"]:
            assert r["certified"]["lower"] == r["certified"]["upper"] == r["min_cut"]
            assert r["rank_best"] == r["min_cut"]
    geo = data["geometric"]
    assert geo and len({(g["family"], json.dumps(g["arch"])) for g in geo}) == len(geo)
    d = data["depth_efficiency"]
    for N, deep, shallow in zip(d["N"], d["deep_bound"], d["shallow_measured"]):
        assert deep == 2 ** (N // 2) and shallow <= 4
    g = data["grid_tensors"]
    assert g["relu_max"][-1]["deep"] > g["relu_max"][-1]["shallow_8_channels"]
    assert all(len(a["ranks"]) == 1 for a in g["attention"])  # partition invariance
    # S_2 against the library at one size
    s2 = data["renyi2"]
    k = s2["N"].index(8)
    net = tx.nets.ht(8, 2, (2, 2, 2), seed=0)
    assert s2["odd_even"][k] == pytest.approx(
        tx.entropy(net, tx.partitions.odd_even(8), alpha=2), rel=1e-9
    )


def test_profile_section_uses_the_function_when_present(monkeypatch):
    def profile(tn, alpha=1, order=None):  # reference: one entropy per cut
        n = tn.nsites
        return np.array([tx.entropy(tn, list(range(k)), alpha=alpha) for k in range(1, n)])

    monkeypatch.setattr(tx, "entanglement_profile", profile, raising=False)
    monkeypatch.setattr(R, "progress_bar", lambda *a: R._NoBar())
    out = R.profile_section(True, log=lambda *a: None, progress=False)
    assert out["available"]
    p = next(p for p in out["profiles"] if p["family"] == "tt" and p["N"] == 16)
    net = tx.nets.tt(16, 2, 4, seed=0)
    assert len(p["entropy_bits"]) == 15
    assert p["entropy_bits"][7] == pytest.approx(tx.entropy(net, range(8)), rel=1e-9)


def test_renyi2_without_replica_uses_cut_method_while_small():
    out = R.renyi2_section(True, log=lambda *a: None, progress=False)
    if out["method"] == "cut":
        # odd/even W = 2^(N/2) exceeds 2^12 beyond N = 16 (ht, r=2)
        assert [v is not None for v in out["odd_even"]] == [N <= 16 for N in out["N"]]
    assert all(v is not None and v >= 0 for v in out["left_right"])


def test_progress_bar_off_when_not_a_tty():
    assert isinstance(R.progress_bar(3, "x", True), R._NoBar)  # pytest captures stderr
    assert isinstance(R.progress_bar(3, "x", False), R._NoBar)
