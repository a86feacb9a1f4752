#pragma once
// The configurations a plan may use: {0,0} (paused) at index 0, then every (d,p) allowed by the
// planner_params with d*p <= cap, grouped by p. Dense indices let the planners keep their tables
// in flat vectors instead of hash maps.

#include <algorithm>
#include <vector>

#include "parcae/core/parallel_config.hpp"
#include "parcae/plan/types.hpp"

namespace parcae::detail {

class config_space {
 public:
  void build(const plan::planner_params& params, int cap) {
    // cap instances hold cap*g GPU slots; d*p counts GPU slots.
    cap = static_cast<int>(std::min<long long>(
        static_cast<long long>(std::min(cap, params.capacity)) * params.gpus_per_instance,
        1 << 30));
    configs_.assign(1, parallel_config{});
    p_lo_ = params.p_min;
    p_hi_ = std::max(params.p_min - 1, std::min(params.p_max, cap));
    offset_.assign(static_cast<std::size_t>(std::max(0, p_hi_ - p_lo_ + 1)), 0);
    dcount_.assign(offset_.size(), 0);
    lookup_.clear();
    for (int p = p_lo_; p <= p_hi_; ++p) {
      const int dmax = std::min(cap / p, params.d_max);
      const auto slot = static_cast<std::size_t>(p - p_lo_);
      offset_[slot] = static_cast<int>(lookup_.size());
      dcount_[slot] = std::max(dmax, 0);
      for (int d = 1; d <= dmax; ++d) {
        const parallel_config c{d, p};
        if (params.allowed(c)) {
          lookup_.push_back(static_cast<int>(configs_.size()));
          configs_.push_back(c);
        } else {
          lookup_.push_back(-1);
        }
      }
    }
  }

  /// Index of c, or -1 when c is outside the space. The paused config has index 0.
  int index(parallel_config c) const {
    if (c.d == 0 && c.p == 0) return 0;
    if (c.p < p_lo_ || c.p > p_hi_ || c.d < 1) return -1;
    const auto slot = static_cast<std::size_t>(c.p - p_lo_);
    if (c.d > dcount_[slot]) return -1;
    return lookup_[static_cast<std::size_t>(offset_[slot] + c.d - 1)];
  }
  int size() const { return static_cast<int>(configs_.size()); }
  parallel_config operator[](int i) const { return configs_[static_cast<std::size_t>(i)]; }
  const std::vector<parallel_config>& configs() const { return configs_; }

 private:
  std::vector<parallel_config> configs_;
  std::vector<int> offset_, dcount_, lookup_;
  int p_lo_ = 1, p_hi_ = 0;
};

}  // namespace parcae::detail
