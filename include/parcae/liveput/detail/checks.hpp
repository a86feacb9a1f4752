#pragma once
// Argument checks shared by the liveput entry points.

#include <string>

#include "parcae/core/errors.hpp"
#include "parcae/core/limits.hpp"
#include "parcae/liveput/survivors.hpp"
#include "parcae/liveput/types.hpp"

namespace parcae::liveput::detail {

/// A key is valid for g GPUs per instance: 1 <= N <= limits::instances, D, P >= 1, D*P <= N*g,
/// P <= max_stages, 0 <= n_in <= limits::instances, 0 <= n_out <= N. Products in 64 bits (an int
/// product such as 268435456 * 8 overflowed before the comparison).
inline void check_key(const char* function, const key& k, int g) {
  check_at_least(function, "key.n", k.n, 1);
  check_at_most(function, "key.n", k.n, parcae::limits::instances);
  check_at_least(function, "gpus_per_instance", g, 1);
  check_at_most(function, "gpus_per_instance", g, parcae::limits::gpus_per_instance);
  check_at_least(function, "key.d", k.d, 1);
  check_bounded(function, "key.p", k.p, 1, max_stages);
  const long long size = static_cast<long long>(k.d) * k.p;
  const long long gpus = static_cast<long long>(k.n) * g;
  if (size > gpus) {
    throw_invalid(function, "key.d*key.p", size,
                  "<= key.n*gpus_per_instance = " + std::to_string(gpus));
  }
  check_nonnegative(function, "key.n_in", k.n_in);
  check_at_most(function, "key.n_in", k.n_in, parcae::limits::instances);
  check_bounded(function, "key.n_out", k.n_out, 0, k.n);
}

}  // namespace parcae::liveput::detail
