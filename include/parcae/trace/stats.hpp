#pragma once
// Summary statistics of a trace, overall and per hour: what `parcae trace stats` prints.
//
// Definitions (docs/traces.md):
// * alive statistics (min, mean, max) are over the instances alive at the END of each interval
//   (after its changes), one value per interval, the way the per-hour table of the shared trace
//   notes counts them; N at the start is alive_after of the previous interval.
// * an add (remove) event is a distinct time at which instances are added (removed); instances
//   counts them. The p3 trace adds 177 instances in 84 events (the 18 at t = 0 are one) and
//   removes 167 in 79.
// * hour h holds the intervals that start in [h, h+1) hours after start_ms, and the events in it.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "parcae/trace/bin.hpp"
#include "parcae/trace/trace.hpp"

namespace parcae::trace {

/// Statistics of one hour of a trace (or of the whole trace).
struct period_stats {
  std::int64_t hour = 0;      ///< index of the hour from start_ms (0 for the whole trace)
  std::size_t intervals = 0;  ///< intervals starting in the period
  int min_alive = 0;          ///< over alive_after() of its intervals
  double mean_alive = 0.0;
  int max_alive = 0;
  std::int64_t add_events = 0;     ///< distinct times with additions
  std::int64_t added = 0;          ///< instances added
  std::int64_t remove_events = 0;  ///< distinct times with removals
  std::int64_t removed = 0;        ///< instances removed
};

struct trace_stats {
  trace_format format = trace_format::events;
  double duration_seconds = 0.0;  ///< end_ms - start_ms: from the first to the last record
  double interval_seconds = 60.0;
  int final_alive = 0;              ///< alive after the last interval
  period_stats total;               ///< the whole trace (hour = 0)
  std::vector<period_stats> hours;  ///< one row per hour holding at least one interval start
  std::vector<std::string> notes;   ///< the trace's notes
  /// Records merged into a later one at the same time (availability_trace::merged).
  std::size_t merged = 0;
};

/// Summarises a trace binned with `params` (see bin()).
inline trace_stats summarize(const availability_trace& trace, const binning_params& params = {}) {
  const interval_series series = bin(trace, params);
  constexpr std::int64_t hour_ms = 3'600'000;
  trace_stats out;
  out.format = trace.format;
  out.duration_seconds = static_cast<double>(trace.end_ms - trace.start_ms) / 1000.0;
  out.interval_seconds = series.interval_seconds;
  out.notes = series.notes;
  out.merged = trace.merged;
  out.final_alive = series.intervals.back().alive_after();

  auto fold_interval = [](period_stats& p, int alive, double& sum) {
    if (p.intervals == 0) {
      p.min_alive = alive;
      p.max_alive = alive;
    }
    p.min_alive = std::min(p.min_alive, alive);
    p.max_alive = std::max(p.max_alive, alive);
    sum += alive;
    ++p.intervals;
  };
  double total_sum = 0.0;
  std::vector<double> hour_sums;
  for (std::size_t k = 0; k < series.size(); ++k) {
    const int alive = series[k].alive_after();
    const auto hour = (series.start_of(k) - series.start_ms) / hour_ms;
    if (out.hours.empty() || out.hours.back().hour != hour) {
      out.hours.push_back({});
      out.hours.back().hour = hour;
      hour_sums.push_back(0.0);
    }
    fold_interval(out.hours.back(), alive, hour_sums.back());
    fold_interval(out.total, alive, total_sum);
  }
  out.total.mean_alive = total_sum / static_cast<double>(out.total.intervals);
  for (std::size_t h = 0; h < out.hours.size(); ++h) {
    out.hours[h].mean_alive = hour_sums[h] / static_cast<double>(out.hours[h].intervals);
  }

  // Events: group changes by time. Hour rows are sorted, so find each event's row by search.
  auto row_of = [&](std::int64_t time_ms) -> period_stats* {
    const auto hour = (time_ms - trace.start_ms) / hour_ms;
    auto it = std::upper_bound(out.hours.begin(), out.hours.end(), hour,
                               [](std::int64_t h, const period_stats& p) { return h < p.hour; });
    if (it == out.hours.begin()) return nullptr;
    --it;
    return it->hour == hour ? &*it : nullptr;
  };
  std::int64_t last_add = -1;
  std::int64_t last_remove = -1;
  for (const change& c : trace.changes) {
    const bool add = c.kind == change_kind::add;
    std::int64_t& last = add ? last_add : last_remove;
    const bool new_event = c.time_ms != last;
    last = c.time_ms;
    period_stats* row = row_of(c.time_ms);
    for (period_stats* p : {&out.total, row}) {
      if (p == nullptr) continue;
      (add ? p->added : p->removed) += c.count;
      if (new_event) ++(add ? p->add_events : p->remove_events);
    }
  }
  return out;
}

}  // namespace parcae::trace
