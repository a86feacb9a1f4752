#pragma once
// Host-callable entry points of the GPU test kernels (defined in *.cu, compiled by nvcc), so that
// the doctest assertions compile with the ordinary C++ compiler.
#include <cstdint>
#include <string>
#include <vector>

namespace parcae_test {

int gpu_device_count();
std::string gpu_device_name();

/// parcae::cuda::draw_words on the GPU.
std::vector<std::uint32_t> gpu_draw_words(std::uint64_t seed, std::uint32_t stream,
                                          std::uint64_t first_index, int count,
                                          int words_per_index);

}  // namespace parcae_test
