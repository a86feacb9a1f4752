#pragma once
// Target pruning for large clusters. With 128 instances x 8 GPUs the memory-feasible gpt-1.5b
// targets number 1,806; the DP's work grows with the square of that (every configuration to every
// target per step) and the liveput table needs one key per configuration and step, each
// evaluating every target. Keeping, for each pipeline depth, the data-parallel degrees of a
// geometric ladder (d = 1, 2, 3, ... rounded powers of `ratio`: whatever N is, some kept d uses
// at least 1/ratio of the GPUs the largest fitting d would) plus the k degrees with the highest
// throughput cuts that to a few dozen targets per depth.
//
// This is a heuristic, not part of the exact DP: the DP is exact over the targets it is given,
// and a pruned target can only win when its lower migration cost outweighs a lower throughput
// over the whole horizon. The artifact needs no pruning (32 instances, 47 targets for gpt-1.5b);
// for N <= 32 use the full candidate list.

#include <algorithm>
#include <map>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/liveput/cost_function.hpp"

namespace parcae::plan {

/// For each pipeline depth p: the candidates whose d is on the ladder round(ratio^j), j >= 0, and
/// the k with the highest throughput (ties: smaller d). Sorted by (p, d), as
/// liveput::candidate_targets returns them.
inline std::vector<liveput::target_info> prune_candidates(
    const std::vector<liveput::target_info>& candidates, double ratio, int k) {
  const char* fn = "parcae::plan::prune_candidates";
  check_at_least(fn, "ratio", ratio, 1.01);
  check_at_least(fn, "k", k, 0);
  auto on_ladder = [ratio](int d) {
    for (double x = 1.0; x < 2.0 * d + 2.0; x *= ratio) {
      if (static_cast<int>(x + 0.5) == d) return true;
    }
    return false;
  };
  std::map<int, std::vector<liveput::target_info>> by_p;
  for (const auto& c : candidates) by_p[c.config.p].push_back(c);
  std::vector<liveput::target_info> out;
  for (auto& [p, list] : by_p) {
    std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
      return a.throughput != b.throughput ? a.throughput > b.throughput : a.config.d < b.config.d;
    });
    std::vector<liveput::target_info> kept;
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (static_cast<int>(i) < k || on_ladder(list[i].config.d)) kept.push_back(list[i]);
    }
    std::sort(kept.begin(), kept.end(),
              [](const auto& a, const auto& b) { return a.config.d < b.config.d; });
    out.insert(out.end(), kept.begin(), kept.end());
  }
  return out;
}

}  // namespace parcae::plan
