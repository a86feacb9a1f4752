#pragma once
// Network profile: point-to-point transfer time as a piecewise-linear function of the volume, and
// the analytic ring all-reduce of the artifact (Parcae artifact liveput/cost.py, `p2p_cost`,
// `all_reduce_cost`; digest §3.4 and §2.2).
//
// The curve is a trivially copyable struct with a fixed capacity so that the migration cost
// (perf/migration.hpp) can evaluate it on the GPU without allocation.

#include <cstddef>
#include <string>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/macros.hpp"

namespace parcae::perf {

/// Most points a p2p curve may hold (the artifact's profile has 29).
inline constexpr int max_p2p_points = 64;

/// Bytes -> microseconds, piecewise linear between measured points. Below the first point the
/// first time is used (latency floor); above the last point the time grows in proportion to the
/// volume, time(v) = v / v_last * time_last, which is what the artifact does (cost.py `p2p_cost`;
/// the digest calls it "extrapolated linearly").
struct p2p_curve {
  int n = 0;
  double bytes[max_p2p_points] = {};
  double micros[max_p2p_points] = {};

  /// Transfer time in milliseconds of `volume_bytes` bytes. Allocation-free, never throws;
  /// requires a validated curve (n >= 1, bytes strictly increasing).
  PARCAE_HD double cost_ms(double volume_bytes) const {
    // Binary search for the first point with bytes >= volume (Python's bisect_left).
    int lo = 0, hi = n;
    while (lo < hi) {
      const int mid = (lo + hi) / 2;
      if (bytes[mid] < volume_bytes) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    double us;
    if (lo == 0) {
      us = micros[0];
    } else if (lo >= n) {
      us = volume_bytes / bytes[n - 1] * micros[n - 1];
    } else {
      const double x0 = bytes[lo - 1], x1 = bytes[lo];
      us = micros[lo - 1] + (micros[lo] - micros[lo - 1]) * (volume_bytes - x0) / (x1 - x0);
    }
    return us / 1000.0;
  }

  /// Throws parcae::invalid_argument unless 1 <= n <= max_p2p_points, bytes are positive and
  /// strictly increasing and times are positive and finite.
  void validate(const char* function, const std::string& name = "p2p") const {
    check_bounded(function, name + ".n", n, 1, max_p2p_points);
    for (int i = 0; i < n; ++i) {
      const std::string at = "[" + std::to_string(i) + "]";
      check_positive(function, name + ".bytes" + at, bytes[i]);
      check_positive(function, name + ".micros" + at, micros[i]);
      if (i > 0 && !(bytes[i] > bytes[i - 1])) {
        throw_invalid(function, name + ".bytes" + at, bytes[i],
                      "> " + detail::to_display(bytes[i - 1]) + " (strictly increasing)");
      }
    }
  }

  /// Builds a curve from (bytes, microseconds) points, validating them.
  static p2p_curve from_points(const std::vector<double>& volume_bytes,
                               const std::vector<double>& time_us) {
    static constexpr const char* fn = "parcae::perf::p2p_curve::from_points";
    if (volume_bytes.size() != time_us.size()) {
      throw_invalid(fn, "time_us.size()", time_us.size(),
                    "equal to volume_bytes.size() = " + std::to_string(volume_bytes.size()));
    }
    check_bounded(fn, "volume_bytes.size()", volume_bytes.size(), std::size_t{1},
                  static_cast<std::size_t>(max_p2p_points));
    p2p_curve c;
    c.n = static_cast<int>(volume_bytes.size());
    for (int i = 0; i < c.n; ++i) {
      c.bytes[i] = volume_bytes[static_cast<std::size_t>(i)];
      c.micros[i] = time_us[static_cast<std::size_t>(i)];
    }
    c.validate(fn);
    return c;
  }
};

/// Ring all-reduce time in ms of `volume_mb` megabytes (MiB) among `ranks` ranks at
/// `bandwidth_mb_per_ms` (artifact: 10 Gb/s = 1.25 MB/ms): V / B * 2 (n - 1) / n. One rank: 0.
PARCAE_HD inline double ring_allreduce_ms(double volume_mb, int ranks, double bandwidth_mb_per_ms) {
  if (ranks <= 1) return 0.0;
  return volume_mb / bandwidth_mb_per_ms * (2.0 * (ranks - 1) / ranks);
}

}  // namespace parcae::perf
