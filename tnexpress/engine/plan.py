"""Sizes of a row-compressed contraction, computed from shapes alone (no arrays).

A thin wrapper: the path is compiled by :func:`tnexpress.engine.executor.compile_path`
and run in :class:`~tnexpress.engine.executor.ShapeArith`, which records every
allocation the float pass makes (transposed copies, matmul outputs, QR input
copies and workspace), so the largest is known exactly before anything is
allocated.
"""

from __future__ import annotations

from .executor import compile_path

__all__ = ("peak_entries",)


def peak_entries(inputs, output, path, size, *, rows=(), ssa: bool = False) -> int:
    """Largest single allocation (entries) of the float pass of ``path``.

    Parameters are those of :func:`tnexpress.engine.executor.compile_path`.

    Examples
    --------
    >>> peak_entries([("i", "j"), ("j", "k")], ("i", "k"), [(0, 1)], {"i": 2, "j": 3, "k": 4})
    12
    """
    return compile_path(inputs, output, path, size, rows=rows, ssa=ssa).peak_entries()
