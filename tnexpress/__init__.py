"""tnexpress: deep-network architectures as tensor networks, and their entanglement.

>>> import tnexpress as tx
>>> net = tx.nets.ht(16, 2, (2, 2, 2, 2), seed=0)
>>> A = tx.partitions.odd_even(16)
>>> tx.min_cut(net, A).weight, tx.schmidt_rank(net, A)
(256, 256)
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tnexpress")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

from . import engine, grid, measures, nets, partitions
from .engine import (
    BudgetError,
    contract_network,
    get_memory_budget,
    open_inds,
    plan_contraction,
    set_memory_budget,
)
from .grid import (
    attention_separation_ranks,
    balanced_partitions,
    estimate_cp_rank,
    grid_rank,
    grid_schmidt_values,
    grid_tensor,
    linear_attention,
    matricize,
)
from .measures.bipartition import Bipartition, bipartition
from .measures.certify import Certificate, certify
from .measures.geometric import GeometricMeasure, geometric_measure
from .measures.mincut import MinCut, min_cut
from .measures.profile import entanglement_profile
from .measures.regions import logarithmic_negativity, mutual_information, reduced_density_matrix
from .measures.registry import get_measure, measure_names, register_measure
from .measures.replica import replica_entropy
from .measures.schmidt import (
    SchmidtSpectrum,
    entropy,
    log2_norm,
    schmidt_rank,
    schmidt_spectrum,
    schmidt_values,
)

__all__ = (
    "__version__",
    "engine",
    "measures",
    "grid",
    "nets",
    "partitions",
    "Bipartition",
    "bipartition",
    "get_measure",
    "measure_names",
    "register_measure",
    "Certificate",
    "certify",
    "GeometricMeasure",
    "geometric_measure",
    "BudgetError",
    "get_memory_budget",
    "set_memory_budget",
    "MinCut",
    "min_cut",
    "SchmidtSpectrum",
    "entropy",
    "log2_norm",
    "schmidt_rank",
    "schmidt_spectrum",
    "schmidt_values",
    "entanglement_profile",
    "logarithmic_negativity",
    "mutual_information",
    "reduced_density_matrix",
    "replica_entropy",
    "open_inds",
    "contract_network",
    "plan_contraction",
    "attention_separation_ranks",
    "linear_attention",
    "estimate_cp_rank",
    "balanced_partitions",
    "grid_rank",
    "grid_schmidt_values",
    "grid_tensor",
    "matricize",
)
