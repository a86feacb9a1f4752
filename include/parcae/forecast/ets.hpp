#pragma once
// Exponential smoothing state-space models (ETS) without seasonality, fitted by maximum
// likelihood as R's forecast::ets does (Hyndman, Koehler, Snyder & Grose 2002; Hyndman &
// Athanasopoulos, "Forecasting: principles and practice", ch. 8):
//   ETS(A,N,N)  simple exponential smoothing         ETS(M,N,N)
//   ETS(A,A,N)  Holt's linear trend                  ETS(M,A,N)
//   ETS(A,Ad,N) damped trend                         ETS(M,Ad,N)
// Matched against forecast 8.20 (R 4.2):
//   * criterion n log(SSE) (+ 2 sum log|f_t| for multiplicative error); loglik = -crit/2;
//     aic = crit + 2k, bic = crit + log(n) k, aicc = aic + 2k(k+1)/(n-k-1), k = #par + 1;
//   * default bounds ("usual" = "both" for these models): alpha, beta in [1e-4, 0.9999],
//     beta <= alpha, phi in [0.8, 0.98]; initial states l0 (and b0) estimated with them;
//   * starting values as R's initparam/initstate (alpha 0.2, beta 0.1 of its range, phi 0.978,
//     l0 = mean of the first min(10, n) points, or the least-squares line through them);
//   * sigma2 = sum(e^2) / (n - #par); intervals by R's analytic formulas ("class 1" for additive
//     error, "class 2" for multiplicative error), mean +- qnorm * sqrt(var).
// Deliberate difference: R minimises with Nelder-Mead (reltol 1.5e-8, 2000 iterations); we use
// L-BFGS-B with an exact gradient and several starting points, so we reach the optimum R's
// simplex stalls short of (tests/forecast/ets_test.cpp marks those series).
// A constant series gets ETS(A,N,N) with alpha at its upper bound, l0 = the constant, sigma2 = 0
// and an infinite log-likelihood (a perfect fit); its forecast is the constant (R returns
// ses(alpha = 0.99999) there).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "parcae/core/errors.hpp"
#include "parcae/core/rng.hpp"
#include "parcae/forecast/detail/ets_core.hpp"
#include "parcae/forecast/detail/ets_support.hpp"
#include "parcae/forecast/prediction.hpp"

namespace parcae::forecast {

enum class ets_error { additive, multiplicative };
enum class ets_trend { none, additive, additive_damped };

/// One ETS model: error and trend type (no season).
struct ets_spec {
  ets_error error = ets_error::additive;
  ets_trend trend = ets_trend::none;

  /// R's short name: "ANN", "AAN", "AAdN", "MNN", "MAN", "MAdN".
  std::string name() const {
    std::string s = error == ets_error::additive ? "A" : "M";
    s += trend == ets_trend::none ? "N" : (trend == ets_trend::additive ? "A" : "Ad");
    return s + "N";
  }
  /// Parses a short name (see name()); throws parcae::invalid_argument otherwise.
  static ets_spec parse(const std::string& text) {
    for (const ets_error e : {ets_error::additive, ets_error::multiplicative}) {
      for (const ets_trend t : {ets_trend::none, ets_trend::additive, ets_trend::additive_damped}) {
        const ets_spec s{e, t};
        if (s.name() == text) return s;
      }
    }
    throw_invalid("parcae::forecast::ets_spec::parse", "model", text,
                  "one of ANN, AAN, AAdN, MNN, MAN, MAdN");
  }
  /// Number of estimated parameters including initial states (R: length(fit$par)).
  int parameter_count() const {
    return trend == ets_trend::none ? 2 : (trend == ets_trend::additive ? 4 : 5);
  }
  bool operator==(const ets_spec& o) const { return error == o.error && trend == o.trend; }
};

/// Bounds of the smoothing parameters; the defaults are forecast::ets's `lower`/`upper`.
/// With bounds inside [0, 1] the "admissible" region of a non-seasonal model contains the box, so
/// R's default bounds = "both" reduces to these.
struct ets_bounds {
  double alpha_lower = 1e-4, alpha_upper = 0.9999;
  double beta_lower = 1e-4, beta_upper = 0.9999;
  double phi_lower = 0.8, phi_upper = 0.98;

  void validate() const {
    constexpr const char* fn = "parcae::forecast::ets_bounds::validate";
    check_bounded(fn, "alpha_lower", alpha_lower, 0.0, 1.0);
    check_bounded(fn, "alpha_upper", alpha_upper, alpha_lower, 1.0);
    check_bounded(fn, "beta_lower", beta_lower, 0.0, alpha_upper);
    check_bounded(fn, "beta_upper", beta_upper, beta_lower, 1.0);
    check_bounded(fn, "phi_lower", phi_lower, 0.0, 1.0);
    check_bounded(fn, "phi_upper", phi_upper, phi_lower, 1.0);
  }
};

/// A starting point of the optimiser: alpha and beta's position t in [0, 1] between its lower
/// bound and alpha (beta = beta_lower + t (min(beta_upper, alpha) - beta_lower)).
struct ets_start {
  double alpha;
  double beta_fraction;
};

/// The default extra starting points of ets_params (a function: GCC 12 warns spuriously on a
/// braced default member initializer here).
inline std::vector<ets_start> default_ets_starts() {
  std::vector<ets_start> s;
  s.push_back({0.5, 0.1});
  s.push_back({0.9, 0.1});
  s.push_back({0.9, 0.9});
  s.push_back({0.3, 0.7});
  return s;
}

struct ets_params {
  ets_bounds bounds;
  int max_iterations = 200;  ///< L-BFGS-B iterations per start
  /// Starting points tried after R's (alpha 0.2, t 0.1): the likelihood of ETS models is often
  /// multimodal (a slow and a fast smoother; beta at its floor or next to alpha); the best optimum
  /// wins. Models without trend use only the distinct alphas. Empty: R's start only.
  std::vector<ets_start> extra_starts = default_ets_starts();

  void validate() const {
    constexpr const char* fn = "parcae::forecast::ets_params::validate";
    bounds.validate();
    check_at_least(fn, "max_iterations", max_iterations, 1);
    for (std::size_t i = 0; i < extra_starts.size(); ++i) {
      check_bounded(fn, "extra_starts[" + std::to_string(i) + "].alpha", extra_starts[i].alpha, 0.0,
                    1.0);
      check_bounded(fn, "extra_starts[" + std::to_string(i) + "].beta_fraction",
                    extra_starts[i].beta_fraction, 0.0, 1.0);
    }
  }
};

enum class ets_status {
  ok,
  not_converged,  ///< the optimiser stopped before its gradient test; the best point is returned
};

inline const char* to_string(ets_status s) { return s == ets_status::ok ? "ok" : "not_converged"; }

/// A fitted ETS model. For models without trend beta and b0 are NaN; without damping phi = 1.
struct ets_fit {
  ets_spec spec;
  double alpha = 0.0, beta = std::numeric_limits<double>::quiet_NaN(), phi = 1.0;
  double l0 = 0.0, b0 = std::numeric_limits<double>::quiet_NaN();
  double level = 0.0, slope = 0.0;  ///< states after the last observation
  double loglik = 0.0, aic = 0.0, aicc = 0.0, bic = 0.0;
  double sigma2 = 0.0;  ///< sum(e^2) / (n - #par), e relative for multiplicative error
  double mse = 0.0;     ///< one-step mean squared error, sum(e^2)/n (R: fit$mse for error A)
  int n = 0;
  std::vector<double> residuals;  ///< e_t (relative for multiplicative error)
  std::vector<double> fitted;     ///< one-step fitted values f_t
  ets_status status = ets_status::ok;
  int iterations = 0;   ///< L-BFGS-B iterations over all starts
  int evaluations = 0;  ///< criterion evaluations over all starts
  bool constant_series = false;
};

/// Fits one ETS model by maximum likelihood. Throws parcae::invalid_argument when the series is
/// shorter than #par + 3 (AICc undefined; R's etsmodel gives up at #par + 1), holds NaN/inf, or
/// is not strictly positive for a multiplicative-error model.
inline ets_fit fit_ets(const std::vector<double>& y, ets_spec spec, const ets_params& params = {}) {
  constexpr const char* fn = "parcae::forecast::fit_ets";
  params.validate();
  const int np = spec.parameter_count();
  check_min_size(fn, "y", y, static_cast<std::size_t>(np + 3));
  check_all_finite(fn, "y", y);
  if (spec.error == ets_error::multiplicative) {
    const double lo = *std::min_element(y.begin(), y.end());
    if (!(lo > 0.0)) throw_invalid(fn, "min(y)", lo, "> 0 for a multiplicative-error model");
  }
  const int n = static_cast<int>(y.size());
  parcae::detail::ets_shape shape{spec.error == ets_error::multiplicative,
                                  spec.trend != ets_trend::none,
                                  spec.trend == ets_trend::additive_damped};
  if (parcae::detail::ets_is_constant(y))
    return parcae::detail::ets_constant_fit<ets_fit>(y, spec, params.bounds);

  const ets_bounds& bd = params.bounds;
  parcae::detail::ets_problem problem;
  problem.y = y.data();
  problem.n = n;
  problem.shape = shape;
  problem.alpha_lo = shape.trend ? std::max(bd.alpha_lower, bd.beta_lower) : bd.alpha_lower;
  problem.alpha_hi = bd.alpha_upper;
  problem.beta_lo = bd.beta_lower;
  problem.beta_hi = bd.beta_upper;
  problem.phi_lo = bd.phi_lower;
  problem.phi_hi = bd.phi_upper;
  const auto init = parcae::detail::ets_initial_states(y, shape.trend);
  problem.l_center = init[0];
  problem.b_center = init[1];
  problem.scale = parcae::detail::ets_scale(y);

  const int dim = problem.dimension();
  Eigen::VectorXd lb = Eigen::VectorXd::Constant(dim, -std::numeric_limits<double>::infinity());
  Eigen::VectorXd ub = Eigen::VectorXd::Constant(dim, std::numeric_limits<double>::infinity());
  lb[0] = problem.alpha_lo;
  ub[0] = problem.alpha_hi;
  if (shape.trend) {
    lb[1] = 0.0;
    ub[1] = 1.0;
    if (shape.damped) {
      lb[2] = bd.phi_lower;
      ub[2] = bd.phi_upper;
    }
  }
  // R's initparam: alpha = lo + 0.2 (hi - lo), beta = lo + 0.1 (alpha - lo), phi = lo + 0.99 (hi -
  // lo).
  std::vector<ets_start> starts{
      {problem.alpha_lo + 0.2 * (problem.alpha_hi - problem.alpha_lo), 0.1}};
  for (const ets_start& st : params.extra_starts) {
    const ets_start clamped{std::clamp(st.alpha, problem.alpha_lo, problem.alpha_hi),
                            shape.trend ? st.beta_fraction : 0.1};
    const bool seen = std::any_of(starts.begin(), starts.end(), [&](const ets_start& o) {
      return o.alpha == clamped.alpha && o.beta_fraction == clamped.beta_fraction;
    });
    if (!seen) starts.push_back(clamped);
  }
  ets_fit out;
  out.spec = spec;
  out.n = n;
  Eigen::VectorXd best_x;
  double best_value = std::numeric_limits<double>::infinity();
  bool best_converged = false;
  for (const ets_start& st : starts) {
    Eigen::VectorXd x0 = Eigen::VectorXd::Zero(dim);
    x0[0] = st.alpha;
    if (shape.trend) {
      x0[1] = st.beta_fraction;
      if (shape.damped) x0[2] = bd.phi_lower + 0.99 * (bd.phi_upper - bd.phi_lower);
    }
    problem.best_value = std::numeric_limits<double>::infinity();
    problem.best_x.resize(0);
    bool converged = false;
    out.iterations +=
        parcae::detail::ets_minimise(problem, x0, lb, ub, params.max_iterations, converged);
    if (problem.best_x.size() == dim && problem.best_value < best_value) {
      best_value = problem.best_value;
      best_x = problem.best_x;
      best_converged = converged;
    }
  }
  out.evaluations = problem.evaluations;
  if (best_x.size() != dim) {  // never a finite criterion: report the starting point
    best_x = Eigen::VectorXd::Zero(dim);
    best_x[0] = starts[0].alpha;
    best_converged = false;
  }
  out.status = best_converged ? ets_status::ok : ets_status::not_converged;
  const parcae::detail::ets_theta th = problem.to_theta(best_x);
  parcae::detail::ets_finish(y, shape, th, np, out);
  return out;
}

/// Smoothing parameters and initial states of one model, for evaluate_ets.
struct ets_coefficients {
  double alpha = 0.5;
  double beta = 0.0;  ///< ignored without trend
  double phi = 1.0;   ///< ignored unless damped
  double l0 = 0.0;
  double b0 = 0.0;  ///< ignored without trend
};

/// The fit at given coefficients (no optimisation): residuals, states, log-likelihood and
/// criteria as fit_ets would report them there (R: ets(y, model = fit) with
/// use.initial.values = TRUE). Coefficients are not checked against the bounds.
inline ets_fit evaluate_ets(const std::vector<double>& y, ets_spec spec,
                            const ets_coefficients& c) {
  constexpr const char* fn = "parcae::forecast::evaluate_ets";
  const int np = spec.parameter_count();
  check_min_size(fn, "y", y, static_cast<std::size_t>(np + 3));
  check_all_finite(fn, "y", y);
  check_finite(fn, "alpha", c.alpha);
  check_finite(fn, "beta", c.beta);
  check_finite(fn, "phi", c.phi);
  check_finite(fn, "l0", c.l0);
  check_finite(fn, "b0", c.b0);
  const parcae::detail::ets_shape shape{spec.error == ets_error::multiplicative,
                                        spec.trend != ets_trend::none,
                                        spec.trend == ets_trend::additive_damped};
  ets_fit out;
  out.spec = spec;
  out.n = static_cast<int>(y.size());
  parcae::detail::ets_finish(y, shape, {c.alpha, c.beta, c.phi, c.l0, c.b0}, np, out);
  return out;
}

enum class information_criterion { aicc, aic, bic };

struct ets_select_params {
  ets_params fit;
  bool allow_multiplicative = false;  ///< also try M-error models (positive data only), R's "ZZN"
  bool allow_damped = true;
  information_criterion ic = information_criterion::aicc;

  void validate() const { fit.validate(); }
};

/// Chooses among ANN, AAdN, AAN (and MNN, MAdN, MAN) by the information criterion, as
/// forecast::ets(model = "AZN") (or "ZZN") does: same candidate order, strict improvement wins.
/// Models whose #par + 3 exceeds the series length are skipped.
inline ets_fit auto_ets(const std::vector<double>& y, const ets_select_params& params = {}) {
  constexpr const char* fn = "parcae::forecast::auto_ets";
  params.validate();
  check_min_size(fn, "y", y, 5);
  check_all_finite(fn, "y", y);
  const bool positive = *std::min_element(y.begin(), y.end()) > 0.0;
  std::vector<ets_spec> candidates;
  for (const ets_error e : {ets_error::additive, ets_error::multiplicative}) {
    if (e == ets_error::multiplicative && !(params.allow_multiplicative && positive)) continue;
    candidates.push_back({e, ets_trend::none});
    if (params.allow_damped) candidates.push_back({e, ets_trend::additive_damped});
    candidates.push_back({e, ets_trend::additive});
  }
  ets_fit best;
  double best_ic = std::numeric_limits<double>::infinity();
  bool have = false;
  for (const ets_spec& s : candidates) {
    if (static_cast<int>(y.size()) < s.parameter_count() + 3) continue;
    ets_fit f = fit_ets(y, s, params.fit);
    if (f.constant_series) return f;
    const double ic = params.ic == information_criterion::aicc
                          ? f.aicc
                          : (params.ic == information_criterion::aic ? f.aic : f.bic);
    if (!have || ic < best_ic) {
      best = std::move(f);
      best_ic = ic;
      have = true;
    }
  }
  return best;
}

/// Point forecasts and analytic prediction intervals (forecast.ets: class1 for additive error,
/// class2 for multiplicative error).
inline prediction forecast_ets(const ets_fit& fit, int horizon,
                               const std::vector<double>& levels = {80.0, 95.0}) {
  parcae::detail::check_horizon_levels("parcae::forecast::forecast_ets", horizon, levels);
  prediction out;
  parcae::detail::ets_point_and_variance(
      fit.level, fit.spec.trend != ets_trend::none ? fit.slope : 0.0, fit.alpha,
      fit.spec.trend != ets_trend::none ? fit.beta : 0.0, fit.phi,
      fit.spec.error == ets_error::multiplicative, fit.sigma2, horizon, out.mean, out.se);
  parcae::detail::add_normal_intervals(out, levels);
  return out;
}

/// Simulates `n_paths` future sample paths of length `horizon` from the fitted state-space model
/// (Gaussian innovations with variance sigma2, as forecast's simulate.ets). Path k uses
/// counter_rng(seed, stream, k): the same seed gives the same paths, whatever the order in which
/// paths are drawn. Row k of the result is path k.
inline Eigen::MatrixXd simulate_ets(const ets_fit& fit, int horizon, int n_paths,
                                    std::uint64_t seed, std::uint32_t stream = 0) {
  constexpr const char* fn = "parcae::forecast::simulate_ets";
  check_at_least(fn, "horizon", horizon, 1);
  check_at_least(fn, "n_paths", n_paths, 1);
  Eigen::MatrixXd paths(n_paths, horizon);
  const bool trend = fit.spec.trend != ets_trend::none;
  const double sigma = std::sqrt(std::max(fit.sigma2, 0.0));
  for (int k = 0; k < n_paths; ++k) {
    parcae::counter_rng rng(seed, stream, static_cast<std::uint64_t>(k));
    double l = fit.level, b = trend ? fit.slope : 0.0;
    for (int h = 0; h < horizon; ++h) {
      const double f = l + fit.phi * b;
      const double e = sigma * parcae::detail::standard_normal(rng);
      const double r = fit.spec.error == ets_error::multiplicative ? f * e : e;
      paths(k, h) = f + r;
      l = f + fit.alpha * r;
      b = trend ? fit.phi * b + fit.beta * r : 0.0;
    }
  }
  return paths;
}

}  // namespace parcae::forecast
