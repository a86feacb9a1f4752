#pragma once
// Counter-based random numbers on top of Random123's Philox4x32-10 (Salmon et al., "Parallel
// random numbers: as easy as 1, 2, 3", SC'11).
//
// Why counter-based: a Monte-Carlo sample is a pure function of (seed, stream, index), so the
// result of an estimator does not depend on how samples are split across threads, and the GPU
// computes exactly the numbers the CPU computes. No state is shared between samples.
//
// Layout (part of the API; the CUDA backend relies on it):
//   key     = { seed & 0xffffffff, seed >> 32 }
//   counter = { block, stream, index & 0xffffffff, index >> 32 }
// where `block` counts the 4-word Philox outputs consumed so far by one counter_rng.

#include <cstdint>

#include <Random123/philox.h>

#include "parcae/core/macros.hpp"

namespace parcae {

/// Four 32-bit words of one Philox4x32-10 call.
struct philox_block {
  std::uint32_t w[4];
};

/// The raw Philox4x32-10 bijection: counter and key in, four words out.
PARCAE_HD inline philox_block philox4x32_10(const std::uint32_t counter[4],
                                            const std::uint32_t key[2]) {
  r123::Philox4x32 gen;
  r123::Philox4x32::ctr_type c = {{counter[0], counter[1], counter[2], counter[3]}};
  r123::Philox4x32::key_type k = {{key[0], key[1]}};
  const r123::Philox4x32::ctr_type r = gen(c, k);
  return philox_block{{r[0], r[1], r[2], r[3]}};
}

/// A stream of random numbers for one (seed, stream, index) triple. Typical use: one counter_rng
/// per Monte-Carlo sample, with `index` = sample number and `stream` = a hash of the key being
/// estimated. Cheap to construct (no state beyond the triple and a word position), trivially
/// copyable, identical on host and device.
class counter_rng {
 public:
  PARCAE_HD counter_rng(std::uint64_t seed, std::uint32_t stream, std::uint64_t index)
      : key_{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)},
        counter_{0u, stream, static_cast<std::uint32_t>(index),
                 static_cast<std::uint32_t>(index >> 32)} {}

  /// The next 32 uniformly distributed bits.
  PARCAE_HD std::uint32_t next_u32() {
    if (used_ == 4) refill();
    return block_.w[used_++];
  }

  /// Uniform double in [0, 1) with 53 random bits (two words).
  PARCAE_HD double next_uniform() {
    const std::uint64_t hi = next_u32();
    const std::uint64_t lo = next_u32();
    const std::uint64_t bits = (hi << 21) ^ (lo >> 11);             // 32 + 21 = 53 bits
    return static_cast<double>(bits) * (1.0 / 9007199254740992.0);  // 2^-53
  }

  /// Uniform integer in [0, bound), bound >= 1, without modulo bias (Lemire, "Fast random integer
  /// generation in an interval", ACM TOMACS 2019): multiply-shift with rejection of the few words
  /// that would bias the result. The number of words consumed is data dependent but the same on
  /// host and device, so results still match.
  PARCAE_HD std::uint32_t next_below(std::uint32_t bound) {
    std::uint64_t m = static_cast<std::uint64_t>(next_u32()) * bound;
    std::uint32_t low = static_cast<std::uint32_t>(m);
    if (low < bound) {
      const std::uint32_t threshold = static_cast<std::uint32_t>(-bound) % bound;
      while (low < threshold) {
        m = static_cast<std::uint64_t>(next_u32()) * bound;
        low = static_cast<std::uint32_t>(m);
      }
    }
    return static_cast<std::uint32_t>(m >> 32);
  }

 private:
  PARCAE_HD void refill() {
    block_ = philox4x32_10(counter_, key_);
    ++counter_[0];
    used_ = 0;
  }

  std::uint32_t key_[2];
  std::uint32_t counter_[4];
  philox_block block_{};
  int used_ = 4;
};

}  // namespace parcae
