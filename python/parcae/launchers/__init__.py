"""Launcher adapters: what a parcae decision means for Megatron-LM, DeepSpeed and torchrun.

Pure Python; no framework is imported, here or when an adapter is called (each adapter only
computes the framework's own parameters). See docs/python.md for the mapping.
"""

from ._config import Placement, config_of
from .batch import BatchPlan, plan_batch
from .deepspeed import deepspeed_batch_config
from .megatron import MegatronArgs, megatron_args
from .torchrun import RankAssignment, assign_ranks

__all__ = [
    "BatchPlan",
    "MegatronArgs",
    "Placement",
    "RankAssignment",
    "assign_ranks",
    "config_of",
    "deepspeed_batch_config",
    "megatron_args",
    "plan_batch",
]
