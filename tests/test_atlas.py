"""The main job in quick mode: files written and every row consistent with the theory."""

import json

from tnexpress.atlas import run_atlas


def test_atlas_quick(tmp_path):
    data = run_atlas(tmp_path, quick=True, log=lambda *a: None)
    assert (tmp_path / "atlas.md").read_text().startswith("# tnexpress atlas")
    on_disk = json.loads((tmp_path / "atlas.json").read_text())
    assert len(on_disk["rows"]) == len(data["rows"]) > 0
    for f in data["figures"]:
        assert (tmp_path / f).stat().st_size > 1000
    assert "depth_efficiency.png" in data["figures"]
    families = {r["family"] for r in data["rows"]}
    assert {"cp", "ht", "ht2d", "tt"} <= families
    for r in data["rows"]:
        assert 1 <= r["schmidt_rank"] <= r["min_cut"]
        if r["closed_form"] is not None:
            assert r["min_cut"] == r["closed_form"], r
        if r["certified"] is not None and r["certified"]["proven"]:
            assert r["certified"]["lower"] == r["certified"]["upper"] == r["min_cut"]
    d = data["depth_efficiency"]
    for N, deep, shallow in zip(d["N"], d["deep_bound"], d["shallow_measured"]):
        assert deep == 2 ** (N // 2) and shallow <= 4
    g = data["grid_tensors"]
    assert g["relu_max"][-1]["deep"] > g["relu_max"][-1]["shallow_8_channels"]
    assert all(len(a["ranks"]) == 1 for a in g["attention"])  # partition invariance
