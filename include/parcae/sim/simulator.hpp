#pragma once
// The trace-driven simulator: replays a trace through a policy and accounts, interval by
// interval, the samples trained, the time lost to migration and the instance-hours paid.
//
// Timeline of interval k (the artifact's, liveput/liveput.py `optimize` and throughput.py;
// parcae-artifact.md §5.2): the interval's events (n_in instances join, n_out are preempted)
// hit the configuration that ran in interval k-1; the policy sees what survived and picks the
// configuration for interval k, which must fit the N' = N + n_in - n_out instances left; it
// pays the migration cost and trains for the rest of the interval.
//
// Accounting (the artifact's, verbatim in effect): with `remaining` the migration time still
// to go from earlier intervals and c the cost of the migration the policy starts now,
//   c > 0:  remaining = remaining > 0 ? c + concurrent : c     (a concurrent restart, §3.2)
//   c = 0:  remaining is unchanged (the running migration goes on)
//   samples = T(d,p) * max(0, interval - remaining);  remaining = max(0, remaining - interval)
// so a migration longer than an interval spills into the next one. A paused job (config {0,0})
// trains nothing and carries nothing.
//
// Placement of instances (needed to know which stage a preempted instance held): every policy's
// configuration is placed on the alive instances by the runtime's own rule (runtime::assign,
// runtime/assignment.hpp: a survivor keeps the stage it holds, new slots go to spares first), from
// the placement of the previous interval. So the parcae policies, whose runtime::controller places
// its stages by the same rule, are accounted on exactly the placement the controller chose, and
// every baseline on the placement a launcher using that rule would have.
//
// Instance-hours: trace events fall on interval boundaries in the bundled traces (1-minute
// resolution), so interval k is paid for the N' instances alive after its events.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/perf/migration.hpp"
#include "parcae/plan/job.hpp"
#include "parcae/runtime/assignment.hpp"
#include "parcae/sim/events.hpp"

namespace parcae::sim {

/// The job the simulator replays a trace through: the one job setup (plan/job.hpp).
using plan::job;

/// What the trace's events left of the configuration that ran in the previous interval
/// (perf/migration.hpp's survivor summary, plus what the baselines need).
struct survivor_summary {
  parallel_config old_config;  ///< the configuration that ran ({0,0}: none)
  std::vector<int> replicas;   ///< surviving replicas of each old stage (old_config.p entries)
  int free_gpus = 0;           ///< surviving GPUs without a stage slot (spares)
  int joined_gpus = 0;         ///< GPUs of instances that joined
  int slots_lost = 0;          ///< stage slots (GPUs holding a stage) lost to preemption
  /// Some pipeline lost two neighbouring stages s-1 and s (cyclically; any loss when p = 1):
  /// the case in which a Bamboo-style redundant copy is lost too.
  bool neighbours_lost = false;
};

/// Parcae's live migration from what the events left (`s`) to `target` (plan::job).
inline perf::migration_result live_migration(const job& j, const survivor_summary& s,
                                             parallel_config target) {
  return j.live_migration(s.old_config, s.replicas, s.free_gpus, s.joined_gpus, target);
}

/// Progress of a run: `done` of `total` intervals replayed (simulate's optional callback).
using progress_fn = std::function<void(std::size_t done, std::size_t total)>;

/// How a migration that starts while another still runs is charged (plan::concurrent_charge):
/// artifact (its cost + a concurrent restart; what the running one had left is dropped) or
/// remainder (max(remaining, cost) + the restart). run_harness plans parcae's policies with the
/// same rule.
using concurrent_charge = plan::concurrent_charge;

struct sim_params {
  /// The rule for a migration started while another runs (concurrent_charge). Default remainder:
  /// the artifact's rule let its planner "cut short" a long start (docs/results.md); artifact
  /// reproduces its simulator.
  concurrent_charge concurrent = concurrent_charge::remainder;
  double spot_price_per_hour = 0.91;       ///< p3.2xlarge spot, as in Bamboo's simulator
  double on_demand_price_per_hour = 3.06;  ///< p3.2xlarge on-demand
  bool keep_timeline = true;               ///< record one row per interval
  /// simulate's progress callback runs after every this many intervals (and after the last):
  /// often enough for a progress bar, rare enough that a std::function call costs nothing next
  /// to the intervals' work.
  std::size_t progress_every = 64;

  void validate() const {
    const char* f = "parcae::sim::sim_params::validate";
    check_nonnegative(f, "spot_price_per_hour", spot_price_per_hour);
    check_finite(f, "spot_price_per_hour", spot_price_per_hour);
    check_nonnegative(f, "on_demand_price_per_hour", on_demand_price_per_hour);
    check_finite(f, "on_demand_price_per_hour", on_demand_price_per_hour);
    check_at_least(f, "progress_every", progress_every, std::size_t{1});
    if (concurrent != concurrent_charge::artifact && concurrent != concurrent_charge::remainder) {
      throw_invalid(f, "concurrent", static_cast<int>(concurrent), "artifact (0) or remainder (1)");
    }
  }
};

/// What a policy sees when it decides interval k.
struct interval_view {
  std::size_t index = 0;                    ///< k
  double interval_s = 60.0;                 ///< interval length
  int n_before = 0;                         ///< instances alive at the interval's start (N)
  int n_in = 0;                             ///< instances that joined
  int n_out = 0;                            ///< instances preempted
  int n_after = 0;                          ///< instances left: the decision must fit them
  parallel_config current;                  ///< configuration of interval k-1 ({0,0}: none)
  double remaining_s = 0.0;                 ///< migration time still to go from earlier intervals
  survivor_summary survivors;               ///< what the events left of `current`
  const event_trace* trace = nullptr;       ///< the whole trace (oracle policies read the future)
  const interval_events* events = nullptr;  ///< the interval's events with instance ids
};

/// A policy's choice for one interval.
struct choice {
  parallel_config config;         ///< configuration to run ({0,0}: pause)
  double cost_s = 0.0;            ///< migration/restart time started now (0: none)
  double concurrent_s = 0.0;      ///< added when a migration is still running (§3.2)
  double throughput_scale = 1.0;  ///< multiplies T(d,p) (redundancy overheads); in (0, 1]
  const char* kind = "none";      ///< what the cost is for (shown in the timeline)
  /// Stage slots of the running configuration the events took, when the policy places its
  /// instances itself (recycle); -1: from the simulator's placement.
  int slots_lost = -1;
  /// Stage slots of `config` left empty because their work is rerouted to peers (ReCycle); the
  /// configuration then needs that many GPUs less, and throughput_scale says what it costs.
  int empty_slots = 0;
  /// With empty_slots: the configuration starts afresh (from the checkpoint) instead of keeping
  /// the survivors where they ran; its running slots are placed as runtime::spread_slots places
  /// them (the controller's rerouted start).
  bool fresh_start = false;
};

/// A policy. Implement name() and decide(); the other members have defaults.
struct policy_result;

class policy {
 public:
  virtual ~policy() = default;
  virtual std::string name() const = 0;
  /// Called once before a run.
  virtual void reset(const job&, const event_trace&) {}
  /// The configuration of interval v.index (must fit v.n_after instances, or instances(v)).
  virtual choice decide(const interval_view& v, const job& j) = 0;
  /// A fixed cluster that the trace does not touch (on-demand): its size, else 0.
  virtual int fixed_instances() const { return 0; }
  /// Adds what only the policy knows of the run to its result, after the last interval (the
  /// parcae policies: the regret guard's trips).
  virtual void describe(policy_result&) const {}
};

/// One row of the timeline.
struct timeline_row {
  std::size_t index = 0;
  int instances = 0;  ///< instances paid for in the interval
  int n_in = 0, n_out = 0;
  parallel_config config;
  const char* kind = "none";
  double cost_s = 0.0;       ///< migration time started in this interval
  double lost_s = 0.0;       ///< time of the interval spent migrating
  double samples = 0.0;      ///< samples trained in the interval
  double cumulative = 0.0;   ///< samples trained up to its end
  double remaining_s = 0.0;  ///< migration time carried into the next interval
  int slots_lost = 0;        ///< stage slots of the running configuration preempted
  int empty_slots = 0;       ///< slots of `config` left empty, their work rerouted (ReCycle)
};

/// Totals of one run.
struct policy_result {
  std::string name;
  double samples = 0.0;
  int reconfigurations = 0;        ///< intervals in which a migration or restart started
  int config_changes = 0;          ///< intervals whose configuration differs from the last
  double migration_seconds = 0.0;  ///< training time lost to migrations
  double paused_seconds = 0.0;     ///< time with no configuration running
  double instance_hours = 0.0;
  double cost_usd = 0.0;
  int slots_preempted = 0;  ///< stage slots lost to preemptions over the run
  /// Times the controller's regret guard tripped (runtime::controller_options::guard); -1 for a
  /// policy without one, or with it off.
  int guard_trips = -1;
  bool on_demand = false;
  std::vector<timeline_row> timeline;

  /// Dollars per million samples (infinite when nothing was trained).
  double usd_per_million_samples() const {
    return samples > 0.0 ? cost_usd / samples * 1e6 : INFINITY;
  }
};

namespace detail {

/// What the events left of configuration `c` placed as `placed`: `lost` are the instances
/// preempted, `survivors` the instances still alive that were alive before, `joined` the number
/// of instances that joined (and stayed).
inline survivor_summary summarize(parallel_config c, const std::vector<runtime::placement>& placed,
                                  const std::set<runtime::instance_id>& lost, int survivors,
                                  int joined, int g) {
  survivor_summary s;
  s.old_config = c;
  s.joined_gpus = joined * g;
  if (c.paused()) {
    s.free_gpus = survivors * g;
    return s;
  }
  s.replicas.assign(static_cast<std::size_t>(c.p), 0);
  // (pipeline, stage) slots lost, for the neighbour test.
  std::vector<char> gone(static_cast<std::size_t>(c.size()), 0);
  int in_job = 0;
  for (const runtime::placement& pl : placed) {
    if (pl.spare()) continue;
    // A placement of another configuration here is a simulator bug (it indexes by stage).
    PARCAE_ASSERT(pl.stage >= 0 && pl.stage < c.p && pl.pipeline >= 0 && pl.pipeline < c.d);
    if (lost.count(pl.instance)) {
      ++s.slots_lost;
      gone[static_cast<std::size_t>(pl.pipeline * c.p + pl.stage)] = 1;
      continue;
    }
    ++s.replicas[static_cast<std::size_t>(pl.stage)];
    ++in_job;
  }
  for (int j = 0; j < c.size() && !s.neighbours_lost; ++j) {
    if (!gone[static_cast<std::size_t>(j)]) continue;
    const int pipe = j / c.p, stage = j % c.p;
    const int prev = pipe * c.p + (stage + c.p - 1) % c.p;
    s.neighbours_lost = c.p == 1 || gone[static_cast<std::size_t>(prev)];
  }
  s.free_gpus = survivors * g - in_job;
  return s;
}

}  // namespace detail

/// Replays `trace` through `pol` for `j`. Throws parcae::invalid_argument for bad params and for
/// a decision that cannot run (it does not fit the instances left, has an invalid or
/// memory-infeasible depth, or a bad cost or scale), naming the policy and the interval: the
/// simulator never accounts an infeasible configuration. `progress` (optional) is called with
/// (intervals done, trace.size()) every params.progress_every intervals and once at the end.
inline policy_result simulate(const event_trace& trace, policy& pol, const job& j,
                              const sim_params& params = {}, const progress_fn& progress = {}) {
  const char* f = "parcae::sim::simulate";
  params.validate();
  check_positive(f, "trace.interval_s", trace.interval_s);
  const int fixed = pol.fixed_instances();
  check_nonnegative(f, "policy.fixed_instances()", fixed);
  pol.reset(j, trace);
  policy_result out;
  out.name = pol.name();
  out.on_demand = fixed > 0;
  const double dt = trace.interval_s;
  const int g = j.gpus_per_instance();
  const double price = fixed > 0 ? params.on_demand_price_per_hour : params.spot_price_per_hour;
  std::set<runtime::instance_id> alive;    // instances alive (trace ids)
  std::vector<runtime::placement> placed;  // placement of `current` (runtime::assign)
  std::set<runtime::instance_id> lost;
  parallel_config current;
  double remaining = 0.0, cumulative = 0.0;
  if (params.keep_timeline) out.timeline.reserve(trace.size());
  for (std::size_t k = 0; k < trace.size(); ++k) {
    const interval_events& ev = trace[k];
    interval_view v;
    v.index = k;
    v.interval_s = dt;
    v.trace = &trace;
    v.events = fixed > 0 ? nullptr : &ev;
    v.current = current;
    v.remaining_s = remaining;
    lost.clear();
    int joined = 0;
    if (fixed > 0) {
      v.n_before = k == 0 ? 0 : fixed;
      v.n_in = k == 0 ? fixed : 0;
      v.n_after = fixed;
      joined = v.n_in;
      if (k == 0) {
        for (int i = 0; i < fixed; ++i) alive.insert(static_cast<runtime::instance_id>(i));
      }
    } else {
      v.n_before = ev.alive;
      v.n_in = ev.added;
      v.n_out = ev.removed;
      v.n_after = ev.alive_after();
      for (int id : ev.removed_ids) {
        if (alive.erase(static_cast<runtime::instance_id>(id))) {
          lost.insert(static_cast<runtime::instance_id>(id));
        }
      }
      // Instances that joined and left within the interval bring nothing.
      for (int id : ev.added_ids) {
        if (std::find(ev.removed_ids.begin(), ev.removed_ids.end(), id) == ev.removed_ids.end()) {
          alive.insert(static_cast<runtime::instance_id>(id));
          ++joined;
        }
      }
    }
    v.survivors = detail::summarize(current, placed, lost, static_cast<int>(alive.size()) - joined,
                                    joined, g);
    const choice d = pol.decide(v, j);
    const std::string at = "policy '" + out.name + "' at interval " + std::to_string(k);
    if (!j.runnable(d.config)) {
      throw_invalid(f, at + " config", to_string(d.config),
                    "(0,0) or a valid, memory-feasible configuration");
    }
    if (d.empty_slots < 0 || (d.empty_slots > 0 && d.empty_slots >= d.config.size())) {
      throw_invalid(f, at + " empty_slots", d.empty_slots,
                    "in [0, d*p) of config " + to_string(d.config));
    }
    if (static_cast<long long>(d.config.size()) - d.empty_slots >
        static_cast<long long>(v.n_after) * g) {
      throw_invalid(
          f, at + " config", to_string(d.config),
          "at most the " + std::to_string(v.n_after) + " instances alive" +
              (d.empty_slots > 0 ? " (less its " + std::to_string(d.empty_slots) + " empty slots)"
                                 : std::string()));
    }
    if (!(d.cost_s >= 0.0) || !std::isfinite(d.cost_s)) {
      throw_invalid(f, at + " cost_s", d.cost_s, "finite and >= 0");
    }
    if (!(d.concurrent_s >= 0.0) || !std::isfinite(d.concurrent_s)) {
      throw_invalid(f, at + " concurrent_s", d.concurrent_s, "finite and >= 0");
    }
    if (!(d.throughput_scale > 0.0 && d.throughput_scale <= 1.0)) {
      throw_invalid(f, at + " throughput_scale", d.throughput_scale, "in (0, 1]");
    }
    timeline_row row;
    row.index = k;
    row.instances = v.n_after;
    row.n_in = v.n_in;
    row.n_out = v.n_out;
    row.config = d.config;
    row.kind = d.kind;
    row.slots_lost = d.slots_lost >= 0 ? d.slots_lost : v.survivors.slots_lost;
    row.empty_slots = d.empty_slots;
    if (d.config.paused()) {
      remaining = 0.0;
      out.paused_seconds += dt;
    } else {
      if (d.cost_s > 0.0) {
        if (!(remaining > 0.0)) {
          remaining = d.cost_s;
        } else if (params.concurrent == concurrent_charge::remainder) {
          remaining = std::max(remaining, d.cost_s) + d.concurrent_s;
        } else {
          remaining = d.cost_s + d.concurrent_s;
        }
        row.cost_s = remaining;
        ++out.reconfigurations;
      }
      row.lost_s = std::min(remaining, dt);
      row.samples = j.throughput(d.config) * d.throughput_scale * std::max(0.0, dt - remaining);
      remaining = std::max(0.0, remaining - dt);
    }
    if (k > 0 && d.config != current) ++out.config_changes;
    cumulative += row.samples;
    row.cumulative = cumulative;
    row.remaining_s = remaining;
    out.samples = cumulative;
    out.migration_seconds += row.lost_s;
    out.slots_preempted += row.slots_lost;
    out.instance_hours += v.n_after * dt / 3600.0;
    if (params.keep_timeline) out.timeline.push_back(row);
    // The placement of the new configuration, by the runtime's rule; a configuration run with
    // empty slots (rerouted work) keeps the survivors where they were, newcomers as spares.
    const std::vector<runtime::instance_id> usable(alive.begin(), alive.end());
    if (d.empty_slots > 0 && d.config == current && !d.fresh_start) {
      placed = runtime::keep_survivors(placed, usable, g);
    } else if (d.empty_slots > 0) {
      // A configuration entered with empty slots (ideal-rerouting's bound, the controller's
      // rerouted start): its running slots spread evenly over the stages, the k-th usable GPU on
      // (k / p, k % p). (Keeping the survivors would keep the old configuration's stages.)
      placed =
          runtime::spread_slots(usable, g, d.config, d.config.size() - d.empty_slots, j.n_layers());
    } else {
      placed = runtime::assign(placed, current, usable, g, d.config, j.n_layers()).placements;
    }
    current = d.config;
    if (progress && ((k + 1) % params.progress_every == 0 || k + 1 == trace.size())) {
      progress(k + 1, trace.size());
    }
  }
  out.cost_usd = out.instance_hours * price;
  pol.describe(out);
  return out;
}

}  // namespace parcae::sim
