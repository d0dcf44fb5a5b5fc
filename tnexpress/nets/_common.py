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

import numpy as np
import quimb.tensor as qtn

from .._typing import Seed, WeightKind

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


def as_gen_vector(
    tensors, n_sites: int, *, copy_tensors: bool = False
) -> qtn.TensorNetworkGenVector:
    """Wrap ``tensors`` as a ``TensorNetworkGenVector`` with sites ``k{i}``."""
    tn = qtn.TensorNetwork(tensors, virtual=True)
    if copy_tensors:
        tn = resolve_hyperinds(tn)
    return tn.view_as(
        qtn.TensorNetworkGenVector,
        site_ind_id=SITE_IND,
        site_tag_id=SITE_TAG,
        sites=range(n_sites),
    )


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
