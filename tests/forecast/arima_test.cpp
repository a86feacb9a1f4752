// ARIMA against R: forecast::Arima (stats::arima) fits over a grid of orders, methods and real
// series, written by scripts/reference/forecast.R into tests/data/forecast/arima_reference.csv.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "forecast/arima_test_data.hpp"
#include "parcae/forecast/arima.hpp"

namespace pf = parcae::forecast;
using parcae_test::parse_list;

namespace {

pf::arima_method parse_method(const std::string& m) {
  if (m == "CSS") return pf::arima_method::css;
  if (m == "ML") return pf::arima_method::ml;
  return pf::arima_method::css_ml;
}

// |a - b| relative to max(|b|, floor): coefficients near zero are compared absolutely.
double rel_err(double a, double b, double floor = 1.0) {
  return std::abs(a - b) / std::max(std::abs(b), floor);
}

struct worst {
  double err = 0.0;
  std::string where;
  void add(double e, const std::string& w) {
    if (!(e <= err)) {
      err = e;
      where = w;
    }
  }
};

std::map<std::string, std::vector<double>>& series_cache() {
  static std::map<std::string, std::vector<double>> cache;
  return cache;
}

const std::vector<double>& series(const std::string& name) {
  auto& c = series_cache();
  auto it = c.find(name);
  if (it == c.end()) it = c.emplace(name, parcae_test::read_arima_series(name)).first;
  return it->second;
}

pf::arima fit_row(const parcae_test::csv_row& row) {
  pf::arima_params params;
  params.order = {std::stoi(row.at("p")), std::stoi(row.at("d")), std::stoi(row.at("q"))};
  const bool constant = row.at("constant") == "1";
  params.include_mean = constant;
  params.include_drift = constant && params.order.d == 1;
  params.method = parse_method(row.at("method"));
  return pf::arima::fit(series(row.at("series")), params);
}

std::string label(const parcae_test::csv_row& row) {
  return row.at("series") + " (" + row.at("p") + "," + row.at("d") + "," + row.at("q") + ")" +
         (row.at("constant") == "1" ? "+c " : " ") + row.at("method");
}

}  // namespace

// Fits where we end on a different optimum than R, each for a known reason:
//  - lh (2,1,1)+drift CSS: a flat CSS surface; R stops 0.017 log-likelihood units higher.
//  - wwwusage (2,0,1)+mean ML and bjsales (2,0,1) ML: near-unit-root AR(2), where R's Gardner
//    initial covariance is inaccurate (the reason R added SSinit = "Rossignol2011") and we solve
//    the Lyapunov equation exactly, so the two likelihood surfaces and the optimiser paths differ.
const std::vector<std::string> known_differences = {"lh (2,1,1)+c CSS", "wwwusage (2,0,1)+c ML",
                                                    "bjsales (2,0,1) ML"};

TEST_CASE("arima matches forecast::Arima where R's optimiser converged") {
  const auto rows = parcae_test::read_arima_table("arima_reference.csv");
  REQUIRE(rows.size() == 8 * 108);
  constexpr double tol = 1e-3;
  worst coef, se, loglik, sigma2, aicc, fc_mean, fc_bounds;
  int compared = 0, se_total = 0, se_close = 0;
  std::vector<std::string> different;
  for (const auto& row : rows) {
    if (row.at("status") != "code=0") continue;
    const auto m = fit_row(row);
    const std::string where = label(row);
    ++compared;
    const auto r_coef = parse_list(row.at("coef"));
    REQUIRE(r_coef.size() == m.coef.size());
    double e = std::abs(m.loglik - parse_list(row.at("loglik"))[0]) /
               std::max(1.0, std::abs(parse_list(row.at("loglik"))[0]));
    for (std::size_t i = 0; i < r_coef.size(); ++i) e = std::max(e, rel_err(m.coef[i], r_coef[i]));
    if (e > tol) {
      different.push_back(where);
      continue;
    }
    for (std::size_t i = 0; i < r_coef.size(); ++i) coef.add(rel_err(m.coef[i], r_coef[i]), where);
    const auto r_se = parse_list(row.at("se"));
    for (std::size_t i = 0; i < r_se.size(); ++i) {
      if (!std::isfinite(r_se[i])) continue;
      const double e_se = rel_err(m.std_errors[i], r_se[i], 1e-2);
      se.add(e_se, where);
      ++se_total;
      if (e_se < 1e-2) ++se_close;
    }
    loglik.add(rel_err(m.loglik, parse_list(row.at("loglik"))[0]), where);
    sigma2.add(rel_err(m.sigma2, parse_list(row.at("sigma2"))[0], 0.0), where);
    const auto r_aicc = parse_list(row.at("aicc"));
    if (std::isfinite(r_aicc[0])) aicc.add(rel_err(m.aicc, r_aicc[0]), where);
    const auto f = m.forecast(10, {80.0, 95.0});
    const auto r_mean = parse_list(row.at("fc_mean"));
    const auto r_lo80 = parse_list(row.at("lo80")), r_hi80 = parse_list(row.at("hi80"));
    const auto r_lo95 = parse_list(row.at("lo95")), r_hi95 = parse_list(row.at("hi95"));
    for (std::size_t k = 0; k < 10; ++k) {
      fc_mean.add(rel_err(f.mean[k], r_mean[k]), where);
      fc_bounds.add(rel_err(f.lower[0][k], r_lo80[k]), where);
      fc_bounds.add(rel_err(f.upper[0][k], r_hi80[k]), where);
      fc_bounds.add(rel_err(f.lower[1][k], r_lo95[k]), where);
      fc_bounds.add(rel_err(f.upper[1][k], r_hi95[k]), where);
    }
  }
  MESSAGE("compared " << compared << " fits, " << different.size() << " on another optimum");
  MESSAGE("max rel. error: coef " << coef.err << " (" << coef.where << "), loglik " << loglik.err
                                  << ", sigma2 " << sigma2.err << ", aicc " << aicc.err
                                  << ", forecast " << fc_mean.err << ", bounds " << fc_bounds.err
                                  << ", se " << se.err << " (" << se.where << ")");
  CHECK(compared == 805);
  CHECK(different == known_differences);
  CHECK(coef.err < tol);
  CHECK(loglik.err < tol);
  CHECK(sigma2.err < tol);
  CHECK(aicc.err < tol);
  CHECK(fc_mean.err < tol);
  CHECK(fc_bounds.err < tol);
  // Standard errors come from a numerical Hessian (step 1e-3, as R) and are sensitive near the
  // boundary of the stationary region (AR near 1); most agree to 1e-2.
  MESSAGE("standard errors within 1e-2 of R: " << se_close << " of " << se_total);
  CHECK(se_close >= 0.95 * se_total);
}
