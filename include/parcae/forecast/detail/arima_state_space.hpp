#pragma once
// State-space form of ARIMA(p, d, q) and its Kalman filter, as stats::arima sets it up
// (makeARIMA / ARIMA_Like / KalmanFore in R's stats package; Harvey 1989, sec. 3.3; Durbin and
// Koopman 2012, sec. 3.4):
//   state a_t (length r + d, r = max(p, q + 1)): the first r entries carry the ARMA part in
//   Harvey's companion form, the last d carry the previous values of the undifferenced series;
//   y_t = Z a_t with Z = (1, 0, ..., 0, Delta), Delta the coefficients of the differencing.
// The ARMA block of the initial covariance is the stationary covariance of the state (the
// quantity Gardner, Harvey and Phillips 1980 compute); we obtain it by solving the discrete
// Lyapunov equation P = T P T' + R R' directly, which is exact for a stationary model. The
// differencing block is diffuse (variance kappa = 1e6), and observations whose prediction
// variance is >= 1e4 (the diffuse start) are left out of the likelihood, as R does.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include <Eigen/Dense>

namespace parcae::detail {

struct arima_like_sums {
  double ssq = 0.0;     // sum of squared standardised innovations
  double sumlog = 0.0;  // sum of log prediction variances (in units of sigma2)
  int nu = 0;           // number of innovations that entered the sums
};

/// Allocation-free (after construction) Kalman filter for one ARIMA order.
class arima_state_space {
 public:
  static constexpr double kappa = 1e6;
  // Largest state: r = max(p, q + 1) <= 21 for orders <= 20, plus d <= 2.
  static constexpr int kmax_state = 24;

  arima_state_space(int p, int q, int d) : p_(p), q_(q), d_(d) {
    r_ = std::max(p, q + 1);
    rd_ = r_ + d_;
    const auto rd = static_cast<std::size_t>(rd_);
    phi_.assign(static_cast<std::size_t>(r_), 0.0);
    rvec_.assign(static_cast<std::size_t>(r_), 0.0);
    delta_.assign(static_cast<std::size_t>(d_), 0.0);
    // (1 - B)^d = 1 - Delta_1 B - ... - Delta_d B^d.
    if (d_ == 1) delta_ = {1.0};
    if (d_ == 2) delta_ = {2.0, -1.0};
    pn_.assign(rd * rd, 0.0);
    p_mat_.assign(rd * rd, 0.0);
    pnew_.assign(rd * rd, 0.0);
    pprev_.assign(rd * rd, 0.0);
    mm_.assign(rd * rd, 0.0);
    a_.assign(rd, 0.0);
    anew_.assign(rd, 0.0);
    m_.assign(rd, 0.0);
    const int r2 = r_ * r_;
    lyap_.resize(r2, r2);
    rhs_.resize(r2);
  }

  int r() const { return r_; }
  int rd() const { return rd_; }

  /// Sets the ARMA coefficients and the initial state covariance. Returns false when the
  /// stationary covariance does not exist (a non-stationary AR part): the ARMA block is then
  /// made diffuse too, which keeps the filter usable for CSS fits that R would also accept.
  bool set_coefficients(const double* phi, const double* theta) {
    for (int i = 0; i < r_; ++i) phi_[static_cast<std::size_t>(i)] = i < p_ ? phi[i] : 0.0;
    rvec_[0] = 1.0;
    for (int i = 1; i < r_; ++i) rvec_[static_cast<std::size_t>(i)] = i <= q_ ? theta[i - 1] : 0.0;
    std::fill(pn_.begin(), pn_.end(), 0.0);
    bool ok = true;
    if (r_ == 1) {
      const double v = p_ > 0 ? 1.0 / (1.0 - phi_[0] * phi_[0]) : 1.0;
      ok = std::isfinite(v) && v > 0.0;
      pn_[0] = ok ? v : kappa;
    } else {
      ok = solve_lyapunov();
      if (!ok) {
        std::fill(pn_.begin(), pn_.end(), 0.0);
        for (int i = 0; i < r_; ++i) at(pn_, i, i) = kappa;
      }
    }
    for (int i = r_; i < rd_; ++i) at(pn_, i, i) = kappa;
    return ok;
  }

  /// Runs the filter over y (n values, regression effects already removed). Leaves the final
  /// filtered state in a_/p_mat_ for forecasting; writes standardised innovations
  /// (innovation / sqrt(prediction variance), R's arima residuals) to resid when not null.
  arima_like_sums filter(const double* y, std::size_t n, double* resid) {
    arima_like_sums s;
    std::fill(a_.begin(), a_.end(), 0.0);
    const auto rd = static_cast<std::size_t>(rd_);
    bool steady = false;
    double gain = 1.0;
    std::size_t l = 0;
    for (; l < n && !steady; ++l) {
      apply_t_vector(a_.data(), anew_.data());
      if (!steady) {
        if (l == 0) {
          pnew_ = pn_;
        } else {
          predict_covariance(p_mat_, pnew_);
          // Steady state: once the predicted covariance stops changing, the gain and the
          // filtered covariance are constant too, and only the state mean needs updating. This
          // changes the likelihood by far less than 1e-10 relative and makes long series O(n rd).
          double change = 0.0, size = 1.0;
          for (std::size_t i = 0; i < rd * rd; ++i) {
            change = std::max(change, std::abs(pnew_[i] - pprev_[i]));
            size = std::max(size, std::abs(pnew_[i]));
          }
          steady = change <= 1e-13 * size;
        }
        pprev_ = pnew_;
        // M = Pnew Z, gain = Z' Pnew Z.
        for (int i = 0; i < rd_; ++i) {
          double v = at(pnew_, i, 0);
          for (int j = 0; j < d_; ++j) {
            v += at(pnew_, i, r_ + j) * delta_[static_cast<std::size_t>(j)];
          }
          m_[static_cast<std::size_t>(i)] = v;
        }
        gain = m_[0];
        for (int j = 0; j < d_; ++j) {
          gain += delta_[static_cast<std::size_t>(j)] * m_[static_cast<std::size_t>(r_ + j)];
        }
      }
      double innov = y[l] - anew_[0];
      for (int i = 0; i < d_; ++i) {
        innov -= delta_[static_cast<std::size_t>(i)] * anew_[static_cast<std::size_t>(r_ + i)];
      }
      if (gain < 1e4) {
        ++s.nu;
        s.ssq += innov * innov / gain;
        s.sumlog += std::log(gain);
      }
      if (resid != nullptr) resid[l] = innov / std::sqrt(gain);
      for (std::size_t i = 0; i < rd; ++i) a_[i] = anew_[i] + m_[i] * innov / gain;
      if (!steady) {
        for (std::size_t i = 0; i < rd; ++i) {
          for (std::size_t j = 0; j < rd; ++j) {
            p_mat_[i * rd + j] = pnew_[i * rd + j] - m_[i] * m_[j] / gain;
          }
        }
      }
    }
    if (l < n) steady_filter(y, l, n, gain, resid, s);
    return s;
  }

  /// The rest of the series once the gain is constant: only the state mean is updated, with the
  /// gain vector k = M / F and the constant log F counted once per innovation. Written for the
  /// companion structure of T (a shift plus phi in the first column, the differencing rows), so
  /// that a step costs O(r + d) instead of the general O(rd^2); the state sizes auto_arima
  /// visits (r <= 6) get a fixed-size loop whose state stays in registers.
  void steady_filter(const double* y, std::size_t l0, std::size_t n, double gain, double* resid,
                     arima_like_sums& s) {
    const auto rd = static_cast<std::size_t>(rd_);
    double k[kmax_state];
    for (std::size_t i = 0; i < rd; ++i) k[i] = m_[i] / gain;
    const double isg = 1.0 / std::sqrt(gain);
    double ssq = 0.0;
    const double* ph = phi_.data();
    double* a = a_.data();
    switch (r_ * 3 + d_) {
#define PARCAE_ARIMA_STEADY(R)                               \
  case R * 3 + 0:                                            \
    ssq = steady_loop<R, 0>(y, l0, n, ph, k, isg, resid, a); \
    break;                                                   \
  case R * 3 + 1:                                            \
    ssq = steady_loop<R, 1>(y, l0, n, ph, k, isg, resid, a); \
    break;                                                   \
  case R * 3 + 2:                                            \
    ssq = steady_loop<R, 2>(y, l0, n, ph, k, isg, resid, a); \
    break;
      PARCAE_ARIMA_STEADY(1)
      PARCAE_ARIMA_STEADY(2)
      PARCAE_ARIMA_STEADY(3)
      PARCAE_ARIMA_STEADY(4)
      PARCAE_ARIMA_STEADY(5)
      PARCAE_ARIMA_STEADY(6)
#undef PARCAE_ARIMA_STEADY
      default:
        ssq = steady_loop_any(y, l0, n, k, isg, resid);
    }
    if (gain < 1e4) {
      const auto steps = static_cast<int>(n - l0);
      s.nu += steps;
      s.ssq += ssq / gain;
      s.sumlog += steps * std::log(gain);
    }
  }

  // (1 - B)^d = 1 - Delta_1 B - ... : Delta = (1) for d = 1, (2, -1) for d = 2.
  template <int R, int D>
  static double steady_loop(const double* y, std::size_t l0, std::size_t n, const double* phi,
                            const double* kg, double isg, double* resid, double* state) {
    constexpr int RD = R + D;
    double a[RD], k[RD], ph[R];
    for (int i = 0; i < RD; ++i) a[i] = state[i], k[i] = kg[i];
    for (int i = 0; i < R; ++i) ph[i] = phi[i];
    double ssq = 0.0;
    for (std::size_t l = l0; l < n; ++l) {
      double an[RD];
      for (int i = 0; i < R - 1; ++i) an[i] = a[i + 1] + ph[i] * a[0];
      an[R - 1] = ph[R - 1] * a[0];
      double innov = y[l] - an[0];
      if constexpr (D == 1) {
        an[R] = a[0] + a[R];
        innov -= an[R];
      } else if constexpr (D == 2) {
        an[R] = a[0] + 2.0 * a[R] - a[R + 1];
        an[R + 1] = a[R];
        innov -= 2.0 * an[R] - an[R + 1];
      }
      ssq += innov * innov;
      if (resid != nullptr) resid[l] = innov * isg;
      for (int i = 0; i < RD; ++i) a[i] = an[i] + k[i] * innov;
    }
    for (int i = 0; i < RD; ++i) state[i] = a[i];
    return ssq;
  }

  double steady_loop_any(const double* y, std::size_t l0, std::size_t n, const double* k,
                         double isg, double* resid) {
    const auto rd = static_cast<std::size_t>(rd_);
    double ssq = 0.0;
    for (std::size_t l = l0; l < n; ++l) {
      apply_t_vector(a_.data(), anew_.data());
      double innov = y[l] - anew_[0];
      for (int i = 0; i < d_; ++i) {
        innov -= delta_[static_cast<std::size_t>(i)] * anew_[static_cast<std::size_t>(r_ + i)];
      }
      ssq += innov * innov;
      if (resid != nullptr) resid[l] = innov * isg;
      for (std::size_t i = 0; i < rd; ++i) a_[i] = anew_[i] + k[i] * innov;
    }
    return ssq;
  }

  /// h-step forecasts from the state left by filter(): means (without regression effects) and
  /// variances in units of sigma2 (KalmanFore in R).
  void forecast(int h, double* mean, double* var) {
    std::vector<double> a = a_, anew(a_.size());
    std::vector<double> p = p_mat_, pn(p_mat_.size());
    for (int k = 0; k < h; ++k) {
      apply_t_vector(a.data(), anew.data());
      a = anew;
      predict_covariance(p, pn);
      p = pn;
      double fc = a[0];
      for (int j = 0; j < d_; ++j)
        fc += delta_[static_cast<std::size_t>(j)] * a[static_cast<std::size_t>(r_ + j)];
      double v = 0.0;
      for (int i = 0; i < rd_; ++i) {
        const double zi = z(i);
        if (zi == 0.0) continue;
        for (int j = 0; j < rd_; ++j) v += zi * at(p, i, j) * z(j);
      }
      mean[k] = fc;
      var[k] = v;
    }
  }

 private:
  double& at(std::vector<double>& m, int i, int j) const {
    return m[static_cast<std::size_t>(i * rd_ + j)];
  }
  double z(int i) const {
    if (i == 0) return 1.0;
    if (i >= r_) return delta_[static_cast<std::size_t>(i - r_)];
    return 0.0;
  }

  // out = T a.
  void apply_t_vector(const double* a, double* out) const {
    for (int i = 0; i < r_; ++i) {
      double v = i < r_ - 1 ? a[i + 1] : 0.0;
      if (i < p_) v += phi_[static_cast<std::size_t>(i)] * a[0];
      out[i] = v;
    }
    if (d_ > 0) {
      double v = a[0];
      for (int j = 0; j < d_; ++j) v += delta_[static_cast<std::size_t>(j)] * a[r_ + j];
      out[r_] = v;
      for (int i = r_ + 1; i < rd_; ++i) out[i] = a[i - 1];
    }
  }

  // out = T in (rows), exploiting the sparse companion structure: O(rd^2 (1 + d)).
  void apply_t_rows(const std::vector<double>& in, std::vector<double>& out) const {
    const auto rd = static_cast<std::size_t>(rd_);
    for (int i = 0; i < r_; ++i) {
      double* o = &out[static_cast<std::size_t>(i) * rd];
      const double* row0 = &in[0];
      const double ph = i < p_ ? phi_[static_cast<std::size_t>(i)] : 0.0;
      if (i < r_ - 1) {
        const double* next = &in[static_cast<std::size_t>(i + 1) * rd];
        for (std::size_t j = 0; j < rd; ++j) o[j] = ph * row0[j] + next[j];
      } else {
        for (std::size_t j = 0; j < rd; ++j) o[j] = ph * row0[j];
      }
    }
    if (d_ > 0) {
      double* o = &out[static_cast<std::size_t>(r_) * rd];
      for (std::size_t j = 0; j < rd; ++j) {
        double v = in[j];
        for (int k = 0; k < d_; ++k)
          v += delta_[static_cast<std::size_t>(k)] * in[static_cast<std::size_t>(r_ + k) * rd + j];
        o[j] = v;
      }
      for (int i = r_ + 1; i < rd_; ++i) {
        for (std::size_t j = 0; j < rd; ++j) {
          out[static_cast<std::size_t>(i) * rd + j] = in[static_cast<std::size_t>(i - 1) * rd + j];
        }
      }
    }
  }

  // out = T p T' + R R' (p symmetric): mm = T p; out = T mm'.
  void predict_covariance(const std::vector<double>& p, std::vector<double>& out) {
    apply_t_rows(p, mm_);
    const auto rd = static_cast<std::size_t>(rd_);
    for (std::size_t i = 0; i < rd; ++i) {
      for (std::size_t j = i + 1; j < rd; ++j) std::swap(mm_[i * rd + j], mm_[j * rd + i]);
    }
    apply_t_rows(mm_, out);
    for (int i = 0; i < r_; ++i) {
      for (int j = 0; j < r_; ++j) {
        out[static_cast<std::size_t>(i) * rd + static_cast<std::size_t>(j)] +=
            rvec_[static_cast<std::size_t>(i)] * rvec_[static_cast<std::size_t>(j)];
      }
    }
  }

  // Stationary covariance of the ARMA block: (I - T (x) T) vec(P) = vec(R R').
  bool solve_lyapunov() {
    const int r = r_;
    lyap_.setIdentity();
    // T(i, k) non-zero: k == 0 (phi_i) and k == i + 1 (1).
    auto t = [&](int i, int k) -> double {
      double v = 0.0;
      if (k == 0) v += phi_[static_cast<std::size_t>(i)];
      if (k == i + 1) v += 1.0;
      return v;
    };
    for (int i = 0; i < r; ++i) {
      for (int j = 0; j < r; ++j) {
        const int row = i * r + j;
        for (int k : {0, i + 1}) {
          if (k >= r || (k == 0 && i + 1 == 0)) continue;
          const double tik = t(i, k);
          if (tik == 0.0) continue;
          for (int l : {0, j + 1}) {
            if (l >= r) continue;
            if (l == 0 && j + 1 == 0) continue;
            const double tjl = t(j, l);
            if (tjl == 0.0) continue;
            lyap_(row, k * r + l) -= tik * tjl;
          }
        }
        rhs_(row) = rvec_[static_cast<std::size_t>(i)] * rvec_[static_cast<std::size_t>(j)];
      }
    }
    lu_.compute(lyap_);
    sol_ = lu_.solve(rhs_);
    for (int i = 0; i < r; ++i) {
      for (int j = 0; j < r; ++j) {
        const double v = 0.5 * (sol_(i * r + j) + sol_(j * r + i));
        if (!std::isfinite(v)) return false;
        at(pn_, i, j) = v;
      }
      if (!(at(pn_, i, i) >= 0.0)) return false;
    }
    return true;
  }

  int p_, q_, d_, r_, rd_;
  std::vector<double> phi_, rvec_, delta_;
  std::vector<double> pn_, p_mat_, pnew_, pprev_, mm_, a_, anew_, m_;
  Eigen::MatrixXd lyap_;
  Eigen::VectorXd rhs_, sol_;
  Eigen::PartialPivLU<Eigen::MatrixXd> lu_;
};

}  // namespace parcae::detail
