r"""Training: Adam on the softmax cross-entropy of the scores, deterministic given ``seed``.

By default the softmax reads the scores ``h_y`` themselves (calibration keeps them ``O(1)``).
With ``logit_scale=tau`` it reads them divided by their largest magnitude per sample (a
positive factor, so the predicted class ``argmax_y h_y`` is unchanged):

.. math::  z_y(x) = \tau \frac{h_y(x)}{\max_{y'} |h_{y'}(x)|}, \qquad
           \mathcal{L} = -\frac{1}{B} \sum_b \log \frac{e^{z_{y_b}(x_b)}}{\sum_y e^{z_y(x_b)}}
           + \lambda\, R(\text{model}),

with ``tau = logit_scale``. A deep product's magnitude spans many orders across samples
(measured: 10th-90th percentile 1e-4 .. 1e4 for a calibrated 16x16 ConvAC on random blobs);
``z`` depends only on the direction of ``h(x)`` and is computed from the mantissa, never
from ``exp`` of the exponent.
The ReLU :class:`~tnexpress.learn.ConvNet` uses its logits directly.

where ``R`` is an optional regularizer, e.g. :func:`entanglement_penalty`, the
entanglement entropy of a bipartition of the trained network (differentiable through
:func:`tnexpress.entropy` when the network's arrays are torch tensors).

Examples
--------
>>> import numpy as np
>>> from tnexpress.learn import TTNet, fit, accuracy
>>> rng = np.random.default_rng(0)
>>> X = rng.uniform(size=(64, 4)); y = (X[:, 0] > 0.5).astype(int)
>>> model = TTNet(4, rank=2, n_classes=2, seed=0)
>>> hist = fit(model, X, y, epochs=30, lr=0.05, seed=0, progress=False)
>>> accuracy(model, X, y) > 0.85
True
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch

from .features import as_tensor, check_int, check_labels

__all__ = ("fit", "accuracy", "entanglement_penalty")


def _check_model(model):
    if not isinstance(model, torch.nn.Module) or not hasattr(model, "scores"):
        raise TypeError(f"model must be a tnexpress.learn model, got {type(model).__name__}")


def _inputs(model, X):
    t = as_tensor(X, name="X")
    # the model's own shape check, on one sample, names n_inputs / the expected shape
    model.features(t[:1]) if t.shape[0] else None
    return t


def fit(
    model,
    X,
    y,
    *,
    epochs: int,
    lr: float = 1e-2,
    batch_size: int = 64,
    seed=None,
    progress: bool = True,
    weight_decay: float = 0.0,
    regularizer=None,
    reg_weight: float = 0.0,
    X_val=None,
    y_val=None,
    calibrate: bool = True,
    schedule: str = "constant",
    logit_scale: float | None = None,
) -> dict:
    """Train ``model`` in place with Adam; return the per-epoch history.

    Parameters
    ----------
    model : TTNet, ConvAC or ConvNet
        Trained in place.
    X : array_like, shape (n, ...)
        Inputs in the model's per-sample shape; not modified.
    y : array_like of int, shape (n,)
        Labels in ``[0, n_classes)``.
    epochs : int
        Passes over the data (>= 1).
    lr : float
        Adam learning rate.
    batch_size : int
        Minibatch size.
    seed : int or None
        Seeds the shuffling (a private ``torch.Generator``); with the model's own ``seed``
        the whole run is deterministic.
    progress : bool
        Show a tqdm progress bar over epochs.
    weight_decay : float
        Adam's L2 penalty.
    regularizer : callable, optional
        ``regularizer(model) -> scalar tensor`` added to every batch loss times ``reg_weight``.
    reg_weight : float
        Weight of ``regularizer``.
    X_val, y_val : array_like, optional
        A held-out set whose accuracy is recorded after each epoch.
    logit_scale : float or None
        ``None``: the softmax reads the raw scores ``h_y``; a float: ``tau`` of the module
        docstring (TN-exact models).
    schedule : {"constant", "cosine"}
        Learning rate per epoch: constant, or cosine decay from ``lr`` to ``lr / 20``.
    calibrate : bool
        Call ``model.calibrate`` on (up to 512 of) the training inputs first, when the model
        has one (TN-exact models: folds the product's scale into the weights).

    Returns
    -------
    dict
        ``{"loss": [...], "train_accuracy": [...], "val_accuracy": [...], "seconds": float}``.
    """
    _check_model(model)
    epochs = check_int("epochs", epochs)
    batch_size = check_int("batch_size", batch_size)
    if not (isinstance(lr, (int, float)) and lr > 0):
        raise ValueError(f"lr must be a positive float, got {lr!r}")
    Xt = _inputs(model, X)
    yt = check_labels(y, model.n_classes, Xt.shape[0])
    if X_val is not None:
        Xv = _inputs(model, X_val)
        yv = check_labels(y_val, model.n_classes, Xv.shape[0], name="y_val")
    if schedule not in ("constant", "cosine"):
        raise ValueError(f"schedule must be 'constant' or 'cosine', got {schedule!r}")
    if regularizer is not None and not callable(regularizer):
        raise TypeError("regularizer must be a callable model -> scalar tensor")
    g = torch.Generator()
    g.manual_seed(int(seed) if seed is not None else int(np.random.SeedSequence().entropy % 2**63))
    if calibrate and hasattr(model, "calibrate"):
        idx = torch.randperm(Xt.shape[0], generator=g)[:512]
        model.calibrate(Xt[idx])
    groups = model.param_groups(lr) if hasattr(model, "param_groups") else model.parameters()
    opt = torch.optim.Adam(groups, lr=lr, weight_decay=weight_decay)
    base_lrs = [group["lr"] for group in opt.param_groups]
    hist: dict = {"loss": [], "train_accuracy": [], "val_accuracy": []}
    t0 = time.perf_counter()
    bar = range(epochs)
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(bar, desc=f"fit {type(model).__name__}", unit="epoch")
    n = Xt.shape[0]
    for epoch in bar:
        if schedule == "cosine":
            frac = epoch / max(epochs - 1, 1)
            factor = 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac))
            for group, base in zip(opt.param_groups, base_lrs):
                group["lr"] = base * factor
        model.train()
        perm = torch.randperm(n, generator=g)
        tot, correct = 0.0, 0
        for s in range(0, n, batch_size):
            idx = perm[s : s + batch_size]
            scores = _logits(model, Xt[idx], logit_scale)
            loss = torch.nn.functional.cross_entropy(scores, yt[idx])
            if not torch.isfinite(loss):
                raise FloatingPointError("the loss became non-finite; lower lr")
            if regularizer is not None and reg_weight:
                loss = loss + reg_weight * regularizer(model)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += float(loss.detach()) * len(idx)
            correct += int((scores.detach().argmax(1) == yt[idx]).sum())
        hist["loss"].append(tot / n)
        hist["train_accuracy"].append(correct / n)
        if X_val is not None:
            hist["val_accuracy"].append(accuracy(model, Xv, yv))
        if progress:
            post = {"loss": f"{tot / n:.3f}", "acc": f"{correct / n:.3f}"}
            if X_val is not None:
                post["val"] = f"{hist['val_accuracy'][-1]:.3f}"
            bar.set_postfix(post)
    hist["seconds"] = time.perf_counter() - t0
    model.eval()
    return hist


def _logits(model, X, logit_scale):
    if logit_scale is not None and hasattr(model, "log_scores"):
        mant, _ = model.log_scores(X)
        return logit_scale * mant / mant.abs().amax(1, keepdim=True).clamp_min(1e-300)
    return model.scores(X)


def accuracy(model, X, y, *, batch_size: int = 1024) -> float:
    """Fraction of ``X`` whose predicted label equals ``y``."""
    _check_model(model)
    Xt = _inputs(model, X)
    yt = check_labels(y, model.n_classes, Xt.shape[0]).numpy()
    if Xt.shape[0] == 0:
        raise ValueError("X is empty")
    pred = np.concatenate(
        [model.predict(Xt[s : s + batch_size]) for s in range(0, len(Xt), batch_size)]
    )
    return float(np.mean(pred == yt))


def entanglement_penalty(A, *, alpha: float = 2, labels=None):
    r"""A regularizer: mean Renyi-``alpha`` entropy (bits) of ``(A, rest)`` over class networks.

    .. math::  R = \frac{1}{|Y|} \sum_{y} S_\alpha\big([[\mathcal{A}^y]]_{A, \bar A}\big)

    computed by :func:`tnexpress.entropy` on ``model.to_tn(y, like="torch")``, so the
    gradient flows into the model's parameters.

    Parameters
    ----------
    A : sequence of int
        Side A of the bipartition (site positions).
    alpha : float
        Renyi order (2: cheapest, smooth).
    labels : sequence of int, optional
        Classes to average over (default: all).
    """
    from .. import entropy

    def penalty(model):
        ys = range(model.n_classes) if labels is None else labels
        vals = [entropy(model.to_tn(y, like="torch"), A, alpha, method="cut") for y in ys]
        return torch.stack([torch.as_tensor(v) for v in vals]).mean()

    return penalty
