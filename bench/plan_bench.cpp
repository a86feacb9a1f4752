// Decision latency of the planner (issue 7): one receding-horizon decision = fill the liveput keys
// the horizon reads (exact estimator, uniform model, gpt-1.5b) + the exact DP.
//  * cold: the table is emptied before every decision (every key estimated inside the timing);
//  * warm: the table persists between decisions, as in the controller (a decision estimates only
//    the keys that the previous ones did not);
//  * lazy: the table is emptied and the DP estimates each key it reads on demand (no prefill);
//  * dp_only: the DP with every key in the table;
//  * cold_observed: the controller's decision with its default (naive) forecast, table emptied.
// fill_threads: the exact estimator's threads (liveput::cpu_params::threads; the families of a
// bulk fill are spread over them). The controller's own per-decision latency over a whole trace
// is bench/controller_bench.cpp.
// Shapes: N = 32 instances x 1 GPU, H = 12 (the artifact's case, all 47 targets) and N = 128
// instances x 8 GPUs, H = 30 (1,746 targets pruned to 308 by plan/candidates.hpp; warm, and cold:
// 2,133 keys x 308 targets estimated inside the decision).
// Anchor (quoted, not run here; issue 7): the artifact's Python DP alone, with its memo filled
// offline, takes 47 ms (H = 8) and 113 ms (H = 12) per decision on this machine class. Baseline
// measured here: the brute-force planner (all |C|^H sequences) at H = 2.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "parcae/liveput/cpu_backend.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/liveput/table.hpp"
#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/throughput.hpp"
#include "parcae/plan/brute_force.hpp"
#include "parcae/plan/candidates.hpp"
#include "parcae/plan/dp_planner.hpp"
#include "parcae/plan/job.hpp"
#include "parcae/plan/liveput_provider.hpp"
#include "parcae/plan/stochastic_planner.hpp"

namespace lp = parcae::liveput;
using parcae::plan::availability_step;

namespace {

struct fixture {
  std::unique_ptr<parcae::plan::job> job;
  const parcae::plan::liveput_provider* provider = nullptr;
  parcae::plan::planner_params params;
  int n0 = 0;
  parcae::parallel_config initial;
  std::size_t all_targets = 0;

  fixture(int instances, int gpus, parcae::parallel_config init, double ladder = 0.0,
          int threads = 1)
      : n0(instances), initial(init) {
    parcae::perf::model_profile profile = parcae::perf::builtin::gpt_1_5b();
    profile.gpus_per_instance = gpus;
    parcae::plan::job_params jp;
    jp.capacity = instances;
    jp.liveput.kind = lp::estimator_kind::exact;
    jp.liveput.threads = threads;
    all_targets = parcae::plan::job(profile, jp).candidates().size();
    jp.prune_ratio = ladder;
    job = std::make_unique<parcae::plan::job>(profile, jp);
    provider = &job->provider();
    params = job->planner();
  }
};

// A horizon with the p3 trace's texture: mostly quiet, single preemptions, a burst, returns.
std::vector<availability_step> horizon(int h) {
  const availability_step pattern[] = {{0, 1}, {0, 0}, {1, 0}, {0, 0}, {0, 2}, {0, 0},
                                       {2, 0}, {0, 0}, {0, 0}, {0, 1}, {0, 0}, {1, 0}};
  std::vector<availability_step> out;
  for (int k = 0; k < h; ++k) out.push_back(pattern[k % 12]);
  return out;
}

fixture& small(int threads = 1) {
  static fixture one(32, 1, {4, 8});
  static fixture two(32, 1, {4, 8}, 0.0, 2);
  return threads == 2 ? two : one;
}
fixture& large(int threads = 1) {
  // ladder ratio 1.5 + top 2 per depth (candidates.hpp)
  static fixture one(128, 8, {32, 8}, 1.5);
  static fixture two(128, 8, {32, 8}, 1.5, 2);
  return threads == 2 ? two : one;
}

void run_decision(benchmark::State& state, fixture& f, bool cold) {
  const auto steps = horizon(static_cast<int>(state.range(0)));
  parcae::plan::dp_planner<parcae::plan::liveput_provider> dp(*f.provider, f.params);
  double keys = 0;
  if (!cold) f.provider->prefill(f.n0, f.initial, steps, f.params);  // steady state: keys present
  for (auto _ : state) {
    if (cold) {
      state.PauseTiming();
      f.job->table()->clear();
      state.ResumeTiming();
    }
    keys += static_cast<double>(f.provider->prefill(f.n0, f.initial, steps, f.params));
    auto r = dp.plan(f.n0, parcae::plan::plan_state{f.initial, 0.0}, steps);
    benchmark::DoNotOptimize(r.expected_samples);
  }
  state.counters["keys_filled"] = keys / static_cast<double>(state.iterations());
  state.counters["candidates"] = static_cast<double>(f.job->candidates().size());
  state.counters["unpruned"] = static_cast<double>(f.all_targets);
}

void BM_decision_cold_n32_g1(benchmark::State& state) {
  run_decision(state, small(static_cast<int>(state.range(1))), true);
}
// The DP alone on an emptied table: every key is estimated lazily, one backend call per key, from
// inside the DP's passes (what the controller did before it prefilled). keys_filled shows that
// the DP reads exactly the keys prefill() estimates.
void BM_decision_lazy_n32_g1(benchmark::State& state) {
  fixture& f = small();
  const auto steps = horizon(static_cast<int>(state.range(0)));
  parcae::plan::dp_planner<parcae::plan::liveput_provider> dp(*f.provider, f.params);
  double keys = 0;
  for (auto _ : state) {
    state.PauseTiming();
    f.job->table()->clear();
    state.ResumeTiming();
    auto r = dp.plan(f.n0, parcae::plan::plan_state{f.initial, 0.0}, steps);
    benchmark::DoNotOptimize(r.expected_samples);
    keys += static_cast<double>(f.job->table()->size());
  }
  state.counters["keys_filled"] = keys / static_cast<double>(state.iterations());
}
// The embedded controller's decision with its default forecaster (naive: no event forecast),
// table emptied: step 1 has happened (2 of the 32 instances of (4,8) preempted, stages 1 and 5
// short), costed from the survivors (liveput_provider::observed_transitions, as the controller
// does), and steps 2..H are forecast quiet, so the keys to estimate are (30, d, p, 0, 0) for every
// candidate that fits 30 instances.
void BM_decision_cold_observed_n32_g1(benchmark::State& state) {
  fixture& f = small();
  std::vector<availability_step> steps(static_cast<std::size_t>(state.range(0)), {0, 0});
  steps.front() = {0, 2};
  const std::vector<int> replicas{4, 3, 4, 4, 4, 3, 4, 4};
  parcae::plan::dp_planner<parcae::plan::liveput_provider> dp(*f.provider, f.params);
  std::vector<parcae::plan::transition> first;
  double keys = 0;
  for (auto _ : state) {
    state.PauseTiming();
    f.job->table()->clear();
    state.ResumeTiming();
    f.provider->observed_transitions(f.initial, replicas, 0, 0, first);
    keys +=
        static_cast<double>(f.provider->prefill(f.n0, parcae::parallel_config{}, steps, f.params));
    auto r = dp.plan(f.n0, parcae::plan::plan_state{f.initial, 0.0}, steps, first);
    benchmark::DoNotOptimize(r.expected_samples);
  }
  state.counters["keys_filled"] = keys / static_cast<double>(state.iterations());
}
void BM_decision_warm_n32_g1(benchmark::State& state) { run_decision(state, small(), false); }
void BM_decision_warm_n128_g8(benchmark::State& state) { run_decision(state, large(), false); }
void BM_decision_cold_n128_g8(benchmark::State& state) {
  run_decision(state, large(static_cast<int>(state.range(1))), true);
}

void BM_brute_force_n32_g1(benchmark::State& state) {
  fixture& f = small();
  const auto steps = horizon(static_cast<int>(state.range(0)));
  f.provider->prefill(f.n0, f.initial, steps, f.params);
  for (auto _ : state) {
    auto r = parcae::plan::plan_brute_force(*f.provider, f.params, f.n0,
                                            parcae::plan::plan_state{f.initial, 0.0}, steps);
    benchmark::DoNotOptimize(r.expected_samples);
  }
}
void BM_dp_only_n32_g1(benchmark::State& state) {
  fixture& f = small();
  const auto steps = horizon(static_cast<int>(state.range(0)));
  f.provider->prefill(f.n0, f.initial, steps, f.params);
  parcae::plan::dp_planner<parcae::plan::liveput_provider> dp(*f.provider, f.params);
  for (auto _ : state) {
    auto r = dp.plan(f.n0, parcae::plan::plan_state{f.initial, 0.0}, steps);
    benchmark::DoNotOptimize(r.expected_samples);
  }
}

// The stochastic planner's warm decision on 80 instances (issue 16's gcp-80 trace: 130
// targets), K = 4 sample paths of H = 12 steps, keys present: the K exact DPs alone, on one
// dp_planner as the controller keeps it. kept: over liveput_provider, whose generation() lets the
// planner keep its resolved transition lists between decisions; baseline (asked): the same
// provider without generation(), so every plan asks it for every list again (the planner's
// behaviour before the lists were kept).
struct provider_without_generation {
  const parcae::plan::liveput_provider* p;
  template <class F>
  void for_each_transition(int n_prev, parcae::parallel_config from, int n_in, int n_out,
                           F&& f) const {
    p->for_each_transition(n_prev, from, n_in, n_out, f);
  }
  void transitions(int n_prev, parcae::parallel_config from, int n_in, int n_out,
                   std::vector<parcae::plan::transition>& out) const {
    p->transitions(n_prev, from, n_in, n_out, out);
  }
  double throughput(parcae::parallel_config c) const { return p->throughput(c); }
  double concurrent_restart_s(parcae::parallel_config c) const {
    return p->concurrent_restart_s(c);
  }
};
std::vector<std::vector<availability_step>> sample_paths() {
  std::vector<std::vector<availability_step>> paths;
  for (int j = 0; j < 4; ++j) {
    std::vector<availability_step> steps = horizon(12 + j);
    steps.erase(steps.begin(), steps.begin() + j);  // each path a different rotation
    paths.push_back(steps);
  }
  return paths;
}
fixture& n80() {
  static fixture f(80, 1, {8, 8}, 0.0, 2);
  return f;
}
template <class Provider>
void run_stochastic(benchmark::State& state, const Provider& provider) {
  fixture& f = n80();
  const auto paths = sample_paths();
  f.provider->prefill_paths(f.n0, f.initial, paths, f.params);
  parcae::plan::planner_params params = f.params;
  // Arg 0: the artifact's charge for a migration started during another; 1: the remainder rule
  // (the controller's default), whose DP also values each migrating state's refill.
  params.concurrent = state.range(0) == 0 ? parcae::plan::concurrent_charge::artifact
                                          : parcae::plan::concurrent_charge::remainder;
  parcae::plan::dp_planner<Provider> dp(provider, params);
  for (auto _ : state) {
    auto r =
        parcae::plan::plan_stochastic(dp, f.n0, parcae::plan::plan_state{f.initial, 0.0}, paths);
    benchmark::DoNotOptimize(r.expected_samples);
  }
  state.counters["candidates"] = static_cast<double>(f.job->candidates().size());
}
void BM_stochastic_warm_n80_kept(benchmark::State& state) {
  run_stochastic(state, *n80().provider);
}
void BM_stochastic_warm_n80_asked(benchmark::State& state) {
  run_stochastic(state, provider_without_generation{n80().provider});
}

}  // namespace

BENCHMARK(BM_stochastic_warm_n80_asked)
    ->ArgName("remainder")
    ->Arg(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_stochastic_warm_n80_kept)
    ->ArgName("remainder")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_brute_force_n32_g1)->ArgName("H")->Arg(2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_dp_only_n32_g1)->ArgName("H")->Arg(2)->Arg(8)->Arg(12)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_decision_warm_n32_g1)->ArgName("H")->Arg(8)->Arg(12)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_decision_cold_n32_g1)
    ->ArgNames({"H", "fill_threads"})
    ->Args({8, 1})
    ->Args({12, 1})
    ->Args({12, 2})
    ->MeasureProcessCPUTime()  // CPU column: all fill threads summed
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_decision_cold_observed_n32_g1)->ArgName("H")->Arg(12)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_decision_lazy_n32_g1)->ArgName("H")->Arg(8)->Arg(12)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_decision_warm_n128_g8)->ArgName("H")->Arg(30)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_decision_cold_n128_g8)
    ->ArgNames({"H", "fill_threads"})
    ->Args({30, 1})
    ->Args({30, 2})
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
