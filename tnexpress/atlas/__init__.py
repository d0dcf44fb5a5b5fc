"""The main job: bounds and measures of every registered family, as tables and plots.

``run_atlas(out)`` walks the architecture registry (:mod:`.rows`): for every
family, each atlas architecture and canonical partition, the min-cut bound, the
theory's closed form, the float64 Schmidt rank and entropy, and an exact
certificate where the cut is small enough; the geometric measure of small
networks (once per network); the depth-efficiency curve; Renyi-2 entropy vs N;
entanglement profiles (where :func:`tnexpress.entanglement_profile` exists);
spectra at N = 4096; grid-tensor results. :mod:`.plots` draws the figures,
:mod:`.report` writes ``atlas.md``; ``atlas.json`` holds every number.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..nets import families
from . import plots, report, rows
from .rows import atlas_rows

__all__ = ("run_atlas", "atlas_rows")


def run_atlas(
    out: Path | str = "atlas", *, quick: bool = False, log=print, progress: bool = True
) -> dict:
    """Compute the atlas and write ``atlas.md``, ``atlas.json`` and PNGs to ``out``.

    Parameters
    ----------
    out : str or pathlib.Path
        Output directory (created).
    quick : bool
        Smallest sizes only (the tests' setting).
    log : callable
        Progress lines (``print``; ``lambda *a: None`` for silence).
    progress : bool
        A tqdm progress bar when stderr is a terminal.

    Returns
    -------
    dict
        What ``atlas.json`` holds: ``rows``, ``geometric``, ``depth_efficiency``,
        ``renyi2``, ``profile``, ``scale``, ``grid_tensors``, ``figures``, ``seconds``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    log("tnexpress atlas: families " + ", ".join(families()))
    data: dict = {"rows": atlas_rows(quick, log=log, progress=progress)}
    data["geometric"] = rows.geometric_rows(quick, log=log)
    data["depth_efficiency"] = rows.depth_efficiency(quick, log=log)
    data["renyi2"] = rows.renyi2_section(quick, log=log, progress=progress)
    data["profile"] = rows.profile_section(quick, log=log, progress=progress)
    data["scale"] = rows.scale_section(quick, log=log)
    data["grid_tensors"] = rows.grid_section(quick, log=log)
    data["figures"] = plots.make_figures(out, data, log=log)
    data["seconds"] = time.perf_counter() - t0
    (out / "atlas.json").write_text(json.dumps(data, indent=1))
    (out / "atlas.md").write_text(report.markdown(data))
    log(
        f"wrote {out / 'atlas.md'}, {out / 'atlas.json'} and {len(data['figures'])} figures "
        f"in {data['seconds']:.1f} s"
    )
    return data
