"""`parcae eval`: the ratio matrix over an evaluation set, its JSON, --seeds, and bad input."""

import json
import os
import shutil
import subprocess

import pytest

PROFILES = "gpt-1.5b,gpt-6.7b"
PLANNERS = ("parcae-predict", "parcae-truth")
BASELINES = ("reactive", "reactive-live", "recycle")


@pytest.fixture(scope="module")
def traces(root, tmp_path_factory):
    """A directory with one count-only trace (the preempted instances are drawn with the seed)."""
    d = tmp_path_factory.mktemp("evalset")
    shutil.copy(os.path.join(root, "tests", "data", "sim", "steady-churn-32.csv"), d)
    return str(d)


def run_eval(cli, traces, out, *extra):
    proc = subprocess.run([cli, "eval", "--traces", traces, "--profiles", PROFILES, "--json",
                           str(out), "--quiet", *extra], capture_output=True, text=True,
                          check=True)
    with open(out) as f:
        return proc.stdout, json.load(f)


def test_eval_prints_and_writes_the_ratio_matrix(cli, traces, tmp_path):
    out, doc = run_eval(cli, traces, tmp_path / "e.json")
    assert "steady-churn-32.csv" in out and "2 runs that train (of 2)" in out
    assert doc["runs_that_train"] == 2 and doc["seeds"] == 1 and doc["first_seed"] == 1
    live = []
    for run in doc["runs"]:
        assert run["trains"] and run["intervals"] == 717
        s = run["samples"]
        assert s["ideal"] == pytest.approx(run["ideal_samples"])
        for p in PLANNERS:
            assert 0 < s[p] <= s["ideal"] * 1.01
            for b in BASELINES:
                assert run["ratios"][f"{p}/{b}"] == pytest.approx(s[p] / s[b], rel=1e-12)
        live.append(run["ratios"]["parcae-predict/reactive-live"])
        assert "seed_ratios" not in run
    for p in PLANNERS:
        for b in BASELINES:
            ratios = [r["ratios"][f"{p}/{b}"] for r in doc["runs"]]
            summary = doc["summary"][f"{p}/{b}"]
            assert summary["min"] == pytest.approx(min(ratios))
            assert summary["below_1"] == sum(x < 1 - 1e-9 for x in ratios)
    assert doc["summary"]["mean parcae-predict/reactive-live"] == pytest.approx(sum(live) / 2)
    # On this churn (32 instances, one preemption every few minutes) planning beats restarting.
    assert min(r["ratios"]["parcae-predict/reactive"] for r in doc["runs"]) > 1.1


def test_eval_seeds_sums_the_runs_of_each_seed(cli, traces, tmp_path):
    """--seeds 2 is the runs of --seed 1 and --seed 2 added: samples summed, ratios of the sums,
    and each seed's own ratios kept."""
    _, one = run_eval(cli, traces, tmp_path / "1.json", "--seed", "1")
    _, two = run_eval(cli, traces, tmp_path / "2.json", "--seed", "2")
    out, both = run_eval(cli, traces, tmp_path / "b.json", "--seeds", "2")
    assert both["seeds"] == 2 and "each the sum over 2 seeds" in out
    seeds_differ = False
    for a, b, m in zip(one["runs"], two["runs"], both["runs"]):
        assert a["profile"] == b["profile"] == m["profile"]
        for name, s in m["samples"].items():
            assert s == pytest.approx(a["samples"][name] + b["samples"][name], rel=1e-12)
            seeds_differ |= a["samples"][name] != b["samples"][name]
        for key, r in m["ratios"].items():
            sums = key.split("/")
            assert r == pytest.approx(m["samples"][sums[0]] / m["samples"][sums[1]], rel=1e-12)
            assert m["seed_ratios"][key] == pytest.approx([a["ratios"][key], b["ratios"][key]])
    # The seed draws which instances each preemption takes: the runs must not all be equal.
    assert seeds_differ
    for key, summary in both["summary"].items():
        if key.startswith("mean"):
            continue
        per_seed = [x for r in both["runs"] for x in r["seed_ratios"][key]]
        assert summary["min_one_seed"] == pytest.approx(min(per_seed))
        assert summary["min_one_seed"] <= summary["min"] + 1e-12


def test_eval_names_a_run_that_cannot_train(cli, tmp_path):
    (tmp_path / "tiny.csv").write_text("0,1\n60000,2\n")
    out, doc = run_eval(cli, str(tmp_path / "tiny.csv"), tmp_path / "t.json")
    assert "cannot train: no configuration fits 2 instances" in out
    assert doc["runs_that_train"] == 0 and not doc["runs"][0]["trains"]


@pytest.mark.parametrize("args, message", [
    (["--traces", "/nonexistent/dir"], "--traces '/nonexistent/dir' is neither a file nor a"),
    (["--traces", "EMPTY"], "--traces names no trace file"),
    (["--traces", "TRACES", "--seeds", "0"], '--seeds is "0", but must be a whole number in [1, 1000]'),
    (["--traces", "TRACES", "--seeds", "x"], '--seeds is "x"'),
    (["--traces", "TRACES", "--profiles", "bogus"], 'profile is "bogus"'),
    (["--traces", "TRACES", "--jobs", "0"], '--jobs is "0"'),
    (["--traces", "TRACES", "--pareto-targets", "all"],
     '--pareto-targets is "all", but must be on or off'),
    (["--traces", "TRACES", "--json", "/nonexistent/dir/e.json"],
     "--json '/nonexistent/dir/e.json' cannot be written"),
])
def test_eval_bad_input(cli, traces, tmp_path, args, message):
    empty = tmp_path / "empty"
    empty.mkdir()
    args = [traces if a == "TRACES" else str(empty) if a == "EMPTY" else a for a in args]
    proc = subprocess.run([cli, "eval", "--quiet", *args], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert proc.stdout == ""  # failed before any run
