#pragma once
// How long the cluster is expected to stay quiet: the controller's value after the horizon
// (controller_options::terminal_s, adaptive).
//
// The history is a sequence of intervals, some with a preemption. The quiet gaps are the
// distances between consecutive intervals with a preemption; the current quiet has lasted `age`
// intervals since the last one. The expected time to the next preemption is the mean residual
// life of the gaps seen, given that the current one has outlived `age`:
//
//     residual(age) = (sum over gaps g > age of (g - age) + mean_gap) / (#{gaps g > age} + 1),
//
// with mean_gap = (intervals + prior) / (intervals with a preemption + 1), the memoryless
// estimate (and the whole answer for a fresh job, or once the current quiet is the longest
// seen). Why the age matters: preemptions come in bursts (a price spike, a reclaim wave, a
// diurnal fall), so after a long quiet the quiet tends to go on, far beyond the mean gap that
// the bursts' many short gaps pull down; when gaps are regular the residual shrinks with age
// instead, and when they are memoryless it is the mean gap at any age.
//
// O(1) amortised per interval and per dropped interval: the sums over the gaps longer than the
// age are updated as the age grows (a histogram of gap lengths says how many reach each age),
// so a controller that lives for millions of intervals pays no rescan (bench/soak_bench.cpp).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "parcae/core/errors.hpp"

namespace parcae::runtime {

class quiet_time {
 public:
  /// `prior_intervals`: the quiet a fresh job assumes before it has seen anything
  /// (controller_options::terminal_prior_intervals).
  explicit quiet_time(double prior_intervals = 60.0) : prior_(prior_intervals) {
    check_bounded("parcae::runtime::quiet_time::quiet_time", "prior_intervals", prior_intervals,
                  0.0, 1e9);
  }

  /// Appends the newest interval.
  void push(bool preempted) {
    const std::int64_t index = end_++;
    if (!preempted) {
      if (has_last_) step_age();
      return;
    }
    if (has_last_) add_gap(index - last_);
    has_last_ = true;
    last_ = index;
    age_ = 0;
    longer_ = static_cast<double>(gaps_.size());
    excess_ = total_;
  }

  /// Drops the oldest interval (the controller trims its history). Whether it had a preemption
  /// is known here: the preemptions in the window are the gaps' openings and the newest one.
  void pop_front() {
    if (begin_ >= end_) {
      throw_invalid_message("parcae::runtime::quiet_time::pop_front", "the history is empty");
    }
    const std::int64_t index = begin_++;
    if (!gaps_.empty() && gaps_.front().start == index) {
      const std::int64_t g = gaps_.front().length;
      gaps_.pop_front();
      --count_[static_cast<std::size_t>(g)];
      total_ -= static_cast<double>(g);
      if (g > age_) {
        longer_ -= 1.0;
        excess_ -= static_cast<double>(g - age_);
      }
    }
    if (has_last_ && last_ == index) has_last_ = false;  // no preemption left in the window
  }

  std::size_t size() const { return static_cast<std::size_t>(end_ - begin_); }
  /// Intervals with a preemption in the window: each opens a gap, but the newest.
  std::size_t preempted() const { return gaps_.size() + (has_last_ ? 1 : 0); }

  /// The memoryless estimate: intervals between preemptions, with the prior.
  double mean_gap() const {
    return (static_cast<double>(size()) + prior_) / static_cast<double>(preempted() + 1);
  }

  /// Intervals from now to the next interval with a preemption (see the header comment).
  double expected_residual() const {
    if (!has_last_) return mean_gap();
    return (excess_ + mean_gap()) / (longer_ + 1.0);
  }

 private:
  struct gap {
    std::int64_t start;   ///< index of the interval with the preemption that opened it
    std::int64_t length;  ///< intervals to the next one
  };

  void add_gap(std::int64_t g) {
    gaps_.push_back({last_, g});
    if (count_.size() <= static_cast<std::size_t>(g))
      count_.resize(static_cast<std::size_t>(g) + 1, 0);
    ++count_[static_cast<std::size_t>(g)];
    total_ += static_cast<double>(g);
  }

  /// One more quiet interval: each gap longer than the age has one interval less beyond it, and
  /// those exactly one longer than the age no longer outlive it.
  void step_age() {
    excess_ -= longer_;
    ++age_;
    if (static_cast<std::size_t>(age_) < count_.size()) {
      longer_ -= static_cast<double>(count_[static_cast<std::size_t>(age_)]);
    }
  }

  double prior_;
  std::int64_t begin_ = 0, end_ = 0;  ///< absolute indices of the window [begin, end)
  bool has_last_ = false;             ///< a preemption in the window
  std::int64_t last_ = 0;             ///< index of the newest one
  std::int64_t age_ = 0;              ///< quiet intervals since it
  std::deque<gap> gaps_;              ///< gaps whose opening preemption is in the window
  std::vector<std::int32_t> count_;   ///< gaps of each length
  double total_ = 0.0;                ///< sum of the gap lengths
  double longer_ = 0.0;               ///< #{gaps longer than the age}
  double excess_ = 0.0;               ///< sum over those of (length - age)
};

}  // namespace parcae::runtime
