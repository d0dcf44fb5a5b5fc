"""Doctest collection for ``pytest --doctest-modules tnexpress``.

Modules of optional extras are skipped when the extra is missing: a module that
imports torch (e.g. :mod:`tnexpress.learn`) without torch installed, plotting
helpers without matplotlib. The ``__main__`` module (it runs the CLI) is never
collected.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

# modules whose doctests need an extra they import lazily (inside functions)
_LAZY_NEEDS = {"draw.py": "matplotlib", "plots.py": "matplotlib"}
_EXTRAS = {"torch": "torch", "sklearn": "sklearn", "matplotlib": "matplotlib", "jax": "jax"}


def _missing(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is None
    except (ImportError, ValueError):
        return True


def pytest_ignore_collect(collection_path: Path, config):
    """Skip ``__main__.py`` and modules that need a missing optional dependency."""
    p = Path(collection_path)
    if p.name == "__main__.py":
        return True
    if p.is_dir():
        # tnexpress/learn/ needs torch throughout
        if p.name == "learn" and _missing("torch"):
            return True
        return None
    if p.suffix != ".py":
        return None
    if p.name in _LAZY_NEEDS and _missing(_LAZY_NEEDS[p.name]):
        return True
    try:
        head = p.read_text(encoding="utf-8", errors="ignore")
    except OSError:
        return None
    for mod, dist in _EXTRAS.items():
        if (f"import {mod}" in head or f"from {mod}" in head) and _missing(dist):
            top = [ln for ln in head.splitlines() if ln.startswith(("import ", "from "))]
            if any(mod in ln.split()[1].split(".")[0] for ln in top):
                return True
    return None
