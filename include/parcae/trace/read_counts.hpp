#pragma once
// Shape 2, the count CSV of the Parcae artifact (aws/traces/p3.csv):
//
//   timestamp_ms,alive_count        (LF or CRLF; no header)
//
// Each line gives the number of instances alive from its time on; p3.csv has one line per event
// of p3trace.csv ("0,1" ... "0,18" for the 18 additions at t = 0). Timestamps are ms since the
// start of the trace and must not decrease; several lines may share a timestamp (each is a
// change). Before the first line no instance is alive. Counts are in [0, max_instances].

#include <cstdint>
#include <filesystem>
#include <istream>
#include <string>
#include <string_view>

#include "parcae/trace/detail/count_changes.hpp"
#include "parcae/trace/detail/text.hpp"
#include "parcae/trace/trace.hpp"

namespace parcae::detail {

inline trace::availability_trace parse_count_csv(const char* function, std::string_view text,
                                                 const std::string& source) {
  trace::availability_trace result;
  result.format = trace::trace_format::counts;
  result.source = source;
  int alive = 0;
  std::int64_t previous = 0;
  std::size_t previous_line = 0;
  for (const auto& line : split_lines(strip_bom(text))) {
    if (is_blank_or_comment(line.text)) continue;
    const auto fields = split_fields(line.text);
    if (fields.size() != 2) {
      throw_at(function, source, line.number, "number of fields", std::to_string(fields.size()),
               "2 (timestamp_ms,alive_count)");
    }
    const auto t = parse_bounded(function, source, line.number, "timestamp_ms", fields[0], 0,
                                 trace::max_time_ms);
    if (previous_line != 0 && t < previous) {
      throw_at(function, source, line.number, "timestamp_ms", std::string(fields[0]),
               ">= " + std::to_string(previous) + " (line " + std::to_string(previous_line) +
                   "); samples must be in time order");
    }
    const auto count = parse_bounded(function, source, line.number, "alive_count", fields[1], 0,
                                     trace::max_instances);
    append_count_sample(result, alive, t, static_cast<int>(count), line.number);
    previous = t;
    previous_line = line.number;
  }
  if (previous_line == 0) throw_empty(function, source);
  result.end_ms = previous;
  return result;
}

}  // namespace parcae::detail

namespace parcae::trace {

/// Parses a count CSV held in memory. `source` names it in error messages.
inline availability_trace parse_counts(std::string_view text,
                                       const std::string& source = "<input>") {
  return parcae::detail::parse_count_csv("parcae::trace::parse_counts", text, source);
}

/// Reads a count CSV from a stream.
inline availability_trace read_counts(std::istream& in, const std::string& source = "<input>") {
  return parcae::detail::parse_count_csv("parcae::trace::read_counts", parcae::detail::slurp(in),
                                         source);
}

/// Reads a count CSV file; errors name the path.
inline availability_trace read_counts(const std::filesystem::path& path) {
  const char* function = "parcae::trace::read_counts";
  return parcae::detail::parse_count_csv(
      function, parcae::detail::slurp_file(function, path.string()), path.string());
}

}  // namespace parcae::trace
