"""cotengra glue: the path cache and the default optimizer."""

import numpy as np

import tnexpress as tx
from tnexpress import partitions as P
from tnexpress.engine.paths import clear_path_cache, contraction_tree, path_cache_info


def _binary_tree(N):
    layer = [f"a{i}" for i in range(N)]
    inputs = [(f"a{i}",) for i in range(N)]
    k = 0
    while len(layer) > 1:
        nxt = []
        for j in range(0, len(layer), 2):
            o = f"b{k}"
            k += 1
            inputs.append((layer[j], layer[j + 1], o))
            nxt.append(o)
        layer = nxt
    return inputs, {ix: 2 for t in inputs for ix in t}


def test_cache_hits_on_isomorphic_relabelled_structure():
    clear_path_cache()
    inputs, size = _binary_tree(64)
    t1 = contraction_tree(inputs, (), size)
    assert path_cache_info()["misses"] == 1
    ren = {ix: f"x_{ix}" for ix in size}
    t2 = contraction_tree(
        [tuple(ren[i] for i in t) for t in inputs], (), {ren[k]: v for k, v in size.items()}
    )
    info = path_cache_info()
    assert info["hits"] == 1 and info["size"] == 1
    assert t1.contraction_cost() == t2.contraction_cost()


def test_default_optimizer_handles_ten_thousand_tensors():
    inputs, size = _binary_tree(4096)  # 8191 tensors
    tree = contraction_tree(inputs, (), size)
    assert tree.N == len(inputs)
    assert tree.contraction_width() <= 4  # tree-like: small intermediates


def test_repeated_measures_reuse_paths():
    clear_path_cache()
    net = tx.nets.ht(64, 2, 2, seed=0)
    tx.schmidt_values(net, P.left_right(64), method="cut")
    misses = path_cache_info()["misses"]
    from tnexpress.measures.schmidt import _PLANS

    plan_hits = _PLANS.hits
    net2 = tx.nets.ht(64, 2, 2, seed=1)  # same structure, other weights
    s = tx.schmidt_values(net2, P.left_right(64), method="cut")
    assert path_cache_info()["misses"] == misses
    # both sides' plans (tree paths, compiled) come from the structure cache
    assert path_cache_info()["hits"] >= 2 or _PLANS.hits - plan_hits >= 2
    assert np.isclose(np.sum(s**2), 1.0)


def test_cached_and_default_trees_contract_correctly():
    # regression: trees built on multi-character labels broke cotengra's contract
    import quimb.tensor as qtn

    clear_path_cache()
    psi = qtn.MPS_rand_state(5, 4, seed=2)
    n = psi.H & psi
    inputs = [t.inds for t in n.tensors]
    size = {ix: n.ind_size(ix) for ix in n.ind_map}
    for optimize in (None, None, "greedy", "greedy"):  # fresh, cached, preset, cached
        tree = contraction_tree(inputs, (), size, optimize=optimize)
        assert np.isclose(tree.contract([t.data for t in n.tensors]), psi.H @ psi)
