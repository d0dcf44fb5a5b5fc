"""Torch gradients of every measure through every route, against finite differences.

The class of bug this guards: row compression by QR inside a side contraction.
``linalg.qr``'s backward divides by ``R``'s diagonal, so on rank-deficient
intermediates (pooling layers, low-rank cores) values were right and gradients
wrong, on the tree path only. Compression now uses ``R = Q^H m`` with ``Q``
held constant, exact at any rank (``engine.arith.r_factor``). Every network
family, full-rank and rank-deficient, is checked along a random direction.
"""

import numpy as np
import pytest

import tnexpress as tx
from tnexpress import partitions as P

torch = pytest.importorskip("torch")


def _low_rank(tn, rng):
    """Every tensor of order >= 3 replaced by a rank-1 (in its first leg) one."""
    out = tn.copy()
    for t in out:
        if t.ndim >= 3 and np.count_nonzero(t.data) > t.shape[0]:
            a = t.data.reshape(t.shape[0], -1)
            v = rng.standard_normal(a.shape[1])
            t.modify(data=np.outer(a[:, 0], v).reshape(t.shape))
    return out


CASES = {
    "ht": (lambda: tx.nets.ht(8, 2, (2, 2, 2), seed=1), P.odd_even(8)),
    "ht-copy": (lambda: tx.nets.ht(8, 3, (2, 3, 2), seed=2, copy_tensors=True), P.odd_even(8)),
    "ht2d": (lambda: tx.nets.ht2d(4, 4, 2, (2, 2), seed=3), P.left_right_2d(4, 4)),
    "tt": (lambda: tx.nets.tt(8, 2, 3, seed=4), P.left_right(8)),
    "cp": (lambda: tx.nets.cp(6, 2, 3, seed=5), P.odd_even(6)),
}


def _torch_net(tn):
    out = tn.copy()
    params = []
    for t in out:
        x = torch.tensor(np.array(t.data), dtype=torch.float64, requires_grad=True)
        t.modify(data=x)
        params.append(x)
    return out, params


@pytest.mark.parametrize("low_rank", [False, True], ids=["full", "rank-deficient"])
@pytest.mark.parametrize("method", ["cut", "dense"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_entropy_gradient_matches_finite_differences(name, method, low_rank):
    make, A = CASES[name]
    rng = np.random.default_rng(0)
    base = make()
    if low_rank:
        base = _low_rank(base, rng)
    tn, params = _torch_net(base)

    def f(tn):
        return tx.entropy(tn, A, 1, method=method) + tx.entropy(tn, A, 2, method=method)

    val = f(tn)
    assert val.requires_grad
    assert float(val) == pytest.approx(f(base), abs=1e-10)
    grads = torch.autograd.grad(val, params, allow_unused=True)
    dirs = [rng.standard_normal(tuple(p.shape)) for p in params]
    slope = sum(
        float((g * torch.from_numpy(d)).sum()) for g, d in zip(grads, dirs) if g is not None
    )
    h = 1e-6

    def shifted(sign):
        out = base.copy()
        for t, d in zip(out, dirs):
            t.modify(data=t.data + sign * h * d)
        return f(out)

    fd = (shifted(1) - shifted(-1)) / (2 * h)
    assert slope == pytest.approx(fd, abs=2e-5, rel=1e-4)
