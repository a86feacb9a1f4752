#!/usr/bin/env python3
"""A controller decision called from Python, timed on the replay of bench/controller_bench.cpp.

The same replay as BM_controller_replay_p3_gpt15b (fill_threads 1, prefill 1): the p3 trace
(683 one-minute intervals, <= 32 instances) binned into intervals, launcher events from
parcae.TraceReplay (instances named by arrival, oldest preempted first), gpt-1.5b, H = 12, a
liveput table that starts EMPTY (exact estimator, 1 thread), the controller's own forecaster
(ARIMA(1,1,0) over 12 intervals, or the naive last value with --naive). Each
``ctl.on_interval(alive, joined, preempted)`` is timed from Python, the lists built beforehand:
the time includes converting the lists, releasing and re-taking the GIL, and the Python
reconfigure hook (a no-op function) with its Decision when the placement changes.

Prints the per-decision distribution as the C++ benchmark's counters (process CPU time and wall
time, nearest-rank quantiles), the median of --repetitions replays:

    PYTHONPATH=build/python /usr/bin/python3 scripts/bench/controller_python.py [--naive]
"""

import argparse
import math
import os
import statistics
import sys
import time

import parcae

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def quantile(values, q):
    """Nearest-rank quantile, as bench/controller_bench.cpp."""
    v = sorted(values)
    rank = math.ceil(q * len(v))
    return v[min(len(v) - 1, 0 if rank == 0 else rank - 1)]


def replay(series, naive, hook):
    alive_n, added, removed = (series.alive.tolist(), series.added.tolist(),
                               series.removed.tolist())
    capacity = max(max(alive_n), max(a + i - o for a, i, o in zip(alive_n, added, removed)), 1)
    job = parcae.Job("gpt-1.5b", capacity=capacity, liveput="exact", threads=1)
    ctl = parcae.Controller(job, horizon=12, forecaster="naive" if naive else "arima",
                            window=12, reconfigure=hook)
    cpu, wall = [], []
    rep = parcae.TraceReplay(alive_n[0])

    def step():
        args = (rep.alive, rep.joined, rep.preempted)
        c0, w0 = time.process_time_ns(), time.perf_counter_ns()
        ctl.on_interval(*args)
        w1, c1 = time.perf_counter_ns(), time.process_time_ns()
        wall.append((w1 - w0) / 1e6)
        cpu.append((c1 - c0) / 1e6)

    ctl.on_instances_added(rep.alive)
    step()
    for k in range(len(alive_n) - 1):
        rep.step(removed[k], added[k])
        step()
    return cpu, wall, job.table_size


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--naive", action="store_true", help="the naive last-value forecaster")
    ap.add_argument("--repetitions", type=int, default=3)
    ap.add_argument("--trace", default=os.path.join(ROOT, "bench/traces/parcae/p3trace.csv"))
    args = ap.parse_args()
    series = parcae.read_trace(args.trace).bin(60)

    def hook(decision):  # a launcher's reconfigure, doing nothing
        pass

    rows = []
    for _ in range(args.repetitions):
        cpu, wall, keys = replay(series, args.naive, hook)
        rows.append({
            "decisions": len(cpu),
            "p50_cpu_ms": quantile(cpu, 0.5),
            "p90_cpu_ms": quantile(cpu, 0.9),
            "p99_cpu_ms": quantile(cpu, 0.99),
            "max_cpu_ms": quantile(cpu, 1.0),
            "p50_wall_ms": quantile(wall, 0.5),
            "p99_wall_ms": quantile(wall, 0.99),
            "le_1ms_cpu": sum(1 for v in cpu if v <= 1.0) / len(cpu),
            "keys_total": keys,
        })
    print(f"controller_python {'naive' if args.naive else 'arima'} "
          f"(median of {args.repetitions} replays, Python {sys.version.split()[0]})")
    for key in rows[0]:
        print(f"  {key:12s} {statistics.median(r[key] for r in rows):.4g}")


if __name__ == "__main__":
    main()
