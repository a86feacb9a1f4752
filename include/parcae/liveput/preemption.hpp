#pragma once
// Preemption models: which n_out of the N instances alive are preempted in one interval.
//
// A model is a host object with a `prepare(n, n_out)` member that validates its input and returns a
// *sampler*: a trivially copyable callable, usable on host and device (PARCAE_HD), with
//
//   void operator()(parcae::counter_rng& rng, int* preempted) const;
//
// that writes n_out distinct instance ids in [0, n) to preempted[0..n_out), drawing its random
// numbers only from `rng`. The Monte-Carlo driver calls it once per sample with a fresh
// counter_rng(seed, stream, sample index), so a sample is a pure function of that triple and the
// estimate does not depend on the thread count (or on CPU vs GPU). Samplers must not allocate,
// throw or keep state between calls. The order of the ids does not matter.
//
// Models (issue 5):
//   uniform_model   n_out of all N instances, spares included, uniformly without replacement:
//                   the artifact's model (monte_carlo.py `np.random.choice(range(N), n_out,
//                   replace=False)`, parcae-artifact.md §1.2).
//   zone_model      instances live in zones (availability zones, instance pools); the event hits
//                   one zone chosen by weight, overflowing to further zones: losses cluster.
//   hazard_model    instance i has its own preemption probability q_i in the interval; the set
//                   is drawn conditional on exactly n_out losses (see hazard_model).
//   custom_model<F> a user sampler F(rng, n, n_out, preempted) under the contract above.
//
// zone_model and hazard_model live in their own headers; this one has the uniform and custom
// models and the sampling primitive they share.

#include <cstdint>

#include "parcae/core/errors.hpp"
#include "parcae/core/macros.hpp"
#include "parcae/core/rng.hpp"

namespace parcae::liveput {

namespace detail {

/// k distinct values of [0, n) written to out[offset .. offset+k), uniformly over the k-subsets:
/// Floyd's algorithm (Bentley & Floyd, "Programming pearls: a sample of brilliance", CACM 30(9),
/// 1987). One random integer per element and no scratch beyond the output; the membership test
/// scans the k values drawn so far (k is small: the preemptions of one interval). `map` turns
/// a local index into an instance id (identity for the uniform model, a zone's members for zones).
template <class Map>
PARCAE_HD void floyd_sample(counter_rng& rng, int n, int k, int* out, Map map) {
  for (int j = n - k, m = 0; j < n; ++j, ++m) {
    const int t = static_cast<int>(rng.next_below(static_cast<std::uint32_t>(j + 1)));
    const int candidate = map(t);
    bool taken = false;
    for (int q = 0; q < m; ++q) {
      if (out[q] == candidate) {
        taken = true;
        break;
      }
    }
    out[m] = taken ? map(j) : candidate;
  }
}

struct identity_map {
  PARCAE_HD int operator()(int i) const { return i; }
};

inline void check_prepare(const char* function, int n, int n_out) {
  check_at_least(function, "n", n, 1);
  check_bounded(function, "n_out", n_out, 0, n);
}

}  // namespace detail

/// Sampler of the uniform model for one (n, n_out).
struct uniform_sampler {
  int n = 0;
  int n_out = 0;
  PARCAE_HD void operator()(counter_rng& rng, int* preempted) const {
    detail::floyd_sample(rng, n, n_out, preempted, detail::identity_map{});
  }
};

/// The artifact's preemption model: n_out instances out of all n, idle spares included, uniformly
/// without replacement (parcae-artifact.md §1.2; preempting a spare costs nothing, §10 item 7).
/// The exact estimator (exact.hpp) computes expectations under this model without sampling.
struct uniform_model {
  static constexpr bool is_uniform = true;
  uniform_sampler prepare(int n, int n_out) const {
    detail::check_prepare("parcae::liveput::uniform_model::prepare", n, n_out);
    return uniform_sampler{n, n_out};
  }
};

/// Sampler that forwards to a user callable.
template <class F>
struct custom_sampler {
  F f;
  int n = 0;
  int n_out = 0;
  PARCAE_HD void operator()(counter_rng& rng, int* preempted) const { f(rng, n, n_out, preempted); }
};

/// A user-supplied preemption model. F is a trivially copyable callable
///
///   void F(parcae::counter_rng& rng, int n, int n_out, int* preempted) const;
///
/// that writes n_out *distinct* instance ids in [0, n) to preempted[0..n_out), using only `rng`
/// for randomness (no global state, no allocation, no exceptions; mark it PARCAE_HD to run it on
/// the GPU). Instance i sits where the placement of survivors.hpp puts it (slots i*g .. i*g+g-1).
/// The CPU driver checks every set it writes and throws parcae::invalid_argument on a duplicate
/// or an out-of-range id, naming the sample.
template <class F>
struct custom_model {
  static constexpr bool is_uniform = false;
  static constexpr bool check_output = true;
  F f;
  explicit custom_model(F callable) : f(callable) {}
  custom_sampler<F> prepare(int n, int n_out) const {
    detail::check_prepare("parcae::liveput::custom_model::prepare", n, n_out);
    return custom_sampler<F>{f, n, n_out};
  }
};

/// Whether a model's output is checked by the CPU driver (user samplers are; built-ins are not).
template <class Model, class = void>
struct checks_output {
  static constexpr bool value = false;
};
template <class Model>
struct checks_output<Model, decltype(void(Model::check_output))> {
  static constexpr bool value = Model::check_output;
};

/// Whether a model is the uniform one (the exact estimator applies).
template <class Model, class = void>
struct is_uniform_model {
  static constexpr bool value = false;
};
template <class Model>
struct is_uniform_model<Model, decltype(void(Model::is_uniform))> {
  static constexpr bool value = Model::is_uniform;
};

}  // namespace parcae::liveput
