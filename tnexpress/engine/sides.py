"""Open indices of any quimb network and validation of a bipartition side ``A``."""

from __future__ import annotations

import numbers
import sys
import warnings
from collections.abc import Iterable

import quimb.tensor as qtn

__all__ = ("open_inds", "resolve_side", "check_network", "deferred_columns")


def deferred_columns(tn):
    """The columns of a network whose quimb maps are not made yet, else ``None``.

    tnexpress's builders return such networks from 2^14 tensors (see
    :mod:`tnexpress.nets._deferred`): ``.datas``, ``.inds``, ``.tags`` per
    tensor (tensor id = position), ``.interned()``: every index's id. The engine
    reads them instead of the maps, which are then never made.
    """
    d = getattr(tn, "__dict__", None)
    return None if d is None else d.get("_tx_columns")


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

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> import tnexpress as tx
    >>> tx.open_inds(qtn.MPS_rand_state(3, 2, seed=0))
    ('k0', 'k1', 'k2')
    """
    return _open_inds(tn, _sites(tn)[1])


def _open_inds(tn, site_inds) -> tuple:
    seen = set(site_inds)
    rest = tuple(ix for ix in tn.outer_inds() if ix not in seen)
    return tuple(site_inds) + rest


def _sites(tn) -> tuple[list, list]:
    """``(sites, site indices)``: the sites whose index is in the network, each computed once."""
    # on the class: the instance property `site_inds` would build every index
    if hasattr(type(tn), "site_inds") and hasattr(tn, "sites") and hasattr(tn, "site_ind"):
        try:
            cols = deferred_columns(tn)
            site_ind = tn.site_ind
            ind_map = tn.ind_map if cols is None else cols.interned()[0]
            sites = list(tn.sites)
            if cols is not None and cols.site_inds is not None:
                return sites, list(cols.site_inds)  # the builder's, each in the network
            fmt = getattr(tn, "site_ind_id", None)
            if isinstance(fmt, str) and set(map(type, sites)) == {int}:
                # int sites: quimb's site_ind is site_ind_id.format(site); C-level maps
                inds = list(map(fmt.format, sites))
                if all(map(ind_map.__contains__, inds)):
                    return sites, inds
            pairs = [(s, ix) for s in sites for ix in (site_ind(s),) if ix in ind_map]
        except Exception:  # not a genuine site-indexed network
            return [], []
        return [p[0] for p in pairs], [p[1] for p in pairs]
    return [], []


def _site_positions(tn) -> list:
    return _sites(tn)[0]


def _is_site(a, sites) -> bool:
    if isinstance(a, bool):
        return False
    try:
        return a in sites
    except TypeError:  # unhashable
        return False


def _bare_error(name: str, A) -> TypeError:
    kind = "str" if isinstance(A, str) else "int"
    return TypeError(
        f"{name} must be a list of site positions or open-index names, got the bare {kind} "
        f"{A!r}; pass a list, e.g. [{A!r}]"
    )


def _warn_dangling(tn, opens, sites, site_inds) -> None:
    """Warn when a site-indexed network has open legs that are not site indices.

    ``opens`` is :func:`_open_inds` of ``site_inds``: the site indices first, then the rest.
    """
    if not sites:
        return
    extra = list(opens[len(site_inds) :])
    if extra:
        warnings.warn(
            f"open indices {extra[:5]}{' ...' if len(extra) > 5 else ''} of this "
            f"{type(tn).__name__} are not site indices ({tn.site_ind_id!r}); they are "
            "treated as parties of the bipartition (side B unless named in A)",
            UserWarning,
            stacklevel=_user_stacklevel(),
        )


def _user_stacklevel() -> int:
    """``stacklevel`` that points a warning at the first caller outside tnexpress."""
    level, f = 1, sys._getframe(1)
    while f is not None and f.f_globals.get("__name__", "").startswith("tnexpress."):
        level += 1
        f = f.f_back
    return level


def _int_side(A, sites, site_inds, opens):
    """:func:`resolve_side` for many int positions, in numpy.

    ``None`` on any bad entry: the general path then raises the error.
    """
    import numpy as np

    pos = np.array(A, dtype=np.int64)
    names = site_inds if sites else opens
    n = len(names)
    if pos.min() < 0 or pos.max() >= n:
        return None
    rest = np.ones(n, dtype=bool)
    rest[pos] = False
    if int(rest.sum()) != n - len(A):  # a repeated position
        return None
    a_inds = tuple(map(names.__getitem__, A))
    b_inds = tuple(map(names.__getitem__, np.flatnonzero(rest).tolist()))
    if sites:  # open legs that are not site indices: side B
        b_inds += tuple(opens[len(site_inds) :])
    if not b_inds:
        return None
    return a_inds, b_inds


def resolve_side(tn: qtn.TensorNetwork, A, *, name: str = "A"):
    """Turn a side ``A`` into ``(A_inds, B_inds)``, both tuples of open-index names.

    Parameters
    ----------
    tn : quimb.tensor.TensorNetwork
        The network (not modified).
    A : iterable of int, of site labels or of str
        - ints: positions in ``tn.sites`` order for site-indexed networks (MPS,
          PEPS, tnexpress builders: ``0`` is ``tn.sites[0]``, also on a PEPS
          whose sites are ``(i, j)``); otherwise positions in
          :func:`open_inds` order;
        - site labels that are not ints (``(i, j)`` tuples of a PEPS);
        - strs: open-index names (``"k3"``).

        A bare int or str (``A=3``) is refused: pass a list (``[3]``).

    Returns
    -------
    tuple of str, tuple of str
        Open indices of side A (in the order given) and of side B (the rest,
        in :func:`open_inds` order).

    Raises
    ------
    TypeError
        A bare int or str, mixed or non int/str entries.
    ValueError
        Empty side, a side covering every open index, repeated entries,
        positions out of range, unknown index names.

    Warns
    -----
    UserWarning
        When a site-indexed network has open indices that are not site indices
        (they silently become parties otherwise).

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> from tnexpress.engine import resolve_side
    >>> peps = qtn.PEPS.rand(2, 2, bond_dim=2, seed=0)
    >>> resolve_side(peps, [0, 3])  # positions in peps.sites order
    (('k0,0', 'k1,1'), ('k0,1', 'k1,0'))
    >>> resolve_side(peps, [(0, 1)])[0]
    ('k0,1',)
    """
    if isinstance(A, str | numbers.Integral):
        raise _bare_error(name, A)
    if not isinstance(A, Iterable):
        raise TypeError(f"{name} must be an iterable of site positions or index names, got {A!r}")
    sites, site_inds = _sites(tn)  # site_ind() once per site: 2^20 sites
    opens = _open_inds(tn, site_inds)
    A = list(A)
    if not A:
        raise ValueError(f"{name} is empty; a bipartition side needs at least one site")
    _warn_dangling(tn, opens, sites, site_inds)
    if len(A) > 64 and set(map(type, A)) == {int}:
        fast = _int_side(A, sites, site_inds, opens)
        if fast is not None:
            return fast
    is_int = [
        type(a) is int or (isinstance(a, numbers.Integral) and not isinstance(a, bool)) for a in A
    ]
    site_set = set(sites) if sites and not all(is_int) else set()
    if all(isinstance(a, str) for a in A):
        open_set = set(opens)
        unknown = [a for a in A if a not in open_set]
        if unknown:
            raise ValueError(
                f"{name} names unknown open indices {unknown[:5]}; the open indices are "
                f"{list(opens[:8])}{' ...' if len(opens) > 8 else ''}"
            )
        a_inds = A
    elif all(is_int):
        n = len(sites) if sites else len(opens)
        bad = [a for a in A if not 0 <= a < n]
        if bad:
            what = "sites" if sites else "positions"
            raise ValueError(
                f"{name} has {what} {bad[:5]} out of range; valid positions are 0..{n - 1}"
                + (f" (in tn.sites order: {sites[0]}..{sites[-1]})" if sites else "")
            )
        a_inds = [site_inds[a] for a in A] if sites else [opens[a] for a in A]
    elif sites and not any(is_int) and all(_is_site(a, site_set) for a in A):
        # non-int site labels: (i, j) for PEPS
        by_site = dict(zip(sites, site_inds))
        a_inds = [by_site[a] for a in A]
    elif sites and not any(is_int) and all(isinstance(a, tuple) for a in A):
        bad = [a for a in A if not _is_site(a, site_set)]
        raise ValueError(
            f"{name} has sites {bad[:5]} that are not sites of this network; valid sites are "
            f"{sites[0]}..{sites[-1]} ({len(sites)} sites), or positions 0..{len(sites) - 1}"
        )
    else:
        raise TypeError(
            f"{name} must hold only site positions (ints), only site labels or only "
            f"open-index names (strs), got {A!r}"
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
