"""Builder networks whose quimb objects are made on first use.

A network of 2^20 tensors costs most of its build time in quimb's objects: a
``Tensor``, an owners dict and a tags set per tensor, a set of holders per index
and per tag (measured: 14 s of the 32 s that ``tt(2**20, 2, 4)`` took for its
left/right spectrum, building included). The measures need none of them: they
read each tensor's array and index names.

So the builders return, from :data:`DEFERRED_MIN` tensors, a
:class:`quimb.tensor.TensorNetworkGenVector` whose maps (``tensor_map``,
``tag_map``, ``ind_map`` and the inner and outer index sets) are made on the
first read of any of them. Until then the network holds its columns: arrays,
index tuples and tag tuples, the same objects the tensors will hold. The engine
reads the columns directly (:func:`deferred_columns`), so a spectrum never makes
the quimb objects; anything else (a quimb method, ``net.tensors``, a copy, a
pickle, a change of class such as ``view_as``) makes them first, in one pass
(:func:`~tnexpress.nets._common.fast_network`'s), and the network then *is* a plain
``TensorNetworkGenVector`` (its class switched back): nothing of this module stays.

The columns are never modified, and once the maps are made they are dropped.
"""

from __future__ import annotations

import threading
from itertools import chain
from operator import attrgetter

import numpy as np

from .._gc import freeze_if_large, paused_gc
from ..engine.sides import deferred_columns

__all__ = ("DEFERRED_MIN", "Columns", "deferred_network", "deferred_columns", "materialize")

#: builders defer quimb's objects for networks of at least this many tensors
DEFERRED_MIN = 2**14

#: the attributes quimb's ``TensorNetwork`` keeps its maps in (made on first read)
_MAPS = ("tensor_map", "tag_map", "ind_map", "_inner_inds", "_outer_inds", "_tid_counter")


class Columns:
    """A network's tensors as columns: ``datas[i]``, ``inds[i]``, ``tags[i]`` of tensor ``i``."""

    __slots__ = ("datas", "inds", "tags", "site_inds", "_interned")

    def __init__(self, datas, inds, tags, site_inds=None):
        self.datas, self.inds, self.tags = datas, inds, tags
        #: the builder's site index names, site by site (``None``: not given)
        self.site_inds = site_inds
        self._interned = None

    def __len__(self) -> int:
        return len(self.datas)

    def interned(self) -> tuple[dict, np.ndarray, np.ndarray]:
        """``(label_id, ids, counts)``, made once, in one pass over every leg.

        ``label_id``: index name -> id, in order of first appearance (quimb's
        ``ind_map`` order); ``ids``: the id of every leg, tensor by tensor, axis
        by axis; ``counts[i]``: the number of legs carrying index ``i``.
        """
        if self._interned is None:
            lab_id: dict = {}
            sd = lab_id.setdefault
            ids = np.array([sd(x, len(lab_id)) for x in chain.from_iterable(self.inds)], np.int64)
            self._interned = (lab_id, ids, np.bincount(ids, minlength=len(lab_id)))
        return self._interned

    def outer_inds(self) -> tuple:
        """The indices on one leg, in quimb's order (``TensorNetwork.outer_inds()``)."""
        lab_id, _, counts = self.interned()
        labels = list(lab_id)
        return tuple(map(labels.__getitem__, np.flatnonzero(counts == 1).tolist()))


class _Deferred:
    """A non-data descriptor: the first read of one of quimb's maps makes them all."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        if "_tx_columns" not in obj.__dict__:
            raise AttributeError(self.name)
        materialize(obj)
        return obj.__dict__[self.name]


class _DeferredMixin:
    """What a deferred network adds to its quimb class until its maps are made."""

    def __init__(self, *args, **kwargs):
        # quimb makes copies with ``self.__class__(self)``: a plain network of the base class
        base = type(self).__bases__[1]
        base.__init__(self, *args, **kwargs)
        object.__setattr__(self, "__class__", base)

    def __setattr__(self, name, value):
        if name == "__class__":  # view_as, view_like ...: the maps first
            materialize(self)
        object.__setattr__(self, name, value)

    def __getstate__(self):
        materialize(self)
        return self.__getstate__()

    def __repr__(self):
        materialize(self)
        return repr(self)

    def __str__(self):
        materialize(self)
        return str(self)

    def __reduce_ex__(self, protocol):  # pickle, deepcopy: of the plain network
        materialize(self)
        return self.__reduce_ex__(protocol)

    @property
    def num_tensors(self) -> int:
        """Number of tensors (read off the columns: the maps are not made)."""
        cols = self.__dict__.get("_tx_columns")
        return len(self.tensor_map) if cols is None else len(cols)

    def outer_inds(self) -> tuple:
        """``TensorNetwork.outer_inds()``, read off the columns."""
        cols = self.__dict__.get("_tx_columns")
        return tuple(self._outer_inds) if cols is None else cols.outer_inds()


for _name in _MAPS:
    setattr(_DeferredMixin, _name, _Deferred(_name))

_CLASSES: dict = {}


def _deferred_class(base):
    cls = _CLASSES.get(base)
    if cls is None:
        cls = _CLASSES[base] = type(base.__name__, (_DeferredMixin, base), {})
        # messages name the quimb class; the type itself says where it comes from
        cls.__qualname__ = f"Deferred{base.__name__}"
    return cls


def deferred_network(base, datas, inds, tags, *, site_inds=None, **props):
    """A ``base`` network (a quimb class) of the columns, its maps made on first read.

    ``props``: the class's extra properties by attribute name (``_sites=range(N)``).
    Every ``inds[i]`` must be a tuple with one name per axis of ``datas[i]``.
    ``site_inds``: the site index of every site in ``_sites`` order, each an index of
    the columns (the builder's own strings: read instead of formatting them again).

    Examples
    --------
    >>> import numpy as np
    >>> import quimb.tensor as qtn
    >>> tn = deferred_network(qtn.TensorNetwork, [np.ones((2, 3)), np.ones(3)],
    ...                       [("a", "b"), ("b",)], [("T0",), ("T1",)])
    >>> deferred_columns(tn) is not None, tn.num_tensors, tn.outer_inds()
    (True, 2, ('a',))
    >>> tn.contract().data.tolist(), deferred_columns(tn), type(tn).__name__
    ([3.0, 3.0], None, 'TensorNetwork')
    """
    if set(map(type, inds)) - {tuple}:
        raise TypeError("deferred_network: every inds entry must be a tuple")
    ndims = list(map(attrgetter("ndim"), datas))
    if ndims != list(map(len, inds)):
        i = next(i for i, (n, ix) in enumerate(zip(ndims, inds)) if n != len(ix))
        raise ValueError(
            f"Wrong number of inds, {inds[i]}, for an array of shape {datas[i].shape}"
        )
    tn = object.__new__(_deferred_class(base))
    d = tn.__dict__
    d["_tx_columns"] = Columns(datas, inds, tags, site_inds)
    d["exponent"] = 0.0
    d.update(props)
    return tn


def materialize(tn) -> None:
    """Make the quimb maps of a deferred network (nothing for any other network).

    Under a lock: two threads reading a deferred network's maps at once make them once.
    """
    d = tn.__dict__
    if "_tx_columns" not in d:
        return
    from ._common import fill_network

    with _LOCK:
        cols = d.get("_tx_columns")
        if cols is None:  # made by another thread meanwhile
            return
        with paused_gc():
            fill_network(tn, zip(cols.datas, cols.inds, cols.tags))
            object.__setattr__(tn, "__class__", type(tn).__bases__[1])
            del d["_tx_columns"]
            freeze_if_large(len(cols))


_LOCK = threading.RLock()
