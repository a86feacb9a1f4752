#pragma once
// Out-of-class definitions of parcae::forecast::arima (see arima.hpp): the estimation flow of
// stats::arima + forecast::Arima, and the forecasts of stats::predict.Arima.

#include "parcae/forecast/arima.hpp"

namespace parcae::forecast {

inline arima arima::fit(const std::vector<double>& y, const arima_params& params) {
  static constexpr const char* fn = "parcae::forecast::arima::fit";
  params.validate(fn);
  check_all_finite(fn, "y", y);
  const int d = params.order.d;
  const bool with_mean = d == 0 && params.include_mean;
  const int nx = (with_mean || params.include_drift) ? 1 : 0;
  const auto need = static_cast<std::size_t>(d + params.order.p + params.order.q + nx + 1);
  if (y.size() < need) {
    throw_invalid_message(fn, "y has " + std::to_string(y.size()) +
                                  " elements, but must have at least " + std::to_string(need) +
                                  " (d + p + q + constant + 1) for this order");
  }
  double max_abs = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (std::abs(y[i]) > 1e150) {
      throw_invalid(fn, "y[" + std::to_string(i) + "]", y[i],
                    "of magnitude <= 1e150 (sigma2 would overflow)");
    }
    max_abs = std::max(max_abs, std::abs(y[i]));
  }
  if (max_abs <= 1e100) return fit_scaled_(y, params);
  // Sums of squares would overflow: fit y / 2^k (exact), then scale back.
  const double s = std::ldexp(1.0, std::ilogb(max_abs));
  std::vector<double> ys(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) ys[i] = y[i] / s;
  arima_params scaled_params = params;
  scaled_params.std_errors = true;  // deferred ones would be computed on the unscaled series
  arima m = fit_scaled_(ys, scaled_params);
  const int narma = params.order.p + params.order.q;
  for (std::size_t i = static_cast<std::size_t>(narma); i < m.coef.size(); ++i) {
    m.coef[i] *= s;
    m.std_errors[i] *= s;
    for (Eigen::Index j = 0; j < m.var_coef.rows(); ++j) {
      m.var_coef(static_cast<Eigen::Index>(i), j) *= s;
      m.var_coef(j, static_cast<Eigen::Index>(i)) *= s;
    }
  }
  m.mean *= s;
  m.drift *= s;
  m.sigma2 *= s * s;
  m.sigma2_mle *= s * s;
  m.loglik -= m.nobs * std::log(s);
  for (double& r : m.residuals) r *= s;
  m.y_ = y;
  m.scale_ = 1.0;
  m.finish_ic_();
  return m;
}

inline void arima::finish_ic_() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double k = npar();
  const double nstar = static_cast<double>(y_.size()) - order.d;
  if (method == arima_method::css || !std::isfinite(loglik)) {
    aic = aicc = bic = method == arima_method::css ? nan : -std::numeric_limits<double>::infinity();
    return;
  }
  aic = -2.0 * loglik + 2.0 * k;
  aicc = nstar - k - 1.0 > 0.0 ? aic + 2.0 * k * (k + 1.0) / (nstar - k - 1.0)
                               : std::numeric_limits<double>::infinity();
  bic = aic + k * (std::log(nstar) - 2.0);
}

inline arima arima::perfect_fit_(const std::vector<double>& y, const arima_params& params,
                                 double mean, double drift) {
  arima m;
  m.order = params.order;
  m.method = params.method;
  m.has_mean = params.order.d == 0 && params.include_mean;
  m.has_drift = params.include_drift;
  m.ar.assign(static_cast<std::size_t>(params.order.p), 0.0);
  m.ma.assign(static_cast<std::size_t>(params.order.q), 0.0);
  m.mean = m.has_mean ? mean : 0.0;
  m.drift = m.has_drift ? drift : 0.0;
  m.coef = m.ar;
  m.coef.insert(m.coef.end(), m.ma.begin(), m.ma.end());
  for (int i = 1; i <= params.order.p; ++i) m.coef_names.push_back("ar" + std::to_string(i));
  for (int i = 1; i <= params.order.q; ++i) m.coef_names.push_back("ma" + std::to_string(i));
  if (m.has_mean) m.coef.push_back(m.mean), m.coef_names.emplace_back("intercept");
  if (m.has_drift) m.coef.push_back(m.drift), m.coef_names.emplace_back("drift");
  m.std_errors.assign(m.coef.size(), 0.0);
  m.var_coef = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(m.coef.size()),
                                     static_cast<Eigen::Index>(m.coef.size()));
  m.residuals.assign(y.size(), 0.0);
  m.nobs = static_cast<int>(y.size()) - params.order.d;
  m.loglik = std::numeric_limits<double>::infinity();
  m.perfect_fit = true;
  m.y_ = y;
  m.finish_ic_();
  return m;
}

inline Eigen::MatrixXd arima::variance_(detail::arima_objective& obj, arima_method method, int p,
                                        const std::vector<double>& par,
                                        const std::vector<double>& parscale, bool trans,
                                        double n_used) {
  auto inverse = [&](const Eigen::MatrixXd& h) {
    if (h.size() == 0) return Eigen::MatrixXd(h.rows(), h.cols());
    Eigen::FullPivLU<Eigen::MatrixXd> lu(h * n_used);
    if (!lu.isInvertible()) {
      return Eigen::MatrixXd::Constant(h.rows(), h.cols(), std::numeric_limits<double>::quiet_NaN())
          .eval();
    }
    return lu.inverse().eval();
  };
  if (method == arima_method::css) {
    auto css_obj = [&](const double* x) { return obj.css(x); };
    return inverse(detail::arima_hessian(css_obj, par, parscale));
  }
  obj.trans = trans;
  auto ml_obj = [&](const double* x) { return obj.ml(x); };
  const Eigen::MatrixXd h = detail::arima_hessian(ml_obj, par, parscale);
  obj.trans = false;
  if (trans && p > 0) {
    const Eigen::MatrixXd a =
        detail::arima_transform_jacobian(static_cast<std::size_t>(p), par, par.size());
    return a.transpose() * inverse(h) * a;
  }
  return inverse(h);
}

inline void arima::set_std_errors_(const Eigen::MatrixXd& var) {
  var_coef = var;
  std_errors.resize(coef.size());
  for (std::size_t i = 0; i < coef.size(); ++i) {
    const double v = var(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(i));
    std_errors[i] = v >= 0.0 ? std::sqrt(v) : std::numeric_limits<double>::quiet_NaN();
  }
  variance_pending_ = false;
}

inline void arima::compute_std_errors() {
  if (!variance_pending_) return;
  detail::arima_objective obj(y_, order.p, order.d, order.q, has_mean, has_drift);
  set_std_errors_(variance_(obj, method, order.p, hess_par_, parscale_, hess_trans_, nobs));
}

inline arima arima::fit_scaled_(const std::vector<double>& y, const arima_params& params) {
  const int p = params.order.p, d = params.order.d, q = params.order.q;
  const std::size_t n = y.size();
  const bool with_mean = d == 0 && params.include_mean;
  const bool with_drift = params.include_drift;
  const int nx = (with_mean || with_drift) ? 1 : 0;
  const int narma = p + q;
  const auto ncoef = static_cast<std::size_t>(narma + nx);

  const bool y_constant = std::all_of(y.begin(), y.end(), [&](double v) { return v == y[0]; });
  if (y_constant && (d > 0 || with_mean || y[0] == 0.0)) return perfect_fit_(y, params, y[0], 0.0);
  detail::arima_objective obj(y, p, d, q, with_mean, with_drift);
  // Regression start (stats::arima: lm of the differenced series on the differenced regressor,
  // which is a column of ones for both the mean and the drift).
  const std::vector<double>& dx = obj.differenced();
  std::vector<double> init0(ncoef, 0.0), parscale(ncoef, 1.0);
  if (nx == 1) {
    const double m = static_cast<double>(dx.size());
    double mu = 0.0;
    for (double v : dx) mu += v;
    mu /= m;
    double ss = 0.0;
    for (double v : dx) ss += (v - mu) * (v - mu);
    const double se = std::sqrt(ss / (m - 1.0)) / std::sqrt(m);
    if (!(se > 0.0)) return perfect_fit_(y, params, mu, mu);  // exact linear trend
    init0[static_cast<std::size_t>(narma)] = mu;
    parscale[static_cast<std::size_t>(narma)] = 10.0 * se;
  }

  arima m;
  m.order = params.order;
  m.method = params.method;
  m.has_mean = with_mean;
  m.has_drift = with_drift;
  m.y_ = y;
  m.nobs = static_cast<int>(n) - d;
  const double n_used = m.nobs;

  std::vector<double> work(static_cast<std::size_t>(std::max(p, 1)));
  auto css_obj = [&](const double* par) { return obj.css(par); };
  // Analytic gradient of the CSS objective (arima_objective::css_grad), used by the optimiser in
  // place of 2k extra evaluations per step. The Hessian for the standard errors keeps R's
  // numerical scheme.
  auto css_grad = [&](const double* par, double* g) { return obj.css_grad(par, g); };
  auto ml_obj = [&](const double* par) { return obj.ml(par); };

  std::vector<double> coef;
  double value = 0.0;
  bool converged = true;
  bool trans = false;

  if (params.method == arima_method::css) {
    auto res =
        params.analytic_css_gradient
            ? detail::arima_minimize(css_obj, init0, parscale, params.max_iterations, &css_grad)
            : detail::arima_minimize(css_obj, init0, parscale, params.max_iterations);
    coef = res.par;
    value = res.value;
    converged = res.converged;
    m.iterations = res.iterations;
    std::size_t nu = 0;
    m.sigma2_mle = obj.css_residuals(coef.data(), &nu);
    m.residuals = obj.residuals();
    m.hess_par_ = coef;
  } else {
    std::vector<double> init = init0;
    if (params.method == arima_method::css_ml) {
      auto res = detail::arima_minimize(css_obj, init0, parscale, params.max_iterations);
      m.iterations += res.iterations;
      if (res.converged) init = res.par;
      if (p > 0 &&
          !detail::arima_ar_is_stationary(std::vector<double>(init.begin(), init.begin() + p))) {
        m.status = arima_status::css_nonstationary_fallback;
        m.css_fallback = true;
        init = init0;
      }
    }
    trans = params.transform_pars;
    if (trans) {
      if (p > 0) {
        std::vector<double> raw(static_cast<std::size_t>(p));
        detail::arima_inv_partrans(static_cast<std::size_t>(p), init.data(), raw.data(),
                                   work.data());
        std::copy(raw.begin(), raw.end(), init.begin());
      }
      if (q > 0) {
        auto inv =
            detail::arima_ma_invert(std::vector<double>(init.begin() + p, init.begin() + narma));
        std::copy(inv.begin(), inv.end(), init.begin() + p);
      }
    }
    obj.trans = trans;
    auto res = detail::arima_minimize(ml_obj, init, parscale, params.max_iterations);
    m.iterations += res.iterations;
    converged = res.converged;
    coef = res.par;
    if (trans && q > 0) {
      auto inv =
          detail::arima_ma_invert(std::vector<double>(coef.begin() + p, coef.begin() + narma));
      std::copy(inv.begin(), inv.end(), coef.begin() + p);
    }
    value = ml_obj(coef.data());
    obj.trans = false;
    m.hess_par_ = coef;
    if (trans && p > 0) {
      std::vector<double> out(static_cast<std::size_t>(p));
      detail::arima_partrans(static_cast<std::size_t>(p), coef.data(), out.data(), work.data());
      std::copy(out.begin(), out.end(), coef.begin());
    }
    const auto s = obj.ml_residuals(coef.data());
    m.sigma2_mle = s.ssq / n_used;
    m.residuals = obj.residuals();
  }
  if (!converged) m.status = arima_status::not_converged;

  m.coef = coef;
  m.ar.assign(coef.begin(), coef.begin() + p);
  m.ma.assign(coef.begin() + p, coef.begin() + narma);
  for (int i = 1; i <= p; ++i) m.coef_names.push_back("ar" + std::to_string(i));
  for (int i = 1; i <= q; ++i) m.coef_names.push_back("ma" + std::to_string(i));
  if (with_mean) m.mean = coef.back(), m.coef_names.emplace_back("intercept");
  if (with_drift) m.drift = coef.back(), m.coef_names.emplace_back("drift");
  m.parscale_ = parscale;
  m.hess_trans_ = trans;
  if (params.std_errors) {
    m.set_std_errors_(variance_(obj, params.method, p, m.hess_par_, parscale, trans, n_used));
  } else {
    m.variance_pending_ = true;
    m.std_errors.assign(ncoef, std::numeric_limits<double>::quiet_NaN());
    m.var_coef = Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(ncoef),
                                           static_cast<Eigen::Index>(ncoef),
                                           std::numeric_limits<double>::quiet_NaN());
  }
  m.loglik = -0.5 * (2.0 * n_used * value + n_used + n_used * std::log(2.0 * M_PI));
  double rss = 0.0;
  for (double r : m.residuals) rss += r * r;
  m.sigma2 = rss / (n_used - m.npar() + 1.0);
  m.finish_ic_();
  return m;
}

inline prediction arima::forecast(int horizon, const std::vector<double>& levels) const {
  static constexpr const char* fn = "parcae::forecast::arima::forecast";
  detail::check_horizon_levels(fn, horizon, levels);
  const std::size_t h = horizon > 0 ? static_cast<std::size_t>(horizon) : 0;
  const std::size_t n = y_.size();
  prediction out;
  out.mean.assign(h, 0.0);
  out.se.assign(h, 0.0);
  out.levels = levels;
  if (perfect_fit) {
    // Exact extrapolation: constant, or last value plus drift per step.
    for (std::size_t k = 0; k < h; ++k) {
      out.mean[k] =
          order.d == 0 && has_mean ? mean : y_.back() + drift * static_cast<double>(k + 1);
      if (order.d == 2 && n >= 2)
        out.mean[k] = y_.back() + (y_[n - 1] - y_[n - 2]) * static_cast<double>(k + 1);
    }
  } else {
    const int p = order.p, q = order.q;
    detail::arima_state_space ss(p, q, order.d);
    std::vector<double> phi(ar), theta(ma);
    phi.push_back(0.0);
    theta.push_back(0.0);
    ss.set_coefficients(phi.data(), theta.data());
    std::vector<double> xr(n);
    for (std::size_t t = 0; t < n; ++t) {
      xr[t] = y_[t] - mean - drift * static_cast<double>(t + 1);
    }
    ss.filter(xr.data(), n, nullptr);
    std::vector<double> var(h);
    ss.forecast(horizon, out.mean.data(), var.data());
    for (std::size_t k = 0; k < h; ++k) {
      out.mean[k] += mean + drift * static_cast<double>(n + k + 1);
      out.se[k] = std::sqrt(std::max(0.0, var[k]) * sigma2);
    }
  }
  detail::add_normal_intervals(out, levels);
  return out;
}

}  // namespace parcae::forecast
