#pragma once
// Per-instance hazards: instance i is preempted in the interval with its own probability q_i
// (older instances, cheaper pools, a zone under pressure). The liveput table is keyed by the
// number of losses n_out, so the set is drawn *conditional on exactly n_out losses*: independent
// Bernoulli(q_i) trials conditioned on their sum, P(S) ∝ Π_{i∈S} w_i with odds w_i = q_i/(1-q_i)
// ("conditional Poisson sampling", Hájek 1964; Chen, Dempster & Liu, Biometrika 81(3), 1994).
// With equal hazards this is the uniform model.
//
// Sampling is sequential (Chen et al. §2): walk the instances in order and include instance i
// with probability w_i e_{k-1}(w_{i+1..}) / e_k(w_{i..}), where k is the number still to draw and
// e_k the elementary symmetric polynomial. prepare(n, n_out) tabulates these probabilities once
// (log space, so large odds do not overflow); the sampler then spends one uniform per instance.

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/macros.hpp"
#include "parcae/core/rng.hpp"
#include "parcae/liveput/preemption.hpp"

namespace parcae::liveput {

/// Sampler of the hazard model: a view of the table owned by hazard_model::prepared. Trivially
/// copyable; the table must outlive it (copy it to the device for the CUDA backend).
struct hazard_sampler {
  int n = 0;
  int n_out = 0;
  const double* include = nullptr;  ///< include[i*(n_out+1) + k]: P(take i | k left to draw)

  PARCAE_HD void operator()(counter_rng& rng, int* preempted) const {
    int k = n_out;
    int written = 0;
    for (int i = 0; i < n && k > 0; ++i) {
      const double p = include[i * (n_out + 1) + k];
      // n - i <= k: every instance left must go (guards against p rounding below 1).
      if (n - i <= k || p >= 1.0 || rng.next_uniform() < p) {
        preempted[written++] = i;
        --k;
      }
    }
  }
};

/// Per-instance hazard model (see the header comment).
struct hazard_model {
  std::vector<double> hazards;  ///< q_i in (0, 1) for instance i; at least n entries are needed

  /// Owns the inclusion table of one (n, n_out); sampler() is the view the driver uses.
  struct prepared {
    int n = 0;
    int n_out = 0;
    std::vector<double> table;
    hazard_sampler sampler() const { return hazard_sampler{n, n_out, table.data()}; }
    void operator()(counter_rng& rng, int* out) const {
      sampler()(rng, out);
    }  // host; device: sampler()
  };

  void validate() const {
    const char* f = "parcae::liveput::hazard_model::validate";
    check_min_size(f, "hazards", hazards, 1);
    for (std::size_t i = 0; i < hazards.size(); ++i) {
      check_open_interval(f, "hazards[" + std::to_string(i) + "]", hazards[i], 0.0, 1.0);
    }
  }

  prepared prepare(int n, int n_out) const {
    const char* f = "parcae::liveput::hazard_model::prepare";
    detail::check_prepare(f, n, n_out);
    validate();
    if (static_cast<int>(hazards.size()) < n) {
      throw_invalid_message(f, "hazards has " + std::to_string(hazards.size()) +
                                   " elements, but must have at least n = " + std::to_string(n));
    }
    const int cols = n_out + 1;
    const double ninf = -std::numeric_limits<double>::infinity();
    // le[i][k] = log e_k(w_i, ..., w_{n-1}); rows i = n .. 0.
    std::vector<double> le(static_cast<std::size_t>(n + 1) * cols, ninf);
    le[static_cast<std::size_t>(n) * cols] = 0.0;
    std::vector<double> lw(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      const double q = hazards[static_cast<std::size_t>(i)];
      lw[static_cast<std::size_t>(i)] = std::log(q) - std::log1p(-q);
    }
    auto at = [&](int i, int k) -> double& { return le[static_cast<std::size_t>(i) * cols + k]; };
    for (int i = n - 1; i >= 0; --i) {
      for (int k = 0; k <= n_out; ++k) {
        const double a = at(i + 1, k);
        const double b = k > 0 ? lw[static_cast<std::size_t>(i)] + at(i + 1, k - 1) : ninf;
        const double hi = a > b ? a : b;
        at(i, k) = hi == ninf ? ninf : hi + std::log(std::exp(a - hi) + std::exp(b - hi));
      }
    }
    prepared out;
    out.n = n;
    out.n_out = n_out;
    out.table.assign(static_cast<std::size_t>(n) * cols, 0.0);
    for (int i = 0; i < n; ++i) {
      for (int k = 1; k <= n_out; ++k) {
        if (at(i, k) == ninf) continue;  // unreachable state (fewer than k instances left)
        const double p = std::exp(lw[static_cast<std::size_t>(i)] + at(i + 1, k - 1) - at(i, k));
        out.table[static_cast<std::size_t>(i) * cols + k] = p > 1.0 ? 1.0 : p;
      }
    }
    return out;
  }
};

}  // namespace parcae::liveput
