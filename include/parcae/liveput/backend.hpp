#pragma once
// The interface through which a liveput table is filled. The CPU estimators (cpu_backend.hpp)
// and the CUDA backend (issue 6, cuda/parcae/cuda) implement it; the table and the planner see
// only this interface and cannot tell which backend ran.

#include <string>
#include <vector>

#include "parcae/liveput/types.hpp"

namespace parcae::liveput {

/// Fills liveput entries. Implementations must
///  * return one entry per key, in the order of `keys` (duplicates allowed);
///  * draw (or enumerate) the preemption sets of a family (N, D, P, n_out) once for all of its
///  n_in;
///  * be deterministic: the same keys and settings give the same entries, whatever the threads;
///  * throw parcae::invalid_argument for an invalid key (see detail/checks.hpp).
class backend {
 public:
  virtual ~backend() = default;
  /// Estimates every key.
  virtual std::vector<entry> estimate(const std::vector<key>& keys) = 0;
  /// GPUs per instance the backend's cost model assumes (keys are validated against it).
  virtual int gpus_per_instance() const = 0;
  /// A short name for logs ("cpu-exact", "cpu-mc", "cuda-mc", ...).
  virtual std::string name() const = 0;
};

}  // namespace parcae::liveput
