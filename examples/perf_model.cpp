// The performance model on the built-in gpt-1.5b profile (the artifact's numbers): throughput of a
// few configurations, the best configuration per alive count, how far the analytic 1F1B model is
// from the measured table, and what migrating after a preemption costs.
//
// A job with its own model builds a parcae::perf::model_profile (or loads a JSON profile with the
// `parcae` tool, see docs/performance-model.md) and uses the same calls.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/migration.hpp"
#include "parcae/perf/throughput.hpp"

int main() {
  using namespace parcae::perf;
  const model_profile profile = builtin::gpt_1_5b();
  const throughput_model model(profile);

  std::printf("gpt-1.5b: pipeline depths %d..%d fit in memory\n", model.min_depth(),
              model.max_depth());
  for (parcae::parallel_config c : {parcae::parallel_config{4, 8}, {2, 16}, {8, 4}}) {
    const config_estimate e = model.estimate(c);
    std::printf("T%s = %.2f samples/s (%.1f ms/iteration, %s)\n", parcae::to_string(c).c_str(),
                e.samples_per_s, e.iteration_ms, to_string(e.source));
  }
  for (int n : {8, 16, 24, 32}) {
    const config_estimate b = model.best(n);
    std::printf("best at %d: %s %.2f samples/s\n", n, parcae::to_string(b.config).c_str(),
                b.samples_per_s);
  }

  // Analytic model against the measured rows: relative error of samples/s.
  std::vector<double> errors;
  for (const measured_config& row : profile.measured) {
    const config_estimate a = model.analytic(row.config);
    errors.push_back(std::abs(a.samples_per_s - row.samples_per_s) / row.samples_per_s);
  }
  std::sort(errors.begin(), errors.end());
  std::printf("analytic vs measured (%zu configurations): median %.1f%%, worst %.1f%%\n",
              errors.size(), 100 * errors[errors.size() / 2], 100 * errors.back());

  // Migration from (4,8) after one instance of stage 3 is preempted, with one spare left.
  const auto table = std::make_unique<migration_cost_table>(
      make_migration_cost_table(profile, parcae::parallel_config{4, 8}));
  const std::vector<int> replicas = {4, 4, 4, 3, 4, 4, 4, 4};
  for (parcae::parallel_config target : {parcae::parallel_config{4, 8}, {3, 8}, {3, 10}, {2, 16}}) {
    const migration_estimate m = estimate_migration(*table, replicas, 1, 0, target);
    std::printf("(4,8) -> %s: %s, %.2f s\n", parcae::to_string(target).c_str(), to_string(m.type),
                m.cost.get());
  }
  return 0;
}
