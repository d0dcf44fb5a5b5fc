"""Hypothesis strategies for random quimb networks (reusable by any test module).

``random_networks()`` draws small networks whose dense tensor is cheap
(at most ``max_open`` open legs of dimension <= ``max_dim``) but whose structure
is anything a user may bring: random graphs (disconnected pieces and scalar
tensors included), hyper-indices, explicit COPY tensors with and without open
legs (chains of them, as in GHZ cores), dimension-1 legs, open legs shared by
several tensors (site-indexed networks), float32 / float64 / complex128.

``dense_reference(tn, a_inds, b_inds)`` is the independent reference: quimb's
own contraction of a plain copy of the network, then ``numpy.linalg.svd``.
"""

from __future__ import annotations

import math

import numpy as np
import quimb.tensor as qtn
from hypothesis import strategies as st

__all__ = ("random_networks", "sides", "dense_matrix", "dense_reference", "tolerance")

DTYPES = ("float64", "complex128", "float32")


def _delta(d, m, dtype):
    data = np.zeros((d,) * m, dtype=dtype)
    data[(np.arange(d),) * m] = 1
    return data


@st.composite
def random_networks(
    draw,
    *,
    max_tensors: int = 5,
    max_open: int = 5,
    max_dim: int = 3,
    dtypes=DTYPES,
    copy_tensors: bool = True,
    hyper: bool = True,
    shared_open: bool = True,
    low_rank: bool = True,
):
    """A random quimb network with at least two open legs.

    Parameters
    ----------
    max_tensors : int
        Ordinary (random) tensors, at most.
    max_open : int
        Open legs, at most (at least 2).
    max_dim : int
        Largest dimension of any index (dimension-1 legs are drawn too).
    dtypes : sequence of str
        Dtypes to draw from.
    copy_tensors : bool
        Draw explicit COPY tensors (0-3), with open legs or not, joined to
        random tensors or to each other.
    hyper : bool
        Draw hyper-indices (an index on 3+ tensors).
    shared_open : bool
        Allow an open leg on several tensors; the network is then returned as a
        ``TensorNetworkGenVector`` with sites ``k0, k1, ...``.
    low_rank : bool
        Make some tensors rank 1 across a split of their legs, so that ranks
        fall below the min cut (exercises the numerical-rank threshold).

    Returns
    -------
    quimb.tensor.TensorNetwork
    """
    dtype = draw(st.sampled_from(tuple(dtypes)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_t = draw(st.integers(1, max_tensors))
    n_open = draw(st.integers(2, max_open))
    # shrink toward dimension 2 (1 makes a leg trivial, 3 breaks symmetries)
    dims = tuple(d for d in (2, 1, 3, 4, 5) if d <= max_dim)
    dim = st.sampled_from(dims)
    inds: list[list[str]] = [[] for _ in range(n_t)]
    size: dict[str, int] = {}
    node = st.integers(0, n_t - 1)
    for b in range(draw(st.integers(0, 2 * n_t))):
        u, v = draw(node), draw(node)
        if u != v:
            size[f"b{b}"] = draw(dim)
            inds[u].append(f"b{b}")
            inds[v].append(f"b{b}")
    if hyper and n_t >= 3:
        for h in range(draw(st.integers(0, 2))):
            holders = draw(st.lists(node, min_size=3, max_size=min(n_t, 4), unique=True))
            size[f"h{h}"] = draw(dim)
            for u in holders:
                inds[u].append(f"h{h}")
    # open legs: on one tensor each, or (shared_open) on several
    shared = False
    for k in range(n_open):
        size[f"k{k}"] = draw(dim)
        n_hold = draw(st.integers(1, 2)) if shared_open and n_t >= 2 else 1
        for u in draw(st.lists(node, min_size=n_hold, max_size=n_hold, unique=True)):
            inds[u].append(f"k{k}")
        shared |= n_hold > 1
    tensors = []
    for u in range(n_t):
        ix = tuple(dict.fromkeys(inds[u]))
        shape = tuple(size[i] for i in ix)
        data = rng.standard_normal(shape)
        if dtype == "complex128":
            data = data + 1j * rng.standard_normal(shape)
        if len(ix) >= 2 and low_rank and draw(st.integers(0, 2)):
            # rank 1 across a split of its legs (often one leg against the
            # rest): a rank deficiency that no min cut sees
            k = draw(st.integers(1, len(ix) - 1))
            perm = draw(st.permutations(range(len(ix))))
            ix = tuple(ix[p] for p in perm)
            shape = tuple(size[i] for i in ix)
            # small integers: the product is exact, so the stored tensor is
            # exactly rank 1 (exact-arithmetic ranks see the same); positive
            # entries, one overall sign: two such never cancel to zero
            left = rng.integers(1, 4, (math.prod(shape[:k]), 1)).astype(float)
            right = rng.integers(1, 4, (1, math.prod(shape[k:]))).astype(float)
            data = rng.choice([-1.0, 1.0]) * (left @ right).reshape(shape)
            if dtype == "complex128":
                data = data * (1 + 1j * rng.standard_normal())
        tensors.append(qtn.Tensor(np.asarray(data, dtype=dtype), inds=ix, tags={f"T{u}"}))
    if copy_tensors:
        n_copy = draw(st.integers(0, 3))
        prev_bond = None
        for c in range(n_copy):
            d = draw(dim)
            legs = []
            if prev_bond is not None and draw(st.booleans()):
                legs.append(prev_bond)  # a chain of deltas (GHZ-like cores)
                d = size[prev_bond]
            prev_bond = None
            while len(legs) < 3 or (len(legs) < 4 and draw(st.booleans())):
                kind = draw(st.sampled_from(("open", "bond", "chain")))
                name = f"c{c}_{len(legs)}"
                if kind == "open" and not shared:
                    name = f"k{n_open}"  # a new open leg on this delta
                    n_open += 1
                elif kind == "bond":
                    # joined to a random tensor, which grows a leg (fresh random data)
                    u = draw(node)
                    t = tensors[u]
                    shape = (*t.shape, d)
                    data = rng.standard_normal(shape)
                    if dtype == "complex128":
                        data = data + 1j * rng.standard_normal(shape)
                    tensors[u] = qtn.Tensor(
                        np.asarray(data, dtype=dtype), inds=(*t.inds, name), tags=t.tags
                    )
                elif kind == "chain" and prev_bond is None:
                    prev_bond = name  # the next delta may join here (else it is open)
                legs.append(name)
                size[name] = d
            tensors.append(
                qtn.Tensor(_delta(d, len(legs), dtype), inds=tuple(legs), tags={f"COPY{c}"})
            )
    tn = qtn.TensorNetwork(tensors)
    if shared:
        tn = tn.view_as(
            qtn.TensorNetworkGenVector,
            site_ind_id="k{}",
            site_tag_id="I{}",
            sites=range(n_open),
        )
    return tn


def _opens(tn):
    import tnexpress as tx

    return tx.open_inds(tn)


@st.composite
def sides(draw, tn):
    """A side ``A`` of ``tn``: a non-empty proper subset of its open indices (names)."""
    opens = list(_opens(tn))
    mask = draw(
        st.lists(st.booleans(), min_size=len(opens), max_size=len(opens)).filter(
            lambda m: any(m) and not all(m)
        )
    )
    return [ix for ix, m in zip(opens, mask) if m]


def dense_matrix(tn, a_inds, b_inds) -> np.ndarray:
    """The matricization by quimb's own contraction of a plain copy of ``tn``."""
    # contracted in double precision whatever the network's dtype (a float32
    # network's reference is its exact value, not another float32 computation)
    plain = qtn.TensorNetwork([t.copy().astype(np.result_type(t.dtype, np.float64)) for t in tn])
    out = plain.contract(output_inds=(*a_inds, *b_inds), optimize="greedy")
    if not isinstance(out, qtn.Tensor):
        out = qtn.Tensor(np.asarray(out), inds=())
    return out.to_dense(a_inds, b_inds).astype(np.result_type(out.dtype, np.float64))


def dense_reference(tn, a_inds, b_inds) -> np.ndarray:
    """Normalized Schmidt values from :func:`dense_matrix` and ``numpy.linalg.svd``."""
    m = dense_matrix(tn, a_inds, b_inds)
    s = np.linalg.svd(m, compute_uv=False)
    return s / np.linalg.norm(s)


def tolerance(tn) -> float:
    """Absolute tolerance on normalized Schmidt values for the network's dtype."""
    single = any(np.asarray(t.data).dtype in (np.float32, np.complex64) for t in tn)
    return 2e-4 if single else 1e-9
