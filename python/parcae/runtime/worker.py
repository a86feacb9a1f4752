"""One worker process = one instance with one device (CPU here), running its slot of the job.

    python3 -m parcae.runtime.worker --etcd 127.0.0.1:2379 --job J --instance 3 --run-dir DIR

Life of a worker: register ``members/<instance>`` under a lease (kept alive by a thread); wait
for a decision that places it; execute it (new process group, agree on the step, roll back an
unfinished step, receive or send layer state, new per-stage groups); train its (pipeline, stage)
until the next decision or a failure; repeat. SIGTERM is a preemption notice: the worker marks
its member key, keeps training until the controller's decision drains it, sends what the decision
asks of it, and exits.

Why each step cannot leave the model inconsistent: every step ends with an all-reduce over all
trainers (the commit barrier, which also carries the highest decision number anyone has seen, so
everyone switches at the same step); a worker applies its update only after the barrier. If any
worker applied step k+1, every worker had entered the barrier of k+1, so every survivor is at k or
k+1; the next decision agrees on the minimum and workers at k+1 restore the copy they kept of k.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import hashlib
import json
import os
import queue
import signal
import sys
import threading
import time
from typing import Dict, List, Optional, Tuple

import torch
import torch.distributed as dist

from . import store
from .model import adam_state, batch, build_layer, forward_layer, loss_fn, model_spec, seen_of
from .policy import partition

# A survivor blocked on a dead or departed peer must notice within a bounded time: collectives
# use the group's timeout, point-to-point waits are given it explicitly (gloo's default is none).
GLOO_TIMEOUT = datetime.timedelta(seconds=15)


def send(t: torch.Tensor, rank: int) -> None:
    dist.isend(t, rank).wait(GLOO_TIMEOUT)


def recv(t: torch.Tensor, rank: int) -> None:
    dist.irecv(t, rank).wait(GLOO_TIMEOUT)


def layer_hash(state: adam_state) -> str:
    return hashlib.sha256(state.flat().numpy().tobytes()).hexdigest()[:16]


class checkpoint_dir:
    """Per-layer files ``layer-<l>-step-<s>.pt``, written atomically by pipeline 0's stages;
    step s is usable when every layer has it. Step 0 (the initial model) always is."""

    def __init__(self, path: str, n_layers: int):
        self.path = path
        self.n_layers = n_layers
        os.makedirs(path, exist_ok=True)

    def write(self, layer: int, step: int, state: adam_state) -> None:
        final = os.path.join(self.path, f"layer-{layer}-step-{step}.pt")
        tmp = final + f".tmp{os.getpid()}"
        torch.save(state.flat(), tmp)
        os.replace(tmp, final)

    def latest(self) -> int:
        steps: Dict[int, int] = {}
        for name in os.listdir(self.path):
            if name.endswith(".pt"):
                s = int(name[:-3].split("-")[3])
                steps[s] = steps.get(s, 0) + 1
        complete = [s for s, n in steps.items() if n == self.n_layers]
        return max(complete, default=0)

    def load(self, spec: model_spec, layer: int, step: int) -> adam_state:
        state = adam_state(build_layer(spec, layer))
        if step > 0:
            state.load_flat(torch.load(os.path.join(self.path, f"layer-{layer}-step-{step}.pt")))
        return state


class worker:
    def __init__(self, endpoint: str, job: str, instance: int, run_dir: str, ttl: int = 2):
        self.keys = store.job_keys(job)
        self.client = store.connect(endpoint)
        self.instance = instance
        self.run_dir = run_dir
        spec = store.get_json(self.client, self.keys.spec)
        self.spec = model_spec(**spec["model"])
        self.total_steps = int(spec["steps"])
        self.checkpoint_every = int(spec.get("checkpoint_every", 10))
        self.step_sleep_s = float(spec.get("step_sleep_s", 0.0))
        self.ckpt = checkpoint_dir(os.path.join(run_dir, "checkpoint"), self.spec.n_layers)
        os.makedirs(os.path.join(run_dir, "log"), exist_ok=True)
        self.log_file = open(os.path.join(run_dir, "log", f"worker-{instance:06d}.jsonl"), "a")
        self.layers: Dict[int, adam_state] = {}
        self.step = 0
        self.snapshot: Optional[Tuple[int, Dict[int, torch.Tensor]]] = None
        self.seq = 0  # last decision executed
        self.decisions: "queue.Queue[dict]" = queue.Queue()
        self.latest_seen = 0
        self.notice = threading.Event()
        self.lease = self.client.lease(ttl)
        self._register(False)
        self._stop = threading.Event()
        threading.Thread(target=self._keepalive, args=(ttl,), daemon=True).start()
        self._watch()
        signal.signal(signal.SIGTERM, self._on_sigterm)

    # --- etcd -----------------------------------------------------------------------------
    def _register(self, notice) -> None:
        self.client.put(self.keys.member(self.instance),
                        json.dumps({"pid": os.getpid(), "notice": notice}), lease=self.lease)

    def _keepalive(self, ttl: int) -> None:
        while not self._stop.wait(ttl / 4):
            try:
                self.lease.refresh()
            except Exception:
                pass

    def _watch(self) -> None:
        # Existing decisions first, then every later one, in order (watch from the read revision).
        resp = self.client.get_prefix(self.keys.decisions)
        existing = sorted((json.loads(v) for v, _ in resp), key=lambda x: x["sequence"])
        revision = self.client.get(self.keys.spec)[1].mod_revision
        for _, meta in self.client.get_prefix(self.keys.root):
            revision = max(revision, meta.mod_revision)
        for dec in existing:
            self._push(dec)
        events, self._cancel = self.client.watch_prefix(
            self.keys.decisions, start_revision=revision + 1)

        def pump() -> None:
            try:
                for ev in events:
                    if isinstance(ev, store.etcd3.events.PutEvent):
                        self._push(json.loads(ev.value))
            except Exception:
                pass

        threading.Thread(target=pump, daemon=True).start()

    def _push(self, dec: dict) -> None:
        if dec["sequence"] > self.latest_seen:
            self.latest_seen = dec["sequence"]
            self.decisions.put(dec)

    def _on_sigterm(self, signum, frame) -> None:
        self.notice.set()
        try:
            self._register(time.time())
        except Exception:
            pass

    def log(self, **fields) -> None:
        fields["t"] = time.time()
        fields["instance"] = self.instance
        self.log_file.write(json.dumps(fields) + "\n")
        self.log_file.flush()

    def ack(self, seq: int, **fields) -> None:
        if getattr(self, "_ack", (None, {}))[0] == seq:  # keep the execution's timings
            fields = {**self._ack[1], **fields}
        fields["instance"] = self.instance
        self._ack = (seq, fields)
        self.client.put(self.keys.ack(seq, self.instance), json.dumps(fields))

    # --- main loop ------------------------------------------------------------------------
    def run(self) -> None:
        try:
            while True:
                if self.client.get(self.keys.done)[0] is not None:
                    return
                if self.notice.is_set() and not self.layers:
                    return  # a spare (or not yet placed) under notice has nothing to hand over
                try:
                    dec = self.decisions.get(timeout=0.5)
                except queue.Empty:
                    continue
                # Decisions are executed in order; a newer one in the queue supersedes nothing:
                # the controller issues seq+1 only after seq settled.
                t_recv = time.time()
                me = self._placement(dec)
                role = self.execute(dec, t_recv)
                if role == "leave":
                    return
                if role == "train":
                    self.train(dec, me)
        finally:
            self._stop.set()
            try:
                if dist.is_initialized():
                    dist.destroy_process_group()
            except Exception:
                pass
            try:
                self.lease.revoke()
            except Exception:
                pass

    def _placement(self, dec: dict) -> Optional[dict]:
        for pl in dec["placements"]:
            if pl["instance"] == self.instance and pl["pipeline"] >= 0:
                return pl
        return None

    # --- executing a decision ---------------------------------------------------------------
    def execute(self, dec: dict, t_recv: float) -> str:
        seq = dec["sequence"]
        self.seq = seq
        me = self._placement(dec)
        fetches = dec["fetches"]
        senders = {f["source"] for f in fetches if not f["from_checkpoint"]}
        trainers = sorted(pl["instance"] for pl in dec["placements"] if pl["pipeline"] >= 0)
        world = sorted(set(trainers) | senders)
        self._teardown()
        t_torn = time.time()  # the teardown is the cost model's proc_ms (runtime.calibrate)
        if self.instance not in world:
            # A spare: its old state would be stale after the next step; the controller never
            # names a spare as a source.
            self.layers, self.snapshot = {}, None
            self.ack(seq, ok=True, role="spare", t_recv=t_recv, t_ready=time.time())
            return "leave" if self.notice.is_set() else "spare"
        try:
            rank = world.index(self.instance)
            self.rank_of = {inst: r for r, inst in enumerate(world)}
            st = dist.FileStore(os.path.join(self.run_dir, f"store-{seq:08d}"), len(world))
            dist.init_process_group("gloo", store=st, rank=rank, world_size=len(world),
                                    timeout=GLOO_TIMEOUT)
            t_group = time.time()
            self._agree_step(dec)
            t_agree = time.time()
            sent = self._transfer(dec, me)
            t_transfer = time.time()
            self._make_groups(dec, world)
            if me is not None:
                keep = range(me["first_layer"], me["end_layer"])
                missing = [l for l in keep if l not in self.layers]
                if missing:
                    raise RuntimeError(f"decision {seq}: layers {missing} neither held nor fetched")
                self.layers = {l: self.layers[l] for l in keep}
            t_ready = time.time()
            hashes = {str(l): layer_hash(s) for l, s in self.layers.items()} if me else {}
            self.log(ev="exec", seq=seq, kind=dec["kind"], step=self.step, hashes=hashes,
                     sent=sent, pipeline=me["pipeline"] if me else -1,
                     stage=me["stage"] if me else -1)
            self.ack(seq, ok=True, role="train" if me else "send", step=self.step,
                     t_recv=t_recv, t_torn=t_torn, t_group=t_group, t_agree=t_agree,
                     t_transfer=t_transfer, t_ready=t_ready, sent_bytes=sum(v["bytes"] for v in sent.values()))
        except Exception as e:  # a peer died during the migration: the controller re-plans
            self._teardown()
            self.log(ev="exec_failed", seq=seq, error=repr(e))
            self.layers, self.snapshot = {}, None  # what was half-received is not a state
            self.ack(seq, ok=False, error=repr(e), t_recv=t_recv, t_ready=time.time())
            return "leave" if self.notice.is_set() else "failed"
        if me is None:  # a sender only: a drained one (under notice) goes, a spare waits
            self.layers, self.snapshot = {}, None
            self._teardown()
            return "leave" if self.notice.is_set() else "spare"
        return "train"

    def _teardown(self) -> None:
        """Drops every process group now: the sockets close, so peers still blocked on this
        worker fail at once instead of at their timeout (the subgroups hold connections too)."""
        if dist.is_initialized():
            dist.destroy_process_group()
        self.stage_groups, self.train_group = [], None
        gc.collect()

    def _agree_step(self, dec: dict) -> None:
        restart = any(f["from_checkpoint"] for f in dec["fetches"])
        if restart:
            # Every stage reloads the newest complete checkpoint (policy.py says why).
            step = self.ckpt.latest()
            me = self._placement(dec)
            self.layers = {}
            if me is not None:
                for l in range(me["first_layer"], me["end_layer"]):
                    self.layers[l] = self.ckpt.load(self.spec, l, step)
            self.step, self.snapshot = step, None
            self.log(ev="restart", seq=dec["sequence"], step=step)
            return
        has = bool(self.layers)
        lo = torch.tensor([self.step if has else 2**40], dtype=torch.int64)
        dist.all_reduce(lo, op=dist.ReduceOp.MIN)
        k = int(lo.item())
        if has and self.step == k + 1:
            snap_step, snap = self.snapshot
            assert snap_step == k, (snap_step, k)
            for l, v in snap.items():
                if l in self.layers:
                    self.layers[l].load_flat(v)
            self.log(ev="rollback", seq=dec["sequence"], from_step=self.step, to_step=k)
        elif has and self.step != k:
            raise RuntimeError(f"step {self.step} is neither {k} nor {k + 1}")
        self.step, self.snapshot = k, None

    def _transfer(self, dec: dict, me: Optional[dict]) -> Dict[str, dict]:
        """Point-to-point transfers in the decision's order (every rank walks the same list, so
        the first unfinished transfer always has both ends ready: no deadlock)."""
        sent = {}
        for f in dec["fetches"]:
            if f["from_checkpoint"]:
                continue
            layers = range(f["first_layer"], f["end_layer"])
            if f["source"] == self.instance:
                flat = torch.cat([self.layers[l].flat() for l in layers])
                t0 = time.perf_counter()
                send(flat, self.rank_of[f["instance"]])
                sent[f"{f['first_layer']}-{f['end_layer']}>{f['instance']}"] = {
                    "bytes": flat.numel() * flat.element_size(),
                    "s": time.perf_counter() - t0,
                    "hashes": {str(l): layer_hash(self.layers[l]) for l in layers}}
            elif f["instance"] == self.instance:
                fresh = {l: adam_state(build_layer(self.spec, l)) for l in layers}
                flat = torch.empty(sum(s.numel() for s in fresh.values()), dtype=torch.float64)
                recv(flat, self.rank_of[f["source"]])
                off = 0
                for l, s in fresh.items():
                    s.load_flat(flat[off : off + s.numel()])
                    off += s.numel()
                self.layers.update(fresh)
        return sent

    def _make_groups(self, dec: dict, world: List[int]) -> None:
        d, p = dec["target"]["d"], dec["target"]["p"]
        slot = {(pl["pipeline"], pl["stage"]): pl["instance"]
                for pl in dec["placements"] if pl["pipeline"] >= 0}
        self.slot_rank = {k: self.rank_of[v] for k, v in slot.items()}
        # Every rank creates every group, in the same order (torch.distributed.new_group's rule).
        self.stage_groups = [dist.new_group([self.slot_rank[(i, j)] for i in range(d)])
                             for j in range(p)]
        self.train_group = dist.new_group(sorted(self.slot_rank.values()))

    # --- training -------------------------------------------------------------------------
    def train(self, dec: dict, me: dict) -> None:
        d, p = dec["target"]["d"], dec["target"]["p"]
        i, j = me["pipeline"], me["stage"]
        seq = dec["sequence"]
        spec = self.spec
        # Each pipeline's share [a, b) of a step's samples (the first ones get one more): the
        # same even split as the layers' partition.
        shares = partition(spec.global_batch, d)
        order = sorted(self.layers)
        while self.step < self.total_steps:
            base = self.step * spec.global_batch
            a, b = shares[i]
            mine = list(range(base + a, base + b))
            micro = [mine[k : k + spec.micro_batch] for k in range(0, len(mine), spec.micro_batch)]
            try:
                saved = []
                for mb in micro:  # GPipe: all forwards, then all backwards
                    if j == 0:
                        x, _ = batch(spec, mb)
                    else:
                        x = torch.empty(len(mb), spec.width, dtype=torch.float64)
                        recv(x, self.slot_rank[(i, j - 1)])
                    inp = x.requires_grad_(j > 0)
                    out = inp
                    for l in order:
                        out = forward_layer(spec, l, self.layers[l].layer, out)
                    if j < p - 1:
                        send(out.detach(), self.slot_rank[(i, j + 1)])
                    saved.append((mb, inp, out))
                for mb, inp, out in saved:
                    if j == p - 1:
                        _, y = batch(spec, mb)
                        loss_fn(spec, out, y).backward()
                    else:
                        g = torch.empty_like(out)
                        recv(g, self.slot_rank[(i, j + 1)])
                        out.backward(g)
                    if j > 0:
                        send(inp.grad, self.slot_rank[(i, j - 1)])
                # Data-parallel all-reduce of the stage's gradients, with the samples' data
                # position (count, sum, sum of squares) riding along.
                grads = [q.grad for l in order for q in self.layers[l].params]
                flat = torch.cat([g.reshape(-1) for g in grads] + [seen_of(mine)])
                if d > 1:
                    dist.all_reduce(flat, group=self.stage_groups[j])
                seen = flat[-3:].clone()
                off = 0
                for g in grads:
                    g.copy_(flat[off : off + g.numel()].view_as(g))
                    off += g.numel()
                # Commit barrier: carries the newest decision anyone has seen.
                flag = torch.tensor([self.latest_seen], dtype=torch.int64)
                dist.all_reduce(flag, op=dist.ReduceOp.MAX, group=self.train_group)
            except RuntimeError as e:  # a peer is gone (gloo: connection closed / timeout)
                self._teardown()
                self.log(ev="step_failed", seq=seq, step=self.step, error=repr(e)[:200])
                for l in order:
                    for q in self.layers[l].params:
                        q.grad = None
                return
            self.snapshot = (self.step, {l: self.layers[l].flat().clone() for l in order})
            for l in order:
                self.layers[l].step(spec, self.step + 1, seen)
            self.step += 1
            self.log(ev="step", seq=seq, step=self.step, pipeline=i, stage=j, samples=[base + a, base + b])
            if i == 0 and self.step % self.checkpoint_every == 0:
                for l in order:
                    self.ckpt.write(l, self.step, self.layers[l])
            if self.step >= self.total_steps:
                if i == 0:
                    final = os.path.join(self.run_dir, "final")
                    os.makedirs(final, exist_ok=True)
                    for l in order:
                        torch.save(self.layers[l].flat(), os.path.join(final, f"layer-{l}.pt"))
                self.log(ev="finished", seq=seq, step=self.step,
                         hashes={str(l): layer_hash(s) for l, s in self.layers.items()})
                self.ack(seq, finished=True, step=self.step)
                return
            if int(flag.item()) > seq:
                return  # everyone stops here, after the same step; the next decision is queued
            if self.step_sleep_s:
                time.sleep(self.step_sleep_s)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--etcd", required=True)
    ap.add_argument("--job", required=True)
    ap.add_argument("--instance", type=int, required=True)
    ap.add_argument("--run-dir", required=True)
    ap.add_argument("--ttl", type=int, default=2)
    ap.add_argument("--wait-start", action="store_true",
                    help="register only after SIGUSR1 (a launcher's warm pool: the instance's "
                         "boot and imports are not part of the trace's join)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    if args.wait_start:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
        signal.sigwait({signal.SIGUSR1})
    w = worker(args.etcd, args.job, args.instance, args.run_dir, args.ttl)
    w.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
