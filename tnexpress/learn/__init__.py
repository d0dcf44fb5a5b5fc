r"""Classifiers that are quimb tensor networks: TT nets, ConvACs, and a ReLU ConvNet baseline.

Needs the optional extra ``learn`` (torch, scikit-learn, mnist1d, tqdm)::

    pip install "tnexpress[learn]"

Every TN-exact model (:class:`TTNet`, :class:`ConvAC`) is a ``torch.nn.Module`` whose
parameters are the tensors of the network, and computes

.. math::

    h_y(x_1, \dots, x_N) = \sum_{d_1 \dots d_N} \mathcal{A}^y_{d_1 \dots d_N}
        \prod_{i=1}^N f_{d_i}(x_i),

``model.features(X)`` gives the ``f(x_i)`` (``batch x N x M``), ``model.scores(X)`` the
``h_y`` the softmax reads, and ``model.to_tn(y)`` the network of ``A^y`` with legs ``k{i}``,
so every measure of :mod:`tnexpress` applies to trained weights unchanged.

Examples
--------
>>> import numpy as np
>>> from tnexpress import learn
>>> model = learn.TTNet(8, rank=3, n_classes=2, seed=0)
>>> model.scores(np.zeros((4, 8))).shape
torch.Size([4, 2])
"""

from __future__ import annotations

try:
    import torch  # noqa: F401
except ImportError as e:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "tnexpress.learn needs the optional extra 'learn' (torch, scikit-learn, mnist1d, tqdm): "
        'pip install "tnexpress[learn]"'
    ) from e

from . import datasets, experiments
from .convac import ConvAC, pooling_order
from .convnet import ConvNet, channel_schedule
from .features import feature_map
from .train import accuracy, entanglement_penalty, fit
from .ttnet import TTNet

__all__ = (
    "TTNet",
    "ConvAC",
    "ConvNet",
    "channel_schedule",
    "pooling_order",
    "feature_map",
    "fit",
    "accuracy",
    "entanglement_penalty",
    "datasets",
    "experiments",
)
