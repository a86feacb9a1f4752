#pragma once
// Internals of parcae::forecast::fit_ets and forecast_ets: starting states, the final pass that
// fills a fit, and the analytic forecast variance.

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "parcae/forecast/detail/ets_core.hpp"
#include "parcae/forecast/detail/forecaster_random.hpp"

namespace parcae::detail {

inline bool ets_is_constant(const std::vector<double>& y) {
  return std::all_of(y.begin(), y.end(), [&](double v) { return v == y.front(); });
}

/// Starting states as forecast:::initstate (non-seasonal): over the first maxn = min(10, n)
/// points, l0 = their mean (no trend), or (l0, b0) = intercept and slope of the least-squares
/// line y ~ t, t = 1..maxn (trend A), nudged when l0 + b0 is ~0.
inline std::array<double, 2> ets_initial_states(const std::vector<double>& y, bool trend) {
  const int maxn = std::min<int>(10, static_cast<int>(y.size()));
  if (!trend) {
    return {std::accumulate(y.begin(), y.begin() + maxn, 0.0) / maxn, 0.0};
  }
  double tbar = (maxn + 1) / 2.0, ybar = 0.0;
  for (int i = 0; i < maxn; ++i) ybar += y[i];
  ybar /= maxn;
  double sxy = 0.0, sxx = 0.0;
  for (int i = 0; i < maxn; ++i) {
    sxy += (i + 1 - tbar) * (y[i] - ybar);
    sxx += (i + 1 - tbar) * (i + 1 - tbar);
  }
  double b0 = sxy / sxx;
  double l0 = ybar - b0 * tbar;
  if (std::fabs(l0 + b0) < 1e-8) {
    l0 *= 1.001;
    b0 *= 0.999;
  }
  return {l0, b0};
}

/// Spread of the data used to scale the initial-state variables of the optimiser.
inline double ets_scale(const std::vector<double>& y) {
  const double n = static_cast<double>(y.size());
  const double mean = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double ss = 0.0, amax = 0.0;
  for (double v : y) {
    ss += (v - mean) * (v - mean);
    amax = std::max(amax, std::fabs(v));
  }
  const double sd = std::sqrt(ss / std::max(1.0, n - 1.0));
  return std::max({sd, 1e-8 * amax, 1e-300});
}

/// Fills a fit from the optimal parameters: residuals, fitted values, final states,
/// log-likelihood and information criteria exactly as forecast::ets reports them.
template <class Fit>
void ets_finish(const std::vector<double>& y, const ets_shape& shape, const ets_theta& th, int np,
                Fit& out) {
  const int n = static_cast<int>(y.size());
  out.alpha = th[ets_alpha];
  out.beta = shape.trend ? th[ets_beta] : std::numeric_limits<double>::quiet_NaN();
  out.phi = shape.damped ? th[ets_phi] : 1.0;
  out.l0 = th[ets_l0];
  out.b0 = shape.trend ? th[ets_b0] : std::numeric_limits<double>::quiet_NaN();
  out.residuals.assign(n, 0.0);
  double sse = 0.0;
  std::array<double, 2> last{};
  const double crit =
      ets_criterion(y.data(), n, shape, th, nullptr, out.residuals.data(), &sse, &last);
  out.level = last[0];
  out.slope = shape.trend ? last[1] : 0.0;
  out.fitted.resize(n);
  for (int t = 0; t < n; ++t) {
    out.fitted[t] =
        shape.multiplicative ? y[t] / (1.0 + out.residuals[t]) : y[t] - out.residuals[t];
  }
  const double k = np + 1.0, nn = n;
  out.loglik = -0.5 * crit;
  out.aic = crit + 2.0 * k;
  out.bic = crit + std::log(nn) * k;
  out.aicc = out.aic + 2.0 * k * (k + 1.0) / (nn - k - 1.0);
  out.sigma2 = sse / (nn - np);
  out.mse = sse / nn;
}

/// The fit of a constant series: alpha at its upper bound, a perfect fit (R: ses(alpha = 0.99999)).
template <class Fit, class Spec, class Bounds>
Fit ets_constant_fit(const std::vector<double>& y, const Spec& spec, const Bounds& bounds) {
  Fit out;
  out.spec = spec;
  out.n = static_cast<int>(y.size());
  out.constant_series = true;
  out.alpha = bounds.alpha_upper;
  const bool trend = spec.parameter_count() > 2;
  out.beta = trend ? bounds.beta_lower : std::numeric_limits<double>::quiet_NaN();
  out.phi = spec.parameter_count() == 5 ? bounds.phi_upper : 1.0;
  out.l0 = out.level = y.front();
  out.b0 = trend ? 0.0 : std::numeric_limits<double>::quiet_NaN();
  out.slope = 0.0;
  out.residuals.assign(y.size(), 0.0);
  out.fitted = y;
  out.loglik = std::numeric_limits<double>::infinity();
  out.aic = out.aicc = out.bic = -std::numeric_limits<double>::infinity();
  out.sigma2 = out.mse = 0.0;
  return out;
}

/// Point forecasts and standard errors from the last state (forecast:::class1 / class2):
///   mu_h = w' F^{h-1} x_n,  c_j = w' F^{j-1} g,
///   class1: var_h = sigma2 (1 + sum_{j<h} c_j^2)
///   class2: theta_1 = mu_1^2, theta_h = mu_h^2 + sigma2 sum_{j<h} c_j^2 theta_{h-j},
///           var_h = (1 + sigma2) theta_h - mu_h^2
/// with w = (1, phi), F = [[1, phi], [0, phi]], g = (alpha, beta).
inline void ets_point_and_variance(double level, double slope, double alpha, double beta,
                                   double phi, bool multiplicative, double sigma2, int horizon,
                                   std::vector<double>& mean, std::vector<double>& se) {
  mean.assign(horizon, 0.0);
  se.assign(horizon, 0.0);
  std::vector<double> c(horizon, 0.0);
  double sl = level, sb = slope;  // F^{j} x_n
  double gl = alpha, gb = beta;   // F^{j} g
  for (int h = 0; h < horizon; ++h) {
    mean[h] = sl + phi * sb;
    c[h] = gl + phi * gb;
    sl = sl + phi * sb;
    sb = phi * sb;
    gl = gl + phi * gb;
    gb = phi * gb;
  }
  if (!multiplicative) {
    double cum = 0.0;
    for (int h = 0; h < horizon; ++h) {
      se[h] = std::sqrt(sigma2 * (1.0 + cum));
      cum += c[h] * c[h];
    }
    return;
  }
  std::vector<double> theta(horizon, 0.0);
  for (int h = 0; h < horizon; ++h) {
    double s = 0.0;
    for (int j = 0; j < h; ++j) s += c[j] * c[j] * theta[h - 1 - j];
    theta[h] = mean[h] * mean[h] + sigma2 * s;
    se[h] = std::sqrt(std::max(0.0, (1.0 + sigma2) * theta[h] - mean[h] * mean[h]));
  }
}

}  // namespace parcae::detail
