"""Every notebook executes top to bottom (its cells assert the claims it shows)."""

import importlib.util
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _builder():
    spec = importlib.util.spec_from_file_location("_nb_build", ROOT / "notebooks" / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_committed_notebooks_match_the_builder():
    b = _builder()
    assert b.mismatches() == []
    assert sorted(b.notebook_cells()) == sorted(p.stem for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path, monkeypatch):
    monkeypatch.setenv("TNEXPRESS_SMOKE", "1")  # learning notebooks: smoke-size experiments
    work = tmp_path / path.name
    shutil.copy(path, work)
    (tmp_path / "figures").mkdir()
    nb = nbformat.read(work, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError if any cell (assert) fails
    n_code = sum(c.cell_type == "code" for c in nb.cells)
    assert n_code > 0
    assert any("assert" in c.source for c in nb.cells if c.cell_type == "code")
