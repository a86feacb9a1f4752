#pragma once
// Grouping of keys into families (N, D, P, n_out): keys that differ only in n_in share their
// survivor distribution, so their preemption sets are drawn (or enumerated) once.

#include <map>
#include <tuple>
#include <vector>

#include "parcae/liveput/types.hpp"

namespace parcae::liveput::detail {

struct key_family {
  int n = 0;
  parallel_config old;
  int n_out = 0;
  std::vector<int> n_ins;            ///< distinct n_in values, ascending
  std::vector<std::size_t> members;  ///< for each key of the request in this family: its n_in slot
  std::vector<std::size_t> positions;  ///< ... and its position in the request
};

/// Families of `keys`, ordered by (n, d, p, n_out); duplicate keys map to one n_in slot.
inline std::vector<key_family> group_keys(const std::vector<key>& keys) {
  std::map<std::tuple<int, int, int, int>, std::size_t> index;
  std::vector<key_family> families;
  std::vector<std::pair<std::size_t, std::size_t>> where;  // (family, position)
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const key& k = keys[i];
    const auto id = std::make_tuple(k.n, k.d, k.p, k.n_out);
    auto it = index.find(id);
    if (it == index.end()) {
      it = index.emplace(id, families.size()).first;
      families.push_back(key_family{k.n, k.config(), k.n_out, {}, {}, {}});
    }
    auto& fam = families[it->second];
    std::size_t slot = 0;
    while (slot < fam.n_ins.size() && fam.n_ins[slot] != k.n_in) ++slot;
    if (slot == fam.n_ins.size()) fam.n_ins.push_back(k.n_in);
    fam.members.push_back(slot);
    fam.positions.push_back(i);
  }
  return families;
}

}  // namespace parcae::liveput::detail
