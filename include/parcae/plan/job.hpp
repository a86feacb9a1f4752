#pragma once
// One job setup: everything a decision needs, built once from a model profile and the cluster.
// The CLI, the benchmarks, the examples, the simulator, the controller and the Python binding all
// start here, so there is one wiring of
//
//   profile -> throughput model T(d,p) -> candidate targets -> liveput table -> provider
//           -> planner parameters (interval, GPUs per instance, capacity, pipeline bounds)
//
// and one set of cost formulas that every simulated policy charges (perf/throughput.hpp and
// perf/migration.hpp; nothing is re-derived here).
//
// Candidates. liveput::candidate_targets with the profile's artifact target set (p bounds,
// ignored p and d; parcae-artifact.md §1.3): the configurations the artifact's optimizer and
// baselines choose from. The throughput-optimal configuration for n instances is the candidate
// with the highest T(d,p) among d*p <= n*g; ties go to the smaller d, then the smaller p (the
// artifact's best_strategy keeps the first maximum in its table order, which lists (1,17)
// before (2,8), the one tie of the gpt-1.5b table on the p3 trace).
//
// Costs, in seconds:
//  * restart_s(target, kind, checkpoint): a checkpoint restart (artifact throughput.py, §5.2):
//    R(d,p,kind) + [checkpoint ? 14 s save+load : 0] + sum over the new stages of p2p(stage
//    states), the serial fetch of every stage from the checkpoint store.
//  * live_migration(old, replicas, free, joined, target): Parcae's live migration (§3.2) from the
//    survivors of `old`, with model state never lost (the artifact's redundant-copy assumption).
//  * restart_only_s(target, kind): R(d,p,kind), the concurrent-restart surcharge (§3.2).
//
// The liveput table is part of the job: every controller and policy built on one job shares its
// estimates (the table is thread-safe; see liveput/table.hpp). A job is otherwise immutable, so
// one job serves several policies, controllers and threads.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/liveput/cpu_backend.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/liveput/preemption.hpp"
#include "parcae/liveput/table.hpp"
#include "parcae/perf/migration.hpp"
#include "parcae/perf/profile.hpp"
#include "parcae/perf/rerouting.hpp"
#include "parcae/perf/throughput.hpp"
#include "parcae/plan/candidates.hpp"
#include "parcae/plan/liveput_provider.hpp"
#include "parcae/plan/transition_provider.hpp"
#include "parcae/plan/types.hpp"

namespace parcae::plan {

/// How the liveput table estimates its keys. The defaults are the simulator's: the artifact's own
/// simulator run used 100 Monte-Carlo samples per key; the automatic backend is exact where the
/// enumeration is small. The estimates do not depend on `threads` (liveput/backend.hpp);
/// 0 = every core.
struct liveput_options {
  liveput::estimator_kind kind = liveput::estimator_kind::automatic;
  std::int64_t samples = 100;          ///< Monte-Carlo samples per key family
  std::int64_t exact_threshold = 100;  ///< largest enumeration done exactly
  std::uint64_t seed = 1;
  int threads = 0;

  void validate(const char* f) const {
    check_at_least(f, "liveput.samples", samples, std::int64_t{1});
    check_at_least(f, "liveput.exact_threshold", exact_threshold, std::int64_t{1});
    check_at_least(f, "liveput.threads", threads, 0);
  }
};

/// The cluster and the estimator settings of a job.
struct job_params {
  /// Most instances the job may ever occupy (a trace's maximum alive count). Bounds the
  /// candidates (d*p <= capacity * gpus_per_instance) and the planner. Required, >= 1.
  int capacity = 0;
  /// Largest capacity accepted: beyond it d*p*g overflows the estimators' 32-bit GPU counts.
  static constexpr int max_capacity = 1 << 20;
  double interval_s = 60.0;  ///< the planning interval Δ
  /// Restrict the candidates to the profile's artifact target set (default, §1.3).
  bool artifact_targets = true;
  perf::throughput_options throughput;  ///< measured table first, analytic model elsewhere
  /// What a stage whose every replica is lost costs, for the liveput estimators and for every
  /// live migration a simulated policy pays: the artifact's redundant copy (default, never lost)
  /// or a checkpoint restart.
  perf::state_recovery recovery = perf::state_recovery::redundant_copy;
  liveput_options liveput;
  /// Candidate pruning for large clusters (plan/candidates.hpp): > 0 keeps, per depth, the d of
  /// a geometric ladder of this ratio plus the prune_top fastest; 0 (default) keeps every one.
  double prune_ratio = 0.0;
  int prune_top = 2;
  /// The planner's targets (the liveput table's and the controller's): true (default) keeps the
  /// candidates that no other beats on both GPUs and throughput, plus the throughput-optimal
  /// choice of every instance count (plan::pareto_targets says why nothing else is needed);
  /// false keeps every candidate (the artifact's target set). The baselines, best() and
  /// throughput() see every candidate either way.
  bool pareto_targets = true;

  void validate(const char* f) const {
    check_bounded(f, "params.capacity", capacity, 1, max_capacity);
    if (prune_ratio != 0.0) check_bounded(f, "params.prune_ratio", prune_ratio, 1.01, 1e6);
    check_bounded(f, "params.prune_top", prune_top, 0, 1 << 20);
    check_bounded(f, "params.interval_s", interval_s, 1e-3, 7.0 * 86400.0);
    liveput.validate(f);
  }
};

class job {
 public:
  /// Throws parcae::invalid_argument for an invalid profile or params (naming the field).
  job(perf::model_profile profile, job_params params) : params_(std::move(params)) {
    const char* f = "parcae::plan::job::job";
    params_.validate(f);
    profile.validate(f);
    check_at_most(f, "profile.gpus_per_instance * params.capacity",
                  static_cast<long long>(profile.gpus_per_instance) * params_.capacity,
                  static_cast<long long>(job_params::max_capacity) * 8);
    model_ = std::make_shared<perf::throughput_model>(std::move(profile), params_.throughput);
    perf::migration_options mo;
    mo.recovery = params_.recovery;
    costs_ = std::make_shared<liveput::perf_cost_model>(model_->profile(), mo);
    g_ = model_->profile().gpus_per_instance;
    candidates_ = liveput::candidate_targets(*model_, static_cast<long long>(params_.capacity) * g_,
                                             params_.artifact_targets);
    if (params_.prune_ratio > 0.0) {
      candidates_ = prune_candidates(candidates_, params_.prune_ratio, params_.prune_top);
    }
    for (const auto& c : candidates_) tput_[c.config] = c.throughput;
    targets_ = candidates_;
    if (params_.pareto_targets) {
      // best(n) for every n: it changes only where n*g reaches a candidate's GPU count, so
      // best() at those counts gives every choice (a capacity may be 2^20 instances).
      std::vector<parallel_config> optimal;
      for (const auto& c : candidates_) {
        const parallel_config b = best((c.config.size() + g_ - 1) / g_);
        if (!b.paused() && std::find(optimal.begin(), optimal.end(), b) == optimal.end()) {
          optimal.push_back(b);
        }
      }
      targets_ = pareto_targets(candidates_, optimal);
    }
    build_restart_costs();
    build_planner_params();
    build_provider();
  }

  const job_params& params() const { return params_; }
  const perf::model_profile& profile() const { return model_->profile(); }
  const perf::throughput_model& model() const { return *model_; }
  int gpus_per_instance() const { return g_; }
  int capacity() const { return params_.capacity; }
  double interval_s() const { return params_.interval_s; }
  /// Layers of the model (the controller's placement partition).
  int n_layers() const { return model_->profile().n_layers(); }
  /// The candidate configurations with their throughput, sorted by (p, d).
  const std::vector<liveput::target_info>& candidates() const { return candidates_; }
  /// The planner's targets (job_params::pareto_targets), sorted by (p, d): the liveput table's
  /// targets and the configurations the controller may choose.
  const std::vector<liveput::target_info>& targets() const { return targets_; }
  /// The cost model of the liveput estimators (shared cache of migration tables).
  const liveput::perf_cost_model& cost_model() const { return *costs_; }
  /// Interval, GPUs per instance, capacity and the candidates' pipeline bounds.
  const planner_params& planner() const { return planner_; }
  /// The liveput table (shared by every user of this job) and the provider over it.
  const std::shared_ptr<liveput::table>& table() const { return provider_->table(); }
  const liveput_provider& provider() const { return *provider_; }
  /// The provider in the controller's type-erased form (shares the table).
  any_transition_provider transition_provider() const {
    return any_transition_provider::wrap(*provider_);
  }

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
  /// A checkpoint restart in seconds (artifact throughput.py reconfiguration, §5.2).
  double restart_s(parallel_config target, perf::restart_kind kind, bool checkpoint) const {
    if (target.paused()) return 0.0;
    const int p = std::clamp(target.p, 1, restart_table_->max_p);
    return (perf::restart_cost_ms(*restart_table_, target, kind) +
            (checkpoint ? restart_table_->checkpoint_ms : 0.0) +
            fetch_ms_[static_cast<std::size_t>(p)]) /
           1000.0;
  }
  /// The checkpoint save + load time alone, in seconds (the floor of every restart).
  double checkpoint_s() const { return restart_table_->checkpoint_ms / 1000.0; }
  /// Parcae's live migration from `old` to `target` (§3.2): replicas[s] = surviving GPUs that
  /// hold old stage s (old.p entries), free_gpus = idle surviving GPUs, joined_gpus = GPUs of the
  /// instances that joined. The type is infeasible (cost infinite) when the target does not fit
  /// what is left, or `old` is paused.
  perf::migration_result live_migration(parallel_config old, const std::vector<int>& replicas,
                                        int free_gpus, int joined_gpus,
                                        parallel_config target) const {
    if (old.paused() || replicas.size() != static_cast<std::size_t>(old.p)) {
      return {perf::migration_kind::infeasible, INFINITY};
    }
    const perf::migration_cost_table& t = *costs_->bind(old).table;
    return perf::migration_cost_ms(t, replicas.data(), free_gpus, joined_gpus, target);
  }
  /// Communicator rebuild plus process restart, G(d,p,remove) + proc: the intra-stage
  /// migration's cost (Bamboo's failover, ReCycle's reroute).
  double regroup_s(parallel_config c) const { return reroute().failover_s(c); }
  /// Running `c` with empty slots whose micro-batches are rerouted to their stage's peers
  /// (perf/rerouting.hpp): its throughput scale and failover cost, from the profile.
  const perf::reroute_model& reroute() const { return reroute_; }

 private:
  void build_restart_costs() {
    perf::migration_options restart;
    restart.recovery = perf::state_recovery::checkpoint;
    restart.check_memory = false;
    restart_table_ = std::make_shared<perf::migration_cost_table>(
        perf::make_migration_cost_table(model_->profile(), parallel_config{1, 1}, restart));
    // Serial fetch of every stage: the checkpoint restart with no survivor minus its R and
    // checkpoint terms (perf's restart path, so the stage partition is perf's).
    reroute_ = perf::reroute_model::of(model_->profile());
    reroute_.stage_copy_ms.assign(restart_table_->depth_broadcast_ms,
                                  restart_table_->depth_broadcast_ms + restart_table_->max_p + 1);
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

  void build_planner_params() {
    planner_.interval_s = params_.interval_s;
    planner_.gpus_per_instance = g_;
    planner_.capacity = params_.capacity;
    int p_min = 1 << 20, p_max = 1;
    for (const auto& c : candidates_) {
      p_min = std::min(p_min, c.config.p);
      p_max = std::max(p_max, c.config.p);
    }
    planner_.p_min = std::min(p_min, p_max);
    planner_.p_max = p_max;
  }

  void build_provider() {
    liveput::cpu_params cp;
    cp.kind = params_.liveput.kind;
    cp.samples = params_.liveput.samples;
    cp.seed = params_.liveput.seed;
    cp.threads = params_.liveput.threads;
    cp.exact_threshold = params_.liveput.exact_threshold;
    cp.interval_s = params_.interval_s;
    auto backend = liveput::make_cpu_backend(liveput::uniform_model{}, *costs_, targets_, g_, cp);
    perf::migration_options mo;
    mo.recovery = params_.recovery;
    provider_ = std::make_shared<liveput_provider>(
        std::make_shared<liveput::table>(std::move(backend)), targets_, model_->profile(), mo);
  }

  job_params params_;
  std::shared_ptr<perf::throughput_model> model_;
  std::shared_ptr<liveput::perf_cost_model> costs_;
  int g_ = 1;
  std::vector<liveput::target_info> candidates_;
  std::vector<liveput::target_info> targets_;  ///< targets(): the provider's and the table's
  std::unordered_map<parallel_config, double> tput_;
  std::shared_ptr<perf::migration_cost_table> restart_table_;
  perf::reroute_model reroute_;  ///< reroute(): the profile's rerouting, with stage copy times
  std::vector<double> fetch_ms_;
  planner_params planner_;
  std::shared_ptr<liveput_provider> provider_;
};

}  // namespace parcae::plan
