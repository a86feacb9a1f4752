"""The Python examples run as a user runs them (so they cannot rot)."""

import os
import re
import subprocess
import sys


def test_replay_megatron_prints_megatron_arguments_for_each_decision(root):
    script = os.path.join(root, "examples", "python", "replay_megatron.py")
    # The environment is inherited: PYTHONPATH names the package under test.
    out = subprocess.run([sys.executable, script], check=True, capture_output=True, text=True,
                         timeout=300).stdout.splitlines()
    assert re.fullmatch(r"replayed 60 intervals: \d+ decisions, final \(\d+, \d+\), \d+ liveput "
                        r"keys", out[-1])
    decisions = out[:-1]
    assert decisions and decisions[0].startswith("min 330 #1   interval          0,0 -> ")
    megatron = [line for line in decisions if "--pipeline-model-parallel-size" in line]
    assert len(megatron) >= len(decisions) // 2
    for line in megatron:
        d, p = map(int, re.search(r"-> (\d+),(\d+) ", line).groups())
        world, dp = map(int, re.search(r"world +(\d+) dp +(\d+)", line).groups())
        assert world == d * p and dp == d  # tp = 1
        assert f"--pipeline-model-parallel-size {p} " in line
        assert line.endswith("--global-batch-size 128")
