"""The measures: min cut, Schmidt spectrum, exact rank, certificates, geometric measure."""

from . import certify, exact, geometric, mincut, registry, schmidt
from .bipartition import Bipartition, bipartition
from .certify import Certificate
from .geometric import GeometricMeasure, geometric_measure
from .mincut import MinCut, min_cut
from .registry import Measure, get_measure, measure_names, register_measure
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
)
