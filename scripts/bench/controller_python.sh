#!/usr/bin/env bash
# A controller decision from Python (scripts/bench/controller_python.py) against the same replay
# from C++ (bench/controller_bench.cpp, BM_controller_replay_p3_gpt15b with fill_threads 1,
# prefill 1), run alternately ROUNDS times (default 3) for the naive and the ARIMA forecaster, so
# that a busy machine slows both sides alike. Needs a build with the module and the benchmark:
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPARCAE_BUILD_PYTHON=ON -DPARCAE_BUILD_BENCH=ON \
#     -DPython3_EXECUTABLE=/usr/bin/python3
#   cmake --build build --target parcae_python bench_controller
#   scripts/bench/controller_python.sh [build] [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
rounds=${2:-3}
for round in $(seq "$rounds"); do
  for naive in 1 0; do
    echo "== round $round, naive $naive: C++"
    "$build/bench/bench_controller" --benchmark_filter="fill_threads:1/prefill:1/naive:$naive" \
      --benchmark_repetitions=3 --benchmark_report_aggregates_only=true 2>/dev/null |
      grep median | tr ' ' '\n' | grep -E '^(p50|p90|p99|max)_(cpu|wall)_ms=|^keys_total='
    echo "== round $round, naive $naive: Python"
    flag=(); [[ $naive == 1 ]] && flag=(--naive)
    PYTHONPATH="$build/python" /usr/bin/python3 scripts/bench/controller_python.py "${flag[@]}" \
      --repetitions 3 | tail -n +2
  done
done
