// Read the bundled p3 spot trace, bin it into one-minute intervals and print the first ones:
// the (N, n_in, n_out) series that the forecaster and the planner consume.
#include <iostream>
#include <string>

#include "parcae/trace/bin.hpp"
#include "parcae/trace/read.hpp"

int main() {
  namespace tr = parcae::trace;
  const std::string path = std::string(PARCAE_SOURCE_DIR) + "/bench/traces/parcae/p3trace.csv";
  const tr::availability_trace trace = tr::read_trace(path);  // shape detected: event CSV
  const tr::interval_series series = tr::bin(trace, {60.0});  // 60-s intervals

  std::cout << "format " << tr::format_name(trace.format) << ", " << trace.changes.size()
            << " changes, " << series.size() << " intervals of " << series.interval_seconds
            << " s\n";
  std::cout << "minute  N  n_in  n_out\n";
  for (std::size_t k = 0; k < 6; ++k) {
    const tr::interval& i = series[k];
    std::cout << "  " << k << "    " << i.alive << "  " << i.added << "    " << i.removed << "\n";
  }
  int max_alive = 0;
  for (const int n : series.alive()) max_alive = n > max_alive ? n : max_alive;
  std::cout << "max alive " << max_alive << ", alive at the end "
            << series.intervals.back().alive_after() << "\n";

  // Bad input is an exception that names the source and the line.
  try {
    tr::parse_trace("0,add,node1\n60000,remove,node2\n");
  } catch (const parcae::invalid_argument& e) {
    std::cout << "error: " << e.what() << "\n";
  }
}
