#pragma once
// Argument checks shared by the liveput entry points.

#include <string>

#include "parcae/core/errors.hpp"
#include "parcae/liveput/survivors.hpp"
#include "parcae/liveput/types.hpp"

namespace parcae::liveput::detail {

/// A key is valid for g GPUs per instance: N >= 1, D, P >= 1, D*P <= N*g, P <= max_stages,
/// n_in >= 0, 0 <= n_out <= N.
inline void check_key(const char* function, const key& k, int g) {
  check_at_least(function, "key.n", k.n, 1);
  check_at_least(function, "key.d", k.d, 1);
  check_bounded(function, "key.p", k.p, 1, max_stages);
  if (k.d * k.p > k.n * g) {
    throw_invalid(function, "key.d*key.p", k.d * k.p,
                  "<= key.n*gpus_per_instance = " + std::to_string(k.n * g));
  }
  check_nonnegative(function, "key.n_in", k.n_in);
  check_bounded(function, "key.n_out", k.n_out, 0, k.n);
}

}  // namespace parcae::liveput::detail
