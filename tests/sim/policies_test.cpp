// Tests of the simulator's policies beyond the accounting: the parcae policies are the runtime
// controller (the same decisions as a controller driven by hand with the trace's events), the
// two live baselines (reactive-live, recycle) with hand-checked cases and their invariants, and
// traces whose instances join and leave within one interval.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/plan/brute_force.hpp"
#include "parcae/sim/harness.hpp"
#include "parcae/trace/read.hpp"

using namespace parcae;

namespace {

std::string repo(const std::string& path) { return std::string(PARCAE_SOURCE_DIR) + "/" + path; }

plan::job_params cluster(int capacity, double interval_s = 60.0) {
  plan::job_params jp;
  jp.capacity = capacity;
  jp.interval_s = interval_s;
  return jp;
}

/// A named trace: each event is (minute, names joining) or (minute, names leaving, as "-name").
trace::availability_trace named_trace(
    const std::vector<std::pair<int, std::vector<std::string>>>& events, int last_minute) {
  trace::availability_trace t;
  t.named = true;
  for (const auto& [minute, names] : events) {
    trace::change c;
    c.time_ms = static_cast<std::int64_t>(minute) * 60000;
    c.kind = names.front()[0] == '-' ? trace::change_kind::remove : trace::change_kind::add;
    for (const auto& n : names) c.nodes.push_back(n[0] == '-' ? n.substr(1) : n);
    c.count = static_cast<int>(c.nodes.size());
    t.changes.push_back(c);
  }
  t.end_ms = static_cast<std::int64_t>(last_minute) * 60000;
  return t;
}

std::vector<std::string> names(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back("n" + std::to_string(i));
  return out;
}

const sim::event_trace& p3() {
  static const sim::event_trace t = sim::make_event_trace(
      trace::read_trace(std::filesystem::path(repo("bench/traces/parcae/p3trace.csv"))));
  return t;
}

}  // namespace

TEST_CASE("sim: parcae-truth makes exactly the decisions of a controller driven by hand") {
  // The first two hours of p3: the simulator's policy must be nothing but the controller.
  sim::event_trace t = p3();
  t.intervals.resize(120);
  const sim::job j(perf::builtin::gpt_1_5b(), cluster(t.capacity()));
  sim::parcae_params pp;
  pp.horizon = 6;
  sim::controller_policy pol(pp);
  sim::sim_params sp;
  const sim::policy_result r = sim::simulate(t, pol, j, sp);

  // By hand: the launcher's loop of docs/embedding.md, with a forecaster that reads the trace.
  const sim::job fresh(perf::builtin::gpt_1_5b(), cluster(t.capacity()));
  std::size_t k = 0;
  // It knows every event, and the quiet after the horizon: the intervals to the next one with a
  // preemption, or to the trace's end.
  auto net = [&](std::size_t i) {
    int both = 0;
    for (int id : t[i].added_ids) {
      both += std::count(t[i].removed_ids.begin(), t[i].removed_ids.end(), id) > 0;
    }
    return plan::availability_step{t[i].added - both, t[i].removed - both};
  };
  runtime::forecaster_fn truth = [&](const std::vector<runtime::interval_record>&, int h, int) {
    runtime::availability_forecast f;
    f.lists_every_event = true;
    std::size_t i = k + 1;
    for (; i < t.size() && f.point.size() < std::size_t(h); ++i) f.point.push_back(net(i));
    std::size_t end = i;
    while (end < t.size() && net(end).n_out == 0) ++end;
    f.quiet_after_intervals = static_cast<double>(end - i);
    return f;
  };
  runtime::controller_options o;
  o.horizon = 6;
  o.guard = false;  // truth hedges nothing (sim::parcae_params::guard)
  runtime::hooks h;
  h.reconfigure = [](const runtime::decision&) {};
  runtime::controller ctl(fresh, o, truth, h);
  std::set<runtime::instance_id> alive;
  for (k = 0; k < t.size(); ++k) {
    std::vector<runtime::instance_id> joined, preempted;
    for (int id : t[k].removed_ids) {
      if (alive.erase(static_cast<runtime::instance_id>(id))) preempted.push_back(id);
    }
    for (int id : t[k].added_ids) {
      if (std::count(t[k].removed_ids.begin(), t[k].removed_ids.end(), id) == 0) {
        alive.insert(static_cast<runtime::instance_id>(id));
        joined.push_back(static_cast<runtime::instance_id>(id));
      }
    }
    ctl.on_interval({alive.begin(), alive.end()}, joined, preempted);
    CAPTURE(k);
    CHECK(ctl.current_config() == r.timeline[k].config);
  }
  REQUIRE(pol.controller() != nullptr);
  CHECK(pol.controller()->decisions() == ctl.decisions());
}

TEST_CASE("sim: parcae-truth's forecast knows the quiet after its horizon") {
  // Ten intervals: a preemption in interval 4 and one that joins and leaves in interval 7
  // (no preemption of the cluster), a preemption in interval 8.
  sim::event_trace t;
  t.intervals.resize(10);
  for (auto& ev : t.intervals) ev.alive = 4;
  t.intervals[4].removed = 1;
  t.intervals[4].removed_ids = {3};
  t.intervals[7].added = t.intervals[7].removed = 1;
  t.intervals[7].added_ids = t.intervals[7].removed_ids = {9};
  t.intervals[8].removed = 1;
  t.intervals[8].removed_ids = {2};
  std::size_t next = 1;
  const runtime::forecaster_fn f = sim::detail::truth_forecaster(&t, &next);
  const auto at = [&](std::size_t from, int h) {
    next = from;
    return f({}, h, 0);
  };
  CHECK(at(1, 2).quiet_after_intervals == 1.0);  // intervals 1-2 planned, 3 quiet, 4 preempts
  CHECK(at(1, 3).quiet_after_intervals == 0.0);
  CHECK(at(1, 5).quiet_after_intervals == 2.0);  // 6 and 7 quiet (7's instance came and went)
  CHECK(at(9, 3).quiet_after_intervals == 0.0);  // the trace ends within the horizon
  CHECK(at(5, 3).point.size() == 3);
  CHECK(at(5, 3).point[2].n_out == 0);
  CHECK(at(5, 3).lists_every_event);
}

TEST_CASE("sim: instances that join and leave within one interval abort no policy") {
  // p3 binned into hours: many instances join and leave within an hour, so some intervals lose
  // more instances than were alive at their start (issue: prefill's n_out out of range).
  trace::binning_params bp;
  bp.interval_seconds = 3600;
  const sim::event_trace t = sim::make_event_trace(
      trace::read_trace(std::filesystem::path(repo("bench/traces/parcae/p3trace.csv"))), bp);
  bool excess = false;
  for (std::size_t k = 0; k < t.size(); ++k) excess |= t[k].removed > t[k].alive;
  REQUIRE(excess);
  const sim::job j(perf::builtin::gpt_1_5b(), cluster(t.capacity(), 3600));
  sim::harness_params hp;
  hp.parcae.horizon = 4;
  hp.parcae.window = 4;
  const sim::harness_result h = sim::run_harness(t, j, {"all"}, hp);
  REQUIRE(h.policies.size() == sim::policy_names().size());
  sim::ideal_policy rerouting(true);
  const double bound = sim::simulate(t, rerouting, j).samples;
  for (const auto& e : h.policies) {
    CAPTURE(e.result.name);
    CHECK(e.result.samples >= 0.0);
    if (!e.result.on_demand) CHECK(e.result.samples <= bound * (1 + 1e-12));
  }
}

TEST_CASE("sim: the planner reads a step that loses instances which joined within it") {
  // A step (n_in = 10, n_out = 6) from 4 instances: two instances joined and left, so the
  // planner sees (8, 4); the plan is the same as for that step, and it trains.
  const plan::job j(perf::builtin::gpt_1_5b(), cluster(16));
  plan::dp_planner<plan::liveput_provider> dp(j.provider(), j.planner());
  const std::vector<plan::availability_step> raw{{10, 6}, {0, 0}}, clean{{8, 4}, {0, 0}};
  j.provider().prefill(4, {}, raw, j.planner());
  const auto a = dp.plan(4, {}, raw);
  const auto b = dp.plan(4, {}, clean);
  CHECK(a.expected_samples > 0.0);
  CHECK(a.expected_samples == b.expected_samples);
  CHECK(a.steps.front().events.n_in == 8);
  CHECK(a.steps.front().events.n_out == 4);
  CHECK(a.steps.front().n_after == 8);
  // More left than were ever there is still an error, naming the step.
  CHECK_THROWS_WITH_AS(dp.plan(4, {}, {{1, 6}}),
                       "parcae::plan::dp_planner::plan: steps[0].n_out is 6, but must be in [0, 5]",
                       parcae::invalid_argument);
}

TEST_CASE("sim: reactive-live moves live where reactive restarts") {
  const sim::job j(perf::builtin::gpt_1_5b(), cluster(32));
  sim::reactive_policy reactive;
  sim::reactive_live_policy live;
  // A preemption of one instance of (4,8): reactive restarts, reactive-live refills the slot
  // from the spare (an inter-stage copy) at the cost the cost model gives.
  const auto t = sim::make_event_trace(named_trace({{0, names(0, 33)}, {3, {"-n0"}}}, 6));
  const auto rr = sim::simulate(t, reactive, j);
  const auto lr = sim::simulate(t, live, j);
  REQUIRE(rr.timeline[3].config == lr.timeline[3].config);
  CHECK(std::string(rr.timeline[3].kind) == "restart");
  CHECK(std::string(lr.timeline[3].kind) != "restart");
  CHECK(lr.timeline[3].cost_s < rr.timeline[3].cost_s);
  CHECK(lr.timeline[3].cost_s > 0.0);
  CHECK(lr.samples > rr.samples);
  // On the whole p3 trace, and with a restart that always costs more than the live migration.
  const sim::job pj(perf::builtin::gpt_1_5b(), cluster(p3().capacity()));
  CHECK(sim::simulate(p3(), live, pj).samples > sim::simulate(p3(), reactive, pj).samples);
}

TEST_CASE("sim: recycle reroutes a lost replica and restarts when a stage has no peer left") {
  const sim::job j(perf::builtin::gpt_1_5b(), cluster(16));
  const parallel_config c = j.best(16);
  REQUIRE(c.d >= 2);
  // Slot numbering: instance i holds pipeline i / p, stage i % p. n0 holds stage 0 of pipeline
  // 0; n<p> holds stage 0 of pipeline 1.
  const std::string peer = "-n" + std::to_string(c.p);
  std::vector<std::pair<int, std::vector<std::string>>> ev{{0, names(0, 16)}, {2, {"-n0"}}};
  if (c.d == 2) ev.push_back({4, {peer}});
  const auto t = sim::make_event_trace(named_trace(ev, 7));
  sim::recycle_policy recycle;
  const auto r = sim::simulate(t, recycle, j);
  // Minute 2: rerouted, same configuration, one slot empty, degraded throughput.
  CHECK(std::string(r.timeline[2].kind) == "reroute");
  CHECK(r.timeline[2].config == c);
  CHECK(r.timeline[2].empty_slots == 1);
  CHECK(r.timeline[2].cost_s == doctest::Approx(j.regroup_s(c)));
  const double scale = j.reroute().scale(c, c.d - 1, c.size() - 1);
  CHECK(scale < 1.0);
  CHECK(r.timeline[3].samples == doctest::Approx(j.throughput(c) * scale * 60.0));
  // Hand-checked scale: m = 128 / (1 * d) micro-batches, p - 1 bubbles.
  const double m = 128.0 / c.d;
  CHECK(scale ==
        doctest::Approx(std::min((m + c.p - 1) / std::max(m + c.p - 1, m * c.d / (c.d - 1)),
                                 double(c.size() - 1) / c.size())));
  if (c.d == 2) {
    // Minute 4: stage 0 lost its last replica: a checkpoint restart on the 14 left.
    CHECK(std::string(r.timeline[4].kind) == "restart");
    CHECK(r.timeline[4].config == j.best(14));
    CHECK(r.timeline[4].empty_slots == 0);
  }
  sim::ideal_policy bound(true);
  CHECK(r.samples <= sim::simulate(t, bound, j).samples);
}

TEST_CASE("perf: reroute_model rejects what it cannot scale") {
  const sim::job j(perf::builtin::gpt_1_5b(), cluster(16));
  const perf::reroute_model m = j.reroute();
  const parallel_config c{2, 8};
  CHECK(m.scale(c, 2, 16) == 1.0);
  CHECK(m.scale(c, 0, 8) == 0.0);  // a stage with no replica: nothing to reroute to
  CHECK_THROWS_WITH_AS(m.scale(c, 3, 15), doctest::Contains("r_min is 3"),
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(m.scale(c, 1, 17), doctest::Contains("surviving_slots is 17"),
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(perf::reroute_model{}.scale(c, 1, 15),
                       doctest::Contains("parcae::perf::reroute_model::scale"),
                       parcae::invalid_argument);
}

TEST_CASE("sim: recycle reintegrates joins when the full configuration trains more") {
  const sim::job j(perf::builtin::gpt_1_5b(), cluster(17));
  const auto t =
      sim::make_event_trace(named_trace({{0, names(0, 16)}, {2, {"-n0"}}, {4, {"n16", "n17"}}}, 7));
  sim::recycle_policy recycle;
  const auto r = sim::simulate(t, recycle, j);
  CHECK(std::string(r.timeline[2].kind) == "reroute");
  CHECK(r.timeline[4].config == j.best(17));
  CHECK(r.timeline[4].empty_slots == 0);
  CHECK(std::string(r.timeline[4].kind) != "reroute");
  CHECK(r.timeline[4].cost_s > 0.0);
}

TEST_CASE("sim: recycle's bad parameters are rejected") {
  sim::recycle_params rp;
  rp.failover_s = NAN;
  CHECK_THROWS_WITH_AS(sim::recycle_policy{rp},
                       doctest::Contains("parcae::sim::recycle_params::validate: failover_s"),
                       parcae::invalid_argument);
}

TEST_CASE("sim: a controller policy on a job built for another interval is refused") {
  const sim::job j(perf::builtin::gpt_1_5b(), cluster(8, 120));
  const auto t = sim::make_event_trace(named_trace({{0, names(0, 8)}}, 3));
  sim::controller_policy pol;
  CHECK_THROWS_WITH_AS(
      sim::simulate(t, pol, j),
      doctest::Contains("parcae::sim::controller_policy::reset: job.interval_s() is 120"),
      parcae::invalid_argument);
}

TEST_CASE("plan: the value after the horizon breaks the horizon's lock-in") {
  // 16 quiet instances running a slower configuration than the best: within a 2-interval
  // horizon the migration does not pay back; valued for a day after it, it does.
  const plan::job j(perf::builtin::gpt_1_5b(), cluster(16));
  const parallel_config best = j.best(16);
  parallel_config slow;
  for (const auto& c : j.candidates()) {
    if (c.config != best && c.config.size() <= 16 && c.throughput >= 0.95 * j.throughput(best) &&
        c.throughput < j.throughput(best) && (slow.paused() || c.throughput > j.throughput(slow))) {
      slow = c.config;
    }
  }
  REQUIRE(!slow.paused());
  const std::vector<plan::availability_step> quiet(2);
  j.provider().prefill(16, slow, quiet, j.planner());
  std::vector<plan::transition> out;
  j.provider().transitions(16, slow, 0, 0, out);
  double cost = -1.0;
  for (const auto& t : out) {
    if (t.target == best) cost = t.cost_s;
  }
  REQUIRE(cost > 0.0);
  plan::planner_params pp = j.planner();
  plan::dp_planner<plan::liveput_provider> dp(j.provider(), pp);
  const auto short_sighted = dp.plan(16, {slow, 0.0}, quiet);
  const double gain_s = (j.throughput(best) - j.throughput(slow)) * 2 * 60.0;
  if (gain_s < j.throughput(best) * cost) CHECK(short_sighted.first() == slow);
  dp.set_terminal_s(86400.0);
  const auto far_sighted = dp.plan(16, {slow, 0.0}, quiet);
  CHECK(far_sighted.first() == best);
  // The value counts the day after the horizon at the last configuration's throughput.
  CHECK(far_sighted.expected_samples >
        short_sighted.expected_samples + j.throughput(slow) * 86000.0);
  // And the brute force agrees with the DP, value and first action.
  pp.terminal_s = 86400.0;
  const auto bf = plan::plan_brute_force(j.provider(), pp, 16, {slow, 0.0}, quiet);
  CHECK(bf.expected_samples == doctest::Approx(far_sighted.expected_samples).epsilon(1e-12));
  CHECK(bf.first.target == far_sighted.first());
}
