#pragma once
// Availability forecaster: from the interval series (N, n_in, n_out) of a trace, the next H
// intervals' instance counts, additions and removals, with prediction intervals and sample paths
// for a planner that plans over the forecast's uncertainty (parcae-artifact.md section 4; the
// artifact fits ARIMA(1,1,0) to N only, and so do we by default).
//
// Timing. The history is N_0..N_{n-1} (alive at the start of each past interval) followed by the
// current count N_n (alive now, = alive_after() of the last interval). Step k = 1..H of the
// result is future interval n+k-1: added[k-1] / removed[k-1] instances join / leave during it,
// and alive[k-1] are alive at its end, so alive[k-1] = alive[k-2] + added[k-1] - removed[k-1]
// with alive[-1] = N_n.
//
// Pipeline: (1) take the last `window` counts (0: all); (2) optionally the artifact's
// pre-processing (artifact_rules.hpp rules 1-3); (3) fit the model to N; a constant window gives
// the constant forecast without a fit (status "ok (constant series)"), as the artifact does;
// (4) point forecast rounded to the nearest count and clamped to [0, capacity] (or, with the
// artifact rules, their post-processing, which clamps to [lower_bound, upper_bound]); additions
// and removals are the positive and negative steps of that trace; (5) the prediction intervals of
// N clamped to [0, capacity]; (6) n_paths sample paths of N from the fitted model, rounded and
// clamped like the point forecast; expected additions/removals are their mean positive/negative
// steps (or the point forecast's when n_paths = 0).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "parcae/core/errors.hpp"
#include "parcae/core/limits.hpp"
#include "parcae/forecast/artifact_rules.hpp"
#include "parcae/forecast/detail/forecaster_models.hpp"
#include "parcae/trace/bin.hpp"

namespace parcae::forecast {

/// Most values a set of sample paths may hold (n_paths * horizon): 2e7 counts, 240 MB while drawn.
inline constexpr long long max_path_values = 20'000'000;
/// Longest horizon a forecast may have.
inline constexpr int max_horizon = 1'000'000;

struct availability_params {
  availability_model model = availability_model::arima;
  /// ARIMA settings; the default is the artifact's ARIMA(1,1,0) with a constant (statsmodels'
  /// old ARIMA fits trend "c", a drift for d = 1) by CSS-ML.
  arima_params arima = default_arima();
  ets_spec ets{ets_error::additive, ets_trend::additive_damped};  ///< model ets
  ets_select_params ets_select;                                   ///< model auto_ets
  auto_arima_params auto_arima_options;  ///< model auto_arima (Hyndman-Khandakar)
  int horizon = 10;                      ///< H (the artifact's default look-ahead)
  int window = 0;                        ///< history intervals used (0: all)
  int capacity = 32;                     ///< N is clamped to [0, capacity]
  std::vector<double> levels = {80.0, 95.0};
  int n_paths = 0;  ///< sample paths (0: none)
  std::uint64_t seed = 0;
  std::uint32_t stream = 0;
  std::optional<artifact_rules_params> artifact_rules;  ///< the artifact's rules, when set

  static arima_params default_arima() {
    arima_params a;
    a.order = {1, 1, 0};
    a.include_drift = true;
    return a;
  }

  void validate() const {
    constexpr const char* fn = "parcae::forecast::availability_params::validate";
    check_at_least(fn, "horizon", horizon, 1);
    check_at_most(fn, "horizon", horizon, max_horizon);
    check_nonnegative(fn, "window", window);
    check_nonnegative(fn, "capacity", capacity);
    check_at_most(fn, "capacity", capacity, parcae::limits::instances);
    check_nonnegative(fn, "n_paths", n_paths);
    // n_paths x horizon counts (and as many doubles while they are drawn): bounded, so a typo
    // such as 10,000,000 paths x 1,000 steps is an error instead of std::bad_alloc.
    check_at_most(fn, "n_paths * horizon", static_cast<long long>(n_paths) * horizon,
                  max_path_values);
    for (std::size_t i = 0; i < levels.size(); ++i) {
      check_open_interval(fn, "levels[" + std::to_string(i) + "]", levels[i], 0.0, 100.0);
    }
    if (model == availability_model::arima) arima.validate(fn);
    if (model == availability_model::auto_arima) auto_arima_options.validate(fn);
    ets_select.validate();
    if (artifact_rules) artifact_rules->validate();
  }
};

struct availability_forecast {
  fitted_model model;               ///< what was fitted to N
  int current = 0;                  ///< N_n, the count the forecast starts from
  std::vector<double> alive_mean;   ///< the model's point forecast of N (unrounded)
  std::vector<int> alive;           ///< N at the end of each future interval
  std::vector<int> added, removed;  ///< per future interval, from the steps of `alive`
  std::vector<double> expected_added, expected_removed;  ///< means over the sample paths
  prediction intervals;                                  ///< of N, bounds clamped to [0, capacity]
  Eigen::MatrixXi paths;  ///< n_paths x H sample paths of N (rounded, clamped)
};

namespace detail_forecaster {

inline std::vector<double> window_of(const std::vector<double>& v, int window) {
  if (window <= 0 || static_cast<std::size_t>(window) >= v.size()) return v;
  return std::vector<double>(v.end() - window, v.end());
}

}  // namespace detail_forecaster

/// Fits the model of `params` to a series and forecasts params.horizon steps (no rounding, no
/// clamping): the model step of forecast_availability, also used by `parcae forecast --series`.
/// A constant series gets the constant forecast with zero-width intervals and no fit. `fit`
/// receives the fitted model (for sample paths) and its summary.
inline prediction fit_and_predict(const std::vector<double>& history,
                                  const availability_params& params,
                                  parcae::detail::forecaster_fit& fit) {
  params.validate();
  check_min_size("parcae::forecast::fit_and_predict", "history", history, 1);
  check_all_finite("parcae::forecast::fit_and_predict", "history", history);
  const int h = params.horizon;
  fit.kind = params.model;
  const bool constant =
      std::all_of(history.begin(), history.end(), [&](double v) { return v == history.front(); });
  prediction pred;
  if (constant) {
    fit.summary.name = "constant";
    fit.summary.status = "ok (constant series)";
    pred.mean.assign(h, history.back());
    pred.se.assign(h, 0.0);
    parcae::detail::add_normal_intervals(pred, params.levels);
  } else {
    switch (params.model) {
      case availability_model::arima:
        fit.arima_fit = arima::fit(history, params.arima);
        pred = fit.arima_fit.forecast(h, params.levels);
        parcae::detail::summarise_arima(fit);
        break;
      case availability_model::auto_arima:
        fit.arima_fit = parcae::forecast::auto_arima(history, params.auto_arima_options);
        pred = fit.arima_fit.forecast(h, params.levels);
        parcae::detail::summarise_arima(fit);
        break;
      case availability_model::ets:
        fit.ets = fit_ets(history, params.ets, params.ets_select.fit);
        pred = forecast_ets(fit.ets, h, params.levels);
        parcae::detail::summarise_ets(fit);
        break;
      case availability_model::auto_ets:
        fit.ets = auto_ets(history, params.ets_select);
        pred = forecast_ets(fit.ets, h, params.levels);
        parcae::detail::summarise_ets(fit);
        break;
      case availability_model::naive:
      case availability_model::drift:
      case availability_model::mean:
        fit.baseline = fit_baseline(
            history, params.model == availability_model::naive   ? baseline_method::naive
                     : params.model == availability_model::drift ? baseline_method::drift
                                                                 : baseline_method::mean);
        pred = forecast_baseline(fit.baseline, h, params.levels);
        parcae::detail::summarise_baseline(fit);
        break;
    }
  }
  return pred;
}

/// Forecast from plain series. `alive` is N_0..N_n (its last value is the current count);
/// `removed` (optional, may be empty) is n_out of the same intervals, used only by the artifact's
/// Poisson rule. Throws parcae::invalid_argument for bad params, NaN/inf/negative counts or a
/// history shorter than the model needs.
inline availability_forecast forecast_availability(const std::vector<double>& alive,
                                                   const std::vector<double>& removed,
                                                   const availability_params& params) {
  constexpr const char* fn = "parcae::forecast::forecast_availability";
  params.validate();
  check_min_size(fn, "alive", alive, 2);
  check_all_finite(fn, "alive", alive);
  check_all_finite(fn, "removed", removed);
  // Counts beyond limits::instances (3e9 overflowed the int current count) are refused.
  const double most = parcae::limits::instances;
  // The element's name is built only for the message: a controller forecasts from thousands of
  // intervals every decision, and a string per element cost more than the forecast.
  for (const auto* v : {&alive, &removed}) {
    for (std::size_t i = 0; i < v->size(); ++i) {
      const double x = (*v)[i];
      if (x >= 0.0 && x <= most) continue;
      const std::string at = (v == &alive ? "alive[" : "removed[") + std::to_string(i) + "]";
      check_nonnegative(fn, at, x);
      check_at_most(fn, at, x, most);
    }
  }
  std::vector<double> history = detail_forecaster::window_of(alive, params.window);
  const std::vector<double> removal_history = detail_forecaster::window_of(removed, params.window);
  if (params.artifact_rules) {
    remove_outliers(history, params.artifact_rules->outlier_max_run);
    if (params.artifact_rules->flatten_turning_points) flatten_turning_point(history);
  }
  const int h = params.horizon;
  availability_forecast out;
  out.current = static_cast<int>(std::lround(history.back()));
  const bool constant =
      std::all_of(history.begin(), history.end(), [&](double v) { return v == history.front(); });
  parcae::detail::forecaster_fit fit;
  const prediction pred = fit_and_predict(history, params, fit);
  out.model = fit.summary;
  out.alive_mean = pred.mean;
  const double cap = params.capacity;
  const auto to_count = [cap](double v) {
    return static_cast<int>(std::clamp(std::nearbyint(v), 0.0, cap));
  };
  const auto steps = [](int from, const std::vector<int>& trace, std::vector<int>& up,
                        std::vector<int>& down) {
    up.assign(trace.size(), 0);
    down.assign(trace.size(), 0);
    for (std::size_t k = 0; k < trace.size(); ++k) {
      up[k] = std::max(trace[k] - from, 0);
      down[k] = std::max(from - trace[k], 0);
      from = trace[k];
    }
  };
  if (params.artifact_rules) {
    const artifact_trace t =
        artifact_postprocess(pred.mean, history, removal_history, *params.artifact_rules);
    out.alive = t.alive;
    out.added = t.added;
    out.removed = t.removed;
  } else {
    out.alive.resize(h);
    for (int k = 0; k < h; ++k) out.alive[k] = to_count(pred.mean[k]);
    steps(out.current, out.alive, out.added, out.removed);
  }
  out.intervals = pred;
  for (auto* side : {&out.intervals.lower, &out.intervals.upper}) {
    for (auto& row : *side) {
      for (double& v : row) v = std::clamp(v, 0.0, cap);
    }
  }
  out.expected_added.assign(out.added.begin(), out.added.end());
  out.expected_removed.assign(out.removed.begin(), out.removed.end());
  if (params.n_paths > 0) {
    out.paths.resize(params.n_paths, h);
    Eigen::MatrixXd raw;
    if (constant) {
      raw = Eigen::MatrixXd::Constant(params.n_paths, h, history.back());
    } else {
      raw = parcae::detail::forecaster_paths(fit, pred, params.n_paths, params.seed, params.stream);
    }
    std::fill(out.expected_added.begin(), out.expected_added.end(), 0.0);
    std::fill(out.expected_removed.begin(), out.expected_removed.end(), 0.0);
    std::vector<int> row(h), up, down;
    for (int k = 0; k < params.n_paths; ++k) {
      for (int t = 0; t < h; ++t) row[t] = out.paths(k, t) = to_count(raw(k, t));
      steps(out.current, row, up, down);
      for (int t = 0; t < h; ++t) {
        out.expected_added[t] += up[t] / double(params.n_paths);
        out.expected_removed[t] += down[t] / double(params.n_paths);
      }
    }
  }
  return out;
}

/// Forecast from a binned trace: N is the alive column followed by the count after the last
/// interval; n_out is the removed column.
inline availability_forecast forecast_availability(const parcae::trace::interval_series& series,
                                                   const availability_params& params) {
  constexpr const char* fn = "parcae::forecast::forecast_availability";
  check_min_size(fn, "series.intervals", series.intervals, 1);
  std::vector<double> alive, removed;
  alive.reserve(series.size() + 1);
  for (const auto& i : series.intervals) {
    alive.push_back(i.alive);
    removed.push_back(i.removed);
  }
  alive.push_back(series.intervals.back().alive_after());
  return forecast_availability(alive, removed, params);
}

}  // namespace parcae::forecast
