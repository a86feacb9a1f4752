// `parcae trace stats`: read an availability trace of any shape, bin it into intervals and print
// its statistics (docs/traces.md).
//
//   parcae trace stats bench/traces/parcae/p3trace.csv
//   parcae trace stats my-trace.json --format json --interval 120 --json
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "parcae/command.hpp"
#include "parcae/trace/read.hpp"
#include "parcae/trace/stats.hpp"

namespace {

struct stats_args {
  std::string file;
  std::string format = "auto";
  std::string time_unit = "auto";
  double interval = 60.0;
  bool json = false;
};

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

nlohmann::json period_json(const parcae::trace::period_stats& p) {
  return {{"intervals", p.intervals},
          {"alive", {{"min", p.min_alive}, {"mean", p.mean_alive}, {"max", p.max_alive}}},
          {"added", {{"events", p.add_events}, {"instances", p.added}}},
          {"removed", {{"events", p.remove_events}, {"instances", p.removed}}}};
}

void print_json(const stats_args& args, const parcae::trace::availability_trace& trace,
                const parcae::trace::trace_stats& st) {
  nlohmann::json hours = nlohmann::json::array();
  for (const auto& h : st.hours) {
    auto row = period_json(h);
    row["hour"] = h.hour;
    hours.push_back(row);
  }
  nlohmann::json out = period_json(st.total);
  out["file"] = args.file;
  out["format"] = parcae::trace::format_name(trace.format);
  out["changes"] = trace.changes.size();
  out["named_nodes"] = trace.named;
  out["duration_seconds"] = st.duration_seconds;
  out["interval_seconds"] = st.interval_seconds;
  out["alive"]["final"] = st.final_alive;
  out["hours"] = hours;
  out["notes"] = st.notes;
  out["merged_records"] = st.merged;
  std::cout << out.dump(2) << "\n";
}

void print_text(const stats_args& args, const parcae::trace::availability_trace& trace,
                const parcae::trace::trace_stats& st) {
  const auto& t = st.total;
  std::cout << "trace      " << args.file << " (" << parcae::trace::format_name(trace.format)
            << ", " << trace.changes.size() << " changes" << (trace.named ? ", named nodes" : "")
            << ")\n";
  std::cout << "duration   " << number(st.duration_seconds) << " s ("
            << fixed(st.duration_seconds / 3600.0, 2) << " h), first to last record\n";
  std::cout << "intervals  " << t.intervals << " of " << number(st.interval_seconds) << " s\n";
  std::cout << "alive      min " << t.min_alive << ", mean " << fixed(t.mean_alive, 1) << ", max "
            << t.max_alive << " (at the end of each interval); " << st.final_alive
            << " at the end\n";
  std::cout << "added      " << t.added << " instances in " << t.add_events << " events\n";
  std::cout << "removed    " << t.removed << " instances in " << t.remove_events << " events\n";
  if (st.merged > 0) {
    std::cout << "merged     " << st.merged
              << " record(s) at a time that a later record repeats (the last one is kept)\n";
  }
  std::cout
      << "\n hour  intervals  mean alive  min  max  add events  added  remove events  removed\n";
  for (const auto& h : st.hours) {
    char row[160];
    std::snprintf(row, sizeof row, "%5lld  %9zu  %10s  %3d  %3d  %10lld  %5lld  %13lld  %7lld\n",
                  static_cast<long long>(h.hour), h.intervals, fixed(h.mean_alive, 1).c_str(),
                  h.min_alive, h.max_alive, static_cast<long long>(h.add_events),
                  static_cast<long long>(h.added), static_cast<long long>(h.remove_events),
                  static_cast<long long>(h.removed));
    std::cout << row;
  }
  if (!st.notes.empty()) {
    std::cout << "\nnotes (" << st.notes.size() << ")\n";
    for (const auto& n : st.notes) std::cout << "  " << n << "\n";
  }
}

void run_stats(const stats_args& args) {
  namespace tr = parcae::trace;
  const tr::trace_format format = tr::parse_format(args.format);
  const tr::availability_trace trace =
      tr::read_trace(args.file, format, tr::parse_time_unit(args.time_unit));
  tr::binning_params params;
  params.interval_seconds = args.interval;
  const tr::trace_stats st = tr::summarize(trace, params);
  if (args.json) {
    print_json(args, trace, st);
  } else {
    print_text(args, trace, st);
  }
}

void setup_trace(CLI::App& app) {
  CLI::App* trace = app.add_subcommand("trace", "Availability traces: read, bin, summarise");
  trace->require_subcommand(1);
  auto args = std::make_shared<stats_args>();
  CLI::App* stats = trace->add_subcommand(
      "stats", "Duration, intervals, alive instances, additions and removals, per-hour table");
  stats
      ->add_option("FILE", args->file,
                   "trace file (event CSV, count CSV, replay JSON-lines, "
                   "count series or gap/data JSON)")
      ->required();
  stats->add_option("--format", args->format,
                    "auto|events|counts|replay|series|json (default: auto, detected)");
  stats->add_option("--time-unit", args->time_unit,
                    "auto|ms|s|min|h: unit of a count CSV's times (default: auto, from a header "
                    "or ms; refuses fractional or sub-second times, docs/traces.md)");
  stats->add_option("--interval", args->interval, "interval length in seconds (default 60)");
  stats->add_flag("--json", args->json, "print one JSON object instead of the table");
  stats->callback([args] { run_stats(*args); });
}

const parcae_tool::command_registration reg{"trace", 10, &setup_trace};

}  // namespace
