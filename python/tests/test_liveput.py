"""Liveput of a key: the binding equals `parcae liveput` (tools/tests/liveput_basic.cmake)."""

import json
import subprocess

import pytest

import parcae


def test_anchor_key_exact():
    e = parcae.liveput("gpt-1.5b", 32, (4, 8), 2)
    assert (e.status, e.method, e.states, e.samples) == ("ok", "exact", 36, 0)
    assert len(e.targets) == 43
    best = e.best
    assert (best.d, best.p) == (3, 8)
    assert best.liveput == pytest.approx(35.459587681472165, rel=1e-12)
    assert all(t.liveput <= t.throughput for t in e.targets)  # liveput never exceeds T


def test_same_numbers_as_the_cli(cli):
    out = subprocess.run([cli, "liveput", "--profile", "gpt-1.5b", "--nodes", "32", "--config",
                          "4x8", "--preempt", "2", "--method", "exact", "--json"], check=True,
                         capture_output=True, text=True).stdout
    expected = json.loads(out)["targets"]
    got = parcae.liveput(parcae.load_profile("gpt-1.5b"), 32, (4, 8), 2).targets
    assert [(t["d"], t["p"], t["liveput"], t["mean_cost_s"], t["probability"]) for t in expected] \
        == [(t.d, t.p, t.liveput, t.mean_cost_s, t.probability) for t in got]


def test_monte_carlo_is_seeded_and_near_exact():
    exact = {(t.d, t.p): t for t in parcae.liveput("gpt-1.5b", 32, (4, 8), 2).targets}
    a = parcae.liveput("gpt-1.5b", 32, (4, 8), 2, method="mc", samples=4000, seed=5, threads=1)
    b = parcae.liveput("gpt-1.5b", 32, (4, 8), 2, method="mc", samples=4000, seed=5, threads=2)
    assert a.method == "mc" and a.samples == 4000
    assert [t.liveput for t in a.targets] == [t.liveput for t in b.targets]
    for t in a.targets:
        ref = exact[(t.d, t.p)]
        assert abs(t.mean_cost_s - ref.mean_cost_s) <= 3 * t.mean_cost_se_s + 1e-6 * ref.mean_cost_s
    zoned = parcae.liveput("gpt-1.5b", 32, (4, 8), 2, method="mc", samples=500, zones=[3, 1])
    assert zoned.status == "ok"


def test_bad_keys():
    with pytest.raises(ValueError, match=r"parcae.liveput: method is \"fast\""):
        parcae.liveput("gpt-1.5b", 32, (4, 8), 2, method="fast")
    with pytest.raises(ValueError, match="zones"):
        parcae.liveput("gpt-1.5b", 32, (4, 8), 2, zones=[1, 1])
    with pytest.raises(ValueError, match="parcae::"):
        parcae.liveput("gpt-1.5b", 32, (4, 8), 40)  # more preempted than alive
