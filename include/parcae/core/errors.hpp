#pragma once
// Error types and argument checks with one message format for the whole library:
//
//   "parcae::forecast::arima::fit: order.p is -1, but must be >= 0"
//
// Bad caller input at a public entry point throws parcae::invalid_argument. Numerical outcomes
// (no convergence, non-stationary fit) are reported as values (a `status` field), never thrown.
// The check_* style follows Stan's math library: the caller names itself and the argument once,
// and the helper writes the sentence.

#include <cmath>
#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace parcae {

/// Bad input to a public entry point. Derives from std::invalid_argument so callers that only
/// know the standard hierarchy still catch it.
class invalid_argument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// A broken internal invariant (a bug in parcae, not in the caller's input). Raised by
/// PARCAE_ASSERT on the host.
class internal_error : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// A CUDA runtime call failed. Thrown only by host wrappers under cuda/; kernels never throw.
class cuda_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

/// Input text as a message shows it: control characters and non-ASCII bytes escaped (\n, \t,
/// \r, \xNN), so binary input cannot garble a terminal or a log, and at most `max_bytes` bytes
/// of the input, then "... (N bytes)". Every message that echoes caller input goes through it
/// (to_display below for values; the parcae tool for whole messages).
inline std::string printable(std::string_view text, std::size_t max_bytes = 200) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  const std::size_t n = text.size() < max_bytes ? text.size() : max_bytes;
  out.reserve(n + 16);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (n < text.size()) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

template <class T>
std::string to_display(const T& value) {
  std::ostringstream out;
  if constexpr (std::is_floating_point_v<T>) {
    out.precision(17);
    out << value;
  } else if constexpr (std::is_same_v<T, bool>) {
    out << (value ? "true" : "false");
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
    out << '"' << printable(value) << '"';
  } else if constexpr (std::is_same_v<T, const char*> || std::is_same_v<T, char*>) {
    out << '"' << printable(value == nullptr ? "" : value) << '"';
  } else {
    out << value;
  }
  return out.str();
}

}  // namespace detail

/// Throws parcae::invalid_argument with the house message format:
/// "<function>: <argument> is <value>, but must be <requirement>".
template <class T>
[[noreturn]] void throw_invalid(const char* function, const std::string& argument, const T& value,
                                const std::string& requirement) {
  throw invalid_argument(std::string(function) + ": " + argument + " is " +
                         detail::to_display(value) + ", but must be " + requirement);
}

/// Throws parcae::invalid_argument with a free-form reason:
/// "<function>: <argument> <reason>" (for example "series has 3 values, but ...").
[[noreturn]] inline void throw_invalid_message(const char* function, const std::string& message) {
  throw invalid_argument(std::string(function) + ": " + message);
}

template <class T>
void check_finite(const char* function, const std::string& argument, T value) {
  if (!std::isfinite(static_cast<double>(value)))
    throw_invalid(function, argument, value, "finite");
}

template <class T>
void check_positive(const char* function, const std::string& argument, T value) {
  if constexpr (std::is_floating_point_v<T>) check_finite(function, argument, value);
  if (!(value > T(0))) throw_invalid(function, argument, value, "> 0");
}

template <class T>
void check_nonnegative(const char* function, const std::string& argument, T value) {
  if constexpr (std::is_floating_point_v<T>) check_finite(function, argument, value);
  if (!(value >= T(0))) throw_invalid(function, argument, value, ">= 0");
}

/// lo <= value <= hi.
template <class T>
void check_bounded(const char* function, const std::string& argument, T value, T lo, T hi) {
  if constexpr (std::is_floating_point_v<T>) check_finite(function, argument, value);
  if (!(value >= lo && value <= hi)) {
    throw_invalid(function, argument, value,
                  "in [" + detail::to_display(lo) + ", " + detail::to_display(hi) + "]");
  }
}

/// lo < value < hi.
template <class T>
void check_open_interval(const char* function, const std::string& argument, T value, T lo, T hi) {
  if constexpr (std::is_floating_point_v<T>) check_finite(function, argument, value);
  if (!(value > lo && value < hi)) {
    throw_invalid(function, argument, value,
                  "in (" + detail::to_display(lo) + ", " + detail::to_display(hi) + ")");
  }
}

template <class T>
void check_at_least(const char* function, const std::string& argument, T value, T minimum) {
  if constexpr (std::is_floating_point_v<T>) check_finite(function, argument, value);
  if (!(value >= minimum))
    throw_invalid(function, argument, value, ">= " + detail::to_display(minimum));
}

template <class T>
void check_at_most(const char* function, const std::string& argument, T value, T maximum) {
  if constexpr (std::is_floating_point_v<T>) check_finite(function, argument, value);
  if (!(value <= maximum))
    throw_invalid(function, argument, value, "<= " + detail::to_display(maximum));
}

/// Every element of a range is finite; names the first offending index.
template <class Range>
void check_all_finite(const char* function, const std::string& argument, const Range& values) {
  std::size_t i = 0;
  for (const auto& v : values) {
    if (!std::isfinite(static_cast<double>(v))) {
      throw_invalid(function, argument + "[" + std::to_string(i) + "]", v, "finite");
    }
    ++i;
  }
}

/// A range holds at least `minimum` elements.
template <class Range>
void check_min_size(const char* function, const std::string& argument, const Range& values,
                    std::size_t minimum) {
  const auto n = static_cast<std::size_t>(values.size());
  if (n < minimum) {
    throw_invalid_message(function, argument + " has " + std::to_string(n) +
                                        " elements, but must have at least " +
                                        std::to_string(minimum));
  }
}

}  // namespace parcae

#define PARCAE_DETAIL_STR2(x) #x
#define PARCAE_DETAIL_STR(x) PARCAE_DETAIL_STR2(x)

/// Internal invariant. On the host a failure throws parcae::internal_error naming the file and
/// line; in device code it traps (kernels never throw). Always on: the checks guard against
/// silent wrong answers and cost nothing measurable outside hot loops, where we do not use them.
#if defined(__CUDA_ARCH__)
#define PARCAE_ASSERT(cond) \
  do {                      \
    if (!(cond)) __trap();  \
  } while (0)
#else
#define PARCAE_ASSERT(cond)                                                                 \
  do {                                                                                      \
    if (!(cond))                                                                            \
      throw ::parcae::internal_error("parcae internal error: " #cond " failed at " __FILE__ \
                                     ":" PARCAE_DETAIL_STR(__LINE__));                      \
  } while (0)
#endif
