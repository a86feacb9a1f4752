#pragma once
// Draws words from parcae::counter_rng on the GPU. Proves that the host and the device produce
// the same Philox stream bit for bit; the Monte-Carlo liveput kernels rely on that.

#include <cstdint>
#include <vector>

#include "parcae/core/rng.hpp"
#include "parcae/cuda/check.cuh"

namespace parcae::cuda {

namespace detail {

// Thread i fills out[i * words_per_index .. ) from counter_rng(seed, stream, first_index + i).
__global__ void rng_draw_kernel(std::uint64_t seed, std::uint32_t stream, std::uint64_t first_index,
                                int count, int words_per_index, std::uint32_t* out) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  counter_rng rng(seed, stream, first_index + static_cast<std::uint64_t>(i));
  for (int k = 0; k < words_per_index; ++k) out[i * words_per_index + k] = rng.next_u32();
}

}  // namespace detail

/// Returns `count * words_per_index` words: for each index in [first_index, first_index + count),
/// the first `words_per_index` words of counter_rng(seed, stream, index), drawn on the current GPU.
inline std::vector<std::uint32_t> draw_words(std::uint64_t seed, std::uint32_t stream,
                                             std::uint64_t first_index, int count,
                                             int words_per_index) {
  constexpr const char* fn = "parcae::cuda::draw_words";
  check_positive(fn, "count", count);
  check_positive(fn, "words_per_index", words_per_index);
  const std::size_t n = static_cast<std::size_t>(count) * static_cast<std::size_t>(words_per_index);
  std::uint32_t* device = nullptr;
  PARCAE_CUDA_CHECK(cudaMalloc(&device, n * sizeof(std::uint32_t)));
  std::vector<std::uint32_t> host(n);
  try {
    const int block = 256;
    detail::rng_draw_kernel<<<(count + block - 1) / block, block>>>(seed, stream, first_index,
                                                                    count, words_per_index, device);
    PARCAE_CUDA_CHECK(cudaGetLastError());
    PARCAE_CUDA_CHECK(
        cudaMemcpy(host.data(), device, n * sizeof(std::uint32_t), cudaMemcpyDeviceToHost));
  } catch (...) {
    cudaFree(device);
    throw;
  }
  PARCAE_CUDA_CHECK(cudaFree(device));
  return host;
}

}  // namespace parcae::cuda
