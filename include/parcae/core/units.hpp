#pragma once
// Strong types for quantities that are easy to confuse: a duration in seconds, one in
// milliseconds (the artifact's cost model works in ms, its planner in s), and a count of
// planning intervals. Construction is explicit; conversions are named.

#include "parcae/core/macros.hpp"

namespace parcae {

template <class Tag, class T>
struct strong_value {
  T value{};
  constexpr strong_value() = default;
  PARCAE_HD constexpr explicit strong_value(T v) : value(v) {}
  PARCAE_HD constexpr T get() const { return value; }

  friend PARCAE_HD constexpr strong_value operator+(strong_value a, strong_value b) {
    return strong_value(a.value + b.value);
  }
  friend PARCAE_HD constexpr strong_value operator-(strong_value a, strong_value b) {
    return strong_value(a.value - b.value);
  }
  friend PARCAE_HD constexpr strong_value operator*(strong_value a, T k) {
    return strong_value(a.value * k);
  }
  friend PARCAE_HD constexpr bool operator==(strong_value a, strong_value b) {
    return a.value == b.value;
  }
  friend PARCAE_HD constexpr bool operator!=(strong_value a, strong_value b) {
    return a.value != b.value;
  }
  friend PARCAE_HD constexpr bool operator<(strong_value a, strong_value b) {
    return a.value < b.value;
  }
  friend PARCAE_HD constexpr bool operator<=(strong_value a, strong_value b) {
    return a.value <= b.value;
  }
  friend PARCAE_HD constexpr bool operator>(strong_value a, strong_value b) {
    return a.value > b.value;
  }
  friend PARCAE_HD constexpr bool operator>=(strong_value a, strong_value b) {
    return a.value >= b.value;
  }
};

struct seconds_tag {};
struct milliseconds_tag {};
struct intervals_tag {};

/// A duration in seconds.
using seconds = strong_value<seconds_tag, double>;
/// A duration in milliseconds (the unit of the artifact's cost tables).
using milliseconds = strong_value<milliseconds_tag, double>;
/// A number of planning intervals (horizon length, history window).
using intervals = strong_value<intervals_tag, int>;

PARCAE_HD constexpr seconds to_seconds(milliseconds ms) { return seconds(ms.value / 1000.0); }
PARCAE_HD constexpr milliseconds to_milliseconds(seconds s) {
  return milliseconds(s.value * 1000.0);
}

}  // namespace parcae
