r"""The ReLU / max-pooling ConvNet of the channel-order experiment (Levine et al. 2018).

A ``3 x 3`` shared convolution (the representation layer, ``rep_channels`` outputs, stride 1,
zero padding), then hidden layers ``l = 0 .. L-1`` of

.. math::

    x \mapsto \mathrm{maxpool}_{2 \times 2}
        \big(\mathrm{ReLU}(\mathrm{conv}_{1 \times 1}(x))\big)

with ``channels[l]`` outputs, down to a single location, and a dense layer to the classes.
With the representation size ``c_rep = 10`` and ``Y = 10`` the 1x1 convs and the dense layer
hold ``c_rep c_0 + sum_l c_{l-1} c_l + c_{L-1} Y`` weights, symmetric in the list, so a
schedule and its reverse (wide-base vs wide-tip, :func:`channel_schedule`) have equal counts.
Not a tensor network (ReLU and max pooling): it has no ``to_tn``.

Examples
--------
>>> channel_schedule("wide-base", 2, 6), channel_schedule("wide-tip", 2, 6)
((8, 8, 4, 4, 2, 2), (2, 2, 4, 4, 8, 8))
>>> net = ConvNet((8, 8), channel_schedule("wide-tip", 2, 3), 10, seed=0)
>>> net.scores(torch.zeros(2, 8, 8)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ._base import make_generator
from .features import as_tensor, check_int

__all__ = ("ConvNet", "channel_schedule")

SCHEDULES = ("wide-base", "wide-tip")


def channel_schedule(kind: str, r: int, n_layers: int) -> tuple[int, ...]:
    """Channels per hidden layer: ``"wide-base"`` ``4r, ..., 2r, ..., r`` or its reverse.

    For 6 layers these are the seed's ``[4r, 4r, 2r, 2r, r, r]`` and ``[r, r, 2r, 2r, 4r, 4r]``;
    other depths keep ``ceil(L/3)`` layers of ``4r`` and of ``r`` and the rest ``2r``.
    """
    if kind not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {kind!r}")
    r = check_int("r", r)
    L = check_int("n_layers", n_layers)
    a = math.ceil(L / 3) if L > 2 else 1
    c = a if L > 1 else 0
    base = (4 * r,) * a + (2 * r,) * (L - a - c) + (r,) * c
    return base if kind == "wide-base" else base[::-1]


class ConvNet(torch.nn.Module):
    """ReLU ConvNet with max pooling on ``H x W`` images (``H = W = 2^L``).

    Parameters
    ----------
    shape : (int, int)
        Image size, a square power of 2.
    channels : sequence of int
        Hidden channels, one per 2x2 pooling: ``len(channels) == log2(H)``.
    n_classes : int
        Number of classes.
    rep_channels : int
        Channels of the 3x3 representation layer (the ``M`` of :meth:`features`).
    seed : int or None
        Seed of the initialization.
    dtype : torch.dtype
        Parameter dtype (``torch.float32``: the net is not exported, so single precision is
        enough and about twice as fast on CPU).

    Notes
    -----
    Initialization: He (Kaiming) normal weights, ``std = sqrt(2 / fan_in)``, for the 1x1 convs
    (each feeds a ReLU), ``std = sqrt(1 / fan_in)`` for the representation conv and the
    dense layer, zero biases. PyTorch's default (uniform, variance ``1 / (3 fan_in)``, and
    uniform biases of the same scale) shrinks the signal by ``~sqrt(6)`` per layer while the
    negative biases switch channels off; on a mostly black canvas every unit of the
    ``4r``/``r``-channel stack was dead at initialization (measured: the pre-head activations
    of a 32x32 wide-base ``r=4`` net were all exactly 0 on 64 local-task images), so no
    gradient reached any layer and training stayed at chance.
    """

    def __init__(
        self,
        shape,
        channels,
        n_classes: int,
        *,
        rep_channels: int = 10,
        seed=None,
        dtype=torch.float32,
    ):
        super().__init__()
        if not (isinstance(shape, (tuple, list)) and len(shape) == 2):
            raise ValueError(f"shape must be a pair (H, W), got {shape!r}")
        H, W = (
            check_int("shape[0]", shape[0], minimum=2),
            check_int("shape[1]", shape[1], minimum=2),
        )
        L = round(math.log2(H))
        if H != W or 2**L != H:
            raise ValueError(f"shape must be square with a power-of-2 side, got {shape!r}")
        channels = tuple(check_int(f"channels[{i}]", c) for i, c in enumerate(channels))
        if len(channels) != L:
            raise ValueError(f"channels has {len(channels)} entries; {H}x{W} needs {L} (log2 H)")
        self.input_shape = (H, W)
        self.n_inputs = H * W
        self.n_classes = check_int("n_classes", n_classes, minimum=2)
        self.M = check_int("rep_channels", rep_channels)
        self.channels = channels
        self.dtype = dtype
        g = make_generator(seed)
        state = torch.random.get_rng_state()
        torch.manual_seed(int(torch.randint(0, 2**62, (1,), generator=g)))
        try:
            self.rep = torch.nn.Conv2d(1, self.M, 3, padding=1, dtype=dtype)
            layers, d = [], self.M
            for c in channels:
                layers += [
                    torch.nn.Conv2d(d, c, 1, dtype=dtype),
                    torch.nn.ReLU(),
                    torch.nn.MaxPool2d(2),
                ]
                d = c
            self.hidden = torch.nn.Sequential(*layers)
            self.head = torch.nn.Linear(d, self.n_classes, dtype=dtype)
            self._init_weights(g)
        finally:
            torch.random.set_rng_state(state)

    @torch.no_grad()
    def _init_weights(self, g: torch.Generator) -> None:
        convs = [m for m in self.hidden if isinstance(m, torch.nn.Conv2d)]
        for m, gain in [(self.rep, 1.0), *((c, 2.0) for c in convs), (self.head, 1.0)]:
            fan_in = m.weight[0].numel()
            w = torch.randn(m.weight.shape, generator=g, dtype=torch.float64)
            m.weight.copy_(w * math.sqrt(gain / fan_in))
            m.bias.zero_()

    def _images(self, X) -> torch.Tensor:
        t = as_tensor(X, dtype=self.dtype, name="X")
        H, W = self.input_shape
        if tuple(t.shape[1:]) not in ((H, W), (H * W,)):
            raise ValueError(
                f"X has per-sample shape {tuple(t.shape[1:])}; this model expects ({H}, {W}) "
                f"or ({H * W},)"
            )
        return t.reshape(t.shape[0], 1, H, W)

    def features(self, X) -> torch.Tensor:
        """Representation-layer outputs at every pixel: ``(batch, H*W, rep_channels)``."""
        z = self.rep(self._images(X))
        return z.flatten(2).transpose(1, 2)

    def scores(self, X) -> torch.Tensor:
        """Class logits, ``(batch, n_classes)``."""
        z = self.hidden(self.rep(self._images(X)))
        return self.head(z.flatten(1))

    def forward(self, X) -> torch.Tensor:
        """Same as :meth:`scores`."""
        return self.scores(X)

    @torch.no_grad()
    def predict(self, X) -> np.ndarray:
        """Predicted labels."""
        return self.scores(X).argmax(1).cpu().numpy()

    @property
    def n_params(self) -> int:
        """Number of trainable scalars."""
        return sum(p.numel() for p in self.parameters())
