#pragma once
// How a job gets from one configuration to the next (Parcae §3.1): the one vocabulary of the cost
// model (perf/migration.hpp), the controller's decisions (runtime/decision.hpp) and the
// simulator's timeline. The first six values are the cost function's results and keep their
// numbers (they are stored by the GPU backend); pause and resume are the controller's.


namespace parcae {

enum class migration_kind : int {
  none = 0,         ///< nothing changes
  intra_stage = 1,  ///< same depth; survivors regroup, no model state moves (communicators only)
  inter_stage = 2,  ///< same depth; some slots are filled by GPUs that fetch a stage's state
  pipeline = 3,     ///< the depth changes: layers are repartitioned and fetched
  restart = 4,      ///< some layers have no surviving copy: they come from the checkpoint
  infeasible = 5,   ///< the target does not fit what is left (cost model only)
  pause = 6,        ///< nothing fits (or pausing is best): stop training, keep the instances
  resume = 7        ///< training restarts after a pause, from the checkpoint
};

inline const char* to_string(migration_kind k) {
  switch (k) {
    case migration_kind::none:
      return "none";
    case migration_kind::intra_stage:
      return "intra_stage";
    case migration_kind::inter_stage:
      return "inter_stage";
    case migration_kind::pipeline:
      return "pipeline";
    case migration_kind::restart:
      return "restart";
    case migration_kind::infeasible:
      return "infeasible";
    case migration_kind::pause:
      return "pause";
    case migration_kind::resume:
      return "resume";
  }
  return "?";
}

}  // namespace parcae
