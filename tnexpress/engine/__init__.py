"""The contraction engine: structure, sides, paths, one pairwise executor, slicing.

- :mod:`.structure`: a network flattened for the measures (terminals, COPY merges);
- :mod:`.sides`: which open legs form side ``A``;
- :mod:`.paths`: cotengra paths with a cache; :mod:`.budget`: the memory budget;
- :mod:`.executor` with :mod:`.arith`: one pairwise executor (compile a path once, run it
  with float, mod-p or shape-only arithmetic); :mod:`.plan`: exact peak sizes from the
  shape pass; :mod:`.treepath`: paths read off tree-like sides; :mod:`.batched`: factors of
  large tree-shaped sides level by level, batched (no plan);
- :mod:`.slicing`: :func:`contract_network`, sliced to a budget, serial or distributed.
"""

from . import arith, batched, budget, executor, paths, plan, sides, slicing, structure, treepath
from .budget import BudgetError, check_size, get_memory_budget, set_memory_budget
from .paths import clear_path_cache, contraction_tree, path_cache_info
from .sides import open_inds, resolve_side
from .slicing import contract_network, plan_contraction

__all__ = (
    "arith",
    "batched",
    "treepath",
    "budget",
    "executor",
    "paths",
    "plan",
    "sides",
    "slicing",
    "structure",
    "BudgetError",
    "check_size",
    "get_memory_budget",
    "set_memory_budget",
    "clear_path_cache",
    "contraction_tree",
    "path_cache_info",
    "open_inds",
    "resolve_side",
    "contract_network",
    "plan_contraction",
)
