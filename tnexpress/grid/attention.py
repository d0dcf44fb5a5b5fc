r"""Linear (softmax-free) self-attention stacks and their separation rank via grid tensors.

Levine, Wies, Sharir, Bata, Shashua, "Limits to Depth Efficiencies of
Self-Attention" (NeurIPS 2020); seeds/003, Section 7.3. One layer, ``H`` heads of
dimension :math:`d_a = d_x / H`:

.. math::

    y^{l+1,i} = \sum_{h=1}^{H} W^{O,l,h} \sum_{j=1}^{N}
    \langle W^{Q,l,h} y^{l,i}, W^{K,l,h} y^{l,j} \rangle\, W^{V,l,h} y^{l,j}
    \;\big(+\, y^{l,i} \text{ with a residual connection}\big),

on the embedded inputs :math:`y^{0,j} = E w^j`, :math:`E \in \mathbb{R}^{d_x \times d_{in}}`
of rank ``r`` (the input embedding rank of Theorem 7.3). The scalar output is a
read-out of the last layer at one position ``i``:
:math:`y = \langle u, y^{L,i} \rangle` (``u = e_p`` for the ``p``-th entry).

Every output is a polynomial of degree :math:`3^L` in the inputs, symmetric in
the inputs at positions other than ``i`` (no positional information), hence
(Proposition 7.1) its separation rank is the same for every balanced partition.
The grid rank (:func:`tnexpress.grid.grid_rank`) lower-bounds it (Claim 7.1).

What the seeds state (and the notebook ``self_attention`` shows at small sizes):
partition invariance; growth with depth (:math:`\log_3 \mathrm{sep} \sim 3^L`
for :math:`L < \log_3 d_x`); an embedding rank :math:`r < d_x` caps it.
"""

from __future__ import annotations

import numpy as np

from .._typing import Seed
from .._validate import check_int_in_range, check_positive_int
from ..nets._common import WeightDrawer
from .tensor import balanced_partitions, grid_rank, grid_tensor

__all__ = ("LinearSelfAttention", "linear_attention", "attention_separation_ranks")


class LinearSelfAttention:
    """A depth-``L`` linear self-attention network with a scalar read-out.

    Built by :func:`linear_attention`. Works for any number of positions ``N``.

    Attributes
    ----------
    L, d_x, H, d_in, embed_rank : int
    residual : bool
    position : int
        Output position ``i``.
    embed : numpy.ndarray, shape (d_x, d_in)
        Input embedding :math:`E`, of rank ``embed_rank``.
    WQ, WK, WV : numpy.ndarray, shape (L, H, d_a, d_x)
    WO : numpy.ndarray, shape (L, H, d_x, d_a)
    readout : numpy.ndarray, shape (d_x,)
    """

    def __init__(
        self, *, L, d_x, H, d_in, embed_rank, residual, position, embed, WQ, WK, WV, WO, readout
    ):
        self.L, self.d_x, self.H, self.d_in = L, d_x, H, d_in
        self.embed_rank = embed_rank
        self.residual = residual
        self.position = position
        self.embed = embed
        self.WQ, self.WK, self.WV, self.WO = WQ, WK, WV, WO
        self.readout = readout

    def __repr__(self) -> str:
        return (
            f"LinearSelfAttention(L={self.L}, d_x={self.d_x}, H={self.H}, d_in={self.d_in}, "
            f"embed_rank={self.embed_rank}, residual={self.residual}, position={self.position})"
        )

    def _inputs(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 2 and self.d_in == 1:
            X = X[..., None]
        if X.ndim != 3 or X.shape[2] != self.d_in:
            raise ValueError(f"X must have shape (batch, N, d_in={self.d_in}), got {X.shape}")
        if X.shape[1] <= self.position:
            raise ValueError(
                f"X has N={X.shape[1]} positions; the output position is {self.position}"
            )
        return X

    def forward(self, X) -> np.ndarray:
        """All outputs of the last layer: ``(batch, N, d_in)`` -> ``(batch, N, d_x)``."""
        Y = self._inputs(X) @ self.embed.T
        for l in range(self.L):
            q = np.einsum("bnx,hax->bnha", Y, self.WQ[l])
            k = np.einsum("bnx,hax->bnha", Y, self.WK[l])
            v = np.einsum("bnx,hax->bnha", Y, self.WV[l])
            s = np.einsum("biha,bjha->bhij", q, k)  # <W^Q y^i, W^K y^j>, no softmax
            z = np.einsum("bhij,bjha->biha", s, v)
            out = np.einsum("biha,hxa->bix", z, self.WO[l])
            Y = Y + out if self.residual else out
        return Y

    def __call__(self, X) -> np.ndarray:
        r"""Scalar output :math:`\langle u, y^{L,i}\rangle` for a batch ``(batch, N, d_in)``."""
        return self.forward(X)[:, self.position, :] @ self.readout

    def grid_tensor(self, N: int, template, *, batch_size: int = 2**14) -> np.ndarray:
        """Grid tensor on ``N`` positions and a ``(K, d_in)`` template: ``K**N`` entries."""
        N = check_positive_int("N", N)
        if N <= self.position:
            raise ValueError(f"N={N} must exceed the output position {self.position}")
        return grid_tensor(self, N, template, batch_size=batch_size)


def linear_attention(
    L: int,
    d_x: int,
    H: int = 1,
    *,
    d_in: int | None = None,
    embed_rank: int | None = None,
    residual: bool = False,
    position: int = 0,
    readout: int | None = None,
    seed: Seed = None,
) -> LinearSelfAttention:
    r"""A random linear self-attention stack (Eq. 7.6 of seeds/003 without softmax).

    Parameters
    ----------
    L : int
        Depth (layers), ``>= 1``.
    d_x : int
        Width (embedding dimension), ``>= 1``.
    H : int
        Heads per layer; must divide ``d_x`` (head dimension ``d_a = d_x / H``).
    d_in : int, optional
        Dimension of an input point; default ``d_x``.
    embed_rank : int, optional
        Rank ``r`` of the embedding :math:`E = U V`, :math:`U \in \mathbb{R}^{d_x \times r}`,
        :math:`V \in \mathbb{R}^{r \times d_{in}}`; ``1 <= r <= min(d_x, d_in)``,
        default ``min(d_x, d_in)`` (full rank).
    residual : bool
        Add the skip connection :math:`y^{l+1} = y^l + \mathrm{Attn}(y^l)`.
    position : int
        Output position ``i`` (``0 <= i < N``).
    readout : int, optional
        Output entry ``p`` (``0 <= p < d_x``); default a random Gaussian read-out vector.
    seed : None, int or numpy.random.Generator
        Weights (Gaussian; attention matrices scaled by :math:`d_x^{-1/2}`).

    Returns
    -------
    LinearSelfAttention

    Examples
    --------
    >>> import tnexpress as tx
    >>> model = tx.linear_attention(1, 2, seed=0)
    >>> type(model).__name__
    'LinearSelfAttention'
    """
    L = check_positive_int("L", L)
    d_x = check_positive_int("d_x", d_x)
    H = check_positive_int("H", H)
    if d_x % H:
        raise ValueError(f"H={H} must divide d_x={d_x} (head dimension d_x / H)")
    d_in = d_x if d_in is None else check_positive_int("d_in", d_in)
    r_max = min(d_x, d_in)
    r = r_max if embed_rank is None else check_positive_int("embed_rank", embed_rank)
    if r > r_max:
        raise ValueError(f"embed_rank must be <= min(d_x, d_in) = {r_max}, got {r}")
    if not isinstance(residual, bool):
        raise TypeError(f"residual must be a bool, got {residual!r}")
    position = check_int_in_range("position", position, 0, 2**31)
    d_a = d_x // H
    draw = WeightDrawer(seed)
    embed = draw(d_x, r) @ draw(r, d_in) / np.sqrt(r)
    sc = 1.0 / np.sqrt(d_x)
    WQ = draw(L, H, d_a, d_x) * sc
    WK = draw(L, H, d_a, d_x) * sc
    WV = draw(L, H, d_a, d_x) * sc
    WO = draw(L, H, d_x, d_a) * sc
    if readout is None:
        u = draw(d_x)
    else:
        p = check_int_in_range("readout", readout, 0, d_x)
        u = np.zeros(d_x)
        u[p] = 1.0
    return LinearSelfAttention(
        L=L,
        d_x=d_x,
        H=H,
        d_in=d_in,
        embed_rank=r,
        residual=residual,
        position=position,
        embed=embed,
        WQ=WQ,
        WK=WK,
        WV=WV,
        WO=WO,
        readout=u,
    )


def attention_separation_ranks(
    net: LinearSelfAttention, N: int, template, *, rtol: float | None = None
) -> dict[tuple[int, ...], int]:
    """Grid rank (lower bound on the separation rank) for every balanced partition.

    Parameters
    ----------
    net : LinearSelfAttention
    N : int
        Positions, ``N >= 2``.
    template : array_like, shape (K, d_in)
        Template points; the grid tensor has ``K**N`` entries.
    rtol : float, optional
        Relative tolerance of :func:`tnexpress.grid.grid_rank`.

    Returns
    -------
    dict
        Side ``A`` (the side holding position 0, see
        :func:`tnexpress.grid.balanced_partitions`) -> grid rank.

    Examples
    --------
    >>> import numpy as np
    >>> import tnexpress as tx
    >>> t = np.random.default_rng(2).standard_normal((5, 2)) * 0.9
    >>> ranks = tx.attention_separation_ranks(tx.linear_attention(1, 2, seed=1), 4, t, rtol=1e-10)
    >>> len(ranks), len(set(ranks.values()))  # partition invariance: one rank
    (3, 1)
    """
    T = net.grid_tensor(N, template)
    return {A: grid_rank(T, A, rtol) for A in balanced_partitions(N)}
