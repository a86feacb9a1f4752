#pragma once
// Subcommand registry of the `parcae` tool. A cmd_<name>.cpp file defines
//
//   static const parcae_tool::command_registration reg{"trace", 10, &setup_trace};
//
// and main() adds every registered subcommand in `order`. Function-local statics keep the
// registry safe from the static-initialisation order of the translation units.
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

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

/// Error raised by a subcommand for bad user input; main() prints it and exits with status 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace parcae_tool
