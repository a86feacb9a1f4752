// Liveput of gpt-1.5b on 32 instances under 1, 2 and 4 preemptions in the next interval: the
// throughput-optimal configuration (4,8) next to the liveput-optimal one (docs/liveput.md).
//
// For a running configuration (D,P), the liveput of the interval is the best, over the targets
// (d,p) the survivors can reach, of T(d,p) * (1 - E[migration cost]/60 s), the expectation taken
// over which instances are preempted (uniformly, spares included: the artifact's model).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <utility>
#include <vector>

#include "parcae/liveput/cpu_backend.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/liveput/table.hpp"
#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/throughput.hpp"

namespace lp = parcae::liveput;

int main() {
  const parcae::perf::model_profile profile = parcae::perf::builtin::gpt_1_5b();
  const parcae::perf::throughput_model model(profile);
  const int n = 32;
  const auto candidates = lp::candidate_targets(model, n);  // the 47 configurations, p >= 6

  // Exact expectations where the enumeration is small, Monte-Carlo (4,000 samples, 2 threads)
  // elsewhere.
  lp::cpu_params params;
  params.kind = lp::estimator_kind::automatic;
  params.exact_threshold = 5000;
  params.samples = 4000;
  params.threads = 2;
  lp::table table(lp::make_cpu_backend(lp::uniform_model{}, lp::perf_cost_model(profile),
                                       candidates, profile.gpus_per_instance, params));

  const parcae::perf::config_estimate fastest = model.best(n);
  std::printf("gpt-1.5b on %d instances; throughput-optimal configuration %s at %.2f samples/s\n",
              n, parcae::to_string(fastest.config).c_str(), fastest.samples_per_s);
  std::printf("%-14s %-30s %-30s %s\n", "preemptions", "throughput-optimal: liveput",
              "liveput-optimal: liveput", "gain");
  std::vector<std::vector<std::pair<double, parcae::parallel_config>>> ranked;
  for (int n_out : {1, 2, 4}) {
    std::vector<lp::key> keys;
    for (const auto& c : candidates) keys.push_back({n, c.config.d, c.config.p, 0, n_out});
    table.fill(keys);  // one bulk fill per event
    const lp::entry& at_fastest = table.get({n, fastest.config.d, fastest.config.p, 0, n_out});
    const lp::target_estimate* fastest_next = at_fastest.best();
    parcae::parallel_config best_config{};
    const lp::target_estimate* best_next = nullptr;
    for (const auto& k : keys) {
      const lp::target_estimate* t = table.get(k).best();
      if (t != nullptr && (best_next == nullptr || t->liveput > best_next->liveput)) {
        best_next = t;
        best_config = k.config();
      }
    }
    char a[64], b[64];
    std::snprintf(a, sizeof a, "%s -> %s %.2f", parcae::to_string(fastest.config).c_str(),
                  parcae::to_string(fastest_next->target).c_str(), fastest_next->liveput);
    std::snprintf(b, sizeof b, "%s -> %s %.2f", parcae::to_string(best_config).c_str(),
                  parcae::to_string(best_next->target).c_str(), best_next->liveput);
    std::printf("%-14d %-30s %-30s %+.1f%%\n", n_out, a, b,
                100.0 * (best_next->liveput / fastest_next->liveput - 1.0));
    ranked.push_back({});
    for (const auto& k : keys) ranked.back().push_back({table.get(k).best()->liveput, k.config()});
  }
  // The runners-up: the three best running configurations per event.
  const int events[3] = {1, 2, 4};
  for (int i = 0; i < 3; ++i) {
    auto& r = ranked[static_cast<std::size_t>(i)];
    std::sort(r.begin(), r.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
    std::printf("top configurations under %d preemption(s):", events[i]);
    for (int j = 0; j < 3; ++j) {
      std::printf(" %s %.2f", parcae::to_string(r[static_cast<std::size_t>(j)].second).c_str(),
                  r[static_cast<std::size_t>(j)].first);
    }
    std::printf("\n");
  }
  std::printf("(liveput in samples/s over a 60 s interval; \"A -> B\": run A, migrate to B)\n");
  return 0;
}
