#pragma once
// Event-driven list scheduler of one 1F1B pipeline replica (artifact liveput/cost_strategy.py
// `Simulator`; digest §2.2). Internal to perf/throughput.hpp.
//
// DAG per replica, m micro-batches, p stages (one device per stage):
//   F(i,s) -> F(i+1,s),  B(i,s) -> B(i+1,s)                 (program order on a device)
//   F(i,s) -> F(i,s+1),  B(i,s+1) -> B(i,s)                 (activations / gradients, + p2p)
//   F(i,p-1) -> B(i,p-1)                                    (turn-around on the last stage)
//   B(i,s) -> F(i+p-s,s)                                    (1F1B: at most p-s micro-batches in
//                                                            flight on stage s)
// An op is ready when all its predecessors have finished, plus the activation transfer on the
// cross-stage edges. Ops are started in ready-time order (FIFO on ties) on their stage's device:
// start = max(device free, ready).
//
// Deviation: the artifact sets an op's ready time from the predecessor that happened to be
// scheduled last, and adds the p2p time on every edge, even between ops of the same device.
// We use the latest predecessor and charge p2p only on cross-stage edges, unless
// `p2p_on_every_edge` asks for the artifact's charging (docs/performance-model.md compares both).

#include <cstdint>
#include <functional>
#include <queue>
#include <tuple>
#include <vector>

namespace parcae::detail {

struct pipeline_stage_costs {
  std::vector<double> forward_ms;   ///< per stage, one micro-batch
  std::vector<double> backward_ms;  ///< per stage, one micro-batch (recomputation included)
};

/// Finish time (ms) of every stage's last op for one replica; `finish` gets p entries.
inline void schedule_1f1b(const pipeline_stage_costs& costs, int m, double p2p_ms,
                          bool p2p_on_every_edge, std::vector<double>& finish) {
  const int p = static_cast<int>(costs.forward_ms.size());
  const std::size_t n_ops = static_cast<std::size_t>(m) * static_cast<std::size_t>(p) * 2;
  // op id = ((i * p) + s) * 2 + (0: forward, 1: backward)
  auto id = [p](int i, int s, int b) {
    return (static_cast<std::size_t>(i) * static_cast<std::size_t>(p) +
            static_cast<std::size_t>(s)) *
               2 +
           static_cast<std::size_t>(b);
  };
  std::vector<int> pending(n_ops, 0);
  std::vector<double> ready(n_ops, 0.0);
  for (int i = 0; i < m; ++i) {
    for (int s = 0; s < p; ++s) {
      pending[id(i, s, 0)] = (i > 0) + (s > 0) + (i >= p - s);
      pending[id(i, s, 1)] = (i > 0) + (s < p - 1) + (s == p - 1);
    }
  }
  finish.assign(static_cast<std::size_t>(p), 0.0);
  std::vector<double>& device_free = finish;
  using entry = std::tuple<double, std::uint64_t, std::size_t>;  // ready, sequence, op
  std::priority_queue<entry, std::vector<entry>, std::greater<entry>> heap;
  std::uint64_t seq = 0;
  heap.emplace(0.0, seq++, id(0, 0, 0));

  auto release = [&](int i, int s, int b, double end, bool cross_stage) {
    const std::size_t o = id(i, s, b);
    const double t = end + ((cross_stage || p2p_on_every_edge) ? p2p_ms : 0.0);
    if (t > ready[o]) ready[o] = t;
    if (--pending[o] == 0) heap.emplace(ready[o], seq++, o);
  };

  while (!heap.empty()) {
    const auto [t_ready, unused_seq, o] = heap.top();
    (void)unused_seq;
    heap.pop();
    const int b = static_cast<int>(o % 2);
    const int s = static_cast<int>((o / 2) % static_cast<std::size_t>(p));
    const int i = static_cast<int>(o / 2 / static_cast<std::size_t>(p));
    double& free_at = device_free[static_cast<std::size_t>(s)];
    const double start = free_at > t_ready ? free_at : t_ready;
    const double end = start + (b == 0 ? costs.forward_ms[static_cast<std::size_t>(s)]
                                       : costs.backward_ms[static_cast<std::size_t>(s)]);
    free_at = end;
    if (b == 0) {
      if (i + 1 < m) release(i + 1, s, 0, end, false);
      if (s + 1 < p) {
        release(i, s + 1, 0, end, true);
      } else {
        release(i, s, 1, end, false);
      }
    } else {
      if (i + 1 < m) release(i + 1, s, 1, end, false);
      if (s > 0) release(i, s - 1, 1, end, true);
      if (i + p - s < m) release(i + p - s, s, 0, end, false);
    }
  }
}

}  // namespace parcae::detail
