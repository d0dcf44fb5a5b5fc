"""The measures: min cut, Schmidt spectrum, exact rank, certificates, geometric measure."""

from . import certify, exact, geometric, mincut, profile, regions, registry, replica, schmidt
from .bipartition import Bipartition, bipartition
from .certify import Certificate
from .geometric import GeometricMeasure, geometric_measure
from .mincut import MinCut, min_cut
from .profile import entanglement_profile
from .regions import logarithmic_negativity, mutual_information, reduced_density_matrix
from .registry import Measure, get_measure, measure_names, register_measure
from .replica import replica_entropy
from .schmidt import (
    SchmidtSpectrum,
    entropy,
    log2_norm,
    schmidt_rank,
    schmidt_spectrum,
    schmidt_values,
)

__all__ = (
    "registry",
    "Bipartition",
    "bipartition",
    "Measure",
    "get_measure",
    "measure_names",
    "register_measure",
    "certify",
    "exact",
    "geometric",
    "mincut",
    "schmidt",
    "Certificate",
    "GeometricMeasure",
    "geometric_measure",
    "MinCut",
    "min_cut",
    "SchmidtSpectrum",
    "entropy",
    "log2_norm",
    "schmidt_rank",
    "schmidt_spectrum",
    "schmidt_values",
    "profile",
    "regions",
    "replica",
    "entanglement_profile",
    "logarithmic_negativity",
    "mutual_information",
    "reduced_density_matrix",
    "replica_entropy",
)
