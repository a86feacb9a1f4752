#pragma once
// Host execution of the Monte-Carlo kernel's code: the same plan (detail/mc_plan.hpp), the same
// per-tile phases (detail/mc_tile.hpp) run block by block and thread by thread on one CPU core,
// with plain additions in place of atomics. It exists so that the logic of the GPU backend is
// compiled for the host and checked against the CPU estimator in the ordinary test suite
// (tests/cuda_host), on machines without a GPU; it is not a fast path (use
// liveput::estimate_monte_carlo on the CPU).
//
// Deterministic: the result is a pure function of (seed, keys, model, cost, candidates,
// samples), equal bit for bit to liveput::estimate_monte_carlo's (except entry::states, see
// docs/cuda.md) and to the GPU's, whatever block_threads, tile and max_blocks.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "parcae/cuda/detail/mc_plan.hpp"
#include "parcae/cuda/detail/mc_tile.hpp"
#include "parcae/liveput/preemption.hpp"
#include "parcae/liveput/types.hpp"

namespace parcae::cuda {

/// Runs the kernel logic on the host for `keys` (see the header comment). `params.max_blocks` is
/// the emulated grid size (0: 4 blocks), which changes the order of the additions only.
template <class Model, class CostModel>
std::vector<liveput::entry> estimate_monte_carlo_host(
    const Model& model, const CostModel& cost, const std::vector<liveput::target_info>& candidates,
    const std::vector<liveput::key>& keys, const mc_gpu_params& params) {
  const char* f = "parcae::cuda::estimate_monte_carlo_host";
  auto plan = detail::make_mc_plan(f, model, cost, candidates, keys, params);
  using plan_type = decltype(plan);
  using sampler_view = typename plan_type::sampler_view;
  using cost_view = typename plan_type::cost_view;

  const auto families = plan.device_families(plan.staged.data());
  std::vector<mc_accumulator> acc(plan.slots.size(), mc_accumulator{0, 0, 0, 0});
  std::vector<unsigned long long> states(families.size(), 0);
  unsigned long long bad = ~0ull;
  const std::int64_t tiles = plan.tiles();
  const int grid = static_cast<int>(std::max<std::int64_t>(
      1, std::min<std::int64_t>(tiles, params.max_blocks > 0 ? params.max_blocks : 4)));
  const int stride = std::max(1, plan.max_n_out);
  std::vector<int> scratch(static_cast<std::size_t>(grid) * static_cast<std::size_t>(params.tile) *
                           static_cast<std::size_t>(stride));

  mc_launch<sampler_view, cost_view> l;
  l.families = families.data();
  l.n_families = static_cast<int>(families.size());
  l.slots = plan.slots.data();
  l.acc = acc.data();
  l.states = states.data();
  l.bad_sample = &bad;
  l.scratch = scratch.data();
  l.scratch_stride = stride;
  l.tiles = tiles;
  l.samples = params.samples;
  l.seed = params.seed;
  l.tile = params.tile;
  l.check_output = liveput::checks_output<Model>::value;

  // 8-byte aligned shared-memory stand-in.
  std::vector<std::uint64_t> shared_words((tile_shared_bytes(params.tile) + 7) / 8);
  const tile_shared sh = carve_tile_shared(shared_words.data(), params.tile);
  auto report = [&bad](unsigned long long code) { bad = std::min(bad, code); };
  auto add = [&acc](int slot, const liveput::detail::cost_accumulator& a) {
    accumulate(acc[static_cast<std::size_t>(slot)], a);
  };
  // Blocks in turn (any order gives the same integers); each block's tiles grid-strided as on
  // the GPU; each phase thread by thread, a phase finishing before the next (__syncthreads).
  for (int block = 0; block < grid; ++block) {
    for (std::int64_t t = block; t < tiles; t += grid) {
      const tile_span span = locate_tile(l, t);
      for (int j = 0; j < span.n; ++j) tile_draw(l, span, sh, block, j, report);
      for (int j = 0; j < span.n; ++j) tile_dedup(sh, j);
      states[static_cast<std::size_t>(span.family)] +=
          static_cast<unsigned long long>(tile_compact(sh, span.n));
      for (int th = 0; th < params.block_threads; ++th) {
        tile_evaluate(l, span, sh, th, params.block_threads, add);
      }
    }
  }
  if (bad != ~0ull) detail::throw_bad_sample(plan, params.seed, bad);
  return detail::finalise_mc_plan(plan, acc, states, params);
}

}  // namespace parcae::cuda
