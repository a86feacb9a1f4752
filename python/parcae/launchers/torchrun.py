"""torchrun (TorchElastic) node and rank assignment for a parcae decision.

A decision places every GPU of every usable instance at a (pipeline, stage) slot, or leaves it
spare. The adapter numbers the slots in the order Megatron-LM (default ``tp-cp-ep-dp-pp``, tensor
parallel size 1) and DeepSpeed's PipeDataParallelTopology (axes ``["pipe", "data"]``) both use:

    rank = pipeline + d * stage

and gives node ranks to the instances that hold slots, ordered by their lowest rank. torchrun
itself computes ``RANK = node_rank * nproc_per_node + local_rank``; where the placement keeps each
instance's GPUs on consecutive ranks (always so with one GPU per instance) the plain
``torchrun --node_rank`` arguments are enough (``torchrun_compatible``), otherwise a custom
rendezvous or an NVIDIA Resiliency Extension ``RankAssignment`` sets ``RANK`` from
``rank_of``. Nothing here imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ._config import Placement, check_positive, config_of, placement_of


@dataclass(frozen=True)
class RankAssignment:
    """Who trains, with which ranks, and who waits as a spare."""

    world_size: int
    nnodes: int
    nproc_per_node: int
    node_rank: Dict[int, int]  # instance -> node rank, for the instances that train
    rank_of: Dict[Tuple[int, int], int]  # (instance, gpu) -> global rank
    spares: List[int]  # instances with no slot (kept alive for the next reconfiguration)
    torchrun_compatible: bool  # RANK = node_rank * nproc_per_node + gpu for every slot
    slots: Dict[int, Tuple[int, int]] = field(default_factory=dict)  # rank -> (pipeline, stage)

    def torchrun_args(self, instance: int, master_addr: str, master_port: int = 29500) -> List[str]:
        """Static-rendezvous torchrun arguments for one training instance."""
        if instance not in self.node_rank:
            raise ValueError(f"parcae.launchers.RankAssignment.torchrun_args: instance is "
                             f"{instance}, but must be one that trains (spares: {self.spares})")
        return [
            "--nnodes", str(self.nnodes),
            "--nproc_per_node", str(self.nproc_per_node),
            "--node_rank", str(self.node_rank[instance]),
            "--master_addr", str(master_addr),
            "--master_port", str(int(master_port)),
        ]


def assign_ranks(decision: Any, placements: Optional[Iterable[Any]] = None, *,
                 gpus_per_instance: int = 1) -> RankAssignment:
    """Ranks for the decision's target (d, p) and placements.

    ``placements`` defaults to ``decision.placements``; each item is a Placement, a mapping or an
    object with ``instance``, ``gpu``, ``pipeline`` and ``stage``. Raises ValueError unless every
    slot (pipeline < d, stage < p) is filled exactly once.
    """
    fn = "parcae.launchers.assign_ranks"
    d, p = config_of(decision)
    g = check_positive(fn, "gpus_per_instance", gpus_per_instance)
    if placements is None:
        placements = getattr(decision, "placements", None)
        if placements is None:
            raise ValueError(f"{fn}: placements is None, but must be given when the decision "
                             "has no .placements")
    items: List[Placement] = [placement_of(x) for x in placements]
    rank_of: Dict[Tuple[int, int], int] = {}
    slots: Dict[int, Tuple[int, int]] = {}
    gpus_of: Dict[int, List[int]] = {}
    for pl in items:
        if not 0 <= pl.gpu < g:
            raise ValueError(f"{fn}: placement of instance {pl.instance} has gpu {pl.gpu}, but "
                             f"must be in [0, {g - 1}]")
        gpus_of.setdefault(pl.instance, [])
        if pl.spare:
            continue
        if not (0 <= pl.pipeline < d and 0 <= pl.stage < p):
            raise ValueError(f"{fn}: placement of instance {pl.instance} gpu {pl.gpu} is slot "
                             f"(pipeline {pl.pipeline}, stage {pl.stage}), but must be inside "
                             f"the target ({d}, {p})")
        rank = pl.pipeline + d * pl.stage
        if rank in slots:
            raise ValueError(f"{fn}: slot (pipeline {pl.pipeline}, stage {pl.stage}) is given "
                             "twice, but must be filled once")
        if (pl.instance, pl.gpu) in rank_of:
            raise ValueError(f"{fn}: instance {pl.instance} gpu {pl.gpu} is placed twice")
        slots[rank] = (pl.pipeline, pl.stage)
        rank_of[(pl.instance, pl.gpu)] = rank
        gpus_of[pl.instance].append(rank)
    if len(slots) != d * p:
        raise ValueError(f"{fn}: placements fill {len(slots)} slots, but must fill all d * p = "
                         f"{d * p} of the target ({d}, {p})")
    training = sorted((min(r), inst) for inst, r in gpus_of.items() if r)
    node_rank = {inst: i for i, (_, inst) in enumerate(training)}
    spares = sorted(inst for inst, r in gpus_of.items() if not r)
    compatible = all(rank == node_rank[inst] * g + gpu for (inst, gpu), rank in rank_of.items())
    return RankAssignment(world_size=d * p, nnodes=len(node_rank), nproc_per_node=g,
                          node_rank=node_rank, rank_of=rank_of, spares=spares,
                          torchrun_compatible=compatible, slots=slots)
