// Throughput of the counter-based RNG, the inner loop of every Monte-Carlo estimator.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "parcae/core/rng.hpp"

static void BM_counter_rng_u32(benchmark::State& state) {
  std::uint64_t index = 0;
  std::uint32_t acc = 0;
  for (auto _ : state) {
    parcae::counter_rng rng(1, 2, index++);
    for (int k = 0; k < 16; ++k) acc ^= rng.next_u32();
  }
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(state.iterations() * 16);
}
BENCHMARK(BM_counter_rng_u32);

static void BM_counter_rng_below(benchmark::State& state) {
  const auto bound = static_cast<std::uint32_t>(state.range(0));
  std::uint64_t index = 0;
  std::uint32_t acc = 0;
  for (auto _ : state) {
    parcae::counter_rng rng(1, 2, index++);
    for (int k = 0; k < 16; ++k) acc += rng.next_below(bound);
  }
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(state.iterations() * 16);
}
BENCHMARK(BM_counter_rng_below)->ArgName("bound")->Arg(32)->Arg(1024);

BENCHMARK_MAIN();
