// libFuzzer target: the parcae tool's option parsers (tools/parcae/options.hpp) and the message
// helper every echoed input goes through (parcae::detail::printable). The first byte picks the
// parser, the rest is the option's text. Only parcae_tool::usage_error may escape a parser; a
// value it returns must honour its bounds, and a message must be printable ASCII of bounded
// length. Built and run by scripts/fuzz (-Itools).
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "parcae/core/errors.hpp"
#include "parcae/core/limits.hpp"
#include "parcae/options.hpp"

namespace {

void require(bool ok) {
  if (!ok) __builtin_trap();
}

bool printable_ascii(const std::string& s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  // Messages: escaped, capped at 200 input bytes (4 output bytes each at most) plus the suffix.
  const std::string shown = parcae::detail::printable(text);
  require(printable_ascii(shown));
  require(shown.size() <= 4 * 200 + 32);
  const std::string message = parcae_tool::printable_message(text);
  for (char c : message) require(c == '\n' || (c >= 0x20 && c <= 0x7e));
  try {
    switch (data[0] % 5) {
      case 0: {
        const std::uint64_t v = parcae_tool::parse_uint64("--seed", text);
        require(std::to_string(v).size() <= text.size());
        for (char c : text) require(c >= '0' && c <= '9');
        break;
      }
      case 1: {
        const long long v = parcae_tool::parse_integer("--preempt", text, -5, 1'000'000);
        require(v >= -5 && v <= 1'000'000);
        break;
      }
      case 2: {
        const double v = parcae_tool::parse_number("--interval", text, 0.001, 1e9);
        require(v >= 0.001 && v <= 1e9);
        break;
      }
      case 3: {
        const parcae::parallel_config c = parcae_tool::parse_config("--config", text);
        require(c.d >= 1 && c.p >= 1);
        require(static_cast<long long>(c.d) * c.p <= parcae::limits::gpus);
        break;
      }
      default: {
        const long long v =
            parcae_tool::parse_integer("--n", text, std::numeric_limits<long long>::min(),
                                       std::numeric_limits<long long>::max());
        (void)v;
        break;
      }
    }
  } catch (const parcae_tool::usage_error& e) {
    // The message names the option and echoes the input escaped and capped.
    const std::string what = e.what();
    require(what.rfind("--", 0) == 0);
    require(printable_ascii(what));
    require(what.size() <= 1000);
  }
  return 0;
}
