"""tnexpress: deep-network architectures as tensor networks, and their entanglement.

>>> import tnexpress as tx
>>> net = tx.nets.ht(16, 2, (2, 2, 2, 2), seed=0)
>>> A = tx.partitions.odd_even(16)
>>> tx.min_cut(net, A).weight, tx.schmidt_rank(net, A)
(256, 256)

Names are imported on first use (PEP 562 ``__getattr__``): ``import tnexpress``
and ``tnexpress --version`` do not import quimb, cotengra or numpy's heavy users.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

try:
    __version__ = version("tnexpress")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

# public name -> module that defines it (a module itself where the name is a subpackage)
_SUBMODULES = ("engine", "measures", "grid", "nets", "partitions", "io")
_NAMES = {
    "Bipartition": "measures.bipartition",
    "bipartition": "measures.bipartition",
    "get_measure": "measures.registry",
    "measure_names": "measures.registry",
    "register_measure": "measures.registry",
    "Certificate": "measures.certify",
    "certify": "measures.certify",
    "GeometricMeasure": "measures.geometric",
    "geometric_measure": "measures.geometric",
    "BudgetError": "engine.budget",
    "get_memory_budget": "engine.budget",
    "set_memory_budget": "engine.budget",
    "MinCut": "measures.mincut",
    "min_cut": "measures.mincut",
    "SchmidtSpectrum": "measures.schmidt",
    "entropy": "measures.schmidt",
    "log2_norm": "measures.schmidt",
    "schmidt_rank": "measures.schmidt",
    "schmidt_spectrum": "measures.schmidt",
    "schmidt_values": "measures.schmidt",
    "open_inds": "engine.sides",
    "contract_network": "engine.slicing",
    "plan_contraction": "engine.slicing",
    "attention_separation_ranks": "grid.attention",
    "linear_attention": "grid.attention",
    "estimate_cp_rank": "grid.cp_als",
    "balanced_partitions": "grid.tensor",
    "grid_rank": "grid.tensor",
    "grid_schmidt_values": "grid.tensor",
    "grid_tensor": "grid.tensor",
    "matricize": "grid.tensor",
    "entanglement_profile": "measures.profile",
    "logarithmic_negativity": "measures.regions",
    "mutual_information": "measures.regions",
    "reduced_density_matrix": "measures.regions",
    "replica_entropy": "measures.replica",
    "save": "io",
    "load": "io",
}

from .draw import draw  # noqa: E402 - stdlib-only module; tx.draw is the function

__all__ = ("__version__", *_SUBMODULES, *_NAMES, "draw")


def __getattr__(name: str):
    if name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    elif name in _NAMES:
        value = getattr(importlib.import_module(f"{__name__}.{_NAMES[name]}"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from . import engine, grid, io, measures, nets, partitions  # noqa: F401
    from .engine import (  # noqa: F401
        BudgetError,
        contract_network,
        get_memory_budget,
        open_inds,
        plan_contraction,
        set_memory_budget,
    )
    from .grid import (  # noqa: F401
        attention_separation_ranks,
        balanced_partitions,
        estimate_cp_rank,
        grid_rank,
        grid_schmidt_values,
        grid_tensor,
        linear_attention,
        matricize,
    )
    from .io import load, save  # noqa: F401
    from .measures.bipartition import Bipartition, bipartition  # noqa: F401
    from .measures.certify import Certificate, certify  # noqa: F401
    from .measures.geometric import GeometricMeasure, geometric_measure  # noqa: F401
    from .measures.mincut import MinCut, min_cut  # noqa: F401
    from .measures.registry import get_measure, measure_names, register_measure  # noqa: F401
    from .measures.schmidt import (  # noqa: F401
        SchmidtSpectrum,
        entropy,
        log2_norm,
        schmidt_rank,
        schmidt_spectrum,
        schmidt_values,
    )
