// The planner on the real models: gpt-1.5b profile (perf), exact liveput table (liveput).
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "parcae/liveput/cpu_backend.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/liveput/table.hpp"
#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/throughput.hpp"
#include "parcae/plan/brute_force.hpp"
#include "parcae/plan/dp_planner.hpp"
#include "parcae/plan/liveput_provider.hpp"

namespace lp = parcae::liveput;
using parcae::parallel_config;
using parcae::plan::availability_step;
using parcae::plan::plan_state;

namespace {

struct gpt_fixture {
  parcae::perf::model_profile profile = parcae::perf::builtin::gpt_1_5b();
  parcae::perf::throughput_model model{profile};
  std::vector<lp::target_info> targets = lp::candidate_targets(model, 32);
  std::shared_ptr<lp::table> table = std::make_shared<lp::table>(lp::make_cpu_backend(
      lp::uniform_model{}, lp::perf_cost_model(profile), targets, 1,
      lp::cpu_params{lp::estimator_kind::automatic, 2000, 1, 1, 10000, 2'000'000, 60.0}));
  parcae::plan::liveput_provider provider{table, targets, profile};
  parcae::plan::planner_params params() const {
    parcae::plan::planner_params p;
    p.p_min = 6;  // artifact §1.3 bounds for gpt-1.5b
    p.p_max = 32;
    p.capacity = 32;
    return p;
  }
};

gpt_fixture& fx() {
  static gpt_fixture f;
  return f;
}

}  // namespace

TEST_CASE("liveput_provider: entries, throughput and restart costs come from liveput and perf") {
  auto& f = fx();
  std::vector<parcae::plan::transition> out;
  f.provider.transitions(32, {4, 8}, 0, 0, out);
  REQUIRE(!out.empty());
  bool stay = false;
  for (const auto& t : out) {
    CHECK(t.target.size() <= 32);
    CHECK(t.target.p >= 6);
    if (t.target == parallel_config{4, 8}) {
      stay = true;
      CHECK(t.cost_s == 0.0);  // nothing preempted, same configuration: no migration
      CHECK(t.prob == 1.0);
    }
  }
  CHECK(stay);
  // T(4,8) is the profiled 43.468 samples/s (artifact §2.1).
  CHECK(f.provider.throughput({4, 8}) == doctest::Approx(43.468));
  CHECK(f.provider.throughput({40, 40}) == 0.0);
  // R((4,8),'no-op') = G + proc + build[8]: 35 + 45*39.3 + 240 + build[8] (digest §3.5: the
  // intra-stage part is 2043.5 ms and build[8] = 2814.8 ms).
  CHECK(f.provider.concurrent_restart_s({4, 8}) == doctest::Approx(4.8583).epsilon(1e-3));
  // Resume from pause: R(add) + checkpoint + the stages' loads; more than R(add) + 14 s.
  f.provider.transitions(0, {}, 32, 0, out);
  double resume = -1.0;
  for (const auto& t : out) {
    if (t.target == parallel_config{4, 8}) resume = t.cost_s;
  }
  CHECK(resume > 32.190 + 14.0);
}

TEST_CASE("liveput_provider: DP equals brute force on the real model (N <= 12, H <= 3)") {
  auto& f = fx();
  const auto params = f.params();
  const std::vector<std::vector<availability_step>> horizons = {
      {{0, 1}, {0, 0}, {1, 0}}, {{0, 0}, {2, 0}}, {{0, 3}, {0, 0}, {0, 0}}, {{0, 6}, {6, 0}}};
  for (const auto& steps : horizons) {
    const auto dp = parcae::plan::plan_dp(f.provider, params, 12, plan_state{{2, 6}, 0.0}, steps);
    const auto bf =
        parcae::plan::plan_brute_force(f.provider, params, 12, plan_state{{2, 6}, 0.0}, steps);
    CHECK(dp.expected_samples == bf.expected_samples);
    CHECK(dp.first() == bf.first.target);
    for (const auto& s : dp.steps) CHECK(params.fits(s.config, s.n_after));
  }
  // 12 -> 6 instances: no depth >= 6 pipeline except (1,6) fits; -> 5: pause.
  const auto r =
      parcae::plan::plan_dp(f.provider, params, 12, plan_state{{2, 6}, 0.0}, {{0, 7}, {7, 0}});
  CHECK(r.steps[0].config.paused());
  CHECK(!r.steps[1].config.paused());
}

TEST_CASE("liveput_provider: prefill fills exactly the keys the DP reads") {
  auto& f = fx();
  f.table->clear();
  const std::vector<availability_step> steps{{0, 1}, {0, 0}, {1, 0}};
  const std::size_t filled = f.provider.prefill(16, {2, 8}, steps, f.params());
  CHECK(filled > 0);
  const std::size_t before = f.table->size();
  parcae::plan::plan_dp(f.provider, f.params(), 16, plan_state{{2, 8}, 0.0}, steps);
  CHECK(f.table->size() == before);  // the DP found every key it needed
  CHECK(f.provider.prefill(16, {2, 8}, steps, f.params()) == 0);
}

TEST_CASE("liveput_provider: bad input") {
  auto& f = fx();
  CHECK_THROWS_AS(parcae::plan::liveput_provider(nullptr, f.targets, f.profile),
                  parcae::invalid_argument);
  auto bad = f.targets;
  bad.push_back({{1, 0}, 1.0});
  CHECK_THROWS_AS(parcae::plan::liveput_provider(f.table, bad, f.profile),
                  parcae::invalid_argument);
  CHECK_THROWS_AS(f.provider.prefill(4, {1, 6}, {{0, 5}}, f.params()), parcae::invalid_argument);
}
