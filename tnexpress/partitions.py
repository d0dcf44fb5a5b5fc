"""Canonical bipartitions of input positions; each returns side ``A`` as sorted positions.

1D (N positions): :func:`left_right`, :func:`odd_even` (interleaved),
:func:`blocks` (alternating contiguous blocks), :func:`random_balanced`.
2D (H x W grid, site = y*W + x): :func:`interleaved_columns`,
:func:`left_right_2d`, :func:`top_bottom`, :func:`checkerboard`.
"""

from __future__ import annotations

import numpy as np

from ._typing import Seed
from ._validate import check_positive_int

__all__ = (
    "left_right",
    "odd_even",
    "blocks",
    "random_balanced",
    "interleaved_columns",
    "left_right_2d",
    "top_bottom",
    "checkerboard",
    "get_partition",
    "canonical_1d",
    "canonical_2d",
    "PARTITIONS_1D",
    "PARTITIONS_2D",
)


def left_right(N: int) -> tuple[int, ...]:
    """``A = {0, ..., N//2 - 1}``: the coarsest partition."""
    N = check_positive_int("N", N, minimum=2)
    return tuple(range(N // 2))


def odd_even(N: int) -> tuple[int, ...]:
    """``A = {0, 2, 4, ...}`` (the odd positions counting from 1): the finest interleaving."""
    N = check_positive_int("N", N, minimum=2)
    return tuple(range(0, N, 2))


def blocks(N: int, size: int) -> tuple[int, ...]:
    """Alternating contiguous blocks of ``size``: ``A`` = the even-numbered blocks.

    ``size=1`` is :func:`odd_even`, ``size=N//2`` is :func:`left_right`.
    """
    N = check_positive_int("N", N, minimum=2)
    size = check_positive_int("size", size)
    if size >= N:
        raise ValueError(f"size must be in [1, {N - 1}] for N={N}, got {size}")
    return tuple(i for i in range(N) if (i // size) % 2 == 0)


def random_balanced(N: int, seed: Seed = None) -> tuple[int, ...]:
    """A uniformly random ``A`` with ``|A| = N//2``."""
    N = check_positive_int("N", N, minimum=2)
    rng = np.random.default_rng(seed)
    return tuple(sorted(int(i) for i in rng.choice(N, N // 2, replace=False)))


def _grid(H, W):
    H = check_positive_int("H", H)
    W = check_positive_int("W", W)
    if H * W < 2:
        raise ValueError(f"the grid needs at least 2 sites, got H={H}, W={W}")
    return H, W


def interleaved_columns(H: int, W: int) -> tuple[int, ...]:
    """``A`` = even columns: two of the four pixels of every 2x2 window."""
    H, W = _grid(H, W)
    return tuple(y * W + x for y in range(H) for x in range(0, W, 2))


def left_right_2d(H: int, W: int) -> tuple[int, ...]:
    """``A`` = the left half of the columns."""
    H, W = _grid(H, W)
    return tuple(y * W + x for y in range(H) for x in range(W // 2))


def top_bottom(H: int, W: int) -> tuple[int, ...]:
    """``A`` = the top half of the rows."""
    H, W = _grid(H, W)
    return tuple(y * W + x for y in range(H // 2) for x in range(W))


def checkerboard(H: int, W: int) -> tuple[int, ...]:
    """``A`` = sites with ``x + y`` even."""
    H, W = _grid(H, W)
    return tuple(y * W + x for y in range(H) for x in range(W) if (x + y) % 2 == 0)


PARTITIONS_1D = {"left-right": left_right, "odd-even": odd_even}
PARTITIONS_2D = {
    "interleaved": interleaved_columns,
    "left-right": left_right_2d,
    "top-bottom": top_bottom,
    "checkerboard": checkerboard,
}


def canonical_1d(N: int) -> dict[str, tuple[int, ...]]:
    """The canonical 1D partitions: ``{"left-right": ..., "odd-even": ...}``."""
    return {name: fn(N) for name, fn in PARTITIONS_1D.items()}


def canonical_2d(H: int, W: int) -> dict[str, tuple[int, ...]]:
    """The canonical 2D partitions: interleaved, left-right, top-bottom, checkerboard."""
    return {name: fn(H, W) for name, fn in PARTITIONS_2D.items()}


def get_partition(name: str, N: int | None = None, *, H: int | None = None, W: int | None = None):
    """Side ``A`` of the named partition, 1D (``N``) or 2D (``H``, ``W``).

    Names: 1D ``left-right``, ``odd-even``, ``blocks-K``, ``random-SEED``;
    2D ``interleaved``, ``left-right``, ``top-bottom``, ``checkerboard``.
    """
    if H is not None or W is not None:
        if name not in PARTITIONS_2D:
            raise ValueError(f"unknown 2D partition {name!r}; valid: {', '.join(PARTITIONS_2D)}")
        return PARTITIONS_2D[name](H, W)
    if name in PARTITIONS_1D:
        return PARTITIONS_1D[name](N)
    if name.startswith("blocks-") and name[7:].isdigit():
        return blocks(N, int(name[7:]))
    if name.startswith("random-") and name[7:].isdigit():
        return random_balanced(N, int(name[7:]))
    raise ValueError(
        f"unknown partition {name!r}; valid: left-right, odd-even, blocks-K, random-SEED"
    )
