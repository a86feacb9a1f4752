#pragma once
// A multiset of survivor summaries (open addressing on hash_survivors), reused across the chunks
// one worker processes. The Monte-Carlo driver evaluates the cost once per distinct summary and
// weights it by its count.

#include <cstdint>
#include <vector>

#include "parcae/liveput/survivors.hpp"

namespace parcae::liveput::detail {

class survivor_set {
 public:
  /// Empties the set, sized for up to `expected` distinct summaries.
  void reset(std::size_t expected) {
    std::size_t cap = 16;
    while (cap < 2 * expected) cap <<= 1;
    if (slots_.size() != cap) {
      slots_.assign(cap, -1);
    } else {
      std::fill(slots_.begin(), slots_.end(), -1);
    }
    mask_ = cap - 1;
    items_.clear();
    counts_.clear();
    hashes_.clear();
  }

  void insert(const survivors& s) {
    const std::uint64_t h = hash_survivors(s);
    std::size_t pos = static_cast<std::size_t>(h) & mask_;
    while (true) {
      const int at = slots_[pos];
      if (at < 0) break;
      const auto u = static_cast<std::size_t>(at);
      if (hashes_[u] == h && same_survivors(items_[u], s)) {
        ++counts_[u];
        return;
      }
      pos = (pos + 1) & mask_;
    }
    slots_[pos] = static_cast<int>(items_.size());
    items_.push_back(s);
    counts_.push_back(1);
    hashes_.push_back(h);
  }

  std::size_t size() const { return items_.size(); }
  const survivors& item(std::size_t u) const { return items_[u]; }
  std::int64_t count(std::size_t u) const { return counts_[u]; }

 private:
  std::vector<int> slots_;
  std::size_t mask_ = 0;
  std::vector<survivors> items_;
  std::vector<std::int64_t> counts_;
  std::vector<std::uint64_t> hashes_;
};

}  // namespace parcae::liveput::detail
