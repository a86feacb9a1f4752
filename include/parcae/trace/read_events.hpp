#pragma once
// Shape 1, the event CSV of the Parcae artifact and of Bamboo and Oobleck:
//
//   timestamp_ms,add|remove,node_name        (LF or CRLF; no header)
//
// e.g. bench/traces/parcae/p3trace.csv: "0,add,node1" ... "40920000,remove,node172".
// Timestamps are ms since the start of the trace (start_ms = 0, as the artifact's
// liveput/trace.py assumes) and must not decrease. Each line is one change of one named node;
// removing a node that is not alive, or adding one that is, is an error. Blank lines and lines
// starting with '#' are skipped.

#include <cstdint>
#include <filesystem>
#include <istream>
#include <string>
#include <string_view>

#include "parcae/trace/detail/alive_set.hpp"
#include "parcae/trace/detail/text.hpp"
#include "parcae/trace/trace.hpp"

namespace parcae::detail {

inline trace::availability_trace parse_event_csv(const char* function, std::string_view text,
                                                 const std::string& source) {
  trace::availability_trace result;
  result.format = trace::trace_format::events;
  result.source = source;
  result.named = true;
  alive_set alive(function, source);
  std::int64_t previous = 0;
  std::size_t previous_line = 0;
  for (const auto& line : split_lines(strip_bom(text))) {
    if (is_blank_or_comment(line.text)) continue;
    const auto fields = split_fields(line.text);
    if (fields.size() != 3) {
      throw_at(function, source, line.number, "number of fields", std::to_string(fields.size()),
               "3 (timestamp_ms,add|remove,node_name)");
    }
    const auto t = parse_bounded(function, source, line.number, "timestamp_ms", fields[0], 0,
                                 trace::max_time_ms);
    if (previous_line != 0 && t < previous) {
      throw_at(function, source, line.number, "timestamp_ms", std::string(fields[0]),
               ">= " + std::to_string(previous) + " (line " + std::to_string(previous_line) +
                   "); events must be in time order");
    }
    trace::change c;
    c.time_ms = t;
    c.count = 1;
    c.line = line.number;
    c.nodes.emplace_back(fields[2]);
    if (fields[1] == "add") {
      c.kind = trace::change_kind::add;
      alive.add(c.nodes.front(), line.number);
    } else if (fields[1] == "remove") {
      c.kind = trace::change_kind::remove;
      alive.remove(c.nodes.front(), line.number);
    } else {
      throw_at(function, source, line.number, "event", std::string(fields[1]), "add or remove");
    }
    result.changes.push_back(std::move(c));
    previous = t;
    previous_line = line.number;
  }
  if (result.changes.empty()) throw_empty(function, source);
  result.end_ms = previous;
  return result;
}

}  // namespace parcae::detail

namespace parcae::trace {

/// Parses an event CSV held in memory. `source` names it in error messages.
inline availability_trace parse_events(std::string_view text,
                                       const std::string& source = "<input>") {
  return parcae::detail::parse_event_csv("parcae::trace::parse_events", text, source);
}

/// Reads an event CSV from a stream.
inline availability_trace read_events(std::istream& in, const std::string& source = "<input>") {
  return parcae::detail::parse_event_csv("parcae::trace::read_events",
                                         parcae::detail::slurp("parcae::trace::read_events", in),
                                         source);
}

/// Reads an event CSV file; errors name the path.
inline availability_trace read_events(const std::filesystem::path& path) {
  const char* function = "parcae::trace::read_events";
  return parcae::detail::parse_event_csv(
      function, parcae::detail::slurp_file(function, path.string()), path.string());
}

}  // namespace parcae::trace
