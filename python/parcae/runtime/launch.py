"""Start and stop a whole job on 127.0.0.1: etcd, the controller, workers (tests, launcher).

Every process is started in its own session (process group) and ended by ``os.killpg`` of that
group only; ``close()`` ends everything this object started, so a test's teardown leaves nothing
running.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Dict, List, Optional

from . import store
from .model import model_spec

PYTHON = sys.executable


class local_job:
    def __init__(self, run_dir: str, spec: model_spec, steps: int, job: str = "job",
                 checkpoint_every: int = 10, step_sleep_s: float = 0.0, ttl: int = 2):
        self.run_dir = run_dir
        self.job = job
        self.ttl = ttl
        os.makedirs(run_dir, exist_ok=True)
        self.etcd = store.etcd_server(os.path.join(run_dir, "etcd"))
        self.endpoint = self.etcd.start()
        self.client = store.connect(self.endpoint)
        self.keys = store.job_keys(job)
        self.client.put(self.keys.spec, json.dumps(
            {"model": spec.to_dict(), "steps": steps, "checkpoint_every": checkpoint_every,
             "step_sleep_s": step_sleep_s}))
        self.workers: Dict[int, subprocess.Popen] = {}
        self.controller: Optional[subprocess.Popen] = None
        self.env = dict(os.environ, OMP_NUM_THREADS="1",
                        PYTHONPATH=os.pathsep.join(p for p in sys.path if p))

    def _spawn(self, args: List[str], log_name: str) -> subprocess.Popen:
        log = open(os.path.join(self.run_dir, log_name), "a")
        return subprocess.Popen([PYTHON, "-m"] + args, stdout=log, stderr=subprocess.STDOUT,
                                env=self.env, start_new_session=True)

    def start_worker(self, instance: int, wait_start: bool = False) -> None:
        """Starts worker ``instance``; with ``wait_start`` it imports and connects but registers
        only on ``release_worker`` (SIGUSR1), so a join costs what joining costs, not a boot."""
        self.workers[instance] = self._spawn(
            ["parcae.runtime.worker", "--etcd", self.endpoint, "--job", self.job,
             "--instance", str(instance), "--run-dir", self.run_dir, "--ttl", str(self.ttl)]
            + (["--wait-start"] if wait_start else []),
            f"worker-{instance:06d}.out")

    def release_worker(self, instance: int) -> None:
        self.signal_worker(instance, signal.SIGUSR1)

    def start_controller(self, configs: Optional[Dict[int, tuple]] = None,
                         targets: Optional[List[tuple]] = None,
                         policy: Optional[dict] = None) -> None:
        """One of: ``configs`` (table_policy), ``targets`` (scripted_policy), ``policy`` (a
        job-backed policy: ``{"name": "parcae" | "reactive", "profile": path, "job": {...},
        "controller": {...}}``, see policy.job_policy)."""
        if policy is not None:
            how = ["--policy", json.dumps(policy)]
        elif targets is not None:
            how = ["--targets", json.dumps([list(t) for t in targets])]
        else:
            how = ["--configs", json.dumps({str(k): list(v) for k, v in configs.items()})]
        self.controller = self._spawn(
            ["parcae.runtime.controller", "--etcd", self.endpoint, "--job", self.job] + how,
            "controller.out")

    def signal_worker(self, instance: int, sig: int) -> None:
        proc = self.workers[instance]
        if proc.poll() is None:
            os.killpg(proc.pid, sig)

    def start_clock(self, t0: float, interval_s: float) -> None:
        """Interval boundaries t0 + k * interval_s: the controller decides at each (controller.py)."""
        self.client.put(self.keys.clock, json.dumps({"t0": t0, "interval_s": interval_s}))

    def kill_controller(self) -> None:
        if self.controller is not None and self.controller.poll() is None:
            os.killpg(self.controller.pid, signal.SIGKILL)
            self.controller.wait(10)

    def members(self) -> List[int]:
        return sorted(int(k.rsplit("/", 1)[1]) for k in
                      store.prefix_json(self.client, self.keys.members))

    def decisions(self) -> List[dict]:
        return sorted(store.prefix_json(self.client, self.keys.decisions).values(),
                      key=lambda d: d["sequence"])

    def acks(self, seq: int) -> Dict[int, dict]:
        a = store.prefix_json(self.client, self.keys.acks + store.seq_key(seq) + "/")
        return {int(k.rsplit("/", 1)[1]): v for k, v in a.items()}

    def wait(self, predicate, timeout_s: float, what: str, poll_s: float = 0.05):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(poll_s)
        raise TimeoutError(f"parcae.runtime.launch: timed out after {timeout_s} s waiting for {what}")

    def done(self) -> bool:
        return self.client.get(self.keys.done)[0] is not None

    def worker_log(self) -> List[dict]:
        out = []
        log_dir = os.path.join(self.run_dir, "log")
        for name in sorted(os.listdir(log_dir)) if os.path.isdir(log_dir) else []:
            with open(os.path.join(log_dir, name)) as f:
                out += [json.loads(line) for line in f if line.strip()]
        return sorted(out, key=lambda e: e["t"])

    def close(self) -> None:
        procs = list(self.workers.values()) + ([self.controller] if self.controller else [])
        for proc in procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        self.etcd.stop()


def migration_report(job: local_job) -> List[dict]:
    """Per decision: kind, target, the measured migration (decision written -> last participant
    ready to train; and its parts: process group, step agreement, transfers), bytes sent."""
    rows = []
    for dec in job.decisions():
        acks = [a for a in job.acks(dec["sequence"]).values() if "t_ready" in a]
        if not acks:
            continue
        ready = max(a["t_ready"] for a in acks)
        rows.append({
            "sequence": dec["sequence"], "kind": dec["kind"],
            "target": (dec["target"]["d"], dec["target"]["p"]),
            "measured_s": ready - dec["t_decided"],
            "group_s": max(a.get("t_group", a["t_ready"]) - a["t_recv"] for a in acks),
            "transfer_s": max(a.get("t_transfer", a["t_ready"]) - a.get("t_agree", a["t_recv"])
                              for a in acks),
            "sent_bytes": sum(a.get("sent_bytes", 0) for a in acks),
            "expected_cost_s": dec.get("expected_cost_s", 0.0)})
    return rows
