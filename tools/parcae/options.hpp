#pragma once
// Strict parsers for the values of the `parcae` tool's options, shared by every subcommand (and
// fuzzed: tests/fuzz/options_fuzz.cpp). CLI11's own conversions accept too much: "-1" and "1e23"
// became UINT64_MAX for --seed, "0x8" reached the library as a configuration, and a range check
// on a double printed a 300-digit bound. These take the whole text or nothing, bound every value,
// and throw usage_error (exit 2) with the house message that names the option:
//
//   --seed is "-1", but must be a whole number in [0, 18446744073709551615]
//
// No CLI11 here, so the fuzz target builds without it; command.hpp adds the CLI11 wrappers.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "parcae/core/errors.hpp"
#include "parcae/core/limits.hpp"
#include "parcae/core/parallel_config.hpp"

namespace parcae_tool {

/// Error raised by a subcommand for bad user input; main() prints it and exits with status 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// "<option> is "<text>", but must be <requirement>", the text escaped and capped.
[[noreturn]] inline void throw_option(const std::string& option, std::string_view text,
                                      const std::string& requirement) {
  throw usage_error(option + " is \"" + parcae::detail::printable(text, 64) + "\", but must be " +
                    requirement);
}

namespace detail {

inline bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace detail

/// A whole number in [0, UINT64_MAX] written in decimal digits only (seeds).
inline std::uint64_t parse_uint64(const std::string& option, std::string_view text) {
  const std::string requirement =
      "a whole number in [0, " + std::to_string(std::numeric_limits<std::uint64_t>::max()) + "]";
  std::uint64_t value = 0;
  if (!detail::all_digits(text)) throw_option(option, text, requirement);
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    throw_option(option, text, requirement);
  }
  return value;
}

/// A whole number in [lo, hi]: an optional '-' and decimal digits, nothing else.
inline long long parse_integer(const std::string& option, std::string_view text, long long lo,
                               long long hi) {
  const std::string requirement =
      "a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  const std::string_view digits = !text.empty() && text.front() == '-' ? text.substr(1) : text;
  if (!detail::all_digits(digits)) throw_option(option, text, requirement);
  long long value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < lo || value > hi) {
    throw_option(option, text, requirement);
  }
  return value;
}

/// A finite decimal number in [lo, hi] ("60", "0.5", "1e3"; not "nan", "inf" or "0x10").
inline double parse_number(const std::string& option, std::string_view text, double lo, double hi) {
  const auto shown = [](double v) {
    std::string s = parcae::detail::to_display(v);
    return s;
  };
  const std::string requirement = "a number in [" + shown(lo) + ", " + shown(hi) + "]";
  for (char c : text) {
    const bool ok =
        (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E';
    if (!ok) throw_option(option, text, requirement);
  }
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() ||
      !std::isfinite(value) || value < lo || value > hi) {
    throw_option(option, text, requirement);
  }
  return value;
}

/// A configuration "DxP" or "D,P" (4x8, 4,8): D, P >= 1 in decimal digits, D*P <= the GPU slots
/// any job can have (parcae::limits::gpus). The same parser for every subcommand.
inline parcae::parallel_config parse_config(const std::string& option, std::string_view text) {
  const std::string requirement =
      "DxP or D,P with whole numbers D, P >= 1 and D*P <= " + std::to_string(parcae::limits::gpus) +
      " (for example 4x8)";
  const auto sep = text.find_first_of("x,");
  if (sep == std::string_view::npos) throw_option(option, text, requirement);
  const std::string_view ds = text.substr(0, sep), ps = text.substr(sep + 1);
  if (!detail::all_digits(ds) || !detail::all_digits(ps) || ds.size() > 10 || ps.size() > 10) {
    throw_option(option, text, requirement);
  }
  long long d = 0, p = 0;
  std::from_chars(ds.data(), ds.data() + ds.size(), d);
  std::from_chars(ps.data(), ps.data() + ps.size(), p);
  // Each factor is checked alone first: two 10-digit factors overflow a long long product.
  if (d < 1 || p < 1 || d > parcae::limits::gpus || p > parcae::limits::gpus ||
      d * p > parcae::limits::gpus) {
    throw_option(option, text, requirement);
  }
  return {static_cast<int>(d), static_cast<int>(p)};
}

/// A whole message for the terminal: each line through parcae::detail::printable (escaped,
/// capped), the line breaks kept; at most `max_lines` lines.
inline std::string printable_message(std::string_view text, std::size_t max_lines = 40) {
  std::string out;
  std::size_t lines = 0;
  while (!text.empty() && lines < max_lines) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    out += parcae::detail::printable(line, 2000);
    ++lines;
    if (nl == std::string_view::npos) {
      text = {};
    } else {
      out += '\n';
      text.remove_prefix(nl + 1);
    }
  }
  if (!text.empty()) out += "... (more lines)";
  return out;
}

}  // namespace parcae_tool
