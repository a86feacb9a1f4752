#pragma once
// The benchmark harness: builds the named policies and replays one trace through each, on one
// job, returning their results with the ratio to `ideal` (the main job of `parcae sim`).
//
// Policy names: ideal, reactive, reactive-live, recycle, bamboo, on-demand, parcae-truth,
// parcae-predict, parcae-stochastic ("all" = every one, in this order). The parcae policies are
// runtime::controller instances on the job (sim/controller_policy.hpp); they share the job's
// liveput table.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/liveput/monte_carlo.hpp"
#include "parcae/sim/baselines.hpp"
#include "parcae/sim/controller_policy.hpp"
#include "parcae/sim/simulator.hpp"

namespace parcae::sim {

/// Every built-in policy name, in the order "all" runs them.
inline const std::vector<std::string>& policy_names() {
  static const std::vector<std::string> names = {
      "ideal",     "reactive",     "reactive-live",  "recycle",          "bamboo",
      "on-demand", "parcae-truth", "parcae-predict", "parcae-stochastic"};
  return names;
}

struct harness_params {
  sim_params sim;
  bamboo_params bamboo;
  recycle_params recycle;
  parcae_params parcae;         ///< `future` is set per policy
  int on_demand_instances = 0;  ///< 0: the trace's mean alive count, rounded
  /// Policies replayed at once (run_harness): 1 (default) one after the other; 0 every core.
  /// The results are the same at any count: each policy has its own state, and what they share
  /// (the job, its liveput table) is thread-safe and holds values that do not depend on who
  /// estimated them first.
  int threads = 1;

  void validate() const {
    sim.validate();
    bamboo.validate();
    recycle.validate();
    parcae.validate();
    check_nonnegative("parcae::sim::harness_params::validate", "on_demand_instances",
                      on_demand_instances);
    check_nonnegative("parcae::sim::harness_params::validate", "threads", threads);
  }
};

/// One policy's result with its ratio to ideal.
struct harness_entry {
  policy_result result;
  double ratio_to_ideal = 0.0;  ///< samples / ideal's samples (NaN when ideal trains nothing)
  double wall_s = 0.0;          ///< seconds the replay took (wall clock; measured, not a result)
};

struct harness_result {
  std::vector<harness_entry> policies;
  double ideal_samples = 0.0;
};

/// Policies run only when named ("all" leaves them out): "ideal-rerouting", the upper bound of
/// the policies that reroute (sim::ideal_policy(true); docs/simulator.md).
inline const std::vector<std::string>& named_only_policy_names() {
  static const std::vector<std::string> names = {"ideal-rerouting"};
  return names;
}

/// Expands "all" and checks the names; throws parcae::invalid_argument for an unknown one.
inline std::vector<std::string> expand_policy_names(const std::vector<std::string>& names) {
  const char* f = "parcae::sim::expand_policy_names";
  std::vector<std::string> out;
  for (const std::string& n : names) {
    if (n == "all") {
      for (const auto& m : policy_names()) out.push_back(m);
      continue;
    }
    bool known = false;
    for (const auto* list : {&policy_names(), &named_only_policy_names()}) {
      for (const auto& m : *list) known = known || m == n;
    }
    if (!known) {
      std::string known_names = "one of all";
      for (const auto* list : {&policy_names(), &named_only_policy_names()}) {
        for (const auto& m : *list) known_names += ", " + m;
      }
      throw_invalid(f, "policy", n, known_names);
    }
    out.push_back(n);
  }
  if (out.empty()) throw_invalid(f, "names.size()", 0, ">= 1");
  return out;
}

/// Instances of the on-demand policy's fixed cluster: hp.on_demand_instances, or the trace's mean
/// alive count, rounded (at least 1).
inline int on_demand_size(const harness_params& hp, const event_trace& trace) {
  return hp.on_demand_instances > 0
             ? hp.on_demand_instances
             : std::max(1, static_cast<int>(std::lround(trace.mean_alive())));
}

/// Builds the policy `name` (a name of policy_names()).
inline std::unique_ptr<policy> make_policy(const std::string& name, const harness_params& hp,
                                           const event_trace& trace) {
  if (name == "ideal") return std::make_unique<ideal_policy>();
  if (name == "ideal-rerouting") return std::make_unique<ideal_policy>(true);
  if (name == "reactive") return std::make_unique<reactive_policy>();
  if (name == "reactive-live") return std::make_unique<reactive_live_policy>();
  if (name == "recycle") return std::make_unique<recycle_policy>(hp.recycle);
  if (name == "bamboo") return std::make_unique<bamboo_policy>(hp.bamboo);
  if (name == "on-demand") {
    return std::make_unique<on_demand_policy>(on_demand_size(hp, trace));
  }
  parcae_params pp = hp.parcae;
  pp.concurrent = hp.sim.concurrent;  // parcae plans with the rule the simulator charges
  if (name == "parcae-truth") {
    pp.future = future_source::truth;
  } else if (name == "parcae-predict") {
    pp.future = future_source::predict;
  } else if (name == "parcae-stochastic") {
    pp.future = future_source::stochastic;
  } else {
    expand_policy_names({name});  // throws
  }
  return std::make_unique<controller_policy>(pp);
}

/// Replays `trace` through every policy of `names` ("all" allowed). `progress(name, i, n)` is
/// called before each policy (may be empty), `intervals` inside each listed policy's run
/// (simulate's progress callback; may be empty). `ideal` is always run (for the ratios), and
/// listed only when asked for. With hp.threads != 1 the policies run on that many threads (the
/// costliest first: the parcae policies, which plan every interval); `progress` is then called
/// from the thread that starts the policy, one call at a time, and `intervals` is not called.
/// The results, in the order of `names`, are the same as with one thread.
inline harness_result run_harness(
    const event_trace& trace, const job& j, const std::vector<std::string>& names,
    const harness_params& hp = {},
    const std::function<void(const std::string&, std::size_t, std::size_t)>& progress = {},
    const progress_fn& intervals = {}) {
  hp.validate();
  const std::vector<std::string> list = expand_policy_names(names);
  harness_result out;
  ideal_policy ideal;
  sim_params quiet = hp.sim;
  quiet.keep_timeline = false;
  out.ideal_samples = simulate(trace, ideal, j, quiet).samples;
  auto run = [&](std::size_t i, const progress_fn& each) {
    const auto start = std::chrono::steady_clock::now();
    std::unique_ptr<policy> pol = make_policy(list[i], hp, trace);
    harness_entry e;
    e.result = simulate(trace, *pol, j, hp.sim, each);
    e.ratio_to_ideal = out.ideal_samples > 0.0 ? e.result.samples / out.ideal_samples : NAN;
    e.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return e;
  };
  if (hp.threads == 1 || list.size() < 2) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (progress) progress(list[i], i, list.size());
      out.policies.push_back(run(i, intervals));
    }
    return out;
  }
  // The parcae policies first (stochastic, then truth, then predict: the order of their cost),
  // so that the cheap baselines fill the other threads' time instead of running at the end.
  auto rank = [](const std::string& name) {
    if (name == "parcae-stochastic") return 0;
    if (name == "parcae-truth") return 1;
    if (name == "parcae-predict") return 2;
    return 3;
  };
  std::vector<std::size_t> order(list.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return rank(list[a]) < rank(list[b]); });
  std::vector<harness_entry> entries(list.size());
  std::mutex progress_mutex;
  liveput::detail::parallel_for_items(list.size(), hp.threads, [&](std::size_t it, int) {
    const std::size_t i = order[it];
    if (progress) {
      std::lock_guard<std::mutex> lock(progress_mutex);
      progress(list[i], i, list.size());
    }
    entries[i] = run(i, progress_fn{});
  });
  out.policies = std::move(entries);
  return out;
}

}  // namespace parcae::sim
