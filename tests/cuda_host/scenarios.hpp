#pragma once
// Key sets, targets and comparisons shared by the host tests of the CUDA backend's logic and the
// GPU tests: both compare against liveput::estimate_monte_carlo (the CPU path) at the same seed.

#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "parcae/liveput/cost_function.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/liveput/types.hpp"
#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/throughput.hpp"

namespace cuda_test {

namespace lp = parcae::liveput;

/// Every (d, p) with d*p <= gpus, throughput d*p/(1 + 0.1 p) (a toy target set).
inline std::vector<lp::target_info> toy_targets(int gpus, int max_p = 16) {
  std::vector<lp::target_info> out;
  for (int p = 1; p <= max_p; ++p) {
    for (int d = 1; d * p <= gpus; ++d) out.push_back({{d, p}, d * p / (1.0 + 0.1 * p)});
  }
  return out;
}

/// Keys of N = n: a spread of (D, P) that fit, n_in in {0, 1, 3}, n_out in 0..max_out.
inline std::vector<lp::key> spread_keys(int n, int g, int max_out) {
  std::vector<lp::key> keys;
  for (int p : {1, 2, 3, 4, 8}) {
    for (int d : {1, 2, 3, 4}) {
      if (d * p > n * g) continue;
      for (int n_in : {0, 1, 3}) {
        for (int n_out = 0; n_out <= max_out && n_out <= n; n_out += 1 + n_out / 3) {
          keys.push_back({n, d, p, n_in, n_out});
        }
      }
    }
  }
  return keys;
}

/// The GPT-1.5B profile with g GPUs per instance, its cost model and targets for up to `gpus`.
struct perf_fixture {
  parcae::perf::model_profile profile;
  lp::perf_cost_model cost;
  std::vector<lp::target_info> targets;
  perf_fixture(int g, long long gpus)
      : profile(with_g(parcae::perf::builtin::gpt_1_5b(), g)),
        cost(profile),
        targets(lp::candidate_targets(parcae::perf::throughput_model(profile), gpus)) {}
  static parcae::perf::model_profile with_g(parcae::perf::model_profile p, int g) {
    p.gpus_per_instance = g;
    return p;
  }
};

/// Bitwise equality of two doubles (also for NaN payloads, which the estimators never produce).
inline bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

/// Checks that two entries lists are equal field for field, bit for bit (states excepted: it
/// counts distinct summaries per work unit, which differs between backends). Returns the number
/// of (key, target) estimates compared.
inline std::size_t check_same_entries(const std::vector<lp::entry>& got,
                                      const std::vector<lp::entry>& want) {
  REQUIRE(got.size() == want.size());
  std::size_t compared = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    const lp::entry& a = got[i];
    const lp::entry& b = want[i];
    CHECK(a.status == b.status);
    CHECK(a.method == b.method);
    CHECK(a.samples == b.samples);
    CHECK(same_bits(a.interval_s, b.interval_s));
    REQUIRE(a.targets.size() == b.targets.size());
    for (std::size_t t = 0; t < a.targets.size(); ++t) {
      const lp::target_estimate& x = a.targets[t];
      const lp::target_estimate& y = b.targets[t];
      const bool same = x.target == y.target && same_bits(x.throughput, y.throughput) &&
                        same_bits(x.probability, y.probability) &&
                        same_bits(x.probability_se, y.probability_se) &&
                        same_bits(x.mean_cost_s, y.mean_cost_s) &&
                        same_bits(x.mean_cost_se_s, y.mean_cost_se_s) &&
                        same_bits(x.liveput, y.liveput);
      if (!same) {
        CAPTURE(parcae::to_string(x.target));
        CAPTURE(x.probability);
        CAPTURE(y.probability);
        CAPTURE(x.mean_cost_s);
        CAPTURE(y.mean_cost_s);
        CHECK(same);
      }
      ++compared;
    }
  }
  return compared;
}

}  // namespace cuda_test
