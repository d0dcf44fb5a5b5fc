"""The memory budget: every dense allocation is checked against it first.

:func:`check_size` raises :class:`BudgetError` naming the size and the way out
before anything is allocated; the budget defaults to half of RAM.
"""

from __future__ import annotations

import math

__all__ = ("BudgetError", "check_size", "get_memory_budget", "set_memory_budget", "fmt_bytes")


class BudgetError(MemoryError):
    """A requested array or intermediate exceeds the memory budget.

    Examples
    --------
    >>> import tnexpress as tx
    >>> try:
    ...     tx.schmidt_values(tx.nets.ht(64, 2, 2, seed=0), range(32), method="dense")
    ... except tx.BudgetError as e:
    ...     print("refused:", str(e)[:40])
    refused: the dense 4294967296 x 4294967296 matric
    """


_BUDGET: list[int | None] = [None]
_BUDGET_FRACTION = 0.5


def get_memory_budget() -> int:
    """Bytes any single array of a contraction may take (default: half of RAM).

    Examples
    --------
    >>> import tnexpress as tx
    >>> tx.get_memory_budget() > 0
    True
    """
    if _BUDGET[0] is None:
        try:
            import psutil

            total = psutil.virtual_memory().total
        except Exception:  # pragma: no cover - psutil is a core dependency
            total = 8 * 2**30
        _BUDGET[0] = int(total * _BUDGET_FRACTION)
    return _BUDGET[0]


def set_memory_budget(nbytes: int | None) -> None:
    """Set the memory budget in bytes; ``None`` restores the default (half of RAM).

    Examples
    --------
    >>> import tnexpress as tx
    >>> old = tx.get_memory_budget()
    >>> tx.set_memory_budget(2**30)
    >>> tx.get_memory_budget()
    1073741824
    >>> tx.set_memory_budget(old)
    """
    if nbytes is not None and (not isinstance(nbytes, int) or nbytes <= 0):
        raise ValueError(f"nbytes must be a positive int or None, got {nbytes!r}")
    _BUDGET[0] = nbytes


def fmt_bytes(n: float) -> str:
    """``n`` bytes in binary units (``"1.5 GiB"``)."""
    if not math.isfinite(n):
        return "more bytes than float64 can count"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if n < 1024 or unit == "EiB":
            return f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} EiB"  # pragma: no cover


def check_size(n_elements: float, itemsize: int, *, what: str, instead: str) -> None:
    """Raise :class:`BudgetError` if ``n_elements * itemsize`` exceeds the budget.

    Parameters
    ----------
    n_elements : float
        Number of entries of the array (may be astronomically large; a float).
    itemsize : int
        Bytes per entry.
    what : str
        What the array is, for the message.
    instead : str
        What the caller can do instead, for the message.
    """
    budget = get_memory_budget()
    if n_elements * itemsize > budget:  # exact for ints of any size
        log2n = math.log2(n_elements) if n_elements > 0 else 0.0
        nbytes = 2.0 ** (log2n + math.log2(itemsize)) if log2n < 1000 else math.inf
        raise BudgetError(
            f"{what} needs {fmt_bytes(nbytes)} (2^{log2n:.1f} entries), over the memory "
            f"budget of {fmt_bytes(budget)}; {instead}"
        )
