"""A small Python policy: which (d, p) for how many instances, and how to get there.

The runtime only needs a callable ``decide(event) -> decision dict`` (the controller's
pluggable part). This module gives one for tests and for running without the C++ controller:
``table_policy(configs)`` takes a map from the number of usable instances to (d, p), and
``plan_migration`` turns a target into the placements, layer fetches and migration kind of
``parcae::runtime::decision`` (include/parcae/runtime/decision.hpp), from what each instance holds.
The parcae Controller binding produces the same dict from the liveput planner (controller.py).

Decision dict (field names as in decision.hpp; one GPU per instance here)::

    {"sequence", "cause", "previous": {"d", "p"}, "target": {"d", "p"}, "kind",
     "placements": [{"instance", "gpu", "pipeline", "stage", "first_layer", "end_layer"}],
     "fetches": [{"instance", "gpu", "first_layer", "end_layer", "from_checkpoint",
                  "source", "source_gpu"}],
     "expected_cost_s", ...}

Event dict: ``{"cause", "alive": [ids], "noticed": [ids], "previous": {"d", "p"},
"holdings": {id: [first, end)} or None (unknown: a migration failed), "n_layers"}``.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Tuple


def partition(n_layers: int, p: int) -> List[Tuple[int, int]]:
    """Contiguous, as even as possible; the first ``n % p`` stages get one more layer."""
    base, extra = divmod(n_layers, p)
    out, first = [], 0
    for s in range(p):
        end = first + base + (1 if s < extra else 0)
        out.append((first, end))
        first = end
    return out


def _runs(layers: List[int], source_of: Dict[int, int]) -> List[Tuple[int, int, int]]:
    """Contiguous runs of layers with the same source: (first, end, source)."""
    runs: List[Tuple[int, int, int]] = []
    for l in layers:
        src = source_of[l]
        if runs and runs[-1][1] == l and runs[-1][2] == src:
            runs[-1] = (runs[-1][0], l + 1, src)
        else:
            runs.append((l, l + 1, src))
    return runs


def plan_migration(event: dict, d: int, p: int) -> dict:
    alive = sorted(event["alive"])
    noticed = sorted(event.get("noticed", []))
    n_layers = event["n_layers"]
    prev = event.get("previous") or {"d": 0, "p": 0}
    holdings: Optional[Dict[int, Tuple[int, int]]] = event.get("holdings")
    if d * p > len(alive):
        raise ValueError(f"plan_migration: d*p is {d * p}, but must be <= {len(alive)} alive")
    held = {} if holdings is None else {int(i): tuple(r) for i, r in holdings.items()}
    parts = partition(n_layers, p)
    slots = [(i, j) for i in range(d) for j in range(p)]
    assigned: Dict[Tuple[int, int], int] = {}
    free = list(alive)

    def overlap(inst: int, rng: Tuple[int, int]) -> int:
        h = held.get(inst)
        return 0 if h is None else max(0, min(h[1], rng[1]) - max(h[0], rng[0]))

    # Each slot takes the free instance that already holds most of its layers (survivors stay on
    # their stage: intra-stage and inter-stage keep every surviving replica where it is); a slot
    # nobody holds takes an instance that holds nothing before one that holds another stage.
    for slot in sorted(slots, key=lambda s: (s[1], s[0])):
        best = max(free, key=lambda inst: (overlap(inst, parts[slot[1]]), inst not in held, -inst))
        assigned[slot] = best
        free.remove(best)

    sources = [i for i in alive + noticed if i in held]
    fetches = []
    restart = False
    for slot in slots:
        inst = assigned[slot]
        first, end = parts[slot[1]]
        h = held.get(inst, (0, 0))
        missing = [l for l in range(first, end) if not (h[0] <= l < h[1])]
        source_of = {}
        for l in missing:
            holders = [s for s in sources if held[s][0] <= l < held[s][1] and s != inst]
            if not holders:
                restart = True
                break
            # Spread senders: the holder that sends the fewest layers so far (parallel transfers).
            load = {s: sum(1 for f in fetches if f["source"] == s) for s in holders}
            source_of[l] = min(holders, key=lambda s: (s in noticed, load[s], s))
        if restart:
            break
        for a, b, src in _runs(missing, source_of):
            fetches.append({"instance": inst, "gpu": 0, "first_layer": a, "end_layer": b,
                            "from_checkpoint": False, "source": src, "source_gpu": 0})
    if restart:
        # Some layers have no surviving copy: every stage reloads from the checkpoint (mixing
        # layers of different steps would not be a model that training ever produced).
        fetches = [{"instance": assigned[s], "gpu": 0, "first_layer": parts[s[1]][0],
                    "end_layer": parts[s[1]][1], "from_checkpoint": True, "source": 0,
                    "source_gpu": 0} for s in slots]
    placements = []
    by_inst = {inst: slot for slot, inst in assigned.items()}
    for inst in alive:
        slot = by_inst.get(inst)
        if slot is None:
            placements.append({"instance": inst, "gpu": 0, "pipeline": -1, "stage": -1,
                               "first_layer": 0, "end_layer": 0})
        else:
            a, b = parts[slot[1]]
            placements.append({"instance": inst, "gpu": 0, "pipeline": slot[0], "stage": slot[1],
                               "first_layer": a, "end_layer": b})
    if restart:
        kind = "restart"
    elif p != prev["p"]:
        kind = "pipeline"
    elif fetches:
        kind = "inter_stage"
    else:
        before = {int(i): tuple(r) for i, r in (holdings or {}).items()}
        same = d == prev["d"] and all(
            before.get(pl["instance"]) == (pl["first_layer"], pl["end_layer"])
            for pl in placements if pl["pipeline"] >= 0) and not noticed
        kind = "none" if same and len(before) == d * p else "intra_stage"
    return {"cause": event.get("cause", "interval"), "previous": dict(prev),
            "target": {"d": d, "p": p}, "kind": kind, "placements": placements,
            "fetches": fetches, "expected_cost_s": 0.0}


def table_policy(configs: Dict[int, Tuple[int, int]]) -> Callable[[dict], dict]:
    """``decide`` that runs ``configs[n]`` with n usable instances (the largest key <= n)."""

    def decide(event: dict) -> dict:
        n = len(event["alive"])
        keys = [k for k in configs if k <= n]
        if not keys:
            raise ValueError(f"table_policy: no configuration for {n} instances")
        d, p = configs[max(keys)]
        return plan_migration(event, d, p)

    return decide


def scripted_policy(targets: Sequence[Tuple[int, int]]) -> Callable[[dict], dict]:
    """``decide`` that runs ``targets[k - 1]`` at decision k (the last one after the list):
    a trace with a known sequence of migrations, for tests. Keyed by the decision number the
    controller passes in the event, so a restarted controller continues the script."""

    def decide(event: dict) -> dict:
        d, p = targets[min(event["sequence"], len(targets)) - 1]
        return plan_migration(event, d, p)

    return decide


def _pair(c) -> dict:
    return dict(c) if isinstance(c, dict) else {"d": int(c[0]), "p": int(c[1])}


def _executable(dec: dict, event: dict) -> dict:
    """The binding's decision as the workers execute it. Two adaptations, each recorded in
    ``dec["adapted"]``: a restart reloads every stage from the checkpoint (the runtime never mixes
    reloaded and transferred layers: policy.plan_migration says why); a decision that trusts
    holdings the runtime cannot vouch for (a migration failed, so ``holdings`` is None, or a named
    source does not hold the layers) becomes a checkpoint restart onto the same placement."""
    dec["previous"], dec["target"] = _pair(dec["previous"]), _pair(dec["target"])
    held = event.get("holdings")
    trainers = [pl for pl in dec["placements"] if pl["pipeline"] >= 0]

    def holds(inst, a, b):
        h = None if held is None else held.get(inst, held.get(str(inst)))
        return h is not None and h[0] <= a and b <= h[1]

    fetched = {f["instance"] for f in dec["fetches"]}
    trusted = held is not None and all(
        f["from_checkpoint"] or holds(f["source"], f["first_layer"], f["end_layer"])
        for f in dec["fetches"]) and all(
        pl["instance"] in fetched or holds(pl["instance"], pl["first_layer"], pl["end_layer"])
        for pl in trainers)
    if any(f["from_checkpoint"] for f in dec["fetches"]) or not trusted:
        if not trusted:
            dec["adapted"] = "restart: holdings unknown or not as the controller assumed"
            dec["kind"] = "restart"
        dec["fetches"] = [{"instance": pl["instance"], "gpu": 0, "first_layer": pl["first_layer"],
                           "end_layer": pl["end_layer"], "from_checkpoint": True, "source": 0,
                           "source_gpu": 0} for pl in trainers]
    return dec


def parcae_policy(job, **controller_kwargs) -> Callable[[dict], Optional[dict]]:
    """``decide`` backed by the C++ decision loop: a ``parcae.Controller(job, ...)`` (liveput
    planner) is told what the runtime saw and its decision (``Decision.to_dict()``, the fields of
    decision.hpp) is what the workers execute. The job's profile must have the runtime model's
    layer count (e.g. one measured by ``parcae.torch_profile`` on ``model.layer_modules``).

    Events (controller.py): cause "interval" (an interval boundary, clock mode) reports the
    interval's joins and departures (noticed or not) with ``on_interval(alive, joined,
    preempted)``, the call the simulator's default ("notice") makes each interval; cause
    "failure" (a stage holder lost mid-interval without notice) is ``on_preemption_notice(ids,
    0)``, and those ids are reported as preempted at the next boundary. Without a clock (every
    membership change is an event) each event is one ``on_interval``. Returns None when the
    Controller keeps its placement at a boundary; at a membership change without a clock the
    runtime still needs a decision to regroup, so the current (d, p) is re-planned by
    ``plan_migration``. Every decision carries ``binding`` (the Controller's decision as it
    came, before ``_executable``) so tests can check that the workers ran the binding's choice.

    Limits: the Controller's availability history lives in this process, so a restarted runtime
    controller replans from a fresh history (the decisions and placements survive in etcd).
    """
    import parcae

    got: List[object] = []
    ctl = parcae.Controller(job, reconfigure=got.append, **controller_kwargs)
    known: List[int] = []  # alive as the Controller knows it
    lost: List[int] = []  # reported by on_preemption_notice since the last boundary

    def decide(event: dict) -> Optional[dict]:
        alive = sorted(event["alive"])
        cause = event.get("cause", "interval")
        got.clear()
        if cause == "failure":
            gone = [i for i in known if i not in alive]
            ctl.on_preemption_notice(gone, 0.0)
            lost.extend(gone)
            known[:] = [i for i in known if i in alive]
        else:
            joined = [i for i in alive if i not in known]
            preempted = sorted(set(lost) | {i for i in known if i not in alive})
            ctl.on_interval(alive, joined, preempted)
            lost.clear()
            known[:] = alive
        if not got:
            if event.get("interval") is not None or cause == "failure":
                return None
            d, p = tuple(ctl.current_config())
            return plan_migration(event, d, p)
        raw = got[-1].to_dict()
        dec = _executable(dict(raw), event)
        dec["cause"] = cause
        dec["binding"] = {"sequence": raw["sequence"], "kind": raw["kind"],
                          "target": list(raw["target"]),
                          "expected_cost_s": raw["expected_cost_s"]}
        dec.pop("plan", None)
        return dec

    return decide


def reactive_policy(job) -> Callable[[dict], Optional[dict]]:
    """The reactive baseline (the simulator's ``reactive``, sim/baselines.hpp): at every
    boundary where instances joined or left (and at the start), a checkpoint restart into the
    throughput-optimal configuration ``job.best(n)``; nothing otherwise. A stage holder lost
    mid-interval restarts at once (the job cannot go on)."""
    known: List[int] = []

    def decide(event: dict) -> Optional[dict]:
        alive = sorted(event["alive"])
        changed = alive != known or event.get("cause") == "failure"
        known[:] = alive
        if not changed and event.get("sequence", 1) > 1:
            return None
        d, p = tuple(job.best(len(alive)))
        if d * p == 0:
            raise ValueError(f"reactive_policy: no configuration fits {len(alive)} instances")
        dec = plan_migration(dict(event, holdings=None), d, p)
        dec["cause"] = event.get("cause", "interval")
        return dec

    return decide


def job_policy(spec: dict) -> Callable[[dict], Optional[dict]]:
    """A policy from a JSON-able spec (the controller process's ``--policy``): ``name`` parcae
    or reactive, ``profile`` a parcae-profile-1 file, ``job`` keywords of parcae.Job (capacity,
    interval_s, recovery, ...), ``controller`` keywords of parcae.Controller (parcae only)."""
    import parcae

    job = parcae.Job(parcae.load_profile(spec["profile"]), **spec.get("job", {}))
    if spec["name"] == "parcae":
        return parcae_policy(job, **spec.get("controller", {}))
    if spec["name"] == "reactive":
        return reactive_policy(job)
    raise ValueError(f"job_policy: name is {spec['name']!r}, but must be 'parcae' or 'reactive'")
