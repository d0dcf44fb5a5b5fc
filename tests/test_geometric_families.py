"""Geometric measure of every core family against dense numpy references."""

import numpy as np
import pytest

import tnexpress as tx
from tnexpress import partitions as P


def _dense_state(net):
    inds = tx.open_inds(net)
    return net.contract(output_inds=inds).transpose(*inds).data


def _dense_als(psi, restarts=20, sweeps=300, seed=0):
    """Plain dense alternating maximization of |<phi|psi>|^2 (complex product states)."""
    rng = np.random.default_rng(seed)
    psi = psi / np.linalg.norm(psi)
    n = psi.ndim
    best = 0.0
    for _ in range(restarts):
        vs = [rng.standard_normal(d) + 1j * rng.standard_normal(d) for d in psi.shape]
        vs = [v / np.linalg.norm(v) for v in vs]
        for _ in range(sweeps):
            for i in range(n):
                env = psi
                for j in reversed(range(n)):
                    if j != i:
                        env = np.tensordot(env, vs[j].conj(), axes=([j], [0]))
                vs[i] = env / np.linalg.norm(env)
        ov = psi
        for j in reversed(range(n)):
            ov = np.tensordot(ov, vs[j].conj(), axes=([j], [0]))
        best = max(best, abs(ov) ** 2)
    return best


NETS = [
    ("cp", tx.nets.cp(6, 2, 3, seed=1)),
    ("ht", tx.nets.ht(8, 2, (2, 2, 2), seed=2)),
    ("ht2d", tx.nets.ht2d(2, 4, 2, (2, 2), seed=3)),
    ("tt", tx.nets.tt(7, 2, 3, seed=4)),
    ("tt-equal", tx.nets.tt(6, 3, 2, equal_cores=True, seed=5)),
    (
        "overlap",
        tx.nets.overlap(8, 2, (2, 2, 2, 2), kernel=(3, 2, 2, 2), stride=(1, 2, 2, 2), seed=6),
    ),
    ("dilated", tx.nets.dilated(8, 2, 2, seed=7)),
]


@pytest.mark.parametrize("name,net", NETS, ids=[n for n, _ in NETS])
def test_geometric_measure_against_dense(name, net):
    res = tx.geometric_measure(net, seed=0, return_state=True)
    value, states = res
    psi = _dense_state(net)
    psi = psi / np.linalg.norm(psi)
    # the returned product state reaches the reported overlap (dense recomputation)
    ov = psi
    for v in reversed(states):
        ov = np.tensordot(ov, np.conj(v), axes=([ov.ndim - 1], [0]))
    lam2 = abs(ov) ** 2
    assert value == pytest.approx(-np.log2(lam2), abs=1e-8)
    # Lambda^2 <= the largest squared Schmidt value of every bipartition
    N = net.nsites
    for A in (P.left_right(N), P.odd_even(N)):
        p_max = tx.schmidt_values(net, A, method="dense")[0] ** 2
        assert lam2 <= p_max + 1e-10
    # at least as good as a plain dense alternating search with 20 restarts
    assert lam2 >= _dense_als(psi) - 1e-8
