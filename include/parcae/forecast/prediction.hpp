#pragma once
// The forecast returned by the ETS and baseline models: point forecasts, their standard errors
// and prediction intervals at the requested levels (percent), laid out as R's `forecast` object
// (mean, lower[, i], upper[, i]) so that tables written by R compare one to one.

#include <cstddef>
#include <string>
#include <vector>

#include <boost/math/distributions/normal.hpp>

#include "parcae/core/errors.hpp"

namespace parcae::forecast {

/// H-step forecast with prediction intervals. `lower[i][h]` and `upper[i][h]` belong to
/// `levels[i]` (percent, in (0, 100)) and step h + 1.
struct prediction {
  std::vector<double> mean;                ///< point forecasts, one per step
  std::vector<double> se;                  ///< standard error of each step's forecast
  std::vector<double> levels;              ///< interval levels in percent
  std::vector<std::vector<double>> lower;  ///< [level][step]
  std::vector<std::vector<double>> upper;  ///< [level][step]

  std::size_t horizon() const { return mean.size(); }
};

}  // namespace parcae::forecast

namespace parcae::detail {

/// Shared input checks of every forecast function: horizon >= 1, each level in (0, 100).
inline void check_horizon_levels(const char* function, int horizon,
                                 const std::vector<double>& levels) {
  check_at_least(function, "horizon", horizon, 1);
  for (std::size_t i = 0; i < levels.size(); ++i) {
    check_open_interval(function, "levels[" + std::to_string(i) + "]", levels[i], 0.0, 100.0);
  }
}

/// Normal intervals mean +- z * se, z = qnorm(0.5 + level/200) (R: forecast.ets, forecast.Arima,
/// forecast.lagwalk all use this form).
inline void add_normal_intervals(parcae::forecast::prediction& out,
                                 const std::vector<double>& levels) {
  const boost::math::normal_distribution<double> standard(0.0, 1.0);
  out.levels = levels;
  out.lower.assign(levels.size(), std::vector<double>(out.mean.size()));
  out.upper.assign(levels.size(), std::vector<double>(out.mean.size()));
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const double z = boost::math::quantile(standard, 0.5 + levels[i] / 200.0);
    for (std::size_t h = 0; h < out.mean.size(); ++h) {
      out.lower[i][h] = out.mean[h] - z * out.se[h];
      out.upper[i][h] = out.mean[h] + z * out.se[h];
    }
  }
}

}  // namespace parcae::detail
