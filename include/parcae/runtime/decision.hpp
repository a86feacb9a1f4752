#pragma once
// What the controller hands to a launcher: the target configuration, how to get there (which GPU
// of which instance runs which (pipeline, stage), which layers each one fetches and from whom),
// and what the planner expects it to cost and yield.

#include <cstdint>
#include <string>
#include <vector>

#include "parcae/core/migration_kind.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/plan/types.hpp"

namespace parcae::runtime {

/// A launcher's name for an instance (an index into its host list, a hash of its hostname ...).
using instance_id = std::uint64_t;

/// How the job reaches the target: parcae::migration_kind (core/migration_kind.hpp), the same
/// vocabulary as the cost model's; a decision is never `infeasible`.
using parcae::migration_kind;
using parcae::to_string;

/// Where one GPU of one alive instance goes. pipeline = stage = -1: spare.
struct placement {
  instance_id instance = 0;
  int gpu = 0;          ///< GPU index inside the instance, 0..gpus_per_instance-1
  int pipeline = -1;    ///< data-parallel replica, 0..d-1
  int stage = -1;       ///< pipeline stage, 0..p-1
  int first_layer = 0;  ///< layers [first_layer, end_layer) of the stage
  int end_layer = 0;

  bool spare() const { return pipeline < 0; }
};

/// Layers [first_layer, end_layer) that a GPU must receive before training: from another GPU
/// that holds them (point-to-point, §3.1), or from the checkpoint when no copy survives.
struct layer_fetch {
  instance_id instance = 0;  ///< receiver
  int gpu = 0;
  int first_layer = 0;
  int end_layer = 0;
  bool from_checkpoint = false;
  instance_id source = 0;  ///< sender (when !from_checkpoint); may be an instance under a
                           ///< preemption notice, which must send before its deadline
  int source_gpu = 0;
};

/// Why a decision was made.
enum class trigger { interval, preemption_notice };

/// One reconfiguration, handed to the launcher's reconfigure hook.
struct decision {
  std::uint64_t sequence = 0;  ///< 1, 2, ... per controller
  trigger cause = trigger::interval;
  parallel_config previous;  ///< configuration before ({0,0} = was paused)
  parallel_config target;    ///< configuration after ({0,0} = pause)
  migration_kind kind = migration_kind::none;
  /// Every GPU of every usable alive instance, sorted by (instance, gpu). Instances under a
  /// preemption notice are not listed (they are being drained).
  std::vector<placement> placements;
  std::vector<layer_fetch> fetches;  ///< what each GPU must receive, in placement order
  /// Slots of `target` left empty, their micro-batches rerouted to the same stage's surviving
  /// peers (kind reroute, or none while a rerouted configuration keeps running); the placements
  /// then list the survivors where they were and every other GPU as a spare.
  int empty_slots = 0;
  double throughput_scale = 1.0;      ///< the target's throughput relative to T(d,p) (rerouting)
  double expected_cost_s = 0.0;       ///< planner's migration time charged in this interval
  double expected_remaining_s = 0.0;  ///< > 0: the planner expects it to run into the next one
  double expected_samples = 0.0;      ///< value of the whole plan (samples over the horizon)
  double deadline_s = -1.0;           ///< preemption_notice: seconds until the instances go
  /// Made by the regret guard's reactive rule (controller_options::guard), not by the planner:
  /// the throughput-optimal whole configuration of the usable instances.
  bool guarded = false;
  std::vector<plan::plan_step> plan;  ///< the horizon plan (first step = this decision)
  /// Seconds after the horizon the plan valued at its last configuration's throughput
  /// (controller_options::terminal_s; the adaptive value when that is < 0).
  double terminal_s = 0.0;
  /// Liveput keys estimated before planning (the provider's prefill; 0 when every key the
  /// horizon reads was already in the table, or the provider has no prefill). Each new key costs
  /// an estimator run, which dominates a decision's latency (docs/PERFORMANCE.md "Planner").
  std::size_t keys_filled = 0;
};

}  // namespace parcae::runtime
