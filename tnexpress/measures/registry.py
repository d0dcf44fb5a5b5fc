"""The measure registry: what ``tnexpress measure`` and the atlas report.

A measure of a bipartition is a function of one
:class:`~tnexpress.measures.bipartition.Bipartition` (and keyword options such
as ``alpha``) returning a JSON-ready value. Registering one makes it a key of
``tnexpress measure --json`` and a column of the atlas; no other edit is needed.

>>> import tnexpress as tx
>>> tx.measure_names()[:3]
('min_cut', 'schmidt_rank', 'entropy_bits')
>>> bp = tx.bipartition(tx.nets.tt(8, 2, 2, seed=0), range(4))
>>> tx.get_measure("min_cut")(bp)
2
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ("Measure", "register_measure", "get_measure", "measure_names")


@dataclass(frozen=True)
class Measure:
    """A registered measure of a bipartition.

    Attributes
    ----------
    name : str
        Key in ``tnexpress measure --json`` output and atlas column name.
    fn : callable
        ``fn(bp, **options) -> value`` for a :class:`Bipartition` ``bp``.
    doc : str
        One line for ``tnexpress measure --help``.
    options : tuple of str
        Keyword options ``fn`` accepts (from ``alpha``, ``method``); others are not passed.
    """

    name: str
    fn: Callable
    doc: str = ""
    options: tuple = ()

    def __call__(self, bp, **options):
        """Evaluate on ``bp``, passing only the options this measure takes."""
        return self.fn(bp, **{k: v for k, v in options.items() if k in self.options})


_MEASURES: dict[str, Measure] = {}


def register_measure(
    name: str, fn: Callable, *, doc: str = "", options=(), replace: bool = False
) -> Measure:
    """Register ``fn(bp, **options)`` as measure ``name`` (duplicates need ``replace``).

    Examples
    --------
    >>> import tnexpress as tx
    >>> m = tx.register_measure("cut_legs", lambda bp: len(bp.min_cut.inds), doc="legs cut")
    >>> m(tx.bipartition(tx.nets.ht(8, 2, 2, seed=0), [0, 2, 4, 6]))
    4
    >>> from tnexpress.measures.registry import _MEASURES
    >>> del _MEASURES["cut_legs"]  # keep the registry as it was
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"measure name must be an identifier string, got {name!r}")
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {fn!r}")
    if name in _MEASURES and not replace:
        raise ValueError(f"measure {name!r} is already registered (pass replace=True)")
    m = Measure(name, fn, doc, tuple(options))
    _MEASURES[name] = m
    return m


def get_measure(name: str) -> Measure:
    """The registered measure ``name``; the error lists the valid names.

    Examples
    --------
    >>> import tnexpress as tx
    >>> bp = tx.bipartition(tx.nets.tt(8, 2, 2, seed=0), [0, 2, 4, 6])
    >>> tx.get_measure("schmidt_rank")(bp), tx.get_measure("min_cut").doc
    (16, 'min-cut weight W (rank bound)')
    """
    try:
        return _MEASURES[name]
    except KeyError:
        raise ValueError(f"unknown measure {name!r}; valid: {', '.join(_MEASURES)}") from None


def measure_names() -> tuple[str, ...]:
    """Names of the registered measures, in registration order.

    Examples
    --------
    >>> import tnexpress as tx
    >>> "entropy_bits" in tx.measure_names()
    True
    """
    return tuple(_MEASURES)


register_measure("min_cut", lambda bp: bp.min_cut.weight, doc="min-cut weight W (rank bound)")
register_measure(
    "schmidt_rank",
    lambda bp, method="auto": bp.rank(method=method),
    doc="numerical Schmidt rank",
    options=("method",),
)
register_measure(
    "entropy_bits",
    lambda bp, alpha=1, method="auto": bp.entropy(alpha, method=method),
    doc="Renyi-alpha entanglement entropy in bits (alpha=1: von Neumann)",
    options=("alpha", "method"),
)
