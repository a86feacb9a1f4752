#pragma once
// Exact, order-independent accumulation of Monte-Carlo migration costs.
//
// Why integers: a sum of doubles depends on the order of its terms, so splitting samples over
// threads (or over GPU blocks, issue 6) would change the last bits of the mean. Each sample's cost
// is instead rounded once to a fixed quantum (2^-10 ms, about 1 microsecond, far below the cost
// model's resolution) and summed as an integer: the sum is exact and associative, so the estimate
// is identical for any thread count, any chunking, and on the GPU (atomics included). The squares
// for the standard error are summed exactly in 128 bits (hi/lo words, PARCAE_HD).

#include <cmath>
#include <cstdint>

#include "parcae/core/macros.hpp"

namespace parcae::liveput::detail {

/// Cost quantum of the Monte-Carlo accumulators: 2^-10 ms.
inline constexpr double cost_quantum_ms = 1.0 / 1024.0;
/// Largest quantised cost: 2^46 quanta (about 2.2 years); larger finite costs are clamped so the
/// 128-bit square sums cannot overflow.
inline constexpr std::uint64_t max_quantised_cost = std::uint64_t(1) << 46;

PARCAE_HD inline std::uint64_t quantise_cost_ms(double cost_ms) {
  if (!(cost_ms > 0.0)) return 0;  // also maps NaN to 0; the cost model never returns it
  const double q = cost_ms * 1024.0 + 0.5;
  if (q >= static_cast<double>(max_quantised_cost)) return max_quantised_cost;
  return static_cast<std::uint64_t>(q);
}

/// Unsigned 128-bit integer as two words (no __int128 on every target).
struct u128 {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  PARCAE_HD void add(u128 x) {
    const std::uint64_t s = lo + x.lo;
    hi += x.hi + (s < lo ? 1u : 0u);
    lo = s;
  }
  PARCAE_HD double to_double() const {
    return static_cast<double>(hi) * 18446744073709551616.0 + static_cast<double>(lo);
  }
  friend PARCAE_HD bool operator==(u128 a, u128 b) { return a.lo == b.lo && a.hi == b.hi; }
};

/// a * b for 64-bit a, b, exactly.
PARCAE_HD inline u128 mul_64x64(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t a0 = a & 0xffffffffu, a1 = a >> 32;
  const std::uint64_t b0 = b & 0xffffffffu, b1 = b >> 32;
  const std::uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const std::uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
  u128 r;
  r.lo = (mid << 32) | (p00 & 0xffffffffu);
  r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return r;
}

/// Integer sums of one (key, target): feasible samples, sum and sum of squares of the quantised
/// cost over the feasible samples.
struct cost_accumulator {
  std::int64_t feasible = 0;
  std::uint64_t sum = 0;
  u128 sum_sq;

  /// `count` samples with the same quantised cost q (q <= max_quantised_cost).
  PARCAE_HD void add(std::int64_t count, std::uint64_t q) {
    feasible += count;
    sum += static_cast<std::uint64_t>(count) * q;
    // q^2 < 2^92 and count < 2^36 in any run we allow, so the product fits in 128 bits: take
    // q^2 = (q*q) as 128 bits and multiply by count word by word.
    const u128 sq = mul_64x64(q, q);
    u128 term = mul_64x64(sq.lo, static_cast<std::uint64_t>(count));
    term.hi += sq.hi * static_cast<std::uint64_t>(count);
    sum_sq.add(term);
  }
  PARCAE_HD void merge(const cost_accumulator& o) {
    feasible += o.feasible;
    sum += o.sum;
    sum_sq.add(o.sum_sq);
  }
  friend PARCAE_HD bool operator==(const cost_accumulator& a, const cost_accumulator& b) {
    return a.feasible == b.feasible && a.sum == b.sum && a.sum_sq == b.sum_sq;
  }
};

/// Mean and standard error of the cost (ms) over the feasible samples; host finalisation shared
/// by every backend (the doubles are computed from the same integers in the same order).
struct cost_moments {
  double mean_ms = 0.0;
  double se_ms = 0.0;
};

inline cost_moments finalise_cost(const cost_accumulator& a) {
  cost_moments m;
  if (a.feasible <= 0) return m;
  const double n = static_cast<double>(a.feasible);
  const double mean_q = static_cast<double>(a.sum) / n;
  m.mean_ms = mean_q * cost_quantum_ms;
  if (a.feasible > 1) {
    // Sample variance from the exact integer moments; clamp the rounding residue at zero.
    double var_q = (a.sum_sq.to_double() - static_cast<double>(a.sum) * mean_q) / (n - 1.0);
    if (!(var_q > 0.0)) var_q = 0.0;
    m.se_ms = std::sqrt(var_q / n) * cost_quantum_ms;
  }
  return m;
}

}  // namespace parcae::liveput::detail
