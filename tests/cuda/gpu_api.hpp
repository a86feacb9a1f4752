#pragma once
// Host-callable entry points of the GPU test kernels (defined in *.cu, compiled by nvcc), so that
// the doctest assertions compile with the ordinary C++ compiler.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "parcae/cuda/detail/mc_plan.hpp"
#include "parcae/liveput/backend.hpp"
#include "parcae/liveput/cost_function.hpp"
#include "parcae/liveput/types.hpp"
#include "parcae/liveput/zone_model.hpp"

namespace parcae_test {

int gpu_device_count();
std::string gpu_device_name();

/// parcae::cuda::draw_words on the GPU.
std::vector<std::uint32_t> gpu_draw_words(std::uint64_t seed, std::uint32_t stream,
                                          std::uint64_t first_index, int count,
                                          int words_per_index);

/// The preemption models the GPU tests instantiate.
enum class gpu_model { uniform, zone, hazard, window, duplicate };
struct gpu_model_spec {
  gpu_model kind = gpu_model::uniform;
  std::vector<double> weights{1.0};  ///< zone
  parcae::liveput::zone_layout layout = parcae::liveput::zone_layout::blocks;
  std::vector<double> hazards;  ///< hazard
};
/// The cost models: perf_cost_model over builtin::gpt_1_5b with g GPUs per instance, or
/// cuda_test::toy_cost (tests/cuda_host/gpu_toy_costs.hpp).
enum class gpu_cost { perf_gpt, toy };

/// How to call the backend.
struct gpu_call {
  parcae::cuda::mc_gpu_params params;
  int device = 0;
  bool async = false;  ///< estimate_async on a caller's stream, then get()
};

struct gpu_run {
  std::vector<parcae::liveput::entry> entries;
  bool bit_identical = false;  ///< cuda_backend::bit_identical()
  std::string name;            ///< cuda_backend::name()
};

/// cuda_backend<model, cost>::estimate (or estimate_async + get) for `keys`.
gpu_run gpu_estimate(const gpu_model_spec& model, gpu_cost cost,
                     const std::vector<parcae::liveput::target_info>& targets,
                     const std::vector<parcae::liveput::key>& keys, const gpu_call& call);

/// A CUDA backend (uniform model, perf cost over gpt_1_5b with params.gpus_per_instance) behind
/// the liveput::backend interface.
std::shared_ptr<parcae::liveput::backend> gpu_perf_backend(
    const std::vector<parcae::liveput::target_info>& targets,
    const parcae::cuda::mc_gpu_params& params);

/// Calls get() twice on one batch (the second must throw std::logic_error).
void gpu_get_twice(const std::vector<parcae::liveput::key>& keys,
                   const std::vector<parcae::liveput::target_info>& targets);

}  // namespace parcae_test
