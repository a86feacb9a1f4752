// `parcae forecast`: fit a forecasting model to a series, or to the alive count of a binned
// trace, and print the fitted model and the forecasts with prediction intervals
// (docs/forecasting.md).
//
//   parcae forecast --series values.txt --method ets:AAdN --horizon 12
//   parcae forecast --trace bench/traces/parcae/p3trace.csv --method arima:1,1,0:drift
//       --horizon 10 --window 60 --level 80,95 --json
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "parcae/command.hpp"
#include "parcae/forecast/availability_forecaster.hpp"
#include "parcae/trace/read.hpp"

namespace {

namespace pf = parcae::forecast;

struct forecast_args {
  std::string series_file, trace_file, method = "arima:1,1,0:drift", estimation = "css-ml";
  std::string levels = "80,95";
  double interval = 60.0;
  int horizon = 10, window = 0, capacity = 32, paths = 0;
  std::uint64_t seed = 0;
  bool json = false, artifact_rules = false;
};

std::vector<double> parse_levels(const std::string& text) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t used = 0;
      out.push_back(std::stod(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw parcae_tool::usage_error("--level: '" + item + "' is not a number");
    }
  }
  if (out.empty()) throw parcae_tool::usage_error("--level: no levels given");
  return out;
}

/// One number per line, or a CSV whose last column is the value; a first line that is not a
/// number is a header; blank and '#' lines are skipped.
std::vector<double> read_series_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw parcae_tool::usage_error("cannot open series file '" + path + "'");
  std::vector<double> out;
  std::string line;
  int number = 0;
  bool first = true;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const std::size_t comma = line.rfind(',');
    std::string cell = comma == std::string::npos ? line : line.substr(comma + 1);
    cell.erase(0, cell.find_first_not_of(" \t"));
    cell.erase(cell.find_last_not_of(" \t") + 1);
    try {
      std::size_t used = 0;
      const double v = std::stod(cell, &used);
      if (used != cell.size()) throw std::invalid_argument(cell);
      out.push_back(v);
    } catch (const std::exception&) {
      if (first) {
        first = false;
        continue;  // header
      }
      throw parcae_tool::usage_error(path + ":" + std::to_string(number) + ": '" + cell +
                                     "' is not a number");
    }
    first = false;
  }
  if (out.empty()) throw parcae_tool::usage_error("series file '" + path + "' holds no values");
  return out;
}

/// Parses --method and --estimation into availability_params.
pf::availability_params parse_method(const forecast_args& a) {
  pf::availability_params p;
  const std::string& m = a.method;
  if (m == "naive") {
    p.model = pf::availability_model::naive;
  } else if (m == "drift") {
    p.model = pf::availability_model::drift;
  } else if (m == "mean") {
    p.model = pf::availability_model::mean;
  } else if (m == "ets") {
    p.model = pf::availability_model::auto_ets;
  } else if (m.rfind("ets:", 0) == 0) {
    p.model = pf::availability_model::ets;
    p.ets = pf::ets_spec::parse(m.substr(4));
  } else if (m.rfind("arima:", 0) == 0) {
    p.model = pf::availability_model::arima;
    std::string rest = m.substr(6), term;
    const std::size_t colon = rest.find(':');
    if (colon != std::string::npos) {
      term = rest.substr(colon + 1);
      rest = rest.substr(0, colon);
    }
    int order[3];
    char c1 = 0, c2 = 0, tail = 0;
    if (std::sscanf(rest.c_str(), "%d%c%d%c%d%c", &order[0], &c1, &order[1], &c2, &order[2],
                    &tail) != 5 ||
        c1 != ',' || c2 != ',') {
      throw parcae_tool::usage_error("--method: '" + m + "' must be arima:P,D,Q[:mean|drift]");
    }
    p.arima = pf::arima_params{};
    p.arima.order = {order[0], order[1], order[2]};
    p.arima.include_mean = term == "mean";
    p.arima.include_drift = term == "drift";
    if (!term.empty() && term != "mean" && term != "drift") {
      throw parcae_tool::usage_error("--method: '" + term + "' must be mean or drift");
    }
    if (a.estimation == "css") {
      p.arima.method = pf::arima_method::css;
    } else if (a.estimation == "ml") {
      p.arima.method = pf::arima_method::ml;
    } else if (a.estimation == "css-ml") {
      p.arima.method = pf::arima_method::css_ml;
    } else {
      throw parcae_tool::usage_error("--estimation: '" + a.estimation +
                                     "' must be css, ml or css-ml");
    }
  } else if (m == "auto_arima") {
    p.model = pf::availability_model::auto_arima;
  } else {
    throw parcae_tool::usage_error("--method: '" + m +
                                   "' must be arima:P,D,Q[:mean|drift], "
                                   "ets[:ANN|AAN|AAdN|MNN|MAN|MAdN], naive, drift or mean");
  }
  // Bounded here, naming the options, rather than as n_paths * horizon of the library (or, before,
  // std::bad_alloc for --paths 10000000 --horizon 1000).
  const long long values = static_cast<long long>(a.paths) * a.horizon;
  if (values > pf::max_path_values) {
    throw parcae_tool::usage_error("--paths * --horizon is " + std::to_string(a.paths) + " * " +
                                   std::to_string(a.horizon) + " = " + std::to_string(values) +
                                   ", but must be <= " + std::to_string(pf::max_path_values) +
                                   " (fewer paths or a shorter horizon)");
  }
  p.horizon = a.horizon;
  p.window = a.window;
  p.capacity = a.capacity;
  p.levels = parse_levels(a.levels);
  p.n_paths = a.paths;
  p.seed = a.seed;
  if (a.artifact_rules) p.artifact_rules = pf::artifact_rules_params{};
  return p;
}

std::string level_name(double l) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", l);
  return buf;
}

void print_text(const pf::availability_forecast& f, bool trace_mode) {
  std::printf("model: %s\nstatus: %s\n", f.model.name.c_str(), f.model.status.c_str());
  for (std::size_t i = 0; i < f.model.coef.size(); ++i) {
    std::printf("  %-10s %.6g\n", f.model.coef_names[i].c_str(), f.model.coef[i]);
  }
  std::printf("sigma2: %.6g  loglik: %.6g  AICc: %.6g\n", f.model.sigma2, f.model.loglik,
              f.model.aicc);
  std::printf("%4s %12s", "h", "mean");
  for (double l : f.intervals.levels) {
    std::printf(" %11s %11s", ("lo" + level_name(l)).c_str(), ("hi" + level_name(l)).c_str());
  }
  if (trace_mode) std::printf(" %5s %5s %5s", "N", "in", "out");
  std::printf("\n");
  for (std::size_t h = 0; h < f.alive_mean.size(); ++h) {
    std::printf("%4zu %12.4f", h + 1, f.alive_mean[h]);
    for (std::size_t i = 0; i < f.intervals.levels.size(); ++i) {
      std::printf(" %11.4f %11.4f", f.intervals.lower[i][h], f.intervals.upper[i][h]);
    }
    if (trace_mode) std::printf(" %5d %5d %5d", f.alive[h], f.added[h], f.removed[h]);
    std::printf("\n");
  }
}

nlohmann::json to_json(const pf::availability_forecast& f, bool trace_mode) {
  nlohmann::json coef = nlohmann::json::object();
  for (std::size_t i = 0; i < f.model.coef.size(); ++i)
    coef[f.model.coef_names[i]] = f.model.coef[i];
  const auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  nlohmann::json out = {{"model",
                         {{"name", f.model.name},
                          {"coefficients", coef},
                          {"sigma2", num(f.model.sigma2)},
                          {"loglik", num(f.model.loglik)},
                          {"aicc", num(f.model.aicc)},
                          {"status", f.model.status}}}};
  nlohmann::json steps = nlohmann::json::array();
  for (std::size_t h = 0; h < f.alive_mean.size(); ++h) {
    nlohmann::json row = {{"h", h + 1}, {"mean", f.alive_mean[h]}};
    for (std::size_t i = 0; i < f.intervals.levels.size(); ++i) {
      const std::string l = level_name(f.intervals.levels[i]);
      row["lower"][l] = f.intervals.lower[i][h];
      row["upper"][l] = f.intervals.upper[i][h];
    }
    if (trace_mode) {
      row["alive"] = f.alive[h];
      row["added"] = f.added[h];
      row["removed"] = f.removed[h];
      row["expected_added"] = f.expected_added[h];
      row["expected_removed"] = f.expected_removed[h];
    }
    steps.push_back(row);
  }
  out["forecast"] = steps;
  if (trace_mode) out["current"] = f.current;
  return out;
}

void run_forecast(const forecast_args& a) {
  if (a.series_file.empty() == a.trace_file.empty()) {
    throw parcae_tool::usage_error("give exactly one of --series FILE and --trace FILE");
  }
  pf::availability_params p = parse_method(a);
  pf::availability_forecast f;
  const bool trace_mode = !a.trace_file.empty();
  if (trace_mode) {
    parcae::trace::binning_params b;
    b.interval_seconds = a.interval;
    f = pf::forecast_availability(parcae::trace::bin(parcae::trace::read_trace(a.trace_file), b),
                                  p);
  } else {
    // A plain series (any values): the model's forecasts, without rounding or clamping.
    std::vector<double> y = read_series_file(a.series_file);
    if (a.window > 0 && static_cast<std::size_t>(a.window) < y.size()) {
      y.erase(y.begin(), y.end() - a.window);
    }
    parcae::detail::forecaster_fit fit;
    f.intervals = pf::fit_and_predict(y, p, fit);
    f.model = fit.summary;
    f.alive_mean = f.intervals.mean;
  }
  if (a.json) {
    std::cout << to_json(f, trace_mode).dump(2) << "\n";
  } else {
    print_text(f, trace_mode);
  }
}

void setup_forecast(CLI::App& app) {
  auto args = std::make_shared<forecast_args>();
  CLI::App* cmd = app.add_subcommand("forecast", "Fit a forecasting model and forecast");
  cmd->add_option("--series", args->series_file,
                  "series file: one value per line, or CSV (last column)");
  cmd->add_option("--trace", args->trace_file, "availability trace (forecasts its alive count)");
  cmd->add_option("--interval", args->interval, "trace interval length in seconds")
      ->capture_default_str();
  cmd->add_option("--method", args->method,
                  "auto_arima | arima:P,D,Q[:mean|drift] | ets[:ANN|AAN|AAdN|MNN|MAN|MAdN] | naive "
                  "| drift | mean")
      ->capture_default_str();
  cmd->add_option("--estimation", args->estimation, "ARIMA estimation: css | ml | css-ml")
      ->capture_default_str();
  parcae_tool::add_integer_option(cmd, "--horizon", args->horizon, 1, pf::max_horizon,
                                  "steps to forecast")
      ->required();
  cmd->add_option("--level", args->levels, "interval levels in percent, comma separated")
      ->capture_default_str();
  cmd->add_option("--window", args->window, "history intervals used (0: all)")
      ->capture_default_str();
  cmd->add_option("--capacity", args->capacity, "trace mode: clamp N to [0, capacity]")
      ->capture_default_str();
  parcae_tool::add_integer_option(cmd, "--paths", args->paths, 0, pf::max_path_values,
                                  "sample paths (trace mode: expected in/out from them); "
                                  "--paths * --horizon <= " +
                                      std::to_string(pf::max_path_values));
  parcae_tool::add_seed_option(cmd, "--seed", args->seed, "seed of the sample paths");
  cmd->add_flag("--artifact-rules", args->artifact_rules,
                "apply the Parcae artifact's pre/post-processing rules (trace mode)");
  cmd->add_flag("--json", args->json, "print JSON");
  cmd->callback([args] { run_forecast(*args); });
}

const parcae_tool::command_registration reg{"forecast", 20, &setup_forecast};

}  // namespace
