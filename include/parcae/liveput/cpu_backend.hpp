#pragma once
// The CPU backend of the liveput table: the exact estimator (uniform model) and the multi-threaded
// Monte-Carlo estimator (any model) behind the backend interface.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/liveput/backend.hpp"
#include "parcae/liveput/cost_function.hpp"
#include "parcae/liveput/detail/families.hpp"
#include "parcae/liveput/exact.hpp"
#include "parcae/liveput/monte_carlo.hpp"
#include "parcae/liveput/preemption.hpp"

namespace parcae::liveput {

/// Which estimator a backend runs.
enum class estimator_kind {
  exact,        ///< exact everywhere (uniform model only); too large: entry_status::too_many_states
  monte_carlo,  ///< Monte-Carlo everywhere
  automatic,    ///< exact where the uniform model's enumeration has <= exact_threshold states,
                ///< Monte-Carlo elsewhere
};

struct cpu_params {
  estimator_kind kind = estimator_kind::automatic;
  std::int64_t samples = 10000;               ///< Monte-Carlo samples per family
  std::uint64_t seed = 1;                     ///< Monte-Carlo seed
  int threads = 1;                            ///< 0 = std::thread::hardware_concurrency()
  std::int64_t exact_threshold = 10000;       ///< automatic: largest enumeration run exactly
  std::int64_t max_exact_states = 2'000'000;  ///< exact: largest enumeration at all
  double interval_s = 60.0;                   ///< Δ
  /// Bind the cost model to every candidate at construction (each is an old configuration the
  /// job may run), so that no estimate pays for a first bind: for perf_cost_model ~25 us and
  /// ~80 KB per candidate of a 50-layer model (a cost table and a migration plan), which made up
  /// most of a controller's first decisions. Off: bind lazily, on each old configuration's first
  /// key (for very large candidate sets that a run never visits).
  bool bind_up_front = true;

  void validate() const {
    const char* f = "parcae::liveput::cpu_params::validate";
    mc_params{samples, seed, threads, 0, interval_s, 1}.validate();
    check_at_least(f, "exact_threshold", exact_threshold, std::int64_t{1});
    check_at_least(f, "max_exact_states", max_exact_states, std::int64_t{1});
    check_positive(f, "interval_s", interval_s);
  }
};

/// CPU backend over a preemption model and a cost model (see cost_function.hpp).
template <class Model, class CostModel>
class cpu_backend final : public backend {
 public:
  cpu_backend(Model model, CostModel cost, std::vector<target_info> candidates,
              int gpus_per_instance, cpu_params params)
      : model_(std::move(model)),
        cost_(std::move(cost)),
        candidates_(std::move(candidates)),
        g_(gpus_per_instance),
        params_(params) {
    const char* f = "parcae::liveput::cpu_backend::cpu_backend";
    params_.validate();
    check_at_least(f, "gpus_per_instance", g_, 1);
    if (params_.kind == estimator_kind::exact && !is_uniform_model<Model>::value) {
      throw_invalid(f, "params.kind", std::string("exact"),
                    "monte_carlo or automatic for a non-uniform preemption model");
    }
    // Sorted by (p, d) once, the order of every entry's targets, so that reachable_targets and
    // the cost batches do not sort them again for every key.
    std::stable_sort(
        candidates_.begin(), candidates_.end(),
        [](const target_info& a, const target_info& b) { return a.config < b.config; });
    if (params_.bind_up_front) {
      for (const target_info& c : candidates_) {
        if (c.config.d >= 1 && c.config.p >= 1) (void)cost_.bind(c.config);
      }
    }
  }

  std::vector<entry> estimate(const std::vector<key>& keys) override {
    for (const key& k : keys) detail::check_key("parcae::liveput::cpu_backend::estimate", k, g_);
    std::vector<entry> out(keys.size());
    std::vector<key> mc_keys;
    std::vector<std::size_t> mc_pos;
    if constexpr (is_uniform_model<Model>::value) {
      if (params_.kind != estimator_kind::monte_carlo) {
        const auto families = detail::group_keys(keys);
        exact_params ep;
        ep.gpus_per_instance = g_;
        ep.interval_s = params_.interval_s;
        ep.max_states = params_.kind == estimator_kind::exact ? params_.max_exact_states
                                                              : params_.exact_threshold;
        std::vector<std::vector<entry>> results(families.size());
        // Threads take the families largest first (more preemptions, then fewer replicas per
        // stage: more loss vectors), so that one large family does not run alone at the end.
        // Each family's result does not depend on the order.
        std::vector<std::size_t> order(families.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
          const auto& x = families[a];
          const auto& y = families[b];
          if (x.n_out != y.n_out) return x.n_out > y.n_out;
          return x.old.d < y.old.d;
        });
        detail::parallel_for_items(families.size(), params_.threads, [&](std::size_t it, int) {
          const auto& fam = families[order[it]];
          results[order[it]] =
              estimate_exact_family(fam.n, fam.old, fam.n_out, fam.n_ins, cost_, candidates_, ep);
        });
        for (std::size_t i = 0; i < families.size(); ++i) {
          const auto& fam = families[i];
          for (std::size_t j = 0; j < fam.positions.size(); ++j) {
            entry& e = results[i][fam.members[j]];
            if (e.status == entry_status::too_many_states &&
                params_.kind == estimator_kind::automatic) {
              mc_keys.push_back(keys[fam.positions[j]]);
              mc_pos.push_back(fam.positions[j]);
            } else if (std::count(fam.members.begin() + static_cast<std::ptrdiff_t>(j) + 1,
                                  fam.members.end(), fam.members[j]) == 0) {
              out[fam.positions[j]] = std::move(e);  // its last use (a key listed once, usually)
            } else {
              out[fam.positions[j]] = e;
            }
          }
        }
      } else {
        mc_keys = keys;
        for (std::size_t i = 0; i < keys.size(); ++i) mc_pos.push_back(i);
      }
    } else {
      mc_keys = keys;
      for (std::size_t i = 0; i < keys.size(); ++i) mc_pos.push_back(i);
    }
    if (!mc_keys.empty()) {
      mc_params mp;
      mp.samples = params_.samples;
      mp.seed = params_.seed;
      mp.threads = params_.threads;
      mp.interval_s = params_.interval_s;
      mp.gpus_per_instance = g_;
      std::vector<entry> mc = estimate_monte_carlo(model_, cost_, candidates_, mc_keys, mp);
      for (std::size_t i = 0; i < mc.size(); ++i) out[mc_pos[i]] = std::move(mc[i]);
    }
    return out;
  }

  int gpus_per_instance() const override { return g_; }
  std::string name() const override {
    switch (params_.kind) {
      case estimator_kind::exact:
        return "cpu-exact";
      case estimator_kind::monte_carlo:
        return "cpu-mc";
      case estimator_kind::automatic:
        return "cpu-auto";
    }
    return "cpu";
  }
  const cpu_params& params() const { return params_; }

 private:
  Model model_;
  CostModel cost_;
  std::vector<target_info> candidates_;
  int g_;
  cpu_params params_;
};

/// A shared CPU backend (for liveput::table).
template <class Model, class CostModel>
std::shared_ptr<backend> make_cpu_backend(Model model, CostModel cost,
                                          std::vector<target_info> candidates,
                                          int gpus_per_instance, cpu_params params = {}) {
  return std::make_shared<cpu_backend<Model, CostModel>>(
      std::move(model), std::move(cost), std::move(candidates), gpus_per_instance, params);
}

}  // namespace parcae::liveput
