#!/usr/bin/env python3
"""Derives the shape-4 and shape-5 test traces from the real p3 event trace.

Neither shape has a public file in the repository, so the tests use the p3 trace
(bench/traces/parcae/p3trace.csv, from JF-D/Parcae) rewritten in those shapes:

* p3_series.csv (shape 4, "YYYY-MM-DD, HH:MM:SS, count"): one sample per minute of the trace,
  taken 0-29 s into the minute (deterministic jitter), giving the count after that minute's
  events. Some minutes without a change are left out, so gaps are irregular (about a minute,
  sometimes two or three). Then, as in a merged poller log, 6 pairs of neighbouring lines are
  swapped (out of order) and 5 lines are repeated (duplicates with the same count).
* p3_gap.json (shape 5): {"metadata": {"gap_seconds": 60, ...}, "data": [count after minute k]}.

Both bin to the same 683 one-minute intervals as p3trace.csv (max 32 alive, 177 added, 167
removed): p3 has no minute with both additions and removals, so per-minute net changes lose
nothing. Run: python3 tests/data/trace/make_p3_shapes.py (python3 stdlib only).
"""
import datetime
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
EVENTS = os.path.join(ROOT, "bench", "traces", "parcae", "p3trace.csv")


def minute_counts():
    rows = [line.strip().split(",") for line in open(EVENTS) if line.strip()]
    minutes = int(rows[-1][0]) // 60000 + 1
    delta = [0] * minutes
    for t, event, _ in rows:
        delta[int(t) // 60000] += 1 if event == "add" else -1
    counts, alive = [], 0
    for d in delta:
        alive += d
        counts.append(alive)
    return counts, delta


def main():
    counts, delta = minute_counts()
    rng = random.Random(20240422)
    base = datetime.datetime(2024, 3, 1, 0, 0, 0)
    lines = []
    for k, c in enumerate(counts):
        # Keep the first and last minute and every minute with a change; drop a third of the rest.
        if 0 < k < len(counts) - 1 and delta[k] == 0 and rng.random() < 0.33:
            continue
        jitter = 0 if k == 0 else rng.randrange(0, 30)
        t = base + datetime.timedelta(minutes=k, seconds=jitter)
        lines.append(t.strftime("%Y-%m-%d, %H:%M:%S, ") + str(c))
    for i in (40, 120, 250, 333, 400, 470):  # out of order: swap neighbours
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    for i in sorted((15, 90, 201, 302, 455), reverse=True):  # duplicated samples
        lines.insert(i + 1, lines[i])
    with open(os.path.join(HERE, "p3_series.csv"), "w") as out:
        out.write("# p3 trace (JF-D/Parcae liveput/traces/p3trace.csv, MIT) as a count series;\n")
        out.write("# made by tests/data/trace/make_p3_shapes.py (python3 stdlib)\n")
        out.write("\n".join(lines) + "\n")
    doc = {
        "metadata": {
            "gap_seconds": 60,
            "source": "p3 trace (JF-D/Parcae liveput/traces/p3trace.csv, MIT)",
            "made_by": "tests/data/trace/make_p3_shapes.py",
        },
        "data": counts,
    }
    with open(os.path.join(HERE, "p3_gap.json"), "w") as out:
        json.dump(doc, out)
        out.write("\n")


if __name__ == "__main__":
    main()
