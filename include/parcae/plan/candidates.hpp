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
#include <string>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/parallel_config.hpp"
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

/// The planner's targets (job_params::pareto_targets): the candidates that no other candidate
/// beats on both counts, GPUs and throughput (another uses no more GPUs and trains at least as
/// fast, and is strictly better in one), plus every configuration in `keep` (the
/// throughput-optimal rule's choices, whose ties can fall on a dominated candidate). Sorted as
/// `candidates` is (by (p, d)).
///
/// Why a planner needs no other target: a dominated configuration fits wherever the one that
/// dominates it fits and trains less there, so choosing it can only pay through a cheaper
/// migration, and any plan through it is matched, for at most the migration-cost difference, by
/// the same plan through the dominating one. On the evaluation sets (docs/results.md, session 17)
/// the dominated targets were what truth and predict used to run a slightly slower configuration
/// that was cheaper to reach ((2,13)-(2,15) for gpt-6.7b, whose (2,12) trains more on fewer
/// GPUs), and they were most of the liveput table's keys and the DP's transitions on large
/// clusters: gpt-1.5b on 80 instances has 130 candidates, 18 on the frontier.
inline std::vector<liveput::target_info> pareto_targets(
    const std::vector<liveput::target_info>& candidates, const std::vector<parallel_config>& keep) {
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const std::string at = "candidates[" + std::to_string(i) + "]";
    check_nonnegative("parcae::plan::pareto_targets", at + ".throughput", candidates[i].throughput);
    check_at_least("parcae::plan::pareto_targets", at + ".config.d", candidates[i].config.d, 1);
    check_at_least("parcae::plan::pareto_targets", at + ".config.p", candidates[i].config.p, 1);
  }
  // Quadratic in the candidates, once per job: a few thousand at most (1,806 for gpt-1.5b on
  // 128 instances of 8 GPUs).
  auto dominated = [&candidates](const liveput::target_info& c) {
    return std::any_of(candidates.begin(), candidates.end(), [&c](const liveput::target_info& o) {
      return o.config.size() <= c.config.size() && o.throughput >= c.throughput &&
             (o.config.size() < c.config.size() || o.throughput > c.throughput);
    });
  };
  std::vector<liveput::target_info> out;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const bool listed = std::find(keep.begin(), keep.end(), candidates[i].config) != keep.end();
    if (listed || !dominated(candidates[i])) out.push_back(candidates[i]);
  }
  return out;
}

}  // namespace parcae::plan
