#!/usr/bin/env bash
# Produces the GPU figures of docs/PERFORMANCE.md "## CUDA Monte-Carlo liveput" on a machine with
# an NVIDIA GPU (issue 6): builds the CUDA backend, runs the GPU tests (GPU == CPU bit for bit),
# the GPU example, and the benchmark (GPU vs the CPU path at 2 threads, same run), and writes
# everything to $OUT (default: build-cuda-bench/results).
#
#   scripts/bench/cuda_liveput.sh            # full run
#   BUILD_DIR=... OUT=... JOBS=... scripts/bench/cuda_liveput.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${BUILD_DIR:-$root/build-cuda-bench}"
out="${OUT:-$build/results}"
jobs="${JOBS:-$(nproc)}"
mkdir -p "$out"

command -v nvcc >/dev/null || export PATH="/usr/local/cuda/bin:$PATH"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "nvcc: $(nvcc --version | tail -1)"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader \
    2>/dev/null || echo "nvidia-smi: not available"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($(nproc) cores)"
} | tee "$out/machine.txt"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPARCAE_ENABLE_CUDA=ON \
  -DPARCAE_BUILD_TOOLS=OFF >"$out/configure.log"
cmake --build "$build" -j "$jobs" --target parcae_cuda_tests parcae_cuda_host_tests \
  example_liveput_table_gpu bench_cuda_liveput >"$out/build.log"

# Correctness first: the figures are only meaningful if the GPU matches the CPU.
"$build/tests/cuda/parcae_cuda_tests" --no-intro=true 2>&1 | tee "$out/gpu_tests.txt"
"$build/tests/parcae_cuda_host_tests" --no-intro=true 2>&1 | tail -3 | tee "$out/host_tests.txt"
"$build/examples/example_liveput_table_gpu" 2>&1 | tee "$out/example.txt"

"$build/bench/bench_cuda_liveput" --benchmark_repetitions="${REPETITIONS:-5}" \
  --benchmark_report_aggregates_only=true --benchmark_out="$out/bench_cuda_liveput.json" \
  --benchmark_out_format=json 2>&1 | tee "$out/bench_cuda_liveput.txt"

# Medians of items_per_second and the GPU / CPU(2 threads) ratios per table.
python3 - "$out/bench_cuda_liveput.json" <<'PY' | tee "$out/summary.txt"
import json, sys
runs = json.load(open(sys.argv[1]))["benchmarks"]
med = {r["run_name"]: r for r in runs if r.get("aggregate_name") == "median"}
for table in ("table32", "table1024"):
    cpu = [r for n, r in med.items() if n.startswith(f"BM_cpu_{table}")]
    gpu = [r for n, r in med.items() if n.startswith(f"BM_gpu_{table}")]
    base = cpu[0]["items_per_second"] if cpu else float("nan")
    print(f"{table}: CPU 2 threads {base:.3e} evaluations/s")
    for r in gpu:
        ips = r["items_per_second"]
        print(f"  {r['run_name']}: {ips:.3e} evaluations/s, {ips / base:.1f}x CPU, "
              f"{r['real_time']:.2f} {r['time_unit']} per table, "
              f"bit_identical={r.get('bit_identical', 'n/a')}")
PY
echo "results in $out"
