"""etcd keys of one job, and starting a private etcd on loopback.

Layout under ``/parcae/<job>/`` (the original Parcae runtime and TorchElastic's etcd rendezvous
keep membership in etcd the same way):

* ``spec``                    the job: model spec, steps, checkpoint period (written once)
* ``members/<instance>``      one per live worker, attached to the worker's lease (liveness);
                              value ``{"pid", "notice": false | deadline}``
* ``decisions/<seq>``         every decision, never rewritten (the history; workers watch it)
* ``controller/state``        the controller's state (last sequence, the membership it decided
                              on); written in the same transaction as the decision
* ``acks/<seq>/<instance>``   a worker's outcome of executing decision ``seq`` (timings, ok)
* ``done``                    the job finished
* ``clock``                   optional: ``{"t0", "interval_s"}``, the interval boundaries at
                              which the controller decides (controller.py); written once
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from typing import Any, Dict, Optional, Tuple

import etcd3


def seq_key(seq: int) -> str:
    return f"{seq:08d}"


class job_keys:
    def __init__(self, job: str):
        self.root = f"/parcae/{job}/"
        self.spec = self.root + "spec"
        self.members = self.root + "members/"
        self.decisions = self.root + "decisions/"
        self.state = self.root + "controller/state"
        self.acks = self.root + "acks/"
        self.done = self.root + "done"
        self.clock = self.root + "clock"

    def member(self, instance: int) -> str:
        return f"{self.members}{instance:06d}"

    def decision(self, seq: int) -> str:
        return self.decisions + seq_key(seq)

    def ack(self, seq: int, instance: int) -> str:
        return f"{self.acks}{seq_key(seq)}/{instance:06d}"


def connect(endpoint: str) -> etcd3.Etcd3Client:
    host, port = endpoint.rsplit(":", 1)
    return etcd3.client(host=host, port=int(port), timeout=10)


def get_json(client: etcd3.Etcd3Client, key: str) -> Optional[Any]:
    value, _ = client.get(key)
    return None if value is None else json.loads(value)


def prefix_json(client: etcd3.Etcd3Client, prefix: str) -> Dict[str, Any]:
    return {m.key.decode(): json.loads(v) for v, m in client.get_prefix(prefix)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class etcd_server:
    """A private etcd on 127.0.0.1 (client and peer ports picked free), in its own process group
    so ``stop()`` ends it and nothing else. Used by the tests and the launcher."""

    def __init__(self, data_dir: str, binary: str = "etcd"):
        self.data_dir = data_dir
        self.binary = binary
        self.proc: Optional[subprocess.Popen] = None
        self.endpoint = ""

    def start(self, timeout_s: float = 20.0) -> str:
        if shutil.which(self.binary) is None:
            raise RuntimeError(f"parcae.runtime: no {self.binary} binary (Debian etcd-server)")
        client_port, peer_port = free_port(), free_port()
        self.endpoint = f"127.0.0.1:{client_port}"
        os.makedirs(self.data_dir, exist_ok=True)
        log = open(os.path.join(self.data_dir, "etcd.log"), "w")
        self.proc = subprocess.Popen(
            [self.binary, "--name", "parcae", "--data-dir", os.path.join(self.data_dir, "data"),
             "--listen-client-urls", f"http://{self.endpoint}",
             "--advertise-client-urls", f"http://{self.endpoint}",
             "--listen-peer-urls", f"http://127.0.0.1:{peer_port}",
             "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer_port}",
             "--initial-cluster", f"parcae=http://127.0.0.1:{peer_port}"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                connect(self.endpoint).status()
                return self.endpoint
            except Exception:  # not up yet
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("parcae.runtime: etcd did not start (see etcd.log in the data dir)")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None
