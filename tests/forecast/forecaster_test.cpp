// Availability forecaster and the artifact's rules.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "parcae/forecast/availability_forecaster.hpp"
#include "parcae/trace/read.hpp"

using namespace parcae::forecast;

namespace {

const parcae::trace::interval_series& p3() {
  static const auto s = parcae::trace::bin(parcae::trace::read_trace(
      std::string(PARCAE_SOURCE_DIR) + "/bench/traces/parcae/p3trace.csv"));
  return s;
}

parcae::trace::interval_series p3_prefix(std::size_t n) {
  parcae::trace::interval_series s = p3();
  s.intervals.resize(n);
  return s;
}

}  // namespace

TEST_CASE("artifact rules: outliers, turning points, damping") {
  std::vector<double> a{5, 5, 7, 5, 5, 9, 9, 5, 6};
  remove_outliers(a, 3);
  CHECK(a == std::vector<double>{5, 5, 5, 5, 5, 5, 5, 5, 6});  // runs of 1 and 2 flattened
  std::vector<double> run4{1, 2, 2, 2, 2, 1};
  remove_outliers(run4, 3);
  CHECK(run4 == std::vector<double>{1, 2, 2, 2, 2, 1});  // a run of 4 stays
  std::vector<double> dip{10, 12, 8, 9, 11};
  flatten_turning_point(dip);
  CHECK(dip == std::vector<double>{8, 8, 8, 9, 11});
  std::vector<double> peak{10, 14, 12, 11};
  flatten_turning_point(peak);
  CHECK(peak == std::vector<double>{14, 14, 12, 11});
  const artifact_rules_params p;
  CHECK(damping_factors({10, 11, 13, 16}, p) == std::make_pair(0.75, 1.0));
  CHECK(damping_factors({10, 20}, p) == std::make_pair(0.5, 1.0));
  CHECK(damping_factors({20, 15, 15}, p) == std::make_pair(1.0, 0.75));
  CHECK(damping_factors({20, 10, 12}, p) == std::make_pair(1.0, 1.0));
}

TEST_CASE("artifact rules: post-processing caps, clamps, damps, rounds half to even") {
  artifact_rules_params p;
  p.poisson_removals = false;
  // Forecast rising fast from 20: the first step rounds 20.5 -> 20 (half to even), later steps
  // are capped at first + 3 = 23.
  const artifact_trace t = artifact_postprocess({20.5, 22, 25, 40}, {18, 19, 20}, {}, p);
  CHECK(t.alive == std::vector<int>{20, 22, 23, 23});
  CHECK(t.added == std::vector<int>{0, 2, 1, 0});
  CHECK(t.removed == std::vector<int>{0, 0, 0, 0});
  // Clamp to [8, 32] and damping of a monotone history rising by 10 (x0.5).
  const artifact_trace u = artifact_postprocess({34, 34}, {22, 26, 30, 32}, {}, p);
  CHECK(u.alive == std::vector<int>{32, 32});
  const artifact_trace v = artifact_postprocess({30, 30}, {20, 24, 27, 28}, {}, p);
  CHECK(v.alive == std::vector<int>{30, 30});  // 28 + 2 * 0.75 = 29.5, half to even: 30
  // Parameters replace the artifact's numbers.
  p.lower_bound = 12;
  p.upper_bound = 16;
  CHECK(artifact_postprocess({5, 5}, {10, 11}, {}, p).alive == std::vector<int>{12, 12});
  // Poisson removals on a flat forecast of a changing history: reproducible for a seed.
  artifact_rules_params q;
  q.seed = 7;
  const std::vector<double> removals{0, 2, 0, 1, 0, 3, 0, 0};
  const artifact_trace w1 = artifact_postprocess({20, 20, 20, 20}, {21, 19, 20}, removals, q);
  const artifact_trace w2 = artifact_postprocess({20, 20, 20, 20}, {21, 19, 20}, removals, q);
  CHECK(w1.alive == w2.alive);
  for (std::size_t k = 0; k < w1.alive.size(); ++k) {
    const int prev = k == 0 ? 20 : w1.alive[k - 1];
    CHECK(w1.alive[k] == prev + w1.added[k] - w1.removed[k]);
  }
}

TEST_CASE("forecaster: model forecasts pass through; counts are consistent and clamped") {
  const auto s = p3_prefix(330);
  for (const availability_model m :
       {availability_model::arima, availability_model::auto_arima, availability_model::ets,
        availability_model::auto_ets, availability_model::naive, availability_model::drift,
        availability_model::mean}) {
    availability_params params;
    params.model = m;
    params.window = 60;
    params.horizon = 8;
    const availability_forecast f = forecast_availability(s, params);
    CAPTURE(f.model.name);
    CHECK(f.current == s.intervals.back().alive_after());
    REQUIRE(f.alive.size() == 8);
    int prev = f.current;
    for (int k = 0; k < 8; ++k) {
      CHECK(f.alive[k] == prev + f.added[k] - f.removed[k]);
      CHECK(f.alive[k] >= 0);
      CHECK(f.alive[k] <= 32);
      CHECK(f.alive[k] == std::clamp(static_cast<int>(std::nearbyint(f.alive_mean[k])), 0, 32));
      CHECK(f.intervals.lower[1][k] <= f.intervals.lower[0][k]);
      CHECK(f.intervals.upper[1][k] <= 32.0);
      prev = f.alive[k];
    }
  }
  // The ARIMA path is ARIMA(1,1,0) with drift fitted to the window, exactly.
  availability_params params;
  params.window = 60;
  params.horizon = 5;
  const availability_forecast f = forecast_availability(s, params);
  std::vector<double> alive;
  for (const auto& i : s.intervals) alive.push_back(i.alive);
  alive.push_back(s.intervals.back().alive_after());
  const std::vector<double> window(alive.end() - 60, alive.end());
  const arima direct = arima::fit(window, availability_params::default_arima());
  CHECK(f.model.name == "ARIMA(1,1,0) with drift");
  CHECK(f.alive_mean == direct.forecast(5).mean);
}

TEST_CASE("forecaster: sample paths are reproducible, and match the model's spread") {
  const auto s = p3_prefix(400);
  availability_params params;
  params.model = availability_model::naive;
  params.window = 120;
  params.horizon = 6;
  params.n_paths = 4000;
  params.seed = 11;
  params.capacity = 1000;  // no clamping, so the spread can be compared
  const availability_forecast a = forecast_availability(s, params);
  const availability_forecast b = forecast_availability(s, params);
  CHECK(a.paths == b.paths);
  params.seed = 12;
  CHECK(forecast_availability(s, params).paths != a.paths);
  const Eigen::VectorXd last = a.paths.col(5).cast<double>();
  const double mean = last.mean();
  CHECK(std::fabs(mean - a.alive_mean[5]) < 4.0 * a.intervals.se[5] / std::sqrt(4000.0) + 0.05);
  for (int k = 0; k < 6; ++k) {
    CHECK(a.expected_added[k] >= 0.0);
    CHECK(a.expected_removed[k] >= 0.0);
  }
  // With ARIMA the paths come from the psi weights; their spread at step 1 is sigma.
  params.model = availability_model::arima;
  const availability_forecast c = forecast_availability(s, params);
  const Eigen::VectorXd first = c.paths.col(0).cast<double>();
  const double m1 = first.mean();
  const double sd1 = std::sqrt((first.array() - m1).square().sum() / (first.size() - 1));
  CHECK(sd1 == doctest::Approx(c.intervals.se[0]).epsilon(0.15));
}

TEST_CASE("forecaster: constant history, artifact rules on the p3 trace") {
  availability_params params;
  params.n_paths = 10;
  const availability_forecast f = forecast_availability(std::vector<double>(12, 24.0), {}, params);
  CHECK(f.model.status == "ok (constant series)");
  for (int k = 0; k < params.horizon; ++k) {
    CHECK(f.alive[k] == 24);
    CHECK(f.added[k] == 0);
    CHECK(f.removed[k] == 0);
    CHECK(f.intervals.upper[1][k] == 24.0);
    CHECK(f.paths(3, k) == 24);
  }
  params.capacity = 20;
  CHECK(forecast_availability(std::vector<double>(12, 24.0), {}, params).alive[0] == 20);

  // The artifact's pipeline (window W = H = 12, rules on) keeps N within [8, 32] and within +-3 of
  // its first step, over the whole trace.
  availability_params rules;
  rules.horizon = 12;
  rules.window = 12;
  rules.artifact_rules = artifact_rules_params{};
  for (std::size_t n = 12; n < p3().size(); n += 37) {
    const availability_forecast g = forecast_availability(p3_prefix(n), rules);
    for (int v : g.alive) {
      CHECK(v >= 8 - 3 * 12);  // Poisson removals may go below the clamp, as in the artifact
      CHECK(v <= 32);
    }
  }
}

TEST_CASE("forecaster: bad input") {
  const std::vector<double> y{20, 21, 22, 21, 20, 19, 20, 21, 22, 23, 22, 21};
  availability_params p;
  CHECK_THROWS_AS(forecast_availability(std::vector<double>{}, {}, p), parcae::invalid_argument);
  CHECK_THROWS_AS(forecast_availability(std::vector<double>{3.0}, {}, p), parcae::invalid_argument);
  std::vector<double> bad = y;
  bad[2] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(forecast_availability(bad, {}, p),
                    "parcae::forecast::forecast_availability: alive[2] is nan, but must be finite");
  bad[2] = -1.0;
  CHECK_THROWS_AS(forecast_availability(bad, {}, p), parcae::invalid_argument);
  p.horizon = 0;
  CHECK_THROWS_WITH(
      forecast_availability(y, {}, p),
      "parcae::forecast::availability_params::validate: horizon is 0, but must be >= 1");
  availability_params p1;
  p1.capacity = -1;
  CHECK_THROWS_AS(forecast_availability(y, {}, p1), parcae::invalid_argument);
  availability_params p2;
  p2.levels = {80.0, 100.0};
  CHECK_THROWS_AS(forecast_availability(y, {}, p2), parcae::invalid_argument);
  availability_params p3;
  p3.window = -2;
  CHECK_THROWS_AS(forecast_availability(y, {}, p3), parcae::invalid_argument);
  availability_params p4;
  p4.n_paths = -1;
  CHECK_THROWS_AS(forecast_availability(y, {}, p4), parcae::invalid_argument);
  availability_params p5;
  p5.artifact_rules = artifact_rules_params{};
  p5.artifact_rules->upper_bound = 4;  // below lower_bound
  CHECK_THROWS_AS(forecast_availability(y, {}, p5), parcae::invalid_argument);
  availability_params p6;
  p6.model = availability_model::ets;
  CHECK_THROWS_AS(forecast_availability({1, 2, 3, 4}, {}, p6), parcae::invalid_argument);
  CHECK_THROWS_AS(forecast_availability(parcae::trace::interval_series{}, p6),
                  parcae::invalid_argument);
}
