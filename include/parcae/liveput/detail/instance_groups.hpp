#pragma once
// Classes of exchangeable instances for the exact estimator.
//
// Under the uniform model only *how many* instances of each class are lost matters, where a class
// is a set of instances whose GPUs hold the same stage slots (survivors.hpp placement). With one
// GPU per instance the classes are the P stages (D instances each) and the spares; with g GPUs an
// instance holds up to g consecutive slots, and instances whose slots fall on the same stages
// (i*g mod P equal) form one class. The loss counts over the classes are multivariate
// hypergeometric.

#include <map>
#include <vector>

#include "parcae/liveput/survivors.hpp"

namespace parcae::liveput::detail {

struct instance_group {
  int size = 0;                 ///< instances in the class
  std::vector<int> stage_gpus;  ///< GPU slots each instance holds per old stage (length P)
  int spare_gpus = 0;           ///< idle GPUs each instance holds
  bool spare_instance = false;  ///< the instances hold no slot at all
};

inline std::vector<instance_group> instance_groups(const instance_layout& layout) {
  std::map<std::vector<int>, int> index;  // signature -> group; ordered, so groups are stable
  std::vector<instance_group> groups;
  const int used = layout.used_slots();
  for (int i = 0; i < layout.n; ++i) {
    instance_group g;
    g.stage_gpus.assign(static_cast<std::size_t>(layout.p), 0);
    for (int t = 0; t < layout.g; ++t) {
      const int j = i * layout.g + t;
      if (j < used) {
        ++g.stage_gpus[static_cast<std::size_t>(j % layout.p)];
      } else {
        ++g.spare_gpus;
      }
    }
    g.spare_instance = i * layout.g >= used;
    std::vector<int> signature = g.stage_gpus;
    signature.push_back(g.spare_gpus);
    signature.push_back(g.spare_instance ? 1 : 0);
    auto it = index.find(signature);
    if (it == index.end()) {
      index.emplace(signature, static_cast<int>(groups.size()));
      g.size = 1;
      groups.push_back(std::move(g));
    } else {
      ++groups[static_cast<std::size_t>(it->second)].size;
    }
  }
  return groups;
}

}  // namespace parcae::liveput::detail
