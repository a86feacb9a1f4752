// Planner tests: hand-checked small cases, DP == brute force on random landscapes (N <= 12,
// H <= 4), pausing, the stochastic planner, bad input.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>

#include "parcae/plan/brute_force.hpp"
#include "parcae/plan/dp_planner.hpp"
#include "parcae/plan/stochastic_planner.hpp"
#include "plan/toy_providers.hpp"

using parcae::parallel_config;
using parcae::plan::availability_step;
using parcae::plan::plan_state;
using parcae::plan::plan_status;
using parcae::plan::planner_params;
using parcae::plan::transition;
using parcae_test::random_provider;
using parcae_test::table_provider;

namespace {

planner_params small_params(int p_min = 1, int p_max = 12) {
  planner_params p;
  p.p_min = p_min;
  p.p_max = p_max;
  return p;
}

// Hand case: 4 instances, no events; from (1,2): stay 10*60 = 600; (2,2): 18*(60-30) = 540;
// (1,4): 12*(60-10) = 600 (ties with staying).
table_provider hand_provider() {
  table_provider t;
  t.tput = {{{1, 2}, 10.0}, {{2, 2}, 18.0}, {{1, 4}, 12.0}};
  t.add(4, {1, 2}, 0, 0, {{{1, 2}, 1.0, 0.0}, {{2, 2}, 1.0, 30.0}, {{1, 4}, 1.0, 10.0}});
  return t;
}

// Both rules for a migration started during another (plan::concurrent_charge), by trial.
parcae::plan::concurrent_charge rule_of(int trial) {
  return trial % 2 == 0 ? parcae::plan::concurrent_charge::artifact
                        : parcae::plan::concurrent_charge::remainder;
}

// The DP's plan, checked against the brute force: the same value, bit for bit, and the same
// first action.
template <class Provider>
parcae::plan::plan_result dp_equal_to_brute_force(const Provider& prov,
                                                  const planner_params& params, int n0,
                                                  plan_state init,
                                                  const std::vector<availability_step>& steps) {
  const auto dp = parcae::plan::plan_dp(prov, params, n0, init, steps);
  const auto bf = parcae::plan::plan_brute_force(prov, params, n0, init, steps);
  CHECK(dp.expected_samples == bf.expected_samples);
  CHECK(dp.first() == bf.first.target);
  return dp;
}

}  // namespace

TEST_CASE("dp: hand case, one step, tie broken towards keeping the configuration") {
  const table_provider t = hand_provider();
  const auto r = parcae::plan::plan_dp(t, small_params(), 4, plan_state{{1, 2}, 0.0}, {{0, 0}});
  REQUIRE(r.steps.size() == 1);
  CHECK(r.first() == parallel_config{1, 2});
  CHECK(r.expected_samples == 600.0);
  CHECK(r.steps[0].samples == 600.0);
  CHECK(r.status == plan_status::ok);
}

TEST_CASE("dp: hand case, a migration longer than an interval, then concurrent restart") {
  table_provider t;
  t.tput = {{{1, 2}, 10.0}, {{2, 2}, 50.0}, {{1, 4}, 12.0}};
  t.restart_s = 5.0;
  // Step 1 from (1,2): (2,2) costs 90 s -> still migrating, 30 s to go.
  t.add(4, {1, 2}, 0, 0, {{{1, 2}, 1.0, 0.0}, {{2, 2}, 1.0, 90.0}, {{1, 4}, 1.0, 10.0}});
  // Step 2 from (2,2): keep finishing (cost 0 -> charged the remaining 30 s) or switch to (1,4)
  // (10 s + R = 5 s while migrating).
  t.add(4, {2, 2}, 0, 0, {{{2, 2}, 1.0, 0.0}, {{1, 4}, 1.0, 10.0}});
  t.add(4, {1, 4}, 0, 0, {{{1, 4}, 1.0, 0.0}});
  // Staying: 600 + 600 = 1200; (2,2) then finish: 0 + 50*30 = 1500; (1,4) twice: 600 + 720 = 1320.
  const auto r =
      parcae::plan::plan_dp(t, small_params(), 4, plan_state{{1, 2}, 0.0}, {{0, 0}, {0, 0}});
  REQUIRE(r.steps.size() == 2);
  CHECK(r.first() == parallel_config{2, 2});
  CHECK(r.steps[0].samples == 0.0);
  CHECK(r.steps[0].remaining_s == 30.0);
  CHECK(r.steps[1].config == parallel_config{2, 2});
  CHECK(r.steps[1].cost_s == 30.0);
  CHECK(r.steps[1].samples == 1500.0);
  CHECK(r.expected_samples == 1500.0);

  // Starting while migrating into (2,2) with 100 s to go: finishing gives 0 + 50*20 = 1000 over
  // two steps; switching to (1,4) costs 10 + 5 = 15 s: 12*45 + 12*60 = 1260.
  const auto m =
      parcae::plan::plan_dp(t, small_params(), 4, plan_state{{2, 2}, 100.0}, {{0, 0}, {0, 0}});
  CHECK(m.first() == parallel_config{1, 4});
  CHECK(m.steps[0].cost_s == 15.0);
  CHECK(m.expected_samples == 12.0 * 45.0 + 12.0 * 60.0);
  CHECK(parcae::plan::plan_brute_force(t, small_params(), 4, plan_state{{2, 2}, 100.0},
                                       {{0, 0}, {0, 0}})
            .expected_samples == m.expected_samples);

  // The remainder rule: the switch cannot end before (2,2)'s 100 s would have, so it costs
  // max(100, 10) + 5 = 105 s: 0 samples and 45 s left, then 12*15 = 180 (finishing (1,4) is its
  // only move: no target costs 45 s or more). Finishing (2,2) is now better: 50*20 = 1000.
  planner_params rem = small_params();
  rem.concurrent = parcae::plan::concurrent_charge::remainder;
  const auto f = parcae::plan::plan_dp(t, rem, 4, plan_state{{2, 2}, 100.0}, {{0, 0}, {0, 0}});
  CHECK(f.first() == parallel_config{2, 2});
  CHECK(f.expected_samples == 1000.0);
  const auto cands = parcae::plan::dp_planner<table_provider>(t, rem).first_actions(
      4, plan_state{{2, 2}, 100.0}, {{0, 0}, {0, 0}});
  bool saw_switch = false;
  for (const auto& c : cands) {
    if (c.target != parallel_config{1, 4}) continue;
    saw_switch = true;
    CHECK(c.cost_s == 105.0);
    CHECK(c.remaining_s == 45.0);
    CHECK(c.value == 12.0 * 15.0);
  }
  CHECK(saw_switch);
  CHECK(parcae::plan::plan_brute_force(t, rem, 4, plan_state{{2, 2}, 100.0}, {{0, 0}, {0, 0}})
            .expected_samples == 1000.0);
  // From a running (1,2) the plan is the same as under the artifact's rule: its second step only
  // finishes the migration it started.
  const auto g = parcae::plan::plan_dp(t, rem, 4, plan_state{{1, 2}, 0.0}, {{0, 0}, {0, 0}});
  CHECK(g.first() == parallel_config{2, 2});
  CHECK(g.expected_samples == 1500.0);
}

TEST_CASE("dp: the remainder rule never plans to cut a start short, and keeps through a refill") {
  // 4 instances, from pause: start (1,4) or (2,2), 100 s each (40 s left after step 1).
  table_provider t;
  t.tput = {{{1, 4}, 12.0}, {{2, 2}, 20.0}, {{1, 2}, 200.0}};
  t.restart_s = 5.0;
  t.add(4, {0, 0}, 0, 0, {{{1, 4}, 1.0, 100.0}, {{2, 2}, 1.0, 100.0}});
  // Step 2: (1,4) can "migrate" to (2,2) in 10 s; (2,2) finishes.
  t.add(4, {1, 4}, 0, 0, {{{1, 4}, 1.0, 0.0}, {{2, 2}, 1.0, 10.0}});
  t.add(4, {2, 2}, 0, 0, {{{2, 2}, 1.0, 0.0}});
  const std::vector<availability_step> quiet = {{0, 0}, {0, 0}};
  // The artifact's rule: start (1,4), then (2,2) for 10 + 5 s, the 40 s left dropped: 20*45 = 900,
  // more than starting (2,2) itself (20*20 = 400). A start out of a configuration that never ran.
  const auto a = parcae::plan::plan_dp(t, small_params(), 4, plan_state{}, quiet);
  CHECK(a.first() == parallel_config{1, 4});
  CHECK(a.expected_samples == 900.0);
  // The remainder rule: that switch would cost max(40, 10) + 5 = 45 s, and a later step may not
  // switch to another configuration during a migration for less than what is left; the plan
  // starts (2,2) itself.
  planner_params rem = small_params();
  rem.concurrent = parcae::plan::concurrent_charge::remainder;
  const auto r = parcae::plan::plan_dp(t, rem, 4, plan_state{}, quiet);
  CHECK(r.first() == parallel_config{2, 2});
  CHECK(r.expected_samples == 400.0);
  CHECK(parcae::plan::plan_brute_force(t, rem, 4, plan_state{}, quiet).expected_samples == 400.0);

  // 5 instances, a preemption in step 2 (5 -> 4): keeping (2,2) needs a 20-s refill, less than
  // the 40 s left: charged max(40, 20) + 5 = 45 s, 20*15 = 300 (kept, not paused). Moving to
  // (1,2) costs 50 s, at least what is left, and is the best move were nothing running (200*5 =
  // 1000 against the refill's 20*35 = 700), so it is open: charged 50 + 5 = 55 s, 1000.
  table_provider u = t;
  u.entries.clear();
  u.add(5, {0, 0}, 0, 0, {{{2, 2}, 1.0, 100.0}});
  u.add(5, {2, 2}, 0, 1, {{{2, 2}, 1.0, 20.0}, {{1, 2}, 1.0, 50.0}});
  const std::vector<availability_step> hit = {{0, 0}, {0, 1}};
  const auto k = parcae::plan::plan_dp(u, rem, 5, plan_state{}, hit);
  REQUIRE(k.steps.size() == 2);
  CHECK(k.steps[1].config == parallel_config{1, 2});
  CHECK(k.steps[1].cost_s == 55.0);
  CHECK(k.expected_samples == 1000.0);
  CHECK(parcae::plan::plan_brute_force(u, rem, 5, plan_state{}, hit).expected_samples == 1000.0);
  // With (1,2) at 100 (500 as if nothing ran, less than the refill's 700) it is not the state's
  // best move, so it stays closed and the refill keeps (2,2): 300.
  u.tput[{1, 2}] = 100.0;
  const auto kk = parcae::plan::plan_dp(u, rem, 5, plan_state{}, hit);
  CHECK(kk.steps[1].config == parallel_config{2, 2});
  CHECK(kk.steps[1].cost_s == 45.0);
  CHECK(kk.expected_samples == 300.0);
  CHECK(parcae::plan::plan_brute_force(u, rem, 5, plan_state{}, hit).expected_samples == 300.0);
}

TEST_CASE("dp: pauses when nothing fits and resumes when instances return") {
  table_provider t;
  t.tput = {{{1, 2}, 10.0}, {{2, 2}, 18.0}};
  // 4 -> 1 instance: no pipeline of depth >= 2 fits; 1 -> 4: resume from pause costs 40 s.
  t.add(4, {2, 2}, 0, 3, {{{1, 2}, 1.0, 5.0}});  // (1,2) listed but does not fit 1 instance
  t.add(1, {0, 0}, 3, 0, {{{1, 2}, 1.0, 40.0}, {{2, 2}, 1.0, 40.0}});
  t.add(4, {2, 2}, 0, 0, {{{2, 2}, 1.0, 0.0}});
  t.add(4, {1, 2}, 0, 0, {{{1, 2}, 1.0, 0.0}});
  const auto r = parcae::plan::plan_dp(t, small_params(2, 4), 4, plan_state{{2, 2}, 0.0},
                                       {{0, 3}, {3, 0}, {0, 0}});
  REQUIRE(r.steps.size() == 3);
  CHECK(r.status == plan_status::paused);
  CHECK(r.steps[0].config.paused());
  CHECK(r.steps[0].n_after == 1);
  CHECK(r.steps[1].config == parallel_config{2, 2});
  CHECK(r.steps[1].samples == 18.0 * 20.0);
  CHECK(r.steps[2].samples == 18.0 * 60.0);
  CHECK(r.expected_samples == 18.0 * 20.0 + 18.0 * 60.0);
}

TEST_CASE("dp: nobody alive at all gives an all-paused plan") {
  random_provider prov;
  const auto r = parcae::plan::plan_dp(prov, small_params(), 0, plan_state{}, {{0, 0}, {0, 0}});
  CHECK(r.status == plan_status::paused);
  CHECK(r.expected_samples == 0.0);
  for (const auto& s : r.steps) CHECK(s.config.paused());
}

TEST_CASE("dp: empty horizon") {
  random_provider prov;
  const auto r = parcae::plan::plan_dp(prov, small_params(), 4, plan_state{{1, 2}, 0.0}, {});
  CHECK(r.steps.empty());
  CHECK(r.expected_samples == 0.0);
}

TEST_CASE("dp: value equals brute force exactly on random landscapes (N <= 12, H <= 4)") {
  std::uint64_t h = 7;
  int cases = 0, migrating_firsts = 0, paused = 0;
  for (int trial = 0; trial < 60; ++trial) {
    h = parcae_test::mix(h);
    random_provider prov;
    prov.seed = h;
    prov.cost_scale = (trial % 3 == 0) ? 0.5 : (trial % 3 == 1 ? 1.0 : 2.0);
    const bool multi_gpu = trial % 6 == 5;  // 2 GPUs per instance: N <= 6 instances, 12 GPUs
    prov.g = multi_gpu ? 2 : 1;
    const int n_cap = multi_gpu ? 6 : 12;
    const int n0 = 1 + static_cast<int>(h % static_cast<std::uint64_t>(n_cap));
    const int H = 1 + static_cast<int>((h >> 8) % 4);
    std::vector<availability_step> steps;
    int n = n0;
    for (int k = 0; k < H; ++k) {
      const std::uint64_t e = parcae_test::mix(h + static_cast<std::uint64_t>(k));
      const int out = static_cast<int>(e % static_cast<std::uint64_t>(n + 1)) / 2;
      const int in = static_cast<int>((e >> 16) % static_cast<std::uint64_t>(n_cap - n + out + 1));
      steps.push_back({in, out});
      n += in - out;
    }
    planner_params params = small_params(1 + static_cast<int>((h >> 20) % 2), 8);
    params.gpus_per_instance = prov.g;
    if (trial % 5 == 0) params.excluded_p = {3};
    plan_state init;
    if (n0 >= 2 * params.p_min && trial % 4 != 3) {
      init.config = {1, 2};
      if (trial % 2 == 0) init.remaining_s = 20.0 + 10.0 * (trial % 7);
    }
    params.concurrent = rule_of(trial);
    if (trial % 4 == 1 && !init.config.paused()) init.remaining_s = 30.0 + 10.0 * (trial % 5);
    INFO("trial " << trial << " n0 " << n0 << " H " << H);
    const auto dp = dp_equal_to_brute_force(prov, params, n0, init, steps);
    // The plan's steps are a feasible sequence whose samples add up to its value.
    double sum = 0.0;
    for (const auto& s : dp.steps) {
      CHECK(s.config.size() <= s.n_after * params.gpus_per_instance);
      CHECK(params.allowed(s.config));
      sum += s.samples;
    }
    CHECK(sum == doctest::Approx(dp.expected_samples).epsilon(1e-12));
    migrating_firsts += dp.steps.front().remaining_s > 0.0;
    paused += dp.status == plan_status::paused;
    ++cases;
  }
  CHECK(cases == 60);
  CHECK(migrating_firsts > 0);  // the landscapes exercise long migrations ...
  CHECK(paused > 0);            // ... and pausing
}

namespace {
// random_provider that counts the calls per key (the provider concept's transitions()).
struct counting_provider {
  random_provider inner;
  mutable std::map<std::tuple<int, int, int, int, int>, int> calls;
  void transitions(int n_prev, parallel_config from, int n_in, int n_out,
                   std::vector<transition>& out) const {
    ++calls[{n_prev, from.d, from.p, n_in, n_out}];
    inner.transitions(n_prev, from, n_in, n_out, out);
  }
  double throughput(parallel_config c) const { return inner.throughput(c); }
  double concurrent_restart_s(parallel_config c) const { return inner.concurrent_restart_s(c); }
};
}  // namespace

TEST_CASE("dp: with a value after the horizon it still equals brute force (random landscapes)") {
  std::uint64_t h = 11;
  for (int trial = 0; trial < 40; ++trial) {
    h = parcae_test::mix(h);
    random_provider prov;
    prov.seed = h;
    prov.cost_scale = trial % 2 ? 0.5 : 2.0;
    const int n0 = 2 + static_cast<int>(h % 10);
    const int H = 1 + static_cast<int>((h >> 8) % 3);
    std::vector<availability_step> steps;
    int n = n0;
    for (int k = 0; k < H; ++k) {
      const std::uint64_t e = parcae_test::mix(h + static_cast<std::uint64_t>(k));
      const int out = static_cast<int>(e % static_cast<std::uint64_t>(n + 1)) / 2;
      const int in = static_cast<int>((e >> 16) % static_cast<std::uint64_t>(12 - n + out + 1));
      steps.push_back({in, out});
      n += in - out;
    }
    planner_params params = small_params(1, 8);
    params.terminal_s = 30.0 * (1 + trial % 7);  // some shorter than a migration, some longer
    plan_state init;
    if (n0 >= 2 && trial % 3 != 0) init = {{1, 2}, trial % 2 ? 45.0 : 0.0};
    const auto dp = parcae::plan::plan_dp(prov, params, n0, init, steps);
    const auto bf = parcae::plan::plan_brute_force(prov, params, n0, init, steps);
    INFO("trial " << trial);
    CHECK(dp.expected_samples == doctest::Approx(bf.expected_samples).epsilon(1e-12));
    CHECK(dp.first() == bf.first.target);
  }
}

namespace {
// A rerouting model for the planner tests: 64 samples per batch in micro-batches of 1, a 3-s
// process restart on top of the communicator rebuild.
parcae::perf::reroute_model test_rerouting() {
  parcae::perf::reroute_model m;
  m.global_batch = 64;
  m.micro_batch = 1;
  m.proc_ms = 3000.0;
  return m;
}

// 4 instances run (4,1) at 100 samples/s; (3,1) trains 60, far below 3/4 of it (as vgg19's
// (15,2) against (16,2)); every migration costs 20 s.
table_provider reroute_provider() {
  table_provider t;
  t.tput = {{{4, 1}, 100.0}, {{3, 1}, 60.0}, {{2, 1}, 50.0}, {{1, 1}, 25.0}};
  const std::vector<transition> to_smaller = {
      {{3, 1}, 1.0, 20.0}, {{2, 1}, 1.0, 20.0}, {{1, 1}, 1.0, 20.0}};
  t.add(4, {4, 1}, 0, 0,
        {{{4, 1}, 1.0, 0.0}, {{3, 1}, 1.0, 20.0}, {{2, 1}, 1.0, 20.0}, {{1, 1}, 1.0, 20.0}});
  // One lost: (4,1) no longer fits; the provider lists it anyway (a provider may list more
  // targets than fit), which the planner must not take at the provider's cost.
  auto lost = to_smaller;
  lost.push_back({{4, 1}, 1.0, 20.0});
  t.add(4, {4, 1}, 0, 1, lost);
  t.add(4, {3, 1}, 0, 0, {{{3, 1}, 1.0, 0.0}});
  t.add(4, {3, 1}, 0, 1, {{{3, 1}, 1.0, 0.0}});  // the spare went
  // 5 instances, (4,1) with a spare: two lost leave 3.
  t.add(5, {4, 1}, 0, 0, {{{4, 1}, 1.0, 0.0}, {{3, 1}, 1.0, 20.0}});
  t.add(5, {4, 1}, 0, 2, to_smaller);
  return t;
}
}  // namespace

TEST_CASE("dp: with rerouting, a forecast loss keeps the configuration rerouted") {
  const table_provider t = reroute_provider();
  planner_params params = small_params(1, 1);
  const std::vector<availability_step> steps = {{0, 0}, {0, 1}};
  // Without rerouting (the artifact's model): stay, then (3,1) for 20 s: 6000 + 60 * 40.
  const auto plain = parcae::plan::plan_dp(t, params, 4, plan_state{{4, 1}, 0.0}, steps);
  CHECK(plain.expected_samples == 8400.0);
  CHECK(plain.steps[1].config == parallel_config{3, 1});
  CHECK(plain.steps[1].empty_slots == 0);

  params.rerouting = test_rerouting();
  // (4,1) with one slot empty: stage replicas 3 of 4, m = 16 micro-batches, so the iteration
  // takes 16 * 4/3 slots instead of 16: scale 0.75, after the failover G(4,1,remove) + 3 s.
  const double scale = params.rerouting.scale({4, 1}, 3, 3);
  const double failover = params.rerouting.failover_s({4, 1});
  CHECK(scale == doctest::Approx(0.75).epsilon(1e-12));
  CHECK(failover > 3.0);
  CHECK(failover < 4.0);
  const auto r = parcae::plan::plan_dp(t, params, 4, plan_state{{4, 1}, 0.0}, steps);
  REQUIRE(r.steps.size() == 2);
  CHECK(r.first() == parallel_config{4, 1});
  CHECK(r.steps[1].config == parallel_config{4, 1});
  CHECK(r.steps[1].empty_slots == 1);
  CHECK(r.steps[1].cost_s == failover);
  CHECK(r.steps[1].samples == doctest::Approx(100.0 * scale * (60.0 - failover)).epsilon(1e-12));
  CHECK(r.expected_samples ==
        doctest::Approx(6000.0 + 100.0 * scale * (60.0 - failover)).epsilon(1e-12));
  const auto bf = parcae::plan::plan_brute_force(t, params, 4, plan_state{{4, 1}, 0.0}, steps);
  CHECK(bf.expected_samples == r.expected_samples);

  // The first step is the executor's (runtime::controller::reroute() decides it from the actual
  // survivors): the plan never starts rerouted.
  const auto now = parcae::plan::plan_dp(t, params, 4, plan_state{{4, 1}, 0.0}, {{0, 1}});
  CHECK(now.first() == parallel_config{3, 1});

  // With a spare, preemptions may take the spare or a slot: the count does not say how many
  // slots are empty, so the plan keeps the migrations only.
  const auto spare = parcae::plan::plan_dp(t, params, 5, plan_state{{4, 1}, 0.0}, {{0, 0}, {0, 2}});
  CHECK(spare.steps[1].config == parallel_config{3, 1});
  CHECK(spare.steps[1].empty_slots == 0);
}

TEST_CASE("dp: with rerouting it still equals brute force (random landscapes)") {
  std::uint64_t h = 23;
  int rerouted_steps = 0;
  for (int trial = 0; trial < 60; ++trial) {
    h = parcae_test::mix(h);
    random_provider prov;
    prov.seed = h;
    prov.cost_scale = trial % 2 ? 0.5 : 1.5;
    const bool multi_gpu = trial % 5 == 4;
    prov.g = multi_gpu ? 2 : 1;
    const int n_cap = multi_gpu ? 6 : 12;
    const int n0 = 2 + static_cast<int>(h % static_cast<std::uint64_t>(n_cap - 1));
    const int H = 2 + static_cast<int>((h >> 8) % 3);
    std::vector<availability_step> steps;
    int n = n0;
    for (int k = 0; k < H; ++k) {
      const std::uint64_t e = parcae_test::mix(h + static_cast<std::uint64_t>(k));
      // Mostly single losses, some quiet steps and joins: the pattern rerouting meets.
      const int out = (e % 3 == 0 || n == 0) ? 0 : 1 + static_cast<int>((e >> 4) % 2) * (n > 2);
      const int in = (e % 5 == 0) ? static_cast<int>((e >> 16) % 3) : 0;
      steps.push_back({std::min(in, n_cap - n + std::min(out, n)), std::min(out, n)});
      n += steps.back().n_in - steps.back().n_out;
    }
    planner_params params = small_params(1, 4);
    params.gpus_per_instance = prov.g;
    params.rerouting = test_rerouting();
    params.terminal_s = trial % 3 == 0 ? 0.0 : 45.0 * (trial % 4);
    params.concurrent = rule_of(trial);
    // Start from the configuration that fills every instance, so that losses hit it.
    plan_state init;
    const int gpus = n0 * prov.g;
    init.config = gpus % 2 == 0 ? parallel_config{gpus / 2, 2} : parallel_config{gpus, 1};
    if (trial % 4 == 1) init.remaining_s = 25.0;
    INFO("trial " << trial << " n0 " << n0 << " H " << H);
    const auto dp = dp_equal_to_brute_force(prov, params, n0, init, steps);
    double sum = 0.0;
    for (const auto& st : dp.steps) {
      sum += st.samples;
      CHECK(st.empty_slots == std::max(0, st.config.size() - st.n_after * prov.g));
      rerouted_steps += st.empty_slots > 0;
    }
    CHECK(dp.steps.front().empty_slots == 0);
    // The plan's steps add up to its value when nothing is valued after the horizon.
    if (params.terminal_s == 0.0) CHECK(sum == doctest::Approx(dp.expected_samples).epsilon(1e-12));
  }
  CHECK(rerouted_steps > 0);  // the landscapes exercise rerouted states
}

TEST_CASE("dp: steps with the same (N, n_in, n_out) ask the provider once per configuration") {
  counting_provider prov;
  prov.inner.seed = 11;
  prov.inner.cost_scale = 1.5;  // some migrations outlast the interval
  // A preemption from 6 instances at steps 1 and 5, quiet steps on 6 at steps 3 and 4: steps 1
  // and 5 share (6, 0, 1), steps 3 and 4 share (6, 0, 0). N: 6 -> 5 -> 6 -> 6 -> 6 -> 5.
  const std::vector<availability_step> steps = {{0, 1}, {1, 0}, {0, 0}, {0, 0}, {0, 1}};
  const planner_params params = small_params(1, 4);
  parcae::plan::dp_planner<counting_provider> dp(prov, params);
  const plan_state init{{2, 3}, 0.0};
  const auto r = dp.plan(6, init, steps);
  const auto bf = parcae::plan::plan_brute_force(prov.inner, params, 6, init, steps);
  CHECK(r.expected_samples == bf.expected_samples);
  CHECK(r.first() == bf.first.target);
  REQUIRE(!prov.calls.empty());
  bool shared_step = false;
  for (const auto& [key, n] : prov.calls) {
    CHECK(n == 1);
    shared_step = shared_step || (std::get<0>(key) == 6 && std::get<3>(key) == 0 &&
                                  std::get<4>(key) == 1 && std::get<2>(key) != 3);
  }
  CHECK(shared_step);  // step 5 reads (6, D, P, 0, 1) for states other than step 1's (2,3)
  // Planning again with the same planner: the same answer, each key asked once more.
  prov.calls.clear();
  const auto again = dp.plan(6, init, steps);
  CHECK(again.expected_samples == r.expected_samples);
  for (const auto& kv : prov.calls) CHECK(kv.second == 1);
}

namespace {
/// counting_provider with generation(): the planner may keep its resolved lists across plans.
struct versioned_provider : counting_provider {
  std::uint64_t version = 0;
  std::optional<std::uint64_t> generation() const { return version; }
};
}  // namespace

TEST_CASE("dp: a provider's generation() lets resolved transitions outlive a plan") {
  versioned_provider prov;
  prov.inner.seed = 5;
  prov.inner.cost_scale = 1.5;
  const std::vector<availability_step> steps = {{0, 1}, {1, 0}, {0, 0}, {0, 2}};
  const planner_params params = small_params(1, 4);
  parcae::plan::dp_planner<versioned_provider> dp(prov, params);
  const plan_state init{{2, 3}, 0.0};
  const auto r = dp.plan(6, init, steps);
  const auto bf = parcae::plan::plan_brute_force(prov.inner, params, 6, init, steps);
  CHECK(r.expected_samples == bf.expected_samples);
  REQUIRE(!prov.calls.empty());
  // The same generation: the same plan, and the provider is not asked again (the first step's
  // key is; it is the initial state's, also kept).
  prov.calls.clear();
  const auto again = dp.plan(6, init, steps);
  CHECK(again.expected_samples == r.expected_samples);
  CHECK(prov.calls.empty());
  // Another plan on the same planner that shares some steps asks only for the new ones, and
  // equals brute force.
  const std::vector<availability_step> other = {{0, 1}, {0, 0}, {2, 0}};
  const auto o = dp.plan(6, init, other);
  CHECK(o.expected_samples ==
        parcae::plan::plan_brute_force(prov.inner, params, 6, init, other).expected_samples);
  // A new generation (the landscape changed): the planner reads it again.
  prov.inner.seed = 6;
  ++prov.version;
  prov.calls.clear();
  const auto changed = dp.plan(6, init, steps);
  CHECK(!prov.calls.empty());
  CHECK(changed.expected_samples ==
        parcae::plan::plan_brute_force(prov.inner, params, 6, init, steps).expected_samples);
}

TEST_CASE("dp: respects capacity, pipeline bounds and excluded depths") {
  random_provider prov;
  planner_params params = small_params(2, 6);
  params.capacity = 8;
  params.excluded_p = {3, 5};
  params.excluded_d = {3};
  const auto r =
      parcae::plan::plan_dp(prov, params, 12, plan_state{{2, 2}, 0.0}, {{0, 0}, {0, 1}, {0, 0}});
  for (const auto& s : r.steps) {
    CHECK(s.config.size() <= 8);
    CHECK(params.allowed(s.config));
  }
}

TEST_CASE("stochastic: one path equals the point DP; identical paths too") {
  random_provider prov;
  prov.seed = 99;
  const std::vector<availability_step> path{{0, 1}, {1, 0}, {0, 2}};
  const plan_state init{{2, 3}, 0.0};
  const auto dp = parcae::plan::plan_dp(prov, small_params(), 10, init, path);
  const auto one = parcae::plan::plan_stochastic(prov, small_params(), 10, init, {path});
  CHECK(one.first.target == dp.first());
  CHECK(one.expected_samples == dp.expected_samples);
  const auto three =
      parcae::plan::plan_stochastic(prov, small_params(), 10, init, {path, path, path});
  CHECK(three.first.target == dp.first());
  CHECK(three.expected_samples == doctest::Approx(dp.expected_samples).epsilon(1e-12));
  CHECK(three.path_values.size() == 3);
}

namespace {
/// `count` random forecast paths of `steps` steps from n0 instances, drawn from h: each step
/// joins 0-2 and loses at most min(n, max_out).
std::vector<std::vector<availability_step>> random_paths(std::uint64_t h, int n0, int count,
                                                         int steps, int max_out) {
  std::vector<std::vector<availability_step>> paths;
  for (int j = 0; j < count; ++j) {
    std::vector<availability_step> path;
    int n = n0;
    for (int k = 0; k < steps; ++k) {
      const std::uint64_t e = parcae_test::mix(h ^ static_cast<std::uint64_t>(j * 31 + k));
      const int out = static_cast<int>(e % static_cast<std::uint64_t>(std::min(n, max_out) + 1));
      const int in = static_cast<int>((e >> 20) % 3);
      path.push_back({in, out});
      n += in - out;
    }
    paths.push_back(path);
  }
  return paths;
}
}  // namespace

TEST_CASE("stochastic: helper planners on other threads give the same bits") {
  std::uint64_t h = 4321;
  for (int trial = 0; trial < 8; ++trial) {
    h = parcae_test::mix(h);
    random_provider prov;
    prov.seed = h;
    const int n0 = 6 + static_cast<int>(h % 5);
    const auto paths = random_paths(h, n0, 5, 4, 3);
    planner_params params = small_params();
    params.terminal_s = 120.0;
    parcae::plan::dp_planner<random_provider> dp(prov, params);
    const plan_state init{{1, 3}, 0.0};
    const auto one = parcae::plan::plan_stochastic(dp, n0, init, paths);
    // 1, 2 and 6 helpers (more than the paths: the spare ones stay idle).
    for (int helpers : {1, 2, 6}) {
      CAPTURE(helpers);
      std::vector<std::unique_ptr<parcae::plan::dp_planner<random_provider>>> own;
      std::vector<parcae::plan::dp_planner<random_provider>*> ptrs;
      for (int i = 0; i < helpers; ++i) {
        own.push_back(std::make_unique<parcae::plan::dp_planner<random_provider>>(prov, params));
        ptrs.push_back(own.back().get());
      }
      const auto many = parcae::plan::plan_stochastic(dp, n0, init, paths, nullptr, ptrs);
      CHECK(many.first.target == one.first.target);
      CHECK(many.expected_samples == one.expected_samples);
      CHECK(many.path_values == one.path_values);
      REQUIRE(many.actions.size() == one.actions.size());
      for (std::size_t i = 0; i < one.actions.size(); ++i) {
        CHECK(many.actions[i].target == one.actions[i].target);
        CHECK(many.actions[i].value == one.actions[i].value);
      }
    }
  }
}

TEST_CASE("stochastic: bad helper planners") {
  random_provider prov;
  planner_params params = small_params();
  parcae::plan::dp_planner<random_provider> dp(prov, params), other(prov, params);
  const std::vector<std::vector<availability_step>> paths = {{{0, 1}}, {{1, 0}}};
  using helpers = std::vector<parcae::plan::dp_planner<random_provider>*>;
  CHECK_THROWS_WITH_AS(
      parcae::plan::plan_stochastic(dp, 8, plan_state{}, paths, nullptr, helpers{nullptr}),
      "parcae::plan::plan_stochastic: helpers[0] is null or dp itself, but must be another "
      "planner",
      parcae::invalid_argument);
  CHECK_THROWS_AS(
      parcae::plan::plan_stochastic(dp, 8, plan_state{}, paths, nullptr, helpers{&other, &dp}),
      parcae::invalid_argument);
  other.set_terminal_s(60.0);
  CHECK_THROWS_WITH_AS(
      parcae::plan::plan_stochastic(dp, 8, plan_state{}, paths, nullptr, helpers{&other}),
      doctest::Contains("helpers[0]->params().terminal_s is 60"), parcae::invalid_argument);
}

TEST_CASE("stochastic: chosen action maximises the mean of the per-path brute-force values") {
  std::uint64_t h = 1234;
  for (int trial = 0; trial < 12; ++trial) {
    h = parcae_test::mix(h);
    random_provider prov;
    prov.seed = h;
    const int n0 = 6 + static_cast<int>(h % 5);
    const auto paths = random_paths(h, n0, 4, 3, 4);
    const plan_state init{{1, 3}, 0.0};
    const auto st = parcae::plan::plan_stochastic(prov, small_params(), n0, init, paths);
    // The chosen action's per-path values are the exact optimum given that first action, and no
    // other first action has a larger mean.
    for (const auto& a : st.actions) CHECK(a.value <= st.expected_samples);
    double mean = 0.0;
    for (double v : st.path_values) mean += v / 4.0;
    CHECK(mean == doctest::Approx(st.expected_samples).epsilon(1e-12));
    // Against the point forecast (path 0 alone): its first action is never better on average.
    const auto point = parcae::plan::plan_dp(prov, small_params(), n0, init, paths[0]);
    for (const auto& a : st.actions) {
      if (a.target == point.first()) CHECK(a.value <= st.expected_samples);
    }
  }
}

TEST_CASE("stochastic: a first action that does not fit a path is scored as its shrunk form") {
  CHECK(parcae::plan::shrink_to_fit({4, 2}, 5) == parallel_config{2, 2});
  CHECK(parcae::plan::shrink_to_fit({4, 2}, 1).paused());
  CHECK(parcae::plan::shrink_to_fit({4, 2}, 9) == parallel_config{4, 2});
  random_provider prov;
  // Path A keeps 8 instances, path B loses 4 in step 1: (4,2) exists only on path A.
  const auto st = parcae::plan::plan_stochastic(prov, small_params(), 8, plan_state{{4, 2}, 0.0},
                                                {{{0, 0}, {0, 0}}, {{0, 4}, {0, 0}}});
  bool saw = false;
  for (const auto& a : st.actions) saw = saw || a.target == parallel_config{4, 2};
  CHECK(saw);
}

TEST_CASE("planner: bad input throws parcae::invalid_argument with the house message") {
  random_provider prov;
  const planner_params ok = small_params();
  using parcae::invalid_argument;
  CHECK_THROWS_WITH_AS(parcae::plan::plan_dp(prov, ok, -1, plan_state{}, {}),
                       "parcae::plan::dp_planner::plan: n0 is -1, but must be in [0, 16777216]",
                       invalid_argument);
  CHECK_THROWS_WITH_AS(parcae::plan::plan_dp(prov, ok, 4, plan_state{}, {{0, 5}}),
                       "parcae::plan::dp_planner::plan: steps[0].n_out is 5, but must be in [0, 4]",
                       invalid_argument);
  CHECK_THROWS_AS(parcae::plan::plan_dp(prov, ok, 4, plan_state{}, {{-1, 0}}), invalid_argument);
  CHECK_THROWS_WITH_AS(
      parcae::plan::plan_dp(prov, ok, 4, plan_state{{3, 2}, 0.0}, {{0, 0}}),
      "parcae::plan::dp_planner::plan: initial.config is \"(3,2)\", but must be at most n0 = 4 "
      "instances",
      invalid_argument);
  CHECK_THROWS_AS(parcae::plan::plan_dp(prov, ok, 4, plan_state{{0, 0}, 3.0}, {{0, 0}}),
                  invalid_argument);
  CHECK_THROWS_AS(parcae::plan::plan_dp(prov, ok, 4, plan_state{{1, 2}, -1.0}, {{0, 0}}),
                  invalid_argument);
  CHECK_THROWS_AS(parcae::plan::plan_dp(prov, ok, 4, plan_state{{1, 2}, NAN}, {{0, 0}}),
                  invalid_argument);
  planner_params bad = ok;
  bad.interval_s = 0.0;
  CHECK_THROWS_WITH_AS(
      parcae::plan::plan_dp(prov, bad, 4, plan_state{}, {}),
      "parcae::plan::dp_planner::dp_planner: params.interval_s is 0, but must be > 0",
      invalid_argument);
  bad = ok;
  bad.p_max = 0;
  CHECK_THROWS_AS(parcae::plan::plan_dp(prov, bad, 4, plan_state{}, {}), invalid_argument);
  bad = ok;
  bad.interval_s = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(bad.validate(), invalid_argument);
  // A rerouting model whose failover would be negative or NaN.
  bad = ok;
  bad.rerouting = test_rerouting();
  bad.rerouting.proc_ms = -1.0;
  CHECK_THROWS_WITH_AS(parcae::plan::plan_dp(prov, bad, 4, plan_state{}, {}),
                       "parcae::plan::dp_planner::dp_planner: params.rerouting.proc_ms is -1, but "
                       "must be in [0, 1000000000]",
                       invalid_argument);
  bad.rerouting = test_rerouting();
  bad.rerouting.comm.remove_ms_per_unit = NAN;
  CHECK_THROWS_AS(bad.validate(), invalid_argument);
  bad.rerouting = test_rerouting();
  bad.rerouting.micro_batch = -2;
  CHECK_THROWS_AS(bad.validate(), invalid_argument);
  // Initial configuration outside the bounds.
  CHECK_THROWS_AS(
      parcae::plan::plan_dp(prov, small_params(3, 4), 4, plan_state{{1, 2}, 0.0}, {{0, 0}}),
      invalid_argument);
  // A provider that returns garbage.
  table_provider t;
  t.tput = {{{1, 2}, 10.0}};
  t.add(4, {1, 2}, 0, 0, {{{1, 2}, 1.5, 0.0}});
  CHECK_THROWS_WITH_AS(parcae::plan::plan_dp(t, ok, 4, plan_state{{1, 2}, 0.0}, {{0, 0}}),
                       "parcae::plan::dp_planner::plan: provider transition (1,2).prob is 1.5, "
                       "but must be in [0, 1]",
                       invalid_argument);
  t.add(4, {1, 2}, 0, 0, {{{1, 2}, 1.0, NAN}});
  CHECK_THROWS_AS(parcae::plan::plan_dp(t, ok, 4, plan_state{{1, 2}, 0.0}, {{0, 0}}),
                  invalid_argument);
  t.add(4, {1, 2}, 0, 0, {{{1, 2}, 1.0, 1.0}});
  t.tput[{1, 2}] = -1.0;
  CHECK_THROWS_AS(parcae::plan::plan_dp(t, ok, 4, plan_state{{1, 2}, 0.0}, {{0, 0}}),
                  invalid_argument);
  // Stochastic planner.
  CHECK_THROWS_WITH_AS(
      parcae::plan::plan_stochastic(prov, ok, 4, plan_state{}, {}),
      "parcae::plan::plan_stochastic: paths is empty, but must hold at least 1 path",
      invalid_argument);
  CHECK_THROWS_AS(parcae::plan::plan_stochastic(prov, ok, 4, plan_state{}, {{{0, 0}}, {}}),
                  invalid_argument);
  CHECK_THROWS_AS(parcae::plan::plan_stochastic(prov, ok, 4, plan_state{}, {{{0, 9}}}),
                  invalid_argument);
  CHECK_THROWS_AS(parcae::plan::plan_brute_force(prov, ok, 4, plan_state{}, {{0, 9}}),
                  invalid_argument);
}

TEST_CASE("dp: a migrating state's remaining time matters (the artifact's single label fails)") {
  // (1,2) -> (2,2) costs 150 s. Path A moves at once: migrating 90 s, then 30 s left, then done
  // with 30 s of training: 50 * 30 = 1500. Path B stays one step (1 * 60 samples) and then moves:
  // after step 2 the SAME state ((2,2), migrating) carries (60 samples, 90 s left) against A's
  // (0 samples, 30 s left). The artifact keeps only the label with more samples (B's), whose
  // migration does not finish inside the horizon, and its best plan is then to stay:
  // 3 * 60 = 180 samples. The exact value is 1500.
  table_provider t;
  t.tput = {{{1, 2}, 1.0}, {{2, 2}, 50.0}};
  t.add(4, {1, 2}, 0, 0, {{{1, 2}, 1.0, 0.0}, {{2, 2}, 1.0, 150.0}});
  t.add(4, {2, 2}, 0, 0, {{{2, 2}, 1.0, 0.0}});
  const std::vector<availability_step> steps{{0, 0}, {0, 0}, {0, 0}};
  const auto r = parcae::plan::plan_dp(t, small_params(), 4, plan_state{{1, 2}, 0.0}, steps);
  CHECK(r.first() == parallel_config{2, 2});
  CHECK(r.expected_samples == 1500.0);
  CHECK(r.steps[1].remaining_s == 30.0);
  CHECK(parcae::plan::plan_brute_force(t, small_params(), 4, plan_state{{1, 2}, 0.0}, steps)
            .expected_samples == 1500.0);
}
