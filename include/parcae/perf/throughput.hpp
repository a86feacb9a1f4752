#pragma once
// Throughput T(d,p) of a data-parallel x pipeline-parallel configuration: a profiled table where
// one was measured, otherwise an analytic per-iteration model (Parcae artifact liveput/cost.py
// `estimate_strategy_performance` and liveput/cost_strategy.py `TrainOracle`/`Simulator`;
// digest §2.1-§2.2).
//
// Analytic model for (d,p):
//   1. partition the layers uniformly into p stages (perf/partition.hpp);
//   2. memory feasibility per stage, switching on activation recomputation where needed
//      (perf/memory.hpp); an infeasible depth has status out_of_memory;
//   3. m = ceil((global_batch / micro_batch) / d) micro-batches per pipeline; simulate one 1F1B
//      schedule (perf/detail/pipeline_schedule.hpp) with p2p activation transfers from the network
//      profile; all d replicas are identical, so one is simulated;
//   4. per stage add the gradient all-reduce among the d replicas, ring formula on half the fp32
//      parameter volume (fp16 gradients) at 10 Gb/s, with 2d ranks on stage 0 of a transformer
//      (tied embedding), then the stage's optimizer time; the iteration time is the max over
//      stages; samples/s = micro_batch * d * m / iteration time.
//
// GPUs: a configuration occupies d*p GPUs, gpus_per_instance per instance, placed as documented
// in perf/migration.hpp (pipeline-major slots, consecutive slots on one instance). The analytic
// model charges the same network for every transfer (the artifact has no intra-node model).
// Deviation: the artifact's lookup checks (d,p) but returns the entry (d*gpus_per_node, p)
// (digest §10 item 3); here d always counts GPU pipelines and the lookup uses (d,p).

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/limits.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/perf/detail/pipeline_schedule.hpp"
#include "parcae/perf/memory.hpp"
#include "parcae/perf/network.hpp"
#include "parcae/perf/partition.hpp"
#include "parcae/perf/profile.hpp"

namespace parcae::perf {

enum class estimate_status : int {
  ok = 0,
  out_of_memory = 1,    ///< some stage does not fit in GPU memory
  no_estimate = 2,      ///< not measured, and the analytic model is off or has no layer times
  batch_too_small = 3,  ///< d > global_batch / micro_batch: a pipeline would get no micro-batch
};

/// Where an estimate comes from: the profile's measured row, the analytic model, or the measured
/// rows of the configuration's depth extended to more pipelines than were measured (see
/// throughput_options::extrapolate_measured).
enum class estimate_source : int { measured = 0, analytic = 1, extrapolated = 2 };

inline const char* to_string(estimate_status s) {
  switch (s) {
    case estimate_status::ok:
      return "ok";
    case estimate_status::out_of_memory:
      return "out_of_memory";
    case estimate_status::no_estimate:
      return "no_estimate";
    case estimate_status::batch_too_small:
      return "batch_too_small";
  }
  return "?";
}
inline const char* to_string(estimate_source s) {
  switch (s) {
    case estimate_source::measured:
      return "measured";
    case estimate_source::analytic:
      return "analytic";
    case estimate_source::extrapolated:
      return "extrapolated";
  }
  return "?";
}

/// Estimate of one configuration.
struct config_estimate {
  parallel_config config;
  estimate_status status = estimate_status::no_estimate;
  estimate_source source = estimate_source::analytic;
  double iteration_ms = INFINITY;
  double samples_per_s = 0.0;  ///< 0 unless status == ok
  int micro_batches = 0;       ///< per pipeline and iteration
  bool recompute = false;      ///< activation recomputation on (from the memory rule)
};

struct throughput_options {
  /// Use the profile's measured table where it has the configuration (default).
  bool use_measured = true;
  /// Fall back to the analytic model for configurations not in the table (default). Off: such
  /// configurations get status no_estimate and throughput 0, as in the artifact.
  bool analytic_fallback = true;
  /// Beyond the measured table, extend a depth's measured rows to more pipelines (default on;
  /// needs use_measured). Why: the analytic layer times are 3-4x slower than the measurements
  /// (docs/performance-model.md), so without this every configuration larger than the table
  /// ranks below the table's best and a job on 64 GPUs runs on the 32 that were measured. A
  /// 1F1B iteration with m micro-batches per pipeline takes (m + p - 1) pipeline slots plus a part
  /// that does not depend on m (gradient all-reduce, optimizer step), so per depth p with at least
  /// two measured pipeline counts the rows are fitted by least squares as
  ///   iteration_ms - allreduce_ms(d) = per_slot_ms * (m + p - 1) + fixed_ms,
  /// with allreduce_ms(d) the ring all-reduce of the analytic model (the part that grows with d),
  /// and the fit predicts d > the largest measured d. A depth is extended only when the fit
  /// describes its rows (every row within 5%), per_slot_ms > 0 and the line does not fall below
  /// zero at m = 0 (per_slot_ms * (p - 1) + fixed_ms >= 0: an iteration cannot take less than its
  /// micro-batches' share); gaps inside the table, fewer pipelines than measured and depths
  /// without two measured micro-batch counts keep the analytic model.
  bool extrapolate_measured = true;
  /// Charge the p2p time on every DAG edge, as the artifact's simulator does (default off).
  bool p2p_on_every_edge = false;
};

/// T(d,p) for one model profile. Construction validates the profile and precomputes the memory
/// plan of every depth; estimates are then cheap and thread-safe (const).
class throughput_model {
 public:
  explicit throughput_model(model_profile profile, throughput_options options = {})
      : profile_(std::move(profile)), options_(options) {
    static constexpr const char* fn = "parcae::perf::throughput_model::throughput_model";
    profile_.validate(fn);
    max_p_ = max_pipeline_depth(profile_.n_layers());
    plans_.reserve(static_cast<std::size_t>(max_p_));
    for (int p = 1; p <= max_p_; ++p) plans_.push_back(plan_memory(profile_, p));
    for (std::size_t i = 0; i < profile_.measured.size(); ++i) {
      const parallel_config c = profile_.measured[i].config;
      if (!measured_.emplace(c, i).second) {
        throw_invalid(fn, "profile.measured[" + std::to_string(i) + "]", to_string(c),
                      "a configuration listed once");
      }
    }
    p2p_ms_ = profile_.p2p.cost_ms(profile_.activation_p2p_bytes);
    fit_depths();
  }

  const model_profile& profile() const { return profile_; }
  const throughput_options& options() const { return options_; }
  /// Deepest pipeline the model allows (n_layers - 1).
  int max_depth() const { return max_p_; }
  /// Smallest memory-feasible depth, 0 if none.
  int min_depth() const {
    for (int p = 1; p <= max_p_; ++p) {
      if (plans_[static_cast<std::size_t>(p) - 1].feasible) return p;
    }
    return 0;
  }
  /// Memory plan of depth p (1 <= p <= max_depth()).
  const memory_plan& memory(int p) const {
    check_bounded("parcae::perf::throughput_model::memory", "p", p, 1, max_p_);
    return plans_[static_cast<std::size_t>(p) - 1];
  }

  /// T(d,p): the measured entry if there is one (and use_measured), else the analytic model.
  /// Throws parcae::invalid_argument unless d >= 1 and 1 <= p <= max_depth().
  config_estimate estimate(parallel_config c) const {
    static constexpr const char* fn = "parcae::perf::throughput_model::estimate";
    check_config(fn, c);
    const memory_plan& plan = plans_[static_cast<std::size_t>(c.p) - 1];
    if (options_.use_measured) {
      const auto it = measured_.find(c);
      if (it != measured_.end()) {
        const measured_config& row = profile_.measured[it->second];
        config_estimate e;
        e.config = c;
        e.status = estimate_status::ok;
        e.source = estimate_source::measured;
        e.iteration_ms = row.iteration_ms;
        e.samples_per_s = row.samples_per_s;
        e.micro_batches = micro_batches(c.d);
        e.recompute = plan.recompute;
        return e;
      }
      if (options_.extrapolate_measured) {
        const depth_fit& fit = fits_[static_cast<std::size_t>(c.p) - 1];
        if (fit.usable && c.d > fit.max_measured_d &&
            c.d <= profile_.global_batch / profile_.micro_batch) {
          return extrapolated(c, fit);
        }
      }
      if (!options_.analytic_fallback) {
        config_estimate e;
        e.config = c;
        e.status = estimate_status::no_estimate;
        e.micro_batches = micro_batches(c.d);
        return e;
      }
    }
    return analytic_unchecked(c);
  }

  /// T(d,p) for a job with `alive_instances` instances: also checks that d*p GPUs are there.
  config_estimate estimate(parallel_config c, int alive_instances) const {
    static constexpr const char* fn = "parcae::perf::throughput_model::estimate";
    check_at_least(fn, "alive_instances", alive_instances, 1);
    check_at_most(fn, "alive_instances", alive_instances, parcae::limits::instances);
    check_config(fn, c);
    const long long gpus = static_cast<long long>(alive_instances) * profile_.gpus_per_instance;
    if (static_cast<long long>(c.d) * c.p > gpus) {
      throw_invalid(fn, "config.d * config.p", static_cast<long long>(c.d) * c.p,
                    "<= the GPUs alive (" + std::to_string(gpus) + ")");
    }
    return estimate(c);
  }

  /// The analytic model only (ignores the measured table).
  config_estimate analytic(parallel_config c) const {
    check_config("parcae::perf::throughput_model::analytic", c);
    return analytic_unchecked(c);
  }

  /// The fit of depth p's measured rows used beyond the table (extrapolate_measured): usable is
  /// false where the depth is not extended. 1 <= p <= max_depth().
  struct depth_fit {
    bool usable = false;
    /// Largest measured d at the depth (0: none); the fit predicts above it.
    int max_measured_d = 0;
    double per_slot_ms = 0.0;
    double fixed_ms = 0.0;
    double worst_error = 0.0;  ///< largest |fit - row| / row over the depth's rows
  };
  const depth_fit& measured_fit(int p) const {
    check_bounded("parcae::perf::throughput_model::measured_fit", "p", p, 1, max_p_);
    return fits_[static_cast<std::size_t>(p) - 1];
  }

  /// Every configuration with d*p <= gpus and status ok, ordered by p then d. gpus must be in
  /// [1, limits::gpus] (core/limits.hpp), so every d fits an int.
  std::vector<config_estimate> feasible_configs(long long gpus) const {
    check_at_least("parcae::perf::throughput_model::feasible_configs", "gpus", gpus, 1LL);
    check_at_most("parcae::perf::throughput_model::feasible_configs", "gpus", gpus,
                  parcae::limits::gpus);
    std::vector<config_estimate> out;
    for (int p = 1; p <= max_p_ && p <= gpus; ++p) {
      for (int d = 1; static_cast<long long>(d) * p <= gpus; ++d) {
        config_estimate e = estimate(parallel_config{d, p});
        if (e.status == estimate_status::ok) out.push_back(e);
      }
    }
    return out;
  }

  /// The configuration with the highest samples/s among d*p <= gpus (ties: fewer GPUs, then
  /// smaller p). status no_estimate and config {0,0} when nothing fits.
  config_estimate best(long long gpus) const {
    check_at_least("parcae::perf::throughput_model::best", "gpus", gpus, 1LL);
    check_at_most("parcae::perf::throughput_model::best", "gpus", gpus, parcae::limits::gpus);
    config_estimate best_e;
    for (const config_estimate& e : feasible_configs(gpus)) {
      if (e.samples_per_s > best_e.samples_per_s ||
          (e.samples_per_s == best_e.samples_per_s && best_e.status == estimate_status::ok &&
           e.config.size() < best_e.config.size())) {
        best_e = e;
      }
    }
    return best_e;
  }

  /// Micro-batches per pipeline and iteration for d pipelines: ceil((gbs / mbs) / d).
  int micro_batches(int d) const {
    const int per_batch = profile_.global_batch / profile_.micro_batch;
    return (per_batch + d - 1) / d;
  }

 private:
  void check_config(const char* fn, parallel_config c) const {
    check_at_least(fn, "config.d", c.d, 1);
    check_at_most(fn, "config.d", c.d, static_cast<int>(parcae::limits::gpus));
    check_bounded(fn, "config.p", c.p, 1, max_p_);
    check_at_most(fn, "config.d * config.p", static_cast<long long>(c.d) * c.p,
                  parcae::limits::gpus);
  }

  // Ring all-reduce of stage s's gradients among d pipelines (the analytic model's step 4): half
  // the fp32 parameter volume with fp16 gradients, 2d ranks on stage 0 of a transformer (tied
  // embedding); 0 where the profile has no parameters.
  double stage_allreduce_ms(const memory_plan& plan, std::size_t s, int d) const {
    double volume_mb = plan.stages[s].params * 4.0 / detail::mib;
    if (profile_.fp16_gradients) volume_mb /= 2.0;
    const int ranks = (s == 0 && profile_.transformer) ? 2 * d : d;
    return ring_allreduce_ms(volume_mb, ranks, profile_.allreduce_mb_per_ms);
  }

  // The slowest stage's all-reduce: the part of an iteration that grows with d.
  double allreduce_ms(parallel_config c) const {
    const memory_plan& plan = plans_[static_cast<std::size_t>(c.p) - 1];
    double worst = 0.0;
    for (std::size_t s = 0; s < plan.stages.size(); ++s) {
      worst = std::max(worst, stage_allreduce_ms(plan, s, c.d));
    }
    return worst;
  }

  int pipeline_slots(parallel_config c) const { return micro_batches(c.d) + c.p - 1; }

  // Least squares per depth (extrapolate_measured): two unknowns, so the normal equations are
  // solved directly.
  void fit_depths() {
    fits_.assign(static_cast<std::size_t>(max_p_), depth_fit{});
    std::vector<std::vector<const measured_config*>> rows(static_cast<std::size_t>(max_p_));
    for (const measured_config& row : profile_.measured) {
      if (row.config.p <= max_p_ && row.iteration_ms > 0.0) {
        rows[static_cast<std::size_t>(row.config.p) - 1].push_back(&row);
      }
    }
    for (int p = 1; p <= max_p_; ++p) {
      const auto& depth_rows = rows[static_cast<std::size_t>(p) - 1];
      depth_fit& fit = fits_[static_cast<std::size_t>(p) - 1];
      for (const measured_config* row : depth_rows) {
        fit.max_measured_d = std::max(fit.max_measured_d, row->config.d);
      }
      if (depth_rows.size() < 2 || !plans_[static_cast<std::size_t>(p) - 1].feasible) continue;
      double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
      for (const measured_config* row : depth_rows) {
        const double x = pipeline_slots(row->config);
        const double y = row->iteration_ms - allreduce_ms(row->config);
        n += 1;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
      }
      const double det = n * sxx - sx * sx;
      if (!(det > 0.0)) continue;  // one micro-batch count measured: the slope is unknown
      fit.per_slot_ms = (n * sxy - sx * sy) / det;
      fit.fixed_ms = (sy - fit.per_slot_ms * sx) / n;
      for (const measured_config* row : depth_rows) {
        const double predicted = fit.per_slot_ms * pipeline_slots(row->config) + fit.fixed_ms +
                                 allreduce_ms(row->config);
        fit.worst_error =
            std::max(fit.worst_error, std::abs(predicted - row->iteration_ms) / row->iteration_ms);
      }
      fit.usable = fit.per_slot_ms > 0.0 && fit.per_slot_ms * (p - 1) + fit.fixed_ms >= 0.0 &&
                   fit.worst_error <= 0.05;
    }
  }

  // Samples per second as the measured tables count them: the global batch per iteration.
  config_estimate extrapolated(parallel_config c, const depth_fit& fit) const {
    config_estimate e;
    e.config = c;
    e.status = estimate_status::ok;
    e.source = estimate_source::extrapolated;
    e.micro_batches = micro_batches(c.d);
    e.recompute = plans_[static_cast<std::size_t>(c.p) - 1].recompute;
    e.iteration_ms = fit.per_slot_ms * pipeline_slots(c) + fit.fixed_ms + allreduce_ms(c);
    e.samples_per_s = profile_.global_batch / (e.iteration_ms / 1000.0);
    return e;
  }

  config_estimate analytic_unchecked(parallel_config c) const {
    const memory_plan& plan = plans_[static_cast<std::size_t>(c.p) - 1];
    config_estimate e;
    e.config = c;
    e.source = estimate_source::analytic;
    e.micro_batches = micro_batches(c.d);
    e.recompute = plan.recompute;
    if (!plan.feasible) {
      e.status = estimate_status::out_of_memory;
      return e;
    }
    if (c.d > profile_.global_batch / profile_.micro_batch) {
      // ceil((gbs / mbs) / d) would still give every pipeline one micro-batch and count samples
      // beyond the global batch (the artifact's formula); we call such configurations infeasible.
      e.status = estimate_status::batch_too_small;
      return e;
    }
    if (!profile_.layer_times) {
      e.status = estimate_status::no_estimate;
      return e;
    }
    const std::size_t p = static_cast<std::size_t>(c.p);
    detail::pipeline_stage_costs costs;
    costs.forward_ms.assign(p, 0.0);
    costs.backward_ms.assign(p, 0.0);
    std::vector<double> optimizer(p, 0.0);
    for (std::size_t s = 0; s < p; ++s) {
      const stage_memory& st = plan.stages[s];
      for (int l = st.first_layer; l < st.first_layer + st.n_layers; ++l) {
        const layer_profile& layer = profile_.layers[static_cast<std::size_t>(l)];
        costs.forward_ms[s] += layer.forward_ms;
        costs.backward_ms[s] += layer.backward_ms;
        optimizer[s] += layer.optimizer_ms;
      }
      if (plan.recompute) costs.backward_ms[s] += costs.forward_ms[s];
    }
    std::vector<double> finish;
    detail::schedule_1f1b(costs, e.micro_batches, p2p_ms_, options_.p2p_on_every_edge, finish);
    double iteration = 0.0;
    for (std::size_t s = 0; s < p; ++s) {
      iteration = std::max(iteration, finish[s] + stage_allreduce_ms(plan, s, c.d) + optimizer[s]);
    }
    e.status = estimate_status::ok;
    e.iteration_ms = iteration;
    e.samples_per_s =
        profile_.micro_batch * static_cast<double>(c.d) * e.micro_batches / (iteration / 1000.0);
    return e;
  }

  model_profile profile_;
  throughput_options options_;
  int max_p_ = 0;
  double p2p_ms_ = 0.0;
  std::vector<memory_plan> plans_;
  std::unordered_map<parallel_config, std::size_t> measured_;
  std::vector<depth_fit> fits_;  ///< per depth p at index p - 1
};

}  // namespace parcae::perf
