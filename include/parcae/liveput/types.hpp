#pragma once
// Value types of the liveput estimators and of the liveput table: the key of one estimate, the
// estimate for one target configuration, and the entry the planner reads.
//
// Key semantics follow the artifact's LiveStore (parcae-artifact.md §1.4): (N, D, P, n_in, n_out)
// = instances alive at the start of the interval, the configuration they run, instances that join
// and instances that are preempted during the interval. An entry holds one estimate per target
// configuration (d, p) reachable with the N' = N + n_in - n_out instances alive afterwards.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "parcae/core/parallel_config.hpp"

namespace parcae::liveput {

/// Key of the liveput table: the artifact's LiveStore key (N, D, P, n_in, n_out).
struct key {
  int n = 0;      ///< instances alive at the start of the interval (spares included)
  int d = 0;      ///< data-parallel degree of the running configuration
  int p = 0;      ///< pipeline depth of the running configuration
  int n_in = 0;   ///< instances joining during the interval
  int n_out = 0;  ///< instances preempted during the interval

  /// The running configuration (D, P).
  constexpr parallel_config config() const { return {d, p}; }
  /// Instances alive after the interval: N + n_in - n_out.
  constexpr int n_after() const { return n + n_in - n_out; }

  friend constexpr bool operator==(const key& a, const key& b) {
    return a.n == b.n && a.d == b.d && a.p == b.p && a.n_in == b.n_in && a.n_out == b.n_out;
  }
  friend constexpr bool operator!=(const key& a, const key& b) { return !(a == b); }
  /// Lexicographic on (n, d, p, n_in, n_out): bulk fills and exports list keys in this order.
  friend constexpr bool operator<(const key& a, const key& b) {
    if (a.n != b.n) return a.n < b.n;
    if (a.d != b.d) return a.d < b.d;
    if (a.p != b.p) return a.p < b.p;
    if (a.n_in != b.n_in) return a.n_in < b.n_in;
    return a.n_out < b.n_out;
  }
};

/// "(N,D,P,n_in,n_out)", the artifact's notation.
inline std::string to_string(const key& k) {
  return "(" + std::to_string(k.n) + "," + std::to_string(k.d) + "," + std::to_string(k.p) + "," +
         std::to_string(k.n_in) + "," + std::to_string(k.n_out) + ")";
}

/// Which estimator produced an entry.
enum class method {
  exact,        ///< exact expectation (uniform model, multivariate hypergeometric enumeration)
  monte_carlo,  ///< Monte-Carlo mean over `samples` preemption sets
  imported,     ///< read back from an export (the producing method is stored alongside)
};

inline const char* to_string(method m) {
  switch (m) {
    case method::exact:
      return "exact";
    case method::monte_carlo:
      return "mc";
    case method::imported:
      return "imported";
  }
  return "?";
}

/// Estimate for one target configuration (d, p) of one key.
///
/// Liveput follows the artifact (parcae-artifact.md §1.5): with interval length Δ,
///   liveput = T(d,p) * max(0, probability - mean_cost_s / Δ),
/// which is the artifact's DP reward T·(Δ·prob − c̄) divided by Δ, clamped at zero (a migration
/// that outlasts the interval trains nothing in it; the planner carries the rest, §5.1). With
/// probability 1 it is the artifact's T·(1 − E[c]/Δ).
struct target_estimate {
  parallel_config target;       ///< the target configuration (d, p)
  double throughput = 0.0;      ///< T(d,p), samples/s, as given by the throughput model
  double probability = 0.0;     ///< P(target reachable), i.e. the migration is feasible
  double probability_se = 0.0;  ///< standard error of `probability` (0 for exact)
  double mean_cost_s = 0.0;     ///< E[migration cost | reachable], seconds (0 if unreachable)
  double mean_cost_se_s = 0.0;  ///< standard error of `mean_cost_s` (0 for exact)
  double liveput = 0.0;         ///< expected samples/s over the interval, see above
};

/// Status of an entry. Numerical outcomes are values, never exceptions (DESIGN.md).
enum class entry_status {
  ok,               ///< estimated
  no_target,        ///< no target configuration fits the N' instances left (the job pauses)
  too_many_states,  ///< exact: the enumeration exceeds exact_params::max_states (use Monte-Carlo)
};

inline const char* to_string(entry_status s) {
  switch (s) {
    case entry_status::ok:
      return "ok";
    case entry_status::no_target:
      return "no_target";
    case entry_status::too_many_states:
      return "too_many_states";
  }
  return "?";
}

/// One entry of the liveput table: every target reachable from the key's configuration.
struct entry {
  entry_status status = entry_status::ok;
  liveput::method method = liveput::method::exact;
  std::int64_t samples = 0;  ///< Monte-Carlo samples (0 for exact)
  std::int64_t states = 0;   ///< distinct survivor vectors evaluated (exact: enumerated)
  double interval_s = 60.0;  ///< Δ used for `liveput`
  std::vector<target_estimate> targets;  ///< sorted by (p, d)

  /// The target with the highest liveput (the "liveput of the key"), or nullptr if none.
  const target_estimate* best() const {
    const target_estimate* out = nullptr;
    for (const auto& t : targets) {
      if (out == nullptr || t.liveput > out->liveput) out = &t;
    }
    return out;
  }
  /// The estimate for one target, or nullptr if it is not reachable from this key.
  const target_estimate* find(parallel_config c) const {
    for (const auto& t : targets) {
      if (t.target == c) return &t;
    }
    return nullptr;
  }
};

}  // namespace parcae::liveput

template <>
struct std::hash<parcae::liveput::key> {
  std::size_t operator()(const parcae::liveput::key& k) const noexcept {
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the five fields
    for (int v : {k.n, k.d, k.p, k.n_in, k.n_out}) {
      h ^= static_cast<std::uint32_t>(v);
      h *= 1099511628211ull;
    }
    return static_cast<std::size_t>(h);
  }
};
