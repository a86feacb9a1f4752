#pragma once
// Parameter transforms and polynomial root checks used by ARIMA estimation.
//
// The AR part is optimised on the partial-autocorrelation scale, as stats::arima does with
// transform.pars = TRUE (Jones 1980; Monahan 1984): each free parameter goes through tanh to a
// partial autocorrelation in (-1, 1), and the Durbin-Levinson recursion turns those into AR
// coefficients, which are then always stationary. The MA part is not transformed (R neither);
// non-invertible MA estimates are mapped to their invertible twin afterwards ("maInvert").

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <limits>
#include <vector>

#include <Eigen/Dense>

namespace parcae::detail {

/// Partial autocorrelations (unconstrained, through tanh) -> stationary AR coefficients.
/// `raw` and `out` hold p values; `work` is scratch of size p.
inline void arima_partrans(std::size_t p, const double* raw, double* out, double* work) {
  for (std::size_t j = 0; j < p; ++j) out[j] = work[j] = std::tanh(raw[j]);
  // Durbin-Levinson: phi_{j,k} = phi_{j-1,k} - pacf_j * phi_{j-1,j-k}.
  for (std::size_t j = 1; j < p; ++j) {
    const double a = out[j];
    for (std::size_t k = 0; k < j; ++k) work[k] -= a * out[j - k - 1];
    for (std::size_t k = 0; k < j; ++k) out[k] = work[k];
  }
}

/// Inverse of arima_partrans: stationary AR coefficients -> unconstrained values (atanh of the
/// partial autocorrelations, the Durbin-Levinson recursion run backwards).
inline void arima_inv_partrans(std::size_t p, const double* phi, double* out, double* work) {
  for (std::size_t j = 0; j < p; ++j) out[j] = work[j] = phi[j];
  for (std::size_t j = p; j-- > 1;) {
    const double a = out[j];
    for (std::size_t k = 0; k < j; ++k) work[k] = (out[k] + a * out[j - k - 1]) / (1.0 - a * a);
    for (std::size_t k = 0; k < j; ++k) out[k] = work[k];
  }
  for (std::size_t j = 0; j < p; ++j) out[j] = std::atanh(out[j]);
}

/// Jacobian of the AR transform at `raw` by forward differences with step 1e-3, the step
/// stats::arima uses for its delta-method variance ("ARIMA_Gradtrans"). Returns the
/// (ncoef x ncoef) matrix A with A(i, j) = d out_j / d raw_i (identity outside the AR block).
inline Eigen::MatrixXd arima_transform_jacobian(std::size_t p, const std::vector<double>& raw,
                                                std::size_t ncoef) {
  Eigen::MatrixXd a =
      Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(ncoef), static_cast<Eigen::Index>(ncoef));
  if (p == 0) return a;
  constexpr double eps = 1e-3;
  std::vector<double> w1(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(p)), w2(p), w3(p),
      work(p);
  arima_partrans(p, w1.data(), w2.data(), work.data());
  for (std::size_t i = 0; i < p; ++i) {
    w1[i] += eps;
    arima_partrans(p, w1.data(), w3.data(), work.data());
    for (std::size_t j = 0; j < p; ++j) {
      a(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = (w3[j] - w2[j]) / eps;
    }
    w1[i] -= eps;
  }
  return a;
}

/// Reciprocal roots lambda_k of 1 + c_1 z + ... + c_m z^m (so the polynomial is
/// prod (1 - lambda_k z)), i.e. the eigenvalues of the companion matrix with first row -c.
/// Trailing zero coefficients are dropped first, as R's polyroot callers do.
inline std::vector<std::complex<double>> arima_reciprocal_roots(const std::vector<double>& c,
                                                                double zero_tol = 0.0) {
  std::size_t m = c.size();
  while (m > 0 && std::abs(c[m - 1]) <= zero_tol) --m;
  std::vector<std::complex<double>> out;
  if (m == 0) return out;
  if (m == 1) {
    out.emplace_back(-c[0], 0.0);
    return out;
  }
  Eigen::MatrixXd comp =
      Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(m));
  for (std::size_t j = 0; j < m; ++j) comp(0, static_cast<Eigen::Index>(j)) = -c[j];
  for (std::size_t j = 1; j < m; ++j) {
    comp(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(j - 1)) = 1.0;
  }
  Eigen::EigenSolver<Eigen::MatrixXd> es(comp, false);
  const auto& ev = es.eigenvalues();
  for (Eigen::Index k = 0; k < ev.size(); ++k) out.push_back(ev(k));
  return out;
}

/// Smallest modulus of the roots of 1 - phi_1 z - ... - phi_p z^p (AR) or 1 + theta_1 z + ...
/// (MA, sign = +1). Returns +infinity when the polynomial is constant. Coefficients with
/// |c| <= zero_tol at the end are ignored (forecast::auto.arima uses 1e-8).
inline double arima_min_root_modulus(const std::vector<double>& coef, double sign,
                                     double zero_tol = 0.0) {
  std::vector<double> c(coef.size());
  for (std::size_t j = 0; j < coef.size(); ++j) c[j] = sign * coef[j];
  double max_lambda = 0.0;
  for (const auto& l : arima_reciprocal_roots(c, zero_tol))
    max_lambda = std::max(max_lambda, std::abs(l));
  return max_lambda == 0.0 ? std::numeric_limits<double>::infinity() : 1.0 / max_lambda;
}

/// All roots of the AR polynomial outside the unit circle (R's arCheck in stats::arima).
inline bool arima_ar_is_stationary(const std::vector<double>& phi) {
  return arima_min_root_modulus(phi, -1.0) > 1.0;
}

/// Invertible twin of an MA polynomial: roots inside the unit circle are replaced by their
/// reciprocals, which leaves the autocorrelations unchanged (stats::arima's maInvert).
inline std::vector<double> arima_ma_invert(const std::vector<double>& theta) {
  std::size_t q0 = theta.size();
  while (q0 > 0 && theta[q0 - 1] == 0.0) --q0;
  if (q0 == 0) return theta;
  std::vector<double> head(theta.begin(), theta.begin() + static_cast<std::ptrdiff_t>(q0));
  auto lambdas = arima_reciprocal_roots(head);
  bool any_inside = false;
  for (const auto& l : lambdas) any_inside = any_inside || std::abs(l) > 1.0;
  if (!any_inside) return theta;
  std::vector<double> out(theta.size(), 0.0);
  if (q0 == 1) {
    out[0] = 1.0 / theta[0];
    return out;
  }
  // prod_k (1 - lambda_k z) with the offending lambda_k replaced by 1 / lambda_k.
  std::vector<std::complex<double>> poly{1.0};
  for (auto l : lambdas) {
    if (std::abs(l) > 1.0) l = 1.0 / l;
    poly.emplace_back(0.0);
    for (std::size_t j = poly.size() - 1; j > 0; --j) poly[j] -= l * poly[j - 1];
  }
  for (std::size_t j = 0; j < q0; ++j) out[j] = poly[j + 1].real();
  return out;
}

}  // namespace parcae::detail
