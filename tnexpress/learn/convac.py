r"""Deep convolutional arithmetic circuit (ConvAC) classifier: 1x1 convs and product pooling.

Over a pooling tree whose level ``l`` pools windows of ``k_l`` nodes (Cohen, Sharir &
Shashua 2016; Levine et al. 2018),

.. math::

    \phi^{(0)}_i = f(x_i), \qquad
    \phi^{(l+1)}_{v,\gamma} = \prod_{c \in \mathrm{window}(v)}
        \sum_\alpha a^{(l, c)}_{\alpha \gamma} \phi^{(l)}_{c, \alpha}, \qquad
    h_y = \sum_\gamma a^{\mathrm{out}}_{\gamma y} \phi^{(L)}_{\mathrm{root}, \gamma},

which is the hierarchical Tucker network of :func:`tnexpress.nets.ht_tree` contracted with
the feature vectors. Every level is scaled to max-abs 1 per sample and the logs of the scales
are summed, so an ``8 x 8`` or ``32 x 32`` product never underflows; :meth:`ConvAC.calibrate`
folds the typical scale of each level into its weights, so ``h_y`` starts ``O(1)`` and
:meth:`ConvAC.to_tn` reproduces :meth:`ConvAC.scores` with all scaling inside the network.

Pooling geometries (``shape`` an int ``N`` is 1D with windows of 2; ``(H, W)`` is 2D with
2x2 windows, site ``y * W + x``):

- ``"contiguous"``: adjacent positions / 2x2 blocks at every level;
- ``"mirror"``: 1D, ``i`` with ``N-1-i`` first; 2D, the columns are reordered
  ``0, W-1, 1, W-2, ...`` and then pooled contiguously, so the first 2x2 window holds two
  pixels of a row and their left-right mirror images (Cohen & Shashua 2017);
- any nested-tuple tree with one window size per level (as :func:`tnexpress.nets.ht_tree`).

Examples
--------
>>> import numpy as np
>>> model = ConvAC(8, ranks=2, n_classes=3, seed=0)
>>> tn = model.to_tn(2)
>>> sorted(tn.outer_inds())[:3], model.scores(np.ones((1, 8)) / 2).shape
(['k0', 'k1', 'k2'], torch.Size([1, 3]))
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import quimb.tensor as qtn
import torch

from ..nets._common import SITE_TAG, as_gen_vector
from ..nets.ht import grid_tree, pooling_tree, tree_height, tree_leaves
from ._base import TNClassifier, make_generator, normalize_
from .features import check_int, feature_map

__all__ = ("ConvAC", "pooling_order", "tree_levels")

POOLINGS = ("contiguous", "mirror")
INITS = ("uniform", "balanced")


def _patch_features(H: int, W: int):
    """``(batch, H*W) -> (batch, H*W, 10)``: a constant 1 and the zero-padded 3x3 patch."""

    def patch(x):
        b = x.shape[0]
        p = torch.nn.functional.unfold(x.reshape(b, 1, H, W), 3, padding=1)  # (b, 9, N)
        one = torch.ones(b, 1, H * W, dtype=x.dtype)
        return torch.cat([one, p], 1).transpose(1, 2)

    return patch


def pooling_order(shape, pooling="contiguous"):
    """The pooling tree (nested tuples of site positions) of ``shape`` and ``pooling``.

    >>> pooling_order(4, "mirror")
    ((0, 3), (1, 2))
    >>> pooling_order((2, 4), "mirror")
    ((0, 3, 4, 7), (1, 2, 5, 6))
    """
    if isinstance(pooling, str):
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS} or a tree, got {pooling!r}")
        if isinstance(shape, numbers.Integral):
            return pooling_tree(int(shape), pooling)
        H, W = shape
        tree = grid_tree(H, W, (2, 2))
        if pooling == "contiguous":
            return tree
        if W % 2:
            raise ValueError(f"pooling='mirror' needs an even width, got shape={tuple(shape)}")
        perm = [c for j in range(W // 2) for c in (j, W - 1 - j)]

        def remap(node):
            if isinstance(node, numbers.Integral):
                y, c = divmod(int(node), W)
                return y * W + perm[c]
            return tuple(remap(ch) for ch in node)

        return remap(tree)
    return pooling


def tree_levels(tree) -> tuple[list[int], list[int]]:
    """Leaf order and window size per level of a tree with one window size per level.

    Raises ``ValueError`` for a tree whose nodes of one height have different numbers of
    children or whose leaves are not all at the same depth.
    """
    order = tree_leaves(tree)
    L = tree_height(tree)
    arities: list[int] = []
    level = [tree]
    for _ in range(L):
        k = {len(n) if not isinstance(n, numbers.Integral) else -1 for n in level}
        if len(k) != 1 or -1 in k:
            raise ValueError(
                "pooling tree must have one window size per level and all leaves at one depth"
            )
        arities.append(k.pop())
        level = [c for n in level for c in n]
    return order, arities[::-1]


def _shape(shape):
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        return (check_int("shape", shape, minimum=2),)
    if isinstance(shape, Sequence) and len(shape) == 2:
        return (check_int("shape[0]", shape[0]), check_int("shape[1]", shape[1]))
    raise ValueError(f"shape must be an int N (1D) or a pair (H, W) (2D), got {shape!r}")


class ConvAC(TNClassifier):
    """Deep ConvAC with product pooling; parameters are the tensors of its HT network.

    Parameters
    ----------
    shape : int or (int, int)
        ``N`` (1D, windows of 2) or ``(H, W)`` (2D, 2x2 windows).
    ranks : int or sequence of int
        Channels ``r_0 .. r_{L-1}``, one per pooling level.
    n_classes : int
        Number of classes (>= 2).
    pooling : {"contiguous", "mirror"} or tree
        Pooling geometry (module docstring).
    M : int
        Feature size.
    shared : bool or "window"
        ``True``: one 1x1 conv per level for all locations; ``"window"``: one per level and
        position inside the pooling window (``k`` convs per level, the same in every window),
        which still shares across locations but breaks the symmetry of a product of equal
        factors; ``False``: one per location. With ``True`` a level's output is a symmetric
        function of its window's children, so the network is invariant to permuting the
        children of every pooling node: the quadrants of an image, then their quadrants, and
        so on. Measured on the 8x8 digits (3x3 patch features, balanced start, rank 8, 8
        epochs at lr 1e-2): test accuracy 0.54 with ``True``, 0.75 with ``"window"``, 0.90
        with ``False``.
    seed : int or None
        Seed of the initialization.
    feature : {"trig", "poly", "patch"}
        Feature map. ``"patch"`` (2D only): the representation of pixel ``i`` is its zero-padded
        ``3 x 3`` neighbourhood and a constant, ``f(x)_i = (1, x_j : j in the 3x3 window at i)``
        (``M = 10``, the ``M`` argument is ignored), so the first 1x1 conv is the seeds'
        learned ``3 x 3`` representation conv with a bias. With per-pixel features and
        shared weights a level's output is symmetric in its window's children, so a shared
        pixel-level ConvAC cannot tell the pixels of a 2x2 window apart (measured: 0.10-0.20
        test accuracy on the 8x8 digits); overlapping patches break that symmetry.
    noise : float
        Scale of the random part of the initial convs (see ``init``).
    init : {"uniform", "balanced"}
        ``"uniform"``: convs ``1/d + noise * Gaussian / sqrt(d)`` (``d`` input channels).
        ``"balanced"``: the background (a zero input, whose features are ``e_0`` for every
        feature map) is the neutral element of every product: the first conv's row 0 is all
        ones and every later conv is ``1/d + noise * G / sqrt(r)`` with ``G`` Gaussian, centred
        per output channel, so the all-ones vector maps to the all-ones vector and a digit's
        deviation is neither amplified nor damped per level at ``noise = 1``. With the
        uniform start the fixed background vector, raised to the power ``k`` at every
        pooling, makes one channel dominate, and the scores are the same for every input
        (measured on a 32x32 canvas: root vectors of 200 images within ``1 - cos = 2e-5``).
    neutral : bool
        Keep the background neutral during training, not only at the start: the weights used
        are the parameters with the first conv's row 0 replaced by ones and every later
        conv's columns shifted to sum to 1 (:meth:`conv_weights`), so a blank region's vector
        is the all-ones vector at every level and multiplies a product by exactly 1. Every
        feature map sends a zero input to ``e_0``, so a digit on a blank canvas then scores
        as the digit alone wherever it lies on the pooling grid. :meth:`calibrate` rescales
        only the output layer (a scaled conv would no longer map ones to ones).
    """

    def __init__(
        self,
        shape,
        ranks,
        n_classes: int,
        *,
        pooling="contiguous",
        M: int = 2,
        shared: bool = False,
        seed=None,
        feature: str = "trig",
        noise: float = 0.3,
        init: str = "uniform",
        neutral: bool = False,
    ):
        super().__init__()
        self.input_shape = _shape(shape)
        self.n_inputs = N = math.prod(self.input_shape)
        self.n_classes = Y = check_int("n_classes", n_classes, minimum=2)
        M = check_int("M", M)
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {init!r}")
        if feature == "patch":
            if len(self.input_shape) != 2:
                raise ValueError(f"feature='patch' needs a 2D shape (H, W), got shape={shape!r}")
            M = 10
        self.M = M
        if not isinstance(shared, bool) and shared != "window":
            raise TypeError(f"shared must be a bool or 'window', got {shared!r}")
        self.shared = shared
        self.pooling = pooling
        shape_arg = N if len(self.input_shape) == 1 else self.input_shape
        self.tree = pooling_order(shape_arg, pooling)
        order, arities = tree_levels(self.tree)
        if sorted(order) != list(range(N)):
            raise ValueError(f"pooling tree leaves must be 0..{N - 1} each once for shape={shape}")
        self.arities = tuple(arities)
        L = len(arities)
        if isinstance(ranks, numbers.Integral) and not isinstance(ranks, bool):
            ranks = (int(ranks),) * L
        if isinstance(ranks, str) or not isinstance(ranks, Sequence) or len(ranks) != L:
            raise ValueError(
                f"ranks must be an int or {L} ints (one per pooling level), got {ranks!r}"
            )
        self.ranks = tuple(check_int(f"ranks[{i}]", r) for i, r in enumerate(ranks))
        self.feature = feature
        self.init = init
        if not isinstance(neutral, bool):
            raise TypeError(f"neutral must be a bool, got {neutral!r}")
        self.neutral = neutral
        self.feature_fn = (
            _patch_features(*self.input_shape) if feature == "patch" else feature_map(feature, M)
        )
        self.register_buffer("order", torch.tensor(order, dtype=torch.int64), persistent=False)
        g = make_generator(seed)
        dt = torch.float64
        self.convs = torch.nn.ParameterList()
        n, d = N, M
        for l, (k, r) in enumerate(zip(arities, self.ranks)):
            shape_l = {True: (d, r), "window": (k, d, r), False: (n, d, r)}[shared]
            G = torch.randn(*shape_l, generator=g, dtype=dt)
            if init == "uniform":
                w = 1.0 / d + noise * G / d**0.5
            elif l == 0:
                w = noise * G / r**0.5
                w[..., 0, :] = 1.0
            else:
                G = G - G.mean(-2, keepdim=True)
                w = 1.0 / d + noise * G / r**0.5
            self.convs.append(torch.nn.Parameter(w))
            n, d = n // k, r
        out = torch.randn(d, Y, generator=g, dtype=dt) / d**0.5
        if init == "balanced":
            out = out - out.mean(1, keepdim=True)
        self.out = torch.nn.Parameter(out)

    def param_groups(self, lr: float) -> list[dict]:
        """Adam parameter groups (read by :func:`~tnexpress.learn.fit`).

        A shared conv of level ``l`` acts at all ``n_l`` nodes of its level (with
        ``shared="window"``: at one child of each of them), so one step
        moves the log of the output by ``~n_l`` times as much as a per-location weight;
        its learning rate is ``lr / sqrt(n_l)``. Unshared convs and the output layer get
        ``lr``.
        """
        groups, n = [], self.n_inputs
        for k, w in zip(self.arities, self.convs):
            n //= k
            groups.append({"params": [w], "lr": lr / math.sqrt(n) if self.shared else lr})
        groups.append({"params": [self.out], "lr": lr})
        return groups

    def conv_weights(self) -> list[torch.Tensor]:
        """The conv arrays the network uses, level by level.

        These are the parameters, or with ``neutral=True`` their projection that maps the
        background to all-ones (the class docstring).
        """
        if not self.neutral:
            return list(self.convs)
        out = []
        for l, w in enumerate(self.convs):
            if l == 0:
                w = torch.cat([torch.ones_like(w[..., :1, :]), w[..., 1:, :]], -2)
            else:
                w = w - w.mean(-2, keepdim=True) + 1.0 / w.shape[-2]
            out.append(w)
        return out

    # ------------------------------------------------------------------ forward
    def _levels(self, F):
        """Yield ``(x, log_scale)`` after each pooling level (``x``: batch x nodes x r)."""
        x = F[:, self.order]
        for k, w in zip(self.arities, self.conv_weights()):
            b, n, d = x.shape
            if self.shared == "window":
                y = torch.einsum("bnkd,kde->bnke", x.reshape(b, n // k, k, d), w).prod(2)
            else:
                eq = "bnd,de->bne" if self.shared else "bnd,nde->bne"
                y = torch.einsum(eq, x, w)
                y = y.reshape(b, n // k, k, y.shape[2]).prod(2)
            x, logs = normalize_(y, (2,))
            yield x, logs

    def _log_scores(self, F):
        log_scale = torch.zeros(F.shape[0], dtype=F.dtype)
        x = None
        for x_l, logs in self._levels(F):
            x, log_scale = x_l, log_scale + logs
        return x[:, 0] @ self.out, log_scale

    @torch.no_grad()
    def calibrate(self, X) -> ConvAC:
        """Fold each level's typical scale into its convs, so ``h_y(X)`` starts ``O(1)``.

        Level ``l`` is divided by ``exp(g_l / k_l)`` with ``g_l`` the mean log max-abs of the
        level's pooled vectors per node; then the output layer so that the geometric mean of
        ``max_y |h_y|`` over ``X`` is 1.
        """
        F = self.features(X)
        n = self.n_inputs
        for l, k in enumerate(self.arities if not self.neutral else ()):
            # recompute with the levels below already rescaled
            logs = None
            for j, (_, logs_j) in enumerate(self._levels(F)):
                logs = logs_j
                if j == l:
                    break
            n //= k
            self._rescale(self.convs[l], -float(logs.mean()) / (n * k))
        mant, ls = self._log_scores(F)
        top = torch.log(mant.abs().amax(1).clamp_min(1e-300)) + ls
        self._rescale(self.out, -float(top.mean()))
        return self

    # ------------------------------------------------------------------ export
    def to_tn(self, label=None, *, like: str = "numpy") -> qtn.TensorNetworkGenVector:
        """The hierarchical Tucker network of class ``label``, as :func:`tnexpress.nets.ht_tree`.

        Legs ``k{i}``; pooling hyper-indices ``h{l}_{j}``; tags ``CONV`` + ``L{l}`` (+ ``I{i}``
        at the leaves) and ``OUT``. ``label=None`` leaves the class leg ``y`` open on ``OUT``.
        ``like`` is ``"numpy"`` (copies) or ``"torch"`` (the live parameters).
        """
        label = self._check_label(label)
        ex = self._export
        order = self.order.tolist()
        ts = []
        n = self.n_inputs
        for l, (k, w) in enumerate(zip(self.arities, self.conv_weights())):
            data = ex(w, like) if self.shared is True else None
            for c in range(n):
                if self.shared is True:
                    arr = data
                elif self.shared == "window":
                    arr = ex(w[c % k], like)
                else:
                    arr = ex(w[c], like)
                if l == 0:
                    inds, tags = (
                        (f"k{order[c]}", f"h0_{c // k}"),
                        ("CONV", "L0", SITE_TAG.format(order[c])),
                    )
                else:
                    inds, tags = (f"h{l - 1}_{c}", f"h{l}_{c // k}"), ("CONV", f"L{l}")
                ts.append(qtn.Tensor(arr, inds=inds, tags=tags))
            n //= k
        root = f"h{len(self.arities) - 1}_0"
        if label is None:
            ts.append(qtn.Tensor(ex(self.out, like), inds=(root, "y"), tags=("OUT",)))
        else:
            ts.append(qtn.Tensor(ex(self.out[:, label], like), inds=(root,), tags=("OUT",)))
        return as_gen_vector(ts, self.n_inputs)

    def extra_repr(self) -> str:  # noqa: D102
        return (
            f"shape={self.input_shape}, ranks={self.ranks}, n_classes={self.n_classes}, "
            f"pooling={self.pooling!r}, M={self.M}, shared={self.shared}, "
            f"feature={self.feature!r}, init={self.init!r}, neutral={self.neutral}"
        )
