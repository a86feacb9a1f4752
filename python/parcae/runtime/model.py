"""The reference runtime's model, data and optimiser: small, deterministic, float64.

Every layer is built from (seed, layer index) alone, and every sample from (seed, sample index)
alone, so any worker can rebuild any layer's initial state and any sample without coordination,
and a run without preemptions (``train_reference``) trains the same model on the same samples.
float64 keeps the gradient sums of different (d, p) within ~1e-12 of each other, so tests can
compare a preempted run with the reference at a tight tolerance.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Dict, List

import torch

DTYPE = torch.float64


@dataclass(frozen=True)
class model_spec:
    n_layers: int = 8
    width: int = 32
    global_batch: int = 24  # samples per step, whatever d is (the job's fixed global batch)
    micro_batch: int = 3  # samples per micro-batch (the last one of a replica may be smaller)
    lr: float = 1e-3
    seed: int = 1
    # Emulated accelerator time per sample and layer (forward; backward is twice that), slept in
    # the layer's forward and backward (``device_time``). 0: none. The trace-driven run uses it:
    # 16 worker processes on a 2-core host cannot each have a core, so each "instance" gets an
    # emulated device that is busy for a fixed time per sample while its CPU is free, as a GPU
    # would be; the profile (parcae.torch_profile on ``layer_modules``) measures the same layers.
    device_ms: float = 0.0

    def to_dict(self) -> Dict[str, float]:
        return dict(self.__dict__)


def build_layer(spec: model_spec, index: int) -> torch.nn.Module:
    g = torch.Generator().manual_seed(spec.seed * 1_000_003 + index)
    layer = torch.nn.Linear(spec.width, spec.width).to(DTYPE)
    with torch.no_grad():
        bound = 1.0 / spec.width**0.5
        layer.weight.copy_(torch.rand(spec.width, spec.width, generator=g, dtype=DTYPE) * 2 * bound - bound)
        layer.bias.copy_(torch.rand(spec.width, generator=g, dtype=DTYPE) * 2 * bound - bound)
    return layer


class device_time(torch.autograd.Function):
    """Identity whose forward sleeps ``fwd_s`` and whose backward sleeps ``bwd_s`` (the emulated
    device's busy time; see ``model_spec.device_ms``). The values are unchanged, so the model
    and every test on it are the same with or without it."""

    @staticmethod
    def forward(ctx, x, fwd_s, bwd_s):  # noqa: D102
        ctx.bwd_s = bwd_s
        time.sleep(fwd_s)
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):  # noqa: D102
        time.sleep(ctx.bwd_s)
        return g, None, None


def forward_layer(spec: model_spec, index: int, layer: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    y = layer(x)
    if spec.device_ms > 0:
        n = x.shape[0] if x.dim() > 1 else 1
        y = device_time.apply(y, spec.device_ms * n / 1e3, 2 * spec.device_ms * n / 1e3)
    return y if index == spec.n_layers - 1 else torch.tanh(y)


class layer_module(torch.nn.Module):
    """Layer ``index`` as a module whose forward is ``forward_layer`` (activation and emulated
    device time included): what ``parcae.torch_profile.profile`` measures for the runtime."""

    def __init__(self, spec: model_spec, index: int):
        super().__init__()
        self.spec, self.index = spec, index
        self.linear = build_layer(spec, index)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return forward_layer(self.spec, self.index, self.linear, x)


def layer_modules(spec: model_spec) -> List[torch.nn.Module]:
    return [layer_module(spec, i) for i in range(spec.n_layers)]


def sample(spec: model_spec, index: int):
    """Input and target of sample ``index`` (a pure function of the seed and the index)."""
    g = torch.Generator().manual_seed(spec.seed * 7_919_000_003 + index)
    x = torch.randn(spec.width, generator=g, dtype=DTYPE)
    return x, torch.sin(x)


def batch(spec: model_spec, indices: List[int]):
    xs, ys = zip(*(sample(spec, i) for i in indices))
    return torch.stack(xs), torch.stack(ys)


def loss_fn(spec: model_spec, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    # Sum over samples divided by the global batch: gradients summed over replicas (all-reduce SUM)
    # and micro-batches equal the full batch's gradient, for any d and micro-batching.
    return ((out - target) ** 2).sum() / spec.global_batch


class adam_state:
    """One layer's trained state: parameters and Adam's two moments (the profile's k = 2).
    Written by hand (torch.optim.Adam's update, without weight decay or amsgrad) so the state is
    a fixed list of tensors that is sent, hashed and checkpointed as one flat vector."""

    def __init__(self, layer: torch.nn.Module):
        self.layer = layer
        self.params = [layer.weight, layer.bias]
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]
        # The data position as this layer saw it: (count, sum, sum of squares) of the sample
        # indices whose gradients it was updated with. Part of the state (sent, checkpointed,
        # rolled back with it), so "no sample trained twice or skipped" is checked on the model
        # itself: every layer must end with the sums of 0 .. steps * B - 1. Exact in float64.
        self.seen = torch.zeros(3, dtype=DTYPE)

    def tensors(self) -> List[torch.Tensor]:
        return [p.data for p in self.params] + self.exp_avg + self.exp_avg_sq + [self.seen]

    def flat(self) -> torch.Tensor:
        return torch.cat([t.reshape(-1) for t in self.tensors()])

    def load_flat(self, v: torch.Tensor) -> None:
        off = 0
        for t in self.tensors():
            n = t.numel()
            t.copy_(v[off : off + n].view_as(t))
            off += n

    def numel(self) -> int:
        return sum(t.numel() for t in self.tensors())

    def step(self, spec: model_spec, step: int, seen: torch.Tensor, beta1=0.9, beta2=0.999,
             eps=1e-8) -> None:
        """Adam step number ``step`` (1-based), as torch.optim.Adam computes it; ``seen`` adds
        the step's samples to the data position (see ``seen_of``)."""
        self.seen += seen
        with torch.no_grad():
            for p, m, v in zip(self.params, self.exp_avg, self.exp_avg_sq):
                g = p.grad if p.grad is not None else torch.zeros_like(p)
                m.mul_(beta1).add_(g, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                bc1 = 1 - beta1**step
                bc2 = 1 - beta2**step
                denom = (v.sqrt() / bc2**0.5).add_(eps)
                p.addcdiv_(m, denom, value=-spec.lr / bc1)
                p.grad = None


def seen_of(indices: List[int]) -> torch.Tensor:
    t = torch.tensor([float(i) for i in indices], dtype=DTYPE)
    return torch.stack([torch.tensor(float(len(indices)), dtype=DTYPE), t.sum(), (t * t).sum()])


def expected_seen(spec: model_spec, steps: int) -> torch.Tensor:
    return seen_of(list(range(steps * spec.global_batch)))


def layer_states(spec: model_spec) -> Dict[int, adam_state]:
    return {i: adam_state(build_layer(spec, i)) for i in range(spec.n_layers)}


def train_reference(spec: model_spec, steps: int) -> Dict[int, adam_state]:
    """The same model trained without preemptions, one process, the whole global batch per step:
    step s trains samples [s * B, (s + 1) * B)."""
    states = layer_states(spec)
    for s in range(steps):
        idx = list(range(s * spec.global_batch, (s + 1) * spec.global_batch))
        x, y = batch(spec, idx)
        for i in range(spec.n_layers):
            x = forward_layer(spec, i, states[i].layer, x)
        loss_fn(spec, x, y).backward()
        for i in range(spec.n_layers):
            states[i].step(spec, s + 1, seen_of(idx))
    return states
