#pragma once
// Internals of the availability forecaster: one interface over the models it can run (ARIMA,
// ETS, the baselines), each giving a fitted-model summary, a prediction and sample paths.

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "parcae/core/rng.hpp"
#include "parcae/forecast/arima.hpp"
#include "parcae/forecast/auto_arima.hpp"
#include "parcae/forecast/baselines.hpp"
#include "parcae/forecast/detail/forecaster_random.hpp"
#include "parcae/forecast/ets.hpp"
#include "parcae/forecast/prediction.hpp"

namespace parcae::forecast {

/// Which model the availability forecaster runs.
enum class availability_model { arima, auto_arima, ets, auto_ets, naive, drift, mean };

/// Summary of the model fitted to the N history (what the CLI prints).
struct fitted_model {
  std::string name;  ///< e.g. "ARIMA(1,1,0) with drift", "ETS(A,Ad,N)", "naive"
  std::vector<std::string> coef_names;
  std::vector<double> coef;
  double sigma2 = 0.0;
  double loglik = std::numeric_limits<double>::quiet_NaN();
  double aicc = std::numeric_limits<double>::quiet_NaN();
  std::string status = "ok";
};

}  // namespace parcae::forecast

namespace parcae::detail {

/// A fitted model of any kind; exactly the member named by `kind` is set.
struct forecaster_fit {
  parcae::forecast::availability_model kind = parcae::forecast::availability_model::naive;
  parcae::forecast::arima arima_fit;
  parcae::forecast::ets_fit ets;
  parcae::forecast::baseline_fit baseline;
  parcae::forecast::fitted_model summary;
};

/// psi weights of an ARIMA model with its differencing folded into the AR side:
/// (1 - sum phi_i B^i)(1 - B)^d x_t = (1 + sum theta_j B^j) e_t, psi_0 = 1.
inline std::vector<double> arima_psi_weights(const parcae::forecast::arima& m, int horizon) {
  std::vector<double> phi(m.ar.begin(), m.ar.end());
  for (int k = 0; k < m.order.d; ++k) {  // multiply by (1 - B): phi'_i = phi_i - phi_{i-1}
    std::vector<double> next(phi.size() + 1, 0.0);
    for (std::size_t i = 0; i < next.size(); ++i) {
      const double cur = i < phi.size() ? phi[i] : 0.0;
      const double prev = i == 0 ? -1.0 : phi[i - 1];
      next[i] = cur - prev;  // coefficient of B^{i+1} in x_t = sum phi'_i x_{t-i}
    }
    phi = next;
  }
  std::vector<double> psi(horizon, 0.0);
  psi[0] = 1.0;
  for (int j = 1; j < horizon; ++j) {
    double v = j <= static_cast<int>(m.ma.size()) ? m.ma[j - 1] : 0.0;
    for (int i = 1; i <= std::min<int>(j, static_cast<int>(phi.size())); ++i) {
      v += phi[i - 1] * psi[j - i];
    }
    psi[j] = v;
  }
  return psi;
}

/// Sample paths of any fitted model (rows). Path k uses counter_rng(seed, stream, k).
inline Eigen::MatrixXd forecaster_paths(const forecaster_fit& f,
                                        const parcae::forecast::prediction& pred, int n_paths,
                                        std::uint64_t seed, std::uint32_t stream) {
  using parcae::forecast::availability_model;
  const int h = static_cast<int>(pred.mean.size());
  switch (f.kind) {
    case availability_model::ets:
    case availability_model::auto_ets:
      return parcae::forecast::simulate_ets(f.ets, h, n_paths, seed, stream);
    case availability_model::naive:
    case availability_model::drift:
    case availability_model::mean:
      return parcae::forecast::simulate_baseline(f.baseline, h, n_paths, seed, stream);
    case availability_model::arima:
    case availability_model::auto_arima:
      break;
  }
  // ARIMA: mean forecast plus innovations filtered by the psi weights (the linear-process form
  // of the forecast error, Brockwell & Davis 5.3); innovations have variance sigma2.
  const std::vector<double> psi = arima_psi_weights(f.arima_fit, h);
  const double sigma = std::sqrt(std::max(0.0, f.arima_fit.sigma2));
  Eigen::MatrixXd paths(n_paths, h);
  std::vector<double> e(h);
  for (int k = 0; k < n_paths; ++k) {
    parcae::counter_rng rng(seed, stream, static_cast<std::uint64_t>(k));
    for (int t = 0; t < h; ++t) e[t] = sigma * standard_normal(rng);
    for (int t = 0; t < h; ++t) {
      double v = pred.mean[t];
      for (int j = 0; j <= t; ++j) v += psi[j] * e[t - j];
      paths(k, t) = v;
    }
  }
  return paths;
}

inline void summarise_ets(forecaster_fit& f) {
  const auto& e = f.ets;
  auto& s = f.summary;
  const std::string n = e.spec.name();
  s.name = "ETS(" + n.substr(0, 1) + "," + n.substr(1, n.size() - 2) + ",N)";
  s.coef_names = {"alpha"};
  s.coef = {e.alpha};
  if (e.spec.trend != parcae::forecast::ets_trend::none) {
    s.coef_names.push_back("beta");
    s.coef.push_back(e.beta);
  }
  if (e.spec.trend == parcae::forecast::ets_trend::additive_damped) {
    s.coef_names.push_back("phi");
    s.coef.push_back(e.phi);
  }
  s.coef_names.push_back("l");
  s.coef.push_back(e.l0);
  if (e.spec.trend != parcae::forecast::ets_trend::none) {
    s.coef_names.push_back("b");
    s.coef.push_back(e.b0);
  }
  s.sigma2 = e.sigma2;
  s.loglik = e.loglik;
  s.aicc = e.aicc;
  s.status = e.constant_series ? "ok (constant series)" : to_string(e.status);
}

inline void summarise_arima(forecaster_fit& f) {
  const auto& a = f.arima_fit;
  auto& s = f.summary;
  s.name = "ARIMA(" + std::to_string(a.order.p) + "," + std::to_string(a.order.d) + "," +
           std::to_string(a.order.q) + ")" +
           (a.has_drift ? " with drift" : (a.has_mean ? " with non-zero mean" : ""));
  s.coef_names = a.coef_names;
  s.coef = a.coef;
  s.sigma2 = a.sigma2;
  s.loglik = a.loglik;
  s.aicc = a.aicc;
  s.status = parcae::forecast::to_string(a.status);
}

inline void summarise_baseline(forecaster_fit& f) {
  const auto& b = f.baseline;
  auto& s = f.summary;
  s.name = parcae::forecast::to_string(b.method);
  if (b.method == parcae::forecast::baseline_method::drift) {
    s.coef_names = {"drift"};
    s.coef = {b.drift};
  } else if (b.method == parcae::forecast::baseline_method::mean) {
    s.coef_names = {"mean"};
    s.coef = {b.mean};
  }
  s.sigma2 = b.sigma2;
}

}  // namespace parcae::detail
