// The controller's forecaster over forecast::forecast_availability.
#include <doctest/doctest.h>

#include <vector>

#include "parcae/runtime/availability_source.hpp"
#include "parcae/runtime/controller.hpp"
#include "plan/toy_providers.hpp"

using parcae::runtime::interval_record;

namespace {
std::vector<interval_record> declining(int intervals) {
  std::vector<interval_record> h;
  int n = 30;
  for (int k = 0; k < intervals; ++k) {
    const int out = k % 2;  // one preemption every other interval
    h.push_back({n, 0, out});
    n -= out;
  }
  return h;
}
}  // namespace

TEST_CASE("availability_source: no change until min_history, then the model's forecast") {
  parcae::runtime::availability_source_params p;
  p.min_history = 8;
  p.forecast.capacity = 32;
  const auto f = parcae::runtime::availability_source(p);
  const auto early = f(declining(5), 4, 3);
  REQUIRE(early.point.size() == 4);
  for (const auto& s : early.point) CHECK((s.n_in == 0 && s.n_out == 0));
  CHECK(early.paths.empty());

  const auto hist = declining(20);
  const auto later = f(hist, 6, 5);
  REQUIRE(later.point.size() == 6);
  int removed = 0;
  for (const auto& s : later.point) removed += s.n_out;
  CHECK(removed > 0);  // the downward drift continues
  REQUIRE(later.paths.size() == 5);
  for (const auto& path : later.paths) {
    REQUIRE(path.size() == 6);
    int n = hist.back().n_after();
    for (const auto& s : path) {
      CHECK(s.n_in >= 0);
      CHECK(s.n_out >= 0);
      n += s.n_in - s.n_out;
      CHECK(n >= 0);
      CHECK(n <= 32);
    }
  }
  // Same history, same draws.
  const auto again = f(hist, 6, 5);
  for (std::size_t k = 0; k < 5; ++k) {
    for (std::size_t t = 0; t < 6; ++t) {
      CHECK(again.paths[k][t].n_in == later.paths[k][t].n_in);
      CHECK(again.paths[k][t].n_out == later.paths[k][t].n_out);
    }
  }
}

TEST_CASE("availability_source: drives a stochastic controller") {
  parcae::runtime::controller_params params;
  params.planner.p_min = 2;
  params.planner.p_max = 6;
  params.horizon = 5;
  params.n_layers = 12;
  params.kind = parcae::runtime::planner_kind::stochastic;
  params.sample_paths = 4;
  parcae::runtime::availability_source_params sp;
  sp.min_history = 3;
  sp.forecast.capacity = 16;
  int decisions = 0;
  parcae::runtime::hooks h;
  h.reconfigure = [&](const parcae::runtime::decision& d) {
    ++decisions;
    CHECK(d.target.size() <= static_cast<int>(d.placements.size()));
  };
  parcae_test::random_provider prov;
  parcae::runtime::controller c(params, parcae::plan::any_transition_provider::wrap(prov),
                                parcae::runtime::availability_source(sp), h);
  std::vector<parcae::runtime::instance_id> alive;
  for (parcae::runtime::instance_id i = 0; i < 12; ++i) alive.push_back(i);
  c.on_interval(alive, alive, {});
  for (int t = 0; t < 10; ++t) {
    const auto gone = alive.back();
    alive.pop_back();
    c.on_interval(alive, {}, {gone});
  }
  CHECK(decisions >= 1);
  CHECK(c.history().size() == 11);
}

TEST_CASE("availability_source: bad parameters") {
  parcae::runtime::availability_source_params p;
  p.min_history = 0;
  CHECK_THROWS_AS(parcae::runtime::availability_source(p), parcae::invalid_argument);
  p.min_history = 8;
  p.forecast.horizon = 0;
  CHECK_THROWS_AS(parcae::runtime::availability_source(p), parcae::invalid_argument);
}
