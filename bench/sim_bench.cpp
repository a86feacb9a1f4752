// Speed of the main job (`parcae sim`): the whole p3 trace (683 one-minute intervals) through
// every policy for one model, and for all five shipped models, each run from an empty liveput
// table (so the table fill is included). Baselines measured in the same run: the trace-only
// policies (ideal, reactive, reactive-live, recycle, bamboo, on-demand), and parcae-truth alone.
//
//   build/bench/bench_sim --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "parcae/perf/profile_json.hpp"
#include "parcae/sim/harness.hpp"
#include "parcae/trace/read.hpp"

namespace {

const char* const models[] = {"gpt-1.5b", "bert", "resnet152", "vgg19", "gpt-6.7b"};

const parcae::sim::event_trace& p3() {
  static const parcae::sim::event_trace t = parcae::sim::make_event_trace(parcae::trace::read_trace(
      std::filesystem::path(std::string(PARCAE_SOURCE_DIR) + "/bench/traces/parcae/p3trace.csv")));
  return t;
}

const parcae::plan::job& job_of(int i) {
  static std::vector<std::unique_ptr<parcae::plan::job>> jobs = [] {
    std::vector<std::unique_ptr<parcae::plan::job>> v;
    parcae::plan::job_params jp;
    jp.capacity = p3().capacity();
    for (const char* m : models) {
      v.push_back(std::make_unique<parcae::plan::job>(parcae::perf::load_profile(m), jp));
    }
    return v;
  }();
  return *jobs[static_cast<std::size_t>(i)];
}

void run(benchmark::State& state, const std::vector<std::string>& policies, int first, int last) {
  double samples = 0.0;
  for (auto _ : state) {
    for (int m = first; m < last; ++m) {
      job_of(m).table()->clear();  // every run from an empty liveput table, as `parcae sim`
      const auto r = parcae::sim::run_harness(p3(), job_of(m), policies);
      samples += r.policies.back().result.samples;
    }
  }
  benchmark::DoNotOptimize(samples);
  state.counters["intervals"] =
      benchmark::Counter(static_cast<double>(p3().size() * (last - first)) * state.iterations(),
                         benchmark::Counter::kIsRate);
}

void BM_baselines_one_model(benchmark::State& state) {
  const int m = static_cast<int>(state.range(0));
  state.SetLabel(models[m]);
  run(state, {"ideal", "reactive", "reactive-live", "recycle", "bamboo", "on-demand"}, m, m + 1);
}
void BM_parcae_truth_one_model(benchmark::State& state) {
  const int m = static_cast<int>(state.range(0));
  state.SetLabel(models[m]);
  run(state, {"parcae-truth"}, m, m + 1);
}
void BM_all_policies_one_model(benchmark::State& state) {
  const int m = static_cast<int>(state.range(0));
  state.SetLabel(models[m]);
  run(state, {"all"}, m, m + 1);
}
void BM_all_policies_five_models(benchmark::State& state) { run(state, {"all"}, 0, 5); }

}  // namespace

BENCHMARK(BM_baselines_one_model)->ArgName("model")->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_parcae_truth_one_model)
    ->ArgName("model")
    ->DenseRange(0, 4)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK(BM_all_policies_one_model)
    ->ArgName("model")
    ->DenseRange(0, 4)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK(BM_all_policies_five_models)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

BENCHMARK_MAIN();
