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
    int short_stages[max_stages];  // see depth_missing_ms
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
            missing_ms = depth_missing_ms(g.p, replicas, s, short_stages, n_short);
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
    check_summary("parcae::perf::migration_batch::evaluate", replicas, free_gpus);
    std::vector<migration_result> out(targets_.size());
    evaluate(replicas.data(), free_gpus, out.data());
    return out;
  }

 public:
  /// Weighted sums of every target's result over many survivor summaries, for expectations (the
  /// exact liveput estimator): result(i) gives the weight of the summaries where target i is
  /// feasible and the weighted sum of its cost. The same sums as adding w and w * cost_ms of
  /// evaluate()'s results, regrouped, so equal up to rounding: a pipeline target's cost is the
  /// missing-parameter term of its depth plus terms of its own, and add() adds the depth's term
  /// once per summary (not once per target) and the summary's weight to a bucket of summaries
  /// that share the totals the per-target terms read (available GPUs, GPUs in the job, restart);
  /// result() combines them. add() is O(P + depths + targets of the old depth) per summary
  /// instead of O(targets). One object per thread; holds a pointer to the batch.
  class expectation {
   public:
    explicit expectation(const migration_batch& batch)
        : batch_(&batch), weight_(batch.size(), 0.0), cost_(batch.size(), 0.0) {}

    /// Adds the summary (replicas[0..P), free_gpus) with weight w. No checks (hot path).
    void add(const int* replicas, int free_gpus, double w) {
      const migration_batch& b = *batch_;
      const migration_cost_table& t = b.plan_->table();
      const detail::survivor_totals s = detail::sum_survivors(t, replicas);
      const bool restart = s.stage_lost && t.recovery == state_recovery::checkpoint;
      const int avail = s.in_job + free_gpus;
      total_ += w;
      std::size_t a = 0;  // the bucket of `avail`
      while (a < avail_.size() && avail_[a] != avail) ++a;
      if (a == avail_.size()) {
        avail_.push_back(avail);
        missing_.resize(missing_.size() + b.groups_.size(), 0.0);
      }
      std::size_t k = 0;  // the bucket of (avail, in_job, restart)
      while (k < buckets_.size() &&
             !(buckets_[k].avail == avail && buckets_[k].in_job == s.in_job &&
               buckets_[k].restart == restart)) {
        ++k;
      }
      if (k == buckets_.size()) buckets_.push_back(bucket{avail, s.in_job, restart, 0.0});
      buckets_[k].weight += w;
      int short_stages[max_stages];  // see depth_missing_ms
      int n_short = -1;
      for (std::size_t gi = 0; gi < b.groups_.size(); ++gi) {
        const depth_group& g = b.groups_[gi];
        if (!g.valid) continue;
        if (g.p == t.old_config.p) {  // same depth: per target, as evaluate()
          if (restart) continue;      // per bucket
          for (std::size_t x = g.first; x < g.last; ++x) {
            const target_plan& tp = b.plans_[x];
            restart_kind kind = restart_kind::remove;
            if (!detail::target_fits(s, free_gpus, tp.joined_gpus, tp.config, kind)) continue;
            const migration_result r =
                detail::same_depth_migration(t, replicas, s, tp.config, kind);
            weight_[tp.index] += w;
            cost_[tp.index] += w * r.cost_ms;
          }
        } else if (!restart && g.min_size <= static_cast<long long>(avail) + g.max_joined) {
          missing_[a * b.groups_.size() + gi] +=
              w * b.depth_missing_ms(g.p, replicas, s, short_stages, n_short);
        }
      }
    }

    /// Checked form of add(): replicas has old_config.p entries in [0, D], free_gpus >= 0, w
    /// finite and >= 0.
    void add(const std::vector<int>& replicas, int free_gpus, double w) {
      static constexpr const char* fn = "parcae::perf::migration_batch::expectation::add";
      batch_->check_summary(fn, replicas, free_gpus);
      check_nonnegative(fn, "w", w);
      add(replicas.data(), free_gpus, w);
    }

    /// Target i's feasible weight and weighted cost sum (ms) over the summaries added so far. A
    /// target feasible on every summary reports the weights summed in add()'s order, so a caller
    /// that sums them in the same order gets a probability of exactly 1. Throws
    /// parcae::invalid_argument unless i < the batch's size().
    void result(std::size_t i, double& feasible_weight, double& cost_sum) const {
      if (i >= weight_.size()) {
        throw_invalid("parcae::perf::migration_batch::expectation::result", "i", i,
                      "< the number of targets " + std::to_string(weight_.size()));
      }
      feasible_weight = weight_[i];
      cost_sum = cost_[i];
      const migration_batch& b = *batch_;
      const migration_cost_table& t = b.plan_->table();
      const std::size_t x = b.position_[i];
      const target_plan& tp = b.plans_[x];
      const std::size_t gi = b.group_of_[x];
      const depth_group& g = b.groups_[gi];
      if (!g.valid) return;
      const long long needed = static_cast<long long>(tp.config.d) * tp.config.p;
      bool always = true;  // feasible on every summary
      for (const bucket& k : buckets_) {
        if (needed > static_cast<long long>(k.avail) + tp.joined_gpus) {
          always = false;
          continue;
        }
        const restart_kind kind = needed > k.in_job ? restart_kind::add : restart_kind::remove;
        if (k.restart) {
          feasible_weight += k.weight;
          cost_sum += k.weight * detail::checkpoint_restart(t, tp.config, kind).cost_ms;
        } else if (g.p != t.old_config.p) {
          feasible_weight += k.weight;
          cost_sum +=
              k.weight * detail::pipeline_migration(
                             t, 0.0, tp.config,
                             kind == restart_kind::add ? tp.restart_add_ms : tp.restart_remove_ms)
                             .cost_ms;
        }
      }
      if (always) feasible_weight = total_;
      if (g.p == t.old_config.p) return;
      for (std::size_t a = 0; a < avail_.size(); ++a) {
        if (needed <= static_cast<long long>(avail_[a]) + tp.joined_gpus) {
          cost_sum += missing_[a * b.groups_.size() + gi];
        }
      }
    }

   private:
    struct bucket {
      int avail, in_job;
      bool restart;
      double weight;
    };
    const migration_batch* batch_;
    double total_ = 0.0;                 ///< every summary's weight, in add()'s order
    std::vector<double> weight_, cost_;  ///< per target: the same-depth targets' sums
    std::vector<int> avail_;             ///< distinct available GPUs (in the job + free)
    std::vector<double> missing_;        ///< [avail bucket][depth group]: sum of w * missing ms
    std::vector<bucket> buckets_;
  };

 private:
  /// The checks of the checked forms: a survivor summary of the old configuration.
  void check_summary(const char* fn, const std::vector<int>& replicas, int free_gpus) const {
    const parallel_config old = plan_->table().old_config;
    if (static_cast<int>(replicas.size()) != old.p) {
      throw_invalid(fn, "replicas.size()", replicas.size(),
                    "equal to the old pipeline depth " + std::to_string(old.p));
    }
    for (std::size_t s = 0; s < replicas.size(); ++s) {
      check_bounded(fn, "replicas[" + std::to_string(s) + "]", replicas[s], 0, old.d);
    }
    check_nonnegative(fn, "free_gpus", free_gpus);
  }

  /// migration_plan::pipeline_missing_ms at depth p. The old stages with fewer than D replicas
  /// (the only ones that can be short of a pick) are listed into short_stages once per summary,
  /// when a depth first needs them; n_short is -1 until then.
  double depth_missing_ms(int p, const int* replicas, const detail::survivor_totals& s,
                          int* short_stages, int& n_short) const {
    const migration_cost_table& t = plan_->table();
    if (n_short < 0 && s.min_r < plan_->max_demand(p)) {
      n_short = 0;
      for (int st = 0; st < t.old_config.p; ++st) {
        if (replicas[st] < t.old_config.d) short_stages[n_short++] = st;
      }
    }
    return plan_->pipeline_missing_ms(p, replicas, s, short_stages, n_short);
  }

  /// The targets of one depth p: plans_[first, last).
  struct depth_group {
    int p = 0;
    bool valid = false;  ///< 1 <= p <= max_p and memory-feasible
    std::size_t first = 0, last = 0;
    long long min_size = 0;  ///< smallest d * p of the group's targets
    int max_joined = 0;      ///< most joined GPUs of the group's targets
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
    group_of_.assign(plans_.size(), 0);
    position_.assign(plans_.size(), 0);
    for (std::size_t k = 0; k < plans_.size();) {
      depth_group g;
      g.p = plans_[k].config.p;
      g.first = k;
      while (k < plans_.size() && plans_[k].config.p == g.p) ++k;
      g.last = k;
      g.valid = g.p <= t.max_p && t.depth_feasible[g.p];
      g.min_size = static_cast<long long>(plans_[g.first].config.d) * g.p;
      for (std::size_t x = g.first; x < g.last; ++x) {
        g.min_size = std::min(g.min_size, static_cast<long long>(plans_[x].config.d) * g.p);
        g.max_joined = std::max(g.max_joined, plans_[x].joined_gpus);
        group_of_[x] = groups_.size();
      }
      groups_.push_back(g);
    }
    for (std::size_t x = 0; x < plans_.size(); ++x) position_[plans_[x].index] = x;
  }

  const migration_plan* plan_;
  std::vector<batch_target> targets_;
  std::vector<target_plan> plans_;  ///< targets sorted by depth
  std::vector<depth_group> groups_;
  std::vector<std::size_t> group_of_;  ///< per plans_ entry: its depth group
  std::vector<std::size_t> position_;  ///< per target index: its position in plans_
};

}  // namespace parcae::perf
