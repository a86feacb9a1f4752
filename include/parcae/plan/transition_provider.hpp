#pragma once
// The transition-provider concept the planners are written against, the one transition rule they
// share (Parcae §5.1), and a type-erased provider for the runtime controller.
//
// A Provider is any type with these const members (hot path: a template parameter, DESIGN.md):
//
//   // Targets reachable from `from` (which ran on n_prev instances) after an interval in which
//   // n_in instances joined and n_out were preempted: for each target (d,p), its reachability
//   // probability and expected migration time in seconds. Clears `out` first. `from` may be the
//   // paused configuration {0,0}; then the cost is the cost of resuming (checkpoint reload).
//   // This is the artifact's LiveStore[(N_prev, D, P, n_in, n_out)] (§1.4), in seconds.
//   void transitions(int n_prev, parallel_config from, int n_in, int n_out,
//                    std::vector<transition>& out) const;
//   double throughput(parallel_config c) const;          // T(d,p) in samples/s (§2)
//   double concurrent_restart_s(parallel_config c) const; // R(d,p,'no-op') in seconds (§3.2)
//
// Optionally, to spare the copy into `out` on the hot path (the planner prefers it when present):
//
//   template <class F>  // F: void(const transition&)
//   void for_each_transition(int n_prev, parallel_config from, int n_in, int n_out, F&& f) const;
//
// Optionally, to fill whatever the provider memoises before a plan reads it (liveput_provider:
// one bulk table::fill, families shared, the backend's threads used) instead of key by key:
//
//   std::size_t prefill_paths(int n0, parallel_config initial,
//                             const std::vector<std::vector<availability_step>>& paths,
//                             const planner_params& params) const;  // returns keys filled
//
// Optionally, for a step that has already happened (the runtime controller's first step, whose
// survivors are known; dp_planner::plan's first_step), the transitions from the actual survivors:
//
//   void observed_transitions(parallel_config from, const std::vector<int>& replicas,
//                             int free_gpus, int joined_gpus, std::vector<transition>& out) const;
//
// Optionally, to let a planner keep the transitions it has read across plans (dp_planner keeps
// its resolved lists while the value stays the same; without it, or when it returns nullopt, it
// asks the provider again in every plan):
//
//   std::optional<std::uint64_t> generation() const;  // changes when any key's transitions change
//
// The planner adds the paused target {0,0} itself (0 cost, 0 samples) and drops targets that do
// not fit the instances alive after the events or break the planner_params bounds, so a provider
// may list more targets than fit. Targets must have prob in [0,1] and a finite cost >= 0.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/plan/types.hpp"

namespace parcae::plan {

/// A non-owning reference to a `void(const transition&)` callable (valid while the callable
/// lives): how any_transition_provider passes a visitor through its type erasure, so a wrapped
/// provider's for_each_transition reaches the planner without a copy of the target list.
class transition_visitor {
 public:
  template <class F>
  explicit transition_visitor(F& f)
      : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* o, const transition& t) { (*static_cast<F*>(o))(t); }) {}
  void operator()(const transition& t) const { call_(obj_, t); }

 private:
  void* obj_;
  void (*call_)(void*, const transition&);
};

/// A provider behind std::function, for code that picks its provider at run time (the runtime
/// controller, the CLI). The erasure costs one indirect call per (step, from-configuration) and
/// one per target (through transition_visitor, when the wrapped provider has
/// for_each_transition; otherwise the target list is copied into a per-thread buffer).
class any_transition_provider {
 public:
  using transitions_fn = std::function<void(int n_prev, parallel_config from, int n_in, int n_out,
                                            std::vector<transition>& out)>;
  using value_fn = std::function<double(parallel_config)>;
  using prefill_fn = std::function<std::size_t(
      int n0, parallel_config initial, const std::vector<std::vector<availability_step>>& paths,
      const planner_params& params)>;
  using observed_fn =
      std::function<void(parallel_config from, const std::vector<int>& replicas, int free_gpus,
                         int joined_gpus, std::vector<transition>& out)>;
  using generation_fn = std::function<std::optional<std::uint64_t>()>;

  any_transition_provider() = default;
  /// `prefill` and `observed` are optional (empty: prefill_paths() fills nothing and returns 0;
  /// has_observed() is false).
  any_transition_provider(transitions_fn transitions, value_fn throughput, value_fn restart_s,
                          prefill_fn prefill = nullptr, observed_fn observed = nullptr)
      : transitions_(std::move(transitions)),
        throughput_(std::move(throughput)),
        restart_(std::move(restart_s)),
        prefill_(std::move(prefill)),
        observed_(std::move(observed)) {
    const char* fn = "parcae::plan::any_transition_provider::any_transition_provider";
    if (!transitions_) throw_invalid_message(fn, "transitions is empty, but must be callable");
    if (!throughput_) throw_invalid_message(fn, "throughput is empty, but must be callable");
    if (!restart_) throw_invalid_message(fn, "restart_s is empty, but must be callable");
  }
  /// Wraps any Provider (copied); its prefill_paths and observed_transitions, when it has them,
  /// too.
  template <class Provider>
  static any_transition_provider wrap(Provider provider);

  bool valid() const { return static_cast<bool>(transitions_); }
  void transitions(int n_prev, parallel_config from, int n_in, int n_out,
                   std::vector<transition>& out) const {
    transitions_(n_prev, from, n_in, n_out, out);
  }
  /// Calls f(transition) for each target of the key: the wrapped provider's own
  /// for_each_transition when wrap() found one, else transitions() into a per-thread buffer.
  template <class F>
  void for_each_transition(int n_prev, parallel_config from, int n_in, int n_out, F&& f) const {
    if (visit_) {
      visit_(n_prev, from, n_in, n_out, transition_visitor(f));
      return;
    }
    thread_local std::vector<transition> spare;
    std::vector<transition> buf;  // taken from `spare` (its capacity), so a nested call is safe
    buf.swap(spare);
    transitions_(n_prev, from, n_in, n_out, buf);
    for (const transition& t : buf) f(t);
    buf.swap(spare);
  }
  double throughput(parallel_config c) const { return throughput_(c); }
  double concurrent_restart_s(parallel_config c) const { return restart_(c); }
  /// Fills the keys a plan over each of `paths` will read, in one batch; 0 without a prefill.
  std::size_t prefill_paths(int n0, parallel_config initial,
                            const std::vector<std::vector<availability_step>>& paths,
                            const planner_params& params) const {
    return prefill_ ? prefill_(n0, initial, paths, params) : 0;
  }
  bool has_prefill() const { return static_cast<bool>(prefill_); }
  /// The wrapped provider's observed_transitions; requires has_observed().
  void observed_transitions(parallel_config from, const std::vector<int>& replicas, int free_gpus,
                            int joined_gpus, std::vector<transition>& out) const {
    if (!observed_) {
      throw_invalid_message("parcae::plan::any_transition_provider::observed_transitions",
                            "the provider has no observed_transitions (check has_observed())");
    }
    observed_(from, replicas, free_gpus, joined_gpus, out);
  }
  bool has_observed() const { return static_cast<bool>(observed_); }
  /// The wrapped provider's generation() (see the concept above); nullopt when it has none.
  std::optional<std::uint64_t> generation() const {
    return generation_ ? generation_() : std::nullopt;
  }

 private:
  transitions_fn transitions_;
  value_fn throughput_;
  value_fn restart_;
  prefill_fn prefill_;
  observed_fn observed_;
  /// Set by wrap() for a provider with for_each_transition.
  std::function<void(int, parallel_config, int, int, transition_visitor)> visit_;
  /// Set by wrap() for a provider with generation().
  generation_fn generation_;
};

namespace detail {

template <class P, class = void>
struct has_for_each_transition : std::false_type {};
template <class P>
struct has_for_each_transition<
    P, std::void_t<decltype(std::declval<const P&>().for_each_transition(
           0, parallel_config{}, 0, 0, std::declval<void (*)(const transition&)>()))>>
    : std::true_type {};

template <class P, class = void>
struct has_observed_transitions : std::false_type {};
template <class P>
struct has_observed_transitions<P,
                                std::void_t<decltype(std::declval<const P&>().observed_transitions(
                                    parallel_config{}, std::declval<const std::vector<int>&>(), 0,
                                    0, std::declval<std::vector<transition>&>()))>>
    : std::true_type {};

template <class P, class = void>
struct has_generation : std::false_type {};
template <class P>
struct has_generation<P, std::void_t<decltype(std::declval<const P&>().generation())>>
    : std::true_type {};

template <class P, class = void>
struct has_prefill_paths : std::false_type {};
template <class P>
struct has_prefill_paths<
    P, std::void_t<decltype(std::declval<const P&>().prefill_paths(
           0, parallel_config{}, std::declval<const std::vector<std::vector<availability_step>>&>(),
           std::declval<const planner_params&>()))>> : std::true_type {};

/// Calls f(transition) for every target the provider lists for the key; uses the provider's
/// for_each_transition when it has one, else transitions() into `buf`.
template <class Provider, class F>
void visit_transitions(const Provider& p, int n_prev, parallel_config from, int n_in, int n_out,
                       std::vector<transition>& buf, F&& f) {
  if constexpr (has_for_each_transition<Provider>::value) {
    p.for_each_transition(n_prev, from, n_in, n_out, f);
  } else {
    p.transitions(n_prev, from, n_in, n_out, buf);
    for (const transition& t : buf) f(t);
  }
}

/// Whether a step may keep `from` rerouted (planner_params::rerouting): a later step (k >= 1; the
/// first step's rerouting is the executor's, runtime::controller::reroute(), from the actual
/// survivors) of a planner that models it, from a running configuration.
inline bool models_rerouting(const planner_params& params, bool later, parallel_config from) {
  return later && params.rerouting.available() && !from.paused();
}

/// Whether a target passed by visit_step_transitions is usable after the step: it fits the
/// instances left, or it is the option to keep `from` rerouted.
inline bool step_target_usable(const planner_params& params, bool later, parallel_config from,
                               parallel_config target, int n_after) {
  return params.fits(target, n_after) || (target == from && models_rerouting(params, later, from));
}

/// One step's transitions as the planners read them (dp_planner and the brute force share it):
/// the provider's, and where the planner models rerouting (models_rerouting):
///  - from a configuration that does not fit n_prev (it runs rerouted, reached by the option
///    below): the provider's key of the configuration whole on instances_of(from) instances, the
///    missing ones counted as preempted in this step: the same survivors, as a count;
///  - when `from` does not fit the instances after the step, ran on all n_prev instances and
///    none joined, the option to keep it running rerouted instead of the provider's transition to
///    it: target `from`, cost the failover when the step takes slots (any preemption; 0
///    otherwise), and prob such that interval * prob - cost = scale * (interval - cost), the
///    rerouted rate over the rest of the interval, with d*p - N_after*g empty slots
///    (rerouted_scale). Not offered when the scale is 0 or the failover does not end within the
///    interval.
/// Why only without spares or newcomers: then every instance holds slots, so the count says how
/// many slots are empty. With spares, preemptions hit the job's instances and spares alike, and
/// newcomers join as spares (the controller keeps the survivors where they were), so the count
/// undercounts the empty slots, and the state, a count, carries the error into every later step.
/// Tried with the expected hits (n_out * used / n_prev) for the step: truth lost to reactive-live
/// in 11 runs of 204 instead of 1 (docs/results.md, "Rerouting in the plan").
/// f(const transition&) also receives targets that do not fit (step_target_usable tells).
template <class Provider, class F>
void visit_step_transitions(const Provider& p, const planner_params& params, bool later, int n_prev,
                            parallel_config from, int n_in, int n_out, std::vector<transition>& buf,
                            F&& f) {
  if (!models_rerouting(params, later, from)) {
    visit_transitions(p, n_prev, from, n_in, n_out, buf, f);
    return;
  }
  const int used = instances_of(from, params.gpus_per_instance);  // instances of `from` whole
  const int n_key = std::max(n_prev, used);
  const int n_after = n_prev + n_in - n_out;
  const bool fits_after = params.fits(from, n_after);
  visit_transitions(p, n_key, from, n_in, n_out + (n_key - n_prev), buf, [&](const transition& t) {
    if (fits_after || t.target != from) f(t);
  });
  if (fits_after || n_in > 0 || used < n_prev) return;
  const double scale = rerouted_scale(params, from, n_after);
  const double interval = params.interval_s;
  const double cost = n_out > 0 ? params.rerouting.failover_s(from) : 0.0;
  if (!(scale > 0.0) || !(cost < interval)) return;
  const double prob = cost > 0.0 ? (scale * (interval - cost) + cost) / interval : scale;
  f(transition{from, std::min(1.0, prob), cost});
}

/// Migration time charged when a step starts in a state with `remaining_s` to go and picks a
/// target whose provider cost is `cost_s` (artifact liveput.py, §5.1; concurrent_charge):
///   running state                : cost_s
///   migrating, new migration     : cost_s + R(target,'no-op')              (artifact)
///                                  max(remaining_s, cost_s) + R(target,'no-op') (remainder)
///   migrating, cost_s == 0       : remaining_s                  (keep finishing the old one)
inline double charged_cost(double remaining_s, double cost_s, double restart_noop_s,
                           concurrent_charge rule = concurrent_charge::artifact) {
  if (!(remaining_s > 0.0)) return cost_s;
  if (!(cost_s > 0.0)) return remaining_s;
  return rule == concurrent_charge::remainder ? std::max(remaining_s, cost_s) + restart_noop_s
                                              : cost_s + restart_noop_s;
}

/// Whether a plan may take a target of provider cost `cost_s` in step k (0-based) from a state
/// with `remaining_s` to go. `keep`: the target is the configuration being migrated to; `best`:
/// the target is a best new migration from that state valued as if nothing ran (charged cost +
/// R; the DP's remainder_state::top). Always, except under the remainder rule after the first
/// step during a running migration, where a new migration must keep the configuration (a
/// refill), or be the best one and at least as long as what is left (dp_planner.hpp says why).
inline bool may_start(int k, double remaining_s, double cost_s, bool keep, bool best,
                      concurrent_charge rule) {
  return k == 0 || rule == concurrent_charge::artifact || !(remaining_s > 0.0) || !(cost_s > 0.0) ||
         keep || (best && cost_s >= remaining_s);
}

/// Outcome of a step: r = interval*prob - cost (§1.5). r >= 0: the migration ends inside the
/// interval and T*r samples are trained; r < 0: the migration runs on with -r seconds to go.
struct step_outcome {
  double samples;
  double remaining_s;
};
inline step_outcome step_result(double interval_s, double prob, double charged_s,
                                double throughput) {
  const double r = interval_s * prob - charged_s;
  if (r >= 0.0) return {throughput * r, 0.0};
  return {0.0, -r};
}

/// The message of a transition check_transition rejects (kept out of line: building it is the
/// only heavy part of the check).
[[noreturn]] inline void throw_bad_transition(const char* function, const transition& t) {
  if (!(t.prob >= 0.0 && t.prob <= 1.0)) {
    throw_invalid(function, "provider transition " + to_string(t.target) + ".prob", t.prob,
                  "in [0, 1]");
  }
  if (!(t.cost_s >= 0.0) || !std::isfinite(t.cost_s)) {
    throw_invalid(function, "provider transition " + to_string(t.target) + ".cost_s", t.cost_s,
                  "finite and >= 0");
  }
  throw_invalid_message(function, "provider transition is invalid");  // not reached
}

/// Rejects a transition with prob outside [0, 1] or a cost that is negative or not finite. Runs
/// for every transition the planners read, so the valid case is a few comparisons inline.
inline void check_transition(const char* function, const transition& t) {
  if (t.prob >= 0.0 && t.prob <= 1.0 && t.cost_s >= 0.0 && t.cost_s < INFINITY) return;
  throw_bad_transition(function, t);
}

inline void check_rate(const char* function, const char* what, parallel_config c, double v) {
  if (!(v >= 0.0) || !std::isfinite(v)) {
    throw_invalid(function, std::string("provider ") + what + to_string(c), v, "finite and >= 0");
  }
}

}  // namespace detail

template <class Provider>
any_transition_provider any_transition_provider::wrap(Provider provider) {
  auto shared = std::make_shared<Provider>(std::move(provider));
  prefill_fn prefill;
  if constexpr (detail::has_prefill_paths<Provider>::value) {
    prefill = [shared](int n0, parallel_config initial,
                       const std::vector<std::vector<availability_step>>& paths,
                       const planner_params& params) {
      return static_cast<std::size_t>(shared->prefill_paths(n0, initial, paths, params));
    };
  }
  observed_fn observed;
  if constexpr (detail::has_observed_transitions<Provider>::value) {
    observed = [shared](parallel_config from, const std::vector<int>& replicas, int free_gpus,
                        int joined_gpus, std::vector<transition>& out) {
      shared->observed_transitions(from, replicas, free_gpus, joined_gpus, out);
    };
  }
  any_transition_provider out(
      [shared](int n_prev, parallel_config from, int n_in, int n_out, std::vector<transition>& v) {
        shared->transitions(n_prev, from, n_in, n_out, v);
      },
      [shared](parallel_config c) { return shared->throughput(c); },
      [shared](parallel_config c) { return shared->concurrent_restart_s(c); }, std::move(prefill),
      std::move(observed));
  if constexpr (detail::has_generation<Provider>::value) {
    out.generation_ = [shared]() -> std::optional<std::uint64_t> { return shared->generation(); };
  }
  if constexpr (detail::has_for_each_transition<Provider>::value) {
    out.visit_ = [shared](int n_prev, parallel_config from, int n_in, int n_out,
                          transition_visitor v) {
      shared->for_each_transition(n_prev, from, n_in, n_out, v);
    };
  }
  return out;
}

}  // namespace parcae::plan
