// Liveput estimation speed (issue 5): the exact estimator per key, the Monte-Carlo estimator on one
// key, on the N = 32 table and on a ~12,000-key set, at 1 and 2 threads. Baseline: the
// artifact's algorithm in C++ (every sample evaluates every target, no merging of equal
// survivor vectors). Anchors from the artifact (Python, this machine class) are in
// docs/PERFORMANCE.md. Counters: items = sample-target evaluations (MC) or keys (exact).
#include <benchmark/benchmark.h>

#include <vector>

#include "parcae/liveput/cpu_backend.hpp"
#include "parcae/liveput/exact.hpp"
#include "parcae/liveput/monte_carlo.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/liveput/preemption.hpp"
#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/throughput.hpp"

namespace lp = parcae::liveput;

namespace {

struct fixture {
  parcae::perf::throughput_model model{parcae::perf::builtin::gpt_1_5b()};
  lp::perf_cost_model cost{parcae::perf::builtin::gpt_1_5b()};
  std::vector<lp::target_info> targets = lp::candidate_targets(model, 32);
};
fixture& fx() {
  static fixture f;
  return f;
}

// Sample-target evaluations a set of keys costs at `samples` per family (each key's targets).
double evaluations(const std::vector<lp::key>& keys, std::int64_t samples) {
  double total = 0;
  for (const auto& k : keys) {
    total += static_cast<double>(samples) *
             static_cast<double>(lp::reachable_targets(fx().targets, k.n_after(), 1).size());
  }
  return total;
}

// N = 32, n_in = 0, n_out = 0..8, every (D,P) of the profile.
std::vector<lp::key> table32_keys() {
  std::vector<lp::key> keys;
  for (const auto& c : fx().targets) {
    for (int n_out = 0; n_out <= 8; ++n_out) keys.push_back({32, c.config.d, c.config.p, 0, n_out});
  }
  return keys;
}

// A set comparable to the artifact's p3 precompute (~11,800 keys): N = 12..32, n_in in
// {0,1,2,4}, n_out in {0,1,2,3,4,6}, every (D,P) with D*P <= N.
std::vector<lp::key> many_keys(int n_lo = 12, int n_hi = 32) {
  std::vector<lp::key> keys;
  for (int n = n_lo; n <= n_hi; ++n) {
    for (const auto& c : fx().targets) {
      if (c.config.size() > n) continue;
      for (int n_in : {0, 1, 2, 4}) {
        for (int n_out : {0, 1, 2, 3, 4, 6})
          keys.push_back({n, c.config.d, c.config.p, n_in, n_out});
      }
    }
  }
  return keys;
}

}  // namespace

static void BM_exact_key(benchmark::State& state) {
  const lp::key k{32, 4, 8, 0, static_cast<int>(state.range(0))};
  fx().cost.bind({4, 8});  // table built once, as in a running planner
  for (auto _ : state) {
    auto e = lp::estimate_exact(k, fx().cost, fx().targets);
    benchmark::DoNotOptimize(e.targets.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["targets"] =
      static_cast<double>(lp::reachable_targets(fx().targets, k.n_after(), 1).size());
}
BENCHMARK(BM_exact_key)->ArgName("n_out")->Arg(1)->Arg(2)->Arg(4)->Unit(benchmark::kMicrosecond);

// The artifact's algorithm in C++: per sample, per target, one cost evaluation.
static void BM_mc_key_baseline(benchmark::State& state) {
  const lp::key k{32, 4, 8, 0, 2};
  const auto targets = lp::reachable_targets(fx().targets, k.n_after(), 1);
  const auto bound = fx().cost.bind(k.config());
  const auto sampler = lp::uniform_model{}.prepare(k.n, k.n_out);
  const lp::instance_layout layout{k.n, k.d, k.p, 1};
  const lp::sample_context ctx{k.n, k.d, k.p, k.n_in, k.n_out, 1};
  const std::int64_t samples = 10000;
  for (auto _ : state) {
    std::vector<double> sum(targets.size(), 0.0);
    int ids[8];
    lp::survivors s;
    for (std::int64_t i = 0; i < samples; ++i) {
      lp::draw_survivors(sampler, layout, k.n_out, 1, 5, static_cast<std::uint64_t>(i), ids, s);
      for (std::size_t t = 0; t < targets.size(); ++t)
        sum[t] += bound(ctx, s, targets[t].config).cost_ms;
    }
    benchmark::DoNotOptimize(sum.data());
  }
  state.SetItemsProcessed(state.iterations() * samples * static_cast<std::int64_t>(targets.size()));
}
BENCHMARK(BM_mc_key_baseline)->Unit(benchmark::kMillisecond);

static void BM_mc_key(benchmark::State& state) {
  const std::vector<lp::key> keys{{32, 4, 8, 0, 2}};
  lp::mc_params mp;
  mp.samples = 10000;
  mp.threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto e = lp::estimate_monte_carlo(lp::uniform_model{}, fx().cost, fx().targets, keys, mp);
    benchmark::DoNotOptimize(e.data());
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<std::int64_t>(evaluations(keys, mp.samples)));
}
BENCHMARK(BM_mc_key)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

static void BM_mc_table32(benchmark::State& state) {
  const auto keys = table32_keys();
  lp::mc_params mp;
  mp.samples = 10000;
  mp.threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto e = lp::estimate_monte_carlo(lp::uniform_model{}, fx().cost, fx().targets, keys, mp);
    benchmark::DoNotOptimize(e.data());
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<std::int64_t>(evaluations(keys, mp.samples)));
  state.counters["keys"] = static_cast<double>(keys.size());
  state.counters["all_keys"] = static_cast<double>(many_keys().size());
  state.counters["all_evaluations"] = evaluations(many_keys(), mp.samples);
}
BENCHMARK(BM_mc_table32)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

static void BM_exact_table32(benchmark::State& state) {
  const auto keys = table32_keys();
  auto backend = lp::make_cpu_backend(
      lp::uniform_model{}, fx().cost, fx().targets, 1,
      lp::cpu_params{lp::estimator_kind::exact, 10000, 1, static_cast<int>(state.range(0)), 10000,
                     20'000'000, 60.0});
  for (auto _ : state) {
    auto e = backend->estimate(keys);
    benchmark::DoNotOptimize(e.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(keys.size()));
}
BENCHMARK(BM_exact_table32)
    ->ArgName("threads")
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Args: the slice of N measured (the whole set is N = 12..32; slices let a loaded machine finish).
static void BM_mc_many_keys(benchmark::State& state) {
  const auto keys = many_keys(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  lp::mc_params mp;
  mp.samples = 10000;
  mp.threads = 2;
  for (auto _ : state) {
    auto e = lp::estimate_monte_carlo(lp::uniform_model{}, fx().cost, fx().targets, keys, mp);
    benchmark::DoNotOptimize(e.data());
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<std::int64_t>(evaluations(keys, mp.samples)));
  state.counters["keys"] = static_cast<double>(keys.size());
  state.counters["all_keys"] = static_cast<double>(many_keys().size());
  state.counters["all_evaluations"] = evaluations(many_keys(), mp.samples);
}
BENCHMARK(BM_mc_many_keys)
    ->ArgNames({"n_lo", "n_hi"})
    ->Args({12, 32})
    ->Args({20, 20})
    ->Args({32, 32})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

BENCHMARK_MAIN();
