#pragma once
// Where instances sit in a configuration, and the survivor summary of one preemption set: the
// input of the per-sample migration cost (contract_migration: r[s] per old stage, spares alive).
//
// Placement (the artifact's, parcae-artifact.md §1.2, generalised to g GPUs per instance):
// instance i owns the GPU slots j = i*g .. i*g+g-1. Slot j < D*P runs pipeline j / P, stage
// j % P; slots j >= D*P are idle. With g = 1 this is exactly the artifact's "instance i < D*P
// sits at pipeline floor(i/P), stage i mod P; the rest are spares". Losing an instance takes out
// all of its g slots, so the summary counts survivors per stage in GPU units.
//
// Everything here that runs per sample is PARCAE_HD, allocation-free and works on plain arrays, so
// the CUDA backend (issue 6) runs the same code.

#include <cstdint>

#include "parcae/core/macros.hpp"

namespace parcae::liveput {

/// Largest old pipeline depth P the per-sample code handles (fixed-capacity arrays).
inline constexpr int max_stages = 128;

/// Survivors of the old configuration (D, P) after one preemption set.
///
/// Plain data, trivially copyable: r[s] (s < p) = surviving GPU replicas of old stage s (all
/// replicas of a stage hold the same layers, so which pipeline they were in does not matter);
/// entries s >= p are unused and zero.
struct survivors {
  int p = 0;                ///< old pipeline depth P (valid entries of r)
  int lost = 0;             ///< instances preempted (n_out)
  int spare_instances = 0;  ///< alive instances holding no slot of the old configuration
  int spare_gpus = 0;       ///< alive GPUs holding no slot (on spare or partly used instances)
  int r[max_stages] = {};   ///< surviving replicas (GPU units) of each old stage
};

/// The slots of one configuration on n instances of g GPUs (see the placement above).
struct instance_layout {
  int n = 0;  ///< instances alive before the interval
  int d = 0;  ///< old data-parallel degree D
  int p = 0;  ///< old pipeline depth P
  int g = 1;  ///< GPUs per instance

  PARCAE_HD constexpr int used_slots() const { return d * p; }
  /// Instances holding at least one slot: ceil(D*P / g).
  PARCAE_HD constexpr int used_instances() const { return (d * p + g - 1) / g; }
};

/// The survivors before any preemption: every stage has D replicas.
PARCAE_HD inline void reset_survivors(const instance_layout& layout, survivors& out) {
  out.p = layout.p;
  out.lost = 0;
  out.spare_instances = layout.n - layout.used_instances();
  out.spare_gpus = layout.n * layout.g - layout.used_slots();
  for (int s = 0; s < layout.p; ++s) out.r[s] = layout.d;
}

/// Removes instance `i` (not removed before) from `out`: all of its g slots are lost.
PARCAE_HD inline void remove_instance(const instance_layout& layout, int i, survivors& out) {
  const int used = layout.used_slots();
  const int first = i * layout.g;
  for (int t = 0; t < layout.g; ++t) {
    const int j = first + t;
    if (j < used) {
      --out.r[j % layout.p];
    } else {
      --out.spare_gpus;
    }
  }
  if (first >= used) --out.spare_instances;
  ++out.lost;
}

/// The survivor summary of the preemption set preempted[0..n_out).
PARCAE_HD inline void summarize(const instance_layout& layout, const int* preempted, int n_out,
                                survivors& out) {
  reset_survivors(layout, out);
  for (int k = 0; k < n_out; ++k) remove_instance(layout, preempted[k], out);
}

/// Equality of two summaries of the same layout (the Monte-Carlo driver merges equal ones).
PARCAE_HD inline bool same_survivors(const survivors& a, const survivors& b) {
  if (a.p != b.p || a.spare_instances != b.spare_instances || a.spare_gpus != b.spare_gpus ||
      a.lost != b.lost) {
    return false;
  }
  for (int s = 0; s < a.p; ++s) {
    if (a.r[s] != b.r[s]) return false;
  }
  return true;
}

/// 64-bit hash of a summary (FNV-1a over the valid fields).
PARCAE_HD inline std::uint64_t hash_survivors(const survivors& a) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](int v) {
    h ^= static_cast<std::uint32_t>(v);
    h *= 1099511628211ull;
  };
  mix(a.spare_instances);
  mix(a.spare_gpus);
  for (int s = 0; s < a.p; ++s) mix(a.r[s]);
  return h;
}

}  // namespace parcae::liveput
