#pragma once
// Automatic non-seasonal ARIMA order selection: the stepwise search of Hyndman and Khandakar
// (2008, J. Stat. Software 27(3)) as forecast::auto.arima(seasonal = FALSE) runs it with its
// defaults: d from repeated KPSS tests (ndiffs), then a search by AICc that starts from
// (2,d,2), (0,d,0), (1,d,0), (0,d,1) and (0,d,0) without constant and moves to the best
// neighbour (p +- 1, q +- 1, both, the constant toggled) until none improves; models with
// an AR or MA root within 1.01 of the unit circle, or a non-positive variance estimate, are
// rejected. Series longer than 150 values are searched with CSS fits and an AICc shifted by the
// offset of R's "approximation", then the best candidates are refitted by CSS-ML in order of
// their approximate AICc until one is acceptable.

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/forecast/arima.hpp"
#include "parcae/forecast/kpss.hpp"

namespace parcae::forecast {

struct auto_arima_params {
  int max_p = 5;
  int max_q = 5;
  int max_d = 2;
  int start_p = 2;
  int start_q = 2;
  int d = -1;               ///< < 0: chosen by ndiffs (KPSS at level alpha)
  double alpha = 0.05;      ///< KPSS level for ndiffs
  bool allow_drift = true;  ///< constant term when d == 1
  bool allow_mean = true;   ///< constant term when d == 0
  int approximation = -1;   ///< -1: when n > 150 (R's default); 0: never; 1: always
  int max_models = 94;      ///< R's nmodels

  void validate(const char* function = "parcae::forecast::auto_arima_params::validate") const {
    check_bounded(function, "max_p", max_p, 0, 5);
    check_bounded(function, "max_q", max_q, 0, 5);
    check_bounded(function, "max_d", max_d, 0, 2);
    check_bounded(function, "start_p", start_p, 0, 5);
    check_bounded(function, "start_q", start_q, 0, 5);
    check_bounded(function, "d", d, -1, 2);
    check_bounded(function, "alpha", alpha, 0.01, 0.1);
    check_bounded(function, "approximation", approximation, -1, 1);
    check_at_least(function, "max_models", max_models, 5);
  }
};

/// One model visited by the search.
struct auto_arima_candidate {
  arima_order order;
  bool constant = false;
  /// AICc (approximate when the search used CSS); +inf when rejected. The standard-error check
  /// (R's checkarima) is made only where it can change the search (the model would be the best
  /// so far, or is next in line for the refit), so a candidate that never was can keep a finite
  /// ic where R reports +inf; the models visited and chosen are R's either way.
  double ic = 0.0;
};

struct auto_arima_result {
  arima model;
  std::vector<auto_arima_candidate> candidates;  ///< in the order they were fitted
  bool approximation = false;
};

namespace detail_auto_arima {

struct fitted {
  double ic = std::numeric_limits<double>::infinity();
  arima model;
};

// forecast:::myarima: fit, compute the information criterion, reject near-unit roots.
inline fitted fit_one(const std::vector<double>& y, arima_order order, bool constant,
                      bool approximation, double offset) {
  fitted out;
  arima_params params;
  params.order = order;
  params.include_mean = constant && order.d == 0;
  params.include_drift = constant && order.d == 1;
  params.method = approximation ? arima_method::css : arima_method::css_ml;
  params.analytic_css_gradient = approximation;
  params.std_errors = false;  // see check_variance
  try {
    out.model = arima::fit(y, params);
  } catch (const std::invalid_argument&) {
    return out;  // too short for this order
  }
  const arima& m = out.model;
  const double nstar = static_cast<double>(y.size()) - order.d;
  const double npar = m.npar();
  double aic = m.aic;
  if (approximation) aic = offset + nstar * std::log(m.sigma2_mle) + 2.0 * npar;
  if (!std::isfinite(aic)) return out;
  const double denom = nstar - npar - 1.0;
  out.ic = denom > 0.0 ? aic + 2.0 * npar * (npar + 1.0) / denom
                       : std::numeric_limits<double>::infinity();
  double minroot = 2.0;
  if (order.p > 0) minroot = std::min(minroot, detail::arima_min_root_modulus(m.ar, -1.0, 1e-8));
  if (order.q > 0) minroot = std::min(minroot, detail::arima_min_root_modulus(m.ma, 1.0, 1e-8));
  if (minroot < 1.01) out.ic = std::numeric_limits<double>::infinity();
  return out;
}

// forecast:::checkarima: a NaN standard error (a negative diagonal of the inverse numerical
// Hessian) rejects the model. The Hessian costs 4 k^2 objective evaluations, more than most
// fits, and the rejection can only change the search where the model would otherwise be the best
// so far (or, after an approximate search, be refitted), so it is computed there only: the
// search visits, moves and chooses exactly as R's, which checks every candidate.
inline void check_variance(fitted& f) {
  if (!std::isfinite(f.ic)) return;
  f.model.compute_std_errors();
  for (double s : f.model.std_errors) {
    if (std::isnan(s)) f.ic = std::numeric_limits<double>::infinity();
  }
}

}  // namespace detail_auto_arima

/// Selects and fits an ARIMA model for y (oldest first); returns the model and the search path.
inline auto_arima_result auto_arima_search(const std::vector<double>& y,
                                           const auto_arima_params& params = {}) {
  static constexpr const char* fn = "parcae::forecast::auto_arima";
  params.validate(fn);
  check_min_size(fn, "y", y, 3);
  check_all_finite(fn, "y", y);
  auto_arima_result out;
  const int n = static_cast<int>(y.size());
  if (detail_kpss::is_constant(y)) {
    arima_params cp;
    cp.include_mean = params.allow_mean;
    out.model = arima::fit(std::vector<double>(y.size(), y[0]), cp);
    return out;
  }
  const int max_p = std::min(params.max_p, n / 3);
  const int max_q = std::min(params.max_q, n / 3);
  int d = params.d >= 0 ? params.d : ndiffs(y, params.alpha, params.max_d);
  std::vector<double> dx(y);
  for (int k = 0; k < d; ++k) {
    for (std::size_t t = dx.size(); t-- > 1;) dx[t] -= dx[t - 1];
    dx.erase(dx.begin());
  }
  if (dx.empty())
    throw_invalid_message(fn, "y is too short for " + std::to_string(d) + " differences");
  if (dx.size() < 2 || detail_kpss::is_constant(dx)) {
    // A polynomial trend: R fits (0,d,0) with the constant fixed at the mean difference.
    arima_params cp;
    cp.order = {0, d, 0};
    cp.include_mean = d == 0;
    cp.include_drift = d == 1;
    out.model = arima::fit(y, cp);
    return out;
  }
  const bool approximation = params.approximation < 0 ? n > 150 : params.approximation == 1;
  out.approximation = approximation;
  double offset = 0.0;
  if (approximation) {
    arima_params op;
    op.order = {0, d, 0};
    try {
      const arima base = arima::fit(y, op);
      offset = -2.0 * base.loglik - n * std::log(base.sigma2_mle);
      if (!std::isfinite(offset)) offset = 0.0;
    } catch (const std::invalid_argument&) {
      offset = 0.0;
    }
  }
  const bool allow_drift = params.allow_drift && d == 1;
  const bool allow_mean = params.allow_mean && d == 0;
  bool constant = allow_drift || allow_mean;
  int start_p = params.start_p, start_q = params.start_q;
  if (n < 10) {
    start_p = std::min(start_p, 1);
    start_q = std::min(start_q, 1);
  }
  int p = std::min(start_p, max_p), q = std::min(start_q, max_q);

  auto& cand = out.candidates;
  auto seen = [&](int pp, int qq, bool c) {
    for (const auto& m : cand) {
      if (m.order.p == pp && m.order.q == qq && m.constant == c) return true;
    }
    return false;
  };
  detail_auto_arima::fitted best;
  // Approximate search: the CSS fits whose variance check was deferred (parallel to cand), for
  // the refit stage below.
  std::vector<detail_auto_arima::fitted> unchecked;
  std::vector<char> checked;
  auto try_model = [&](int pp, int qq, bool c) {
    auto f = detail_auto_arima::fit_one(y, {pp, d, qq}, c, approximation, offset);
    const bool candidate = f.ic < best.ic;
    if (candidate) detail_auto_arima::check_variance(f);
    cand.push_back({{pp, d, qq}, c, f.ic});
    checked.push_back(candidate || !std::isfinite(f.ic));
    const bool better = f.ic < best.ic;
    if (approximation) {
      unchecked.emplace_back();
      if (!checked.back()) unchecked.back() = std::move(f);
    }
    if (better) best = std::move(f);
    return better;
  };
  try_model(p, q, constant);
  if (try_model(0, 0, constant)) p = q = 0;
  if (max_p > 0 && try_model(1, 0, constant)) p = 1, q = 0;
  if (max_q > 0 && try_model(0, 1, constant)) p = 0, q = 1;
  if (constant && try_model(0, 0, false)) p = q = 0, constant = false;
  // Neighbours in R's order; the first improvement moves the centre and restarts the scan.
  std::size_t startk = 0;
  while (startk < cand.size() && static_cast<int>(cand.size()) < params.max_models) {
    startk = cand.size();
    struct move {
      int dp, dq;
    };
    static constexpr move moves[] = {{-1, 0},  {0, -1}, {1, 0},  {0, 1},
                                     {-1, -1}, {-1, 1}, {1, -1}, {1, 1}};
    bool moved = false;
    for (const auto& mv : moves) {
      const int pp = p + mv.dp, qq = q + mv.dq;
      if (pp < 0 || qq < 0 || pp > max_p || qq > max_q || seen(pp, qq, constant)) continue;
      if (static_cast<int>(cand.size()) >= params.max_models) break;
      if (try_model(pp, qq, constant)) {
        p = pp;
        q = qq;
        moved = true;
        break;
      }
    }
    if (moved) continue;
    if ((allow_drift || allow_mean) && !seen(p, q, !constant) &&
        static_cast<int>(cand.size()) < params.max_models) {
      if (try_model(p, q, !constant)) constant = !constant;
    }
  }
  if (approximation) {
    // Refit in order of the approximate criterion, without approximation, until one is usable.
    // R orders by the checked criterion; a deferred check that fails moves its candidate to
    // the +inf tail (ties in visiting order, as R's stable order()), so check lazily on the way.
    std::vector<std::size_t> idx(cand.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    auto by_ic = [&](std::size_t a, std::size_t b) {
      return cand[a].ic < cand[b].ic || (!(cand[b].ic < cand[a].ic) && a < b);
    };
    std::sort(idx.begin(), idx.end(), by_ic);
    best = {};
    for (std::size_t pos = 0; pos < idx.size();) {
      const std::size_t i = idx[pos];
      if (!checked[i]) {
        checked[i] = 1;
        detail_auto_arima::check_variance(unchecked[i]);
        if (!std::isfinite(unchecked[i].ic)) {
          cand[i].ic = unchecked[i].ic;
          std::sort(idx.begin() + static_cast<std::ptrdiff_t>(pos), idx.end(), by_ic);
          continue;
        }
      }
      auto f = detail_auto_arima::fit_one(y, cand[i].order, cand[i].constant, false, 0.0);
      detail_auto_arima::check_variance(f);
      if (f.ic < std::numeric_limits<double>::infinity()) {
        best = std::move(f);
        break;
      }
      ++pos;
    }
  }
  if (!std::isfinite(best.ic)) {
    // R stops with "No suitable ARIMA model found"; we return the random walk / mean model.
    arima_params fb;
    fb.order = {0, d, 0};
    fb.include_mean = d == 0;
    best.model = arima::fit(y, fb);
  }
  out.model = std::move(best.model);
  return out;
}

/// The selected model only.
inline arima auto_arima(const std::vector<double>& y, const auto_arima_params& params = {}) {
  return auto_arima_search(y, params).model;
}

}  // namespace parcae::forecast
