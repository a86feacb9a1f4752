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
#include <algorithm>
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

}  // namespace parcae_tool
