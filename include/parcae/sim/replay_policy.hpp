#pragma once
// Replays a given per-interval plan (for example the artifact's liveput_res/*.json plans,
// parcae-artifact.md §1.5) through the simulator, so that a plan made elsewhere is accounted
// exactly like our own policies.
//
//   restart  every interval with events (and every change of plan) is a checkpoint restart, as
//            the reactive baseline pays (use it for a throughput-optimal plan);
//   live     changes are Parcae live migrations for the preemptions of the trace (use it for a
//            liveput plan).
// A planned configuration that does not fit the instances left is shrunk as the artifact's
// optimize() does: d = N' / p, or (1, N') when not even one pipeline fits; a configuration that
// still cannot run pauses the interval.

#include <string>
#include <utility>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/sim/baselines.hpp"
#include "parcae/sim/simulator.hpp"

namespace parcae::sim {

enum class replay_mode { restart, live };

class replay_policy final : public policy {
 public:
  replay_policy(std::string name, std::vector<parallel_config> plan, replay_mode mode)
      : name_(std::move(name)), plan_(std::move(plan)), mode_(mode) {
    for (std::size_t k = 0; k < plan_.size(); ++k) {
      const parallel_config c = plan_[k];
      if (!(c.d == 0 && c.p == 0) && (c.d < 1 || c.p < 1)) {
        throw_invalid("parcae::sim::replay_policy::replay_policy",
                      "plan[" + std::to_string(k) + "]", to_string(c), "(0,0) or d, p >= 1");
      }
    }
  }
  std::string name() const override { return name_; }

  choice decide(const interval_view& v, const job& j) override {
    choice d;
    parallel_config c = v.index < plan_.size() ? plan_[v.index] : parallel_config{};
    const int slots = v.n_after * j.gpus_per_instance();
    if (!c.paused() && !j.fits(c, v.n_after)) {
      c = slots / c.p >= 1 ? parallel_config{slots / c.p, c.p} : parallel_config{1, slots};
    }
    if (!j.runnable(c) || !j.fits(c, v.n_after) || j.throughput(c) <= 0.0) c = parallel_config{};
    d.config = c;
    if (c.paused()) return d;
    const bool change = c != v.current || v.index == 0 || v.current.paused();
    if (mode_ == replay_mode::restart || v.current.paused()) {
      if (change || v.n_in + v.n_out > 0) {
        const perf::restart_kind kind = detail::event_kind(v);
        d.cost_s = j.restart_s(c, kind, v.index > 0);
        d.concurrent_s = j.restart_only_s(c, kind);
        d.kind = "restart";
      }
      return d;
    }
    const perf::migration_result r = live_migration(j, v.survivors, c);
    d.cost_s = r.type == perf::migration_kind::infeasible
                   ? j.restart_s(c, perf::restart_kind::add, true)
                   : r.cost_ms / 1000.0;
    d.kind = perf::to_string(r.type);
    d.concurrent_s = j.restart_only_s(c, perf::restart_kind::no_op);
    return d;
  }

 private:
  std::string name_;
  std::vector<parallel_config> plan_;
  replay_mode mode_;
};

}  // namespace parcae::sim
