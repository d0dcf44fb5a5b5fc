r"""Grid tensors: any function of N inputs as a dense order-N tensor.

For a function :math:`y : (\mathbb{R}^d)^N \to \mathbb{R}` and a template of
``M`` points :math:`x^{(1)}, \dots, x^{(M)} \in \mathbb{R}^d`, the grid tensor is

.. math::

    \mathcal{A}(y)_{j_1 \dots j_N} = y\big(x^{(j_1)}, \dots, x^{(j_N)}\big),
    \qquad j_i \in [M].

Claim 7.1 of the seeds (seeds/003): for every partition ``(A, B)`` of the
positions, every ``M`` and every template,

.. math::

    \operatorname{sep}_{(A,B)}(y) \;\ge\; \operatorname{rank}
    [\![\mathcal{A}(y)]\!]_{A,B},

so the rank of a matricization of the grid tensor (:func:`grid_rank`) is a lower
bound on the separation rank of *any* function, multilinear or not (ReLU nets,
max pooling, self-attention). For a convolutional arithmetic circuit with
representation matrix ``F`` it equals the rank of the coefficient tensor's
matricization whenever ``F`` has full column rank.

The grid tensor has ``M**N`` entries; :func:`grid_tensor` refuses, before
allocating, when that exceeds the memory budget of :mod:`tnexpress.contract`.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable, Iterable

import numpy as np

from .._validate import check_int
from ..engine.paths import check_size

__all__ = (
    "grid_tensor",
    "matricize",
    "grid_rank",
    "grid_schmidt_values",
    "balanced_partitions",
)

_DEFAULT_BATCH = 2**16


def _check_template(template) -> np.ndarray:
    t = np.asarray(template)
    if t.dtype.kind not in "iufc":
        raise TypeError(f"template must be a numeric array, got dtype {t.dtype}")
    if t.ndim not in (1, 2):
        raise ValueError(
            f"template must have shape (M, d) (M points in R^d) or (M,) (scalar points), "
            f"got shape {t.shape}"
        )
    if t.shape[0] < 1:
        raise ValueError("template must hold at least one point, got 0")
    if t.dtype.kind in "iu":
        t = t.astype(np.float64)
    return t


def grid_tensor(
    f: Callable[[np.ndarray], np.ndarray],
    N: int,
    template,
    *,
    batch_size: int = _DEFAULT_BATCH,
) -> np.ndarray:
    r"""Evaluate ``f`` on all ``M**N`` points of a template grid.

    .. math::

        \mathcal{A}(f)_{j_1 \dots j_N} = f\big(x^{(j_1)}, \dots, x^{(j_N)}\big)

    Parameters
    ----------
    f : callable
        Vectorized function of a batch of inputs. With a template of shape
        ``(M, d)`` it is called as ``f(X)`` with ``X`` of shape ``(batch, N, d)``;
        with a template of shape ``(M,)`` (scalar inputs) ``X`` has shape
        ``(batch, N)``. It must return an array of shape ``(batch,)`` (a scalar
        per input; ``(batch, 1)`` is accepted).
    N : int
        Number of input positions (the order of the grid tensor), ``N >= 1``.
    template : array_like, shape (M, d) or (M,)
        The template points :math:`x^{(1)}, \dots, x^{(M)}`.
    batch_size : int, optional
        Points per call of ``f`` (bounds the memory of one call).

    Returns
    -------
    numpy.ndarray, shape (M,) * N
        The grid tensor, in the dtype ``f`` returns (at least float64).
        Entry ``[j_1, ..., j_N]`` is ``f`` at ``(template[j_1], ..., template[j_N])``.

    Raises
    ------
    tnexpress.contract.BudgetError
        If ``M**N`` entries exceed the memory budget (raised before allocating).
    ValueError, TypeError
        On a bad ``N``, ``template``, ``batch_size`` or output shape of ``f``.

    Examples
    --------
    >>> import numpy as np
    >>> T = grid_tensor(lambda X: X.sum(axis=1), 3, np.array([0.0, 1.0]))
    >>> T.shape, float(T[1, 0, 1])
    ((2, 2, 2), 2.0)
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    N = check_int("N", N)
    batch_size = check_int("batch_size", batch_size)
    t = _check_template(template)
    M = t.shape[0]
    n_entries = float(M) ** N
    check_size(
        n_entries,
        8,
        what=f"the grid tensor of N={N} inputs on an M={M}-point template",
        instead="use fewer inputs N or fewer template points M",
    )
    n_entries = M**N
    out = None
    for start in range(0, n_entries, batch_size):
        stop = min(start + batch_size, n_entries)
        flat = np.arange(start, stop)
        idx = np.stack(np.unravel_index(flat, (M,) * N), axis=1)  # (b, N)
        X = t[idx]  # (b, N, d) or (b, N)
        y = np.asarray(f(X))
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.shape != (stop - start,):
            raise ValueError(
                f"f must return shape (batch,) = ({stop - start},) for X of shape {X.shape}, "
                f"got {y.shape}"
            )
        if out is None:
            dt = np.result_type(y.dtype, np.float64)
            out = np.empty(n_entries, dtype=dt)
        out[start:stop] = y
    return out.reshape((M,) * N)


def _check_side(A, N: int) -> tuple[int, ...]:
    if isinstance(A, numbers.Integral) and not isinstance(A, bool):
        A = (A,)
    if isinstance(A, str) or not isinstance(A, Iterable):
        raise TypeError(f"A must be an iterable of positions (ints), got {A!r}")
    A = tuple(A)
    for a in A:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral):
            raise TypeError(f"A must contain ints (positions 0..{N - 1}), got {a!r}")
        if not 0 <= a < N:
            raise ValueError(
                f"A contains position {a}; positions of an order-{N} tensor are 0..{N - 1}"
            )
    if len(set(A)) != len(A):
        raise ValueError(f"A has repeated positions: {A}")
    if not 0 < len(A) < N:
        raise ValueError(
            f"A must be a non-empty proper subset of the {N} positions, got {len(A)} positions"
        )
    return tuple(sorted(int(a) for a in A))


def matricize(T, A) -> np.ndarray:
    r"""The matricization :math:`[\![T]\!]_{A,B}`: rows indexed by ``A``, columns by the rest.

    Rows run over the modes in ``A`` in increasing order (the first the slowest),
    columns over ``B = [N] \ A`` likewise, as in seeds/003:

    .. math::

        ([\![T]\!]_{A,B})_{\mathrm{row},\mathrm{col}} = T_{j_1 \dots j_N},\quad
        \mathrm{row} = \sum_t j_{a_t} \prod_{t' > t} M_{a_{t'}}.

    Parameters
    ----------
    T : array_like
        Order-N tensor.
    A : iterable of int
        Row positions, a non-empty proper subset of ``range(N)`` (any order).

    Returns
    -------
    numpy.ndarray, shape (prod(T.shape[a] for a in A), prod over B)

    Examples
    --------
    >>> import numpy as np
    >>> import tnexpress as tx
    >>> T = np.arange(8.0).reshape(2, 2, 2)
    >>> tx.matricize(T, (1,)).shape
    (2, 4)
    """
    T = np.asarray(T)
    A = _check_side(A, T.ndim)
    B = tuple(i for i in range(T.ndim) if i not in A)
    rows = math.prod(T.shape[a] for a in A)
    return np.transpose(T, A + B).reshape(rows, -1)


def grid_schmidt_values(T, A, *, normalize: bool = True) -> np.ndarray:
    r"""Singular values of :math:`[\![T]\!]_{A,B}`, descending.

    Parameters
    ----------
    T : array_like
        Order-N tensor (a grid tensor).
    A : iterable of int
        Row positions.
    normalize : bool, optional
        If True (default) scale so that :math:`\sum_k s_k^2 = 1` (the convention of
        :func:`tnexpress.schmidt_values`); a zero tensor gives all zeros.

    Returns
    -------
    numpy.ndarray
        ``min(rows, cols)`` singular values.

    Examples
    --------
    >>> import numpy as np
    >>> import tnexpress as tx
    >>> T = np.eye(3).reshape(3, 3) / np.sqrt(3)
    >>> np.round(tx.grid_schmidt_values(T, (0,)), 6)
    array([0.57735, 0.57735, 0.57735])
    """
    s = np.linalg.svd(matricize(T, A), compute_uv=False)
    if normalize:
        nrm = np.sqrt(np.sum(s**2))
        if nrm > 0:
            s = s / nrm
    return s


def grid_rank(T, A, rtol: float | None = None) -> int:
    r"""Numerical rank of :math:`[\![T]\!]_{A,B}` (lower bound on the separation rank).

    The rank is the number of singular values :math:`s_k` with

    .. math::

        s_k > \mathrm{rtol} \cdot s_1,

    where :math:`s_1` is the largest. The default ``rtol = max(rows, cols) * eps``
    (``eps`` of float64, 2.2e-16) is numpy's ``matrix_rank`` default: it counts
    every singular value above the rounding noise of the SVD. Pass a larger
    ``rtol`` (e.g. ``1e-10``) for tensors computed with rounding error of their own.

    Parameters
    ----------
    T : array_like
        Order-N tensor.
    A : iterable of int
        Row positions.
    rtol : float, optional
        Relative tolerance, ``0 <= rtol < 1``.

    Returns
    -------
    int
        0 for the zero tensor.

    Examples
    --------
    >>> import numpy as np
    >>> import tnexpress as tx
    >>> T = np.einsum("i,j,k,l->ijkl", *np.random.default_rng(0).standard_normal((4, 3)))
    >>> tx.grid_rank(T, (0, 2))  # a product: rank 1 across every partition
    1
    """
    Mtx = matricize(T, A)
    if rtol is None:
        rtol = max(Mtx.shape) * np.finfo(np.float64).eps
    elif not isinstance(rtol, numbers.Real) or not 0 <= rtol < 1:
        raise ValueError(f"rtol must be a float in [0, 1), got {rtol!r}")
    s = np.linalg.svd(Mtx, compute_uv=False)
    if s.size == 0 or s[0] == 0:
        return 0
    return int(np.count_nonzero(s > rtol * s[0]))


def balanced_partitions(N: int) -> list[tuple[int, ...]]:
    r"""All balanced bipartitions of ``range(N)``, each once, as the side containing 0.

    For even ``N`` these are the :math:`\binom{N}{N/2}/2` sets ``A`` with
    ``|A| = N/2`` and ``0 in A`` (``A`` and its complement give the same
    matricization up to transposition). For odd ``N`` they are all
    :math:`\binom{N}{\lfloor N/2 \rfloor}` sets of size ``floor(N/2)``.

    Parameters
    ----------
    N : int
        Number of positions, ``N >= 2``.

    Returns
    -------
    list of tuple of int

    Examples
    --------
    >>> import tnexpress as tx
    >>> tx.balanced_partitions(4)
    [(0, 1), (0, 2), (0, 3)]
    """
    N = check_int("N", N, 2)
    if N % 2 == 0:
        return [(0,) + c for c in itertools.combinations(range(1, N), N // 2 - 1)]
    return list(itertools.combinations(range(N), N // 2))
