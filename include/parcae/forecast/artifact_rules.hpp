#pragma once
// The Parcae artifact's pre- and post-processing of its availability forecast
// (liveput/trace_prediction.py `TracePrediction.predict_next_intervals`, ARIMA branch; see
// parcae-artifact.md section 4), as an optional stage of the availability forecaster. Each rule
// is a separate function; the artifact's hard-coded numbers are parameters whose defaults are the
// artifact's values:
//   1. remove_outliers: a run of <= 3 points that leaves a value and returns to it is flattened
//      (runs of 3, then 2, then 1, scanned left to right, in place).
//   2. flatten_turning_point: if min(history) < min(first, last), every point before the last
//      occurrence of the minimum is set to it; otherwise the same for the maximum.
//   3. damping_factors: a non-decreasing history that rose by [5, 10) damps predicted additions
//      by 0.75, by >= 10 by 0.5; the same for a non-increasing history and removals.
//   4. postprocess: round (half to even, as numpy.rint), cap each step within +-3 of the first
//      step, clamp to [8, 32]; if the result is flat but the history is not, add
//      Poisson(min(sd, var, mean of the removal history)) removals per step; then turn the trace
//      into additions/removals, damp them, and rebuild N (rounding each step).
// Deliberate differences: the artifact stores the damping factors on the predictor object and
// never resets them (quirk 9 in parcae-artifact.md section 10); here they are recomputed on every
// call. The Poisson draws use counter_rng(seed, stream, 0) instead of numpy's global generator.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/rng.hpp"
#include "parcae/forecast/detail/forecaster_random.hpp"

namespace parcae::forecast {

struct artifact_rules_params {
  int outlier_max_run = 3;             ///< rule 1: longest run flattened (0 disables)
  bool flatten_turning_points = true;  ///< rule 2
  int max_step_up = 3;                 ///< rule 4: steps above the first forecast step
  int max_step_down = 3;               ///< rule 4: steps below the first forecast step
  int lower_bound = 8;                 ///< rule 4: clamp (a 32-node cluster in the artifact)
  int upper_bound = 32;
  bool poisson_removals = true;       ///< rule 4: removals added to a flat forecast
  double damp_small_delta = 5.0;      ///< rule 3: a monotone move of >= this ...
  double damp_large_delta = 10.0;     ///< ... or of >= this
  double damp_small_factor = 0.75;    ///< ... multiplies the predicted changes by this
  double damp_large_factor = 0.5;     ///< ... or by this
  std::uint64_t seed = 0;             ///< Poisson draws: counter_rng(seed, stream, 0)
  std::uint32_t stream = 0x41525446;  ///< "ARTF"

  void validate() const {
    constexpr const char* fn = "parcae::forecast::artifact_rules_params::validate";
    check_bounded(fn, "outlier_max_run", outlier_max_run, 0, 1000);
    check_nonnegative(fn, "max_step_up", max_step_up);
    check_nonnegative(fn, "max_step_down", max_step_down);
    check_nonnegative(fn, "lower_bound", lower_bound);
    check_at_least(fn, "upper_bound", upper_bound, lower_bound);
    check_positive(fn, "damp_small_delta", damp_small_delta);
    check_at_least(fn, "damp_large_delta", damp_large_delta, damp_small_delta);
    check_bounded(fn, "damp_small_factor", damp_small_factor, 0.0, 1.0);
    check_bounded(fn, "damp_large_factor", damp_large_factor, 0.0, 1.0);
  }
};

/// Rule 1 (artifact `remove_outlier_all`): for run = max_run, ..., 1, scanning left to right, a
/// window a[i], a[i+1..i+run], a[i+run+1] with a[i] == a[i+run+1] and every inner point != a[i]
/// is flattened to a[i]. The last point is never changed.
inline void remove_outliers(std::vector<double>& a, int max_run) {
  const int n = static_cast<int>(a.size());
  for (int run = max_run; run >= 1; --run) {
    for (int i = 0; i + run + 1 < n; ++i) {
      if (a[i] != a[i + run + 1]) continue;
      bool departs = true;
      for (int j = 1; j <= run; ++j) departs = departs && a[i + j] != a[i];
      if (departs) {
        for (int j = 1; j <= run; ++j) a[i + j] = a[i];
      }
    }
  }
}

/// Rule 2 (artifact `handle_turnpoint`).
inline void flatten_turning_point(std::vector<double>& a) {
  if (a.empty()) return;
  const double lo = *std::min_element(a.begin(), a.end());
  const double hi = *std::max_element(a.begin(), a.end());
  const double ends_lo = std::min(a.front(), a.back()), ends_hi = std::max(a.front(), a.back());
  const bool dip = lo < ends_lo;
  if (!dip && !(hi > ends_hi)) return;
  const double target = dip ? lo : hi;
  std::size_t last = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] == target) last = i;
  }
  for (std::size_t i = 0; i < last; ++i) a[i] = target;
}

/// Rule 3: (factor for additions, factor for removals), 1 when not damped.
inline std::pair<double, double> damping_factors(const std::vector<double>& a,
                                                 const artifact_rules_params& p) {
  double in = 1.0, out = 1.0;
  if (a.empty()) return {in, out};
  const auto factor = [&](double delta) {
    return delta >= p.damp_large_delta   ? p.damp_large_factor
           : delta >= p.damp_small_delta ? p.damp_small_factor
                                         : 1.0;
  };
  if (std::is_sorted(a.begin(), a.end())) {
    in = factor(a.back() - *std::min_element(a.begin(), a.end()));
  }
  if (std::is_sorted(a.rbegin(), a.rend())) {
    out = factor(*std::max_element(a.begin(), a.end()) - a.back());
  }
  return {in, out};
}

/// Result of rule 4: N per future interval and the additions/removals that lead to it.
struct artifact_trace {
  std::vector<int> alive, added, removed;
};

/// Rule 4. `forecast` is the model's point forecast, `history` the (pre-processed) N window whose
/// last value is the current count, `removal_history` the n_out window (may be empty: no
/// Poisson removals, as the artifact without remove_history).
inline artifact_trace artifact_postprocess(const std::vector<double>& forecast,
                                           const std::vector<double>& history,
                                           const std::vector<double>& removal_history,
                                           const artifact_rules_params& p) {
  constexpr const char* fn = "parcae::forecast::artifact_postprocess";
  p.validate();
  check_min_size(fn, "forecast", forecast, 1);
  check_min_size(fn, "history", history, 1);
  check_all_finite(fn, "forecast", forecast);
  check_all_finite(fn, "history", history);
  check_all_finite(fn, "removal_history", removal_history);
  const int h = static_cast<int>(forecast.size());
  std::vector<double> est(h);
  for (int k = 0; k < h; ++k) est[k] = std::nearbyint(forecast[k]);  // half to even
  for (int k = 1; k < h; ++k) {
    est[k] = std::min(est[k], est[0] + p.max_step_up);
    est[k] = std::max(est[k], est[0] - p.max_step_down);
  }
  for (double& v : est) v = std::clamp(v, double(p.lower_bound), double(p.upper_bound));
  const auto flat = [](const std::vector<double>& a) {
    return std::all_of(a.begin(), a.end(), [&](double v) { return v == a.front(); });
  };
  std::vector<double> in(h, 0.0), out(h, 0.0);
  if (p.poisson_removals && !removal_history.empty() && flat(est) && !flat(history)) {
    const double m = removal_history.size();
    const double mean = std::accumulate(removal_history.begin(), removal_history.end(), 0.0) / m;
    double var = 0.0;
    for (double v : removal_history) var += (v - mean) * (v - mean);
    var /= m;  // numpy's population variance
    const double rate = std::min({std::sqrt(var), var, mean});
    parcae::counter_rng rng(p.seed, p.stream, 0);
    for (int k = 0; k < h; ++k) out[k] += parcae::detail::poisson_deviate(rng, rate);
  }
  double cur = history.back();
  for (int k = 0; k < h; ++k) {
    if (est[k] > cur) in[k] += est[k] - cur;
    if (est[k] < cur) out[k] += cur - est[k];
    cur = est[k];
  }
  const auto [f_in, f_out] = damping_factors(history, p);
  artifact_trace r;
  r.alive.resize(h);
  r.added.assign(h, 0);
  r.removed.assign(h, 0);
  cur = history.back();
  for (int k = 0; k < h; ++k) {
    const double next = std::nearbyint(cur + in[k] * f_in - out[k] * f_out);
    r.alive[k] = static_cast<int>(next);
    if (next > cur) r.added[k] = static_cast<int>(next - cur);
    if (next < cur) r.removed[k] = static_cast<int>(cur - next);
    cur = next;
  }
  return r;
}

}  // namespace parcae::forecast
