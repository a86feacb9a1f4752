#include "gpu_api.hpp"
#include "parcae/cuda/check.cuh"
#include "parcae/cuda/rng_draw.cuh"

namespace parcae_test {

int gpu_device_count() { return parcae::cuda::device_count(); }

std::string gpu_device_name() {
  cudaDeviceProp prop{};
  PARCAE_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  return prop.name;
}

std::vector<std::uint32_t> gpu_draw_words(std::uint64_t seed, std::uint32_t stream,
                                          std::uint64_t first_index, int count,
                                          int words_per_index) {
  return parcae::cuda::draw_words(seed, stream, first_index, count, words_per_index);
}

}  // namespace parcae_test
