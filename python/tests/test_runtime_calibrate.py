"""The restart-term calibration (parcae.runtime.calibrate): the fit recovers known terms from
synthetic timings, and a replay record's acks are read as the cost model's terms need. Pure
Python (no torch, no etcd): the measurement itself runs in `python3 -m parcae.runtime.replay`."""

import json
import random

import pytest

from parcae.runtime import calibrate


def synthetic(kind, init, unit, proc, noise_ms=0.0, seed=3):
    rng = random.Random(seed)
    out = []
    for d, p in [(1, 3), (2, 3), (3, 3), (4, 3), (2, 2), (6, 2), (1, 4), (3, 4)]:
        for _ in range(3):
            rebuild = proc + init + unit * calibrate.units(kind, d, p) + rng.gauss(0, noise_ms)
            out.append({"d": d, "p": p, "rebuild_ms": rebuild, "proc_ms": proc})
    return out


@pytest.mark.parametrize("kind", ["per_gpu", "per_group"])
def test_fit_recovers_known_terms(kind):
    fit = calibrate.fit_terms(synthetic(kind, 150.0, 35.0, 80.0), kind)
    assert fit["init_ms"] == pytest.approx(150.0)
    assert fit["unit_ms"] == pytest.approx(35.0)
    assert fit["proc_ms"] == pytest.approx(80.0)
    assert fit["rms_ms"] == pytest.approx(0.0, abs=1e-9)


def test_fit_with_noise_is_close_and_the_wrong_form_fits_worse():
    samples = synthetic("per_gpu", 150.0, 35.0, 80.0, noise_ms=20.0)
    fit = calibrate.fit_terms(samples, "per_gpu")
    assert fit["unit_ms"] == pytest.approx(35.0, abs=5.0)
    assert fit["init_ms"] + fit["proc_ms"] == pytest.approx(230.0, abs=40.0)
    assert calibrate.fit_terms(samples, "per_group")["rms_ms"] > fit["rms_ms"]


def test_negative_intercept_is_clamped_to_the_origin():
    samples = [{"d": d, "p": 1, "rebuild_ms": 10.0 * d - 5.0} for d in (1, 2, 3)]
    fit = calibrate.fit_terms(samples)
    assert fit["init_ms"] == 0.0 and fit["proc_ms"] == 0.0
    assert fit["unit_ms"] == pytest.approx(sum(d * (10.0 * d - 5) for d in (1, 2, 3)) / 14)


def test_record_samples_subtract_the_state_part():
    """One inter-stage migration of a (2, 2) decision with a drained sender: measured from the
    last step before it to the slowest participant ready; its state part (agree + transfer) is
    the model's p2p term, not the rebuild."""
    t = 1000.0
    dec = {"sequence": 2, "kind": "inter_stage", "target": {"d": 2, "p": 2}, "t_decided": t,
           "placements": [{"instance": i, "pipeline": i // 2, "stage": i % 2} for i in range(4)],
           "fetches": [{"instance": 3, "source": 9, "from_checkpoint": False,
                        "first_layer": 4, "end_layer": 8}]}
    acks = {str(i): {"ok": True, "t_recv": t + 0.20, "t_torn": t + 0.30 + 0.01 * i,
                     "t_group": t + 0.50 + 0.01 * i, "t_agree": t + 0.52, "t_transfer": t + 0.60,
                     "t_ready": t + 0.80 + 0.01 * i} for i in (0, 1, 2, 3, 9)}
    log = [{"ev": "step", "seq": 1, "t": t + 0.15, "step": 7, "stage": 0},
           {"ev": "exec", "seq": 2, "t": t + 0.80}]
    record = {"decisions": [dec], "acks": {2: acks}, "log": log}
    (s,) = calibrate.record_samples(record)
    assert (s["d"], s["p"], s["n"], s["kind"]) == (2, 2, 5, "inter_stage")
    assert s["measured_ms"] == pytest.approx((0.89 - 0.15) * 1e3)
    assert s["state_ms"] == pytest.approx((0.60 - 0.59) * 1e3)
    assert s["rebuild_ms"] == pytest.approx(s["measured_ms"] - s["state_ms"])
    assert s["proc_ms"] == pytest.approx((0.39 - 0.15) * 1e3)
    # A participant that never acked (a failed migration) gives no sample.
    del acks["9"]
    assert calibrate.record_samples(record) == []


def test_apply_terms_gives_a_profile_the_library_reads():
    parcae = pytest.importorskip("parcae")
    doc = json.loads(parcae.load_profile("gpt-1.5b").to_json())
    fit = calibrate.fit_terms(synthetic("per_gpu", 150.0, 35.0, 80.0))
    out = calibrate.apply_terms(doc, fit, "test")
    assert out["restart"]["comm"] == {"kind": "per_gpu", "init_ms": pytest.approx(150.0),
                                      "add_ms_per_unit": pytest.approx(35.0),
                                      "remove_ms_per_unit": pytest.approx(35.0)}
    assert out["restart"]["rendezvous_ms"] == 0.0
    parcae.parse_profile(json.dumps(out), "calibrated")


def test_recheck_swaps_only_the_rebuild_terms():
    """A migration predicted 1.0 s with G + proc = 600 ms, measured 0.8 s: with terms whose
    G + proc is 400 ms at the same (d, p) the prediction is 0.8 s (ratio 1)."""
    def doc(init, unit, proc):
        return {"restart": {"rendezvous_ms": 0.0, "proc_ms": proc,
                            "comm": {"kind": "per_gpu", "init_ms": init,
                                     "add_ms_per_unit": unit, "remove_ms_per_unit": unit}}}

    ran, new = doc(0.0, 50.0, 0.0), doc(100.0, 20.0, 60.0)  # at (4, 3): 600 ms, 400 ms
    migrations = [{"kind": "inter_stage", "target": [4, 3], "predicted_s": 1.0,
                   "measured_s": 0.8},
                  {"kind": "none", "target": [4, 3], "predicted_s": 0.0, "measured_s": 0.1}]
    out = calibrate.recheck(migrations, ran, new)
    assert list(out) == ["inter_stage"]
    assert out["inter_stage"]["median_ratio"] == pytest.approx(1.0)
    assert calibrate.recheck(migrations, ran, ran)["inter_stage"]["median_ratio"] == \
        pytest.approx(1.25)
