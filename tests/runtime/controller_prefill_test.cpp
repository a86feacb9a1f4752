// The controller's bulk prefill of the liveput table (issue 7, decision latency): the keys every
// decision reads are estimated in one batch before the DP runs. Checked against a controller
// whose provider has no prefill (the DP then estimates each key lazily from inside its passes):
// same decisions to the last bit, same keys in the table, and the prefill reports what it filled.
// Both cost step 1 from the actual survivors (observed_transitions), which is checked too.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "parcae/liveput/cpu_backend.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/liveput/table.hpp"
#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/rerouting.hpp"
#include "parcae/perf/throughput.hpp"
#include "parcae/plan/liveput_provider.hpp"
#include "parcae/runtime/controller.hpp"
#include "plan/observed_mean.hpp"

namespace lp = parcae::liveput;
namespace rt = parcae::runtime;
using parcae::plan::availability_step;

namespace {

struct job {
  parcae::perf::model_profile profile = parcae::perf::builtin::gpt_1_5b();
  parcae::perf::throughput_model model{profile};
  std::vector<lp::target_info> targets = lp::candidate_targets(model, 16);

  std::shared_ptr<lp::table> make_table(int threads) const {
    lp::cpu_params cp;
    cp.kind = lp::estimator_kind::exact;
    cp.threads = threads;
    return std::make_shared<lp::table>(
        lp::make_cpu_backend(lp::uniform_model{}, lp::perf_cost_model(profile), targets, 1, cp));
  }
  rt::controller_params params(rt::planner_kind kind, bool reroute = false) const {
    rt::controller_params p;
    // With rerouting the plans may keep a configuration rerouted through a forecast loss, and
    // read the keys of those states too (plan::liveput_provider::add_rerouted_keys).
    if (reroute) p.rerouting = parcae::perf::reroute_model::of(profile);
    p.planner.p_min = 6;  // artifact §1.3 bounds for gpt-1.5b
    p.planner.p_max = 32;
    p.planner.capacity = 16;
    p.horizon = 4;
    p.kind = kind;
    p.sample_paths = 3;
    p.n_layers = profile.n_layers();
    return p;
  }
};

// A forecaster with preemptions and returns in every path (so keys with n_out > 0 are read).
rt::availability_forecast forecast(const std::vector<rt::interval_record>&, int h, int k) {
  rt::availability_forecast f;
  const std::vector<std::vector<availability_step>> shapes = {
      {{0, 1}, {0, 0}, {1, 0}}, {{0, 2}, {1, 0}, {0, 0}}, {{0, 0}, {0, 1}, {2, 0}}};
  f.point = shapes[0];
  f.point.resize(static_cast<std::size_t>(h));
  for (int i = 0; i < k; ++i) {
    f.paths.push_back(shapes[static_cast<std::size_t>(i) % shapes.size()]);
    f.paths.back().resize(static_cast<std::size_t>(h));
  }
  return f;
}

std::vector<rt::instance_id> ids(int first, int last) {
  std::vector<rt::instance_id> out;
  for (int i = first; i < last; ++i) out.push_back(static_cast<rt::instance_id>(i));
  return out;
}

/// The ids of a that are not in b (the joined ones: minus(now, before); the lost: the reverse).
std::vector<rt::instance_id> minus(const std::vector<rt::instance_id>& a,
                                   const std::vector<rt::instance_id>& b) {
  std::vector<rt::instance_id> out;
  for (auto id : a) {
    if (std::find(b.begin(), b.end(), id) == b.end()) out.push_back(id);
  }
  return out;
}

/// The placement's one-loss transitions: for each instance of `alive` lost (each equally
/// likely), what its survivors allow, summed per target as {losses, summed cost} (the form
/// parcae_test::check_entry_is_observed_mean reads).
std::map<parcae::parallel_config, std::pair<double, double>> one_loss_sums(
    const parcae::plan::liveput_provider& provider, const std::vector<rt::placement>& placed,
    parcae::parallel_config c, const std::vector<rt::instance_id>& alive, int g) {
  const int n = static_cast<int>(alive.size());
  std::map<parcae::parallel_config, std::pair<double, double>> sum;
  for (const rt::instance_id lost : alive) {
    std::vector<int> replicas(static_cast<std::size_t>(c.p), 0);
    int in_job = 0;
    for (const rt::placement& pl : placed) {
      if (pl.spare() || pl.instance == lost) continue;
      ++replicas[static_cast<std::size_t>(pl.stage)];
      ++in_job;
    }
    std::vector<parcae::plan::transition> tr;
    provider.observed_transitions(c, replicas, (n - 1) * g - in_job, 0, tr);
    for (const auto& t : tr) {
      sum[t.target].first += 1.0;
      sum[t.target].second += t.cost_s;
    }
  }
  return sum;
}

}  // namespace

TEST_CASE("controller: the bulk prefill changes no decision and reads exactly the DP's keys") {
  const job j;
  for (const auto& variant :
       {std::pair{rt::planner_kind::dp, false}, std::pair{rt::planner_kind::stochastic, false},
        std::pair{rt::planner_kind::dp, true}, std::pair{rt::planner_kind::stochastic, true}}) {
    const rt::planner_kind kind = variant.first;
    const bool reroute = variant.second;
    CAPTURE(static_cast<int>(kind));
    CAPTURE(reroute);
    auto bulk_table = j.make_table(2);
    auto lazy_table = j.make_table(1);
    const auto bulk = parcae::plan::any_transition_provider::wrap(
        parcae::plan::liveput_provider(bulk_table, j.targets, j.profile));
    REQUIRE(bulk.has_prefill());
    auto inner = std::make_shared<parcae::plan::liveput_provider>(lazy_table, j.targets, j.profile);
    const parcae::plan::any_transition_provider lazy(  // no prefill: keys estimated one by one
        [inner](int n, parcae::parallel_config c, int in, int out,
                std::vector<parcae::plan::transition>& v) { inner->transitions(n, c, in, out, v); },
        [inner](parcae::parallel_config c) { return inner->throughput(c); },
        [inner](parcae::parallel_config c) { return inner->concurrent_restart_s(c); }, nullptr,
        [inner](parcae::parallel_config c, const std::vector<int>& r, int free, int joined,
                std::vector<parcae::plan::transition>& v) {
          inner->observed_transitions(c, r, free, joined, v);
        });
    REQUIRE(!lazy.has_prefill());
    REQUIRE(bulk.has_observed());
    REQUIRE(lazy.has_observed());
    rt::hooks h;
    h.reconfigure = [](const rt::decision&) {};
    rt::controller a(j.params(kind, reroute), bulk, forecast, h);
    rt::controller b(j.params(kind, reroute), lazy, forecast, h);

    // 14 instances start, 2 are lost, 3 join, 5 are lost, nothing happens twice.
    const std::vector<std::vector<rt::instance_id>> alive = {ids(0, 14), ids(2, 14), ids(2, 17),
                                                             ids(7, 17), ids(7, 17), ids(7, 17)};
    std::vector<rt::instance_id> prev;
    std::size_t filled = 0;
    for (std::size_t t = 0; t < alive.size(); ++t) {
      CAPTURE(t);
      const std::vector<rt::instance_id> in = minus(alive[t], prev), out = minus(prev, alive[t]);
      // Step 1 is costed from the actual survivors of the running configuration.
      const parcae::parallel_config running = a.current_config();
      const double remaining = t == 0 ? 0.0 : a.last_decision().expected_remaining_s;
      std::vector<parcae::plan::transition> observed;
      if (!running.paused()) {
        std::vector<int> replicas(static_cast<std::size_t>(running.p), 0);
        int in_job = 0;
        for (const rt::placement& pl : a.placements()) {
          if (pl.spare() ||
              std::find(alive[t].begin(), alive[t].end(), pl.instance) == alive[t].end()) {
            continue;
          }
          ++replicas[static_cast<std::size_t>(pl.stage)];
          ++in_job;
        }
        const int kept = static_cast<int>(prev.size() - out.size());
        bulk.observed_transitions(running, replicas, kept - in_job, static_cast<int>(in.size()),
                                  observed);
      }
      a.on_interval(alive[t], in, out);
      b.on_interval(alive[t], in, out);
      prev = alive[t];
      const rt::decision da = a.last_decision(), db = b.last_decision();
      if (!running.paused() && remaining == 0.0 && !da.target.paused()) {
        const auto it = std::find_if(observed.begin(), observed.end(),
                                     [&](const auto& tr) { return tr.target == da.target; });
        REQUIRE(it != observed.end());
        // (the stochastic planner reports the mean over its paths: equal up to rounding)
        CHECK(da.plan[0].cost_s == doctest::Approx(it->cost_s).epsilon(1e-12));
        CHECK(da.plan[0].prob == doctest::Approx(1.0).epsilon(1e-12));
      }
      CHECK(da.target == db.target);
      CHECK(da.kind == db.kind);
      CHECK(da.expected_samples == db.expected_samples);  // bit for bit
      REQUIRE(da.plan.size() == db.plan.size());
      for (std::size_t k = 0; k < da.plan.size(); ++k) {
        CHECK(da.plan[k].config == db.plan[k].config);
        CHECK(da.plan[k].samples == db.plan[k].samples);
      }
      CHECK(db.keys_filled == 0);
      if (t == 0) CHECK(da.keys_filled > 0);
      filled += da.keys_filled;
      // The prefill estimated what the lazy DP read: no more, no fewer keys.
      CHECK(bulk_table->size() == filled);
      CHECK(bulk_table->size() == lazy_table->size());
    }
    for (const auto& [key, e] : lazy_table->entries()) CHECK(bulk_table->contains(key));
    // The last two intervals repeat the state: every key is already there.
    CHECK(a.last_decision().keys_filled == 0);
  }
}

TEST_CASE("liveput_provider: prefill_paths fills the union of each path's horizon keys") {
  const job j;
  auto table = j.make_table(1);
  const parcae::plan::liveput_provider prov(table, j.targets, j.profile);
  const auto params = j.params(rt::planner_kind::dp).planner;
  const std::vector<std::vector<availability_step>> paths = {{{0, 1}, {0, 0}, {1, 0}},
                                                             {{0, 1}, {0, 2}, {0, 0}}};
  std::vector<lp::key> want = prov.horizon_keys(12, {2, 6}, paths[0], params);
  const auto second = prov.horizon_keys(12, {2, 6}, paths[1], params);
  want.insert(want.end(), second.begin(), second.end());
  std::sort(want.begin(), want.end());
  want.erase(std::unique(want.begin(), want.end()), want.end());
  CHECK(prov.prefill_paths(12, {2, 6}, paths, params) == want.size());
  CHECK(table->size() == want.size());
  for (const auto& k : want) CHECK(table->contains(k));
  CHECK(prov.prefill_paths(12, {2, 6}, paths, params) == 0);
  // Step 1 reads only the initial configuration's key; later steps every fitting candidate.
  CHECK(std::count_if(want.begin(), want.end(), [](const lp::key& k) { return k.n == 12; }) == 1);
  CHECK(prov.prefill_paths(12, {2, 6}, {}, params) == 0);
  CHECK_THROWS_AS(prov.prefill_paths(4, {1, 6}, {{{0, 1}}, {{0, 5}}}, params),
                  parcae::invalid_argument);
  CHECK_THROWS_AS(prov.horizon_keys(-1, {1, 6}, {}, params), parcae::invalid_argument);
}

// controller_options::planner_threads: the stochastic planner's K path DPs on several threads
// (plan::plan_stochastic's helpers), reading one liveput table at once. Run under ThreadSanitizer
// too (tests/CMakeLists.txt: "*several threads*"). The decisions must be the same bits as on one
// thread, whatever the path-to-thread split (2 threads: paths {0,2},{1,3}; 3: {0,3},{1},{2};
// 5 > K: one path each).
TEST_CASE("controller: the stochastic planner's paths on several threads decide as on one") {
  const job j;
  for (const bool reroute : {false, true}) {
    CAPTURE(reroute);
    rt::hooks h;
    h.reconfigure = [](const rt::decision&) {};
    std::vector<std::unique_ptr<rt::controller>> ctl;
    std::vector<std::shared_ptr<lp::table>> tables;
    for (int threads : {1, 2, 3, 5}) {
      rt::controller_params p = j.params(rt::planner_kind::stochastic, reroute);
      p.sample_paths = 4;
      p.horizon = 6;
      p.planner_threads = threads;
      // A table per controller: each decision's prefill fills it, then the path DPs read it
      // from their threads at once.
      tables.push_back(j.make_table(1));
      ctl.push_back(std::make_unique<rt::controller>(
          p,
          parcae::plan::any_transition_provider::wrap(
              parcae::plan::liveput_provider(tables.back(), j.targets, j.profile)),
          forecast, h));
    }
    const std::vector<std::vector<rt::instance_id>> alive = {
        ids(0, 14), ids(2, 14), ids(2, 17), ids(7, 17), ids(7, 16), ids(5, 16), ids(5, 16)};
    std::vector<rt::instance_id> prev;
    for (std::size_t t = 0; t < alive.size(); ++t) {
      CAPTURE(t);
      const std::vector<rt::instance_id> in = minus(alive[t], prev), out = minus(prev, alive[t]);
      for (auto& c : ctl) c->on_interval(alive[t], in, out);
      prev = alive[t];
      const rt::decision& one = ctl[0]->last_decision();
      for (std::size_t i = 1; i < ctl.size(); ++i) {
        const rt::decision& d = ctl[i]->last_decision();
        CHECK(d.target == one.target);
        CHECK(d.kind == one.kind);
        CHECK(d.expected_samples == one.expected_samples);  // bit for bit
        CHECK(d.empty_slots == one.empty_slots);
      }
    }
    for (std::size_t i = 1; i < tables.size(); ++i) CHECK(tables[i]->size() == tables[0]->size());
  }
}

TEST_CASE("controller: planner_threads is validated") {
  const job j;
  rt::hooks h;
  h.reconfigure = [](const rt::decision&) {};
  for (int bad : {0, -1, 257}) {
    rt::controller_params p = j.params(rt::planner_kind::stochastic);
    p.planner_threads = bad;
    CHECK_THROWS_WITH_AS(
        rt::controller(p,
                       parcae::plan::any_transition_provider::wrap(
                           parcae::plan::liveput_provider(j.make_table(1), j.targets, j.profile)),
                       forecast, h),
        doctest::Contains(("parcae::runtime::controller::controller: params.planner_threads is " +
                           std::to_string(bad))
                              .c_str()),
        parcae::invalid_argument);
  }
}

// The liveput table prices a preemption with the artifact's layout (liveput/survivors.hpp: slot j
// holds stage j mod p on instance j / g), and the controller prices the step it observes from
// its own placement. On instances of several GPUs the two agree only when runtime::assign lays a
// configuration out that way; stage by stage, an instance held every replica of its stages and
// the planner's expectations were not the simulator's draws.
TEST_CASE("assign: from nothing, each instance's loss costs what the liveput table expects") {
  const job j;
  for (const int g : {4, 8, 16}) {
    lp::cpu_params cp;
    cp.kind = lp::estimator_kind::exact;
    const auto targets = lp::candidate_targets(j.model, 8 * g);
    const auto table = std::make_shared<lp::table>(
        lp::make_cpu_backend(lp::uniform_model{}, lp::perf_cost_model(j.profile), targets, g, cp));
    const parcae::plan::liveput_provider provider(table, targets, j.profile);
    for (const parcae::parallel_config c :
         {parcae::parallel_config{2, 6}, {3, 7}, {2, 12}, {1, 16}}) {
      const int n = (c.size() + g - 1) / g + 1;  // the fewest instances, and a spare
      CAPTURE(g);
      CAPTURE(parcae::to_string(c));
      const auto placed = rt::assign({}, {}, ids(0, n), g, c, j.profile.n_layers()).placements;
      const auto sum = one_loss_sums(provider, placed, c, ids(0, n), g);  // n_out = 1
      parcae_test::check_entry_is_observed_mean(table->get(lp::key{n, c.d, c.p, 0, 1}), sum, n);
    }
  }
}

// After migrations (survivors keep their slots, joins fill the gaps, a repartition regroups by
// layer overlap) the placement must still be the layout the table prices: over a long random
// churn on 4-GPU instances, every decision's placement loses, on average over which instance
// goes, exactly what the table's one-loss entry expects.
TEST_CASE("controller: after every migration, each instance's loss costs what the table expects") {
  const job j;
  const int g = 4, capacity = 8;
  lp::cpu_params cp;
  cp.kind = lp::estimator_kind::exact;
  const auto targets = lp::candidate_targets(j.model, capacity * g);
  const auto table = std::make_shared<lp::table>(
      lp::make_cpu_backend(lp::uniform_model{}, lp::perf_cost_model(j.profile), targets, g, cp));
  const parcae::plan::liveput_provider provider(table, targets, j.profile);
  rt::controller_params params = j.params(rt::planner_kind::dp);
  params.planner.gpus_per_instance = g;
  params.planner.capacity = capacity;
  rt::hooks h;
  h.reconfigure = [](const rt::decision&) {};
  rt::controller ctl(params, parcae::plan::any_transition_provider::wrap(provider), forecast, h);

  std::mt19937 gen(11);
  std::bernoulli_distribution leaves(0.12), joins(0.25);
  std::vector<rt::instance_id> alive = ids(0, capacity), prev;
  rt::instance_id next_id = capacity;
  int checked = 0;
  std::set<parcae::parallel_config> configs;
  for (int t = 0; t < 160; ++t) {
    CAPTURE(t);
    if (t > 0) {
      std::vector<rt::instance_id> now;
      for (auto id : alive) {
        if (!leaves(gen)) now.push_back(id);
      }
      for (int k = 0; k < 2 && static_cast<int>(now.size()) < capacity; ++k) {
        if (joins(gen)) now.push_back(next_id++);
      }
      alive = now;
    }
    ctl.on_interval(alive, minus(alive, prev), minus(prev, alive));
    prev = alive;
    const parcae::parallel_config c = ctl.current_config();
    if (c.paused() || ctl.empty_slots() > 0) continue;
    const int n = static_cast<int>(alive.size());
    const auto sum = one_loss_sums(provider, ctl.placements(), c, alive, g);
    CAPTURE(parcae::to_string(c));
    CAPTURE(n);
    parcae_test::check_entry_is_observed_mean(table->get(lp::key{n, c.d, c.p, 0, 1}), sum, n);
    ++checked;
    configs.insert(c);
  }
  CHECK(checked > 100);       // most intervals run a whole configuration
  CHECK(configs.size() > 3);  // through several migrations
}
