// The logic of the CUDA Monte-Carlo backend, compiled for the host: the kernel's per-tile phases
// (cuda/parcae/cuda/detail/mc_tile.hpp) run on the host by estimate_monte_carlo_host must give the
// CPU estimator's entries bit for bit, for every model and cost, any tile/block/grid shape.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "cuda_host/gpu_toy_costs.hpp"
#include "cuda_host/scenarios.hpp"
#include "parcae/cuda/detail/mc_tile.hpp"
#include "parcae/cuda/mc_host.hpp"
#include "parcae/cuda/transfer_hazard.hpp"
#include "parcae/cuda/transfer_perf.hpp"
#include "parcae/liveput/hazard_model.hpp"
#include "parcae/liveput/monte_carlo.hpp"
#include "parcae/liveput/zone_model.hpp"

using namespace cuda_test;
namespace pc = parcae::cuda;

namespace {

lp::mc_params cpu_params(std::int64_t samples, std::uint64_t seed, int g) {
  lp::mc_params p;
  p.samples = samples;
  p.seed = seed;
  p.threads = 2;
  p.gpus_per_instance = g;
  return p;
}

pc::mc_gpu_params gpu_params(std::int64_t samples, std::uint64_t seed, int g) {
  pc::mc_gpu_params p;
  p.samples = samples;
  p.seed = seed;
  p.gpus_per_instance = g;
  return p;
}

}  // namespace

TEST_CASE("host run of the kernel logic equals the CPU estimator: uniform model, perf cost") {
  const perf_fixture fx(1, 32);
  std::vector<lp::key> keys = spread_keys(32, 1, 8);
  for (const auto& k : spread_keys(12, 1, 5)) keys.push_back(k);
  keys.push_back(keys[3]);  // a duplicate
  const auto want = lp::estimate_monte_carlo(lp::uniform_model{}, fx.cost, fx.targets, keys,
                                             cpu_params(1500, 11, 1));
  const auto got = pc::estimate_monte_carlo_host(lp::uniform_model{}, fx.cost, fx.targets, keys,
                                                 gpu_params(1500, 11, 1));
  CHECK(check_same_entries(got, want) > 1000);
  // The perf cost's tables were staged once per old configuration.
}

TEST_CASE("host run equals the CPU estimator: zone-correlated models, toy cost") {
  const auto cost = lp::make_stateless_cost(toy_cost{});
  const auto targets = toy_targets(40);
  const auto keys = spread_keys(24, 1, 9);
  for (const lp::zone_layout layout : {lp::zone_layout::blocks, lp::zone_layout::round_robin}) {
    lp::zone_model zones;
    zones.weights = {3.0, 1.0, 0.5, 0.0};
    zones.layout = layout;
    const auto want = lp::estimate_monte_carlo(zones, cost, targets, keys, cpu_params(1200, 5, 1));
    const auto got =
        pc::estimate_monte_carlo_host(zones, cost, targets, keys, gpu_params(1200, 5, 1));
    CHECK(check_same_entries(got, want) > 500);
  }
}

TEST_CASE("host run equals the CPU estimator: hazard model (staged tables), custom sampler") {
  const perf_fixture fx(1, 24);
  const auto keys = spread_keys(20, 1, 6);
  lp::hazard_model hazards;
  for (int i = 0; i < 20; ++i) hazards.hazards.push_back(0.02 + 0.01 * (i % 7));
  const auto want =
      lp::estimate_monte_carlo(hazards, fx.cost, fx.targets, keys, cpu_params(800, 3, 1));
  const auto got =
      pc::estimate_monte_carlo_host(hazards, fx.cost, fx.targets, keys, gpu_params(800, 3, 1));
  CHECK(check_same_entries(got, want) > 300);

  const lp::custom_model<window_sampler> window{window_sampler{}};
  const auto cost = lp::make_stateless_cost(toy_cost{});
  const auto want_w =
      lp::estimate_monte_carlo(window, cost, toy_targets(24), keys, cpu_params(700, 9, 1));
  const auto got_w =
      pc::estimate_monte_carlo_host(window, cost, toy_targets(24), keys, gpu_params(700, 9, 1));
  CHECK(check_same_entries(got_w, want_w) > 300);
}

TEST_CASE("host run: tile, block and grid shapes change nothing") {
  const auto cost = lp::make_stateless_cost(toy_cost{});
  const auto targets = toy_targets(32);
  const auto keys = spread_keys(16, 2, 6);  // 2 GPUs per instance
  const auto want =
      lp::estimate_monte_carlo(lp::uniform_model{}, cost, targets, keys, cpu_params(1000, 21, 2));
  struct shape {
    int block, tile, grid;
  };
  for (const shape s : {shape{32, 1, 1}, shape{32, 32, 3}, shape{64, 17, 0}, shape{128, 128, 7},
                        shape{256, 64, 1000}, shape{32, 300, 2}}) {
    CAPTURE(s.block);
    CAPTURE(s.tile);
    CAPTURE(s.grid);
    pc::mc_gpu_params p = gpu_params(1000, 21, 2);
    p.block_threads = s.block;
    p.tile = s.tile;
    p.max_blocks = s.grid;
    check_same_entries(pc::estimate_monte_carlo_host(lp::uniform_model{}, cost, targets, keys, p),
                       want);
  }
  // Another seed gives other estimates; the same seed the same ones.
  const auto again = pc::estimate_monte_carlo_host(lp::uniform_model{}, cost, targets, keys,
                                                   gpu_params(1000, 21, 2));
  check_same_entries(again, want);
  const auto other = pc::estimate_monte_carlo_host(lp::uniform_model{}, cost, targets, keys,
                                                   gpu_params(1000, 22, 2));
  bool differs = false;
  for (std::size_t i = 0; i < keys.size() && !differs; ++i) {
    for (std::size_t t = 0; t < other[i].targets.size(); ++t) {
      differs |= other[i].targets[t].mean_cost_s != want[i].targets[t].mean_cost_s;
    }
  }
  CHECK(differs);
}

TEST_CASE("host run: 1,024 GPUs as 128 instances of 8 (perf cost)") {
  const perf_fixture fx(8, 1024);
  REQUIRE(fx.targets.size() > 50);
  const std::vector<lp::key> keys{{128, 32, 32, 0, 1}, {128, 24, 40, 0, 4},  {128, 32, 32, 2, 3},
                                  {128, 128, 8, 0, 8}, {128, 64, 16, 1, 16}, {128, 8, 16, 0, 5}};
  const auto want = lp::estimate_monte_carlo(lp::uniform_model{}, fx.cost, fx.targets, keys,
                                             cpu_params(120, 77, 8));
  const auto got = pc::estimate_monte_carlo_host(lp::uniform_model{}, fx.cost, fx.targets, keys,
                                                 gpu_params(120, 77, 8));
  CHECK(check_same_entries(got, want) > 1000);
}

TEST_CASE("host run: bad arguments and invalid user samplers") {
  const auto cost = lp::make_stateless_cost(toy_cost{});
  const auto targets = toy_targets(16);
  const std::vector<lp::key> ok{{10, 2, 4, 0, 2}};
  auto run = [&](const std::vector<lp::key>& keys, const pc::mc_gpu_params& p) {
    return pc::estimate_monte_carlo_host(lp::uniform_model{}, cost, targets, keys, p);
  };
  pc::mc_gpu_params p = gpu_params(100, 1, 1);
  CHECK(run({}, p).empty());
  CHECK_THROWS_WITH_AS(run({{10, 3, 4, 0, 2}}, p),
                       "parcae::cuda::estimate_monte_carlo_host: key.d*key.p is 12, but must be "
                       "<= key.n*gpus_per_instance = 10",
                       parcae::invalid_argument);
  CHECK_THROWS_AS(run({{10, 2, 4, 0, 11}}, p), parcae::invalid_argument);
  CHECK_THROWS_AS(run({{10, 2, 4, -1, 1}}, p), parcae::invalid_argument);
  CHECK_THROWS_AS(run({{0, 1, 1, 0, 0}}, p), parcae::invalid_argument);
  auto bad = [&](auto change, const char* message) {
    pc::mc_gpu_params q = gpu_params(100, 1, 1);
    change(q);
    CHECK_THROWS_WITH_AS(run(ok, q), message, parcae::invalid_argument);
  };
  bad([](auto& q) { q.samples = 0; },
      "parcae::cuda::mc_gpu_params::validate: samples is 0, but must be in [1, 68719476736]");
  bad([](auto& q) { q.block_threads = 48; },
      "parcae::cuda::mc_gpu_params::validate: block_threads is 48, but must be a multiple of 32");
  bad([](auto& q) { q.block_threads = 2048; },
      "parcae::cuda::mc_gpu_params::validate: block_threads is 2048, but must be in [32, 1024]");
  bad([](auto& q) { q.tile = 0; },
      "parcae::cuda::mc_gpu_params::validate: tile is 0, but must be in [1, 65536]");
  bad([](auto& q) { q.interval_s = 0.0; },
      "parcae::cuda::mc_gpu_params::validate: interval_s is 0, but must be > 0");
  bad([](auto& q) { q.max_blocks = -1; },
      "parcae::cuda::mc_gpu_params::validate: max_blocks is -1, but must be >= 0");
  bad([](auto& q) { q.gpus_per_instance = 0; },
      "parcae::cuda::mc_gpu_params::validate: gpus_per_instance is 0, but must be >= 1");
  // A user sampler that repeats an id: the same error as the CPU driver.
  const lp::custom_model<duplicate_sampler> dup{duplicate_sampler{}};
  const char* message =
      "parcae::liveput::estimate_monte_carlo: the sampler's instance id 1 of sample 0 (n = 10) "
      "is 0, but must be distinct and in [0, n)";
  lp::mc_params cp = cpu_params(100, 1, 1);
  CHECK_THROWS_WITH_AS(lp::estimate_monte_carlo(dup, cost, targets, ok, cp), message,
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(pc::estimate_monte_carlo_host(dup, cost, targets, ok, p), message,
                       parcae::invalid_argument);
  // Model preparation errors propagate.
  lp::zone_model no_weight;
  no_weight.weights = {0.0};
  CHECK_THROWS_AS(pc::estimate_monte_carlo_host(no_weight, cost, targets, ok, p),
                  parcae::invalid_argument);
}

TEST_CASE("tile phases: dedup, compaction, work split and 128-bit accumulation") {
  const int tile = 6;
  std::vector<std::uint64_t> words((pc::tile_shared_bytes(tile) + 7) / 8);
  const pc::tile_shared sh = pc::carve_tile_shared(words.data(), tile);
  const lp::instance_layout layout{6, 2, 2, 1};
  const int sets[tile][1] = {{0}, {4}, {2}, {5}, {4}, {0}};  // 0, 2: stage 0; 4, 5: spares
  for (int j = 0; j < tile; ++j) {
    lp::summarize(layout, sets[j], 1, sh.surv[j]);
    sh.hash[j] = lp::hash_survivors(sh.surv[j]);
  }
  for (int j = 0; j < tile; ++j) pc::tile_dedup(sh, j);
  CHECK(std::vector<int>(sh.rep, sh.rep + tile) == std::vector<int>{0, 1, 0, 1, 1, 0});
  CHECK(pc::tile_compact(sh, tile) == 2);
  CHECK(*sh.n_list == 2);
  CHECK(sh.list[0] == 0);
  CHECK(sh.list[1] == 1);
  CHECK(sh.count[0] == 3);
  CHECK(sh.count[1] == 3);

  // Every (slot, representative) pair is evaluated exactly once for any K and thread count.
  struct counting_cost {
    PARCAE_HD lp::migration_sample operator()(const lp::sample_context& ctx, const lp::survivors&,
                                              parcae::parallel_config) const {
      return {static_cast<double>(ctx.n_in), true};
    }
  };
  for (int k_count : {1, 3, 5, 40}) {
    for (int threads : {32, 64, 96}) {
      std::vector<pc::mc_slot> slots(static_cast<std::size_t>(k_count));
      pc::mc_family<lp::uniform_sampler, counting_cost> fam{};
      fam.slot_count = k_count;
      pc::mc_launch<lp::uniform_sampler, counting_cost> l{};
      l.families = &fam;
      l.n_families = 1;
      l.slots = slots.data();
      const pc::tile_span span{0, 0, tile};
      std::vector<std::int64_t> seen(static_cast<std::size_t>(k_count), 0);
      for (int t = 0; t < threads; ++t) {
        pc::tile_evaluate(l, span, sh, t, threads,
                          [&](int slot, const lp::detail::cost_accumulator& a) {
                            seen[static_cast<std::size_t>(slot)] += a.feasible;
                          });
      }
      for (const auto s : seen) CHECK(s == tile);  // both representatives, weighted 3 + 3
    }
  }

  // The split add carries from the low to the high word like the 128-bit add.
  pc::mc_accumulator g{0, 0, ~0ull - 5, 7};
  lp::detail::cost_accumulator a;
  a.add(1, 3);  // q^2 = 9 wraps the low word
  pc::accumulate(g, a);
  CHECK(g.sq_lo == 3);
  CHECK(g.sq_hi == 8);
  lp::detail::cost_accumulator ref;
  ref.sum_sq.lo = ~0ull - 5;
  ref.sum_sq.hi = 7;
  ref.merge(a);
  CHECK(pc::to_cost_accumulator(g).sum_sq == ref.sum_sq);
}

TEST_CASE("tile location and staging") {
  // Families with 3, 0, 2 tiles of 4 samples (10 samples: the last tile has 2).
  pc::mc_family<lp::uniform_sampler, toy_cost> fams[3]{};
  fams[0].tile_begin = 0;
  fams[1].tile_begin = 3;
  fams[2].tile_begin = 3;
  pc::mc_launch<lp::uniform_sampler, toy_cost> l{};
  l.families = fams;
  l.n_families = 3;
  l.tile = 4;
  l.samples = 10;
  const int family[5] = {0, 0, 0, 2, 2};
  const int first[5] = {0, 4, 8, 0, 4};
  const int n[5] = {4, 4, 2, 4, 4};
  for (int t = 0; t < 5; ++t) {
    const pc::tile_span s = pc::locate_tile(l, t);
    CHECK(s.family == family[t]);
    CHECK(s.first == first[t]);
    CHECK(s.n == n[t]);
  }
  pc::staging st;
  const double a[3] = {1.0, 2.0, 3.0};
  const int b = 42;
  CHECK(st.add(a, sizeof a) == 0);
  CHECK(st.add(&b, sizeof b) == 256);
  CHECK(st.add(a, sizeof a) == 0);  // staged once per address
  CHECK(st.blocks() == 2);
  double back[3];
  std::memcpy(back, st.data(), sizeof back);
  CHECK(back[2] == 3.0);
}
