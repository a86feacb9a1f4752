#pragma once
// Minimisation of the ARIMA objectives with LBFGS++, with the numerical derivatives of R's
// optim(): parameters are optimised on the scale par / parscale, the gradient is a central
// difference with step ndeps = 1e-3 on that scale, and the Hessian (optimHess) is a central
// difference of that gradient with step ndeps on the original scale, then symmetrised.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <vector>

#include <LBFGS.h>
#include <Eigen/Dense>

namespace parcae::detail {

struct arima_optim_result {
  std::vector<double> par;
  double value = 0.0;
  int iterations = 0;
  bool converged = true;
};

/// Wraps f(const double* par) -> double for LBFGS++ in scaled coordinates, keeping the best point.
template <class F>
class arima_scaled_objective {
 public:
  static constexpr double ndeps = 1e-3;
  static constexpr double huge = 1e300;

  arima_scaled_objective(F& f, const std::vector<double>& parscale)
      : f_(f), scale_(parscale), par_(parscale.size()) {}

  double value(const Eigen::VectorXd& u) {
    for (std::size_t i = 0; i < par_.size(); ++i) {
      par_[i] = u(static_cast<Eigen::Index>(i)) * scale_[i];
    }
    const double v = f_(par_.data());
    return std::isfinite(v) ? v : huge;
  }

  double operator()(const Eigen::VectorXd& u, Eigen::VectorXd& grad) {
    const double fx = value(u);
    Eigen::VectorXd w = u;
    for (Eigen::Index i = 0; i < u.size(); ++i) {
      w(i) = u(i) + ndeps;
      const double f1 = value(w);
      w(i) = u(i) - ndeps;
      const double f2 = value(w);
      w(i) = u(i);
      grad(i) = (f1 - f2) / (2.0 * ndeps);
    }
    if (fx < best_value_) {
      best_value_ = fx;
      best_u_ = u;
      best_grad_norm_ = grad.norm();
    }
    return fx;
  }

  double best_value_ = std::numeric_limits<double>::infinity();
  double best_grad_norm_ = std::numeric_limits<double>::infinity();
  Eigen::VectorXd best_u_;

 private:
  F& f_;
  const std::vector<double>& scale_;
  std::vector<double> par_;
};

/// Minimises f from init. Converged unless the iteration limit was hit, or the line search
/// gave up while the gradient was still large.
template <class F>
arima_optim_result arima_minimize(F& f, const std::vector<double>& init,
                                  const std::vector<double>& parscale, int max_iterations) {
  arima_optim_result out;
  const auto k = static_cast<Eigen::Index>(init.size());
  if (k == 0) {
    out.value = f(init.data());
    return out;
  }
  arima_scaled_objective<F> obj(f, parscale);
  Eigen::VectorXd u(k);
  for (Eigen::Index i = 0; i < k; ++i) {
    u(i) = init[static_cast<std::size_t>(i)] / parscale[static_cast<std::size_t>(i)];
  }
  LBFGSpp::LBFGSParam<double> param;
  param.epsilon = 1e-8;
  param.epsilon_rel = 1e-8;
  param.past = 1;
  param.delta = 1e-12;
  param.max_iterations = max_iterations;
  param.max_linesearch = 40;
  LBFGSpp::LBFGSSolver<double> solver(param);
  double fx = 0.0;
  try {
    out.iterations = solver.minimize(obj, u, fx);
    out.converged = out.iterations < max_iterations || obj.best_grad_norm_ < 1e-4;
  } catch (const std::exception&) {
    // The line search fails near the optimum when the numerical gradient is at its noise floor.
    out.iterations = max_iterations;
    out.converged = obj.best_grad_norm_ < 1e-3;
  }
  if (obj.best_u_.size() == k) u = obj.best_u_;
  out.par.resize(init.size());
  for (Eigen::Index i = 0; i < k; ++i) {
    out.par[static_cast<std::size_t>(i)] = u(i) * parscale[static_cast<std::size_t>(i)];
  }
  out.value = f(out.par.data());
  return out;
}

/// optimHess: Hessian of f at par on the original scale.
template <class F>
Eigen::MatrixXd arima_hessian(F& f, const std::vector<double>& par,
                              const std::vector<double>& parscale) {
  constexpr double ndeps = 1e-3;
  const std::size_t k = par.size();
  Eigen::MatrixXd h(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(k));
  std::vector<double> x = par;
  // Gradient on the original scale with step ndeps * parscale (optim's fmingr).
  auto grad = [&](std::vector<double>& at, std::vector<double>& g) {
    for (std::size_t j = 0; j < k; ++j) {
      const double x0 = at[j], step = ndeps * parscale[j];
      at[j] = x0 + step;
      const double f1 = f(at.data());
      at[j] = x0 - step;
      const double f2 = f(at.data());
      at[j] = x0;
      g[j] = (f1 - f2) / (2.0 * step);
    }
  };
  std::vector<double> g1(k), g2(k);
  for (std::size_t i = 0; i < k; ++i) {
    const double x0 = x[i];
    x[i] = x0 + ndeps;
    grad(x, g1);
    x[i] = x0 - ndeps;
    grad(x, g2);
    x[i] = x0;
    for (std::size_t j = 0; j < k; ++j) {
      h(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
          (g1[j] - g2[j]) / (2.0 * ndeps);
    }
  }
  return 0.5 * (h + h.transpose());
}

}  // namespace parcae::detail
