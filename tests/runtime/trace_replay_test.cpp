// runtime::trace_replay: instances named by arrival, the oldest preempted first; a replay of the
// p3 trace keeps the trace's counts; bad input.
#include <doctest/doctest.h>

#include <algorithm>
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
  // within the interval. Instances are conserved: 4 + 3 - 6 = 1 alive afterwards.
  r.step(6, 3);
  CHECK(r.preempted() == ids{1, 2, 3, 4});
  CHECK(r.transient() == ids{5, 6});
  CHECK(r.joined() == ids{7});
  CHECK(r.alive() == ids{7});
  r.step(1, 1);  // the oldest (7) leaves first, 8 joins
  CHECK(r.alive() == ids{8});
  CHECK(r.preempted() == ids{7});
  CHECK(r.joined() == ids{8});
  CHECK(r.transient().empty());
  trace_replay empty(0);
  empty.step(1, 2);  // nobody alive at the start: one of the two joiners leaves again
  CHECK(empty.transient() == ids{0});
  CHECK(empty.joined() == ids{1});
  CHECK(empty.alive() == ids{1});
  CHECK(empty.preempted().empty());
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

TEST_CASE("trace_replay: joins and leaves in one interval conserve instances (p3 at 1 h)") {
  // At 3600-s intervals the p3 trace has intervals where more leave than were alive at their
  // start; the replay used to keep every join and cap the removals, so its count drifted up to
  // 52 on a trace that never exceeds 32 (issue 15, item 3).
  for (const double interval : {600.0, 3600.0}) {
    parcae::trace::binning_params b;
    b.interval_seconds = interval;
    const auto series =
        parcae::trace::bin(parcae::trace::read_trace(std::string(PARCAE_SOURCE_DIR) +
                                                     "/bench/traces/parcae/p3trace.csv"),
                           b);
    trace_replay r(series.intervals.front().alive);
    int transients = 0;
    std::size_t most = 0;
    for (const auto& iv : series.intervals) {
      REQUIRE(static_cast<int>(r.alive().size()) == iv.alive);
      r.step(iv);
      CHECK(static_cast<int>(r.alive().size()) == iv.alive_after());
      CHECK(r.joined().size() + r.transient().size() == static_cast<std::size_t>(iv.added));
      CHECK(r.preempted().size() + r.transient().size() == static_cast<std::size_t>(iv.removed));
      transients += static_cast<int>(r.transient().size());
      most = std::max(most, r.alive().size());
    }
    CHECK(most <= 32);
    CHECK(static_cast<int>(r.alive().size()) == 10);  // the trace's final count
    if (interval == 3600.0) CHECK(transients > 0);
  }
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
  CHECK_THROWS_WITH_AS(r.step(5, 2),
                       "parcae::runtime::trace_replay::step: removed is 5, but must be <= alive + "
                       "added = 2 + 2 (no more can leave than were there)",
                       parcae::invalid_argument);
  CHECK(r.alive() == ids{0, 1});  // unchanged by the rejected steps
}
