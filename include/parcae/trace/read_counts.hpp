#pragma once
// Shape 2, the count CSV of the Parcae artifact (aws/traces/p3.csv):
//
//   timestamp_ms,alive_count        (LF or CRLF; header optional)
//
// Each line gives the number of instances alive from its time on; p3.csv has one line per event
// of p3trace.csv ("0,1" ... "0,18" for the 18 additions at t = 0). Times are since the start of
// the trace and must not decrease; several lines may share a time (each is a change). Before the
// first line no instance is alive. Counts are in [0, max_instances].
//
// Time unit (docs/traces.md "Time units"). The artifact writes ms, but exports write seconds or
// hours, and a seconds file read as ms is a day squeezed into 86 s without a word. So:
// * an explicit `time_unit` (ms, s, min, h) reads the times in that unit; s, min and h may have
//   decimals ("0.000", "1.25"), rounded to the nearest ms;
// * a header line (both fields non-numeric) may name the unit by the suffix of its first column:
//   `timestamp_ms`, `time_s`/`_sec`/`_seconds`, `_min`/`_minutes`, `_h`/`_hours`;
// * otherwise (`automatic`) whole numbers are ms, except when that is implausible: fractional
//   times ("0.000": seconds or hours?) and distinct times less than 1000 ms apart on average
//   (availability sampled more than once a second: almost surely seconds) are refused with an
//   error that asks for the unit. Nothing is guessed silently.

#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "parcae/trace/detail/count_changes.hpp"
#include "parcae/trace/detail/text.hpp"
#include "parcae/trace/trace.hpp"

namespace parcae::detail {

/// A field that reads fully as a finite decimal number (no sign other than '-', no hex).
inline bool parse_decimal(std::string_view field, double& value) {
  if (field.empty()) return false;
  for (char c : field) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == 'e' || c == 'E' || c == '+')) {
      return false;
    }
  }
  const char* last = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(field.data(), last, value);
  return ec == std::errc() && ptr == last && std::isfinite(value);
}

/// The unit named by a header's time column (timestamp_ms, time_s, hours ...), or automatic.
inline trace::time_unit unit_of_header(std::string_view column) {
  const auto ends = [&](std::string_view suffix) {
    return column.size() >= suffix.size() && column.substr(column.size() - suffix.size()) == suffix;
  };
  for (std::string_view s : {"ms", "_msec", "milliseconds"}) {
    if (ends(s)) return trace::time_unit::ms;
  }
  for (std::string_view s : {"_s", "_sec", "seconds"}) {
    if (ends(s)) return trace::time_unit::s;
  }
  for (std::string_view s : {"_min", "minutes"}) {
    if (ends(s)) return trace::time_unit::min;
  }
  for (std::string_view s : {"_h", "hours"}) {
    if (ends(s)) return trace::time_unit::h;
  }
  return trace::time_unit::automatic;
}

inline trace::availability_trace parse_count_csv(
    const char* function, std::string_view text, const std::string& source,
    trace::time_unit unit = trace::time_unit::automatic) {
  trace::availability_trace result;
  result.format = trace::trace_format::counts;
  result.source = source;
  const std::string ask =
      "; give the time unit (time_unit ms, s, min or h; `--time-unit` on the command line; or a "
      "header such as \"time_s,count\")";
  struct record {
    std::int64_t time_ms;
    int count;
    std::size_t line;
  };
  std::vector<record> records;
  bool header_seen = false;
  std::int64_t previous = 0;
  std::size_t previous_line = 0;
  for (const auto& line : split_lines(strip_bom(text))) {
    if (is_blank_or_comment(line.text)) continue;
    const auto fields = split_fields(line.text);
    if (fields.size() != 2) {
      throw_at(function, source, line.number, "number of fields", std::to_string(fields.size()),
               "2 (timestamp_ms,alive_count)");
    }
    double number = 0.0;
    if (records.empty() && !header_seen && !parse_decimal(fields[0], number) &&
        !parse_decimal(fields[1], number)) {
      // A header: it may say the unit, and must agree with an explicit one.
      header_seen = true;
      const trace::time_unit named = unit_of_header(fields[0]);
      if (named == trace::time_unit::automatic) {
        throw_at(function, source, line.number, "header time column", std::string(fields[0]),
                 "named with its unit (timestamp_ms, time_s, time_min, time_h, ...)");
      }
      if (unit != trace::time_unit::automatic && unit != named) {
        throw_at(function, source, line.number, "header time column", std::string(fields[0]),
                 std::string("in ") + trace::unit_name(unit) + ", the unit asked for");
      }
      unit = named;
      continue;
    }
    std::int64_t t = 0;
    if (unit == trace::time_unit::automatic || unit == trace::time_unit::ms) {
      if (!parse_int64(fields[0], t) && unit == trace::time_unit::automatic &&
          parse_decimal(fields[0], number)) {
        throw_at(function, source, line.number, "timestamp", std::string(fields[0]),
                 "a whole number of ms (the default unit); a fractional time may be seconds or "
                 "hours" +
                     ask);
      }
      t = parse_bounded(function, source, line.number, "timestamp_ms", fields[0], 0,
                        trace::max_time_ms);
    } else {
      const std::string what = std::string("timestamp_") + trace::unit_name(unit);
      const double factor = static_cast<double>(trace::unit_ms(unit));
      if (!parse_decimal(fields[0], number)) {
        throw_at(function, source, line.number, what, std::string(fields[0]), "a number");
      }
      const double ms = number * factor;
      if (!(ms >= 0.0 && ms <= static_cast<double>(trace::max_time_ms))) {
        throw_at(function, source, line.number, what, std::string(fields[0]),
                 "in [0, " + std::to_string(trace::max_time_ms / trace::unit_ms(unit)) + "]");
      }
      t = std::llround(ms);
    }
    if (previous_line != 0 && t < previous) {
      const bool ms = unit == trace::time_unit::automatic || unit == trace::time_unit::ms;
      throw_at(
          function, source, line.number,
          std::string("timestamp_") + (ms ? "ms" : trace::unit_name(unit)), std::string(fields[0]),
          (ms ? ">= " + std::to_string(previous) + " (line " : ">= the time of line ") +
              std::to_string(previous_line) + (ms ? ")" : "") + "; samples must be in time order");
    }
    const auto count = parse_bounded(function, source, line.number, "alive_count", fields[1], 0,
                                     trace::max_instances);
    records.push_back({t, static_cast<int>(count), line.number});
    previous = t;
    previous_line = line.number;
  }
  if (records.empty()) throw_empty(function, source);
  if (unit == trace::time_unit::automatic) {
    // Whole numbers read as ms: refuse sub-second average sampling, seconds in disguise.
    std::int64_t distinct = 1;
    for (std::size_t i = 1; i < records.size(); ++i) {
      distinct += records[i].time_ms != records[i - 1].time_ms ? 1 : 0;
    }
    const std::int64_t span = records.back().time_ms - records.front().time_ms;
    if (distinct >= 2 && span < 1000 * (distinct - 1)) {
      throw_invalid(function, source + ": mean gap between timestamps",
                    std::to_string(span / (distinct - 1)) + " ms",
                    "at least 1000 ms when read as ms (the default unit); times less than a "
                    "second apart are probably seconds" +
                        ask);
    }
  }
  int alive = 0;
  for (const record& r : records) append_count_sample(result, alive, r.time_ms, r.count, r.line);
  result.end_ms = records.back().time_ms;
  return result;
}

}  // namespace parcae::detail

namespace parcae::trace {

/// Parses a count CSV held in memory. `source` names it in error messages; `unit` is the unit of
/// its times (automatic: see the header comment).
inline availability_trace parse_counts(std::string_view text, const std::string& source = "<input>",
                                       time_unit unit = time_unit::automatic) {
  return parcae::detail::parse_count_csv("parcae::trace::parse_counts", text, source, unit);
}

/// Reads a count CSV from a stream.
inline availability_trace read_counts(std::istream& in, const std::string& source = "<input>",
                                      time_unit unit = time_unit::automatic) {
  return parcae::detail::parse_count_csv("parcae::trace::read_counts",
                                         parcae::detail::slurp("parcae::trace::read_counts", in),
                                         source, unit);
}

/// Reads a count CSV file; errors name the path.
inline availability_trace read_counts(const std::filesystem::path& path,
                                      time_unit unit = time_unit::automatic) {
  const char* function = "parcae::trace::read_counts";
  return parcae::detail::parse_count_csv(
      function, parcae::detail::slurp_file(function, path.string()), path.string(), unit);
}

}  // namespace parcae::trace
