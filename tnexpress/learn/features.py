r"""Representation functions ``f_theta: R -> R^M`` of every input position; input checks.

Feature maps (``x`` is a pixel or sample value, expected in ``[0, 1]``):

- ``"trig"`` (Stoudenmire & Schwab 2016): with :math:`\phi = \pi x / 2`,

  .. math:: f_d(x) = \sqrt{\binom{M-1}{d}} \cos^{M-1-d}(\phi) \sin^{d}(\phi),
     \qquad d = 0, \dots, M-1,

  a unit vector for every ``x`` (``M = 2``: ``(cos phi, sin phi)``);
- ``"poly"``: :math:`f_d(x) = x^d` (``M = 2``: ``(1, x)``).

Examples
--------
>>> import numpy as np, torch
>>> f = feature_map("trig", 2)
>>> f(torch.tensor([[0.0, 1.0]], dtype=torch.float64)).numpy().round(6).tolist()
[[[1.0, 0.0], [0.0, 1.0]]]
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch

__all__ = ("feature_map", "FEATURES", "as_tensor", "check_labels", "check_int")

FEATURES = ("trig", "poly")


def check_int(name: str, value, *, minimum: int = 1) -> int:
    """Return ``value`` as int or raise naming ``name`` and the valid range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def feature_map(kind: str, M: int):
    """The feature map ``kind`` with ``M`` outputs: a function ``(..., ) -> (..., M)``.

    Parameters
    ----------
    kind : {"trig", "poly"}
        See the module docstring.
    M : int
        Representation size, >= 2 (``"poly"`` also allows 1).
    """
    if kind not in FEATURES:
        raise ValueError(f"feature must be one of {FEATURES}, got {kind!r}")
    M = check_int("M", M, minimum=1 if kind == "poly" else 2)
    if kind == "trig":
        binom = [math.sqrt(math.comb(M - 1, d)) for d in range(M)]

        def trig(x):
            phi = x * (math.pi / 2)
            c, s = torch.cos(phi), torch.sin(phi)
            return torch.stack([binom[d] * c ** (M - 1 - d) * s**d for d in range(M)], dim=-1)

        return trig

    def poly(x):
        return torch.stack([x**d for d in range(M)], dim=-1)

    return poly


def as_tensor(X, *, dtype=torch.float64, name: str = "X") -> torch.Tensor:
    """``X`` as a floating torch tensor (a copy when converted), NaN/inf refused."""
    if isinstance(X, torch.Tensor):
        t = X.to(dtype)
    else:
        try:
            arr = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a numeric array, got {type(X).__name__}") from None
        t = torch.tensor(arr, dtype=dtype)
    if t.ndim < 2:
        raise ValueError(
            f"{name} must have a batch axis: shape (batch, ...), got {tuple(t.shape)}"
        )
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} contains NaN or inf values")
    return t


def check_labels(y, n_classes: int, n: int, *, name: str = "y") -> torch.Tensor:
    """``y`` as an int64 tensor of ``n`` labels in ``[0, n_classes)``."""
    arr = y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},) to match X, got {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.equal(np.mod(arr, 1), 0)):
            raise ValueError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        raise ValueError(
            f"{name} holds labels in [{arr.min()}, {arr.max()}]; valid: 0 .. {n_classes - 1} "
            f"(n_classes={n_classes})"
        )
    return torch.tensor(arr, dtype=torch.int64)
