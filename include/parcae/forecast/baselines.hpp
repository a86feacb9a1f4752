#pragma once
// Baseline forecasters with R's interval formulas (forecast 8.20):
//   naive  random walk, forecast::naive / rwf(drift = FALSE):
//          mean_h = y_n, se_h = sqrt(h * s2), s2 = sum(diff(y)^2) / (n - 1)
//   drift  random walk with drift, forecast::rwf(drift = TRUE):
//          b = mean(diff(y)), sd = sd(diff(y)), se(b) = sd / sqrt(n - 1),
//          mean_h = y_n + h b, se_h = sqrt(h * s2 + (h se(b))^2),
//          s2 = sum((diff(y) - b)^2) / (n - 1 - [b != 0])   (R divides by n - 1 when b is exactly
//          0)
//   mean   forecast::meanf: mean_h = mean(y), intervals mean +- t_{n-1} * sd(y) sqrt(1 + 1/n)
//          (Student t, not normal)
// Sample paths: Gaussian random walks (naive, drift; the drift's own uncertainty is not sampled,
// as forecast's simulate.lagwalk) or independent draws (mean).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <boost/math/distributions/students_t.hpp>

#include "parcae/core/errors.hpp"
#include "parcae/core/rng.hpp"
#include "parcae/forecast/detail/forecaster_random.hpp"
#include "parcae/forecast/prediction.hpp"

namespace parcae::forecast {

enum class baseline_method { naive, drift, mean };

inline const char* to_string(baseline_method m) {
  return m == baseline_method::naive ? "naive" : (m == baseline_method::drift ? "drift" : "mean");
}

/// A fitted baseline: everything its forecasts need.
struct baseline_fit {
  baseline_method method = baseline_method::naive;
  int n = 0;
  double last = 0.0;      ///< y_n
  double mean = 0.0;      ///< mean(y) (method mean)
  double sd = 0.0;        ///< sd(y) (method mean)
  double drift = 0.0;     ///< b (method drift)
  double drift_se = 0.0;  ///< se(b) (method drift)
  double sigma2 = 0.0;    ///< innovation variance used by the intervals (s2 above; sd^2 for mean)
};

/// Minimum series length of each method: naive 2, drift 3, mean 2.
inline std::size_t baseline_min_length(baseline_method m) {
  return m == baseline_method::drift ? 3 : 2;
}

inline baseline_fit fit_baseline(const std::vector<double>& y, baseline_method method) {
  constexpr const char* fn = "parcae::forecast::fit_baseline";
  check_min_size(fn, "y", y, baseline_min_length(method));
  check_all_finite(fn, "y", y);
  baseline_fit f;
  f.method = method;
  f.n = static_cast<int>(y.size());
  f.last = y.back();
  const double n = f.n;
  if (method == baseline_method::mean) {
    f.mean = std::accumulate(y.begin(), y.end(), 0.0) / n;
    double ss = 0.0;
    for (double v : y) ss += (v - f.mean) * (v - f.mean);
    f.sd = std::sqrt(ss / (n - 1.0));
    f.sigma2 = f.sd * f.sd;
    return f;
  }
  std::vector<double> d(y.size() - 1);
  for (std::size_t i = 1; i < y.size(); ++i) d[i - 1] = y[i] - y[i - 1];
  const double m = n - 1.0;  // number of differences
  if (method == baseline_method::naive) {
    double ss = 0.0;
    for (double v : d) ss += v * v;
    f.sigma2 = ss / m;
    return f;
  }
  f.drift = std::accumulate(d.begin(), d.end(), 0.0) / m;
  double ss = 0.0;
  for (double v : d) ss += (v - f.drift) * (v - f.drift);
  const double sd = std::sqrt(ss / (m - 1.0));
  f.drift_se = sd / std::sqrt(m);
  f.sigma2 = ss / (m - (f.drift != 0.0 ? 1.0 : 0.0));
  return f;
}

/// H-step forecasts with R's intervals.
inline prediction forecast_baseline(const baseline_fit& f, int horizon,
                                    const std::vector<double>& levels = {80.0, 95.0}) {
  parcae::detail::check_horizon_levels("parcae::forecast::forecast_baseline", horizon, levels);
  prediction out;
  out.mean.resize(horizon);
  out.se.resize(horizon);
  for (int h = 1; h <= horizon; ++h) {
    switch (f.method) {
      case baseline_method::naive:
        out.mean[h - 1] = f.last;
        out.se[h - 1] = std::sqrt(f.sigma2 * h);
        break;
      case baseline_method::drift:
        out.mean[h - 1] = f.last + h * f.drift;
        out.se[h - 1] = std::sqrt(f.sigma2 * h + (h * f.drift_se) * (h * f.drift_se));
        break;
      case baseline_method::mean:
        out.mean[h - 1] = f.mean;
        out.se[h - 1] = f.sd * std::sqrt(1.0 + 1.0 / f.n);
        break;
    }
  }
  if (f.method != baseline_method::mean) {
    parcae::detail::add_normal_intervals(out, levels);
    return out;
  }
  const boost::math::students_t_distribution<double> t(f.n - 1.0);
  out.levels = levels;
  out.lower.assign(levels.size(), std::vector<double>(horizon));
  out.upper.assign(levels.size(), std::vector<double>(horizon));
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const double q = boost::math::quantile(t, 0.5 + levels[i] / 200.0);
    for (int h = 0; h < horizon; ++h) {
      out.lower[i][h] = out.mean[h] - q * out.se[h];
      out.upper[i][h] = out.mean[h] + q * out.se[h];
    }
  }
  return out;
}

/// Convenience: fit and forecast in one call.
inline prediction baseline_forecast(const std::vector<double>& y, baseline_method method,
                                    int horizon, const std::vector<double>& levels = {80.0, 95.0}) {
  return forecast_baseline(fit_baseline(y, method), horizon, levels);
}

/// Sample paths (rows) of the baseline's predictive model; path k uses counter_rng(seed, stream,
/// k), so the same seed gives the same paths.
inline Eigen::MatrixXd simulate_baseline(const baseline_fit& f, int horizon, int n_paths,
                                         std::uint64_t seed, std::uint32_t stream = 0) {
  constexpr const char* fn = "parcae::forecast::simulate_baseline";
  check_at_least(fn, "horizon", horizon, 1);
  check_at_least(fn, "n_paths", n_paths, 1);
  Eigen::MatrixXd paths(n_paths, horizon);
  const double sigma = std::sqrt(std::max(0.0, f.sigma2));
  for (int k = 0; k < n_paths; ++k) {
    parcae::counter_rng rng(seed, stream, static_cast<std::uint64_t>(k));
    double level = f.last;
    for (int h = 0; h < horizon; ++h) {
      const double z = sigma * parcae::detail::standard_normal(rng);
      if (f.method == baseline_method::mean) {
        paths(k, h) = f.mean + z;
      } else {
        level += f.drift + z;
        paths(k, h) = level;
      }
    }
  }
  return paths;
}

}  // namespace parcae::forecast
