#pragma once
// The in-memory form of an availability trace: every reader in parcae::trace produces one
// `availability_trace`, whatever the shape of its source (event CSV, count CSV, replay
// JSON-lines, timestamped count series, gap/data JSON), and `bin()` (bin.hpp) turns it into
// per-interval counts (N, n_in, n_out) for the forecaster, planner and simulator.
//
// Conventions (docs/traces.md has the long form):
// * A trace is a time-ordered list of changes. Each change adds or removes `count` instances at
//   `time_ms`; `nodes` names them when the source does (event CSV, replay JSON-lines), else it is
//   empty.
// * Before the first record no instance is alive: the cluster starts empty, as in the artifact's
//   event traces (p3trace.csv adds 18 nodes at t = 0). Count shapes follow the same rule, so the
//   first sample c0 is an addition of c0 instances at its time. This is what makes every shape of
//   the p3 trace bin to the same N series.
// * `start_ms` is where interval 0 begins, `end_ms` the last observed time (a change or an
//   observation without change, such as a "no-op" replay line or an unchanged count sample).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parcae/core/errors.hpp"

namespace parcae::trace {

/// The shapes a trace file can have. `automatic` asks the reader to detect it (read.hpp).
enum class trace_format {
  automatic,  ///< detect from the content (see detect_format)
  events,     ///< 1. event CSV `timestamp_ms,add|remove,node_name` (p3, g4dn, Oobleck traces)
  counts,     ///< 2. count CSV `timestamp_ms,alive_count` (the artifact's aws/traces/p3.csv)
  replay,     ///< 3. the artifact's replay JSON-lines `[t_ms, op, {"nodes": [...], ...}]`
  series,     ///< 4. timestamped count series `YYYY-MM-DD, HH:MM:SS, count`
  json,       ///< 5. `{"metadata": {"gap_seconds": G, ...}, "data": [c0, c1, ...]}`
};

/// The name used on the command line and in messages ("auto", "events", ...).
inline const char* format_name(trace_format format) {
  switch (format) {
    case trace_format::automatic:
      return "auto";
    case trace_format::events:
      return "events";
    case trace_format::counts:
      return "counts";
    case trace_format::replay:
      return "replay";
    case trace_format::series:
      return "series";
    case trace_format::json:
      return "json";
  }
  return "unknown";
}

/// Inverse of format_name; throws parcae::invalid_argument for any other word.
inline trace_format parse_format(std::string_view name) {
  for (auto f : {trace_format::automatic, trace_format::events, trace_format::counts,
                 trace_format::replay, trace_format::series, trace_format::json}) {
    if (name == format_name(f)) return f;
  }
  throw_invalid("parcae::trace::parse_format", "name", std::string(name),
                "one of auto, events, counts, replay, series, json");
}

/// The unit of the times of a count CSV (shape 2). `automatic` reads whole numbers as ms, the
/// artifact's unit, unless a header names the unit (`time_s,count`); it refuses what it cannot
/// tell apart (fractional times, or whole numbers less than a second apart on average, which
/// are seconds read as ms). See read_counts.hpp and docs/traces.md "Time units".
enum class time_unit {
  automatic,  ///< from a header, else ms when plausible, else an error asking for the unit
  ms,         ///< milliseconds (whole numbers)
  s,          ///< seconds (decimals allowed, rounded to the nearest ms)
  min,        ///< minutes
  h,          ///< hours
};

/// The name used on the command line and in messages ("auto", "ms", "s", "min", "h").
inline const char* unit_name(time_unit unit) {
  switch (unit) {
    case time_unit::automatic:
      return "auto";
    case time_unit::ms:
      return "ms";
    case time_unit::s:
      return "s";
    case time_unit::min:
      return "min";
    case time_unit::h:
      return "h";
  }
  return "unknown";
}

/// Inverse of unit_name; throws parcae::invalid_argument for any other word.
inline time_unit parse_time_unit(std::string_view name) {
  for (auto u : {time_unit::automatic, time_unit::ms, time_unit::s, time_unit::min, time_unit::h}) {
    if (name == unit_name(u)) return u;
  }
  throw_invalid("parcae::trace::parse_time_unit", "name", std::string(name),
                "one of auto, ms, s, min, h");
}

/// Milliseconds per unit (0 for automatic).
inline std::int64_t unit_ms(time_unit unit) {
  switch (unit) {
    case time_unit::ms:
      return 1;
    case time_unit::s:
      return 1000;
    case time_unit::min:
      return 60'000;
    case time_unit::h:
      return 3'600'000;
    case time_unit::automatic:
      break;
  }
  return 0;
}

enum class change_kind { add, remove };

/// One record of a trace: `count` instances added or removed at `time_ms`.
struct change {
  std::int64_t time_ms = 0;             ///< on the trace's clock (see availability_trace)
  change_kind kind = change_kind::add;  ///< added or removed
  int count = 0;                        ///< number of instances, >= 1
  std::vector<std::string> nodes;       ///< their names (size() == count), or empty if unnamed
  std::size_t line = 0;                 ///< 1-based source line, 0 when built in code
};

/// The largest instance count and timestamp the readers accept. They keep every sum in range and
/// refuse absurd inputs before they cost memory (a timestamp of 1e18 ms would need 1e16 intervals).
inline constexpr int max_instances = 1'000'000;
inline constexpr std::int64_t max_time_ms = 1'000'000'000'000'000;  // ~31,700 years
/// The largest trace file or stream the readers take (1 GiB; the largest real trace is a few MB).
/// Devices such as /dev/zero are refused before reading.
inline constexpr std::size_t max_file_bytes = std::size_t{1} << 30;

/// An availability trace in its one in-memory form.
struct availability_trace {
  trace_format format = trace_format::events;  ///< the shape it was read from
  std::string source = "<input>";              ///< file name, or "<input>" for text and streams
  /// Time at which interval 0 starts. 0 for the shapes whose times are "ms since the start of the
  /// trace" (events, counts, replay, json); the first sample's Unix time in ms for `series`.
  std::int64_t start_ms = 0;
  /// Last observed time (>= every change's time). Binning covers [start_ms, end_ms] with whole
  /// intervals, so the interval holding end_ms is the last one.
  std::int64_t end_ms = 0;
  bool named = false;           ///< changes carry node names
  std::vector<change> changes;  ///< sorted by time_ms (stable: source order within a time)
  /// Things the reader changed or inferred rather than read verbatim (sorted lines, dropped
  /// duplicate samples). Never an error; printed by `parcae trace stats`.
  std::vector<std::string> notes;
  /// Count series: records dropped because another record has the same time (the last one in
  /// the file is kept; each has a note). 0 for the other shapes.
  std::size_t merged = 0;
  /// GPUs per instance as the file states it in a `# gpus_per_instance: G` comment line (any text
  /// shape; G in [1, 1024]), or 0 when it does not. Tools run a profile with G GPUs per instance
  /// when the trace says so (a trace of p3.8xlarge counts is a trace of 4-GPU instances).
  int gpus_per_instance = 0;
};

}  // namespace parcae::trace
