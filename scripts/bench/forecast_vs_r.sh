#!/usr/bin/env bash
# Side-by-side speed of parcae's ARIMA against R's forecast package on the same data:
#  1. ARIMA(1,1,0) fit + 12-step forecast on every non-constant 12-point window of the p3 trace
#     (R: forecast::Arima(method = "ML") + forecast; parcae: BM_arima110_window_ml);
#  2. auto_arima on the 1,500-point series tests/data/forecast/arima_series_sim1500.csv and on the
#     p3 series (R: forecast::auto.arima(seasonal = FALSE); parcae: BM_auto_arima_*).
# Prints CPU time per call for both and the ratio. Both sides measure CPU time (this machine
# class is shared, so wall time is inflated by other jobs).
#
# Usage: scripts/bench/forecast_vs_r.sh [build-dir]   (default build-forecast-bench)
# Optional: STATSFORECAST=1 also times statsforecast's AutoARIMA (Nixtla) from a venv under
# <build-dir>/venv when pip can reach PyPI (never committed).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build-forecast-bench}"
cd "$root"
if [ ! -x "$build/bench/bench_forecast" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DPARCAE_ENABLE_CUDA=OFF >/dev/null
  cmake --build "$build" -j2 --target bench_forecast >/dev/null
fi

echo "== R (forecast $(Rscript -e 'cat(as.character(packageVersion("forecast")))' 2>/dev/null)) =="
r_out="$(Rscript - <<'RSCRIPT' 2>/dev/null
suppressPackageStartupMessages(library(forecast))
rd <- function(name) as.numeric(read.csv(sprintf("tests/data/forecast/arima_series_%s.csv", name),
                                          header = FALSE, comment.char = "#")[[1]])
p3 <- rd("p3")
wins <- list()
for (s in 1:(length(p3) - 11)) { w <- p3[s:(s + 11)]; if (length(unique(w)) > 1) wins[[length(wins) + 1]] <- w }
cpu <- function(expr) { t <- system.time(expr); t[["user.self"]] + t[["sys.self"]] }
t <- cpu(for (w in wins) { f <- Arima(w, order = c(1, 1, 0), method = "ML"); forecast(f, h = 12, level = c(80, 95)) })
cat(sprintf("arima110_window %.6f\n", t / length(wins)))
for (name in c("sim1500", "p3")) {
  y <- rd(name)
  reps <- 5
  t <- cpu(for (i in 1:reps) auto.arima(y, seasonal = FALSE))
  cat(sprintf("auto_arima_%s %.6f\n", name, t / reps))
}
RSCRIPT
)"
echo "$r_out"

echo "== parcae (bench_forecast, CPU time, median of 5) =="
json="$("$build/bench/bench_forecast" --benchmark_filter='window_ml|auto_arima_(sim1500|p3)' \
  --benchmark_repetitions=5 --benchmark_report_aggregates_only=true --benchmark_format=json 2>/dev/null)"
ours="$(python3 - "$json" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
for b in d["benchmarks"]:
    if b.get("aggregate_name") == "median":
        name = b["run_name"].replace("BM_", "").replace("_ml", "")
        print(name, "%.9f" % (b["cpu_time"] * unit[b["time_unit"]]))
PY
)"
echo "$ours"

echo "== ratio (R CPU time / parcae CPU time) =="
python3 - "$r_out" "$ours" <<'PY'
import sys
r = dict(l.split() for l in sys.argv[1].strip().splitlines())
o = dict(l.split() for l in sys.argv[2].strip().splitlines())
for k in ("arima110_window", "auto_arima_sim1500", "auto_arima_p3"):
    if k in r and k in o:
        print("%-20s R %10.3f ms  parcae %10.4f ms  ratio %7.1fx" % (k, float(r[k]) * 1e3, float(o[k]) * 1e3, float(r[k]) / float(o[k])))
PY

if [ "${STATSFORECAST:-0}" = "1" ]; then
  echo "== statsforecast AutoARIMA (optional; CPU time, mean of 5 after a warm-up call) =="
  venv="$build/venv"
  if [ ! -x "$venv/bin/python" ]; then
    if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q statsforecast; }; then
      echo "pip could not install statsforecast (no PyPI access?); skipped"
      exit 0
    fi
  fi
  sf_out="$("$venv/bin/python" - <<'PY' 2>/dev/null
import time, warnings
import numpy as np
warnings.filterwarnings("ignore")  # "possible convergence problem" on every CSS fit
import statsforecast
from statsforecast.arima import auto_arima_f
for name in ("sim1500", "p3"):
    y = np.loadtxt("tests/data/forecast/arima_series_%s.csv" % name, comments="#", delimiter=",")
    auto_arima_f(y, period=1, seasonal=False)  # numba JIT warm-up
    t = time.process_time()
    for _ in range(5):
        m = auto_arima_f(y, period=1, seasonal=False)
    p, q, _, _, _, d, _ = m["arma"]
    print("auto_arima_%s %.9f (%d,%d,%d) aicc %.3f statsforecast-%s"
          % (name, (time.process_time() - t) / 5, p, d, q, m["aicc"], statsforecast.__version__))
PY
)"
  echo "$sf_out"
  python3 - "$sf_out" "$ours" <<'PY'
import sys
o = dict(l.split()[:2] for l in sys.argv[2].strip().splitlines())
for l in sys.argv[1].strip().splitlines():
    k, t = l.split()[:2]
    if k in o:
        print("%-20s statsforecast %8.3f ms  parcae %8.4f ms  ratio %7.1fx" % (k, float(t) * 1e3, float(o[k]) * 1e3, float(t) / float(o[k])))
PY
fi
