#pragma once
// Model profile: everything the throughput model (perf/throughput.hpp) and the migration cost
// model (perf/migration.hpp) need to know about one training job on one kind of cluster.
//
// The Parcae artifact hard-codes these numbers per model in Python (liveput/cost.py,
// cost_cfg.py, model.py; digest §2 and §3). Here they are data: perf/profile_json.hpp reads them
// from JSON (profiles/*.json) and the rest of the core takes this struct.

#include <cmath>
#include <string>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/limits.hpp"
#include "parcae/core/macros.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/perf/network.hpp"

namespace parcae::perf {

/// Largest time, in ms, one layer may take for one micro-batch (forward, backward or optimizer
/// step): an hour. No profiled layer comes near it (the shipped ones take milliseconds); a larger
/// value is a typo or a placeholder (1e308), whose throughput underflows to a few samples per
/// century while every policy's ratio to ideal still looks normal (issue 15, item 6).
inline constexpr double max_layer_ms = 3.6e6;
/// Largest measured iteration time, in ms: a day (the same reasoning, for a whole iteration).
inline constexpr double max_iteration_ms = 8.64e7;

/// One layer (or one repeated block) of the model, profiled at the job's micro-batch size.
struct layer_profile {
  std::string name;
  double forward_ms = 0.0;        ///< forward time of one micro-batch
  double backward_ms = 0.0;       ///< backward time of one micro-batch (without recomputation)
  double optimizer_ms = 0.0;      ///< optimizer step time for this layer's parameters
  double activation_bytes = 0.0;  ///< activations kept for backward, one micro-batch
  double params = 0.0;            ///< number of parameters
};

/// A measured (profiled) configuration: iteration time and throughput.
struct measured_config {
  parallel_config config;
  double iteration_ms = 0.0;
  double samples_per_s = 0.0;
};

/// How the cost of rebuilding the communicators (NCCL groups) grows with the configuration
/// (artifact cost.py `estimate_rebuild_comm_group_cost`; digest §3.3).
enum class comm_rebuild_kind : int {
  per_group = 0,     ///< GPT: init + ms_per_unit * (d + p + 1 + d*p) groups
  per_gpu = 1,       ///< vgg19: init + ms_per_unit * d*p
  stepped_by_d = 2,  ///< bert, resnet152: init + step_ms[largest i with d >= step_min_d[i]],
                     ///< times add_factor when instances are added
};

inline constexpr int max_comm_steps = 8;

/// Communicator rebuild constants; trivially copyable (used in device code).
struct comm_rebuild_params {
  comm_rebuild_kind kind = comm_rebuild_kind::per_group;
  double init_ms = 35.0;
  double add_ms_per_unit = 500.0;    ///< per_group / per_gpu, when instances are added
  double remove_ms_per_unit = 39.3;  ///< per_group / per_gpu, on removal and no-op restarts
  int n_steps = 0;                   ///< stepped_by_d: number of steps
  int step_min_d[max_comm_steps] = {};
  double step_ms[max_comm_steps] = {};
  double add_factor = 1.5;  ///< stepped_by_d: multiplier when instances are added

  /// G(d, p, type) in ms. `d` counts pipelines (GPU units): the artifact multiplies its per-node
  /// d by gpus_per_node first; our d already counts GPU pipelines.
  PARCAE_HD double cost_ms(int d, int p, bool add) const {
    switch (kind) {
      case comm_rebuild_kind::per_group: {
        const double groups = static_cast<double>(d) + p + 1 + static_cast<double>(d) * p;
        return init_ms + groups * (add ? add_ms_per_unit : remove_ms_per_unit);
      }
      case comm_rebuild_kind::per_gpu:
        return init_ms + static_cast<double>(d) * p * (add ? add_ms_per_unit : remove_ms_per_unit);
      case comm_rebuild_kind::stepped_by_d: {
        double ms = n_steps > 0 ? step_ms[0] : 0.0;
        for (int i = 0; i < n_steps; ++i) {
          if (d >= step_min_d[i]) ms = step_ms[i];
        }
        return init_ms + (add ? ms * add_factor : ms);
      }
    }
    return init_ms;
  }

  void validate(const char* function, const std::string& name) const {
    check_nonnegative(function, name + ".init_ms", init_ms);
    check_nonnegative(function, name + ".add_ms_per_unit", add_ms_per_unit);
    check_nonnegative(function, name + ".remove_ms_per_unit", remove_ms_per_unit);
    check_bounded(function, name + ".n_steps", n_steps, 0, max_comm_steps);
    if (kind == comm_rebuild_kind::stepped_by_d) {
      check_at_least(function, name + ".n_steps", n_steps, 1);
      check_nonnegative(function, name + ".add_factor", add_factor);
    }
    for (int i = 0; i < n_steps; ++i) {
      const std::string at = "[" + std::to_string(i) + "]";
      check_at_least(function, name + ".step_min_d" + at, step_min_d[i], 0);
      check_nonnegative(function, name + ".step_ms" + at, step_ms[i]);
      if (i > 0 && !(step_min_d[i] > step_min_d[i - 1])) {
        throw_invalid(function, name + ".step_min_d" + at, step_min_d[i],
                      "> " + std::to_string(step_min_d[i - 1]) + " (strictly increasing)");
      }
    }
  }
};

/// Model (re)build time for one pipeline depth.
struct build_point {
  int p = 0;
  double ms = 0.0;
};

/// Restart and reconfiguration constants (artifact cost.py `estimate_restart_cost`; digest §3.3):
/// R(d,p,type) = [type == add ? rendezvous + extra_model : 0] + G(d,p,type) + proc + build[p].
struct restart_params {
  double rendezvous_ms = 6600.0;   ///< etcd rendezvous when instances join
  double proc_ms = 240.0;          ///< process (re)initialisation
  double extra_model_ms = 0.0;     ///< extra model set-up when instances join
  double checkpoint_ms = 14000.0;  ///< checkpoint save + load (reactive baseline, throughput.py)
  double fixed_restart_ms = -1.0;  ///< >= 0: R is this constant (artifact --restart-cost), else off
  comm_rebuild_params comm;
  /// build[p], sorted by p. Depths between two points are interpolated linearly, depths outside
  /// are clamped to the nearest point (the artifact has no value there and would fail).
  std::vector<build_point> build;

  double build_ms(int p) const {
    if (build.empty()) return 0.0;
    if (p <= build.front().p) return build.front().ms;
    if (p >= build.back().p) return build.back().ms;
    for (std::size_t i = 1; i < build.size(); ++i) {
      if (p <= build[i].p) {
        const build_point& a = build[i - 1];
        const build_point& b = build[i];
        return a.ms + (b.ms - a.ms) * (p - a.p) / static_cast<double>(b.p - a.p);
      }
    }
    return build.back().ms;
  }

  void validate(const char* function, const std::string& name) const {
    check_nonnegative(function, name + ".rendezvous_ms", rendezvous_ms);
    check_nonnegative(function, name + ".proc_ms", proc_ms);
    check_nonnegative(function, name + ".extra_model_ms", extra_model_ms);
    check_nonnegative(function, name + ".checkpoint_ms", checkpoint_ms);
    check_finite(function, name + ".fixed_restart_ms", fixed_restart_ms);
    comm.validate(function, name + ".comm");
    for (std::size_t i = 0; i < build.size(); ++i) {
      const std::string at = name + ".build[" + std::to_string(i) + "]";
      check_at_least(function, at + ".p", build[i].p, 1);
      check_nonnegative(function, at + ".ms", build[i].ms);
      if (i > 0 && !(build[i].p > build[i - 1].p)) {
        throw_invalid(function, at + ".p", build[i].p,
                      "> " + std::to_string(build[i - 1].p) + " (sorted, no repeats)");
      }
    }
  }
};

/// The artifact's hard-coded set of target configurations per model (digest §1.3). Informational:
/// the analytic model derives the minimum depth from memory; liveput may restrict itself to it.
struct target_set {
  int min_p = 1;
  int max_p = 0;  ///< 0: no bound
  std::vector<int> ignore_p;
  std::vector<int> ignore_d;
};

/// One training job: model, batch, memory, cluster and network.
struct model_profile {
  std::string name;
  /// Layers in pipeline order. A transformer is [embedding] + blocks + [head].
  std::vector<layer_profile> layers;
  /// False when the layers carry no measured times (parameters and activations only): the
  /// analytic throughput model is then unavailable and only the measured table is used.
  bool layer_times = true;
  bool transformer = true;  ///< embedding + blocks + head (memory rule, tied embedding)
  int micro_batch = 1;
  int global_batch = 128;
  double activation_p2p_bytes = 0.0;   ///< sent between stages per micro-batch (mbs*seq*hidden*4)
  int optimizer_states = 2;            ///< k: Adam 2, SGD 1; states = params * (1 + k) * 4 bytes
  double gpu_memory_mb = 15.5 * 1024;  ///< usable memory per GPU (artifact: V100 16 GB -> 15.5 GiB)
  int gpus_per_instance = 1;
  p2p_curve p2p;
  double allreduce_mb_per_ms = 1.25;  ///< 10 Gb/s
  bool fp16_gradients = true;         ///< gradients all-reduced in half precision (volume / 2)
  restart_params restart;
  std::vector<measured_config> measured;  ///< profiled table (may be empty)
  target_set artifact_targets;

  int n_layers() const { return static_cast<int>(layers.size()); }
  /// Bytes of model states (parameters + optimizer states, fp32) per parameter: (1 + k) * 4.
  double state_bytes_per_param() const { return (1.0 + optimizer_states) * 4.0; }

  /// Throws parcae::invalid_argument naming the first bad field.
  void validate(const char* function) const {
    if (layers.empty()) {
      throw_invalid(function, "profile.layers.size()", layers.size(), ">= 1");
    }
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const std::string at = "profile.layers[" + std::to_string(i) + "]";
      if (layer_times) {
        check_positive(function, at + ".forward_ms", layers[i].forward_ms);
        check_positive(function, at + ".backward_ms", layers[i].backward_ms);
        check_nonnegative(function, at + ".optimizer_ms", layers[i].optimizer_ms);
        check_at_most(function, at + ".forward_ms", layers[i].forward_ms, max_layer_ms);
        check_at_most(function, at + ".backward_ms", layers[i].backward_ms, max_layer_ms);
        check_at_most(function, at + ".optimizer_ms", layers[i].optimizer_ms, max_layer_ms);
      }
      check_nonnegative(function, at + ".activation_bytes", layers[i].activation_bytes);
      check_nonnegative(function, at + ".params", layers[i].params);
    }
    check_at_least(function, "profile.micro_batch", micro_batch, 1);
    check_at_least(function, "profile.global_batch", global_batch, micro_batch);
    check_nonnegative(function, "profile.activation_p2p_bytes", activation_p2p_bytes);
    check_at_least(function, "profile.optimizer_states", optimizer_states, 0);
    check_positive(function, "profile.gpu_memory_mb", gpu_memory_mb);
    check_at_least(function, "profile.gpus_per_instance", gpus_per_instance, 1);
    check_at_most(function, "profile.gpus_per_instance", gpus_per_instance,
                  parcae::limits::gpus_per_instance);
    p2p.validate(function, "profile.p2p");
    check_positive(function, "profile.allreduce_mb_per_ms", allreduce_mb_per_ms);
    restart.validate(function, "profile.restart");
    for (std::size_t i = 0; i < measured.size(); ++i) {
      const std::string at = "profile.measured[" + std::to_string(i) + "]";
      check_at_least(function, at + ".d", measured[i].config.d, 1);
      check_at_least(function, at + ".p", measured[i].config.p, 1);
      check_positive(function, at + ".iteration_ms", measured[i].iteration_ms);
      check_at_most(function, at + ".iteration_ms", measured[i].iteration_ms, max_iteration_ms);
      check_positive(function, at + ".samples_per_s", measured[i].samples_per_s);
    }
    check_at_least(function, "profile.artifact_targets.min_p", artifact_targets.min_p, 1);
    check_at_least(function, "profile.artifact_targets.max_p", artifact_targets.max_p, 0);
    // min_p > max_p leaves no target depth: every policy would pause for the whole run.
    if (artifact_targets.max_p > 0 && artifact_targets.min_p > artifact_targets.max_p) {
      throw_invalid(function, "profile.artifact_targets.min_p", artifact_targets.min_p,
                    "<= profile.artifact_targets.max_p, " + std::to_string(artifact_targets.max_p) +
                        " (or max_p 0: no bound)");
    }
  }
};

}  // namespace parcae::perf
