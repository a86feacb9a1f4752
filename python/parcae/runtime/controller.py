"""The controller process: watches the membership in etcd and writes the decisions.

    python3 -m parcae.runtime.controller --etcd 127.0.0.1:2379 --job J --configs '{"8": [2, 4]}'

The decision itself comes from a pluggable ``decide(event) -> decision dict`` (policy.py has a
table-driven one; the parcae Controller binding plugs in the same way). Everything the controller
knows is in etcd (store.py): the last decision and the membership it was made for are written in
the same transaction as the decision, guarded by the state key's revision, so a controller killed
at any point and started again continues with the next sequence number and never writes a
decision twice or loses one.

With a clock (``keys.clock``: ``{"t0", "interval_s"}``, written by a launcher such as
replay.py) the controller decides at every interval boundary, also when nothing changed (the
parcae Controller plans proactively at on_interval), and between boundaries only when a stage
holder is lost without notice; without one, at every membership change.

Before deciding, the controller waits for the previous decision to settle (every participant
that is still alive acknowledged it): a launcher never has two migrations in flight, and when a
migration failed (a sender died) the next decision knows that no one's holdings can be trusted
and restarts from the checkpoint.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from typing import Callable, Dict, List, Optional

from . import store
from .policy import job_policy, scripted_policy, table_policy


def participants(dec: dict) -> List[int]:
    trainers = {pl["instance"] for pl in dec["placements"] if pl["pipeline"] >= 0}
    senders = {f["source"] for f in dec["fetches"] if not f["from_checkpoint"]}
    return sorted(trainers | senders)


class controller:
    def __init__(self, endpoint: str, job: str, decide: Callable[[dict], dict],
                 settle_timeout_s: float = 60.0, debounce_s: float = 0.8,
                 log: Optional[Callable[[str], None]] = None):
        self.client = store.connect(endpoint)
        self.keys = store.job_keys(job)
        self.decide = decide
        self.settle_timeout_s = settle_timeout_s
        self.debounce_s = debounce_s
        self.changed = threading.Event()
        self.log = log or (lambda line: print(line, flush=True))
        spec = store.get_json(self.client, self.keys.spec)
        self.n_layers = int(spec["model"]["n_layers"])
        self.interval_mode = False
        self.gone_since: Optional[float] = None

    def _state(self):
        value, meta = self.client.get(self.keys.state)
        if value is None:
            return {"sequence": 0, "alive": None, "previous": {"d": 0, "p": 0}}, 0
        return json.loads(value), meta.mod_revision

    def _members(self):
        members = store.prefix_json(self.client, self.keys.members)
        alive, noticed = [], []
        for key, value in members.items():
            inst = int(key.rsplit("/", 1)[1])
            (noticed if value.get("notice") else alive).append(inst)
        return sorted(alive), sorted(noticed)

    def _acks(self, seq: int) -> Dict[int, dict]:
        acks = store.prefix_json(self.client, self.keys.acks + store.seq_key(seq) + "/")
        return {int(k.rsplit("/", 1)[1]): v for k, v in acks.items()}

    def _settle(self, seq: int) -> bool:
        """Waits until every live participant of decision ``seq`` acknowledged it; True when all
        acknowledgements say ok (holdings are what the decision says)."""
        dec = store.get_json(self.client, self.keys.decision(seq))
        deadline = time.monotonic() + self.settle_timeout_s
        while True:
            acks = self._acks(seq)
            alive, noticed = self._members()
            members = set(alive) | set(noticed)
            waiting = [i for i in participants(dec) if i in members and i not in acks]
            if not waiting:
                return all(a.get("ok", True) for a in acks.values())
            if time.monotonic() > deadline:
                self.log(f"decision {seq}: no acknowledgement from {waiting}; assuming failed")
                return False
            time.sleep(0.05)

    def finished(self, state: dict) -> bool:
        seq = state["sequence"]
        if seq == 0:
            return False
        dec = store.get_json(self.client, self.keys.decision(seq))
        trainers = [pl["instance"] for pl in dec["placements"] if pl["pipeline"] >= 0]
        acks = self._acks(seq)
        return all(acks.get(i, {}).get("finished") for i in trainers)

    def clock(self) -> Optional[dict]:
        return store.get_json(self.client, self.keys.clock)

    def step(self, boundary: Optional[int] = None) -> Optional[dict]:
        """One look at the membership; writes and returns a decision when one is due.

        Without a clock (membership-driven): a decision on every membership change and on every
        notice of a stage holder. With a clock (``keys.clock``, interval mode): ``boundary`` = k
        asks for the decision of interval k (cause "interval": joins, notices and departures of
        the interval are reported together, as the parcae Controller's on_interval expects);
        between boundaries only a stage holder lost without notice (cause "failure": the job is
        stuck) is decided on at once. ``decide`` may return None (nothing to change): the state
        still records the membership and the interval."""
        state, revision = self._state()
        alive, noticed = self._members()
        seq = state["sequence"]
        prev = store.get_json(self.client, self.keys.decision(seq)) if seq else None
        placed = {pl["instance"]: (pl["first_layer"], pl["end_layer"])
                  for pl in (prev["placements"] if prev else []) if pl["pipeline"] >= 0}
        last_interval = state.get("interval", -1)
        if boundary is not None:
            if boundary <= last_interval:
                return None
            cause = "interval"
        elif self.interval_mode:
            members = set(alive) | set(noticed)
            failed = [i for i in placed if i not in members and i in (state["alive"] or [])]
            if not failed:
                return None
            cause = "failure"
        else:
            draining = [i for i in noticed if i in placed]
            if alive == state["alive"] and not draining:
                return None
            cause = "preemption_notice" if draining else "interval"
        if not alive:
            return None
        ok = self._settle(seq) if seq else False
        alive, noticed = self._members()  # may have changed while settling
        holdings = {i: r for i, r in placed.items() if i in set(alive) | set(noticed)} if ok \
            else None
        event = {"cause": cause, "alive": alive, "noticed": noticed,
                 "previous": state["previous"], "holdings": holdings,
                 "n_layers": self.n_layers, "sequence": seq + 1, "interval": boundary,
                 "known": state["alive"] or []}
        dec = self.decide(event)
        if boundary is None:
            boundary = last_interval
        ops = []
        if dec is not None:
            dec["sequence"] = seq + 1
            dec["t_decided"] = time.time()
            dec["alive"] = alive
            dec["interval"] = boundary
            ops.append(self.client.transactions.put(self.keys.decision(seq + 1), json.dumps(dec)))
            new_state = {"sequence": seq + 1, "alive": alive, "previous": dec["target"],
                         "interval": boundary}
        else:
            new_state = dict(state, alive=alive, interval=boundary)
        ops.append(self.client.transactions.put(self.keys.state, json.dumps(new_state)))
        cmp = (self.client.transactions.mod(self.keys.state) == revision) if revision else \
            (self.client.transactions.version(self.keys.state) == 0)
        ok, _ = self.client.transaction(compare=[cmp], success=ops, failure=[])
        if not ok:
            raise RuntimeError("parcae.runtime.controller: another controller wrote the state")
        if dec is None:
            self.log(f"interval {boundary} ({cause}): no change, alive={alive} noticed={noticed}")
            return None
        self.log(f"decision {seq + 1} (interval {boundary}, {cause}): {dec['kind']} -> "
                 f"({dec['target']['d']},{dec['target']['p']}) alive={alive} noticed={noticed} "
                 f"fetches={len(dec['fetches'])}")
        return dec

    def run(self, timeout_s: Optional[float] = None) -> None:
        _, meta = self.client.get(self.keys.spec)
        events, cancel = self.client.watch_prefix(self.keys.members)

        def pump() -> None:
            try:
                for _ in events:
                    self.changed.set()
            except Exception:
                pass

        threading.Thread(target=pump, daemon=True).start()
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        try:
            while deadline is None or time.monotonic() < deadline:
                state, _ = self._state()
                if self.finished(state):
                    self.client.put(self.keys.done, "1")
                    self.log(f"job finished after decision {state['sequence']}")
                    return
                clock = self.clock()
                self.interval_mode = clock is not None
                if clock is None:
                    self.step()
                    if self.changed.wait(0.5):
                        # Decide once the membership has been quiet for debounce_s (at most 4x
                        # that): leases of instances lost together expire up to a refresh
                        # period apart.
                        quiet_until = time.monotonic() + 4 * self.debounce_s
                        self.changed.clear()
                        while self.changed.wait(self.debounce_s) and \
                                time.monotonic() < quiet_until:
                            self.changed.clear()
                    continue
                self._interval_tick(clock, state)
        finally:
            cancel()

    def _interval_tick(self, clock: dict, state: dict) -> None:
        """Interval mode: the decision of every boundary k (t0 + k * interval_s) at k; a lost
        stage holder once its loss has been seen for debounce_s (leases of instances lost
        together expire up to a refresh period apart). A boundary missed while a migration
        settled is decided late, once: the later boundaries it skipped are not replayed."""
        t0, interval = float(clock["t0"]), float(clock["interval_s"])
        now = time.time()
        k = int((now - t0) // interval) if now >= t0 else -1
        if k >= 0 and k > state.get("interval", -1):
            self.gone_since = None
            self.step(boundary=k)
            return
        alive, noticed = self._members()
        if self.gone_since is None and state["sequence"] and \
                not set(state["alive"] or []) <= set(alive) | set(noticed):
            self.gone_since = time.monotonic()
        if self.gone_since is not None and time.monotonic() - self.gone_since >= self.debounce_s:
            self.gone_since = None
            self.step()
        next_boundary = t0 + (k + 1) * interval
        self.changed.wait(max(0.0, min(0.1, next_boundary - time.time())))
        self.changed.clear()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--etcd", required=True)
    ap.add_argument("--job", required=True)
    how = ap.add_mutually_exclusive_group(required=True)
    how.add_argument("--configs",
                     help='JSON map: instances -> [d, p], e.g. \'{"8": [2, 4], "4": [1, 4]}\'')
    how.add_argument("--targets", help="JSON list of [d, p], one per decision (scripted_policy)")
    how.add_argument("--policy", help='JSON: {"name": "parcae" | "reactive", "profile": path, '
                                      '"job": {Job keywords}, "controller": {Controller '
                                      'keywords}} (policy.job_policy)')
    ap.add_argument("--timeout", type=float, default=None)
    args = ap.parse_args(argv)
    if args.policy:
        decide = job_policy(json.loads(args.policy))
    elif args.targets:
        decide = scripted_policy([tuple(t) for t in json.loads(args.targets)])
    else:
        decide = table_policy({int(k): tuple(v) for k, v in json.loads(args.configs).items()})
    controller(args.etcd, args.job, decide).run(args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
