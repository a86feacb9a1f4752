#pragma once
// Toy transition providers for the planner tests (see include/parcae/plan/transition_provider.hpp
// for the concept).

#include <cstdint>
#include <functional>
#include <map>
#include <tuple>
#include <vector>

#include "parcae/core/parallel_config.hpp"
#include "parcae/plan/types.hpp"

namespace parcae_test {

using parcae::parallel_config;
using parcae::plan::transition;

// splitmix64: a cheap deterministic hash for pseudo-random landscapes.
inline std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
inline double unit(std::uint64_t h) { return static_cast<double>(h >> 11) * 0x1.0p-53; }

/// Artifact-like random landscape: every (d,p) with d*p <= N' is a target; staying put with no
/// event costs 0; costs vary with the key and may exceed the interval (so states migrate across
/// intervals); some targets have prob < 1; some other targets cost exactly 0 (so migrating states
/// take the "keep finishing" branch). Resuming from pause costs a restart.
struct random_provider {
  std::uint64_t seed = 1;
  double cost_scale = 1.0;
  int p_max = 12;
  int g = 1;  ///< GPUs per instance: targets up to d*p <= N'*g

  std::uint64_t key(int n_prev, parallel_config from, int n_in, int n_out,
                    parallel_config to) const {
    std::uint64_t h = mix(seed);
    for (int v : {n_prev, from.d, from.p, n_in, n_out, to.d, to.p}) {
      h = mix(h ^ static_cast<std::uint64_t>(v + 1000));
    }
    return h;
  }
  void transitions(int n_prev, parallel_config from, int n_in, int n_out,
                   std::vector<transition>& out) const {
    out.clear();
    const int n = (n_prev + n_in - n_out) * g;
    for (int p = 1; p <= std::min(n, p_max); ++p) {
      for (int d = 1; d * p <= n; ++d) {
        const parallel_config to{d, p};
        const std::uint64_t h = key(n_prev, from, n_in, n_out, to);
        transition t{to, 1.0, 0.0};
        if (to == from && n_in == 0 && n_out == 0) {
          t.cost_s = 0.0;
        } else if ((h & 15) == 0) {
          t.cost_s = 0.0;  // e.g. only spares were hit
        } else {
          const double base = from.paused() ? 50.0 : (to.p == from.p ? 8.0 : 25.0);
          t.cost_s = cost_scale * (base + 80.0 * unit(h) + 3.0 * n_out);
        }
        if (((h >> 8) & 7) == 0) t.prob = 0.5 + 0.5 * unit(mix(h));
        out.push_back(t);
      }
    }
  }
  double throughput(parallel_config c) const {
    return c.d * (12.0 - 0.4 * c.p) * (1.0 + 0.3 * unit(mix(seed ^ (c.d * 131 + c.p))));
  }
  double concurrent_restart_s(parallel_config c) const { return 2.0 + 0.5 * c.d + 0.1 * c.p; }
};

/// Hand-written provider: explicit entries per key, throughputs and restart costs by table.
struct table_provider {
  using key_t = std::tuple<int, int, int, int, int>;  // n_prev, D, P, n_in, n_out
  std::map<key_t, std::vector<transition>> entries;
  std::map<std::pair<int, int>, double> tput;  // (d,p) -> samples/s
  double restart_s = 5.0;
  int calls = 0;

  void add(int n_prev, parallel_config from, int n_in, int n_out, std::vector<transition> ts) {
    entries[{n_prev, from.d, from.p, n_in, n_out}] = std::move(ts);
  }
  void transitions(int n_prev, parallel_config from, int n_in, int n_out,
                   std::vector<transition>& out) const {
    out.clear();
    auto it = entries.find({n_prev, from.d, from.p, n_in, n_out});
    if (it != entries.end()) out = it->second;
  }
  double throughput(parallel_config c) const {
    auto it = tput.find({c.d, c.p});
    return it == tput.end() ? 0.0 : it->second;
  }
  double concurrent_restart_s(parallel_config) const { return restart_s; }
};

}  // namespace parcae_test
