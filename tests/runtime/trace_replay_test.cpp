// runtime::trace_replay: instances named by arrival, the oldest preempted first; a replay of the
// p3 trace keeps the trace's counts; bad input.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "parcae/runtime/trace_replay.hpp"
#include "parcae/trace/bin.hpp"
#include "parcae/trace/read.hpp"

using parcae::runtime::instance_id;
using parcae::runtime::trace_replay;
using ids = std::vector<instance_id>;

TEST_CASE("trace_replay: names by arrival, preempts the oldest first") {
  trace_replay r(3);
  CHECK(r.alive() == ids{0, 1, 2});
  CHECK(r.joined() == ids{0, 1, 2});
  CHECK(r.preempted().empty());
  r.step(1, 2);  // 0 leaves, 3 and 4 join
  CHECK(r.alive() == ids{1, 2, 3, 4});
  CHECK(r.joined() == ids{3, 4});
  CHECK(r.preempted() == ids{0});
  r.step(0, 0);
  CHECK(r.alive() == ids{1, 2, 3, 4});
  CHECK(r.joined().empty());
  CHECK(r.preempted().empty());
  // More removals than instances alive at the interval's start: the rest joined and left
  // within the interval, which no launcher sees.
  r.step(6, 1);
  CHECK(r.preempted() == ids{1, 2, 3, 4});
  CHECK(r.alive() == ids{5});
  CHECK(r.joined() == ids{5});
  trace_replay none(0);
  CHECK(none.alive().empty());
  none.step(parcae::trace::interval{0, 2, 0});
  CHECK(none.alive() == ids{0, 1});
}

TEST_CASE("trace_replay: replaying the p3 trace keeps its counts") {
  const auto series = parcae::trace::bin(parcae::trace::read_trace(
      std::string(PARCAE_SOURCE_DIR) + "/bench/traces/parcae/p3trace.csv"));
  REQUIRE(series.intervals.size() > 600);
  trace_replay r(series.intervals.front().alive);
  int preempted = 0;
  for (const auto& iv : series.intervals) {
    r.step(iv);
    CHECK(static_cast<int>(r.alive().size()) == iv.alive_after());
    CHECK(static_cast<int>(r.preempted().size()) == iv.removed);
    CHECK(static_cast<int>(r.joined().size()) == iv.added);
    preempted += static_cast<int>(r.preempted().size());
  }
  CHECK(preempted == 167);  // the trace's removals (parcae-artifact.md §6.1)
}

TEST_CASE("trace_replay: bad input") {
  CHECK_THROWS_WITH_AS(trace_replay(-1),
                       "parcae::runtime::trace_replay::trace_replay: initial_alive is -1, but "
                       "must be >= 0",
                       parcae::invalid_argument);
  trace_replay r(2);
  CHECK_THROWS_WITH_AS(r.step(-1, 0),
                       "parcae::runtime::trace_replay::step: removed is -1, but must be >= 0",
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(r.step(0, -2),
                       "parcae::runtime::trace_replay::step: added is -2, but must be >= 0",
                       parcae::invalid_argument);
  CHECK(r.alive() == ids{0, 1});  // unchanged by the rejected steps
}
