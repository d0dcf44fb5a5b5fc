r"""Shallow convolutional arithmetic circuit = CP (canonical polyadic) decomposition.

.. math::

    A_{d_1 \dots d_N} = \sum_{z=1}^{r} \lambda_z \prod_{i=1}^{N} a^{(z,i)}_{d_i}

One 1x1 convolution per position (``a^{(i)}``: M x r, tag ``CONV``), global
product pooling (the index ``z`` shared by all N + 1 tensors: a hyper-index),
and a dense output layer ``lambda`` (tag ``OUT``).
"""

from __future__ import annotations

import quimb.tensor as qtn

from .._typing import Seed, WeightKind
from .._validate import check_positive_int
from ._common import SITE_TAG, WeightDrawer, as_gen_vector
from ._registry import register_family

__all__ = ("cp",)


def cp(
    N: int,
    M: int,
    rank: int,
    *,
    Y: int = 1,
    seed: Seed = None,
    weights: WeightKind = "normal",
    dtype="float64",
    copy_tensors: bool = False,
) -> qtn.TensorNetworkGenVector:
    """Shallow ConvAC (CP decomposition) with ``rank`` hidden channels.

    Parameters
    ----------
    N : int
        Number of input positions (open legs ``k0 .. k{N-1}``), >= 1.
    M : int
        Representation size (dimension of each open leg), >= 1.
    rank : int
        Number of channels ``r`` of the single hidden layer (CP rank), >= 1.
    Y : int, optional
        Number of outputs; ``Y > 1`` adds an open output leg ``y`` of size Y.
    seed : None, int or numpy Generator
        Randomness of the weights.
    weights : {"normal", "uniform", "integer"}
        Weight distribution (see :class:`tnexpress.nets._common.WeightDrawer`).
    dtype : numpy dtype
        Float or complex.
    copy_tensors : bool
        Pool with an explicit COPY tensor instead of a hyper-index.

    Returns
    -------
    quimb.tensor.TensorNetworkGenVector
        Generic rank: ``min(r, M^|A|, M^|B|)`` for every bipartition.
    """
    N = check_positive_int("N", N)
    M = check_positive_int("M", M)
    rank = check_positive_int("rank", rank)
    Y = check_positive_int("Y", Y)
    draw = WeightDrawer(seed, weights, dtype)
    ts = [
        qtn.Tensor(draw(M, rank), inds=(f"k{i}", "z"), tags=("CONV", "L0", SITE_TAG.format(i)))
        for i in range(N)
    ]
    if Y == 1:
        ts.append(qtn.Tensor(draw(rank), inds=("z",), tags=("OUT",)))
    else:
        ts.append(qtn.Tensor(draw(rank, Y), inds=("z", "y"), tags=("OUT",)))
    return as_gen_vector(ts, N, copy_tensors=copy_tensors)


def _cp_partitions(N, M=None, rank=None, **_):
    from ..partitions import canonical_1d

    return canonical_1d(N)


def _cp_bound(partition, N, M, rank, **_):
    parts = _cp_partitions(N)
    a = len(parts[partition])
    return min(rank, M**a, M ** (N - a))


register_family(
    "cp",
    cp,
    partitions=_cp_partitions,
    params={
        "N": (int, 8, "number of inputs"),
        "M": (int, 2, "representation size"),
        "rank": (int, 2, "channels (CP rank)"),
    },
    bound=_cp_bound,
    atlas=({"N": 8, "M": 2, "rank": 4}, {"N": 16, "M": 2, "rank": 4}),
    doc="shallow ConvAC (CP decomposition)",
)
