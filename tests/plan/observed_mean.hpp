#pragma once
// A liveput entry against the observed transitions it stands for: every equally likely set of
// lost instances costed from its survivors (plan::liveput_provider::observed_transitions), summed
// per target. The same reachable targets, with the entry's probability (the share of the sets in
// which the target is feasible) and mean cost (over those sets).
#include <doctest/doctest.h>

#include <cstddef>
#include <map>
#include <utility>

#include "parcae/core/parallel_config.hpp"
#include "parcae/liveput/types.hpp"

namespace parcae_test {

/// sum[target] = {sets in which it is feasible, its summed cost over them}; `sets` in all.
inline void check_entry_is_observed_mean(
    const parcae::liveput::entry& e,
    const std::map<parcae::parallel_config, std::pair<double, double>>& sum, double sets) {
  std::size_t reachable = 0;
  for (const auto& t : e.targets) {
    if (t.probability == 0.0) continue;
    ++reachable;
    CAPTURE(parcae::to_string(t.target));
    const auto it = sum.find(t.target);
    REQUIRE(it != sum.end());
    const auto [count, cost] = it->second;
    CHECK(count / sets == doctest::Approx(t.probability).epsilon(1e-12));
    CHECK(cost / count == doctest::Approx(t.mean_cost_s).epsilon(1e-12));
  }
  CHECK(sum.size() == reachable);
}

}  // namespace parcae_test
