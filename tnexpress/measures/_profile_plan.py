r"""The entanglement profile of a tree network, compiled into batched steps.

A network whose tensors and hyper-indices form a tree (MPS, tensor trains, HT
with their pooling COPY indices, any tree tensor network) has every cut of an
order in which each subtree's legs are contiguous computed from three
structural passes, compiled once per structure (shapes, indices, order) into
groups of identical small contractions that run as one stacked ``matmul`` and
one stacked QR each:

1. **Up**: rooted at the tensor holding the last leg, every vertex ``v`` gets
   the ``R`` factor ``U_v`` (rows by parent bond) of its subtree's
   matricization, legs against the bond to its parent.
2. **Down**: every vertex gets its outside environment ``E_v[x, y, b]``: the
   rest of the network with the legs left of ``v``'s interval compressed into
   ``x`` and those right of it into ``y`` (the same for every cut inside the
   interval), each by QR against the other and the bond ``b``.
3. **Cuts**: the cut after leg ``k`` sits at the deepest vertex whose interval
   holds legs ``k - 1`` and ``k``; its matrix is the vertex contracted with
   ``E_v`` and the factors of its parts, ``(x, parts left) x (y, parts right)``.
   Isometries on either side leave the singular values unchanged.

Vertices of one level with the same local shapes form one group (an HT level
is one group; an MPS is a chain of single steps). A hyper-index is a COPY
vertex: its factors multiply entrywise along the index. Networks that are not
such trees, orders that split a subtree, non-numpy arrays and cuts over the
memory budget return ``None``: the general sweep of :mod:`.profile` takes them.
"""

from __future__ import annotations

import math

import numpy as np

from .._gc import no_gc
from ..engine.executor import qr_r
from ..engine.structure import _check_finite
from .schmidt import SchmidtSpectrum, renyi_bits

__all__ = ("tree_profile",)

#: compiled plans by structure (``False``: the structure is not a tree plan)
_PLANS: dict = {}
_PLANS_MAX = 8
#: a chain step (one child, own legs) leaves its factor's rows uncompressed up to
#: ``_SLACK`` times its bond and ``_SLACK_ENTRIES`` entries: one QR call per few steps
_SLACK = 4
_SLACK_ENTRIES = 256
#: results are rescaled to max abs 1 once ``_AGE`` steps have multiplied them
#: (inputs with max abs in ``2^±64``: at most ``2^(±64 * _AGE)`` times a dims product)
_AGE = 3
#: largest stacked intermediate of one group run, in entries (groups run in chunks)
_CHUNK_ENTRIES = 2**22
_Z = "Z"  # the batch label of every stacked operand


@no_gc
def tree_profile(tn, seq, alpha, budget):
    """Entropies of every cut of ``seq`` on a tree network, or ``None`` (not a tree plan).

    Parameters
    ----------
    tn : quimb.tensor.TensorNetwork
        The network (not modified).
    seq : list of str
        The open indices in cut order (every open index once).
    alpha : float
        Renyi order ``>= 0``.
    budget : int
        Memory budget in bytes: a cut or factor over it returns ``None``.

    Returns
    -------
    numpy.ndarray or None
    """
    tensors = tn.tensors
    arrays = [t.data for t in tensors]
    if not all(type(a) is np.ndarray for a in arrays):
        return None
    _check_finite(tn, arrays)  # the general route's error, not "contracts to zero"
    dtypes = {a.dtype for a in arrays}
    if any(d.char not in "fdFD" for d in dtypes) or not all(a.size for a in arrays):
        return None
    dtype = np.result_type(*dtypes)
    inds = tuple(t.inds for t in tensors)
    key = (inds, tuple(a.shape for a in arrays), tuple(seq), dtype.itemsize, budget)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _compile(inds, key[1], seq, dtype.itemsize, budget)
        if len(_PLANS) >= _PLANS_MAX:
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[key] = plan = plan if plan is not None else False
    if not plan:
        return None
    return _execute(plan, arrays, alpha)


# ----------------------------------------------------------------------------- compile


class _Plan:
    __slots__ = (
        "up", "env", "cut", "n_vertices", "n_cuts", "n_results", "buffers", "tensor_buffers",
    )  # fmt: skip


def _pair_steps(ops, out, size):
    """Matmul steps contracting ``ops`` left to right into labels ``out`` (``Z`` first).

    Each step ``(pa, sa, pb, sb, so)``: transpose and reshape the accumulated
    array and the next operand into stacked matrices (batch = ``Z`` and shared
    labels still needed), multiply, reshape. Returns ``(steps, final_perm, peak)``
    with ``peak`` the largest intermediate per batch entry.
    """
    acc = list(ops[0])
    peak = math.prod(size[lab] for lab in acc[1:])
    steps = []
    for i in range(1, len(ops)):
        b = ops[i]
        b_set = set(b)
        acc_set = set(acc)
        later = set(out)
        for t in ops[i + 1 :]:
            later.update(t)
        shared = [lab for lab in acc if lab in b_set]
        kept = [lab for lab in shared if lab in later]
        con = [lab for lab in shared if lab not in later]
        af = [lab for lab in acc if lab not in b_set]
        bf = [lab for lab in b if lab not in acc_set]
        pa = [acc.index(lab) for lab in (*kept, *af, *con)]
        pb = [b.index(lab) for lab in (*kept, *con, *bf)]
        m = math.prod(size[lab] for lab in af)
        k = math.prod(size[lab] for lab in con)
        n = math.prod(size[lab] for lab in bf)
        acc = [*kept, *af, *bf]
        so = (-1, *[size[lab] for lab in acc[1:]])
        peak = max(peak, math.prod(so[1:]), math.prod(size[lab] for lab in b[1:]))
        steps.append(
            (
                None if pa == sorted(pa) else tuple(pa),
                (-1, m, k),
                None if pb == sorted(pb) else tuple(pb),
                (-1, k, n),
                so,
            )
        )
    perm = [acc.index(lab) for lab in out]
    return tuple(steps), (None if perm == sorted(perm) else tuple(perm)), peak


def _tensor_ops(shape, parent_axis, env, kids, legs, tail):
    """Labels of a tensor vertex's contraction: the tensor, its kids' factors, ``E``.

    ``kids``: ``(axis, rows, side)``; ``legs``: ``(axis, side)``; ``side`` ``0``
    (left, ``x``) or ``1`` (right, ``y``); ``env``: ``(x, y)`` dims or ``None``;
    ``tail``: the axis kept last (the bond to the vertex served) or ``None``.
    Returns ``(ops, out, size, dims)``, ``dims`` the matrix grouping of ``out``.
    """
    size = {a: d for a, d in enumerate(shape)}
    size[_Z] = 1
    ops = []  # the first kid's factor, the tensor, the other kids' (see _tensor_srcs)
    groups: list = [[], []]
    if env is not None:
        size["x"], size["y"] = env
        groups[0].append("x")
        groups[1].append("y")
    for a, r, _ in kids:
        size[("r", a)] = r
        ops.append((_Z, ("r", a), a))
    ops.insert(min(1, len(ops)), (_Z, *range(len(shape))))
    items = sorted([(a, ("r", a), s) for a, _, s in kids] + [(a, a, s) for a, s in legs])
    for _, lab, s in items:
        groups[s].append(lab)
    if env is not None:
        ops.append((_Z, "x", "y", parent_axis))
    out = [_Z, *groups[0], *groups[1]]
    dims = [math.prod(size[lab] for lab in groups[0]), math.prod(size[lab] for lab in groups[1])]
    if tail is not None:
        out.append(tail)
        dims.append(shape[tail])
    return ops, out, size, dims


def _label_ops(D, env, kids):
    """As :func:`_tensor_ops` for a COPY vertex: ``kids`` ``(rows, side)``; ``j`` its index."""
    size = {_Z: 1, "j": D}
    ops = []
    groups: list = [[], []]
    if env is not None:
        size["x"], size["y"] = env
        groups[0].append("x")
        groups[1].append("y")
    for n, (r, side) in enumerate(kids):
        size[("r", n)] = r
        ops.append((_Z, ("r", n), "j"))
        groups[side].append(("r", n))
    if env is not None:
        ops.append((_Z, "x", "y", "j"))
    out = [_Z, *groups[0], *groups[1]]
    dims = [math.prod(size[lab] for lab in groups[0]), math.prod(size[lab] for lab in groups[1])]
    return ops, out, size, dims


_SPECS: dict = {}


def _spec(kind, key):
    """Compiled steps of one contraction template (cached): ``(steps, perm, dims, peak)``."""
    hit = _SPECS.get((kind, key))
    if hit is not None:
        return hit
    if key[0] == "T":
        _, shape, pax, env, kids, legs, tail = key
        ops, out, size, dims = _tensor_ops(shape, pax, env, kids, legs, tail)
    else:
        _, D, env, kids, tail = key
        ops, out, size, dims = _label_ops(D, env, kids)
        if tail:
            out.append("j")
            dims.append(D)
    steps, perm, peak = _pair_steps(ops, out, size)
    if kind == "up":  # rows x bond
        dims = [dims[0] * dims[1], dims[2]]
    hit = _SPECS[(kind, key)] = (steps, perm, tuple(dims), peak)
    if len(_SPECS) > 16384:
        _SPECS.clear()
        _SPECS[(kind, key)] = hit
    return hit


def _tree(inds_list, shapes, seq):
    """Rooted tree of tensors and hyper-indices, or ``None`` (not a tree, legs split)."""
    T = len(inds_list)
    N = len(seq)
    pos = {ix: p for p, ix in enumerate(seq)}
    holders: dict = {}
    size_of: dict = {}
    for t, inds in enumerate(inds_list):
        if len(set(inds)) != len(inds):
            return None
        for ix, d in zip(inds, shapes[t]):
            h = holders.get(ix)
            if h is None:
                holders[ix] = [t]
                size_of[ix] = d
            else:
                h.append(t)
    nbr: list = [[] for _ in range(T)]  # (vertex, index)
    label_ix: list = []
    for ix, h in holders.items():
        if ix in pos:
            if len(h) != 1:
                return None
        elif len(h) == 1:
            return None
        elif len(h) == 2:
            a, b = h
            nbr[a].append((b, ix))
            nbr[b].append((a, ix))
        else:
            v = len(nbr)
            nbr.append([(t, ix) for t in h])
            label_ix.append(ix)
            for t in h:
                nbr[t].append((v, ix))
    V = len(nbr)
    if sum(map(len, nbr)) != 2 * (V - 1) or len(pos) != N or seq[-1] not in holders:
        return None
    root = holders[seq[-1]][0]
    parent = [-2] * V
    pix: list = [None] * V
    parent[root] = -1
    order = [root]
    for u in order:
        for v, ix in nbr[u]:
            if parent[v] == -2:
                parent[v] = u
                pix[v] = ix
                order.append(v)
    if len(order) != V:
        return None
    children: list = [[] for _ in range(V)]
    for v in order[1:]:
        children[parent[v]].append(v)
    lo = [N] * V
    hi = [-1] * V
    cnt = [0] * V
    legs_of: list = [()] * V
    for t, inds in enumerate(inds_list):
        lg = tuple((a, pos[ix]) for a, ix in enumerate(inds) if ix in pos)
        if lg:
            legs_of[t] = lg
            ps = [q for _, q in lg]
            lo[t], hi[t], cnt[t] = min(ps), max(ps), len(ps)
    rank = [1] * V
    level = [0] * V
    for v in reversed(order):
        rows = 1
        lev = 0
        for c in children[v]:
            rows *= rank[c]
            if level[c] >= lev:
                lev = level[c] + 1
            if cnt[c]:
                if lo[c] < lo[v]:
                    lo[v] = lo[c]
                if hi[c] > hi[v]:
                    hi[v] = hi[c]
                cnt[v] += cnt[c]
        if cnt[v] and hi[v] - lo[v] + 1 != cnt[v]:
            return None  # a subtree's legs are not contiguous in this order
        if v < T:
            for a, _ in legs_of[v]:
                rows *= shapes[v][a]
        level[v] = lev
        if v != root:
            D = size_of[pix[v]]
            rank[v] = min(rows, D)
            if v < T and len(children[v]) == 1 and legs_of[v] and rows <= _SLACK * D:
                if rows * D <= _SLACK_ENTRIES:  # a chain step of tiny factors: QR later
                    rank[v] = rows
    return dict(
        T=T, N=N, V=V, root=root, parent=parent, pix=pix, order=order, children=children,
        lo=lo, hi=hi, cnt=cnt, legs_of=legs_of, rank=rank, level=level, size_of=size_of,
        label_ix=label_ix,
    )  # fmt: skip


def _compile(inds_list, shapes, seq, itemsize, budget):
    """The plan of a tree network, or ``None`` when the fast path does not apply."""
    tr = _tree(inds_list, shapes, seq)
    if tr is None:
        return None
    T, N, V, root = tr["T"], tr["N"], tr["V"], tr["root"]
    parent, pix, order, children = tr["parent"], tr["pix"], tr["order"], tr["children"]
    lo, hi, cnt, legs_of, rank = tr["lo"], tr["hi"], tr["cnt"], tr["legs_of"], tr["rank"]
    level, size_of, label_ix = tr["level"], tr["size_of"], tr["label_ix"]
    cap = budget // itemsize
    plan = _Plan()
    plan.n_vertices, plan.n_cuts = V, N - 1
    kax: list = [()] * V  # tensor vertices: (axis, child) by axis
    pax = [-1] * V  # axis of the parent bond
    for v in range(T):
        inds = inds_list[v]
        ch = children[v]
        if len(ch) == 1:
            kax[v] = ((inds.index(pix[ch[0]]), ch[0]),)
        elif ch:
            kax[v] = tuple(sorted((inds.index(pix[c]), c) for c in ch))
        if v != root:
            pax[v] = inds.index(pix[v])
    builder = _Builder(shapes)
    # ---- up pass: children first
    up: dict = {}
    uage = [0] * V
    for v in reversed(order[1:]):
        a = 1 + max((uage[c] for c in children[v]), default=0)
        norm = a >= _AGE
        uage[v] = 0 if norm else a
        if v < T:
            kids = tuple((a, rank[c], 0) for a, c in kax[v])
            legs = tuple((a, 0) for a, _ in legs_of[v])
            key = ("T", shapes[v], -1, None, kids, legs, pax[v])
            srcs = _tensor_srcs(v, kax[v])
        else:
            ch = children[v]
            key = ("L", size_of[label_ix[v - T]], None, tuple((rank[c], 0) for c in ch), True)
            srcs = tuple(("u", c) for c in ch)
        qr = rank[v] < math.prod(_spec("up", key)[2][:1])
        up.setdefault((level[v], key, qr, norm), []).append((v, srcs))
    plan.up = []
    for (_, key, qr, norm), members in sorted(up.items(), key=lambda kv: kv[0][0]):
        spec = _spec("up", key)
        dims = spec[2]
        if max(spec[3], dims[0] * dims[1]) > cap:
            return None
        shape = (rank[members[0][0]], dims[1])
        for _, gathers, g, slot in builder.groups(members, spec[3], "u", shape):
            plan.up.append((spec[:3], qr, norm, gathers, g, slot))
    # ---- down pass: environments, parents before children
    env_dims: list = [None] * V
    env: dict = {}
    depth = [0] * V
    eage = [0] * V
    for v in order[1:]:
        p = parent[v]
        depth[v] = depth[p] + 1
        lv = lo[v] if cnt[v] else N
        e = env_dims[p]
        if p < T:
            ka = tuple(x for x in kax[p] if x[1] != v)
            kids = tuple((a, rank[c], 0 if cnt[c] and lo[c] < lv else 1) for a, c in ka)
            legs = tuple((a, 0 if q < lv else 1) for a, q in legs_of[p])
            key = ("T", shapes[p], pax[p], e, kids, legs, inds_list[p].index(pix[v]))
            srcs = _tensor_srcs(p, ka)
        else:
            sib = [c for c in children[p] if c != v]
            kids = tuple((rank[c], 0 if cnt[c] and lo[c] < lv else 1) for c in sib)
            key = ("L", size_of[label_ix[p - T]], e, kids, True)
            srcs = tuple(("u", c) for c in sib)
        if e is not None:
            srcs = (*srcs, ("e", p))
        a = 1 + max((uage[c] for x, c in srcs if x == "u"), default=eage[p])
        a = max(a, 1 + eage[p])
        norm = a >= _AGE
        eage[v] = 0 if norm else a
        spec = _spec("env", key)
        X, Y, D = spec[2]
        if max(spec[3], X * Y * D) > cap:
            return None
        X2 = min(X, Y * D)
        env_dims[v] = (X2, min(Y, X2 * D))
        env.setdefault((depth[v], key, norm), []).append((v, srcs))
    plan.env = []
    for (_, key, norm), members in sorted(env.items(), key=lambda kv: kv[0][0]):
        spec = _spec("env", key)
        shape = (*env_dims[members[0][0]], spec[2][2])
        for _, gathers, g, slot in builder.groups(members, spec[3], "e", shape):
            plan.env.append((spec[:3], norm, gathers, g, slot))
    # ---- cuts: the matricization of one subtree where a cut is one (U_c E_c^T) ...
    best: dict = {}
    for c in order[1:]:
        if not cnt[c]:
            continue
        k = hi[c] + 1 if lo[c] == 0 else (lo[c] if hi[c] == N - 1 else 0)
        if 0 < k < N:
            X, Y = env_dims[c]
            cost = rank[c] * X * Y
            if k not in best or cost < best[k][0]:
                best[k] = (cost, c)
    cuts: dict = {}
    for k, (_, c) in best.items():
        D = size_of[pix[c]]
        X, Y = env_dims[c]
        if rank[c] * X * Y > cap:
            return None
        cuts.setdefault(("E", rank[c], D, X * Y), []).append((k, (("u", c), ("e", c))))
    # ... else the deepest vertex holding legs k - 1 and k, between two of its parts
    for v in order:
        e = env_dims[v]
        if v < T:
            parts = [(lo[c], hi[c]) for _, c in kax[v] if cnt[c]]
            parts += [(q, q) for _, q in legs_of[v]]
        else:
            parts = [(lo[c], hi[c]) for c in children[v] if cnt[c]]
        if len(parts) < 2:
            continue
        parts.sort()
        for i in range(len(parts) - 1):
            k = parts[i][1] + 1
            if k in best:
                continue
            if v < T:
                kids = tuple((a, rank[c], 0 if cnt[c] and lo[c] < k else 1) for a, c in kax[v])
                legs = tuple((a, 0 if q < k else 1) for a, q in legs_of[v])
                key = ("T", shapes[v], pax[v], e, kids, legs, None)
                srcs = _tensor_srcs(v, kax[v])
            else:
                ch = children[v]
                kids = tuple((rank[c], 0 if cnt[c] and lo[c] < k else 1) for c in ch)
                key = ("L", size_of[label_ix[v - T]], e, kids, False)
                srcs = tuple(("u", c) for c in ch)
            if e is not None:
                srcs = (*srcs, ("e", v))
            cuts.setdefault(key, []).append((k, srcs))
    plan.cut = []
    for key, members in cuts.items():
        if key[0] == "E":
            spec, peak = None, key[1] * key[3]
        else:
            spec = _spec("cut", key)
            dims = spec[2]
            peak = max(spec[3], dims[0] * dims[1])
            spec = spec[:3]
        if peak > cap:
            return None
        for ks, gathers, _, _ in builder.groups(members, peak, None):
            plan.cut.append((spec, gathers, np.asarray(ks) - 1))
    plan.n_results = builder.n
    if sum(n * math.prod(shape) for shape, n in builder.buffers) > cap:
        return None  # every factor and environment is kept until the cuts
    plan.buffers = builder.buffers
    plan.tensor_buffers = builder.tensor_buffers
    return plan


def _tensor_srcs(v, kax):
    """Operands of tensor ``v`` in :func:`_tensor_ops` order: a kid, the tensor, the rest."""
    us = [("u", c) for _, c in kax]
    return (*us[:1], ("t", v), *us[1:])


class _Builder:
    """Assigns result slots to groups and turns member sources into gathers.

    Every result is also copied into a buffer per (kind, shape) and input
    tensors of one shape are stacked once per call (``tensor_buffers``), so a
    group reading many factors from many groups takes one indexing of one
    array (a view where the rows run in order), never a stack of views.
    """

    def __init__(self, shapes):
        self.shapes = shapes
        self.n = 0
        self.loc = {"u": {}, "e": {}, "t": {}}  # vertex -> (slot or buffer, row)
        self.bloc = {"u": {}, "e": {}}
        self.rows: list = []  # rows per slot
        self.buffers: list = []  # [shape, rows]
        self.tensor_buffers: list = []  # tensor ids per stacked shape
        self._buf_of: dict = {}

    @staticmethod
    def _index(tag, g0, idx):
        if idx == list(range(idx[0], idx[0] + len(idx))):
            return (tag, g0, slice(idx[0], idx[0] + len(idx)))
        if idx == list(range(idx[0], idx[0] - len(idx), -1)):  # a view, reversed
            return (tag, g0, slice(idx[0], idx[-1] - 1 if idx[-1] else None, -1))
        return (tag, g0, np.asarray(idx))

    def _gather(self, kind, ids):
        if kind == "t":
            if len(ids) == 1:
                return ("t1", ids[0])
            shape = self.shapes[ids[0]]
            b = self._buf_of.get(("t", shape))
            if b is None:
                b = self._buf_of[("t", shape)] = len(self.tensor_buffers)
                self.tensor_buffers.append([])
            rows, loc = self.tensor_buffers[b], self.loc["t"]
            for v in ids:
                if v not in loc:
                    loc[v] = len(rows)
                    rows.append(v)
            return self._index("tb", b, [loc[v] for v in ids])
        locs = [self.loc[kind][v] for v in ids]
        g0 = locs[0][0]
        if all(x[0] == g0 for x in locs):  # one earlier group
            idx = [i for _, i in locs]
            if idx == list(range(len(idx))) and len(idx) == self.rows[g0]:
                return ("r", g0)
            return self._index("x", g0, idx)
        locs = [self.bloc[kind][v] for v in ids]  # one buffer: operands share a shape
        return self._index("b", locs[0][0], [i for _, i in locs])

    def groups(self, members, peak, kind, shape=None):
        """``(ids, gathers, slot, (buffer, first row))`` per chunk of ``(id, sources)``."""
        step = max(1, _CHUNK_ENTRIES // max(peak, 1))
        for s in range(0, len(members), step):
            chunk = members[s : s + step]
            ids = [m[0] for m in chunk]
            gathers = tuple(
                self._gather(k, [m[1][j][1] for m in chunk])
                for j, (k, _) in enumerate(chunk[0][1])
            )
            g = self.n
            self.n += 1
            self.rows.append(len(ids))
            brow = None
            if kind is not None:
                b = self._buf_of.get((kind, shape))
                if b is None:
                    b = self._buf_of[(kind, shape)] = len(self.buffers)
                    self.buffers.append([shape, 0])
                brow = (b, self.buffers[b][1])
                self.buffers[b][1] += len(ids)
                loc, bloc = self.loc[kind], self.bloc[kind]
                for i, v in enumerate(ids):
                    loc[v] = (g, i)
                    bloc[v] = (b, brow[1] + i)
            yield ids, gathers, g, brow


# ----------------------------------------------------------------------------- run


def _run(spec, arrs):
    steps, perm, dims = spec
    acc = arrs[0]
    for (pa, sa, pb, sb, so), b in zip(steps, arrs[1:]):
        a = (acc if pa is None else acc.transpose(pa)).reshape(sa)
        b = (b if pb is None else b.transpose(pb)).reshape(sb)
        acc = np.matmul(a, b).reshape(so)
    if perm is not None:
        acc = acc.transpose(perm)
    return acc.reshape(-1, *dims)


def _unit(a):
    """Each stacked entry scaled to max abs 1 (zero or non-finite entries left)."""
    if len(a) == 1:
        m = float(np.abs(a).max()) if a.size else 0.0
        return a / m if m > 0 and math.isfinite(m) else a
    m = np.abs(a.reshape(len(a), -1)).max(axis=1)
    m[~(m > 0) | ~np.isfinite(m)] = 1.0
    return a / m.reshape(-1, *(1,) * (a.ndim - 1))


def _r(m):
    """Stacked ``R`` factors of matrices ``m`` (``B x rows x cols``, rows > cols)."""
    if len(m) == 1:
        return qr_r(m[0])[None]
    return np.linalg.qr(m, mode="r")


def _get(g, arrays, res, bufs):
    kind = g[0]
    if kind == "r":
        return res[g[1]]
    if kind == "t1":
        return arrays[g[1]][None]
    return (res if kind == "x" else bufs[kind])[g[1]][g[2]]


def _in_range(arrays):
    """Whether every array's max abs lies in ``2^±64`` (else: rescale at every step)."""
    sizes = [a.size for a in arrays]
    if sum(sizes) > 256 * len(arrays):  # few large arrays: one reduction each
        m = np.array([np.abs(a).max() for a in arrays])
    else:  # many small ones: one pass over all entries
        flat = np.abs(np.concatenate([a.ravel() for a in arrays]))
        m = np.maximum.reduceat(flat, np.cumsum([0, *sizes[:-1]]))
    return bool(np.all((m >= 2.0**-64) & (m <= 2.0**64)))


def _execute(plan, arrays, alpha):
    res: list = [None] * plan.n_results
    dtype = np.result_type(*{a.dtype for a in arrays})
    strict = not _in_range(arrays)
    if strict:
        arrays = [_unit(a[None])[0] for a in arrays]
    bufs = {
        "b": [np.empty((n, *shape), dtype) for shape, n in plan.buffers],
        "tb": [np.stack([arrays[i] for i in ids]) for ids in plan.tensor_buffers],
    }
    for spec, qr, norm, gathers, g, slot in plan.up:
        r = _run(spec, [_get(x, arrays, res, bufs) for x in gathers])
        if qr:
            r = _r(r)
        r = _unit(r) if norm or strict else r
        res[g] = buf = bufs["b"][slot[0]][slot[1] : slot[1] + len(r)]
        buf[...] = r
    for spec, norm, gathers, g, slot in plan.env:
        r = _run(spec, [_get(x, arrays, res, bufs) for x in gathers])
        B, X, Y, D = r.shape
        if X > Y * D:
            r = _r(r.reshape(B, X, Y * D)).reshape(B, -1, Y, D)
            X = r.shape[1]
        if Y > X * D:
            t = _r(r.transpose(0, 2, 1, 3).reshape(B, Y, X * D))
            r = t.reshape(B, -1, X, D).transpose(0, 2, 1, 3)
        r = _unit(r) if norm or strict else r
        res[g] = buf = bufs["b"][slot[0]][slot[1] : slot[1] + len(r)]
        buf[...] = r
    out = np.empty(plan.n_cuts)
    for spec, gathers, idx in plan.cut:
        if spec is None:  # one subtree against the rest: U_c E_c^T
            u, e = (_get(x, arrays, res, bufs) for x in gathers)
            F = u @ e.reshape(len(e), -1, e.shape[-1]).swapaxes(1, 2)
        else:
            F = _run(spec, [_get(x, arrays, res, bufs) for x in gathers])
        F = _unit(F)
        if alpha < 1:
            # the rank and orders below 1 weigh tiny p heavily: singular values
            s = np.linalg.svd(F, compute_uv=False)
            for i, k in enumerate(idx.tolist()):
                out[k] = SchmidtSpectrum(s[i], 0.0, "profile", None, F.shape[1:]).entropy(alpha)
            continue
        H = (F.conj() if np.iscomplexobj(F) else F).swapaxes(1, 2)
        G = F @ H if F.shape[1] <= F.shape[2] else H @ F
        out[idx] = _renyi_rows(np.linalg.eigvalsh(G), alpha)
    return out


def _renyi_rows(p, alpha):
    """Renyi entropies (bits) of each row of eigenvalues ``p`` (negatives dropped)."""
    p = np.where(p > 0, p, 0.0)
    tot = p.sum(axis=1)
    if not np.all(tot > 0):
        raise ValueError("the network contracts to zero: it has no Schmidt decomposition")
    return renyi_bits(p / tot[:, None], alpha, axis=1)
