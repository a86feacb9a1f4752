// A launcher loop that embeds parcae's controller (docs/embedding.md walks through it).
//
// It replays the hour of the Parcae artifact's p3 trace (32 p3.2xlarge spot instances, one V100
// each) that the artifact's "hh" replay uses (5.5 h to 6.5 h: high availability, frequent
// preemptions), for gpt-1.5b: every instance that appears is reported with
// on_instances_added, each minute's preemptions first arrive as one notice (the artifact's
// replay injects them 25 s ahead, §3.1), and at each minute's end the launcher calls
// on_interval. The
// controller answers through the reconfigure hook; a real launcher would rebuild its
// communicators, start the layer transfers and restart the pipeline engine there.
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/plan/job.hpp"
#include "parcae/runtime/availability_source.hpp"
#include "parcae/runtime/controller.hpp"
#include "parcae/trace/read_events.hpp"

namespace rt = parcae::runtime;

int main() {
  const auto trace = parcae::trace::read_events(std::string(PARCAE_SOURCE_DIR) +
                                                "/bench/traces/parcae/p3trace.csv");

  // 1. The job: throughput and migration costs (perf), the candidate configurations and the
  //    liveput table (exact estimator where the enumeration is small, Monte-Carlo elsewhere;
  //    filled as decisions need keys), for a cluster of at most 32 instances, 60-s intervals.
  parcae::plan::job_params jp;
  jp.capacity = 32;
  jp.interval_s = 60.0;
  jp.liveput.samples = 2000;
  const parcae::plan::job job(parcae::perf::builtin::gpt_1_5b(), jp);

  // 2. The controller: plans 6 intervals ahead (the job gives the artifact's bounds for
  //    gpt-1.5b, p in [6, 32], and the model's layers).
  rt::controller_options options;
  options.horizon = 6;

  int minute = 0, reconfigurations = 0, infeasible = 0;
  std::size_t usable = 0;
  rt::hooks hooks;
  hooks.reconfigure = [&](const rt::decision& d) {
    // Called on the thread that reported the event, with the controller locked.
    ++reconfigurations;
    int placed = 0;
    for (const auto& pl : d.placements) placed += pl.spare() ? 0 : 1;
    if (placed != d.target.size() || d.placements.size() > usable) ++infeasible;
    std::printf(
        "min %2d  #%-3llu %-17s %-7s -> %-7s %-11s cost %5.1f s  %2d GPUs placed, %2zu fetches\n",
        minute, static_cast<unsigned long long>(d.sequence),
        d.cause == rt::trigger::interval ? "interval" : "preemption notice",
        parcae::to_string(d.previous).c_str(), parcae::to_string(d.target).c_str(),
        rt::to_string(d.kind), d.expected_cost_s, placed, d.fetches.size());
  };
  // 3. The forecaster: the artifact's ARIMA(1,1,0) on N over the last 12 intervals (§4).
  rt::availability_source_params fp;
  fp.forecast.window = 12;
  fp.forecast.capacity = 32;
  rt::controller ctl(job, options, rt::availability_source(fp), hooks);

  // 4. The launcher loop.
  std::map<std::string, rt::instance_id> ids;
  std::set<rt::instance_id> alive;
  std::size_t next = 0;
  const int first = 330, last = 390;  // minutes of the trace
  for (minute = 0; minute < last; ++minute) {
    const std::int64_t end_ms = (minute + 1) * 60'000LL;
    if (minute < first) {  // before the segment: only track who is alive (the job starts at 330)
      for (; next < trace.changes.size() && trace.changes[next].time_ms < end_ms; ++next) {
        for (const std::string& name : trace.changes[next].nodes) {
          const auto id = ids.emplace(name, ids.size()).first->second;
          if (trace.changes[next].kind == parcae::trace::change_kind::add) {
            alive.insert(id);
          } else {
            alive.erase(id);
          }
        }
      }
      continue;
    }
    if (minute == first) {
      std::vector<rt::instance_id> start(alive.begin(), alive.end());
      ctl.on_instances_added(start);
    }
    std::vector<rt::instance_id> joined, preempted;
    for (; next < trace.changes.size() && trace.changes[next].time_ms < end_ms; ++next) {
      const auto& c = trace.changes[next];
      for (const std::string& name : c.nodes) {
        const auto id = ids.emplace(name, ids.size()).first->second;
        if (c.kind == parcae::trace::change_kind::add) {
          alive.insert(id);
          joined.push_back(id);
          ctl.on_instances_added({id});
        } else if (alive.erase(id)) {
          preempted.push_back(id);
        }
      }
    }
    // The minute's preemptions, noticed together (a launcher polling the metadata endpoint
    // every few seconds sees a burst at once), then the interval's end.
    usable = alive.size();
    if (!preempted.empty()) ctl.on_preemption_notice(preempted, 25.0);
    usable = alive.size();
    std::vector<rt::instance_id> still;  // an instance may join and go within one minute
    for (auto id : joined) {
      if (alive.count(id)) still.push_back(id);
    }
    joined.swap(still);
    ctl.on_interval(std::vector<rt::instance_id>(alive.begin(), alive.end()), joined, preempted);
  }
  std::printf("replayed %d intervals: %d reconfigurations, %d infeasible, final %s, %zu keys\n",
              last - first, reconfigurations, infeasible,
              parcae::to_string(ctl.current_config()).c_str(), job.table()->size());
  return infeasible == 0 ? 0 : 1;
}
