#pragma once
// KPSS test of level stationarity (Kwiatkowski, Phillips, Schmidt and Shin 1992) and the number
// of differences it asks for, as forecast::ndiffs(test = "kpss") computes them with
// urca::ur.kpss(type = "mu", use.lag = trunc(3 sqrt(n) / 13)): Bartlett-weighted long-run
// variance, p-value interpolated linearly in the table of critical values (0.347, 0.463, 0.574,
// 0.739 for 10%, 5%, 2.5%, 1%) and clamped to [0.01, 0.10].

#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

#include "parcae/core/errors.hpp"

namespace parcae::forecast {

struct kpss_result {
  double statistic = 0.0;
  int lags = 0;
  double p_value = 0.0;  ///< interpolated, within [0.01, 0.10]
};

namespace detail_kpss {
// R's all.equal(x, rep(x[1], n)) as forecast's is.constant uses it: mean absolute difference
// relative to mean |x| below 1.5e-8.
inline bool is_constant(const std::vector<double>& x) {
  double diff = 0.0, scale = 0.0;
  for (double v : x) {
    diff += std::abs(v - x[0]);
    scale += std::abs(v);
  }
  if (diff == 0.0) return true;
  return scale > 0.0 ? diff / scale < 1.5e-8 : diff / static_cast<double>(x.size()) < 1.5e-8;
}
}  // namespace detail_kpss

/// KPSS statistic for level stationarity. lags < 0 selects trunc(3 sqrt(n) / 13).
inline kpss_result kpss_test(const std::vector<double>& x, int lags = -1) {
  static constexpr const char* fn = "parcae::forecast::kpss_test";
  check_min_size(fn, "x", x, 2);
  check_all_finite(fn, "x", x);
  const std::size_t n = x.size();
  if (lags < 0) lags = static_cast<int>(std::trunc(3.0 * std::sqrt(static_cast<double>(n)) / 13.0));
  check_at_most(fn, "lags", lags, static_cast<int>(n) - 1);
  double mean = 0.0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(n);
  std::vector<double> e(n);
  for (std::size_t t = 0; t < n; ++t) e[t] = x[t] - mean;
  double s = 0.0, num = 0.0, s2 = 0.0;
  for (std::size_t t = 0; t < n; ++t) {
    s += e[t];
    num += s * s;
    s2 += e[t] * e[t];
  }
  const double nd = static_cast<double>(n);
  num /= nd * nd;
  double den = s2 / nd;
  for (int i = 1; i <= lags; ++i) {
    double cov = 0.0;
    for (std::size_t t = static_cast<std::size_t>(i); t < n; ++t)
      cov += e[t] * e[t - static_cast<std::size_t>(i)];
    den += 2.0 / nd * (1.0 - static_cast<double>(i) / (lags + 1.0)) * cov;
  }
  kpss_result out;
  out.lags = lags;
  out.statistic = num / den;
  static constexpr std::array<double, 4> cval{0.347, 0.463, 0.574, 0.739};
  static constexpr std::array<double, 4> pct{0.10, 0.05, 0.025, 0.01};
  if (!(out.statistic > cval[0])) {
    out.p_value = pct[0];
  } else if (out.statistic >= cval[3]) {
    out.p_value = pct[3];
  } else {
    std::size_t k = 0;
    while (out.statistic > cval[k + 1]) ++k;
    const double w = (out.statistic - cval[k]) / (cval[k + 1] - cval[k]);
    out.p_value = pct[k] + w * (pct[k + 1] - pct[k]);
  }
  return out;
}

/// Number of first differences (0..max_d) after which the KPSS test no longer rejects level
/// stationarity at level alpha (forecast::ndiffs with test = "kpss"; alpha is clamped to
/// [0.01, 0.1] there, and must lie in that range here).
inline int ndiffs(std::vector<double> x, double alpha = 0.05, int max_d = 2) {
  static constexpr const char* fn = "parcae::forecast::ndiffs";
  check_min_size(fn, "x", x, 2);
  check_all_finite(fn, "x", x);
  check_bounded(fn, "alpha", alpha, 0.01, 0.1);
  check_bounded(fn, "max_d", max_d, 0, 2);
  int d = 0;
  if (detail_kpss::is_constant(x)) return d;
  bool diff = kpss_test(x).p_value < alpha;
  while (diff && d < max_d) {
    ++d;
    for (std::size_t t = x.size(); t-- > 1;) x[t] -= x[t - 1];
    x.erase(x.begin());
    if (x.size() < 2 || detail_kpss::is_constant(x)) return d;
    diff = kpss_test(x).p_value < alpha;
  }
  return d;
}

}  // namespace parcae::forecast
