#pragma once
// Running a configuration with empty slots by rerouting their micro-batches (ReCycle, Gandhi et
// al., SOSP'24): when a preemption leaves every stage of (d, p) at least one replica, the lost
// slots' micro-batches go to the same stage's surviving data-parallel peers, and the job keeps
// training without a migration. It uses GPU counts that no (d, p) has (e.g. 31 GPUs where the
// depths are even), at a throughput below the healthy configuration's.
//
// Throughput. In 1F1B with m micro-batches per pipeline and p stages an iteration takes
// m + p - 1 micro-batch slots, p - 1 of them bubbles (Narayanan et al., 2021). A stage left with
// r of its d replicas processes d/r times its micro-batches per replica; ReCycle's decoupled
// backward pass and staggered schedule put the extra work into the bubbles first. So the
// iteration stretches to max(m + p - 1, m*d/r_min) slots and the throughput scales by
// (m + p - 1) / max(m + p - 1, m*d/r_min), with m = global_batch / (micro_batch * d), and never
// above the surviving share of the slots (no schedule makes the survivors more productive per GPU
// than the healthy configuration, whose T(d,p) already includes its bubbles). This is ReCycle's
// best case: the bubbles absorb the rerouted work perfectly, with no memory limit on the extra
// activations.
//
// Cost. Rerouting moves no state (the peers hold the stage; ReCycle precomputes its plans): the
// communicators are rebuilt and the processes re-initialised, G(d,p,remove) + proc, as for
// Bamboo's failover.
//
// Rebalancing. A burst can leave one stage with far fewer replicas than another, and the
// most-hit stage sets the pace. Moving surviving GPUs from the best-replicated stages to it (each
// receives the stage's state from a peer) raises r_min to floor(surviving / p) at the failover
// plus one stage's state copy, p2p(largest stage of depth p), the pipeline migration's broadcast
// term: what a replica that changes stage receives. ReCycle does not do this; parcae's controller
// weighs it against keeping the stages as they are (runtime/controller.hpp, reroute()).

#include <algorithm>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/perf/profile.hpp"

namespace parcae::perf {

/// What rerouting needs of a profile; default-constructed: rerouting unavailable.
struct reroute_model {
  int global_batch = 0;
  int micro_batch = 0;
  comm_rebuild_params comm;
  double proc_ms = 0.0;
  /// Per depth p (index p): p2p of the largest stage's state, the copy a replica that changes
  /// stage receives. Empty: rebalancing unavailable (plan::job fills it).
  std::vector<double> stage_copy_ms;

  static reroute_model of(const model_profile& prof) {
    reroute_model m;
    m.global_batch = prof.global_batch;
    m.micro_batch = prof.micro_batch;
    m.comm = prof.restart.comm;
    m.proc_ms = prof.restart.proc_ms;
    return m;
  }

  bool available() const { return global_batch > 0 && micro_batch > 0; }

  /// Throughput of `c` relative to T(c) when its most-hit stage has `r_min` of its d replicas and
  /// `surviving_slots` of its d*p slots run (see the header comment). 1 when nothing is missing;
  /// 0 when a stage has no replica left (nothing to reroute to).
  double scale(parallel_config c, int r_min, int surviving_slots) const {
    const char* fn = "parcae::perf::reroute_model::scale";
    if (!available())
      throw_invalid_message(fn, "the model has no batch sizes (default-constructed)");
    if (c.paused()) return 0.0;
    check_bounded(fn, "r_min", r_min, 0, c.d);
    check_bounded(fn, "surviving_slots", surviving_slots, 0, c.size());
    if (r_min == 0) return 0.0;
    if (r_min == c.d && surviving_slots == c.size()) return 1.0;
    const double m = std::max(1.0, double(global_batch) / (double(micro_batch) * double(c.d)));
    const double slots = m + c.p - 1.0;
    const double bubbles = slots / std::max(slots, m * double(c.d) / double(r_min));
    return std::min(bubbles, double(surviving_slots) / double(c.size()));
  }

  /// Seconds to start rerouting in `c` (G(d,p,remove) + proc).
  double failover_s(parallel_config c) const {
    if (c.paused()) return 0.0;
    return (comm.cost_ms(c.d, c.p, false) + proc_ms) / 1000.0;
  }

  /// Whether rebalance_s knows depth p.
  bool can_rebalance(parallel_config c) const {
    return available() && !c.paused() && static_cast<std::size_t>(c.p) < stage_copy_ms.size();
  }

  /// Seconds to move surviving replicas of `c` between stages (see the header comment): the
  /// failover plus the largest stage's state copy. Throws when can_rebalance(c) is false.
  double rebalance_s(parallel_config c) const {
    if (!can_rebalance(c)) {
      throw_invalid("parcae::perf::reroute_model::rebalance_s", "c", to_string(c),
                    "a configuration whose depth the model has a stage copy time for (p < " +
                        std::to_string(stage_copy_ms.size()) + ")");
    }
    return failover_s(c) + stage_copy_ms[static_cast<std::size_t>(c.p)] / 1000.0;
  }
};

}  // namespace parcae::perf
