// doctest main for the GPU tests: skips the whole executable (exit code 77, ctest "skipped") with a
// message when this machine has no usable GPU.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "gpu_api.hpp"

int main(int argc, char** argv) {
  const int devices = parcae_test::gpu_device_count();
  if (devices == 0) {
    std::printf("parcae GPU tests skipped: no CUDA device is visible to this process\n");
    return 77;
  }
  std::printf("parcae GPU tests: %d CUDA device(s): %s\n", devices,
              parcae_test::gpu_device_name().c_str());
  doctest::Context context(argc, argv);
  return context.run();
}
