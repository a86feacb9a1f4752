#pragma once
// Toy cost models for the estimator tests: simple functions of the survivor summary whose
// expectations R computes by brute force (scripts/reference/liveput_mvhg.R), and a full
// enumeration oracle over instance subsets.

#include <algorithm>
#include <functional>
#include <vector>

#include "parcae/liveput/cost_function.hpp"
#include "parcae/liveput/survivors.hpp"

namespace liveput_test {

using namespace parcae::liveput;

inline int min_replicas(const survivors& s) {
  int m = 1 << 30;
  for (int i = 0; i < s.p; ++i) m = std::min(m, s.r[i]);
  return m;
}

/// Always feasible; cost = 1000 * (stages wiped) + 10 * sum_s max(d - r_s, 0) + spare instances
/// alive, in ms, where d is the target's d (R's e_wiped, e_missing_k, e_spares with k = d).
struct additive_cost {
  migration_sample operator()(const sample_context&, const survivors& s,
                              parcae::parallel_config t) const {
    double c = s.spare_instances;
    for (int i = 0; i < s.p; ++i) {
      if (s.r[i] == 0) c += 1000.0;
      c += 10.0 * std::max(t.d - s.r[i], 0);
    }
    return {c, true};
  }
};

/// Feasible iff every old stage keeps >= target.d replicas (R's prob_min_ge_k); the cost then
/// depends on n_in, the target and the spares so that n_in families are told apart.
struct threshold_cost {
  migration_sample operator()(const sample_context& ctx, const survivors& s,
                              parcae::parallel_config t) const {
    if (min_replicas(s) < t.d) return {0.0, false};
    return {100.0 * ctx.n_in + 7.0 * t.p + 3.0 * s.spare_gpus + 0.25 * s.r[0], true};
  }
};

/// A mixed cost: feasibility from GPUs available, cost from the survivor pattern.
struct mixed_cost {
  migration_sample operator()(const sample_context& ctx, const survivors& s,
                              parcae::parallel_config t) const {
    int in_job = 0;
    for (int i = 0; i < s.p; ++i) in_job += s.r[i];
    if (t.size() > in_job + s.spare_gpus + ctx.n_in * ctx.g) return {0.0, false};
    double c = 0.0;
    if (t.p == ctx.p) {
      for (int i = 0; i < s.p; ++i) c += 250.0 * std::max(t.d - s.r[i], 0) * (1 + i % 3);
      if (t.d == ctx.d && c == 0.0) return {0.0, true};
      c += 900.0;
    } else {
      for (int i = 0; i < s.p; ++i) c += s.r[i] == 0 ? 1800.0 + 13.0 * i : 0.0;
      c += 4000.0 + 37.0 * t.p + (t.size() > in_job ? 2500.0 : 0.0);
    }
    return {c, true};
  }
};

/// Expectations by full enumeration of the n_out-subsets of n instances (N <= 12 or so):
/// returns (probability, mean cost | feasible) for one target.
template <class Cost>
std::pair<double, double> enumerate_subsets(const instance_layout& layout, int n_in, int n_out,
                                            const Cost& cost, parcae::parallel_config target) {
  std::vector<int> pick(static_cast<std::size_t>(n_out));
  for (int i = 0; i < n_out; ++i) pick[static_cast<std::size_t>(i)] = i;
  const sample_context ctx{layout.n, layout.d, layout.p, n_in, n_out, layout.g};
  double count = 0, feasible = 0, sum = 0;
  while (true) {
    survivors s;
    summarize(layout, pick.data(), n_out, s);
    const migration_sample m = cost(ctx, s, target);
    count += 1;
    if (m.feasible) {
      feasible += 1;
      sum += m.cost_ms;
    }
    int i = n_out - 1;  // next combination in lexicographic order
    while (i >= 0 && pick[static_cast<std::size_t>(i)] == layout.n - n_out + i) --i;
    if (i < 0) break;
    ++pick[static_cast<std::size_t>(i)];
    for (int j = i + 1; j < n_out; ++j) {
      pick[static_cast<std::size_t>(j)] = pick[static_cast<std::size_t>(j - 1)] + 1;
    }
  }
  return {feasible / count, feasible > 0 ? sum / feasible : 0.0};
}

/// Every (d, p) with d*p <= max_gpus, throughput = a made-up concave function.
inline std::vector<target_info> all_targets(int max_gpus) {
  std::vector<target_info> out;
  for (int p = 1; p <= max_gpus; ++p) {
    for (int d = 1; d * p <= max_gpus; ++d) {
      out.push_back({{d, p}, 10.0 * d * p / (1.0 + 0.05 * p + 0.02 * d)});
    }
  }
  return out;
}

}  // namespace liveput_test
