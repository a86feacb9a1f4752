#pragma once
// Planning under forecast uncertainty (not in the artifact, which plans on the point forecast).
//
// Given K sample paths of the availability forecast, choose the FIRST action that maximises the
// expected samples over the paths:
//   a* = argmax_a (1/K) sum_j V_j(a),   V_j(a) = exact DP value of taking a first on path j.
// V_j(a) lets every later action adapt to path j ("hindsight optimisation", Chong, Givan & Chang,
// CDC 2000; the sample-average approximation of a two-stage problem). Why this method:
//  * only the first action is executed (receding horizon, §5.1) and the later ones are re-planned
//    with the events actually seen, so fixing only the first action across paths matches how the
//    plan is used;
//  * it costs K exact DPs (dp_planner::first_actions gives V_j(a) for every a from one solve),
//    whereas a non-anticipative scenario tree grows as K^H;
//  * its known bias (it values information it will not have yet) is bounded by the forecast's
//    spread; with K = 1 it is exactly the point-forecast DP.
// The K DPs are independent given the provider, so `helpers` (further dp_planners over the same
// provider and params) can solve some of them on their own threads: path j goes to planner
// j mod (1 + helpers), and every value is the same bits as on one planner (each DP is exact and
// depends only on its path), so the decision does not depend on the thread count.
// A first action that does not fit on path j (it needs more instances than path j leaves after
// step 1) is scored on that path by what the controller would do instead, shrinking it to
// (min(d, N_1 / p), p), or pausing when not even one pipeline fits; a target that the provider
// does not list on path j is scored the same way.

#include <algorithm>
#include <exception>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/plan/dp_planner.hpp"
#include "parcae/plan/types.hpp"

namespace parcae::plan {

struct stochastic_result {
  candidate first;                  ///< the chosen first action, with means over the paths
  double expected_samples = 0.0;    ///< mean over the paths of the chosen action's value
  std::vector<candidate> actions;   ///< every first action with its mean value, best first
  std::vector<double> path_values;  ///< the chosen action's value on each path
  plan_status status = plan_status::ok;
};

/// Shrinks c to fit n GPU slots: (min(d, n/p), p), or {0,0} when no pipeline fits (the runtime's
/// fallback when more instances vanish than planned; the artifact's optimize() does the same).
inline parallel_config shrink_to_fit(parallel_config c, int slots) {
  if (c.paused() || c.size() <= slots) return c;
  const int d = std::min(c.d, slots / c.p);
  return d >= 1 ? parallel_config{d, c.p} : parallel_config{};
}

/// Sample-average (hindsight) planner over K forecast paths; see the header comment.
/// `first_step`, when not null, replaces the provider's first-step transitions on every path
/// (dp_planner::plan's first_step: a first step that has already happened). Runs on `dp` (its
/// provider and params), whose work buffers are reused: a caller that plans every interval
/// keeps one dp_planner instead of allocating the DP's tables per call.
///
/// `helpers`: further planners over the same provider (one per extra thread; see the header
/// comment). The provider is then read from 1 + helpers.size() threads at once, so it must allow
/// that (liveput_provider does: its table locks). The helpers must have dp's params (its terminal
/// value included).
template <class Provider>
stochastic_result plan_stochastic(dp_planner<Provider>& dp, int n0, plan_state initial,
                                  const std::vector<std::vector<availability_step>>& paths,
                                  const std::vector<transition>* first_step = nullptr,
                                  const std::vector<dp_planner<Provider>*>& helpers = {}) {
  const char* fn = "parcae::plan::plan_stochastic";
  const planner_params& params = dp.params();
  if (paths.empty()) throw_invalid_message(fn, "paths is empty, but must hold at least 1 path");
  for (std::size_t j = 0; j < paths.size(); ++j) {
    if (paths[j].size() != paths[0].size()) {
      throw_invalid(fn, "paths[" + std::to_string(j) + "].size()", paths[j].size(),
                    "equal to paths[0].size() = " + std::to_string(paths[0].size()));
    }
    detail::horizon_counts(fn, n0, detail::normalized_steps(fn, n0, paths[j]));
  }
  detail::check_initial(fn, params, n0, initial);
  for (std::size_t h = 0; h < helpers.size(); ++h) {
    const std::string name = "helpers[" + std::to_string(h) + "]";
    if (helpers[h] == nullptr || helpers[h] == &dp) {
      throw_invalid_message(fn, name + " is null or dp itself, but must be another planner");
    }
    if (helpers[h]->params().terminal_s != params.terminal_s) {
      throw_invalid(fn, name + "->params().terminal_s", helpers[h]->params().terminal_s,
                    "equal to dp's, " + std::to_string(params.terminal_s));
    }
  }
  stochastic_result out;
  if (paths[0].empty()) return out;

  // Per path: every first action's exact value. Keyed by (p, d) so the order is deterministic.
  const std::size_t K = paths.size();
  std::vector<std::map<std::pair<int, int>, candidate>> per_path(K);
  // Planner w solves paths w, w + W, w + 2W, ...; planner 0 (dp) on this thread.
  const std::size_t W = std::min(K, 1 + helpers.size());
  std::vector<std::exception_ptr> failed(W);
  auto solve_share = [&](std::size_t w) {
    try {
      dp_planner<Provider>& planner = w == 0 ? dp : *helpers[w - 1];
      for (std::size_t j = w; j < K; j += W) {
        for (const candidate& c : planner.first_actions(n0, initial, paths[j], first_step)) {
          per_path[j][{c.target.p, c.target.d}] = c;
        }
      }
    } catch (...) {
      failed[w] = std::current_exception();
    }
  };
  {
    std::vector<std::thread> threads;
    for (std::size_t w = 1; w < W; ++w) threads.emplace_back(solve_share, w);
    solve_share(0);
    for (auto& t : threads) t.join();
  }
  for (const auto& e : failed) {
    if (e) std::rethrow_exception(e);
  }
  std::map<std::pair<int, int>, parallel_config> all;
  for (const auto& path : per_path) {
    for (const auto& [key, c] : path) all[key] = c.target;
  }
  const double inv_k = 1.0 / static_cast<double>(K);
  std::vector<std::vector<double>> values;
  for (const auto& [key, target] : all) {
    candidate mean;
    mean.target = target;
    mean.value = mean.samples = mean.cost_s = mean.remaining_s = mean.prob = 0.0;
    std::vector<double> v(K);
    for (std::size_t j = 0; j < K; ++j) {
      const int n1 = n0 + paths[j][0].n_in - paths[j][0].n_out;
      auto it = per_path[j].find(key);
      if (it == per_path[j].end()) {
        const parallel_config s = shrink_to_fit(target, n1 * params.gpus_per_instance);
        it = per_path[j].find({s.p, s.d});
        if (it == per_path[j].end()) it = per_path[j].find({0, 0});
      }
      const candidate& c = it->second;
      v[j] = c.value;
      mean.value += c.value * inv_k;
      mean.samples += c.samples * inv_k;
      mean.cost_s += c.cost_s * inv_k;
      mean.remaining_s += c.remaining_s * inv_k;
      mean.prob += c.prob * inv_k;
    }
    out.actions.push_back(mean);
    values.push_back(std::move(v));
  }
  std::size_t best = 0;
  for (std::size_t i = 1; i < out.actions.size(); ++i) {
    if (detail::prefer(out.actions[i], out.actions[best], initial.config)) best = i;
  }
  out.first = out.actions[best];
  out.expected_samples = out.first.value;
  out.path_values = values[best];
  out.status = out.first.target.paused() ? plan_status::paused : plan_status::ok;
  std::stable_sort(
      out.actions.begin(), out.actions.end(),
      [&](const candidate& a, const candidate& b) { return detail::prefer(a, b, initial.config); });
  return out;
}

/// plan_stochastic on a fresh dp_planner over `provider` and `params`.
template <class Provider>
stochastic_result plan_stochastic(const Provider& provider, const planner_params& params, int n0,
                                  plan_state initial,
                                  const std::vector<std::vector<availability_step>>& paths,
                                  const std::vector<transition>* first_step = nullptr) {
  params.validate("parcae::plan::plan_stochastic");
  dp_planner<Provider> dp(provider, params);
  return plan_stochastic(dp, n0, initial, paths, first_step);
}

}  // namespace parcae::plan
