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

// Fits where we end on a different optimum than R (3 of 805), each for a known reason:
//  - lh (2,1,1)+drift CSS: a flat CSS surface; R stops 0.017 log-likelihood units higher.
//  - loglynx (2,0,2) ML and bjsales (2,0,1) ML (no mean): AR(2) close to the unit circle, where
//    R's Gardner initial covariance is inaccurate (the reason R added SSinit = "Rossignol2011")
//    and we solve the Lyapunov equation exactly, so the likelihood surfaces and the optimiser
//    paths part ways.
const std::vector<std::string> known_differences = {"lh (2,1,1)+c CSS", "loglynx (2,0,2) ML",
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
  for (const auto& w : different) MESSAGE("  on another optimum: " << w);
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

TEST_CASE("arima where R fails or stops early") {
  const auto rows = parcae_test::read_arima_table("arima_reference.csv");
  std::map<std::string, double> ml_loglik;  // R's ML fits, to judge the CSS-ML fallbacks
  for (const auto& row : rows) {
    if (row.at("method") == "ML" && row.at("status") == "code=0") {
      ml_loglik[row.at("series") + row.at("p") + row.at("d") + row.at("q") + row.at("constant")] =
          parse_list(row.at("loglik"))[0];
    }
  }
  int fallbacks = 0, fallback_checked = 0, fallback_same = 0, not_converged_rows = 0,
      at_least_as_good = 0;
  for (const auto& row : rows) {
    const std::string& status = row.at("status");
    if (status == "error: non-stationary AR part from CSS") {
      // R stops; we restart ML from zero coefficients and say so in the status.
      const auto m = fit_row(row);
      CHECK_MESSAGE(m.css_fallback, label(row));
      CHECK(m.status != pf::arima_status::ok);
      CHECK(std::isfinite(m.loglik));
      ++fallbacks;
      const auto it = ml_loglik.find(row.at("series") + row.at("p") + row.at("d") + row.at("q") +
                                     row.at("constant"));
      if (it != ml_loglik.end()) {
        // The fallback is the ML fit from R's own ML start: the same optimum as R's ML.
        ++fallback_checked;
        if (std::abs(m.loglik - it->second) <= 1e-3 * std::abs(it->second)) ++fallback_same;
      }
    } else if (status == "code=1") {
      // R's optim stopped at maxit: its estimates are not an optimum; ours must be at least as
      // good (up to 1e-3 relative) in the objective R optimises.
      const auto m = fit_row(row);
      const double r = parse_list(row.at("loglik"))[0];
      ++not_converged_rows;
      if (m.loglik >= r - 1e-3 * std::abs(r)) ++at_least_as_good;
    } else if (status.rfind("error", 0) == 0) {
      // R's other failures (singular Hessian, non-finite differences): we return a result with
      // a status and finite estimates, never an exception.
      const auto m = fit_row(row);
      for (double c : m.coef) CHECK(std::isfinite(c));
    }
  }
  MESSAGE("CSS-ML fallbacks: " << fallbacks << " (" << fallback_checked << " compared with R's ML, "
                               << fallback_same
                               << " on R's ML optimum); R not converged: " << not_converged_rows
                               << ", ours at least as good in " << at_least_as_good);
  CHECK(fallbacks == 13);
  CHECK(fallback_same >= fallback_checked - 1);
  CHECK(at_least_as_good >= not_converged_rows - 4);
}

TEST_CASE("arima bad input throws with the house message") {
  const std::vector<double> y = series("lh");
  pf::arima_params p;
  p.order = {-1, 0, 0};
  CHECK_THROWS_WITH_AS(pf::arima::fit(y, p),
                       "parcae::forecast::arima::fit: order.p is -1, but must be in [0, 20]",
                       parcae::invalid_argument);
  p.order = {0, 3, 0};
  CHECK_THROWS_AS(pf::arima::fit(y, p), parcae::invalid_argument);
  p.order = {1, 0, 0};
  p.include_drift = true;
  CHECK_THROWS_AS(pf::arima::fit(y, p), parcae::invalid_argument);
  p.include_drift = false;
  CHECK_THROWS_WITH_AS(pf::arima::fit({}, p),
                       "parcae::forecast::arima::fit: y has 0 elements, but must have at least 3 "
                       "(d + p + q + constant + 1) for this order",
                       parcae::invalid_argument);
  CHECK_THROWS_AS(pf::arima::fit({1.0, 2.0}, p), parcae::invalid_argument);
  std::vector<double> bad = y;
  bad[5] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH_AS(pf::arima::fit(bad, p),
                       "parcae::forecast::arima::fit: y[5] is nan, but must be finite",
                       parcae::invalid_argument);
  bad[5] = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(pf::arima::fit(bad, p), parcae::invalid_argument);
  p.max_iterations = 0;
  CHECK_THROWS_AS(pf::arima::fit(y, p), parcae::invalid_argument);

  const auto m = pf::arima::fit(y, pf::arima_params{{1, 0, 0}});
  CHECK_THROWS_WITH_AS(m.forecast(0),
                       "parcae::forecast::arima::forecast: horizon is 0, but must be >= 1",
                       parcae::invalid_argument);
  CHECK_THROWS_AS(m.forecast(-3), parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(
      m.forecast(5, {80.0, 100.0}),
      "parcae::forecast::arima::forecast: levels[1] is 100, but must be in (0, 100)",
      parcae::invalid_argument);
  CHECK_THROWS_AS(m.forecast(5, {0.0}), parcae::invalid_argument);
  CHECK_THROWS_AS(m.forecast(5, {-5.0}), parcae::invalid_argument);
  CHECK_THROWS_AS(m.forecast(5, {std::numeric_limits<double>::quiet_NaN()}),
                  parcae::invalid_argument);
  CHECK(m.forecast(5, {}).lower.empty());
}

TEST_CASE("arima on a constant series is a perfect fit with a constant forecast") {
  const std::vector<double> y(30, 17.0);
  for (int d = 0; d <= 2; ++d) {
    for (auto method : {pf::arima_method::css, pf::arima_method::ml, pf::arima_method::css_ml}) {
      pf::arima_params p;
      p.order = {1, d, 1};
      p.method = method;
      const auto m = pf::arima::fit(y, p);
      CHECK(m.status == pf::arima_status::ok);
      CHECK(m.perfect_fit);
      CHECK(m.sigma2 == 0.0);
      CHECK(m.loglik == std::numeric_limits<double>::infinity());
      const auto f = m.forecast(4, {95.0});
      for (int k = 0; k < 4; ++k) {
        CHECK(f.mean[k] == 17.0);
        CHECK(f.se[k] == 0.0);
        CHECK(f.lower[0][k] == 17.0);
        CHECK(f.upper[0][k] == 17.0);
      }
    }
  }
  // An exact linear trend with drift: forecasts continue the line.
  std::vector<double> line(20);
  for (int t = 0; t < 20; ++t) line[t] = 3.0 + 2.0 * t;
  pf::arima_params p;
  p.order = {0, 1, 1};
  p.include_drift = true;
  const auto m = pf::arima::fit(line, p);
  CHECK(m.perfect_fit);
  CHECK(m.drift == doctest::Approx(2.0));
  CHECK(m.forecast(3).mean[2] == doctest::Approx(3.0 + 2.0 * 22));
}

TEST_CASE("arima is equivariant under scaling, including huge magnitudes") {
  const std::vector<double> y = series("nile");
  pf::arima_params p;
  p.order = {1, 1, 1};
  p.include_drift = true;
  const auto base = pf::arima::fit(y, p);
  // Not bit-identical: the relative stopping rule sees log-likelihoods shifted by n log(s).
  for (double s : {1e12, 1e-12, 1e120}) {
    std::vector<double> ys(y);
    for (double& v : ys) v *= s;
    const auto m = pf::arima::fit(ys, p);
    CHECK(m.status == base.status);
    CHECK(m.ar[0] == doctest::Approx(base.ar[0]).epsilon(1e-3));
    CHECK(m.ma[0] == doctest::Approx(base.ma[0]).epsilon(1e-3));
    CHECK(m.drift / s == doctest::Approx(base.drift).epsilon(1e-3));
    CHECK(m.sigma2 / s / s == doctest::Approx(base.sigma2).epsilon(1e-3));
    CHECK(m.loglik + m.nobs * std::log(s) == doctest::Approx(base.loglik).epsilon(1e-6));
    const auto f = m.forecast(3), fb = base.forecast(3);
    CHECK(f.mean[2] / s == doctest::Approx(fb.mean[2]).epsilon(1e-3));
    CHECK(f.upper[1][2] / s == doctest::Approx(fb.upper[1][2]).epsilon(1e-3));
  }
  {
    std::vector<double> ys(y);
    ys[3] = 1e200;
    CHECK_THROWS_WITH_AS(
        pf::arima::fit(ys, p),
        "parcae::forecast::arima::fit: y[3] is 9.9999999999999997e+199, but must be of magnitude "
        "<= 1e150 (sigma2 would overflow)",
        parcae::invalid_argument);
  }
}

TEST_CASE("arima forecasts on 12-point windows of the p3 trace (the planner's use)") {
  const std::vector<double> y = series("p3");
  pf::arima_params p;
  p.order = {1, 1, 0};
  p.method = pf::arima_method::ml;
  int flat = 0;
  for (std::size_t start = 0; start + 12 <= y.size(); start += 37) {
    const std::vector<double> w(y.begin() + static_cast<std::ptrdiff_t>(start),
                                y.begin() + static_cast<std::ptrdiff_t>(start + 12));
    const auto m = pf::arima::fit(w, p);
    const auto f = m.forecast(12, {80.0, 95.0});
    for (std::size_t k = 0; k < 12; ++k) {
      CHECK(std::isfinite(f.mean[k]));
      CHECK(f.lower[1][k] <= f.lower[0][k]);
      CHECK(f.upper[0][k] <= f.upper[1][k]);
    }
    flat += m.perfect_fit ? 1 : 0;
  }
  MESSAGE("windows with a constant history: " << flat);
}
