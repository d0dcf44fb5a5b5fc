r"""The min cut of a forest-shaped flow graph as a compiled tree DP (numba).

:func:`tree_cut_mask` is the dynamic program of
:func:`tnexpress.measures.mincut._tree_min_cut` over the integer arrays of
:func:`~tnexpress.engine.structure.graph_arrays`: one pass over the labels,
one depth-first pass, one pass up and one down, all compiled. At 2^20 tensors
the same program in Python took about 12 s; compiled it is well under a second.

Capacities are ``log2(dim)`` in fixed point with ``2^S`` units per bit, exact
integers in int64. ``S`` (at most 44, the max-flow's scale) is chosen so that no
sum the program forms can overflow: every value is a sum of at most
``max_degree + 2`` terms, each either finite (at most ``big``, the sum of all
capacities plus one) or infeasible (``2 big`` plus a finite part). Power-of-two
dimensions have integer ``log2``: their sums are exact at any ``S``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ("tree_cut_mask", "capacity", "capacity_scale")

#: below this fixed-point scale (networks with ~2^30 labels) the exact max-flow is used
MIN_SCALE_BITS = 20
#: structures of at least this many nodes run the compiled DP; smaller ones the same
#: function as plain Python. Measured: the first compiled call of a process costs ~50 ms
#: with numba's disk cache (6 s without one, once); uncompiled, the DP costs ~16 us a
#: node over these arrays (36 ms for an MPS of 1024 sites, 2048 nodes)
COMPILE_MIN_NODES = 512
_COMPILED: list = []


def capacity(dim: int, bits: int) -> int:
    """``log2(dim)`` in fixed point with ``2^bits`` units per bit (0 for ``dim <= 1``)."""
    return round(math.log2(dim) * (1 << bits)) if dim > 1 else 0


def capacity_scale(lab_size: np.ndarray, degree: np.ndarray, max_bits: int = 44) -> int:
    """The fixed-point scale ``S`` for which the DP's sums fit in int64.

    ``lab_size``: dimension of every label held by two or more nodes;
    ``degree``: their holder counts.
    """
    if lab_size.size == 0:
        return max_bits
    bits = float(np.log2(np.maximum(lab_size, 1)).sum())
    terms = 3.0 * (int(degree.max()) + 2)
    return min(max_bits, math.floor(61 - math.log2(bits + 1) - math.log2(terms)))


def _tree_dp(n, n_t, lab_ptr, lab_nodes, lab_cap, side):
    """``(status, in_a)``: 0 and the mask of side A; 1: a cycle; 2: inseparable."""
    n_lab = lab_ptr.size - 1
    own0 = np.zeros(n, np.int64)
    own1 = np.zeros(n, np.int64)
    k_ptr = np.zeros(n_lab + 1, np.int64)
    k_nodes = np.empty(lab_nodes.size, np.int64)
    k_cap = np.empty(n_lab, np.int64)
    stamp = np.full(n, -1, np.int64)
    big = 1
    nk = 0
    pos = 0
    for i in range(n_lab):
        a, b = lab_ptr[i], lab_ptr[i + 1]
        m = b - a
        if m < 2:
            continue
        c = lab_cap[i]
        big += c
        if m == 2:
            u, v = lab_nodes[a], lab_nodes[a + 1]
            if u == v:
                continue
            if u >= n_t or v >= n_t:
                t, w = (u, v) if u >= n_t else (v, u)
                if w < n_t:  # a terminal on one tensor: folded into it
                    if side[t] == 1:
                        own1[w] += c
                    else:
                        own0[w] += c
                    continue
        start = pos
        for j in range(a, b):
            u = lab_nodes[j]
            if stamp[u] != i:
                stamp[u] = i
                k_nodes[pos] = u
                pos += 1
        if pos - start < 2:
            pos = start
            continue
        k_cap[nk] = c
        nk += 1
        k_ptr[nk] = pos
    inf = 2 * big
    # node -> kept labels
    cnt = np.zeros(n + 1, np.int64)
    for j in range(pos):
        cnt[k_nodes[j] + 1] += 1
    n_ptr = np.cumsum(cnt)
    fill = n_ptr[:-1].copy()
    n_lab_of = np.empty(pos, np.int64)
    for lab in range(nk):
        for j in range(k_ptr[lab], k_ptr[lab + 1]):
            u = k_nodes[j]
            n_lab_of[fill[u]] = lab
            fill[u] += 1
    up = np.full(n, -1, np.int64)
    lab_up = np.full(nk, -1, np.int64)
    seen = np.zeros(n, np.bool_)
    order = np.empty(n, np.int64)
    stack = np.empty(n, np.int64)
    n_order = 0
    for r in range(n):
        if seen[r] or (r >= n_t and n_ptr[r + 1] == n_ptr[r]):
            continue
        seen[r] = True
        top = 0
        stack[0] = r
        top = 1
        while top:
            top -= 1
            v = stack[top]
            order[n_order] = v
            n_order += 1
            pv = up[v]
            for jj in range(n_ptr[v], n_ptr[v + 1]):
                lab = n_lab_of[jj]
                if lab == pv:
                    continue
                if lab_up[lab] >= 0:
                    return 1, seen  # a label met twice: a cycle
                lab_up[lab] = v
                for j in range(k_ptr[lab], k_ptr[lab + 1]):
                    u = k_nodes[j]
                    if u == v:
                        continue
                    if seen[u]:
                        return 1, seen
                    seen[u] = True
                    up[u] = lab
                    stack[top] = u
                    top += 1
    f0 = np.zeros(n, np.int64)
    f1 = np.zeros(n, np.int64)
    la0 = np.zeros(nk, np.int64)
    la1 = np.zeros(nk, np.int64)
    lmn = np.zeros(nk, np.int64)
    for idx in range(n_order - 1, -1, -1):
        v = order[idx]
        s = side[v]
        a0 = inf if s & 2 else own0[v]
        a1 = inf if s & 1 else own1[v]
        pv = up[v]
        for jj in range(n_ptr[v], n_ptr[v + 1]):
            lab = n_lab_of[jj]
            if lab == pv:
                continue
            s0 = 0
            s1 = 0
            mn = 0
            for j in range(k_ptr[lab], k_ptr[lab + 1]):
                u = k_nodes[j]
                if u != v:
                    x0, x1 = f0[u], f1[u]
                    s0 += x0
                    s1 += x1
                    mn += min(x0, x1)
            la0[lab], la1[lab], lmn[lab] = s0, s1, mn
            c = k_cap[lab] + mn
            a0 += min(s0, c)
            a1 += min(s1, c)
        f0[v], f1[v] = a0, a1
    # down pass: the whole component's values with v on side 0 / 1, in place of f
    F0, F1 = f0, f1
    root_min = np.zeros(n, np.int64)
    for idx in range(n_order):
        v = order[idx]
        pv = up[v]
        if pv < 0:
            root_min[v] = min(F0[v], F1[v])
            if root_min[v] >= big:
                return 2, seen
        else:
            root_min[v] = root_min[lab_up[pv]]
        G0, G1 = F0[v], F1[v]
        for jj in range(n_ptr[v], n_ptr[v + 1]):
            lab = n_lab_of[jj]
            if lab == pv:
                continue
            s0, s1, mn, c = la0[lab], la1[lab], lmn[lab], k_cap[lab]
            cc = c + mn
            p0 = G0 - min(s0, cc)
            p1 = G1 - min(s1, cc)
            pm = min(p0, p1)
            for j in range(k_ptr[lab], k_ptr[lab + 1]):
                u = k_nodes[j]
                if u == v:
                    continue
                x0, x1 = F0[u], F1[u]  # still the subtree values f
                cut = c + pm + mn - min(x0, x1)
                F0[u] = x0 + min(p0 + s0 - x0, cut)
                F1[u] = x1 + min(p1 + s1 - x1, cut)
    in_a = np.zeros(n, np.bool_)
    for idx in range(n_order):
        v = order[idx]
        in_a[v] = F0[v] == root_min[v]
    for v in range(n):  # folded terminals of side A
        if side[v] & 1 and not seen[v]:
            in_a[v] = True
    return 0, in_a


def _dp(n_nodes: int):
    """The DP, compiled (cached on disk by numba) from :data:`COMPILE_MIN_NODES` nodes."""
    if n_nodes < COMPILE_MIN_NODES:
        return _tree_dp
    if not _COMPILED:
        import numba

        _COMPILED.append(numba.njit(cache=True, nogil=True)(_tree_dp))
    return _COMPILED[0]


def tree_cut_mask(st):
    """Mask of side A of the largest-source-side min cut of ``st``, or ``None``.

    ``None`` when the flow graph is not a forest (or too large for int64
    capacities, see :func:`capacity_scale`): the caller runs max-flow.
    """
    graph = st.graph
    lens = np.diff(graph.lab_ptr)
    multi = lens >= 2
    S = capacity_scale(graph.lab_size[multi], lens[multi])
    if S < MIN_SCALE_BITS:
        return None
    dims, inv = np.unique(graph.lab_size, return_inverse=True)
    caps = np.array([capacity(int(d), S) for d in dims], dtype=np.int64)[inv.reshape(-1)]
    side = np.zeros(st.n_nodes, np.int8)
    side[np.asarray(st.a_terminals, dtype=np.int64)] = 1
    side[np.asarray(st.b_terminals, dtype=np.int64)] |= 2
    status, in_a = _dp(st.n_nodes)(
        st.n_nodes, len(st.tids), graph.lab_ptr, graph.lab_nodes, caps, side
    )
    return in_a if status == 0 else None
