#pragma once
// The controller's forecaster over forecast::forecast_availability (ARIMA(1,1,0) on N by
// default, the artifact's predictor, §4): the history the controller records becomes the N and
// n_out series, the forecast's additions/removals become the point path, and its sample paths of
// N become (n_in, n_out) paths for the stochastic planner.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/forecast/availability_forecaster.hpp"
#include "parcae/runtime/forecast_source.hpp"

namespace parcae::runtime {

struct availability_source_params {
  forecast::availability_params forecast;  ///< model, window, capacity, seed, artifact rules
  /// Intervals of history before the model is used; until then "no change" (the artifact waits
  /// for W intervals, §4).
  int min_history = 8;

  void validate() const {
    forecast.validate();
    check_at_least("parcae::runtime::availability_source_params::validate", "min_history",
                   min_history, 1);
  }
};

namespace detail {
/// (n_in, n_out) steps of a path of counts that starts from n0.
template <class Counts>
std::vector<plan::availability_step> count_steps(int n0, const Counts& alive, int h) {
  std::vector<plan::availability_step> out(static_cast<std::size_t>(h));
  int prev = n0;
  for (int t = 0; t < h; ++t) {
    const int next = static_cast<int>(alive[t]);
    out[static_cast<std::size_t>(t)] = {std::max(0, next - prev), std::max(0, prev - next)};
    prev = next;
  }
  return out;
}
}  // namespace detail

/// A forecaster_fn for the controller. Each call draws its sample paths with the seed
/// params.forecast.seed and the stream = number of history intervals, so a replay is
/// reproducible and successive decisions use independent draws.
inline forecaster_fn availability_source(availability_source_params params) {
  params.validate();
  return [params](const std::vector<interval_record>& history, int horizon, int paths) {
    availability_forecast out;
    const int n_now = history.empty() ? 0 : history.back().n_after();
    if (static_cast<int>(history.size()) < params.min_history || horizon < 1) {
      out.point.assign(static_cast<std::size_t>(std::max(horizon, 0)), plan::availability_step{});
      return out;
    }
    // Only the records the model's window reads (all when window is 0): the history may hold
    // thousands of intervals, and converting them all each decision cost more than the forecast.
    const std::size_t window = static_cast<std::size_t>(params.forecast.window);
    const std::size_t first =
        window > 0 && history.size() > window ? history.size() - window : std::size_t{0};
    std::vector<double> alive, removed;
    alive.reserve(history.size() - first + 1);
    removed.reserve(history.size() - first);
    for (std::size_t i = first; i < history.size(); ++i) {
      alive.push_back(history[i].n);
      removed.push_back(history[i].n_out);
    }
    alive.push_back(n_now);
    forecast::availability_params p = params.forecast;
    p.horizon = horizon;
    p.n_paths = paths;
    p.capacity = std::max(p.capacity, n_now);
    p.stream = static_cast<std::uint32_t>(history.size());
    const forecast::availability_forecast f = forecast::forecast_availability(alive, removed, p);
    out.point.resize(static_cast<std::size_t>(horizon));
    for (int t = 0; t < horizon; ++t) {
      out.point[static_cast<std::size_t>(t)] = {f.added[static_cast<std::size_t>(t)],
                                                f.removed[static_cast<std::size_t>(t)]};
    }
    for (Eigen::Index k = 0; k < f.paths.rows(); ++k) {
      const Eigen::VectorXi row = f.paths.row(k).transpose();
      out.paths.push_back(detail::count_steps(f.current, row, horizon));
    }
    return out;
  };
}

}  // namespace parcae::runtime
