r"""CP decomposition by alternating least squares, CP-rank estimates, equal-core tensor trains.

The CP rank of an order-d tensor is the smallest ``R`` with

.. math::

    \mathcal{X} = \sum_{k=1}^{R} a^{(1)}_k \otimes \cdots \otimes a^{(d)}_k .

Every matricization rank is a lower bound on it (a rank-one tensor matricizes to a
rank-one matrix). Khrulkov, Novikov & Oseledets (2018) and Alkin & Oseledets
(seeds/004) prove that tensor trains with TT ranks ``r`` and mode size ``n`` have
CP rank at least :math:`q^{d/2}` almost everywhere, :math:`q = \min(n, r - 1)`
when the inner cores are equal (:math:`G_2 = \dots = G_{d-1}`).

:func:`estimate_cp_rank` is a numerical *estimate* (smallest ``R`` at which ALS
reaches a small relative error from some restart): ALS can fail to find an
existing decomposition, so it is an upper bound only up to optimization failure,
and border-rank effects can make a lower rank fit to any accuracy.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .._typing import Seed
from .._validate import check_positive_int
from ..nets._common import WeightDrawer

__all__ = (
    "CPResult",
    "cp_als",
    "cp_to_dense",
    "estimate_cp_rank",
    "tt_to_dense",
    "random_tt_cores",
    "alkin_witness_cores",
)


@dataclass(frozen=True)
class CPResult:
    r"""Result of :func:`cp_als`.

    Attributes
    ----------
    factors : list of numpy.ndarray
        ``factors[m]`` of shape ``(T.shape[m], rank)``; weights absorbed.
    rel_error : float
        :math:`\|T - \hat T\|_F / \|T\|_F`.
    n_iter : int
        Sweeps performed.
    converged : bool
        Whether ``rel_error < tol`` or the error stalled.
    """

    factors: list
    rel_error: float
    n_iter: int
    converged: bool


def cp_to_dense(factors) -> np.ndarray:
    r"""The tensor :math:`\sum_k a^{(1)}_k \otimes \cdots \otimes a^{(d)}_k`."""
    factors = [np.asarray(f) for f in factors]
    R = factors[0].shape[1]
    out = np.ones((1, R))
    for f in factors:
        out = np.einsum("pr,ir->pir", out, f).reshape(-1, R)
    return out.sum(axis=1).reshape([f.shape[0] for f in factors])


def _check_tensor(T) -> np.ndarray:
    T = np.asarray(T)
    if T.dtype.kind not in "iuf":
        raise TypeError(f"T must be a real numeric array, got dtype {T.dtype}")
    if T.ndim < 2:
        raise ValueError(f"T must have order >= 2, got shape {T.shape}")
    return T.astype(np.float64)


def _check_real(name, value, lo, hi):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not lo <= value < hi:
        raise ValueError(f"{name} must be a float in [{lo}, {hi}), got {value!r}")
    return float(value)


def cp_als(
    T,
    rank: int,
    *,
    tol: float = 1e-10,
    max_iter: int = 2000,
    seed: Seed = None,
    reg: float = 1e-12,
) -> CPResult:
    r"""Fit a rank-``rank`` CP decomposition by alternating least squares.

    Each sweep solves, for every mode ``m`` in turn, the regularized normal equations

    .. math::

        A^{(m)} \big(V + \lambda I\big) = X_{(m)} \big(\odot_{m' \ne m} A^{(m')}\big),
        \qquad V = \circledast_{m' \ne m} A^{(m')\top} A^{(m')},

    (:math:`\odot` Khatri-Rao, :math:`\circledast` Hadamard product), with
    :math:`\lambda = \mathrm{reg} \cdot \operatorname{tr}(V) / R` (light Tikhonov
    regularization against the ill-conditioning of swamps), and rescales the
    columns to equal norms across modes.

    Parameters
    ----------
    T : array_like
        Real tensor of order ``d >= 2``.
    rank : int
        Number of terms ``R >= 1``.
    tol : float
        Stop when the relative error is below ``tol`` (or improves by less than
        0.1% of itself over 200 sweeps: a stall).
    max_iter : int
        Maximum sweeps.
    seed : None, int or numpy.random.Generator
        Random Gaussian initialization.
    reg : float
        Relative regularization ``>= 0``.

    Returns
    -------
    CPResult
    """
    T = _check_tensor(T)
    rank = check_positive_int("rank", rank)
    max_iter = check_positive_int("max_iter", max_iter)
    tol = _check_real("tol", tol, 0.0, 1.0)
    reg = _check_real("reg", reg, 0.0, 1.0)
    d = T.ndim
    norm_T = np.linalg.norm(T)
    draw = WeightDrawer(seed)
    A = [draw(n, rank) for n in T.shape]
    if norm_T == 0:
        return CPResult([np.zeros((n, rank)) for n in T.shape], 0.0, 0, True)
    unfold = [np.moveaxis(T, m, 0).reshape(T.shape[m], -1) for m in range(d)]
    err = np.inf
    history = []
    it = 0
    for it in range(1, max_iter + 1):
        for m in range(d):
            others = [A[k] for k in range(d) if k != m]
            kr = others[0]
            for f in others[1:]:
                kr = np.einsum("ir,jr->ijr", kr, f).reshape(-1, rank)
            V = np.ones((rank, rank))
            for f in others:
                V *= f.T @ f
            lam = reg * np.trace(V) / rank
            rhs = unfold[m] @ kr
            A[m] = np.linalg.solve(V + lam * np.eye(rank), rhs.T).T
        # balance column norms across modes
        norms = np.array([np.linalg.norm(f, axis=0) for f in A])  # (d, R)
        norms[norms == 0] = 1.0
        geo = np.exp(np.log(norms).mean(axis=0))
        A = [f / nm * geo for f, nm in zip(A, norms, strict=True)]
        err = np.linalg.norm(cp_to_dense(A) - T) / norm_T
        history.append(err)
        if err < tol:
            return CPResult(A, float(err), it, True)
        if it > 200 and history[-201] - err < 1e-3 * err:
            return CPResult(A, float(err), it, True)
    return CPResult(A, float(err), it, False)


def estimate_cp_rank(
    T,
    *,
    tol: float = 1e-6,
    max_rank: int | None = None,
    restarts: int = 5,
    max_iter: int = 2000,
    seed: Seed = 0,
    start: int = 1,
) -> int | None:
    r"""Smallest ``R`` whose best ALS fit over ``restarts`` has relative error ``< tol``.

    .. math::

        \hat R = \min\{R \ge \mathrm{start} :
        \min_{\text{restarts}} \|T - \mathrm{ALS}_R(T)\| / \|T\| < \mathrm{tol}\}

    Parameters
    ----------
    T : array_like
        Real tensor, order ``>= 2``.
    tol : float
        Relative error counted as an exact fit.
    max_rank : int, optional
        Largest ``R`` tried; default ``prod(shape) / max(shape)`` (the trivial
        upper bound on the CP rank: slices along the largest mode).
    restarts : int
        Random initializations per ``R``.
    max_iter : int
        ALS sweeps per restart.
    seed : None, int or numpy.random.Generator
        Seeds the restarts.
    start : int
        First ``R`` tried (e.g. a known lower bound such as a matricization rank).

    Returns
    -------
    int or None
        The estimate, ``0`` for the zero tensor, or ``None`` if no ``R <= max_rank``
        reached ``tol`` (then the CP rank is > max_rank or ALS failed).

    Examples
    --------
    >>> import numpy as np
    >>> import tnexpress as tx
    >>> rng = np.random.default_rng(0)
    >>> a, b, c = (rng.standard_normal((3, 2)) for _ in range(3))
    >>> T = np.einsum("ir,jr,kr->ijk", a, b, c)  # CP rank 2
    >>> tx.estimate_cp_rank(T, max_rank=4, seed=0)
    2
    """
    T = _check_tensor(T)
    if not np.any(T):
        return 0
    trivial = int(np.prod(T.shape) // max(T.shape))
    max_rank = trivial if max_rank is None else check_positive_int("max_rank", max_rank)
    restarts = check_positive_int("restarts", restarts)
    start = check_positive_int("start", start)
    rng = np.random.default_rng(seed)
    for R in range(start, max_rank + 1):
        for _ in range(restarts):
            res = cp_als(T, R, tol=tol / 2, max_iter=max_iter, seed=rng)
            if res.rel_error < tol:
                return R
    return None


def tt_to_dense(cores) -> np.ndarray:
    r"""Contract tensor-train cores ``G_k`` of shape ``(r_{k-1}, n_k, r_k)`` (``r_0 = r_d = 1``).

    .. math::

        \mathcal{X}_{i_1 \dots i_d} = G_1[:, i_1, :] \, G_2[:, i_2, :] \cdots G_d[:, i_d, :]
    """
    cores = [np.asarray(c, dtype=np.float64) for c in cores]
    if cores[0].shape[0] != 1 or cores[-1].shape[2] != 1:
        raise ValueError("the first core must have shape (1, n, r) and the last (r, n, 1)")
    out = cores[0].reshape(-1, cores[0].shape[2])
    for c in cores[1:]:
        if c.shape[0] != out.shape[1]:
            raise ValueError(f"core shapes do not chain: bond {out.shape[1]} vs {c.shape[0]}")
        out = np.einsum("pa,aib->pib", out, c).reshape(-1, c.shape[2])
    return out.reshape([c.shape[1] for c in cores])


def random_tt_cores(
    d: int, n: int, r: int, *, equal_cores: bool = True, seed: Seed = None
) -> list[np.ndarray]:
    r"""Random Gaussian TT cores; with ``equal_cores`` the inner ones are one shared array.

    Parameters
    ----------
    d : int
        Order, ``d >= 2``.
    n : int
        Mode size.
    r : int
        TT rank (every inner bond).
    equal_cores : bool
        :math:`G_2 = \dots = G_{d-1}` (an RNN with one recurrent cell, seeds/004).
    seed : None, int or numpy.random.Generator

    Returns
    -------
    list of numpy.ndarray
        ``[G_1 (1, n, r), G_2 .. G_{d-1} (r, n, r), G_d (r, n, 1)]``.
    """
    d = check_positive_int("d", d, minimum=2)
    n = check_positive_int("n", n)
    r = check_positive_int("r", r)
    draw = WeightDrawer(seed)
    first = draw(1, n, r)
    if equal_cores:
        inner = draw(r, n, r) / np.sqrt(r)
        mids = [inner] * (d - 2)
    else:
        mids = [draw(r, n, r) / np.sqrt(r) for _ in range(d - 2)]
    last = draw(r, n, 1)
    return [first, *mids, last]


def alkin_witness_cores(d: int, n: int, r: int) -> list[np.ndarray]:
    r"""The equal-core TT of Alkin & Oseledets whose odd/even matricization is the identity.

    With :math:`q = \min(n, r - 1)` (1-based indices, :math:`[\cdot]` the Iverson bracket):

    .. math::

        G_1^{i\alpha} = [i = \alpha],\quad
        G_k^{\alpha i \beta} = \begin{cases}
            [\alpha = i][\beta = q+1] & \alpha \le q \\
            [i = \beta] & \alpha = q + 1 \\ 0 & \alpha > q + 1 \end{cases},\quad
        G_d^{\alpha i} = [\alpha = i].

    Restricted to indices :math:`i_k \le q`, the odd/even matricization is the
    :math:`q^{d/2} \times q^{d/2}` identity, so that rank (hence the CP rank) is
    :math:`\ge q^{d/2}` at this point and, by Claim 7.2, almost everywhere.

    Parameters
    ----------
    d : int
        Even order ``>= 2``.
    n, r : int
        Mode size and TT rank, ``r >= 2``.
    """
    d = check_positive_int("d", d, minimum=2)
    if d % 2:
        raise ValueError(f"d must be even, got {d}")
    n = check_positive_int("n", n)
    r = check_positive_int("r", r, minimum=2)
    q = min(n, r - 1)
    G1 = np.zeros((1, n, r))
    for i in range(min(n, r)):
        G1[0, i, i] = 1.0
    G = np.zeros((r, n, r))
    for a in range(q):
        G[a, a, q] = 1.0  # alpha <= q: [alpha = i][beta = q+1]
    for i in range(min(n, r)):
        G[q, i, i] = 1.0  # alpha = q+1: [i = beta]
    Gd = np.zeros((r, n, 1))
    for i in range(min(n, r)):
        Gd[i, i, 0] = 1.0
    return [G1, *([G] * (d - 2)), Gd]
