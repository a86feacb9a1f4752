// Forecast the availability of the p3 trace (32 p3.2xlarge spot instances, 11.4 h) the way the
// planner sees it: every interval, the next H = 10 minutes of alive count N, additions and
// removals, from the last hour of history. Prints one decision point in detail, then the mean
// absolute error of each model over the whole trace.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "parcae/forecast/availability_forecaster.hpp"
#include "parcae/trace/read.hpp"

int main() {
  namespace pf = parcae::forecast;
  const parcae::trace::interval_series series = parcae::trace::bin(parcae::trace::read_trace(
      std::string(PARCAE_SOURCE_DIR) + "/bench/traces/parcae/p3trace.csv"));
  std::printf("p3 trace: %zu one-minute intervals\n", series.size());

  // One decision point, 5.5 h in (the "hh" replay segment): ARIMA(1,1,0) with drift, as the
  // artifact, plus 200 sample paths for a stochastic planner.
  pf::availability_params params;  // ARIMA(1,1,0) with drift, H = 10, capacity 32
  params.window = 60;
  params.n_paths = 200;
  params.seed = 2024;
  parcae::trace::interval_series history = series;
  history.intervals.resize(330);
  const pf::availability_forecast f = pf::forecast_availability(history, params);
  std::printf("model %s (%s), N now %d\n", f.model.name.c_str(), f.model.status.c_str(), f.current);
  std::printf("step   mean   lo95   hi95   N  in out  E[in] E[out]\n");
  for (int k = 0; k < params.horizon; ++k) {
    std::printf("%4d %6.2f %6.2f %6.2f %3d %3d %3d %6.2f %6.2f\n", k + 1, f.alive_mean[k],
                f.intervals.lower[1][k], f.intervals.upper[1][k], f.alive[k], f.added[k],
                f.removed[k], f.expected_added[k], f.expected_removed[k]);
  }

  // Rolling evaluation over the trace: every 10 minutes, forecast 10 steps from the last hour.
  const struct {
    const char* name;
    pf::availability_model model;
  } models[] = {{"arima(1,1,0)+drift", pf::availability_model::arima},
                {"ets (AICc choice)", pf::availability_model::auto_ets},
                {"naive", pf::availability_model::naive},
                {"drift", pf::availability_model::drift}};
  std::printf("mean absolute error of N over 10-step forecasts (every 10 min, last 60 min):\n");
  for (const auto& m : models) {
    pf::availability_params p;
    p.model = m.model;
    p.window = 60;
    double err = 0.0;
    int count = 0;
    for (std::size_t n = 60; n + 10 <= series.size(); n += 10) {
      parcae::trace::interval_series past = series;
      past.intervals.resize(n);
      const pf::availability_forecast g = pf::forecast_availability(past, p);
      for (int k = 0; k < 10; ++k) {
        err += std::abs(g.alive[k] - series.intervals[n + k].alive_after());
        ++count;
      }
    }
    std::printf("  %-20s %.3f\n", m.name, err / count);
  }
  std::printf("done\n");
  return 0;
}
