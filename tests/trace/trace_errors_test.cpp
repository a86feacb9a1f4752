// Bad input for every trace reader and for binning: each gives parcae::invalid_argument whose
// message names the function, the source ("<input>" or the file) and the line.
#include <doctest/doctest.h>

#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>

#include "parcae/trace/bin.hpp"
#include "parcae/trace/read.hpp"
#include "parcae/trace/stats.hpp"

namespace tr = parcae::trace;

namespace {

const std::string root = PARCAE_SOURCE_DIR;

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const parcae::invalid_argument& e) {
    return e.what();
  }
  return "(no parcae::invalid_argument thrown)";
}

#define CHECK_ERROR(expr, ...)                                                         \
  do {                                                                                 \
    const std::string message_ = error_of([&] { (void)(expr); });                      \
    for (const std::string& part_ : std::initializer_list<std::string>{__VA_ARGS__}) { \
      INFO(message_);                                                                  \
      CHECK(message_.find(part_) != std::string::npos);                                \
    }                                                                                  \
  } while (0)

}  // namespace

TEST_CASE("event CSV: bad input") {
  const char* f = "parcae::trace::parse_events: <input>:";
  CHECK_ERROR(tr::parse_events("0,add,a\n0,addd,b\n"), f,
              "<input>:2: event is \"addd\", but must be add or remove");
  CHECK_ERROR(tr::parse_events("0,add,a\n60000,remove,b\n"),
              "<input>:2: removed node is \"b\", but must be a node that is alive");
  CHECK_ERROR(tr::parse_events("0,add,a\n0,remove,a\n0,remove,a\n"), "<input>:3: removed node");
  CHECK_ERROR(tr::parse_events("0,add,a\n0,add,a\n"),
              "<input>:2: added node is \"a\", but must be a node that is not alive already");
  CHECK_ERROR(tr::parse_events("-60000,add,a\n"), "<input>:1: timestamp_ms is \"-60000\"",
              "but must be in [0, ");
  CHECK_ERROR(tr::parse_events("0,add,a\n6e4,add,b\n"),
              "<input>:2: timestamp_ms is \"6e4\", but must be an integer");
  CHECK_ERROR(tr::parse_events("0,add,a\nabc,add,b\n"), "<input>:2: timestamp_ms is \"abc\"");
  CHECK_ERROR(tr::parse_events("99999999999999999999,add,a\n"), "<input>:1: timestamp_ms");
  CHECK_ERROR(tr::parse_events(""), "parcae::trace::parse_events: <input>:1: input has no records");
  CHECK_ERROR(tr::parse_events("# only a comment\n\r\n"), "<input>:1: input has no records");
  CHECK_ERROR(tr::parse_events("0,add,a\n60000,rem"), "<input>:2: number of fields is \"2\"");
  CHECK_ERROR(tr::parse_events("0,add,a\n60000,remove,"),
              "<input>:2: node name is \"\", but must be non-empty");
  CHECK_ERROR(tr::parse_events("0,add,a,b\n"), "<input>:1: number of fields is \"4\"");
  CHECK_ERROR(tr::parse_events("60000,add,a\n0,add,b\n"),
              "<input>:2: timestamp_ms is \"0\", but must be >= 60000 (line 1)");
  CHECK_ERROR(tr::read_events(root + "/no/such/trace.csv"),
              "parcae::trace::read_events: path is \"",
              "/no/such/trace.csv\", but must be a "
              "readable file");
  CHECK_ERROR(tr::read_events(root), "but must be a readable file");  // a directory
  std::istringstream stream("0,add,a\n1,fly,b\n");
  CHECK_ERROR(tr::read_events(stream, "mine.csv"),
              "parcae::trace::read_events: mine.csv:2: event is \"fly\"");
}

TEST_CASE("broken files: errors name the file and the line") {
  const std::string bad = root + "/tests/data/trace/bad/";
  CHECK_ERROR(
      tr::read_events(bad + "remove_dead.csv"),
      "parcae::trace::read_events: " + bad + "remove_dead.csv:5: removed node is \"node2\"");
  CHECK_ERROR(tr::read_trace(bad + "remove_dead.csv"),
              "parcae::trace::read_trace: " + bad + "remove_dead.csv:5:");
  CHECK_ERROR(tr::read_trace(bad + "unknown_event.csv"),
              bad + "unknown_event.csv:3: event is \"join\"");
  CHECK_ERROR(tr::read_counts(bad + "negative_count.csv"),
              bad + "negative_count.csv:3: alive_count is \"-1\"");
  CHECK_ERROR(tr::read_trace(bad + "truncated_counts.csv"),
              bad + "truncated_counts.csv:3: number of fields is \"1\"");
  CHECK_ERROR(tr::read_trace(bad + "replay_remove_dead.txt"),
              bad + "replay_remove_dead.txt:3: removed node is \"node-9\"");
  CHECK_ERROR(tr::read_trace(bad + "series_non_numeric.csv"),
              bad + "series_non_numeric.csv:3: count is \"1 9\"");
  CHECK_ERROR(tr::read_trace(bad + "json_truncated.json"),
              bad + "json_truncated.json:3: invalid JSON");
  CHECK_ERROR(tr::read_trace(bad + "empty.csv"), bad + "empty.csv:1: input has no records");
  for (auto format : {tr::trace_format::events, tr::trace_format::counts, tr::trace_format::replay,
                      tr::trace_format::series, tr::trace_format::json}) {
    CAPTURE(tr::format_name(format));
    CHECK_ERROR(tr::read_trace(bad + "empty.csv", format),
                bad + "empty.csv:1: input has no records");
  }
}

TEST_CASE("count CSV: bad input") {
  CHECK_ERROR(tr::parse_counts("0,1\n0,-1\n"),
              "parcae::trace::parse_counts: <input>:2: alive_count is \"-1\", but must be in [0, "
              "1000000]");
  CHECK_ERROR(tr::parse_counts("0,1\n0,two\n"),
              "<input>:2: alive_count is \"two\", but must be an integer");
  CHECK_ERROR(tr::parse_counts("0,1\n0,1.5\n"), "<input>:2: alive_count is \"1.5\"");
  CHECK_ERROR(tr::parse_counts("x,1\n"), "<input>:1: timestamp_ms is \"x\"");
  CHECK_ERROR(tr::parse_counts("0,1\n6000"), "<input>:2: number of fields is \"1\"");
  CHECK_ERROR(tr::parse_counts("0,1\n60000,"), "<input>:2: alive_count is \"\"");
  CHECK_ERROR(tr::parse_counts("0,1\n60000,2,3\n"), "<input>:2: number of fields is \"3\"");
  CHECK_ERROR(tr::parse_counts("0,1\n60000,2000000\n"), "<input>:2: alive_count is \"2000000\"");
  CHECK_ERROR(tr::parse_counts("60000,1\n0,2\n"),
              "<input>:2: timestamp_ms is \"0\", but must be >= 60000");
  CHECK_ERROR(tr::parse_counts("\n\n"), "<input>:1: input has no records");
  CHECK_ERROR(tr::read_counts(root + "/no/such.csv"), "parcae::trace::read_counts: path is");
}

TEST_CASE("replay JSON-lines: bad input") {
  const std::string add = R"([0, "add", {"nodes": ["n0", "n1"], "duration": 60000}])";
  CHECK_ERROR(tr::parse_replay(add + "\n" + R"([60000, "join", {"nodes": ["n2"]}])"),
              "parcae::trace::parse_replay: <input>:2: op is \"join\", but must be add, remove, "
              "no-op or migration");
  CHECK_ERROR(tr::parse_replay(add + "\n" + R"([60000, "remove", {"nodes": ["n7"]}])"),
              "<input>:2: removed node is \"n7\", but must be a node that is alive");
  CHECK_ERROR(tr::parse_replay(R"([-60000, "add", {"nodes": ["n0"]}])"),
              "<input>:1: t_ms is \"-60000\", but must be in [0, ");
  CHECK_ERROR(tr::parse_replay(R"(["0", "add", {"nodes": ["n0"]}])"),
              "<input>:1: t_ms is \"a string\", but must be a number");
  CHECK_ERROR(tr::parse_replay(R"([0.5, "add", {"nodes": ["n0"]}])"),
              "<input>:1: t_ms is \"0.5\", but must be a whole number");
  CHECK_ERROR(tr::parse_replay(R"([0, "add", {"nodes": [7]}])"),
              "<input>:1: node is \"a number\", but must be a string");
  CHECK_ERROR(tr::parse_replay(""), "<input>:1: input has no records");
  CHECK_ERROR(tr::parse_replay(add + "\n" + R"([60000, "remove", {"nodes": ["n0"])"),
              "<input>:2: invalid JSON: expected '}'");
  CHECK_ERROR(tr::parse_replay(add + "\n[60000, \"no-op\""), "<input>:2: invalid JSON");
  CHECK_ERROR(tr::parse_replay(R"([0, "add"])"), "<input>:1: record is \"an array of 2 elements\"");
  CHECK_ERROR(tr::parse_replay(R"([0, "add", {"node": ["a"]}])"), "<input>:1: third element");
  CHECK_ERROR(tr::parse_replay(R"([0, "add", {"nodes": []}])"), "<input>:1: nodes is \"empty\"");
  CHECK_ERROR(tr::parse_replay(R"([0, "no-op", {"nodes": ["a"]}])"),
              "<input>:1: nodes is \"1 nodes\", but must be empty for no-op");
  CHECK_ERROR(tr::parse_replay(R"([0, "add", {"nodes": ["a", "a"]}])"), "<input>:1: added node");
  CHECK_ERROR(tr::parse_replay(std::string(200, '[')), "<input>:1: invalid JSON: nesting deeper");
  CHECK_ERROR(tr::parse_replay(R"([0, "add", {"nodes": ["\ud800"]}])"), "unpaired surrogate");
  CHECK_ERROR(tr::parse_replay(R"([1e999, "add", {"nodes": ["a"]}])"), "number out of range");
  CHECK_ERROR(tr::read_replay(root + "/no/such.txt"), "parcae::trace::read_replay: path is");
}

TEST_CASE("count series: bad input") {
  CHECK_ERROR(tr::parse_series("2024-01-01, 00:00:00, 3\n2024-01-01, 00:01:00, -2\n"),
              "parcae::trace::parse_series: <input>:2: count is \"-2\", but must be in [0, ");
  CHECK_ERROR(tr::parse_series("2024-01-01, 00:00:00, x\n"),
              "<input>:1: count is \"x\", but must be an integer");
  CHECK_ERROR(tr::parse_series("2024-13-01, 00:00:00, 3\n"), "<input>:1: date is \"2024-13-01\"");
  CHECK_ERROR(tr::parse_series("2023-02-29, 00:00:00, 3\n"), "<input>:1: date is \"2023-02-29\"");
  CHECK_ERROR(tr::parse_series("2024-01-01, 24:00:00, 3\n"), "<input>:1: time is \"24:00:00\"");
  CHECK_ERROR(tr::parse_series("2024-01-0a, 00:00:00, 3\n"),
              "<input>:1: date is \"2024-01-0a\", but must be digits");
  CHECK_ERROR(tr::parse_series("2024/01/01, 00:00:00, 3\n"),
              "<input>:1: date is \"2024/01/01\", but must be YYYY-MM-DD");
  CHECK_ERROR(tr::parse_series("2024-01-01, 00:00, 3\n"),
              "<input>:1: time is \"00:00\", but must be HH:MM:SS");
  CHECK_ERROR(tr::parse_series("2024-01-01, 00:00:00, 3\n2024-01-01, 00:0"),
              "<input>:2: number of fields is \"2\"");
  CHECK_ERROR(tr::parse_series(""), "<input>:1: input has no records");
  CHECK_ERROR(tr::parse_series("2024-01-01 00:00:00, 3, 4\n"),
              "<input>:1: date is \"2024-01-01 00:00:00\", but must be YYYY-MM-DD");
  CHECK_ERROR(tr::parse_series("2024-01-01 00:00,3\n"),
              "<input>:1: number of fields is \"2\", but must be 3 (YYYY-MM-DD, HH:MM:SS, count) "
              "or 2 (YYYY-MM-DD HH:MM:SS, count)");
  CHECK_ERROR(tr::read_series(root + "/no/such.csv"), "parcae::trace::read_series: path is");
  // Out of order and duplicates are notes, not errors.
  const auto t = tr::parse_series(
      "2024-01-01, 00:02:00, 5\n2024-01-01, 00:00:00, 3\n"
      "2024-01-01, 00:02:00, 5\n");
  REQUIRE(t.notes.size() == 2);
  CHECK(t.notes[0] ==
        "<input>:2: sample at 2024-01-01 00:00:00 is earlier than the one on line 1 "
        "(2024-01-01 00:02:00); samples sorted by time");
  CHECK(t.notes[1] == "<input>:3: duplicate of line 1 (2024-01-01 00:02:00, count 5); kept once");
  CHECK(tr::bin(t).alive() == std::vector<int>{0, 3, 3});
}

TEST_CASE("gap/data JSON: bad input") {
  const char* f = "parcae::trace::parse_json: <input>:";
  CHECK_ERROR(tr::parse_json(R"({"metadata": {"gap_seconds": 60}, "data": [1, -2]})"), f,
              "<input>:1: data[1] is \"-2\", but must be in [0, 1000000]");
  CHECK_ERROR(tr::parse_json("{\"metadata\": {\"gap_seconds\": 60},\n \"data\": [1,\n \"2\"]}"),
              "<input>:3: data[1] is \"a string\", but must be a number");
  CHECK_ERROR(tr::parse_json(R"({"metadata": {"gap_seconds": 60}, "data": [1.5]})"),
              "data[0] is \"1.5\", but must be a whole number");
  CHECK_ERROR(tr::parse_json(R"({"metadata": {"gap_seconds": "60"}, "data": [1]})"),
              "<input>:1: metadata.gap_seconds is \"a string\", but must be a number");
  CHECK_ERROR(tr::parse_json(R"({"metadata": {"gap_seconds": -60}, "data": [1]})"),
              "metadata.gap_seconds is \"-60\", but must be a whole number of milliseconds");
  CHECK_ERROR(tr::parse_json(R"({"metadata": {"gap_seconds": 0.0001}, "data": [1]})"),
              "metadata.gap_seconds is \"0.0001\"");
  CHECK_ERROR(tr::parse_json(R"({"metadata": {}, "data": [1]})"),
              "metadata.gap_seconds is \"missing\"");
  CHECK_ERROR(tr::parse_json(R"({"data": [1]})"), "metadata is \"missing\", but must be an object");
  CHECK_ERROR(tr::parse_json(R"({"metadata": {"gap_seconds": 60}})"), "data is \"missing\"");
  CHECK_ERROR(tr::parse_json(R"({"metadata": {"gap_seconds": 60}, "data": []})"),
              "data is \"empty\", but must be at least one count");
  CHECK_ERROR(tr::parse_json(R"([1, 2])"), "<input>:1: document is \"an array\"");
  CHECK_ERROR(tr::parse_json("{\"metadata\": {\"gap_seconds\": 60},\n\"data\": [1, 2"),
              "<input>:2: invalid JSON: expected ']'");
  CHECK_ERROR(tr::parse_json("{\"metadata\": {\"gap_seconds\": 60}, \"data\": [1]} x"),
              "invalid JSON: unexpected text after the value");
  CHECK_ERROR(tr::parse_json(" \n"), "<input>:1: input has no records");
  std::string long_series = R"({"metadata": {"gap_seconds": 1e9}, "data": [1)";
  for (int k = 0; k < 1001; ++k) long_series += ", 1";
  CHECK_ERROR(tr::parse_json(long_series + "]}"), "data is \"1002 counts\"");
  CHECK_ERROR(tr::read_json(root + "/no/such.json"), "parcae::trace::read_json: path is");
}

TEST_CASE("detection and generic reading: bad input") {
  CHECK_ERROR(tr::detect_format(""),
              "parcae::trace::detect_format: <input>:1: input has no records");
  CHECK_ERROR(tr::detect_format("\n# c\nhello\n"),
              "<input>:3: first record is \"hello\", but must be an event CSV");
  CHECK_ERROR(tr::parse_trace("0,add,a\n0,jump,b\n"),
              "parcae::trace::parse_trace: <input>:2: event is \"jump\"");
  CHECK_ERROR(tr::read_trace(root + "/no/such.csv"), "parcae::trace::read_trace: path is");
  CHECK_ERROR(tr::parse_trace("0,1\n", static_cast<tr::trace_format>(42)), "format is 42");
  CHECK_ERROR(tr::parse_format("csv"), "parcae::trace::parse_format: name is \"csv\"");
}

TEST_CASE("binning: bad params and broken hand-built traces") {
  const auto ok = tr::parse_events("0,add,a\n60000,remove,a\n");
  CHECK_ERROR(tr::bin(ok, {0.0}),
              "parcae::trace::binning_params::validate: interval_seconds is 0, but must be in [");
  CHECK_ERROR(tr::bin(ok, {-60.0}), "interval_seconds is -60");
  CHECK_ERROR(tr::bin(ok, {std::nan("")}), "interval_seconds is nan, but must be finite");
  CHECK_ERROR(tr::bin(ok, {60.0005}),
              "interval_seconds is 60.000500000000002, but must be a whole number of milliseconds");
  CHECK_ERROR(tr::bin(ok, {60.0, 0}), "max_intervals is 0, but must be >= 1");
  CHECK_ERROR(tr::bin(ok, {0.001, 10}),
              "parcae::trace::bin: the number of intervals is 60001, but must be <= "
              "params.max_intervals (10)");
  CHECK_ERROR(tr::summarize(ok, {0.0}), "interval_seconds is 0");

  auto broken = ok;
  broken.changes[1].kind = tr::change_kind::add;
  broken.changes[1].count = 0;
  CHECK_ERROR(tr::bin(broken),
              "parcae::trace::bin: trace.changes[1].count is 0, but must be in [1, ");
  broken = ok;
  broken.changes[0].kind = tr::change_kind::remove;
  CHECK_ERROR(tr::bin(broken),
              "trace.changes[0].count is 1, but must be <= the instances alive before it (0)");
  broken = ok;
  std::swap(broken.changes[0].time_ms, broken.changes[1].time_ms);
  CHECK_ERROR(tr::bin(broken), "trace.changes[1].time_ms is 0, but must be in [60000, 60000]");
  broken = ok;
  broken.end_ms = 30000;
  CHECK_ERROR(tr::bin(broken), "trace.changes[1].time_ms is 60000");
  broken = ok;
  broken.start_ms = 90000;
  CHECK_ERROR(tr::bin(broken), "trace.end_ms is 60000, but must be >= trace.start_ms (90000)");
  broken = ok;
  broken.changes[0].nodes.push_back("b");
  CHECK_ERROR(tr::bin(broken), "trace.changes[0].nodes.size() is 2, but must be 0 or count (1)");
  broken = ok;
  broken.end_ms = -1;
  CHECK_ERROR(tr::bin(broken), "trace.end_ms is -1");
}

TEST_CASE("gpus_per_instance comment: read by parse_trace, bad values named") {
  CHECK(tr::parse_trace("0,4\n60000,3\n").gpus_per_instance == 0);
  CHECK(tr::parse_trace("# gpus_per_instance: 8\n0,4\n60000,3\n").gpus_per_instance == 8);
  CHECK(tr::parse_trace("#gpus_per_instance:4\n0,add,a\n").gpus_per_instance == 4);
  CHECK(tr::parse_trace("# made by hand\n0,add,a\n# gpus_per_instance: 1024\n").gpus_per_instance ==
        1024);
  CHECK_ERROR(tr::parse_trace("# gpus_per_instance: 0\n0,4\n"),
              "parcae::trace::parse_trace: <input>:1: gpus_per_instance is \"0\", but must be a "
              "whole number in [1, 1024]");
  CHECK_ERROR(tr::parse_trace("0,4\n# gpus_per_instance: four\n"),
              "<input>:2: gpus_per_instance is \"four\"");
  CHECK_ERROR(tr::parse_trace("# gpus_per_instance: 2048\n0,4\n"), "gpus_per_instance is \"2048\"");
  CHECK_ERROR(tr::parse_trace("# gpus_per_instance:\n0,4\n"), "gpus_per_instance is \"\"");
}
