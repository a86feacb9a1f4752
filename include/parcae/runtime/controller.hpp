#pragma once
// The controller a launcher embeds (DeepSpeed/Megatron style, or any scheduler). The launcher
// reports events; the controller re-plans (Parcae §5.1, receding horizon) and calls back with a
// decision: target (d,p), migration kind, where every GPU goes, which layers move from whom.
//
// Events (any thread; calls are serialised by one mutex):
//  * on_interval(alive, joined, preempted): once per interval, at its end. `alive` is the truth;
//    `joined` / `preempted` are the instances added / lost during the interval (for the forecast
//    history; when they do not add up with `alive`, set differences are used instead).
//  * on_preemption_notice(ids, deadline_s): a notice (AWS spot/instance-action, §3.1), or a
//    failure the launcher detected (deadline 0). The instances are drained at once: when one
//    holds a stage, the controller reacts as params.reaction says (default: re-plan without
//    them).
//  * on_instances_added(ids): instances that joined mid-interval. They become spares; the next
//    decision may use them. Nothing is re-planned, also not during a migration.
//
// Hooks. `reconfigure(decision)` is called when the placement changes (decision.kind != none);
// `log(line)` (optional) once per event. Both run synchronously ON THE THREAD THAT MADE THE
// EVENT CALL, with the controller's lock held, so decisions arrive in order and never overlap. A
// hook must not call back into the controller: such a re-entrant call throws std::logic_error
// instead of deadlocking. If a hook throws, the exception propagates to the event's caller and
// the controller's state already holds the new decision.
//
// Timeline (matches the artifact's, where an interval's events hit the previous configuration,
// the migration is paid in the interval, and training fills the rest): at the end of interval k
// the controller plans H steps whose first step's events are the OBSERVED change of usable
// instances (no forecast needed for it), and whose later steps come from the forecaster. As the
// controller knows WHICH instances left, step 1 is costed from the actual survivors when the
// provider offers observed_transitions (plan::liveput_provider does): the real migration cost of
// each target, not the liveput table's expectation over every set of n_out lost instances.
//
// Regret guard (controller_options::guard): a shadow account of the reactive rule on the same
// events; when it leads by the margin, the controller follows that rule for a probation.
//
// Feasibility (never violated, tested with bursty random traces): the target fits the usable
// instances (alive, not under notice) - d*p <= usable * gpus_per_instance - and the pipeline
// bounds; when nothing fits it is {0,0} (pause), and training resumes when instances return.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/perf/partition.hpp"
#include "parcae/perf/rerouting.hpp"
#include "parcae/plan/dp_planner.hpp"
#include "parcae/plan/job.hpp"
#include "parcae/plan/stochastic_planner.hpp"
#include "parcae/plan/transition_provider.hpp"
#include "parcae/runtime/assignment.hpp"
#include "parcae/runtime/decision.hpp"
#include "parcae/runtime/forecast_source.hpp"
#include "parcae/runtime/quiet_time.hpp"

namespace parcae::runtime {

enum class planner_kind {
  dp,         ///< exact DP on the point forecast (the artifact's method)
  stochastic  ///< first action maximising the mean over K sample paths (stochastic_planner.hpp)
};

/// What the controller does when a notice (or a detected failure) takes instances that hold a
/// stage (on_preemption_notice).
enum class notice_reaction {
  /// Re-plan from the survivors with the loss as step 1 (default): the migration the loss forces
  /// is chosen by the planner, not inherited.
  replan,
  /// Re-plan only when the running configuration no longer fits the usable instances; otherwise
  /// keep it and refill the lost slots from spares (an inter-stage migration).
  replan_when_undercut,
  /// The artifact's optimize() rule (§5.1): keep p, shrink d to fit (d := usable*g / p, or (1,
  /// usable*g) when not one pipeline fits); a result that is not a candidate becomes the
  /// throughput-optimal candidate that fits.
  shrink
};

inline const char* to_string(notice_reaction r) {
  switch (r) {
    case notice_reaction::replan:
      return "replan";
    case notice_reaction::replan_when_undercut:
      return "replan-when-undercut";
    case notice_reaction::shrink:
      return "shrink";
  }
  return "?";
}

/// The controller's own settings (the job gives the rest: see controller_params).
struct controller_options {
  int horizon = 12;  ///< H, intervals planned (the first is the observed one)
  planner_kind kind = planner_kind::dp;
  int sample_paths = 16;  ///< K, asked from the forecaster for planner_kind::stochastic
  /// Threads over which planner_kind::stochastic spreads its K sample paths' DPs (at most K are
  /// used; plan::plan_stochastic's helpers), each extra one with its own DP tables. The decisions
  /// are the same at any count. The provider is then read from several threads at once:
  /// plan::liveput_provider allows that, a custom provider must too.
  int planner_threads = 1;
  notice_reaction reaction = notice_reaction::replan;
  /// Cost step 1 from the actual survivors when the provider can (exact for the step that
  /// happened). false: from the liveput key's expectation over every way n_out instances could
  /// have left, as the artifact's optimize() does (§5.2); the simulator's expected accounting.
  bool observed_first_step = true;
  /// Interval records kept for the forecaster (the newest). A controller lives for weeks; a
  /// bounded history keeps each decision's time constant. Forecasters read a window of 12 to a
  /// few hundred intervals, far below the default.
  int history_limit = 4096;
  /// Value after the horizon (plan::planner_params::terminal_s): the plan's last configuration
  /// keeps training for this many seconds. < 0 (default): adaptive, the expected quiet time beyond
  /// the horizon: the mean residual quiet of the history's gaps between preemption events, given
  /// how long the current quiet has lasted (runtime/quiet_time.hpp; with no gap that long, the
  /// mean gap interval * (intervals + terminal_prior_intervals) / (intervals with a preemption +
  /// 1)), less the horizon's H intervals, in [0, terminal_cap_s]: on a cluster that has been
  /// quiet for days a migration that pays back in a day is worth it; on a churning one the next
  /// preemption re-plans soon anyway; after the burst of a diurnal fall, the rise that follows
  /// is as quiet as the last one was. The prior stands for the intervals a job has not seen yet
  /// (a fresh job is not assumed to churn). A forecast that knows the quiet after its horizon
  /// (availability_forecast::quiet_after_intervals: an oracle, parcae-truth) gives it instead.
  /// 0: nothing after the horizon counts (the artifact's DP).
  double terminal_s = -1.0;
  double terminal_cap_s = 86400.0;         ///< bound of the adaptive terminal_s
  double terminal_prior_intervals = 60.0;  ///< see terminal_s
  /// Rerouting (ReCycle; perf/rerouting.hpp): when preemptions take slots of the running
  /// configuration but leave every stage a replica, keep it running with the lost slots'
  /// micro-batches rerouted to their stage's peers, for as long as that trains more than the plan
  /// until the forecast's next change of the cluster, or, where spares could refill the slots
  /// and the forecast is one of counts, until the expected next preemption (see reroute()). It uses
  /// GPU counts no (d, p) has. Needs a launcher that can reroute micro-batches (decision kind
  /// reroute); false: never.
  bool reroute = true;
  /// The regret guard: a shadow account of what the reactive rule (reactive-live: the
  /// throughput-optimal whole configuration every interval, reached by live migration from its own
  /// placement) would have trained on the same events, costed by the same model from its own
  /// survivors. When the shadow leads what the controller's own decisions trained by more than
  /// guard_margin_s of training (at the better of the two rates), the controller follows the
  /// reactive rule for guard_probation intervals (doubled after every trip), then plans again with
  /// both accounts reset. The worst case against the reactive rule is then bounded: per trip, the
  /// margin plus one interval plus one migration (docs/embedding.md, "The regret guard"), and at
  /// most 1 + log2(1 + T / guard_probation) trips in T intervals when planning keeps losing. Needs
  /// a provider that costs observed steps (plan::liveput_provider does) and observed_first_step;
  /// inactive otherwise.
  bool guard = true;
  double guard_margin_s = 30.0;  ///< seconds of training the shadow may lead before a trip
  int guard_probation = 60;      ///< intervals of following the reactive rule after a first trip
  /// Planned intervals in a row the shadow must lead by the margin before a trip: a plan that
  /// pays two migrations now to gain over its horizon trails the reactive rule until it pays back
  /// (PATIENCE_DOC).
  int guard_patience = 12;
  /// How a migration started while another runs is charged, in plans and in the controller's own
  /// accounts (plan::concurrent_charge). remainder (default): it cannot end before the running one
  /// would have, so a plan never counts on cutting a long start short with a cheap migration out
  /// of a configuration that never ran. artifact: the artifact's rule (cost + restart, the
  /// remainder dropped).
  plan::concurrent_charge concurrent = plan::concurrent_charge::remainder;

  void validate(const char* function) const {
    check_bounded(function, "params.horizon", horizon, 1, 10000);
    check_bounded(function, "params.guard_margin_s", guard_margin_s, 0.0, 1e9);
    check_bounded(function, "params.guard_probation", guard_probation, 1, 1 << 24);
    check_bounded(function, "params.guard_patience", guard_patience, 1, 1 << 24);
    check_bounded(function, "params.terminal_s", terminal_s, -1.0, 1e9);
    check_bounded(function, "params.terminal_cap_s", terminal_cap_s, 0.0, 1e9);
    check_bounded(function, "params.terminal_prior_intervals", terminal_prior_intervals, 0.0, 1e9);
    check_bounded(function, "params.sample_paths", sample_paths, 1, 100000);
    check_bounded(function, "params.planner_threads", planner_threads, 1, 256);
    check_bounded(function, "params.history_limit", history_limit, 1, 1 << 24);
  }
};

struct controller_params : controller_options {
  plan::planner_params planner;  ///< interval, GPUs per instance, capacity, pipeline bounds
  int n_layers = 0;              ///< layers of the model (placement partition); required
  /// Throughput and cost of rerouting (the job's profile); default: unavailable (no reroute).
  perf::reroute_model rerouting;
  /// Checkpoint save + load time (plan::job::checkpoint_s) that a start from the paused state
  /// includes, except the job's first start (the controller's first interval): nothing has been
  /// saved yet, so nothing is loaded, as the simulator counts it. 0: every start costs the same.
  double checkpoint_s = 0.0;

  void validate(const char* function) const {
    controller_options::validate(function);
    check_bounded(function, "params.checkpoint_s", checkpoint_s, 0.0, 1e9);
    planner.validate(function);
    check_at_least(function, "params.n_layers", n_layers, 1);
    check_at_most(function, "params.planner.p_min", planner.p_min,
                  perf::max_pipeline_depth(n_layers));
  }
};

/// Where the regret guard stands (controller_options::guard). The accounts are the cost model's
/// samples since the guard last planned afresh (its start, or the end of a probation).
struct guard_status {
  bool active = false;           ///< enabled, and the provider costs observed steps
  bool following = false;        ///< the controller follows the reactive rule now
  int trips = 0;                 ///< times the shadow's lead passed the margin
  long long probation_left = 0;  ///< interval decisions of following still to go
  double planned_samples = 0.0;  ///< what the controller's own decisions trained
  double shadow_samples = 0.0;   ///< what the reactive rule would have trained
};

struct hooks {
  std::function<void(const decision&)> reconfigure;  ///< required
  std::function<void(const std::string&)> log;       ///< optional
};

class controller {
 public:
  /// The usual way in: a job (plan/job.hpp) gives the planner parameters, the layers and the
  /// provider over its liveput table, so they cannot disagree with the profile.
  controller(const plan::job& j, controller_options options, forecaster_fn forecaster, hooks h)
      : controller(params_of(j, options), j.transition_provider(), std::move(forecaster),
                   std::move(h)) {
    checkpoint_s_ = j.checkpoint_s();
  }

  /// For custom providers (tests, other cost models). `provider` gives T(d,p), migration costs and
  /// R (plan::liveput_provider builds one from a profile and the liveput table; wrap it with
  /// any_transition_provider::wrap, which keeps its bulk prefill); `forecaster` may be empty (then:
  /// persistence).
  controller(controller_params params, plan::any_transition_provider provider,
             forecaster_fn forecaster, hooks h)
      : params_(validated(std::move(params))),
        provider_(std::move(provider)),
        forecaster_(forecaster ? std::move(forecaster) : persistence_forecaster()),
        hooks_(std::move(h)),
        planner_(provider_, params_.planner),
        quiet_(params_.terminal_prior_intervals) {
    const char* fn = "parcae::runtime::controller::controller";
    if (!provider_.valid()) throw_invalid_message(fn, "provider is empty, but must be set");
    if (!hooks_.reconfigure) {
      throw_invalid_message(fn, "hooks.reconfigure is empty, but must be callable");
    }
    if (params_.kind == planner_kind::stochastic) {
      const int helpers = std::min(params_.planner_threads, params_.sample_paths) - 1;
      for (int i = 0; i < helpers; ++i) {
        helpers_.push_back(std::make_unique<plan::dp_planner<plan::any_transition_provider>>(
            provider_, params_.planner));
        helper_ptrs_.push_back(helpers_.back().get());
      }
    }
  }
  controller(const controller&) = delete;
  controller& operator=(const controller&) = delete;

  void on_interval(const std::vector<instance_id>& alive, const std::vector<instance_id>& joined,
                   const std::vector<instance_id>& preempted) {
    const char* fn = "parcae::runtime::controller::on_interval";
    guard g(*this, fn);
    const std::set<instance_id> now = unique_set(fn, "alive", alive);
    const std::set<instance_id> in = unique_set(fn, "joined", joined);
    const std::set<instance_id> out = unique_set(fn, "preempted", preempted);
    for (instance_id id : in) {
      if (!now.count(id)) throw_invalid(fn, "joined id", id, "in alive");
    }
    for (instance_id id : out) {
      if (now.count(id)) throw_invalid(fn, "preempted id", id, "absent from alive");
    }
    interval_record rec{static_cast<int>(start_.size()), static_cast<int>(in.size()),
                        static_cast<int>(out.size())};
    if (rec.n_after() != static_cast<int>(now.size())) {
      rec.n_in = count_missing(now, start_);
      rec.n_out = count_missing(start_, now);
    }
    history_.push_back(rec);
    ++intervals_;
    quiet_.push(rec.n_out > 0);
    // Amortised O(1): drop the oldest half once the history is twice its limit (the quiet-time
    // estimate drops them too, so it always describes the history the forecaster sees).
    const auto limit = static_cast<std::size_t>(params_.history_limit);
    if (history_.size() >= 2 * limit) {
      const std::size_t dropped = history_.size() - limit;
      for (std::size_t k = 0; k < dropped; ++k) quiet_.pop_front();
      history_.erase(history_.begin(), history_.begin() + static_cast<std::ptrdiff_t>(dropped));
    }
    start_ = now;
    alive_ = now;
    for (auto it = doomed_.begin(); it != doomed_.end();) {
      it = alive_.count(*it) ? std::next(it) : doomed_.erase(it);
    }
    if (!guard_active()) {
      decide(trigger::interval, -1.0);
    } else if (following_) {
      follow_reactive_rule(trigger::interval, -1.0);
      if (--probation_left_ == 0) end_probation();
    } else {
      decide(trigger::interval, -1.0);
      account_and_check();
    }
  }

  void on_preemption_notice(const std::vector<instance_id>& ids, double deadline_s) {
    const char* fn = "parcae::runtime::controller::on_preemption_notice";
    guard g(*this, fn);
    check_nonnegative(fn, "deadline_s", deadline_s);
    bool holds_stage = false;
    int unknown = 0;
    for (instance_id id : unique_set(fn, "ids", ids)) {
      if (!alive_.count(id)) {
        ++unknown;
        continue;
      }
      doomed_.insert(id);
      for (const placement& pl : placements_) holds_stage |= pl.instance == id && !pl.spare();
    }
    if (holds_stage) {
      react_to_notice(deadline_s);
    } else {
      log("notice for " + std::to_string(ids.size()) + " instance(s) (" + std::to_string(unknown) +
          " unknown): no stage affected, nothing to do");
    }
  }

  void on_instances_added(const std::vector<instance_id>& ids) {
    const char* fn = "parcae::runtime::controller::on_instances_added";
    guard g(*this, fn);
    int added = 0;
    for (instance_id id : unique_set(fn, "ids", ids)) added += alive_.insert(id).second ? 1 : 0;
    log("added " + std::to_string(added) + " instance(s) as spares; " +
        std::to_string(alive_.size()) + " alive");
  }

  parallel_config current_config() const {
    guard g(*this, "parcae::runtime::controller::current_config");
    return config_;
  }
  /// Slots of the running configuration left empty, their work rerouted (controller_options::
  /// reroute), and its throughput relative to T(d,p); 0 and 1 when it runs whole.
  int empty_slots() const {
    guard g(*this, "parcae::runtime::controller::empty_slots");
    return last_.empty_slots;
  }
  double throughput_scale() const {
    guard g(*this, "parcae::runtime::controller::throughput_scale");
    return last_.throughput_scale;
  }
  std::vector<placement> placements() const {
    guard g(*this, "parcae::runtime::controller::placements");
    return placements_;
  }
  std::vector<interval_record> history() const {
    guard g(*this, "parcae::runtime::controller::history");
    return history_;
  }
  /// The latest decision, also when it changed nothing (kind none, no reconfigure call).
  decision last_decision() const {
    guard g(*this, "parcae::runtime::controller::last_decision");
    return last_;
  }
  std::uint64_t decisions() const {
    guard g(*this, "parcae::runtime::controller::decisions");
    return sequence_;
  }
  guard_status guard_state() const {
    guard g(*this, "parcae::runtime::controller::guard_state");
    guard_status st;
    st.active = guard_active();
    st.following = following_;
    st.trips = trips_;
    st.probation_left = probation_left_;
    st.planned_samples = planned_samples_;
    st.shadow_samples = shadow_samples_;
    return st;
  }
  const controller_params& params() const { return params_; }

 private:
  // Serialises calls and detects re-entrant calls from hooks (which would deadlock).
  struct guard {
    const controller& c;
    std::unique_lock<std::mutex> lock;
    guard(const controller& ctl, const char* fn) : c(ctl), lock() {
      if (c.owner_.load() == std::this_thread::get_id()) {
        throw std::logic_error(std::string(fn) +
                               ": called from inside a controller hook (re-entrant call)");
      }
      lock = std::unique_lock<std::mutex>(c.mutex_);
      c.owner_.store(std::this_thread::get_id());
    }
    ~guard() { c.owner_.store(std::thread::id()); }
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;
  };

  static controller_params params_of(const plan::job& j, const controller_options& o) {
    controller_params p;
    static_cast<controller_options&>(p) = o;
    p.planner = j.planner();
    p.planner.concurrent = o.concurrent;
    p.n_layers = j.n_layers();
    p.rerouting = j.reroute();
    p.checkpoint_s = j.checkpoint_s();
    return p;
  }

  static controller_params validated(controller_params p) {
    p.validate("parcae::runtime::controller::controller");
    // Depths the layers cannot be split into are never proposed.
    p.planner.p_max = std::min(p.planner.p_max, perf::max_pipeline_depth(p.n_layers));
    // The plans model what the controller does: with rerouting on, a forecast loss may be met by
    // rerouting in a later step too (plan::planner_params::rerouting), not only by a migration.
    p.planner.rerouting = p.reroute ? p.rerouting : perf::reroute_model{};
    return p;
  }

  static std::set<instance_id> unique_set(const char* fn, const char* what,
                                          const std::vector<instance_id>& ids) {
    std::set<instance_id> s(ids.begin(), ids.end());
    if (s.size() != ids.size()) {
      throw_invalid_message(fn, std::string(what) + " has duplicate ids, but must be unique");
    }
    return s;
  }
  static int count_missing(const std::set<instance_id>& a, const std::set<instance_id>& b) {
    int n = 0;
    for (instance_id id : a) n += b.count(id) ? 0 : 1;
    return n;
  }

  void log(const std::string& line) const {
    if (hooks_.log) hooks_.log(line);
  }

  /// Step 1's transitions from the survivors of the running configuration among `cur` (the
  /// usable instances now; `prev` = those of the last decision), when the provider can cost an
  /// observed step and a configuration runs, or for the job's first start. False: plan step 1
  /// from the liveput key instead.
  bool observed_first_step(const std::set<instance_id>& prev, const std::set<instance_id>& cur,
                           std::vector<plan::transition>& out) const {
    // A start: the planner's resume cost is exact, checkpoint load included, except at the job's
    // first start, which has no checkpoint to load.
    if (config_.paused() && !first_start()) return false;
    return observed_from(config_, placements_, prev, cur, out);
  }

  /// The job's first start loads no checkpoint (controller_params::checkpoint_s).
  bool first_start() const { return intervals_ == 1 && params_.checkpoint_s > 0.0; }
  /// A start from the paused state of provider cost `resume_s` (its checkpoint load included),
  /// less the load at the job's first start.
  double start_cost(double resume_s) const {
    return first_start() ? std::max(0.0, resume_s - params_.checkpoint_s) : resume_s;
  }

  /// The transitions of an observed step from `config` placed as `placements` (`prev`: the usable
  /// instances then, `cur`: now), or from the paused state a start (a resume with the checkpoint
  /// load, but none at the job's first start). False when the provider cannot cost observed steps.
  bool observed_from(parallel_config config, const std::vector<placement>& placements,
                     const std::set<instance_id>& prev, const std::set<instance_id>& cur,
                     std::vector<plan::transition>& out) const {
    if (!provider_.has_observed()) return false;
    const int g = params_.planner.gpus_per_instance;
    if (config.paused()) {
      provider_.observed_transitions(config, {}, 0, static_cast<int>(cur.size()) * g, out);
      for (plan::transition& t : out) t.cost_s = start_cost(t.cost_s);
      return true;
    }
    std::vector<int> replicas(static_cast<std::size_t>(config.p), 0);
    int in_job = 0, kept = 0;
    for (const placement& pl : placements) {
      if (pl.spare() || !cur.count(pl.instance)) continue;
      ++replicas[static_cast<std::size_t>(pl.stage)];
      ++in_job;
    }
    for (instance_id id : cur) kept += prev.count(id) ? 1 : 0;
    const int joined = static_cast<int>(cur.size()) - kept;
    provider_.observed_transitions(config, replicas, kept * g - in_job, joined * g, out);
    return true;
  }

  /// The observed cost of reaching `target` from `config` placed as `placements` (observed_from);
  /// 0 when the provider cannot cost observed steps or the target is not among the transitions.
  double observed_cost(parallel_config config, const std::vector<placement>& placements,
                       const std::set<instance_id>& prev, const std::set<instance_id>& cur,
                       parallel_config target) const {
    std::vector<plan::transition> observed;
    double cost = 0.0;
    if (observed_from(config, placements, prev, cur, observed)) {
      for (const plan::transition& t : observed) {
        if (t.target == target) cost = t.cost_s;
      }
    }
    return cost;
  }

  /// The time a step charges in its interval, by the planner's rule (plan::detail::charged_cost):
  /// a migration that starts while another still runs adds R(target,'no-op') (§3.2); when none
  /// starts, the running one goes on.
  double charged_s(double remaining_s, double cost_s, parallel_config target) const {
    return plan::detail::charged_cost(
        remaining_s, cost_s,
        cost_s > 0.0 && remaining_s > 0.0 ? provider_.concurrent_restart_s(target) : 0.0,
        params_.planner.concurrent);
  }

  /// The throughput-optimal whole configuration on n instances (ties: smaller d, then smaller p;
  /// as plan::job::best and the simulator's baselines choose); paused when none fits.
  parallel_config best_whole(int n) const {
    const plan::planner_params& pp = params_.planner;
    const int slots = n * pp.gpus_per_instance;
    parallel_config best;
    double t = 0.0;
    for (int p = pp.p_min; p <= pp.p_max; ++p) {
      for (int d = 1; d * p <= slots; ++d) {
        const parallel_config x{d, p};
        if (!pp.allowed(x)) continue;
        const double v = provider_.throughput(x);
        if (v > t || (v == t && v > 0.0 && (d < best.d || (d == best.d && p < best.p)))) {
          best = x;
          t = v;
        }
      }
    }
    return best;
  }

  /// The guard's accounts are exact only when step 1 is costed from the observed survivors: with
  /// observed_first_step off, the controller's own account would be an expectation set against a
  /// realized shadow.
  bool guard_active() const {
    return params_.guard && params_.observed_first_step && provider_.has_observed();
  }

  /// A decision of the reactive rule (the guard's probation): the throughput-optimal whole
  /// configuration of the usable instances.
  void follow_reactive_rule(trigger cause, double deadline_s) {
    decide_fixed(cause, deadline_s, best_whole(static_cast<int>(usable_now().size())));
  }

  /// Moves the reactive rule's shadow to its choice for `usable` (the throughput-optimal whole
  /// configuration, by a live migration from its own placement, costed from its own survivors);
  /// returns that target and the seconds of the interval its migration takes (at most one; the
  /// rest runs into the next).
  std::pair<parallel_config, double> move_shadow(const std::vector<instance_id>& usable) {
    const std::set<instance_id> prev(shadow_.usable.begin(), shadow_.usable.end());
    const std::set<instance_id> cur(usable.begin(), usable.end());
    const parallel_config target = best_whole(static_cast<int>(usable.size()));
    const double charged =
        target.paused()
            ? 0.0
            : charged_s(shadow_.remaining_s,
                        observed_cost(shadow_.config, shadow_.placements, prev, cur, target),
                        target);
    const double interval = params_.planner.interval_s;
    shadow_.remaining_s = target.paused() ? 0.0 : std::max(0.0, charged - interval);
    const std::vector<instance_id> draining(doomed_.begin(), doomed_.end());
    shadow_.placements =
        assign(shadow_.placements, shadow_.config, usable, params_.planner.gpus_per_instance,
               target, params_.n_layers, draining)
            .placements;
    shadow_.config = target;
    shadow_.usable = usable;
    return {target, std::min(charged, interval)};
  }

  /// After a planned interval decision: both accounts take the interval (the decision's first
  /// step; the reactive rule's shadow stepped on the same events from its own placement), and
  /// the guard trips when the shadow leads by more than the margin.
  void account_and_check() {
    planned_samples_ += last_.plan.empty() ? 0.0 : last_.plan.front().samples;
    const auto [target, busy_s] = move_shadow(usable_now());
    const double interval = params_.planner.interval_s;
    shadow_samples_ += provider_.throughput(target) * (interval - busy_s);

    const double rate = std::max(provider_.throughput(target),
                                 provider_.throughput(config_) * last_.throughput_scale);
    const double lead = shadow_samples_ - planned_samples_;
    if (!(rate > 0.0) || !(lead > params_.guard_margin_s * rate)) {
      behind_ = 0;
      return;
    }
    if (++behind_ < params_.guard_patience) return;
    behind_ = 0;
    ++trips_;
    following_ = true;
    probation_left_ = static_cast<long long>(params_.guard_probation) << std::min(trips_ - 1, 24);
    std::ostringstream line;
    line << "guard: the reactive rule leads by " << lead / rate << " s of training (" << lead
         << " samples, margin " << params_.guard_margin_s << " s); following it for "
         << probation_left_ << " interval(s) (trip " << trips_ << ")";
    log(line.str());
  }

  /// The probation is over: plan again, both accounts from zero, the shadow from where the job is.
  void end_probation() {
    following_ = false;
    planned_samples_ = shadow_samples_ = 0.0;
    shadow_.config = config_;
    shadow_.remaining_s = remaining_s_;
    shadow_.placements = placements_;
    shadow_.usable = usable_;
    log("guard: probation over, planning again");
  }

  std::vector<instance_id> usable_now() const {
    std::vector<instance_id> usable;
    for (instance_id id : alive_) {
      if (!doomed_.count(id)) usable.push_back(id);
    }
    return usable;
  }

  /// After a decision on a preemption notice: the interval it falls in was counted when it
  /// began, as if nothing changed; both accounts now lose what the notice's migration takes of
  /// it (the controller's own, and the shadow's, which reacts to the same notice). The rest of
  /// a migration longer than the interval is charged by the next interval decision.
  void account_notice() {
    const double interval = params_.planner.interval_s;
    planned_samples_ -= provider_.throughput(config_) * last_.throughput_scale *
                        std::min(last_.expected_cost_s, interval);
    const auto [target, busy_s] = move_shadow(usable_now());
    shadow_samples_ -= provider_.throughput(target) * busy_s;
  }

  void react_to_notice(double deadline_s) {
    const int n = static_cast<int>(usable_now().size());
    if (following_) {
      // The regret guard's probation: the reactive rule, whatever the reaction says.
      follow_reactive_rule(trigger::preemption_notice, deadline_s);
      return;
    }
    switch (params_.reaction) {
      case notice_reaction::replan:
        decide(trigger::preemption_notice, deadline_s);
        break;
      case notice_reaction::replan_when_undercut:
        if (!params_.planner.fits(config_, n)) {
          decide(trigger::preemption_notice, deadline_s);
        } else {
          decide_fixed(trigger::preemption_notice, deadline_s, config_);
        }
        break;
      case notice_reaction::shrink:
        decide_fixed(trigger::preemption_notice, deadline_s, shrunk(config_, n));
        break;
    }
    if (guard_active()) account_notice();
  }

  /// The value after the horizon for the next plan (controller_options::terminal_s). O(1): the
  /// quiet-time estimate is kept as the history grows and is trimmed, not rescanned (a
  /// controller lives for millions of intervals; see bench/soak_bench.cpp).
  /// `known_quiet`: the quiet after the horizon in intervals when the forecast knows it
  /// (availability_forecast::quiet_after_intervals; < 0: estimated from the history).
  double terminal_s(double known_quiet = -1.0) const {
    if (params_.terminal_s >= 0.0) return params_.terminal_s;
    if (known_quiet >= 0.0) {
      return std::clamp(params_.planner.interval_s * known_quiet, 0.0, params_.terminal_cap_s);
    }
    // The horizon already covers H intervals of the expected quiet; the rest lies beyond it.
    const double tail =
        params_.planner.interval_s * (quiet_.expected_residual() - double(params_.horizon));
    return std::clamp(tail, 0.0, params_.terminal_cap_s);
  }

  /// The artifact's optimize() shrink (see notice_reaction::shrink).
  parallel_config shrunk(parallel_config c, int n) const {
    const plan::planner_params& pp = params_.planner;
    if (c.paused() || pp.fits(c, n)) return c;
    const int slots = n * pp.gpus_per_instance;
    if (slots < 1) return {};
    parallel_config out{slots / c.p, c.p};
    if (out.d == 0) out = {1, slots};
    if (pp.allowed(out) && provider_.throughput(out) > 0.0) return out;
    // Not a candidate (a memory-infeasible depth): the throughput-optimal candidate that fits.
    return best_whole(n);
  }

  /// A decision whose target is given (a notice reaction that does not re-plan): the placement
  /// and its cost from the observed survivors, no plan.
  void decide_fixed(trigger cause, double deadline_s, parallel_config target) {
    std::vector<instance_id> usable = usable_now();
    const std::set<instance_id> prev(usable_.begin(), usable_.end());
    const std::set<instance_id> cur(usable.begin(), usable.end());
    decision dec;
    dec.cause = cause;
    dec.previous = config_;
    dec.deadline_s = deadline_s;
    dec.target = target;
    dec.terminal_s = terminal_s();
    dec.guarded = following_;
    const double cost = observed_cost(config_, placements_, prev, cur, target);
    plan::plan_step step;
    step.n_before = static_cast<int>(usable_.size());
    step.n_after = static_cast<int>(usable.size());
    step.events = {count_missing(cur, prev), count_missing(prev, cur)};
    step.config = target;
    step.cost_s = target.paused() ? 0.0 : charged_s(remaining_s_, cost, target);
    step.remaining_s = std::max(0.0, step.cost_s - params_.planner.interval_s);
    step.samples =
        provider_.throughput(target) * std::max(0.0, params_.planner.interval_s - step.cost_s);
    dec.plan = {step};
    dec.expected_samples = step.samples;
    commit(std::move(dec), step, std::move(usable));
  }

  void decide(trigger cause, double deadline_s) {
    std::vector<instance_id> usable = usable_now();
    // Step 1: the observed change of usable instances since the last decision.
    const std::set<instance_id> prev(usable_.begin(), usable_.end());
    const std::set<instance_id> cur(usable.begin(), usable.end());
    const int n_prev = static_cast<int>(usable_.size());
    const plan::availability_step first{count_missing(cur, prev), count_missing(prev, cur)};
    const int n1 = static_cast<int>(usable.size());
    const int cap = std::max(params_.planner.capacity, n1);
    const int rest = params_.horizon - 1;
    const int k = params_.kind == planner_kind::stochastic ? params_.sample_paths : 0;
    availability_forecast fc = rest > 0 ? forecaster_(history_, rest, k) : availability_forecast{};
    std::vector<plan::availability_step> point = sanitize_path(fc.point, n1, rest, cap);
    point.insert(point.begin(), first);

    plan::plan_state initial{config_, remaining_s_};
    decision dec;
    dec.terminal_s = terminal_s(fc.quiet_after_intervals);
    planner_.set_terminal_s(dec.terminal_s);
    for (auto* h : helper_ptrs_) h->set_terminal_s(dec.terminal_s);
    dec.cause = cause;
    dec.previous = config_;
    dec.deadline_s = deadline_s;
    plan::plan_step step;
    std::vector<std::vector<plan::availability_step>> paths;
    if (params_.kind == planner_kind::stochastic) {
      for (auto& path : fc.paths) {
        paths.push_back(sanitize_path(path, n1, rest, cap));
        paths.back().insert(paths.back().begin(), first);
      }
    }
    if (paths.empty()) paths.push_back(point);
    // Step 1 has happened: when the provider can cost it from the actual survivors, the plan uses
    // those transitions (exact for this step) instead of the liveput key's expectation over every
    // way n_out instances could have left, whose enumeration is the costliest key of a decision.
    std::vector<plan::transition> observed;
    const bool use_observed =
        params_.observed_first_step && observed_first_step(prev, cur, observed);
    // Running rerouted (reroute()), the configuration has more slots than instances: the planner
    // only takes whole ones. The observed transitions carry everything step 1 needs from the
    // survivors, so plan from "paused" (which adds no stay-put option; the running one does not
    // fit anyway).
    if (use_observed && last_.empty_slots > 0) initial = plan::plan_state{};
    // Every liveput key the plan(s) will read, estimated in one batch before the DP runs (families
    // (N, D, P, n_out) shared, the estimator's threads used) rather than one key at a time from
    // inside it. The values are the same either way; only the latency differs. With an observed
    // step 1, its key is not read: prefill from the paused configuration, which reads none.
    dec.keys_filled = provider_.prefill_paths(
        n_prev, use_observed ? parallel_config{} : initial.config, paths, params_.planner);
    if (params_.kind == planner_kind::stochastic) {
      const auto st = plan::plan_stochastic(planner_, n_prev, initial, paths,
                                            use_observed ? &observed : nullptr, helper_ptrs_);
      step.n_before = n_prev;
      step.n_after = n1;
      step.events = first;
      step.config = st.first.target;
      step.prob = st.first.prob;
      step.cost_s = st.first.cost_s;
      step.samples = st.first.samples;
      step.remaining_s = st.first.remaining_s;
      dec.plan = {step};
      dec.expected_samples = st.expected_samples;
    } else {
      plan::plan_result r = use_observed ? planner_.plan(n_prev, initial, point, observed)
                                         : planner_.plan(n_prev, initial, point);
      step = r.steps.front();
      dec.expected_samples = r.expected_samples;
      dec.plan = std::move(r.steps);
    }
    dec.target = step.config;
    if (use_observed && reroute(dec, step, point, fc.lists_every_event, cur, usable)) return;
    if (params_.observed_first_step && start_rerouted(dec, step, point, usable)) return;
    commit(std::move(dec), step, std::move(usable));
  }

  /// Keeps the running configuration with its empty slots' micro-batches rerouted
  /// (controller_options::reroute) instead of the plan's first step, when it does not fit the
  /// usable instances, every stage has a surviving replica, and it trains more than the plan over
  /// the same window, both counted as the simulator counts them:
  /// - the window (plan_window) runs from step 1 to the forecast's next change of the cluster or
  ///   through the horizon and after it, the rerouted configuration then never having to move;
  /// - rerouted: the degraded rate, less the failover when slots were lost now; or, when a burst
  ///   left the stages uneven, the rate with the stages rebalanced (replicas moved to the
  ///   most-hit stage so it has floor(running / p), perf::reroute_model::rebalance_s; the
  ///   decision's fetches carry the moved replicas' layers), whichever trains more;
  /// - planned: the plan's own expected samples over the window (plan_window).
  /// Re-checked at every decision, so the job stays rerouted while it wins (as ReCycle does) and
  /// moves when joins or further losses make the plan better. True: committed.
  bool reroute(decision& dec, const plan::plan_step& step,
               const std::vector<plan::availability_step>& point, bool point_lists_every_event,
               const std::set<instance_id>& cur, std::vector<instance_id>& usable) {
    const int g = params_.planner.gpus_per_instance;
    const int n1 = static_cast<int>(usable.size());
    if (!params_.reroute || !params_.rerouting.available() || config_.paused() ||
        remaining_s_ > 0.0) {
      return false;
    }
    std::vector<int> replicas(static_cast<std::size_t>(config_.p), 0);
    int lost = 0, running = 0;
    for (const placement& pl : placements_) {
      if (pl.spare()) continue;
      if (!cur.count(pl.instance)) {
        ++lost;
        continue;
      }
      ++replicas[static_cast<std::size_t>(pl.stage)];
      ++running;
    }
    const int r_min = *std::min_element(replicas.begin(), replicas.end());
    if (r_min == 0 || running == config_.size()) return false;
    // Spares could refill the empty slots. A repair that adds GPUs rebuilds every communicator
    // (tens of seconds on a large configuration), and under churn the next preemption comes soon
    // and needs another: keeping the slots rerouted and refilling several at once can train more.
    // A forecast of the count shows no preemption that a join replaces, so there the window ends
    // at the expected next preemption (quiet_time, as the value after the horizon), from where
    // both options re-plan; a path that lists every event gives the window itself.
    const bool spares = params_.planner.fits(config_, n1);
    const double interval = params_.planner.interval_s;
    const plan_window w = window_of(dec, step, point, spares && !point_lists_every_event);
    const double window_s = w.seconds;
    const double planned = w.planned;
    // Keep the stages as they are (a failover when slots were lost now), or rebalance them so the
    // most-hit stage has floor(running / p) replicas (a failover and a stage copy; only when it
    // ends within the interval, so that the next decision sees a running configuration).
    struct option {
      int r = 0;
      double cost = 0.0, scale = 0.0, value = -1.0;
    };
    const double full_rate = provider_.throughput(config_);
    const auto value_of = [&](option o) {
      o.scale = params_.rerouting.scale(config_, o.r, running);
      o.value = full_rate * o.scale * std::max(0.0, window_s - o.cost);
      return o;
    };
    option best = value_of({r_min, lost > 0 ? params_.rerouting.failover_s(config_) : 0.0});
    const int r_even = std::min(config_.d, running / config_.p);
    if (r_even > r_min && params_.rerouting.can_rebalance(config_)) {
      const double rebalance = params_.rerouting.rebalance_s(config_);
      const option even = value_of({r_even, rebalance});
      if (rebalance < interval && even.value > best.value) best = even;
    }
    // With spares, the plan's step 1 refills the slots now (its cost c); kept rerouted, they are
    // refilled later, by one migration that also takes the slots a preemption at the window's end
    // may hit, which the plan would refill again. So the rerouted option owes c after the window,
    // less c times the chance that such a preemption hits the configuration (its share of the
    // usable GPUs), provided the spares left after it still refill every slot; after a join, or
    // with no change in sight, it owes c in full.
    if (spares) {
      double hit = 0.0;
      if (w.ends_in_preemption) {
        const int out = w.span < point.size() ? std::max(1, point[w.span].n_out) : 1;
        if (static_cast<long long>(n1 - out) * g >= config_.size()) {
          hit = std::min(1.0, double(running) / double(std::max(1, n1 * g)));
        }
      }
      best.value -= (1.0 - hit) * step.cost_s * full_rate;
    }
    if (!(best.value > planned)) return false;

    const double cost = best.cost;
    const double rerouted = full_rate * best.scale * std::max(0.0, interval - cost);
    plan::plan_step kept_step = step;
    kept_step.config = config_;
    kept_step.cost_s = cost;
    kept_step.remaining_s = std::max(0.0, cost - interval);
    kept_step.samples = rerouted;
    kept_step.prob = 1.0;
    // The plan's later steps, one interval later: an estimate of the value from here.
    dec.expected_samples = dec.expected_samples - step.samples + rerouted;
    dec.plan = {kept_step};
    dec.target = config_;
    dec.placements = keep_survivors(placements_, usable, g);
    dec.fetches = best.r > r_min ? rebalance_stages(dec.placements, config_, best.r)
                                 : std::vector<layer_fetch>{};
    dec.kind = cost > 0.0 ? migration_kind::reroute : migration_kind::none;
    dec.empty_slots = config_.size() - running;
    dec.throughput_scale = best.scale;
    dec.expected_cost_s = cost;
    dec.expected_remaining_s = kept_step.remaining_s;
    std::ostringstream what;
    what << to_string(config_) << " kept with " << dec.empty_slots
         << " slot(s) rerouted (throughput x" << best.scale << ") " << to_string(dec.kind)
         << (best.r > r_min ? ", stages rebalanced to " + std::to_string(best.r) + " replicas" : "")
         << ", cost " << cost << " s; trains " << best.value << " samples against the plan's "
         << planned << " (" << to_string(step.config) << ") in the next " << w.span
         << " interval(s)";
    record(std::move(dec), std::move(usable), kept_step.remaining_s, what.str());
    return true;
  }

  /// The window over which an executor option (reroute(), start_rerouted()) is weighed against
  /// the plan: from step 1 to the forecast's next change of the cluster (a join or a preemption;
  /// from there both re-plan) or, when the forecast sees none, through the horizon and the value
  /// after it (terminal_s). `planned`: the plan's own expected samples over the window's steps,
  /// its migrations included, and its last configuration's rate after the horizon.
  struct plan_window {
    std::size_t span = 1;  ///< intervals
    double seconds = 0.0;
    double planned = 0.0;
    bool ends_in_preemption = false;  ///< a preemption (forecast or expected) closes the window
  };
  plan_window window_of(const decision& dec, const plan::plan_step& step,
                        const std::vector<plan::availability_step>& point,
                        bool to_next_preemption = false) const {
    const double interval = params_.planner.interval_s;
    plan_window w;
    std::size_t end = point.size();
    if (to_next_preemption) {
      const double quiet = std::ceil(quiet_.expected_residual());
      end = std::min(end, static_cast<std::size_t>(std::max(1.0, std::min(quiet, 1e6))));
    }
    while (w.span < end && point[w.span].n_in == 0 && point[w.span].n_out == 0) ++w.span;
    const bool open_ended = w.span == point.size();
    w.ends_in_preemption = !open_ended && (w.span == end || point[w.span].n_out > 0);
    w.seconds = interval * double(w.span) + (open_ended ? dec.terminal_s : 0.0);
    for (std::size_t k = 0; k < w.span; ++k) {
      // The stochastic planner returns its first step only: beyond it, the target's full rate.
      w.planned +=
          k < dec.plan.size() ? dec.plan[k].samples : provider_.throughput(step.config) * interval;
    }
    if (open_ended) w.planned += provider_.throughput(dec.plan.back().config) * dec.terminal_s;
    return w;
  }

  /// Starts a configuration with empty slots from the checkpoint (controller_options::reroute)
  /// when the plan pauses at step 1, no configuration fitting the usable instances whole, but one
  /// whose every stage gets a replica on them trains: a stage wiped below the model's smallest
  /// configuration, a cluster that has not reached it yet. Its running slots spread evenly over
  /// the stages (spread_slots: the most-hit stage has floor(GPUs / p) replicas), every GPU loads
  /// its stage from the checkpoint, and the empty slots' micro-batches are rerouted to their
  /// stage's peers at perf::reroute_model::scale. Of the candidates with d >= 2, the one that
  /// trains most over reroute()'s window (plan_window), charged its resume from the paused state
  /// (the plan's own resume cost; it must end within the interval, so that the next decision sees
  /// it running and reroute() keeps it while it wins), is taken when it trains more than the
  /// plan. ReCycle reroutes only what survived a failure; from a checkpoint it has no rerouted
  /// start (sim/baselines.hpp recycle pauses). True: committed.
  bool start_rerouted(decision& dec, const plan::plan_step& step,
                      const std::vector<plan::availability_step>& point,
                      std::vector<instance_id>& usable) {
    const plan::planner_params& pp = params_.planner;
    const int g = pp.gpus_per_instance;
    const int n1 = static_cast<int>(usable.size());
    const int gpus = n1 * g;
    if (!params_.reroute || !params_.rerouting.available() || !step.config.paused() || n1 == 0) {
      return false;
    }
    const double interval = pp.interval_s;
    const plan_window w = window_of(dec, step, point);
    struct option {
      parallel_config config;
      double scale = 0.0, cost = 0.0, value = -1.0;
    };
    option best;
    std::vector<plan::transition> resumes;
    for (int p = pp.p_min; p <= std::min(pp.p_max, gpus); ++p) {
      // d <= gpus: more pipelines than running GPUs only lowers the scale (perf/rerouting.hpp).
      for (int d = 2; d <= std::min(pp.d_max, gpus); ++d) {
        const parallel_config c{d, p};
        const double rate = provider_.throughput(c);
        if (pp.fits(c, n1) || !pp.allowed(c) || !(rate > 0.0)) continue;
        const double scale = params_.rerouting.scale(c, gpus / p, gpus);
        // Its resume cost is looked up only when it could beat the best so far.
        if (!(scale > 0.0) || !(rate * scale * w.seconds > best.value)) continue;
        // The plan's resume of c from the paused state (its checkpoint load included, except at
        // the job's first start, which has none).
        provider_.transitions(plan::detail::instances_of(c, g), parallel_config{}, 0, 0, resumes);
        const auto it = std::find_if(resumes.begin(), resumes.end(),
                                     [c](const plan::transition& t) { return t.target == c; });
        if (it == resumes.end()) continue;
        const double cost = charged_s(remaining_s_, start_cost(it->cost_s), c);
        if (!(cost < interval)) continue;
        const double value = rate * scale * std::max(0.0, w.seconds - cost);
        if (value > best.value) best = {c, scale, cost, value};
      }
    }
    if (best.config.paused() || !(best.value > w.planned)) return false;

    const parallel_config c = best.config;
    plan::plan_step started = step;
    started.config = c;
    started.cost_s = best.cost;
    started.remaining_s = 0.0;
    started.samples = provider_.throughput(c) * best.scale * (interval - best.cost);
    started.prob = 1.0;
    dec.expected_samples = dec.expected_samples - step.samples + started.samples;
    dec.plan = {started};
    dec.target = c;
    dec.kind = config_.paused() ? migration_kind::resume : migration_kind::restart;
    dec.placements = spread_slots(usable, g, c, gpus, params_.n_layers);
    dec.fetches.clear();
    for (const placement& pl : dec.placements) {
      if (!pl.spare())
        dec.fetches.push_back({pl.instance, pl.gpu, pl.first_layer, pl.end_layer, true, 0, 0});
    }
    dec.empty_slots = c.size() - gpus;
    dec.throughput_scale = best.scale;
    dec.expected_cost_s = best.cost;
    dec.expected_remaining_s = 0.0;
    std::ostringstream what;
    what << to_string(dec.previous) << " -> " << to_string(c) << " " << to_string(dec.kind)
         << " with " << dec.empty_slots << " slot(s) rerouted (throughput x" << best.scale
         << "), cost " << best.cost << " s; trains " << best.value << " samples against the plan's "
         << w.planned << " (paused) in the next " << w.span << " interval(s)";
    record(std::move(dec), std::move(usable), 0.0, what.str());
    return true;
  }

  /// Places the decision's target, records it as the running configuration, logs it and calls
  /// the reconfigure hook.
  void commit(decision dec, const plan::plan_step& step, std::vector<instance_id> usable) {
    const int n1 = static_cast<int>(usable.size());
    // The planner only proposes targets that fit; a broken invariant here is a parcae bug.
    PARCAE_ASSERT(params_.planner.fits(dec.target, n1) && params_.planner.allowed(dec.target));
    const std::vector<instance_id> draining(doomed_.begin(), doomed_.end());
    assignment_result a = assign(placements_, config_, usable, params_.planner.gpus_per_instance,
                                 dec.target, params_.n_layers, draining);
    dec.kind = a.kind;
    dec.placements = std::move(a.placements);
    dec.fetches = std::move(a.fetches);
    dec.expected_cost_s = step.cost_s;
    // A restart reloads the checkpoint: never expect less than its load (the planner's resume
    // cost includes it; a restart forced by lost layers during a live plan may not).
    if (dec.kind == migration_kind::restart || dec.kind == migration_kind::resume) {
      dec.expected_cost_s = std::max(dec.expected_cost_s, checkpoint_s_);
    }
    dec.expected_remaining_s = step.remaining_s;
    const double remaining_s = dec.target.paused() ? 0.0 : step.remaining_s;
    std::ostringstream what;
    what << to_string(dec.previous) << " -> " << to_string(dec.target) << " " << to_string(dec.kind)
         << ", cost " << dec.expected_cost_s << " s, plan " << dec.expected_samples << " samples";
    record(std::move(dec), std::move(usable), remaining_s, what.str());
  }

  /// Makes `dec` the running state (numbered; its target and placements, `usable` and the
  /// migration time still to go), logs "decision N (cause): n -> n' usable, <what>" and calls
  /// the reconfigure hook when something changes.
  void record(decision dec, std::vector<instance_id> usable, double remaining_s,
              const std::string& what) {
    dec.sequence = ++sequence_;
    std::ostringstream line;
    line << "decision " << dec.sequence << " ("
         << (dec.cause == trigger::interval ? "interval" : "preemption notice")
         << "): " << usable_.size() << " -> " << usable.size() << " usable, " << what;
    config_ = dec.target;
    remaining_s_ = remaining_s;
    placements_ = dec.placements;
    usable_ = std::move(usable);
    log(line.str());
    last_ = std::move(dec);
    if (last_.kind != migration_kind::none) hooks_.reconfigure(last_);
  }

  controller_params params_;
  plan::any_transition_provider provider_;
  forecaster_fn forecaster_;
  hooks hooks_;
  plan::dp_planner<plan::any_transition_provider> planner_;
  /// The stochastic planner's extra planners (controller_options::planner_threads).
  std::vector<std::unique_ptr<plan::dp_planner<plan::any_transition_provider>>> helpers_;
  std::vector<plan::dp_planner<plan::any_transition_provider>*> helper_ptrs_;

  mutable std::mutex mutex_;
  mutable std::atomic<std::thread::id> owner_{};

  std::set<instance_id> alive_, doomed_, start_;
  std::vector<instance_id> usable_;  ///< usable instances at the last decision
  parallel_config config_;
  double remaining_s_ = 0.0;
  std::vector<placement> placements_;
  std::vector<interval_record> history_;
  quiet_time quiet_;             ///< the expected quiet, over history_ (terminal_s)
  std::uint64_t intervals_ = 0;  ///< on_interval calls so far
  std::uint64_t sequence_ = 0;
  decision last_;
  double checkpoint_s_ = 0.0;  ///< the job's checkpoint load (0 for a custom provider)

  /// The reactive rule's shadow (controller_options::guard): where it would run and what it
  /// would have trained, stepped on the controller's own events.
  struct shadow_state {
    parallel_config config;
    double remaining_s = 0.0;
    std::vector<placement> placements;
    std::vector<instance_id> usable;
  };
  shadow_state shadow_;
  double planned_samples_ = 0.0, shadow_samples_ = 0.0;
  bool following_ = false;
  int trips_ = 0;
  int behind_ = 0;  ///< consecutive planned intervals with the shadow ahead by the margin
  long long probation_left_ = 0;
};

}  // namespace parcae::runtime
