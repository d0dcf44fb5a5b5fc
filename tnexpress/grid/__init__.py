"""Grid-tensor theory: grid tensors of any function, generalized ConvACs, attention, CP rank.

Grid tensors (Claim 7.1 of the seeds) give lower bounds on the separation rank of
functions that are not tensor networks: ReLU/max ConvACs (:mod:`.generalized`),
linear self-attention (:mod:`.attention`); :mod:`.cp_als` estimates CP ranks.
"""

from . import attention, cp_als, generalized
from .attention import attention_separation_ranks, linear_attention
from .cp_als import estimate_cp_rank
from .tensor import balanced_partitions, grid_rank, grid_schmidt_values, grid_tensor, matricize

__all__ = (
    "attention",
    "cp_als",
    "generalized",
    "attention_separation_ranks",
    "linear_attention",
    "estimate_cp_rank",
    "balanced_partitions",
    "grid_rank",
    "grid_schmidt_values",
    "grid_tensor",
    "matricize",
)
