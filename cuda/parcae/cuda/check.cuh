#pragma once
// Checking of CUDA runtime calls for host wrappers: every call goes through PARCAE_CUDA_CHECK,
// which throws parcae::cuda_error naming the call, the CUDA error and the source location.
// Kernels never throw (DESIGN.md "Errors").

#include <string>

#include <cuda_runtime.h>

#include "parcae/core/errors.hpp"

namespace parcae::cuda::detail {

inline void check_cuda(cudaError_t status, const char* call, const char* file, int line) {
  if (status == cudaSuccess) return;
  throw ::parcae::cuda_error(std::string("parcae::cuda: ") + call + " failed with " +
                             cudaGetErrorName(status) + " (" + cudaGetErrorString(status) +
                             ") at " + file + ":" + std::to_string(line));
}

}  // namespace parcae::cuda::detail

#define PARCAE_CUDA_CHECK(call) \
  ::parcae::cuda::detail::check_cuda((call), #call, __FILE__, __LINE__)

namespace parcae::cuda {

/// Number of CUDA devices usable by this process; 0 when there is no driver or no GPU (never
/// throws, so callers can skip cleanly).
inline int device_count() noexcept {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no device" error
    return 0;
  }
  return count;
}

}  // namespace parcae::cuda
