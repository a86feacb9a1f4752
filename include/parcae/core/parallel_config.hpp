#pragma once
// A data-parallel x pipeline-parallel configuration (Parcae §0: D pipelines of P stages).

#include <functional>
#include <ostream>
#include <string>

#include "parcae/core/macros.hpp"

namespace parcae {

/// d data-parallel pipelines of p stages each; d*p*gpus_per_instance GPUs are used and any other
/// alive instances are spares. A default-constructed config {0, 0} means "not training" (paused).
struct parallel_config {
  int d = 0;  ///< data-parallel degree (number of pipelines)
  int p = 0;  ///< pipeline depth (number of stages)

  /// Instances (or GPUs, when one stage fills one GPU) occupied: d * p.
  PARCAE_HD constexpr int size() const { return d * p; }
  /// True for the paused configuration {0, 0}.
  PARCAE_HD constexpr bool paused() const { return d == 0 || p == 0; }

  friend PARCAE_HD constexpr bool operator==(parallel_config a, parallel_config b) {
    return a.d == b.d && a.p == b.p;
  }
  friend PARCAE_HD constexpr bool operator!=(parallel_config a, parallel_config b) {
    return !(a == b);
  }
  /// Orders by p, then d, so sorted lists group configurations of one pipeline depth.
  friend PARCAE_HD constexpr bool operator<(parallel_config a, parallel_config b) {
    return a.p != b.p ? a.p < b.p : a.d < b.d;
  }
};

/// "(d,p)", the notation of the Parcae paper and artifact.
inline std::string to_string(parallel_config c) {
  return "(" + std::to_string(c.d) + "," + std::to_string(c.p) + ")";
}

inline std::ostream& operator<<(std::ostream& out, parallel_config c) {
  return out << to_string(c);
}

}  // namespace parcae

template <>
struct std::hash<parcae::parallel_config> {
  std::size_t operator()(parcae::parallel_config c) const noexcept {
    return std::hash<long long>{}((static_cast<long long>(c.d) << 32) ^ static_cast<unsigned>(c.p));
  }
};
