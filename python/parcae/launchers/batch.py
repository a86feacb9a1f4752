"""Batch arithmetic shared by the Megatron-LM and DeepSpeed adapters.

A parcae configuration changes the data-parallel size d while the job's global batch must stay
fixed (the optimizer's hyper-parameters assume it). Both frameworks require

    global_batch == micro_batch * gradient_accumulation_steps * data_parallel_size

(Megatron-LM's ConstantNumMicroBatches asserts ``global_batch_size % (micro_batch_size *
data_parallel_size) == 0``; DeepSpeed requires ``train_batch_size == train_micro_batch_size_per_gpu
* gradient_accumulation_steps * world size``). So the micro-batch is the largest divisor-compatible
size not above the requested one.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._config import check_positive


@dataclass(frozen=True)
class BatchPlan:
    """How a fixed global batch is split over ``data_parallel_size`` replicas."""

    global_batch: int
    micro_batch: int
    gradient_accumulation_steps: int
    data_parallel_size: int


def plan_batch(global_batch: int, micro_batch: int, data_parallel_size: int) -> BatchPlan:
    """Keeps ``global_batch`` fixed on ``data_parallel_size`` replicas.

    Uses the largest micro-batch ``m <= micro_batch`` with ``global_batch % (m * dp) == 0``; raises
    ValueError when dp does not divide the global batch (no micro-batch can keep it fixed).
    """
    fn = "parcae.launchers.plan_batch"
    global_batch = check_positive(fn, "global_batch", global_batch)
    micro_batch = check_positive(fn, "micro_batch", micro_batch)
    dp = check_positive(fn, "data_parallel_size", data_parallel_size)
    if global_batch % dp != 0:
        raise ValueError(
            f"{fn}: data_parallel_size is {dp}, but must divide global_batch ({global_batch}) "
            "so that the global batch stays fixed")
    per_replica = global_batch // dp
    for m in range(min(micro_batch, per_replica), 0, -1):
        if per_replica % m == 0:
            return BatchPlan(global_batch, m, per_replica // m, dp)
    raise AssertionError("unreachable: m = 1 always divides")  # pragma: no cover
