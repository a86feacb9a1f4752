#pragma once
// Launcher events from a binned availability trace: what a launcher would report to the
// controller (on_interval's alive / joined / preempted lists) if its instances came and went as
// the trace says. A count trace does not say WHICH instances left, so the replay fixes a rule:
// instances are named by arrival (0, 1, 2, ...) and the oldest alive instance is preempted first.
// The `parcae plan` tool and the controller benchmark replay traces this way; a launcher author
// can use it to drive a controller from a trace before wiring real events (docs/embedding.md).

#include <algorithm>
#include <cstddef>
#include <string>
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

  /// One interval of a binned trace: `removed` instances leave and `added` join, and afterwards
  /// exactly alive + added - removed are alive (the interval's alive_after()). The oldest alive
  /// instances leave first. When more leave than were alive at the interval's start, the rest
  /// are instances that joined AND left within the interval (a binned interval counts both):
  /// the first of the `added` ids, listed in transient() and in neither joined() nor
  /// preempted(), since the controller requires joined ids to be alive and preempted ids to have
  /// been alive at the interval's start (controller::on_interval). So joined() + transient()
  /// = added and preempted() + transient() = removed. Throws parcae::invalid_argument when more
  /// leave than were alive or joined (removed > alive + added).
  void step(int removed, int added) {
    const char* fn = "parcae::runtime::trace_replay::step";
    check_nonnegative(fn, "removed", removed);
    check_nonnegative(fn, "added", added);
    const long long available = static_cast<long long>(alive_.size()) + added;
    if (removed > available) {
      throw_invalid(fn, "removed", removed,
                    "<= alive + added = " + std::to_string(alive_.size()) + " + " +
                        std::to_string(added) + " (no more can leave than were there)");
    }
    const std::size_t gone = std::min(static_cast<std::size_t>(removed), alive_.size());
    const int passing = removed - static_cast<int>(gone);  // joined and left within the interval
    preempted_.assign(alive_.begin(), alive_.begin() + static_cast<std::ptrdiff_t>(gone));
    alive_.erase(alive_.begin(), alive_.begin() + static_cast<std::ptrdiff_t>(gone));
    joined_.clear();
    transient_.clear();
    for (int i = 0; i < added; ++i) {
      if (i < passing) {
        transient_.push_back(next_++);
      } else {
        joined_.push_back(next_);
        alive_.push_back(next_++);
      }
    }
  }
  /// step(iv.removed, iv.added): afterwards alive().size() == iv.alive_after() whenever
  /// alive().size() == iv.alive before.
  void step(const trace::interval& iv) { step(iv.removed, iv.added); }

  /// Alive now, oldest first.
  const std::vector<instance_id>& alive() const { return alive_; }
  /// Joined in the last step (all instances before the first step).
  const std::vector<instance_id>& joined() const { return joined_; }
  /// Preempted in the last step: alive at its start, gone at its end (none before the first).
  const std::vector<instance_id>& preempted() const { return preempted_; }
  /// Joined and left within the last step: seen by neither the interval's start nor its end.
  const std::vector<instance_id>& transient() const { return transient_; }

 private:
  std::vector<instance_id> alive_, joined_, preempted_, transient_;
  instance_id next_ = 0;
};

}  // namespace parcae::runtime
