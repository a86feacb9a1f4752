#pragma once
// Internals of parcae::forecast::fit_ets: the state recursion of the non-seasonal ETS models
// (error A or M, trend N, A or Ad) with forward sensitivities, and its minimisation by L-BFGS-B.
//
// The recursion and the criterion are those of forecast::ets (R package forecast 8.x, C routine
// `etscalc`, read through its documented outputs):
//   f_t = l + phi b,  r_t = y_t - f_t,  e_t = r_t (error A) or r_t / f_t (error M)
//   l'  = f_t + alpha r_t,   b' = phi b + beta r_t
//   crit = n log(sum e_t^2) [+ 2 sum log|f_t| for error M]      (R reports loglik = -crit/2)
// R minimises crit with Nelder-Mead over (alpha, beta, phi, l0, b0). We minimise the same function
// with L-BFGS-B and an exact gradient (forward-mode sensitivities of the recursion, one pass), on
// the box alpha in [a_lo, a_hi], t in [0, 1], phi in [phi_lo, phi_hi], where
// beta = b_lo + t (min(b_hi, alpha) - b_lo) maps R's "usual" constraint b_lo <= beta <= alpha onto
// a box. Initial states are shifted and scaled by the data's spread so all variables are O(1).

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <limits>
#include <vector>

#include <LBFGSB.h>
#include <Eigen/Core>

namespace parcae::detail {

/// Index of each model parameter in the full vector theta = (alpha, beta, phi, l0, b0).
enum ets_param_index { ets_alpha = 0, ets_beta = 1, ets_phi = 2, ets_l0 = 3, ets_b0 = 4 };
using ets_theta = std::array<double, 5>;

struct ets_shape {
  bool multiplicative = false;  ///< error M
  bool trend = false;           ///< trend A
  bool damped = false;          ///< trend Ad (phi estimated)
};

/// One pass of the recursion. Returns the criterion (n log SSE [+ 2 sum log|f|]); fills the
/// gradient with respect to theta when `grad` is non-null, the residuals e_t and the final state
/// when `residuals` / `last` are non-null. Returns +inf where the criterion is undefined
/// (error M with a forecast near zero), as R's target function does.
inline double ets_criterion(const double* y, int n, const ets_shape& shape, const ets_theta& th,
                            ets_theta* grad, double* residuals = nullptr, double* sse_out = nullptr,
                            std::array<double, 2>* last = nullptr) {
  const double alpha = th[ets_alpha];
  const double beta = shape.trend ? th[ets_beta] : 0.0;
  const double phi = shape.damped ? th[ets_phi] : 1.0;
  double l = th[ets_l0];
  double b = shape.trend ? th[ets_b0] : 0.0;
  // Sensitivities of l and b to each of the five parameters.
  ets_theta dl{0, 0, 0, 1, 0}, db{0, 0, 0, 0, shape.trend ? 1.0 : 0.0};
  ets_theta dsse{}, dlogf{};
  double sse = 0.0, logf = 0.0;
  const bool want_grad = grad != nullptr;
  for (int t = 0; t < n; ++t) {
    const double f = l + phi * b;
    const double r = y[t] - f;
    double e = r;
    ets_theta df{};
    if (want_grad) {
      for (int k = 0; k < 5; ++k) df[k] = dl[k] + phi * db[k];
      if (shape.damped) df[ets_phi] += b;
    }
    if (shape.multiplicative) {
      if (!(std::fabs(f) > 1e-10)) return std::numeric_limits<double>::infinity();
      e = r / f;
      logf += std::log(std::fabs(f));
      if (want_grad) {
        // de/dk = -df * y / f^2; d log|f| / dk = df / f.
        const double c = -y[t] / (f * f);
        for (int k = 0; k < 5; ++k) {
          dsse[k] += 2.0 * e * c * df[k];
          dlogf[k] += df[k] / f;
        }
      }
    } else if (want_grad) {
      for (int k = 0; k < 5; ++k) dsse[k] -= 2.0 * r * df[k];
    }
    sse += e * e;
    if (residuals != nullptr) residuals[t] = e;
    if (want_grad) {
      ets_theta dl2, db2;
      for (int k = 0; k < 5; ++k) {
        dl2[k] = (1.0 - alpha) * df[k];
        db2[k] = shape.trend ? phi * db[k] - beta * df[k] : 0.0;
      }
      dl2[ets_alpha] += r;
      if (shape.trend) {
        db2[ets_beta] += r;
        if (shape.damped) db2[ets_phi] += b;
      }
      dl = dl2;
      db = db2;
    }
    l = f + alpha * r;
    b = shape.trend ? phi * b + beta * r : 0.0;
  }
  if (sse_out != nullptr) *sse_out = sse;
  if (last != nullptr) *last = {l, b};
  const double nn = static_cast<double>(n);
  // A perfect fit (sse = 0) has an unbounded likelihood; R caps the criterion at -1e10.
  const double crit = std::max(nn * std::log(sse) + 2.0 * logf, -1e10);
  if (want_grad) {
    for (int k = 0; k < 5; ++k) {
      (*grad)[k] = sse > 0.0 ? nn * dsse[k] / sse + 2.0 * dlogf[k] : 0.0;
    }
  }
  return std::isfinite(crit) ? crit : std::numeric_limits<double>::infinity();
}

/// Box-constrained parametrisation of theta and its optimisation.
struct ets_problem {
  const double* y = nullptr;
  int n = 0;
  ets_shape shape;
  double alpha_lo = 1e-4, alpha_hi = 0.9999, beta_lo = 1e-4, beta_hi = 0.9999;
  double phi_lo = 0.8, phi_hi = 0.98;
  double l_center = 0.0, b_center = 0.0, scale = 1.0;
  // Best point seen (line searches of LBFGS++ may throw; the best evaluated point survives).
  double best_value = std::numeric_limits<double>::infinity();
  Eigen::VectorXd best_x;
  int evaluations = 0;

  int dimension() const { return shape.trend ? (shape.damped ? 5 : 4) : 2; }

  ets_theta to_theta(const Eigen::VectorXd& x) const {
    ets_theta th{};
    th[ets_alpha] = x[0];
    if (shape.trend) {
      const double top = std::min(beta_hi, th[ets_alpha]);
      th[ets_beta] = beta_lo + x[1] * (top - beta_lo);
      int i = 2;
      th[ets_phi] = shape.damped ? x[i++] : 1.0;
      th[ets_l0] = l_center + scale * x[i++];
      th[ets_b0] = b_center + scale * x[i];
    } else {
      th[ets_l0] = l_center + scale * x[1];
    }
    return th;
  }

  double operator()(const Eigen::VectorXd& x, Eigen::VectorXd& g) {
    ++evaluations;
    const ets_theta th = to_theta(x);
    ets_theta gt{};
    const double value = ets_criterion(y, n, shape, th, &gt);
    g.setZero(x.size());
    if (!std::isfinite(value)) return 1e300;  // keeps the line search finite; never the best
    g[0] = gt[ets_alpha];
    if (shape.trend) {
      const bool below = th[ets_alpha] < beta_hi;
      g[0] += gt[ets_beta] * (below ? x[1] : 0.0);
      g[1] = gt[ets_beta] * (std::min(beta_hi, th[ets_alpha]) - beta_lo);
      int i = 2;
      if (shape.damped) g[i++] = gt[ets_phi];
      g[i++] = gt[ets_l0] * scale;
      g[i] = gt[ets_b0] * scale;
    } else {
      g[1] = gt[ets_l0] * scale;
    }
    if (value < best_value) {
      best_value = value;
      best_x = x;
    }
    return value;
  }
};

/// Runs L-BFGS-B from x0 within [lb, ub]. Returns the iterations used; the best point is in
/// problem.best_x. `converged` is false when the iteration limit was reached or the line search
/// failed before the gradient test passed.
inline int ets_minimise(ets_problem& problem, Eigen::VectorXd x0, const Eigen::VectorXd& lb,
                        const Eigen::VectorXd& ub, int max_iterations, bool& converged) {
  LBFGSpp::LBFGSBParam<double> param;
  param.m = 6;
  param.epsilon = 1e-7;
  param.epsilon_rel = 1e-9;
  param.past = 1;
  param.delta = 1e-13;
  param.max_iterations = max_iterations;
  param.max_linesearch = 40;
  LBFGSpp::LBFGSBSolver<double> solver(param);
  double fx = 0.0;
  int iterations = 0;
  converged = true;
  try {
    iterations = solver.minimize(problem, x0, fx, lb, ub);
    if (iterations >= max_iterations) converged = false;
  } catch (const std::exception&) {
    // Line-search failure next to the optimum is common when the criterion is flat to
    // rounding; the best point seen stands, and we judge convergence by its projected gradient.
    Eigen::VectorXd g(x0.size());
    if (problem.best_x.size() == x0.size()) {
      problem(problem.best_x, g);
      double pg = 0.0;
      for (int i = 0; i < g.size(); ++i) {
        const double step = std::clamp(problem.best_x[i] - g[i], lb[i], ub[i]) - problem.best_x[i];
        pg = std::max(pg, std::fabs(step));
      }
      converged = pg < 1e-3 * std::max(1.0, std::fabs(problem.best_value));
    } else {
      converged = false;
    }
    iterations = max_iterations;
  }
  return iterations;
}

}  // namespace parcae::detail
