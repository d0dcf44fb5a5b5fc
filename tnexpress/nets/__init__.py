"""Architecture families as quimb tensor networks; each module registers one family.

A new family is one new module that calls :func:`register_family` at its bottom
and one import line here.
"""

from ._registry import Family, families, get_family, register_family
from .cp import cp
from .dilated import (
    dilated,
    example_partition,
    mixed,
    mode_tree,
    sibling_pairs,
    swapped_dilations,
    theta,
    theta_bounds,
)
from .ht import grid_tree, ht, ht2d, ht_tree, pooling_tree
from .overlap import num_params, overlap, overlap2d
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
    "dilated",
    "example_partition",
    "mixed",
    "mode_tree",
    "sibling_pairs",
    "swapped_dilations",
    "theta",
    "theta_bounds",
    "num_params",
    "overlap",
    "overlap2d",
)
