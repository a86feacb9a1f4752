#pragma once
// The per-tile work of the Monte-Carlo liveput kernel, written once as PARCAE_HD functions so that
// the same code runs in the CUDA kernel (monte_carlo.cuh) and on the host (mc_host.hpp, which the
// ordinary test suite runs against the CPU estimator; no GPU needed to check the logic).
//
// A launch covers a batch of families (N, D, P, n_out) (liveput/detail/families.hpp). Each
// family's samples are cut into tiles of `tile` consecutive sample indices; one thread block
// processes one tile at a time (grid-stride over all tiles of the batch), in four phases separated
// by __syncthreads():
//   1. draw      sample first+j (j < n, threads taking every blockDim-th j) is drawn with
//   liveput::draw_survivors, the per-sample
//                unit of the CPU estimator (same Philox stream (seed, family_stream, index));
//   2. dedup     for each j, the first sample of the tile with the same survivor summary;
//   3. compact   thread 0 lists the distinct summaries in order and counts their samples;
//   4. evaluate  the block evaluates every (target slot, distinct summary) pair with the family's
//                bound cost function, weights each quantised cost by its count and adds it to
//                the slot's integer accumulator.
// Merging equal summaries changes nothing in the sums (liveput/monte_carlo.hpp does the same per
// chunk), and the accumulators are integers (liveput/detail/accumulator.hpp), so the totals, and
// the estimates computed from them on the host, are identical to the CPU path's bit for bit,
// whatever the tile size, block size, grid size or order of the atomic additions.
//
// Plain C++17 (no CUDA headers): compiled by g++ for the host tests and by nvcc for the kernel.

#include <cstddef>
#include <cstdint>

#include "parcae/core/macros.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/liveput/cost_function.hpp"
#include "parcae/liveput/detail/accumulator.hpp"
#include "parcae/liveput/monte_carlo.hpp"
#include "parcae/liveput/survivors.hpp"

namespace parcae::cuda {

/// One (key, target) pair of a family: the context of the key (n_in included) and the target.
struct mc_slot {
  liveput::sample_context ctx;
  parallel_config target;
};

/// Global integer accumulator of one slot: the words of liveput::detail::cost_accumulator, as
/// 64-bit unsigned words so that the kernel can add to them with atomicAdd.
struct mc_accumulator {
  unsigned long long feasible;
  unsigned long long sum;
  unsigned long long sq_lo;
  unsigned long long sq_hi;
};

/// Device-side description of one family: its sampler and bound cost (device views, see
/// transfer.hpp), the placement of the old configuration, and where its slots and tiles are.
template <class Sampler, class Cost>
struct mc_family {
  Sampler sampler;
  Cost cost;
  liveput::instance_layout layout;
  int n_out;
  std::uint32_t stream;     ///< liveput::family_stream(N, D, P, n_out)
  int slot_begin;           ///< first slot of the family in mc_launch::slots
  int slot_count;           ///< targets over all n_in of the family (0: nothing to do)
  std::int64_t tile_begin;  ///< first tile of the family in the launch
};

/// Everything a launch needs; trivially copyable, passed to the kernel by value.
template <class Sampler, class Cost>
struct mc_launch {
  const mc_family<Sampler, Cost>* families;
  int n_families;
  const mc_slot* slots;
  mc_accumulator* acc;             ///< one per slot, zeroed before the launch
  unsigned long long* states;      ///< one per family: distinct summaries summed over tiles
  unsigned long long* bad_sample;  ///< checked models: smallest (family << 40 | sample) whose
                                   ///< preemption set is invalid; ~0 when none
  int* scratch;                    ///< preempted ids: per block, tile * scratch_stride ints
  int scratch_stride;              ///< max(1, largest n_out of the batch)
  std::int64_t tiles;              ///< tiles of the whole batch
  std::int64_t samples;            ///< samples per family
  std::uint64_t seed;
  int tile;           ///< samples per tile (<= threads per block)
  bool check_output;  ///< validate every preemption set (user samplers)
};

/// Bit position of the family index in mc_launch::bad_sample (samples < 2^36 < 2^40).
inline constexpr int bad_sample_shift = 40;

/// Shared memory of one block, carved from one byte buffer.
struct tile_shared {
  std::uint64_t* hash;       ///< [tile] hash of each sample's summary
  liveput::survivors* surv;  ///< [tile] summaries
  int* rep;                  ///< [tile] first sample of the tile with the same summary
  int* count;                ///< [tile] samples merged into a representative
  int* list;                 ///< [tile] the distinct representatives, in order
  int* n_list;               ///< [1]   their number
};

/// Bytes of tile_shared for `tile` samples (8-byte aligned parts).
PARCAE_HD constexpr std::size_t tile_shared_bytes(int tile) {
  return static_cast<std::size_t>(tile) *
             (sizeof(std::uint64_t) + sizeof(liveput::survivors) + 3 * sizeof(int)) +
         2 * sizeof(int);
}

PARCAE_HD inline tile_shared carve_tile_shared(void* base, int tile) {
  auto* bytes = static_cast<unsigned char*>(base);
  const std::size_t t = static_cast<std::size_t>(tile);
  tile_shared s;
  s.hash = reinterpret_cast<std::uint64_t*>(bytes);
  bytes += t * sizeof(std::uint64_t);
  s.surv = reinterpret_cast<liveput::survivors*>(bytes);
  bytes += t * sizeof(liveput::survivors);
  s.rep = reinterpret_cast<int*>(bytes);
  s.count = s.rep + t;
  s.list = s.count + t;
  s.n_list = s.list + t;
  return s;
}

/// Where one tile lies: its family and its samples [first, first + n).
struct tile_span {
  int family;
  std::int64_t first;
  int n;
};

/// The family of tile `t`: the last family whose tile_begin <= t (families without tiles share
/// their tile_begin with the next family, so they are never chosen).
template <class Sampler, class Cost>
PARCAE_HD tile_span locate_tile(const mc_launch<Sampler, Cost>& l, std::int64_t t) {
  int lo = 0, hi = l.n_families - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (l.families[mid].tile_begin <= t) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  tile_span s;
  s.family = lo;
  s.first = (t - l.families[lo].tile_begin) * l.tile;
  const std::int64_t left = l.samples - s.first;
  s.n = left < l.tile ? static_cast<int>(left) : l.tile;
  return s;
}

/// Phase 1, for each j < span.n: draw sample span.first + j. With check_output, an invalid
/// preemption set is reported as (family << 40 | sample) through report(code) and its summary
/// is still written (the host throws after the launch, so it is never used).
template <class Sampler, class Cost, class Report>
PARCAE_HD void tile_draw(const mc_launch<Sampler, Cost>& l, const tile_span& span,
                         const tile_shared& sh, int block, int j, Report report) {
  const mc_family<Sampler, Cost>& f = l.families[span.family];
  int* preempted = l.scratch + (static_cast<std::size_t>(block) * static_cast<std::size_t>(l.tile) +
                                static_cast<std::size_t>(j)) *
                                   static_cast<std::size_t>(l.scratch_stride);
  const std::uint64_t index = static_cast<std::uint64_t>(span.first + j);
  if (l.check_output) {
    // Pre-fill with an impossible id: a sampler that writes fewer than n_out ids is caught too.
    for (int q = 0; q < f.n_out; ++q) preempted[q] = -1;
  }
  // The sampler runs inside draw_survivors; with check_output the ids are validated before
  // summarize() could index out of range, so draw first into the scratch, then summarise.
  if (l.check_output) {
    counter_rng rng(l.seed, f.stream, index);
    f.sampler(rng, preempted);
    bool bad = false;
    for (int q = 0; q < f.n_out && !bad; ++q) {
      const int id = preempted[q];
      if (id < 0 || id >= f.layout.n) bad = true;
      for (int u = 0; u < q && !bad; ++u) bad = preempted[u] == id;
    }
    if (bad) {
      report((static_cast<unsigned long long>(span.family) << bad_sample_shift) |
             static_cast<unsigned long long>(index));
      liveput::reset_survivors(f.layout, sh.surv[j]);
    } else {
      liveput::summarize(f.layout, preempted, f.n_out, sh.surv[j]);
    }
  } else {
    liveput::draw_survivors(f.sampler, f.layout, f.n_out, l.seed, f.stream, index, preempted,
                            sh.surv[j]);
  }
  sh.hash[j] = liveput::hash_survivors(sh.surv[j]);
}

/// Phase 2, for each j < n: the first sample of the tile with the same summary as sample j.
PARCAE_HD inline void tile_dedup(const tile_shared& sh, int j) {
  int r = j;
  for (int i = 0; i < j; ++i) {
    if (sh.hash[i] == sh.hash[j] && liveput::same_survivors(sh.surv[i], sh.surv[j])) {
      r = i;
      break;
    }
  }
  sh.rep[j] = r;
}

/// Phase 3, one thread: the list of representatives (in sample order) and their counts.
/// Returns the number of distinct summaries.
PARCAE_HD inline int tile_compact(const tile_shared& sh, int n) {
  int m = 0;
  for (int j = 0; j < n; ++j) {
    if (sh.rep[j] == j) {
      sh.count[j] = 0;
      sh.list[m++] = j;
    }
    ++sh.count[sh.rep[j]];
  }
  *sh.n_list = m;
  return m;
}

/// Phase 4, thread t of `threads`: evaluates its share of the (slot, representative) pairs and
/// hands each slot's partial integer sums to add(global slot, accumulator). With K slots and
/// `threads` threads, L = max(1, threads / K) lanes share a slot (each takes every L-th
/// representative), and the G = threads / L groups take every G-th slot.
template <class Sampler, class Cost, class Add>
PARCAE_HD void tile_evaluate(const mc_launch<Sampler, Cost>& l, const tile_span& span,
                             const tile_shared& sh, int t, int threads, Add add) {
  const mc_family<Sampler, Cost>& f = l.families[span.family];
  const int k_count = f.slot_count;
  if (k_count <= 0) return;  // families without targets get no tiles; defensive
  const int lanes = k_count < threads ? threads / k_count : 1;
  const int groups = threads / lanes;
  const int group = t / lanes;
  const int lane = t % lanes;
  if (group >= groups) return;
  const int reps = *sh.n_list;
  for (int k = group; k < k_count; k += groups) {
    const mc_slot& slot = l.slots[f.slot_begin + k];
    liveput::detail::cost_accumulator acc;
    for (int r = lane; r < reps; r += lanes) {
      const int u = sh.list[r];
      const liveput::migration_sample m = f.cost(slot.ctx, sh.surv[u], slot.target);
      if (m.feasible) acc.add(sh.count[u], liveput::detail::quantise_cost_ms(m.cost_ms));
    }
    if (acc.feasible > 0) add(f.slot_begin + k, acc);
  }
}

/// Adds a partial sum to a global accumulator without atomics (host execution).
PARCAE_HD inline void accumulate(mc_accumulator& g, const liveput::detail::cost_accumulator& a) {
  g.feasible += static_cast<unsigned long long>(a.feasible);
  g.sum += a.sum;
  const unsigned long long lo = g.sq_lo + a.sum_sq.lo;
  g.sq_hi += a.sum_sq.hi + (lo < g.sq_lo ? 1u : 0u);
  g.sq_lo = lo;
}

/// The accumulator words as the CPU estimator's accumulator (for the shared finalisation).
inline liveput::detail::cost_accumulator to_cost_accumulator(const mc_accumulator& g) {
  liveput::detail::cost_accumulator a;
  a.feasible = static_cast<std::int64_t>(g.feasible);
  a.sum = g.sum;
  a.sum_sq.lo = g.sq_lo;
  a.sum_sq.hi = g.sq_hi;
  return a;
}

}  // namespace parcae::cuda
