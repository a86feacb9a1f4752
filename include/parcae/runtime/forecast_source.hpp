#pragma once
// The availability forecast the controller plans on: a point path of (n_in, n_out) per future
// interval, plus K sample paths for the stochastic planner. A forecaster is any callable
//
//   availability_forecast f(const std::vector<interval_record>& history, int horizon, int paths);
//
// `history` holds every completed interval, oldest first (its last record's n_after() is the
// instances alive now). The controller sanitises what comes back (see sanitize_path), so a
// forecaster cannot make it propose an infeasible configuration.

#include <algorithm>
#include <functional>
#include <vector>

#include "parcae/plan/types.hpp"

namespace parcae::runtime {

/// One completed interval as the launcher reported it.
struct interval_record {
  int n = 0;      ///< instances alive at the interval's start
  int n_in = 0;   ///< instances that joined during it
  int n_out = 0;  ///< instances preempted during it

  int n_after() const { return n + n_in - n_out; }
};

struct availability_forecast {
  std::vector<plan::availability_step> point;               ///< horizon steps
  std::vector<std::vector<plan::availability_step>> paths;  ///< K sample paths (may be empty)
  /// True when `point` lists every join and preemption to come (an oracle, a known schedule).
  /// False (a forecast of the count, as every shipped forecaster): a preemption that a join
  /// replaces leaves the count as it was, so the path shows none, and the controller takes the
  /// expected time to the next preemption from the job's history where it matters (keeping empty
  /// slots rerouted while spares could refill them; controller_options::reroute).
  bool lists_every_event = false;
  /// Intervals from the end of `point` to the next interval with a preemption, or to the end of
  /// the job if that comes first, when the forecaster knows them (an oracle: parcae-truth); the
  /// adaptive value after the horizon is then that quiet (controller_options::terminal_s) instead
  /// of the one the history makes likely. < 0 (default) or NaN: not known; values beyond
  /// controller_options::terminal_cap_s (infinity included) count as the cap, as the controller
  /// sanitises every forecast rather than rejecting it.
  double quiet_after_intervals = -1.0;
};

using forecaster_fn = std::function<availability_forecast(
    const std::vector<interval_record>& history, int horizon, int paths)>;

/// "Nothing changes": the forecast the artifact makes until it has W intervals of history (§4),
/// and a safe default when no forecaster is configured.
inline forecaster_fn persistence_forecaster() {
  return [](const std::vector<interval_record>&, int horizon, int) {
    availability_forecast f;
    f.point.assign(static_cast<std::size_t>(std::max(horizon, 0)), plan::availability_step{});
    return f;
  };
}

/// Clamps a path so that it is a valid horizon from n0 instances of at most `capacity`: counts
/// >= 0, never more preempted than alive, never more alive than the capacity; pads with "no
/// change" or truncates to `horizon` steps.
inline std::vector<plan::availability_step> sanitize_path(std::vector<plan::availability_step> path,
                                                          int n0, int horizon, int capacity) {
  path.resize(static_cast<std::size_t>(std::max(horizon, 0)));
  int n = n0;
  for (auto& s : path) {
    s.n_out = std::clamp(s.n_out, 0, n);
    s.n_in = std::clamp(s.n_in, 0, std::max(0, capacity - (n - s.n_out)));
    n += s.n_in - s.n_out;
  }
  return path;
}

}  // namespace parcae::runtime
