"""The trace-driven replay (parcae.runtime.replay) on a tiny trace: 6 workers, 6 intervals of
3 s, preemptions with notice, a join, a preemption without notice, driven by the parcae
Controller binding. Checks what the benchmark's table rests on; the full run (p3 window, 16
workers, reactive baseline) is `python3 -m parcae.runtime.replay`, docs/runtime.md."""

import os
import shutil

import pytest

pytest.importorskip("torch")
pytest.importorskip("etcd3")
if shutil.which("etcd") is None:
    pytest.skip("no etcd binary (Debian etcd-server)", allow_module_level=True)

from parcae.runtime import replay  # noqa: E402

INTERVAL_S = 3.0
WINDOW = {"initial": [f"node{i}" for i in range(1, 7)], "source": "test", "start_min": 0,
          "keep": "all",
          "intervals": [{"added": [], "removed": []},
                        {"added": [], "removed": ["node2"]},   # notice (SIGTERM)
                        {"added": ["node7"], "removed": []},   # join (a warm worker)
                        {"added": [], "removed": ["node4"]},   # no notice (SIGKILL)
                        {"added": [], "removed": []},
                        {"added": [], "removed": ["node7"]}]}  # notice; the trace ends here


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("replay"))
    spec = replay.runtime_spec(device_ms=0.5)
    profile_path = os.path.join(out, "profile.json")
    replay.measure_profile(spec, profile_path, quick=True)
    trace_path = os.path.join(out, "trace.csv")
    replay.compressed_trace(WINDOW, INTERVAL_S, trace_path)
    job_kw = {"capacity": 8, "interval_s": INTERVAL_S, "recovery": "checkpoint"}
    ctl_kw = {"horizon": 3, "forecaster": "naive", "window": 3, "min_history": 3}
    sim = replay.simulate(trace_path, profile_path, job_kw,
                          {"horizon": 3, "forecaster": "naive", "window": 3})
    record = replay.run(WINDOW, os.path.join(out, "parcae"), "parcae", profile_path, spec,
                        interval_s=INTERVAL_S, job_kw=job_kw, controller_kw=ctl_kw,
                        no_notice_every=2, log=lambda line: None)
    return record, replay.analyse(record, sim["parcae-predict"], spec), sim


def test_every_decision_executed_and_acknowledged(result):
    record, res, _ = result
    decisions = record["decisions"]
    assert [d["sequence"] for d in decisions] == list(range(1, len(decisions) + 1))
    assert len(decisions) >= 3  # the start, the notice, the join at least
    for dec in decisions:
        trainers = {pl["instance"] for pl in dec["placements"] if pl["pipeline"] >= 0}
        acks = record["acks"][dec["sequence"]]
        assert trainers <= set(acks), dec["sequence"]
        assert all(acks[i].get("ok", True) for i in trainers), dec["sequence"]
    assert all(m["measured_s"] is not None and m["measured_s"] > 0 for m in res["migrations"])


def test_decisions_are_the_bindings(result):
    """Every decision the workers ran is the Controller binding's (target and kind, unless the
    adapter said why it changed it), and at interval boundaries the same configuration that
    parcae sim's controller chose for that interval."""
    record, res, sim = result
    for dec in record["decisions"]:
        b = dec["binding"]
        assert tuple(b["target"]) == (dec["target"]["d"], dec["target"]["p"])
        assert b["kind"] == dec["kind"] or dec.get("adapted"), dec
    tl = sim["parcae-predict"]["timeline"]
    # Up to the failure the runtime's Controller saw the simulator's events (after it, the
    # failure was reported mid-interval, where the simulator's notice mode reports it at the
    # boundary, so the histories differ).
    for dec in record["decisions"]:
        if dec["cause"] == "failure":
            break
        if dec["cause"] == "interval":
            k = dec["interval"]
            assert (dec["target"]["d"], dec["target"]["p"]) == (tl["d"][k], tl["p"][k]), k
    assert record["decisions"][0]["kind"] == "restart"
    assert any(d["cause"] == "failure" for d in record["decisions"])  # the SIGKILL


def test_samples_and_table(result):
    _, res, _ = result
    per_interval = [r["measured_samples"] for r in res["intervals"]]
    assert len(per_interval) == len(WINDOW["intervals"])
    assert res["measured_samples"] == sum(per_interval) > 0
    assert all(s >= 0 for s in per_interval[:3])  # no restart from a checkpoint before k = 3
    assert "restart" in res["per_kind"]
    for v in res["per_kind"].values():
        assert v["n"] >= 1 and v["median_ratio"] > 0
    table = replay.format_report(res)
    assert "| kind | migrations |" in table and "samples: measured" in table
