#pragma once
// Migration costs of one old configuration to a fixed list of targets, per survivor summary: the
// same results as perf::migration_cost_ms (bit for bit), with the work that does not depend on
// the survivors done once. Host only; the hot path of the liveput estimators on the CPU
// (liveput/perf_cost.hpp). The GPU keeps the per-target migration_cost_ms.
//
// What is shared (migration.hpp's header comment has the formulas):
//  * The survivor totals (GPUs in the job, min_s r[s], stage lost) are summed once per summary.
//  * Pipeline targets (p != P): the greedy assignment and p2p(missing states) depend on the
//    survivors and p only, not on d or on who joins, so they run once per depth and summary, from
//    the recorded runs of a migration_plan (migration_plan.hpp); R(d,p,type) is tabulated per
//    target.
//  * Same-depth targets (intra/inter-stage) and checkpoint restarts call the same branch
//    functions as migration_cost_ms.
// tests/perf/migration_batch_test.cpp compares every result with migration_cost_ms on every
// survivor vector of several tables.

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/perf/migration.hpp"
#include "parcae/perf/migration_plan.hpp"

namespace parcae::perf {

/// One target of a migration_batch: the configuration and the GPUs of the instances that join.
struct batch_target {
  parallel_config config;
  int joined_gpus = 0;
};

/// migration_cost_ms(plan.table(), replicas, free_gpus, t.joined_gpus, t.config) for every target
/// t of a list, per survivor summary. Holds a pointer to `plan`, which must outlive it. evaluate()
/// is const and allocation-free: one batch serves any number of threads.
class migration_batch {
 public:
  /// Throws parcae::invalid_argument for a target with d < 1, p < 1 or joined_gpus < 0 (as
  /// estimate_migration does).
  migration_batch(const migration_plan& plan, std::vector<batch_target> targets)
      : plan_(&plan), targets_(std::move(targets)) {
    static constexpr const char* fn = "parcae::perf::migration_batch::migration_batch";
    for (std::size_t i = 0; i < targets_.size(); ++i) {
      const batch_target& x = targets_[i];
      if (x.config.d >= 1 && x.config.p >= 1 && x.joined_gpus >= 0) continue;
      const std::string at = "targets[" + std::to_string(i) + "]";
      check_at_least(fn, at + ".config.d", x.config.d, 1);
      check_at_least(fn, at + ".config.p", x.config.p, 1);
      check_nonnegative(fn, at + ".joined_gpus", x.joined_gpus);
    }
    build();
  }

  std::size_t size() const { return targets_.size(); }
  const std::vector<batch_target>& targets() const { return targets_; }
  const migration_plan& plan() const { return *plan_; }

  /// Calls emit(i, migration_result) once for every target i (in an unspecified order) with
  /// migration_cost_ms's result for survivors (replicas[0..P), free_gpus). No checks (hot path):
  /// the inputs of migration_cost_ms.
  template <class Emit>
  void evaluate(const int* replicas, int free_gpus, Emit&& emit) const {
    const migration_cost_table& t = plan_->table();
    const detail::survivor_totals s = detail::sum_survivors(t, replicas);
    const bool restart = s.stage_lost && t.recovery == state_recovery::checkpoint;
    // Old stages with fewer than D replicas (the only ones that can be short of a pick), listed
    // once, when a pipeline depth first needs them.
    int short_stages[max_stages];
    int n_short = -1;
    for (const depth_group& g : groups_) {
      bool have_missing = false;
      double missing_ms = 0.0;
      for (std::size_t k = g.first; k < g.last; ++k) {
        const target_plan& tp = plans_[k];
        restart_kind kind = restart_kind::remove;
        if (!g.valid || !detail::target_fits(s, free_gpus, tp.joined_gpus, tp.config, kind)) {
          emit(tp.index, migration_result{});
        } else if (restart) {
          emit(tp.index, detail::checkpoint_restart(t, tp.config, kind));
        } else if (g.p == t.old_config.p) {
          emit(tp.index, detail::same_depth_migration(t, replicas, s, tp.config, kind));
        } else {
          if (!have_missing) {
            if (n_short < 0 && s.min_r < plan_->max_demand(g.p)) {
              n_short = 0;
              for (int st = 0; st < t.old_config.p; ++st) {
                if (replicas[st] < t.old_config.d) short_stages[n_short++] = st;
              }
            }
            missing_ms = plan_->pipeline_missing_ms(g.p, replicas, s, short_stages, n_short);
            have_missing = true;
          }
          emit(tp.index, detail::pipeline_migration(
                             t, missing_ms, tp.config,
                             kind == restart_kind::add ? tp.restart_add_ms : tp.restart_remove_ms));
        }
      }
    }
  }

  /// Writes the result of target i to out[i] (size() entries). No checks.
  void evaluate(const int* replicas, int free_gpus, migration_result* out) const {
    evaluate(replicas, free_gpus, [out](std::size_t i, const migration_result& r) { out[i] = r; });
  }

  /// Checked host form: replicas has old_config.p entries in [0, D], free_gpus >= 0.
  std::vector<migration_result> evaluate(const std::vector<int>& replicas, int free_gpus) const {
    static constexpr const char* fn = "parcae::perf::migration_batch::evaluate";
    const parallel_config old = plan_->table().old_config;
    if (static_cast<int>(replicas.size()) != old.p) {
      throw_invalid(fn, "replicas.size()", replicas.size(),
                    "equal to the old pipeline depth " + std::to_string(old.p));
    }
    for (std::size_t s = 0; s < replicas.size(); ++s) {
      check_bounded(fn, "replicas[" + std::to_string(s) + "]", replicas[s], 0, old.d);
    }
    check_nonnegative(fn, "free_gpus", free_gpus);
    std::vector<migration_result> out(targets_.size());
    evaluate(replicas.data(), free_gpus, out.data());
    return out;
  }

 private:
  /// The targets of one depth p: plans_[first, last).
  struct depth_group {
    int p = 0;
    bool valid = false;  ///< 1 <= p <= max_p and memory-feasible
    std::size_t first = 0, last = 0;
  };
  struct target_plan {
    std::size_t index = 0;  ///< position in targets_
    parallel_config config;
    int joined_gpus = 0;
    double restart_add_ms = 0.0;     ///< R(d,p,add)
    double restart_remove_ms = 0.0;  ///< R(d,p,remove)
  };

  void build() {
    const migration_cost_table& t = plan_->table();
    plans_.reserve(targets_.size());
    for (std::size_t i = 0; i < targets_.size(); ++i) {
      const parallel_config c = targets_[i].config;
      plans_.push_back(target_plan{i, c, targets_[i].joined_gpus,
                                   restart_cost_ms(t, c, restart_kind::add),
                                   restart_cost_ms(t, c, restart_kind::remove)});
    }
    auto by_depth = [](const target_plan& a, const target_plan& b) {
      return a.config.p < b.config.p;
    };
    if (!std::is_sorted(plans_.begin(), plans_.end(), by_depth)) {  // callers usually sort
      std::stable_sort(plans_.begin(), plans_.end(), by_depth);
    }
    for (std::size_t k = 0; k < plans_.size();) {
      depth_group g;
      g.p = plans_[k].config.p;
      g.first = k;
      while (k < plans_.size() && plans_[k].config.p == g.p) ++k;
      g.last = k;
      g.valid = g.p <= t.max_p && t.depth_feasible[g.p];
      groups_.push_back(g);
    }
  }

  const migration_plan* plan_;
  std::vector<batch_target> targets_;
  std::vector<target_plan> plans_;  ///< targets sorted by depth
  std::vector<depth_group> groups_;
};

}  // namespace parcae::perf
