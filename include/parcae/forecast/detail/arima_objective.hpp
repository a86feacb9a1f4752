#pragma once
// The two objectives stats::arima minimises, bound to one series and one order:
//  - css(): armaCSS, 0.5 log(mean square conditional residual) (R's ARIMA_CSS);
//  - css_grad(): the same value and its exact gradient, by the adjoint of the MA recursion;
//  - ml(): armafn, the concentrated Gaussian log-likelihood from the Kalman filter.
// All buffers are allocated once, so an optimiser can call them thousands of times.
//
// Gradient of the CSS by the adjoint (reverse-mode) method: with a_t the AR residuals and
// Theta the banded lower-triangular Toeplitz matrix of 1, theta_1..theta_q (the MA recursion
// e = Theta^{-1} a, zero before n.cond), de/dc = Theta^{-1} (da/dc - dTheta/dc e), hence
// d ssq / dc = 2 <Theta^{-T} e, da/dc - dTheta/dc e>: one backward recursion z = Theta^{-T} e plus
// one inner product per coefficient, O(n (2q + p + k)) instead of the O(n k q) of carrying every
// derivative through the recursion. Same derivative, so the optimiser takes the same path up to
// rounding.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include <Eigen/Dense>

#include "parcae/forecast/detail/arima_css.hpp"
#include "parcae/forecast/detail/arima_state_space.hpp"
#include "parcae/forecast/detail/arima_transform.hpp"

namespace parcae::detail {

// e[t] = a[t] - sum_{j=1..q} th[j-1] e[t-j] for t in [begin, end); e[t] == 0 below begin (the
// caller's zero padding), so the truncation of R's recursion at n.cond needs no branch. Q > 0
// is the order at compile time (small orders dominate auto_arima); Q == 0 reads q at run time.
// The oldest lag is subtracted first, so that only one multiply-add per step waits for e[t-1]
// (the recursion is latency-bound).
template <int Q>
inline void arima_ma_forward(const double* a, double* e, std::ptrdiff_t begin, std::ptrdiff_t end,
                             const double* th, int q) {
  for (std::ptrdiff_t t = begin; t < end; ++t) {
    double v = a[t];
    if constexpr (Q > 0) {
      for (int j = Q; j-- > 0;) v -= th[j] * e[t - 1 - j];
    } else {
      for (int j = q; j-- > 0;) v -= th[j] * e[t - 1 - j];
    }
    e[t] = v;
  }
}

// z[t] = e[t] - sum_{j=1..q} th[j-1] z[t+j] for t from end-1 down to begin; z[t] == 0 at and
// above end (padding).
template <int Q>
inline void arima_ma_backward(const double* e, double* z, std::ptrdiff_t begin, std::ptrdiff_t end,
                              const double* th, int q) {
  for (std::ptrdiff_t t = end; t-- > begin;) {
    double v = e[t];
    if constexpr (Q > 0) {
      for (int j = Q; j-- > 0;) v -= th[j] * z[t + 1 + j];
    } else {
      for (int j = q; j-- > 0;) v -= th[j] * z[t + 1 + j];
    }
    z[t] = v;
  }
}

class arima_objective {
 public:
  // Zero padding around the residual buffers: at least the largest MA order (20).
  static constexpr std::ptrdiff_t pad = 24;

  arima_objective(const std::vector<double>& y, int p, int d, int q, bool with_mean,
                  bool with_drift)
      : y_(y),
        p_(p),
        d_(d),
        q_(q),
        nx_((with_mean || with_drift) ? 1 : 0),
        n_(y.size()),
        xreg_(y.size(), 1.0),
        xr_(y.size()),
        w_(y.size()),
        resid_(y.size()),
        phi_(static_cast<std::size_t>(std::max(p, 1))),
        work_(phi_.size()),
        ss_(p, q, d) {
    if (with_drift) {
      for (std::size_t t = 0; t < n_; ++t) xreg_[t] = static_cast<double>(t + 1);
    }
    dx_ = y;
    for (int k = 0; k < d; ++k) {
      for (std::size_t l = dx_.size(); l-- > 1;) dx_[l] -= dx_[l - 1];
      dx_.erase(dx_.begin());
    }
    const auto m = static_cast<std::ptrdiff_t>(dx_.size());
    dwc_.assign(static_cast<std::size_t>(m), 0.0);
    a_.assign(static_cast<std::size_t>(m), 0.0);
    e_.assign(static_cast<std::size_t>(m + 2 * pad), 0.0);
    z_.assign(static_cast<std::size_t>(m + 2 * pad), 0.0);
  }

  int narma() const { return p_ + q_; }
  std::size_t n_cond() const { return static_cast<std::size_t>(d_ + p_); }
  const std::vector<double>& differenced() const { return dx_; }

  /// y minus the regression effect (mean or drift) of par.
  const std::vector<double>& remove_reg(const double* par) {
    const double beta = nx_ == 1 ? par[p_ + q_] : 0.0;
    for (std::size_t t = 0; t < n_; ++t) xr_[t] = y_[t] - beta * xreg_[t];
    return xr_;
  }

  /// R's armaCSS (ARIMA_CSS removes the regression from y and then differences; here the
  /// constant is removed from the differenced series: the same value up to rounding).
  double css(const double* par) { return css_grad(par, nullptr); }

  /// Conditional residuals and their mean square at par (R's CSS residuals, zero for the first
  /// n.cond values); the residuals are left in residuals().
  double css_residuals(const double* par, std::size_t* nu = nullptr) {
    remove_reg(par);
    return arima_css(xr_.data(), n_, d_, par, p_, par + p_, q_, n_cond(), w_.data(), resid_.data(),
                     nu);
  }
  const std::vector<double>& residuals() const { return resid_; }

  /// armaCSS and its gradient (g: p + q + nx values), computed on the differenced series.
  double css_grad(const double* par, double* g) {
    const std::ptrdiff_t m = static_cast<std::ptrdiff_t>(dx_.size()), p = p_;
    const double* ph = par;
    const double* th = par + p_;
    const double beta = nx_ == 1 ? par[p_ + q_] : 0.0;
    for (std::ptrdiff_t t = 0; t < m; ++t) dwc_[static_cast<std::size_t>(t)] = dx_[t] - beta;
    const std::ptrdiff_t len = m - p;
    Eigen::Map<const Eigen::VectorXd> dwc(dwc_.data(), m);
    Eigen::Map<Eigen::VectorXd> a(a_.data(), m);
    a.segment(p, len) = dwc.segment(p, len);
    for (std::ptrdiff_t j = 1; j <= p; ++j)
      a.segment(p, len) -= ph[j - 1] * dwc.segment(p - j, len);
    double* e = e_.data() + pad;
    double* z = z_.data() + pad;
    // e[t] = 0 for t < p comes from the padding and from the zeros written here.
    std::fill(e, e + p, 0.0);
    switch (q_) {
      case 0:
        std::copy(a_.begin() + p, a_.end(), e + p);
        break;
      case 1:
        arima_ma_forward<1>(a_.data(), e, p, m, th, q_);
        break;
      case 2:
        arima_ma_forward<2>(a_.data(), e, p, m, th, q_);
        break;
      case 3:
        arima_ma_forward<3>(a_.data(), e, p, m, th, q_);
        break;
      case 4:
        arima_ma_forward<4>(a_.data(), e, p, m, th, q_);
        break;
      case 5:
        arima_ma_forward<5>(a_.data(), e, p, m, th, q_);
        break;
      default:
        arima_ma_forward<0>(a_.data(), e, p, m, th, q_);
    }
    Eigen::Map<const Eigen::VectorXd> ev(e, m);
    const double ssq = ev.segment(p, len).squaredNorm();
    const double value = 0.5 * std::log(ssq / static_cast<double>(len));
    if (g == nullptr) return value;
    std::fill(z, z + p, 0.0);
    switch (q_) {
      case 0:
        std::copy(e + p, e + m, z + p);
        break;
      case 1:
        arima_ma_backward<1>(e, z, p, m, th, q_);
        break;
      case 2:
        arima_ma_backward<2>(e, z, p, m, th, q_);
        break;
      case 3:
        arima_ma_backward<3>(e, z, p, m, th, q_);
        break;
      case 4:
        arima_ma_backward<4>(e, z, p, m, th, q_);
        break;
      case 5:
        arima_ma_backward<5>(e, z, p, m, th, q_);
        break;
      default:
        arima_ma_backward<0>(e, z, p, m, th, q_);
    }
    Eigen::Map<const Eigen::VectorXd> zv(z, m);
    const auto zs = zv.segment(p, len);
    for (std::ptrdiff_t j = 1; j <= p; ++j) g[j - 1] = -zs.dot(dwc.segment(p - j, len)) / ssq;
    for (std::ptrdiff_t j = 1; j <= q_; ++j) {
      // e is zero below p, so the shifted inner product needs no truncation.
      g[p + j - 1] = -zs.dot(Eigen::Map<const Eigen::VectorXd>(e + p - j, len)) / ssq;
    }
    if (nx_ == 1) {
      double c = 1.0;
      for (int j = 0; j < p_; ++j) c -= ph[j];
      g[p_ + q_] = -c * zs.sum() / ssq;
    }
    return value;
  }

  /// R's armafn: the concentrated log-likelihood; with trans, the AR part of par is on the
  /// partial-autocorrelation scale. +max double when the initial covariance does not exist.
  double ml(const double* par) {
    const double* ph = par;
    if (trans && p_ > 0) {
      arima_partrans(static_cast<std::size_t>(p_), par, phi_.data(), work_.data());
      ph = phi_.data();
    }
    if (!ss_.set_coefficients(ph, par + p_)) return std::numeric_limits<double>::max();
    remove_reg(par);
    const auto s = ss_.filter(xr_.data(), n_, nullptr);
    return 0.5 * (std::log(s.ssq / s.nu) + s.sumlog / s.nu);
  }

  /// Runs the filter at untransformed coefficients; standardised innovations into residuals().
  arima_like_sums ml_residuals(const double* par) {
    ss_.set_coefficients(par, par + p_);
    remove_reg(par);
    return ss_.filter(xr_.data(), n_, resid_.data());
  }

  bool trans = false;

 private:
  const std::vector<double>& y_;
  int p_, d_, q_, nx_;
  std::size_t n_;
  std::vector<double> xreg_, xr_, w_, resid_, phi_, work_, dx_, dwc_, a_, e_, z_;
  arima_state_space ss_;
};

}  // namespace parcae::detail
