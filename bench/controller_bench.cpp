// What an embedded controller really pays per decision (issue 7): the Parcae artifact's p3 trace
// (bench/traces/parcae/p3trace.csv, 683 one-minute intervals, <= 32 p3.2xlarge instances) is
// replayed through parcae::runtime::controller for gpt-1.5b, H = 12, with the controller's own
// ARIMA forecaster (runtime/availability_source.hpp) and a liveput table that starts EMPTY and is
// filled by the exact estimator as decisions need keys. Each on_interval call is timed: forecast +
// filling the keys the horizon needs + the DP + the placement. The trace is replayed as the CLI's
// `parcae plan` does (binned into intervals, instances named by arrival, oldest preempted first).
//
// One benchmark iteration is the whole replay (683 decisions, a fresh table each time); the
// counters hold the distribution of the per-decision latency:
//   cold_*        the first decision that estimates keys (the trace starts with no instance, so
//                 the first decisions pause; cold_at is its index),
//   p50/p90/p99/max_*  over all decisions (the cold one included),
//   *_cpu_ms      process CPU time (all fill threads summed), *_wall_ms wall-clock time,
//   keys_cold, keys_total: liveput keys estimated by the cold decision / by the whole replay,
//   fills: decisions that estimated at least one key, fcst_p50_ms: the forecaster's median CPU,
//   le_1ms_cpu: the fraction of decisions that took <= 1 ms of CPU.
// Arguments: fill_threads, the exact estimator's threads (liveput::cpu_params::threads); prefill,
// 1 = the controller fills each decision's keys in one batch before the DP (the provider's
// prefill_paths), 0 = a provider without it (each key estimated lazily from inside the DP).
// naive, 1 = the last-value forecaster (the simulator's default since docs/results.md showed it
// beats ARIMA(1,1,0) on p3), 0 = the controller's default ARIMA(1,1,0).
// PARCAE_REPLAY_TRACE=1 prints every decision that estimated keys to stderr.
#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "parcae/liveput/cpu_backend.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/liveput/table.hpp"
#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/throughput.hpp"
#include "parcae/plan/job.hpp"
#include "parcae/plan/liveput_provider.hpp"
#include "parcae/runtime/availability_source.hpp"
#include "parcae/runtime/controller.hpp"
#include "parcae/runtime/trace_replay.hpp"
#include "parcae/trace/bin.hpp"
#include "parcae/trace/read.hpp"

namespace lp = parcae::liveput;
namespace rt = parcae::runtime;

namespace {

double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}
double wall_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Nearest-rank quantile of a non-empty sample.
double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

const parcae::trace::interval_series& p3_series() {
  static const parcae::trace::interval_series s =
      parcae::trace::bin(parcae::trace::read_trace(std::string(PARCAE_SOURCE_DIR) +
                                                   "/bench/traces/parcae/p3trace.csv"),
                         parcae::trace::binning_params{});
  return s;
}

struct replay_stats {
  std::vector<double> cpu, wall, forecast_cpu;
  std::vector<std::size_t> keys;
};

replay_stats replay(int fill_threads, bool prefill, int horizon, bool naive) {
  const auto& series = p3_series();
  int capacity = 1;
  for (const auto& iv : series.intervals)
    capacity = std::max({capacity, iv.alive, iv.alive_after()});
  parcae::plan::job_params jp;
  jp.capacity = capacity;
  jp.liveput.kind = lp::estimator_kind::exact;
  jp.liveput.threads = fill_threads;
  const parcae::plan::job job(parcae::perf::builtin::gpt_1_5b(), jp);
  const auto& table = job.table();
  const parcae::plan::liveput_provider& inner = job.provider();
  // prefill = 0: the provider without its bulk prefill, so the DP estimates every key lazily,
  // one backend call per key (the controller before the prefill existed).
  const parcae::plan::any_transition_provider provider =
      prefill ? job.transition_provider()
              : parcae::plan::any_transition_provider(
                    [&inner](int n, parcae::parallel_config c, int in, int out,
                             std::vector<parcae::plan::transition>& v) {
                      inner.transitions(n, c, in, out, v);
                    },
                    [&inner](parcae::parallel_config c) { return inner.throughput(c); },
                    [&inner](parcae::parallel_config c) { return inner.concurrent_restart_s(c); });

  rt::controller_params params;
  params.planner = job.planner();
  params.horizon = horizon;
  params.n_layers = job.n_layers();
  rt::availability_source_params fp;
  fp.forecast.window = 12;
  fp.forecast.capacity = capacity;
  // naive = 1: the last value, the forecaster the simulator found best on p3 (docs/results.md);
  // it forecasts no events, so the horizon's keys are mostly n_out = 0 and cheap to fill.
  if (naive) fp.forecast.model = parcae::forecast::availability_model::naive;

  replay_stats st;
  double forecast_cpu = 0.0;
  const rt::forecaster_fn arima = rt::availability_source(fp);
  rt::forecaster_fn timed = [&](const std::vector<rt::interval_record>& h, int steps, int k) {
    const double c0 = cpu_ms();
    auto f = arima(h, steps, k);
    forecast_cpu += cpu_ms() - c0;
    return f;
  };
  rt::hooks hooks;
  hooks.reconfigure = [](const rt::decision&) {};
  rt::controller ctl(params, provider, timed, hooks);
  if (std::getenv("PARCAE_REPLAY_TRACE"))
    std::fprintf(stderr, "prefill: %d\n", provider.has_prefill());

  rt::trace_replay replay(series.intervals.front().alive);  // oldest preempted first
  auto step = [&] {
    const std::size_t k0 = table->size();
    forecast_cpu = 0.0;
    const double c0 = cpu_ms(), w0 = wall_ms();
    ctl.on_interval(replay.alive(), replay.joined(), replay.preempted());
    st.wall.push_back(wall_ms() - w0);
    st.cpu.push_back(cpu_ms() - c0);
    st.forecast_cpu.push_back(forecast_cpu);
    st.keys.push_back(table->size() - k0);
    if (std::getenv("PARCAE_REPLAY_TRACE")) {
      const auto d = ctl.last_decision();
      std::fprintf(stderr, "%zu keys %zu (%zu) cpu %.3f fc %.3f N %zu plan:", st.keys.size() - 1,
                   st.keys.back(), d.keys_filled, st.cpu.back(), forecast_cpu,
                   replay.alive().size());
      for (const auto& s : d.plan) std::fprintf(stderr, " %d/%d", s.events.n_in, s.events.n_out);
      std::fprintf(stderr, "\n");
    }
  };
  ctl.on_instances_added(replay.alive());
  step();
  for (std::size_t k = 0; k + 1 < series.intervals.size(); ++k) {
    replay.step(series.intervals[k]);
    step();
  }
  return st;
}

void BM_controller_replay_p3_gpt15b(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const bool prefill = state.range(1) != 0;
  const bool naive = state.range(2) != 0;
  replay_stats st;
  for (auto _ : state) st = replay(threads, prefill, 12, naive);
  auto& c = state.counters;
  c["decisions"] = static_cast<double>(st.cpu.size());
  // The trace starts with an empty cluster: the cold decision is the first that estimates keys.
  std::size_t cold = 0;
  while (cold + 1 < st.keys.size() && st.keys[cold] == 0) ++cold;
  c["cold_at"] = static_cast<double>(cold);
  c["cold_cpu_ms"] = st.cpu[cold];
  c["cold_wall_ms"] = st.wall[cold];
  c["p50_cpu_ms"] = quantile(st.cpu, 0.5);
  c["p90_cpu_ms"] = quantile(st.cpu, 0.9);
  c["p99_cpu_ms"] = quantile(st.cpu, 0.99);
  c["max_cpu_ms"] = quantile(st.cpu, 1.0);
  c["p50_wall_ms"] = quantile(st.wall, 0.5);
  c["p99_wall_ms"] = quantile(st.wall, 0.99);
  c["max_wall_ms"] = quantile(st.wall, 1.0);
  c["fcst_p50_ms"] = quantile(st.forecast_cpu, 0.5);
  c["le_1ms_cpu"] = static_cast<double>(std::count_if(st.cpu.begin(), st.cpu.end(),
                                                      [](double v) { return v <= 1.0; })) /
                    static_cast<double>(st.cpu.size());
  c["keys_cold"] = static_cast<double>(st.keys[cold]);
  double total = 0, fills = 0;
  for (std::size_t k : st.keys) {
    total += static_cast<double>(k);
    fills += k > 0 ? 1.0 : 0.0;
  }
  c["keys_total"] = total;
  c["fills"] = fills;
}

}  // namespace

BENCHMARK(BM_controller_replay_p3_gpt15b)
    ->ArgNames({"fill_threads", "prefill", "naive"})
    ->Args({1, 0, 0})
    ->Args({1, 1, 0})
    ->Args({2, 1, 0})
    ->Args({1, 1, 1})
    ->Iterations(1)
    ->MeasureProcessCPUTime()  // CPU column: the whole replay, all fill threads summed
    ->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
