#pragma once
// The transition provider of a real job: the liveput table (liveput/table.hpp, the artifact's
// LiveStore, §1.4) for migrations between running configurations, the perf model
// (perf/migration.hpp, §3.3) for the concurrent-restart cost R(d,p,'no-op') and for resuming
// after a pause, and the throughput of each candidate target (§2).
//
// Resuming from {0,0} (the artifact has no pause): every GPU of the target loads its stage from
// the checkpoint, so the cost is perf's restart migration with no surviving replica:
// R(d,p,add) + checkpoint + sum over the new stages of p2p(stage states).
//
// Observed steps: when the instances that left are known (the runtime controller's first step),
// observed_transitions() gives the migration cost of the actual survivors (perf::migration_cost_ms
// on the survivor summary, probability 1 where feasible) instead of the table's expectation over
// every way n_out instances could have left: exact for the step that happened, and one call per
// target instead of an enumeration (a key with n_out = 6 on 31 instances takes milliseconds).
//
// A key whose entry has no targets (entry_status::no_target, or too_many_states from an exact-only
// backend) offers no migration: the planner can then only pause. Use the automatic CPU backend
// (exact where small, Monte-Carlo elsewhere) to avoid the second case.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/liveput/cost_function.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/liveput/table.hpp"
#include "parcae/perf/migration.hpp"
#include "parcae/perf/profile.hpp"
#include "parcae/plan/transition_provider.hpp"
#include "parcae/plan/types.hpp"

namespace parcae::plan {

class liveput_provider {
 public:
  /// `table` is shared with whoever else fills or exports it; `candidates` are the targets the
  /// table's backend was built with (liveput::candidate_targets), `profile` the job's profile.
  /// `observed_options` are the migration options of observed_transitions(): give the ones of the
  /// table's liveput::perf_cost_model (default: the artifact's, as perf_cost_model's default).
  liveput_provider(std::shared_ptr<liveput::table> table,
                   std::vector<liveput::target_info> candidates, const perf::model_profile& profile,
                   perf::migration_options observed_options = {})
      : table_(std::move(table)),
        candidates_(std::move(candidates)),
        observed_(std::make_shared<liveput::perf_cost_model>(profile, observed_options)) {
    const char* fn = "parcae::plan::liveput_provider::liveput_provider";
    if (!table_) throw_invalid_message(fn, "table is null, but must be a liveput table");
    profile.validate(fn);
    g_ = profile.gpus_per_instance;
    perf::migration_options opt;
    opt.recovery = perf::state_recovery::checkpoint;
    opt.check_memory = false;  // candidates are already the memory-feasible targets
    costs_ = std::make_shared<perf::migration_cost_table>(
        perf::make_migration_cost_table(profile, parallel_config{1, 1}, opt));
    for (const auto& c : candidates_) {
      check_at_least(fn, "candidates[].config.d", c.config.d, 1);
      check_bounded(fn, "candidates[].config.p", c.config.p, 1, costs_->max_p);
      check_nonnegative(fn, "candidates[].throughput", c.throughput);
      tput_[c.config] = c.throughput;
      const int none = 0;
      const perf::migration_result r =
          perf::migration_cost_ms(*costs_, &none, 0, c.config.size(), c.config);
      resume_s_[c.config] = r.type == perf::migration_kind::infeasible ? -1.0 : r.cost_ms / 1000.0;
    }
  }

  /// Calls f(transition) for each target of the key (no copy of the entry).
  template <class F>
  void for_each_transition(int n_prev, parallel_config from, int n_in, int n_out, F&& f) const {
    const long long gpus = static_cast<long long>(n_prev + n_in - n_out) * g_;
    if (from.paused()) {
      for_each_resume(gpus, f);
      return;
    }
    // Hold the entry: another thread may insert a new entry for this key (an import) or clear
    // the table while f runs (liveput/table.hpp, thread safety).
    const std::shared_ptr<const liveput::entry> e =
        table_->get_shared(liveput::key{n_prev, from.d, from.p, n_in, n_out});
    for (const liveput::target_estimate& t : e->targets) {
      if (t.probability > 0.0) f(transition{t.target, t.probability, t.mean_cost_s});
    }
  }
  /// The transitions of a step that has happened, from the survivors of `from` (see the header
  /// comment): replicas[s] = surviving GPUs holding old stage s (from.p entries, each in
  /// [0, from.d]), free_gpus = idle surviving GPUs of the job's instances, joined_gpus = GPUs of
  /// the instances that joined. Every candidate that fits and is feasible, with probability 1
  /// and its cost in seconds. From the paused configuration (replicas empty): the resume costs
  /// of the candidates that fit on free_gpus + joined_gpus.
  void observed_transitions(parallel_config from, const std::vector<int>& replicas, int free_gpus,
                            int joined_gpus, std::vector<transition>& out) const {
    const char* fn = "parcae::plan::liveput_provider::observed_transitions";
    check_nonnegative(fn, "free_gpus", free_gpus);
    check_nonnegative(fn, "joined_gpus", joined_gpus);
    out.clear();
    if (from.paused()) {
      check_at_most(fn, "replicas.size()", replicas.size(), std::size_t{0});
      for_each_resume(static_cast<long long>(free_gpus) + joined_gpus,
                      [&out](const transition& t) { out.push_back(t); });
      return;
    }
    check_at_least(fn, "from.d", from.d, 1);
    check_bounded(fn, "from.p", from.p, 1, costs_->max_p);
    if (replicas.size() != static_cast<std::size_t>(from.p)) {
      throw_invalid(fn, "replicas.size()", replicas.size(),
                    "equal to from.p = " + std::to_string(from.p));
    }
    long long gpus = static_cast<long long>(free_gpus) + joined_gpus;
    for (std::size_t st = 0; st < replicas.size(); ++st) {
      check_bounded(fn, "replicas[" + std::to_string(st) + "]", replicas[st], 0, from.d);
      gpus += replicas[st];
    }
    const liveput::perf_cost bound = observed_->bind(from);
    for (const auto& c : candidates_) {
      if (c.config.size() > gpus) continue;
      const perf::migration_result r =
          perf::migration_cost_ms(*bound.table, replicas.data(), free_gpus, joined_gpus, c.config);
      if (r.type != perf::migration_kind::infeasible) {
        out.push_back(transition{c.config, 1.0, r.cost_ms / 1000.0});
      }
    }
  }

  void transitions(int n_prev, parallel_config from, int n_in, int n_out,
                   std::vector<transition>& out) const {
    out.clear();
    for_each_transition(n_prev, from, n_in, n_out,
                        [&out](const transition& t) { out.push_back(t); });
  }
  double throughput(parallel_config c) const {
    const auto it = tput_.find(c);
    return it == tput_.end() ? 0.0 : it->second;
  }
  double concurrent_restart_s(parallel_config c) const {
    return perf::restart_cost_ms(*costs_, c, perf::restart_kind::no_op) / 1000.0;
  }

  /// Every key a plan from `initial` on n0 instances over `steps` can read, sorted and without
  /// duplicates: the initial configuration's key for step 1, and for each later step k every
  /// allowed candidate that fits N_k (steps that start with no instance read none), and with
  /// planner_params::rerouting, the keys of the states that run rerouted (add_rerouted_keys).
  ///
  /// The DP reads exactly these keys whenever every entry offers every fitting target with a
  /// probability > 0: its forward pass then reaches every allowed configuration that fits N_k.
  /// Under the uniform model that is the case (measured: the lazily filled DP reads 315 of these
  /// 315 keys for gpt-1.5b, N = 32, H = 12; docs/PERFORMANCE.md "Planner"), so a staged fill
  /// that followed the reachability step by step would read the same keys in H backend calls
  /// instead of one.
  std::vector<liveput::key> horizon_keys(int n0, parallel_config initial,
                                         const std::vector<availability_step>& steps,
                                         const planner_params& params) const {
    std::vector<liveput::key> keys;
    add_keys("parcae::plan::liveput_provider::horizon_keys", n0, initial, steps, params, keys);
    sort_unique(keys);
    return keys;
  }

  /// Bulk-fills horizon_keys(n0, initial, steps, params) in one table::fill, so keys sharing
  /// (N, D, P, n_out) are estimated as one family and the backend can spread the families over
  /// its threads (liveput::cpu_params::threads). Returns the number of keys estimated (0 when all
  /// were there).
  std::size_t prefill(int n0, parallel_config initial, const std::vector<availability_step>& steps,
                      const planner_params& params) const {
    return prefill_paths_impl("parcae::plan::liveput_provider::prefill", n0, initial, &steps, 1,
                              params);
  }

  /// prefill for several horizons from the same state (the stochastic planner's sample paths, or
  /// the controller's point forecast): the union of their keys in ONE table::fill, so a family
  /// read by several paths is enumerated once.
  std::size_t prefill_paths(int n0, parallel_config initial,
                            const std::vector<std::vector<availability_step>>& paths,
                            const planner_params& params) const {
    return prefill_paths_impl("parcae::plan::liveput_provider::prefill_paths", n0, initial,
                              paths.data(), paths.size(), params);
  }

  /// The table's generation (liveput::table::generation): while it stays the same, the
  /// transitions of every key read before are unchanged, so a planner may keep what it resolved
  /// from them (plan::dp_planner; the transition-provider concept's optional generation()).
  std::optional<std::uint64_t> generation() const { return table_->generation(); }

  const std::vector<liveput::target_info>& candidates() const { return candidates_; }
  const std::shared_ptr<liveput::table>& table() const { return table_; }
  int gpus_per_instance() const { return g_; }

 private:
  /// f(transition) for resuming from the paused configuration into each candidate that fits on
  /// `gpus` GPUs and can resume (probability 1, the checkpoint reload's cost).
  template <class F>
  void for_each_resume(long long gpus, F&& f) const {
    for (const auto& c : candidates_) {
      const double s = resume_s_.at(c.config);
      if (c.config.size() <= gpus && s >= 0.0) f(transition{c.config, 1.0, s});
    }
  }

  /// A step's (N_{k-1}, n_in, n_out): with the planner's bounds, the keys of every candidate
  /// that fits N_{k-1}.
  using step_triple = std::tuple<int, int, int>;
  /// The steps whose keys are all in the table (filled_steps() and prefill_paths_impl).
  struct filled_memo {
    std::mutex mutex;
    std::uint64_t generation = 0;
    std::set<step_triple> triples;
  };

  /// The bulk fill of prefill() and prefill_paths(). A controller prefills every decision, and
  /// most of its steps were filled by an earlier one: listing their keys again (about |candidates|
  /// per step and path) and looking each up in the table cost more than the plan. So the steps
  /// whose every candidate key is known to be in the table (filled by an earlier call, while the
  /// table's generation has not changed) are skipped, and so is a step repeated within the call.
  /// The keys estimated, and the count returned, are the same (a skipped step has no missing key).
  std::size_t prefill_paths_impl(const char* fn, int n0, parallel_config initial,
                                 const std::vector<availability_step>* paths, std::size_t count,
                                 const planner_params& params) const {
    const std::uint64_t generation = table_->generation();
    std::set<step_triple> skip, complete;
    {
      std::lock_guard<std::mutex> lock(memo_->mutex);
      if (memo_->generation != generation) {
        memo_->triples.clear();
        memo_->generation = generation;
      }
      skip = memo_->triples;
    }
    std::vector<liveput::key> keys;
    for (std::size_t j = 0; j < count; ++j) {
      add_keys(fn, n0, initial, paths[j], params, keys, &skip, &complete);
    }
    const std::size_t filled = table_->fill(keys);
    if (!complete.empty()) {
      std::lock_guard<std::mutex> lock(memo_->mutex);
      // Recorded only when no clear() or replacing insert() came in between (the keys are then
      // all in the table); otherwise the next call lists them again.
      if (memo_->generation == generation && table_->generation() == generation) {
        memo_->triples.insert(complete.begin(), complete.end());
      }
    }
    return filled;
  }

  /// Appends the keys of a plan over `raw_steps` (horizon_keys), the rerouted states' included
  /// (add_rerouted_keys, which depend on the earlier steps too, so they are always listed). With
  /// `skip` and `complete`: steps whose triple is in `skip` add nothing more; a step that adds the
  /// key of every candidate fitting N_{k-1} (the planner's bounds exclude none of them) puts its
  /// triple in both.
  void add_keys(const char* fn, int n0, parallel_config initial,
                const std::vector<availability_step>& raw_steps, const planner_params& params,
                std::vector<liveput::key>& keys, std::set<step_triple>* skip = nullptr,
                std::set<step_triple>* complete = nullptr) const {
    const std::vector<availability_step> steps = detail::normalized_steps(fn, n0, raw_steps);
    const std::vector<int> n = detail::horizon_counts(fn, n0, steps);
    for (std::size_t k = 0; k < steps.size(); ++k) {
      if (n[k] < 1) continue;
      const availability_step& s = steps[k];
      if (k == 0) {
        if (!initial.paused()) keys.push_back({n[k], initial.d, initial.p, s.n_in, s.n_out});
        continue;
      }
      add_rerouted_keys(params, steps, n, k, keys);
      const step_triple triple{n[k], s.n_in, s.n_out};
      if (skip != nullptr && skip->count(triple) != 0) continue;
      bool all = params.gpus_per_instance == g_;  // "fits" as the table's keys count GPUs
      for (const auto& c : candidates_) {
        if (!params.fits(c.config, n[k])) continue;
        if (params.allowed(c.config)) {
          keys.push_back({n[k], c.config.d, c.config.p, s.n_in, s.n_out});
        } else {
          all = false;
        }
      }
      if (skip != nullptr && all) {
        skip->insert(triple);
        complete->insert(triple);
      }
    }
  }

  /// The keys step k reads from the states that run rerouted (planner_params::rerouting;
  /// detail::visit_step_transitions): a configuration c that ran whole on all n[j] instances at a
  /// later step j < k and was kept rerouted through steps j..k-1 (no joins, a nonzero rerouted
  /// rate, a failover shorter than the interval in each step that loses instances) reads the key
  /// of c whole on n[j] instances with the n[j] - n[k] missing ones counted as preempted. Listed
  /// so that the bulk fill estimates them with the others instead of one at a time from inside
  /// the plan (the values are the same either way; on an 80-instance day, 1,500-2,000 such lazy
  /// reads cost parcae-stochastic a tenth of its time).
  void add_rerouted_keys(const planner_params& params, const std::vector<availability_step>& steps,
                         const std::vector<int>& n, std::size_t k,
                         std::vector<liveput::key>& keys) const {
    if (!params.rerouting.available() || k < 2) return;
    const availability_step& s = steps[k];
    // Back from step k-1 to the last join; only a step that loses instances can start a rerouted
    // state, so a quiet forecast costs O(k) here (a controller lists this every decision).
    for (std::size_t j = k - 1; j >= 1 && steps[j].n_in == 0; --j) {
      if (n[j + 1] >= n[j]) continue;
      for (const auto& c : candidates_) {
        const parallel_config cfg = c.config;
        // Ran whole on all n[j] instances and does not fit n[j + 1]; the rerouted rate is > 0
        // on n[k] (then also on every count between: it falls with the instances), and the
        // failover ends within the interval (charged in each step that loses instances).
        if (detail::instances_of(cfg, params.gpus_per_instance) != n[j] ||
            params.fits(cfg, n[j + 1]) || !params.allowed(cfg) ||
            !(detail::rerouted_scale(params, cfg, n[k]) > 0.0) ||
            !(params.rerouting.failover_s(cfg) < params.interval_s)) {
          continue;
        }
        keys.push_back({n[j], cfg.d, cfg.p, s.n_in, s.n_out + n[j] - n[k]});
      }
    }
  }

  static void sort_unique(std::vector<liveput::key>& keys) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  }

  std::shared_ptr<liveput::table> table_;
  std::vector<liveput::target_info> candidates_;
  std::shared_ptr<perf::migration_cost_table> costs_;
  std::shared_ptr<liveput::perf_cost_model> observed_;  ///< costs of observed steps (bind cache)
  std::unordered_map<parallel_config, double> tput_, resume_s_;
  int g_ = 1;
  /// Shared by the copies of this provider (as the table is).
  std::shared_ptr<filled_memo> memo_ = std::make_shared<filled_memo>();
};

}  // namespace parcae::plan
