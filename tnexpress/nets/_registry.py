"""The registry of architecture families.

Each module of :mod:`tnexpress.nets` builds one family and registers it at its
bottom with :func:`register_family`. The command line, :func:`tnexpress.certify`
and the atlas read the registry, so a new family is one new file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ("Family", "register_family", "get_family", "families")


@dataclass(frozen=True)
class Family:
    """An architecture family.

    Attributes
    ----------
    name : str
        Registry key (``"ht"``, ``"tt"``, ...).
    build : callable
        ``build(**arch) -> quimb.tensor.TensorNetworkGenVector`` with site
        indices ``k{i}``.
    partitions : callable
        ``partitions(**arch) -> dict[str, tuple[int, ...]]``: the canonical
        bipartitions of this family (name -> side ``A`` as site positions).
    params : mapping
        Command-line parameters: name -> ``(parser, default, help)``; the
        parser turns the command-line string into the builder's argument.
    bound : callable or None
        ``bound(partition_name, **arch) -> int | None``: the theory's closed
        form for the generic rank, where one is known.
    atlas : tuple of dict
        Architectures (keyword dicts) the atlas measures for this family.
    """

    name: str
    build: Callable[..., Any]
    partitions: Callable[..., dict[str, tuple[int, ...]]]
    params: Mapping[str, tuple[Callable[[str], Any], Any, str]] = field(default_factory=dict)
    bound: Callable[..., int | None] | None = None
    atlas: tuple[dict, ...] = ()
    doc: str = ""


_FAMILIES: dict[str, Family] = {}


def register_family(
    name: str,
    build: Callable[..., Any],
    *,
    partitions: Callable[..., dict[str, tuple[int, ...]]],
    params: Mapping[str, tuple[Callable[[str], Any], Any, str]] | None = None,
    bound: Callable[..., int | None] | None = None,
    atlas: tuple[dict, ...] = (),
    doc: str = "",
    overwrite: bool = False,
) -> Family:
    """Register an architecture family under ``name``.

    Raises
    ------
    KeyError
        If ``name`` is taken and ``overwrite`` is False.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"family name must be a non-empty str, got {name!r}")
    if name in _FAMILIES and not overwrite:
        raise KeyError(f"family {name!r} is already registered; pass overwrite=True to replace it")
    fam = Family(
        name=name,
        build=build,
        partitions=partitions,
        params=dict(params or {}),
        bound=bound,
        atlas=tuple(atlas),
        doc=doc or (build.__doc__ or "").strip().splitlines()[0] if (doc or build.__doc__) else "",
    )
    _FAMILIES[name] = fam
    return fam


def get_family(name: str) -> Family:
    """Return the registered family ``name``; the error lists the valid names."""
    try:
        return _FAMILIES[name]
    except KeyError:
        raise ValueError(
            f"unknown architecture family {name!r}; registered: {', '.join(sorted(_FAMILIES))}"
        ) from None


def families() -> tuple[str, ...]:
    """Names of all registered families, sorted."""
    return tuple(sorted(_FAMILIES))
