#pragma once
// Memory feasibility of a pipeline depth (artifact liveput/cost_strategy.py
// `TrainOracle.partition_model` and the OOM check of `simulate`; digest §2.2).
//
// Per stage s of a depth-p pipeline, with params and activations summed over the stage's layers:
//   states     = params * 4 B * (1 + k)                      (fp32 weights + k optimizer states)
//   recompute  = min over chunk c of  c * act_block + ceil(n_s / c) * act_p2p   (transformers:
//                checkpoint every c layers, keep one block's activations live while recomputing)
//              = the largest layer activation of the stage (other models)
//   in-flight  = (p - s) * activations of the stage            (1F1B keeps p - s micro-batches)
// The depth is infeasible (OOM) when states + recompute exceeds the GPU memory of some stage.
// When states + in-flight exceeds it for some stage, activation recomputation is switched on for
// the whole configuration (backward then costs forward + backward). The memory of a stage is
// states + in-flight activations, or states + recompute when recomputation is on, so it never
// exceeds the GPU memory of a feasible depth.
// Deviation: the artifact switches recomputation on only when the in-flight activations alone
// exceed the memory (ignoring the states), which admits stages whose states + activations do not
// fit (gpt-6.7b at p = 12: 19.3 GB on a 15.5 GB budget).
//
// Because the rule depends on p only (not on d), the minimum pipeline depth of a model follows
// from its profile: for gpt-1.5b on 15.5 GiB it is 6, for gpt-6.7b 12, as the artifact hard-codes.
// For a transformer with p = 1 the head's parameters are not counted: they are tied to the
// embedding (the artifact subtracts them the same way).

#include <algorithm>
#include <cmath>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/perf/partition.hpp"
#include "parcae/perf/profile.hpp"

namespace parcae::detail {
inline constexpr double mib = 1024.0 * 1024.0;
}  // namespace parcae::detail

namespace parcae::perf {

/// Memory of one stage, in MiB.
struct stage_memory {
  int first_layer = 0;          ///< first layer index of the stage
  int n_layers = 0;             ///< layers in the stage
  double params = 0.0;          ///< parameters held by the stage
  double states_mb = 0.0;       ///< parameters + optimizer states
  double activations_mb = 0.0;  ///< activations of one micro-batch
  double recompute_mb = 0.0;    ///< live activations with recomputation
  double in_flight_mb = 0.0;    ///< (p - s) micro-batches of activations
  double total_mb = 0.0;        ///< states + (recompute ? recompute_mb : in_flight_mb)
  bool oom = false;             ///< states + recompute_mb > GPU memory
};

/// Memory verdict for one pipeline depth.
struct memory_plan {
  int p = 0;
  std::vector<stage_memory> stages;
  bool feasible = false;   ///< no stage is OOM
  bool recompute = false;  ///< activation recomputation switched on
  double peak_mb = 0.0;    ///< max over stages of total_mb
};

/// Memory of every stage of a depth-p pipeline. Throws parcae::invalid_argument for an invalid
/// profile or p outside [1, max_pipeline_depth(n_layers)].
inline memory_plan plan_memory(const model_profile& profile, int p) {
  static constexpr const char* fn = "parcae::perf::plan_memory";
  profile.validate(fn);
  const int n = profile.n_layers();
  check_bounded(fn, "p", p, 1, max_pipeline_depth(n));
  std::vector<int> bounds(static_cast<std::size_t>(p) + 1);
  partition_bounds(n, p, bounds.data());

  memory_plan plan;
  plan.p = p;
  plan.stages.resize(static_cast<std::size_t>(p));
  const double limit = profile.gpu_memory_mb;
  const double p2p_mb = profile.activation_p2p_bytes / detail::mib;
  // Artifact: the recompute rule of a transformer uses the first block's activations.
  const double block_act_mb =
      profile.layers[static_cast<std::size_t>(std::min(1, n - 1))].activation_bytes / detail::mib;
  for (int s = 0; s < p; ++s) {
    stage_memory& st = plan.stages[static_cast<std::size_t>(s)];
    st.first_layer = bounds[static_cast<std::size_t>(s)];
    st.n_layers = bounds[static_cast<std::size_t>(s) + 1] - st.first_layer;
    double max_act = 0.0;
    for (int l = st.first_layer; l < st.first_layer + st.n_layers; ++l) {
      const layer_profile& layer = profile.layers[static_cast<std::size_t>(l)];
      st.params += layer.params;
      st.activations_mb += layer.activation_bytes / detail::mib;
      max_act = std::max(max_act, layer.activation_bytes / detail::mib);
    }
    if (profile.transformer && p == 1 && n >= 2) st.params -= profile.layers.back().params;
    st.states_mb = st.params * 4.0 / detail::mib * (1.0 + profile.optimizer_states);
    if (profile.transformer) {
      st.recompute_mb = INFINITY;
      for (int c = 1; c <= st.n_layers; ++c) {
        const int checkpoints = (st.n_layers + c - 1) / c;
        st.recompute_mb = std::min(st.recompute_mb, c * block_act_mb + checkpoints * p2p_mb);
      }
    } else {
      st.recompute_mb = max_act;
    }
    st.in_flight_mb = (p - s) * st.activations_mb;
    st.oom = st.states_mb + st.recompute_mb > limit;
    if (st.states_mb + st.in_flight_mb > limit) plan.recompute = true;
  }
  plan.feasible = true;
  for (stage_memory& st : plan.stages) {
    st.total_mb = st.states_mb + (plan.recompute ? st.recompute_mb : st.in_flight_mb);
    plan.peak_mb = std::max(plan.peak_mb, st.total_mb);
    if (st.oom) plan.feasible = false;
  }
  return plan;
}

/// Smallest memory-feasible pipeline depth, or 0 when no depth fits.
inline int min_feasible_depth(const model_profile& profile) {
  const int max_p = max_pipeline_depth(profile.n_layers());
  for (int p = 1; p <= max_p; ++p) {
    if (plan_memory(profile, p).feasible) return p;
  }
  return 0;
}

}  // namespace parcae::perf
