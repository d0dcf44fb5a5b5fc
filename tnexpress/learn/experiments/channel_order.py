"""``channel-order``: wide-base vs wide-tip channel schedules on the local vs global task.

Levine et al. (2018): channels of the deep layers bound the entanglement (separation rank) of
coarse, long-range partitions, channels of the early layers that of small local blocks. So a
network that is wide at its base should win when the digit is small (local task) and one
that is wide at its tip when the digit covers half the canvas (global task). Both schedules
have the same parameter count (:func:`tnexpress.learn.channel_schedule`). Run with the
seed's ReLU / max-pooling :class:`~tnexpress.learn.ConvNet` (``"convnet"``) and with a
shared-weight :class:`~tnexpress.learn.ConvAC` of the same schedule (``"convac"``), whose
trained networks are measured exactly: entropies of small 2x2 blocks (short range) and of
the left/right and quadrant partitions (long range).
"""

from __future__ import annotations

import math

from ... import partitions as P
from ..convac import ConvAC
from ..convnet import ConvNet, channel_schedule
from ..datasets import load
from ._common import claim_better, n_seeds, register, train_record


def _cfg(canvas, n_train, n_test, r_net, r_ac, epochs, ac_epochs):
    return dict(
        canvas=canvas, n_train=n_train, n_test=n_test, r_net=r_net, r_ac=r_ac, epochs=epochs,
        ac_epochs=ac_epochs,
    )  # fmt: skip


CONFIG = {
    "smoke": _cfg(16, 40, 20, 1, 2, 1, 1),
    "quick": _cfg(32, 2000, 500, 16, 4, 10, 6),
    "full": _cfg(32, 3000, 1000, 16, 4, 15, 6),
}
SEEDS = {"smoke": 1, "quick": 2, "full": 3}
# class networks whose entropies are averaged: one exact spectrum of a 32x32 ConvAC takes
# 0.4-3 s, so all 10 classes x 3 partitions would cost up to 75 s per trained model
ENT_LABELS = {"smoke": (0,), "quick": (0, 1), "full": (0, 1, 2)}
# ConvNet: lr 1e-2 kills the ReLUs (measured: every unit dead after 1 epoch, test 0.088
# at r=4 and r=8); 3e-3 trains. r = 8 (2334 parameters) on 1500 images underfits (train
# 0.26-0.49) and its 8-channel tip is the bottleneck of wide-base on both tasks; r = 16
# (8014 parameters) on 3000 images, 15 epochs, seed 0: local wide-base 0.792 vs wide-tip
# 0.780, global wide-tip 0.804 vs wide-base 0.604.
NET_FIT = {"lr": 3e-3, "batch_size": 32, "schedule": "cosine"}
# ConvAC: 3x3 patch features (the seeds' representation layer) and the balanced start
# (ConvAC docstring); logit_scale 20 starts at loss 5.5 (saturated softmax), 4 at 2.7.
AC_MODEL = {"shared": True, "feature": "patch", "init": "balanced", "noise": 1.0}
AC_FIT = {"lr": 1e-2, "batch_size": 32, "schedule": "cosine", "logit_scale": 4.0}
TASKS = ("local", "global")
MODELS = ("wide-base", "wide-tip")


def block(H: int, W: int, y0: int, x0: int, h: int, w: int) -> tuple[int, ...]:
    """Sites of the ``h x w`` block with top-left corner ``(y0, x0)`` (site ``y * W + x``)."""
    return tuple(y * W + x for y in range(y0, y0 + h) for x in range(x0, x0 + w))


def partitions_2d(H: int, W: int) -> dict:
    """Short-range (central 2x2 block, one 2x2 pooling window) and long-range sides."""
    cy, cx = H // 2, W // 2
    return {
        "block-2x2": block(H, W, cy - 1, cx - 1, 2, 2),
        "window-2x2": block(H, W, cy, cx, 2, 2),
        "left-right": P.left_right_2d(H, W),
        "quadrant": block(H, W, 0, 0, H // 2, W // 2),
    }


@register("channel-order")
def channel_order(*, mode: str, seeds=None, progress: bool = False) -> dict:
    """Train both schedules with both variants on both tasks; see the module docstring."""
    cfg = CONFIG[mode]
    C = cfg["canvas"]
    L = round(math.log2(C))
    parts = partitions_2d(C, C)
    results = []
    seeds = n_seeds(mode, seeds, SEEDS)
    for seed in seeds:
        for task in TASKS:
            data = load(task, seed=seed, canvas=C, n_train=cfg["n_train"], n_test=cfg["n_test"])
            for name in MODELS:
                net = ConvNet((C, C), channel_schedule(name, cfg["r_net"], L), 10, seed=seed)
                kw = {"epochs": cfg["epochs"], **NET_FIT}
                results.append(
                    train_record(
                        "convnet", name, task, seed, net, data, kw, None, progress, mode=mode
                    )
                )
                ac = ConvAC(
                    (C, C), channel_schedule(name, cfg["r_ac"], L), 10, seed=seed, **AC_MODEL
                )
                kw = {"epochs": cfg["ac_epochs"], **AC_FIT}
                results.append(
                    train_record(
                        "convac",
                        name,
                        task,
                        seed,
                        ac,
                        data,
                        kw,
                        parts,
                        progress,
                        mode=mode,
                        labels=ENT_LABELS[mode],
                    )  # fmt: skip
                )
    claims = [
        claim_better(results, v, task, better, worse, chance=0.1)
        for v in ("convnet", "convac")
        for task, better, worse in (("local", *MODELS), ("global", *MODELS[::-1]))
    ]
    return {"seeds": seeds, "results": results, "claims": claims}
