#pragma once
// Subcommand registry of the `parcae` tool. A cmd_<name>.cpp file defines
//
//   static const parcae_tool::command_registration reg{"trace", 10, &setup_trace};
//
// and main() adds every registered subcommand in `order`. Function-local statics keep the
// registry safe from the static-initialisation order of the translation units.
//
// Options whose values need more than CLI11's conversions (seeds, counts, configurations) are
// added with the add_*_option helpers below, which parse with options.hpp: the whole text or a
// usage_error (exit 2) naming the option.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <CLI/CLI.hpp>

#include "parcae/core/parallel_config.hpp"
#include "parcae/options.hpp"

namespace parcae_tool {

struct command_entry {
  std::string name;
  int order;
  std::function<void(CLI::App&)> setup;  ///< adds the subcommand (and its callback) to the app
};

inline std::vector<command_entry>& command_registry() {
  static std::vector<command_entry> entries;
  return entries;
}

struct command_registration {
  command_registration(std::string name, int order, std::function<void(CLI::App&)> setup) {
    command_registry().push_back({std::move(name), order, std::move(setup)});
  }
};

/// The non-empty items of a comma-separated list ("a,b,,c" -> a, b, c).
inline std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

/// A seed: a whole number in [0, UINT64_MAX] ("-1" and "1e23" are errors, not UINT64_MAX).
inline CLI::Option* add_seed_option(CLI::App* cmd, const std::string& name, std::uint64_t& target,
                                    const std::string& description) {
  return cmd
      ->add_option_function<std::string>(
          name, [&target, name](const std::string& s) { target = parse_uint64(name, s); },
          description + " (whole number, default " + std::to_string(target) + ")")
      ->type_name("UINT64");
}

/// A whole number in [lo, hi] into an int or a 64-bit integer.
template <class Int>
CLI::Option* add_integer_option(CLI::App* cmd, const std::string& name, Int& target, long long lo,
                                long long hi, const std::string& description) {
  static_assert(std::is_integral_v<Int>, "an integer option");
  return cmd
      ->add_option_function<std::string>(
          name,
          [&target, name, lo, hi](const std::string& s) {
            target = static_cast<Int>(parse_integer(name, s, lo, hi));
          },
          description + " (in [" + std::to_string(lo) + ", " + std::to_string(hi) + "])")
      ->type_name("INT");
}

/// A finite number in [lo, hi].
inline CLI::Option* add_number_option(CLI::App* cmd, const std::string& name, double& target,
                                      double lo, double hi, const std::string& description) {
  return cmd
      ->add_option_function<std::string>(
          name,
          [&target, name, lo, hi](const std::string& s) { target = parse_number(name, s, lo, hi); },
          description)
      ->type_name("NUMBER");
}

/// "on" or "off".
inline CLI::Option* add_switch_option(CLI::App* cmd, const std::string& name, bool& target,
                                      const std::string& description) {
  return cmd
      ->add_option_function<std::string>(
          name,
          [&target, name](const std::string& s) {
            if (s != "on" && s != "off") {
              throw usage_error(name + " is \"" + printable_message(s) +
                                "\", but must be on or off");
            }
            target = s == "on";
          },
          description)
      ->type_name("on|off");
}

/// --guard, --guard-margin, --guard-probation and --guard-patience: the controller's regret guard
/// (runtime::controller_options::guard), for the commands that run the parcae policies.
inline void add_guard_options(CLI::App* cmd, bool& guard, double& margin_s, int& probation,
                              int& patience) {
  add_switch_option(cmd, "--guard", guard,
                    "parcae-predict and -stochastic follow the reactive rule for a probation when "
                    "a shadow account of it leads by more than --guard-margin (default on; the "
                    "regret guard; parcae-truth, whose forecast has no error, never)");
  add_number_option(cmd, "--guard-margin", margin_s, 0.0, 1e9,
                    "seconds of training the guard's shadow may lead (default 30)");
  add_integer_option(cmd, "--guard-probation", probation, 1, 1 << 24,
                     "intervals the guard follows the reactive rule after a first trip, doubled "
                     "after each (default 60)");
  add_integer_option(cmd, "--guard-patience", patience, 1, 1 << 24,
                     "planned intervals in a row the shadow must lead by the margin before the "
                     "guard trips (default 12: a plan's investment pays back within its horizon)");
}

/// --pareto-targets on|off: the planner's targets (plan::job_params::pareto_targets).
inline void add_pareto_targets_option(CLI::App* cmd, bool& target) {
  add_switch_option(cmd, "--pareto-targets", target,
                    "parcae plans over the configurations that no other beats on both GPUs and "
                    "throughput, and the throughput-optimal ones (default on); off: over every "
                    "candidate, as the artifact");
}

/// --extrapolate on|off: the measured table extended beyond its sizes
/// (perf::throughput_options::extrapolate_measured).
inline void add_extrapolate_option(CLI::App* cmd, bool& target) {
  add_switch_option(cmd, "--extrapolate", target,
                    "configurations larger than the profile's measured table from a fit of each "
                    "depth's measured rows (default on); off: the analytic model there, which "
                    "ranks them below the table's best (docs/performance-model.md)");
}

/// --concurrent artifact|remainder: the simulator's rule for a migration started while another
/// runs (parcae::sim::concurrent_charge; a template so that this header stays free of the
/// simulator's).
template <class ConcurrentCharge>
void add_concurrent_option(CLI::App* cmd, ConcurrentCharge& target) {
  cmd->add_option_function<std::string>(
         "--concurrent",
         [&target](const std::string& s) {
           if (s == "artifact") {
             target = ConcurrentCharge::artifact;
           } else if (s == "remainder") {
             target = ConcurrentCharge::remainder;
           } else {
             throw_option("--concurrent", s, "artifact or remainder");
           }
         },
         "a migration started while another runs costs: remainder (default: max(remaining, "
         "cost) + a restart; parcae plans with the same rule) or artifact (its cost + a "
         "restart, the running one's remainder dropped, as the artifact)")
      ->type_name("RULE");
}

/// A configuration "DxP" or "D,P" (parse_config).
inline CLI::Option* add_config_option(CLI::App* cmd, const std::string& name,
                                      parcae::parallel_config& target,
                                      const std::string& description) {
  return cmd
      ->add_option_function<std::string>(
          name, [&target, name](const std::string& s) { target = parse_config(name, s); },
          description + " (DxP or D,P, for example 4x8)")
      ->type_name("DxP");
}

/// Seconds left when `done` of `total` items took `elapsed_s`, at the rate so far (0 before the
/// first item: no rate yet). Shared by the progress lines of `eval` and the bar of `sim`.
inline double eta_seconds(double elapsed_s, std::size_t done, std::size_t total) {
  if (done == 0 || done >= total) return 0.0;
  return elapsed_s / static_cast<double>(done) * static_cast<double>(total - done);
}

/// A one-line progress bar on stderr, redrawn in place: items done, rate and ETA. Drawn only when
/// stderr is a terminal (a log file or a pipe would collect every redraw), only once a run has
/// lasted a second (short runs stay silent), and at most four times a second (a redraw is a
/// write(2); callers may update far more often). The line is erased before anything else is
/// printed (clear()) and when the bar is destroyed, also by an exception.
class progress_bar {
 public:
  explicit progress_bar(bool enabled) : enabled_(enabled && isatty(fileno(stderr)) == 1) {}
  progress_bar(const progress_bar&) = delete;
  progress_bar& operator=(const progress_bar&) = delete;
  ~progress_bar() { clear(); }

  /// A new run named `label` starts now.
  void start(std::string label) {
    clear();
    label_ = std::move(label);
    start_ = last_ = std::chrono::steady_clock::now();
  }
  /// Seconds since start().
  double elapsed_s() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  void update(std::size_t done, std::size_t total, const char* unit = "intervals") {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - start_ < std::chrono::seconds(1) || now - last_ < std::chrono::milliseconds(250)) {
      return;
    }
    last_ = now;
    const double s = elapsed_s();
    constexpr int width = 24;
    const double frac = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
    const int filled = static_cast<int>(frac * width);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '.');
    // \r returns to the line's start; \033[K erases what a longer earlier draw left.
    std::fprintf(stderr, "\r%s [%s] %zu/%zu %s, %.0f/s, about %.0f s left\033[K", label_.c_str(),
                 bar.c_str(), done, total, unit, static_cast<double>(done) / std::max(s, 1e-9),
                 eta_seconds(s, done, total));
    std::fflush(stderr);
    drawn_ = true;
  }
  /// Erases the bar's line (before a regular line is printed).
  void clear() {
    if (!drawn_) return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::string label_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_ = start_;
};

}  // namespace parcae_tool
