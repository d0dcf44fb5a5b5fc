"""``tt-cores``: TT nets with distinct vs equal inner cores on the 8x8 digits (seeds/004).

The seeds' MNIST table (20 epochs): distinct cores 95.3% test, equal cores 90.7%. Here the
digits' 64 pixels are read in row-major order with the ``trig`` feature map; the claim is that
both reach high accuracy and distinct cores are at least as accurate (full-mode goals: >= 0.95
and >= 0.90 test accuracy). Entanglement of the trained class networks is measured across the
left/right (top/bottom image half) cut, the first image row and the middle two rows (cuts of
one or two bonds: the odd/even cut of a chain is exponentially wide).
"""

from __future__ import annotations

from ... import partitions as P
from ..datasets import load
from ..ttnet import TTNet
from ._common import claim_better, mean_acc, n_seeds, register, train_record

CONFIG = {
    "smoke": {"rank": {"distinct": 3, "equal": 3}, "epochs": 1, "n_train": 100, "n_test": 50},
    "quick": {
        "rank": {"distinct": 16, "equal": 16},
        "epochs": 25,
        "n_train": None,
        "n_test": None,
    },
    "full": {"rank": {"distinct": 24, "equal": 32}, "epochs": 60, "n_train": None, "n_test": None},
}
SEEDS = {"smoke": 1, "quick": 1, "full": 3}
GOALS = {"distinct": 0.95, "equal": 0.90}


@register("tt-cores")
def tt_cores(*, mode: str, seeds=None, progress: bool = False) -> dict:
    """Train distinct- and equal-core TT nets on digits; see the module docstring."""
    cfg = CONFIG[mode]
    data = load("digits").subset(cfg["n_train"], cfg["n_test"])
    parts = {
        "left-right": P.left_right(64),
        "first-row": tuple(range(8)),
        "middle-rows": tuple(range(24, 40)),
    }
    results = []
    seeds = n_seeds(mode, seeds, SEEDS)
    for seed in seeds:
        for name, equal in (("distinct", False), ("equal", True)):
            model = TTNet(
                64, cfg["rank"][name], 10, equal_cores=equal, seed=seed, input_shape=(8, 8)
            )
            fit_kw = {"epochs": cfg["epochs"], "lr": 3e-3, "batch_size": 32, "schedule": "cosine"}
            results.append(
                train_record(
                    "tt", name, "digits", seed, model, data, fit_kw, parts, progress, mode=mode
                )
            )
    claims = [claim_better(results, "tt", "digits", "distinct", "equal")]
    for name, goal in GOALS.items():
        acc = mean_acc(results, "tt", name, "digits")
        claims.append(
            {
                "claim": f"{name} cores reach test accuracy >= {goal} (full-mode goal)",
                "variant": "tt",
                "values": {name: round(acc, 4)},
                "holds": bool(acc >= goal),
            }
        )
    return {"seeds": seeds, "results": results, "claims": claims}
