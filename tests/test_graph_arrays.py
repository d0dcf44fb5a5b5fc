"""The structure's integer graph arrays against its label tuples, on random networks.

``graph_arrays`` is what the compiled tree algorithms read; ``Structure.holders``
is made from it. Both are checked here against a plain walk over ``st.inputs``
(tensors: every label; terminals: their class label), on networks with COPY
tensors (merged into classes), hyper-indices, dimension-1 legs and several dtypes.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import random_networks, sides

from tnexpress.engine.structure import build_structure, graph_arrays


@st.composite
def _network_and_side(draw):
    tn = draw(random_networks(max_tensors=6))
    return tn, draw(sides(tn))


@settings(max_examples=80, deadline=None)
@given(case=_network_and_side())
def test_graph_arrays_match_the_label_tuples(case):
    tn, A = case
    before = {tid: (t.inds, t.data.copy()) for tid, t in tn.tensor_map.items()}
    s = build_structure(tn, A)
    g = graph_arrays(s)
    n_t = len(s.tids)
    # node labels in axis order; terminals hold their class label only
    expect = [list(t) for t in s.inputs[:n_t]] + [[t[1]] for t in s.inputs[n_t:]]
    got = [
        [g.labels[i] for i in g.node_lab[g.node_ptr[v] : g.node_ptr[v + 1]]]
        for v in range(s.n_nodes)
    ]
    assert got == expect
    # labels in order of first appearance, each with its holders in node order
    holders: dict = {}
    for v, labs in enumerate(expect):
        for x in labs:
            holders.setdefault(x, []).append(v)
    assert g.labels == list(holders)
    assert s.holders == holders
    for i, x in enumerate(g.labels):
        assert g.lab_nodes[g.lab_ptr[i] : g.lab_ptr[i + 1]].tolist() == holders[x]
        assert g.lab_size[i] == s.size[x]
    # every tensor's shape agrees with its labels' sizes
    for v in range(n_t):
        assert tuple(s.arrays[v].shape) == tuple(s.size[x] for x in s.inputs[v])
    # nothing the caller passed was modified
    for tid, t in tn.tensor_map.items():
        inds, data = before[tid]
        assert t.inds == inds
        np.testing.assert_array_equal(t.data, data)
