// ETS fit + forecast speed (docs/PERFORMANCE.md, "Forecasting: ETS and baselines").
// Cases: ETS(A,N,N), ETS(A,Ad,N) and the AICc choice among ANN/AAdN/AAN on 12-point windows of
// the p3 alive count (the availability forecaster's use) and on the 100-point Nile series; the
// naive baseline as the floor; R's timing of the same calls comes from scripts/bench/ets_vs_r.sh.
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "parcae/forecast/baselines.hpp"
#include "parcae/forecast/ets.hpp"
#include "parcae/trace/bin.hpp"
#include "parcae/trace/read.hpp"

namespace {

namespace pf = parcae::forecast;

std::vector<double> p3_alive() {
  const auto s = parcae::trace::bin(parcae::trace::read_trace(std::string(PARCAE_SOURCE_DIR) +
                                                              "/bench/traces/parcae/p3trace.csv"));
  std::vector<double> out;
  for (const auto& i : s.intervals) out.push_back(i.alive);
  return out;
}

/// Non-constant 12-point windows of the p3 alive count.
const std::vector<std::vector<double>>& p3_windows() {
  static const std::vector<std::vector<double>> w = [] {
    const std::vector<double> a = p3_alive();
    std::vector<std::vector<double>> out;
    for (std::size_t i = 0; i + 12 <= a.size(); i += 12) {
      std::vector<double> win(a.begin() + i, a.begin() + i + 12);
      bool flat = true;
      for (double v : win) flat = flat && v == win.front();
      if (!flat) out.push_back(win);
    }
    return out;
  }();
  return w;
}

const std::vector<double>& nile() {
  static const std::vector<double> y = {
      1120, 1160, 963, 1210, 1160, 1160, 813,  1230, 1370, 1140, 995,  935,  1110, 994,  1020,
      960,  1180, 799, 958,  1140, 1100, 1210, 1150, 1250, 1260, 1220, 1030, 1100, 774,  840,
      874,  694,  940, 833,  701,  916,  692,  1020, 1050, 969,  831,  726,  456,  824,  702,
      1120, 1100, 832, 764,  821,  768,  845,  864,  862,  698,  845,  744,  796,  1040, 759,
      781,  865,  845, 944,  984,  897,  822,  1010, 771,  676,  649,  846,  812,  742,  801,
      1040, 860,  874, 848,  890,  744,  749,  838,  1050, 918,  986,  797,  923,  975,  815,
      1020, 906,  901, 1170, 912,  746,  919,  718,  714,  740};
  return y;
}

void fit_forecast(benchmark::State& state, const std::vector<std::vector<double>>& data,
                  int model) {
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& y = data[i++ % data.size()];
    pf::ets_fit f;
    if (model == 0) f = pf::fit_ets(y, {pf::ets_error::additive, pf::ets_trend::none});
    if (model == 1) f = pf::fit_ets(y, {pf::ets_error::additive, pf::ets_trend::additive_damped});
    if (model == 2) f = pf::auto_ets(y);
    benchmark::DoNotOptimize(pf::forecast_ets(f, 12));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ets_ANN_p3_window12(benchmark::State& s) { fit_forecast(s, p3_windows(), 0); }
void BM_ets_AAdN_p3_window12(benchmark::State& s) { fit_forecast(s, p3_windows(), 1); }
void BM_ets_auto_p3_window12(benchmark::State& s) { fit_forecast(s, p3_windows(), 2); }
void BM_ets_ANN_nile(benchmark::State& s) { fit_forecast(s, {nile()}, 0); }
void BM_ets_AAdN_nile(benchmark::State& s) { fit_forecast(s, {nile()}, 1); }
void BM_ets_auto_nile(benchmark::State& s) { fit_forecast(s, {nile()}, 2); }

void BM_naive_p3_window12(benchmark::State& state) {
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& y = p3_windows()[i++ % p3_windows().size()];
    benchmark::DoNotOptimize(pf::baseline_forecast(y, pf::baseline_method::naive, 12));
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(BM_naive_p3_window12);
BENCHMARK(BM_ets_ANN_p3_window12);
BENCHMARK(BM_ets_AAdN_p3_window12);
BENCHMARK(BM_ets_auto_p3_window12);
BENCHMARK(BM_ets_ANN_nile);
BENCHMARK(BM_ets_AAdN_nile);
BENCHMARK(BM_ets_auto_nile);
BENCHMARK_MAIN();
