// `parcae model`: throughput of every feasible configuration of a model profile, memory per
// stage, and the best configuration for each alive instance count (docs/performance-model.md).
//
//   parcae model --profile gpt-1.5b --nodes 32
//   parcae model --profile my-model.json --nodes 16 --json
//   parcae model --profile gpt-1.5b --nodes 32 --config 4x8     (or 4,8)
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "parcae/command.hpp"
#include "parcae/perf/memory.hpp"
#include "parcae/perf/profile_json.hpp"
#include "parcae/perf/throughput.hpp"

namespace {

struct model_args {
  std::string profile;
  int nodes = 0;
  bool json = false;
  std::string config;
  bool analytic_only = false;
};

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

nlohmann::json estimate_json(const parcae::perf::config_estimate& e,
                             const parcae::perf::memory_plan& mem) {
  nlohmann::json stages = nlohmann::json::array();
  for (const auto& st : mem.stages) stages.push_back(st.total_mb);
  return {{"d", e.config.d},
          {"p", e.config.p},
          {"gpus", e.config.size()},
          {"source", parcae::perf::to_string(e.source)},
          {"iteration_ms", e.iteration_ms},
          {"samples_per_s", e.samples_per_s},
          {"micro_batches", e.micro_batches},
          {"recompute", e.recompute},
          {"stage_memory_mb", stages}};
}

void run_model(const model_args& args) {
  const parcae::perf::model_profile profile = parcae::perf::load_profile(args.profile);
  parcae::perf::throughput_options options;
  options.use_measured = !args.analytic_only;
  const parcae::perf::throughput_model model(profile, options);
  const int g = profile.gpus_per_instance;
  const long long gpus = static_cast<long long>(args.nodes) * g;

  if (model.min_depth() == 0) {
    throw parcae_tool::usage_error("profile '" + profile.name +
                                   "' fits in no configuration: no pipeline depth 1.." +
                                   std::to_string(model.max_depth()) + " fits in " +
                                   fixed(profile.gpu_memory_mb, 0) + " MB of GPU memory");
  }

  if (!args.config.empty()) {
    const parcae::parallel_config c = parcae_tool::parse_config("--config", args.config);
    const auto e = model.estimate(c, args.nodes);  // checks d*p <= GPUs alive
    const auto& mem = model.memory(c.p);
    if (args.json) {
      std::cout << estimate_json(e, mem).dump(2) << "\n";
      return;
    }
    std::cout << "config " << parcae::to_string(c) << " of " << profile.name << ": "
              << parcae::perf::to_string(e.status);
    if (e.status == parcae::perf::estimate_status::ok) {
      std::cout << ", " << fixed(e.iteration_ms, 1) << " ms/iteration, "
                << fixed(e.samples_per_s, 2) << " samples/s (" << parcae::perf::to_string(e.source)
                << ")";
    }
    std::cout << "\nmemory per stage (MB):";
    for (const auto& st : mem.stages) std::cout << " " << fixed(st.total_mb, 0);
    std::cout << (mem.recompute ? " (recomputation on)" : "") << "\n";
    return;
  }

  const auto configs = model.feasible_configs(gpus);
  if (configs.empty()) {
    throw parcae_tool::usage_error("profile '" + profile.name + "' fits in no configuration of " +
                                   std::to_string(args.nodes) + " nodes (" + std::to_string(gpus) +
                                   " GPUs); the shallowest feasible "
                                   "pipeline has " +
                                   std::to_string(model.min_depth()) + " stages");
  }
  // Best per alive count in one sweep over the configurations by size (calling model.best(n) for
  // every n would re-estimate O(N) times). Same choice as throughput_model::best: highest
  // samples/s, ties to fewer GPUs, then smaller p.
  std::vector<parcae::perf::config_estimate> by_size = configs;
  std::stable_sort(by_size.begin(), by_size.end(), [](const auto& a, const auto& b) {
    return a.config.size() != b.config.size() ? a.config.size() < b.config.size()
                                              : a.config.p < b.config.p;
  });
  std::vector<parcae::perf::config_estimate> best(static_cast<std::size_t>(args.nodes) + 1);
  parcae::perf::config_estimate running;
  std::size_t next = 0;
  for (int n = 1; n <= args.nodes; ++n) {
    while (next < by_size.size() && by_size[next].config.size() <= static_cast<long long>(n) * g) {
      if (by_size[next].samples_per_s > running.samples_per_s) running = by_size[next];
      ++next;
    }
    best[static_cast<std::size_t>(n)] = running;
  }

  if (args.json) {
    nlohmann::json out;
    out["profile"] = profile.name;
    out["nodes"] = args.nodes;
    out["gpus_per_instance"] = g;
    out["min_depth"] = model.min_depth();
    out["max_depth"] = model.max_depth();
    out["configs"] = nlohmann::json::array();
    for (const auto& e : configs)
      out["configs"].push_back(estimate_json(e, model.memory(e.config.p)));
    out["best"] = nlohmann::json::array();
    for (int n = 1; n <= args.nodes; ++n) {
      const auto& b = best[static_cast<std::size_t>(n)];
      if (b.status != parcae::perf::estimate_status::ok) {
        out["best"].push_back({{"nodes", n}, {"config", nullptr}});
      } else {
        out["best"].push_back({{"nodes", n},
                               {"d", b.config.d},
                               {"p", b.config.p},
                               {"samples_per_s", b.samples_per_s},
                               {"iteration_ms", b.iteration_ms},
                               {"source", parcae::perf::to_string(b.source)}});
      }
    }
    out["measured_fits"] = nlohmann::json::array();
    for (int p = 1; p <= model.max_depth(); ++p) {
      const auto& f = model.measured_fit(p);
      if (f.max_measured_d == 0) continue;
      out["measured_fits"].push_back({{"p", p},
                                      {"extended", f.usable},
                                      {"max_measured_d", f.max_measured_d},
                                      {"per_slot_ms", f.per_slot_ms},
                                      {"fixed_ms", f.fixed_ms},
                                      {"worst_error", f.worst_error}});
    }
    std::cout << out.dump(2) << "\n";
    return;
  }

  std::cout << "profile " << profile.name << ": " << profile.n_layers() << " layers, micro-batch "
            << profile.micro_batch << ", global batch " << profile.global_batch << ", " << g
            << " GPU(s) per instance, " << args.nodes << " nodes = " << gpus << " GPUs\n";
  std::cout << "memory-feasible pipeline depths: " << model.min_depth() << ".." << model.max_depth()
            << (profile.layer_times ? "" : " (no layer times: measured table only)")
            << "\n\nfeasible configurations (d*p <= " << gpus << " GPUs)\n";
  std::cout << "    d    p  gpus  source      iter_ms  samples/s  recompute  peak_mb\n";
  for (const auto& e : configs) {
    char line[160];
    std::snprintf(line, sizeof line, "%5d %4d %5d  %-8s %10.1f %10.2f  %-9s %8.0f\n", e.config.d,
                  e.config.p, e.config.size(), parcae::perf::to_string(e.source), e.iteration_ms,
                  e.samples_per_s,
                  e.source == parcae::perf::estimate_source::measured ? "-"
                  : e.recompute                                       ? "yes"
                                                                      : "no",
                  model.memory(e.config.p).peak_mb);
    std::cout << line;
  }
  std::cout << "\nmemory per stage (MB; parameters + optimizer states + activations) by depth\n";
  std::vector<bool> shown(static_cast<std::size_t>(model.max_depth()) + 1, false);
  for (const auto& e : configs) {
    const int p = e.config.p;
    if (shown[static_cast<std::size_t>(p)]) continue;
    shown[static_cast<std::size_t>(p)] = true;
    const auto& mem = model.memory(p);
    std::cout << "  p=" << p << (mem.recompute ? " (recompute):" : ":");
    for (const auto& st : mem.stages) std::cout << " " << fixed(st.total_mb, 0);
    std::cout << "\n";
  }
  // The line each depth's measured rows are extended by (perf::throughput_options::
  // extrapolate_measured; docs/performance-model.md), so that "extrapolated" rows can be traced.
  if (options.use_measured && options.extrapolate_measured && !profile.measured.empty()) {
    std::cout << "\nmeasured rows extended beyond the table: iteration_ms - allreduce_ms(d) = "
                 "per_slot_ms * (m + p - 1) + fixed_ms\n"
                 "     p  rows up to d  per_slot_ms  fixed_ms  worst_error  extended\n";
    for (int p = 1; p <= model.max_depth(); ++p) {
      const auto& f = model.measured_fit(p);
      if (f.max_measured_d == 0) continue;
      char line[160];
      std::snprintf(line, sizeof line, "  %4d  %12d  %11.1f  %8.1f  %10.1f%%  %s\n", p,
                    f.max_measured_d, f.per_slot_ms, f.fixed_ms, 100.0 * f.worst_error,
                    f.usable ? "yes" : "no");
      std::cout << line;
    }
  }
  std::cout << "\nbest configuration per alive count\n  nodes  config   samples/s  source\n";
  for (int n = 1; n <= args.nodes; ++n) {
    const auto& b = best[static_cast<std::size_t>(n)];
    char line[120];
    if (b.status != parcae::perf::estimate_status::ok) {
      std::snprintf(line, sizeof line, "  %5d  none\n", n);
    } else {
      std::snprintf(line, sizeof line, "  %5d  %-8s %10.2f  %s\n", n,
                    parcae::to_string(b.config).c_str(), b.samples_per_s,
                    parcae::perf::to_string(b.source));
    }
    std::cout << line;
  }
}

void setup_model(CLI::App& app) {
  auto args = std::make_shared<model_args>();
  CLI::App* cmd = app.add_subcommand(
      "model", "Throughput T(d,p), memory per stage and the best configuration per alive count");
  cmd->add_option("--profile", args->profile,
                  "profile name (profiles/NAME.json, see docs/performance-model.md) or JSON file")
      ->required();
  cmd->add_option("--nodes", args->nodes, "alive instances N (configurations use d*p <= N*g GPUs)")
      ->required()
      ->check(CLI::Range(1, 1000000));
  cmd->add_flag("--json", args->json, "print JSON instead of tables");
  cmd->add_option("--config", args->config,
                  "evaluate one configuration only: DxP or D,P (4x8 or 4,8)");
  cmd->add_flag("--analytic", args->analytic_only,
                "ignore the measured table and use the analytic model everywhere");
  cmd->callback([args] { run_model(*args); });
}

const parcae_tool::command_registration reg{"model", 30, &setup_model};

}  // namespace
