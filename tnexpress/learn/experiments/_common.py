"""Shared pieces of the experiments: registry, one trained-model record, claims."""

from __future__ import annotations

import math

import numpy as np
import torch

EXPERIMENTS: dict = {}
MODES = ("smoke", "quick", "full")


def register(name: str):
    """Register ``fn(*, mode, seeds, progress) -> {"seeds", "results", "claims"}`` as ``name``."""

    def deco(fn):
        if name in EXPERIMENTS:
            raise ValueError(f"experiment {name!r} is already registered")
        EXPERIMENTS[name] = fn
        return fn

    return deco


MAX_CUT = 256


def entanglement(model, partitions: dict, *, labels=None, max_cut: int = MAX_CUT):
    """Entropies (bits) and min-cut bounds of a trained model's class networks.

    Returns ``(entropy, cut_bits)``: ``entropy[p]`` is the von Neumann entropy of partition
    ``p`` averaged over the class networks, measured exactly through the min cut when its
    weight ``W <= max_cut`` and the exact spectrum fits the memory budget (wider cuts are left
    out: a tensor train's cut of weight 256 is cheap, a 2D ConvAC's cut of weight 256 can
    need 2^32 entries, and :class:`~tnexpress.engine.budget.BudgetError` says so first);
    ``cut_bits[p] = log2 W``, the upper bound on every Renyi entropy of ``p``.
    """
    from ... import entropy, min_cut
    from ...engine.budget import BudgetError

    ys = range(model.n_classes) if labels is None else labels
    tns = [model.to_tn(y) for y in ys]
    ent, bits = {}, {}
    for name, A in partitions.items():
        W = min_cut(tns[0], A).weight
        bits[name] = round(math.log2(W), 3)
        if W <= max_cut:
            try:
                vals = [entropy(tn, A, method="cut") for tn in tns]
            except BudgetError:
                continue
            ent[name] = round(float(np.mean(vals)), 4)
    return ent, bits


def train_record(
    variant, name, task, seed, model, data, fit_kw, partitions, progress, *, mode="quick",
    labels=None,
):  # fmt: skip
    """Fit ``model`` on ``data`` and return the result record of the JSON.

    Smoke mode measures the class-0 network only (seconds); the others average the class
    networks ``labels`` (default: all classes).
    """
    from ..train import accuracy, fit

    torch.manual_seed(seed)
    hist = fit(model, data.X_train, data.y_train, seed=seed, progress=progress, **fit_kw)
    ent, bits = {}, {}
    if partitions and hasattr(model, "to_tn"):
        ent, bits = entanglement(model, partitions, labels=[0] if mode == "smoke" else labels)
    return {
        "variant": variant,
        "model": name,
        "task": task,
        "seed": seed,
        "params": int(model.n_params),
        "train_accuracy": round(accuracy(model, data.X_train, data.y_train), 4),
        "test_accuracy": round(accuracy(model, data.X_test, data.y_test), 4),
        "entanglement": ent,
        "entanglement_labels": [0] if mode == "smoke" else list(labels or range(model.n_classes)),
        "min_cut_bits": bits,
        "fit_seconds": round(hist["seconds"], 1),
    }


def mean_acc(results, variant, model, task) -> float:
    """Mean test accuracy over seeds of one (variant, model, task)."""
    v = [
        r["test_accuracy"]
        for r in results
        if r["variant"] == variant and r["model"] == model and r["task"] == task
    ]
    return float(np.mean(v)) if v else float("nan")


#: a model "learned" when its mean test accuracy beats chance by this much
LEARNED_MARGIN = 0.05


def claim_better(results, variant, task, better, worse, *, chance: float) -> dict:
    """The claim "``better`` beats ``worse`` on ``task``" (mean test accuracy over seeds).

    ``chance`` is the task's chance accuracy. The claim is *tested* only when both models
    learned (each mean at least ``chance + LEARNED_MARGIN``); an untested claim never
    holds, so two models at chance cannot confirm a direction by noise.
    """
    a, b = mean_acc(results, variant, better, task), mean_acc(results, variant, worse, task)
    tested = bool(min(a, b) >= chance + LEARNED_MARGIN)
    return {
        "claim": f"{better} > {worse} on {task}",
        "variant": variant,
        "values": {better: round(a, 4), worse: round(b, 4)},
        "margin": round(a - b, 4),
        "chance": chance,
        "tested": tested,
        "holds": bool(tested and a > b),
    }


def n_seeds(mode, seeds, default):
    """Seeds ``0 .. K-1`` with ``K`` from the caller or the mode's default."""
    return list(range(seeds if seeds is not None else default[mode]))
