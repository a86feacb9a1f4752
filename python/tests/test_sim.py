"""parcae.simulate: the simulator harness gives the CLI's numbers, as dicts (and a DataFrame
when pandas is installed)."""

import json
import subprocess

import pytest

import parcae

FIELDS = ["name", "samples", "ratio_to_ideal", "reconfigurations", "config_changes",
          "migration_seconds", "paused_seconds", "instance_hours", "cost_usd",
          "usd_per_million_samples", "slots_preempted", "guard_trips", "on_demand"]


def test_sim_of_p3_for_gpt_equals_the_cli(p3_events, cli, tmp_path):
    out = tmp_path / "sim.json"
    subprocess.run([cli, "sim", "--trace", p3_events, "--profile", "gpt-1.5b", "--json",
                    str(out), "--quiet"], check=True, capture_output=True)
    expected = json.loads(out.read_text())
    got = parcae.simulate(p3_events, "gpt-1.5b")
    assert [p["name"] for p in got.policies] == parcae.POLICIES
    assert got.intervals == expected["intervals"] == 683
    assert got.ideal_samples == expected["ideal_samples"]
    for key in ("horizon", "seed", "window", "forecaster", "accounting", "first_step"):
        assert got.to_dict()[key] == expected[key], key
    # Exactly the same numbers: the JSON's doubles round-trip.
    assert [{k: p[k] for k in FIELDS} for p in got.policies] == expected["policies"]


def test_first_step_forecast_reaches_the_cli(p3_events, cli, tmp_path):
    # The CLI once left --first-step forecast at the default (notice): the artifact's setting
    # then silently ran with the interval's events known.
    runs = {}
    for first_step in ("notice", "forecast"):
        out = tmp_path / f"{first_step}.json"
        subprocess.run([cli, "sim", "--trace", p3_events, "--profile", "gpt-6.7b", "--policy",
                        "parcae-predict", "--first-step", first_step, "--json", str(out),
                        "--quiet"], check=True, capture_output=True)
        runs[first_step] = json.loads(out.read_text())["policies"][0]["samples"]
        got = parcae.simulate(p3_events, "gpt-6.7b", ["parcae-predict"], first_step=first_step)
        assert got["parcae-predict"]["samples"] == runs[first_step], first_step
    assert runs["forecast"] != runs["notice"]


def test_concurrent_rule_reaches_the_cli(p3_events, cli, tmp_path):
    out = tmp_path / "remainder.json"
    subprocess.run([cli, "sim", "--trace", p3_events, "--profile", "gpt-6.7b", "--policy",
                    "reactive-live", "--concurrent", "remainder", "--json", str(out), "--quiet"],
                   check=True, capture_output=True)
    doc = json.loads(out.read_text())
    assert doc["concurrent"] == "remainder"
    remainder = parcae.simulate(p3_events, "gpt-6.7b", ["reactive-live"], concurrent="remainder")
    assert remainder["reactive-live"]["samples"] == doc["policies"][0]["samples"]
    # gpt-6.7b's live migrations outlast an interval: reactive-live pays what it cut short.
    artifact = parcae.simulate(p3_events, "gpt-6.7b", ["reactive-live"], concurrent="artifact")
    default = parcae.simulate(p3_events, "gpt-6.7b", ["reactive-live"])
    assert default["reactive-live"]["samples"] == remainder["reactive-live"]["samples"]
    assert remainder["reactive-live"]["samples"] < artifact["reactive-live"]["samples"]


def test_sim_results_are_dicts_with_timelines(p3_events):
    trace = parcae.read_trace(p3_events)
    got = parcae.simulate(trace, "gpt-1.5b", "reactive,parcae-predict", horizon=6,
                          timeline=True)
    assert [p["name"] for p in got] == ["reactive", "parcae-predict"] and len(got) == 2
    for p in got:
        t = p["timeline"]
        assert set(t) >= {"interval", "instances", "n_in", "n_out", "d", "p", "kind", "cost_s",
                          "lost_s", "samples", "cumulative", "remaining_s", "slots_lost"}
        assert all(len(col) == got.intervals for col in t.values())
        assert t["cumulative"][-1] == pytest.approx(p["samples"])
        assert t["interval"] == list(range(got.intervals))
        assert all(d * q <= n for d, q, n in zip(t["d"], t["p"], t["instances"]))
        assert p["ratio_to_ideal"] == pytest.approx(p["samples"] / got.ideal_samples)
    assert got["reactive"]["reconfigurations"] > 0
    with pytest.raises(KeyError):
        got["bamboo"]
    assert "parcae-predict=" in repr(got)
    # A job shares its liveput table across runs, and gives the same numbers.
    job = parcae.Job("gpt-1.5b", capacity=32)
    again = parcae.simulate(trace, job, ["parcae-predict"], horizon=6)
    assert again["parcae-predict"]["samples"] == got["parcae-predict"]["samples"]
    assert job.table_size > 0
    # The regret guard never trips on p3 with the naive forecast: off, the same samples.
    unguarded = parcae.simulate(trace, job, ["parcae-predict"], horizon=6, guard=False)
    assert unguarded["parcae-predict"]["samples"] == got["parcae-predict"]["samples"]
    assert got.to_dict()["guard"] and not unguarded.to_dict()["guard"]
    assert got["parcae-predict"]["guard_trips"] == 0 and got["reactive"]["guard_trips"] is None
    assert unguarded["parcae-predict"]["guard_trips"] is None
    seen = []
    parcae.simulate(trace, job, ["ideal", "reactive"], progress=lambda *a: seen.append(a))
    assert seen == [("ideal", 0, 2), ("reactive", 1, 2)]


def test_sim_to_dataframe(p3_events):
    pd = pytest.importorskip("pandas")
    got = parcae.simulate(p3_events, "gpt-1.5b", ["reactive", "ideal"], timeline=True)
    frame = got.to_dataframe()
    assert isinstance(frame, pd.DataFrame) and list(frame.index) == ["reactive", "ideal"]
    assert frame.loc["ideal", "ratio_to_ideal"] == 1.0
    rows = got.to_dataframe(timeline=True)
    assert len(rows) == 2 * got.intervals and set(rows["policy"]) == {"reactive", "ideal"}


def test_sim_bad_input(p3_events):
    with pytest.raises(parcae.InvalidArgument,
                       match=r'^parcae::sim::expand_policy_names: policy is "best"'):
        parcae.simulate(p3_events, "gpt-1.5b", "best")
    with pytest.raises(parcae.InvalidArgument, match=r'parcae.simulate: forecaster is "oracle"'):
        parcae.simulate(p3_events, "gpt-1.5b", forecaster="oracle")
    with pytest.raises(ValueError, match="interval_s"):
        parcae.simulate(p3_events, parcae.Job("gpt-1.5b", capacity=32), interval_s=30)
    for keyword in ("accounting", "first_step", "reaction"):
        with pytest.raises(parcae.InvalidArgument,
                           match=rf'parcae.simulate: {keyword} is "guess", but must be'):
            parcae.simulate(p3_events, "gpt-1.5b", "reactive", **{keyword: "guess"})
    with pytest.raises(parcae.InvalidArgument,
                       match=r'parcae.simulate: concurrent is "later", but must be'):
        parcae.simulate(p3_events, "gpt-1.5b", concurrent="later")
    with pytest.raises(ValueError, match="horizon is 0"):
        parcae.simulate(p3_events, "gpt-1.5b", horizon=0)
