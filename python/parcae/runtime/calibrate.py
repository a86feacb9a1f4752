"""The profile's restart terms for this runtime: measured the way a migration rebuilds, or fitted on
the acks of a replay run (docs/runtime.md, "Calibrating the cost model").

    python3 -m parcae.runtime.calibrate measure --profile IN.json --out OUT.json
    python3 -m parcae.runtime.calibrate fit RECORD.json [RECORD.json ...] --profile IN --out OUT
    python3 -m parcae.runtime.calibrate check RUN/report.json --terms PROFILE.json

What a migration of this runtime costs, whatever its kind (worker.execute): every participant
drops its process groups (``destroy_process_group`` + ``gc.collect``), joins a new gloo world of
all N participants over a FileStore (full mesh, then torch's store-based barrier over the world),
agrees on the step (one all-reduce), moves state (point-to-point, or a checkpoint load), and
creates p + 1 groups (one per stage, one of the trainers; each ``new_group`` ends with a
store-based barrier over the whole world). Only the state part is what the cost model's p2p and
checkpoint terms describe; the rest is its communicator term G(d, p) (``restart.comm``) plus
``proc_ms``, which every kind pays (perf/migration.hpp: intra_stage = G + proc; inter_stage,
pipeline and restart = state + R, R = [add: rendezvous] + G + proc + build[p]).

Both calibrations fit that part as ``G = init + unit * d * p`` (``comm.kind = per_gpu``; the
world holds the d * p trainers, plus drained senders the model cannot see) and ``proc_ms`` = the
teardown; ``rendezvous_ms = 0`` and add = remove per unit, because a joining worker of this
runtime is already running and connected to etcd (replay's warm pool), so a join rebuilds
exactly what a removal does.

* ``measure``: a pool of worker processes, started once, torch imported and a first world built
  (as running workers are), then for each (d, p) of a schedule, all released at once (as the step
  commit releases them), the runtime's sequence; measured = the slowest participant ready minus
  the release. Also the per-step commit all-reduce over the trainers (``commit_ms``), which the
  throughput model has no term for.
* ``fit``: the same form fitted on the migrations of a replay record (``replay.run``'s
  ``record.json``): measured migration minus its state part (agree + transfer, or checkpoint
  load), from the acks' timestamps. Check it on another run: a fit checked on its own data proves
  nothing.
* ``check``: a replay run's per-kind predicted / measured ratios had its cost model used another
  profile's restart terms (``recheck``), for checking terms on a run they were not fitted on.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, Iterable, List, Optional, Sequence, Tuple


# --- the fit ---------------------------------------------------------------------------------


def least_squares(xs: Sequence[float], ys: Sequence[float]) -> Tuple[float, float]:
    """(intercept, slope) of y = a + b x; with a negative intercept, the slope through the
    origin (a = 0: a rebuild cannot take negative time with no participants); with one distinct
    x, (mean y, 0)."""
    mx, my = statistics.mean(xs), statistics.mean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return my, 0.0
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    a = my - b * mx
    if a < 0:
        a, b = 0.0, sum(x * y for x, y in zip(xs, ys)) / sum(x * x for x in xs)
    return a, max(b, 0.0)


def units(kind: str, d: int, p: int) -> float:
    """The communicator term's unit count for (d, p), as comm_rebuild_params::cost_ms counts it
    (include/parcae/perf/profile.hpp)."""
    if kind == "per_gpu":
        return float(d * p)
    if kind == "per_group":
        return float(d + p + 1 + d * p)
    raise ValueError(f"units: kind {kind!r} is not per_gpu or per_group")


def fit_terms(samples: Iterable[dict], kind: str = "per_gpu") -> dict:
    """Restart terms from samples {d, p, rebuild_ms, proc_ms?}: rebuild_ms fitted as
    a + unit * units(kind, d, p) (least squares), then a split into ``proc_ms`` (the median
    teardown of the samples that measured one, at most a) and ``init_ms`` (the rest), so that
    init + proc + unit * units is the fitted line whatever the split. Returns the terms and the
    fit's residual (rms)."""
    samples = list(samples)
    if not samples:
        raise ValueError("fit_terms: no samples")
    xs = [units(kind, s["d"], s["p"]) for s in samples]
    ys = [s["rebuild_ms"] for s in samples]
    a, unit = least_squares(xs, ys)
    procs = [s["proc_ms"] for s in samples if s.get("proc_ms") is not None]
    proc = min(statistics.median(procs), a) if procs else 0.0
    resid = [y - (a + unit * x) for x, y in zip(xs, ys)]
    return {"kind": kind, "init_ms": a - proc, "unit_ms": unit, "proc_ms": proc,
            "n": len(samples), "rms_ms": (sum(r * r for r in resid) / len(resid)) ** 0.5}


def apply_terms(doc: dict, fit: dict, how: str) -> dict:
    """``doc`` (a parcae-profile-1 dict) with its restart terms replaced by ``fit``'s."""
    doc = json.loads(json.dumps(doc))
    r = doc["restart"]
    r["comm"] = {"kind": fit["kind"], "init_ms": fit["init_ms"],
                 "add_ms_per_unit": fit["unit_ms"], "remove_ms_per_unit": fit["unit_ms"]}
    r["proc_ms"] = fit["proc_ms"]
    # A join costs what a removal does here: the joining worker is already up (replay's warm
    # pool); the profiler's two-process rendezvous is inside the fitted world term.
    r["rendezvous_ms"] = 0.0
    base = r.get("source", "").split("; comm:")[0]
    r["source"] = (f"{base}; comm: {how}: G = {fit['init_ms']:.1f} ms + {fit['unit_ms']:.1f} ms"
                   f" x {'d*p' if fit['kind'] == 'per_gpu' else '(d+p+1+d*p)'}, proc "
                   f"{fit['proc_ms']:.1f} ms (rms {fit['rms_ms']:.0f} ms over {fit['n']})")
    return doc


# --- fit on a replay record ------------------------------------------------------------------


def record_samples(record: dict) -> List[dict]:
    """Per migration of a replay record (``replay.run``): its kind, target, participants, and
    the measured rebuild, i.e. the migration as replay.analyse measures it (last step before it,
    or the decision if later, to the last participant ready) minus its state part (the slowest
    participant's agree + transfer or checkpoint load, t_transfer - t_group). proc_ms: the
    slowest teardown (acks that carry t_torn)."""
    out = []
    log = record["log"]
    acks_of = record["acks"]
    for dec in record["decisions"]:
        seq = dec["sequence"]
        acks = acks_of.get(seq, acks_of.get(str(seq), {}))
        trainers = {pl["instance"] for pl in dec["placements"] if pl["pipeline"] >= 0}
        senders = {f["source"] for f in dec["fetches"] if not f["from_checkpoint"]}
        world = trainers | senders
        A = [a for i, a in acks.items() if int(i) in world and "t_group" in a]
        if not A or len(A) < len(world) or not all(a.get("ok", True) for a in A):
            continue  # a failed migration: the next decision re-plans
        execs = [e["t"] for e in log if e["ev"] == "exec" and e["seq"] == seq]
        first = min(execs, default=dec["t_decided"])
        prev = [e["t"] for e in log if e["ev"] == "step" and e["seq"] < seq and e["t"] <= first]
        start = max([dec["t_decided"]] + prev)
        ready = max(a["t_ready"] for a in A)
        state = max(a["t_transfer"] for a in A) - max(a["t_group"] for a in A)
        torn = [a["t_torn"] for a in A if "t_torn" in a]
        out.append({"sequence": seq, "kind": dec["kind"], "d": dec["target"]["d"],
                    "p": dec["target"]["p"], "n": len(world), "measured_ms": (ready - start) * 1e3,
                    "state_ms": state * 1e3, "rebuild_ms": (ready - start - state) * 1e3,
                    "proc_ms": (max(torn) - start) * 1e3 if torn else None})
    return out


def rebuild_ms(restart: dict, d: int, p: int) -> float:
    """G(d, p) + proc_ms of a profile's ``restart`` terms (the add and remove forms are equal
    here; see apply_terms)."""
    c = restart["comm"]
    return c["init_ms"] + units(c["kind"], d, p) * c["remove_ms_per_unit"] + restart["proc_ms"]


def recheck(migrations: Iterable[dict], ran_with: dict, terms: dict) -> Dict[str, dict]:
    """Per kind, the median and worst predicted / measured ratio of a replay's ``migrations``
    (replay.analyse) had the cost model used the restart terms of profile ``terms`` instead of
    those of ``ran_with``, the profile the run was predicted with. Exact for this runtime's
    kinds: every kind's cost holds G(d, p) + proc_ms once (perf/migration.hpp), rendezvous_ms is
    0 in both, and the other terms (state, checkpoint, build) come from the same layers."""
    for doc in (ran_with, terms):
        if doc["restart"].get("rendezvous_ms", 0.0) or doc["restart"]["comm"][
                "add_ms_per_unit"] != doc["restart"]["comm"]["remove_ms_per_unit"]:
            raise ValueError("recheck: needs rendezvous_ms = 0 and add = remove per unit")
    ratios: Dict[str, List[float]] = {}
    for m in migrations:
        if not m.get("measured_s") or m.get("predicted_s") is None or m["kind"] == "none":
            continue
        d, p = m["target"]
        pred = m["predicted_s"] + (rebuild_ms(terms["restart"], d, p) -
                                   rebuild_ms(ran_with["restart"], d, p)) / 1e3
        ratios.setdefault(m["kind"], []).append(pred / m["measured_s"])
    return {k: {"n": len(r), "median_ratio": statistics.median(r),
                "worst_ratio": max(r, key=lambda x: abs(x - 1.0))} for k, r in ratios.items()}


# --- measured in a pool of running processes -------------------------------------------------

# (d, p) rounds of `measure`: depths 2..4 so that the fit can tell d*p from d+p+1+d*p.
DEFAULT_SCHEDULE = [(1, 3), (2, 3), (3, 3), (4, 3), (5, 3), (2, 2), (4, 2), (6, 2), (1, 4),
                    (2, 4), (3, 4)]


def _pool_main(rank: int, size: int, port: int, schedule: List[Tuple[int, int]],
               store_dir: str) -> None:
    """One process of the pool: the runtime's rebuild sequence (worker.execute) each round."""
    import gc

    import torch
    import torch.distributed as dist

    from .worker import GLOO_TIMEOUT

    torch.set_num_threads(1)
    ctl = dist.TCPStore("127.0.0.1", port, size + 1, False,
                        timeout=datetime.timedelta(seconds=120))

    def teardown() -> None:  # worker._teardown
        if dist.is_initialized():
            dist.destroy_process_group()
        gc.collect()

    # A first world of everyone: the runtime's workers have built one before any migration.
    dist.init_process_group("gloo", store=dist.FileStore(os.path.join(store_dir, "warm"), size),
                            rank=rank, world_size=size, timeout=GLOO_TIMEOUT)
    dist.barrier()
    for i, (d, p) in enumerate(schedule):
        n = d * p
        ctl.add(f"arrive/{i}", 1)
        ctl.wait([f"go/{i}"])
        if rank >= n:
            # Idle: the model's x is d * p, so only the participants load the host's cores
            # (the runtime's few spares also tear down: a cost the model cannot see).
            continue
        teardown()  # worker._teardown: destroy + gc.collect, the bulk of proc_ms
        t_torn = time.time()
        dist.init_process_group("gloo", store=dist.FileStore(os.path.join(store_dir, f"s{i}"), n),
                                rank=rank, world_size=n, timeout=GLOO_TIMEOUT)
        t_group = time.time()
        step = torch.tensor([0], dtype=torch.int64)  # worker._agree_step
        dist.all_reduce(step, op=dist.ReduceOp.MIN)
        t_agree = time.time()
        # worker._make_groups: slot (i, j) = rank i * p + j; every rank creates every group.
        stages = [dist.new_group([k * p + j for k in range(d)]) for j in range(p)]
        train = dist.new_group(list(range(n)))
        t_ready = time.time()
        del stages
        # The per-step commit (worker.train): one int64 all-reduce over the trainers.
        flag = torch.tensor([i], dtype=torch.int64)
        commit = []
        for _ in range(12):
            t0 = time.perf_counter()
            dist.all_reduce(flag, op=dist.ReduceOp.MAX, group=train)
            commit.append((time.perf_counter() - t0) * 1e3)
        ctl.set(f"res/{i}/{rank}", json.dumps({"t_torn": t_torn, "t_group": t_group,
                                               "t_agree": t_agree, "t_ready": t_ready,
                                               "commit_ms": statistics.median(commit[2:])}))
    teardown()


def measure_rebuild(schedule: Optional[Sequence[Tuple[int, int]]] = None, repeats: int = 3,
                    seed: int = 1, timeout_s: float = 600.0, log=None) -> dict:
    """The rebuild of each (d, p) of ``schedule`` (``repeats`` times, in a shuffled order so that
    drift in the host's load spreads over all sizes) in a pool of max(d * p) processes started
    once; returns the rounds and the fits (per_gpu and per_group)."""
    import torch.distributed as dist

    schedule = list(schedule or DEFAULT_SCHEDULE)
    rounds = [c for c in schedule for _ in range(repeats)]
    random.Random(seed).shuffle(rounds)
    size = max(d * p for d, p in rounds)
    ctl = dist.TCPStore("127.0.0.1", 0, size + 1, True, timeout=datetime.timedelta(seconds=120),
                        wait_for_workers=False)
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    procs = []
    out = []
    deadline = time.monotonic() + timeout_s
    with tempfile.TemporaryDirectory(prefix="parcae-rebuild-") as tmp:
        try:
            for r in range(size):
                procs.append(subprocess.Popen(
                    [sys.executable, "-c", "import sys, json; "
                     "from parcae.runtime.calibrate import _pool_main; "
                     "_pool_main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), "
                     "json.loads(sys.argv[4]), sys.argv[5])",
                     str(r), str(size), str(ctl.port), json.dumps(rounds), tmp], env=env))
            for i, (d, p) in enumerate(rounds):
                while ctl.add(f"arrive/{i}", 0) < size:  # every process idle, as between steps
                    if time.monotonic() > deadline or any(q.poll() for q in procs):
                        raise RuntimeError("measure_rebuild: a pool process failed or hung")
                    time.sleep(0.01)
                time.sleep(0.2)
                t_go = time.time()
                ctl.set(f"go/{i}", "1")
                res = [json.loads(ctl.get(f"res/{i}/{r}")) for r in range(d * p)]
                row = {"d": d, "p": p, "n": d * p,
                       "measured_ms": (max(x["t_ready"] for x in res) - t_go) * 1e3,
                       "proc_ms": (max(x["t_torn"] for x in res) - t_go) * 1e3,
                       "world_ms": (max(x["t_group"] for x in res) - t_go) * 1e3,
                       "groups_ms": (max(x["t_ready"] for x in res) -
                                     max(x["t_agree"] for x in res)) * 1e3,
                       "commit_ms": statistics.median(x["commit_ms"] for x in res)}
                row["rebuild_ms"] = row["measured_ms"]
                out.append(row)
                if log:
                    log(f"rebuild d={d} p={p}: {row['measured_ms']:.0f} ms (teardown "
                        f"{row['proc_ms']:.0f}, world {row['world_ms']:.0f}, groups "
                        f"{row['groups_ms']:.0f}; commit {row['commit_ms']:.2f})")
            for q in procs:
                q.wait(max(deadline - time.monotonic(), 1.0))
        finally:
            for q in procs:  # only our own pool, by pid
                if q.poll() is None:
                    q.kill()
                    q.wait()
    fits = {k: fit_terms(out, k) for k in ("per_gpu", "per_group")}
    return {"rounds": out, "fits": fits}


# --- command line ----------------------------------------------------------------------------


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure", help="the rebuild in a pool of running processes")
    m.add_argument("--repeats", type=int, default=3)
    f = sub.add_parser("fit", help="fit on the migrations of replay record(s)")
    f.add_argument("records", nargs="+")
    for q in (m, f):
        q.add_argument("--profile", required=True, help="the profile whose terms are replaced")
        q.add_argument("--out", required=True)
        q.add_argument("--kind", default="per_gpu", choices=["per_gpu", "per_group"])
    c = sub.add_parser("check", help="a replay's per-kind ratios under another profile's terms")
    c.add_argument("report", help="report.json of a replay run (its profile.json beside it, or "
                   "--ran-with)")
    c.add_argument("--terms", required=True, help="the profile whose restart terms are checked")
    c.add_argument("--ran-with", default=None, help="the profile the run was predicted with")
    args = ap.parse_args(argv)
    if args.cmd == "check":
        with open(args.report) as fh:
            rep = json.load(fh)
        ran = args.ran_with or rep["args"].get("profile") or os.path.join(
            os.path.dirname(args.report), "profile.json")
        with open(ran) as fh:
            ran_with = json.load(fh)
        with open(args.terms) as fh:
            terms = json.load(fh)
        for policy, res in rep["results"].items():
            for k, v in sorted(recheck(res["migrations"], ran_with, terms).items()):
                print(f"{policy} {k}: {v['n']} migrations, median predicted/measured "
                      f"{v['median_ratio']:.2f}, worst {v['worst_ratio']:.2f}")
        return 0
    with open(args.profile) as fh:
        doc = json.load(fh)
    if args.cmd == "measure":
        res = measure_rebuild(repeats=args.repeats, log=print)
        fit, how = res["fits"][args.kind], "rebuild in a pool of running processes " \
                                           "(parcae.runtime.calibrate measure)"
    else:
        samples = []
        for path in args.records:
            with open(path) as fh:
                samples += record_samples(json.load(fh))
        for s in samples:
            print(json.dumps(s))
        res = {"samples": samples}
        fit = fit_terms(samples, args.kind)
        how = "fitted on the acks of " + ", ".join(
            os.path.join(*os.path.abspath(p).split(os.sep)[-3:-1]) for p in args.records) + \
            " (parcae.runtime.calibrate fit)"
    print(json.dumps(fit))
    with open(args.out, "w") as fh:
        json.dump(apply_terms(doc, fit, how), fh, indent=1)
        fh.write("\n")
    with open(os.path.splitext(args.out)[0] + ".calibration.json", "w") as fh:
        json.dump({**res, "fit": fit}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
