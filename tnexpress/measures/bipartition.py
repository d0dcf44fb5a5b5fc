r"""One bipartition of one network: structure and min cut built once, the rest lazily.

Every measure of a bipartition ``(A, B)`` of a network starts from the same
work: the network flattened to a :class:`~tnexpress.engine.structure.Structure`
(terminals for open legs, COPY tensors merged into hyper-indices) and its min
cut :math:`C` (max-flow). :class:`Bipartition` does that work once and computes
each measure on demand, caching it:

- :attr:`Bipartition.min_cut`: the cut, :math:`W = \prod_{c \in C} d_c`;
- :meth:`Bipartition.spectrum`: Schmidt values with their scale
  (:class:`~tnexpress.measures.schmidt.SchmidtSpectrum`);
- :meth:`Bipartition.rank`, :meth:`Bipartition.entropy`;
- :meth:`Bipartition.certificate`: the exact rank at these weights (a lower
  bound on the generic rank, Claim 7.2 of the seeds) against the min cut (an
  upper bound for every weight).

The top-level functions (``tx.min_cut``, ``tx.schmidt_values``, ``tx.entropy``...)
are thin wrappers that build a :class:`Bipartition` and ask it one question.
"""

from __future__ import annotations

from functools import cached_property

from ..engine.structure import build_structure
from .mincut import MinCut, min_cut_of, min_cut_structure
from .schmidt import (
    SchmidtSpectrum,
    check_alpha,
    check_rtol,
    exact_rank_of,
    spectrum_of,
)

__all__ = ("Bipartition", "bipartition")


class Bipartition:
    """A network and a side ``A``: the structure and the min cut, built once.

    Parameters
    ----------
    tn : quimb.tensor.TensorNetwork
        Any network (hyper-indices, explicit COPY tensors allowed); not modified.
    A : iterable of int or str
        Side A: site positions or open-index names; B is every other open leg.
    optimize : None, str or cotengra optimizer
        Path optimizer for every contraction (default: the engine's).

    Examples
    --------
    >>> import tnexpress as tx
    >>> net = tx.nets.ht(16, 2, (2, 2, 2, 2), seed=0)
    >>> bp = tx.bipartition(net, tx.partitions.odd_even(16))
    >>> bp.min_cut.weight, bp.rank(), round(bp.entropy(), 4)
    (256, 256, 1.2295)
    >>> c = bp.certificate(seed=0)
    >>> c.lower, c.upper, c.proven
    (256, 256, True)
    """

    def __init__(self, tn, A, *, optimize=None):
        self.structure = build_structure(tn, A)
        self.optimize = optimize
        self._spectra: dict[str, SchmidtSpectrum] = {}
        self._exact: dict = {}

    def __repr__(self) -> str:
        st = self.structure
        cut = self.__dict__.get("_cut")
        w = f", min cut W={self.min_cut.weight}" if cut is not None else ""
        return (
            f"Bipartition({len(st.a_inds)} legs | {len(st.b_inds)} legs, "
            f"{len(st.tids)} tensors{w})"
        )

    @property
    def a_inds(self) -> tuple:
        """Open indices of side A."""
        return self.structure.a_inds

    @property
    def b_inds(self) -> tuple:
        """Open indices of side B."""
        return self.structure.b_inds

    @cached_property
    def _cut(self) -> tuple:
        return min_cut_structure(self.structure)

    def _cut_of(self):
        return self._cut

    @cached_property
    def min_cut(self) -> MinCut:
        """The minimum cut: ``.weight`` (exact int), ``.inds``, ``.log2``, ``.tids_a``."""
        return min_cut_of(self.structure, *self._cut)

    def spectrum(self, method: str = "auto") -> SchmidtSpectrum:
        """Schmidt values with their scale (computed once per method).

        Parameters
        ----------
        method : {"auto", "cut", "dense"}
            See :mod:`tnexpress.measures.schmidt`.
        """
        sp = self._spectra.get(method)
        if sp is None:
            sp = spectrum_of(self.structure, method, self.optimize, self._cut_of)
            self._spectra[method] = sp
        return sp

    def rank(
        self,
        exact: bool = False,
        *,
        rtol: float | None = None,
        method: str = "auto",
        seed=None,
        n_primes: int = 2,
    ) -> int:
        """Schmidt rank: numerical (``exact=False``) or over GF(p) (``exact=True``).

        See :func:`tnexpress.schmidt_rank`.
        """
        if not isinstance(exact, bool):
            raise TypeError(f"exact must be a bool, got {exact!r}")
        if exact:
            return self.exact_rank(seed=seed, n_primes=n_primes).rank
        return self.spectrum(method).rank(check_rtol(rtol))

    def exact_rank(self, *, seed=None, n_primes: int = 2):
        """Exact rank modulo random primes through the min-cut factors (cached per seed)."""
        key = (seed if isinstance(seed, int | None) else id(seed), n_primes)
        ex = self._exact.get(key)
        if ex is None:
            ex = exact_rank_of(
                self.structure, self._cut_of, seed=seed, n_primes=n_primes, optimize=self.optimize
            )
            self._exact[key] = ex
        return ex

    def entropy(self, alpha: float = 1, *, method: str = "auto") -> float:
        """Renyi-``alpha`` entanglement entropy in bits (see :func:`tnexpress.entropy`)."""
        return self.spectrum(method).entropy(check_alpha(alpha))

    def certificate(self, *, seed=None, n_primes: int = 2):
        """Exact rank at these weights (``.lower``) against the min cut (``.upper``).

        The entries of the matricization are polynomials in the weights, so the
        exact rank at this point is a lower bound on the rank for almost every
        weight; the min cut bounds it above for every weight. ``.proven`` says
        they meet. Any real or complex network (complex: primes 1 mod 4, see
        :func:`tnexpress.measures.exact.exact_cut_rank`).

        Returns
        -------
        tnexpress.Certificate
            ``family`` is ``None`` and ``arch`` empty for a network that was not
            built from the registry (see :func:`tnexpress.certify` for families).
        """
        from .certify import Certificate

        ex = self.exact_rank(seed=seed, n_primes=n_primes)
        upper = self.min_cut.weight
        return Certificate(
            family=None,
            arch={},
            A=tuple(self.a_inds),
            lower=int(ex.rank),
            upper=int(upper),
            proven=int(ex.rank) == int(upper),
            failure_probability=float(ex.failure_probability),
            primes=tuple(ex.primes),
        )


def bipartition(tn, A, *, optimize=None) -> Bipartition:
    """Build a :class:`Bipartition` of ``tn`` across ``(A, rest)``.

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> import tnexpress as tx
    >>> bp = tx.bipartition(qtn.MPS_rand_state(8, 4, seed=0), range(4))
    >>> bp.min_cut.weight, bp.rank()
    (4, 4)
    """
    return Bipartition(tn, A, optimize=optimize)
