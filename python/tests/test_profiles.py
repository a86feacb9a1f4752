"""Profiles: shipped names, loading by name and file, the library's messages as ValueError."""

import json
import os
import subprocess

import pytest

import parcae

SHIPPED = ["bert", "gpt-1.5b", "gpt-6.7b", "resnet152", "vgg19"]


def test_shipped_profiles_are_listed_and_load():
    names = parcae.shipped_profiles()
    for name in SHIPPED:
        assert name in names
        assert parcae.load_profile(name).name == name


def test_gpt_profile_values(root):
    gpt = parcae.load_profile("gpt-1.5b")
    assert (gpt.n_layers, gpt.micro_batch, gpt.global_batch, gpt.gpus_per_instance) == (50, 1, 128, 1)
    assert gpt.gpu_memory_mb == 15872.0
    assert gpt.transformer and gpt.layer_times
    assert repr(gpt) == ("Profile(name='gpt-1.5b', n_layers=50, micro_batch=1, global_batch=128, "
                         "gpus_per_instance=1)")
    same = parcae.load_profile(os.path.join(root, "profiles", "gpt-1.5b.json"))
    assert same.to_json() == gpt.to_json()
    # `parcae model --profile gpt-1.5b --nodes 32`: the best configuration is (4, 8)
    # (tools/tests/model_basic.cmake).
    best = gpt.best(32)
    assert (best["d"], best["p"], best["status"]) == (4, 8, "ok")
    t = gpt.throughput(3, 8)
    assert t["status"] == "ok" and t["samples_per_s"] == pytest.approx(36.83, abs=0.005)


def test_to_json_round_trips():
    for name in SHIPPED:
        a = parcae.load_profile(name)
        b = parcae.parse_profile(a.to_json(), "rt")
        assert b.to_json() == a.to_json()
        assert json.loads(a.to_json())["name"] == name


def test_bad_profiles_raise_value_error_with_the_library_message(root, tmp_path):
    with open(os.path.join(root, "profiles", "gpt-1.5b.json")) as f:
        doc = json.load(f)
    doc["model"]["layers"][1]["forward_ms"] = -1
    with pytest.raises(ValueError) as e:
        parcae.parse_profile(json.dumps(doc), "t.json")
    assert str(e.value) == ("parcae::perf::load_profile(t.json): model.layers[1].forward_ms is -1, "
                            "but must be > 0")
    assert isinstance(e.value, parcae.InvalidArgument)

    doc["model"]["layers"][1]["forward_ms"] = 6.51
    doc["model"]["layers"][1]["forwrd_ms"] = 6.51
    with pytest.raises(parcae.InvalidArgument, match="forwrd_ms is an unknown member"):
        parcae.parse_profile(json.dumps(doc), "t.json")

    with pytest.raises(ValueError, match=r"profile is \"no-such-profile\", but must be a JSON file"):
        parcae.load_profile("no-such-profile")
    with pytest.raises(ValueError, match=r"but must be a profile file \(it is a directory\)"):
        parcae.load_profile(str(tmp_path))
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": ')
    with pytest.raises(ValueError, match=r"bad.json:1: invalid JSON: unexpected end of input"):
        parcae.load_profile(bad)  # os.PathLike works too


def test_profile_dir_environment_variable(root, tmp_path, monkeypatch):
    with open(os.path.join(root, "profiles", "gpt-1.5b.json")) as f:
        doc = json.load(f)
    doc["name"] = "mine"
    (tmp_path / "mine.json").write_text(json.dumps(doc))
    monkeypatch.setenv("PARCAE_PROFILE_DIR", str(tmp_path))
    assert parcae.profile_dirs()[0] == str(tmp_path)
    assert "mine" in parcae.shipped_profiles()
    assert parcae.load_profile("mine").name == "mine"


def test_model_cli_shows_the_table_extended_beyond_32_gpus(cli):
    # `parcae model` reports each depth's fitted line and marks the configurations it gives.
    out = subprocess.run([cli, "model", "--profile", "gpt-1.5b", "--nodes", "64", "--json"],
                         check=True, capture_output=True, text=True).stdout
    doc = json.loads(out)
    fits = {f["p"]: f for f in doc["measured_fits"]}
    assert fits[8]["extended"] and fits[8]["max_measured_d"] == 4
    assert fits[8]["worst_error"] < 0.02
    assert not fits[17]["extended"]  # one measured pipeline count: no slope
    best = doc["best"][-1]
    assert (best["d"], best["p"], best["source"]) == (4, 16, "extrapolated")
    assert best["samples_per_s"] == pytest.approx(61.13, abs=0.01)
    assert doc["best"][31]["source"] == "measured"  # 32 nodes: the table's (4,8)
    text = subprocess.run([cli, "model", "--profile", "gpt-1.5b", "--nodes", "64"], check=True,
                          capture_output=True, text=True).stdout
    assert "measured rows extended beyond the table" in text
