#pragma once
// The liveput estimators on the library's performance model: the migration cost of
// perf/migration.hpp (issue 4) as a cost model (cost_function.hpp), and the target set from
// perf/throughput.hpp. The formulas live in perf::migration_cost_ms; nothing is re-implemented.

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/macros.hpp"
#include "parcae/liveput/cost_function.hpp"
#include "parcae/liveput/survivors.hpp"
#include "parcae/perf/migration.hpp"
#include "parcae/perf/migration_batch.hpp"
#include "parcae/perf/migration_plan.hpp"
#include "parcae/perf/profile.hpp"
#include "parcae/perf/throughput.hpp"

namespace parcae::liveput {

static_assert(max_stages <= perf::max_stages, "survivor arrays must fit the cost table");

namespace detail {
PARCAE_HD inline migration_sample to_sample(const perf::migration_result& r) {
  migration_sample out;
  out.feasible = r.type != perf::migration_kind::infeasible;
  out.cost_ms = out.feasible ? r.cost_ms : 0.0;
  return out;
}
}  // namespace detail

/// The batched form of perf_cost (cost_function.hpp): one perf::migration_batch over the slots'
/// targets (joined GPUs = n_in * g), which shares the per-depth work between targets and replays
/// the recorded greedy runs of a perf::migration_plan; the same bits as perf_cost per slot.
class perf_cost_batch {
 public:
  /// `plan` may be null: the batch then builds (and owns) the plan of `table`.
  perf_cost_batch(const perf::migration_cost_table& table, const perf::migration_plan* plan,
                  const std::vector<cost_slot>& slots)
      : owned_(plan == nullptr ? std::make_unique<perf::migration_plan>(table) : nullptr),
        batch_(plan == nullptr ? *owned_ : *plan, batch_targets(slots)) {}

  void operator()(const survivors& s, migration_sample* out) const {
    batch_.evaluate(s.r, s.spare_gpus, [out](std::size_t k, const perf::migration_result& r) {
      out[k] = detail::to_sample(r);
    });
  }

  /// Weighted sums per slot over many survivor summaries (the exact estimator's expectation,
  /// detail/evaluator.hpp): add(s, w), then result(k, feasible_weight, cost_sum_ms).
  class expectation {
   public:
    explicit expectation(const perf_cost_batch& b) : sums_(b.batch_) {}
    void add(const survivors& s, double w) { sums_.add(s.r, s.spare_gpus, w); }
    void result(std::size_t k, double& feasible_weight, double& cost_sum_ms) const {
      sums_.result(k, feasible_weight, cost_sum_ms);
    }

   private:
    perf::migration_batch::expectation sums_;
  };
  expectation make_expectation() const { return expectation(*this); }

 private:
  static std::vector<perf::batch_target> batch_targets(const std::vector<cost_slot>& slots) {
    std::vector<perf::batch_target> out;
    out.reserve(slots.size());
    for (const cost_slot& sl : slots) out.push_back({sl.target, sl.ctx.n_in * sl.ctx.g});
    return out;
  }
  std::unique_ptr<perf::migration_plan> owned_;
  perf::migration_batch batch_;
};

/// Bound cost for one old configuration: a view of its perf::migration_cost_table (trivially
/// copyable, PARCAE_HD), and on the host of its perf::migration_plan (for batch(); may be null).
/// Joined instances bring g GPUs each; the survivors' free GPUs are the idle GPUs of spare and
/// partly used instances.
struct perf_cost {
  const perf::migration_cost_table* table = nullptr;
  const perf::migration_plan* plan = nullptr;

  PARCAE_HD migration_sample operator()(const sample_context& ctx, const survivors& s,
                                        parallel_config target) const {
    return detail::to_sample(
        perf::migration_cost_ms(*table, s.r, s.spare_gpus, ctx.n_in * ctx.g, target));
  }

  /// Host only: the batched evaluator of `slots` (cost_function.hpp).
  perf_cost_batch batch(const std::vector<cost_slot>& slots) const {
    return perf_cost_batch(*table, plan, slots);
  }
};

/// Cost model over a model profile: bind() builds (once, then caches) the migration cost table of
/// an old configuration. Copies share the cache; bind() is thread-safe.
///
/// The constructor builds the profile's terms of every table (a memory plan, a partition and p2p
/// times for every depth: about a millisecond); bind() then only adds the old configuration's
/// partition (perf::rebind_migration_cost_table) and its migration plan, so the first decision of
/// a job does not pay for the profile.
class perf_cost_model {
 public:
  explicit perf_cost_model(perf::model_profile profile, perf::migration_options options = {})
      : state_(std::make_shared<state>()) {
    profile.validate("parcae::liveput::perf_cost_model::perf_cost_model");
    state_->profile = std::move(profile);
    state_->options = options;
    state_->base = std::make_unique<perf::migration_cost_table>(
        perf::make_migration_cost_table(state_->profile, parallel_config{1, 1}, options));
  }

  const perf::model_profile& profile() const { return state_->profile; }
  int gpus_per_instance() const { return state_->profile.gpus_per_instance; }

  /// The bound cost of old configuration `old`; builds its cost table and migration plan on the
  /// first call.
  perf_cost bind(parallel_config old) const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    auto it = state_->tables.find(old);
    if (it == state_->tables.end()) {
      bound_tables b;
      // A copy of the constructor's profile-only terms with the old partition (rebind): ~100x
      // cheaper than a full build, which matters when a cold fill binds many old configurations.
      b.table = std::make_unique<perf::migration_cost_table>(
          perf::rebind_migration_cost_table(*state_->base, old));
      b.plan = std::make_unique<perf::migration_plan>(*b.table);
      it = state_->tables.emplace(old, std::move(b)).first;
    }
    return perf_cost{it->second.table.get(), it->second.plan.get()};
  }

 private:
  struct bound_tables {
    std::unique_ptr<perf::migration_cost_table> table;
    std::unique_ptr<perf::migration_plan> plan;
  };
  struct state {
    perf::model_profile profile;
    perf::migration_options options;
    std::unique_ptr<perf::migration_cost_table> base;  ///< the profile's terms, old config (1,1)
    std::mutex mutex;
    std::map<parallel_config, bound_tables> tables;
  };
  std::shared_ptr<state> state_;
};

/// The target candidates of a throughput model: every configuration with d*p <= max_gpus that the
/// model can run (status ok), with its samples/s. With `artifact_targets`, also the profile's
/// hard-coded target set of the artifact (parcae-artifact.md §1.3: p bounds, ignored p and d).
inline std::vector<target_info> candidate_targets(const perf::throughput_model& model,
                                                  long long max_gpus,
                                                  bool artifact_targets = true) {
  check_at_least("parcae::liveput::candidate_targets", "max_gpus", max_gpus, 1LL);
  const perf::target_set& set = model.profile().artifact_targets;
  auto listed = [](const std::vector<int>& v, int x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  std::vector<target_info> out;
  for (const perf::config_estimate& e : model.feasible_configs(max_gpus)) {
    if (artifact_targets) {
      if (e.config.p < set.min_p || (set.max_p > 0 && e.config.p > set.max_p)) continue;
      if (listed(set.ignore_p, e.config.p) || listed(set.ignore_d, e.config.d)) continue;
    }
    if (e.config.p > max_stages) continue;
    out.push_back(target_info{e.config, e.samples_per_s});
  }
  return out;
}

}  // namespace parcae::liveput
