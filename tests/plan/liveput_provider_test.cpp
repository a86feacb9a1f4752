// The planner on the real models: gpt-1.5b profile (perf), exact liveput table (liveput).
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
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
#include "plan/observed_mean.hpp"

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

TEST_CASE("liveput_provider: a prefill skips steps filled before, until the table changes") {
  auto& f = fx();
  f.table->clear();
  const std::vector<std::vector<availability_step>> paths{{{0, 1}, {0, 0}, {1, 0}},
                                                          {{0, 1}, {1, 0}, {0, 0}}};
  const std::size_t filled = f.provider.prefill_paths(16, {2, 8}, paths, f.params());
  CHECK(filled == f.table->size());
  // The union of the paths' horizon keys, each once.
  std::vector<lp::key> keys = f.provider.horizon_keys(16, {2, 8}, paths[0], f.params());
  for (const auto& k : f.provider.horizon_keys(16, {2, 8}, paths[1], f.params())) {
    keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  CHECK(filled == keys.size());
  for (const auto& k : keys) CHECK(f.table->contains(k));
  CHECK(f.provider.prefill_paths(16, {2, 8}, paths, f.params()) == 0);
  // A copy of the provider shares what was filled (as it shares the table).
  const parcae::plan::liveput_provider copy = f.provider;
  CHECK(copy.prefill_paths(16, {2, 8}, paths, f.params()) == 0);
  // clear() changes the table's generation: the next prefill fills every key again.
  const std::uint64_t g = f.table->generation();
  f.table->clear();
  CHECK(f.table->generation() != g);
  CHECK(f.provider.prefill_paths(16, {2, 8}, paths, f.params()) == keys.size());
  CHECK(f.table->size() == keys.size());
}

TEST_CASE("liveput_provider: observed transitions average to the exact liveput entry") {
  // Every set of n_out lost instances, equally likely (the uniform model): averaging the observed
  // transitions of each set's survivors gives the key's exact entry. This ties the controller's
  // observed first step to the table it replaces.
  auto& f = fx();
  const int g = 1;
  for (const lp::key k :
       {lp::key{12, 2, 6, 0, 2}, lp::key{13, 2, 6, 1, 3}, lp::key{12, 1, 8, 2, 1}}) {
    CAPTURE(lp::to_string(k));
    const lp::entry& e = f.table->get(k);
    const auto cost_table = parcae::perf::make_migration_cost_table(
        f.profile, k.config(), parcae::perf::migration_options{});
    std::map<parallel_config, std::pair<double, double>> sum;  // feasible count, summed cost
    int sets = 0;
    std::vector<int> lost(static_cast<std::size_t>(k.n_out));
    for (int i = 0; i < k.n_out; ++i) lost[static_cast<std::size_t>(i)] = i;
    while (true) {  // every n_out-subset of the k.n instances, in lexicographic order
      std::vector<int> replicas(static_cast<std::size_t>(k.p));
      const int free_gpus =
          parcae::perf::count_survivors(cost_table, k.n, lost.data(), k.n_out, replicas.data());
      std::vector<parcae::plan::transition> tr;
      f.provider.observed_transitions(k.config(), replicas, free_gpus, k.n_in * g, tr);
      for (const auto& t : tr) {
        CHECK(t.prob == 1.0);
        sum[t.target].first += 1.0;
        sum[t.target].second += t.cost_s;
      }
      ++sets;
      int i = k.n_out - 1;
      while (i >= 0 && lost[static_cast<std::size_t>(i)] == k.n - k.n_out + i) --i;
      if (i < 0) break;
      ++lost[static_cast<std::size_t>(i)];
      for (int j = i + 1; j < k.n_out; ++j) {
        lost[static_cast<std::size_t>(j)] = lost[static_cast<std::size_t>(j) - 1] + 1;
      }
    }
    parcae_test::check_entry_is_observed_mean(e, sum, sets);
  }
}

TEST_CASE("liveput_provider: a plan with the observed first step") {
  auto& f = fx();
  const auto params = f.params();
  const std::vector<availability_step> steps{{0, 2}, {0, 0}, {1, 0}};
  parcae::plan::dp_planner<parcae::plan::liveput_provider> dp(f.provider, params);
  // Given the provider's own first-step transitions, the plan is the same to the last bit.
  std::vector<parcae::plan::transition> same;
  f.provider.transitions(16, {2, 8}, 0, 2, same);
  const auto a = dp.plan(16, plan_state{{2, 8}, 0.0}, steps);
  const auto b = dp.plan(16, plan_state{{2, 8}, 0.0}, steps, same);
  CHECK(a.expected_samples == b.expected_samples);
  REQUIRE(a.steps.size() == b.steps.size());
  for (std::size_t k = 0; k < a.steps.size(); ++k) CHECK(a.steps[k].config == b.steps[k].config);
  // The two lost instances held stage 0 (both replicas): only a migration that refetches it.
  std::vector<parcae::plan::transition> observed;
  f.provider.observed_transitions({2, 8}, {0, 2, 2, 2, 2, 2, 2, 2}, 0, 0, observed);
  const auto c = dp.plan(16, plan_state{{2, 8}, 0.0}, steps, observed);
  const auto* chosen = &observed.front();
  for (const auto& t : observed) {
    if (t.target == c.steps[0].config) chosen = &t;
  }
  CHECK(c.steps[0].config == chosen->target);
  CHECK(c.steps[0].cost_s == chosen->cost_s);
  CHECK(c.steps[0].prob == 1.0);
  // A first step offering nothing but pausing pauses.
  const auto d = dp.plan(16, plan_state{{2, 8}, 0.0}, steps, {});
  CHECK(d.steps[0].config.paused());
  // Bad transitions are rejected as provider transitions are.
  CHECK_THROWS_AS(dp.plan(16, plan_state{{2, 8}, 0.0}, steps, {{{1, 8}, 1.5, 0.0}}),
                  parcae::invalid_argument);
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
  std::vector<parcae::plan::transition> out;
  const std::vector<int> r{2, 2, 2, 2, 2, 2};
  CHECK_THROWS_WITH_AS(f.provider.observed_transitions({2, 8}, r, 0, 0, out),
                       "parcae::plan::liveput_provider::observed_transitions: replicas.size() is "
                       "6, but must be equal to from.p = 8",
                       parcae::invalid_argument);
  CHECK_THROWS_AS(f.provider.observed_transitions({2, 6}, {2, 2, 3, 2, 2, 2}, 0, 0, out),
                  parcae::invalid_argument);
  CHECK_THROWS_AS(f.provider.observed_transitions({2, 6}, r, -1, 0, out), parcae::invalid_argument);
  CHECK_THROWS_AS(f.provider.observed_transitions({2, 6}, r, 0, -2, out), parcae::invalid_argument);
  CHECK_THROWS_AS(f.provider.observed_transitions({0, 0}, r, 0, 0, out), parcae::invalid_argument);
  CHECK_THROWS_AS(f.provider.observed_transitions({2, 999}, r, 0, 0, out),
                  parcae::invalid_argument);
  // A type-erased provider without observed_transitions says so, and calling it anyway throws.
  const parcae::plan::any_transition_provider bare(
      [&f](int n, parallel_config c, int in, int o, std::vector<parcae::plan::transition>& v) {
        f.provider.transitions(n, c, in, o, v);
      },
      [&f](parallel_config c) { return f.provider.throughput(c); },
      [&f](parallel_config c) { return f.provider.concurrent_restart_s(c); });
  CHECK(!bare.has_observed());
  CHECK_THROWS_WITH_AS(bare.observed_transitions({2, 6}, r, 0, 0, out),
                       "parcae::plan::any_transition_provider::observed_transitions: the provider "
                       "has no observed_transitions (check has_observed())",
                       parcae::invalid_argument);
  CHECK(parcae::plan::any_transition_provider::wrap(f.provider).has_observed());
  // From the paused configuration: the resume costs of what fits.
  f.provider.observed_transitions({0, 0}, {}, 6, 2, out);
  for (const auto& t : out) CHECK(t.target.size() <= 8);
  CHECK(!out.empty());
}
