// Migration cost model: the digest's worked example (gpt-1.5b at (4,8), parcae-artifact.md §3.5)
// and every migration type.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/migration.hpp"

using parcae::parallel_config;
using namespace parcae::perf;

namespace {
const migration_cost_table& gpt_4x8() {
  static const auto table = [] {
    auto t = std::make_unique<migration_cost_table>(
        make_migration_cost_table(builtin::gpt_1_5b(), parallel_config{4, 8}));
    return t;
  }();
  return *table;
}
}  // namespace

TEST_CASE("worked example: gpt-1.5b at (4,8) reproduces the digest's numbers") {
  const auto& t = gpt_4x8();
  // build[8] = p2p(50257*1024*4 B) + 430 * 6 = 2,814.8 ms.
  CHECK(t.build_ms[8] == doctest::Approx(2814.8).epsilon(0.0001));
  // Stage transfers 2.47 - 3.57 s (states of 184.4M ... 266.6M params at 12 B/param).
  double lo = 1e30, hi = 0;
  for (int s = 0; s < 8; ++s) {
    lo = std::min(lo, t.old_stage_transfer_ms[s]);
    hi = std::max(hi, t.old_stage_transfer_ms[s]);
  }
  CHECK(lo == doctest::Approx(2470).epsilon(0.002));
  CHECK(hi == doctest::Approx(3570).epsilon(0.002));
  CHECK(restart_cost_ms(t, {4, 8}, restart_kind::remove) == doctest::Approx(4858).epsilon(0.0002));
  CHECK(restart_cost_ms(t, {4, 8}, restart_kind::add) == doctest::Approx(32190).epsilon(0.0002));
  // Intra-stage into (4,8): 35 + 45 * 39.3 + 240 = 2,043.5 ms (from (5,8) after losing one
  // instance of stage 3; the digest's number is the cost at the target (4,8)).
  const auto t58 = std::make_unique<migration_cost_table>(
      make_migration_cost_table(builtin::gpt_1_5b(), parallel_config{5, 8}));
  auto e = estimate_migration(*t58, {5, 5, 5, 4, 5, 5, 5, 5}, 0, 0, {4, 8});
  CHECK(e.type == migration_type::intra_stage);
  CHECK(e.cost.get() == doctest::Approx(2.0435).epsilon(1e-12));
  // From (4,8) to (3,8): 35 + 36 * 39.3 + 240 = 1,689.8 ms.
  e = estimate_migration(t, {4, 4, 4, 3, 4, 4, 4, 4}, 0, 0, {3, 8});
  CHECK(e.type == migration_type::intra_stage);
  CHECK(e.cost.get() == doctest::Approx(1.6898).epsilon(1e-12));
}
