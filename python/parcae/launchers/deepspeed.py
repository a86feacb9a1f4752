"""A DeepSpeed batch configuration fragment for a parcae configuration.

DeepSpeed requires ``train_batch_size == train_micro_batch_size_per_gpu *
gradient_accumulation_steps * <data-parallel GPUs>``; with DeepSpeed's pipeline engine the
data-parallel size is the number of pipelines, parcae's d. Nothing here imports DeepSpeed.
"""

from __future__ import annotations

from typing import Any, Dict

from ._config import config_of
from .batch import plan_batch


def deepspeed_batch_config(decision: Any, *, train_batch_size: int,
                           train_micro_batch_size_per_gpu: int) -> Dict[str, int]:
    """``{"train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps"}``
    keeping ``train_batch_size`` fixed on the decision's d pipelines; merge it into the job's
    DeepSpeed config. Raises ValueError for a pause or a d that does not divide the batch."""
    fn = "parcae.launchers.deepspeed_batch_config"
    d, p = config_of(decision)
    if d == 0 or p == 0:
        raise ValueError(f"{fn}: target is ({d}, {p}) (a pause), but must be a configuration "
                         "with d >= 1 and p >= 1")
    batch = plan_batch(train_batch_size, train_micro_batch_size_per_gpu, d)
    return {
        "train_batch_size": batch.global_batch,
        "train_micro_batch_size_per_gpu": batch.micro_batch,
        "gradient_accumulation_steps": batch.gradient_accumulation_steps,
    }
