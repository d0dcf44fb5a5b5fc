r"""Schmidt spectrum, Schmidt rank and entanglement entropy of any bipartition.

For the matricization :math:`[[A]]_{I,J}` of the network's tensor,

.. math::

    [[A]] = \sum_k s_k \, u_k v_k^T, \qquad
    S_\alpha = \frac{1}{1-\alpha} \log_2 \sum_k p_k^\alpha, \quad p_k = s_k^2 / \sum_j s_j^2 .

Methods
-------
- ``"cut"``: split the network along its min cut ``C`` (weight ``W``) into
  ``X`` (side A) and ``Y`` (side B), :math:`[[A]] = X Y`. Each side is
  contracted with QR compression of its open legs (:mod:`tnexpress.engine.executor`)
  to a factor ``F_X`` (``k_X x W``) with :math:`X = Q_X F_X`, ``Q_X``
  isometric, likewise :math:`Y^T = Q_Y F_Y`. The singular values of
  :math:`F_X F_Y^T` (at most ``W x W``) are the Schmidt values. Cost is
  polynomial in ``W`` and linear in the network size; the condition number is
  never squared, and norms are carried as ``log2`` exponents.
- ``"dense"``: contract to the dense ``dim(A) x dim(B)`` matrix and take numpy's
  SVD (the reference; refused beyond the memory budget).
- ``"auto"``: ``"cut"``; its ``W x W`` factor is never larger than the
  dense matrix (``W <= min(dim A, dim B)``) and it is the more accurate.
"""

from __future__ import annotations

import math
import numbers

import autoray as ar
import numpy as np

from .._gc import no_gc
from ..engine.batched import batched_factors
from ..engine.batched import side_terms as _side_terms
from ..engine.executor import FloatArith, compile_path, execute, identity_like, qr_r
from ..engine.paths import check_size, contraction_tree
from ..engine.structure import Structure, StructureCache, row_label
from ..engine.treepath import tree_path

__all__ = (
    "schmidt_values",
    "schmidt_rank",
    "entropy",
    "log2_norm",
    "schmidt_spectrum",
    "SchmidtSpectrum",
    "default_rtol",
)

_METHODS = ("auto", "cut", "dense")
#: ``method="auto"`` entropies of integer order >= 2 take the replica method beyond this W
REPLICA_W = 2**12


def renyi_bits(p, alpha: float, axis=None):
    r"""Renyi-``alpha`` entropy in bits of probabilities ``p`` summing to 1.

    :math:`S_\alpha = \log_2(\sum_k p_k^\alpha) / (1 - \alpha)`; Shannon at ``alpha = 1``,
    :math:`-\log_2 \max_k p_k` at ``inf``; ``alpha > 0`` (the rank needs a threshold).
    Zeros contribute nothing. ``axis=None``: one float; ``axis=k``: an array, one entropy
    per slice along ``k`` (rows of stacked spectra).

    >>> renyi_bits(np.array([0.5, 0.5]), 1), renyi_bits(np.array([1.0]), 2)
    (1.0, 0.0)
    >>> renyi_bits(np.array([[0.5, 0.5], [1.0, 0.0]]), 1, axis=1)
    array([1., 0.])
    """
    if axis is None:
        if alpha == 1:
            return float(-np.sum(p * np.log2(np.where(p > 0, p, 1.0)))) + 0.0
        if math.isinf(alpha):
            return float(-math.log2(p.max())) + 0.0
        return float(math.log2(np.sum(p**alpha)) / (1 - alpha)) + 0.0
    if alpha == 1:
        return -np.sum(p * np.log2(np.where(p > 0, p, 1.0)), axis=axis) + 0.0
    if math.isinf(alpha):
        return -np.log2(p.max(axis=axis)) + 0.0
    return np.log2(np.sum(p**alpha, axis=axis)) / (1 - alpha) + 0.0


class SchmidtSpectrum:
    """Unnormalized Schmidt values as ``mantissa * 2**log2_scale``.

    Attributes
    ----------
    mantissa : numpy.ndarray
        Descending singular values, scaled (every one the SVD gave, the
        numerically zero tail included).
    log2_scale : float
        The values are ``mantissa * 2**log2_scale``.
    method : str
        ``"cut"`` or ``"dense"``.
    cut_weight : int or None
        ``W`` of the cut used (``"cut"`` method).
    shape : tuple of int
        Shape of the matrix whose singular values were taken.

    Raises
    ------
    ValueError
        If every value is zero (the network contracts to zero: no Schmidt
        decomposition, no rank, no entropy), or a value is not finite.

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> import tnexpress as tx
    >>> psi = qtn.MPS_rand_state(10, 4, seed=0)
    >>> sp = tx.schmidt_spectrum(psi, range(5), method="dense")
    >>> sp.rank(), len(sp.values), len(sp.significant())  # 32 x 32: 28 zeros
    (4, 32, 4)
    >>> sp  # doctest: +ELLIPSIS
    SchmidtSpectrum(method='dense', 32 values, rank 4, top [0.8693, 0.4325, ...], log2 norm 0.0000)
    """

    def __init__(self, mantissa, log2_scale, method, cut_weight, shape):
        if not isinstance(mantissa, np.ndarray) and not _needs_grad(mantissa):
            mantissa = np.asarray(_to_numpy(mantissa))
        check = mantissa if isinstance(mantissa, np.ndarray) else _to_numpy(mantissa)
        if not np.all(np.isfinite(check)) or not math.isfinite(log2_scale):
            raise ValueError(
                "the Schmidt values are not finite (an overflow or a NaN in the contraction)"
            )
        if check.size == 0 or not np.any(check):
            raise ValueError(
                "the network contracts to zero: it has no Schmidt decomposition, rank or entropy"
            )
        self.mantissa = mantissa
        self.log2_scale = log2_scale
        self.method = method
        self.cut_weight = cut_weight
        self.shape = shape

    def __repr__(self) -> str:
        v = self.values
        top = ", ".join(f"{x:.4g}" for x in v[:4]) + (", ..." if len(v) > 4 else "")
        w = f", W={self.cut_weight}" if self.cut_weight is not None else ""
        return (
            f"SchmidtSpectrum(method={self.method!r}{w}, {len(v)} values, rank {self.rank()}, "
            f"top [{top}], log2 norm {self.log2_norm:.4f})"
        )

    @property
    def values(self) -> np.ndarray:
        """Normalized Schmidt values (``sum s^2 = 1``), descending, all of them.

        A backend array (e.g. torch, carrying gradients) when the network's arrays require
        gradients; numpy otherwise.
        """
        if not isinstance(self.mantissa, np.ndarray):
            tot = ar.do("sqrt", ar.do("sum", self.mantissa**2))
            if not math.isfinite(float(ar.to_numpy(tot))) or float(ar.to_numpy(tot)) == 0.0:
                raise ValueError("the network contracts to zero: it has no Schmidt decomposition")
            return self.mantissa / tot
        tot = math.sqrt(float(np.sum(self.mantissa.astype(np.float64) ** 2)))
        return self.mantissa / tot

    def significant(self, rtol: float | None = None) -> np.ndarray:
        """The first :meth:`rank` normalized values: the numerically zero tail dropped."""
        return self.values[: self.rank(rtol)]

    def rank(self, rtol: float | None = None) -> int:
        """Numerical rank: values above ``rtol * s_max`` (default :func:`default_rtol`)."""
        s = _to_numpy(self.mantissa)
        tol = default_rtol(self.shape, s.dtype) if rtol is None else rtol
        return int(np.count_nonzero(s > tol * s[0]))

    def entropy(self, alpha: float = 1) -> float:
        """Renyi-``alpha`` entropy in bits (see :func:`entropy`; ``alpha`` unchecked here).

        A backend scalar carrying gradients when the spectrum does (``alpha > 0``).
        """
        if alpha == 0:
            return math.log2(self.rank())
        # alpha < 1 weighs noise heavily (1e-32 ** 0.25 = 1e-8): values above the rank threshold
        s = self.values[: self.rank()] if alpha < 1 else self.values
        if not isinstance(self.mantissa, np.ndarray):
            p = s**2
            p = p[p > 0]
            if alpha == 1:
                return -ar.do("sum", p * ar.do("log2", p))
            if math.isinf(alpha):
                return -ar.do("log2", ar.do("max", p))
            return ar.do("log2", ar.do("sum", p**alpha)) / (1 - alpha)
        p = s.astype(np.float64) ** 2
        return renyi_bits(p[p > 0], alpha)

    @property
    def log2_norm(self) -> float:
        """``log2`` of the Frobenius norm of the network's tensor."""
        tot = math.sqrt(float(np.sum(self.mantissa.astype(np.float64) ** 2)))
        return math.log2(tot) + self.log2_scale


def _check_method(method):
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")


def _array(st: Structure, node: int):
    a = st.arrays[node]
    if a is not None:
        return a
    ix = st.inputs[node][1]
    like = next(x for x in st.arrays if x is not None)
    return identity_like(st.size[ix], like)


def _to_numpy(x) -> np.ndarray:
    return np.asarray(ar.to_numpy(x))


def _needs_grad(x) -> bool:
    """True for a backend array that records gradients (torch ``requires_grad``)."""
    return bool(getattr(x, "requires_grad", False))


def _any_grad(st: Structure) -> bool:
    """Whether some array of ``st`` records gradients (numpy-only structures: one pass)."""
    g = st.__dict__.get("_grad")
    if g is None:
        g = st.__dict__["_grad"] = any(
            _needs_grad(a) for a in st.arrays if a is not None and not isinstance(a, np.ndarray)
        )
    return g


def _singular_values(m):
    """Singular values of ``m``: the backend's (differentiable) when it records gradients.

    Otherwise numpy's, as before; so measures of a torch network that requires grad carry
    the gradient.
    """
    if _needs_grad(m):
        return ar.do("linalg.svdvals", m)
    return np.linalg.svd(_to_numpy(m), compute_uv=False)


_PLANS = StructureCache(maxsize=64)


def _side_plan(st: Structure, nodes, cut, optimize):
    """Nodes and compiled plan of one side (cached by the structure's shape)."""
    return _side_plan_info(st, nodes, cut, optimize)[:2]


def _side_plan_info(st: Structure, nodes, cut, optimize, *, tree_only: bool = False):
    """``(nodes, plan, tree)``: :func:`_side_plan` and whether the path is a tree path.

    ``tree_only``: ``None`` instead of a searched path when the side is not a tree.
    """
    cacheable = isinstance(optimize, str | None)
    key = (tuple(cut), frozenset(nodes), optimize)
    hit = _PLANS.get(st, key) if cacheable else None
    if hit is not None:
        return hit if hit[2] or not tree_only else None
    nodes, inputs, rows = _side_terms(st, nodes)
    path = tree_path(inputs, cut, ignore=rows) if optimize is None else None
    tree = path is not None
    if path is None and tree_only:
        return None
    if path is None:
        # loopy side: the search sees the row labels and scores trees by the
        # cost of the row-compressed run (engine.paths.compressed_cost)
        path = contraction_tree(inputs, cut, st.size, optimize=optimize, rows=rows).get_ssa_path()
    plan = compile_path(inputs, tuple(rows) + tuple(cut), path, st.size, rows=rows, ssa=True)
    if cacheable:
        _PLANS.put(st, (nodes, plan, tree), key)
    return nodes, plan, tree


def _check_cut(st: Structure, W: int, peak: int) -> None:
    """The budget guard of the cut method: its ``W x W`` product and largest allocation."""
    check_size(
        max(peak, W * W),
        np.dtype(st.dtype).itemsize,
        what=f"the cut method (cut weight W={W})",
        instead=(
            "this bipartition's min cut is too wide for an exact spectrum on this machine; "
            "integer Renyi orders need no factor: Renyi-2 works there with "
            "tx.entropy(tn, A, alpha=2, method='replica')"
        ),
    )


@no_gc
def _side_factor(st: Structure, nodes, cut, optimize, info=None):
    """Factor ``F`` (``k x W``) and ``log2`` scale of one side of the cut.

    ``info``: the side's :func:`_side_plan_info`, when already computed.
    """
    nodes, plan = (info or _side_plan_info(st, nodes, cut, optimize))[:2]
    W = math.prod(st.size[i] for i in cut)
    _check_cut(st, W, plan.peak_entries())
    arrays = [_array(st, n) for n in nodes]
    a, ix, l2 = execute(plan, arrays, FloatArith())
    cut_set = set(cut)
    r_pos = [k for k, i in enumerate(ix) if i not in cut_set]
    perm = r_pos + [ix.index(i) for i in cut]
    d_r = math.prod(plan.out_shape[k] for k in r_pos)
    if perm != list(range(len(perm))):
        a = ar.do("transpose", a, perm)
    mat = ar.do("reshape", a, (d_r, W))
    if d_r > W:
        mat = qr_r(mat)
    return mat, l2


def schmidt_spectrum(tn, A, *, method: str = "auto", optimize=None) -> SchmidtSpectrum:
    """Unnormalized Schmidt values of ``tn`` across ``(A, rest)`` with their scale.

    See :func:`schmidt_values` for the parameters; this variant keeps the
    overall scale as an exponent (:class:`SchmidtSpectrum`). A thin wrapper of
    :meth:`tnexpress.Bipartition.spectrum`.

    Examples
    --------
    >>> import tnexpress as tx
    >>> net = tx.nets.tt(4096, 2, 4, seed=0)  # 2^4096 amplitudes
    >>> sp = tx.schmidt_spectrum(net, range(2048))
    >>> sp.cut_weight, sp.rank(), sp.log2_norm > 1024  # far beyond float64's range
    (4, 4, True)
    """
    from .bipartition import Bipartition

    return Bipartition(tn, A, optimize=optimize).spectrum(method)


@no_gc
def spectrum_of(st: Structure, method: str, optimize, cut_of, *, wide=None):
    """The spectrum of a prepared structure; ``cut_of()`` gives ``(side_a, cut)`` (cached).

    ``"auto"`` takes the cut route: its ``W x W`` factor is never larger than
    the dense matrix (``W <= min(dim A, dim B)``), and it is the more accurate
    (see :func:`_dense_spectrum`). With ``wide``: ``None`` instead of factors
    when the cut weight exceeds it.
    """
    _check_method(method)
    if method == "dense":
        # sizes of the sides: only for the dense route (at 2^20 legs the exact product is a
        # 2^19-bit integer, quadratic to build and too long to print)
        dim_a, dim_b = (_side_dim(st, inds) for inds in (st.a_inds, st.b_inds))
        return _dense_spectrum(st, dim_a, dim_b, optimize, cut_of)
    side_a, cut = cut_of()
    W = math.prod(st.size[i] for i in cut)
    if wide is not None and W > wide:
        return None
    side_b = [n for n in range(st.n_nodes) if n not in side_a]
    grad = _any_grad(st)
    # large tree sides, narrow cuts: level-wise batched factors, no plan (engine.batched)
    batch = optimize is None and not grad and W <= 4096
    fs = batched_factors(st, side_a, side_b, cut) if batch else None
    if fs is not None:
        _check_cut(st, W, 0)  # the W x W product (each batched group checked its stacks)
        (fx, lx), (fy, ly) = fs
    else:
        infos = [None, None]
        if optimize is None and not grad:  # tree plans first (large networks are not cached)
            infos = [_side_plan_info(st, s, cut, None, tree_only=True) for s in (side_a, side_b)]
            if infos[0] is None or infos[1] is None:
                infos = [None, None]
        # tree sides are never loopy: the Gram route (loopy sides only) is not even tried
        if not grad and infos[0] is None:
            from .gram import gram_spectrum

            sp = gram_spectrum(st, side_a, cut, optimize)  # None unless guarded and worth it
            if sp is not None:
                return sp
        kw = [{"info": i} if i else {} for i in infos]
        fx, lx = _side_factor(st, side_a, cut, optimize, **kw[0])
        fy, ly = _side_factor(st, side_b, cut, optimize, **kw[1])
    if _needs_grad(fx) or _needs_grad(fy):
        m = fx @ ar.do("transpose", fy)
    else:
        m = _to_numpy(fx) @ _to_numpy(fy).T
    s = _singular_values(m)
    return SchmidtSpectrum(s, lx + ly, "cut", W, tuple(m.shape))


def _side_dense(st: Structure, nodes, cut, optimize):
    """One side of the cut contracted to ``X`` (rows x cut labels), no compression.

    The path is searched with the row labels removed, as for
    :func:`_side_factor`: open legs then weigh nothing, so the search eats the
    side from its open legs toward the cut.
    """
    nodes, inputs, rows = _side_terms(st, nodes)
    output = tuple(rows) + tuple(cut)
    path = tree_path(inputs, cut, ignore=rows) if optimize is None else None
    if path is None:
        row_set = set(rows)
        tree_inputs = [tuple(i for i in term if i not in row_set) for term in inputs]
        path = contraction_tree(tree_inputs, cut, st.size, optimize=optimize).get_ssa_path()
    plan = compile_path(inputs, output, path, st.size, ssa=True)
    check_size(
        plan.peak_entries(),
        np.dtype(st.dtype).itemsize,
        what="the largest intermediate of the dense contraction",
        instead="use method='cut'",
    )
    arrays = [_array(st, n) for n in nodes]
    a, ix, l2 = execute(plan, arrays, FloatArith())
    return a, ix, l2


def _side_dim(st: Structure, inds):
    """``prod`` of the open legs' sizes, or ``None`` beyond ``2^64`` (never dense then)."""
    sizes = [st.size[row_label(i)] for i in inds]
    if sum(math.log2(d) for d in sizes) > 64:
        return None
    return math.prod(sizes)


def _dense_spectrum(st: Structure, dim_a, dim_b, optimize, cut_of) -> SchmidtSpectrum:
    r"""Contract to the dense ``dim_a x dim_b`` matrix ``M = X Y``; numpy's SVD of ``M``.

    ``X`` (side A's open legs x cut ``C``) and ``Y`` (``C`` x side B's legs)
    are contracted separately, each from its open legs toward the min cut,
    then joined: every intermediate is a piece of one side hanging from the
    cut. Accuracy depends on that order. With a gauge :math:`G G^{-1}`
    (condition ``kappa``) on a bond, an intermediate that still carries
    uncancelled gauges on two bonds loses ``kappa^2`` relative, one on a
    single bond ``kappa``: measured on an 8-site MPS with ``kappa = 1e4`` on
    every bond, a free cotengra order over the whole network lost ``1e-8``
    relative, this order ``1e-11`` (``tests/test_accuracy.py``).

    Output axes are the terminals' row labels, so open legs that share a
    class (merged COPY tensors, hyper open indices) stay distinct.
    """
    itemsize = np.dtype(st.dtype).itemsize
    if dim_a is None or dim_b is None:
        l2 = [sum(math.log2(st.size[row_label(i)]) for i in x) for x in (st.a_inds, st.b_inds)]
        check_size(
            2.0 ** min(l2[0] + l2[1], 1000),
            itemsize,
            what=f"the dense 2^{l2[0]:.1f} x 2^{l2[1]:.1f} matricization",
            instead="use method='cut' (min-cut factors, never the dense tensor)",
        )
    check_size(
        dim_a * dim_b,
        itemsize,
        what=f"the dense {dim_a} x {dim_b} matricization",
        instead="use method='cut' (min-cut factors, never the dense tensor)",
    )
    side_a, cut = cut_of()
    side_b = [n for n in range(st.n_nodes) if n not in side_a]
    x, xi, lx = _side_dense(st, side_a, cut, optimize)
    y, yi, ly = _side_dense(st, side_b, cut, optimize)
    rows_a = [row_label(i) for i in st.a_inds]
    rows_b = [row_label(i) for i in st.b_inds]
    W = math.prod(st.size[i] for i in cut)
    x = ar.do(
        "reshape", ar.do("transpose", x, [xi.index(i) for i in rows_a + list(cut)]), (dim_a, W)
    )
    y = ar.do(
        "reshape", ar.do("transpose", y, [yi.index(i) for i in list(cut) + rows_b]), (W, dim_b)
    )
    if _needs_grad(x) or _needs_grad(y):
        mat = x @ y
    else:
        mat = _to_numpy(x) @ _to_numpy(y)
    s = _singular_values(mat)
    return SchmidtSpectrum(s, lx + ly, "dense", None, tuple(mat.shape))


def schmidt_values(tn, A, *, method: str = "auto", optimize=None, all: bool = False) -> np.ndarray:
    """Normalized Schmidt values of the bipartition ``(A, rest)``.

    Parameters
    ----------
    tn : quimb.tensor.TensorNetwork
        Any network; hyper-indices allowed; not modified.
    A : iterable of int or str
        Side A: site positions (ints, in ``tn.sites`` order) or open-index
        names; a list even for one site (``[3]``).
    method : {"auto", "cut", "dense"}
        See the module docstring.
    optimize : None, str or cotengra optimizer
        Path optimizer (default: :func:`tnexpress.engine.paths.default_optimizer`).
    all : bool
        ``False`` (default): the values of the numerical rank (those above
        ``default_rtol * s_max``, see :func:`schmidt_rank`). ``True``: every
        value the SVD gave, the numerically zero tail (``~1e-17``) included:
        ``min`` of the two sides of the matrix decomposed.

    Returns
    -------
    numpy.ndarray
        Descending, ``sum(s**2) == 1`` (to rounding).

    Raises
    ------
    ValueError
        Bad side, NaN/inf entries, or a network that contracts to zero.

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> import tnexpress as tx
    >>> psi = qtn.MPS_rand_state(12, 8, seed=0)
    >>> s = tx.schmidt_values(psi, range(6))
    >>> len(s), bool(abs((s**2).sum() - 1) < 1e-12)
    (8, True)
    >>> len(tx.schmidt_values(psi, [0, 1], all=True))  # 4 x 1024 matricization
    4

    GHZ from ``from_dense``: its cores are COPY tensors, each with an open leg.

    >>> import numpy as np
    >>> v = np.zeros(2**6)
    >>> v[0] = v[-1] = 2**-0.5
    >>> ghz = qtn.MatrixProductState.from_dense(v, [2] * 6)
    >>> tx.schmidt_values(ghz, [0, 1, 2]).round(4)
    array([0.7071, 0.7071])
    >>> tx.schmidt_values(ghz, [0, 1, 2], method="dense", all=True)[:3].round(4)
    array([0.7071, 0.7071, 0.    ])
    """
    if not isinstance(all, bool):
        raise TypeError(f"all must be a bool, got {all!r}")
    sp = schmidt_spectrum(tn, A, method=method, optimize=optimize)
    return sp.values if all else sp.significant()


def default_rtol(shape, dtype=np.float64) -> float:
    """Relative threshold of the numerical rank: ``max(shape) * eps(dtype)`` (numpy's).

    ``eps`` is that of the arithmetic the values were computed in (``2**-52``
    for float64 and complex128, ``2**-23`` for float32 and complex64): a
    float32 network of rank 2 across a 4 x 4 cut gave noise values ``1e-8``,
    far above the float64 threshold.

    Measured here: the noise tail of the cut method on rank-deficient chains
    (bond 16, rank 5, 50 draws) stays below ``2e-16`` relative, while genuine
    Schmidt values of 4-layer Gaussian networks reach ``5e-14`` relative
    (dilated N=16, M=2, r=2, the mixed-decomposition partition). For a proof
    of the rank use ``exact=True``.
    """
    dt = np.dtype(dtype)
    eps = np.finfo(dt if dt.kind in "fc" else np.float64).eps
    return max(shape) * float(eps)


def schmidt_rank(
    tn,
    A,
    *,
    exact: bool = False,
    rtol: float | None = None,
    method: str = "auto",
    optimize=None,
    seed=None,
    n_primes: int = 2,
) -> int:
    """Schmidt number (rank of the matricization) of ``(A, rest)``.

    Parameters
    ----------
    tn, A, method, optimize
        As in :func:`schmidt_values`.
    exact : bool
        ``False``: numerical rank, the number of Schmidt values above
        ``rtol * s_max``. ``True``: rank over GF(p) of the exact (dyadic
        rational) matricization through the min-cut factors, for ``n_primes``
        random primes (see :func:`tnexpress.exact.exact_cut_rank`): never more
        than the true rank, equal except with the stated small probability.
    rtol : float, optional
        Relative threshold; default :func:`default_rtol`.
    seed : None, int or Generator
        Randomness of the primes (``exact=True``).
    n_primes : int
        Number of primes (``exact=True``).

    Returns
    -------
    int

    Examples
    --------
    >>> import tnexpress as tx
    >>> net = tx.nets.ht(16, 2, (2, 2, 2, 2), seed=0)
    >>> tx.schmidt_rank(net, tx.partitions.odd_even(16))
    256
    >>> tx.schmidt_rank(net, tx.partitions.odd_even(16), exact=True, seed=0)
    256
    """
    from .bipartition import Bipartition

    bp = Bipartition(tn, A, optimize=optimize)
    return bp.rank(exact=exact, rtol=rtol, method=method, seed=seed, n_primes=n_primes)


def exact_rank_of(st: Structure, cut_of, *, seed=None, n_primes: int = 2, optimize=None):
    """Exact rank (:class:`~tnexpress.measures.exact.ExactRank`) through the min cut."""
    from .exact import exact_cut_rank

    side_a, cut = cut_of()
    side_b = [n for n in range(st.n_nodes) if n not in side_a]

    def side(nodes):  # terminals folded into their tensors: no modular step per open leg
        nodes, inputs, rows = _side_terms(st, nodes)
        return [_to_numpy(_array(st, n)) for n in nodes], inputs, tuple(rows)

    return exact_cut_rank(
        side(side_a), side(side_b), tuple(cut), n_primes=n_primes, seed=seed, optimize=optimize
    )


def exact_schmidt_rank(tn, A, *, seed=None, n_primes: int = 2, optimize=None):
    """Exact-arithmetic rank (an ``ExactRank``) of ``(A, rest)`` through the min cut."""
    from .bipartition import Bipartition

    return Bipartition(tn, A, optimize=optimize).exact_rank(seed=seed, n_primes=n_primes)


def check_alpha(alpha) -> float:
    """Return ``alpha`` if it is a real number ``>= 0`` (``inf`` allowed), else raise."""
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or math.isnan(alpha):
        raise TypeError(f"alpha must be a real number >= 0, got {alpha!r}")
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    return alpha


def check_rtol(rtol):
    """Return ``rtol`` if it is ``None`` or a float in ``[0, 1)``, else raise."""
    if rtol is not None and (not isinstance(rtol, numbers.Real) or not 0 <= rtol < 1):
        raise ValueError(f"rtol must be a float in [0, 1), got {rtol!r}")
    return rtol


def entropy(tn, A, alpha: float = 1, *, method: str = "auto", optimize=None) -> float:
    r"""Entanglement entropy of ``(A, rest)`` in bits.

    .. math::

        S_1 = -\sum_k p_k \log_2 p_k, \quad
        S_\alpha = \frac{\log_2 \sum_k p_k^\alpha}{1 - \alpha}, \quad
        S_0 = \log_2 \#\{p_k > 0\}, \quad S_\infty = -\log_2 \max_k p_k,

    with :math:`p_k = s_k^2` the normalized squared Schmidt values.

    Parameters
    ----------
    alpha : float
        Renyi order, ``>= 0`` (``1``: von Neumann; ``0``: log of the numerical
        rank; ``inf``: min-entropy).
    method : {"auto", "cut", "dense", "replica"}
        As in :func:`schmidt_values`, plus ``"replica"``: for an integer
        ``alpha >= 2``, :math:`\mathrm{Tr}\,\rho_A^\alpha` from ``2 alpha``
        replicas of the network (:func:`tnexpress.measures.replica.replica_entropy`),
        never a ``W x W`` factor. ``"auto"`` takes ``"replica"`` for an integer
        ``alpha >= 2`` when the min cut is wider than ``2^12`` or its factors
        exceed the memory budget.

    Examples
    --------
    >>> import numpy as np
    >>> import quimb.tensor as qtn
    >>> import tnexpress as tx
    >>> bell = qtn.TensorNetwork([qtn.Tensor(np.eye(2) / np.sqrt(2), inds=("k0", "k1"))])
    >>> tx.entropy(bell, ["k0"]), round(tx.entropy(bell, ["k0"], alpha=2), 12)
    (1.0, 1.0)
    """
    from .bipartition import Bipartition

    return Bipartition(tn, A, optimize=optimize).entropy(alpha, method=method)


def log2_norm(tn, *, optimize=None) -> float:
    """``log2`` of the Frobenius norm of the network's tensor, without overflow.

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> import tnexpress as tx
    >>> abs(tx.log2_norm(qtn.MPS_rand_state(20, 4, seed=0))) < 1e-10  # normalized state
    True
    >>> tx.log2_norm(tx.nets.tt(4096, 2, 2, seed=0)) > 1024  # would overflow float64
    True
    """
    from ..engine.sides import check_network, open_inds

    tn = check_network(tn)
    opens = open_inds(tn)
    if len(opens) < 2:
        raise ValueError("log2_norm needs a network with at least 2 open indices")
    return schmidt_spectrum(tn, [opens[0]], method="cut", optimize=optimize).log2_norm
