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
  arima m = fit_scaled_(ys, params);
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

inline arima arima::fit_scaled_(const std::vector<double>& y, const arima_params& params) {
  const int p = params.order.p, d = params.order.d, q = params.order.q;
  const std::size_t n = y.size();
  const bool with_mean = d == 0 && params.include_mean;
  const bool with_drift = params.include_drift;
  const int nx = (with_mean || with_drift) ? 1 : 0;
  const int narma = p + q;
  const auto ncoef = static_cast<std::size_t>(narma + nx);

  // Regression start (stats::arima: lm of the differenced series on the differenced regressor,
  // which is a column of ones for both the mean and the drift).
  std::vector<double> xreg(n, 1.0);
  if (with_drift) {
    for (std::size_t t = 0; t < n; ++t) xreg[t] = static_cast<double>(t + 1);
  }
  std::vector<double> dx(y);
  for (int k = 0; k < d; ++k) {
    for (std::size_t l = dx.size(); l-- > 1;) dx[l] -= dx[l - 1];
    dx.erase(dx.begin());
  }
  const bool y_constant = std::all_of(y.begin(), y.end(), [&](double v) { return v == y[0]; });
  if (y_constant && (d > 0 || with_mean || y[0] == 0.0)) return perfect_fit_(y, params, y[0], 0.0);
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
  const auto n_cond = static_cast<std::size_t>(d + p);

  std::vector<double> xr(n), w(n), resid(n), phi(static_cast<std::size_t>(std::max(p, 1))),
      work(phi.size());
  detail::arima_state_space ss(p, q, d);
  auto remove_reg = [&](const double* par) {
    const double beta = nx == 1 ? par[narma] : 0.0;
    for (std::size_t t = 0; t < n; ++t) xr[t] = y[t] - beta * xreg[t];
  };
  auto css_obj = [&](const double* par) {
    remove_reg(par);
    const double s2 =
        detail::arima_css(xr.data(), n, d, par, p, par + p, q, n_cond, w.data(), resid.data());
    return 0.5 * std::log(s2);
  };
  // Analytic gradient of the CSS objective (derivative recursions of the residuals), used by
  // the optimiser in place of 2k extra evaluations per step. The Hessian for the standard errors
  // keeps R's numerical scheme.
  std::vector<double> dw(n), de(n * ncoef);
  auto css_grad = [&](const double* par, double* g) {
    const double beta = nx == 1 ? par[narma] : 0.0;
    for (std::size_t t = 0; t < dx.size(); ++t) dw[t + static_cast<std::size_t>(d)] = dx[t] - beta;
    const double* ph = par;
    const double* th = par + p;
    const std::size_t k = ncoef;
    double ssq = 0.0;
    std::fill(g, g + k, 0.0);
    for (std::size_t l = n_cond; l < n; ++l) {
      double e = dw[l];
      for (int j = 0; j < p; ++j) e -= ph[j] * dw[l - static_cast<std::size_t>(j) - 1];
      const std::size_t qmax = std::min(l - n_cond, static_cast<std::size_t>(q));
      for (std::size_t j = 0; j < qmax; ++j) e -= th[j] * resid[l - j - 1];
      resid[l] = e;
      double* del = &de[l * k];
      for (int j = 0; j < p; ++j) del[j] = -dw[l - static_cast<std::size_t>(j) - 1];
      for (int j = 0; j < q; ++j) {
        del[p + j] =
            static_cast<std::size_t>(j) < qmax ? -resid[l - static_cast<std::size_t>(j) - 1] : 0.0;
      }
      if (nx == 1) {
        double v = -1.0;
        for (int j = 0; j < p; ++j) v += ph[j];
        del[narma] = v;
      }
      for (std::size_t j = 0; j < qmax; ++j) {
        const double* prev = &de[(l - j - 1) * k];
        for (std::size_t c = 0; c < k; ++c) del[c] -= th[j] * prev[c];
      }
      ssq += e * e;
      for (std::size_t c = 0; c < k; ++c) g[c] += e * del[c];
    }
    for (std::size_t c = 0; c < k; ++c) g[c] /= ssq;
    return 0.5 * std::log(ssq / static_cast<double>(n - n_cond));
  };
  bool trans = false;
  auto ml_obj = [&](const double* par) {
    const double* ph = par;
    if (trans && p > 0) {
      detail::arima_partrans(static_cast<std::size_t>(p), par, phi.data(), work.data());
      ph = phi.data();
    }
    if (!ss.set_coefficients(ph, par + p)) return std::numeric_limits<double>::max();
    remove_reg(par);
    const auto s = ss.filter(xr.data(), n, nullptr);
    return 0.5 * (std::log(s.ssq / s.nu) + s.sumlog / s.nu);
  };

  std::vector<double> coef;
  double value = 0.0;
  bool converged = true;
  Eigen::MatrixXd var;
  auto inverse = [&](const Eigen::MatrixXd& h) {
    if (h.size() == 0) return Eigen::MatrixXd(h.rows(), h.cols());
    Eigen::FullPivLU<Eigen::MatrixXd> lu(h * n_used);
    if (!lu.isInvertible()) {
      return Eigen::MatrixXd::Constant(h.rows(), h.cols(), std::numeric_limits<double>::quiet_NaN())
          .eval();
    }
    return lu.inverse().eval();
  };

  if (params.method == arima_method::css) {
    auto res =
        params.analytic_css_gradient
            ? detail::arima_minimize(css_obj, init0, parscale, params.max_iterations, &css_grad)
            : detail::arima_minimize(css_obj, init0, parscale, params.max_iterations);
    coef = res.par;
    value = res.value;
    converged = res.converged;
    m.iterations = res.iterations;
    var = inverse(detail::arima_hessian(css_obj, coef, parscale));
    remove_reg(coef.data());
    std::size_t nu = 0;
    m.sigma2_mle = detail::arima_css(xr.data(), n, d, coef.data(), p, coef.data() + p, q, n_cond,
                                     w.data(), resid.data(), &nu);
    m.residuals = resid;
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
    const Eigen::MatrixXd h = detail::arima_hessian(ml_obj, coef, parscale);
    if (trans && p > 0) {
      const Eigen::MatrixXd a =
          detail::arima_transform_jacobian(static_cast<std::size_t>(p), coef, ncoef);
      var = a.transpose() * inverse(h) * a;
      std::vector<double> out(static_cast<std::size_t>(p));
      detail::arima_partrans(static_cast<std::size_t>(p), coef.data(), out.data(), work.data());
      std::copy(out.begin(), out.end(), coef.begin());
    } else {
      var = inverse(h);
    }
    trans = false;
    ss.set_coefficients(coef.data(), coef.data() + p);
    remove_reg(coef.data());
    const auto s = ss.filter(xr.data(), n, resid.data());
    m.sigma2_mle = s.ssq / n_used;
    m.residuals = resid;
  }
  if (!converged) m.status = arima_status::not_converged;

  m.coef = coef;
  m.ar.assign(coef.begin(), coef.begin() + p);
  m.ma.assign(coef.begin() + p, coef.begin() + narma);
  for (int i = 1; i <= p; ++i) m.coef_names.push_back("ar" + std::to_string(i));
  for (int i = 1; i <= q; ++i) m.coef_names.push_back("ma" + std::to_string(i));
  if (with_mean) m.mean = coef.back(), m.coef_names.emplace_back("intercept");
  if (with_drift) m.drift = coef.back(), m.coef_names.emplace_back("drift");
  m.var_coef = var;
  m.std_errors.resize(ncoef);
  for (std::size_t i = 0; i < ncoef; ++i) {
    const double v = var(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(i));
    m.std_errors[i] = v >= 0.0 ? std::sqrt(v) : std::numeric_limits<double>::quiet_NaN();
  }
  m.loglik = -0.5 * (2.0 * n_used * value + n_used + n_used * std::log(2.0 * M_PI));
  double rss = 0.0;
  for (double r : m.residuals) rss += r * r;
  m.sigma2 = rss / (n_used - m.npar() + 1.0);
  m.finish_ic_();
  return m;
}

inline arima_forecast arima::forecast(int horizon, const std::vector<double>& levels) const {
  static constexpr const char* fn = "parcae::forecast::arima::forecast";
  check_at_least(fn, "horizon", horizon, 1);
  for (std::size_t i = 0; i < levels.size(); ++i) {
    check_open_interval(fn, "levels[" + std::to_string(i) + "]", levels[i], 0.0, 100.0);
  }
  const std::size_t h = horizon > 0 ? static_cast<std::size_t>(horizon) : 0;
  const std::size_t n = y_.size();
  arima_forecast out;
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
  const boost::math::normal_distribution<double> normal;
  for (double level : levels) {
    const double z = boost::math::quantile(normal, 0.5 + level / 200.0);
    std::vector<double> lo(h), hi(h);
    for (std::size_t k = 0; k < h; ++k) {
      lo[k] = out.mean[k] - z * out.se[k];
      hi[k] = out.mean[k] + z * out.se[k];
    }
    out.lower.push_back(std::move(lo));
    out.upper.push_back(std::move(hi));
  }
  return out;
}

}  // namespace parcae::forecast
