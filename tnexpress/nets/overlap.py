r"""Overlapping convolutional arithmetic circuits (Sharir & Shashua 2018).

A *generalized convolution* (GC) layer of a ConvAC with kernel ``K`` and stride
``S`` computes, at output location ``j``, the product over the ``K`` taps of its
window of a 1x1 convolution of the input channels (one weight matrix per tap):

.. math::

    y^{(l)}_{j,\gamma} = \prod_{k \in \mathrm{win}(j)}
        \Big(\sum_{\alpha} a^{(l,j,k)}_{\gamma\alpha}\, y^{(l-1)}_{jS - p + k,\alpha}\Big),
    \qquad y^{(-1)}_{i} = x_i \in \mathbb{R}^M,

followed, after the last layer, by global product pooling over the remaining
locations and a dense output layer:
:math:`A = \sum_\gamma a^{\mathrm{out}}_\gamma \prod_j y^{(L-1)}_{j,\gamma}`.
``S = K`` is the non-overlapping baseline (``K = S = 2`` at every layer is
exactly :func:`tnexpress.nets.ht`); ``S < K`` makes windows overlap, so one
location feeds several windows.

As a tensor network
-------------------
``A[d_1..d_N]`` is the network's output when input ``i`` has representation
``e_{d_i}`` (the grid tensor on the M template points; for non-overlapping
networks it is the coefficient tensor of the multilinear form). An input read by
several windows is then a delta copy: the open leg ``k{i}`` is a *hyper-index*
held by every first-layer tap tensor that reads it (exact, since
``e_d (x) e_d`` is diagonal). A *hidden* location read by several windows is a
vector, not an indicator, and copying it is not a delta (``y (x) y`` is not
diagonal): each extra reader gets its own copy of the sub-network computing
that location (same weights, tag ``COPY{c}``, index ``h{l}_{j}c{c}``), down to the
shared input legs. The channel index of location ``j`` of layer ``l`` is
``h{l}_{j}`` (size ``r_l``), shared by the taps that produce it (product pooling)
and the tap that reads that copy. Contract with ``output_inds``
(``net.to_dense(...)`` does). Overlaps in hidden layers multiply the size
(each stride-1 layer of kernel K roughly K-fold): keep them for small N.

Boundary conventions
--------------------
- ``padding="same"``: ``n_out = ceil(n / S)``; window ``j`` covers positions
  ``j*S - p .. j*S - p + K - 1`` with ``p = (K - S) // 2``; taps outside
  ``[0, n)`` are dropped (the same as padding with a constant input whose
  convolution is 1). Every position is read by at least one window.
- ``padding="valid"``: ``p = 0``, ``n_out = (n - K) // S + 1``; requires
  ``n >= K`` and ``(n - K) % S == 0`` so that no position is left unread.
- Always ``1 <= S <= K`` (a stride larger than the kernel would skip inputs).

In 2D the rules apply per axis; sites are ``y * W + x``.

Tags: ``CONV``, layer ``L{l}``, output location ``J{j}`` (row-major in 2D),
tap ``TAP{k}`` (row-major within the window in 2D), ``I{i}`` on first-layer
tensors that read input ``i``; ``OUT`` on the output layer.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Sequence

import quimb.tensor as qtn

from .._typing import Ranks, Seed, WeightKind
from .._validate import check_positive_int, check_ranks
from ._common import SITE_TAG, WeightDrawer, as_gen_vector
from ._registry import register_family

__all__ = ("overlap", "overlap2d", "overlap_layer_sizes", "num_params")

_PADDINGS = ("same", "valid")


def num_params(tn) -> int:
    """Number of weights of a network: the sum of its tensors' sizes."""
    return int(sum(t.size for t in tn))


def _is_int(x) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _n_layers(ranks, kernel, stride, ndim) -> int:
    """Number of layers implied by whichever argument is given per layer."""

    def per_layer_len(x, name):
        if x is None or _is_int(x):
            return None
        if (
            name != "ranks"
            and ndim == 2
            and isinstance(x, Sequence)
            and len(x) == 2
            and all(_is_int(v) for v in x)
        ):
            return None  # one (ky, kx) pair for every layer
        if isinstance(x, str) or not isinstance(x, Sequence):
            raise TypeError(
                f"{name} must be an int or a sequence (one entry per layer), got {x!r}"
            )
        return len(x)

    lens = {
        name: n
        for name, x in (("ranks", ranks), ("kernel", kernel), ("stride", stride))
        if (n := per_layer_len(x, name)) is not None
    }
    if not lens:
        raise TypeError(
            "give ranks (or kernel/stride) as a sequence with one entry per layer; "
            "with ints everywhere the number of layers is undefined"
        )
    if len(set(lens.values())) != 1:
        raise ValueError(f"per-layer arguments disagree on the number of layers: {lens}")
    L = next(iter(lens.values()))
    if L < 1:
        raise ValueError("the network needs at least one layer (ranks is empty)")
    return L


def _expand(x, L: int, ndim: int, name: str) -> list[tuple[int, ...]]:
    """Per-layer tuples of ``ndim`` positive ints."""

    def one(v, where):
        if _is_int(v):
            v = (v,) * ndim
        if (
            not isinstance(v, Sequence)
            or len(v) != ndim
            or not all(_is_int(u) and u >= 1 for u in v)
        ):
            raise ValueError(f"{where} must be a positive int or {ndim} positive ints, got {v!r}")
        return tuple(int(u) for u in v)

    if _is_int(x) or (ndim == 2 and len(x) == 2 and all(_is_int(v) for v in x)):
        return [one(x, name)] * L
    if len(x) != L:
        raise ValueError(f"{name} has {len(x)} entries; the network has {L} layers")
    return [one(v, f"{name}[{l}]") for l, v in enumerate(x)]


def _axis_windows(n: int, K: int, S: int, padding: str, where: str) -> list[list[int]]:
    """Input positions read by each output location along one axis."""
    if S > K:
        raise ValueError(
            f"{where}: stride {S} > kernel {K} would leave inputs unread; need S <= K"
        )
    if padding == "same":
        n_out, p = -(-n // S), (K - S) // 2
    else:
        if n < K or (n - K) % S:
            raise ValueError(
                f"{where}: padding='valid' needs n >= kernel and (n - kernel) % stride == 0, "
                f"got n={n}, kernel={K}, stride={S}"
            )
        n_out, p = (n - K) // S + 1, 0
    return [
        [j * S - p + k if 0 <= j * S - p + k < n else None for k in range(K)] for j in range(n_out)
    ]


def _plan(shape, kernels, strides, padding):
    """Per layer: (output shape, windows) with windows[j] = [(tap, input flat index)]."""
    plans = []
    for l, (K, S) in enumerate(zip(kernels, strides)):
        axes = [
            _axis_windows(n, k, s, padding, f"layer {l}, axis {a}")
            for a, (n, k, s) in enumerate(zip(shape, K, S))
        ]
        out_shape = tuple(len(w) for w in axes)
        windows = []
        for loc in itertools.product(*(range(len(w)) for w in axes)):
            taps = []
            for tap, offs in enumerate(itertools.product(*(range(k) for k in K))):
                pos = [axes[a][loc[a]][offs[a]] for a in range(len(shape))]
                if any(q is None for q in pos):
                    continue
                flat = 0
                for q, n in zip(pos, shape):
                    flat = flat * n + q
                taps.append((tap, flat))
            windows.append(taps)
        plans.append((out_shape, windows))
        shape = out_shape
    return plans


def overlap_layer_sizes(shape, kernel, stride, *, padding: str = "same", n_layers=None):
    """Spatial shape after each GC layer (without building the network).

    Parameters
    ----------
    shape : int or tuple of int
        ``N`` (1D) or ``(H, W)`` (2D).
    kernel, stride : int or per-layer sequence
        As in :func:`overlap` / :func:`overlap2d`.
    padding : {"same", "valid"}
    n_layers : int, optional
        Needed only when both ``kernel`` and ``stride`` are given once for all layers.

    Returns
    -------
    list of tuple of int
        ``[shape_0, ..., shape_L]`` with ``shape_0`` the input.
    """
    shape = (shape,) if _is_int(shape) else tuple(shape)
    ndim = len(shape)
    L = n_layers if n_layers is not None else _n_layers(None, kernel, stride, ndim)
    ks, ss = _expand(kernel, L, ndim, "kernel"), _expand(stride, L, ndim, "stride")
    if padding not in _PADDINGS:
        raise ValueError(f"padding must be one of {_PADDINGS}, got {padding!r}")
    return [shape] + [p[0] for p in _plan(shape, ks, ss, padding)]


def _build(shape, M, ranks, kernel, stride, padding, Y, seed, weights, dtype, copy_tensors):
    ndim = len(shape)
    N = math.prod(shape)
    if N < 2:
        raise ValueError(f"the input needs at least 2 positions, got shape {shape}")
    M = check_positive_int("M", M)
    Y = check_positive_int("Y", Y)
    if padding not in _PADDINGS:
        raise ValueError(f"padding must be one of {_PADDINGS}, got {padding!r}")
    L = _n_layers(ranks, kernel, stride, ndim)
    ranks = check_ranks(ranks, L, what=f"an overlapping ConvAC with {L} layers")
    kernels = _expand(kernel, L, ndim, "kernel")
    strides = _expand(stride, L, ndim, "stride")
    plans = _plan(shape, kernels, strides, padding)  # raises before any allocation
    draw = WeightDrawer(seed, weights, dtype)
    # one weight matrix per (layer, location, tap), drawn in layer order
    W = {}
    for l, (_, windows) in enumerate(plans):
        in_dim = M if l == 0 else ranks[l - 1]
        for j, taps in enumerate(windows):
            for tap, _src in taps:
                W[l, j, tap] = draw(in_dim, ranks[l])
    tensors: list[qtn.Tensor] = []
    copies: dict[tuple[int, int], int] = {}

    def unit(l, j, out_ix):
        """Tensors computing location ``j`` of layer ``l`` into ``out_ix`` (a fresh copy)."""
        c = copies.get((l, j), 0)
        copies[l, j] = c + 1
        for tap, src in plans[l][1][j]:
            if l == 0:
                in_ix = f"k{src}"
            else:
                n = copies.get((l - 1, src), 0)
                in_ix = f"h{l - 1}_{src}" + (f"c{n}" if n else "")
                unit(l - 1, src, in_ix)
            tags = ["CONV", f"L{l}", f"J{j}", f"TAP{tap}"] + (["COPY{c}"] if c else [])
            if l == 0:
                tags.append(SITE_TAG.format(src))
            tensors.append(qtn.Tensor(W[l, j, tap], inds=(in_ix, out_ix), tags=tags))

    last = plans[-1][1]
    for j in range(len(last)):
        # after the last layer: global product pooling = one shared index
        unit(L - 1, j, f"h{L - 1}_0" if len(last) > 1 else f"h{L - 1}_{j}")
    top = f"h{L - 1}_0"
    if Y == 1:
        tensors.append(qtn.Tensor(draw(ranks[-1]), inds=(top,), tags=("OUT",)))
    else:
        tensors.append(qtn.Tensor(draw(ranks[-1], Y), inds=(top, "y"), tags=("OUT",)))
    return as_gen_vector(tensors, N, copy_tensors=copy_tensors)


def overlap(
    N: int,
    M: int,
    ranks: Ranks,
    kernel=3,
    stride=1,
    *,
    padding: str = "same",
    Y: int = 1,
    seed: Seed = None,
    weights: WeightKind = "normal",
    dtype="float64",
    copy_tensors: bool = False,
) -> qtn.TensorNetworkGenVector:
    """ConvAC in 1D with (possibly overlapping) generalized-convolution layers.

    Parameters
    ----------
    N : int
        Number of input positions (open legs ``k0 .. k{N-1}``), >= 2.
    M : int
        Representation size (dimension of each open leg).
    ranks : int or sequence of int
        Channels ``r_0 .. r_{L-1}`` of the GC layers.
    kernel, stride : int or sequence of int
        Window size ``K_l`` and stride ``S_l`` per layer (an int: every layer),
        ``1 <= S_l <= K_l``. At least one of ``ranks``, ``kernel``, ``stride``
        must be a sequence: it fixes the number of layers ``L``.
    padding : {"same", "valid"}
        Boundary convention (module docstring).
    Y, seed, weights, dtype, copy_tensors
        As in :func:`tnexpress.nets.cp`.

    Returns
    -------
    quimb.tensor.TensorNetworkGenVector
        Open legs ``k{i}`` (hyper-indices when the first layer overlaps).

    Examples
    --------
    Baseline (non-overlapping, the same network as ``ht(8, 2, (2, 2, 2))``)
    and an overlapping net whose first layer has 3-wide windows at stride 1:

    >>> base = overlap(8, 2, (2, 2, 2), kernel=2, stride=2)
    >>> over = overlap(8, 2, (2, 2, 2, 2), kernel=(3, 2, 2, 2), stride=(1, 2, 2, 2))
    """
    N = check_positive_int("N", N, minimum=2)
    return _build((N,), M, ranks, kernel, stride, padding, Y, seed, weights, dtype, copy_tensors)


def overlap2d(
    H: int,
    W: int,
    M: int,
    ranks: Ranks,
    kernel=3,
    stride=1,
    *,
    padding: str = "same",
    Y: int = 1,
    seed: Seed = None,
    weights: WeightKind = "normal",
    dtype="float64",
    copy_tensors: bool = False,
) -> qtn.TensorNetworkGenVector:
    """ConvAC on an ``H x W`` grid with (possibly overlapping) GC layers; site = y*W + x.

    ``kernel`` and ``stride`` are an int (square, every layer), a pair
    ``(ky, kx)`` (every layer), or a per-layer sequence of ints or pairs
    (with two layers write ``((3, 3), (2, 2))``: a flat pair means ``(ky, kx)``).
    The rules of :func:`overlap` apply per axis.
    """
    H = check_positive_int("H", H)
    W = check_positive_int("W", W)
    return _build((H, W), M, ranks, kernel, stride, padding, Y, seed, weights, dtype, copy_tensors)


# --------------------------------------------------------------------------- registry


def _parse_ints(s: str) -> tuple[int, ...]:
    return tuple(int(x) for x in s.split(",") if x.strip())


def _overlap_partitions(N, **_):
    from .. import partitions as P

    out = P.canonical_1d(N)
    if N >= 8:
        out["blocks-2"] = P.blocks(N, 2)
    return out


def _overlap2d_partitions(H, W, **_):
    from ..partitions import canonical_2d

    return canonical_2d(H, W)


def _overlap_bound(partition, N, M, ranks, kernel=3, stride=1, padding="same", **_):
    # non-overlapping windows of 2 at every layer are the HT network
    L = len(ranks) if not _is_int(ranks) else None
    if L is None or kernel not in (2, (2,) * L) or stride not in (2, (2,) * L):
        return None
    from .ht import _ht_bound

    return _ht_bound(partition, N=N, M=M, ranks=ranks)


register_family(
    "overlap",
    overlap,
    partitions=_overlap_partitions,
    params={
        "N": (int, 8, "number of inputs"),
        "M": (int, 2, "representation size"),
        "ranks": (_parse_ints, (2, 2, 2, 2), "channels per GC layer, comma separated"),
        "kernel": (_parse_ints, (3, 2, 2, 2), "window size per layer, comma separated"),
        "stride": (_parse_ints, (1, 2, 2, 2), "stride per layer, comma separated"),
    },
    bound=_overlap_bound,
    atlas=(
        {"N": 8, "M": 2, "ranks": (2, 2, 2, 2), "kernel": (3, 2, 2, 2), "stride": (1, 2, 2, 2)},
        {"N": 8, "M": 2, "ranks": (4, 4, 4), "kernel": 2, "stride": 2},
        {
            "N": 16,
            "M": 2,
            "ranks": (2, 2, 2, 2, 2),
            "kernel": (3, 2, 2, 2, 2),
            "stride": (1, 2, 2, 2, 2),
        },
    ),
    doc="overlapping ConvAC (generalized convolutions, kernel > stride), 1D",
)

register_family(
    "overlap2d",
    overlap2d,
    partitions=_overlap2d_partitions,
    params={
        "H": (int, 4, "grid height"),
        "W": (int, 4, "grid width"),
        "M": (int, 2, "representation size"),
        "ranks": (_parse_ints, (2, 2, 2), "channels per GC layer, comma separated"),
        "kernel": (_parse_ints, (3, 2, 2), "square window size per layer, comma separated"),
        "stride": (_parse_ints, (1, 2, 2), "stride per layer, comma separated"),
    },
    atlas=(
        {"H": 4, "W": 4, "M": 2, "ranks": (2, 2, 2), "kernel": (3, 2, 2), "stride": (1, 2, 2)},
        {"H": 4, "W": 4, "M": 2, "ranks": (2, 2), "kernel": 2, "stride": 2},
    ),
    doc="overlapping ConvAC (generalized convolutions, kernel > stride), 2D grid",
)
