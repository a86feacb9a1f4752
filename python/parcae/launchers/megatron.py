"""Megatron-LM arguments for a parcae configuration.

parcae's (d, p) is d data-parallel pipelines of p stages; with tensor parallelism tp inside each
stage the job uses ``world_size = d * p * tp`` GPUs. Megatron-LM derives the data-parallel size as
``world_size / (tensor_model_parallel_size * pipeline_model_parallel_size)`` and requires
``global_batch_size % (micro_batch_size * data_parallel_size) == 0``; with the classic (even)
layer split it also requires ``num_layers % pipeline_model_parallel_size == 0``. Nothing here
imports Megatron.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from ._config import check_positive, config_of
from .batch import plan_batch


@dataclass(frozen=True)
class MegatronArgs:
    """The Megatron-LM settings a decision implies (argument names without the ``--``)."""

    world_size: int
    tensor_model_parallel_size: int
    pipeline_model_parallel_size: int
    data_parallel_size: int
    micro_batch_size: int
    global_batch_size: int
    num_micro_batches: int  # gradient accumulation per iteration, Megatron's get_num_microbatches()

    def to_argv(self) -> List[str]:
        """Command-line arguments for pretrain_*.py (world size comes from torchrun)."""
        return [
            "--tensor-model-parallel-size", str(self.tensor_model_parallel_size),
            "--pipeline-model-parallel-size", str(self.pipeline_model_parallel_size),
            "--micro-batch-size", str(self.micro_batch_size),
            "--global-batch-size", str(self.global_batch_size),
        ]

    def to_dict(self) -> Dict[str, int]:
        return dict(self.__dict__)


def megatron_args(decision: Any, *, global_batch_size: int, micro_batch_size: int,
                  tensor_parallel: int = 1, num_layers: Optional[int] = None) -> MegatronArgs:
    """Megatron-LM arguments for the decision's target (d, p).

    The global batch stays ``global_batch_size``; the micro-batch is the largest size not above
    ``micro_batch_size`` that divides it evenly over the d replicas. Raises ValueError for a pause
    (d = 0 or p = 0), a d that does not divide the global batch, or layers that do not split evenly
    over p stages.
    """
    fn = "parcae.launchers.megatron_args"
    d, p = config_of(decision)
    if d == 0 or p == 0:
        raise ValueError(f"{fn}: target is ({d}, {p}) (a pause), but must be a configuration "
                         "with d >= 1 and p >= 1")
    tp = check_positive(fn, "tensor_parallel", tensor_parallel)
    if num_layers is not None:
        check_positive(fn, "num_layers", num_layers)
        if num_layers % p != 0:
            raise ValueError(f"{fn}: pipeline-model-parallel-size is {p}, but must divide "
                             f"num_layers ({num_layers}) for Megatron-LM's even layer split")
    batch = plan_batch(global_batch_size, micro_batch_size, d)
    return MegatronArgs(world_size=d * p * tp, tensor_model_parallel_size=tp,
                        pipeline_model_parallel_size=p, data_parallel_size=d,
                        micro_batch_size=batch.micro_batch, global_batch_size=batch.global_batch,
                        num_micro_batches=batch.gradient_accumulation_steps)
