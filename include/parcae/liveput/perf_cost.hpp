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
#include "parcae/perf/profile.hpp"
#include "parcae/perf/throughput.hpp"

namespace parcae::liveput {

static_assert(max_stages <= perf::max_stages, "survivor arrays must fit the cost table");

/// Bound cost for one old configuration: a view of its perf::migration_cost_table (trivially
/// copyable, PARCAE_HD). Joined instances bring g GPUs each; the survivors' free GPUs are the
/// idle GPUs of spare and partly used instances.
struct perf_cost {
  const perf::migration_cost_table* table = nullptr;

  PARCAE_HD migration_sample operator()(const sample_context& ctx, const survivors& s,
                                        parallel_config target) const {
    const perf::migration_result r =
        perf::migration_cost_ms(*table, s.r, s.spare_gpus, ctx.n_in * ctx.g, target);
    migration_sample out;
    out.feasible = r.type != perf::migration_type::infeasible;
    out.cost_ms = out.feasible ? r.cost_ms : 0.0;
    return out;
  }
};

/// Cost model over a model profile: bind() builds (once, then caches) the migration cost table of
/// an old configuration. Copies share the cache; bind() is thread-safe.
class perf_cost_model {
 public:
  explicit perf_cost_model(perf::model_profile profile, perf::migration_options options = {})
      : state_(std::make_shared<state>()) {
    profile.validate("parcae::liveput::perf_cost_model::perf_cost_model");
    state_->profile = std::move(profile);
    state_->options = options;
  }

  const perf::model_profile& profile() const { return state_->profile; }
  int gpus_per_instance() const { return state_->profile.gpus_per_instance; }

  perf_cost bind(parallel_config old) const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    auto it = state_->tables.find(old);
    if (it == state_->tables.end()) {
      auto table = std::make_unique<perf::migration_cost_table>(
          perf::make_migration_cost_table(state_->profile, old, state_->options));
      it = state_->tables.emplace(old, std::move(table)).first;
    }
    return perf_cost{it->second.get()};
  }

 private:
  struct state {
    perf::model_profile profile;
    perf::migration_options options;
    std::mutex mutex;
    std::map<parallel_config, std::unique_ptr<perf::migration_cost_table>> tables;
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
