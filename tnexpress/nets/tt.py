r"""Tensor train (matrix product state) = recurrent network (Khrulkov et al. 2018).

.. math::

    A_{d_1 \dots d_N} = G^{(1)}_{d_1} G^{(2)}_{d_2} \cdots G^{(N)}_{d_N}

with ``G^{(1)}``: M x r, ``G^{(i)}``: r x M x r and ``G^{(N)}``: r x M. With
``equal_cores=True`` the inner cores ``G^{(2)} = ... = G^{(N-1)}`` are one shared
array (a recurrent cell applied N - 2 times).
"""

from __future__ import annotations

from itertools import repeat

import quimb.tensor as qtn

from .._gc import no_gc
from .._typing import Seed, WeightKind
from .._validate import check_positive_int
from ._common import SITE_IND, SITE_TAG, WeightDrawer, gen_vector_from_columns
from ._registry import register_family

__all__ = ("tt",)


@no_gc
def tt(
    N: int,
    M: int,
    rank: int,
    equal_cores: bool = False,
    *,
    seed: Seed = None,
    weights: WeightKind = "normal",
    dtype="float64",
) -> qtn.TensorNetworkGenVector:
    """Tensor-train (RNN) network with bond dimension ``rank``.

    Parameters
    ----------
    N : int
        Number of positions, >= 2.
    M : int
        Leg dimension (representation size), >= 1.
    rank : int
        TT rank ``r`` (hidden state size), >= 1.
    equal_cores : bool
        Share one array between all inner cores ``G_2 .. G_{N-1}``.
    seed, weights, dtype
        As in :func:`tnexpress.nets.cp`.

    Returns
    -------
    quimb.tensor.TensorNetworkGenVector
        Cores tagged ``CORE`` and ``I{i}``; bonds ``b{i}`` between cores i, i+1.
        From 2^14 cores quimb's objects are made on first use (measures never
        make them; see :mod:`tnexpress.nets._deferred`).

    Examples
    --------
    >>> import tnexpress as tx
    >>> net = tx.nets.tt(2**14, 2, 3, seed=0)
    >>> s = tx.schmidt_values(net, range(2**13))  # read off the columns
    >>> len(s), net.num_tensors, len(net.tensors)  # net.tensors: quimb's objects made now
    (3, 16384, 16384)
    """
    N = check_positive_int("N", N, minimum=2)
    M = check_positive_int("M", M)
    rank = check_positive_int("rank", rank)
    if not isinstance(equal_cores, bool):
        raise TypeError(f"equal_cores must be a bool, got {equal_cores!r}")
    draw = WeightDrawer(seed, weights, dtype)
    if equal_cores:
        shared = draw(rank, M, rank)
        datas = [draw(M, rank)] + [shared] * (N - 2) + [draw(rank, M)]
    else:  # one draw for all cores (the same values as core by core)
        datas = draw.many([(M, rank)] + [(rank, M, rank)] * (N - 2) + [(rank, M)])
    # inds and tags columns: gen_vector_from_columns builds the network in one pass
    # each name made once (bond b{i} shared by cores i and i+1)
    k = list(map(SITE_IND.format, range(N)))
    b = list(map("b{}".format, range(N - 1)))
    inds = [(k[0], b[0]), *zip(b[:-1], k[1:-1], b[1:]), (b[N - 2], k[N - 1])]
    tags = list(zip(repeat("CORE"), map(SITE_TAG.format, range(N))))
    return gen_vector_from_columns(datas, inds, tags, N, site_inds=k)


def _tt_partitions(N, **_):
    from ..partitions import canonical_1d

    return canonical_1d(N)


def _tt_bound(partition, N, M, rank, equal_cores=False, **_):
    """Generic rank = the chain's min cut (closed form per partition)."""
    if partition == "left-right":
        h = N // 2
        return min(rank, M**h, M ** (N - h))
    if partition == "odd-even":
        # each bond between an A site and a B site is crossed; a cut picks, per
        # site, its leg (M) or both bonds; the chain DP below is the exact min.
        return None
    return None


register_family(
    "tt",
    tt,
    partitions=_tt_partitions,
    params={
        "N": (int, 8, "number of inputs"),
        "M": (int, 2, "leg dimension"),
        "rank": (int, 2, "TT rank"),
        "equal_cores": (lambda s: s.lower() in ("1", "true", "yes"), False, "share inner cores"),
    },
    bound=_tt_bound,
    atlas=(
        {"N": 12, "M": 2, "rank": 4},
        {"N": 12, "M": 3, "rank": 4, "equal_cores": True},
    ),
    doc="tensor train / RNN",
)
