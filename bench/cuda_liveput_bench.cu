// Monte-Carlo liveput on the GPU (issue 6) against the CPU path at 2 threads, measured in the same
// run: the N = 32 table (GPT-1.5B, N = 32 single-GPU instances, every (D,P), n_out = 0..8) and
// the N = 1,024 table (128 instances of 8 GPUs, the best (D, p) for p in {1,2,4,8,16,32}, n_out
// in {0,1,2,4,8}), 10,000 samples per family. Counter items = sample-target evaluations
// (samples x reachable targets, summed over keys; the same count as bench/liveput_bench.cpp), so
// items_per_second compares the backends directly. The GPU time includes the host preparation,
// the copies and the finalisation (a whole estimate() call). Without a GPU the GPU benchmarks are
// skipped with a message. Run by scripts/bench/cuda_liveput.sh; figures in docs/PERFORMANCE.md.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

#include "parcae/cuda/check.cuh"
#include "parcae/cuda/monte_carlo.cuh"
#include "parcae/cuda/transfer_perf.hpp"
#include "parcae/liveput/monte_carlo.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/throughput.hpp"

namespace lp = parcae::liveput;

namespace {

constexpr std::int64_t samples = 10000;

struct fixture {
  int g;
  parcae::perf::model_profile profile;
  lp::perf_cost_model cost;
  std::vector<lp::target_info> targets;
  std::vector<lp::key> keys;

  fixture(int gpus_per_instance, int instances)
      : g(gpus_per_instance),
        profile(with_g(gpus_per_instance)),
        cost(profile),
        targets(lp::candidate_targets(parcae::perf::throughput_model(profile),
                                      static_cast<long long>(instances) * gpus_per_instance)) {}

  static parcae::perf::model_profile with_g(int g) {
    parcae::perf::model_profile p = parcae::perf::builtin::gpt_1_5b();
    p.gpus_per_instance = g;
    return p;
  }

  double evaluations() const {
    double total = 0;
    for (const auto& k : keys) {
      total += static_cast<double>(samples) *
               static_cast<double>(lp::reachable_targets(targets, k.n_after(), g).size());
    }
    return total;
  }
};

// N = 32, n_in = 0, n_out = 0..8, every (D,P) of the profile (bench/liveput_bench.cpp's table).
fixture& table32() {
  static fixture f = [] {
    fixture x(1, 32);
    for (const auto& c : x.targets) {
      for (int n_out = 0; n_out <= 8; ++n_out)
        x.keys.push_back({32, c.config.d, c.config.p, 0, n_out});
    }
    return x;
  }();
  return f;
}

// 1,024 GPUs as 128 instances of 8: for p in {1, 2, 4, 8, 16, 32}, the (D, p) of highest
// throughput, with n_out in {0, 1, 2, 4, 8}.
fixture& table1024() {
  static fixture f = [] {
    fixture x(8, 128);
    for (int p : {1, 2, 4, 8, 16, 32}) {
      const lp::target_info* best = nullptr;
      for (const auto& c : x.targets) {
        if (c.config.p == p && (best == nullptr || c.throughput > best->throughput)) best = &c;
      }
      if (best == nullptr) continue;
      for (int n_out : {0, 1, 2, 4, 8}) {
        x.keys.push_back({128, best->config.d, best->config.p, 0, n_out});
      }
    }
    return x;
  }();
  return f;
}

fixture& table_of(int which) { return which == 32 ? table32() : table1024(); }

void bm_cpu(benchmark::State& state, int which) {
  fixture& fx = table_of(which);
  lp::mc_params mp;
  mp.samples = samples;
  mp.threads = static_cast<int>(state.range(0));
  mp.gpus_per_instance = fx.g;
  for (auto _ : state) {
    auto e = lp::estimate_monte_carlo(lp::uniform_model{}, fx.cost, fx.targets, fx.keys, mp);
    benchmark::DoNotOptimize(e.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(fx.evaluations()));
  state.counters["keys"] = static_cast<double>(fx.keys.size());
}

void bm_gpu(benchmark::State& state, int which) {
  if (parcae::cuda::device_count() == 0) {
    state.SkipWithError("no GPU: no CUDA device is visible to this process");
    return;
  }
  fixture& fx = table_of(which);
  parcae::cuda::cuda_params p;
  p.samples = samples;
  p.gpus_per_instance = fx.g;
  p.block_threads = static_cast<int>(state.range(0));
  p.tile = static_cast<int>(state.range(1));
  parcae::cuda::cuda_backend<lp::uniform_model, lp::perf_cost_model> backend(
      lp::uniform_model{}, fx.cost, fx.targets, p);
  backend.estimate(fx.keys);  // warm-up: module load, first allocations
  for (auto _ : state) {
    auto e = backend.estimate(fx.keys);
    benchmark::DoNotOptimize(e.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(fx.evaluations()));
  state.counters["keys"] = static_cast<double>(fx.keys.size());
  state.counters["bit_identical"] = backend.bit_identical() ? 1.0 : 0.0;
  state.SetLabel(backend.device_name());
}

void BM_cpu_table32(benchmark::State& state) { bm_cpu(state, 32); }
void BM_gpu_table32(benchmark::State& state) { bm_gpu(state, 32); }
void BM_cpu_table1024(benchmark::State& state) { bm_cpu(state, 1024); }
void BM_gpu_table1024(benchmark::State& state) { bm_gpu(state, 1024); }

}  // namespace

BENCHMARK(BM_cpu_table32)->ArgName("threads")->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_gpu_table32)
    ->ArgNames({"block", "tile"})
    ->Args({128, 64})
    ->Args({256, 128})
    ->Args({256, 256})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_cpu_table1024)
    ->ArgName("threads")
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1)
    ->Repetitions(1);  // minutes on 2 threads: one run is enough for the ratio
BENCHMARK(BM_gpu_table1024)
    ->ArgNames({"block", "tile"})
    ->Args({128, 64})
    ->Args({256, 128})
    ->Args({256, 256})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
