#pragma once
// Binning a trace into planning intervals: the series the forecaster, planner and simulator read.
//
// Rule (the artifact's liveput/trace.py `SpotTrace`, parcae-artifact.md section 4): interval k
// covers [start + k*L, start + (k+1)*L) on the trace clock, L = interval length (60 s by
// default). A change at time t belongs to interval floor((t - start) / L). For interval k,
//   alive   (N)     = instances alive at its start (0 for k = 0: the cluster starts empty),
//   added   (n_in)  = instances added during it,
//   removed (n_out) = instances removed during it,
// and alive[k+1] = alive[k] + added[k] - removed[k]. Intervals without changes are padded
// (same N, 0 and 0). The last interval is the one holding the trace's end_ms (its last
// observed time), so the p3 trace, whose last event is at 40,920,000 ms = minute 682, gives
// 683 one-minute intervals, as in the artifact (and in its liveput_res/*.json plans).

#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/trace/trace.hpp"

namespace parcae::trace {

/// One planning interval.
struct interval {
  int alive = 0;    ///< N: instances alive at the start of the interval
  int added = 0;    ///< n_in: instances added during the interval
  int removed = 0;  ///< n_out: instances removed (preempted) during the interval

  /// Instances alive at the end of the interval (= alive of the next one).
  int alive_after() const { return alive + added - removed; }

  friend bool operator==(const interval& a, const interval& b) {
    return a.alive == b.alive && a.added == b.added && a.removed == b.removed;
  }
  friend bool operator!=(const interval& a, const interval& b) { return !(a == b); }
};

struct binning_params {
  double interval_seconds = 60.0;           ///< L; a whole number of ms in [0.001 s, 1e9 s]
  std::int64_t max_intervals = 10'000'000;  ///< refuse traces that would need more intervals

  void validate() const {
    const char* f = "parcae::trace::binning_params::validate";
    check_bounded(f, "interval_seconds", interval_seconds, 0.001, 1e9);
    const double ms = interval_seconds * 1000.0;
    if (std::abs(ms - std::round(ms)) > 1e-6 * ms) {
      throw_invalid(f, "interval_seconds", interval_seconds, "a whole number of milliseconds");
    }
    check_at_least(f, "max_intervals", max_intervals, std::int64_t{1});
  }

  /// L in milliseconds.
  std::int64_t interval_ms() const {
    return static_cast<std::int64_t>(std::llround(interval_seconds * 1000.0));
  }
};

/// A trace binned into intervals of equal length.
struct interval_series {
  double interval_seconds = 60.0;  ///< L
  std::int64_t start_ms = 0;       ///< trace-clock time at which interval 0 starts
  std::vector<interval> intervals;
  std::vector<std::string> notes;  ///< the trace's notes (sorted lines, dropped duplicates)

  std::size_t size() const { return intervals.size(); }
  bool empty() const { return intervals.empty(); }
  const interval& operator[](std::size_t k) const { return intervals[k]; }

  /// Trace-clock time (ms) at which interval k starts.
  std::int64_t start_of(std::size_t k) const {
    return start_ms + static_cast<std::int64_t>(k) *
                          static_cast<std::int64_t>(std::llround(interval_seconds * 1000.0));
  }

  /// The N series (alive at the start of each interval), as the forecaster reads it.
  std::vector<int> alive() const { return column(&interval::alive); }
  /// The n_in series.
  std::vector<int> added() const { return column(&interval::added); }
  /// The n_out series.
  std::vector<int> removed() const { return column(&interval::removed); }

 private:
  std::vector<int> column(int interval::*member) const {
    std::vector<int> out;
    out.reserve(intervals.size());
    for (const auto& i : intervals) out.push_back(i.*member);
    return out;
  }
};

/// Bins a trace (as read by read.hpp, or built in code) into intervals of
/// `params.interval_seconds`. Throws parcae::invalid_argument for bad params and for a trace that
/// breaks the availability_trace invariants (unsorted changes, a count < 1, times outside
/// [start_ms, end_ms], more instances removed than alive, more than params.max_intervals
/// intervals).
inline interval_series bin(const availability_trace& trace, const binning_params& params = {}) {
  const char* f = "parcae::trace::bin";
  params.validate();
  check_bounded(f, "trace.start_ms", trace.start_ms, std::int64_t{0}, max_time_ms);
  check_bounded(f, "trace.end_ms", trace.end_ms, std::int64_t{0}, max_time_ms);
  if (trace.end_ms < trace.start_ms) {
    throw_invalid(f, "trace.end_ms", trace.end_ms,
                  ">= trace.start_ms (" + std::to_string(trace.start_ms) + ")");
  }
  const std::int64_t length = params.interval_ms();
  const std::int64_t span = (trace.end_ms - trace.start_ms) / length;  // index of the last one
  if (span >= params.max_intervals) {
    throw_invalid(f, "the number of intervals", span + 1,
                  "<= params.max_intervals (" + std::to_string(params.max_intervals) + ")");
  }
  interval_series out;
  out.interval_seconds = params.interval_seconds;
  out.start_ms = trace.start_ms;
  out.notes = trace.notes;
  const auto count = static_cast<std::size_t>(span + 1);
  std::vector<std::int64_t> added(count, 0);
  std::vector<std::int64_t> removed(count, 0);
  std::int64_t previous = trace.start_ms;
  std::int64_t running = 0;  // alive after each change, so that no change removes the absent
  for (std::size_t i = 0; i < trace.changes.size(); ++i) {
    const change& c = trace.changes[i];
    const std::string name = "trace.changes[" + std::to_string(i) + "]";
    if (c.time_ms < previous || c.time_ms > trace.end_ms) {
      throw_invalid(f, name + ".time_ms", c.time_ms,
                    "in [" + std::to_string(previous) + ", " + std::to_string(trace.end_ms) +
                        "] (sorted, within the trace)");
    }
    check_bounded(f, name + ".count", c.count, 1, max_instances);
    if (!c.nodes.empty() && c.nodes.size() != static_cast<std::size_t>(c.count)) {
      throw_invalid(f, name + ".nodes.size()", c.nodes.size(),
                    "0 or count (" + std::to_string(c.count) + ")");
    }
    running += c.kind == change_kind::add ? c.count : -c.count;
    if (running < 0) {
      throw_invalid(f, name + ".count", c.count,
                    "<= the instances alive before it (" + std::to_string(running + c.count) + ")");
    }
    const auto k = static_cast<std::size_t>((c.time_ms - trace.start_ms) / length);
    (c.kind == change_kind::add ? added : removed)[k] += c.count;
    previous = c.time_ms;
  }
  out.intervals.resize(count);
  std::int64_t alive = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const std::int64_t next = alive + added[k] - removed[k];
    if (next < 0) {
      throw_invalid(f, "instances alive after interval " + std::to_string(k), next,
                    ">= 0 (the trace removes more instances than are alive)");
    }
    if (added[k] > INT_MAX || removed[k] > INT_MAX || next > INT_MAX) {
      throw_invalid(f, "the instances changed in interval " + std::to_string(k),
                    added[k] + removed[k], "< 2^31");
    }
    out.intervals[k] = {static_cast<int>(alive), static_cast<int>(added[k]),
                        static_cast<int>(removed[k])};
    alive = next;
  }
  return out;
}

}  // namespace parcae::trace
