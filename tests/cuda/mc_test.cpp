// The CUDA Monte-Carlo liveput backend against the CPU estimator at the same seed: bit for bit on
// many keys (uniform, zone-correlated, hazard and user samplers; perf and toy costs), any launch
// shape, synchronous and asynchronous calls, 1,024 GPUs, through liveput::table, bad arguments.
#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

#include "cuda_host/gpu_toy_costs.hpp"
#include "cuda_host/scenarios.hpp"
#include "gpu_api.hpp"
#include "parcae/core/errors.hpp"
#include "parcae/liveput/cpu_backend.hpp"
#include "parcae/liveput/hazard_model.hpp"
#include "parcae/liveput/monte_carlo.hpp"
#include "parcae/liveput/table.hpp"
#include "parcae/liveput/zone_model.hpp"

using namespace cuda_test;
using parcae_test::gpu_call;
using parcae_test::gpu_cost;
using parcae_test::gpu_estimate;
using parcae_test::gpu_model;
using parcae_test::gpu_model_spec;

namespace {

lp::mc_params cpu_params(std::int64_t samples, std::uint64_t seed, int g) {
  lp::mc_params p;
  p.samples = samples;
  p.seed = seed;
  p.threads = 0;  // every core: the CPU estimate does not depend on the thread count
  p.gpus_per_instance = g;
  return p;
}

gpu_call call(std::int64_t samples, std::uint64_t seed, int g) {
  gpu_call c;
  c.params.samples = samples;
  c.params.seed = seed;
  c.params.gpus_per_instance = g;
  return c;
}

std::vector<lp::key> many_keys() {
  std::vector<lp::key> keys;
  for (int n : {8, 12, 20, 32}) {
    for (const auto& k : spread_keys(n, 1, 8)) keys.push_back(k);
  }
  return keys;
}

}  // namespace

TEST_CASE("GPU equals CPU bit for bit: uniform model, perf cost, many keys") {
  const perf_fixture fx(1, 32);
  const auto keys = many_keys();
  const auto want = lp::estimate_monte_carlo(lp::uniform_model{}, fx.cost, fx.targets, keys,
                                             cpu_params(10000, 2024, 1));
  const auto got = gpu_estimate({}, gpu_cost::perf_gpt, fx.targets, keys, call(10000, 2024, 1));
  CHECK(got.bit_identical);
  CHECK(got.name == "cuda-mc");
  MESSAGE("compared " << check_same_entries(got.entries, want) << " (key, target) estimates over "
                      << keys.size() << " keys");
}

TEST_CASE("GPU equals CPU bit for bit: zone-correlated models") {
  const auto keys = many_keys();
  const auto targets = toy_targets(40);
  const perf_fixture fx(1, 32);
  for (const lp::zone_layout layout : {lp::zone_layout::blocks, lp::zone_layout::round_robin}) {
    lp::zone_model zones;
    zones.weights = {3.0, 1.0, 0.5, 0.0};
    zones.layout = layout;
    gpu_model_spec spec;
    spec.kind = gpu_model::zone;
    spec.weights = zones.weights;
    spec.layout = layout;
    check_same_entries(gpu_estimate(spec, gpu_cost::toy, targets, keys, call(5000, 5, 1)).entries,
                       lp::estimate_monte_carlo(zones, lp::make_stateless_cost(toy_cost{}), targets,
                                                keys, cpu_params(5000, 5, 1)));
    check_same_entries(
        gpu_estimate(spec, gpu_cost::perf_gpt, fx.targets, keys, call(5000, 6, 1)).entries,
        lp::estimate_monte_carlo(zones, fx.cost, fx.targets, keys, cpu_params(5000, 6, 1)));
  }
}

TEST_CASE("GPU equals CPU bit for bit: hazard model and a user sampler") {
  const perf_fixture fx(1, 32);
  const auto keys = spread_keys(32, 1, 8);
  gpu_model_spec spec;
  spec.kind = gpu_model::hazard;
  for (int i = 0; i < 32; ++i) spec.hazards.push_back(0.02 + 0.01 * (i % 7));
  lp::hazard_model hazards;
  hazards.hazards = spec.hazards;
  check_same_entries(
      gpu_estimate(spec, gpu_cost::perf_gpt, fx.targets, keys, call(4000, 3, 1)).entries,
      lp::estimate_monte_carlo(hazards, fx.cost, fx.targets, keys, cpu_params(4000, 3, 1)));
  gpu_model_spec window;
  window.kind = gpu_model::window;
  check_same_entries(
      gpu_estimate(window, gpu_cost::toy, toy_targets(32), keys, call(4000, 9, 1)).entries,
      lp::estimate_monte_carlo(lp::custom_model<window_sampler>(window_sampler{}),
                               lp::make_stateless_cost(toy_cost{}), toy_targets(32), keys,
                               cpu_params(4000, 9, 1)));
}

TEST_CASE("GPU: reproducible, and launch shape and async calls change nothing") {
  const auto keys = spread_keys(16, 2, 6);
  const auto targets = toy_targets(32);
  const auto want =
      lp::estimate_monte_carlo(lp::uniform_model{}, lp::make_stateless_cost(toy_cost{}), targets,
                               keys, cpu_params(6000, 21, 2));
  struct shape {
    int block, tile, grid;
    bool async;
  };
  for (const shape s :
       {shape{128, 64, 0, false}, shape{128, 64, 0, true}, shape{32, 1, 4, false},
        shape{256, 256, 5, true}, shape{1024, 96, 0, false}, shape{64, 200, 0, true}}) {
    CAPTURE(s.block);
    CAPTURE(s.tile);
    gpu_call c = call(6000, 21, 2);
    c.params.block_threads = s.block;
    c.params.tile = s.tile;
    c.params.max_blocks = s.grid;
    c.async = s.async;
    check_same_entries(gpu_estimate({}, gpu_cost::toy, targets, keys, c).entries, want);
  }
  const auto a = gpu_estimate({}, gpu_cost::toy, targets, keys, call(6000, 21, 2));
  const auto b = gpu_estimate({}, gpu_cost::toy, targets, keys, call(6000, 21, 2));
  check_same_entries(a.entries, b.entries);
  for (std::size_t i = 0; i < keys.size(); ++i) CHECK(a.entries[i].states == b.entries[i].states);
}

TEST_CASE("GPU: 1,024 GPUs as 128 instances of 8 (perf cost)") {
  const perf_fixture fx(8, 1024);
  std::vector<lp::key> keys;
  for (const auto& c : std::vector<parcae::parallel_config>{
           {32, 32}, {24, 40}, {128, 8}, {64, 16}, {8, 16}, {1024, 1}}) {
    for (int n_out : {0, 1, 3, 8, 16}) keys.push_back({128, c.d, c.p, n_out % 3, n_out});
  }
  // 2,000 samples: ~1,800 targets per key make the CPU side the slow one.
  const auto want = lp::estimate_monte_carlo(lp::uniform_model{}, fx.cost, fx.targets, keys,
                                             cpu_params(2000, 77, 8));
  const auto got = gpu_estimate({}, gpu_cost::perf_gpt, fx.targets, keys, call(2000, 77, 8));
  MESSAGE("compared " << check_same_entries(got.entries, want) << " (key, target) estimates");
}

TEST_CASE("GPU: a liveput table filled by the CUDA backend equals one filled by the CPU") {
  const perf_fixture fx(1, 32);
  lp::cpu_params cp;
  cp.kind = lp::estimator_kind::monte_carlo;
  cp.samples = 8000;
  cp.seed = 4;
  cp.threads = 2;
  parcae::cuda::mc_gpu_params gp;
  gp.samples = 8000;
  gp.seed = 4;
  lp::table cpu(lp::make_cpu_backend(lp::uniform_model{}, fx.cost, fx.targets, 1, cp));
  lp::table gpu(parcae_test::gpu_perf_backend(fx.targets, gp));
  const auto keys =
      lp::horizon_keys(32, {{0, 2}, {1, 0}, {0, 4}}, {{4, 8}, {8, 4}, {2, 16}, {1, 8}});
  CHECK(gpu.fill(keys) == cpu.fill(keys));
  CHECK(gpu.estimator()->name() == "cuda-mc");
  for (const auto& k : keys) check_same_entries({*gpu.find(k)}, {*cpu.find(k)});
  const lp::key extra{30, 2, 8, 1, 3};  // lazy fill
  check_same_entries({gpu.get(extra)}, {cpu.get(extra)});
}

TEST_CASE("GPU: bad arguments") {
  const auto targets = toy_targets(16);
  const std::vector<lp::key> ok{{10, 2, 4, 0, 2}};
  CHECK(gpu_estimate({}, gpu_cost::toy, targets, {}, call(100, 1, 1)).entries.empty());
  CHECK_THROWS_WITH_AS(
      gpu_estimate({}, gpu_cost::toy, targets, {{10, 3, 4, 0, 2}}, call(100, 1, 1)),
      "parcae::cuda::cuda_backend::estimate_async: key.d*key.p is 12, but must "
      "be <= key.n*gpus_per_instance = 10",
      parcae::invalid_argument);
  CHECK_THROWS_AS(gpu_estimate({}, gpu_cost::toy, targets, {{10, 2, 4, 0, 11}}, call(100, 1, 1)),
                  parcae::invalid_argument);
  gpu_call c = call(100, 1, 1);
  c.device = parcae_test::gpu_device_count();
  CHECK_THROWS_AS(gpu_estimate({}, gpu_cost::toy, targets, ok, c), parcae::invalid_argument);
  c = call(0, 1, 1);
  CHECK_THROWS_AS(gpu_estimate({}, gpu_cost::toy, targets, ok, c), parcae::invalid_argument);
  c = call(100, 1, 1);
  c.params.block_threads = 1024;
  c.params.tile = 1024;  // 1024 samples x 548 bytes do not fit in shared memory
  CHECK_THROWS_AS(gpu_estimate({}, gpu_cost::toy, targets, ok, c), parcae::invalid_argument);
  gpu_model_spec dup;
  dup.kind = gpu_model::duplicate;
  CHECK_THROWS_WITH_AS(gpu_estimate(dup, gpu_cost::toy, targets, ok, call(100, 1, 1)),
                       "parcae::liveput::estimate_monte_carlo: the sampler's instance id 1 of "
                       "sample 0 (n = 10) is 0, but must be distinct and in [0, n)",
                       parcae::invalid_argument);
  gpu_model_spec no_weight;
  no_weight.kind = gpu_model::zone;
  no_weight.weights = {0.0};
  CHECK_THROWS_AS(gpu_estimate(no_weight, gpu_cost::toy, targets, ok, call(100, 1, 1)),
                  parcae::invalid_argument);
  CHECK_THROWS_AS(parcae_test::gpu_get_twice(ok, targets), std::logic_error);
}
