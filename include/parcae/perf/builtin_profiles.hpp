#pragma once
// Built-in C++ copy of the shipped gpt-1.5b profile (profiles/gpt-1.5b.json), for programs and
// tests that do not read JSON. The numbers are the Parcae artifact's (JF-D/Parcae at 7cb3059,
// liveput/cost.py, cost_cfg.py, model.py; digest §2 and §3); tests check that this copy and the
// JSON file agree.

#include <cmath>
#include <vector>

#include "parcae/perf/network.hpp"
#include "parcae/perf/profile.hpp"

namespace parcae::perf::builtin {

/// The artifact's profiled point-to-point curve (cost.py `p2p_volume_to_cost`, "bw = 10Gb/s,
/// profiling result is in us"): 4 B ... 1 GiB in powers of two.
inline p2p_curve artifact_p2p_10gbps() {
  static const double us[] = {142.907,   139.679,    143.102,    139.210,    143.954,    140.836,
                              141.442,   144.788,    137.372,    140.417,    141.651,    145.364,
                              154.935,   162.665,    194.492,    230.588,    385.104,    689.821,
                              1428.108,  3006.771,   5182.599,   9727.047,   18622.294,  38560.219,
                              74432.216, 153550.589, 305811.282, 601380.752, 1198255.900};
  std::vector<double> bytes, micros;
  double v = 4.0;
  for (double t : us) {
    bytes.push_back(v);
    micros.push_back(t);
    v *= 2.0;
  }
  return p2p_curve::from_points(bytes, micros);
}

/// gpt-1.5b (GPT-2 XL shape: 48 blocks, hidden 1600, seq 1024), micro-batch 1, global batch 128,
/// Adam, fp16, one V100 16 GB per instance, 10 Gb/s network.
inline model_profile gpt_1_5b() {
  model_profile m;
  m.name = "gpt-1.5b";
  m.transformer = true;
  m.micro_batch = 1;
  m.global_batch = 128;
  m.activation_p2p_bytes = 1.0 * 1024 * 1600 * 4;  // mbs * seq * hidden * 4 B
  m.optimizer_states = 2;
  m.gpu_memory_mb = 15.5 * 1024;
  m.gpus_per_instance = 1;
  m.layers.push_back({"embedding", 0.752, 0.798, 5.655, 9420800.0, 82124800.0});
  for (int i = 0; i < 48; ++i) {
    m.layers.push_back({"block", 6.510, 13.448, 2.117, 282034176.0, 30740800.0});
  }
  m.layers.push_back({"head", 11.238, 23.762, 5.656, 186392576.0, 82128000.0});
  m.p2p = artifact_p2p_10gbps();
  m.allreduce_mb_per_ms = 1.25;
  m.fp16_gradients = true;

  restart_params& r = m.restart;
  r.rendezvous_ms = 6600.0;
  r.proc_ms = 240.0;
  r.extra_model_ms = 0.0;
  r.checkpoint_ms = 14000.0;
  r.comm.kind = comm_rebuild_kind::per_group;
  r.comm.init_ms = 35.0;
  r.comm.add_ms_per_unit = 500.0;
  r.comm.remove_ms_per_unit = 39.3;
  // build[p] = p2p(vocab 50257 * 1024 * 4 B) + 430 ms * ceil(48 / p); the artifact tabulates
  // p = 6..48, the formula is extended here to every depth 1..49.
  const double embed_ms = m.p2p.cost_ms(50257.0 * 1024.0 * 4.0);
  for (int p = 1; p <= 49; ++p) {
    r.build.push_back({p, embed_ms + 430.0 * std::ceil(48.0 / p)});
  }

  // Measured (D,P) -> (ms/iteration, samples/s), cost.py, 47 configurations.
  static const double table[][4] = {
      {4, 8, 2944.728, 43.468},  {2, 16, 3090.862, 41.412}, {1, 32, 3883.972, 32.956},
      {1, 31, 3766.091, 33.987}, {5, 6, 3293.552, 38.864},  {3, 10, 3084.387, 41.499},
      {2, 15, 3204.662, 39.942}, {1, 30, 3882.985, 32.964}, {1, 29, 3763.701, 34.009},
      {4, 7, 3178.165, 40.275},  {2, 14, 3182.064, 40.225}, {1, 28, 3754.538, 34.092},
      {3, 9, 3216.129, 39.799},  {1, 27, 3841.799, 33.318}, {2, 13, 3142.507, 40.732},
      {1, 26, 3720.695, 34.402}, {1, 25, 3682.481, 34.759}, {4, 6, 3617.366, 35.385},
      {3, 8, 3475.666, 36.827},  {2, 12, 3595.727, 35.598}, {1, 24, 4389.739, 29.159},
      {1, 23, 4343.359, 29.470}, {2, 11, 3557.525, 35.980}, {1, 22, 4365.984, 29.318},
      {3, 7, 3585.649, 35.698},  {1, 21, 4350.159, 29.424}, {2, 10, 3643.284, 35.133},
      {1, 20, 4379.651, 29.226}, {1, 19, 4404.975, 29.058}, {3, 6, 4122.628, 31.048},
      {2, 9, 3993.443, 32.053},  {1, 18, 4404.035, 29.064}, {1, 17, 4341.342, 29.484},
      {2, 8, 4341.314, 29.484},  {1, 16, 5084.763, 25.173}, {1, 15, 5094.605, 25.125},
      {2, 7, 4520.418, 28.316},  {1, 14, 5103.003, 25.083}, {1, 13, 5108.193, 25.058},
      {2, 6, 5281.473, 24.236},  {1, 12, 5879.829, 21.769}, {1, 11, 5863.490, 21.830},
      {1, 10, 5924.556, 21.605}, {1, 9, 6622.823, 19.327},  {1, 8, 7396.008, 17.307},
      {1, 7, 7431.253, 17.225},  {1, 6, 8836.921, 14.485}};
  for (const auto& row : table) {
    m.measured.push_back(
        {parallel_config{static_cast<int>(row[0]), static_cast<int>(row[1])}, row[2], row[3]});
  }
  m.artifact_targets.min_p = 6;
  m.artifact_targets.max_p = 32;
  return m;
}

}  // namespace parcae::perf::builtin
