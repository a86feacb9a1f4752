#pragma once
// Zone-correlated preemptions: instances live in zones (cloud availability zones, or instance
// pools), and the spot market reclaims capacity per zone, so losses in one interval cluster.
//
// Model: the interval's preemption event hits one zone z, chosen with probability proportional
// to its weight w_z among the zones that still have instances; it takes min(left, |z|) of z's
// instances uniformly without replacement. If z had fewer instances than the losses left, the
// rest overflow to a further zone chosen the same way, and so on. With a single zone this is the
// uniform model, sample for sample (the zone draw is skipped when only one zone can be hit).
// Weights of zero are allowed: such a zone is hit only by overflow (then uniformly among the
// zero-weight zones left, if no positive weight is left).
//
// Zone membership for n instances (the layout is a parameter because it depends on the launcher):
//   blocks       zone z holds instances [floor(z*n/Z), floor((z+1)*n/Z)): whole pipelines share a
//                zone (the placement of survivors.hpp puts pipeline k on consecutive instances);
//   round_robin  instance i is in zone i mod Z: each pipeline spreads over the zones.

#include <cstdint>
#include <string>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/macros.hpp"
#include "parcae/core/rng.hpp"
#include "parcae/liveput/preemption.hpp"

namespace parcae::liveput {

/// Largest number of zones (fixed-capacity arrays in the sampler).
inline constexpr int max_zones = 32;

enum class zone_layout { blocks, round_robin };

/// Sampler of the zone model for one (n, n_out); trivially copyable, PARCAE_HD.
struct zone_sampler {
  int n = 0;
  int n_out = 0;
  int zones = 1;
  zone_layout layout = zone_layout::blocks;
  double weight[max_zones] = {};
  int first[max_zones] = {};  ///< blocks: first instance of the zone
  int size[max_zones] = {};   ///< instances in the zone

  PARCAE_HD int member(int z, int local) const {
    return layout == zone_layout::blocks ? first[z] + local : local * zones + z;
  }

  PARCAE_HD void operator()(counter_rng& rng, int* preempted) const {
    bool hit[max_zones] = {};
    int left = n_out;
    int written = 0;
    while (left > 0) {
      // Candidate zones: not hit yet, non-empty; positive weights first.
      double total = 0.0;
      int candidates = 0;
      int last = -1;
      for (int z = 0; z < zones; ++z) {
        if (!hit[z] && size[z] > 0) {
          total += weight[z];
          ++candidates;
          last = z;
        }
      }
      int chosen = last;
      if (candidates > 1) {
        if (total > 0.0) {
          const double u = rng.next_uniform() * total;
          double acc = 0.0;
          chosen = -1;
          for (int z = 0; z < zones; ++z) {
            if (hit[z] || size[z] == 0 || weight[z] <= 0.0) continue;
            acc += weight[z];
            chosen = z;  // the last positive-weight zone absorbs rounding at the top end
            if (u < acc) break;
          }
        } else {
          int pick = static_cast<int>(rng.next_below(static_cast<std::uint32_t>(candidates)));
          for (int z = 0; z < zones; ++z) {
            if (hit[z] || size[z] == 0) continue;
            if (pick-- == 0) {
              chosen = z;
              break;
            }
          }
        }
      }
      hit[chosen] = true;
      const int take = left < size[chosen] ? left : size[chosen];
      const zone_sampler& self = *this;
      const int zone = chosen;
      detail::floyd_sample(rng, size[chosen], take, preempted + written,
                           [&self, zone](int local) { return self.member(zone, local); });
      written += take;
      left -= take;
    }
  }
};

/// Zone-correlated preemption model (see the header comment).
struct zone_model {
  std::vector<double> weights{1.0};  ///< one non-negative weight per zone, not all zero
  zone_layout layout = zone_layout::blocks;

  void validate() const {
    const char* f = "parcae::liveput::zone_model::validate";
    check_bounded(f, "weights.size()", static_cast<int>(weights.size()), 1, max_zones);
    double total = 0.0;
    for (std::size_t z = 0; z < weights.size(); ++z) {
      check_nonnegative(f, "weights[" + std::to_string(z) + "]", weights[z]);
      total += weights[z];
    }
    if (!(total > 0.0)) throw_invalid(f, "sum(weights)", total, "> 0");
  }

  zone_sampler prepare(int n, int n_out) const {
    detail::check_prepare("parcae::liveput::zone_model::prepare", n, n_out);
    validate();
    zone_sampler s;
    s.n = n;
    s.n_out = n_out;
    s.zones = static_cast<int>(weights.size());
    s.layout = layout;
    for (int z = 0; z < s.zones; ++z) {
      s.weight[z] = weights[static_cast<std::size_t>(z)];
      if (layout == zone_layout::blocks) {
        s.first[z] = static_cast<int>(static_cast<long long>(z) * n / s.zones);
        s.size[z] = static_cast<int>(static_cast<long long>(z + 1) * n / s.zones) - s.first[z];
      } else {
        s.first[z] = z;
        s.size[z] = z < n ? (n - z + s.zones - 1) / s.zones : 0;
      }
    }
    return s;
  }
};

}  // namespace parcae::liveput
