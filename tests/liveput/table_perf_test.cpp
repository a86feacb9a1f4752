// The liveput table (lazy and bulk fill, backends, horizon keys) and the estimators on the real
// performance model (gpt-1.5b profile of perf/builtin_profiles.hpp, migration costs of issue 4).
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "liveput/toy_costs.hpp"
#include "parcae/liveput/cpu_backend.hpp"
#include "parcae/liveput/exact.hpp"
#include "parcae/liveput/monte_carlo.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/liveput/table.hpp"
#include "parcae/liveput/zone_model.hpp"
#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/throughput.hpp"

using namespace parcae::liveput;
using parcae::parallel_config;

namespace {

struct gpt {
  parcae::perf::throughput_model model{parcae::perf::builtin::gpt_1_5b()};
  perf_cost_model cost{parcae::perf::builtin::gpt_1_5b()};
  std::vector<target_info> targets = candidate_targets(model, 32);
};
gpt& g15() {
  static gpt g;
  return g;
}

// Counts the keys a backend is asked for.
class counting_backend final : public backend {
 public:
  explicit counting_backend(std::shared_ptr<backend> inner) : inner_(std::move(inner)) {}
  std::vector<entry> estimate(const std::vector<key>& keys) override {
    ++calls;
    asked += static_cast<int>(keys.size());
    return inner_->estimate(keys);
  }
  int gpus_per_instance() const override { return inner_->gpus_per_instance(); }
  std::string name() const override { return "counting"; }
  int calls = 0;
  int asked = 0;

 private:
  std::shared_ptr<backend> inner_;
};

}  // namespace

TEST_CASE("gpt-1.5b: the artifact's target set and key (32,4,8,0,2)") {
  // 47 configurations with p >= 6 and d*p <= 32 (parcae-artifact.md §1.3, §2.1).
  CHECK(g15().targets.size() == 47);
  const entry e = estimate_exact(key{32, 4, 8, 0, 2}, g15().cost, g15().targets);
  CHECK(e.targets.size() == 43);  // the anchor: 43 targets on 30 instances
  CHECK(e.states == 36);          // 8 stages: 8 ways to lose 2 of one stage + 28 pairs
  for (const auto& t : e.targets) {
    CHECK(t.probability == 1.0);  // redundant copy: model state is never lost (§1.4)
    CHECK(t.liveput <= t.throughput);
    CHECK(t.liveput >= 0.0);
  }
  // Without preemptions, staying put costs nothing and liveput is the throughput.
  const entry calm = estimate_exact(key{32, 4, 8, 0, 0}, g15().cost, g15().targets);
  const target_estimate* stay = calm.find({4, 8});
  REQUIRE(stay != nullptr);
  CHECK(stay->mean_cost_s == 0.0);
  CHECK(stay->liveput == doctest::Approx(43.47).epsilon(1e-3));
  // The exact value for a fixed survivor set equals perf::estimate_migration (n_out = 0: one set).
  const auto table = parcae::perf::make_migration_cost_table(g15().cost.profile(), {4, 8});
  for (const auto& t : calm.targets) {
    const auto direct =
        parcae::perf::estimate_migration(table, std::vector<int>(8, 4), 0, 0, t.target);
    CHECK(t.mean_cost_s == doctest::Approx(direct.cost.get()).epsilon(1e-12));
  }
}

TEST_CASE("gpt-1.5b: expected cost does not decrease as n_out grows (uniform model)") {
  for (parallel_config c : {parallel_config{4, 8}, parallel_config{2, 16}, parallel_config{5, 6}}) {
    std::vector<entry> by_out;
    for (int n_out = 0; n_out <= 4; ++n_out) {
      by_out.push_back(estimate_exact(key{32, c.d, c.p, 0, n_out}, g15().cost, g15().targets));
    }
    for (int n_out = 1; n_out <= 4; ++n_out) {
      for (const auto& t : by_out[static_cast<std::size_t>(n_out)].targets) {
        const target_estimate* before = by_out[static_cast<std::size_t>(n_out - 1)].find(t.target);
        REQUIRE(before != nullptr);
        CAPTURE(parcae::to_string(c));
        CAPTURE(n_out);
        CAPTURE(parcae::to_string(t.target));
        CHECK(t.mean_cost_s >= before->mean_cost_s - 1e-12);
      }
    }
  }
}

TEST_CASE("more spares never lower the probability of reaching a target") {
  // Feasible iff every old stage keeps target.d replicas: spares absorb losses.
  const auto cost = make_stateless_cost(liveput_test::threshold_cost{});
  const std::vector<target_info> targets{{{1, 4}, 1.0}, {{2, 4}, 1.0}, {{3, 4}, 1.0}};
  for (int n_out = 1; n_out <= 6; ++n_out) {
    double previous[3] = {0, 0, 0};
    for (int spares = 0; spares <= 8; ++spares) {
      const entry e = estimate_exact(key{12 + spares, 3, 4, 8, n_out}, cost, targets);
      for (std::size_t t = 0; t < 3; ++t) {
        CHECK(e.targets[t].probability >= previous[t] - 1e-12);
        previous[t] = e.targets[t].probability;
      }
    }
  }
}

TEST_CASE("gpt-1.5b: Monte-Carlo within 3 SE of exact, uniform and one-zone models") {
  std::vector<key> keys;
  for (parallel_config c : {parallel_config{4, 8}, parallel_config{2, 16}, parallel_config{1, 32},
                            parallel_config{3, 9}, parallel_config{5, 6}}) {
    for (int n_out : {1, 2, 3}) keys.push_back(key{32, c.d, c.p, n_out == 2 ? 1 : 0, n_out});
  }
  mc_params mp;
  mp.samples = 10000;  // the artifact's --n-sim
  mp.threads = 2;
  const auto mc = estimate_monte_carlo(uniform_model{}, g15().cost, g15().targets, keys, mp);
  const auto zones = estimate_monte_carlo(zone_model{}, g15().cost, g15().targets, keys, mp);
  // All targets of a key share its samples, so their errors move together: count keys. With 15
  // keys, P(some key beyond 3 SE) is a few percent, so allow one, and none beyond 4.5 SE.
  int beyond3 = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    CAPTURE(to_string(keys[i]));
    const entry ex = estimate_exact(keys[i], g15().cost, g15().targets);
    REQUIRE(mc[i].targets.size() == ex.targets.size());
    double worst = 0.0;
    for (std::size_t t = 0; t < ex.targets.size(); ++t) {
      const double err = std::abs(mc[i].targets[t].mean_cost_s - ex.targets[t].mean_cost_s);
      const double se = mc[i].targets[t].mean_cost_se_s;
      worst = std::max(worst, se > 0 ? err / se : (err < 1e-6 ? 0.0 : 1e9));
      CHECK(zones[i].targets[t].mean_cost_s == mc[i].targets[t].mean_cost_s);
    }
    CHECK(worst <= 4.5);
    beyond3 += worst > 3.0 ? 1 : 0;
  }
  CHECK(beyond3 <= 1);
}

TEST_CASE("table: lazy and bulk fill, one backend call per fill, samples shared across n_in") {
  cpu_params params;
  params.kind = estimator_kind::monte_carlo;
  params.samples = 500;
  auto counting = std::make_shared<counting_backend>(
      make_cpu_backend(uniform_model{}, g15().cost, g15().targets, 1, params));
  table t(counting);
  const key k{32, 4, 8, 0, 2};
  const entry& a = t.get(k);
  const entry& b = t.get(k);
  CHECK(&a == &b);
  CHECK(counting->calls == 1);
  CHECK(t.size() == 1);
  // Bulk: every key of a horizon, in one call; keys already there are not asked for again.
  const std::vector<parallel_config> configs{{4, 8}, {2, 16}, {5, 6}};
  const auto keys = horizon_keys(32, {{0, 2}, {1, 0}, {0, 3}}, configs);
  // Step 1 starts with 32 (all three fit), steps 2 and 3 with 30 and 31 (only (5,6) fits).
  CHECK(keys.size() == 5);
  CHECK(keys.front() == key{30, 5, 6, 1, 0});
  CHECK(keys.back() == key{32, 5, 6, 0, 2});
  CHECK(t.fill(keys) == 4);
  CHECK(counting->calls == 2);
  CHECK(counting->asked == 5);
  CHECK(t.fill(keys) == 0);
  CHECK(counting->calls == 2);
  CHECK(t.size() == 5);
  // The planner's view: find and entries in key order.
  CHECK(t.find(key{32, 2, 16, 0, 2}) != nullptr);
  CHECK(t.find(key{32, 2, 16, 0, 7}) == nullptr);
  const auto all = t.entries();
  for (std::size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1].first < all[i].first);
  // Samples drawn for (N,D,P,n_out) serve every n_in: the same survivors give n_in = 0 and 3
  // identical costs for targets that need no joined instance.
  const auto two = counting->estimate({key{32, 4, 8, 0, 2}, key{32, 4, 8, 3, 2}});
  const target_estimate* x = two[0].find({3, 8});
  const target_estimate* y = two[1].find({3, 8});
  REQUIRE(x != nullptr);
  REQUIRE(y != nullptr);
  CHECK(x->mean_cost_s == y->mean_cost_s);
  CHECK(two[1].targets.size() > two[0].targets.size());  // N' = 33: more targets fit
  // Insert (import) and a table without a backend.
  table imported;
  imported.insert(k, a);
  CHECK(imported.get(k).targets.size() == a.targets.size());
  CHECK_THROWS_WITH_AS(imported.get(key{32, 4, 8, 0, 3}),
                       "parcae::liveput::table::get: key is \"(32,4,8,0,3)\", but must be in the "
                       "table (it has no backend to estimate it)",
                       parcae::invalid_argument);
  CHECK_THROWS_AS(imported.fill({key{32, 4, 8, 0, 3}}), parcae::invalid_argument);
  CHECK_THROWS_AS(table(nullptr), parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(t.get(key{8, 4, 8, 0, 2}),
                       "parcae::liveput::table::get: key.d*key.p is 32, but must be <= "
                       "key.n*gpus_per_instance = 8",
                       parcae::invalid_argument);
}

TEST_CASE("cpu backend: automatic uses exact where small, Monte-Carlo elsewhere") {
  cpu_params params;
  params.samples = 400;
  params.exact_threshold = 1000;
  auto auto_backend = make_cpu_backend(uniform_model{}, g15().cost, g15().targets, 1, params);
  const auto out = auto_backend->estimate({key{32, 4, 8, 0, 2}, key{32, 1, 32, 0, 4}});
  CHECK(out[0].method == method::exact);
  CHECK(out[1].method == method::monte_carlo);  // C(32,4) = 35,960 loss vectors
  CHECK(auto_backend->name() == "cpu-auto");
  params.kind = estimator_kind::exact;
  params.max_exact_states = 1000;
  auto exact_backend = make_cpu_backend(uniform_model{}, g15().cost, g15().targets, 1, params);
  CHECK(exact_backend->estimate({key{32, 1, 32, 0, 4}})[0].status == entry_status::too_many_states);
  // A non-uniform model cannot run exactly.
  CHECK_THROWS_WITH_AS(make_cpu_backend(zone_model{}, g15().cost, g15().targets, 1, params),
                       "parcae::liveput::cpu_backend::cpu_backend: params.kind is \"exact\", but "
                       "must be monte_carlo or automatic for a non-uniform preemption model",
                       parcae::invalid_argument);
  params = cpu_params{};
  params.samples = -5;
  CHECK_THROWS_AS(make_cpu_backend(uniform_model{}, g15().cost, g15().targets, 1, params),
                  parcae::invalid_argument);
  CHECK_THROWS_AS(make_cpu_backend(uniform_model{}, g15().cost, g15().targets, 0, cpu_params{}),
                  parcae::invalid_argument);
  CHECK_THROWS_AS(candidate_targets(g15().model, 0), parcae::invalid_argument);
  CHECK_THROWS_AS(horizon_keys(4, {{0, 5}}, {{1, 1}}), parcae::invalid_argument);
  CHECK_THROWS_AS(horizon_keys(-1, {}, {}), parcae::invalid_argument);
}
