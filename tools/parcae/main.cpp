// parcae: command-line front end of the library (trace, forecast, model, liveput, plan, sim).
#include <algorithm>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "parcae/command.hpp"
#include "parcae/parcae.hpp"

int main(int argc, char** argv) {
  CLI::App app{"parcae: liveput-optimized DNN training on preemptible instances"};
  app.set_version_flag("--version", std::to_string(PARCAE_VERSION_MAJOR) + "." +
                                        std::to_string(PARCAE_VERSION_MINOR) + "." +
                                        std::to_string(PARCAE_VERSION_PATCH));
  app.require_subcommand(1);
  auto& entries = parcae_tool::command_registry();
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.order < b.order; });
  for (const auto& entry : entries) entry.setup(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, like bad input to a subcommand.
    // CLI11's messages echo the raw argument: escaped and capped like every other message.
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << parcae_tool::printable_message(e.what())
              << "\nRun with --help for more information.\n";
    return 2;
  } catch (const parcae::invalid_argument& e) {
    std::cerr << "parcae: error: " << parcae_tool::printable_message(e.what()) << "\n";
    return 2;
  } catch (const parcae_tool::usage_error& e) {
    std::cerr << "parcae: error: " << parcae_tool::printable_message(e.what()) << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "parcae: error: " << parcae_tool::printable_message(e.what()) << "\n";
    return 1;
  }
  return 0;
}
