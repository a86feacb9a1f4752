// `parcae sim`: the main job. Replays a real availability trace through the policies (ideal,
// reactive, reactive-live, recycle, bamboo, on-demand, parcae-truth, parcae-predict,
// parcae-stochastic) on one model profile and prints what each trained and paid
// (docs/simulator.md, docs/results.md). The parcae policies are the runtime controller.
//
//   parcae sim --trace bench/traces/parcae/p3trace.csv --profile gpt-1.5b
//   parcae sim --trace t.csv --profile bert --policy reactive,parcae-truth --json out.json
//   parcae sim --trace t.csv --profile gpt-1.5b --csv timeline.csv --plot samples.svg
//   parcae sim ... --artifact-plans bench/traces/parcae/liveput_res/gpt-1.5b_p3_gbs128_mbs1.json
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "parcae/command.hpp"
#include "parcae/perf/profile_json.hpp"
#include "parcae/sim/harness.hpp"
#include "parcae/sim/replay_policy.hpp"
#include "parcae/trace/read.hpp"

namespace {

struct sim_args {
  std::string trace;
  std::string profile;
  std::string policies = "all";
  int horizon = 12;
  double interval = 60.0;
  std::uint64_t seed = 1;
  std::string json, csv, plot, artifact_plans;
  std::string accounting = "realized";
  std::string forecaster = "naive";
  std::string first_step = "notice";
  std::string reaction = "replan-preemption";
  int window = 0;  // 0: max(3, horizon)
  int on_demand = 0;
  int paths = 4;
  int mc_samples = 100;
  double hours_from = -1, hours_to = -1;
  double spot_price = 0.91, on_demand_price = 3.06;
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
  int threads = 0;  ///< policies replayed at once (sim::harness_params::threads); 0: every core
};

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string grouped(double v) {
  std::string s = fixed(std::round(v), 0);
  std::string out;
  const std::size_t start = s[0] == '-' ? 1 : 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i > start && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

/// Cuts hours [from, to) out of a trace (the replay segments of traces README §1.4): the
/// instances alive at `from` become additions at time 0.
parcae::trace::availability_trace cut_hours(const parcae::trace::availability_trace& t,
                                            double from_h, double to_h) {
  const std::int64_t a = t.start_ms + std::llround(from_h * 3600000.0);
  const std::int64_t b = t.start_ms + std::llround(to_h * 3600000.0);
  parcae::trace::availability_trace out = t;
  out.changes.clear();
  std::vector<std::string> alive;  // named: names alive at `a`
  int count = 0;
  for (const auto& c : t.changes) {
    if (c.time_ms >= a) break;
    if (c.kind == parcae::trace::change_kind::add) {
      count += c.count;
      alive.insert(alive.end(), c.nodes.begin(), c.nodes.end());
    } else {
      count -= c.count;
      for (const auto& n : c.nodes) alive.erase(std::find(alive.begin(), alive.end(), n));
    }
  }
  if (count > 0) {
    parcae::trace::change c;
    c.time_ms = t.start_ms;
    c.count = count;
    if (t.named) c.nodes = alive;
    out.changes.push_back(c);
  }
  for (auto c : t.changes) {
    if (c.time_ms < a || c.time_ms >= b) continue;
    c.time_ms -= a - t.start_ms;
    out.changes.push_back(c);
  }
  out.end_ms = t.start_ms + (b - a) - 1;
  return out;
}

struct artifact_plans {
  std::vector<std::array<int, 3>> intervals;
  std::vector<parcae::parallel_config> throughput_opt, truth, predict;
};

artifact_plans read_plans(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw parcae_tool::usage_error("--artifact-plans '" + path + "' cannot be opened");
  nlohmann::json doc;
  try {
    in >> doc;
  } catch (const std::exception& e) {
    throw parcae_tool::usage_error("--artifact-plans '" + path + "' is not JSON: " + e.what());
  }
  if (!doc.is_array()) throw parcae_tool::usage_error("--artifact-plans: expected a JSON list");
  artifact_plans out;
  auto cfg = [&](const nlohmann::json& row, const char* key, std::size_t i) {
    if (!row.contains(key) || !row[key].is_array() || row[key].size() != 2) {
      throw parcae_tool::usage_error("--artifact-plans: entry " + std::to_string(i) + " has no " +
                                     key + " [D,P]");
    }
    return parcae::parallel_config{row[key][0].get<int>(), row[key][1].get<int>()};
  };
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const auto& row = doc[i];
    if (!row.is_object() || !row.contains("interval")) {
      throw parcae_tool::usage_error("--artifact-plans: entry " + std::to_string(i) +
                                     " has no \"interval\"");
    }
    out.intervals.push_back({row["interval"][0].get<int>(), row["interval"][1].get<int>(),
                             row["interval"][2].get<int>()});
    out.throughput_opt.push_back(cfg(row, "throughut-opt", i));  // sic: the artifact's key
    out.truth.push_back(cfg(row, "liveput-truth", i));
    out.predict.push_back(cfg(row, "liveput-predict", i));
  }
  return out;
}

std::string color(std::size_t i) {
  static const char* palette[] = {"#000000", "#d62728", "#8c564b", "#7f7f7f", "#1f77b4",
                                  "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#bcbd22"};
  return palette[i % (sizeof palette / sizeof palette[0])];
}

/// A small SVG: cumulative samples per policy (top) and instances alive (bottom).
void write_svg(const std::string& path, const std::string& title,
               const std::vector<parcae::sim::policy_result>& results,
               const parcae::sim::event_trace& trace) {
  std::ofstream out(path);
  if (!out) throw parcae_tool::usage_error("--plot '" + path + "' cannot be written");
  const double W = 900, H1 = 380, H2 = 140, L = 90, R = 170, T = 40, gap = 50;
  const double pw = W - L - R;
  const std::size_t n = trace.size();
  const double hours = n * trace.interval_s / 3600.0;
  double ymax = 1.0;
  for (const auto& r : results) {
    if (!r.on_demand) ymax = std::max(ymax, r.samples);
  }
  for (const auto& r : results) ymax = std::max(ymax, r.samples);
  const double H = T + H1 + gap + H2 + 50;
  auto x = [&](double k) { return L + pw * k / std::max<double>(1.0, n); };
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << L << "\" y=\"22\" font-size=\"15\">" << title << "</text>\n";
  // Axes and grid of the top panel.
  for (int i = 0; i <= 4; ++i) {
    const double v = ymax * i / 4.0, y = T + H1 - H1 * i / 4.0;
    out << "<line x1=\"" << L << "\" x2=\"" << L + pw << "\" y1=\"" << y << "\" y2=\"" << y
        << "\" stroke=\"#ddd\"/>\n<text x=\"" << L - 6 << "\" y=\"" << y + 4
        << "\" text-anchor=\"end\">" << fixed(v / 1e6, 2) << "M</text>\n";
  }
  out << "<text x=\"20\" y=\"" << T + H1 / 2 << "\" transform=\"rotate(-90 20 " << T + H1 / 2
      << ")\" text-anchor=\"middle\">cumulative samples</text>\n";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    out << "<polyline fill=\"none\" stroke-width=\"1.6\" stroke=\"" << color(i) << "\""
        << (r.on_demand ? " stroke-dasharray=\"5,3\"" : "") << " points=\"" << x(0) << ","
        << T + H1;
    for (const auto& row : r.timeline) {
      out << " " << fixed(x(static_cast<double>(row.index) + 1), 1) << ","
          << fixed(T + H1 - H1 * row.cumulative / ymax, 1);
    }
    out << "\"/>\n<text x=\"" << L + pw + 10 << "\" y=\"" << T + 14 + 18 * i << "\" fill=\""
        << color(i) << "\">" << r.name << "</text>\n";
  }
  // Bottom panel: instances alive.
  const double top2 = T + H1 + gap;
  int cap = std::max(1, trace.capacity());
  out << "<text x=\"20\" y=\"" << top2 + H2 / 2 << "\" transform=\"rotate(-90 20 " << top2 + H2 / 2
      << ")\" text-anchor=\"middle\">instances</text>\n";
  for (int i = 0; i <= 2; ++i) {
    const double v = cap * i / 2.0, y = top2 + H2 - H2 * i / 2.0;
    out << "<line x1=\"" << L << "\" x2=\"" << L + pw << "\" y1=\"" << y << "\" y2=\"" << y
        << "\" stroke=\"#ddd\"/>\n<text x=\"" << L - 6 << "\" y=\"" << y + 4
        << "\" text-anchor=\"end\">" << fixed(v, 0) << "</text>\n";
  }
  out << "<polyline fill=\"none\" stroke=\"#444\" stroke-width=\"1.2\" points=\"";
  for (std::size_t k = 0; k < n; ++k) {
    const double y = top2 + H2 - H2 * trace[k].alive_after() / cap;
    out << fixed(x(static_cast<double>(k)), 1) << "," << fixed(y, 1) << " "
        << fixed(x(static_cast<double>(k) + 1), 1) << "," << fixed(y, 1) << " ";
  }
  out << "\"/>\n";
  for (int i = 0; i <= 4; ++i) {
    out << "<text x=\"" << x(n * i / 4.0) << "\" y=\"" << top2 + H2 + 18
        << "\" text-anchor=\"middle\">" << fixed(hours * i / 4.0, 1) << " h</text>\n";
  }
  out << "</svg>\n";
}

void run_sim(const sim_args& a) {
  using namespace parcae;
  trace::binning_params bp;
  bp.interval_seconds = a.interval;
  trace::availability_trace tr = trace::read_trace(std::filesystem::path(a.trace));
  if (a.hours_from >= 0 || a.hours_to >= 0) {
    if (a.hours_from < 0 || a.hours_to <= a.hours_from) {
      throw parcae_tool::usage_error("--hours FROM,TO must have 0 <= FROM < TO");
    }
    // A segment beyond the trace would replay a made-up constant cluster: refuse it.
    const double length_h = static_cast<double>(tr.end_ms - tr.start_ms) / 3600000.0;
    if (a.hours_to > length_h + 1e-9) {
      throw parcae_tool::usage_error("--hours TO is " + fixed(a.hours_to, 3) +
                                     ", but must be at most the trace's length, " +
                                     fixed(length_h, 3) + " h");
    }
    tr = cut_hours(tr, a.hours_from, a.hours_to);
  }
  const sim::event_trace ev = sim::make_event_trace(tr, bp, a.seed);
  if (ev.capacity() < 1) throw parcae_tool::usage_error("--trace has no instance alive");
  perf::model_profile profile = parcae::perf::load_profile(a.profile);
  // A trace of multi-GPU instances says so (`# gpus_per_instance: G`); its counts are instances.
  if (tr.gpus_per_instance > 0) profile.gpus_per_instance = tr.gpus_per_instance;
  plan::job_params jp;
  jp.capacity = ev.capacity();
  jp.interval_s = a.interval;
  jp.liveput.seed = a.seed;
  jp.liveput.samples = a.mc_samples;
  jp.pareto_targets = a.pareto_targets;
  jp.throughput.extrapolate_measured = a.extrapolate;
  const plan::job job(profile, jp);
  // GPUs of the profile's smallest configuration (0: none fits in memory or trains).
  int min_gpus = 0;
  for (const auto& c : job.candidates()) {
    min_gpus = min_gpus == 0 ? c.config.size() : std::min(min_gpus, c.config.size());
  }
  // Say plainly when nothing can train, instead of a table of nan% and free dollars.
  if (job.best(jp.capacity).paused()) {
    throw parcae_tool::usage_error(
        "no configuration of profile " + profile.name + " fits the trace's largest cluster, " +
        std::to_string(jp.capacity) + " instances x " + std::to_string(job.gpus_per_instance()) +
        " GPU(s)" +
        (min_gpus > 0 ? "; the smallest needs " + std::to_string(min_gpus) + " GPUs"
                      : "; no configuration of the profile fits in memory or has a throughput"));
  }

  sim::harness_params hp;
  hp.sim.spot_price_per_hour = a.spot_price;
  hp.sim.on_demand_price_per_hour = a.on_demand_price;
  hp.on_demand_instances = a.on_demand;
  hp.threads = a.threads;
  // parcae-stochastic's K path DPs go to as many threads (the same results at any count); while
  // the other policies run beside it they share the cores, after that its paths have them.
  hp.parcae.planner_threads = std::clamp(
      a.threads > 0 ? a.threads : static_cast<int>(std::thread::hardware_concurrency()), 1, 256);
  hp.parcae.horizon = a.horizon;
  hp.parcae.window = a.window > 0 ? a.window : std::max(3, a.horizon);
  hp.parcae.seed = a.seed;
  hp.parcae.sample_paths = a.paths;
  hp.parcae.terminal_s = a.terminal_s;
  hp.parcae.terminal_prior_intervals = a.terminal_prior;
  hp.parcae.reroute = a.reroute;
  hp.parcae.guard = a.guard;
  hp.parcae.guard_margin_s = a.guard_margin;
  hp.parcae.guard_probation = a.guard_probation;
  hp.parcae.guard_patience = a.guard_patience;
  hp.sim.concurrent = a.concurrent;
  if (a.accounting == "expected") {
    hp.parcae.accounting = sim::accounting::expected;
  } else if (a.accounting != "realized") {
    throw parcae_tool::usage_error("--accounting must be realized or expected");
  }
  if (a.first_step == "notice") {
    hp.parcae.first_step = sim::first_step::notice;
  } else if (a.first_step == "forecast") {
    hp.parcae.first_step = sim::first_step::forecast;
  } else {
    throw parcae_tool::usage_error("--first-step must be forecast or notice");
  }
  if (a.reaction == "shrink") {
    hp.parcae.reaction = runtime::notice_reaction::shrink;
  } else if (a.reaction == "replan-undercut") {
    hp.parcae.reaction = runtime::notice_reaction::replan_when_undercut;
  } else if (a.reaction == "replan-preemption") {
    hp.parcae.reaction = runtime::notice_reaction::replan;
  } else {
    throw parcae_tool::usage_error(
        "--reaction must be shrink, replan-undercut or replan-preemption");
  }
  if (a.forecaster == "arima") {
    hp.parcae.model = forecast::availability_model::arima;
  } else if (a.forecaster == "ets") {
    hp.parcae.model = forecast::availability_model::ets;
  } else if (a.forecaster == "naive") {
    hp.parcae.model = forecast::availability_model::naive;
  } else if (a.forecaster == "drift") {
    hp.parcae.model = forecast::availability_model::drift;
  } else {
    throw parcae_tool::usage_error("--forecaster must be naive, arima, ets or drift");
  }
  const std::vector<std::string> names =
      sim::expand_policy_names(parcae_tool::split_list(a.policies));
  // Progress: a bar inside each policy's run (on a terminal only), then one line per policy with
  // the time it took, printed when it ends (simulate's last progress call).
  // With several policies at once (--threads), run_harness calls no per-interval progress: no
  // bar, and the per-policy lines are printed, in order, once all have ended.
  const bool parallel = hp.threads != 1 && names.size() > 1;
  parcae_tool::progress_bar bar(!a.quiet && !parallel);
  std::string running;
  std::size_t running_index = 0, policies = 0;
  auto progress = [&](const std::string& name, std::size_t i, std::size_t n) {
    if (parallel) return;
    running = name;
    running_index = i;
    policies = n;
    bar.start("[" + std::to_string(i + 1) + "/" + std::to_string(n) + "] " + name);
  };
  auto intervals = [&](std::size_t done, std::size_t total) {
    bar.update(done, total);
    if (done < total) return;
    bar.clear();
    if (!a.quiet) {
      std::cerr << "[" << running_index + 1 << "/" << policies << "] " << running << ": "
                << fixed(bar.elapsed_s(), 1) << " s\n";
    }
  };
  sim::harness_result hr = sim::run_harness(ev, job, names, hp, progress, intervals);
  if (parallel && !a.quiet) {
    for (std::size_t i = 0; i < hr.policies.size(); ++i) {
      std::cerr << "[" << i + 1 << "/" << hr.policies.size() << "] " << hr.policies[i].result.name
                << ": " << fixed(hr.policies[i].wall_s, 1) << " s\n";
    }
  }
  // An on-demand cluster too small for the model trains nothing: its row would show 0.00% with
  // no reason given.
  if (std::find(names.begin(), names.end(), "on-demand") != names.end()) {
    const int m = sim::on_demand_size(hp, ev);
    if (job.best(m).paused()) {
      std::cerr << "warning: the on-demand cluster, " << m << " instance(s) x "
                << job.gpus_per_instance() << " GPU(s) ("
                << (a.on_demand > 0 ? "--on-demand" : "the trace's mean alive count")
                << "), is too small for profile " << profile.name << ": "
                << (min_gpus > 0
                        ? "its smallest configuration needs " + std::to_string(min_gpus) + " GPUs"
                        : std::string("no configuration fits"))
                << "; on-demand trains nothing\n";
    }
  }

  // Cross-check with the artifact's per-minute plans.
  nlohmann::json cross;
  if (!a.artifact_plans.empty()) {
    const artifact_plans plans = read_plans(a.artifact_plans);
    const std::size_t n = std::min(plans.intervals.size(), ev.size());
    std::size_t same_trace = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const auto& iv = plans.intervals[k];
      same_trace +=
          (k == 0 || iv[0] == ev[k].alive) && iv[1] == ev[k].added && iv[2] == ev[k].removed ? 1
                                                                                             : 0;
    }
    cross["plans"] = a.artifact_plans;
    cross["intervals"] = n;
    cross["intervals_matching_trace"] = same_trace;
    auto agree = [&](const std::string& policy, const std::vector<parallel_config>& plan,
                     const char* key) {
      for (const auto& e : hr.policies) {
        if (e.result.name != policy || e.result.timeline.empty()) continue;
        std::size_t same = 0;
        for (std::size_t k = 0; k < n; ++k) same += e.result.timeline[k].config == plan[k];
        cross[key] = {{"policy", policy}, {"same", same}, {"of", n}};
      }
    };
    agree("reactive", plans.throughput_opt, "reactive_vs_throughput_opt");
    agree("parcae-truth", plans.truth, "parcae_truth_vs_liveput_truth");
    agree("parcae-predict", plans.predict, "parcae_predict_vs_liveput_predict");
    struct rp {
      const char* name;
      const std::vector<parallel_config>* plan;
      sim::replay_mode mode;
    };
    const rp replays[] = {
        {"artifact throughput-opt", &plans.throughput_opt, sim::replay_mode::restart},
        {"artifact liveput-truth", &plans.truth, sim::replay_mode::live},
        {"artifact liveput-predict", &plans.predict, sim::replay_mode::live}};
    for (const rp& r : replays) {
      sim::replay_policy pol(r.name, *r.plan, r.mode);
      sim::sim_params sp = hp.sim;
      sp.keep_timeline = false;
      const sim::policy_result res = sim::simulate(ev, pol, job, sp);
      cross["replayed"].push_back({{"plan", r.name},
                                   {"samples", res.samples},
                                   {"ratio_to_ideal", res.samples / hr.ideal_samples}});
    }
  }

  // The table.
  std::cout << "trace " << a.trace << ": " << ev.size() << " intervals of " << fixed(a.interval, 0)
            << " s, up to " << ev.capacity() << " instances; profile " << profile.name
            << "; horizon " << a.horizon << "\n";
  std::printf("%-18s %14s %9s %8s %11s %10s %10s %12s\n", "policy", "samples", "% ideal", "reconf",
              "migr. (s)", "inst-h", "cost ($)", "$/M samples");
  for (const auto& e : hr.policies) {
    const auto& r = e.result;
    std::printf("%-18s %14s %8.2f%% %8d %11.0f %10.1f %10.2f %12.2f\n", r.name.c_str(),
                grouped(r.samples).c_str(), 100.0 * e.ratio_to_ideal, r.reconfigurations,
                r.migration_seconds, r.instance_hours, r.cost_usd, r.usd_per_million_samples());
  }
  for (const auto& e : hr.policies) {
    if (e.result.guard_trips > 0) {
      std::cout << e.result.name << ": the regret guard tripped " << e.result.guard_trips
                << " time(s) and followed the reactive rule for a probation (--guard)\n";
    }
  }
  if (!cross.is_null()) {
    std::cout << "cross-check with " << a.artifact_plans << " (" << cross["intervals"]
              << " intervals, " << cross["intervals_matching_trace"] << " match the trace):\n";
    for (const char* key : {"reactive_vs_throughput_opt", "parcae_truth_vs_liveput_truth",
                            "parcae_predict_vs_liveput_predict"}) {
      if (cross.contains(key)) {
        std::cout << "  " << key << ": same (D,P) in " << cross[key]["same"] << " of "
                  << cross[key]["of"] << " intervals\n";
      }
    }
    for (const auto& r : cross["replayed"]) {
      std::printf("  %-26s replayed: %14s samples (%.2f%% of ideal)\n",
                  r["plan"].get<std::string>().c_str(), grouped(r["samples"].get<double>()).c_str(),
                  100.0 * r["ratio_to_ideal"].get<double>());
    }
  }

  if (!a.json.empty()) {
    nlohmann::json doc;
    doc["trace"] = a.trace;
    doc["profile"] = profile.name;
    doc["intervals"] = ev.size();
    doc["interval_seconds"] = a.interval;
    doc["horizon"] = a.horizon;
    doc["seed"] = a.seed;
    doc["accounting"] = a.accounting;
    doc["first_step"] = a.first_step;
    doc["concurrent"] =
        a.concurrent == sim::concurrent_charge::remainder ? "remainder" : "artifact";
    doc["reaction"] = a.reaction;
    doc["forecaster"] = a.forecaster;
    doc["window"] = hp.parcae.window;
    doc["reroute"] = a.reroute;
    doc["pareto_targets"] = a.pareto_targets;
    doc["extrapolate"] = a.extrapolate;
    doc["guard"] = a.guard;
    doc["guard_margin_s"] = a.guard_margin;
    doc["guard_probation"] = a.guard_probation;
    doc["guard_patience"] = a.guard_patience;
    doc["ideal_samples"] = hr.ideal_samples;
    doc["policies"] = nlohmann::json::array();
    for (const auto& e : hr.policies) {
      const auto& r = e.result;
      doc["policies"].push_back(
          {{"name", r.name},
           {"samples", r.samples},
           {"ratio_to_ideal", e.ratio_to_ideal},
           {"reconfigurations", r.reconfigurations},
           {"config_changes", r.config_changes},
           {"migration_seconds", r.migration_seconds},
           {"paused_seconds", r.paused_seconds},
           {"instance_hours", r.instance_hours},
           {"cost_usd", r.cost_usd},
           {"usd_per_million_samples",
            r.samples > 0 ? nlohmann::json(r.usd_per_million_samples()) : nlohmann::json()},
           {"slots_preempted", r.slots_preempted},
           {"guard_trips", r.guard_trips >= 0 ? nlohmann::json(r.guard_trips) : nlohmann::json()},
           {"on_demand", r.on_demand}});
    }
    if (!cross.is_null()) doc["artifact_cross_check"] = cross;
    std::ofstream out(a.json);
    if (!out) throw parcae_tool::usage_error("--json '" + a.json + "' cannot be written");
    out << doc.dump(2) << "\n";
  }
  if (!a.csv.empty()) {
    std::ofstream out(a.csv);
    if (!out) throw parcae_tool::usage_error("--csv '" + a.csv + "' cannot be written");
    out << "policy,interval,instances,n_in,n_out,d,p,kind,cost_s,lost_s,samples,cumulative,"
           "remaining_s,slots_lost,empty_slots\n";
    for (const auto& e : hr.policies) {
      for (const auto& row : e.result.timeline) {
        out << e.result.name << "," << row.index << "," << row.instances << "," << row.n_in << ","
            << row.n_out << "," << row.config.d << "," << row.config.p << "," << row.kind << ","
            << fixed(row.cost_s, 3) << "," << fixed(row.lost_s, 3) << "," << fixed(row.samples, 3)
            << "," << fixed(row.cumulative, 3) << "," << fixed(row.remaining_s, 3) << ","
            << row.slots_lost << "," << row.empty_slots << "\n";
      }
    }
  }
  if (!a.plot.empty()) {
    std::vector<sim::policy_result> rs;
    for (const auto& e : hr.policies) rs.push_back(e.result);
    write_svg(a.plot, profile.name + " on " + std::filesystem::path(a.trace).filename().string(),
              rs, ev);
  }
}

void setup_sim(CLI::App& app) {
  auto args = std::make_shared<sim_args>();
  CLI::App* cmd = app.add_subcommand(
      "sim", "replay an availability trace through the policies and compare what they train");
  cmd->add_option("--trace", args->trace, "availability trace (any shape parcae trace reads)")
      ->required();
  cmd->add_option("--profile", args->profile, "model profile: a shipped name or a JSON file")
      ->required();
  cmd->add_option("--policy", args->policies,
                  "all, or a comma-separated list of ideal, reactive, reactive-live, recycle, "
                  "bamboo, on-demand, parcae-truth, parcae-predict, parcae-stochastic "
                  "(default all), and ideal-rerouting (named only: the bound of the policies "
                  "that reroute)");
  cmd->add_option("--horizon", args->horizon, "planning horizon H in intervals (default 12)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--interval", args->interval, "interval length in seconds (default 60)");
  parcae_tool::add_seed_option(cmd, "--seed", args->seed, "seed of every random draw");
  cmd->add_option("--json", args->json, "write the results as JSON");
  cmd->add_option("--csv", args->csv, "write the per-interval timeline as CSV");
  cmd->add_option("--plot", args->plot, "write an SVG plot (cumulative samples, instances)");
  cmd->add_option("--artifact-plans", args->artifact_plans,
                  "cross-check with the artifact's per-minute plans (liveput_res/*.json)");
  cmd->add_option("--accounting", args->accounting,
                  "parcae migration cost: realized (the trace's preemptions) or expected "
                  "(the liveput table's mean, as the artifact)");
  cmd->add_option("--forecaster", args->forecaster,
                  "naive (default, last value), arima (the artifact's), ets or drift");
  cmd->add_option("--first-step", args->first_step,
                  "what parcae-predict/-stochastic know of the interval they decide: notice "
                  "(default: the launcher reports joins and preemptions before the interval's "
                  "configuration is settled) or forecast (decided at the previous interval's end, "
                  "as the artifact)");
  cmd->add_option("--reaction", args->reaction,
                  "with --first-step forecast, what the controller does when a preemption hits a "
                  "stage: shrink (the artifact's d = N'g/p when the plan no longer fits), "
                  "replan-undercut (re-plan from the survivors only then) or replan-preemption "
                  "(default: re-plan whenever a preemption hits a stage)");
  cmd->add_option("--window", args->window,
                  "forecast history in intervals (default: max(3, horizon), the artifact's)")
      ->check(CLI::Range(3, 100000));
  cmd->add_option("--on-demand", args->on_demand,
                  "on-demand cluster size (default: mean alive instances)")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--paths", args->paths, "forecast sample paths of parcae-stochastic (default 4)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--mc-samples", args->mc_samples,
                  "Monte-Carlo samples per liveput key (default 100)")
      ->check(CLI::Range(1, 10000000));
  cmd->add_option("--spot-price", args->spot_price, "spot $/instance-hour (default 0.91)");
  cmd->add_option("--on-demand-price", args->on_demand_price,
                  "on-demand $/instance-hour (default 3.06)");
  cmd->add_option_function<std::string>(
      "--hours",
      [args](const std::string& v) {
        const std::vector<std::string> parts = parcae_tool::split_list(v);
        if (parts.size() != 2 || std::count(v.begin(), v.end(), ',') != 1) {
          throw parcae_tool::usage_error("--hours is \"" + parcae_tool::printable_message(v) +
                                         "\", but must be FROM,TO (two numbers of hours)");
        }
        args->hours_from = parcae_tool::parse_number("--hours FROM", parts[0], 0.0, 1e6);
        args->hours_to = parcae_tool::parse_number("--hours TO", parts[1], 0.0, 1e6);
      },
      "replay only hours [FROM,TO) of the trace, e.g. 5.5,6.5");
  parcae_tool::add_number_option(cmd, "--terminal", args->terminal_s, -1.0, 1e9,
                                 "seconds valued after the horizon at the plan's last "
                                 "configuration's throughput; -1 (default): adaptive, the quiet "
                                 "expected after the horizon from the gaps between preemptions "
                                 "seen so far, given how long the current quiet has lasted");
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
                                 "intervals of quiet the adaptive --terminal assumes before it has "
                                 "seen the trace (default 60)");
  parcae_tool::add_integer_option(cmd, "--threads", args->threads, 0, 1024,
                                  "policies replayed at once, and the threads parcae-stochastic "
                                  "spreads its sample paths over (default 0: every core; the "
                                  "results are the same at any count)");
  cmd->add_flag("--quiet", args->quiet, "no progress on stderr");
  cmd->callback([args] { run_sim(*args); });
}

const parcae_tool::command_registration reg{"sim", 60, &setup_sim};

}  // namespace
