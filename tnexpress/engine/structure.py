"""A network flattened to arrays and index tuples, with one terminal per open leg.

Every open index ``k`` gets a terminal tensor: the identity ``delta(('open', k), k)``.
The original tensors keep ``k``; the terminal carries the row label
``('open', k)``. A cut through the open leg then is an ordinary cut of the
index ``k``, and every row label sits on exactly one tensor (its terminal), even
when ``k`` is a hyper-index (an input read by several windows).
"""

from __future__ import annotations

from dataclasses import dataclass

import autoray as ar
import numpy as np

from .sides import check_network, resolve_side

__all__ = ("Structure", "build_structure", "row_label")


def row_label(ix):
    """The label the terminal of open index ``ix`` exposes."""
    return ("open", ix)


@dataclass
class Structure:
    """Arrays, index tuples and terminals of a network and a bipartition.

    Nodes ``0 .. len(tids)-1`` are the network's tensors (``tids[node]`` is the
    quimb tensor id), the following ones are the terminals.
    """

    arrays: list
    inputs: list[tuple]
    tids: list
    a_inds: tuple
    b_inds: tuple
    a_terminals: list[int]
    b_terminals: list[int]
    size: dict
    holders: dict  # label -> list of nodes holding it (row labels excluded)
    dtype: np.dtype

    @property
    def n_nodes(self) -> int:
        """Number of tensors, terminals included."""
        return len(self.arrays)


def _is_copy_tensor(t) -> bool:
    """True for an order >= 3 delta tensor (all dims equal, ones on the diagonal)."""
    shape = t.shape
    if len(shape) < 3 or len(set(shape)) != 1 or not isinstance(t.data, np.ndarray):
        return False
    d = shape[0]
    if d ** len(shape) > 2**20:
        return False
    data = t.data
    diag = data[(np.arange(d),) * len(shape)]
    return bool(np.count_nonzero(data) == d and np.all(diag == 1))


def _copy_tensor_merges(tn, opens):
    """Labels to merge for explicit COPY tensors: a delta is one hyper-index.

    A COPY tensor ``delta(i_1, ..., i_m)`` equals a single index shared by the
    holders of ``i_1 .. i_m``; as such it is contracted cheaply and cut at most
    once (its matricization has rank ``d`` whatever legs are cut). Merged only
    when its legs reach distinct tensors and at most one leg is open.
    """
    rename: dict = {}
    dropped: set = set()
    for tid, t in tn.tensor_map.items():
        if not _is_copy_tensor(t):
            continue
        legs = [rename.get(ix, ix) for ix in t.inds]
        open_legs = [ix for ix in t.inds if ix in opens]
        if len(open_legs) > 1 or len(set(legs)) != len(legs):
            continue
        neighbours = [
            other
            for ix in t.inds
            for other in tn.ind_map[ix]
            if other != tid and other not in dropped
        ]
        if len(set(neighbours)) != len(neighbours):
            continue
        target = open_legs[0] if open_legs else legs[0]
        for ix in t.inds:
            for old, new in list(rename.items()):
                if new == ix:
                    rename[old] = target
            if ix != target:
                rename[ix] = target
        dropped.add(tid)
    return rename, dropped


def _check_finite(tn) -> None:
    """Raise ValueError naming the first tensor holding a NaN or an infinity."""
    for t in tn.tensor_map.values():
        data = t.data
        if isinstance(data, np.ndarray):
            ok = data.dtype.kind not in "fc" or bool(np.isfinite(data).all())
        else:  # torch, jax, ... through autoray
            try:
                ok = bool(ar.do("all", ar.do("isfinite", data)))
            except Exception:  # a backend without isfinite: leave it to the contraction
                ok = True
        if not ok:
            raise ValueError(
                f"the network has a NaN or inf entry in the tensor with tags "
                f"{sorted(t.tags)} and inds {t.inds}; every measure needs finite entries"
            )


def build_structure(tn, A) -> Structure:
    """Flatten ``tn`` (not modified) and add terminals for side ``A`` and its complement.

    Raises
    ------
    ValueError
        Bad side ``A`` (see :func:`~tnexpress.engine.sides.resolve_side`), or a
        tensor with a NaN or inf entry (named by its tags and inds).
    """
    tn = check_network(tn)
    a_inds, b_inds = resolve_side(tn, A)
    _check_finite(tn)
    opens = set(a_inds) | set(b_inds)
    rename, dropped = _copy_tensor_merges(tn, opens)
    arrays, inputs, tids = [], [], []
    for tid, t in tn.tensor_map.items():
        if tid in dropped:
            continue
        arrays.append(t.data)
        inputs.append(tuple(rename.get(ix, ix) for ix in t.inds))
        tids.append(tid)
    size = {}
    for t in tn.tensor_map.values():  # shapes read once per tensor, not per index
        data = t.data
        shape = data.shape if hasattr(data, "shape") else t.shape
        for ix, d in zip(t.inds, shape):
            size[rename.get(ix, ix)] = int(d)
    # distinct dtypes first: str(dtype) per array costs more than the rest at N = 4096
    dtypes = {np.asarray(a).dtype if not hasattr(a, "dtype") else a.dtype for a in arrays}
    try:
        dtype = np.result_type(*[np.dtype(str(d).replace("torch.", "")) for d in dtypes])
    except TypeError:
        dtype = np.dtype("float64")
    a_terms, b_terms = [], []
    a_set = set(a_inds)  # a set: `ix in a_inds` on a tuple is O(N^2) at N = 4096
    for ix in a_inds + b_inds:
        node = len(arrays)
        arrays.append(None)  # identity, made lazily by whoever contracts
        inputs.append((row_label(ix), ix))
        size[row_label(ix)] = size[ix]
        (a_terms if ix in a_set else b_terms).append(node)
    holders: dict = {}
    for node, term in enumerate(inputs):
        for ix in term:
            if isinstance(ix, tuple) and len(ix) == 2 and ix[0] == "open":
                continue
            holders.setdefault(ix, []).append(node)
    return Structure(
        arrays=arrays,
        inputs=inputs,
        tids=tids,
        a_inds=a_inds,
        b_inds=b_inds,
        a_terminals=a_terms,
        b_terminals=b_terms,
        size=size,
        holders=holders,
        dtype=dtype,
    )
