#pragma once
// Launcher events from a binned availability trace: what a launcher would report to the
// controller (on_interval's alive / joined / preempted lists) if its instances came and went as
// the trace says. A count trace does not say WHICH instances left, so the replay fixes a rule:
// instances are named by arrival (0, 1, 2, ...) and the oldest alive instance is preempted first.
// The `parcae plan` tool and the controller benchmark replay traces this way; a launcher author
// can use it to drive a controller from a trace before wiring real events (docs/embedding.md).

#include <algorithm>
#include <cstddef>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/runtime/decision.hpp"
#include "parcae/trace/bin.hpp"

namespace parcae::runtime {

class trace_replay {
 public:
  /// `initial_alive` instances, named 0 .. initial_alive - 1, all of them just joined.
  explicit trace_replay(int initial_alive) {
    check_nonnegative("parcae::runtime::trace_replay::trace_replay", "initial_alive",
                      initial_alive);
    for (int i = 0; i < initial_alive; ++i) alive_.push_back(next_++);
    joined_ = alive_;
  }

  /// One interval: the `removed` oldest instances are preempted (at most the ones alive at its
  /// start: a binned interval can count an instance that joined and left within it, which no
  /// launcher would see), then `added` new instances join.
  void step(int removed, int added) {
    const char* fn = "parcae::runtime::trace_replay::step";
    check_nonnegative(fn, "removed", removed);
    check_nonnegative(fn, "added", added);
    const std::size_t gone = std::min(static_cast<std::size_t>(removed), alive_.size());
    preempted_.assign(alive_.begin(), alive_.begin() + static_cast<std::ptrdiff_t>(gone));
    alive_.erase(alive_.begin(), alive_.begin() + static_cast<std::ptrdiff_t>(gone));
    joined_.clear();
    for (int i = 0; i < added; ++i) {
      joined_.push_back(next_);
      alive_.push_back(next_++);
    }
  }
  /// step(iv.removed, iv.added).
  void step(const trace::interval& iv) { step(iv.removed, iv.added); }

  /// Alive now, oldest first.
  const std::vector<instance_id>& alive() const { return alive_; }
  /// Joined in the last step (all instances before the first step).
  const std::vector<instance_id>& joined() const { return joined_; }
  /// Preempted in the last step (none before the first step).
  const std::vector<instance_id>& preempted() const { return preempted_; }

 private:
  std::vector<instance_id> alive_, joined_, preempted_;
  instance_id next_ = 0;
};

}  // namespace parcae::runtime
