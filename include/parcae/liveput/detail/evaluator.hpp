#pragma once
// Per-summary evaluation of a fixed list of (context, target) slots: the estimators' inner loop.
//
// A bound cost (cost_function.hpp) may offer a batched form, `batch(slots)`, returning a host
// object E with
//
//   void E::operator()(const survivors& s, migration_sample* out) const;   // out[k] for slot k
//
// whose results equal calling the bound cost on every slot (the library's perf_cost does: it
// evaluates the targets that share a depth together, perf/migration_batch.hpp). make_evaluator
// uses it when present and otherwise a loop over the slots, so toy and user costs need nothing.
// E::operator() is const and called from several threads at once.

#include <type_traits>
#include <utility>
#include <vector>

#include "parcae/core/parallel_config.hpp"
#include "parcae/liveput/cost_function.hpp"
#include "parcae/liveput/survivors.hpp"

namespace parcae::liveput::detail {

/// The fallback evaluator: one call of the bound cost per slot.
template <class Bound>
class slot_loop_evaluator {
 public:
  slot_loop_evaluator(const Bound& bound, std::vector<cost_slot> slots)
      : bound_(bound), slots_(std::move(slots)) {}
  void operator()(const survivors& s, migration_sample* out) const {
    for (std::size_t k = 0; k < slots_.size(); ++k) {
      out[k] = bound_(slots_[k].ctx, s, slots_[k].target);
    }
  }

 private:
  Bound bound_;
  std::vector<cost_slot> slots_;
};

template <class Bound, class = void>
struct has_batch : std::false_type {};
template <class Bound>
struct has_batch<Bound, std::void_t<decltype(std::declval<const Bound&>().batch(
                            std::declval<const std::vector<cost_slot>&>()))>> : std::true_type {};

/// Whether an evaluator also sums weighted results per slot itself (make_expectation(), giving
/// an object X with X.add(const survivors&, double w) and X.result(k, feasible_weight,
/// cost_sum_ms)): the exact estimator then asks it for the sums instead of every slot's result
/// per summary (perf_cost_batch shares a depth's work between its targets that way).
template <class E, class = void>
struct has_expectation : std::false_type {};
template <class E>
struct has_expectation<E, std::void_t<decltype(std::declval<const E&>().make_expectation())>>
    : std::true_type {};

/// The evaluator of `slots` for a bound cost: its batch() when it has one, else the slot loop.
template <class Bound>
auto make_evaluator(const Bound& bound, const std::vector<cost_slot>& slots) {
  if constexpr (has_batch<Bound>::value) {
    return bound.batch(slots);
  } else {
    return slot_loop_evaluator<Bound>(bound, slots);
  }
}

}  // namespace parcae::liveput::detail
