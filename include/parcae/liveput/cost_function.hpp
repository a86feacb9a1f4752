#pragma once
// The interface between the liveput estimators and a migration cost model, and the target set.
//
// A cost model is a host object with
//
//   Bound bind(parallel_config old) const;   // host only; may validate and build tables
//
// called once per family (N, D, P, n_out) with the old configuration (D, P). The bound cost is a
// trivially copyable callable, PARCAE_HD, allocation-free and non-throwing:
//
//   parcae::liveput::migration_sample operator()(const sample_context& ctx,
//                                                const survivors& s,
//                                                parallel_config target) const;
//
// It returns the cost in milliseconds (the artifact's unit, parcae-artifact.md §3) of migrating
// from the survivors `s` of the old configuration (ctx.d, ctx.p) to `target`, with ctx.n_in
// instances joining, or feasible = false when the target cannot be reached (that sample then
// counts against the target's reachability probability). The estimators never look inside the
// cost: the library's own is perf::migration_cost_ms (adapted in perf_cost.hpp); tests use toy
// ones. A plain callable without bind() can be wrapped in stateless_cost.
//
// Optionally, for speed on the host, the bound cost may also provide
//
//   E batch(const std::vector<cost_slot>& slots) const;
//
// returning an object whose `void operator()(const survivors& s, migration_sample* out) const`
// writes out[k] = (*this)(slots[k].ctx, s, slots[k].target) for every slot k, for any number of
// threads at once (detail/evaluator.hpp). The CPU estimators use it when present; the CUDA
// backend always calls the per-target operator().

#include <algorithm>
#include <cmath>
#include <vector>

#include "parcae/core/macros.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/liveput/survivors.hpp"
#include "parcae/liveput/types.hpp"

namespace parcae::liveput {

/// Adapts a callable F(ctx, survivors, target) -> migration_sample that needs no per-family
/// table into a cost model (bind returns the callable itself).
template <class F>
struct stateless_cost {
  F f;
  const F& bind(parallel_config) const { return f; }
};
template <class F>
stateless_cost<F> make_stateless_cost(F f) {
  return stateless_cost<F>{f};
}

/// Everything about one key a cost function may need besides the survivors.
struct sample_context {
  int n = 0;      ///< instances alive before the interval
  int d = 0;      ///< old data-parallel degree D
  int p = 0;      ///< old pipeline depth P
  int n_in = 0;   ///< instances joining
  int n_out = 0;  ///< instances preempted
  int g = 1;      ///< GPUs per instance
  PARCAE_HD constexpr int n_after() const { return n + n_in - n_out; }
};

/// Outcome of one (sample, target) evaluation.
struct migration_sample {
  double cost_ms = 0.0;  ///< migration time in ms (ignored when not feasible)
  bool feasible = true;  ///< false: the target cannot be reached from these survivors
};

/// One (context, target) pair of a batched evaluation (see the header comment).
struct cost_slot {
  sample_context ctx;
  parallel_config target;
};

/// A candidate target configuration and its throughput T(d,p) in samples/s (from the throughput
/// model; configurations the profile does not allow are simply not listed).
struct target_info {
  parallel_config config;
  double throughput = 0.0;
};

/// The candidates that fit on n_after instances of g GPUs (d*p <= n_after*g), sorted by (p, d).
inline std::vector<target_info> reachable_targets(const std::vector<target_info>& candidates,
                                                  int n_after, int g) {
  std::vector<target_info> out;
  for (const auto& c : candidates) {
    if (!c.config.paused() && c.config.size() <= n_after * g) out.push_back(c);
  }
  auto by_config = [](const target_info& a, const target_info& b) { return a.config < b.config; };
  // Backends keep their candidates sorted, so the sort is usually skipped (it cost more than
  // evaluating a key with no preemption).
  if (!std::is_sorted(out.begin(), out.end(), by_config)) {
    std::sort(out.begin(), out.end(), by_config);
  }
  return out;
}

/// The estimate of one target from its reachability and cost moments (liveput per types.hpp).
inline target_estimate make_estimate(const target_info& t, double probability,
                                     double probability_se, double mean_cost_ms,
                                     double mean_cost_se_ms, double interval_s) {
  target_estimate e;
  e.target = t.config;
  e.throughput = t.throughput;
  e.probability = probability;
  e.probability_se = probability_se;
  e.mean_cost_s = mean_cost_ms / 1000.0;
  e.mean_cost_se_s = mean_cost_se_ms / 1000.0;
  e.liveput = t.throughput * std::max(0.0, probability - e.mean_cost_s / interval_s);
  return e;
}

}  // namespace parcae::liveput
