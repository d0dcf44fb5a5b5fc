r"""The walk of :func:`~tnexpress.engine.batched.tree_factor`, compiled, over the graph arrays.

:func:`~tnexpress.engine.batched.tree_factor` walks a side in Python: a dict of
holders, a tuple of labels and a grouping key per tensor (at 2^20 tensors, most
of the spectrum's time). This module does the same walk in one compiled pass
over the structure's integer arrays (:class:`~tnexpress.engine.structure.GraphArrays`):

- the terminals folded into their tensors (:func:`~tnexpress.engine.batched.side_terms`);
- the breadth-first tree from the root (the one node holding every cut label):
  each node's parent label, its child labels (a hyper label: several children)
  and its axis order (child axes, row axes, then the parent or cut axes);
- the unary chains (at least :data:`~tnexpress.engine.batched.CHAIN_MIN` nodes with one child);
- the heights, and a signature per node (shape, axis order, children per label).

The numerics are then the batched route's own (``batched._group_core``,
``batched._chain_runs``), one call per group of nodes of equal height and
signature: the same factors as :func:`~tnexpress.engine.batched.tree_factor`,
bit for bit (``tests/test_treewalk.py``). A side the walk does not take (not a
tree, a deep and thin one, a signature collision) gives ``None`` and the caller
keeps the Python walk, which decides.
"""

from __future__ import annotations

import numpy as np

from .structure import crossing_labels

__all__ = ("walk_side_factor",)

_WALK: list = []

#: trees with more than 64 heights take the compiled walk only with at least this many
#: nodes per height on average (each height costs a few numpy calls)
LEVEL_NODES_MIN = 16

#: status codes of the compiled walk
OK, NOT_A_TREE = 0, 1


def _walk_py(
    node_ptr, node_lab, lab_ptr, lab_nodes, lab_size, alive, rowlab, is_cut, cut, n_t, chain_min
):  # pragma: no cover - compiled by numba (see _compiled_walk)
    """The walk; returns a status and arrays per node (see :func:`walk_side_factor`)."""
    n_nodes = alive.shape[0]
    n_lab = lab_ptr.shape[0] - 1
    e = np.zeros(0, np.int64)
    # what a refusal returns (numba: one tuple type for every return, no `(e,) * 12`)
    out = (e, e, e, e, e, e, e, e, e, e, e, e)
    n_alive = 0
    for v in range(n_nodes):
        if alive[v]:
            n_alive += 1
    # the root: the one node holding every cut label (once each); else every holder of
    # a cut label starts a subtree whose parent label is that cut label
    root = -1
    single = True
    for ci in range(cut.shape[0]):
        x = cut[ci]
        cnt = 0
        who = -1
        for p in range(lab_ptr[x], lab_ptr[x + 1]):
            if alive[lab_nodes[p]]:
                cnt += 1
                who = lab_nodes[p]
        if cnt == 0:
            return NOT_A_TREE, -1, out
        if cnt != 1 or (root != -1 and who != root):
            single = False
        root = who
    if not single:
        root = -1
    seen = np.zeros(n_nodes, np.uint8)
    vis = np.zeros(n_lab, np.uint8)
    for ci in range(cut.shape[0]):
        vis[cut[ci]] = 1
    plab = np.full(n_nodes, -1, np.int64)
    order = np.empty(n_alive, np.int64)
    n_ax_total = node_ptr[n_nodes] + n_nodes
    perm_ptr = np.zeros(n_nodes + 1, np.int64)  # in BFS position order
    perm_buf = np.empty(n_ax_total, np.int64)
    slot_ptr = np.zeros(n_nodes + 1, np.int64)  # child labels of each BFS position
    slot_kid_ptr = np.zeros(n_ax_total + 1, np.int64)
    kid_buf = np.empty(lab_nodes.shape[0] + n_nodes, np.int64)
    dims_buf = np.empty(n_ax_total, np.int64)  # each node's shape, in axis order
    n_slot = 0
    n_kid = 0
    n_perm = 0
    tail = 0
    if root != -1:
        order[0] = root
        seen[root] = 1
        tail = 1
    else:
        for ci in range(cut.shape[0]):
            x = cut[ci]
            for p in range(lab_ptr[x], lab_ptr[x + 1]):
                u = lab_nodes[p]
                if not alive[u]:
                    continue
                if seen[u]:
                    return NOT_A_TREE, -1, out  # a node holding two cut labels, or one twice
                seen[u] = 1
                plab[u] = x
                order[tail] = u
                tail += 1
    head = 0
    rpos = np.empty(64, np.int64)
    cpos = np.empty(64, np.int64)
    axl = np.empty(64, np.int64)
    while head < tail:
        v = order[head]
        pos = head
        head += 1
        term = v >= n_t
        if term:
            nax = 2
        else:
            nax = node_ptr[v + 1] - node_ptr[v]
        if nax > 64:
            return NOT_A_TREE, -1, out
        nr = 0
        nc = 0
        npar = 0
        ppos = -1
        ncut = 0
        for i in range(nax):  # each axis's label (a terminal: its row, then its class)
            if term:
                axl[i] = -1 if i == 0 else node_lab[node_ptr[v]]
            else:
                axl[i] = node_lab[node_ptr[v] + i]
        for i in range(nax):
            x = axl[i]
            if x == -1:
                dims_buf[n_perm + i] = lab_size[node_lab[node_ptr[v]]]
            else:
                dims_buf[n_perm + i] = lab_size[x]
            if x == -1 or rowlab[x]:
                rpos[nr] = i
                nr += 1
                continue
            if vis[x]:
                if x == plab[v]:
                    npar += 1
                    ppos = i
                elif is_cut[x] and v == root:
                    ncut += 1
                else:
                    return NOT_A_TREE, -1, out
                continue
            vis[x] = 1
            nh = 0
            for p in range(lab_ptr[x], lab_ptr[x + 1]):
                if alive[lab_nodes[p]]:
                    nh += 1
            if nh < 2:
                return NOT_A_TREE, -1, out  # summed on one term
            k0 = n_kid
            for p in range(lab_ptr[x], lab_ptr[x + 1]):
                u = lab_nodes[p]
                if not alive[u]:
                    continue
                if u == v:
                    continue
                if seen[u]:
                    return NOT_A_TREE, -1, out  # a cycle
                seen[u] = 1
                plab[u] = x
                order[tail] = u
                tail += 1
                kid_buf[n_kid] = u
                n_kid += 1
            if n_kid - k0 != nh - 1:
                return NOT_A_TREE, -1, out  # a trace
            cpos[nc] = i
            nc += 1
            slot_kid_ptr[n_slot + 1] = n_kid
            n_slot += 1
        if v == root:
            if npar != 0 or ncut != cut.shape[0]:
                return NOT_A_TREE, -1, out
        elif npar != 1:
            return NOT_A_TREE, -1, out
        base = n_perm
        for j in range(nc):
            perm_buf[base + j] = cpos[j]
        for j in range(nr):
            perm_buf[base + nc + j] = rpos[j]
        if v == root:
            for ci in range(cut.shape[0]):  # cut axes in cut order (first holder axis)
                x = cut[ci]
                for i in range(nax):
                    if axl[i] == x:
                        perm_buf[base + nc + nr + ci] = i
                        break
        else:
            perm_buf[base + nc + nr] = ppos
        n_perm += nax
        perm_ptr[pos + 1] = n_perm
        slot_ptr[pos + 1] = n_slot
    if tail != n_alive:
        return NOT_A_TREE, -1, out  # a forest
    # BFS position of every node
    bpos = np.full(n_nodes, -1, np.int64)
    for i in range(n_alive):
        bpos[order[i]] = i
    # unary chains: a node (not the root) with one child label holding one child
    unary = np.zeros(n_alive, np.uint8)
    for i in range(n_alive):
        s0 = slot_ptr[i]
        if order[i] != root and slot_ptr[i + 1] - s0 == 1:
            if slot_kid_ptr[s0 + 1] - slot_kid_ptr[s0] == 1:
                unary[i] = 1
    member = np.zeros(n_alive, np.uint8)
    chain_nodes = np.empty(n_alive, np.int64)  # chains, bottom first, one after another
    chain_ptr_l = np.zeros(n_alive + 1, np.int64)
    chain_of = np.full(n_alive, -1, np.int64)  # top position -> chain number
    n_chain = 0
    n_cn = 0
    for i in range(n_alive):
        if member[i] or not unary[i]:
            continue
        # i is the top of its chain (breadth first)
        length = 1
        j = bpos[kid_buf[slot_kid_ptr[slot_ptr[i]]]]
        while unary[j]:
            length += 1
            j = bpos[kid_buf[slot_kid_ptr[slot_ptr[j]]]]
        if length >= chain_min:
            j = i
            for t in range(length):
                chain_nodes[n_cn + length - 1 - t] = j
                member[j] = 1
                if t < length - 1:
                    j = bpos[kid_buf[slot_kid_ptr[slot_ptr[j]]]]
            n_cn += length
            chain_of[i] = n_chain
            chain_ptr_l[n_chain + 1] = n_cn
            n_chain += 1
    # heights (chains collapsed), post-order = reversed BFS
    height = np.full(n_alive, -1, np.int64)
    for i in range(n_alive - 1, -1, -1):
        if member[i]:
            if chain_of[i] == -1:
                continue
            bottom = chain_nodes[chain_ptr_l[chain_of[i]]]
            child = bpos[kid_buf[slot_kid_ptr[slot_ptr[bottom]]]]
            height[i] = height[child] + 1
            continue
        h = 0
        for s in range(slot_ptr[i], slot_ptr[i + 1]):
            for p in range(slot_kid_ptr[s], slot_kid_ptr[s + 1]):
                hu = height[bpos[kid_buf[p]]]
                if hu >= h:
                    h = hu + 1
        height[i] = h
    # a signature per node: shape, axis order, children per label, root or not
    sig = np.zeros(n_alive, np.int64)
    for i in range(n_alive):
        hsh = np.uint64(1469598103934665603)
        mul = np.uint64(1099511628211)
        a0, a1 = perm_ptr[i], perm_ptr[i + 1]
        hsh = (hsh ^ np.uint64(a1 - a0)) * mul
        for a in range(a0, a1):
            hsh = (hsh ^ np.uint64(dims_buf[a])) * mul
            hsh = (hsh ^ np.uint64(perm_buf[a])) * mul
        hsh = (hsh ^ np.uint64(slot_ptr[i + 1] - slot_ptr[i])) * mul
        for s in range(slot_ptr[i], slot_ptr[i + 1]):
            hsh = (hsh ^ np.uint64(slot_kid_ptr[s + 1] - slot_kid_ptr[s])) * mul
        hsh = (hsh ^ np.uint64(1 if order[i] == root else 0)) * mul
        sig[i] = np.int64(hsh >> np.uint64(1))
    return (
        OK,
        root,
        (
            order,
            perm_ptr[: n_alive + 1].copy(),
            perm_buf[:n_perm].copy(),
            dims_buf[:n_perm].copy(),
            slot_ptr[: n_alive + 1].copy(),
            slot_kid_ptr[: n_slot + 1].copy(),
            bpos[kid_buf[:n_kid]],
            chain_of,
            chain_ptr_l[: n_chain + 1].copy(),
            chain_nodes[:n_cn].copy(),
            height,
            sig,
        ),
    )


def _compiled_walk():
    """:func:`_walk_py` compiled by numba (cached on disk)."""
    if not _WALK:
        import numba

        _WALK.append(numba.njit(cache=True, nogil=True)(_walk_py))
    return _WALK[0]


def walk_side_factor(st, nodes, cut):
    """``(F, log2)`` of one side of ``st``'s cut, the walk compiled, or ``None``.

    ``None``: the side is not a tree, or one this walk does not take (the caller's
    Python walk then handles or refuses it).
    """
    from . import batched as B
    from .executor import identity_like

    g = st.graph
    n_t = len(st.tids)
    n_nodes = st.n_nodes
    arr = np.fromiter(nodes, np.int64, len(nodes))
    alive = np.zeros(n_nodes, dtype=np.bool_)
    alive[arr] = True
    in_side = alive.copy()
    # terminals folded into their tensor: the label becomes a row of that tensor
    term = arr[arr >= n_t]
    k, _, fold = B.terminal_folds(g, term, n_t, in_side)
    alive[term[fold]] = False
    rowlab = np.zeros(len(g.labels), dtype=np.bool_)
    rowlab[k[fold]] = True
    cut_ids = _cut_ids(g, in_side, cut)
    if cut_ids is None or len(cut_ids) == 0:
        return None
    is_cut = np.zeros(len(g.labels), dtype=np.bool_)
    is_cut[cut_ids] = True
    status, root, out = _compiled_walk()(
        g.node_ptr,
        g.node_lab,
        g.lab_ptr,
        g.lab_nodes,
        g.lab_size,
        alive,
        rowlab,
        is_cut,
        cut_ids,
        n_t,
        B.CHAIN_MIN,
    )
    if status != OK:
        return None
    (
        order,
        perm_ptr,
        perm_buf,
        dims_buf,
        slot_ptr,
        slot_kid_ptr,
        kid_pos,
        chain_of,
        chain_ptr,
        chain_nodes,
        height,
        sig,
    ) = out
    arrays = st.arrays
    like = next(a for a in arrays if a is not None)

    def array_of(v):
        a = arrays[v]
        if a is None:
            return identity_like(int(g.lab_size[g.node_lab[g.node_ptr[v]]]), like)
        return a

    n = len(order)
    rooted = root != -1  # else every holder of a cut label started a subtree
    # factors: stacked per group, each node's (group, row)
    store: list = []
    f_gid = np.full(n, -1, np.int64)
    f_row = np.zeros(n, np.int64)
    K = np.zeros(n, np.int64)
    log2 = 0

    def perm_of(i):
        return tuple(perm_buf[perm_ptr[i] : perm_ptr[i + 1]].tolist())

    def gather(pos):
        """Stacked factors of the BFS positions ``pos`` (one shape)."""
        gids = f_gid[pos]
        g0 = int(gids[0])
        if (gids == g0).all():
            return store[g0][f_row[pos]]
        first = store[g0]
        outF = np.empty((len(pos), *first.shape[1:]), dtype=first.dtype)
        for gi in np.unique(gids).tolist():
            m = gids == gi
            outF[m] = store[gi][f_row[pos[m]]]
        return outF

    root_pos = 0
    # nodes by height, each height in reversed BFS order (as the Python walk)
    ranked = np.flatnonzero(height >= 0)[::-1]
    ranked = ranked[np.argsort(height[ranked], kind="stable")]
    hs = height[ranked]
    bounds = np.flatnonzero(np.diff(hs)) + 1
    if len(bounds) > 64 and len(bounds) * LEVEL_NODES_MIN > n:
        return None  # deep and thin (a caterpillar): one Python step per level, not worth it
    for at in np.split(ranked, bounds):
        tops = at[chain_of[at] >= 0]
        for i in tops.tolist():
            c = int(chain_of[i])
            members = chain_nodes[chain_ptr[c] : chain_ptr[c + 1]]
            msig = sig[members]
            cuts = np.flatnonzero(np.diff(msig)) + 1
            runs = []
            for seg in np.split(members, cuts):
                if not _same_signature(seg, perm_ptr, perm_buf, dims_buf, slot_ptr, slot_kid_ptr):
                    return None  # a signature collision: never seen; the Python walk decides
                runs.append((perm_of(int(seg[0])), order[seg].tolist()))
            bottom = int(members[0])
            child = int(kid_pos[slot_kid_ptr[slot_ptr[bottom]]])
            R0 = store[f_gid[child]][f_row[child]]
            R, l2 = B._chain_runs(runs, array_of, R0)
            log2 += l2
            f_gid[i] = len(store)
            f_row[i] = 0
            store.append(R[None])
            K[i] = R.shape[0]
        rest = at[chain_of[at] < 0]
        if len(rest) == 0:
            continue
        # groups: equal signature, then equal row counts of the children
        for s in _unique_stable(sig[rest]):
            sel = rest[sig[rest] == s]
            i0 = int(sel[0])
            s0, s1 = slot_ptr[i0], slot_ptr[i0 + 1]
            kid_counts = (slot_kid_ptr[s0 + 1 : s1 + 1] - slot_kid_ptr[s0:s1]).tolist()
            tot = int(sum(kid_counts))
            # every child's position, per node of sel, all child labels after each other
            krows = K[kid_pos[slot_kid_ptr[slot_ptr[sel]][:, None] + np.arange(tot)]]
            if tot and len(sel) > 1 and not (krows == krows[0]).all():
                _, inv = np.unique(krows, axis=0, return_inverse=True)
                subs = [sel[inv.reshape(-1) == u] for u in _unique_stable(inv.reshape(-1))]
            else:
                subs = [sel]
            for sub in subs:
                if not _same_signature(sub, perm_ptr, perm_buf, dims_buf, slot_ptr, slot_kid_ptr):
                    return None  # a signature collision: never seen; the Python walk decides
                j0 = int(sub[0])
                perm = perm_of(j0)
                kid_sub = kid_pos[slot_kid_ptr[slot_ptr[sub]][:, None] + np.arange(tot)]
                kk_flat = K[kid_sub[0]].tolist()
                kk, child_stacks, c0 = [], [], 0
                for cnum in kid_counts:
                    kk.append(tuple(kk_flat[c0 : c0 + cnum]))
                    child_stacks.append([gather(kid_sub[:, c0 + c]) for c in range(cnum)])
                    c0 += cnum
                npar = len(cut) if rooted and j0 == root_pos else 1
                vs = order[sub].tolist()
                T = [array_of(v) for v in vs]
                H, l2 = B._group_core(T, perm, tuple(kk), npar, child_stacks)
                log2 += l2
                f_gid[sub] = len(store)
                f_row[sub] = np.arange(len(sub))
                store.append(H)
                K[sub] = H.shape[1]
    if rooted:
        return store[f_gid[root_pos]][f_row[root_pos]], log2
    # the holders of each cut label (BFS positions), their factors joined
    bpos = np.empty(n_nodes, np.int64)
    bpos[order] = np.arange(n)
    per_label = []
    for x in cut_ids.tolist():
        h = g.lab_nodes[g.lab_ptr[x] : g.lab_ptr[x + 1]]
        per_label.append([store[f_gid[u]][f_row[u]] for u in bpos[h[alive[h]]].tolist()])
    F, l2 = B.join_cut_factors(per_label)
    return F, log2 + l2


def _unique_stable(a) -> list:
    """Distinct values of ``a`` in order of first appearance."""
    _, first = np.unique(a, return_index=True)
    return a[np.sort(first)].tolist()


def _same_signature(sub, perm_ptr, perm_buf, dims_buf, slot_ptr, slot_kid_ptr) -> bool:
    """Whether the nodes ``sub`` (BFS positions) have one shape, axis order and child counts."""
    if len(sub) == 1:
        return True
    n_ax = perm_ptr[sub + 1] - perm_ptr[sub]
    if not (n_ax == n_ax[0]).all():
        return False
    idx = perm_ptr[sub][:, None] + np.arange(int(n_ax[0]))
    if not (
        (perm_buf[idx] == perm_buf[idx[0]]).all() and (dims_buf[idx] == dims_buf[idx[0]]).all()
    ):
        return False
    n_sl = slot_ptr[sub + 1] - slot_ptr[sub]
    if not (n_sl == n_sl[0]).all():
        return False
    sidx = slot_ptr[sub][:, None] + np.arange(int(n_sl[0]))
    counts = slot_kid_ptr[sidx + 1] - slot_kid_ptr[sidx]
    return bool((counts == counts[0]).all())


def _cut_ids(g, in_side, cut):
    """The label ids of ``cut`` (labels with holders on both sides), or ``None``.

    Found among the labels that cross the side (one pass over the holders), not
    by a dict of every label: 2^21 labels at 2^20 tensors.
    """
    crossing = crossing_labels(g, in_side)
    labels = g.labels
    ids = {labels[i]: i for i in crossing.tolist()}
    try:
        return np.array([ids[x] for x in cut], np.int64)
    except (KeyError, TypeError):
        return None
