// `parcae liveput`: liveput of one key (N, D, P, n_in, n_out) for every target configuration:
// reachability, expected migration cost and expected liveput (docs/liveput.md).
//
//   parcae liveput --profile gpt-1.5b --nodes 32 --config 4x8 --preempt 2 --method exact
//   parcae liveput --profile gpt-1.5b --nodes 32 --config 4x8 --preempt 2 --method mc
//                  --samples 10000 --threads 2 --model zones:3,1 --json      (one line)
//   parcae liveput ... --save table.json      (export the entry as a liveput table)
//   parcae liveput ... --load table.json      (print the key from a saved table, no estimation)
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "parcae/command.hpp"
#include "parcae/liveput/cpu_backend.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/liveput/table.hpp"
#include "parcae/liveput/zone_model.hpp"
#include "parcae/liveput_io.hpp"
#include "parcae/perf/profile_json.hpp"
#include "parcae/perf/throughput.hpp"

namespace {

namespace lp = parcae::liveput;

struct liveput_args {
  std::string profile;
  int nodes = 0;
  std::string config;
  int preempt = 0;
  int add = 0;
  std::string model = "uniform";
  std::string method = "exact";
  std::int64_t samples = 10000;
  int threads = 1;
  std::uint64_t seed = 1;
  double interval = 60.0;
  bool json = false;
  std::string save;
  std::string load;
};

// "uniform" or "zones:W1,W2,..." (zones are blocks of consecutive instances).
bool parse_model(const std::string& text, lp::zone_model& zones) {
  if (text == "uniform") return false;
  if (text.rfind("zones:", 0) != 0) {
    throw parcae_tool::usage_error("--model '" + text + "' must be uniform or zones:W1,W2,...");
  }
  zones.weights.clear();
  std::stringstream ss(text.substr(6));
  std::string w;
  while (std::getline(ss, w, ',')) {
    try {
      std::size_t used = 0;
      zones.weights.push_back(std::stod(w, &used));
      if (used != w.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      throw parcae_tool::usage_error("--model '" + text + "': zone weight '" + w +
                                     "' is not a number");
    }
  }
  zones.validate();
  return true;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

void print_text(const std::string& profile, const lp::key& k, const lp::entry& e,
                const std::string& model, double seconds) {
  const bool mc = e.method == lp::method::monte_carlo;
  std::cout << "liveput of " << profile << ": N=" << k.n << " running "
            << parcae::to_string(k.config()) << ", " << k.n_in << " joining, " << k.n_out
            << " preempted -> N'=" << k.n_after() << "; model " << model << ", method "
            << lp::to_string(e.method);
  if (mc) std::cout << " (" << e.samples << " samples)";
  if (e.method == lp::method::exact) std::cout << " (" << e.states << " survivor vectors)";
  std::cout << ", interval " << fixed(e.interval_s, 0) << " s, " << fixed(seconds * 1000, 2)
            << " ms\n";
  if (e.status != lp::entry_status::ok) {
    std::cout << "status: " << lp::to_string(e.status) << "\n";
    return;
  }
  std::cout << (mc ? "  target   T(samples/s)  P(reach)   +-se     E[cost] s   +-se     liveput\n"
                   : "  target   T(samples/s)  P(reach)  E[cost] s   liveput\n");
  for (const auto& t : e.targets) {
    char line[200];
    if (mc) {
      std::snprintf(line, sizeof line, "  %-8s %12.2f  %8.4f  %7.4f  %9.3f  %7.3f  %9.2f\n",
                    parcae::to_string(t.target).c_str(), t.throughput, t.probability,
                    t.probability_se, t.mean_cost_s, t.mean_cost_se_s, t.liveput);
    } else {
      std::snprintf(line, sizeof line, "  %-8s %12.2f  %8.4f  %9.3f  %9.2f\n",
                    parcae::to_string(t.target).c_str(), t.throughput, t.probability, t.mean_cost_s,
                    t.liveput);
    }
    std::cout << line;
  }
  const lp::target_estimate* best = e.best();
  const lp::target_estimate* fastest = nullptr;
  for (const auto& t : e.targets) {
    if (fastest == nullptr || t.throughput > fastest->throughput) fastest = &t;
  }
  std::cout << "liveput-optimal: " << parcae::to_string(best->target) << " at "
            << fixed(best->liveput, 2)
            << " samples/s; throughput-optimal: " << parcae::to_string(fastest->target) << " (T "
            << fixed(fastest->throughput, 2) << ") at " << fixed(fastest->liveput, 2)
            << " samples/s\n";
}

void run_liveput(const liveput_args& a) {
  const parcae::parallel_config c = parcae_tool::parse_config("--config", a.config);
  const lp::key k{a.nodes, c.d, c.p, a.add, a.preempt};
  lp::zone_model zones;
  const bool zoned = parse_model(a.model, zones);
  if (a.method != "exact" && a.method != "mc") {
    throw parcae_tool::usage_error("--method '" + a.method + "' must be exact or mc");
  }
  if (zoned && a.method == "exact") {
    throw parcae_tool::usage_error(
        "--method exact needs --model uniform (the exact estimator is for the uniform model); "
        "use --method mc");
  }
  lp::entry e;
  std::string profile_name = a.profile;
  double seconds = 0.0;
  if (!a.load.empty()) {
    lp::table t;
    parcae_tool::load_liveput_table(a.load, t);
    const lp::entry* found = t.find(k);
    if (found == nullptr) {
      throw parcae_tool::usage_error("key " + lp::to_string(k) + " is not in " + a.load);
    }
    e = *found;
  } else {
    const parcae::perf::model_profile profile = parcae::perf::load_profile(a.profile);
    profile_name = profile.name;
    const parcae::perf::throughput_model model(profile);
    const int g = profile.gpus_per_instance;
    if (c.d >= 1 && c.p >= 1 && c.p <= model.max_depth()) {
      const auto running = model.estimate(c);
      if (running.status != parcae::perf::estimate_status::ok) {
        throw parcae_tool::usage_error("config " + parcae::to_string(c) +
                                       " is not a configuration " + profile.name + " can run (" +
                                       parcae::perf::to_string(running.status) + ")");
      }
    }
    const auto candidates =
        lp::candidate_targets(model, static_cast<long long>(k.n_after() > 0 ? k.n_after() : 1) * g);
    lp::perf_cost_model cost(profile);
    lp::cpu_params params;
    params.kind = a.method == "exact" ? lp::estimator_kind::exact : lp::estimator_kind::monte_carlo;
    params.samples = a.samples;
    params.threads = a.threads;
    params.seed = a.seed;
    params.interval_s = a.interval;
    std::shared_ptr<lp::backend> backend =
        zoned ? lp::make_cpu_backend(zones, cost, candidates, g, params)
              : lp::make_cpu_backend(lp::uniform_model{}, cost, candidates, g, params);
    cost.bind(c);  // validates the old configuration against the profile before timing
    const auto t0 = std::chrono::steady_clock::now();
    e = backend->estimate({k}).front();
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!a.save.empty()) {
      lp::table t;
      t.insert(k, e);
      parcae_tool::save_liveput_table(t, a.save,
                                      {{"profile", profile.name},
                                       {"model", a.model},
                                       {"seed", a.seed},
                                       {"backend", backend->name()}});
    }
  }
  if (a.json) {
    nlohmann::json out = parcae_tool::liveput_entry_to_json(k, e);
    out["profile"] = profile_name;
    out["model"] = a.model;
    if (const lp::target_estimate* best = e.best()) {
      out["best"] = {{"d", best->target.d}, {"p", best->target.p}, {"liveput", best->liveput}};
    }
    std::cout << out.dump(2) << "\n";
    return;
  }
  print_text(profile_name, k, e, a.model, seconds);
}

void setup_liveput(CLI::App& app) {
  auto args = std::make_shared<liveput_args>();
  CLI::App* cmd = app.add_subcommand(
      "liveput", "Reachability, expected migration cost and liveput of every target of one key");
  cmd->add_option("--profile", args->profile, "profile name or JSON file")->required();
  parcae_tool::add_integer_option(cmd, "--nodes", args->nodes, 1, 1000000,
                                  "instances alive at the start of the interval (N)")
      ->required();
  cmd->add_option("--config", args->config, "running configuration DxP or D,P (for example 4x8)")
      ->required();
  parcae_tool::add_integer_option(cmd, "--preempt", args->preempt, 0, 1000000,
                                  "instances preempted in the interval (n_out)")
      ->required();
  parcae_tool::add_integer_option(cmd, "--add", args->add, 0, 1000000,
                                  "instances joining in the interval (n_in)");
  cmd->add_option("--model", args->model, "preemption model: uniform or zones:W1,W2,...");
  cmd->add_option("--method", args->method, "exact (uniform model) or mc");
  parcae_tool::add_integer_option(cmd, "--samples", args->samples, 1, 1 << 30,
                                  "Monte-Carlo samples");
  parcae_tool::add_integer_option(cmd, "--threads", args->threads, 0, 1024,
                                  "worker threads (0 = all cores)");
  parcae_tool::add_seed_option(cmd, "--seed", args->seed, "Monte-Carlo seed");
  parcae_tool::add_number_option(cmd, "--interval", args->interval, 0.001, 1e9,
                                 "interval length in seconds (default 60)");
  cmd->add_flag("--json", args->json, "print JSON");
  cmd->add_option("--save", args->save, "write the entry as a liveput table JSON file");
  cmd->add_option("--load", args->load, "read the key from a liveput table JSON file");
  cmd->callback([args]() { run_liveput(*args); });
}

const parcae_tool::command_registration reg{"liveput", 40, &setup_liveput};

}  // namespace
