#pragma once
// Reading a trace of any shape: format detection and one entry point per source kind (text,
// stream, file). The shape-specific readers are read_events.hpp, read_counts.hpp,
// read_replay.hpp, read_series.hpp and read_json.hpp.

#include <filesystem>
#include <istream>
#include <string>
#include <string_view>

#include "parcae/trace/detail/text.hpp"
#include "parcae/trace/read_counts.hpp"
#include "parcae/trace/read_events.hpp"
#include "parcae/trace/read_json.hpp"
#include "parcae/trace/read_replay.hpp"
#include "parcae/trace/read_series.hpp"
#include "parcae/trace/trace.hpp"

namespace parcae::detail {

/// Detection looks at the first line that is neither blank nor a '#' comment:
///   '{' ... -> json;  '[' ... -> replay;
///   "YYYY-MM-DD, HH:MM:SS, count" (3 fields, a date first) -> series;
///   "YYYY-MM-DD HH:MM:SS, count" (2 fields, a date and time first) -> series;
///   3 fields otherwise -> events (its reader then checks the event word);  2 fields -> counts.
inline trace::trace_format detect(const char* function, std::string_view text,
                                  const std::string& source) {
  for (const auto& line : split_lines(strip_bom(text))) {
    if (is_blank_or_comment(line.text)) continue;
    const auto t = trim(line.text);
    if (t.front() == '{') return trace::trace_format::json;
    if (t.front() == '[') return trace::trace_format::replay;
    const auto fields = split_fields(t);
    if (fields.size() == 3) {
      const auto& f = fields[0];
      if (f.size() == 10 && f[4] == '-' && f[7] == '-') return trace::trace_format::series;
      return trace::trace_format::events;
    }
    if (fields.size() == 2) {
      return is_date_time_field(fields[0]) ? trace::trace_format::series
                                           : trace::trace_format::counts;
    }
    throw_at(function, source, line.number, "first record", std::string(t),
             "an event CSV, count CSV, replay JSON-lines, count series or gap/data JSON record");
  }
  throw_empty(function, source);
}

/// The G of a `# gpus_per_instance: G` comment line of a text trace, or 0 without one. A value
/// that is not a whole number in [1, 1024] is an error naming the line.
inline int gpus_per_instance_comment(const char* function, std::string_view text,
                                     const std::string& source) {
  constexpr std::string_view key = "gpus_per_instance:";
  for (const auto& line : split_lines(strip_bom(text))) {
    auto t = trim(line.text);
    if (t.empty() || t.front() != '#') continue;
    t = trim(t.substr(1));
    if (t.substr(0, key.size()) != key) continue;
    const std::string value(trim(t.substr(key.size())));
    const bool digits = !value.empty() && value.size() <= 4 &&
                        value.find_first_not_of("0123456789") == std::string::npos;
    const int g = digits ? std::stoi(value) : 0;
    if (g < 1 || g > 1024) {
      throw_at(function, source, line.number, "gpus_per_instance", value,
               "a whole number in [1, 1024]");
    }
    return g;
  }
  return 0;
}

inline trace::availability_trace parse_one(const char* function, std::string_view text,
                                           trace::trace_format format, const std::string& source,
                                           trace::time_unit unit);

inline trace::availability_trace parse_any(const char* function, std::string_view text,
                                           trace::trace_format format, const std::string& source,
                                           trace::time_unit unit = trace::time_unit::automatic) {
  trace::availability_trace t = parse_one(function, text, format, source, unit);
  t.gpus_per_instance = gpus_per_instance_comment(function, text, source);
  return t;
}

inline trace::availability_trace parse_one(const char* function, std::string_view text,
                                           trace::trace_format format, const std::string& source,
                                           trace::time_unit unit) {
  if (format == trace::trace_format::automatic) format = detect(function, text, source);
  if (unit != trace::time_unit::automatic && format != trace::trace_format::counts) {
    throw_invalid(function, "time unit", std::string(trace::unit_name(unit)),
                  std::string("auto for a trace of format ") + trace::format_name(format) +
                      " (only a count CSV takes a time unit)");
  }
  switch (format) {
    case trace::trace_format::events:
      return parse_event_csv(function, text, source);
    case trace::trace_format::counts:
      return parse_count_csv(function, text, source, unit);
    case trace::trace_format::replay:
      return parse_replay_lines(function, text, source);
    case trace::trace_format::series:
      return parse_count_series(function, text, source);
    case trace::trace_format::json:
      return parse_gap_json(function, text, source);
    case trace::trace_format::automatic:
      break;
  }
  throw_invalid(function, "format", static_cast<int>(format), "a trace_format value");
}

}  // namespace parcae::detail

namespace parcae::trace {

/// The shape of a trace held in memory (never `automatic`); throws for empty or unrecognisable
/// text, naming the line.
inline trace_format detect_format(std::string_view text, const std::string& source = "<input>") {
  return parcae::detail::detect("parcae::trace::detect_format", text, source);
}

/// Parses a trace held in memory, detecting its shape unless `format` says it. `unit` is the
/// time unit of a count CSV (read_counts.hpp); the other shapes have fixed units.
inline availability_trace parse_trace(std::string_view text,
                                      trace_format format = trace_format::automatic,
                                      const std::string& source = "<input>",
                                      time_unit unit = time_unit::automatic) {
  return parcae::detail::parse_any("parcae::trace::parse_trace", text, format, source, unit);
}

/// Reads a trace from a stream.
inline availability_trace read_trace(std::istream& in,
                                     trace_format format = trace_format::automatic,
                                     const std::string& source = "<input>",
                                     time_unit unit = time_unit::automatic) {
  return parcae::detail::parse_any("parcae::trace::read_trace",
                                   parcae::detail::slurp("parcae::trace::read_trace", in), format,
                                   source, unit);
}

/// Reads a trace file; errors name the path.
inline availability_trace read_trace(const std::filesystem::path& path,
                                     trace_format format = trace_format::automatic,
                                     time_unit unit = time_unit::automatic) {
  const char* function = "parcae::trace::read_trace";
  return parcae::detail::parse_any(function, parcae::detail::slurp_file(function, path.string()),
                                   format, path.string(), unit);
}

}  // namespace parcae::trace
