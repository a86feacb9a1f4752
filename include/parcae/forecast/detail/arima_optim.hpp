#pragma once
// Minimisation of the ARIMA objectives with the numerical derivatives of R's
// optim(): parameters are optimised on the scale par / parscale, the gradient is a central
// difference with step ndeps = 1e-3 on that scale, and the Hessian (optimHess) is a central
// difference of that gradient with step ndeps on the original scale, then symmetrised.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <vector>

#include <Eigen/Dense>

namespace parcae::detail {

struct arima_optim_result {
  std::vector<double> par;
  double value = 0.0;
  int iterations = 0;
  bool converged = true;
};

/// Wraps f(const double* par) -> double in scaled coordinates, with a numerical gradient.
struct arima_no_gradient {
  double operator()(const double*, double*) const { return 0.0; }
};

template <class F, class G = arima_no_gradient>
class arima_scaled_objective {
 public:
  // optim's default ndeps: central differences with step 1e-3 on the scaled parameters.
  static constexpr double ndeps = 1e-3;
  static constexpr double huge = 1e300;

  arima_scaled_objective(F& f, const std::vector<double>& parscale, G* grad = nullptr)
      : f_(f), grad_(grad), scale_(parscale), par_(parscale.size()), g_(parscale.size()) {}

  double value(const Eigen::VectorXd& u) {
    for (std::size_t i = 0; i < par_.size(); ++i) {
      par_[i] = u(static_cast<Eigen::Index>(i)) * scale_[i];
    }
    if (grad_ != nullptr) {
      // With an analytic gradient, value and gradient come from one pass; keep the gradient,
      // since the line search's accepted point is the next one whose gradient is asked for.
      cached_value_ = (*grad_)(par_.data(), g_.data());
      cached_u_ = u;
      return std::isfinite(cached_value_) ? cached_value_ : huge;
    }
    const double v = f_(par_.data());
    return std::isfinite(v) ? v : huge;
  }

  double operator()(const Eigen::VectorXd& u, Eigen::VectorXd& grad) {
    if (grad_ != nullptr) {
      if (cached_u_.size() != u.size() || cached_u_ != u) value(u);
      for (std::size_t i = 0; i < par_.size(); ++i) {
        grad(static_cast<Eigen::Index>(i)) = g_[i] * scale_[i];
      }
      return std::isfinite(cached_value_) ? cached_value_ : huge;
    }
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
  G* grad_;
  const std::vector<double>& scale_;
  std::vector<double> par_, g_;
  Eigen::VectorXd cached_u_;
  double cached_value_ = 0.0;
};

/// Minimises f from init with a variable-metric (BFGS) method after Nash (1990, "Compact
/// Numerical Methods for Computers", algorithm 21), the method behind R's optim(method = "BFGS"):
/// backtracking line search from step 1 (factor 0.2, Armijo constant 1e-4), inverse-Hessian
/// update skipped and reset to the identity when the curvature is not positive, stop when the
/// objective changes by less than reltol = sqrt(machine epsilon) relative. Using the same method,
/// scaling and numerical gradient as R makes the fit end in the same local optimum as R's on the
/// multimodal ARIMA likelihoods; LBFGS++ 0.1.0 was tried first, but its Armijo line search gives
/// no curvature safeguard and its strong-Wolfe search expands into the flat region of the
/// partial-autocorrelation transform, so it often stopped at a different (worse) optimum.
/// grad (optional): analytic gradient, grad(par, g) -> f(par); else central differences.
template <class F, class G = arima_no_gradient>
arima_optim_result arima_minimize(F& f, const std::vector<double>& init,
                                  const std::vector<double>& parscale, int max_iterations,
                                  G* grad = nullptr) {
  arima_optim_result out;
  const auto n = static_cast<Eigen::Index>(init.size());
  if (n == 0) {
    out.value = f(init.data());
    return out;
  }
  constexpr double stepredn = 0.2, acctol = 1e-4, reltest = 10.0;
  const double reltol = std::sqrt(std::numeric_limits<double>::epsilon());
  arima_scaled_objective<F, G> obj(f, parscale, grad);
  Eigen::VectorXd b(n), g(n), x(n), c(n), t(n), xb(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    b(i) = init[static_cast<std::size_t>(i)] / parscale[static_cast<std::size_t>(i)];
  }
  Eigen::MatrixXd bmat = Eigen::MatrixXd::Identity(n, n);
  double fv = obj.value(b);
  double fmin = fv;
  obj(b, g);
  int gradcount = 1, iter = 1, ilast = gradcount;
  Eigen::Index count = 0;
  do {
    if (ilast == gradcount) bmat.setIdentity();
    x = b;
    c = g;
    t = -(bmat * g);
    const double gradproj = t.dot(g);
    if (gradproj < 0.0) {
      double step = 1.0;
      bool accpoint = false;
      do {
        count = 0;
        for (Eigen::Index i = 0; i < n; ++i) {
          b(i) = x(i) + step * t(i);
          if (reltest + x(i) == reltest + b(i)) ++count;
        }
        if (count < n) {
          fv = obj.value(b);
          accpoint = std::isfinite(fv) && fv < arima_scaled_objective<F, G>::huge &&
                     fv <= fmin + gradproj * step * acctol;
          if (!accpoint) step *= stepredn;
        }
      } while (!(count == n || accpoint));
      if (!(std::abs(fv - fmin) > reltol * (std::abs(fmin) + reltol))) {
        count = n;
        fmin = fv;
      }
      if (count < n) {
        fmin = fv;
        obj(b, g);
        ++gradcount;
        ++iter;
        t *= step;
        c = g - c;
        const double d1 = t.dot(c);
        if (d1 > 0.0) {
          xb = bmat * c;
          const double d2 = 1.0 + xb.dot(c) / d1;
          bmat += (d2 * t * t.transpose() - xb * t.transpose() - t * xb.transpose()) / d1;
        } else {
          ilast = gradcount;
        }
      } else if (ilast < gradcount) {
        count = 0;
        ilast = gradcount;
      }
    } else {
      count = 0;
      if (ilast == gradcount) {
        count = n;
      } else {
        ilast = gradcount;
      }
    }
    if (iter >= max_iterations) break;
    if (gradcount - ilast > 2 * n) ilast = gradcount;
  } while (count != n || ilast != gradcount);
  out.converged = iter < max_iterations;
  out.iterations = iter;
  if (count == n && fv > fmin) b = x;  // the last trial point was rejected
  out.par.resize(init.size());
  for (Eigen::Index i = 0; i < n; ++i) {
    out.par[static_cast<std::size_t>(i)] = b(i) * parscale[static_cast<std::size_t>(i)];
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
