"""Profile your own PyTorch model into a ``parcae-profile-1`` JSON (docs/python.md, "Profiling").

``profile(layers, sample_batch)`` measures, on this machine and the CPU or GPU the layers live on:

* per layer: forward and backward time (median of ``repeats`` after ``warmup``), Adam step time,
  parameters, and the bytes autograd saves for backward (``activation_bytes``: what one
  micro-batch keeps alive between its forward and its backward, counted with
  ``torch.autograd.graph.saved_tensors_hooks``);
* ``optimizer_states``: the optimiser's state tensors per parameter (Adam: 2), counted after one
  real step;
* ``activation_p2p_bytes``: the largest layer output (what a stage sends per micro-batch);
* the point-to-point curve between two gloo processes on loopback (``torch.distributed``
  send/recv ping-pong, half the round trip), the communicator set-up time (rendezvous of two
  processes and one ``new_group``), a checkpoint save + load of the whole model, and the time to
  build the layers (``build_ms``, given per depth as model build time / p).

Limits: times are those of this host (one process; no contention from other stages); the p2p curve
is loopback, not your network, unless ``p2p`` is given; all-reduce bandwidth is taken from the p2p
curve's largest point; the profile's memory rule assumes fp32 states (4 B per value).

Imports torch only when called; ``import parcae`` stays framework-free.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

FORMAT = "parcae-profile-1"


def _median_ms(fn: Callable[[], Any], warmup: int, repeats: int) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(samples)


def _layer_list(model_or_layers: Any) -> List[Any]:
    import torch

    if isinstance(model_or_layers, torch.nn.Module):
        children = list(model_or_layers.children())
        return children if children else [model_or_layers]
    layers = list(model_or_layers)
    if not layers:
        raise ValueError("parcae.torch_profile.profile: layers is empty, but must hold >= 1 module")
    return layers


def profile_layers(
    layers: Sequence[Any], sample_batch: Any, *, warmup: int = 3, repeats: int = 10
) -> List[Dict[str, float]]:
    """Per-layer rows of ``model.layers[]`` (times in ms, bytes, params), one per module."""
    import torch

    rows = []
    x = sample_batch
    for i, layer in enumerate(layers):
        inp = x.detach().requires_grad_(x.is_floating_point())
        saved = [0]
        weights = {q.data_ptr() for q in layer.parameters()}

        def pack(t: "torch.Tensor") -> "torch.Tensor":
            if t.data_ptr() not in weights:  # parameters are model state, not activations
                saved[0] += t.numel() * t.element_size()
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            out = layer(inp)
        activation_bytes = saved[0]
        grad = torch.ones_like(out)

        def forward() -> None:
            with torch.no_grad():
                layer(inp)

        def backward() -> None:
            y = layer(inp)
            torch.autograd.backward(y, grad)

        forward_ms = _median_ms(forward, warmup, repeats)
        # backward() runs a forward too (autograd needs its graph); subtract it.
        backward_ms = max(_median_ms(backward, warmup, repeats) - forward_ms, 1e-6)
        params = [p for p in layer.parameters() if p.requires_grad]
        n_params = sum(p.numel() for p in params)
        optimizer_ms = 0.0
        if params:
            opt = torch.optim.Adam(params, lr=1e-9)
            for p in params:
                p.grad = torch.zeros_like(p)
            optimizer_ms = _median_ms(opt.step, warmup, repeats)
        rows.append(
            {
                "name": f"{type(layer).__name__.lower()}{i}",
                "count": 1,
                "forward_ms": max(forward_ms, 1e-6),
                "backward_ms": backward_ms,
                "optimizer_ms": optimizer_ms,
                "activation_bytes": float(activation_bytes),
                "params": float(n_params),
                "_output_bytes": float(out.numel() * out.element_size()),
            }
        )
        x = out.detach()
    return rows


def optimizer_state_count(layers: Sequence[Any]) -> int:
    """State values the optimiser keeps per parameter value (Adam: exp_avg and exp_avg_sq)."""
    import torch

    params = [p for layer in layers for p in layer.parameters()]
    copies = [torch.nn.Parameter(p.detach().clone()) for p in params]
    if not copies:
        return 2
    opt = torch.optim.Adam(copies)
    for p in copies:
        p.grad = torch.zeros_like(p)
    opt.step()
    n = sum(p.numel() for p in copies)
    states = sum(
        v.numel() for s in opt.state.values() for v in s.values() if torch.is_tensor(v) and v.dim()
    )
    return round(states / n)


def _p2p_worker(rank: int, store_path: str, sizes: List[int], repeats: int, out_path: str) -> None:
    import torch
    import torch.distributed as dist

    t0 = time.perf_counter()
    store = dist.FileStore(store_path, 2)
    dist.init_process_group("gloo", store=store, rank=rank, world_size=2)
    rendezvous_ms = (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    dist.new_group([0, 1])
    group_ms = (time.perf_counter() - t0) * 1e3
    micros = []
    for size in sizes:
        buf = torch.zeros(max(size // 4, 1), dtype=torch.float32)
        times = []
        for r in range(repeats + 2):
            dist.barrier()
            t0 = time.perf_counter()
            if rank == 0:
                dist.send(buf, 1)
                dist.recv(buf, 1)
            else:
                dist.recv(buf, 0)
                dist.send(buf, 0)
            if r >= 2:
                times.append((time.perf_counter() - t0) * 1e6 / 2)
        micros.append(statistics.median(times))
    if rank == 0:
        with open(out_path, "w") as f:
            json.dump({"micros": micros, "rendezvous_ms": rendezvous_ms, "group_ms": group_ms}, f)
    dist.destroy_process_group()


def measure_p2p(
    sizes: Optional[Sequence[int]] = None, repeats: int = 5, timeout_s: float = 120.0
) -> Dict[str, Any]:
    """Point-to-point curve between two gloo processes on this host (loopback): ``bytes``,
    ``micros`` (one-way, half the median round trip), plus ``rendezvous_ms`` and ``group_ms``."""
    import torch.multiprocessing as mp

    if sizes is None:
        sizes = [4 << (2 * i) for i in range(12)]  # 4 B .. 16 MiB
    sizes = sorted(set(int(s) for s in sizes))
    with tempfile.TemporaryDirectory(prefix="parcae-p2p-") as tmp:
        out = os.path.join(tmp, "result.json")
        ctx = mp.get_context("spawn")
        procs = [
            ctx.Process(
                target=_p2p_worker, args=(r, os.path.join(tmp, "store"), sizes, repeats, out)
            )
            for r in range(2)
        ]
        for p in procs:
            p.start()
        deadline = time.monotonic() + timeout_s
        for p in procs:
            p.join(max(deadline - time.monotonic(), 0.1))
        for p in procs:
            if p.is_alive():
                p.kill()
                p.join()
        if any(p.exitcode != 0 for p in procs) or not os.path.exists(out):
            raise RuntimeError("parcae.torch_profile.measure_p2p: a gloo worker failed")
        with open(out) as f:
            r = json.load(f)
    # The profile wants a strictly increasing curve in bytes; keep times non-decreasing so the
    # piecewise-linear interpolation never predicts a larger message as cheaper.
    micros = list(r["micros"])
    for i in range(1, len(micros)):
        micros[i] = max(micros[i], micros[i - 1])
    return {
        "bytes": list(sizes),
        "micros": micros,
        "rendezvous_ms": r["rendezvous_ms"],
        "group_ms": r["group_ms"],
    }


def measure_checkpoint_ms(layers: Sequence[Any]) -> float:
    """Saving and loading every layer's parameters and Adam state (two values each) once."""
    import torch

    state = []
    for layer in layers:
        for p in layer.parameters():
            state += [p.detach(), torch.zeros_like(p), torch.zeros_like(p)]
    with tempfile.TemporaryDirectory(prefix="parcae-ckpt-") as tmp:
        path = os.path.join(tmp, "ckpt.pt")
        t0 = time.perf_counter()
        torch.save(state, path)
        torch.load(path)
        return (time.perf_counter() - t0) * 1e3


def profile(
    model_or_layers: Any,
    sample_batch: Any,
    *,
    name: str = "model",
    global_batch: Optional[int] = None,
    gpu_memory_mb: float = 1024.0,
    warmup: int = 3,
    repeats: int = 10,
    p2p: Optional[Dict[str, Any]] = None,
    build: Optional[Callable[[], Any]] = None,
    out: Optional[str] = None,
) -> Dict[str, Any]:
    """Measures a model given as a list of layer modules (or an ``nn.Sequential``, whose children
    are the layers) on one micro-batch ``sample_batch`` (the first layer's input), and returns a
    ``parcae-profile-1`` document (a dict); ``out`` also writes it as JSON.

    ``global_batch`` defaults to 8 micro-batches. ``p2p`` reuses a :func:`measure_p2p` result
    (it costs a few seconds: two processes are spawned). ``build`` is a callable that constructs
    the layers; its time is the model build time (default: the time to deep-copy the layers).
    Read the result back with ``parcae.load_profile(out)`` or ``parcae.parse_profile``.
    """
    import copy

    import torch

    layers = _layer_list(model_or_layers)
    micro = int(sample_batch.shape[0])
    rows = profile_layers(layers, sample_batch, warmup=warmup, repeats=repeats)
    p2p_bytes = max(r.pop("_output_bytes") for r in rows)
    k = optimizer_state_count(layers)
    net = p2p if p2p is not None else measure_p2p()
    t0 = time.perf_counter()
    if build is not None:
        build()
    else:
        copy.deepcopy(layers)
    build_ms = (time.perf_counter() - t0) * 1e3
    checkpoint_ms = measure_checkpoint_ms(layers)
    largest = net["bytes"][-1]
    allreduce_mb_per_ms = (largest / 2**20) / max(net["micros"][-1] / 1e3, 1e-9)
    n = len(rows)
    where = f"parcae.torch_profile on {os.uname().nodename}, torch {torch.__version__}"
    doc = {
        "format": FORMAT,
        "name": name,
        "description": f"measured by {where}, micro-batch {micro}, {n} layers",
        "model": {
            "source": f"{where}: median of {repeats} runs after {warmup} warm-up runs",
            "transformer": False,
            "micro_batch": micro,
            "global_batch": int(global_batch if global_batch is not None else 8 * micro),
            "activation_p2p_bytes": float(p2p_bytes),
            "optimizer_states": k,
            "layers": rows,
        },
        "cluster": {
            "source": "given (gpu_memory_mb); one device per instance",
            "gpu_memory_mb": float(gpu_memory_mb),
            "gpus_per_instance": 1,
        },
        "network": {
            "source": f"{where}: gloo send/recv ping-pong between two processes, loopback",
            "p2p": {"bytes": net["bytes"], "micros": net["micros"]},
            "allreduce_mb_per_ms": allreduce_mb_per_ms,
            "fp16_gradients": False,
        },
        "restart": {
            "source": f"{where}: gloo rendezvous of 2 processes, one new_group, save+load",
            "rendezvous_ms": net["rendezvous_ms"],
            "proc_ms": 0.0,
            "extra_model_ms": 0.0,
            "checkpoint_ms": checkpoint_ms,
            "comm": {
                "kind": "per_group",
                "init_ms": 0.0,
                "add_ms_per_unit": net["group_ms"],
                "remove_ms_per_unit": net["group_ms"],
            },
            "build_ms": {
                "table": {str(p): build_ms / p for p in range(1, n + 1)},
                "source": "model build time / p (each stage builds its share of the layers)",
            },
        },
    }
    if out is not None:
        with open(out, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    return doc


__all__ = ["FORMAT", "measure_p2p", "optimizer_state_count", "profile", "profile_layers"]
