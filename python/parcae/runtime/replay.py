"""A bundled availability trace replayed on real worker processes, time-compressed.

    python3 -m parcae.runtime.replay --out /tmp/replay          # the run of docs/runtime.md

What it does (docs/runtime.md, "Trace-driven run"):

1. **Trace.** A window of a bundled event trace (default: p3, minutes 41..70), downscaled to at
   most 16 instances by keeping the odd-numbered nodes (node1, node3, ...: half of the instances,
   each with its own real add/remove times), written as a named event CSV whose interval is
   ``interval_s`` wall seconds instead of a minute (``compressed_trace``).
2. **Profile.** ``parcae.torch_profile.profile`` on the runtime's own layers
   (``model.layer_modules``, emulated device time included), so the cost model describes the
   model the workers train (``measure_profile``); its restart terms are this runtime's rebuild,
   measured in a pool of running processes (``calibrate.measure_rebuild``), or pass
   ``--profile`` with terms fitted on an earlier run's acks (``calibrate fit``).
3. **Prediction.** ``parcae.simulate`` of the compressed trace with a ``parcae.Job`` of that
   profile (interval = ``interval_s``): the per-interval configuration, migration kind and cost,
   and samples of ``parcae-predict`` and ``reactive``.
4. **Run.** etcd, the controller (its clock decides at every interval boundary) and one worker
   process per instance, instance ids numbered as the simulator numbers them (order of the adds).
   ``lead_s`` before boundary k the launcher applies interval k's events: a preempted instance
   gets SIGTERM (a notice: it trains until the decision drains it, then leaves; SIGKILL after
   ``grace_s``), or SIGKILL when the preemption is without notice (``no_notice_every``); a join
   releases a worker that was started two intervals earlier and waits, imported and connected,
   for SIGUSR1 (an instance's boot is not part of the trace's join, as in the simulator).
5. **Report.** Per interval: the decision, its predicted migration time (the simulator's cost
   for that interval, i.e. the cost model on the same transition) and measured time, the
   samples trained next to the simulator's; per migration kind the median and worst ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import time
from typing import Dict, List, Optional, Tuple

def _default_trace() -> str:
    """bench/traces/parcae/p3trace.csv of the checkout: above this file (a source tree), or
    above the working directory (the package runs from a build tree's copy)."""
    rel = os.path.join("bench", "traces", "parcae", "p3trace.csv")
    for start in (os.path.dirname(os.path.abspath(__file__)), os.getcwd()):
        d = start
        while True:
            if os.path.exists(os.path.join(d, rel)):
                return os.path.join(d, rel)
            if os.path.dirname(d) == d:
                break
            d = os.path.dirname(d)
    return rel


def runtime_spec(**overrides):
    """The model of the trace-driven run: 8 layers of width 64, global batch 48 in micro-batches of 4 (12
    micro-batches: every d <= 4 gets equal shares, so T(d, p)'s ceil(12 / d) micro-batches are
    the samples the runtime trains), 2 ms of emulated device time per sample and layer."""
    from .model import model_spec

    kw = dict(n_layers=8, width=64, global_batch=48, micro_batch=4, device_ms=2.0)
    kw.update(overrides)
    return model_spec(**kw)


def device_memory_mb(doc: dict, p_min: int = 3) -> float:
    """The emulated device's memory: between the least with which depth ``p_min`` runs without
    activation recomputation and the least with which depth ``p_min - 1`` fits at all (both
    found by bisection on the library's own memory rule, perf/memory.hpp, through the binding),
    so every depth >= p_min runs as the runtime runs it (no recomputation) and smaller depths
    do not fit, as for a model too large for one GPU. Without it a tiny model is always
    all-data-parallel and the run would have no pipeline decisions to check."""
    import parcae

    def least(ok) -> float:
        lo, hi = 0.0, 1024.0
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if ok(mid) else (mid, hi)
        return hi

    def estimate(mem, p):
        d = dict(doc, cluster=dict(doc["cluster"], gpu_memory_mb=mem))
        return parcae.parse_profile(json.dumps(d), "device_memory_mb").throughput(1, p)

    runs = least(lambda m: estimate(m, p_min)["status"] == "ok" and
                 not estimate(m, p_min)["recompute"])
    fits = least(lambda m: estimate(m, p_min - 1)["status"] == "ok")
    if runs >= fits:
        raise ValueError(f"device_memory_mb: depth {p_min} needs {runs} MiB without "
                         f"recomputation, but depth {p_min - 1} fits in {fits} MiB")
    return (runs + fits) / 2


def read_events(path: str) -> List[Tuple[int, str, str]]:
    out = []
    with open(path) as f:
        for line in f:
            parts = line.strip().split(",")
            if len(parts) == 3 and parts[0].isdigit():
                out.append((int(parts[0]), parts[1], parts[2]))
    return out


def trace_window(path: str, start_min: int, minutes: int, keep: str = "odd") -> dict:
    """Instances alive at ``start_min`` (minute resolution, as the trace is) and the adds and
    removes of each of the next ``minutes`` minutes, for the nodes ``keep`` selects ("odd":
    node1, node3, ...; "even": node0, node2, ..., the other half, for a run independent of an
    "odd" one; "all")."""

    def kept(name: str) -> bool:
        if keep == "all":
            return True
        digits = "".join(ch for ch in name if ch.isdigit())
        return bool(digits) and int(digits) % 2 == (1 if keep == "odd" else 0)

    alive: List[str] = []
    intervals = [{"added": [], "removed": []} for _ in range(minutes)]
    for t_ms, kind, name in read_events(path):
        if not kept(name):
            continue
        m = t_ms // 60000
        if m <= start_min:  # the events of the first minute make its starting membership
            (alive.append if kind == "add" else alive.remove)(name)
        elif m < start_min + minutes:
            intervals[m - start_min]["added" if kind == "add" else "removed"].append(name)
    return {"initial": alive, "intervals": intervals, "source": os.path.basename(path),
            "start_min": start_min, "keep": keep}


def compressed_trace(window: dict, interval_s: float, path: str) -> None:
    """The window as an event CSV (ms,add|remove,node) with one interval = ``interval_s``: the
    initial instances join at 0, interval k's events at k * interval_s (k >= 1)."""
    ms = int(round(interval_s * 1000))
    with open(path, "w") as f:
        for name in window["initial"]:
            f.write(f"0,add,{name}\n")
        for k, ev in enumerate(window["intervals"]):
            if k == 0:
                continue
            for name in ev["removed"]:
                f.write(f"{k * ms},remove,{name}\n")
            for name in ev["added"]:
                f.write(f"{k * ms},add,{name}\n")


def instance_ids(window: dict) -> Dict[str, int]:
    """Ids as parcae's simulator numbers a named trace (sim::make_event_trace: the order of the
    add records), so the controller sees the instances the simulator's controller sees."""
    ids: Dict[str, int] = {}
    for name in window["initial"]:
        ids[name] = len(ids)
    for k, ev in enumerate(window["intervals"]):
        if k == 0:
            continue
        for name in ev["added"]:
            ids[name] = len(ids)
    return ids


def _profile_main(spec_json: str, out: str, quick: str = "") -> None:
    from parcae.torch_profile import profile

    from .model import batch, layer_modules, model_spec

    spec = model_spec(**json.loads(spec_json))
    x, _ = batch(spec, list(range(spec.micro_batch)))
    # quick (tests only): a fixed loopback-like p2p curve and no rebuild measurement, which
    # spawn processes for tens of seconds; the layers are still measured.
    p2p = {"bytes": [4, 1 << 24], "micros": [100.0, 10000.0], "rendezvous_ms": 100.0,
           "group_ms": 20.0} if quick else None
    doc = profile(layer_modules(spec), x, name="runtime-mlp", global_batch=spec.global_batch,
                  p2p=p2p, repeats=5 if quick else 10)
    doc["cluster"]["gpu_memory_mb"] = device_memory_mb(doc)
    # The runtime rebuilds its whole world at every migration (worker.execute), joins included
    # (a joining worker is already running: see run()), so the communicator term of every kind
    # is that rebuild, measured in running processes as a migration does it (runtime.calibrate).
    if quick:
        with open(out, "w") as f:
            json.dump(doc, f, indent=1)
        return
    from .calibrate import apply_terms, measure_rebuild

    rb = measure_rebuild()
    doc = apply_terms(doc, rb["fits"]["per_gpu"],
                      "rebuild in a pool of running processes (parcae.runtime.calibrate)")
    doc["cluster"]["source"] = "emulated device: depth >= 3 fits without recomputation " \
                               "(parcae.runtime.replay.device_memory_mb)"
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    with open(os.path.splitext(out)[0] + ".calibration.json", "w") as f:
        json.dump(rb, f, indent=1)


def measure_profile(spec, out: str, quick: bool = False) -> dict:
    """Part 1's profiler on the runtime's layers, in a fresh process (it spawns two gloo
    processes for the p2p curve, which needs a __main__ it can re-import)."""
    import subprocess

    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    subprocess.run([sys.executable, "-c",
                    "import sys; from parcae.runtime.replay import _profile_main; "
                    "_profile_main(sys.argv[1], sys.argv[2], sys.argv[3])",
                    json.dumps(spec.to_dict()), out, "quick" if quick else ""], check=True,
                   env=env, timeout=900)
    with open(out) as f:
        return json.load(f)


def simulate(trace_path: str, profile_path: str, job_kw: dict, sim_kw: dict) -> dict:
    """parcae sim's prediction for the same trace and profile: per policy, the timeline. Without
    rerouting unless ``sim_kw`` says otherwise: this runtime trains whole pipelines only, so its
    Controller never reroutes (policy.py), and a prediction that did would not be this run's."""
    import parcae

    job = parcae.Job(parcae.load_profile(profile_path), **job_kw)
    kw = {"reroute": False, **sim_kw}
    res = parcae.simulate(trace_path, job, ["parcae-predict", "reactive"], timeline=True,
                          interval_s=job_kw["interval_s"], **kw)
    return {r["name"]: r for r in res.policies}


# --- the run -------------------------------------------------------------------------------


def run(window: dict, out_dir: str, policy: str, profile_path: str, spec, *, interval_s: float,
        job_kw: dict, controller_kw: dict, lead_s: float = 0.4, grace_s: Optional[float] = None,
        no_notice_every: int = 0, checkpoint_every: int = 5, log=print) -> dict:
    """Replays ``window`` on workers with the controller's ``policy`` ("parcae" or "reactive");
    returns the raw record (decisions, acks, step log, boundaries). Everything started here is
    ended here."""
    from .launch import local_job

    grace_s = interval_s if grace_s is None else grace_s
    ids = instance_ids(window)
    n = len(window["intervals"])
    job = local_job(out_dir, spec, steps=10**9, checkpoint_every=checkpoint_every)
    preemptions = 0
    try:
        for name in window["initial"]:
            job.start_worker(ids[name])
        pending = {}  # interval -> names whose worker waits for SIGUSR1

        def prestart(k: int) -> None:
            if 1 <= k < n:
                for name in window["intervals"][k]["added"]:
                    job.start_worker(ids[name], wait_start=True)
                pending[k] = list(window["intervals"][k]["added"])

        prestart(1)
        prestart(2)
        job.wait(lambda: len(job.members()) == len(window["initial"]), 60, "the initial members")
        job.start_controller(policy={"name": policy, "profile": profile_path, "job": job_kw,
                                     "controller": controller_kw})
        t0 = time.time() + 1.0
        job.start_clock(t0, interval_s)
        kill_at: List[Tuple[float, int]] = []
        for k in range(1, n + 1):
            boundary = t0 + k * interval_s
            while True:  # sleep until lead_s before boundary k, ending noticed ones on time
                now = time.time()
                for t, inst in [x for x in kill_at if x[0] <= now]:
                    job.signal_worker(inst, 9)
                    kill_at.remove((t, inst))
                if now >= boundary - lead_s:
                    break
                time.sleep(min(0.05, boundary - lead_s - now))
            if k == n:
                break
            ev = window["intervals"][k]
            for name in ev["removed"]:
                preemptions += 1
                inst = ids[name]
                if no_notice_every and preemptions % no_notice_every == 0:
                    job.signal_worker(inst, 9)  # SIGKILL: a preemption without notice
                else:
                    job.signal_worker(inst, 15)  # SIGTERM: a notice; the worker drains
                    kill_at.append((boundary + grace_s, inst))
            for name in pending.pop(k, []):
                job.release_worker(ids[name])
            prestart(k + 2)
            log(f"[{policy}] interval {k}: -{len(ev['removed'])} +{len(ev['added'])} "
                f"-> {len(job.members())} members")
        t_end = t0 + n * interval_s
        record = {"policy": policy, "t0": t0, "interval_s": interval_s, "n": n, "t_end": t_end,
                  "decisions": job.decisions(),
                  "acks": {d["sequence"]: job.acks(d["sequence"]) for d in job.decisions()},
                  "log": [e for e in job.worker_log() if e["ev"] in ("step", "exec", "restart",
                                                                    "exec_failed",
                                                                    "step_failed")]}
        with open(os.path.join(out_dir, "record.json"), "w") as f:
            json.dump(record, f)
    finally:
        job.close()
    return record


# --- the report ----------------------------------------------------------------------------


def progress_at(steps: List[Tuple[float, int]], t: float) -> int:
    """The job's step at time t: the step of the latest committed step before t (a restart
    from a checkpoint moves it back: the work since that checkpoint is lost)."""
    last = 0
    for ts, s in steps:
        if ts > t:
            break
        last = s
    return last


def analyse(record: dict, sim_row: dict, spec) -> dict:
    t0, I, n = record["t0"], record["interval_s"], record["n"]
    B = spec.global_batch
    steps = sorted((e["t"], e["step"]) for e in record["log"]
                   if e["ev"] == "step" and e["stage"] == 0)
    tl = sim_row["timeline"]
    rows = []
    for k in range(n):
        a, b = t0 + k * I, t0 + (k + 1) * I
        rows.append({"interval": k, "measured_samples": B * (progress_at(steps, b) -
                                                           progress_at(steps, a)),
                     "sim_samples": tl["samples"][k], "sim_kind": tl["kind"][k],
                     "sim_config": (tl["d"][k], tl["p"][k]), "sim_cost_s": tl["cost_s"][k],
                     "instances": tl["instances"][k], "decisions": []})
    migrations = []
    decisions = record["decisions"]
    for i, dec in enumerate(decisions):
        seq = dec["sequence"]
        trainers = {pl["instance"] for pl in dec["placements"] if pl["pipeline"] >= 0}
        senders = {f["source"] for f in dec["fetches"] if not f["from_checkpoint"]}
        # Only participants: a worker that joins later executes old decisions as a spare.
        acks = [a for i, a in record["acks"][seq].items()
                if "t_ready" in a and int(i) in trainers | senders]
        # Training under the previous decision goes on until the step in which the workers saw
        # this one: the migration starts when they stopped (or when it was decided, if later).
        execs = [e["t"] for e in record["log"] if e["ev"] == "exec" and e["seq"] == seq]
        first_exec = min(execs, default=dec["t_decided"])
        prev_steps = [e["t"] for e in record["log"] if e["ev"] == "step" and
                      e["seq"] < seq and e["t"] <= first_exec]
        start = max([dec["t_decided"]] + prev_steps)
        ready = max((a["t_ready"] for a in acks), default=None)
        k = dec.get("interval", -1)
        target = (dec["target"]["d"], dec["target"]["p"])
        row = rows[k] if 0 <= k < n else None
        same = row is not None and dec["cause"] == "interval" and target == tuple(
            row["sim_config"])
        m = {"sequence": seq, "interval": k, "cause": dec["cause"], "kind": dec["kind"],
             "target": target, "ok": all(a.get("ok", True) for a in acks),
             "measured_s": None if ready is None else ready - start,
             "predicted_s": row["sim_cost_s"] if same else dec.get("expected_cost_s"),
             "predicted_from": "sim" if same else "decision",
             "binding": dec.get("binding"), "adapted": dec.get("adapted")}
        migrations.append(m)
        if row is not None:
            row["decisions"].append(m)
    kinds: Dict[str, List[float]] = {}
    for m in migrations:
        if m["measured_s"] and m["predicted_s"] is not None and m["kind"] != "none":
            kinds.setdefault(m["kind"], []).append(m["predicted_s"] / m["measured_s"])
    per_kind = {k: {"n": len(r), "median_ratio": statistics.median(r),
                    "worst_ratio": max(r, key=lambda x: abs(x - 1.0)) if r else None}
                for k, r in kinds.items()}
    measured = sum(r["measured_samples"] for r in rows)
    return {"policy": record["policy"], "intervals": rows, "migrations": migrations,
            "per_kind": per_kind, "measured_samples": measured,
            "sim_samples": float(sum(tl["samples"][:n])),
            "sim_policy": sim_row["name"]}


def format_report(res: dict) -> str:
    lines = [f"== {res['policy']} (simulator: {res['sim_policy']})",
             "| k | N | decision | sim (d,p) kind | predicted s | measured s | samples | sim |",
             "|---|---|---|---|---|---|---|---|"]
    for r in res["intervals"]:
        decs = "; ".join(
            f"#{m['sequence']} {m['cause'][:4]} {m['kind']} ({m['target'][0]},{m['target'][1]})"
            for m in r["decisions"]) or "-"
        pred = "; ".join("-" if m["predicted_s"] is None else f"{m['predicted_s']:.3f}"
                         for m in r["decisions"]) or "-"
        meas = "; ".join("-" if m["measured_s"] is None else f"{m['measured_s']:.3f}"
                         for m in r["decisions"]) or "-"
        lines.append(f"| {r['interval']} | {r['instances']} | {decs} | "
                     f"({r['sim_config'][0]},{r['sim_config'][1]}) {r['sim_kind']} | {pred} | "
                     f"{meas} | {r['measured_samples']} | {r['sim_samples']:.0f} |")
    lines.append("")
    lines.append("| kind | migrations | median predicted/measured | worst |")
    lines.append("|---|---|---|---|")
    for k, v in sorted(res["per_kind"].items()):
        lines.append(f"| {k} | {v['n']} | {v['median_ratio']:.2f} | {v['worst_ratio']:.2f} |")
    ratio = res["measured_samples"] / res["sim_samples"] if res["sim_samples"] else float("nan")
    lines.append(f"\nsamples: measured {res['measured_samples']}, simulator "
                 f"{res['sim_samples']:.0f} (measured / predicted {ratio:.3f})")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trace", default=None, help="default: the bundled p3 trace")
    ap.add_argument("--start-min", type=int, default=41)
    ap.add_argument("--minutes", type=int, default=30)
    ap.add_argument("--keep", default="odd", choices=["odd", "even", "all"])
    ap.add_argument("--interval", type=float, default=5.0, help="wall seconds per trace minute")
    ap.add_argument("--policies", default="parcae,reactive")
    ap.add_argument("--horizon", type=int, default=6)
    ap.add_argument("--no-notice-every", type=int, default=0,
                    help="every k-th preemption is a SIGKILL without notice (0: all noticed)")
    ap.add_argument("--profile", default=None, help="reuse a measured profile JSON")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    # SIGTERM ends the run through run()'s cleanup (every process it started is ended).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.makedirs(args.out, exist_ok=True)
    spec = runtime_spec()
    window = trace_window(args.trace or _default_trace(), args.start_min, args.minutes, args.keep)
    most = max([len(window["initial"])] + [0])
    alive = set(window["initial"])
    for ev in window["intervals"][1:]:
        alive -= set(ev["removed"])
        alive |= set(ev["added"])
        most = max(most, len(alive))
    if most > 16:
        raise SystemExit(f"replay: the window has {most} instances at once, but at most 16 run here")
    trace_path = os.path.join(args.out, "trace.csv")
    compressed_trace(window, args.interval, trace_path)
    profile_path = args.profile or os.path.join(args.out, "profile.json")
    if not args.profile:
        t = time.time()
        measure_profile(spec, profile_path)
        print(f"profile measured in {time.time() - t:.1f} s: {profile_path}", flush=True)
    window_s = max(3, args.horizon)
    job_kw = {"capacity": 16, "interval_s": args.interval, "recovery": "checkpoint"}
    controller_kw = {"horizon": args.horizon, "forecaster": "naive", "window": window_s,
                     "min_history": window_s}
    sim = simulate(trace_path, profile_path, job_kw,
                   {"horizon": args.horizon, "forecaster": "naive", "window": window_s})
    # The simulator's intervals end with the trace's last event: replay exactly those.
    window["intervals"] = window["intervals"][:len(sim["reactive"]["timeline"]["samples"])]
    results = {}
    for policy in args.policies.split(","):
        t = time.time()
        rec = run(window, os.path.join(args.out, policy), policy, profile_path, spec,
                  interval_s=args.interval, job_kw=job_kw, controller_kw=controller_kw,
                  no_notice_every=args.no_notice_every)
        res = analyse(rec, sim["parcae-predict" if policy == "parcae" else "reactive"], spec)
        results[policy] = res
        print(format_report(res), flush=True)
        print(f"({policy} ran in {time.time() - t:.1f} s)", flush=True)
    if "parcae" in results and "reactive" in results:
        p, r = results["parcae"]["measured_samples"], results["reactive"]["measured_samples"]
        print(f"\nparcae / reactive samples: measured {p} / {r} = {p / max(r, 1):.3f}; simulator "
              f"{results['parcae']['sim_samples']:.0f} / {results['reactive']['sim_samples']:.0f}")
    with open(os.path.join(args.out, "report.json"), "w") as f:
        json.dump({"args": vars(args), "results": results}, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
