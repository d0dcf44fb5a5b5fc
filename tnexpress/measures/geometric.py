r"""Geometric measure of entanglement of any quimb tensor network.

For a state :math:`|\psi\rangle` with parties :math:`1..N` (one per open index),

.. math::

    \Lambda^2(\psi) = \max_{\phi = \phi_1 \otimes \dots \otimes \phi_N}
        \frac{|\langle \phi | \psi \rangle|^2}{\langle \psi | \psi \rangle},
    \qquad E_G = -\log_2 \Lambda^2 ,

(``kind="linear"``: :math:`1 - \Lambda^2`), the maximum over normalized
(complex) product states.

Algorithm
---------
Alternating maximization (Gauss-Seidel over the sites) of the overlap
:math:`f = \langle\phi|\psi\rangle`, i.e. the contraction of the closed network
:math:`\psi \otimes \bar\phi_1 \otimes \dots \otimes \bar\phi_N`.  For fixed
:math:`\phi_{j \ne i}`, :math:`f = \sum_k E_i[k]\, \bar\phi_i[k]` is linear in
:math:`\bar\phi_i`, with :math:`E_i` the *environment* of site :math:`i`, so the
best :math:`\phi_i` is :math:`E_i / \lVert E_i \rVert` and then
:math:`|f| = \lVert E_i \rVert`: every update can only increase :math:`|f|`.

All :math:`N` environments of one sweep come from ONE cotengra contraction tree
of the closed network.  With ``value[n]`` the contraction of the leaves under a
node ``n`` (open legs ``legs(n)``) and ``env[n]`` the contraction of everything
else (same legs), a depth-first pass from the root (``env[root] = 1``) computes,
at a node with children ``(l, r)``,

.. math::

    \mathrm{env}[l] = \mathrm{env}[n] \cdot \mathrm{value}[r], \quad
    \text{sweep}(l), \quad
    \mathrm{env}[r] = \mathrm{env}[n] \cdot \mathrm{value}[l], \quad
    \text{sweep}(r), \quad
    \mathrm{value}[n] = \mathrm{value}[l] \cdot \mathrm{value}[r],

(each product an einsum onto the stated legs; an index shared by 3+ tensors,
a hyper-index, is kept wherever it appears in the output labels, which is
exactly the delta-tensor semantics) and updates a site vector at each leaf.
Sub-trees without site vectors are contracted once and reused by every sweep
and restart.  Because ``env[r]`` is formed after the left sub-tree was swept,
every leaf sees the latest vectors of all other sites: a true Gauss-Seidel
sweep, for about three times the cost of one contraction.

Scale
-----
Amplitudes of large networks (e.g. 256 Gaussian tensor-train cores) over- or
underflow float64.  Every value and environment is stored as a mantissa array
with max-abs 1 and a natural-log scale, so only :math:`\log|f|` is formed.  The
norm :math:`\langle\psi|\psi\rangle` is computed the same way, contracting the
doubled network :math:`\psi \otimes \bar\psi` (inner indices of the bra
renamed, open indices shared) along its own cotengra tree with rescaling; then
:math:`\log\Lambda^2 = 2\log|f| - \log\langle\psi|\psi\rangle`.  A separate
norm is needed because the alternating scheme maximizes :math:`|f|` itself, and
it costs one contraction of the doubled network (cheap for tree-like networks).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Literal

import autoray as ar
import numpy as np
import quimb.tensor as qtn
from cotengra.contract import einsum as _ctg_einsum

try:  # cached parse of a pairwise einsum into transpose/reshape/matmul steps
    from cotengra.contract import _parse_eq_to_batch_matmul
except ImportError:  # pragma: no cover - private cotengra helper moved
    _parse_eq_to_batch_matmul = None

from .._typing import Seed
from .._validate import check_int
from ..engine.paths import check_size, contraction_tree

__all__ = ("GeometricMeasure", "geometric_measure")

_KINDS = ("log", "linear")
#: a sweep rescales values and environments every this many tree levels
_NORM_EVERY = 3
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class GeometricMeasure:
    r"""Result of :func:`geometric_measure` with ``return_state=True``.

    Unpacks as ``value, states = result``.

    Attributes
    ----------
    value : float
        :math:`E_G` in bits (``kind="log"``) or :math:`1 - \Lambda^2` (``kind="linear"``).
    overlap : float
        :math:`\Lambda^2`, the best squared overlap found (normalized).
    states : list of numpy.ndarray
        Unit vectors :math:`\phi_i`, one per party, in the order of ``inds``.
    inds : tuple of str
        The open indices (parties), in order.
    sweeps : int
        Sweeps of the best run.
    converged : bool
        Whether the best run met ``tol`` before ``max_sweeps``.

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> import tnexpress as tx
    >>> g = tx.geometric_measure(qtn.MPS_product_state([[1, 0]] * 4), restarts=2, seed=0)
    >>> round(float(g), 6)  # a product state: 0 bits
    0.0
    """

    value: float
    overlap: float
    states: list
    inds: tuple
    sweeps: int
    converged: bool

    def __iter__(self):
        yield self.value
        yield self.states


# --------------------------------------------------------------------------- helpers


def _pair_einsum(eq, a, b=None):
    """Einsum of one or two numpy arrays via matmul (hyper-indices = batch axes).

    Same result as :func:`cotengra.contract.einsum`, executed with plain numpy
    methods: the networks swept here have thousands of tiny tensors, where the
    per-call dispatch cost dominates the arithmetic.
    """
    if b is None:
        return np.einsum(eq, a)
    if _parse_eq_to_batch_matmul is None:  # pragma: no cover
        return _ctg_einsum(eq, a, b)
    eq_a, eq_b, sa, sb, sab, perm, pure = _parse_eq_to_batch_matmul(eq, a.shape, b.shape)
    if eq_a is not None:
        a = a.transpose(eq_a) if isinstance(eq_a, tuple) else np.einsum(eq_a, a)
    if sa is not None:
        a = a.reshape(sa)
    if eq_b is not None:
        b = b.transpose(eq_b) if isinstance(eq_b, tuple) else np.einsum(eq_b, b)
    if sb is not None:
        b = b.reshape(sb)
    if pure:
        return a * b
    ab = a @ b
    if sab is not None:
        ab = ab.reshape(sab)
    if perm is not None:
        ab = ab.transpose(perm)
    return ab


def _rescale(x, log_scale):
    """Return ``(x / |x|, log_scale + log |x|)`` (2-norm); all-zero x gets scale -inf.

    The 2-norm by ``vdot`` is one BLAS call (5x cheaper than ``max|x|`` on the
    small arrays of a sweep); any positive scale keeps the mantissas in range.
    """
    m2 = float(np.vdot(x, x).real)
    if not (m2 > 0.0 and math.isfinite(m2)):  # zero, or squares out of range
        m = float(np.abs(x).max()) if x.size else 0.0
        if m == 0.0 or not math.isfinite(m):
            return x, -math.inf
    else:
        m = math.sqrt(m2)
    if not math.isfinite(log_scale):
        return x, -math.inf
    return x / m, log_scale + math.log(m)


def _mul(eq, a, b):
    """Scaled pairwise einsum: ``a = (mantissa, log_scale)``, same for ``b``."""
    return _rescale(_pair_einsum(eq, a[0], b[0]), a[1] + b[1])


def _compile(eq, shape_a, shape_b):
    """A function ``f(a, b)`` computing the pairwise einsum ``eq`` for fixed shapes.

    The transpose/reshape/matmul plan is parsed once; a sweep then calls plain
    ndarray methods only.
    """
    if _parse_eq_to_batch_matmul is None:  # pragma: no cover
        return lambda a, b: _ctg_einsum(eq, a, b)
    eq_a, eq_b, sa, sb, sab, perm, pure = _parse_eq_to_batch_matmul(eq, shape_a, shape_b)
    ta = eq_a if isinstance(eq_a, tuple) else None
    tb = eq_b if isinstance(eq_b, tuple) else None
    ea = eq_a if isinstance(eq_a, str) else None
    eb = eq_b if isinstance(eq_b, str) else None
    if not (ea or eb or pure) and ta is None and tb is None and perm is None:
        # the common case: reshape, matmul, reshape
        if sa is not None and sb is not None and sab is not None:
            return lambda a, b: (a.reshape(sa) @ b.reshape(sb)).reshape(sab)
        if sa is not None and sb is not None:
            return lambda a, b: a.reshape(sa) @ b.reshape(sb)

        def f(a, b):
            if sa is not None:
                a = a.reshape(sa)
            if sb is not None:
                b = b.reshape(sb)
            ab = a @ b
            return ab if sab is None else ab.reshape(sab)

        return f

    def g(a, b):
        if ta is not None:
            a = a.transpose(ta)
        elif ea is not None:
            a = np.einsum(ea, a)
        if sa is not None:
            a = a.reshape(sa)
        if tb is not None:
            b = b.transpose(tb)
        elif eb is not None:
            b = np.einsum(eb, b)
        if sb is not None:
            b = b.reshape(sb)
        ab = a * b if pure else a @ b
        if sab is not None:
            ab = ab.reshape(sab)
        if perm is not None:
            ab = ab.transpose(perm)
        return ab

    return g


def _local_eq(*terms):
    """Einsum string for ``terms[:-1] -> terms[-1]`` with labels mapped to letters."""
    sym: dict = {}
    for term in terms:
        for ix in term:
            if ix not in sym:
                if len(sym) == len(_LETTERS):
                    raise ValueError(
                        "a pairwise contraction involves more than 52 distinct indices; "
                        "try a different optimize"
                    )
                sym[ix] = _LETTERS[len(sym)]
    parts = ["".join(sym[ix] for ix in term) for term in terms]
    return ",".join(parts[:-1]) + "->" + parts[-1]


class _TreeContractor:
    """Scaled contraction along a cotengra tree, plus Gauss-Seidel sweeps.

    ``sweepable`` marks the leaves (input positions) that are site vectors;
    sub-trees without one are contracted once (``fixed`` values). Nodes are
    numbered ``0..`` (leaves first); a sweep is a precompiled list of steps
    (module docstring), each a pairwise product with its plan parsed once.
    """

    def __init__(self, tree, leaf_arrays, sweepable=()):
        order = list(tree.traverse())  # (parent, l, r), children first
        nodes = [tree.input_to_node(i) for i in range(tree.N)]
        ids = {n: k for k, n in enumerate(nodes)}
        for p, _, _ in order:
            ids.setdefault(p, len(ids))
        self.n_nodes = len(ids)
        self.root = ids[tree.root]
        legs = [None] * self.n_nodes
        for n, k in ids.items():
            legs[k] = tuple(tree.get_legs(n))
        size = tree.size_dict
        shape = [tuple(size[ix] for ix in lg) for lg in legs]
        self.children = {ids[p]: (ids[a], ids[b]) for p, a, b in order}
        self.order = [(ids[p], ids[a], ids[b]) for p, a, b in order]
        sweep_set = set(sweepable)
        has = [False] * self.n_nodes
        self.site_of = {}
        for i, n in enumerate(nodes):
            if i in sweep_set:
                has[ids[n]] = True
                self.site_of[ids[n]] = i
        for p, a, b in self.order:
            has[p] = has[a] or has[b]
        self.has_site = has
        self.leaf_node = [ids[n] for n in nodes]

        def comp(x, y, z):
            return _compile(_local_eq(legs[x], legs[y], legs[z]), shape[x], shape[y])

        self.val_fn = {p: comp(a, b, p) for p, a, b in self.order}
        # fixed leaves and sub-trees
        self.fixed = [None] * self.n_nodes
        for i, n in enumerate(nodes):
            if i in sweep_set:
                continue
            k = ids[n]
            x = np.asarray(leaf_arrays[i])
            # the tree's own labels: an optimizer may have relabelled the indices
            term = tuple(tree.inputs[i])
            if term != legs[k]:
                x = _pair_einsum(_local_eq(term, legs[k]), x)
            self.fixed[k] = _rescale(x, 0.0)
        for p, a, b in self.order:
            if not has[p]:
                self.fixed[p] = _rescale(
                    self.val_fn[p](self.fixed[a][0], self.fixed[b][0]),
                    self.fixed[a][1] + self.fixed[b][1],
                )
        self.program = self._program(comp) if sweep_set else []

    def _program(self, comp):
        """Steps of one sweep: ``(kind, target, x, y, fn, norm)`` in depth-first order.

        ``kind`` 0: ``env[target] = env[x] * value[y]``; 1: the leaf ``target``
        is updated from ``env[target]``; 2: ``value[target] = value[x] * value[y]``.
        ``norm``: rescale the result (every ``_NORM_EVERY``-th level of the tree,
        and the root). Norms only shrink in between (``|ab| <= |a| |b|`` with
        mantissas of norm <= 1), so a few unscaled levels cannot overflow.
        """
        ch, has = self.children, self.has_site
        prog = []

        def visit(node, depth):
            if node in self.site_of:
                prog.append((1, node, None, None, None, False))
                return
            a, b = ch[node]
            norm = depth % _NORM_EVERY == 0
            if has[a]:
                prog.append((0, a, node, b, comp(node, b, a), norm and a not in self.site_of))
                visit(a, depth + 1)
            if has[b]:
                prog.append((0, b, node, a, comp(node, a, b), norm and b not in self.site_of))
                visit(b, depth + 1)
            prog.append((2, node, a, b, self.val_fn[node], norm))

        visit(self.root, 0)
        return prog

    def contract(self, site_vectors=None):
        """Values (``(mantissa, log scale)`` per node) given ``{input position: vector}``."""
        values = list(self.fixed)
        if site_vectors:
            for i, v in site_vectors.items():
                values[self.leaf_node[i]] = (v, 0.0)
        fns, has = self.val_fn, self.has_site
        for p, a, b in self.order:
            if has[p]:
                (x, lx), (y, ly) = values[a], values[b]
                values[p] = _rescale(fns[p](x, y), lx + ly)
        return values

    def sweep(self, values, vectors):
        """One Gauss-Seidel sweep, updating ``values`` and ``vectors`` in place.

        Environments carry no scale (only their direction reaches a leaf).
        """
        env = [None] * self.n_nodes
        env[self.root] = np.ones(())
        site_of = self.site_of
        vdot, conj, sqrt, log, isfinite = np.vdot, np.conj, math.sqrt, math.log, math.isfinite
        for kind, t, x, y, fn, norm in self.program:
            if kind == 0:
                e = fn(env[x], values[y][0])
                if norm:
                    m2 = float(vdot(e, e).real)
                    if m2 > 0.0 and isfinite(m2):
                        e = e / sqrt(m2)
                env[t] = e
            elif kind == 1:
                e = env[t]
                nrm2 = float(vdot(e, e).real)
                if nrm2 > 0.0 and isfinite(nrm2):
                    c = conj(e) / sqrt(nrm2)
                    vectors[site_of[t]] = c
                    values[t] = (c, 0.0)
            else:
                (u, lu), (w, lw) = values[x], values[y]
                v = fn(u, w)
                if norm:
                    m2 = float(vdot(v, v).real)
                    if m2 > 0.0 and isfinite(m2):
                        m = sqrt(m2)
                        values[t] = (v / m, lu + lw + log(m))
                    else:
                        values[t] = _rescale(v, lu + lw)
                else:
                    values[t] = (v, lu + lw)


def _log_abs_scalar(val):
    x, ls = val
    a = float(np.abs(x.reshape(-1)[0])) if x.size else 0.0
    if a == 0.0 or not math.isfinite(ls):
        return -math.inf
    return math.log(a) + ls


def _open_inds(tn, inds):
    """Return the parties: ``inds`` if given, else site indices, then other outer indices."""
    if inds is not None:
        if isinstance(inds, str):
            inds = (inds,)
        inds = tuple(inds)
        missing = [ix for ix in inds if ix not in tn.ind_map]
        if missing:
            raise ValueError(f"inds {missing!r} are not indices of tn")
        if len(set(inds)) != len(inds):
            raise ValueError(f"inds has repeated entries: {inds!r}")
        left = [ix for ix in tn.outer_inds() if ix not in set(inds)]
        if left:
            raise ValueError(f"inds must include every open index of tn; missing {left!r}")
        return inds
    out = []
    site_inds = getattr(tn, "site_inds", None)
    if site_inds is not None:
        try:
            out = [ix for ix in site_inds if ix in tn.ind_map]
        except Exception:  # a view whose site scheme does not resolve
            out = []
    seen = set(out)
    out += [ix for ix in tn.outer_inds() if ix not in seen]
    return tuple(out)


def _log_norm_squared(arrays, inputs, open_inds, size_dict, optimize):
    r"""Natural log of :math:`\langle\psi|\psi\rangle`, by a rescaled contraction."""
    open_set = set(open_inds)
    bra_inputs = [
        tuple(ix if ix in open_set else ("__bra__", ix) for ix in term) for term in inputs
    ]
    sizes = dict(size_dict)
    for term in bra_inputs:
        for ix in term:
            if isinstance(ix, tuple):
                sizes[ix] = size_dict[ix[1]]
    all_inputs = list(inputs) + bra_inputs
    all_arrays = list(arrays) + [np.conj(a) for a in arrays]
    tree = contraction_tree(all_inputs, (), sizes, optimize=optimize)
    itemsize = max(np.asarray(a).dtype.itemsize for a in arrays)
    check_size(
        tree.max_size(),
        itemsize,
        what="the largest intermediate of <psi|psi>",
        instead="use a network with a cheaper contraction or raise the budget",
    )
    tc = _TreeContractor(tree, all_arrays)
    return _log_abs_scalar(tc.fixed[tc.root])


# --------------------------------------------------------------------------- public


def _value_at(tn, open_inds, states, kind):
    r"""The measure at the product state ``states``, computed in the network's backend.

    At the maximizer :math:`\phi^*` the gradient of
    :math:`\Lambda^2 = \max_\phi f(\phi, \psi)` with respect to the weights is
    :math:`\partial_\psi f(\phi^*, \psi)` (envelope theorem), so evaluating
    :math:`|\langle\phi^*|\psi\rangle|^2 / \langle\psi|\psi\rangle` with autoray on the
    network's own arrays (e.g. torch tensors that require grad) gives the measure with its
    exact gradient. Both contractions are plain (no rescaling): for networks of moderate size.
    """
    ket = tn.copy()
    cplx = any(np.iscomplexobj(v) for v in states) or any(
        "complex" in str(t.dtype) for t in ket.tensors
    )
    if cplx:
        ket.apply_to_arrays(lambda x: ar.astype(x, "complex128"))
    like = ket.tensors[0].data
    open_set = set(open_inds)
    ov = ket.copy()
    for ix, v in zip(open_inds, states, strict=True):
        vec = ar.do("asarray", np.conj(v) if cplx else np.real(v), like=like)
        ov |= qtn.Tensor(vec, inds=(ix,))
    o = ov.contract(output_inds=())
    o2 = ar.do("real", o * ar.do("conj", o))
    bra = ket.conj()
    bra.reindex_({ix: f"{ix}__bra" for ix in list(bra.ind_map) if ix not in open_set})
    n2 = ar.do("real", (ket | bra).contract(output_inds=()))
    log_lam2 = ar.do("log", o2) - ar.do("log", n2)
    if kind == "log":
        return -log_lam2 / math.log(2.0)
    return 1 - ar.do("exp", log_lam2)


def geometric_measure(
    tn: qtn.TensorNetwork,
    *,
    kind: Literal["log", "linear"] = "log",
    restarts: int = 8,
    max_sweeps: int = 300,
    tol: float = 1e-12,
    seed: Seed = None,
    optimize=None,
    return_state: bool = False,
    inds=None,
    complex_phi: bool = True,
):
    r"""Geometric measure of entanglement of the state a tensor network represents.

    .. math::

        \Lambda^2 = \max_{\phi_1, \dots, \phi_N}
            \frac{|\langle \phi_1 \otimes \dots \otimes \phi_N | \psi\rangle|^2}
                 {\langle\psi|\psi\rangle},
        \qquad
        E_G = -\log_2 \Lambda^2 \ \text{bits}.

    Each open index is one party (dimension :math:`d_i`), so
    :math:`0 \le E_G \le \sum_i \log_2 d_i`.  The maximum is found by
    alternating maximization from several starts (see the module docstring);
    the product state it returns achieves the reported overlap, so the value is
    always a certified upper bound on :math:`E_G` (a lower bound on
    :math:`\Lambda^2`), equal to it when the global maximum is reached.

    Parameters
    ----------
    tn : quimb.tensor.TensorNetwork
        Any network (MPS, PEPS, ``TensorNetworkGenVector``, a plain network,
        with or without hyper-indices).  Not modified.
    kind : {"log", "linear"}
        - ``"log"``: :math:`E_G = -\log_2\Lambda^2` in bits;
        - ``"linear"``: :math:`1 - \Lambda^2`.
    restarts : int, >= 1
        Number of runs; the best is kept.  Run 0 starts from the uniform
        product state :math:`|+\rangle^{\otimes N}` (:math:`\phi_i = (1, \dots, 1)/\sqrt{d_i}`),
        run 1 from :math:`|0\rangle^{\otimes N}`, the others from random
        Gaussian vectors drawn from ``seed``.  A single start can stall at a
        stationary point (:math:`|+\rangle^{\otimes N}` is one for GHZ states),
        so keep ``restarts >= 2``.
    max_sweeps : int, >= 1
        Sweeps per run at most.
    tol : float, >= 0
        A run stops when a sweep raises :math:`|f|` by a relative amount below ``tol``.
    seed : None, int or numpy.random.Generator
        Randomness of the random restarts.
    optimize : None, str or cotengra optimizer
        Passed to :func:`tnexpress.contract.contraction_tree`.
    return_state : bool
        If True return a :class:`GeometricMeasure` (unpacks as ``value, states``).
    inds : sequence of str, optional
        The open indices (parties), in order.  Default: ``tn.site_inds`` for
        site-indexed networks (an open index there may be a hyper-index, shared
        by several tensors), then any other index on exactly one tensor.
        Needed to declare an open hyper-index of a plain network.  Must contain
        every index that appears on exactly one tensor.
    complex_phi : bool
        Random restarts draw complex vectors (default).  The product states of
        the definition are complex, and a real state's closest product state
        can be complex: for some random real 4-qubit states complex product
        states reach :math:`E_G \approx 1.05` where real ones stop at
        :math:`1.28`.  ``False`` keeps a real ``tn`` in real arithmetic
        (about 2x faster): the maximum over real product states, a lower bound
        on :math:`\Lambda^2`.  A complex ``tn`` always gives complex vectors.

    Returns
    -------
    float or GeometricMeasure
        The measure (bits for ``kind="log"``), clipped to ``[0, ...]`` against
        rounding above :math:`\Lambda^2 = 1`.

    Raises
    ------
    TypeError
        ``tn`` is not a quimb ``TensorNetwork``, or an integer option is not an int.
    ValueError
        ``kind`` not in {"log", "linear"}, ``restarts`` or ``max_sweeps`` < 1,
        ``tol`` < 0, no open index, bad ``inds``, or ``tn`` is the zero vector.
    tnexpress.contract.BudgetError
        A contraction's largest intermediate exceeds the memory budget.

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> round(geometric_measure(qtn.MPS_ghz_state(5)), 10)
    1.0
    """
    if not isinstance(tn, qtn.TensorNetwork):
        raise TypeError(
            "tn must be a quimb.tensor.TensorNetwork (wrap a single Tensor as "
            f"TensorNetwork([t])), got {type(tn).__name__}"
        )
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
    restarts = check_int("restarts", restarts, 1)
    max_sweeps = check_int("max_sweeps", max_sweeps, 1)
    if not isinstance(tol, numbers.Real) or not tol >= 0:
        raise ValueError(f"tol must be a real number >= 0, got {tol!r}")
    if tn.num_tensors == 0:
        raise ValueError("tn has no tensors")
    open_inds = _open_inds(tn, inds)
    if not open_inds:
        raise ValueError("tn has no open index, so it is a scalar, not a state with parties")

    tensors = list(tn.tensors)
    needs_grad = any(getattr(t.data, "requires_grad", False) for t in tensors)
    arrays = [np.asarray(ar.to_numpy(t.data)) for t in tensors]
    inputs = [tuple(t.inds) for t in tensors]
    size_dict = {}
    for t in tensors:
        for ix, d in zip(t.inds, t.shape, strict=True):
            size_dict[ix] = int(d)
    if any(size_dict[ix] == 0 for ix in open_inds):
        raise ValueError("tn has an open index of dimension 0")
    is_complex = any(np.iscomplexobj(a) for a in arrays)

    # <psi|psi>
    log_n2 = _log_norm_squared(arrays, inputs, open_inds, size_dict, optimize)
    if not math.isfinite(log_n2):
        raise ValueError("tn contracts to the zero vector (or its norm is not finite)")

    # the overlap network psi (x) conj(phi_1) ... conj(phi_N)
    n_psi = len(arrays)
    ov_inputs = inputs + [(ix,) for ix in open_inds]
    tree = contraction_tree(ov_inputs, (), size_dict, optimize=optimize)
    itemsize = 16 if (is_complex or complex_phi) else 8
    check_size(
        tree.max_size(),
        itemsize,
        what="the largest intermediate of <phi|psi>",
        instead="use a network with a cheaper contraction or raise the budget",
    )
    sites = range(n_psi, n_psi + len(open_inds))
    tc = _TreeContractor(tree, arrays + [None] * len(open_inds), sweepable=sites)
    dims = [size_dict[ix] for ix in open_inds]
    rng = np.random.default_rng(seed)
    log_tol = math.log1p(tol)

    def initial(run):
        if run == 0:
            return [np.full(d, 1.0 / math.sqrt(d)) for d in dims]
        if run == 1:
            return [np.eye(1, d, 0).ravel() for d in dims]
        vs = []
        for d in dims:
            v = rng.standard_normal(d)
            if complex_phi or is_complex:
                v = v + 1j * rng.standard_normal(d)
            vs.append(v / np.linalg.norm(v))
        return vs

    best = (-math.inf, None, 0, False)
    for run in range(restarts):
        # the leaves hold conj(phi_i); inits are conjugation-invariant in law
        vecs = {n_psi + i: v for i, v in enumerate(initial(run))}
        values = tc.contract(vecs)
        logf = _log_abs_scalar(values[tc.root])
        converged = False
        sweeps = 0
        while sweeps < max_sweeps:
            sweeps += 1
            tc.sweep(values, vecs)
            new = _log_abs_scalar(values[tc.root])
            done = new - logf <= log_tol if math.isfinite(new) else True
            logf = max(logf, new)
            if done:
                converged = True
                break
        if logf > best[0]:
            best = (logf, dict(vecs), sweeps, converged)

    logf, vecs, sweeps, converged = best
    log_lam2 = min(2.0 * logf - log_n2, 0.0) if math.isfinite(logf) else -math.inf
    if kind == "log":
        value = -log_lam2 / math.log(2.0) + 0.0  # no -0.0
    else:
        value = -math.expm1(log_lam2)
    if vecs is None:  # overlap zero from every start (measure zero); report run 0
        vecs = {n_psi + i: v for i, v in enumerate(initial(0))}
    states = [np.conj(vecs[n_psi + i]) for i in range(len(open_inds))]
    if needs_grad:  # the network's backend, carrying the gradient
        value = _value_at(tn, open_inds, states, kind)
    if not return_state:
        return value if needs_grad else float(value)
    return GeometricMeasure(
        value=value if needs_grad else float(value),
        overlap=math.exp(log_lam2),
        states=states,
        inds=tuple(open_inds),
        sweeps=sweeps,
        converged=converged,
    )
