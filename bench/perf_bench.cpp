// Throughput model T(d,p) for every configuration of a cluster, and the per-sample migration cost
// (the inner loop of liveput estimation). Baselines: the artifact's simulator schedules the DAG
// of all d replicas together (cost_strategy.py `Simulator`), emulated here by running the
// one-replica schedule d times; and the measured-table lookup.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/migration.hpp"
#include "parcae/perf/migration_batch.hpp"
#include "parcae/perf/migration_plan.hpp"
#include "parcae/perf/throughput.hpp"

namespace {

parcae::perf::throughput_model analytic_model() {
  parcae::perf::throughput_options o;
  o.use_measured = false;
  return parcae::perf::throughput_model(parcae::perf::builtin::gpt_1_5b(), o);
}

std::vector<parcae::parallel_config> all_configs(const parcae::perf::throughput_model& tm,
                                                 int gpus) {
  std::vector<parcae::parallel_config> out;
  for (int p = 1; p <= tm.max_depth() && p <= gpus; ++p) {
    for (int d = 1; d * p <= gpus; ++d) out.push_back({d, p});
  }
  return out;
}

}  // namespace

// T(d,p) by the analytic model for all d*p <= gpus (gpt-1.5b: p <= 49), one replica simulated.
static void BM_all_configs_analytic(benchmark::State& state) {
  const auto tm = analytic_model();
  const auto configs = all_configs(tm, static_cast<int>(state.range(0)));
  double acc = 0;
  for (auto _ : state) {
    for (const auto& c : configs) acc += tm.estimate(c).samples_per_s;
  }
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(state.iterations() * static_cast<long long>(configs.size()));
  state.counters["configs"] = static_cast<double>(configs.size());
}
BENCHMARK(BM_all_configs_analytic)
    ->ArgName("gpus")
    ->Arg(32)
    ->Arg(1024)
    ->Unit(benchmark::kMillisecond);

// Baseline: the artifact's approach, the schedule of all d replicas (d times the work).
static void BM_all_configs_all_replicas(benchmark::State& state) {
  const auto tm = analytic_model();
  const auto configs = all_configs(tm, static_cast<int>(state.range(0)));
  double acc = 0;
  for (auto _ : state) {
    for (const auto& c : configs) {
      for (int r = 0; r < c.d; ++r) acc += tm.estimate(c).samples_per_s;
    }
  }
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(state.iterations() * static_cast<long long>(configs.size()));
}
BENCHMARK(BM_all_configs_all_replicas)
    ->ArgName("gpus")
    ->Arg(32)
    ->Arg(1024)
    ->Unit(benchmark::kMillisecond);

// Baseline: measured-table lookup (the artifact's optimizer path), configurations up to 32 GPUs.
static void BM_measured_lookup(benchmark::State& state) {
  const parcae::perf::throughput_model tm(parcae::perf::builtin::gpt_1_5b());
  std::vector<parcae::parallel_config> configs;
  for (const auto& m : tm.profile().measured) configs.push_back(m.config);
  double acc = 0;
  for (auto _ : state) {
    for (const auto& c : configs) acc += tm.estimate(c).samples_per_s;
  }
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(state.iterations() * static_cast<long long>(configs.size()));
}
BENCHMARK(BM_measured_lookup);

// One migration cost evaluation (migration_cost_ms) for gpt-1.5b (4,8) with one replica of
// stage 3 lost, over every target with d*p <= 32 and p in [6, 32].
static void BM_migration_cost(benchmark::State& state) {
  const auto table = std::make_unique<parcae::perf::migration_cost_table>(
      parcae::perf::make_migration_cost_table(parcae::perf::builtin::gpt_1_5b(), {4, 8}));
  const int r[8] = {4, 4, 4, 3, 4, 4, 4, 4};
  std::vector<parcae::parallel_config> targets;
  for (int p = 6; p <= 32; ++p) {
    for (int d = 1; d * p <= 32; ++d) targets.push_back({d, p});
  }
  double acc = 0;
  for (auto _ : state) {
    for (const auto& t : targets)
      acc += parcae::perf::migration_cost_ms(*table, r, 0, 1, t).cost_ms;
  }
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(state.iterations() * static_cast<long long>(targets.size()));
}
BENCHMARK(BM_migration_cost);

// The same 47 evaluations through perf::migration_batch (one survivor summary, all targets at
// once; the liveput estimators' CPU path). Same results bit for bit (tests/perf).
static void BM_migration_batch(benchmark::State& state) {
  const auto table = std::make_unique<parcae::perf::migration_cost_table>(
      parcae::perf::make_migration_cost_table(parcae::perf::builtin::gpt_1_5b(), {4, 8}));
  const parcae::perf::migration_plan plan(*table);
  const int r[8] = {4, 4, 4, 3, 4, 4, 4, 4};
  std::vector<parcae::perf::batch_target> targets;
  for (int p = 6; p <= 32; ++p) {
    for (int d = 1; d * p <= 32; ++d) targets.push_back({{d, p}, 1});
  }
  const parcae::perf::migration_batch batch(plan, targets);
  std::vector<parcae::perf::migration_result> out(targets.size());
  double acc = 0;
  for (auto _ : state) {
    batch.evaluate(r, 0, out.data());
    acc += out[5].cost_ms;
  }
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(state.iterations() * static_cast<long long>(targets.size()));
}
BENCHMARK(BM_migration_batch);

BENCHMARK_MAIN();
