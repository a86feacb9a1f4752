#pragma once
// Classes of exchangeable instances for the exact estimator.
//
// Under the uniform model only *how many* instances of each class are lost matters, where a class
// is a set of instances whose GPUs hold the same stage slots (survivors.hpp placement). With one
// GPU per instance the classes are the P stages (D instances each) and the spares; with g GPUs an
// instance holds up to g consecutive slots, and instances whose slots fall on the same stages
// (i*g mod P equal) form one class. The loss counts over the classes are multivariate
// hypergeometric.
//
// Classes are listed in the order of their first instance. An instance whose g slots are all in
// use is described by i*g mod P alone, so each residue's signature is built once (O(P) per
// residue, not per instance). Two residues can share a signature only when g >= P (with g < P
// their g slots are distinct windows of the P stages), and only then is a new class compared
// with the others, to merge them as a map from signatures would. The straddling instance (idle
// GPUs and slots) and the spares (idle GPUs only) never equal a full instance or each other.

#include <algorithm>
#include <utility>
#include <vector>

#include "parcae/liveput/survivors.hpp"

namespace parcae::liveput::detail {

/// One class: `size` instances, each holding the GPU slots held[begin, end) of its
/// instance_classes (pairs (old stage, slots), stages ascending) and `spare_gpus` idle GPUs.
struct instance_group {
  int size = 0;                 ///< instances in the class
  int begin = 0, end = 0;       ///< range of instance_classes::held
  int spare_gpus = 0;           ///< idle GPUs each instance holds
  bool spare_instance = false;  ///< the instances hold no slot at all
};

/// The classes of a layout, flat: one allocation for the classes and one for their slots, since a
/// cold liveput fill builds this for every family (up to P + 2 classes).
struct instance_classes {
  std::vector<instance_group> groups;
  std::vector<std::pair<int, int>> held;  ///< (old stage, GPU slots) of every class, see begin/end
};

namespace classes_detail {
/// Appends instance i's (stage, slots) pairs to `held` (stages ascending); returns its idle GPUs.
inline int describe_instance(const instance_layout& layout, int i,
                             std::vector<std::pair<int, int>>& held) {
  const int used = layout.used_slots();
  const std::size_t from = held.size();
  int idle = 0;
  for (int t = 0; t < layout.g; ++t) {
    const int j = i * layout.g + t;
    if (j >= used) {
      ++idle;
      continue;
    }
    const int st = j % layout.p;
    bool found = false;
    for (std::size_t x = from; x < held.size(); ++x) {
      if (held[x].first == st) {
        ++held[x].second;
        found = true;
        break;
      }
    }
    if (!found) held.emplace_back(st, 1);
  }
  std::sort(held.begin() + static_cast<std::ptrdiff_t>(from), held.end());
  return idle;
}
}  // namespace classes_detail

inline instance_classes instance_groups(const instance_layout& layout) {
  instance_classes out;
  auto& groups = out.groups;
  auto& held = out.held;
  groups.reserve(static_cast<std::size_t>(std::min(layout.n, layout.p + 2)));
  held.reserve(static_cast<std::size_t>(layout.p) + static_cast<std::size_t>(layout.g));
  const int used = layout.used_slots();
  std::vector<int> by_residue(static_cast<std::size_t>(layout.p), -1);  // full instances
  int partial = -1, spare = -1;
  auto add = [&](int i) {  // a new class unless an equal one exists
    instance_group g;
    g.begin = static_cast<int>(held.size());
    g.spare_gpus = classes_detail::describe_instance(layout, i, held);
    g.end = static_cast<int>(held.size());
    g.spare_instance = i * layout.g >= used;
    for (std::size_t c = 0; layout.g >= layout.p && c < groups.size(); ++c) {
      const instance_group& o = groups[c];
      if (o.spare_gpus == g.spare_gpus && o.spare_instance == g.spare_instance &&
          std::equal(held.begin() + o.begin, held.begin() + o.end, held.begin() + g.begin,
                     held.begin() + g.end)) {
        held.resize(static_cast<std::size_t>(g.begin));
        ++groups[c].size;
        return static_cast<int>(c);
      }
    }
    g.size = 1;
    groups.push_back(g);
    return static_cast<int>(groups.size()) - 1;
  };
  for (int i = 0; i < layout.n; ++i) {
    const int first = i * layout.g;
    int* slot = nullptr;
    if (first >= used) {
      slot = &spare;
    } else if (first + layout.g <= used) {
      slot = &by_residue[static_cast<std::size_t>(first % layout.p)];
    } else {
      slot = &partial;  // the one instance that straddles the last used slot
    }
    if (*slot < 0) {
      *slot = add(i);
    } else {
      ++groups[static_cast<std::size_t>(*slot)].size;
    }
  }
  return out;
}

}  // namespace parcae::liveput::detail
