// Real exports (issue 15): count series with several records at one time (the last one is
// kept, and counted), count CSVs in seconds, minutes or hours (explicit unit, a header, or a
// refusal where automatic cannot tell), and inputs that are not trace files (/dev/zero).
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "parcae/trace/bin.hpp"
#include "parcae/trace/read.hpp"
#include "parcae/trace/stats.hpp"

namespace tr = parcae::trace;

namespace {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const parcae::invalid_argument& e) {
    return e.what();
  }
  return "(no parcae::invalid_argument thrown)";
}

}  // namespace

TEST_CASE("count series: records at one time merge into the last one (a GCP export)") {
  // The GCP layout: "YYYY-MM-DD HH:MM:SS,count"; 13:08:45 has two records, 80 then 70.
  const std::string gcp =
      "2021-12-10 13:08:45,80\n2021-12-10 13:08:45,70\n2021-12-10 13:09:45,75\n"
      "2021-12-10 13:10:45,75\n2021-12-10 13:10:45,75\n2021-12-10 13:10:45,60\n";
  CHECK(tr::detect_format(gcp) == tr::trace_format::series);
  const auto t = tr::parse_trace(gcp);
  CHECK(t.format == tr::trace_format::series);
  CHECK(t.merged == 3);
  REQUIRE(t.notes.size() == 3);
  CHECK(t.notes[0] ==
        "<input>:2: count 70 replaces count 80 of line 1 (same time 2021-12-10 13:08:45); the last "
        "record at a time is kept");
  CHECK(t.notes[1] == "<input>:5: duplicate of line 4 (2021-12-10 13:10:45, count 75); kept once");
  CHECK(t.notes[2] ==
        "<input>:6: count 60 replaces count 75 of line 5 (same time 2021-12-10 13:10:45); the last "
        "record at a time is kept");
  const auto s = tr::bin(t);
  CHECK(s.alive() == std::vector<int>{0, 70, 75});
  CHECK(s.intervals.back().alive_after() == 60);
  const auto st = tr::summarize(t);
  CHECK(st.merged == 3);
  CHECK(st.total.added == 75);  // 70, then 5 (the 80 never counts)
  CHECK(st.total.removed == 15);
  // The 3-field layout merges the same way, out of order too: the last in the file wins.
  const auto u = tr::parse_series(
      "2024-01-01, 00:01:00, 4\n2024-01-01, 00:00:00, 3\n2024-01-01, 00:01:00, 5\n");
  CHECK(u.merged == 1);
  CHECK(tr::bin(u).intervals.back().alive_after() == 5);
}

TEST_CASE("count CSV: time units") {
  // A day of per-minute samples in seconds: read as ms it would last 86 s. Refused, and the
  // message asks for the unit.
  std::string seconds;
  for (int m = 0; m <= 1440; ++m)
    seconds += std::to_string(m * 60) + "," + std::to_string(10 + m % 3) + "\n";
  const std::string e = error_of([&] { tr::parse_counts(seconds); });
  CHECK(e ==
        "parcae::trace::parse_counts: <input>: mean gap between timestamps is \"60 ms\", but "
        "must be at least 1000 ms when read as ms (the default unit); times less than a second "
        "apart are probably seconds; give the time unit (time_unit ms, s, min or h; "
        "`--time-unit` on the command line; or a header such as \"time_s,count\")");
  const auto s = tr::parse_counts(seconds, "<input>", tr::time_unit::s);
  CHECK(s.end_ms == 86'400'000);
  CHECK(tr::bin(s).size() == 1441);
  // The same file with a header naming the unit.
  const auto h = tr::parse_trace("time_s,alive\n" + seconds);
  CHECK(h.end_ms == 86'400'000);
  CHECK(tr::summarize(h).duration_seconds == 86400.0);
  // An hours-based CSV: "0.000" is refused without a unit, read with one.
  const std::string hours = "0.000,4\n0.5,6\n1.25,5\n";
  CHECK(error_of([&] { tr::parse_counts(hours); }) ==
        "parcae::trace::parse_counts: <input>:1: timestamp is \"0.000\", but must be a whole "
        "number of ms (the default unit); a fractional time may be seconds or hours; give the "
        "time unit (time_unit ms, s, min or h; `--time-unit` on the command line; or a header "
        "such as \"time_s,count\")");
  const auto hr = tr::parse_counts(hours, "<input>", tr::time_unit::h);
  CHECK(hr.changes.size() == 3);
  CHECK(hr.changes[1].time_ms == 1'800'000);
  CHECK(hr.end_ms == 4'500'000);
  CHECK(tr::parse_trace("timestamp_hours,count\n" + hours).end_ms == 4'500'000);
  CHECK(tr::parse_counts("0,1\n1.5,2\n", "<input>", tr::time_unit::min).end_ms == 90'000);
  // Whole-ms traces read as before (p3.csv: 344 lines over 40,920,000 ms).
  const auto p3 = tr::read_trace(std::string(PARCAE_SOURCE_DIR) + "/bench/traces/parcae/p3.csv");
  CHECK(p3.end_ms == 40'920'000);
  CHECK(tr::parse_trace("timestamp_ms,alive_count\n0,2\n60000,3\n").end_ms == 60'000);
  // Bad units and headers.
  CHECK(error_of([] { tr::parse_counts("0,1\n-1.5,2\n", "<input>", tr::time_unit::s); }) ==
        "parcae::trace::parse_counts: <input>:2: timestamp_s is \"-1.5\", but must be in [0, "
        "1000000000000]");
  CHECK(error_of([] {
          tr::parse_counts("0,1\nnan,2\n", "<input>", tr::time_unit::s);
        }).find("<input>:2: timestamp_s is \"nan\", but must be a number") != std::string::npos);
  CHECK(error_of([] {
          tr::parse_counts("0,1\n1.5,2\n", "<input>", tr::time_unit::ms);
        }).find("<input>:2: timestamp_ms is \"1.5\", but must be an integer") != std::string::npos);
  CHECK(error_of([] { tr::parse_counts("time,count\n0,1\n"); }) ==
        "parcae::trace::parse_counts: <input>:1: header time column is \"time\", but must be "
        "named with its unit (timestamp_ms, time_s, time_min, time_h, ...)");
  CHECK(error_of([] { tr::parse_counts("time_s,count\n0,1\n", "<input>", tr::time_unit::h); }) ==
        "parcae::trace::parse_counts: <input>:1: header time column is \"time_s\", but must be "
        "in h, the unit asked for");
  CHECK(error_of([] {
          tr::parse_trace("0,add,a\n", tr::trace_format::automatic, "<input>", tr::time_unit::s);
        }) ==
        "parcae::trace::parse_trace: time unit is \"s\", but must be auto for a trace of "
        "format events (only a count CSV takes a time unit)");
  CHECK(tr::parse_time_unit("min") == tr::time_unit::min);
  CHECK(error_of([] { tr::parse_time_unit("hours"); }) ==
        "parcae::trace::parse_time_unit: name is \"hours\", but must be one of auto, ms, s, min, "
        "h");
}

TEST_CASE("readers refuse devices and directories instead of reading forever") {
  if (std::filesystem::exists("/dev/zero")) {
    CHECK(error_of([] { tr::read_trace(std::filesystem::path("/dev/zero")); }) ==
          "parcae::trace::read_trace: path is \"/dev/zero\", but must be a regular file or a "
          "pipe, not a device or socket");
  }
  CHECK(error_of([] {
          tr::read_counts(std::filesystem::path(PARCAE_SOURCE_DIR));
        }).find("but must be a readable file, not a directory") != std::string::npos);
  std::istringstream in("0,add,a\n");
  CHECK(tr::read_trace(in).changes.size() == 1);
}
