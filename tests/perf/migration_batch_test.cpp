// migration_batch: the same results as migration_cost_ms, bit for bit, on every survivor vector
// and every target of several tables (the replay of the recorded greedy run is exact); its
// expectation sums equal the sums of those results (to rounding); its input checks.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/migration.hpp"
#include "parcae/perf/migration_batch.hpp"
#include "parcae/perf/migration_plan.hpp"

using parcae::parallel_config;
using namespace parcae::perf;

namespace {

// A non-uniform profile with zero-parameter layers: ties between overlapping and non-overlapping
// old stages decide the greedy's choice, and the fallback scan runs.
model_profile skewed_profile() {
  model_profile m = builtin::gpt_1_5b();
  m.layers.resize(26);
  m.transformer = false;
  for (std::size_t l = 0; l < m.layers.size(); ++l) {
    m.layers[l].params = (l % 5 == 2) ? 0.0 : 1e6 * static_cast<double>(1 + (l * 7) % 11);
  }
  return m;
}

struct comparison {
  long long cases = 0;
  long long mismatches = 0;
  long long replayed = 0;  // pipeline results that differ from the no-loss result (resumed runs)
  long long sums = 0;      // targets whose expectation sums were compared
  long long sum_mismatches = 0;
};

// Every survivor vector in [0, D]^P with free GPUs in {0, 1, 3}; targets: every (d, p) with
// d <= D + 2, p <= max_p + 1 (one invalid depth), joined GPUs in {0, 2}.
void compare_exhaustively(const model_profile& m, parallel_config old, state_recovery rec,
                          comparison& c) {
  migration_options opt;
  opt.recovery = rec;
  const auto t = std::make_unique<migration_cost_table>(make_migration_cost_table(m, old, opt));
  std::vector<batch_target> targets;
  for (int joined : {0, 2}) {
    for (int p = t->max_p + 1; p >= 1; --p) {  // unsorted on purpose
      for (int d = 1; d <= old.d + 2; ++d) targets.push_back({{d, p}, joined});
    }
  }
  const migration_plan plan(*t);
  const migration_batch batch(plan, targets);
  std::vector<migration_result> got(targets.size()), full(targets.size());
  std::vector<int> all(static_cast<std::size_t>(old.p), old.d);
  batch.evaluate(all.data(), 0, full.data());
  std::vector<int> r(static_cast<std::size_t>(old.p), 0);
  // migration_batch::expectation over every summary, with uneven weights, against the sums of
  // evaluate()'s results.
  migration_batch::expectation sums(batch);
  std::vector<double> want_weight(targets.size(), 0.0), want_cost(targets.size(), 0.0);
  double w = 0.5;
  for (;;) {
    for (int free_gpus : {0, 1, 3}) {
      batch.evaluate(r.data(), free_gpus, got.data());
      w = w < 4.0 ? w * 1.37 : 0.5;
      sums.add(r.data(), free_gpus, w);
      for (std::size_t i = 0; i < targets.size(); ++i) {
        if (got[i].type != migration_kind::infeasible) {
          want_weight[i] += w;
          want_cost[i] += w * got[i].cost_ms;
        }
        const migration_result want =
            migration_cost_ms(*t, r.data(), free_gpus, targets[i].joined_gpus, targets[i].config);
        if (got[i].type != want.type ||
            !(got[i].cost_ms == want.cost_ms || want.cost_ms != want.cost_ms)) {
          ++c.mismatches;
        }
        if (got[i].type == migration_kind::pipeline && full[i].type == migration_kind::pipeline &&
            got[i].cost_ms != full[i].cost_ms) {
          ++c.replayed;
        }
        ++c.cases;
      }
    }
    std::size_t i = 0;  // next survivor vector (odometer)
    while (i < r.size() && r[i] == old.d) r[i++] = 0;
    if (i == r.size()) break;
    ++r[i];
  }
  for (std::size_t i = 0; i < targets.size(); ++i) {
    double weight = 0.0, cost = 0.0;
    sums.result(i, weight, cost);
    const bool same = weight == doctest::Approx(want_weight[i]).epsilon(1e-12) &&
                      cost == doctest::Approx(want_cost[i]).epsilon(1e-12);
    c.sum_mismatches += same ? 0 : 1;
    ++c.sums;
  }
}

}  // namespace

TEST_CASE("migration_batch equals migration_cost_ms bit for bit") {
  comparison c;
  const model_profile skew = skewed_profile();
  for (parallel_config old : {parallel_config{2, 4}, parallel_config{4, 4}, parallel_config{2, 7},
                              parallel_config{1, 13}, parallel_config{3, 5}}) {
    compare_exhaustively(skew, old, state_recovery::redundant_copy, c);
  }
  compare_exhaustively(skew, {2, 5}, state_recovery::checkpoint, c);
  const model_profile gpt = builtin::gpt_1_5b();
  for (parallel_config old : {parallel_config{2, 4}, parallel_config{3, 6}, parallel_config{2, 8},
                              parallel_config{1, 12}, parallel_config{4, 3}}) {
    compare_exhaustively(gpt, old, state_recovery::redundant_copy, c);
  }
  compare_exhaustively(gpt, {2, 6}, state_recovery::checkpoint, c);
  MESSAGE("cases: " << c.cases << ", resumed pipeline runs: " << c.replayed);
  CHECK(c.cases > 3000000);
  CHECK(c.replayed > 10000);  // the replay path is exercised, not only the recorded full run
  CHECK(c.mismatches == 0);
  CHECK(c.sums > 1000);
  CHECK(c.sum_mismatches == 0);
}

TEST_CASE("migration_batch: the checked form and the worked example") {
  const auto t = std::make_unique<migration_cost_table>(
      make_migration_cost_table(builtin::gpt_1_5b(), parallel_config{4, 8}));
  const migration_plan plan(*t);
  const migration_batch batch(plan, {{{3, 8}, 0}, {{5, 8}, 0}, {{2, 12}, 1}});
  CHECK(batch.size() == 3);
  const auto out = batch.evaluate({4, 4, 4, 3, 4, 4, 4, 4}, 0);
  REQUIRE(out.size() == 3);
  // From (4,8) to (3,8) losing one replica of stage 3: 35 + 36 * 39.3 + 240 = 1,689.8 ms.
  CHECK(out[0].type == migration_kind::intra_stage);
  CHECK(out[0].cost_ms == doctest::Approx(1689.8).epsilon(1e-12));
  CHECK(out[1].type == migration_kind::infeasible);
  CHECK(out[2].type == migration_kind::pipeline);
  const int r[8] = {4, 4, 4, 3, 4, 4, 4, 4};
  CHECK(out[2].cost_ms == migration_cost_ms(*t, r, 0, 1, {2, 12}).cost_ms);
}

TEST_CASE("migration_batch: bad input") {
  const auto t = std::make_unique<migration_cost_table>(
      make_migration_cost_table(builtin::gpt_1_5b(), parallel_config{4, 8}));
  const migration_plan plan(*t);
  CHECK_THROWS_WITH_AS(migration_batch(plan, {{{4, 8}, 0}, {{0, 8}, 0}}),
                       "parcae::perf::migration_batch::migration_batch: targets[1].config.d is 0, "
                       "but must be >= 1",
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(migration_batch(plan, {{{4, -1}, 0}}),
                       "parcae::perf::migration_batch::migration_batch: targets[0].config.p is "
                       "-1, but must be >= 1",
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(migration_batch(plan, {{{4, 8}, -3}}),
                       "parcae::perf::migration_batch::migration_batch: targets[0].joined_gpus is "
                       "-3, but must be >= 0",
                       parcae::invalid_argument);
  const migration_batch batch(plan, {{{4, 8}, 0}});
  CHECK_THROWS_WITH_AS(batch.evaluate(std::vector<int>{4, 4}, 0),
                       "parcae::perf::migration_batch::evaluate: replicas.size() is 2, but must "
                       "be equal to the old pipeline depth 8",
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(batch.evaluate(std::vector<int>{4, 4, 4, 5, 4, 4, 4, 4}, 0),
                       "parcae::perf::migration_batch::evaluate: replicas[3] is 5, but must be in "
                       "[0, 4]",
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(batch.evaluate(std::vector<int>(8, 4), -1),
                       "parcae::perf::migration_batch::evaluate: free_gpus is -1, but must be >= 0",
                       parcae::invalid_argument);
  migration_batch::expectation sums(batch);
  CHECK_THROWS_WITH_AS(sums.add(std::vector<int>{4, 4}, 0, 1.0),
                       "parcae::perf::migration_batch::expectation::add: replicas.size() is 2, "
                       "but must be equal to the old pipeline depth 8",
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(sums.add(std::vector<int>{4, 4, 4, 4, 4, 4, 4, -1}, 0, 1.0),
                       "parcae::perf::migration_batch::expectation::add: replicas[7] is -1, but "
                       "must be in [0, 4]",
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(sums.add(std::vector<int>(8, 4), -2, 1.0),
                       "parcae::perf::migration_batch::expectation::add: free_gpus is -2, but "
                       "must be >= 0",
                       parcae::invalid_argument);
  CHECK_THROWS_AS(sums.add(std::vector<int>(8, 4), 0, -0.5), parcae::invalid_argument);
  CHECK_THROWS_AS(sums.add(std::vector<int>(8, 4), 0, std::nan("")), parcae::invalid_argument);
  double w = 0.0, c = 0.0;
  CHECK_THROWS_WITH_AS(sums.result(1, w, c),
                       "parcae::perf::migration_batch::expectation::result: i is 1, but must be "
                       "< the number of targets 1",
                       parcae::invalid_argument);
  // The checked add equals the unchecked one: (4,8) with every replica costs nothing.
  sums.add(std::vector<int>(8, 4), 0, 2.0);
  sums.result(0, w, c);
  CHECK(w == 2.0);
  CHECK(c == 0.0);
}
