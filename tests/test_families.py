"""Every registered family, at its smallest atlas architecture, on every canonical partition.

Parametrized over ``tx.nets.families()``: a family registered tomorrow is tested here the
moment it is registered (the opt_einsum habit). References: dense numpy SVD of
``tn.to_dense``, the exact rank mod p, the min cut (an upper bound), the closed forms.
"""

import math

import numpy as np
import pytest

import tnexpress as tx

DENSE_MAX = 2**16


def _cases():
    out = []
    for name in tx.nets.families():
        fam = tx.nets.get_family(name)
        if not fam.atlas:
            continue
        archs = sorted(fam.atlas, key=lambda a: fam.build(**a, seed=0).nsites)
        out.append(pytest.param(name, archs[0], id=name))
    return out


CASES = _cases()


def test_every_family_is_covered():
    assert {c.values[0] for c in CASES} == {
        n for n in tx.nets.families() if tx.nets.get_family(n).atlas
    }
    assert len(CASES) >= 4


@pytest.mark.parametrize("name, arch", CASES)
def test_builder_contract(name, arch):
    fam = tx.nets.get_family(name)
    a = fam.build(**arch, seed=3)
    b = fam.build(**arch, seed=3)
    c = fam.build(**arch, seed=4)
    assert a.nsites >= 2
    assert [a.site_ind(i) for i in range(a.nsites)] == [f"k{i}" for i in range(a.nsites)]
    assert set(tx.open_inds(a)) == {f"k{i}" for i in range(a.nsites)}
    assert all(np.array_equal(x.data, y.data) for x, y in zip(a.tensors, b.tensors))
    assert any(not np.array_equal(x.data, y.data) for x, y in zip(a.tensors, c.tensors))
    for pname, A in fam.partitions(**arch).items():
        assert 0 < len(A) < a.nsites, pname
        assert all(0 <= i < a.nsites for i in A), pname


@pytest.mark.parametrize("name, arch", CASES)
def test_rank_bounded_by_min_cut_and_matches_dense(name, arch):
    fam = tx.nets.get_family(name)
    net = fam.build(**arch, seed=0)
    N = net.nsites
    dims = [net.ind_size(f"k{i}") for i in range(N)]
    for pname, A in fam.partitions(**arch).items():
        bp = tx.bipartition(net, A)
        W = bp.min_cut.weight
        assert W == math.prod(net.ind_size(ix) for ix in bp.min_cut.inds) or any(
            ix not in net.ind_map for ix in bp.min_cut.inds
        )
        sp = bp.spectrum("cut")
        assert sp.rank() <= W, pname
        assert bp.rank() == tx.schmidt_rank(net, A)
        if math.prod(dims) <= DENSE_MAX:
            B = [i for i in range(N) if i not in set(A)]
            mat = net.to_dense([f"k{i}" for i in A], [f"k{i}" for i in B])
            s = np.linalg.svd(mat, compute_uv=False)
            s = s / np.linalg.norm(s)
            got = sp.values
            k = min(len(s), len(got))
            np.testing.assert_allclose(got[:k], s[:k], atol=1e-10, err_msg=f"{name} {pname}")
            assert np.all(s[k:] < 1e-10)
            assert np.linalg.matrix_rank(mat) <= W


@pytest.mark.parametrize("name, arch", CASES)
def test_closed_form_and_certificate(name, arch):
    fam = tx.nets.get_family(name)
    net = fam.build(**arch, seed=0)
    for pname, A in fam.partitions(**arch).items():
        W = tx.min_cut(net, A).weight
        if W > 4096:
            continue
        c = tx.certify(name, A, seed=0, **arch)
        assert c.upper == W
        assert c.lower <= c.upper
        exact = tx.schmidt_rank(net, A, exact=True, seed=0)
        assert exact <= W
        bound = fam.bound(pname, **arch) if fam.bound else None
        if bound is not None and c.proven:
            # the theory's generic rank, where it has a closed form, is what the certificate proves
            assert bound == c.lower, (name, pname, bound, c)
