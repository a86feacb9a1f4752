// `parcae eval`: decision quality on an evaluation set. Every trace of a directory (or the files
// given) x every profile, through the baselines and the parcae policies, printing the ratio
// matrix (predict / reactive, / reactive-live, / recycle; truth / each; % of ideal) as a table,
// optionally as JSON, with progress on stderr and the runs spread over --jobs threads.
//
//   scripts/gen_eval_traces.py build/evalset --bundled
//   parcae eval --traces build/evalset [--profiles all] [--jobs 2] [--json eval.json]
//
// --seeds K replays every run under K seeds (--seed, --seed + 1, ...): which instances each
// preemption takes and every Monte-Carlo draw change with the seed, the counts do not. The ratios
// are then taken on the samples summed over the seeds, so a loss that holds over them is the
// policy's and one that does not is the luck of one draw (the JSON keeps each seed's ratios).
//
// A trace file may say `# gpus_per_instance: G` in a comment line: the profiles then run on
// instances of G GPUs (the evaluation set's multi-GPU families). A profile that cannot train on a
// trace (no configuration fits its largest cluster) is listed as such and left out of the
// summary.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "parcae/command.hpp"
#include "parcae/perf/profile_json.hpp"
#include "parcae/sim/harness.hpp"
#include "parcae/trace/read.hpp"

namespace {

namespace fs = std::filesystem;

struct eval_args {
  std::vector<std::string> traces;
  std::string profiles = "all";
  std::string policies = "ideal,reactive,reactive-live,recycle,parcae-truth,parcae-predict";
  int jobs = 2;
  int horizon = 12;
  double interval = 60.0;
  std::uint64_t seed = 1;
  int seeds = 1;
  std::string json;
  bool quiet = false;
  double terminal_s = -1.0, terminal_prior = 60.0;
  bool reroute = true;
  bool pareto_targets = true;
  bool extrapolate = true;
  bool guard = true;
  double guard_margin = 30.0;
  int guard_probation = 60;
  int guard_patience = 12;
  parcae::sim::concurrent_charge concurrent = parcae::sim::concurrent_charge::remainder;
};

/// The baselines every ratio is taken against, and the parcae policies compared.
const char* const baselines[] = {"reactive", "reactive-live", "recycle"};
const char* const planners[] = {"parcae-predict", "parcae-truth"};
/// planners[p] / baselines[b] for every pair.
using ratio_matrix = std::array<std::array<double, 3>, 2>;

/// The pair's name in the table's JSON ("parcae-predict/reactive").
std::string pair_key(int p, int b) { return std::string(planners[p]) + "/" + baselines[b]; }

struct run_result {
  std::string trace, profile;
  int gpus_per_instance = 1;
  std::size_t intervals = 0;
  bool trains = false;
  std::string note;
  double seconds = 0.0;
  std::vector<std::pair<std::string, double>> samples;   ///< per policy
  std::vector<std::pair<std::string, int>> guard_trips;  ///< per policy that has the guard on
  double ideal = 0.0;
  /// With --seeds > 1: each seed's ratios (samples and ideal are then the sums).
  std::vector<ratio_matrix> seed_ratios;

  double of(const std::string& name) const {
    for (const auto& [n, s] : samples) {
      if (n == name) return s;
    }
    return NAN;
  }
};

std::vector<std::string> trace_files(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    if (fs::is_directory(a)) {
      std::vector<std::string> here;
      for (const auto& e : fs::directory_iterator(a)) {
        const std::string ext = e.path().extension().string();
        if (e.is_regular_file() && (ext == ".csv" || ext == ".json" || ext == ".jsonl")) {
          here.push_back(e.path().string());
        }
      }
      std::sort(here.begin(), here.end());
      out.insert(out.end(), here.begin(), here.end());
    } else if (fs::is_regular_file(a)) {
      out.push_back(a);
    } else {
      throw parcae_tool::usage_error("--traces '" + a + "' is neither a file nor a directory");
    }
  }
  if (out.empty()) throw parcae_tool::usage_error("--traces names no trace file");
  return out;
}

run_result run_one(const std::string& path, const std::string& profile_name, const eval_args& a,
                   std::uint64_t seed, const std::vector<std::string>& names,
                   int estimator_threads) {
  using namespace parcae;
  const auto t0 = std::chrono::steady_clock::now();
  run_result r;
  r.trace = fs::path(path).filename().string();
  r.profile = profile_name;
  trace::binning_params bp;
  bp.interval_seconds = a.interval;
  const trace::availability_trace tr = trace::read_trace(fs::path(path));
  const sim::event_trace ev = sim::make_event_trace(tr, bp, seed);
  r.intervals = ev.size();
  perf::model_profile profile = perf::load_profile(profile_name);
  if (tr.gpus_per_instance > 0) profile.gpus_per_instance = tr.gpus_per_instance;
  r.gpus_per_instance = profile.gpus_per_instance;
  plan::job_params jp;
  jp.capacity = std::max(1, ev.capacity());
  jp.interval_s = a.interval;
  jp.liveput.seed = seed;
  jp.liveput.threads = estimator_threads;
  jp.pareto_targets = a.pareto_targets;
  jp.throughput.extrapolate_measured = a.extrapolate;
  const plan::job job(profile, jp);
  if (job.best(jp.capacity).paused()) {
    r.note = "no configuration fits " + std::to_string(jp.capacity) + " instances";
  } else {
    sim::harness_params hp;
    hp.parcae.horizon = a.horizon;
    hp.parcae.window = std::max(3, a.horizon);
    hp.parcae.seed = seed;
    hp.parcae.terminal_s = a.terminal_s;
    hp.parcae.terminal_prior_intervals = a.terminal_prior;
    hp.parcae.reroute = a.reroute;
    hp.parcae.guard = a.guard;
    hp.parcae.guard_margin_s = a.guard_margin;
    hp.parcae.guard_probation = a.guard_probation;
    hp.parcae.guard_patience = a.guard_patience;
    hp.sim.keep_timeline = false;
    hp.sim.concurrent = a.concurrent;
    const sim::harness_result h = sim::run_harness(ev, job, names, hp);
    r.ideal = h.ideal_samples;
    r.trains = h.ideal_samples > 0.0;
    if (!r.trains) r.note = "ideal trains nothing";
    for (const auto& e : h.policies) {
      r.samples.emplace_back(e.result.name, e.result.samples);
      if (e.result.guard_trips >= 0)
        r.guard_trips.emplace_back(e.result.name, e.result.guard_trips);
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

/// A planner's samples over a baseline's (planners[p] / baselines[b]).
double ratio_of(const run_result& r, int p, int b) {
  return r.of(planners[p]) / r.of(baselines[b]);
}

/// One trace x profile replayed under several seeds, as one run: samples, ideal, guard trips and
/// seconds summed; each seed's ratios kept in seed_ratios.
run_result merge_seeds(std::vector<run_result> runs) {
  run_result m = std::move(runs.front());
  if (runs.size() == 1) return m;
  auto ratios = [](const run_result& r) {
    ratio_matrix x;
    for (int p = 0; p < 2; ++p) {
      for (int b = 0; b < 3; ++b) x[p][b] = r.trains ? ratio_of(r, p, b) : NAN;
    }
    return x;
  };
  m.seed_ratios.push_back(ratios(m));
  for (std::size_t i = 1; i < runs.size(); ++i) {
    const run_result& r = runs[i];
    m.seed_ratios.push_back(ratios(r));
    m.seconds += r.seconds;
    m.ideal += r.ideal;
    m.trains = m.trains && r.trains;  // the counts, so every seed, decide whether it trains
    for (auto& [name, s] : m.samples) s += r.of(name);
    for (auto& [name, t] : m.guard_trips) {
      for (const auto& [n, u] : r.guard_trips) t += n == name ? u : 0;
    }
  }
  return m;
}

std::string ratio_text(double x) {
  if (!std::isfinite(x)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", x);
  return buf;
}

void run_eval(const eval_args& a) {
  const std::vector<std::string> files = trace_files(a.traces);
  const std::vector<std::string> profiles = a.profiles == "all"
                                                ? parcae::perf::shipped_profile_names()
                                                : parcae_tool::split_list(a.profiles);
  if (profiles.empty()) throw parcae_tool::usage_error("--profiles names no profile");
  for (const auto& p : profiles) parcae::perf::load_profile(p);  // fail before the runs
  if (!a.json.empty() && !std::ofstream(a.json, std::ios::app)) {
    throw parcae_tool::usage_error("--json '" + a.json + "' cannot be written");
  }
  std::vector<std::string> names =
      parcae::sim::expand_policy_names(parcae_tool::split_list(a.policies));
  for (const char* needed :
       {"reactive", "reactive-live", "recycle", "parcae-truth", "parcae-predict"}) {
    if (std::find(names.begin(), names.end(), needed) == names.end()) names.push_back(needed);
  }
  struct task {
    std::string path, profile;
    std::uint64_t seed;
  };
  std::vector<task> tasks;  // a trace x profile's seeds next to each other, merged below
  for (const auto& f : files) {
    for (const auto& p : profiles) {
      for (int k = 0; k < a.seeds; ++k) tasks.push_back({f, p, a.seed + std::uint64_t(k)});
    }
  }
  std::vector<run_result> runs(tasks.size());
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex io;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> errors(tasks.size());
  auto worker = [&] {
    for (std::size_t i = next++; i < tasks.size(); i = next++) {
      try {
        runs[i] =
            run_one(tasks[i].path, tasks[i].profile, a, tasks[i].seed, names, a.jobs > 1 ? 1 : 0);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
      const std::size_t d = ++done;
      if (!a.quiet) {
        std::lock_guard<std::mutex> lock(io);
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const std::string seed =
            a.seeds > 1 ? " (seed " + std::to_string(tasks[i].seed) + ")" : std::string();
        std::fprintf(stderr, "[%zu/%zu] %s x %s%s: %.1f s (%.0f s elapsed, about %.0f s left)\n", d,
                     tasks.size(), fs::path(tasks[i].path).filename().c_str(),
                     tasks[i].profile.c_str(), seed.c_str(), runs[i].seconds, s,
                     parcae_tool::eta_seconds(s, d, tasks.size()));
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, a.jobs); ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (!errors[i].empty()) {
      throw std::runtime_error(tasks[i].path + " x " + tasks[i].profile + ": " + errors[i]);
    }
  }
  std::vector<run_result> results;
  for (std::size_t i = 0; i < runs.size(); i += std::size_t(a.seeds)) {
    results.push_back(
        merge_seeds({std::make_move_iterator(runs.begin() + std::ptrdiff_t(i)),
                     std::make_move_iterator(runs.begin() + std::ptrdiff_t(i) + a.seeds)}));
  }

  // The matrix.
  std::printf("%-34s %-10s %8s %8s | %8s %8s %8s | %8s %8s %8s\n", "trace", "profile", "pred %id",
              "truth %i", "p/react", "p/live", "p/recyc", "t/react", "t/live", "t/recyc");
  nlohmann::json doc;
  doc["runs"] = nlohmann::json::array();
  double min_ratio[2][3] = {{INFINITY, INFINITY, INFINITY}, {INFINITY, INFINITY, INFINITY}};
  double min_seed[2][3] = {{INFINITY, INFINITY, INFINITY}, {INFINITY, INFINITY, INFINITY}};
  double sum_live = 0.0;
  int counted = 0, losses[2][3] = {};
  for (const run_result& r : results) {
    nlohmann::json row = {{"trace", r.trace},
                          {"profile", r.profile},
                          {"gpus_per_instance", r.gpus_per_instance},
                          {"intervals", r.intervals},
                          {"seconds", r.seconds},
                          {"trains", r.trains}};
    if (!r.trains) {
      std::printf("%-34s %-10s cannot train: %s\n", r.trace.c_str(), r.profile.c_str(),
                  r.note.c_str());
      row["note"] = r.note;
      doc["runs"].push_back(row);
      continue;
    }
    ratio_matrix ratio;
    for (int p = 0; p < 2; ++p) {
      for (int b = 0; b < 3; ++b) {
        ratio[p][b] = ratio_of(r, p, b);
        min_ratio[p][b] = std::min(min_ratio[p][b], ratio[p][b]);
        for (const auto& x : r.seed_ratios) min_seed[p][b] = std::min(min_seed[p][b], x[p][b]);
        losses[p][b] += ratio[p][b] < 1.0 - 1e-9 ? 1 : 0;
      }
    }
    sum_live += ratio[0][1];
    ++counted;
    std::printf("%-34s %-10s %7.2f%% %7.2f%% | %8s %8s %8s | %8s %8s %8s\n", r.trace.c_str(),
                r.profile.c_str(), 100.0 * r.of("parcae-predict") / r.ideal,
                100.0 * r.of("parcae-truth") / r.ideal, ratio_text(ratio[0][0]).c_str(),
                ratio_text(ratio[0][1]).c_str(), ratio_text(ratio[0][2]).c_str(),
                ratio_text(ratio[1][0]).c_str(), ratio_text(ratio[1][1]).c_str(),
                ratio_text(ratio[1][2]).c_str());
    row["ideal_samples"] = r.ideal;
    for (const auto& [n, s] : r.samples) row["samples"][n] = s;
    for (const auto& [n, t] : r.guard_trips) row["guard_trips"][n] = t;
    for (int p = 0; p < 2; ++p) {
      for (int b = 0; b < 3; ++b) {
        const std::string key = pair_key(p, b);
        row["ratios"][key] = ratio[p][b];
        for (const auto& x : r.seed_ratios) row["seed_ratios"][key].push_back(x[p][b]);
      }
    }
    doc["runs"].push_back(row);
  }
  if (a.seeds > 1) {
    std::printf(
        "\n%d runs that train (of %zu), each the sum over %d seeds. Lowest ratio and runs "
        "below 1.00x; lowest of one seed:\n",
        counted, results.size(), a.seeds);
  } else {
    std::printf("\n%d runs that train (of %zu). Lowest ratio and runs below 1.00x:\n", counted,
                results.size());
  }
  for (int p = 0; p < 2; ++p) {
    for (int b = 0; b < 3; ++b) {
      const std::string key = pair_key(p, b);
      std::printf("  %-15s / %-14s min %s, below 1: %d", planners[p], baselines[b],
                  ratio_text(min_ratio[p][b]).c_str(), losses[p][b]);
      doc["summary"][key] = {{"min", min_ratio[p][b]}, {"below_1", losses[p][b]}};
      if (a.seeds > 1) {
        std::printf("; one seed %s", ratio_text(min_seed[p][b]).c_str());
        doc["summary"][key]["min_one_seed"] = min_seed[p][b];
      }
      std::printf("\n");
    }
  }
  const double mean_live = counted > 0 ? sum_live / counted : NAN;
  std::printf("  mean parcae-predict / reactive-live: %s\n", ratio_text(mean_live).c_str());
  doc["summary"]["mean parcae-predict/reactive-live"] = mean_live;
  doc["runs_that_train"] = counted;
  doc["seeds"] = a.seeds;
  doc["first_seed"] = a.seed;
  if (!a.json.empty()) {
    std::ofstream out(a.json);
    if (!out) throw parcae_tool::usage_error("--json '" + a.json + "' cannot be written");
    out << doc.dump(2) << "\n";
  }
}

void setup_eval(CLI::App& app) {
  auto args = std::make_shared<eval_args>();
  CLI::App* cmd = app.add_subcommand(
      "eval", "decision quality on an evaluation set: every trace x every profile (ratios)");
  cmd->add_option("--traces", args->traces,
                  "trace files or directories (every .csv/.json/.jsonl in them)")
      ->required();
  cmd->add_option("--profiles", args->profiles, "all (default) or a comma-separated list");
  cmd->add_option("--policies", args->policies,
                  "policies to run besides the five the ratios need (default: those five)");
  parcae_tool::add_integer_option(cmd, "--jobs", args->jobs, 1, 256,
                                  "runs in parallel (default 2)");
  parcae_tool::add_integer_option(cmd, "--horizon", args->horizon, 1, 1000,
                                  "planning horizon H (default 12)");
  parcae_tool::add_number_option(cmd, "--interval", args->interval, 1.0, 86400.0,
                                 "interval length in seconds (default 60)");
  parcae_tool::add_seed_option(cmd, "--seed", args->seed, "seed of every random draw");
  parcae_tool::add_integer_option(
      cmd, "--seeds", args->seeds, 1, 1000,
      "replay every run under this many seeds (--seed, --seed + 1, ...: which instances each "
      "preemption takes, the Monte-Carlo draws) and take the ratios on the samples summed over "
      "them, so that one draw's luck is told from a policy's loss (default 1)");
  cmd->add_option("--json", args->json, "write every run and the summary as JSON");
  parcae_tool::add_number_option(cmd, "--terminal", args->terminal_s, -1.0, 1e9,
                                 "value after the horizon in seconds (-1: adaptive; parcae sim)");
  parcae_tool::add_guard_options(cmd, args->guard, args->guard_margin, args->guard_probation,
                                 args->guard_patience);
  parcae_tool::add_concurrent_option(cmd, args->concurrent);
  parcae_tool::add_switch_option(cmd, "--reroute", args->reroute,
                                 "parcae keeps a configuration that lost slots running, their "
                                 "micro-batches rerouted to the stage's peers, while that trains "
                                 "more than migrating (default on; ReCycle's mechanism)");
  parcae_tool::add_pareto_targets_option(cmd, args->pareto_targets);
  parcae_tool::add_extrapolate_option(cmd, args->extrapolate);
  parcae_tool::add_number_option(cmd, "--terminal-prior", args->terminal_prior, 0.0, 1e9,
                                 "prior intervals of the adaptive --terminal (parcae sim)");
  cmd->add_flag("--quiet", args->quiet, "no progress on stderr");
  cmd->callback([args] { run_eval(*args); });
}

const parcae_tool::command_registration reg{"eval", 65, &setup_eval};

}  // namespace
