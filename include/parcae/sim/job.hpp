#pragma once
// The training job the simulator replays a trace through: its candidate configurations with
// their throughput, and the cost formulas every policy charges (all from the perf model,
// perf/throughput.hpp and perf/migration.hpp; nothing is re-derived here).
//
// Candidates. liveput::candidate_targets with the profile's artifact target set (p bounds,
// ignored p and d; parcae-artifact.md §1.3): the configurations the artifact's optimizer and
// baselines choose from. The throughput-optimal configuration for n instances is the candidate
// with the highest T(d,p) among d*p <= n*g; ties go to the smaller d, then the smaller p (the
// artifact's best_strategy keeps the first maximum in its table order, which lists (1,17)
// before (2,8), the one tie of the gpt-1.5b table on the p3 trace).
//
// Costs, in seconds:
//  * restart_s(target, kind, checkpoint): the reactive baseline's restart (artifact
//    throughput.py, §5.2): R(d,p,kind) + [checkpoint ? 14 s save+load : 0] + sum over the new
//    stages of p2p(stage states), the serial fetch of every stage from the checkpoint store.
//  * live_migration(old, survivors, target): Parcae's live migration (§3.2) for the survivors
//    the trace left, with model state never lost (the artifact's redundant-copy assumption).
//  * restart_only_s(target, kind): R(d,p,kind), the concurrent-restart surcharge (§3.2).

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/liveput/cost_function.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/perf/migration.hpp"
#include "parcae/perf/profile.hpp"
#include "parcae/perf/throughput.hpp"

namespace parcae::sim {

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

struct job_params {
  /// Restrict the candidates to the profile's artifact target set (default, §1.3).
  bool artifact_targets = true;
  perf::throughput_options throughput;  ///< measured table first, analytic model elsewhere

  void validate() const {}
};

/// The job: profile, throughput model, candidates and cost formulas. Immutable after
/// construction, so one job serves several policies (and threads).
class job {
 public:
  /// `max_instances` bounds the candidates (the trace's capacity). Throws
  /// parcae::invalid_argument for an invalid profile or max_instances < 1.
  job(perf::model_profile profile, int max_instances, job_params params = {})
      : model_(std::make_shared<perf::throughput_model>(std::move(profile), params.throughput)),
        costs_(model_->profile(), perf::migration_options{}) {
    const char* f = "parcae::sim::job::job";
    check_at_least(f, "max_instances", max_instances, 1);
    params.validate();
    g_ = model_->profile().gpus_per_instance;
    max_instances_ = max_instances;
    candidates_ = liveput::candidate_targets(*model_, static_cast<long long>(max_instances) * g_,
                                             params.artifact_targets);
    for (const auto& c : candidates_) tput_[c.config] = c.throughput;
    perf::migration_options restart;
    restart.recovery = perf::state_recovery::checkpoint;
    restart.check_memory = false;
    restart_table_ = std::make_shared<perf::migration_cost_table>(
        perf::make_migration_cost_table(model_->profile(), parallel_config{1, 1}, restart));
    // Serial fetch of every stage: the checkpoint restart with no survivor minus its R and
    // checkpoint terms (perf's restart path, so the stage partition is perf's).
    fetch_ms_.assign(static_cast<std::size_t>(restart_table_->max_p) + 1, 0.0);
    for (int p = 1; p <= restart_table_->max_p; ++p) {
      const parallel_config c{1, p};
      const int none = 0;
      const perf::migration_result r = perf::migration_cost_ms(*restart_table_, &none, 0, p, c);
      fetch_ms_[static_cast<std::size_t>(p)] =
          r.cost_ms - perf::restart_cost_ms(*restart_table_, c, perf::restart_kind::add) -
          restart_table_->checkpoint_ms;
    }
  }

  const perf::model_profile& profile() const { return model_->profile(); }
  const perf::throughput_model& model() const { return *model_; }
  int gpus_per_instance() const { return g_; }
  int max_instances() const { return max_instances_; }
  /// The candidate configurations with their throughput, sorted by (p, d).
  const std::vector<liveput::target_info>& candidates() const { return candidates_; }
  /// The cost model of the liveput estimators (shared cache of migration tables).
  const liveput::perf_cost_model& cost_model() const { return costs_; }

  /// T(d,p) in samples/s; 0 for a configuration outside the candidates (and for {0,0}).
  double throughput(parallel_config c) const {
    const auto it = tput_.find(c);
    return it == tput_.end() ? 0.0 : it->second;
  }
  bool fits(parallel_config c, int instances) const {
    return static_cast<long long>(c.d) * c.p <= static_cast<long long>(instances) * g_;
  }
  /// True when c can run at all: {0,0}, or a valid, memory-feasible depth and d >= 1.
  bool runnable(parallel_config c) const {
    if (c.d == 0 && c.p == 0) return true;
    if (c.d < 1 || c.p < 1 || c.p > model_->max_depth()) return false;
    return model_->memory(c.p).feasible;
  }

  /// The throughput-optimal candidate on `instances` instances, {0,0} when none fits.
  parallel_config best(int instances) const {
    parallel_config out;
    double t = 0.0;
    for (const auto& c : candidates_) {
      if (!fits(c.config, instances) || c.throughput <= 0.0) continue;
      const bool better =
          c.throughput > t || (c.throughput == t &&
                               (c.config.d < out.d || (c.config.d == out.d && c.config.p < out.p)));
      if (out.paused() || better) {
        out = c.config;
        t = c.throughput;
      }
    }
    return out;
  }

  /// R(d,p,kind) in seconds (artifact estimate_restart_cost, §3.3).
  double restart_only_s(parallel_config target, perf::restart_kind kind) const {
    if (target.paused()) return 0.0;
    return perf::restart_cost_ms(*restart_table_, target, kind) / 1000.0;
  }
  /// The reactive restart in seconds (artifact throughput.py reconfiguration, §5.2).
  double restart_s(parallel_config target, perf::restart_kind kind, bool checkpoint) const {
    if (target.paused()) return 0.0;
    const int p = std::clamp(target.p, 1, restart_table_->max_p);
    return (perf::restart_cost_ms(*restart_table_, target, kind) +
            (checkpoint ? restart_table_->checkpoint_ms : 0.0) +
            fetch_ms_[static_cast<std::size_t>(p)]) /
           1000.0;
  }
  /// Parcae's live migration from s.old_config to `target` for the survivors `s` (§3.2). The
  /// type is infeasible (cost infinite) when the target does not fit what is left.
  perf::migration_result live_migration(const survivor_summary& s, parallel_config target) const {
    if (s.old_config.paused()) return {perf::migration_type::infeasible, INFINITY};
    const perf::migration_cost_table& t = *costs_.bind(s.old_config).table;
    return perf::migration_cost_ms(t, s.replicas.data(), s.free_gpus, s.joined_gpus, target);
  }
  /// Communicator rebuild plus process restart, G(d,p,remove) + proc: the intra-stage
  /// migration's cost, used as Bamboo's failover cost.
  double regroup_s(parallel_config c) const {
    if (c.paused()) return 0.0;
    return (restart_table_->comm.cost_ms(c.d, c.p, false) + restart_table_->proc_ms) / 1000.0;
  }

 private:
  std::shared_ptr<perf::throughput_model> model_;
  liveput::perf_cost_model costs_;
  int g_ = 1;
  int max_instances_ = 1;
  std::vector<liveput::target_info> candidates_;
  std::unordered_map<parallel_config, double> tput_;
  std::shared_ptr<perf::migration_cost_table> restart_table_;
  std::vector<double> fetch_ms_;
};

}  // namespace parcae::sim
