// libFuzzer target: parcae::trace::parse_events (see tests/fuzz/fuzz_common.hpp, scripts/fuzz).
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "parcae/trace/read_events.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return parcae_fuzz::run(data, size, [](std::string_view text) {
    return parcae::trace::parse_events(text, "fuzz-input");
  });
}
