// auto_arima and KPSS against R: forecast::auto.arima(seasonal = FALSE) and urca::ur.kpss /
// forecast::ndiffs, from tables written by scripts/reference/forecast.R.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "forecast/arima_test_data.hpp"
#include "parcae/forecast/auto_arima.hpp"
#include "parcae/forecast/kpss.hpp"

namespace pf = parcae::forecast;
using parcae_test::parse_list;

TEST_CASE("kpss statistic and ndiffs match urca / forecast") {
  const auto rows = parcae_test::read_arima_table("auto_arima_kpss.csv");
  REQUIRE(rows.size() == 9);
  for (const auto& row : rows) {
    const auto y = parcae_test::read_arima_series(row.at("series"));
    std::vector<double> dy(y.size() - 1);
    for (std::size_t t = 1; t < y.size(); ++t) dy[t - 1] = y[t] - y[t - 1];
    const auto k0 = pf::kpss_test(y), k1 = pf::kpss_test(dy);
    CHECK(k0.lags == std::stoi(row.at("lag0")));
    CHECK(k1.lags == std::stoi(row.at("lag1")));
    CHECK(k0.statistic == doctest::Approx(std::stod(row.at("kpss0"))).epsilon(1e-12));
    CHECK(k1.statistic == doctest::Approx(std::stod(row.at("kpss1"))).epsilon(1e-12));
    CHECK_MESSAGE(pf::ndiffs(y) == std::stoi(row.at("ndiffs")), row.at("series"));
  }
  // p-value interpolation in the critical-value table, clamped to [0.01, 0.10].
  std::vector<double> trend(50);
  for (int t = 0; t < 50; ++t) trend[t] = t;
  CHECK(pf::kpss_test(trend).p_value == 0.01);
}

TEST_CASE("auto_arima never ends on a model worse than R's choice") {
  const auto rows = parcae_test::read_arima_table("auto_arima_reference.csv");
  REQUIRE(rows.size() == 9);
  int same_order = 0;
  for (const auto& row : rows) {
    const auto y = parcae_test::read_arima_series(row.at("series"));
    const auto r = pf::auto_arima_search(y);
    const auto& m = r.model;
    const double r_aicc = std::stod(row.at("aicc"));
    const pf::arima_order r_order{std::stoi(row.at("p")), std::stoi(row.at("d")),
                                  std::stoi(row.at("q"))};
    const bool r_constant = row.at("constant") == "1";
    CHECK(r.approximation == (row.at("approximation") == "1"));
    CHECK_MESSAGE(m.aicc <= r_aicc + 0.01, row.at("series"));
    if (m.order == r_order && (m.has_mean || m.has_drift) == r_constant) {
      ++same_order;
      // Same model: same estimates and forecasts as R.
      const auto r_coef = parse_list(row.at("coef"));
      REQUIRE(r_coef.size() == m.coef.size());
      for (std::size_t i = 0; i < r_coef.size(); ++i) {
        CHECK(std::abs(m.coef[i] - r_coef[i]) <= 1e-3 * std::max(1.0, std::abs(r_coef[i])));
      }
      CHECK(m.aicc == doctest::Approx(r_aicc).epsilon(1e-5));
      const auto f = m.forecast(10, {95.0});
      const auto r_mean = parse_list(row.at("fc_mean")), r_hi = parse_list(row.at("hi95"));
      for (std::size_t k = 0; k < 10; ++k) {
        CHECK(f.mean[k] == doctest::Approx(r_mean[k]).epsilon(1e-3));
        CHECK(f.upper[0][k] == doctest::Approx(r_hi[k]).epsilon(1e-3));
      }
    } else {
      MESSAGE(row.at("series") << ": ours (" << m.order.p << "," << m.order.d << "," << m.order.q
                               << ") AICc " << m.aicc << ", R's (" << r_order.p << "," << r_order.d
                               << "," << r_order.q << ") AICc " << r_aicc);
    }
  }
  // LakeHuron: R's search ends on (0,1,0) (AICc 220.26); ours finds (2,1,1) with a lower AICc.
  CHECK(same_order >= 8);
}

TEST_CASE("auto_arima edge cases and bad input") {
  // A constant series: the mean model, forecasts equal to the constant.
  const auto c = pf::auto_arima(std::vector<double>(40, 12.0));
  CHECK(c.order == pf::arima_order{0, 0, 0});
  CHECK(c.mean == 12.0);
  CHECK(c.forecast(3).mean[1] == 12.0);
  // An exact line: one difference, drift equal to the slope.
  std::vector<double> line(60);
  for (int t = 0; t < 60; ++t) line[t] = 5.0 + 0.5 * t;
  const auto l = pf::auto_arima(line);
  CHECK(l.order.d == 1);
  CHECK(l.drift == doctest::Approx(0.5));
  CHECK(l.forecast(2).mean[1] == doctest::Approx(5.0 + 0.5 * 61));

  CHECK_THROWS_WITH_AS(pf::auto_arima({}),
                       "parcae::forecast::auto_arima: y has 0 elements, but must have at least 3",
                       parcae::invalid_argument);
  CHECK_THROWS_AS(pf::auto_arima({1.0, std::numeric_limits<double>::quiet_NaN(), 2.0, 3.0}),
                  parcae::invalid_argument);
  pf::auto_arima_params p;
  p.max_p = 6;
  CHECK_THROWS_WITH_AS(pf::auto_arima(line, p),
                       "parcae::forecast::auto_arima: max_p is 6, but must be in [0, 5]",
                       parcae::invalid_argument);
  p = {};
  p.alpha = 0.5;
  CHECK_THROWS_AS(pf::auto_arima(line, p), parcae::invalid_argument);
  CHECK_THROWS_AS(pf::kpss_test({1.0}), parcae::invalid_argument);
  CHECK_THROWS_AS(pf::ndiffs({1.0, 2.0, 3.0}, 0.2), parcae::invalid_argument);
  // Very short series still give a model.
  const auto s = pf::auto_arima({3.0, 5.0, 4.0, 6.0, 5.0});
  CHECK(std::isfinite(s.forecast(2).mean[0]));
}

TEST_CASE("deferred standard errors equal the eager ones") {
  // auto_arima fits candidates with std_errors = false and computes them on demand.
  const auto y = parcae_test::read_arima_series("lh");
  for (auto method : {pf::arima_method::css, pf::arima_method::css_ml, pf::arima_method::ml}) {
    pf::arima_params params;
    params.order = {2, 0, 1};
    params.method = method;
    const auto eager = pf::arima::fit(y, params);
    params.std_errors = false;
    auto lazy = pf::arima::fit(y, params);
    CHECK(eager.has_std_errors());
    CHECK_FALSE(lazy.has_std_errors());
    CHECK(std::isnan(lazy.std_errors[0]));
    lazy.compute_std_errors();
    CHECK(lazy.has_std_errors());
    REQUIRE(lazy.std_errors.size() == eager.std_errors.size());
    for (std::size_t i = 0; i < eager.std_errors.size(); ++i) {
      CHECK(lazy.std_errors[i] == doctest::Approx(eager.std_errors[i]).epsilon(1e-12));
    }
    CHECK(lazy.loglik == eager.loglik);
  }
}
