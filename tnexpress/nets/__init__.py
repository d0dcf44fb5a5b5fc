"""Architecture families as quimb tensor networks; each module registers one family."""

from ._registry import Family, families, get_family, register_family

__all__ = ("Family", "families", "get_family", "register_family")
