#pragma once
// Parcae in the simulator: the liveput DP planner (plan/dp_planner.hpp, Parcae §5.1) over the
// liveput table (liveput/table.hpp, §1.4) on a receding horizon of H intervals.
//
// Three ways to know the future:
//   truth       the trace's own next H intervals (the artifact's "liveput-truth");
//   predict     the availability forecaster (forecast/availability_forecaster.hpp) fitted to the
//               N history of the last `window` intervals (the artifact's W = H = 12, §4); the
//               default model is naive (last value), the artifact's is ARIMA(1,1,0);
//   stochastic  as predict, with K forecast sample paths and plan::plan_stochastic.
//
// What predict and stochastic know of the interval being decided (`first_step`):
//   forecast (default, the artifact's liveput-predict, §5.1 "Receding horizon") the history
//            holds only N at the start of this interval and before; all H steps are forecast.
//            What the policy does once the interval's real events are seen is `reaction`:
//            shrink       the artifact's optimize() rule: only when the plan no longer fits N',
//                         d := N'g / p, or (1, N'g) if that gives 0 (a memory-infeasible result
//                         runs the throughput-optimal candidate that fits, or the job pauses);
//            replan_undercut    when the plan no longer fits N', re-plan with the DP from the
//                         survivors, the interval's events as step 1 (what a runtime can do once
//                         the preemptions have hit: it sees them, as the shrink sees N');
//            replan_preemption (default) the same, and also whenever a preemption hits a plan
//                         that still fits (the migration it forces is then chosen, not inherited).
//            Joins alone never trigger a re-plan: they are used from the next interval on.
//   notice   step 1 is the interval's observed events: preemption notices (AWS gives two
//            minutes, the artifact's replay injects them 25 s ahead, §3.1) and joins known at
//            decision time; steps 2..H are forecast from the history that includes N'.
//
// Accounting of the executed step. `realized` (default): the cost of the live migration that
// the trace's actual preemptions require (perf::migration_cost_ms on the survivors the
// simulator reports). `expected`: the liveput table's expected cost for the executed key, as
// the artifact's optimize() does (§5.2); use it to reproduce the artifact's numbers. Resuming
// from a pause (or starting) is a restart from the checkpoint, without checkpoint at the start.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/forecast/availability_forecaster.hpp"
#include "parcae/liveput/cpu_backend.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/liveput/preemption.hpp"
#include "parcae/liveput/table.hpp"
#include "parcae/plan/dp_planner.hpp"
#include "parcae/plan/liveput_provider.hpp"
#include "parcae/plan/stochastic_planner.hpp"
#include "parcae/sim/simulator.hpp"

namespace parcae::sim {

enum class future_source { truth, predict, stochastic };
enum class accounting { realized, expected };
/// What predict/stochastic know of the interval being decided (see the header comment).
enum class first_step { forecast, notice };
/// What predict/stochastic do, with first_step = forecast, once the interval's real events are
/// seen (see the header comment).
enum class reaction { shrink, replan_undercut, replan_preemption };

inline const char* to_string(reaction r) {
  switch (r) {
    case reaction::shrink:
      return "shrink";
    case reaction::replan_undercut:
      return "replan-undercut";
    case reaction::replan_preemption:
      return "replan-preemption";
  }
  return "reaction";
}

inline const char* to_string(future_source s) {
  switch (s) {
    case future_source::truth:
      return "parcae-truth";
    case future_source::predict:
      return "parcae-predict";
    case future_source::stochastic:
      return "parcae-stochastic";
  }
  return "parcae";
}

/// Liveput table settings. The artifact's own simulator run that the issue quotes used 100
/// Monte-Carlo samples per key; the automatic backend is exact where the enumeration is small.
/// The estimates do not depend on `threads` (liveput/backend.hpp); 0 = every core.
struct liveput_options {
  liveput::estimator_kind kind = liveput::estimator_kind::automatic;
  std::int64_t samples = 100;          ///< Monte-Carlo samples per key family
  std::int64_t exact_threshold = 100;  ///< largest enumeration done exactly
  std::uint64_t seed = 1;
  int threads = 0;

  void validate() const {
    const char* f = "parcae::sim::liveput_options::validate";
    check_at_least(f, "samples", samples, std::int64_t{1});
    check_at_least(f, "exact_threshold", exact_threshold, std::int64_t{1});
    check_at_least(f, "threads", threads, 0);
  }
};

/// The liveput table and provider of one job, shared by the parcae policies of a run.
inline std::shared_ptr<plan::liveput_provider> make_provider(const job& j, double interval_s,
                                                             const liveput_options& o = {}) {
  o.validate();
  check_positive("parcae::sim::make_provider", "interval_s", interval_s);
  liveput::cpu_params cp;
  cp.kind = o.kind;
  cp.samples = o.samples;
  cp.seed = o.seed;
  cp.threads = o.threads;
  cp.exact_threshold = o.exact_threshold;
  cp.interval_s = interval_s;
  auto backend = liveput::make_cpu_backend(liveput::uniform_model{}, j.cost_model(), j.candidates(),
                                           j.gpus_per_instance(), cp);
  auto table = std::make_shared<liveput::table>(std::move(backend));
  return std::make_shared<plan::liveput_provider>(table, j.candidates(), j.profile());
}

struct parcae_params {
  future_source future = future_source::truth;
  sim::accounting accounting = sim::accounting::realized;
  int horizon = 12;        ///< H
  int window = 12;         ///< forecast history (the artifact's W for H = 12)
  int sample_paths = 4;    ///< K (stochastic)
  std::uint64_t seed = 1;  ///< forecast sample paths
  /// Forecast model. Default naive (last value): on p3 and g4dn it beats the artifact's
  /// ARIMA(1,1,0) on 12 points for every shipped model (docs/results.md, "What closes the gap").
  forecast::availability_model model = forecast::availability_model::naive;
  sim::first_step first_step = sim::first_step::forecast;
  /// Default replan_preemption; reaction::shrink with model = arima is the artifact's predict.
  sim::reaction reaction = sim::reaction::replan_preemption;
  liveput_options liveput;

  void validate() const {
    const char* f = "parcae::sim::parcae_params::validate";
    check_at_least(f, "horizon", horizon, 1);
    check_at_least(f, "window", window, 3);
    check_at_least(f, "sample_paths", sample_paths, 1);
    liveput.validate();
  }
};

class parcae_policy final : public policy {
 public:
  /// `provider` may be null (the policy then builds its own in reset()); share one between the
  /// policies of a run to share the liveput table.
  explicit parcae_policy(parcae_params params = {},
                         std::shared_ptr<plan::liveput_provider> provider = nullptr)
      : params_(params), provider_(std::move(provider)) {
    params_.validate();
  }

  std::string name() const override { return to_string(params_.future); }
  const parcae_params& params() const { return params_; }
  const std::shared_ptr<plan::liveput_provider>& provider() const { return provider_; }

  void reset(const job& j, const event_trace& trace) override {
    if (!provider_) provider_ = make_provider(j, trace.interval_s, params_.liveput);
    planner_params_ = plan::planner_params{};
    planner_params_.interval_s = trace.interval_s;
    planner_params_.gpus_per_instance = j.gpus_per_instance();
    planner_params_.capacity = std::max(1, std::max(trace.capacity(), j.max_instances()));
    int p_min = 1 << 20, p_max = 1;
    for (const auto& c : j.candidates()) {
      p_min = std::min(p_min, c.config.p);
      p_max = std::max(p_max, c.config.p);
    }
    planner_params_.p_min = std::min(p_min, p_max);
    planner_params_.p_max = p_max;
    planner_ =
        std::make_unique<plan::dp_planner<plan::liveput_provider>>(*provider_, planner_params_);
    alive_history_.clear();
  }

  decision decide(const interval_view& v, const job& j) override {
    const bool notice =
        params_.future == future_source::truth || params_.first_step == sim::first_step::notice;
    if (notice) {
      if (alive_history_.empty()) alive_history_.push_back(v.n_before);
      alive_history_.push_back(v.n_after);
    } else {
      alive_history_.push_back(v.n_before);  // only intervals that have ended
    }
    decision d;
    d.config = plan_first(v, notice, alive_history_);
    const bool undercut = !d.config.paused() && !j.fits(d.config, v.n_after);
    const bool react =
        undercut || (params_.reaction == sim::reaction::replan_preemption && v.n_out > 0);
    if (!notice && react) {
      if (params_.reaction != sim::reaction::shrink) {
        // The preemptions have hit: the runtime sees them, as the artifact's shrink sees N'.
        // Re-plan from the survivors with this interval's events as step 1, choosing by the
        // DP's value net of the migration each target needs instead of the mechanical shrink.
        std::vector<double> seen = alive_history_;
        seen.push_back(v.n_after);
        d.config = plan_first(v, true, seen);
      } else {
        d.config = shrink(d.config, v.n_after, j);
      }
    }
    if (d.config.paused()) return d;
    d.concurrent_s = j.restart_only_s(d.config, perf::restart_kind::no_op);
    if (v.current.paused()) {
      d.cost_s = j.restart_s(d.config, perf::restart_kind::add, v.index > 0);
      d.kind = "restart";
    } else if (params_.accounting == sim::accounting::expected) {
      provider_->transitions(v.n_before, v.current, v.n_in, v.n_out, buf_);
      for (const auto& t : buf_) {
        if (t.target == d.config) d.cost_s = t.cost_s;
      }
      d.kind = d.cost_s > 0.0 ? "migration" : "none";
    } else {
      const perf::migration_result r = j.live_migration(v.survivors, d.config);
      if (r.type == perf::migration_type::infeasible) {
        // Cannot happen for a planner target (it fits the instances left); a checkpoint
        // restart keeps the accounting defined if a custom profile ever allows it.
        d.cost_s = j.restart_s(d.config, perf::restart_kind::add, true);
        d.kind = "restart";
      } else {
        d.cost_s = r.cost_ms / 1000.0;
        d.kind = perf::to_string(r.type);
      }
    }
    return d;
  }

 private:
  /// The first action of a plan over H steps. `known`: step 1 is the interval's events and the
  /// rest is forecast from `history` (whose last value is N'); otherwise every step is forecast
  /// from `history` (whose last value is N).
  parallel_config plan_first(const interval_view& v, bool known,
                             const std::vector<double>& history) {
    const int from = known ? v.n_after : v.n_before;
    const int steps_wanted = known ? params_.horizon - 1 : params_.horizon;
    const plan::plan_state initial{v.current, v.current.paused() ? 0.0 : v.remaining_s};
    const plan::availability_step first{v.n_in, v.n_out};
    if (params_.future == future_source::stochastic) {
      std::vector<std::vector<plan::availability_step>> paths =
          forecast_paths(v, history, from, steps_wanted);
      for (auto& path : paths) {
        if (known) path.insert(path.begin(), first);
        provider_->prefill(v.n_before, v.current, path, planner_params_);
      }
      return plan::plan_stochastic(*planner_, v.n_before, initial, paths).first.target;
    }
    std::vector<plan::availability_step> steps;
    if (known) steps.push_back(first);
    const std::vector<plan::availability_step> rest =
        params_.future == future_source::truth ? future_truth(v)
                                               : forecast_point(history, from, steps_wanted);
    steps.insert(steps.end(), rest.begin(), rest.end());
    provider_->prefill(v.n_before, v.current, steps, planner_params_);
    return planner_->plan(v.n_before, initial, steps).first();
  }

  std::vector<plan::availability_step> future_truth(const interval_view& v) const {
    std::vector<plan::availability_step> out;
    for (std::size_t k = v.index + 1;
         k < v.trace->size() && out.size() + 1 < static_cast<std::size_t>(params_.horizon); ++k) {
      out.push_back({(*v.trace)[k].added, (*v.trace)[k].removed});
    }
    return out;
  }

  /// The artifact's optimize() (§5.1): a plan that does not fit the N' instances the real
  /// events left is shrunk, d := N'g / p, or (1, N'g) when that gives 0. A result outside the
  /// job's candidates (memory-infeasible depth) cannot run: the best candidate that fits instead.
  static parallel_config shrink(parallel_config c, int n_after, const job& j) {
    if (c.paused() || j.fits(c, n_after)) return c;
    const int slots = n_after * j.gpus_per_instance();
    if (slots < 1) return {};
    parallel_config out{slots / c.p, c.p};
    if (out.d == 0) out = {1, slots};
    return j.throughput(out) > 0.0 && j.runnable(out) ? out : j.best(n_after);
  }

  forecast::availability_params forecast_params(int paths, int steps) const {
    forecast::availability_params fp;
    fp.model = params_.model;
    fp.horizon = steps;
    fp.window = params_.window;
    fp.capacity = planner_params_.capacity;
    fp.levels.clear();
    fp.n_paths = paths;
    fp.seed = params_.seed;
    return fp;
  }

  /// Steps from a path of N values starting at `from`.
  static std::vector<plan::availability_step> steps_of(int from, const std::vector<int>& alive) {
    std::vector<plan::availability_step> out;
    for (int n : alive) {
      out.push_back({std::max(n - from, 0), std::max(from - n, 0)});
      from = n;
    }
    return out;
  }

  bool enough_history(const std::vector<double>& history) const {
    return history.size() >= static_cast<std::size_t>(params_.window) + 1;
  }

  static std::vector<plan::availability_step> persistence(int steps) {
    return std::vector<plan::availability_step>(static_cast<std::size_t>(steps));
  }

  std::vector<plan::availability_step> forecast_point(const std::vector<double>& history, int from,
                                                      int steps) const {
    if (steps <= 0) return {};
    if (!enough_history(history)) return persistence(steps);  // the artifact: "no change" until W
    const forecast::availability_forecast fc =
        forecast::forecast_availability(history, {}, forecast_params(0, steps));
    return sanitize(steps_of(from, fc.alive), from, steps);
  }

  std::vector<std::vector<plan::availability_step>> forecast_paths(
      const interval_view& v, const std::vector<double>& history, int from, int steps) {
    if (steps <= 0 || !enough_history(history)) return {persistence(steps)};
    forecast::availability_params fp = forecast_params(params_.sample_paths, steps);
    fp.seed = params_.seed + v.index;
    const forecast::availability_forecast fc = forecast::forecast_availability(history, {}, fp);
    std::vector<std::vector<plan::availability_step>> out;
    std::vector<int> row(static_cast<std::size_t>(fc.paths.cols()));
    for (Eigen::Index i = 0; i < fc.paths.rows(); ++i) {
      for (Eigen::Index t = 0; t < fc.paths.cols(); ++t) {
        row[static_cast<std::size_t>(t)] = fc.paths(i, t);
      }
      out.push_back(sanitize(steps_of(from, row), from, steps));
    }
    if (out.empty()) out.push_back(persistence(steps));
    return out;
  }

  /// Counts >= 0, never more preempted than alive, never above the capacity.
  std::vector<plan::availability_step> sanitize(std::vector<plan::availability_step> path, int n,
                                                int steps) const {
    path.resize(static_cast<std::size_t>(steps));
    for (auto& s : path) {
      s.n_out = std::clamp(s.n_out, 0, n);
      s.n_in = std::clamp(s.n_in, 0, std::max(0, planner_params_.capacity - (n - s.n_out)));
      n += s.n_in - s.n_out;
    }
    return path;
  }

  parcae_params params_;
  std::shared_ptr<plan::liveput_provider> provider_;
  plan::planner_params planner_params_;
  std::unique_ptr<plan::dp_planner<plan::liveput_provider>> planner_;
  std::vector<double> alive_history_;
  std::vector<plan::transition> buf_;
};

}  // namespace parcae::sim
