#pragma once
// Shape 5, a JSON count series at a fixed gap (the layout of SkyPilot's "can't be late" spot
// traces):
//
//   {"metadata": {"gap_seconds": G, ...}, "data": [c0, c1, ...]}
//
// data[k] instances are alive from k*G seconds on (start_ms = 0). Before data[0] no instance is
// alive, so data[0] is an addition at t = 0 (trace.hpp). G must be > 0 and a whole number of
// milliseconds; each count a whole number in [0, max_instances]. Other metadata members and
// other top-level members are ignored.

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <string>
#include <string_view>

#include "parcae/core/detail/json.hpp"
#include "parcae/trace/detail/count_changes.hpp"
#include "parcae/trace/detail/text.hpp"
#include "parcae/trace/trace.hpp"

namespace parcae::detail {

inline trace::availability_trace parse_gap_json(const char* function, std::string_view text,
                                                const std::string& source) {
  text = strip_bom(text);
  if (trim(text).empty()) throw_empty(function, source);
  json_parser parser(function, source, text);
  const json_value doc = parser.parse_document();
  const auto line = [&](const json_value& v) { return parser.line_of(v.offset); };
  if (doc.type != json_value::kind::object) {
    throw_at(function, source, line(doc), "document", std::string(json_kind_name(doc.type)),
             "an object {\"metadata\": {\"gap_seconds\": G}, \"data\": [...]}");
  }
  const json_value* metadata = doc.find("metadata");
  if (metadata == nullptr || metadata->type != json_value::kind::object) {
    throw_at(function, source, line(metadata ? *metadata : doc), "metadata",
             metadata ? json_kind_name(metadata->type) : "missing", "an object");
  }
  const json_value* gap = metadata->find("gap_seconds");
  if (gap == nullptr || gap->type != json_value::kind::number) {
    throw_at(function, source, line(gap ? *gap : *metadata), "metadata.gap_seconds",
             gap ? json_kind_name(gap->type) : "missing", "a number");
  }
  // Whole milliseconds, so that sample times are exact integers on the trace clock.
  const double gap_ms = gap->number * 1000.0;
  if (!(gap_ms >= 1.0 && gap_ms <= 1e12) || std::round(gap_ms) != gap_ms) {
    throw_at(function, source, line(*gap), "metadata.gap_seconds", gap->text,
             "a whole number of milliseconds in [0.001, 1e9]");
  }
  const json_value* data = doc.find("data");
  if (data == nullptr || data->type != json_value::kind::array) {
    throw_at(function, source, line(data ? *data : doc), "data",
             data ? json_kind_name(data->type) : "missing", "an array of counts");
  }
  if (data->items.empty()) {
    throw_at(function, source, line(*data), "data", "empty", "at least one count");
  }
  const auto step = static_cast<std::int64_t>(gap_ms);
  if (static_cast<std::int64_t>(data->items.size() - 1) > trace::max_time_ms / step) {
    throw_at(function, source, line(*data), "data", std::to_string(data->items.size()) + " counts",
             "a series that ends before " + std::to_string(trace::max_time_ms) + " ms");
  }
  trace::availability_trace result;
  result.format = trace::trace_format::json;
  result.source = source;
  int alive = 0;
  for (std::size_t k = 0; k < data->items.size(); ++k) {
    const auto& v = data->items[k];
    const auto n = line(v);
    const auto count = json_integer(function, source, n, "data[" + std::to_string(k) + "]", v, 0,
                                    trace::max_instances);
    append_count_sample(result, alive, static_cast<std::int64_t>(k) * step, static_cast<int>(count),
                        n);
  }
  return result;
}

}  // namespace parcae::detail

namespace parcae::trace {

/// Parses a gap/data JSON count series held in memory. `source` names it in error messages.
inline availability_trace parse_json(std::string_view text, const std::string& source = "<input>") {
  return parcae::detail::parse_gap_json("parcae::trace::parse_json", text, source);
}

/// Reads a gap/data JSON count series from a stream.
inline availability_trace read_json(std::istream& in, const std::string& source = "<input>") {
  return parcae::detail::parse_gap_json(
      "parcae::trace::read_json", parcae::detail::slurp("parcae::trace::read_json", in), source);
}

/// Reads a gap/data JSON count series file; errors name the path.
inline availability_trace read_json(const std::filesystem::path& path) {
  const char* function = "parcae::trace::read_json";
  return parcae::detail::parse_gap_json(
      function, parcae::detail::slurp_file(function, path.string()), path.string());
}

}  // namespace parcae::trace
