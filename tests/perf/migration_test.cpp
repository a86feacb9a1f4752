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
  CHECK(e.type == migration_kind::intra_stage);
  CHECK(e.cost.get() == doctest::Approx(2.0435).epsilon(1e-12));
  // From (4,8) to (3,8): 35 + 36 * 39.3 + 240 = 1,689.8 ms.
  e = estimate_migration(t, {4, 4, 4, 3, 4, 4, 4, 4}, 0, 0, {3, 8});
  CHECK(e.type == migration_kind::intra_stage);
  CHECK(e.cost.get() == doctest::Approx(1.6898).epsilon(1e-12));
}

namespace {
/// p2p time of `params` parameters' model states (12 B each) above 1 GiB: proportional to the
/// artifact's 1 GiB point.
double xfer_ms(double params) { return params * 12.0 / 1073741824.0 * 1198.2559; }
const double block = 30740800.0, embedding = 82124800.0, head = 82128000.0;
}  // namespace

TEST_CASE("no change and intra-stage migration") {
  const auto& t = gpt_4x8();
  std::vector<int> all(8, 4);
  auto e = estimate_migration(t, all, 0, 0, {4, 8});
  CHECK(e.type == migration_kind::none);
  CHECK(e.cost.get() == 0.0);
  // A preempted spare changes nothing (free_gpus only shrinks).
  e = estimate_migration(t, all, 0, 3, {4, 8});
  CHECK(e.type == migration_kind::none);
  // Shrinking d with all replicas present is an intra-stage migration.
  e = estimate_migration(t, all, 0, 0, {2, 8});
  CHECK(e.type == migration_kind::intra_stage);
  CHECK(e.cost.get() * 1000 == doctest::Approx(35 + (2 + 8 + 1 + 16) * 39.3 + 240));
}

TEST_CASE("inter-stage migration: one stage short, stages lost, the last-stage quirk") {
  const auto& t = gpt_4x8();
  const double r_add = 35 + 45 * 500.0 + 240 + 6600 + t.build_ms[8];
  // Two replicas of stage 3 (6 blocks) lost; two spares fill them: max(x3) + R(add).
  std::vector<int> r = {4, 4, 4, 2, 4, 4, 4, 4};
  auto e = estimate_migration(t, r, 2, 0, {4, 8});
  CHECK(e.type == migration_kind::inter_stage);
  CHECK(e.cost.get() * 1000 == doctest::Approx(xfer_ms(6 * block) + r_add));
  // Without spares, (4,8) no longer fits in 30 GPUs.
  CHECK(estimate_migration(t, r, 0, 0, {4, 8}).type == migration_kind::infeasible);
  // Shrinking to (3,8) fits in the survivors: one replica of stage 3 is fetched, R(remove).
  e = estimate_migration(t, r, 0, 0, {3, 8});
  CHECK(e.type == migration_kind::inter_stage);
  CHECK(e.cost.get() * 1000 ==
        doctest::Approx(xfer_ms(6 * block) + 35 + 36 * 39.3 + 240 + t.build_ms[8]));
  // Every replica of stages 2 and 3 lost: both come serially from the redundant copy.
  r = {4, 4, 0, 0, 4, 4, 4, 4};
  e = estimate_migration(t, r, 0, 8, {4, 8});
  CHECK(e.type == migration_kind::inter_stage);
  CHECK(e.cost.get() * 1000 == doctest::Approx(2 * xfer_ms(6 * block) + r_add));
  // Artifact quirk kept: the last stage counts as "redundant" when d-1 replicas are missing.
  r = {4, 4, 4, 4, 4, 4, 4, 1};
  e = estimate_migration(t, r, 3, 0, {4, 8});
  const double x7 = xfer_ms(5 * block + head), x0 = xfer_ms(embedding + 6 * block);
  CHECK(e.cost.get() * 1000 == doctest::Approx(x7 + r_add));
  r = {1, 4, 4, 4, 4, 4, 4, 1};
  e = estimate_migration(t, r, 6, 0, {4, 8});
  CHECK(e.cost.get() * 1000 == doctest::Approx(std::max(x0, x7) + r_add));  // stage 0: not
}

TEST_CASE("pipeline migration accumulates the missing parameters (artifact bug fixed)") {
  const auto t = std::make_unique<migration_cost_table>(
      make_migration_cost_table(builtin::gpt_1_5b(), parallel_config{2, 8}));
  // (2,8) -> (1,4), nobody lost. New stages [0,13) [13,25) [25,38) [38,50) against old
  // [0,7) [7,13) [13,19) [19,25) [25,31) [31,37) [37,44) [44,50): the best holders miss 6, 6, 7
  // and 6 blocks. The artifact would count only the last stage's 6 blocks.
  std::vector<int> r(8, 2);
  auto e = estimate_migration(*t, r, 0, 0, {1, 4});
  CHECK(e.type == migration_kind::pipeline);
  const double x = xfer_ms((6 + 6 + 7 + 6) * block);
  const double remove = 35 + (1 + 4 + 1 + 4) * 39.3 + 240 + t->build_ms[4];
  CHECK(t->build_ms[4] == doctest::Approx(234.8153 + 430 * 12).epsilon(1e-6));
  CHECK(e.cost.get() * 1000 == doctest::Approx(x + remove));
  // d = 2 adds the broadcast of the largest new stage (embedding + 12 blocks) to the other
  // replica.
  e = estimate_migration(*t, r, 0, 0, {2, 4});
  CHECK(e.cost.get() * 1000 == doctest::Approx(x + xfer_ms(embedding + 12 * block) + 35 +
                                               (2 + 4 + 1 + 8) * 39.3 + 240 + t->build_ms[4]));
  // Only stage 0 survives: the other new stages fetch everything, and the 3 new GPUs join (add).
  r = {1, 0, 0, 0, 0, 0, 0, 0};
  e = estimate_migration(*t, r, 3, 0, {1, 4});
  CHECK(e.type == migration_kind::pipeline);
  const double missing = 6 * block + 12 * block + 13 * block + (11 * block + head);
  CHECK(e.cost.get() * 1000 ==
        doctest::Approx(xfer_ms(missing) + 6600 + 35 + 10 * 500.0 + 240 + t->build_ms[4]));
}

TEST_CASE("restart from checkpoint, concurrent restart, fixed restart cost") {
  migration_options opts;
  opts.recovery = state_recovery::checkpoint;
  const auto t = std::make_unique<migration_cost_table>(
      make_migration_cost_table(builtin::gpt_1_5b(), parallel_config{4, 8}, opts));
  std::vector<int> r = {4, 4, 0, 4, 4, 4, 4, 4};
  auto e = estimate_migration(*t, r, 4, 0, {4, 8});
  CHECK(e.type == migration_kind::restart);
  double sum = 0;
  for (double params : {embedding + 6 * block, 6 * block, 6 * block, 6 * block, 6 * block,
                        6 * block, 7 * block, 5 * block + head}) {
    sum += xfer_ms(params);
  }
  CHECK(e.cost.get() * 1000 == doctest::Approx(32189.8 + 14000 + sum).epsilon(1e-5));
  // A stage short but not lost: still a live migration.
  r[2] = 1;
  CHECK(estimate_migration(*t, r, 3, 0, {4, 8}).type == migration_kind::inter_stage);
  // Concurrent restart = R(no-op) = R(remove).
  CHECK(restart_cost_ms(*t, {4, 8}, restart_kind::no_op) == doctest::Approx(4858.3).epsilon(1e-4));
  model_profile m = builtin::gpt_1_5b();
  m.restart.fixed_restart_ms = 60000;
  const auto tf =
      std::make_unique<migration_cost_table>(make_migration_cost_table(m, parallel_config{4, 8}));
  CHECK(restart_cost_ms(*tf, {2, 8}, restart_kind::add) == 60000.0);
}

TEST_CASE("infeasible targets") {
  const auto& t = gpt_4x8();
  std::vector<int> all(8, 4);
  CHECK(estimate_migration(t, all, 0, 0, {5, 8}).type == migration_kind::infeasible);
  CHECK(estimate_migration(t, all, 8, 0, {5, 8}).type == migration_kind::inter_stage);
  CHECK(estimate_migration(t, all, 0, 8, {5, 8}).type == migration_kind::inter_stage);
  CHECK(std::isinf(estimate_migration(t, all, 0, 0, {33, 1}).cost.get()));  // p = 1 is OOM
  CHECK(estimate_migration(t, all, 0, 0, {1, 49}).type == migration_kind::infeasible);  // 49 > 32
  CHECK(estimate_migration(t, all, 100, 0, {1, 50}).type == migration_kind::infeasible);
}

TEST_CASE("other communicator models: stepped by d (bert, resnet) and per GPU (vgg)") {
  comm_rebuild_params c;
  c.kind = comm_rebuild_kind::stepped_by_d;
  c.n_steps = 3;
  c.step_min_d[0] = 1, c.step_min_d[1] = 6, c.step_min_d[2] = 12;
  c.step_ms[0] = 1000, c.step_ms[1] = 1500, c.step_ms[2] = 2000;
  CHECK(c.cost_ms(5, 2, false) == 1035.0);
  CHECK(c.cost_ms(6, 2, true) == 35.0 + 1500 * 1.5);
  CHECK(c.cost_ms(16, 2, false) == 2035.0);
  c.kind = comm_rebuild_kind::per_gpu;
  c.add_ms_per_unit = 440, c.remove_ms_per_unit = 340;
  CHECK(c.cost_ms(4, 2, true) == 35.0 + 440 * 8);
  CHECK(c.cost_ms(4, 2, false) == 35.0 + 340 * 8);
}

TEST_CASE("GPUs per instance: placement and survivor counting") {
  model_profile m = builtin::gpt_1_5b();
  m.gpus_per_instance = 2;
  const auto t =
      std::make_unique<migration_cost_table>(make_migration_cost_table(m, parallel_config{2, 8}));
  // 16 slots on instances 0..7 (instance i holds pipeline i/4, stages 2(i%4), 2(i%4)+1); 9 alive.
  int r[8];
  const int lost[] = {1, 8};  // instance 1 = pipeline 0, stages 2 and 3; instance 8 is a spare
  int free_gpus = count_survivors(*t, 9, lost, 2, r);
  CHECK(std::vector<int>(r, r + 8) == std::vector<int>{2, 2, 1, 1, 2, 2, 2, 2});
  CHECK(free_gpus == 0);
  const int lost_one[] = {5};  // pipeline 1, stages 2 and 3
  free_gpus = count_survivors(*t, 9, lost_one, 1, r);
  CHECK(std::vector<int>(r, r + 8) == std::vector<int>{2, 2, 1, 1, 2, 2, 2, 2});
  CHECK(free_gpus == 2);  // the spare instance's two GPUs
  const auto e = migration_cost_ms(*t, r, free_gpus, 0, {2, 8});
  CHECK(e.type == migration_kind::inter_stage);
  // G counts GPU pipelines d directly (the artifact multiplies its per-node d by the GPUs).
  CHECK(e.cost_ms == doctest::Approx(std::max(xfer_ms(6 * block), 0.0) + 35 + 27 * 500.0 + 240 +
                                     6600 + t->build_ms[8]));
}

TEST_CASE("migration: bad input") {
  const auto& t = gpt_4x8();
  CHECK_THROWS_WITH_AS(estimate_migration(t, {4, 4}, 0, 0, {4, 8}),
                       "parcae::perf::estimate_migration: replicas.size() is 2, but must be equal "
                       "to the old pipeline depth 8",
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(estimate_migration(t, {4, 4, 4, 5, 4, 4, 4, 4}, 0, 0, {4, 8}),
                       "parcae::perf::estimate_migration: replicas[3] is 5, but must be in [0, 4]",
                       parcae::invalid_argument);
  CHECK_THROWS_AS(estimate_migration(t, std::vector<int>(8, 4), -1, 0, {4, 8}),
                  parcae::invalid_argument);
  CHECK_THROWS_AS(estimate_migration(t, std::vector<int>(8, 4), 0, -2, {4, 8}),
                  parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(estimate_migration(t, std::vector<int>(8, 4), 0, 0, {0, 8}),
                       "parcae::perf::estimate_migration: target.d is 0, but must be >= 1",
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(make_migration_cost_table(builtin::gpt_1_5b(), {4, 50}),
                       "parcae::perf::make_migration_cost_table: old_config.p is 50, but must be "
                       "in [1, 49]",
                       parcae::invalid_argument);
  CHECK_THROWS_AS(make_migration_cost_table(builtin::gpt_1_5b(), {0, 8}), parcae::invalid_argument);
  model_profile m = builtin::gpt_1_5b();
  m.p2p.n = 0;
  CHECK_THROWS_AS(make_migration_cost_table(m, {4, 8}), parcae::invalid_argument);
  m = builtin::gpt_1_5b();
  m.restart.proc_ms = -5;
  CHECK_THROWS_WITH_AS(make_migration_cost_table(m, {4, 8}),
                       "parcae::perf::make_migration_cost_table: profile.restart.proc_ms is -5, "
                       "but must be >= 0",
                       parcae::invalid_argument);
}

namespace {
// Test-only reference: migration_cost_ms as first written (full O(p*P) greedy scan, broadcast and
// checkpoint fetch terms evaluated per call). The fast path must agree with it bit for bit.
migration_result reference_cost_ms(const migration_cost_table& t, const int* replicas,
                                   int free_gpus, int joined_gpus, parallel_config target) {
  migration_result out;
  const int D = t.old_config.d, P = t.old_config.p;
  const int d = target.d, p = target.p;
  if (d < 1 || p < 1 || p > t.max_p || !t.depth_feasible[p]) return out;
  int in_job = 0, min_r = D;
  bool stage_lost = false;
  for (int s = 0; s < P; ++s) {
    in_job += replicas[s];
    min_r = std::min(min_r, replicas[s]);
    if (replicas[s] <= 0) stage_lost = true;
  }
  const long long needed = static_cast<long long>(d) * p;
  if (needed > static_cast<long long>(in_job) + free_gpus + joined_gpus) return out;
  const restart_kind kind = needed > in_job ? restart_kind::add : restart_kind::remove;
  int bounds[max_stages + 1];
  partition_bounds(t.n_layers, p, bounds);
  if (stage_lost && t.recovery == state_recovery::checkpoint) {
    double xfer = 0.0;
    for (int s = 0; s < p; ++s) {
      xfer += t.p2p.cost_ms(parcae::detail::stage_params(t, bounds[s], bounds[s + 1], p) *
                            t.state_bytes_per_param);
    }
    out.type = migration_kind::restart;
    out.cost_ms = restart_cost_ms(t, target, kind) + t.checkpoint_ms + xfer;
    return out;
  }
  if (p == P) return migration_cost_ms(t, replicas, free_gpus, joined_gpus, target);  // unchanged
  int left[max_stages];
  for (int s = 0; s < P; ++s) left[s] = std::max(replicas[s], 0);
  double missing_params = 0.0, broadcast_ms = 0.0;
  for (int n = 0; n < p; ++n) {
    const int a = bounds[n], b = bounds[n + 1];
    const double total = parcae::detail::stage_params(t, a, b, p);
    double best = total;
    int best_s = -1;
    for (int s = 0; s < P; ++s) {
      if (left[s] == 0) continue;
      const int lo = std::max(a, t.old_bounds[s]), hi = std::min(b, t.old_bounds[s + 1]);
      const double held = hi > lo ? parcae::detail::layer_range_params(t, lo, hi) : 0.0;
      const double extra = total - held > 0.0 ? total - held : 0.0;
      if (best_s < 0 || extra < best) best = extra, best_s = s;
    }
    if (best_s >= 0) --left[best_s];
    missing_params += best;
    if (d > 1)
      broadcast_ms = std::max(broadcast_ms, t.p2p.cost_ms(total * t.state_bytes_per_param));
  }
  out.type = migration_kind::pipeline;
  out.cost_ms = t.p2p.cost_ms(missing_params * t.state_bytes_per_param) + broadcast_ms +
                restart_cost_ms(t, target, kind);
  return out;
}

// Every survivor vector in [0, D]^P, every target (d, p) with d <= D + 2 and p <= max_p.
long long compare_exhaustively(const model_profile& m, parallel_config old, state_recovery rec,
                               long long& mismatches) {
  migration_options opt;
  opt.recovery = rec;
  const auto t = std::make_unique<migration_cost_table>(make_migration_cost_table(m, old, opt));
  std::vector<int> r(static_cast<std::size_t>(old.p), 0);
  long long n = 0;
  for (;;) {
    for (int d = 1; d <= old.d + 2; ++d) {
      for (int p = 1; p <= t->max_p; ++p) {
        const migration_result fast = migration_cost_ms(*t, r.data(), 1, 2, {d, p});
        const migration_result ref = reference_cost_ms(*t, r.data(), 1, 2, {d, p});
        if (fast.type != ref.type || !(fast.cost_ms == ref.cost_ms)) ++mismatches;
        ++n;
      }
    }
    std::size_t i = 0;  // next survivor vector (odometer)
    while (i < r.size() && r[i] == old.d) r[i++] = 0;
    if (i == r.size()) break;
    ++r[i];
  }
  return n;
}
}  // namespace

TEST_CASE("pipeline fast path equals the reference formula bit for bit") {
  // gpt-1.5b (uniform blocks, tied head) and a non-uniform profile with zero-parameter layers
  // (ties between overlapping and non-overlapping old stages, which decide the greedy's choice).
  model_profile skew = builtin::gpt_1_5b();
  skew.layers.resize(26);
  skew.transformer = false;
  for (std::size_t l = 0; l < skew.layers.size(); ++l) {
    skew.layers[l].params = (l % 5 == 2) ? 0.0 : 1e6 * static_cast<double>(1 + (l * 7) % 11);
  }
  long long mismatches = 0, n = 0;
  for (const model_profile* m : {&skew}) {
    for (parallel_config old : {parallel_config{2, 4}, parallel_config{4, 4}, parallel_config{2, 7},
                                parallel_config{1, 13}, parallel_config{3, 5}}) {
      n += compare_exhaustively(*m, old, state_recovery::redundant_copy, mismatches);
    }
    n += compare_exhaustively(*m, {2, 5}, state_recovery::checkpoint, mismatches);
  }
  const model_profile gpt = builtin::gpt_1_5b();
  for (parallel_config old : {parallel_config{2, 4}, parallel_config{3, 6}, parallel_config{2, 8},
                              parallel_config{1, 12}}) {
    n += compare_exhaustively(gpt, old, state_recovery::redundant_copy, mismatches);
  }
  n += compare_exhaustively(gpt, {2, 6}, state_recovery::checkpoint, mismatches);
  CHECK(n > 1000000);
  CHECK(mismatches == 0);
}

TEST_CASE("rebind_migration_cost_table equals a table built for the old configuration") {
  // perf_cost_model builds one table in full and rebinds it for every other old configuration;
  // the two must be the same table, and give the same costs, for every (D, P) of the model.
  migration_options checkpoint;
  checkpoint.recovery = state_recovery::checkpoint;
  for (const migration_options& opt : {migration_options{}, checkpoint}) {
    const model_profile m = builtin::gpt_1_5b();
    const auto base =
        std::make_unique<migration_cost_table>(make_migration_cost_table(m, {1, 32}, opt));
    for (int P = 1; P <= base->max_p; ++P) {
      for (int D = 1; D * P <= 40; ++D) {
        const auto full =
            std::make_unique<migration_cost_table>(make_migration_cost_table(m, {D, P}, opt));
        const auto re =
            std::make_unique<migration_cost_table>(rebind_migration_cost_table(*base, {D, P}));
        REQUIRE(re->old_config == full->old_config);
        for (int s = 0; s <= max_stages; ++s) REQUIRE(re->old_bounds[s] == full->old_bounds[s]);
        for (int s = 0; s < max_stages; ++s) {
          REQUIRE(re->old_stage_transfer_ms[s] == full->old_stage_transfer_ms[s]);
        }
        // Costs from the full replica set and with stage 0 one replica short, to every target.
        std::vector<int> r(static_cast<std::size_t>(P), D);
        for (int shortfall = 0; shortfall <= 1; ++shortfall) {
          r[0] = D - shortfall;
          for (int p = 1; p <= full->max_p; ++p) {
            for (int d = 1; d * p <= 40; ++d) {
              const auto a = migration_cost_ms(*full, r.data(), 1, 0, {d, p});
              const auto b = migration_cost_ms(*re, r.data(), 1, 0, {d, p});
              REQUIRE(a.type == b.type);
              REQUIRE(a.cost_ms == b.cost_ms);
            }
          }
        }
      }
    }
  }
  const auto base = std::make_unique<migration_cost_table>(
      make_migration_cost_table(builtin::gpt_1_5b(), parallel_config{4, 8}));
  CHECK_THROWS_WITH_AS(rebind_migration_cost_table(*base, {4, 50}),
                       "parcae::perf::rebind_migration_cost_table: old_config.p is 50, but must "
                       "be in [1, 49]",
                       parcae::invalid_argument);
  CHECK_THROWS_AS(rebind_migration_cost_table(*base, {0, 8}), parcae::invalid_argument);
  CHECK_THROWS_AS(rebind_migration_cost_table(migration_cost_table{}, {1, 1}),
                  parcae::invalid_argument);
}
