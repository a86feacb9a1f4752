#pragma once
// ARIMA(p, d, q) with an optional mean (d = 0) or drift (d = 1), estimated by conditional sum of
// squares (CSS), exact maximum likelihood (ML, Kalman filter on the state-space form) or CSS-ML
// (CSS start, ML finish). It reproduces R's forecast::Arima, which wraps stats::arima:
//  - the same objectives (stats::arima's armaCSS / armafn), the same n.cond, the same start values
//    (zero ARMA coefficients, mean/drift from a regression on the differenced series), the same
//    scaling of the mean/drift (parscale = 10 standard errors) and R's numerical derivatives;
//  - AR coefficients are optimised on the partial-autocorrelation scale (transform.pars = TRUE),
//    MA estimates outside the invertible region are replaced by their invertible twin;
//  - sigma2, AIC, AICc and BIC as forecast::Arima reports them: npar counts sigma2, sigma2 is
//    sum(residuals^2) / (n - d - npar + 1), AIC is undefined (NaN) for CSS fits;
//  - forecasts and standard errors from the Kalman filter (stats::predict.Arima), intervals
//    mean +- z_{(1+level/100)/2} se (forecast::forecast.Arima).
// Deliberate differences from R (each one documented in docs/forecasting.md):
//  - CSS-ML whose CSS start has a non-stationary AR part: R stops with "non-stationary AR part from
//    CSS"; we restart ML from zero ARMA coefficients and report status css_nonstationary_fallback.
//  - A constant series (or one that a drift fits exactly) is a perfect fit: status ok, sigma2 0,
//    loglik +inf, forecasts equal to the exact extrapolation with zero-width intervals.
//  - Values must satisfy |y| <= 1e150 (so that sigma2 ~ y^2 is representable); series with
//    |y| > 1e100 are fitted after an exact power-of-two rescaling.
//  - The optimiser is R's BFGS (Nash 1990, detail/arima_optim.hpp) with R's numerical gradient,
//    except for auto_arima's approximate CSS search, which uses the exact CSS gradient.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <boost/math/distributions/normal.hpp>

#include "parcae/core/errors.hpp"
#include "parcae/forecast/detail/arima_css.hpp"
#include "parcae/forecast/detail/arima_objective.hpp"
#include "parcae/forecast/detail/arima_optim.hpp"
#include "parcae/forecast/detail/arima_state_space.hpp"
#include "parcae/forecast/detail/arima_transform.hpp"
#include "parcae/forecast/prediction.hpp"

namespace parcae::forecast {

/// Non-seasonal ARIMA order.
struct arima_order {
  int p = 0;  ///< AR order
  int d = 0;  ///< differences, 0..2
  int q = 0;  ///< MA order
  friend bool operator==(const arima_order& a, const arima_order& b) {
    return a.p == b.p && a.d == b.d && a.q == b.q;
  }
};

/// Estimation method (stats::arima's `method`).
enum class arima_method { css, ml, css_ml };

/// Numerical outcome of a fit. Never an exception.
enum class arima_status {
  ok,
  /// CSS-ML only: the CSS estimates had a non-stationary AR part (R fails with "non-stationary AR
  /// part from CSS"); ML was started from zero ARMA coefficients instead and did converge.
  css_nonstationary_fallback,
  /// The optimiser stopped at max_iterations (R's convergence code 1) or its line search gave up
  /// with a large gradient; the estimates are the best point found.
  not_converged,
};

inline const char* to_string(arima_status s) {
  switch (s) {
    case arima_status::ok:
      return "ok";
    case arima_status::css_nonstationary_fallback:
      return "css_nonstationary_fallback";
    case arima_status::not_converged:
      return "not_converged";
  }
  return "unknown";
}

inline const char* to_string(arima_method m) {
  switch (m) {
    case arima_method::css:
      return "css";
    case arima_method::ml:
      return "ml";
    case arima_method::css_ml:
      return "css-ml";
  }
  return "unknown";
}

struct arima_params {
  arima_order order{};
  /// Mean term; used only when order.d == 0 (forecast::Arima include.mean).
  bool include_mean = true;
  /// Drift term (a linear trend in the undifferenced series); only allowed with order.d == 1.
  bool include_drift = false;
  arima_method method = arima_method::css_ml;
  /// Optimise AR coefficients on the partial-autocorrelation scale (ML part only), as R.
  bool transform_pars = true;
  /// Iteration limit of each optimisation (R's optim maxit default).
  int max_iterations = 100;
  /// CSS only: drive the optimiser with the analytic gradient of the conditional sum of squares
  /// instead of R's central differences. Several times fewer evaluations; the optimum is the
  /// same up to the optimiser's tolerance, but on flat CSS surfaces the path (and the point where
  /// it stops) can differ from R's. auto_arima's approximate search uses it.
  bool analytic_css_gradient = false;
  /// Compute var_coef and std_errors (R's numerical Hessian of the objective at the estimates,
  /// 4 k^2 objective evaluations for k coefficients, often more than the fit itself). When
  /// false they are left NaN until arima::compute_std_errors() is called; auto_arima does this
  /// only for the candidates that could become its choice.
  bool std_errors = true;

  void validate(const char* function = "parcae::forecast::arima_params::validate") const {
    check_bounded(function, "order.p", order.p, 0, 20);
    check_bounded(function, "order.d", order.d, 0, 2);
    check_bounded(function, "order.q", order.q, 0, 20);
    if (include_drift && order.d != 1) {
      throw_invalid(function, "include_drift", include_drift,
                    "false unless order.d == 1 (drift is a mean of the first differences)");
    }
    check_at_least(function, "max_iterations", max_iterations, 1);
  }
};

/// Point forecasts with standard errors and prediction intervals: the type every model in
/// parcae::forecast returns (prediction.hpp); the name is kept for existing callers.
using arima_forecast = prediction;

/// A fitted ARIMA model (the analogue of forecast::Arima's result).
class arima {
 public:
  arima_order order{};
  arima_method method = arima_method::css_ml;
  bool has_mean = false;
  bool has_drift = false;
  std::vector<double> ar;  ///< phi_1..phi_p (x_t = phi_1 x_{t-1} + ... + e_t + theta_1 e_{t-1} ...)
  std::vector<double> ma;  ///< theta_1..theta_q
  double mean = 0.0;       ///< "intercept" in R (d == 0)
  double drift = 0.0;      ///< slope per step of the undifferenced series (d == 1)
  std::vector<double> coef;             ///< ar, ma, then intercept or drift (R's order)
  std::vector<std::string> coef_names;  ///< "ar1", ..., "ma1", ..., "intercept" | "drift"
  std::vector<double> std_errors;       ///< sqrt(diag(var_coef)), NaN where negative
  Eigen::MatrixXd var_coef;             ///< R's var.coef (inverse Hessian, delta method)
  double sigma2 = 0.0;                  ///< forecast::Arima: sum(residuals^2) / (n - d - npar + 1)
  double sigma2_mle = 0.0;  ///< stats::arima: ML ssq / (n - d); CSS mean square residual
  double loglik = 0.0;      ///< R's loglik (for CSS: the CSS approximation)
  double aic = 0.0, aicc = 0.0, bic = 0.0;  ///< NaN for CSS (as R); aicc +inf when n too small
  std::vector<double> residuals;  ///< ML: standardised innovations; CSS: conditional residuals
  arima_status status = arima_status::ok;
  int iterations = 0;        ///< optimiser iterations (CSS + ML)
  int nobs = 0;              ///< n - d (R's nobs / n.used)
  bool perfect_fit = false;  ///< constant series (or exact drift): sigma2 0, loglik +inf
  bool css_fallback =
      false;  ///< CSS-ML restarted ML from zero (status says so unless not_converged)

  /// Fits the model to y (oldest first).
  static arima fit(const std::vector<double>& y, const arima_params& params = {});

  /// Forecasts h >= 1 steps ahead with intervals at each level in (0, 100) (percent).
  prediction forecast(int horizon, const std::vector<double>& levels = {80.0, 95.0}) const;

  /// Number of estimated parameters as forecast::Arima counts them (coefficients + sigma2).
  int npar() const { return static_cast<int>(coef.size()) + 1; }

  /// True when var_coef and std_errors hold values (false after a fit with
  /// arima_params::std_errors = false, until compute_std_errors()).
  bool has_std_errors() const { return !variance_pending_; }

  /// Computes var_coef and std_errors of a model fitted with arima_params::std_errors = false,
  /// exactly as the fit would have (same objective, point and steps); no-op otherwise.
  void compute_std_errors();

 private:
  std::vector<double> y_;  // the series as given
  double scale_ = 1.0;     // power-of-two rescaling used for the fit (huge magnitudes)
  // Deferred standard errors: the optimiser's final point (AR part on the transformed scale
  // when hess_trans_), its parscale, and whether the Hessian is still to be computed.
  std::vector<double> hess_par_, parscale_;
  bool hess_trans_ = false;
  bool variance_pending_ = false;

  static arima fit_scaled_(const std::vector<double>& y, const arima_params& params);
  static arima perfect_fit_(const std::vector<double>& y, const arima_params& params, double mean,
                            double drift);
  static Eigen::MatrixXd variance_(detail::arima_objective& obj, arima_method method, int p,
                                   const std::vector<double>& par,
                                   const std::vector<double>& parscale, bool trans, double n_used);
  void set_std_errors_(const Eigen::MatrixXd& var);
  void finish_ic_();
};

}  // namespace parcae::forecast

#include "parcae/forecast/detail/arima_impl.hpp"
