"""Shared pieces of the architecture builders: argument checks, weights, wrapping.

Conventions every builder follows
---------------------------------
- open leg of input position ``i`` is the index ``k{i}``; the tensor that
  reads it carries the tag ``I{i}`` (so ``net.site_ind(i)`` and
  ``net.select(net.site_tag(i))`` work);
- role tags: ``CONV`` (1x1 convolution / representation), ``POOL`` (explicit
  COPY tensor, only with ``copy_tensors=True``), ``CORE`` (tensor-train core),
  ``OUT`` (final dense layer); layer tags ``L{l}``;
- product pooling is a hyper-index (an index shared by 3+ tensors) unless
  ``copy_tensors=True``, which resolves every hyper-index into explicit COPY
  tensors tagged ``POOL``.
"""

from __future__ import annotations

import math
import weakref
from collections import deque

import numpy as np
import quimb.tensor as qtn

from .._gc import freeze_if_large
from .._typing import Seed, WeightKind
from . import _deferred

SITE_IND = "k{}"
SITE_TAG = "I{}"

_WEIGHT_KINDS = ("normal", "uniform", "integer")


def check_dtype(dtype) -> np.dtype:
    """Return a numpy floating or complex dtype, or raise TypeError."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a numpy float or complex dtype, got {dtype!r}") from None
    if dt.kind not in "fc":
        raise TypeError(f"dtype must be a float or complex dtype (e.g. 'float64'), got {dt}")
    return dt


class WeightDrawer:
    """Draw weight arrays from one random generator.

    Parameters
    ----------
    seed : None, int or numpy.random.Generator
        Source of randomness.
    weights : {"normal", "uniform", "integer"}
        - ``"normal"``: i.i.d. standard Gaussian entries (generic weights);
        - ``"uniform"``: uniform in [-1, 1];
        - ``"integer"``: nonzero integers in [-10, 10] (exact arithmetic, ``certify``;
          a wider range makes a rank-deficient draw less likely, Schwartz-Zippel).
    dtype : numpy dtype
        Float or complex; complex draws real and imaginary parts independently.
    """

    def __init__(self, seed: Seed = None, weights: WeightKind = "normal", dtype="float64"):
        if weights not in _WEIGHT_KINDS:
            raise ValueError(f"weights must be one of {_WEIGHT_KINDS}, got {weights!r}")
        self.rng = np.random.default_rng(seed)
        self.kind = weights
        self.dtype = check_dtype(dtype)

    def _real(self, shape):
        if self.kind == "normal":
            return self.rng.standard_normal(shape)
        if self.kind == "uniform":
            return self.rng.uniform(-1.0, 1.0, shape)
        x = self.rng.integers(1, 11, shape) * self.rng.choice([-1, 1], shape)
        return x.astype(np.float64)

    def __call__(self, *shape: int) -> np.ndarray:
        """An array of the given shape in the drawer's dtype."""
        x = self._real(shape)
        if self.dtype.kind == "c":
            x = x + 1j * self._real(shape)
        return x.astype(self.dtype)

    def many(self, shapes) -> list:
        """``[self(*s) for s in shapes]``, the same values, drawn in one call.

        The generator's normal and uniform streams are element by element, so
        one draw of the total size equals the successive draws; each array is
        a view of one block per distinct shape, gathered from the draw (2^20
        tensors: one call instead of a million). ``"integer"`` weights are drawn one by one.
        """
        shapes = list(map(tuple, shapes))
        if self.kind == "integer" or not shapes:
            return [self(*s) for s in shapes]
        parts = 2 if self.dtype.kind == "c" else 1
        # distinct shapes in first-seen order, and each tensor's shape code; builders repeat
        # one tuple object per shape, so the tuples are told apart by id (an int hash)
        # before any tuple is hashed
        by_id = dict(zip(map(id, shapes), shapes))
        code: dict = {}
        for s in by_id.values():
            code.setdefault(s, len(code))
        id_code = {i: code[s] for i, s in by_id.items()}
        codes = np.fromiter(map(id_code.__getitem__, map(id, shapes)), np.int64, len(shapes))
        sizes = np.array([math.prod(s) for s in code], dtype=np.int64)[codes]
        offsets = np.zeros(len(shapes), dtype=np.int64)
        np.cumsum(parts * sizes[:-1], out=offsets[1:])
        raw = self._real((int(parts * sizes.sum()),))
        # per distinct shape, every tensor of that shape gathered into one block (the
        # values stay those of the one sequential draw: each tensor reads its own stretch)
        out: list = [None] * len(shapes)
        for s, c in code.items():
            n = math.prod(s)
            ks = np.flatnonzero(codes == c)
            if parts == 1 and ks[-1] - ks[0] + 1 == len(ks):  # one run: a plain slice
                a = int(offsets[ks[0]])
                x = raw[a : a + len(ks) * n]
            else:
                idx = offsets[ks][:, None] + np.arange(n, dtype=np.int64)
                x = raw[idx]
                if parts == 2:
                    x = x + 1j * raw[idx + n]
            x = np.ascontiguousarray(x.astype(self.dtype, copy=False)).reshape((len(ks), *s))
            if len(ks) == len(shapes):
                out = list(x)
            else:
                deque(map(out.__setitem__, ks.tolist(), x), maxlen=0)
        return out


def as_gen_vector(
    tensors, n_sites: int, *, copy_tensors: bool = False
) -> qtn.TensorNetworkGenVector:
    """Wrap ``tensors`` as a ``TensorNetworkGenVector`` with sites ``k{i}``.

    ``tensors`` are quimb tensors, or ``(data, inds, tags)`` triples (built
    straight into the network: 2^20 tensors in seconds, see
    :func:`fast_network`).
    """
    tensors = list(tensors)
    if tensors and not isinstance(tensors[0], qtn.Tensor):
        tn = fast_network(tensors)
    else:
        tn = qtn.TensorNetwork(tensors, virtual=True)
    return _wrap(tn, n_sites, copy_tensors)


def gen_vector_from_columns(
    datas, inds, tags, n_sites: int, *, copy_tensors: bool = False, site_inds=None
) -> qtn.TensorNetworkGenVector:
    """:func:`as_gen_vector` of ``zip(datas, inds, tags)``, without making the triples.

    From :data:`~tnexpress.nets._deferred.DEFERRED_MIN` tensors (and without
    ``copy_tensors``) quimb's objects are made on first use, see
    :mod:`tnexpress.nets._deferred`; ``inds`` must then hold tuples, and
    ``site_inds`` (``k{i}`` of every site ``i``, the strings of ``inds``) spares the
    engine making them again.
    """
    if copy_tensors or len(datas) < _deferred.DEFERRED_MIN or not _layout_ok():
        return _wrap(network_from_columns(datas, inds, tags), n_sites, copy_tensors)
    # quimb's objects made on first use (see nets/_deferred.py); the engine reads the columns
    freeze_if_large(len(datas))
    return _deferred.deferred_network(
        qtn.TensorNetworkGenVector,
        datas,
        inds,
        tags,
        _sites=range(n_sites),
        _site_tag_id=SITE_TAG,
        _site_ind_id=SITE_IND,
        site_inds=site_inds,
    )


def _wrap(tn, n_sites, copy_tensors):
    if copy_tensors:
        tn = resolve_hyperinds(tn)
    freeze_if_large(tn.num_tensors)  # 2^20 tensors: never scanned by the collector again
    # in place: the network was just made, a copy would double the build time
    return tn.view_as(
        qtn.TensorNetworkGenVector,
        inplace=True,
        site_ind_id=SITE_IND,
        site_tag_id=SITE_TAG,
        sites=range(n_sites),
    )


def _quimb_layout_ok() -> bool:
    t = qtn.Tensor(np.ones(2), inds=("a",), tags=("T",))
    tn = qtn.TensorNetwork([t], virtual=True)
    want = {"_owners", "_data", "_inds", "_tags", "_left_inds"}
    want_tn = ("tensor_map", "tag_map", "ind_map", "_inner_inds", "_outer_inds", "_tid_counter")
    return all(hasattr(t, a) for a in want) and all(hasattr(tn, a) for a in want_tn)


_FAST_OK: list = []


def network_from_columns(datas, inds, tags) -> qtn.TensorNetwork:
    """:func:`fast_network` of ``zip(datas, inds, tags)``, without a list of triples."""
    return fast_network(zip(datas, inds, tags))


def fast_network(triples) -> qtn.TensorNetwork:
    """``qtn.TensorNetwork([qtn.Tensor(d, inds, tags), ...], virtual=True)``, built directly.

    ``triples``: any iterable of ``(data, inds, tags)``. Fills quimb's maps
    (``tensor_map``, ``tag_map``, ``ind_map``, inner and outer index sets) in
    one pass instead of one ``add_tensor`` per tensor (measured 4x faster at
    65,536 tensors); the result is the same network (``tests/test_fast_network.py``
    compares every map). Falls back to quimb's own constructor if its internals
    ever change.
    """
    if not _layout_ok():  # pragma: no cover - a future quimb
        return qtn.TensorNetwork(
            [qtn.Tensor(d, inds=i, tags=t) for d, i, t in triples], virtual=True
        )
    tn = qtn.TensorNetwork.__new__(qtn.TensorNetwork)
    tn.exponent = 0.0
    fill_network(tn, triples)
    return tn


def _layout_ok() -> bool:
    if not _FAST_OK:
        _FAST_OK.append(_quimb_layout_ok())
    return _FAST_OK[0]


def fill_network(tn, triples) -> None:
    """Set the maps of the empty network ``tn`` to hold ``triples`` (see :func:`fast_network`)."""
    from quimb.utils import oset

    new_t = qtn.Tensor.__new__
    Tensor = qtn.Tensor
    new_obj = object.__new__
    tensor_map: dict = {}
    tag_map: dict = {}
    ind_map: dict = {}
    owner_key = hash(tn)
    ref = weakref.ref(tn)
    inner: dict = {}
    # maps to plain dicts first (oset objects made once at the end)
    tag_d: dict = {}
    ind_d: dict = {}
    get_tag, get_ind = tag_d.get, ind_d.get
    for tid, (data, inds, tags) in enumerate(triples):
        if type(inds) is not tuple:
            inds = tuple(inds)
        if data.ndim != len(inds):
            raise ValueError(f"Wrong number of inds, {inds}, for an array of shape {data.shape}")
        t = new_t(Tensor)
        t._owners = {owner_key: (ref, tid)}
        t._data = data
        t._inds = inds
        tg = new_obj(oset)
        tg._d = dict.fromkeys(tags)
        t._tags = tg
        t._left_inds = None
        tensor_map[tid] = t
        for tag in tags:
            m = get_tag(tag)
            if m is None:
                tag_d[tag] = {tid: None}
            else:
                m[tid] = None
        for ix in inds:
            m = get_ind(ix)
            if m is None:
                ind_d[ix] = {tid: None}
            else:
                m[tid] = None
                inner[ix] = None  # quimb's order: when an index is seen again
    from_dict = oset._from_dict
    for tag, d in tag_d.items():
        tag_map[tag] = from_dict(d)
    for ix, d in ind_d.items():
        ind_map[ix] = from_dict(d)
    # object.__setattr__: a deferred network's own __setattr__ is not needed here
    put = tn.__dict__.__setitem__
    put("tensor_map", tensor_map)
    put("tag_map", tag_map)
    put("ind_map", ind_map)
    put("_inner_inds", oset._from_dict(inner))
    put("_outer_inds", oset._from_dict({ix: None for ix in ind_map if ix not in inner}))
    put("_tid_counter", max(len(tensor_map) - 1, 0))


def resolve_hyperinds(tn: qtn.TensorNetwork) -> qtn.TensorNetwork:
    """Replace every hyper-index by an explicit COPY (delta) tensor tagged ``POOL``.

    The returned network has the same open indices and contracts to the same
    tensor; each hyper-index ``h`` of dimension ``d`` shared by ``m`` tensors
    becomes an order-``m`` delta tensor on new indices ``h_0 .. h_{m-1}``
    (order ``m + 1`` when ``h`` is also open).
    """
    tn = tn.copy()
    open_inds = set(tn.outer_inds())
    for ix in list(tn.ind_map):
        tids = list(tn.ind_map[ix])
        n_ends = len(tids) + (ix in open_inds)
        if n_ends <= 2:
            continue
        d = tn.ind_size(ix)
        new = []
        for j, tid in enumerate(tids):
            nix = f"{ix}_{j}"
            tn.tensor_map[tid].reindex_({ix: nix})
            new.append(nix)
        if ix in open_inds:
            new.append(ix)
        dtype = next(iter(tn.tensor_map.values())).dtype
        tn |= qtn.COPY_tensor(d, new, dtype=dtype, tags=("POOL",))
    return tn
