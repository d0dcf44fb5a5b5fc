"""Type aliases shared by the public signatures of tnexpress."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np

#: A bipartition side: site positions (ints) or open-index names (str).
Side = Iterable[int] | Iterable[str]
#: A random seed or generator, as accepted by :func:`numpy.random.default_rng`.
Seed = int | np.random.Generator | None
#: How weights are drawn: Gaussian, uniform in [-1, 1], or small nonzero integers.
WeightKind = Literal["normal", "uniform", "integer"]
#: A sequence of channel counts, one per layer.
Ranks = int | Sequence[int]
