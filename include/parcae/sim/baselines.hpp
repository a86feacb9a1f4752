#pragma once
// The baseline policies of the simulator (Parcae's comparison, parcae-artifact.md §5.2 and §6):
//   ideal      the throughput-optimal configuration every interval at zero cost (an upper bound;
//              artifact throughput.py with ideal=True);
//   reactive   the same choice, reached by a checkpoint restart whenever instances join or leave
//              (Varuna-like; artifact throughput.py, the "throughput-opt" baseline);
//   on_demand  a fixed cluster that is never preempted, paid at the on-demand price;
//   bamboo     redundant computation after Bamboo (Thorpe et al., NSDI'23): see below;
//   reactive_live  the throughput-optimal configuration every interval, reached by Parcae's live
//              migrations instead of a restart (what live-reconfiguring systems such as
//              TrainMover or LiveR do): isolates what forecasting and liveput add;
//   recycle    ReCycle (Gandhi et al., SOSP'24): reroute a lost stage's micro-batches to its
//              data-parallel peers; see below.

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/perf/migration.hpp"
#include "parcae/sim/simulator.hpp"

namespace parcae::sim {

namespace detail {
/// The restart kind of an interval: 'add' when instances joined (or at the start), else
/// 'remove' (artifact throughput.py `recfg_type`).
inline perf::restart_kind event_kind(const interval_view& v) {
  return v.n_in > 0 || v.index == 0 || v.current.paused() ? perf::restart_kind::add
                                                          : perf::restart_kind::remove;
}
}  // namespace detail

/// Throughput-optimal configuration every interval, no cost: the upper bound of every policy
/// that runs whole configurations on the trace's instances (the artifact's ideal, pinned by the
/// tests). With `rerouting`, also every candidate run with empty slots (perf/rerouting.hpp),
/// spread evenly over its stages: the upper bound of rerouting policies too (recycle, parcae's
/// controller with reroute on), which can use GPU counts no (d, p) has.
class ideal_policy final : public policy {
 public:
  explicit ideal_policy(bool rerouting = false) : rerouting_(rerouting) {}
  std::string name() const override { return rerouting_ ? "ideal-rerouting" : "ideal"; }
  choice decide(const interval_view& v, const job& j) override {
    choice d;
    d.config = j.best(v.n_after);
    if (!rerouting_) return d;
    const perf::reroute_model& reroute = j.reroute();
    const long long gpus = static_cast<long long>(v.n_after) * j.gpus_per_instance();
    double best = j.throughput(d.config);
    for (const liveput::target_info& c : j.candidates()) {
      const long long empty = static_cast<long long>(c.config.size()) - gpus;
      if (empty <= 0) continue;
      // Even spread: the most-hit stage loses ceil(empty / p) of its d replicas.
      const long long r_min = c.config.d - (empty + c.config.p - 1) / c.config.p;
      if (r_min < 1) continue;
      const double scale = reroute.scale(c.config, static_cast<int>(r_min), static_cast<int>(gpus));
      if (c.throughput * scale > best) {
        best = c.throughput * scale;
        d.config = c.config;
        d.empty_slots = static_cast<int>(empty);
        d.throughput_scale = scale;
      }
    }
    return d;
  }

 private:
  bool rerouting_ = false;
};

/// Reactive, throughput-optimal, checkpoint-restart (artifact throughput.py; §5.2): on every
/// interval in which instances join or leave (and at the start) it restarts into the
/// throughput-optimal configuration, paying R(d,p,add|remove) + 14 s checkpoint save and load
/// (not at the start) + the serial fetch of every stage's states; a restart that starts while
/// another is running adds R(d,p,add|remove) (the artifact's estimate_concurrent_restart_cost
/// with the same type).
class reactive_policy final : public policy {
 public:
  std::string name() const override { return "reactive"; }
  choice decide(const interval_view& v, const job& j) override {
    choice d;
    d.config = j.best(v.n_after);
    if (d.config.paused()) return d;
    if (v.index == 0 || v.n_in + v.n_out > 0 || v.current.paused()) {
      const perf::restart_kind kind = detail::event_kind(v);
      d.cost_s = j.restart_s(d.config, kind, v.index > 0);
      d.concurrent_s = j.restart_only_s(d.config, kind);
      d.kind = "restart";
    }
    return d;
  }
};

/// A fixed on-demand cluster of `instances` instances, never preempted: it runs its
/// throughput-optimal configuration, paying one start-up (a restart without checkpoint) in the
/// first interval.
class on_demand_policy final : public policy {
 public:
  explicit on_demand_policy(int instances) : instances_(instances) {
    check_at_least("parcae::sim::on_demand_policy::on_demand_policy", "instances", instances, 1);
  }
  std::string name() const override { return "on-demand"; }
  int fixed_instances() const override { return instances_; }
  choice decide(const interval_view& v, const job& j) override {
    choice d;
    d.config = j.best(instances_);
    if (v.index == 0 && !d.config.paused()) {
      d.cost_s = j.restart_s(d.config, perf::restart_kind::add, false);
      d.kind = "start";
    }
    return d;
  }

 private:
  int instances_;
};

struct bamboo_params {
  /// Fraction of throughput lost to redundant computation while running. Bamboo's eager
  /// redundant forward pass runs the successor stage's forward on every stage; a forward is
  /// about a third of forward + backward (gpt-1.5b block: 6.5 of 20.0 ms), and Bamboo hides
  /// part of it in pipeline bubbles; 0.3 charges most of it (see docs/simulator.md).
  double throughput_penalty = 0.3;
  /// Failover cost in seconds when a lost stage's neighbour takes over. < 0 (default): the
  /// communicator rebuild and process restart of the running configuration, G(d,p,remove) +
  /// proc (the cost of Parcae's intra-stage migration, about 2 s for gpt-1.5b (4,8)): the
  /// neighbour already holds the layers and their states, so nothing is transferred.
  double failover_s = -1.0;

  void validate() const {
    const char* f = "parcae::sim::bamboo_params::validate";
    check_bounded(f, "throughput_penalty", throughput_penalty, 0.0, 0.99);
    check_finite(f, "failover_s", failover_s);
  }
};

/// Redundant computation after Bamboo (NSDI'23): every stage also holds and computes its
/// successor's layers (cyclically), which costs `throughput_penalty` of the throughput. Per
/// interval, on the throughput-optimal configuration:
///  * some pipeline lost two neighbouring stages (the stage and the copy of it): a reactive
///    restart from the checkpoint (the reactive baseline's cost);
///  * stages were lost, each with its neighbour alive: failover (the neighbour takes over), then
///    a regroup into the new configuration if it differs, R(d,p,type) without checkpoint or
///    state transfer (every state survives on a neighbour);
///  * no stage lost but the configuration changes (instances joined or spares left):
///    R(d,p,type);
///  * otherwise nothing.
class bamboo_policy final : public policy {
 public:
  explicit bamboo_policy(bamboo_params params = {}) : params_(params) { params_.validate(); }
  std::string name() const override { return "bamboo"; }
  choice decide(const interval_view& v, const job& j) override {
    choice d;
    d.config = j.best(v.n_after);
    d.throughput_scale = 1.0 - params_.throughput_penalty;
    if (d.config.paused()) return d;
    const perf::restart_kind kind = detail::event_kind(v);
    d.concurrent_s = j.restart_only_s(d.config, kind);
    const survivor_summary& s = v.survivors;
    if (v.current.paused()) {
      d.cost_s = j.restart_s(d.config, kind, v.index > 0);
      d.kind = "restart";
    } else if (s.slots_lost > 0 && s.neighbours_lost) {
      d.cost_s = j.restart_s(d.config, kind, true);
      d.kind = "restart";
    } else if (s.slots_lost > 0) {
      d.cost_s = params_.failover_s >= 0.0 ? params_.failover_s : j.regroup_s(v.current);
      if (d.config != v.current) d.cost_s += j.restart_only_s(d.config, kind);
      d.kind = "failover";
    } else if (d.config != v.current) {
      d.cost_s = j.restart_only_s(d.config, kind);
      d.kind = "regroup";
    }
    return d;
  }

 private:
  bamboo_params params_;
};

/// The throughput-optimal configuration every interval, like reactive, but reached by the live
/// migrations Parcae uses (intra-stage, inter-stage, pipeline; perf::migration_cost_ms on what
/// the events left), costed by the same cost model as the parcae policies. A stage with no
/// surviving replica costs what the job's state_recovery says (plan::job_params::recovery: the
/// artifact's redundant copy by default, or a checkpoint restart). Starting and resuming from a
/// pause are checkpoint restarts, as for every policy. A migration that starts while another is
/// running adds R(d,p,'no-op') (§3.2), as for parcae.
class reactive_live_policy final : public policy {
 public:
  std::string name() const override { return "reactive-live"; }
  choice decide(const interval_view& v, const job& j) override {
    choice d;
    d.config = j.best(v.n_after);
    if (d.config.paused()) return d;
    d.concurrent_s = j.restart_only_s(d.config, perf::restart_kind::no_op);
    if (v.current.paused()) {
      d.cost_s = j.restart_s(d.config, perf::restart_kind::add, v.index > 0);
      d.kind = "restart";
      return d;
    }
    const perf::migration_result r = live_migration(j, v.survivors, d.config);
    if (r.type == perf::migration_kind::infeasible) {
      d.cost_s = j.restart_s(d.config, detail::event_kind(v), true);
      d.kind = "restart";
    } else {
      d.cost_s = r.cost_ms / 1000.0;
      d.kind = perf::to_string(r.type);
    }
    return d;
  }
};

struct recycle_params {
  /// Failover cost in seconds when a lost stage's micro-batches are rerouted. < 0 (default): the
  /// communicator rebuild and process restart, G(d,p,remove) + proc, as for Bamboo's failover:
  /// ReCycle precomputes its rerouting plans, and no state moves (the peers hold the stage).
  double failover_s = -1.0;

  void validate() const {
    check_finite("parcae::sim::recycle_params::validate", "failover_s", failover_s);
  }
};

/// ReCycle (Gandhi et al., SOSP'24) on the throughput-optimal configuration. The policy places
/// its instances itself (GPU slot j = i*g + k of the i-th alive instance runs pipeline j / p,
/// stage j % p, as the simulator numbers them) and keeps that placement across intervals:
///  * a preemption that leaves every stage at least one replica: the lost slots' micro-batches
///    are rerouted to the same stage's surviving data-parallel peers (failover_s, no restart);
///    the job runs degraded until the next reconfiguration;
///  * a stage with no surviving replica (no peer to reroute to): a checkpoint restart into the
///    throughput-optimal configuration of the instances left;
///  * instances joined (ReCycle reintegrates repaired or new machines at a reconfiguration
///    point): a live migration into the throughput-optimal configuration, when that trains more
///    than the degraded one; otherwise the newcomers wait as spares.
/// Degraded throughput and failover cost: perf/rerouting.hpp (ReCycle's best case).
class recycle_policy final : public policy {
 public:
  explicit recycle_policy(recycle_params params = {}) : params_(params) { params_.validate(); }
  std::string name() const override { return "recycle"; }
  void reset(const job&, const event_trace&) override {
    alive_.clear();
    slots_.clear();
  }

  choice decide(const interval_view& v, const job& j) override {
    if (!v.events) {
      throw_invalid_message("parcae::sim::recycle_policy::decide", "the view has no events");
    }
    const interval_events& ev = *v.events;
    std::set<int> lost;
    for (int id : ev.removed_ids) {
      if (alive_.erase(id)) lost.insert(id);
    }
    int joined = 0;
    for (int id : ev.added_ids) {
      if (std::find(ev.removed_ids.begin(), ev.removed_ids.end(), id) == ev.removed_ids.end()) {
        alive_.insert(id);
        ++joined;
      }
    }
    const int g = j.gpus_per_instance();
    const parallel_config c = v.current;
    // What the events left of the running placement.
    survivor_summary s;
    s.old_config = c;
    s.joined_gpus = joined * g;
    int in_job = 0;
    if (!c.paused()) {
      s.replicas.assign(static_cast<std::size_t>(c.p), 0);
      for (std::size_t slot = 0; slot < slots_.size(); ++slot) {
        if (slots_[slot] < 0) continue;
        if (lost.count(slots_[slot])) {
          ++s.slots_lost;
          slots_[slot] = -1;
          continue;
        }
        ++s.replicas[slot % static_cast<std::size_t>(c.p)];
        ++in_job;
      }
    }
    s.free_gpus = static_cast<int>(alive_.size()) * g - joined * g - in_job;
    choice d;
    d.slots_lost = s.slots_lost;
    const parallel_config best = j.best(v.n_after);
    const int r_min = c.paused() ? 0 : *std::min_element(s.replicas.begin(), s.replicas.end());
    const perf::reroute_model& reroute = j.reroute();
    const double degraded = r_min > 0 ? j.throughput(c) * reroute.scale(c, r_min, in_job) : 0.0;
    if (c.paused() || r_min == 0) {
      // Nothing runs, or a stage has no peer left: restart from the checkpoint.
      d.config = best;
      if (best.paused()) return d;
      d.cost_s = c.paused() ? j.restart_s(best, perf::restart_kind::add, v.index > 0)
                            : j.restart_s(best, detail::event_kind(v), true);
      d.concurrent_s = j.restart_only_s(best, detail::event_kind(v));
      d.kind = "restart";
      place(best, g);
      return d;
    }
    if (joined > 0 && j.throughput(best) > degraded) {
      const perf::migration_result r = live_migration(j, s, best);
      d.config = best;
      d.concurrent_s = j.restart_only_s(best, perf::restart_kind::no_op);
      if (r.type == perf::migration_kind::infeasible) {
        d.cost_s = j.restart_s(best, perf::restart_kind::add, true);
        d.kind = "restart";
      } else {
        d.cost_s = r.cost_ms / 1000.0;
        d.kind = perf::to_string(r.type);
      }
      place(best, g);
      return d;
    }
    // Keep the configuration; reroute around the lost slots.
    d.config = c;
    d.empty_slots = c.d * c.p - in_job;
    d.throughput_scale = reroute.scale(c, r_min, in_job);
    if (s.slots_lost > 0) {
      d.cost_s = params_.failover_s >= 0.0 ? params_.failover_s : reroute.failover_s(c);
      d.concurrent_s = j.restart_only_s(c, perf::restart_kind::no_op);
      d.kind = "reroute";
    }
    return d;
  }

 private:
  /// Places `c` on the alive instances in id order (the simulator's slot numbering).
  void place(parallel_config c, int g) {
    slots_.assign(static_cast<std::size_t>(c.paused() ? 0 : c.d * c.p), -1);
    std::size_t slot = 0;
    for (int id : alive_) {
      for (int k = 0; k < g && slot < slots_.size(); ++k) slots_[slot++] = id;
    }
  }

  recycle_params params_;
  std::set<int> alive_;
  std::vector<int> slots_;  ///< instance id of each GPU slot (pipeline-major), -1 when lost
};

}  // namespace parcae::sim
