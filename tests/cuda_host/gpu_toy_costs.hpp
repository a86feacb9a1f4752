#pragma once
// Toy cost models and samplers usable on host and device (PARCAE_HD), shared by the host tests of
// the CUDA backend's logic (tests/cuda_host) and the GPU tests (tests/cuda). They exercise what
// the perf cost does not: infeasible targets depending on n_in, divisions, per-stage patterns.

#include "parcae/core/macros.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/core/rng.hpp"
#include "parcae/liveput/cost_function.hpp"
#include "parcae/liveput/survivors.hpp"

namespace cuda_test {

/// Feasible iff d*p fits on the GPUs left plus those joining; the cost mixes the per-stage
/// shortfall, the spares and n_in, with divisions so that the result is not a small integer.
struct toy_cost {
  PARCAE_HD parcae::liveput::migration_sample operator()(const parcae::liveput::sample_context& ctx,
                                                         const parcae::liveput::survivors& s,
                                                         parcae::parallel_config t) const {
    int in_job = 0;
    for (int i = 0; i < s.p; ++i) in_job += s.r[i];
    parcae::liveput::migration_sample out;
    if (t.d * t.p > in_job + s.spare_gpus + ctx.n_in * ctx.g) {
      out.feasible = false;
      return out;
    }
    double c = 17.0 / (1.0 + s.spare_gpus) + 3.25 * ctx.n_in;
    for (int i = 0; i < s.p; ++i) {
      if (t.d > s.r[i]) c += 123.456 * (t.d - s.r[i]) / (1.0 + i);
    }
    if (t.p != ctx.p) c += 1000.0 / t.p + 0.1 * t.d;
    out.cost_ms = c;
    return out;
  }
};

/// A user sampler (custom_model): preempts the instances n_out consecutive ones from a random
/// start, wrapping around (correlated losses of neighbours).
struct window_sampler {
  PARCAE_HD void operator()(parcae::counter_rng& rng, int n, int n_out, int* out) const {
    const int start = static_cast<int>(rng.next_below(static_cast<std::uint32_t>(n)));
    for (int i = 0; i < n_out; ++i) out[i] = (start + i) % n;
  }
};

/// A broken user sampler: repeats instance 0 (the drivers must reject it).
struct duplicate_sampler {
  PARCAE_HD void operator()(parcae::counter_rng&, int, int n_out, int* out) const {
    for (int i = 0; i < n_out; ++i) out[i] = 0;
  }
};

}  // namespace cuda_test
