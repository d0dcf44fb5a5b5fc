"""Shared test helpers: random networks, brute-force references."""

import itertools
from fractions import Fraction

import numpy as np
import quimb.tensor as qtn


def random_hyper_network(rng, n_tensors=6, n_open=5, n_bonds=7, n_hyper=1, max_dim=3):
    """A random small network with ordinary bonds, hyper-indices and open legs."""
    inds = [[] for _ in range(n_tensors)]
    sizes = {}
    for b in range(n_bonds):
        u, v = rng.choice(n_tensors, 2, replace=False)
        name = f"b{b}"
        sizes[name] = int(rng.integers(1, max_dim + 1))
        inds[u].append(name)
        inds[v].append(name)
    for h in range(n_hyper):
        holders = rng.choice(n_tensors, 3, replace=False)
        name = f"h{h}"
        sizes[name] = int(rng.integers(2, max_dim + 1))
        for u in holders:
            inds[u].append(name)
    for k in range(n_open):
        u = int(rng.integers(n_tensors))
        name = f"k{k}"
        sizes[name] = int(rng.integers(2, max_dim + 1))
        inds[u].append(name)
    ts = []
    for u in range(n_tensors):
        ix = tuple(dict.fromkeys(inds[u]))
        ts.append(qtn.Tensor(rng.standard_normal([sizes[i] for i in ix]), inds=ix, tags={f"T{u}"}))
    return qtn.TensorNetwork(ts)


def brute_force_min_cut(tn, a_inds, b_inds):
    """Minimum over all assignments of tensors (and open legs' terminals) to sides."""
    tids = list(tn.tensor_map)
    best = None
    for bits in itertools.product((0, 1), repeat=len(tids)):
        side = dict(zip(tids, bits))
        w = 1
        for ix, holders in tn.ind_map.items():
            ends = {side[t] for t in holders}
            if ix in a_inds:
                ends.add(0)
            if ix in b_inds:
                ends.add(1)
            if len(ends) == 2:
                w *= tn.ind_size(ix)
        best = w if best is None else min(best, w)
    return best


def dense_matrix(tn, a_inds, b_inds):
    return tn.contract(output_inds=tuple(a_inds) + tuple(b_inds)).to_dense(a_inds, b_inds)


def dense_schmidt(tn, a_inds, b_inds):
    s = np.linalg.svd(dense_matrix(tn, a_inds, b_inds), compute_uv=False)
    return s / np.linalg.norm(s)


def rank_fraction(rows):
    """Exact rank over Q by Gaussian elimination on Fractions (the independent reference)."""
    m = [[Fraction(v) for v in row] for row in rows]
    r = 0
    for j in range(len(m[0]) if m else 0):
        piv = next((i for i in range(r, len(m)) if m[i][j] != 0), None)
        if piv is None:
            continue
        m[r], m[piv] = m[piv], m[r]
        for i in range(r + 1, len(m)):
            if m[i][j] != 0:
                f = m[i][j] / m[r][j]
                m[i] = [a - f * b for a, b in zip(m[i], m[r], strict=True)]
        r += 1
    return r
