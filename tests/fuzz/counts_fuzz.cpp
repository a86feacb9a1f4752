// libFuzzer target: parcae::trace::parse_counts (see tests/fuzz/fuzz_common.hpp, scripts/fuzz).
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "parcae/trace/read_counts.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return parcae_fuzz::run(data, size, [](std::string_view text) {
    return parcae::trace::parse_counts(text, "fuzz-input");
  });
}
