"""The one notebook builder: every notebook of ``notebooks/`` is generated here.

    python notebooks/build.py                 # write and execute every notebook
    python notebooks/build.py depth_efficiency overlapping
    python notebooks/build.py --check         # exit 1 if a committed notebook's cells differ

The cells live in ``notebooks/sources/*.py``, each module holding a
``NOTEBOOKS = {name: [(kind, source), ...]}`` dict (``kind`` is ``"md"`` or
``"code"``). A new source module is one entry in ``SOURCES``. Each notebook is
executed with nbclient (kernel ``python3``) in ``notebooks/``, so its outputs and
figures (``notebooks/figures/*.png``) are stored. ``tests/test_notebooks.py``
checks that the committed notebooks hold exactly the cells built here, and
re-executes them.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = ("core", "grid", "multilinear", "learn")


def _load(name: str):
    path = HERE / "sources" / f"{name}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"_nb_sources_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def notebook_cells() -> dict[str, list[tuple[str, str]]]:
    """Every notebook's cells, ``{name: [(kind, source), ...]}``, from every source module."""
    out: dict[str, list[tuple[str, str]]] = {}
    for src in SOURCES:
        mod = _load(src)
        if mod is None:
            continue
        for name, cells in mod.NOTEBOOKS.items():
            if name in out:
                raise ValueError(f"notebook {name!r} is defined twice (in {src})")
            out[name] = [(kind, source) for kind, source in cells]
    return out


def new_notebook(cells):
    """An unexecuted nbformat notebook of ``cells``."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(s) if kind == "md" else nbformat.v4.new_code_cell(s)
        for kind, s in cells
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def committed_cells(path: Path) -> list[tuple[str, str]]:
    """The ``(kind, source)`` cells of a committed notebook, outputs ignored."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    kinds = {"markdown": "md", "code": "code"}
    return [(kinds[c.cell_type], c.source) for c in nb.cells]


def mismatches() -> list[str]:
    """Names of notebooks whose committed cells differ from the builder's (or are missing)."""
    built = notebook_cells()
    bad = [n for n, cells in built.items() if not (HERE / f"{n}.ipynb").exists()]
    bad += [
        n
        for n, cells in built.items()
        if (HERE / f"{n}.ipynb").exists() and committed_cells(HERE / f"{n}.ipynb") != cells
    ]
    bad += [p.stem + " (no builder)" for p in HERE.glob("*.ipynb") if p.stem not in built]
    return sorted(bad)


def build(name: str, cells, *, timeout: int = 1200) -> float:
    """Write and execute notebook ``name``; returns the seconds it took."""
    import nbformat
    from nbclient import NotebookClient

    nb = new_notebook(cells)
    t = time.perf_counter()
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
    ).execute()
    nbformat.write(nb, HERE / f"{name}.ipynb")
    return time.perf_counter() - t


def main(argv=None) -> int:
    """Build (or ``--check``) the notebooks named in ``argv`` (default: all)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", help="notebooks to build (default: all)")
    p.add_argument("--check", action="store_true", help="only compare with the committed ones")
    opts = p.parse_args(argv)
    if opts.check:
        bad = mismatches()
        for n in bad:
            print(f"notebooks/{n}.ipynb differs from notebooks/build.py", file=sys.stderr)
        return 1 if bad else 0
    cells = notebook_cells()
    unknown = [n for n in opts.names if n not in cells]
    if unknown:
        p.error(f"unknown notebooks {unknown}; valid: {', '.join(cells)}")
    for name in opts.names or list(cells):
        print(f"{name}: executed in {build(name, cells[name]):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
