#pragma once
// Vocabulary of the planner (Parcae §5.1): the predicted events of each horizon step, the state a
// step starts from, one executed step of a plan, and the planner's parameters.
//
// Timeline of one horizon step k (the artifact's convention, liveput/liveput.py): the interval's
// events (n_in instances added, n_out preempted) hit the configuration that ran in step k-1, the
// job migrates to the step's target (d,p), paying the expected migration cost, and trains for the
// rest of the interval. The instances alive after step k are N_k = N_{k-1} + n_in - n_out.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/limits.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/perf/rerouting.hpp"

namespace parcae::plan {

/// Events of one horizon step: instances added and preempted during the interval.
struct availability_step {
  int n_in = 0;   ///< instances allocated during the interval
  int n_out = 0;  ///< instances preempted during the interval
};

/// One reachable target of a transition, as a transition provider reports it (Parcae §1.4: the
/// LiveStore entry of a target (d,p) under the key (N, D, P, n_in, n_out)).
struct transition {
  parallel_config target;  ///< configuration after the migration
  double prob = 1.0;       ///< probability that the migration is feasible (1.0 in the artifact)
  double cost_s = 0.0;     ///< expected migration time in seconds (0 = nothing to do)
};

/// The state a step starts from: the configuration that ran in the previous interval and, when
/// its migration had not finished by the interval's end, the migration time still to go.
struct plan_state {
  parallel_config config;    ///< {0,0} = paused
  double remaining_s = 0.0;  ///< > 0: still migrating (the artifact's status 1)

  bool migrating() const { return remaining_s > 0.0; }
};

/// One executed step of a plan.
struct plan_step {
  int n_before = 0;          ///< instances alive before the step's events (N_{k-1})
  int n_after = 0;           ///< instances alive after them (N_k); the target fits on these
                             ///< or runs rerouted on them (empty_slots)
  availability_step events;  ///< the events the step was planned for
  parallel_config config;    ///< target of the step ({0,0} = paused)
  double prob = 1.0;         ///< reachability probability of the target
  double cost_s = 0.0;       ///< migration time charged in this step (after the concurrent rules)
  double samples = 0.0;      ///< samples trained in this step (T(d,p) * (interval*prob - cost))
  double remaining_s = 0.0;  ///< migration time left at the step's end (> 0: still migrating)
  /// Slots of `config` left empty after the step, their micro-batches rerouted to their stages'
  /// peers (planner_params::rerouting; a later step only); 0: it runs whole on n_after.
  int empty_slots = 0;
};

enum class plan_status {
  ok,     ///< every step trains or migrates
  paused  ///< at least one step pauses because no configuration fits (or pausing is best)
};

/// A plan over the horizon. Only the first step is executed (receding horizon, Parcae §5.1).
struct plan_result {
  plan_status status = plan_status::ok;
  std::vector<plan_step> steps;
  double expected_samples = 0.0;  ///< the plan's value: samples summed over the horizon

  /// The configuration to run now (the first step's target).
  parallel_config first() const { return steps.empty() ? parallel_config{} : steps.front().config; }
};

/// How a migration started while another still runs is charged (detail::charged_cost).
///   artifact : its cost + R(target,'no-op'), the running one's remainder dropped (the
///              artifact's rule, §3.2). It lets a plan "cut short" a long start with a cheap
///              migration out of a configuration that never ran (docs/results.md).
///   remainder: max(remaining, cost) + R(target,'no-op'): it cannot end before the running one
///              would have. The planner's first step may start anything; a later step's
///              migrating state may keep finishing, keep its configuration through a refill,
///              pause, or start its best new migration when that is at least as long as what is
///              left (detail::may_start; dp_planner.hpp says why, and what the exact rule costs).
/// planner_params defaults to artifact (the artifact's DP); runtime::controller_options and
/// sim::sim_params default to remainder and pass it on.
enum class concurrent_charge { artifact, remainder };

/// Inputs that the artifact hard-codes (§1.3 bounds, §4 clamp to [8,32], Δ = 60 s).
struct planner_params {
  double interval_s = 60.0;     ///< interval length Δ in seconds
  int gpus_per_instance = 1;    ///< g: d*p counts GPU slots (perf/migration.hpp placement)
  int capacity = 1 << 20;       ///< most instances the job may occupy (d*p <= capacity*g)
  int p_min = 1;                ///< smallest pipeline depth that fits in memory
  int p_max = 32;               ///< largest pipeline depth (layers - 1 for transformers)
  int d_max = 1 << 20;          ///< largest data-parallel degree
  std::vector<int> excluded_p;  ///< depths the model cannot be split into (artifact ignore_pp)
  std::vector<int> excluded_d;  ///< data-parallel degrees not allowed (artifact ignore_dp)
  /// Value beyond the horizon: the configuration after step H trains at its throughput for this
  /// many more seconds (less the migration still running), so a migration whose gain pays back
  /// only after the horizon is not refused for that alone (a receding horizon otherwise re-plans
  /// the same H intervals forever and never takes it). 0: nothing after the horizon counts (the
  /// artifact's DP).
  double terminal_s = 0.0;
  /// The rule for a migration started while another runs (concurrent_charge).
  concurrent_charge concurrent = concurrent_charge::artifact;
  /// Rerouting in the plan's later steps (perf/rerouting.hpp; dp_planner.hpp, "Rerouting"): a
  /// configuration that a forecast loss leaves too few GPUs may keep running with the lost slots'
  /// micro-batches rerouted to their stages' peers, as runtime::controller_options::reroute lets
  /// the controller do. Default-constructed (unavailable): a configuration that does not fit must
  /// be left, the artifact's model. The controller sets it when it reroutes.
  perf::reroute_model rerouting;

  void validate(const char* function) const {
    check_positive(function, "params.interval_s", interval_s);
    check_at_least(function, "params.gpus_per_instance", gpus_per_instance, 1);
    check_at_most(function, "params.gpus_per_instance", gpus_per_instance,
                  parcae::limits::gpus_per_instance);
    check_at_least(function, "params.capacity", capacity, 1);
    check_at_most(function, "params.capacity", capacity, parcae::limits::instances);
    check_at_least(function, "params.p_min", p_min, 1);
    check_at_least(function, "params.p_max", p_max, p_min);
    check_at_least(function, "params.d_max", d_max, 1);
    check_at_most(function, "params.d_max", d_max, static_cast<int>(parcae::limits::gpus));
    for (int p : excluded_p) check_at_least(function, "params.excluded_p[]", p, 1);
    for (int d : excluded_d) check_at_least(function, "params.excluded_d[]", d, 1);
    check_bounded(function, "params.terminal_s", terminal_s, 0.0, 1e9);
    // Rerouting's batch sizes and failover (perf::reroute_model): a negative or NaN one would
    // reach the planner as a provider transition with a bad cost.
    check_bounded(function, "params.rerouting.global_batch", rerouting.global_batch, 0, 1 << 30);
    check_bounded(function, "params.rerouting.micro_batch", rerouting.micro_batch, 0, 1 << 30);
    check_bounded(function, "params.rerouting.proc_ms", rerouting.proc_ms, 0.0, 1e9);
    check_bounded(function, "params.rerouting.comm.init_ms", rerouting.comm.init_ms, 0.0, 1e9);
    check_bounded(function, "params.rerouting.comm.remove_ms_per_unit",
                  rerouting.comm.remove_ms_per_unit, 0.0, 1e9);
    if (concurrent != concurrent_charge::artifact && concurrent != concurrent_charge::remainder) {
      throw_invalid(function, "params.concurrent", static_cast<int>(concurrent),
                    "artifact (0) or remainder (1)");
    }
  }

  /// Samples a configuration of throughput `tput` still trains after the horizon, when
  /// `remaining_s` of migration are left at its end.
  double terminal_value(double tput, double remaining_s) const {
    return tput * std::max(0.0, terminal_s - remaining_s);
  }
  void validate() const { validate("parcae::plan::planner_params::validate"); }

  /// True when c fits on n instances: d*p <= n*g GPUs.
  bool fits(parallel_config c, int n) const {
    return static_cast<long long>(c.d) * c.p <= static_cast<long long>(n) * gpus_per_instance;
  }

  /// True when (d,p) satisfies the bounds (the size check against N is the planner's).
  bool allowed(parallel_config c) const {
    if (c.paused()) return true;
    if (c.d < 1 || c.p < p_min || c.p > p_max || c.d > d_max || !fits(c, capacity)) return false;
    return std::find(excluded_p.begin(), excluded_p.end(), c.p) == excluded_p.end() &&
           std::find(excluded_d.begin(), excluded_d.end(), c.d) == excluded_d.end();
  }
};

namespace detail {

/// The horizon as the planner reads it: a step may count instances that joined and left within
/// it (a binned real trace does; so may a forecast), so more can leave than were alive at its
/// start. Such an instance brings nothing and costs nothing: each step's excess
/// x = max(0, n_out - N_k) is taken from both n_in and n_out. A step with n_out > N_k + n_in (more
/// left than were ever there) or a negative count is invalid.
inline std::vector<availability_step> normalized_steps(
    const char* function, int n0, const std::vector<availability_step>& steps) {
  check_bounded(function, "n0", n0, 0, 1 << 24);
  std::vector<availability_step> out(steps);
  long long n = n0;
  for (std::size_t k = 0; k < out.size(); ++k) {
    const std::string at = "steps[" + std::to_string(k) + "]";
    check_bounded(function, at + ".n_in", out[k].n_in, 0, 1 << 24);
    check_bounded(function, at + ".n_out", out[k].n_out, 0, static_cast<int>(n) + out[k].n_in);
    const int excess = std::max(0, out[k].n_out - static_cast<int>(n));
    out[k].n_in -= excess;
    out[k].n_out -= excess;
    n += out[k].n_in - out[k].n_out;
  }
  return out;
}

/// Validates the horizon and returns N_0..N_H.
inline std::vector<int> horizon_counts(const char* function, int n0,
                                       const std::vector<availability_step>& steps) {
  check_nonnegative(function, "n0", n0);
  check_at_most(function, "n0", n0, parcae::limits::instances);
  std::vector<int> n(steps.size() + 1);
  n[0] = n0;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const std::string at = "steps[" + std::to_string(k) + "]";
    check_nonnegative(function, at + ".n_in", steps[k].n_in);
    check_at_most(function, at + ".n_in", steps[k].n_in, parcae::limits::instances - n[k]);
    check_bounded(function, at + ".n_out", steps[k].n_out, 0, n[k]);
    n[k + 1] = n[k] + steps[k].n_in - steps[k].n_out;
  }
  return n;
}

/// Instances a configuration runs on when it is whole: ceil(d*p / g).
inline int instances_of(parallel_config c, int g) {
  return static_cast<int>((static_cast<long long>(c.size()) + g - 1) / g);
}

/// Slots of `c` left empty on n instances when every one of them is in use: d*p - n*g, or 0 when
/// it fits.
inline long long empty_slots(const planner_params& params, parallel_config c, int n) {
  return std::max(
      0LL, static_cast<long long>(c.size()) - static_cast<long long>(n) * params.gpus_per_instance);
}

/// The throughput scale of `c` run rerouted with `empty` of its d*p slots empty
/// (planner_params::rerouting), spread evenly over its stages: the most-hit stage keeps
/// d - ceil(empty/p) replicas (the controller can rebalance to that). 1 with no empty slot; 0 when
/// rerouting is unavailable or would leave a stage with no replica. The planner knows counts, not
/// which slots went, hence the even spread.
inline double rerouted_scale_slots(const planner_params& params, parallel_config c,
                                   long long empty) {
  if (c.paused() || empty <= 0) return 1.0;
  if (!params.rerouting.available() || empty >= c.size()) return 0.0;
  const long long r = c.d - (empty + c.p - 1) / c.p;
  if (r < 1) return 0.0;
  return params.rerouting.scale(c, static_cast<int>(r), static_cast<int>(c.size() - empty));
}

/// rerouted_scale_slots of `c` on n instances, every one of them in use: 1 when it fits.
inline double rerouted_scale(const planner_params& params, parallel_config c, int n) {
  return rerouted_scale_slots(params, c, empty_slots(params, c, n));
}

/// The rate valued after the horizon (planner_params::terminal_s) of `c`, whose throughput is
/// `tput`, on the horizon's last count n: rerouted when it does not fit there. Without rerouting
/// the whole rate (a configuration that does not fit is never reached then).
inline double terminal_rate(const planner_params& params, parallel_config c, double tput, int n) {
  return params.rerouting.available() ? tput * rerouted_scale(params, c, n) : tput;
}

inline void check_initial(const char* function, const planner_params& params, int n0,
                          plan_state s) {
  check_nonnegative(function, "initial.remaining_s", s.remaining_s);
  if (s.config.paused()) {
    if (s.config.d != 0 || s.config.p != 0) {
      throw_invalid(function, "initial.config", to_string(s.config), "(0,0) or d,p >= 1");
    }
    if (s.remaining_s > 0.0) {
      throw_invalid(function, "initial.remaining_s", s.remaining_s, "0 when paused");
    }
    return;
  }
  if (!params.allowed(s.config)) {
    throw_invalid(function, "initial.config", to_string(s.config),
                  "within the planner's pipeline and capacity bounds");
  }
  if (!params.fits(s.config, n0)) {
    throw_invalid(function, "initial.config", to_string(s.config),
                  "at most n0 = " + std::to_string(n0) + " instances");
  }
}

}  // namespace detail
}  // namespace parcae::plan
