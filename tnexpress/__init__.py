"""tnexpress: deep-network architectures as tensor networks, and their entanglement."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tnexpress")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

from . import nets

__all__ = ("__version__", "nets")
