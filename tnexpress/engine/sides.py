"""Open indices of any quimb network and validation of a bipartition side ``A``."""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import quimb.tensor as qtn

__all__ = ("open_inds", "resolve_side", "check_network")


def check_network(tn, name: str = "tn") -> qtn.TensorNetwork:
    """Raise TypeError unless ``tn`` is a quimb TensorNetwork (or Tensor, wrapped)."""
    if isinstance(tn, qtn.Tensor):
        return qtn.TensorNetwork([tn], virtual=True)
    if not isinstance(tn, qtn.TensorNetwork):
        raise TypeError(f"{name} must be a quimb TensorNetwork, got {type(tn).__name__}")
    if tn.num_tensors == 0:
        raise ValueError(f"{name} has no tensors")
    return tn


def open_inds(tn: qtn.TensorNetwork) -> tuple[str, ...]:
    """The open (output) indices of ``tn``, in a stable order.

    Site-indexed networks (``TensorNetworkGenVector``: MPS, PEPS, tnexpress
    builders) list their site indices first, in ``tn.sites`` order (a site index
    may be a hyper-index, e.g. an input read by several overlapping windows),
    then any other index that appears on exactly one tensor (e.g. an output
    leg ``y``). Other networks: the indices on exactly one tensor, in quimb's order.
    """
    site_inds: tuple[str, ...] = ()
    if hasattr(tn, "site_inds") and hasattr(tn, "sites"):
        try:
            site_inds = tuple(tn.site_ind(s) for s in tn.sites)
        except Exception:  # not a genuine site-indexed network
            site_inds = ()
        site_inds = tuple(ix for ix in site_inds if ix in tn.ind_map)
    seen = set(site_inds)
    rest = tuple(ix for ix in tn.outer_inds() if ix not in seen)
    return site_inds + rest


def _site_positions(tn) -> list:
    if hasattr(tn, "sites") and hasattr(tn, "site_ind"):
        try:
            return [s for s in tn.sites if tn.site_ind(s) in tn.ind_map]
        except Exception:
            return []
    return []


def _is_site(a, sites) -> bool:
    if isinstance(a, bool):
        return False
    try:
        return a in sites
    except TypeError:  # unhashable
        return False


def resolve_side(tn: qtn.TensorNetwork, A, *, name: str = "A"):
    """Turn a side ``A`` into ``(A_inds, B_inds)``, both tuples of open-index names.

    Parameters
    ----------
    tn : quimb.tensor.TensorNetwork
        The network (not modified).
    A : iterable of int or of str
        Site positions (for site-indexed networks, positions in ``tn.sites``;
        otherwise positions in :func:`open_inds` order) or open-index names.

    Raises
    ------
    TypeError
        Mixed or non int/str entries.
    ValueError
        Empty side, a side covering every open index, repeated entries,
        positions out of range, unknown index names.
    """
    opens = open_inds(tn)
    if isinstance(A, (str, numbers.Integral)):
        A = (A,)
    if not isinstance(A, Iterable):
        raise TypeError(f"{name} must be an iterable of site positions or index names, got {A!r}")
    A = list(A)
    if not A:
        raise ValueError(f"{name} is empty; a bipartition side needs at least one site")
    sites = _site_positions(tn)
    site_set = set(sites)
    if all(isinstance(a, str) for a in A):
        open_set = set(opens)
        unknown = [a for a in A if a not in open_set]
        if unknown:
            raise ValueError(
                f"{name} names unknown open indices {unknown[:5]}; the open indices are "
                f"{list(opens[:8])}{' ...' if len(opens) > 8 else ''}"
            )
        a_inds = A
    elif sites and all(_is_site(a, site_set) for a in A):
        # site labels: ints for chains and tnexpress builders, (i, j) for PEPS
        a_inds = [tn.site_ind(a) for a in A]
    elif all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in A):
        if sites:
            bad = [a for a in A if not _is_site(a, site_set)]
            raise ValueError(
                f"{name} has sites {bad[:5]} out of range; valid sites are "
                f"{sites[0]}..{sites[-1]} ({len(sites)} sites)"
            )
        bad = [a for a in A if not 0 <= a < len(opens)]
        if bad:
            raise ValueError(
                f"{name} has positions {bad[:5]} out of range; valid: 0..{len(opens) - 1}"
            )
        a_inds = [opens[a] for a in A]
    else:
        raise TypeError(
            f"{name} must hold only site positions (ints) or only open-index names (strs), "
            f"got {A!r}"
        )
    if len(set(a_inds)) != len(a_inds):
        dup = sorted({a for a in A if A.count(a) > 1}, key=str)
        raise ValueError(f"{name} repeats entries {dup[:5]}; each site may appear once")
    a_set = set(a_inds)
    b_inds = tuple(ix for ix in opens if ix not in a_set)
    if not b_inds:
        raise ValueError(
            f"{name} covers every open index ({len(opens)}); the other side must be non-empty"
        )
    return tuple(a_inds), b_inds
