#pragma once
// Parcae in the simulator: the runtime controller that launchers embed (runtime/controller.hpp),
// driven through its public calls with the trace's events, its decisions executed and accounted.
// There is no planning here: the harness's numbers describe what a launcher gets.
//
// Three ways to know the future (the controller's forecaster):
//   truth       a forecaster that returns the trace's own next intervals (the artifact's
//               "liveput-truth");
//   predict     the availability forecaster (runtime/availability_source.hpp) on the N history
//               of the last `window` intervals; the default model is naive (last value), the
//               artifact's is ARIMA(1,1,0);
//   stochastic  as predict, with K forecast sample paths and the controller's stochastic planner.
//
// What the controller knows of the interval being decided (`first_step`), with the simulator's
// timeline (interval k's events hit the configuration of interval k-1; the configuration of
// interval k then trains for the rest of it):
//   notice   (default) the launcher reports interval k's events before the configuration of
//            interval k is settled: on_interval(alive, joined, preempted), and the controller
//            plans with those events as its observed step 1 (a runtime that sees joins and
//            preemption notices, AWS's two minutes, §3.1). parcae-truth always runs this way.
//   forecast the configuration of interval k was decided at the end of interval k-1 (the
//            on_interval call of k-1), before k's events, as the artifact's liveput-predict does
//            (§5.1). Interval k's preemptions then reach the controller as failures detected
//            mid-interval (on_preemption_notice with deadline 0; its `reaction` says what it does)
//            and its joins as on_instances_added (spares until the next decision).
//
// Accounting of the executed step. `realized` (default): the cost of the live migration that the
// trace's actual preemptions require (perf::migration_cost_ms on the survivors of the simulator's
// placement, which is the controller's own: both place by runtime::assign). `expected`: the liveput
// table's expected cost for the executed key, as the artifact's optimize() does (§5.2); the
// controller then also plans its first step from the key. Starting, or resuming from a pause, is a
// checkpoint restart (without the checkpoint at the start of the trace).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/forecast/availability_forecaster.hpp"
#include "parcae/runtime/availability_source.hpp"
#include "parcae/runtime/controller.hpp"
#include "parcae/sim/simulator.hpp"

namespace parcae::sim {

enum class future_source { truth, predict, stochastic };
enum class accounting { realized, expected };
/// What predict/stochastic know of the interval being decided (see the header comment).
enum class first_step { forecast, notice };

inline const char* to_string(future_source s) {
  switch (s) {
    case future_source::truth:
      return "parcae-truth";
    case future_source::predict:
      return "parcae-predict";
    case future_source::stochastic:
      return "parcae-stochastic";
  }
  return "parcae";
}

struct parcae_params {
  future_source future = future_source::truth;
  sim::accounting accounting = sim::accounting::realized;
  int horizon = 12;      ///< H
  int window = 12;       ///< forecast history (the artifact's W for H = 12)
  int sample_paths = 4;  ///< K (stochastic)
  /// Threads the stochastic policy spreads its K paths' DPs over
  /// (runtime::controller_options::planner_threads); the results are the same at any count.
  int planner_threads = 1;
  std::uint64_t seed = 1;  ///< forecast sample paths
  /// Forecast model. Default naive (last value): on p3 and g4dn it beats the artifact's
  /// ARIMA(1,1,0) on 12 points for every shipped model (docs/results.md).
  forecast::availability_model model = forecast::availability_model::naive;
  sim::first_step first_step = sim::first_step::notice;
  /// With first_step = forecast: what a preemption that hits a stage does. notice_reaction::shrink
  /// with model = arima is the artifact's predict.
  runtime::notice_reaction reaction = runtime::notice_reaction::replan;
  /// Value after the horizon (runtime::controller_options::terminal_s; < 0: adaptive).
  double terminal_s = -1.0;
  double terminal_prior_intervals = 60.0;  ///< runtime::controller_options
  /// Keep a configuration that lost slots running with their work rerouted while that trains more
  /// (runtime::controller_options::reroute, ReCycle's mechanism as one option of the controller).
  bool reroute = true;
  /// The regret guard against the reactive rule (runtime::controller_options::guard) of
  /// parcae-predict and parcae-stochastic (parcae-truth's forecast has no error to hedge). It
  /// runs only with first_step notice and realized accounting, where following the rule does what
  /// its shadow counts (see reset()).
  bool guard = true;
  double guard_margin_s = 30.0;  ///< runtime::controller_options
  int guard_probation = 60;      ///< runtime::controller_options
  int guard_patience = 12;       ///< runtime::controller_options
  /// The rule the controller plans and accounts a migration started during another with
  /// (runtime::controller_options::concurrent); run_harness sets it to the simulator's
  /// (sim_params::concurrent).
  concurrent_charge concurrent = concurrent_charge::remainder;
  /// A forecaster of one's own for predict and stochastic (a researcher's model, an adversary in
  /// the tests); empty (default): the availability forecaster configured by model and window.
  /// Called from the thread that replays the policy; one copy per policy.
  runtime::forecaster_fn forecaster;

  void validate() const {
    const char* f = "parcae::sim::parcae_params::validate";
    check_bounded(f, "horizon", horizon, 1, 10000);
    check_bounded(f, "guard_margin_s", guard_margin_s, 0.0, 1e9);
    check_bounded(f, "guard_probation", guard_probation, 1, 1 << 24);
    check_bounded(f, "guard_patience", guard_patience, 1, 1 << 24);
    check_bounded(f, "window", window, 3, 1 << 20);
    check_bounded(f, "sample_paths", sample_paths, 1, 100000);
    check_bounded(f, "planner_threads", planner_threads, 1, 256);
  }
};

namespace detail {

/// Instances that joined and left within one interval bring nothing: neither joined nor lost.
inline int joined_and_left(const interval_events& ev) {
  int n = 0;
  for (int id : ev.added_ids) {
    n += std::find(ev.removed_ids.begin(), ev.removed_ids.end(), id) != ev.removed_ids.end();
  }
  return n;
}

/// The controller's forecaster for parcae-truth: the trace's next intervals, from the interval
/// `*next` on (the policy advances it before each event call), and the quiet after them: the
/// intervals to the next one with a preemption or to the trace's end (an oracle knows both; the
/// simulator counts nothing after the end). Each interval's net events and the next preemption
/// after it are found once per run, so a decision only copies its horizon.
inline runtime::forecaster_fn truth_forecaster(const event_trace* trace, const std::size_t* next) {
  struct oracle {
    std::vector<plan::availability_step> steps;  ///< per interval, net of joined_and_left
    std::vector<std::size_t> preempted_from;     ///< first interval >= k with a preemption
  };
  auto o = std::make_shared<oracle>();
  const std::size_t T = trace->size();
  o->steps.resize(T);
  o->preempted_from.assign(T + 1, T);
  for (std::size_t k = T; k-- > 0;) {
    const interval_events& ev = (*trace)[k];
    const int both = joined_and_left(ev);
    o->steps[k] = {ev.added - both, ev.removed - both};
    o->preempted_from[k] = o->steps[k].n_out > 0 ? k : o->preempted_from[k + 1];
  }
  return [o, next](const std::vector<runtime::interval_record>&, int horizon, int) {
    runtime::availability_forecast out;
    out.lists_every_event = true;
    const std::size_t from = std::min(*next, o->steps.size());
    const std::size_t to = std::min(o->steps.size(), from + std::size_t(std::max(horizon, 0)));
    out.point.assign(o->steps.begin() + static_cast<std::ptrdiff_t>(from),
                     o->steps.begin() + static_cast<std::ptrdiff_t>(to));
    out.quiet_after_intervals = static_cast<double>(o->preempted_from[to] - to);
    return out;
  };
}

}  // namespace detail

/// parcae-truth, parcae-predict and parcae-stochastic: a runtime::controller on the job.
class controller_policy final : public policy {
 public:
  explicit controller_policy(parcae_params params = {}) : params_(params) { params_.validate(); }

  std::string name() const override { return to_string(params_.future); }
  const parcae_params& params() const { return params_; }
  /// The controller of the current run (null before the first reset()).
  const runtime::controller* controller() const { return controller_.get(); }

  void describe(policy_result& out) const override {
    if (!controller_) return;
    const runtime::guard_status g = controller_->guard_state();
    out.guard_trips = g.active ? g.trips : -1;
  }

  void reset(const job& j, const event_trace& trace) override {
    const char* f = "parcae::sim::controller_policy::reset";
    if (std::abs(j.interval_s() - trace.interval_s) > 1e-9 * trace.interval_s) {
      throw_invalid(f, "job.interval_s()", j.interval_s(),
                    "the trace's interval, " + std::to_string(trace.interval_s) + " s");
    }
    runtime::controller_options o;
    o.horizon = params_.horizon;
    o.kind = params_.future == future_source::stochastic ? runtime::planner_kind::stochastic
                                                         : runtime::planner_kind::dp;
    o.sample_paths = params_.sample_paths;
    o.planner_threads = params_.planner_threads;
    o.reaction = params_.reaction;
    o.observed_first_step = params_.accounting == sim::accounting::realized;
    o.terminal_s = params_.terminal_s;
    o.terminal_prior_intervals = params_.terminal_prior_intervals;
    o.reroute = params_.reroute;
    // The guard's premise: following the reactive rule does what its shadow does, which holds
    // when the controller decides each interval with its events (the notice timeline); decided
    // before them, the rule would run a step late. (With expected accounting the controller
    // turns it off itself: observed_first_step is off.) parcae-truth runs without it: the guard
    // hedges a forecast's errors, and the oracle's has none; its trips followed the rule into
    // upgrades the plan had declined because it knew the next preemption (docs/results.md,
    // session 20).
    o.guard = params_.guard && params_.future != future_source::truth &&
              params_.first_step == sim::first_step::notice;
    o.guard_margin_s = params_.guard_margin_s;
    o.guard_probation = params_.guard_probation;
    o.guard_patience = params_.guard_patience;
    o.concurrent = params_.concurrent;
    runtime::hooks h;
    h.reconfigure = [](const runtime::decision&) {};  // the policy reads the placements back
    next_ = 0;
    executed_ = 0;
    controller_ =
        std::make_unique<runtime::controller>(j, o, make_forecaster(j, trace), std::move(h));
    alive_.clear();
  }

  choice decide(const interval_view& v, const job& j) override {
    const char* f = "parcae::sim::controller_policy::decide";
    if (!v.events || !controller_) {
      throw_invalid_message(f, "the view has no events or reset() was not called");
    }
    const interval_events& ev = *v.events;
    // The launcher's view of the interval: who left of those alive, who joined and stayed.
    std::vector<runtime::instance_id> preempted, joined;
    for (int id : ev.removed_ids) {
      if (alive_.count(static_cast<runtime::instance_id>(id))) preempted.push_back(id);
    }
    for (int id : ev.added_ids) {
      if (std::find(ev.removed_ids.begin(), ev.removed_ids.end(), id) == ev.removed_ids.end()) {
        joined.push_back(static_cast<runtime::instance_id>(id));
      }
    }
    const int n_start = static_cast<int>(alive_.size());
    for (auto id : preempted) alive_.erase(id);
    alive_.insert(joined.begin(), joined.end());
    const std::vector<runtime::instance_id> alive(alive_.begin(), alive_.end());

    const bool notice = params_.future == future_source::truth ||
                        params_.first_step == sim::first_step::notice || v.index == 0;
    next_ = v.index + 1;
    if (notice) {
      controller_->on_interval(alive, joined, preempted);
    } else {
      if (!preempted.empty()) controller_->on_preemption_notice(preempted, 0.0);
      if (!joined.empty()) controller_->on_instances_added(joined);
    }
    choice d;
    d.config = controller_->current_config();
    d.empty_slots = controller_->empty_slots();
    d.throughput_scale = controller_->throughput_scale();
    // Whether the decision that set it is executed now: made in this call (the notice timeline,
    // or a reaction to this interval's preemptions) or, with first_step forecast, at the end of
    // the last interval. Read before the next call replaces it.
    const std::uint64_t decided = controller_->decisions();
    const bool fresh = decided > executed_;
    executed_ = decided;
    migration_kind kind = migration_kind::none;
    bool fetched = false;
    if (fresh && d.empty_slots > 0) {
      const runtime::decision last = controller_->last_decision();
      kind = last.kind;
      fetched = !last.fetches.empty();
    }
    // Forecast mode: the configuration of the next interval is decided now, before its events.
    if (!notice) controller_->on_interval(alive, joined, preempted);
    if (d.config.paused()) return d;

    d.concurrent_s = j.restart_only_s(d.config, perf::restart_kind::no_op);
    if (d.empty_slots > 0) {
      // Rerouted (runtime::controller_options::reroute): a start from the checkpoint when the
      // decision executed now started it (its rerouted start, placed as runtime::spread_slots
      // places it); a rebalance of the stages when it moved replicas between them (its fetches),
      // else the failover when this interval's preemptions took slots, else it keeps running.
      if (kind == migration_kind::restart || kind == migration_kind::resume) {
        d.cost_s = j.restart_s(d.config, perf::restart_kind::add, v.index > 0);
        d.kind = "restart";
        d.fresh_start = true;
      } else if (fetched) {
        d.cost_s = j.reroute().rebalance_s(d.config);
        d.kind = "reroute";
      } else if (v.survivors.slots_lost > 0) {
        d.cost_s = j.reroute().failover_s(d.config);
        d.kind = "reroute";
      }
      return d;
    }
    if (v.current.paused()) {
      d.cost_s = j.restart_s(d.config, perf::restart_kind::add, v.index > 0);
      d.kind = "restart";
    } else if (params_.accounting == sim::accounting::expected) {
      j.provider().transitions(n_start, v.current, static_cast<int>(joined.size()),
                               static_cast<int>(preempted.size()), buf_);
      for (const auto& t : buf_) {
        if (t.target == d.config) d.cost_s = t.cost_s;
      }
      d.kind = d.cost_s > 0.0 ? "migration" : "none";
    } else {
      const perf::migration_result r = live_migration(j, v.survivors, d.config);
      if (r.type == perf::migration_kind::infeasible) {
        // Cannot happen for a controller target (it fits the instances left); a checkpoint
        // restart keeps the accounting defined if a custom profile ever allows it.
        d.cost_s = j.restart_s(d.config, perf::restart_kind::add, true);
        d.kind = "restart";
      } else {
        d.cost_s = r.cost_ms / 1000.0;
        d.kind = perf::to_string(r.type);
      }
    }
    return d;
  }

 private:
  runtime::forecaster_fn make_forecaster(const job& j, const event_trace& trace) {
    if (params_.future == future_source::truth) return detail::truth_forecaster(&trace, &next_);
    if (params_.forecaster) return params_.forecaster;
    runtime::availability_source_params ap;
    ap.forecast.model = params_.model;
    ap.forecast.window = params_.window;
    ap.forecast.capacity = j.capacity();
    ap.forecast.levels.clear();  // the planner reads the point forecast and the paths only
    ap.forecast.seed = params_.seed;
    // The artifact forecasts "no change" until it has W intervals of history (§4).
    ap.min_history = params_.window;
    return runtime::availability_source(ap);
  }

  parcae_params params_;
  std::unique_ptr<runtime::controller> controller_;
  std::size_t next_ = 0;        ///< the interval after the one being decided (truth_forecaster)
  std::uint64_t executed_ = 0;  ///< sequence of the last decision the simulator executed
  std::set<runtime::instance_id> alive_;
  std::vector<plan::transition> buf_;
};

}  // namespace parcae::sim
