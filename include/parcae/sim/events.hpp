#pragma once
// The simulator's view of a trace: per planning interval, the counts (N, n_in, n_out) of
// trace/bin.hpp and WHICH instances joined and left, as integer instance ids.
//
// Where the trace names its instances (event CSV, replay JSON-lines), a removal takes out the
// named instance. Where it only gives counts, the instances that leave are drawn uniformly
// without replacement from those alive (the artifact's preemption model, parcae-artifact.md
// §1.2) with counter_rng(seed, stream, interval): the draw depends on the seed and the trace
// only, so every policy of one run sees the same preemptions.

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/rng.hpp"
#include "parcae/trace/bin.hpp"
#include "parcae/trace/trace.hpp"

namespace parcae::sim {

/// One interval of a replayed trace.
struct interval_events {
  int alive = 0;                 ///< N: instances alive at the start
  int added = 0;                 ///< n_in
  int removed = 0;               ///< n_out
  std::vector<int> added_ids;    ///< ids of the instances that joined (n_in of them)
  std::vector<int> removed_ids;  ///< ids of the instances that left (n_out of them)

  int alive_after() const { return alive + added - removed; }
};

/// A trace ready for replay.
struct event_trace {
  std::string source = "<input>";
  double interval_s = 60.0;
  bool named = false;  ///< removals come from the trace's names (else drawn with the seed)
  std::vector<interval_events> intervals;

  std::size_t size() const { return intervals.size(); }
  const interval_events& operator[](std::size_t k) const { return intervals[k]; }
  /// Largest number of instances alive at any time (the cluster's capacity).
  int capacity() const {
    int m = 0;
    for (const auto& i : intervals) m = std::max({m, i.alive, i.alive_after()});
    return m;
  }
  /// Mean of the instances alive after each interval's events.
  double mean_alive() const {
    if (intervals.empty()) return 0.0;
    double s = 0.0;
    for (const auto& i : intervals) s += i.alive_after();
    return s / static_cast<double>(intervals.size());
  }
};

/// The stream of counter_rng used for the removals of unnamed traces ("SIMP").
inline constexpr std::uint32_t removal_stream = 0x53494d50u;

/// Builds the replay form of `trace`, binned into intervals of `params.interval_seconds`.
/// Throws parcae::invalid_argument for bad params or a broken trace (see trace::bin).
inline event_trace make_event_trace(const trace::availability_trace& trace,
                                    const trace::binning_params& params = {},
                                    std::uint64_t seed = 1) {
  const char* f = "parcae::sim::make_event_trace";
  const trace::interval_series series = trace::bin(trace, params);  // validates the trace
  event_trace out;
  out.source = trace.source;
  out.interval_s = params.interval_seconds;
  out.named = trace.named;
  out.intervals.resize(series.size());
  for (std::size_t k = 0; k < series.size(); ++k) {
    out.intervals[k].alive = series[k].alive;
    out.intervals[k].added = series[k].added;
    out.intervals[k].removed = series[k].removed;
  }
  const std::int64_t length = params.interval_ms();
  int next_id = 0;
  std::unordered_map<std::string, int> by_name;  // named: the alive instances by name
  std::vector<int> alive;                        // unnamed: the alive ids, sorted
  for (std::size_t i = 0; i < trace.changes.size(); ++i) {
    const trace::change& c = trace.changes[i];
    const auto k = static_cast<std::size_t>((c.time_ms - trace.start_ms) / length);
    interval_events& ev = out.intervals[k];
    if (c.kind == trace::change_kind::add) {
      for (int j = 0; j < c.count; ++j) {
        const int id = next_id++;
        ev.added_ids.push_back(id);
        if (trace.named) {
          by_name[c.nodes[static_cast<std::size_t>(j)]] = id;
        } else {
          alive.push_back(id);  // ids grow, so `alive` stays sorted
        }
      }
      continue;
    }
    if (trace.named) {
      for (const std::string& name : c.nodes) {
        const auto it = by_name.find(name);
        if (it == by_name.end()) {
          throw_invalid(f, "trace.changes[" + std::to_string(i) + "] node", name,
                        "an instance alive at that time");
        }
        ev.removed_ids.push_back(it->second);
        by_name.erase(it);
      }
      continue;
    }
    // Unnamed: c.count of the alive ids, uniformly without replacement (partial Fisher-Yates),
    // from counter_rng(seed, removal_stream, index of the change): one stream per record, so the
    // draw does not depend on anything but the seed and the trace. bin() checked the counts.
    counter_rng rng(seed, removal_stream, static_cast<std::uint64_t>(i));
    for (int j = 0; j < c.count; ++j) {
      const auto left = static_cast<std::uint32_t>(alive.size());
      const std::size_t pick = rng.next_below(left);
      ev.removed_ids.push_back(alive[pick]);
      alive.erase(alive.begin() + static_cast<std::ptrdiff_t>(pick));
    }
  }
  return out;
}

}  // namespace parcae::sim
