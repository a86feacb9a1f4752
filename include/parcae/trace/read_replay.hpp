#pragma once
// Shape 3, the replay JSON-lines of the Parcae artifact (aws/traces/<model>/trace_<seg>.txt, made
// by aws/tools/trace_gen.py), one 60-s interval per line:
//
//   [t_ms, op, {"nodes": ["node-0", ...], "duration": 60000, "throughput_opt_strategy": [D, P],
//   ...}]
//
// `op` is "add" or "remove" (the named nodes join or leave at t_ms), or "no-op" / "migration"
// (no node changes; "migration" marks a change of the planned (D, P)). These two must list no
// nodes; their time still counts as observed, so a one-hour file bins to 60 intervals. Members
// other than "nodes" (the artifact's planned strategies, "duration") are ignored here. t_ms must
// not decrease; blank lines are skipped.

#include <cstdint>
#include <filesystem>
#include <istream>
#include <string>
#include <string_view>

#include "parcae/core/detail/json.hpp"
#include "parcae/trace/detail/alive_set.hpp"
#include "parcae/trace/detail/text.hpp"
#include "parcae/trace/trace.hpp"

namespace parcae::detail {

inline trace::availability_trace parse_replay_lines(const char* function, std::string_view text,
                                                    const std::string& source) {
  trace::availability_trace result;
  result.format = trace::trace_format::replay;
  result.source = source;
  result.named = true;
  alive_set alive(function, source);
  std::int64_t previous = 0;
  std::size_t previous_line = 0;
  for (const auto& line : split_lines(strip_bom(text))) {
    if (trim(line.text).empty()) continue;
    const std::size_t n = line.number;
    json_parser parser(function, source, line.text, n);
    const json_value v = parser.parse_document();
    if (v.type != json_value::kind::array || v.items.size() != 3) {
      throw_at(function, source, n, "record",
               v.type == json_value::kind::array
                   ? "an array of " + std::to_string(v.items.size()) + " elements"
                   : std::string(json_kind_name(v.type)),
               "an array [t_ms, op, {\"nodes\": [...]}]");
    }
    const auto t = json_integer(function, source, n, "t_ms", v.items[0], 0, trace::max_time_ms);
    if (previous_line != 0 && t < previous) {
      throw_at(function, source, n, "t_ms", v.items[0].text,
               ">= " + std::to_string(previous) + " (line " + std::to_string(previous_line) +
                   "); lines must be in time order");
    }
    const json_value& op = v.items[1];
    if (op.type != json_value::kind::string) {
      throw_at(function, source, n, "op", std::string(json_kind_name(op.type)), "a string");
    }
    const json_value& body = v.items[2];
    const json_value* nodes = body.find("nodes");
    if (body.type != json_value::kind::object || nodes == nullptr ||
        nodes->type != json_value::kind::array) {
      throw_at(function, source, n, "third element",
               nodes == nullptr ? std::string(json_kind_name(body.type)) + " without \"nodes\""
                                : std::string("\"nodes\" as ") + json_kind_name(nodes->type),
               "an object with a \"nodes\" array");
    }
    const bool is_add = op.text == "add";
    const bool is_remove = op.text == "remove";
    if (!is_add && !is_remove && op.text != "no-op" && op.text != "migration") {
      throw_at(function, source, n, "op", op.text, "add, remove, no-op or migration");
    }
    if (is_add || is_remove) {
      if (nodes->items.empty()) {
        throw_at(function, source, n, "nodes", "empty", "at least one node for " + op.text);
      }
      if (nodes->items.size() > static_cast<std::size_t>(trace::max_instances)) {
        throw_at(function, source, n, "nodes", std::to_string(nodes->items.size()) + " nodes",
                 "at most " + std::to_string(trace::max_instances));
      }
      trace::change c;
      c.time_ms = t;
      c.kind = is_add ? trace::change_kind::add : trace::change_kind::remove;
      c.count = static_cast<int>(nodes->items.size());
      c.line = n;
      for (const auto& node : nodes->items) {
        if (node.type != json_value::kind::string) {
          throw_at(function, source, n, "node", std::string(json_kind_name(node.type)), "a string");
        }
        if (is_add) {
          alive.add(node.text, n);
        } else {
          alive.remove(node.text, n);
        }
        c.nodes.push_back(node.text);
      }
      result.changes.push_back(std::move(c));
    } else if (!nodes->items.empty()) {
      throw_at(function, source, n, "nodes", std::to_string(nodes->items.size()) + " nodes",
               "empty for " + op.text);
    }
    previous = t;
    previous_line = n;
  }
  if (previous_line == 0) throw_empty(function, source);
  result.end_ms = previous;
  return result;
}

}  // namespace parcae::detail

namespace parcae::trace {

/// Parses replay JSON-lines held in memory. `source` names it in error messages.
inline availability_trace parse_replay(std::string_view text,
                                       const std::string& source = "<input>") {
  return parcae::detail::parse_replay_lines("parcae::trace::parse_replay", text, source);
}

/// Reads replay JSON-lines from a stream.
inline availability_trace read_replay(std::istream& in, const std::string& source = "<input>") {
  return parcae::detail::parse_replay_lines("parcae::trace::read_replay",
                                            parcae::detail::slurp("parcae::trace::read_replay", in),
                                            source);
}

/// Reads a replay JSON-lines file; errors name the path.
inline availability_trace read_replay(const std::filesystem::path& path) {
  const char* function = "parcae::trace::read_replay";
  return parcae::detail::parse_replay_lines(
      function, parcae::detail::slurp_file(function, path.string()), path.string());
}

}  // namespace parcae::trace
