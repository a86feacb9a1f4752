"""Launcher adapters, checked against the frameworks' documented constraints:

- Megatron-LM: world_size % (tensor_model_parallel_size * pipeline_model_parallel_size) == 0,
  data_parallel_size = world_size / (tp * pp), global_batch_size % (micro_batch_size *
  data_parallel_size) == 0 (ConstantNumMicroBatches), num_layers % pp == 0 (even split);
- DeepSpeed: train_batch_size == train_micro_batch_size_per_gpu * gradient_accumulation_steps *
  data-parallel size;
- torchrun: RANK = node_rank * nproc_per_node + local_rank.
No framework is imported, here or by the adapters.
"""

import itertools
import subprocess
import sys
from types import SimpleNamespace

import pytest

import parcae
from parcae.launchers import (Placement, assign_ranks, deepspeed_batch_config, megatron_args,
                              plan_batch)

CONFIGS = [(d, p) for d in range(1, 33) for p in range(1, 17)]


@pytest.mark.parametrize("global_batch,micro_batch", [(128, 1), (128, 4), (1024, 8), (96, 3)])
def test_megatron_constraints_hold_whenever_an_answer_is_given(global_batch, micro_batch):
    answered = 0
    for d, p in CONFIGS:
        for tp in (1, 2):
            try:
                a = megatron_args((d, p), global_batch_size=global_batch,
                                  micro_batch_size=micro_batch, tensor_parallel=tp)
            except ValueError as e:
                assert global_batch % d != 0, e  # refused only when no micro-batch keeps it fixed
                continue
            answered += 1
            assert a.world_size == d * p * tp
            assert a.world_size % (a.tensor_model_parallel_size * a.pipeline_model_parallel_size) == 0
            assert a.data_parallel_size == a.world_size // (tp * p) == d
            assert a.global_batch_size == global_batch  # the optimizer's batch does not move
            assert a.global_batch_size % (a.micro_batch_size * a.data_parallel_size) == 0
            assert 1 <= a.micro_batch_size <= micro_batch
            assert a.num_micro_batches == global_batch // (a.micro_batch_size * d)
            argv = a.to_argv()
            assert argv[argv.index("--pipeline-model-parallel-size") + 1] == str(p)
            assert argv[argv.index("--global-batch-size") + 1] == str(global_batch)
    assert answered > 0


def test_megatron_examples():
    a = megatron_args((4, 8), global_batch_size=128, micro_batch_size=1)
    assert a.to_dict() == {"world_size": 32, "tensor_model_parallel_size": 1,
                           "pipeline_model_parallel_size": 8, "data_parallel_size": 4,
                           "micro_batch_size": 1, "global_batch_size": 128, "num_micro_batches": 32}
    # d = 3 does not divide 128: no micro-batch keeps the global batch fixed.
    with pytest.raises(ValueError, match=r"data_parallel_size is 3, but must divide global_batch"):
        megatron_args((3, 8), global_batch_size=128, micro_batch_size=1)
    # 96 / (6 replicas) = 16 per replica; micro-batch 5 does not divide it, 4 does.
    assert megatron_args((6, 2), global_batch_size=96, micro_batch_size=5).micro_batch_size == 4
    with pytest.raises(ValueError, match=r"must divide num_layers \(50\)"):
        megatron_args((4, 8), global_batch_size=128, micro_batch_size=1, num_layers=50)
    assert megatron_args((4, 5), global_batch_size=128, micro_batch_size=1,
                         num_layers=50).pipeline_model_parallel_size == 5
    with pytest.raises(ValueError, match="a pause"):
        megatron_args((0, 0), global_batch_size=128, micro_batch_size=1)
    # Decisions, configuration objects and dicts work as well as pairs.
    decision = SimpleNamespace(target=SimpleNamespace(d=2, p=4))
    assert megatron_args(decision, global_batch_size=64, micro_batch_size=2).world_size == 8
    best = parcae.load_profile("gpt-1.5b").best(32)
    assert megatron_args(best, global_batch_size=128,
                         micro_batch_size=1).pipeline_model_parallel_size == 8


def test_deepspeed_batch_equation():
    for d, p in CONFIGS:
        try:
            c = deepspeed_batch_config((d, p), train_batch_size=1024,
                                       train_micro_batch_size_per_gpu=8)
        except ValueError:
            assert 1024 % d != 0
            continue
        assert set(c) == {"train_batch_size", "train_micro_batch_size_per_gpu",
                          "gradient_accumulation_steps"}
        assert c["train_batch_size"] == 1024
        assert (c["train_micro_batch_size_per_gpu"] * c["gradient_accumulation_steps"] * d
                == c["train_batch_size"])
    assert deepspeed_batch_config({"d": 4, "p": 2}, train_batch_size=1024,
                                  train_micro_batch_size_per_gpu=8) == {
        "train_batch_size": 1024, "train_micro_batch_size_per_gpu": 8,
        "gradient_accumulation_steps": 32}
    with pytest.raises(ValueError, match="micro_batch is 0"):
        plan_batch(128, 0, 4)


def placements_for(d, p, g, n_instances, order):
    """Every slot (pipeline, stage) on a GPU, in the given instance order, the rest spare."""
    gpus = [(inst, gpu) for inst in order for gpu in range(g)][: n_instances * g]
    slots = [(i, s) for s in range(p) for i in range(d)]
    out = [Placement(inst, gpu, *slots[k]) if k < len(slots) else Placement(inst, gpu)
           for k, (inst, gpu) in enumerate(gpus)]
    return out


def test_torchrun_ranks_one_gpu_per_instance():
    order = [17, 3, 8, 21, 5, 9, 11, 2, 40, 41]
    r = assign_ranks((4, 2), placements_for(4, 2, 1, 10, order))
    assert (r.world_size, r.nnodes, r.nproc_per_node) == (8, 8, 1)
    assert r.spares == [40, 41]
    assert r.torchrun_compatible
    assert sorted(r.rank_of.values()) == list(range(8))
    # torchrun's RANK = node_rank * nproc_per_node + local_rank is the slot's Megatron rank.
    for (inst, gpu), rank in r.rank_of.items():
        assert r.node_rank[inst] * r.nproc_per_node + gpu == rank
        pipeline, stage = r.slots[rank]
        assert rank == pipeline + 4 * stage
    args = r.torchrun_args(17, "10.0.0.1")
    assert args == ["--nnodes", "8", "--nproc_per_node", "1", "--node_rank", "0",
                    "--master_addr", "10.0.0.1", "--master_port", "29500"]
    with pytest.raises(ValueError, match="must be one that trains"):
        r.torchrun_args(40, "10.0.0.1")


def test_torchrun_ranks_multi_gpu_instances():
    # 4 GPUs per instance, (4, 4): 16 slots on 4 instances, one spare instance.
    r = assign_ranks((4, 4), placements_for(4, 4, 4, 5, [7, 1, 9, 3, 5]), gpus_per_instance=4)
    assert (r.world_size, r.nnodes, r.spares) == (16, 4, [5])
    assert r.torchrun_compatible
    # A placement that splits an instance's GPUs across non-consecutive ranks still gets ranks,
    # but needs a rendezvous that sets RANK itself.
    mixed = [Placement(1, 0, 0, 0), Placement(1, 1, 0, 1), Placement(2, 0, 1, 0),
             Placement(2, 1, 1, 1)]
    r = assign_ranks((2, 2), mixed, gpus_per_instance=2)
    assert r.rank_of == {(1, 0): 0, (1, 1): 2, (2, 0): 1, (2, 1): 3}
    assert not r.torchrun_compatible


def test_torchrun_rejects_bad_placements():
    with pytest.raises(ValueError, match=r"fill 3 slots, but must fill all d \* p = 4"):
        assign_ranks((2, 2), placements_for(2, 2, 1, 3, [1, 2, 3]))
    dup = [Placement(1, 0, 0, 0), Placement(2, 0, 0, 0)]
    with pytest.raises(ValueError, match="given twice"):
        assign_ranks((1, 1), dup)
    with pytest.raises(ValueError, match="inside the target"):
        assign_ranks((1, 1), [Placement(1, 0, 0, 1)])
    with pytest.raises(ValueError, match=r"gpu 2, but must be in \[0, 1\]"):
        assign_ranks((1, 1), [Placement(1, 2, 0, 0)], gpus_per_instance=2)
    # Placements may be dicts, or read from the decision.
    decision = SimpleNamespace(target=SimpleNamespace(d=1, p=2),
                               placements=[{"instance": 4, "gpu": 0, "pipeline": 0, "stage": 1},
                                           {"instance": 6, "gpu": 0, "pipeline": 0, "stage": 0}])
    assert assign_ranks(decision).node_rank == {6: 0, 4: 1}


def test_launchers_refuse_a_rerouted_decision():
    # A Controller with reroute on may keep (d, p) running with empty slots; the frameworks
    # cannot run that, and the adapters say so instead of building a wrong world.
    rerouted = SimpleNamespace(target=SimpleNamespace(d=2, p=2), empty_slots=1, kind="reroute",
                               placements=placements_for(2, 2, 1, 3, [1, 2, 3]))
    for call in (lambda: assign_ranks(rerouted),
                 lambda: megatron_args(rerouted, global_batch_size=8, micro_batch_size=1,
                                       num_layers=4),
                 lambda: deepspeed_batch_config(rerouted, train_batch_size=8,
                                                train_micro_batch_size_per_gpu=1)):
        with pytest.raises(ValueError, match=r"1 empty slot\(s\) rerouted.*reroute=False"):
            call()
    as_dict = {"target": (2, 2), "empty_slots": 0}
    assert assign_ranks(as_dict, placements_for(2, 2, 1, 4, [1, 2, 3, 4])).world_size == 4


def test_importing_parcae_imports_no_framework():
    code = ("import sys, parcae, parcae.launchers as l; "
            "l.megatron_args((2, 2), global_batch_size=8, micro_batch_size=1); "
            "l.deepspeed_batch_config((2, 2), train_batch_size=8, train_micro_batch_size_per_gpu=1); "
            "l.assign_ranks((1, 1), [l.Placement(0, 0, 0, 0)]); "
            "bad = [m for m in ('torch', 'deepspeed', 'megatron', 'numpy') if m in sys.modules]; "
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"
