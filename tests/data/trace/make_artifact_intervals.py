#!/usr/bin/env python3
"""Extracts the artifact's own binning of the p3 trace as a reference table.

The Parcae artifact's optimizer output bench/traces/parcae/liveput_res/bert_p3_gbs1024_mbs8.json
(JF-D/Parcae aws/traces/liveput_res, MIT) holds, per 1-minute interval, "interval": [N, n_in,
n_out] as computed by its liveput/trace.py from p3trace.csv. This writes them to
p3_intervals_artifact.csv (k,alive,added,removed) for tests/trace/. python3 stdlib only.
"""
import json
import os
import platform

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
SRC = os.path.join(ROOT, "bench", "traces", "parcae", "liveput_res", "bert_p3_gbs1024_mbs8.json")

rows = json.load(open(SRC))
with open(os.path.join(HERE, "p3_intervals_artifact.csv"), "w") as out:
    out.write("# N, n_in, n_out per 1-minute interval of the p3 trace, from the Parcae artifact's\n")
    out.write("# liveput_res/bert_p3_gbs1024_mbs8.json; made by tests/data/trace/"
              "make_artifact_intervals.py (python %s)\n" % platform.python_version())
    out.write("k,alive,added,removed\n")
    for k, row in enumerate(rows):
        n, n_in, n_out = row["interval"]
        out.write("%d,%d,%d,%d\n" % (k, n, n_in, n_out))
