// Adding a policy to the simulator: implement parcae::sim::policy (name() and decide()) and
// replay a real trace through it next to the built-in ones. This one is "sticky": it keeps its
// configuration while it fits and restarts (like the reactive baseline) only when it must.
#include <cstdio>
#include <filesystem>
#include <string>

#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/sim/baselines.hpp"
#include "parcae/trace/read.hpp"

namespace {

class sticky_policy final : public parcae::sim::policy {
 public:
  std::string name() const override { return "sticky"; }
  parcae::sim::choice decide(const parcae::sim::interval_view& v,
                             const parcae::sim::job& job) override {
    parcae::sim::choice d;
    // Keep the running configuration while no stage was lost and it still fits.
    if (!v.current.paused() && v.survivors.slots_lost == 0 && job.fits(v.current, v.n_after)) {
      d.config = v.current;
      return d;
    }
    d.config = job.best(v.n_after);  // else restart into the throughput-optimal one
    if (!d.config.paused()) {
      const auto kind = parcae::perf::restart_kind::add;
      d.cost_s = job.restart_s(d.config, kind, /*checkpoint=*/v.index > 0);
      d.concurrent_s = job.restart_only_s(d.config, kind);
      d.kind = "restart";
    }
    return d;
  }
};

}  // namespace

int main() {
  namespace sim = parcae::sim;
  const auto trace = sim::make_event_trace(parcae::trace::read_trace(
      std::filesystem::path(std::string(PARCAE_SOURCE_DIR) + "/bench/traces/parcae/p3trace.csv")));
  parcae::plan::job_params jp;
  jp.capacity = trace.capacity();
  const sim::job job(parcae::perf::builtin::gpt_1_5b(), jp);
  sim::ideal_policy ideal;
  sim::reactive_policy reactive;
  sticky_policy sticky;
  const double best = sim::simulate(trace, ideal, job).samples;
  for (sim::policy* p : {static_cast<sim::policy*>(&ideal), static_cast<sim::policy*>(&reactive),
                         static_cast<sim::policy*>(&sticky)}) {
    const sim::policy_result r = sim::simulate(trace, *p, job);
    std::printf("%-9s %12.0f samples  %6.2f%% of ideal  %4d restarts  $%.2f per M samples\n",
                r.name.c_str(), r.samples, 100.0 * r.samples / best, r.reconfigurations,
                r.usd_per_million_samples());
  }
}
