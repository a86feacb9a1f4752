#pragma once
// Uniform layer partition of a model into pipeline stages, by layer count (not by cost), as the
// Parcae artifact does (liveput/model.py `ModelSpec.partition`; digest §2.2):
//
//   chunk = (n - 1) / p;  stage sizes = [chunk + 1, chunk, ..., chunk];
//   the remainder (n - 1) % p adds one layer to stages p-2, p-3, ... (the last-but-one stages).
//
// For a transformer ([embedding] + blocks + [head]) this puts the embedding on stage 0 together
// with `chunk` blocks, and it is the same partition as the analytic simulator's
// (cost_strategy.py `candidate_partitions`), so one rule serves throughput and migration. Every
// stage gets at least one layer when 1 <= p <= n - 1, which is therefore the pipeline-depth limit
// for every model here (the artifact allows p = n for CNNs in the simulator, where this rule
// would leave the last stage empty).

#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/macros.hpp"

namespace parcae::perf {

/// Deepest pipeline a model of `n_layers` layers can be split into: n_layers - 1 (at least 1).
PARCAE_HD constexpr int max_pipeline_depth(int n_layers) { return n_layers > 2 ? n_layers - 1 : 1; }

/// Writes the p + 1 stage boundaries (layer indices, bounds[0] = 0, bounds[p] = n_layers) of the
/// uniform partition into `bounds`. Requires 1 <= p <= max_pipeline_depth(n_layers); no checks
/// (hot path, host and device).
PARCAE_HD inline void partition_bounds(int n_layers, int p, int* bounds) {
  if (p == 1) {
    bounds[0] = 0;
    bounds[1] = n_layers;
    return;
  }
  const int chunk = (n_layers - 1) / p;
  const int extra = (n_layers - 1) % p;  // stages p-2, p-3, ..., p-1-extra get one more layer
  bounds[0] = 0;
  for (int s = 0; s < p; ++s) {
    int size = chunk + (s == 0 ? 1 : 0);
    if (s <= p - 2 && s >= p - 1 - extra) size += 1;
    bounds[s + 1] = bounds[s] + size;
  }
}

/// Host convenience: the stage boundaries as a vector of p + 1 layer indices.
inline std::vector<int> partition_layers(int n_layers, int p) {
  static constexpr const char* fn = "parcae::perf::partition_layers";
  check_at_least(fn, "n_layers", n_layers, 1);
  check_bounded(fn, "p", p, 1, max_pipeline_depth(n_layers));
  std::vector<int> bounds(static_cast<std::size_t>(p) + 1);
  partition_bounds(n_layers, p, bounds.data());
  return bounds;
}

}  // namespace parcae::perf
