"""A Python launcher loop around parcae's controller, printing Megatron-LM's arguments.

It replays one hour of the Parcae artifact's p3 trace (bench/traces/parcae/p3trace.csv, up to 32
p3.2xlarge spot instances, one V100 each; minutes 330 to 390, the artifact's "hh" segment) for
gpt-1.5b, as examples/launcher_embedding.cpp does in C++: the instances alive when the segment
starts are reported with on_instances_added, each minute's preemptions arrive as one notice
25 s ahead, and each minute ends with on_interval. The reconfigure hook prints the decision and
the Megatron-LM arguments that run it (parcae.launchers.megatron_args); a real launcher would
restart its pretrain_gpt.py ranks with them there.

    PYTHONPATH=build/python python3 examples/python/replay_megatron.py
"""

import argparse
import os
import sys

import parcae
from parcae.launchers import megatron_args

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trace", default=os.path.join(ROOT, "bench/traces/parcae/p3trace.csv"))
    ap.add_argument("--profile", default="gpt-1.5b")
    ap.add_argument("--first", type=int, default=330, help="first minute of the segment")
    ap.add_argument("--minutes", type=int, default=60)
    args = ap.parse_args(argv)

    trace = parcae.read_trace(args.trace)
    if not trace.named:
        sys.exit(f"{args.trace}: this example needs instance names (an events trace)")
    times, deltas, nodes = trace.times_ms, trace.deltas, trace.nodes

    # The job: at most 32 instances, 60-s intervals, 2000 Monte-Carlo samples per liveput key
    # where the enumeration is large; the controller plans 6 intervals ahead with
    # the artifact's ARIMA(1,1,0) over the last 12 intervals.
    job = parcae.Job(args.profile, capacity=32, interval_s=60.0, samples=2000)
    profile = job.profile
    minute = 0

    def reconfigure(d):
        # Called on the thread that reported the event, with the controller locked: a hook must
        # not call back into the controller (that raises RuntimeError).
        head = (f"min {minute:3d} #{d.sequence:<3d} {d.cause:<17s} {d.previous.d},{d.previous.p}"
                f" -> {d.target.d},{d.target.p} {d.kind:<11s} cost {d.expected_cost_s:5.1f} s")
        if d.target.paused:
            print(f"{head}  pause training")
            return
        try:
            m = megatron_args(d, global_batch_size=profile.global_batch,
                              micro_batch_size=profile.micro_batch)
        except ValueError as e:  # e.g. a d that does not divide the global batch
            print(f"{head}  no Megatron-LM arguments: {e}")
            return
        print(f"{head}  world {m.world_size:2d} dp {m.data_parallel_size:2d} "
              f"accum {m.num_micro_batches:3d}  {' '.join(m.to_argv())}")

    # Megatron-LM trains whole pipelines: no rerouted decisions (kind "reroute").
    ctl = parcae.Controller(job, horizon=6, forecaster="arima", window=12, reroute=False,
                            reconfigure=reconfigure)

    ids, alive, nxt = {}, set(), 0
    first, last = args.first, args.first + args.minutes
    for minute in range(last):
        end_ms = trace.start_ms + (minute + 1) * 60000
        joined, preempted = [], []
        while nxt < len(times) and times[nxt] < end_ms:
            for name in nodes[nxt]:
                i = ids.setdefault(name, len(ids))
                if deltas[nxt] > 0:
                    alive.add(i)
                    joined.append(i)
                    if minute >= first:
                        ctl.on_instances_added([i])
                elif i in alive:
                    alive.discard(i)
                    preempted.append(i)
            nxt += 1
        if minute < first:  # before the segment: only track who is alive
            continue
        if minute == first:
            ctl.on_instances_added(sorted(alive))
        if preempted:
            ctl.on_preemption_notice(preempted, 25.0)
        ctl.on_interval(sorted(alive), [i for i in joined if i in alive], preempted)

    print(f"replayed {args.minutes} intervals: {ctl.decisions()} decisions, final "
          f"{tuple(ctl.current_config())}, {job.table_size} liveput keys")


if __name__ == "__main__":
    main()
