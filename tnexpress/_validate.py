"""Argument checks shared by every layer: one place, one wording.

Each check returns the value normalized (an ``int``, a tuple) or raises a
``TypeError``/``ValueError`` naming the argument, the value and the valid range.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

__all__ = ("check_int", "check_positive_int", "check_ranks", "check_int_in_range")


def check_int(name: str, value, minimum: int = 1) -> int:
    """Return ``value`` as int if it is an int ``>= minimum``, else raise naming ``name``."""
    return check_positive_int(name, value, minimum=minimum)


def check_int_in_range(name: str, value, lower: int, upper: int) -> int:
    """Return ``value`` as int if ``lower <= value < upper``, else raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int in [{lower}, {upper}), got {value!r}")
    if not lower <= value < upper:
        raise ValueError(f"{name} must be in [{lower}, {upper}), got {value}")
    return int(value)


def check_positive_int(name: str, value, *, minimum: int = 1) -> int:
    """Return ``value`` as int, or raise naming ``name`` and the valid range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_ranks(ranks, n_layers: int, *, what: str) -> tuple[int, ...]:
    """Expand ``ranks`` (an int or a sequence) to ``n_layers`` positive ints."""
    if isinstance(ranks, numbers.Integral) and not isinstance(ranks, bool):
        ranks = (int(ranks),) * n_layers
    if isinstance(ranks, str) or not isinstance(ranks, Sequence):
        raise TypeError(f"ranks must be an int or a sequence of ints, got {ranks!r}")
    if len(ranks) != n_layers:
        raise ValueError(f"ranks has {len(ranks)} entries; {what} needs {n_layers}")
    return tuple(check_positive_int(f"ranks[{i}]", r) for i, r in enumerate(ranks))
