#pragma once
// Conditional sum of squares for ARIMA(p, d, q) (R's ARIMA_CSS, stats::arima method = "CSS"):
// the series is differenced d times, the first n_cond = d + p values are conditioned on, MA
// innovations before the start are taken as zero. Returns the mean square of the residuals.

#include <algorithm>
#include <cstddef>
#include <vector>

namespace parcae::detail {

/// w: scratch of n; resid: n values (the first n_cond are set to 0). Returns ssq / nu with nu =
/// n - n_cond (the caller guarantees nu >= 1).
inline double arima_css(const double* y, std::size_t n, int d, const double* phi, int p,
                        const double* theta, int q, std::size_t n_cond, double* w, double* resid,
                        std::size_t* nu_out = nullptr) {
  for (std::size_t l = 0; l < n; ++l) w[l] = y[l];
  for (int k = 0; k < d; ++k) {
    for (std::size_t l = n; l-- > 1;) w[l] -= w[l - 1];
  }
  double ssq = 0.0;
  std::size_t nu = 0;
  for (std::size_t l = 0; l < n_cond && l < n; ++l) resid[l] = 0.0;
  for (std::size_t l = n_cond; l < n; ++l) {
    double e = w[l];
    for (int j = 0; j < p; ++j) e -= phi[j] * w[l - static_cast<std::size_t>(j) - 1];
    const std::size_t qmax = std::min(l - n_cond, static_cast<std::size_t>(q));
    for (std::size_t j = 0; j < qmax; ++j) e -= theta[j] * resid[l - j - 1];
    resid[l] = e;
    ssq += e * e;
    ++nu;
  }
  if (nu_out != nullptr) *nu_out = nu;
  return ssq / static_cast<double>(nu);
}

}  // namespace parcae::detail
