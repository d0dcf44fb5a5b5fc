"""Architecture families as quimb tensor networks; each module registers one family.

A new family is one new module that calls :func:`register_family` at its bottom
and one import line here.
"""

from ._registry import Family, families, get_family, register_family
from .cp import cp
from .ht import grid_tree, ht, ht2d, ht_tree, pooling_tree
from .tt import tt

__all__ = (
    "Family",
    "families",
    "get_family",
    "register_family",
    "cp",
    "ht",
    "ht2d",
    "ht_tree",
    "pooling_tree",
    "grid_tree",
    "tt",
)
