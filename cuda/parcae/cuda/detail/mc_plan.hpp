#pragma once
// Host side of a Monte-Carlo batch, shared by the CUDA backend (monte_carlo.cuh) and the host
// execution of the kernel logic (mc_host.hpp): validation, grouping of keys into families, the
// target slots of each family, the tiles, the device views, and the finalisation of the integer
// sums into liveput entries.
//
// Every step mirrors liveput::estimate_monte_carlo (liveput/monte_carlo.hpp) and calls the same
// functions (detail::group_keys, reachable_targets, family_stream, finalise_cost, make_estimate),
// so that an entry computed here equals the CPU's field for field, except `states` (distinct
// summaries per tile here, per chunk there; see docs/cuda.md). Plain C++ (no CUDA headers).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/rng.hpp"
#include "parcae/cuda/detail/mc_tile.hpp"
#include "parcae/cuda/transfer.hpp"
#include "parcae/liveput/cost_function.hpp"
#include "parcae/liveput/detail/accumulator.hpp"
#include "parcae/liveput/detail/checks.hpp"
#include "parcae/liveput/detail/families.hpp"
#include "parcae/liveput/monte_carlo.hpp"
#include "parcae/liveput/preemption.hpp"
#include "parcae/liveput/types.hpp"

namespace parcae::cuda {

/// Settings of a Monte-Carlo batch on the GPU (or its host execution).
struct mc_gpu_params {
  std::int64_t samples = 10000;  ///< preemption sets per family (as liveput::mc_params)
  std::uint64_t seed = 1;        ///< Philox key; same seed, same result as the CPU path
  double interval_s = 60.0;      ///< Δ for the liveput value
  int gpus_per_instance = 1;     ///< g
  int block_threads = 128;       ///< threads per block (multiple of 32, <= 1024)
  /// Samples per tile: equal survivor summaries are merged within a tile (bounded by the shared
  /// memory: 548 bytes per sample). Does not change the estimates, only entry::states and speed.
  int tile = 64;
  int max_blocks = 0;  ///< grid size cap; 0 = as many as fit on the device at once

  void validate() const {
    const char* f = "parcae::cuda::mc_gpu_params::validate";
    check_bounded(f, "samples", samples, std::int64_t{1}, std::int64_t{1} << 36);
    check_positive(f, "interval_s", interval_s);
    check_at_least(f, "gpus_per_instance", gpus_per_instance, 1);
    check_bounded(f, "block_threads", block_threads, 32, 1024);
    if (block_threads % 32 != 0) {
      throw_invalid(f, "block_threads", block_threads, "a multiple of 32");
    }
    check_bounded(f, "tile", tile, 1, 1 << 16);
    check_nonnegative(f, "max_blocks", max_blocks);
  }
};

namespace detail {

/// The host plan of one batch for a model and a cost model.
template <class Model, class CostModel>
struct mc_plan {
  using prepared_type = decltype(std::declval<const Model&>().prepare(1, 0));
  using bound_type =
      std::decay_t<decltype(std::declval<const CostModel&>().bind(parallel_config{1, 1}))>;
  using sampler_view = device_view_t<prepared_type>;
  using cost_view = device_view_t<bound_type>;
  using family_type = mc_family<sampler_view, cost_view>;

  struct slot_info {
    std::size_t family;
    std::size_t n_in_index;
    liveput::target_info target;
  };

  std::vector<liveput::detail::key_family> families;
  std::vector<prepared_type> samplers;  ///< host objects (own the tables the views point to)
  std::vector<bound_type> bound;
  std::vector<std::vector<bool>> has_target;
  std::vector<mc_slot> slots;
  std::vector<slot_info> info;
  std::vector<int> slot_begin;           ///< per family, plus the end
  std::vector<std::int64_t> tile_begin;  ///< per family, plus the total
  std::vector<std::size_t> stage_offset_sampler, stage_offset_cost;
  staging staged;  ///< bytes the device views point into
  int max_n_out = 0;
  int g = 1;  ///< GPUs per instance
  std::size_t keys = 0;

  std::int64_t tiles() const { return tile_begin.empty() ? 0 : tile_begin.back(); }

  /// The device families, with views pointing into `base` (the device copy of `staged`, or its
  /// host bytes for a host run).
  std::vector<family_type> device_families(const unsigned char* base) const {
    std::vector<family_type> out(families.size());
    for (std::size_t fi = 0; fi < families.size(); ++fi) {
      const auto& fam = families[fi];
      family_type& d = out[fi];
      d.sampler =
          device_transfer<prepared_type>::view(samplers[fi], stage_offset_sampler[fi], base);
      d.cost = device_transfer<bound_type>::view(bound[fi], stage_offset_cost[fi], base);
      d.layout = liveput::instance_layout{fam.n, fam.old.d, fam.old.p, g};
      d.n_out = fam.n_out;
      d.stream = liveput::family_stream(fam.n, fam.old.d, fam.old.p, fam.n_out);
      d.slot_begin = slot_begin[fi];
      d.slot_count = slot_begin[fi + 1] - slot_begin[fi];
      d.tile_begin = tile_begin[fi];
    }
    return out;
  }
};

/// Builds the plan of `keys` (validated as the CPU estimator does, same messages).
template <class Model, class CostModel>
mc_plan<Model, CostModel> make_mc_plan(const char* function, const Model& model,
                                       const CostModel& cost,
                                       const std::vector<liveput::target_info>& candidates,
                                       const std::vector<liveput::key>& keys,
                                       const mc_gpu_params& params) {
  params.validate();
  const int g = params.gpus_per_instance;
  for (const liveput::key& k : keys) liveput::detail::check_key(function, k, g);
  mc_plan<Model, CostModel> plan;
  plan.keys = keys.size();
  plan.g = g;
  plan.families = liveput::detail::group_keys(keys);
  const std::size_t nf = plan.families.size();
  plan.samplers.reserve(nf);
  plan.bound.reserve(nf);
  plan.has_target.resize(nf);
  plan.slot_begin.assign(nf + 1, 0);
  plan.tile_begin.assign(nf + 1, 0);
  const std::int64_t tiles_per_family = (params.samples + params.tile - 1) / params.tile;
  for (std::size_t fi = 0; fi < nf; ++fi) {
    const auto& fam = plan.families[fi];
    plan.samplers.push_back(model.prepare(fam.n, fam.n_out));
    plan.bound.push_back(cost.bind(fam.old));
    plan.max_n_out = std::max(plan.max_n_out, fam.n_out);
    plan.slot_begin[fi] = static_cast<int>(plan.slots.size());
    plan.has_target[fi].assign(fam.n_ins.size(), false);
    // Slot order = the CPU estimator's: n_in slot by n_in slot, targets sorted by (p, d).
    for (std::size_t e = 0; e < fam.n_ins.size(); ++e) {
      const liveput::sample_context ctx{fam.n, fam.old.d, fam.old.p, fam.n_ins[e], fam.n_out, g};
      for (const auto& t : liveput::reachable_targets(candidates, ctx.n_after(), g)) {
        plan.slots.push_back(mc_slot{ctx, t.config});
        plan.info.push_back({fi, e, t});
        plan.has_target[fi][e] = true;
      }
    }
    if (plan.slots.size() > static_cast<std::size_t>(INT32_MAX)) {
      throw_invalid(function, "keys.size()", keys.size(), "small enough for < 2^31 target slots");
    }
    const bool work = static_cast<int>(plan.slots.size()) > plan.slot_begin[fi];
    plan.tile_begin[fi + 1] = plan.tile_begin[fi] + (work ? tiles_per_family : 0);
  }
  plan.slot_begin[nf] = static_cast<int>(plan.slots.size());
  if (nf >= (std::size_t{1} << (64 - bad_sample_shift))) {
    throw_invalid(function, "keys.size()", keys.size(), "< 2^24 families");
  }
  using prepared_type = typename mc_plan<Model, CostModel>::prepared_type;
  using bound_type = typename mc_plan<Model, CostModel>::bound_type;
  plan.stage_offset_sampler.resize(nf);
  plan.stage_offset_cost.resize(nf);
  for (std::size_t fi = 0; fi < nf; ++fi) {
    plan.stage_offset_sampler[fi] =
        device_transfer<prepared_type>::stage(plan.samplers[fi], plan.staged);
    plan.stage_offset_cost[fi] = device_transfer<bound_type>::stage(plan.bound[fi], plan.staged);
  }
  return plan;
}

/// Throws the CPU estimator's error for an invalid preemption set found by the kernel: the
/// sample is drawn again on the host (same stream) to name the offending id.
template <class Model, class CostModel>
[[noreturn]] void throw_bad_sample(const mc_plan<Model, CostModel>& plan, std::uint64_t seed,
                                   unsigned long long code) {
  const std::size_t fi = static_cast<std::size_t>(code >> bad_sample_shift);
  const std::uint64_t index = code & ((1ull << bad_sample_shift) - 1);
  const auto& fam = plan.families[fi];
  std::vector<int> ids(static_cast<std::size_t>(std::max(1, fam.n_out)), -1);
  counter_rng rng(seed, liveput::family_stream(fam.n, fam.old.d, fam.old.p, fam.n_out), index);
  plan.samplers[fi](rng, ids.data());
  std::vector<unsigned char> seen(static_cast<std::size_t>(fam.n), 0);
  for (int q = 0; q < fam.n_out; ++q) {
    const int id = ids[static_cast<std::size_t>(q)];
    if (id < 0 || id >= fam.n || seen[static_cast<std::size_t>(id)]) {
      throw_invalid("parcae::liveput::estimate_monte_carlo",
                    "the sampler's instance id " + std::to_string(q) + " of sample " +
                        std::to_string(index) + " (n = " + std::to_string(fam.n) + ")",
                    id, "distinct and in [0, n)");
    }
    seen[static_cast<std::size_t>(id)] = 1;
  }
  throw_invalid_message("parcae::liveput::estimate_monte_carlo",
                        "the sampler of family " + std::to_string(fi) +
                            " wrote an invalid set on the GPU but not on the host for sample " +
                            std::to_string(index));
}

/// The entries of the batch from the integer sums (one accumulator per slot, one distinct-summary
/// count per family); same arithmetic, in the same order, as liveput::estimate_monte_carlo.
template <class Model, class CostModel>
std::vector<liveput::entry> finalise_mc_plan(const mc_plan<Model, CostModel>& plan,
                                             const std::vector<mc_accumulator>& acc,
                                             const std::vector<unsigned long long>& states,
                                             const mc_gpu_params& params) {
  std::vector<liveput::entry> out(plan.keys);
  const double n = static_cast<double>(params.samples);
  for (std::size_t fi = 0; fi < plan.families.size(); ++fi) {
    const auto& fam = plan.families[fi];
    std::vector<liveput::entry> by_n_in(fam.n_ins.size());
    for (std::size_t e = 0; e < by_n_in.size(); ++e) {
      by_n_in[e].method = liveput::method::monte_carlo;
      by_n_in[e].samples = params.samples;
      by_n_in[e].states = static_cast<std::int64_t>(states[fi]);
      by_n_in[e].interval_s = params.interval_s;
      if (!plan.has_target[fi][e]) by_n_in[e].status = liveput::entry_status::no_target;
    }
    for (int k = plan.slot_begin[fi]; k < plan.slot_begin[fi + 1]; ++k) {
      const auto& sl = plan.info[static_cast<std::size_t>(k)];
      const liveput::detail::cost_accumulator total =
          to_cost_accumulator(acc[static_cast<std::size_t>(k)]);
      const double prob = static_cast<double>(total.feasible) / n;
      const double prob_se = std::sqrt(prob * (1.0 - prob) / n);
      const liveput::detail::cost_moments m = liveput::detail::finalise_cost(total);
      by_n_in[sl.n_in_index].targets.push_back(
          liveput::make_estimate(sl.target, prob, prob_se, m.mean_ms, m.se_ms, params.interval_s));
    }
    for (std::size_t j = 0; j < fam.positions.size(); ++j) {
      out[fam.positions[j]] = by_n_in[fam.members[j]];
    }
  }
  return out;
}

}  // namespace detail
}  // namespace parcae::cuda
