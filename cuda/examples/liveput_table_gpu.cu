// Fills a liveput table on the GPU and checks it against the CPU Monte-Carlo estimator.
//
// The planner reads a liveput::table; which backend fills it is invisible to it. Here the table
// of a GPT-1.5B job on up to 32 single-GPU spot instances is filled for a three-interval forecast
// by the CUDA backend, and the same keys by the CPU backend at the same seed: the estimates are
// identical bit for bit (docs/cuda.md). Without a GPU the example says so and exits with 77
// (ctest reports it as skipped).
#include <cstdio>
#include <cstring>
#include <vector>

#include "parcae/cuda/check.cuh"
#include "parcae/cuda/monte_carlo.cuh"
#include "parcae/cuda/transfer_perf.hpp"
#include "parcae/liveput/cpu_backend.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/liveput/table.hpp"
#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/throughput.hpp"

namespace lp = parcae::liveput;

int main() {
  if (parcae::cuda::device_count() == 0) {
    std::printf("no GPU: no CUDA device is visible to this process; nothing to do\n");
    return 77;
  }
  const parcae::perf::model_profile profile = parcae::perf::builtin::gpt_1_5b();
  const lp::perf_cost_model cost(profile);
  const auto targets = lp::candidate_targets(parcae::perf::throughput_model(profile), 32);

  // The keys a planner starting from 32 instances reaches over a forecast of three intervals
  // (instances joining, instances preempted), for a few running configurations.
  const std::vector<lp::horizon_step> forecast{{0, 2}, {1, 0}, {0, 4}};
  const std::vector<parcae::parallel_config> configs{{8, 4}, {4, 8}, {2, 16}, {6, 5}};
  const auto keys = lp::horizon_keys(32, forecast, configs);

  parcae::cuda::cuda_params gpu;
  gpu.samples = 10000;
  gpu.seed = 2024;
  auto backend = parcae::cuda::make_cuda_backend(lp::uniform_model{}, cost, targets, gpu);
  lp::table table(backend);
  table.fill(keys);
  std::printf("filled %zu keys on the GPU (%s backend)\n", table.size(),
              table.estimator()->name().c_str());

  lp::cpu_params cpu;
  cpu.kind = lp::estimator_kind::monte_carlo;
  cpu.samples = gpu.samples;
  cpu.seed = gpu.seed;
  cpu.threads = 2;
  lp::table reference(lp::make_cpu_backend(lp::uniform_model{}, cost, targets, 1, cpu));
  reference.fill(keys);

  std::size_t compared = 0, different = 0;
  for (const auto& k : keys) {
    const lp::entry& a = *table.find(k);
    const lp::entry& b = *reference.find(k);
    for (std::size_t t = 0; t < a.targets.size(); ++t) {
      ++compared;
      different += std::memcmp(&a.targets[t].liveput, &b.targets[t].liveput, sizeof(double)) != 0;
    }
  }
  for (const auto& k : {keys.front(), keys.back()}) {
    const lp::target_estimate* best = table.find(k)->best();
    if (best == nullptr) continue;
    std::printf("key %s: best target %s, liveput %.4f samples/s (P = %.4f, E[cost] = %.3f s)\n",
                lp::to_string(k).c_str(), parcae::to_string(best->target).c_str(), best->liveput,
                best->probability, best->mean_cost_s);
  }
  std::printf("GPU vs CPU: %zu of %zu (key, target) liveputs differ\n", different, compared);
  return different == 0 ? 0 : 1;
}
