// `parcae plan`: the plan the runtime controller would make at one minute of a trace, step by
// step, with the expected samples (docs/planning.md).
//
//   parcae plan --profile gpt-1.5b --trace p3trace.csv --at 330 [--horizon 12]
//               [--planner dp|stochastic] [--paths 16] [--forecaster naive|arima|ets|drift]
//               [--json]
//
// The trace is binned into intervals and replayed through a runtime::controller from its first
// interval up to --at (instances are named by arrival; a preemption removes the oldest instance,
// which the planner's expected costs do not depend on), with the availability forecaster of
// --forecaster (naive by default, as `parcae sim`'s parcae-predict, so both show the same
// decisions) and the exact/Monte-Carlo liveput table; the decision at --at is printed.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "parcae/command.hpp"
#include "parcae/perf/profile_json.hpp"
#include "parcae/plan/job.hpp"
#include "parcae/runtime/availability_source.hpp"
#include "parcae/runtime/controller.hpp"
#include "parcae/runtime/trace_replay.hpp"
#include "parcae/trace/bin.hpp"
#include "parcae/trace/read.hpp"

namespace {

namespace rt = parcae::runtime;

struct plan_args {
  std::string profile;
  std::string trace;
  int at = 0;
  int horizon = 12;
  std::string planner = "dp";
  std::string forecaster = "naive";
  int paths = 16;
  double interval = 60.0;
  int capacity = 0;
  std::uint64_t seed = 1;
  std::int64_t samples = 2000;
  bool json = false;
};

void run_plan(const plan_args& a) {
  const parcae::perf::model_profile profile = parcae::perf::load_profile(a.profile);
  parcae::trace::binning_params bp;
  bp.interval_seconds = a.interval;
  const auto series = parcae::trace::bin(parcae::trace::read_trace(a.trace), bp);
  if (a.at < 0 || a.at >= static_cast<int>(series.size())) {
    throw parcae_tool::usage_error("--at " + std::to_string(a.at) + " must be in [0, " +
                                   std::to_string(series.size()) + ") (intervals in the trace)");
  }
  int capacity = a.capacity;
  if (capacity <= 0) {
    for (const auto& iv : series.intervals)
      capacity = std::max({capacity, iv.alive, iv.alive_after()});
  }
  capacity = std::max(capacity, 1);
  parcae::plan::job_params jp;
  jp.capacity = capacity;
  jp.interval_s = a.interval;
  jp.liveput.seed = a.seed;
  jp.liveput.samples = a.samples;
  jp.liveput.exact_threshold = 10000;  // exact wherever it is affordable: one decision only
  jp.liveput.threads = 1;
  const parcae::plan::job job(profile, jp);

  rt::controller_options params;
  params.horizon = a.horizon;
  params.kind = a.planner == "stochastic" ? rt::planner_kind::stochastic : rt::planner_kind::dp;
  params.sample_paths = a.paths;
  rt::availability_source_params fp;
  fp.forecast.window = 12;
  fp.forecast.capacity = capacity;
  fp.forecast.seed = a.seed;
  if (a.forecaster == "naive") {
    fp.forecast.model = parcae::forecast::availability_model::naive;
  } else if (a.forecaster == "arima") {
    fp.forecast.model = parcae::forecast::availability_model::arima;
  } else if (a.forecaster == "ets") {
    fp.forecast.model = parcae::forecast::availability_model::ets;
  } else {
    fp.forecast.model = parcae::forecast::availability_model::drift;
  }

  rt::hooks hooks;
  hooks.reconfigure = [](const rt::decision&) {};  // the replay only needs the state
  rt::controller ctl(job, params, rt::availability_source(fp), hooks);

  // Replay: instances named by arrival, the oldest preempted first.
  rt::trace_replay replay(series.intervals.front().alive);
  ctl.on_instances_added(replay.alive());
  ctl.on_interval(replay.alive(), replay.joined(), replay.preempted());
  for (int k = 0; k < a.at; ++k) {
    replay.step(series.intervals[static_cast<std::size_t>(k)]);
    ctl.on_interval(replay.alive(), replay.joined(), replay.preempted());
  }
  const rt::decision last = ctl.last_decision();
  const int n_at = static_cast<int>(replay.alive().size());
  if (a.json) {
    nlohmann::json j;
    j["profile"] = profile.name;
    j["trace"] = a.trace;
    j["at"] = a.at;
    j["alive"] = n_at;
    j["planner"] = a.planner;
    j["forecaster"] = a.forecaster;
    j["horizon"] = a.horizon;
    j["previous"] = {{"d", last.previous.d}, {"p", last.previous.p}};
    j["target"] = {{"d", last.target.d}, {"p", last.target.p}};
    j["kind"] = rt::to_string(last.kind);
    j["expected_cost_s"] = last.expected_cost_s;
    j["expected_samples"] = last.expected_samples;
    j["steps"] = nlohmann::json::array();
    for (const auto& s : last.plan) {
      j["steps"].push_back({{"n_before", s.n_before},
                            {"n_in", s.events.n_in},
                            {"n_out", s.events.n_out},
                            {"n_after", s.n_after},
                            {"d", s.config.d},
                            {"p", s.config.p},
                            {"prob", s.prob},
                            {"cost_s", s.cost_s},
                            {"samples", s.samples},
                            {"remaining_s", s.remaining_s}});
    }
    std::cout << j.dump() << "\n";
    return;
  }
  std::printf(
      "plan for %s at interval %d of %s (%d alive), planner %s, horizon %d, forecaster %s\n",
      profile.name.c_str(), a.at, a.trace.c_str(), n_at, a.planner.c_str(), a.horizon,
      a.forecaster.c_str());
  std::printf("decision: %s -> %s %s, expected migration %.1f s\n",
              parcae::to_string(last.previous).c_str(), parcae::to_string(last.target).c_str(),
              rt::to_string(last.kind), last.expected_cost_s);
  std::printf("step  N_before  in  out  N_after  config    cost_s    samples  remaining_s\n");
  for (std::size_t k = 0; k < last.plan.size(); ++k) {
    const auto& s = last.plan[k];
    std::printf("%4zu  %8d  %2d  %3d  %7d  %-7s  %7.1f  %9.1f  %11.1f\n", k + 1, s.n_before,
                s.events.n_in, s.events.n_out, s.n_after, parcae::to_string(s.config).c_str(),
                s.cost_s, s.samples, s.remaining_s);
  }
  std::printf("expected samples over the horizon: %.1f%s\n", last.expected_samples,
              a.planner == "stochastic" ? " (mean over the sample paths; first step shown)" : "");
}

void setup_plan(CLI::App& app) {
  auto args = std::make_shared<plan_args>();
  CLI::App* cmd = app.add_subcommand(
      "plan",
      "The plan the runtime controller makes at one interval of a trace (docs/planning.md)");
  cmd->add_option("--profile", args->profile, "profile name (profiles/NAME.json) or JSON file")
      ->required();
  cmd->add_option("--trace", args->trace, "availability trace (any format `parcae trace` reads)")
      ->required();
  cmd->add_option("--at", args->at, "interval (minute, for 60 s intervals) of the decision")
      ->required();
  cmd->add_option("--horizon", args->horizon, "H, intervals planned")->check(CLI::Range(1, 1000));
  cmd->add_option("--planner", args->planner, "dp (point forecast) or stochastic (sample paths)")
      ->check(CLI::IsMember({"dp", "stochastic"}));
  cmd->add_option("--forecaster", args->forecaster,
                  "naive (default, last value, as parcae sim), arima (the artifact's), ets or "
                  "drift")
      ->check(CLI::IsMember({"naive", "arima", "ets", "drift"}));
  cmd->add_option("--paths", args->paths, "K, forecast sample paths for --planner stochastic")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--interval", args->interval, "interval length in seconds")
      ->check(CLI::Range(1.0, 86400.0));
  cmd->add_option("--capacity", args->capacity,
                  "most instances the job may use (default: the trace's maximum)")
      ->check(CLI::Range(0, 1000000));
  parcae_tool::add_seed_option(cmd, "--seed", args->seed,
                               "seed of the forecast paths and Monte-Carlo liveput");
  cmd->add_option("--samples", args->samples,
                  "Monte-Carlo samples per liveput key too large for the exact estimator")
      ->check(CLI::Range(std::int64_t{100}, std::int64_t{10'000'000}));
  cmd->add_flag("--json", args->json, "print one JSON object instead of a table");
  cmd->callback([args] { run_plan(*args); });
}

const parcae_tool::command_registration reg{"plan", 50, &setup_plan};

}  // namespace
