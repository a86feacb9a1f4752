// Trace readers and binning on the real traces shipped in bench/traces/ and on the p3 trace
// rewritten in shapes 4 and 5 (tests/data/trace/make_p3_shapes.py). Reference values: the
// artifact's own per-minute binning of p3 (tests/data/trace/p3_intervals_artifact.csv, from
// its liveput_res output) and the per-hour table of ../shared/traces/README.md.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "parcae/trace/bin.hpp"
#include "parcae/trace/read.hpp"
#include "parcae/trace/stats.hpp"

namespace tr = parcae::trace;

namespace {

const std::string root = PARCAE_SOURCE_DIR;
const std::string p3_events = root + "/bench/traces/parcae/p3trace.csv";

int max_alive(const tr::interval_series& s) {
  int m = 0;
  for (const auto& i : s.intervals) m = std::max({m, i.alive, i.alive_after()});
  return m;
}
long total(const std::vector<int>& v) { return std::accumulate(v.begin(), v.end(), 0L); }

std::vector<tr::interval> artifact_p3_intervals() {
  std::ifstream in(root + "/tests/data/trace/p3_intervals_artifact.csv");
  std::vector<tr::interval> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == 'k') continue;
    std::istringstream row(line);
    char comma = 0;
    int k = 0;
    tr::interval i;
    row >> k >> comma >> i.alive >> comma >> i.added >> comma >> i.removed;
    REQUIRE(k == static_cast<int>(out.size()));
    out.push_back(i);
  }
  return out;
}

// Same intervals as the p3 event trace, interval by interval.
void check_same_as_p3(const tr::interval_series& s) {
  const auto p3 = tr::bin(tr::read_events(p3_events));
  REQUIRE(s.size() == p3.size());
  for (std::size_t k = 0; k < s.size(); ++k) {
    CAPTURE(k);
    REQUIRE(s[k] == p3[k]);
  }
}

}  // namespace

TEST_CASE("event CSV: p3 bins to the artifact's 683 one-minute intervals") {
  const auto trace = tr::read_events(p3_events);
  CHECK(trace.format == tr::trace_format::events);
  CHECK(trace.named);
  CHECK(trace.changes.size() == 344);
  CHECK(trace.start_ms == 0);
  CHECK(trace.end_ms == 40'920'000);
  CHECK(trace.notes.empty());
  CHECK(trace.changes.front().nodes == std::vector<std::string>{"node1"});
  CHECK(trace.changes.back().line == 344);

  const auto s = tr::bin(trace);
  CHECK(s.size() == 683);
  CHECK(s.interval_seconds == 60.0);
  CHECK(max_alive(s) == 32);
  CHECK(total(s.added()) == 177);
  CHECK(total(s.removed()) == 167);
  CHECK(s.intervals.back().alive_after() == 10);
  CHECK(s[0] == tr::interval{0, 18, 0});
  CHECK(s.start_of(682) == 40'920'000);

  const auto artifact = artifact_p3_intervals();
  REQUIRE(artifact.size() == 683);
  for (std::size_t k = 0; k < artifact.size(); ++k) {
    CAPTURE(k);
    REQUIRE(s[k] == artifact[k]);
  }
}

TEST_CASE("event CSV: Bamboo's CRLF copy of p3 reads the same") {
  const auto crlf = tr::read_events(root + "/bench/traces/bamboo/p3-trace.csv");
  CHECK(crlf.changes.size() == 344);
  CHECK(crlf.changes.front().nodes.front() == "node1");  // no '\r' left on the name
  check_same_as_p3(tr::bin(crlf));
}

TEST_CASE("event CSV: g4dn and Oobleck traces") {
  const auto g4dn = tr::bin(tr::read_events(root + "/bench/traces/bamboo/g4dn-trace.csv"));
  CHECK(g4dn.size() == 38'760'000 / 60'000 + 1);
  CHECK(g4dn[7] == tr::interval{0, 0, 0});  // first event at 480,000 ms: 8 empty minutes
  CHECK(g4dn[8].added > 0);
  CHECK(total(g4dn.added()) == 79);
  CHECK(total(g4dn.removed()) == 74);
  CHECK(max_alive(g4dn) == 24);
  CHECK(g4dn.intervals.back().alive_after() == 5);

  const auto oob = tr::bin(tr::read_trace(root + "/bench/traces/oobleck/1h.csv"));
  CHECK(total(oob.added()) == 30);
  CHECK(total(oob.removed()) == 15);
  CHECK(oob.intervals.back().alive_after() == 15);
}

TEST_CASE("count CSV: the artifact's p3.csv bins like p3trace.csv") {
  const auto trace = tr::read_counts(root + "/bench/traces/parcae/p3.csv");
  CHECK(trace.format == tr::trace_format::counts);
  CHECK_FALSE(trace.named);
  CHECK(trace.changes.size() == 344);  // one line per event, each a change of one
  CHECK(trace.end_ms == 40'920'000);
  check_same_as_p3(tr::bin(trace));
}

TEST_CASE("replay JSON-lines: one-hour segments match the p3 minutes they were cut from") {
  struct segment {
    const char* name;
    int first_minute;
    int initial;
  };
  for (const segment seg : {segment{"hh_55_65", 330, 32}, segment{"hl_15_25", 90, 27},
                            segment{"lh_80_90", 480, 18}, segment{"ll_10_11", 600, 18}}) {
    CAPTURE(seg.name);
    const auto trace =
        tr::read_replay(root + "/bench/traces/parcae/replay/bert/trace_" + seg.name + ".txt");
    CHECK(trace.format == tr::trace_format::replay);
    CHECK(trace.named);
    CHECK(trace.end_ms == 3'540'000);
    const auto s = tr::bin(trace);
    REQUIRE(s.size() == 60);
    CHECK(s[0] == tr::interval{0, seg.initial, 0});
    const auto p3 = tr::bin(tr::read_events(p3_events));
    for (int k = 1; k < 60; ++k) {
      CAPTURE(k);
      CHECK(s[k].added == p3[seg.first_minute + k].added);
      CHECK(s[k].removed == p3[seg.first_minute + k].removed);
    }
  }
  // hh_55_65 per the shared trace notes: 9 remove events of 19 nodes, 7 add events after t = 0.
  const auto st = tr::summarize(
      tr::read_trace(root + "/bench/traces/parcae/replay/gpt-1.5b/trace_hh_55_65.txt"));
  CHECK(st.total.remove_events == 9);
  CHECK(st.total.removed == 19);
  CHECK(st.total.add_events == 8);  // 7 + the initial one at t = 0
}

TEST_CASE("count series: p3 with jitter, gaps, out-of-order and duplicated lines") {
  const auto trace = tr::read_series(root + "/tests/data/trace/p3_series.csv");
  CHECK(trace.format == tr::trace_format::series);
  CHECK(trace.start_ms == 1'709'251'200'000);  // 2024-03-01 00:00:00 UTC
  // 6 swapped pairs give 6 out-of-order notes; 5 repeated lines give 5 duplicate notes.
  const auto count_notes = [&](const char* word) {
    return std::count_if(trace.notes.begin(), trace.notes.end(),
                         [&](const std::string& n) { return n.find(word) != std::string::npos; });
  };
  CHECK(count_notes("sorted by time") == 6);
  CHECK(count_notes("duplicate of line") == 5);
  CHECK(trace.notes.size() == 11);
  CHECK(trace.notes.front().rfind(root + "/tests/data/trace/p3_series.csv:", 0) == 0);
  const auto s = tr::bin(trace);
  CHECK(s.notes == trace.notes);
  check_same_as_p3(s);
}

TEST_CASE("gap/data JSON: p3 at a 60 s gap") {
  const auto trace = tr::read_json(root + "/tests/data/trace/p3_gap.json");
  CHECK(trace.format == tr::trace_format::json);
  CHECK(trace.end_ms == 682 * 60'000);
  check_same_as_p3(tr::bin(trace));
}

TEST_CASE("format detection on every shape") {
  const std::vector<std::pair<std::string, tr::trace_format>> files = {
      {"/bench/traces/parcae/p3trace.csv", tr::trace_format::events},
      {"/bench/traces/bamboo/p3-trace.csv", tr::trace_format::events},
      {"/bench/traces/parcae/p3.csv", tr::trace_format::counts},
      {"/bench/traces/parcae/replay/vgg19/trace_ll_10_11.txt", tr::trace_format::replay},
      {"/tests/data/trace/p3_series.csv", tr::trace_format::series},
      {"/tests/data/trace/p3_gap.json", tr::trace_format::json},
  };
  for (const auto& [path, format] : files) {
    CAPTURE(path);
    CHECK(tr::read_trace(root + path).format == format);
  }
  CHECK(tr::detect_format("\xEF\xBB\xBF# comment\n\n0,add,a\n") == tr::trace_format::events);
  CHECK(tr::detect_format("0,3\n") == tr::trace_format::counts);
  CHECK(tr::detect_format("  {\"data\": []}") == tr::trace_format::json);
  CHECK(tr::parse_format("series") == tr::trace_format::series);
  CHECK(std::string(tr::format_name(tr::trace_format::automatic)) == "auto");
}

TEST_CASE("streams, text and files give the same trace") {
  std::ifstream file(p3_events);
  const auto from_stream = tr::read_trace(file, tr::trace_format::events, "p3");
  std::ifstream again(p3_events);
  std::stringstream buffer;
  buffer << again.rdbuf();
  const auto from_text = tr::parse_events(buffer.str());
  CHECK(from_stream.source == "p3");
  CHECK(from_text.source == "<input>");
  CHECK(tr::bin(from_stream).alive() == tr::bin(from_text).alive());
}

TEST_CASE("binning: interval length, small hand-made traces") {
  const auto p3 = tr::read_events(p3_events);
  const auto two = tr::bin(p3, {120.0});
  CHECK(two.size() == 342);  // minute 682 lies in 2-minute interval 341
  CHECK(total(two.added()) == 177);
  CHECK(two[0] == tr::interval{0, 19, 0});  // minutes 0 and 1
  const auto hour = tr::bin(p3, {3600.0});
  CHECK(hour.size() == 12);
  CHECK(hour.intervals.back().alive_after() == 10);

  // Changes at interval boundaries go to the interval they start; padding between them.
  const auto t = tr::parse_events("0,add,a\n0,add,b\n59999,add,c\n60000,remove,a\n300000,add,d\n");
  const auto s = tr::bin(t);
  REQUIRE(s.size() == 6);
  CHECK(s[0] == tr::interval{0, 3, 0});
  CHECK(s[1] == tr::interval{3, 0, 1});
  CHECK(s[2] == tr::interval{2, 0, 0});
  CHECK(s[4] == tr::interval{2, 0, 0});
  CHECK(s[5] == tr::interval{2, 1, 0});
  CHECK(tr::bin(t, {0.5}).size() == 601);
  CHECK(tr::bin(t, {1e6}).size() == 1);

  // A count series with an unchanged last sample still extends the trace.
  const auto counts = tr::parse_counts("0,2\n60000,2\n180000,2\n");
  CHECK(counts.changes.size() == 1);
  CHECK(tr::bin(counts).size() == 4);
  // A series starts at its first sample; shape 5 at t = 0.
  const auto series = tr::parse_series("2024-01-01, 00:00:30, 4\n2024-01-01, 00:01:29, 3\n");
  CHECK(tr::bin(series).alive() == std::vector<int>{0});
  CHECK(tr::bin(series)[0].removed == 1);
  const auto gap = tr::parse_json(R"({"metadata": {"gap_seconds": 30}, "data": [1, 1, 4, 0]})");
  const auto gs = tr::bin(gap);
  REQUIRE(gs.size() == 2);
  CHECK(gs[0] == tr::interval{0, 1, 0});
  CHECK(gs[1] == tr::interval{1, 3, 4});
}

TEST_CASE("stats: p3 totals and the per-hour table of the shared trace notes") {
  const auto st = tr::summarize(tr::read_events(p3_events));
  CHECK(st.total.intervals == 683);
  CHECK(st.duration_seconds == 40'920.0);
  CHECK(st.total.max_alive == 32);
  CHECK(st.total.min_alive == 10);
  CHECK(st.total.added == 177);
  CHECK(st.total.removed == 167);
  CHECK(st.final_alive == 10);
  // Hour rows: mean, min, max alive (after each minute), add events / nodes, remove events / nodes.
  struct row {
    double mean;
    int min, max, add_events, added, remove_events, removed;
  };
  const std::vector<row> expected = {
      {27.7, 15, 32, 11, 36, 7, 21}, {28.7, 15, 32, 12, 26, 7, 11}, {29.7, 23, 32, 9, 13, 7, 17},
      {28.7, 23, 32, 6, 13, 7, 16},  {25.0, 19, 32, 11, 26, 8, 18}, {28.8, 20, 32, 5, 7, 8, 17},
      {26.9, 18, 32, 7, 18, 6, 18},  {24.3, 18, 32, 3, 12, 8, 15},  {16.8, 11, 24, 12, 17, 8, 18},
      {17.0, 14, 19, 8, 9, 7, 8},    {14.6, 14, 18, 0, 0, 3, 4},    {13.0, 10, 14, 0, 0, 3, 4}};
  REQUIRE(st.hours.size() == 12);
  long add_events = 0;
  long remove_events = 0;
  for (std::size_t h = 0; h < 12; ++h) {
    CAPTURE(h);
    const auto& r = st.hours[h];
    CHECK(r.hour == static_cast<std::int64_t>(h));
    CHECK(r.intervals == (h < 11 ? 60u : 23u));
    CHECK(std::abs(r.mean_alive - expected[h].mean) <= 0.05);
    CHECK(r.min_alive == expected[h].min);
    CHECK(r.max_alive == expected[h].max);
    CHECK(r.add_events == expected[h].add_events);
    CHECK(r.added == expected[h].added);
    CHECK(r.remove_events == expected[h].remove_events);
    CHECK(r.removed == expected[h].removed);
    add_events += r.add_events;
    remove_events += r.remove_events;
  }
  CHECK(st.total.add_events == add_events);
  CHECK(st.total.remove_events == remove_events);
}
