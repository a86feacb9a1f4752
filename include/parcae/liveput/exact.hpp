#pragma once
// Exact liveput under the uniform preemption model: no sampling error.
//
// Under the artifact's model (n_out of all N instances, uniformly without replacement,
// parcae-artifact.md §1.2) the numbers of instances lost in each class of exchangeable instances
// (detail/instance_groups.hpp: the P stages and the spares, with one GPU per instance) follow the
// multivariate hypergeometric distribution
//
//   P(k_1, ..., k_G) = Π_c C(size_c, k_c) / C(N, n_out),   Σ_c k_c = n_out.
//
// The estimator walks the classes one at a time (a depth-first dynamic program over stages that
// carries the partial survivor vector and the log-probability), evaluates the cost function once
// per complete loss vector for every target (batched when the cost offers it, cost_function.hpp),
// and sums probability-weighted reachability and cost. When the batch can form those sums itself
// (detail/evaluator.hpp has_expectation: the library's perf cost adds a target depth's shared term
// once per vector, perf::migration_batch::expectation) it is handed the vectors and weights
// instead: the same sums, regrouped, so equal to rounding. The binomials are taken in log space
// from Boost.Math's lgamma. The number of loss vectors is counted first (a small DP over classes);
// above exact_params::max_states the entry reports entry_status::too_many_states instead of running
// (use the Monte-Carlo estimator there).
//
// One enumeration serves every n_in of a family (N, D, P, n_out): the survivors do not depend on
// how many instances join.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include <boost/math/special_functions/gamma.hpp>

#include "parcae/core/errors.hpp"
#include "parcae/liveput/cost_function.hpp"
#include "parcae/liveput/detail/checks.hpp"
#include "parcae/liveput/detail/evaluator.hpp"
#include "parcae/liveput/detail/instance_groups.hpp"
#include "parcae/liveput/survivors.hpp"
#include "parcae/liveput/types.hpp"

namespace parcae::liveput {

struct exact_params {
  std::int64_t max_states = 2'000'000;  ///< largest number of loss vectors enumerated per family
  double interval_s = 60.0;             ///< Δ for the liveput value (the artifact's 60 s)
  int gpus_per_instance = 1;            ///< g

  void validate() const {
    const char* f = "parcae::liveput::exact_params::validate";
    check_at_least(f, "max_states", max_states, std::int64_t{1});
    check_positive(f, "interval_s", interval_s);
    check_at_least(f, "gpus_per_instance", gpus_per_instance, 1);
  }
};

namespace detail {

/// Number of loss vectors (k_c) with Σ k_c = n_out and 0 <= k_c <= size_c (as a double: it can be
/// astronomically large, and is only compared with a limit).
inline double count_loss_vectors(const std::vector<instance_group>& groups, int n_out) {
  std::vector<double> ways(static_cast<std::size_t>(n_out) + 1, 0.0);
  std::vector<double> next(ways.size());
  ways[0] = 1.0;
  for (const auto& g : groups) {
    std::fill(next.begin(), next.end(), 0.0);
    for (int j = 0; j <= n_out; ++j) {
      if (ways[static_cast<std::size_t>(j)] == 0.0) continue;
      for (int k = 0; k <= g.size && j + k <= n_out; ++k) {
        next[static_cast<std::size_t>(j + k)] += ways[static_cast<std::size_t>(j)];
      }
    }
    ways.swap(next);
  }
  return ways[static_cast<std::size_t>(n_out)];
}

/// log(i!) for i = 0..n, from Boost.Math's lgamma. Each thread keeps the values it has computed
/// (grown on demand, no lock): a cold fill asks for them once per family, and the lgamma calls
/// cost more than the whole enumeration of a key with n_out = 0. The reference stays valid until
/// the next call on the same thread.
inline const std::vector<double>& log_factorials(int n) {
  thread_local std::vector<double> cache;
  for (std::size_t i = cache.size(); i <= static_cast<std::size_t>(n); ++i) {
    cache.push_back(boost::math::lgamma(static_cast<double>(i) + 1.0));
  }
  return cache;
}

/// Calls f(survivors, probability) for every loss vector of the uniform model, in a fixed order.
template <class F>
void for_each_loss_vector(const instance_layout& layout, int n_out, const instance_classes& classes,
                          F&& f) {
  const std::vector<instance_group>& groups = classes.groups;
  const std::vector<double>& log_fact = log_factorials(layout.n);
  auto log_choose = [&](int a, int b) {
    return log_fact[static_cast<std::size_t>(a)] - log_fact[static_cast<std::size_t>(b)] -
           log_fact[static_cast<std::size_t>(a - b)];
  };
  const double log_total = log_choose(layout.n, n_out);
  // Instances of the classes after c, to prune branches that cannot place all n_out losses.
  std::vector<int> tail(groups.size() + 1, 0);
  for (std::size_t c = groups.size(); c-- > 0;) tail[c] = tail[c + 1] + groups[c].size;

  survivors s;
  reset_survivors(layout, s);
  auto apply = [&](const instance_group& g, int k) {  // k > 0 removes, k < 0 restores
    for (int x = g.begin; x < g.end; ++x) {
      s.r[classes.held[static_cast<std::size_t>(x)].first] -=
          k * classes.held[static_cast<std::size_t>(x)].second;
    }
    s.spare_gpus -= k * g.spare_gpus;
    if (g.spare_instance) s.spare_instances -= k;
    s.lost += k;
  };
  auto recurse = [&](auto&& self, std::size_t c, int left, double log_w) -> void {
    if (c == groups.size()) {
      if (left == 0) f(static_cast<const survivors&>(s), std::exp(log_w - log_total));
      return;
    }
    const instance_group& g = groups[c];
    const int lo = std::max(0, left - tail[c + 1]);
    const int hi = std::min(g.size, left);
    for (int k = lo; k <= hi; ++k) {
      apply(g, k);
      self(self, c + 1, left - k, log_w + log_choose(g.size, k));
      apply(g, -k);
    }
  };
  recurse(recurse, 0, n_out, 0.0);
}

}  // namespace detail

/// Exact estimates for the keys (n, old.d, old.p, n_in, n_out), one entry per n_in in `n_ins`,
/// under the uniform model. `candidates` are the targets the throughput model allows; each entry
/// lists those that fit on N' = n + n_in - n_out instances. Deterministic (no randomness).
template <class CostModel>
std::vector<entry> estimate_exact_family(int n, parallel_config old, int n_out,
                                         const std::vector<int>& n_ins, const CostModel& cost,
                                         const std::vector<target_info>& candidates,
                                         const exact_params& params = {}) {
  const char* f = "parcae::liveput::estimate_exact";
  params.validate();
  const int g = params.gpus_per_instance;
  for (int n_in : n_ins) detail::check_key(f, key{n, old.d, old.p, n_in, n_out}, g);
  const instance_layout layout{n, old.d, old.p, g};

  std::vector<entry> out(n_ins.size());
  // One evaluation slot per (n_in, target); slot k belongs to entry owner[k].
  std::vector<cost_slot> cost_slots;
  std::vector<target_info> slot_target;
  std::vector<std::size_t> owner;
  for (std::size_t e = 0; e < n_ins.size(); ++e) {
    const sample_context ctx{n, old.d, old.p, n_ins[e], n_out, g};
    out[e].method = method::exact;
    out[e].interval_s = params.interval_s;
    const auto targets = reachable_targets(candidates, ctx.n_after(), g);  // sorted by (p, d)
    if (targets.empty()) out[e].status = entry_status::no_target;
    out[e].targets.reserve(targets.size());
    for (const target_info& t : targets) {
      cost_slots.push_back(cost_slot{ctx, t.config});
      slot_target.push_back(t);
      owner.push_back(e);
    }
  }
  const auto bound = cost.bind(old);
  const detail::instance_classes classes = detail::instance_groups(layout);
  const double states = detail::count_loss_vectors(classes.groups, n_out);
  if (states > static_cast<double>(params.max_states)) {
    for (auto& e : out) {
      e.states = static_cast<std::int64_t>(std::min(states, 9.0e18));
      if (e.status == entry_status::ok) e.status = entry_status::too_many_states;
    }
    return out;
  }
  const std::size_t n_slots = cost_slots.size();
  const auto evaluate = detail::make_evaluator(bound, cost_slots);
  std::vector<double> prob(n_slots, 0.0), cost_sum(n_slots, 0.0);
  double total = 0.0;
  if constexpr (detail::has_expectation<std::decay_t<decltype(evaluate)>>::value) {
    auto sums = evaluate.make_expectation();
    detail::for_each_loss_vector(layout, n_out, classes, [&](const survivors& s, double w) {
      total += w;
      sums.add(s, w);
    });
    for (std::size_t k = 0; k < n_slots; ++k) sums.result(k, prob[k], cost_sum[k]);
  } else {
    std::vector<migration_sample> m(n_slots);
    detail::for_each_loss_vector(layout, n_out, classes, [&](const survivors& s, double w) {
      total += w;
      evaluate(s, m.data());
      for (std::size_t k = 0; k < n_slots; ++k) {
        if (m[k].feasible) {
          prob[k] += w;
          cost_sum[k] += w * m[k].cost_ms;
        }
      }
    });
  }
  for (auto& e : out) e.states = static_cast<std::int64_t>(states);
  for (std::size_t k = 0; k < n_slots; ++k) {
    const double pr = std::min(1.0, prob[k] / total);
    const double mean = prob[k] > 0.0 ? cost_sum[k] / prob[k] : 0.0;
    out[owner[k]].targets.push_back(
        make_estimate(slot_target[k], pr, 0.0, mean, 0.0, params.interval_s));
  }
  return out;
}

/// Exact estimate of one key under the uniform model (see estimate_exact_family).
template <class CostModel>
entry estimate_exact(const key& k, const CostModel& cost,
                     const std::vector<target_info>& candidates, const exact_params& params = {}) {
  return estimate_exact_family(k.n, k.config(), k.n_out, {k.n_in}, cost, candidates, params)
      .front();
}

}  // namespace parcae::liveput
