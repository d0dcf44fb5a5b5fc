"""Shared machinery of the TN-exact classifiers: input checks, scaled products, export."""

from __future__ import annotations

import math

import numpy as np
import torch

from .features import as_tensor

__all__ = ("TNClassifier", "normalize_", "make_generator")

_TINY = 1e-300


def make_generator(seed) -> torch.Generator:
    """A torch generator seeded by ``seed`` (``None``: fresh entropy)."""
    g = torch.Generator()
    if seed is None:
        g.seed()
    else:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be an int or None, got {seed!r}")
        g.manual_seed(int(seed))
    return g


def normalize_(x: torch.Tensor, dims) -> tuple[torch.Tensor, torch.Tensor]:
    """``x / m`` and ``log m`` with ``m`` the max-abs over ``dims`` (a constant for autograd).

    The network is multilinear, so dividing an intermediate by a constant and adding its log
    to the running exponent leaves the function unchanged; detaching ``m`` keeps the gradient
    exact (the factor and its inverse cancel analytically).
    """
    m = x.detach().abs().amax(dim=dims, keepdim=True).clamp_min(_TINY)
    return x / m, torch.log(m).reshape(m.shape[0], -1).sum(1)


class TNClassifier(torch.nn.Module):
    """Base of the TN-exact models: ``h_y = <A^y, f(x_1) (x) ... (x) f(x_N)>``.

    Subclasses set ``n_inputs``, ``M``, ``n_classes``, ``input_shape``, ``feature_fn`` and
    implement ``_log_scores(F) -> (mantissa, log_scale)`` and ``to_tn(label)``.
    """

    input_shape: tuple[int, ...]
    n_inputs: int
    M: int
    n_classes: int

    def _flat_inputs(self, X) -> torch.Tensor:
        t = as_tensor(X, name="X")
        shape = tuple(t.shape[1:])
        if shape not in (tuple(self.input_shape), (self.n_inputs,)):
            raise ValueError(
                f"X has per-sample shape {shape}; this model (n_inputs={self.n_inputs}) expects "
                f"{tuple(self.input_shape)} or ({self.n_inputs},)"
            )
        return t.reshape(t.shape[0], self.n_inputs)

    def features(self, X) -> torch.Tensor:
        """Feature vectors ``f(x_i)`` of every position: shape ``(batch, N, M)``."""
        return self.feature_fn(self._flat_inputs(X))

    def log_scores(self, X) -> tuple[torch.Tensor, torch.Tensor]:
        """``(mantissa, log_scale)`` with ``scores = mantissa * exp(log_scale)[:, None]``."""
        return self._log_scores(self.features(X))

    def scores(self, X) -> torch.Tensor:
        """Class scores ``h_y(x)``, shape ``(batch, n_classes)``: the logits of the softmax."""
        mant, log_scale = self.log_scores(X)
        return mant * torch.exp(log_scale)[:, None]

    def forward(self, X) -> torch.Tensor:
        """Same as :meth:`scores`."""
        return self.scores(X)

    @torch.no_grad()
    def predict(self, X) -> np.ndarray:
        """Predicted labels (argmax of the scores; the exponent is shared by all classes)."""
        mant, _ = self.log_scores(X)
        return mant.argmax(1).cpu().numpy()

    @property
    def n_params(self) -> int:
        """Number of trainable scalars (a shared array counts once)."""
        return sum(p.numel() for p in self.parameters())

    def _check_label(self, label):
        if label is None:
            return None
        if isinstance(label, bool) or not isinstance(label, (int, np.integer)):
            raise TypeError(f"label must be an int or None, got {label!r}")
        if not 0 <= label < self.n_classes:
            raise ValueError(f"label must be in [0, {self.n_classes - 1}], got {label}")
        return int(label)

    @staticmethod
    def _export(p: torch.Tensor, like: str):
        if like == "torch":
            return p
        if like == "numpy":
            return p.detach().cpu().numpy().copy()
        raise ValueError(f"like must be 'numpy' or 'torch', got {like!r}")

    @torch.no_grad()
    def _rescale(self, param: torch.Tensor, log_factor: float):
        if math.isfinite(log_factor):
            param.mul_(math.exp(log_factor))
