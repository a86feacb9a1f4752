// ARIMA fitting speed: the planner's per-interval fit (ARIMA(1,1,0) + 12-step forecast on a
// 12-minute window of the p3 trace) and auto_arima on long series. R's timings for the same work
// are measured side by side by scripts/bench/forecast_vs_r.sh (R is the baseline here: about
// 3.2 ms per window fit and 40 ms+ per auto.arima call on this machine class).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "parcae/forecast/arima.hpp"
#include "parcae/forecast/auto_arima.hpp"

namespace {

std::vector<double> load_series(const std::string& name) {
  std::ifstream in(std::string(PARCAE_SOURCE_DIR) + "/tests/data/forecast/arima_series_" + name +
                   ".csv");
  std::vector<double> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') out.push_back(std::strtod(line.c_str(), nullptr));
  }
  return out;
}

// All 12-point windows of the p3 alive-count series with a non-constant history (a constant
// history is a trivial perfect fit and would flatter the figure).
std::vector<std::vector<double>> p3_windows() {
  const auto y = load_series("p3");
  std::vector<std::vector<double>> out;
  for (std::size_t s = 0; s + 12 <= y.size(); ++s) {
    std::vector<double> w(y.begin() + static_cast<std::ptrdiff_t>(s),
                          y.begin() + static_cast<std::ptrdiff_t>(s + 12));
    bool constant = true;
    for (double v : w) constant = constant && v == w[0];
    if (!constant) out.push_back(std::move(w));
  }
  return out;
}

void arima110_windows(benchmark::State& state, parcae::forecast::arima_method method) {
  const auto windows = p3_windows();
  parcae::forecast::arima_params params;
  params.order = {1, 1, 0};
  params.method = method;
  std::size_t i = 0;
  double acc = 0.0;
  for (auto _ : state) {
    const auto m = parcae::forecast::arima::fit(windows[i], params);
    const auto f = m.forecast(12, {80.0, 95.0});
    acc += f.mean[11];
    i = (i + 1) % windows.size();
  }
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(state.iterations());
  state.counters["windows"] = static_cast<double>(windows.size());
}

void BM_arima110_window_ml(benchmark::State& state) {
  arima110_windows(state, parcae::forecast::arima_method::ml);
}
void BM_arima110_window_css_ml(benchmark::State& state) {
  arima110_windows(state, parcae::forecast::arima_method::css_ml);
}
BENCHMARK(BM_arima110_window_ml)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_arima110_window_css_ml)->Unit(benchmark::kMicrosecond);

void auto_arima_series(benchmark::State& state, const std::string& name) {
  const auto y = load_series(name);
  double acc = 0.0;
  for (auto _ : state) {
    const auto m = parcae::forecast::auto_arima(y);
    acc += m.aicc;
  }
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(state.iterations());
  state.counters["n"] = static_cast<double>(y.size());
}

void BM_auto_arima_sim1500(benchmark::State& state) { auto_arima_series(state, "sim1500"); }
void BM_auto_arima_p3(benchmark::State& state) { auto_arima_series(state, "p3"); }
void BM_auto_arima_nile(benchmark::State& state) { auto_arima_series(state, "nile"); }
BENCHMARK(BM_auto_arima_sim1500)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_auto_arima_p3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_auto_arima_nile)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
