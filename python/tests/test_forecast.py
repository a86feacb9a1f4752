"""Forecasting: the binding equals R's forecast package (the C++ tests' reference table) and the
CLI on the same series; intervals and sample paths; bad input."""

import csv
import json
import os
import subprocess

import numpy as np
import pytest

import parcae


def series(root, name):
    return np.loadtxt(os.path.join(root, "tests", "data", "forecast", f"arima_series_{name}.csv"),
                      comments="#")


def r_reference(root, name, order, constant, method):
    path = os.path.join(root, "tests", "data", "forecast", "arima_reference.csv")
    with open(path) as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        for row in rows:
            if (row["series"], int(row["p"]), int(row["d"]), int(row["q"]), int(row["constant"]),
                    row["method"]) == (name, *order, constant, method):
                return row
    raise KeyError((name, order, constant, method))


def floats(text):
    return np.array([float(v) for v in text.split(";")])


def test_arima_matches_r(root):
    y = series(root, "nile")
    assert len(y) == 100
    ref = r_reference(root, "nile", (1, 0, 0), 1, "CSS-ML")
    f = parcae.forecast(y, "arima", 10, order=(1, 0, 0), constant="mean")
    assert f.model_name.startswith("ARIMA(1,0,0)")
    assert list(f.coef) == ["ar1", "intercept"]
    np.testing.assert_allclose(list(f.coef.values()), floats(ref["coef"]), rtol=1e-3)
    np.testing.assert_allclose(f.mean, floats(ref["fc_mean"]), rtol=1e-3)
    np.testing.assert_allclose(f.se, floats(ref["fc_se"]), rtol=1e-3)
    np.testing.assert_allclose(f.lower[0], floats(ref["lo80"]), rtol=1e-3)
    np.testing.assert_allclose(f.upper[1], floats(ref["hi95"]), rtol=1e-3)
    assert f.lower.shape == (2, 10) and list(f.levels) == [80.0, 95.0]


@pytest.mark.parametrize("method,cli_method,kwargs", [
    ("arima", "arima:1,1,0:drift", {}),
    ("ets", "ets:AAdN", {"ets": "AAdN"}),
    ("ets", "ets", {}),
    ("auto_arima", "auto_arima", {}),
    ("naive", "naive", {}),
    ("drift", "drift", {}),
    ("mean", "mean", {}),
])
def test_same_numbers_as_the_cli(root, cli, method, cli_method, kwargs):
    path = os.path.join(root, "tests", "data", "forecast", "arima_series_nile.csv")
    out = subprocess.run([cli, "forecast", "--series", path, "--method", cli_method, "--horizon",
                          "5", "--json"], check=True, capture_output=True, text=True).stdout
    expected = json.loads(out)
    f = parcae.forecast(series(root, "nile"), method, 5, **kwargs)
    assert f.model_name == expected["model"]["name"]
    assert [step["mean"] for step in expected["forecast"]] == list(f.mean)
    assert [step["upper"]["95"] for step in expected["forecast"]] == list(f.upper[1])


def test_sample_paths_are_seeded_and_centred(root):
    y = series(root, "nile")
    a = parcae.forecast(y, "ets", 6, n_paths=2000, seed=7)
    b = parcae.forecast(y, "ets", 6, n_paths=2000, seed=7)
    c = parcae.forecast(y, "ets", 6, n_paths=2000, seed=8)
    assert a.paths.shape == (2000, 6)
    assert np.array_equal(a.paths, b.paths)
    assert not np.array_equal(a.paths, c.paths)
    # Path means within 4 standard errors of the point forecast.
    se_of_mean = a.paths.std(axis=0) / np.sqrt(2000)
    assert np.all(np.abs(a.paths.mean(axis=0) - a.mean) < 4 * se_of_mean)
    arima = parcae.forecast(y, "arima", 4, n_paths=10, seed=1)
    assert arima.paths.shape == (10, 4)
    assert parcae.forecast(y, "naive", 3).paths.shape == (0, 3)
    const = parcae.forecast([5.0] * 20, "arima", 3, n_paths=4)
    assert const.model_name == "constant" and np.all(const.paths == 5.0)


def test_bad_forecast_input():
    with pytest.raises(ValueError, match=r"parcae.forecast: method is \"prophet\""):
        parcae.forecast([1.0, 2.0, 3.0], "prophet")
    with pytest.raises(ValueError, match="horizon is 0, but must be >= 1"):
        parcae.forecast([1.0, 2.0, 3.0], "naive", 0)
    with pytest.raises(ValueError, match="history"):
        parcae.forecast([], "naive")
    with pytest.raises(ValueError, match="finite"):
        parcae.forecast([1.0, float("nan"), 3.0], "naive")
    with pytest.raises(ValueError, match=r"levels\[0\] is 100"):
        parcae.forecast([1.0, 2.0, 3.0], "naive", 2, levels=[100])
    with pytest.raises(ValueError, match=r"len\(order\) is 2"):
        parcae.forecast([1.0, 2.0, 3.0], "arima", order=(1, 1))
    with pytest.raises(ValueError, match=r"y.ndim is 2"):
        parcae.forecast(np.ones((3, 3)), "naive")
