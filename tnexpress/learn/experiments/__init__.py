"""Experiments of the learning half: one module per experiment, registered by name.

``run_experiment(name, mode="quick")`` returns the JSON-able dict::

    {"experiment", "quick", "mode", "seeds", "seconds", "results": [...], "claims": [...]}

with one result per (variant, model, task, seed): ``params``, ``train_accuracy``,
``test_accuracy`` and ``entanglement`` ``{partition: bits}`` measured on the trained
network (``to_tn`` + :func:`tnexpress.entropy`, averaged over the class networks; empty
for the ReLU ``"convnet"`` variant). A claim holds when it holds for every variant run.

A new experiment is one module whose function is decorated with :func:`register`.
"""

from __future__ import annotations

import time

from ._common import EXPERIMENTS, MODES, register

__all__ = ("EXPERIMENTS", "MODES", "register", "run_experiment")


def run_experiment(name: str, *, mode: str = "quick", seeds=None, progress: bool = False) -> dict:
    """Run the registered experiment ``name`` in ``mode`` ("smoke", "quick" or "full").

    ``seeds`` (an int ``K``) overrides the mode's number of seeds (seeds ``0 .. K-1``).
    """
    if name not in EXPERIMENTS:
        raise ValueError(f"experiment must be one of {tuple(EXPERIMENTS)}, got {name!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if seeds is not None and (isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1):
        raise ValueError(f"seeds must be an int >= 1, got {seeds!r}")
    t0 = time.perf_counter()
    out = EXPERIMENTS[name](mode=mode, seeds=seeds, progress=progress)
    out = {
        "experiment": name,
        "quick": mode != "full",
        "mode": mode,
        **out,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    return out


from . import channel_order, grid_alignment, pooling_geometry, tt_cores  # noqa: E402,F401
