r"""Generalized convolutional arithmetic circuits: ReLU with max or sum pooling.

Cohen & Shashua, "Convolutional Rectifier Networks as Generalized Tensor
Decompositions" (ICML 2016; seeds/000). A convolutional network with a
representation layer, 1x1 convolutions, activation :math:`\sigma` and pooling
:math:`P` computes, at each pooling window, the *activation-pooling operator*

.. math::

    g(a, b) = P\{\sigma(a), \sigma(b)\}:\qquad
    g_{\times}(a, b) = a b,\quad
    g_{\max}(a, b) = \max\{a, b, 0\},\quad
    g_{\Sigma}(a, b) = [a]_+ + [b]_+,

for product pooling with linear activation (the ConvAC), ReLU with max pooling,
and ReLU with sum (= average, up to scale) pooling. All three are associative
and commutative, so a pooling window of any size is a fold of ``g``.

Replacing the tensor product by the *generalized tensor product*

.. math::

    (\mathcal{A} \otimes_g \mathcal{B})_{d_1 \dots d_{P+Q}}
    = g(\mathcal{A}_{d_1 \dots d_P}, \mathcal{B}_{d_{P+1} \dots d_{P+Q}})

turns the CP and hierarchical Tucker decompositions into *generalized*
decompositions, and these compute the grid tensor of the network on a template
:math:`x^{(1)}, \dots, x^{(K)}` directly, layer by layer, from the representation
matrix :math:`F_{k d} = f_{\theta_d}(x^{(k)})` (:func:`generalized_cp`,
:func:`generalized_ht`):

.. math::

    \text{shallow:}\quad \mathcal{A} = \sum_{\gamma=1}^{r_0} a^{1}_{\gamma}\,
    (F a^{0,1,\gamma}) \otimes_g \cdots \otimes_g (F a^{0,N,\gamma}),

    \text{deep:}\quad \phi^{0,j,\gamma} = F a^{0,j,\gamma},\quad
    \phi^{l,j,\gamma} = \sum_{\alpha=1}^{r_{l-1}} a^{l,j,\gamma}_{\alpha}\,
    \phi^{l-1,2j-1,\alpha} \otimes_g \phi^{l-1,2j,\alpha},\quad
    \mathcal{A} = \sum_{\alpha} a^{L}_{\alpha}\,
    \phi^{L-1,1,\alpha} \otimes_g \phi^{L-1,2,\alpha}.

With ``g = product`` this is the grid tensor of the ConvAC, i.e. its coefficient
tensor with ``F`` applied on every mode.

The three results of the paper this module reproduces (tests and the notebook
``relu_vs_product``):

- depth efficiency: deep ReLU/max nets reach grid ranks exponential in ``N`` for
  the odd/even partition, while a shallow ReLU/max net with ``Z`` channels has
  rank at most ``Z (|A| K + 1)`` (:func:`shallow_relu_max_rank_bound`);
- incompleteness: an open (positive-measure) set of deep ReLU/max weights
  realizes exactly a shallow net with *one* channel (:func:`collapsible_deep`,
  :func:`shallow_equivalent`);
- shallow ReLU with sum/average pooling is not universal: its grid tensors are
  sums of one-mode functions, a subspace of dimension ``N (K - 1) + 1``
  (:func:`additive_subspace_dim`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import numpy as np

from .._typing import Ranks, Seed, WeightKind
from .._validate import check_positive_int, check_ranks
from ..engine.paths import check_size
from ..nets._common import WeightDrawer

__all__ = (
    "GeneralizedConvAC",
    "G_OPERATORS",
    "shallow",
    "deep",
    "collapsible_deep",
    "shallow_equivalent",
    "generalized_product",
    "generalized_cp",
    "generalized_ht",
    "shallow_relu_max_rank_bound",
    "additive_subspace_dim",
)


def _relu(a):
    return np.maximum(a, 0.0)


def _g_product(a, b):
    return a * b


def _g_relu_max(a, b):
    return np.maximum(np.maximum(a, b), 0.0)


def _g_relu_sum(a, b):
    return _relu(a) + _relu(b)


#: name -> (g(a, b), activation, pooling reduction over an axis)
G_OPERATORS: dict[str, tuple[Callable, Callable, Callable]] = {
    "product": (_g_product, lambda a: a, lambda a, axis: np.prod(a, axis=axis)),
    "relu_max": (_g_relu_max, _relu, lambda a, axis: np.max(a, axis=axis)),
    "relu_sum": (_g_relu_sum, _relu, lambda a, axis: np.sum(a, axis=axis)),
}
G_OPERATORS["relu_avg"] = G_OPERATORS["relu_sum"]

_REPS = ("relu", "affine")


def _resolve_g(g):
    """Return ``(name, g_fn, act, pool)`` for a name in G_OPERATORS or a callable."""
    if isinstance(g, str):
        if g not in G_OPERATORS:
            raise ValueError(f"g must be one of {sorted(G_OPERATORS)} or a callable, got {g!r}")
        name = "relu_sum" if g == "relu_avg" else g
        return (name, *G_OPERATORS[g])
    if callable(g):

        def pool(a, axis):
            parts = np.moveaxis(a, axis, 0)
            return functools.reduce(g, list(parts))

        return (getattr(g, "__name__", "custom"), g, lambda a: a, pool)
    raise TypeError(f"g must be a str in {sorted(G_OPERATORS)} or a callable g(a, b), got {g!r}")


def generalized_product(a: np.ndarray, b: np.ndarray, g="product") -> np.ndarray:
    r"""The generalized tensor product :math:`(a \otimes_g b)_{d, e} = g(a_d, b_e)`.

    Parameters
    ----------
    a, b : numpy.ndarray
        Tensors of orders ``P`` and ``Q``.
    g : str or callable
        A name in :data:`G_OPERATORS` or a vectorized ``g(a, b)``.

    Returns
    -------
    numpy.ndarray, shape ``a.shape + b.shape``
    """
    gf = _resolve_g(g)[1]
    a = np.asarray(a)
    b = np.asarray(b)
    return gf(a.reshape(a.shape + (1,) * b.ndim), b.reshape((1,) * a.ndim + b.shape))


def _check_features(F, M: int) -> np.ndarray:
    F = np.asarray(F, dtype=np.float64)
    if F.ndim != 2 or F.shape[1] != M:
        raise ValueError(
            f"F (representation matrix on the template) must have shape (K, M={M}), got {F.shape}"
        )
    return F


def generalized_cp(F, conv0: np.ndarray, out: np.ndarray, g="product") -> np.ndarray:
    r"""Grid tensor of a shallow generalized ConvAC (generalized CP decomposition).

    .. math::

        \mathcal{A} = \sum_{\gamma=1}^{r} a^{1}_{\gamma}\,
        v^{1,\gamma} \otimes_g \cdots \otimes_g v^{N,\gamma},
        \qquad v^{i,\gamma} = F a^{0,i,\gamma} \in \mathbb{R}^K.

    Parameters
    ----------
    F : array_like, shape (K, M)
        Representation functions on the template, :math:`F_{kd} = f_{\theta_d}(x^{(k)})`.
    conv0 : numpy.ndarray, shape (N, r, M)
        1x1 convolution weights :math:`a^{0,i,\gamma}_d` (position, channel, feature).
    out : numpy.ndarray, shape (r,)
        Output weights :math:`a^1_\gamma`.
    g : str or callable
        Activation-pooling operator.

    Returns
    -------
    numpy.ndarray, shape (K,) * N
    """
    gf = _resolve_g(g)[1]
    N, r, M = conv0.shape
    F = _check_features(F, M)
    K = F.shape[0]
    check_size(
        float(r) * float(K) ** N,
        8,
        what=f"the generalized CP grid tensor (r={r} terms of {K}^{N} entries)",
        instead="use fewer positions N or template points K",
    )
    v = np.einsum("km,nrm->nrk", F, conv0)
    t = v[0]
    for n in range(1, N):
        t = gf(t[:, :, None], v[n][:, None, :]).reshape(r, -1)
    return np.tensordot(out, t, axes=1).reshape((K,) * N)


def generalized_ht(F, conv: Sequence[np.ndarray], out: np.ndarray, g="product") -> np.ndarray:
    r"""Grid tensor of a deep generalized ConvAC (generalized hierarchical Tucker).

    Windows of 2 contiguous positions, ``L = log2 N`` layers:

    .. math::

        \phi^{0,j,\gamma} = F a^{0,j,\gamma},\qquad
        \phi^{l,j,\gamma} = \sum_{\alpha} a^{l,j,\gamma}_{\alpha}\,
        \phi^{l-1,2j-1,\alpha} \otimes_g \phi^{l-1,2j,\alpha},\qquad
        \mathcal{A} = \sum_{\alpha} a^{L}_{\alpha}\,
        \phi^{L-1,1,\alpha} \otimes_g \phi^{L-1,2,\alpha}.

    Parameters
    ----------
    F : array_like, shape (K, M)
        Representation matrix on the template.
    conv : sequence of numpy.ndarray
        ``conv[0]`` of shape ``(N, r_0, M)``; ``conv[l]`` of shape
        ``(N / 2**l, r_l, r_{l-1})`` for ``l = 1 .. L-1``.
    out : numpy.ndarray, shape (r_{L-1},)
        Output weights.
    g : str or callable
        Activation-pooling operator.

    Returns
    -------
    numpy.ndarray, shape (K,) * N
    """
    gf = _resolve_g(g)[1]
    N, _, M = conv[0].shape
    F = _check_features(F, M)
    K = F.shape[0]
    r_last = out.shape[0]
    check_size(
        float(r_last) * float(K) ** N,
        8,
        what=f"the generalized HT grid tensor ({r_last} channels of {K}^{N} entries)",
        instead="use fewer positions N or template points K",
    )
    phi = np.einsum("km,jrm->jrk", F, conv[0])  # (N, r0, K)
    L = len(conv)
    for l in range(1, L + 1):
        left, right = phi[0::2], phi[1::2]
        n, r, s = left.shape
        t = gf(left[:, :, :, None], right[:, :, None, :]).reshape(n, r, s * s)
        if l < L:
            phi = np.einsum("jsr,jrk->jsk", conv[l], t)
        else:
            return np.tensordot(out, t[0], axes=1).reshape((K,) * N)
    raise AssertionError("unreachable")  # pragma: no cover


class GeneralizedConvAC:
    r"""A shallow or deep generalized ConvAC: a vectorized callable and its grid tensor.

    Built by :func:`shallow` or :func:`deep`; not meant to be built directly.

    The network on inputs :math:`X = (x_1, \dots, x_N)`, :math:`x_i \in \mathbb{R}^s`:

    1. representation :math:`f_{\theta_d}(x_i)`, ``d = 1..M``: ``"relu"``
       :math:`[w_d \cdot x + b_d]_+`, ``"affine"`` :math:`w_d \cdot x + b_d`, or a callable;
    2. 1x1 convolution (weights per position, unshared);
    3. activation and pooling (product; ReLU + max; ReLU + sum), globally
       (shallow) or over windows of 2 with a convolution after each pooling (deep);
    4. a linear output layer to one scalar.

    Attributes
    ----------
    N, M : int
        Positions and representation functions.
    ranks : tuple of int
        Channels per convolution layer (one entry for shallow).
    kind : {"shallow", "deep"}
    g : str
        Activation-pooling operator name.
    rep_weight, rep_bias : numpy.ndarray or None
        ``(M, s)`` and ``(M,)`` for the built-in representations.
    conv : list of numpy.ndarray
        Convolution weights, shapes as in :func:`generalized_cp` / :func:`generalized_ht`.
    out : numpy.ndarray
        Output weights.
    """

    def __init__(self, *, kind, N, M, ranks, g, rep, rep_weight, rep_bias, conv, out):
        self.kind = kind
        self.N = N
        self.M = M
        self.ranks = tuple(ranks)
        self.g, self._g, self._act, self._pool = _resolve_g(g)
        self.rep = rep
        self.rep_weight = rep_weight
        self.rep_bias = rep_bias
        self.conv = list(conv)
        self.out = out

    def __repr__(self) -> str:
        return (
            f"GeneralizedConvAC(kind={self.kind!r}, N={self.N}, M={self.M}, "
            f"ranks={self.ranks}, g={self.g!r}, "
            f"rep={self.rep if isinstance(self.rep, str) else 'callable'!r})"
        )

    @property
    def d_in(self) -> int | None:
        """Dimension ``s`` of one input point (None for a callable representation)."""
        return None if self.rep_weight is None else self.rep_weight.shape[1]

    def features(self, X) -> np.ndarray:
        r"""Representation layer: :math:`f_{\theta_d}(x)` per point, shape ``X.shape[:-1] + (M,)``.

        ``X`` has shape ``(..., s)``; with ``s = 1`` a trailing axis may be left out
        only through :meth:`__call__` and :meth:`grid_tensor`.
        """
        X = np.asarray(X, dtype=np.float64)
        if callable(self.rep):
            Fx = np.asarray(self.rep(X), dtype=np.float64)
            if Fx.shape != X.shape[:-1] + (self.M,):
                raise ValueError(
                    f"rep must map points of shape (..., s) to (..., M={self.M}), "
                    f"got {Fx.shape} for input {X.shape}"
                )
            return Fx
        if X.shape[-1] != self.d_in:
            raise ValueError(
                f"input points must have dimension d_in={self.d_in}, got {X.shape[-1]}"
            )
        z = X @ self.rep_weight.T + self.rep_bias
        return _relu(z) if self.rep == "relu" else z

    def _points(self, X, what, batch_ndim):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == batch_ndim and (self.d_in == 1 or self.rep_weight is None):
            X = X[..., None]
        if X.ndim != batch_ndim + 1:
            raise ValueError(f"{what} must have {batch_ndim + 1} axes (..., d_in), got {X.shape}")
        return X

    def __call__(self, X) -> np.ndarray:
        """Evaluate the network on a batch: ``X`` of shape ``(batch, N, s)`` -> ``(batch,)``.

        The forward pass, literally: convolution, activation, pooling, output.
        ``(batch, N)`` is accepted when ``s = 1``.
        """
        X = self._points(X, "X", 2)
        if X.shape[1] != self.N:
            raise ValueError(f"X must have N={self.N} positions on axis 1, got {X.shape[1]}")
        feats = self.features(X)  # (b, N, M)
        c = np.einsum("bnm,nrm->bnr", feats, self.conv[0])
        if self.kind == "shallow":
            pooled = self._pool(self._act(c), 1)  # (b, r)
            return pooled @ self.out
        for l in range(1, len(self.conv) + 1):
            b, n, r = c.shape
            pooled = self._pool(self._act(c.reshape(b, n // 2, 2, r)), 2)  # (b, n/2, r)
            if l < len(self.conv):
                c = np.einsum("bjr,jsr->bjs", pooled, self.conv[l])
        return pooled[:, 0, :] @ self.out

    def grid_tensor_from_features(self, F) -> np.ndarray:
        """Grid tensor from the representation matrix ``F`` (shape ``(K, M)``) on a template.

        Computed by the generalized decomposition, never by evaluating the network
        on the ``K**N`` grid points.
        """
        if self.kind == "shallow":
            return generalized_cp(F, self.conv[0], self.out, self._g)
        return generalized_ht(F, self.conv, self.out, self._g)

    def grid_tensor(self, template) -> np.ndarray:
        r"""Grid tensor on ``template`` (shape ``(K, s)``, or ``(K,)`` when ``s = 1``).

        .. math::

            \mathcal{A}_{k_1 \dots k_N} = h(x^{(k_1)}, \dots, x^{(k_N)})

        by the generalized decomposition with ``F = features(template)``.
        """
        T = self._points(template, "template", 1)
        return self.grid_tensor_from_features(self.features(T))

    def coefficient_tensor(self) -> np.ndarray:
        r"""The coefficient tensor (shape ``(M,) * N``); only for ``g = "product"``.

        For a ConvAC :math:`h(X) = \sum_{d} \mathcal{A}_{d_1..d_N} \prod_i f_{\theta_{d_i}}(x_i)`;
        it is the generalized decomposition with ``F`` the identity.
        """
        if self.g != "product":
            raise ValueError(
                "a coefficient tensor exists only for g='product' (multilinear), "
                f"this net has g={self.g!r}"
            )
        return self.grid_tensor_from_features(np.eye(self.M))


def _draw_rep(draw, M, d_in, rep):
    if isinstance(rep, str):
        if rep not in _REPS:
            raise ValueError(f"rep must be one of {_REPS} or a callable, got {rep!r}")
        d_in = check_positive_int("d_in", d_in)
        return draw(M, d_in), draw(M)
    if callable(rep):
        return None, None
    raise TypeError(f"rep must be one of {_REPS} or a callable, got {rep!r}")


def shallow(
    N: int,
    M: int,
    rank: int,
    *,
    g="product",
    rep="relu",
    d_in: int = 2,
    seed: Seed = None,
    weights: WeightKind = "normal",
) -> GeneralizedConvAC:
    r"""Shallow generalized ConvAC: one hidden layer, global pooling.

    .. math::

        h(x_1, \dots, x_N) = \sum_{\gamma=1}^{r} a^1_\gamma\,
        P_{i=1..N}\,\sigma\Big(\sum_{d=1}^{M} a^{0,i,\gamma}_d f_{\theta_d}(x_i)\Big)

    Parameters
    ----------
    N : int
        Input positions, ``N >= 2``.
    M : int
        Representation functions, ``M >= 1``.
    rank : int
        Hidden channels ``r``, ``>= 1``.
    g : {"product", "relu_max", "relu_sum", "relu_avg"} or callable
        Activation-pooling operator (``relu_avg`` is ``relu_sum``: average pooling
        equals sum pooling up to a constant factor).
    rep : {"relu", "affine"} or callable
        Representation layer: :math:`[w_d \cdot x + b_d]_+`, :math:`w_d \cdot x + b_d`,
        or ``rep(X)`` mapping ``(..., d_in)`` to ``(..., M)``.
    d_in : int
        Dimension of one input point (built-in representations).
    seed : None, int or numpy.random.Generator
        Weights; drawn in the order representation, convolution, output.
    weights : {"normal", "uniform", "integer"}
        Distribution of the weights (:class:`tnexpress.nets._common.WeightDrawer`).

    Returns
    -------
    GeneralizedConvAC
    """
    N = check_positive_int("N", N, minimum=2)
    M = check_positive_int("M", M)
    rank = check_positive_int("rank", rank)
    _resolve_g(g)
    draw = WeightDrawer(seed, weights)
    W, b = _draw_rep(draw, M, d_in, rep)
    conv0 = draw(N, rank, M)
    out = draw(rank)
    return GeneralizedConvAC(
        kind="shallow",
        N=N,
        M=M,
        ranks=(rank,),
        g=g,
        rep=rep,
        rep_weight=W,
        rep_bias=b,
        conv=[conv0],
        out=out,
    )


def _n_layers(N: int) -> int:
    N = check_positive_int("N", N, minimum=2)
    L = int(round(math.log2(N)))
    if 2**L != N:
        raise ValueError(f"N must be a power of 2 (windows of 2, log2 N layers), got {N}")
    return L


def deep(
    N: int,
    M: int,
    ranks: Ranks,
    *,
    g="product",
    rep="relu",
    d_in: int = 2,
    seed: Seed = None,
    weights: WeightKind = "normal",
) -> GeneralizedConvAC:
    r"""Deep generalized ConvAC: ``L = log2 N`` layers, pooling windows of 2.

    .. math::

        c^{0}_{j,\gamma} = \sum_d a^{0,j,\gamma}_d f_{\theta_d}(x_j),\quad
        p^{l}_{j,\alpha} = P\{\sigma(c^{l}_{2j-1,\alpha}), \sigma(c^{l}_{2j,\alpha})\},\quad
        c^{l+1}_{j,\gamma} = \sum_\alpha a^{l+1,j,\gamma}_\alpha p^{l}_{j,\alpha},\quad
        h = \sum_\alpha a^{L}_\alpha p^{L-1}_{1,\alpha}.

    Parameters
    ----------
    N : int
        Input positions, a power of 2, ``N >= 2``.
    M : int
        Representation functions.
    ranks : int or sequence of int
        Channels ``r_0 .. r_{L-1}`` (an int repeats), ``len(ranks) = log2 N``.
    g, rep, d_in, seed, weights
        As in :func:`shallow`.

    Returns
    -------
    GeneralizedConvAC
    """
    L = _n_layers(N)
    M = check_positive_int("M", M)
    ranks = check_ranks(ranks, L, what=f"deep with N={N} (log2 N layers)")
    _resolve_g(g)
    draw = WeightDrawer(seed, weights)
    W, b = _draw_rep(draw, M, d_in, rep)
    conv = [draw(N, ranks[0], M)]
    for l in range(1, L):
        conv.append(draw(N >> l, ranks[l], ranks[l - 1]))
    out = draw(ranks[-1])
    return GeneralizedConvAC(
        kind="deep",
        N=N,
        M=M,
        ranks=ranks,
        g=g,
        rep=rep,
        rep_weight=W,
        rep_bias=b,
        conv=conv,
        out=out,
    )


def collapsible_deep(
    N: int, M: int, ranks: Ranks, *, d_in: int = 2, seed: Seed = None
) -> GeneralizedConvAC:
    r"""A random deep ReLU/max net from an open set of weights that collapses to one channel.

    The set (positive Lebesgue measure: an intersection of open half-spaces in
    some coordinates, all other weights free) is

    .. math::

        a^{0,i,\gamma}_d < 0\ (\gamma \ge 2),\qquad
        a^{l,j,1}_1 > 0,\qquad a^{l,j,\gamma}_1 < 0\ (\gamma \ge 2,\ l \ge 1),

    with a ReLU representation (features :math:`\ge 0`). Then every channel but the
    first is zeroed by the ReLU at every layer and, since positive scaling
    commutes with max,

    .. math::

        h(X) = a^{L}_1 \max\Big\{0,\ \max_i s_i\, c^{0}_{i,1}(x_i)\Big\},
        \qquad s_i = \prod_{l \ge 1} a^{l, \lceil i / 2^l \rceil, 1}_1 > 0,

    a shallow ReLU/max net with a single hidden channel (:func:`shallow_equivalent`).
    This is Cohen & Shashua's incompleteness of depth efficiency under ReLU/max.

    Parameters
    ----------
    N, M, ranks, d_in, seed
        As in :func:`deep` (``g = "relu_max"``, ``rep = "relu"``, Gaussian weights
        with the signs above imposed).
    """
    net = deep(N, M, ranks, g="relu_max", rep="relu", d_in=d_in, seed=seed)
    net.conv[0][:, 1:, :] = -np.abs(net.conv[0][:, 1:, :])
    for l in range(1, len(net.conv)):
        net.conv[l][:, 0, 0] = np.abs(net.conv[l][:, 0, 0])
        net.conv[l][:, 1:, 0] = -np.abs(net.conv[l][:, 1:, 0])
    return net


def shallow_equivalent(net: GeneralizedConvAC) -> GeneralizedConvAC:
    """The one-channel shallow ReLU/max net equal to a collapsible deep one.

    See :func:`collapsible_deep` for the set of weights and the formula.

    Raises
    ------
    ValueError
        If ``net`` is not a deep ReLU/max net with a ReLU representation whose
        weights lie in that set (the message names the offending weight).
    """
    if not isinstance(net, GeneralizedConvAC) or net.kind != "deep":
        raise ValueError(f"net must be a deep GeneralizedConvAC, got {net!r}")
    if net.g != "relu_max" or net.rep != "relu":
        raise ValueError(
            f"net must have g='relu_max' and rep='relu', got g={net.g!r}, rep={net.rep!r}"
        )
    c0 = net.conv[0]
    if np.any(c0[:, 1:, :] > 0):
        raise ValueError("conv[0][:, 1:, :] must be <= 0 (channels 2.. of layer 0 silenced)")
    scale = np.ones(net.N)
    for l in range(1, len(net.conv)):
        a = net.conv[l]
        if np.any(a[:, 0, 0] <= 0):
            raise ValueError(f"conv[{l}][:, 0, 0] must be > 0")
        if np.any(a[:, 1:, 0] > 0):
            raise ValueError(f"conv[{l}][:, 1:, 0] must be <= 0")
        scale *= a[np.arange(net.N) >> l, 0, 0]
    conv0 = (scale[:, None] * c0[:, 0, :])[:, None, :]
    return GeneralizedConvAC(
        kind="shallow",
        N=net.N,
        M=net.M,
        ranks=(1,),
        g="relu_max",
        rep="relu",
        rep_weight=net.rep_weight,
        rep_bias=net.rep_bias,
        conv=[conv0],
        out=net.out[:1].copy(),
    )


def shallow_relu_max_rank_bound(rank: int, n_rows: int, K: int) -> int:
    r"""Upper bound on the grid rank of a shallow ReLU/max net.

    Each channel contributes :math:`\max\{0, \max_{i \in A} u_i, \max_{j \in B} w_j\}`,
    whose matricization has at most :math:`|A| K + 1` distinct rows (the row value
    :math:`\max\{0, \max_{i\in A} u_i\}` is one of the :math:`|A| K` entries or 0), so

    .. math::

        \operatorname{rank} [\![\mathcal{A}]\!]_{A,B} \le r\,(|A| K + 1).

    Parameters
    ----------
    rank : int
        Channels ``r`` of the shallow net.
    n_rows : int
        ``|A|``, positions on the row side.
    K : int
        Template points.
    """
    rank = check_positive_int("rank", rank)
    n_rows = check_positive_int("n_rows", n_rows)
    K = check_positive_int("K", K)
    return rank * (n_rows * K + 1)


def additive_subspace_dim(N: int, K: int) -> int:
    r"""Dimension ``N (K - 1) + 1`` of the tensors :math:`T_{k_1..k_N} = \sum_i u_i[k_i]`.

    Every grid tensor of a shallow ReLU/sum (average) pooling net lies in this
    subspace, whatever its number of channels:
    :math:`\sum_\gamma a_\gamma \sum_i [v^{i,\gamma}_{k_i}]_+`. For ``N >= 2``,
    ``K >= 2`` it is a proper subspace of the :math:`K^N` grid tensors, so the
    architecture is not universal.
    """
    N = check_positive_int("N", N)
    K = check_positive_int("K", K)
    return N * (K - 1) + 1
