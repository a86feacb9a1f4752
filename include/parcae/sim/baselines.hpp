#pragma once
// The baseline policies of the simulator (Parcae's comparison, parcae-artifact.md §5.2 and §6):
//   ideal      the throughput-optimal configuration every interval at zero cost (an upper bound;
//              artifact throughput.py with ideal=True);
//   reactive   the same choice, reached by a checkpoint restart whenever instances join or leave
//              (Varuna-like; artifact throughput.py, the "throughput-opt" baseline);
//   on_demand  a fixed cluster that is never preempted, paid at the on-demand price;
//   bamboo     redundant computation after Bamboo (Thorpe et al., NSDI'23): see below.

#include <string>

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
/// that runs on the trace's instances.
class ideal_policy final : public policy {
 public:
  std::string name() const override { return "ideal"; }
  decision decide(const interval_view& v, const job& j) override {
    decision d;
    d.config = j.best(v.n_after);
    return d;
  }
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
  decision decide(const interval_view& v, const job& j) override {
    decision d;
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
  decision decide(const interval_view& v, const job& j) override {
    decision d;
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
  decision decide(const interval_view& v, const job& j) override {
    decision d;
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

}  // namespace parcae::sim
