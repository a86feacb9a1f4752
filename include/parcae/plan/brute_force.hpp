#pragma once
// Reference planner for tests: enumerates every sequence of targets over the horizon (all
// |C|^H of them, with |C| including the paused configuration) and returns the best value and the
// first action of a best sequence. It applies the same transition rule as the DP
// (detail::charged_cost, detail::may_start, detail::step_result) and keeps the full migration state
// along each path, so it needs no argument about which states may be merged. Meant for N <= 12,
// H <= 4.
//
// Values are formed as samples(step) + best value of the rest, the same association as the DP's
// backward recursion, so on equal inputs the two agree exactly (bit for bit).

#include <algorithm>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/plan/dp_planner.hpp"
#include "parcae/plan/transition_provider.hpp"
#include "parcae/plan/types.hpp"

namespace parcae::plan {

struct brute_force_result {
  double expected_samples = 0.0;  ///< the best value over all target sequences
  candidate first;                ///< first action of a best sequence (same tie-break as the DP)
  long long sequences = 0;        ///< number of complete sequences enumerated
};

namespace detail {

template <class Provider>
struct brute_force_search {
  const Provider& provider;
  const planner_params& params;
  const std::vector<int>& n;
  const std::vector<availability_step>& steps;
  const char* fn;
  long long sequences = 0;

  // Candidates of step k+1 from s, each with its full value (recursing to the horizon's end).
  std::vector<candidate> expand(int k, plan_state s) {
    std::vector<candidate> out;
    candidate pause;
    pause.value = 0.0 + best(k + 1, plan_state{});
    out.push_back(pause);
    std::vector<transition> trs, list;  // copied: the recursion re-enters the provider
    visit_step_transitions(provider, params, k > 0, n[static_cast<std::size_t>(k)], s.config,
                           steps[static_cast<std::size_t>(k)].n_in,
                           steps[static_cast<std::size_t>(k)].n_out, trs,
                           [&](const transition& t) { list.push_back(t); });
    auto usable = [&](const transition& tr) {
      check_transition(fn, tr);
      return !tr.target.paused() && params.allowed(tr.target) &&
             step_target_usable(params, k > 0, s.config, tr.target,
                                n[static_cast<std::size_t>(k) + 1]);
    };
    // A new migration's value as if nothing ran (charged cost + R), and the best of them: under
    // the remainder rule a later step's migrating state may start only that one (may_start).
    auto free_value = [&](const transition& tr) {
      const double charged = charged_cost(1.0, tr.cost_s, provider.concurrent_restart_s(tr.target));
      const auto o =
          step_result(params.interval_s, tr.prob, charged, provider.throughput(tr.target));
      return o.samples + best(k + 1, plan_state{tr.target, o.remaining_s});
    };
    const bool restricted =
        k > 0 && params.concurrent == concurrent_charge::remainder && s.migrating();
    double top = -1.0;
    if (restricted) {
      for (const transition& tr : list) {
        if (usable(tr) && tr.cost_s > 0.0) top = std::max(top, free_value(tr));
      }
    }
    for (const transition& tr : list) {
      if (!usable(tr)) continue;
      const bool is_best = restricted && tr.cost_s > 0.0 && free_value(tr) == top;
      if (!may_start(k, s.remaining_s, tr.cost_s, tr.target == s.config, is_best,
                     params.concurrent)) {
        continue;
      }
      const double tput = provider.throughput(tr.target);
      candidate c;
      c.target = tr.target;
      c.prob = tr.prob;
      c.cost_s = charged_cost(s.remaining_s, tr.cost_s, provider.concurrent_restart_s(tr.target),
                              params.concurrent);
      const auto o = step_result(params.interval_s, tr.prob, c.cost_s, tput);
      c.samples = o.samples;
      c.remaining_s = o.remaining_s;
      c.value = o.samples + best(k + 1, plan_state{tr.target, o.remaining_s});
      out.push_back(c);
    }
    return out;
  }

  double best(int k, plan_state s) {
    if (k >= static_cast<int>(steps.size())) {
      ++sequences;
      if (s.config.paused()) return 0.0;
      return params.terminal_value(
          terminal_rate(params, s.config, provider.throughput(s.config), n.back()), s.remaining_s);
    }
    double v = 0.0;
    bool first = true;
    for (const candidate& c : expand(k, s)) {
      v = first ? c.value : std::max(v, c.value);
      first = false;
    }
    return v;
  }
};

}  // namespace detail

/// Best value over all target sequences, by exhaustive enumeration (exponential in H).
template <class Provider>
brute_force_result plan_brute_force(const Provider& provider, const planner_params& params, int n0,
                                    plan_state initial,
                                    const std::vector<availability_step>& raw_steps) {
  const char* fn = "parcae::plan::plan_brute_force";
  params.validate(fn);
  const std::vector<availability_step> steps = detail::normalized_steps(fn, n0, raw_steps);
  const std::vector<int> n = detail::horizon_counts(fn, n0, steps);
  detail::check_initial(fn, params, n0, initial);
  brute_force_result out;
  if (steps.empty()) return out;
  detail::brute_force_search<Provider> search{provider, params, n, steps, fn};
  const std::vector<candidate> cs = search.expand(0, initial);
  const candidate* best = &cs.front();
  for (const candidate& c : cs) {
    if (detail::prefer(c, *best, initial.config)) best = &c;
  }
  out.expected_samples = best->value;
  out.first = *best;
  out.sequences = search.sequences;
  return out;
}

}  // namespace parcae::plan
