r"""Linear-time contraction paths for tree-like (Berge-acyclic) networks.

Let the incidence graph of a network join each tensor to each of its labels
(labels on one tensor only are leaves and are left out). When that graph is a
forest, the network is a tree of tensors and hyper-indices (a chain, a
hierarchical Tucker tree, a CP star), and contracting every subtree into its
parent, from the leaves toward a root, never creates an intermediate with more
than one internal label (plus the open and output labels):

.. math::

    \mathrm{res}(t) = t \cdot \prod_{\ell \ni t,\ \ell \ne \mathrm{parent}(t)}
        \ \prod_{u \in \mathrm{holders}(\ell) \setminus \{t\}} \mathrm{res}(u).

:func:`tree_path` returns that order as an ssa path in one pass over the
labels (no search), rooted at a tensor holding an output label, so a side of a
cut is swept from its far end toward the cut. For 2^20 tensors cotengra's
random-greedy search is the bottleneck; this path costs a few microseconds per
tensor. It returns ``None`` for a graph with a cycle (use
:func:`tnexpress.engine.paths.contraction_tree` then).

Examples
--------
>>> tree_path([("a", "x"), ("a", "b", "y"), ("b", "z")], ("z",))
[(1, 0), (2, 3)]
>>> tree_path([("a", "b"), ("b", "c"), ("c", "a")], ()) is None
True
"""

from __future__ import annotations

__all__ = ("tree_path",)


def label_holders(inputs) -> dict:
    """``{label: [terms holding it, in term order]}`` of einsum ``inputs``."""
    holders: dict = {}
    get = holders.get
    for t, term in enumerate(inputs):
        for x in term:
            h = get(x)
            if h is None:
                holders[x] = [t]
            else:
                h.append(t)
    return holders


def tree_path(inputs, output=(), *, ignore=()):
    """An ssa path contracting a tree-like network from the leaves to a root.

    Parameters
    ----------
    inputs : sequence of tuple
        Labels of each term.
    output : tuple
        Output labels; the root is the first term holding one (term 0 if none).
    ignore : iterable
        Labels left out of the incidence graph (row labels: on one term each).

    Returns
    -------
    list of (int, int) or None
        The ssa path, or ``None`` when the incidence graph has a cycle.
    Disconnected pieces are left apart (the executor joins them).
    """
    n = len(inputs)
    if n < 2:
        return []
    ignore = set(ignore)
    holders = label_holders(inputs)
    for x in ignore:
        holders.pop(x, None)
    # the first term holding an output label (holder lists are in term order)
    root = min((holders[x][0] for x in output if x in holders), default=None)
    if root is None:  # output labels on no term, or only ignored ones
        out_set = set(output)
        root = next((t for t, term in enumerate(inputs) if any(x in out_set for x in term)), 0)
    # iterative DFS over tensors; a label node is entered from one holder
    seen = bytearray(n)
    order: list = []  # tensors in DFS preorder
    parent = [-1] * n
    pop = holders.pop
    for start in [root, *range(n)]:
        if seen[start]:
            continue
        seen[start] = 1
        stack = [start]
        while stack:
            t = stack.pop()
            order.append(t)
            for x in inputs[t]:
                h = pop(x, None)  # popped: each label is crossed once
                if h is None or len(h) < 2:
                    continue
                for u in h:
                    if u == t:
                        continue
                    if seen[u]:
                        return None  # reached twice: a cycle
                    seen[u] = 1
                    parent[u] = t
                    stack.append(u)
    # post-order: a tensor after all its children; fold each child into its parent
    ssa = list(range(n))
    nxt = n
    path = []
    append = path.append
    for t in reversed(order):
        p = parent[t]
        if p < 0:
            continue
        append((ssa[p], ssa[t]))
        ssa[p] = nxt
        nxt += 1
    return path
