#pragma once
// The liveput table: the memo the planner reads (the artifact's LiveStore, parcae-artifact.md
// §1.4), keyed by (N, D, P, n_in, n_out). Filled lazily (get() estimates a missing key) or in bulk
// (fill() estimates every missing key of a list in one backend call, so families share their
// samples and the backend can use all its threads), by any backend (backend.hpp). JSON export and
// import live in the tool layer (tools/parcae/liveput_io.hpp); insert() and entries() are what
// they use.
//
// Thread safety: every member locks the table's mutex, so a planner thread and a prefetching
// (or importing) thread can share one table. An entry is immutable once published: the map holds
// a shared_ptr<const entry>, and insert() over an existing key publishes a NEW entry and keeps the
// old one alive (retired, freed by clear()) instead of assigning into it. So references returned
// by get()/find() stay valid, and unchanged, until clear(), also while another thread inserts
// or fills; get_shared()/find_shared() hold their entry even across clear(). Before, insert()
// assigned into the entry a planner was reading outside the lock (issue 15, item 10).

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/liveput/backend.hpp"
#include "parcae/liveput/detail/checks.hpp"
#include "parcae/liveput/types.hpp"

namespace parcae::liveput {

class table {
 public:
  /// A table without a backend: it serves imported or inserted entries only.
  table() = default;
  /// A table filled by `estimator` on demand.
  explicit table(std::shared_ptr<liveput::backend> estimator) : backend_(std::move(estimator)) {
    if (!backend_) {
      throw_invalid("parcae::liveput::table::table", "estimator", "null", "a backend");
    }
  }

  /// The entry of `k`, estimated now if the table does not have it (lazy fill). Throws
  /// parcae::invalid_argument for an invalid key, or for a missing key without a backend.
  const entry& get(const key& k) { return *get_shared_locked("parcae::liveput::table::get", k); }

  /// get() as a shared pointer: the entry stays alive while the caller holds it, whatever other
  /// threads insert or clear (what plan::liveput_provider reads through).
  std::shared_ptr<const entry> get_shared(const key& k) {
    return get_shared_locked("parcae::liveput::table::get_shared", k);
  }

  /// Estimates every key of `keys` that the table does not have, in one backend call (bulk fill).
  /// Returns the number of keys estimated.
  std::size_t fill(const std::vector<key>& keys) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<key> missing;
    for (const key& k : keys) {
      if (entries_.count(k) == 0) missing.push_back(k);
    }
    std::sort(missing.begin(), missing.end());
    missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
    if (missing.empty()) return 0;
    if (!backend_) {
      throw_invalid("parcae::liveput::table::fill", "key", to_string(missing.front()),
                    "in the table (it has no backend to estimate it)");
    }
    for (const key& k : missing) {
      detail::check_key("parcae::liveput::table::fill", k, backend_->gpus_per_instance());
    }
    std::vector<entry> estimated = backend_->estimate(missing);
    for (std::size_t i = 0; i < missing.size(); ++i) {
      entries_.emplace(missing[i], std::make_shared<const entry>(std::move(estimated[i])));
    }
    return missing.size();
  }

  /// The entry of `k`, or nullptr (never estimates).
  const entry* find(const key& k) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = entries_.find(k);
    return it == entries_.end() ? nullptr : it->second.get();
  }
  /// find() as a shared pointer (null when absent).
  std::shared_ptr<const entry> find_shared(const key& k) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = entries_.find(k);
    return it == entries_.end() ? nullptr : it->second;
  }
  bool contains(const key& k) const { return find(k) != nullptr; }

  /// Stores `e` under `k` (import). A key that has an entry gets a new one; the old entry is
  /// never modified and stays alive until clear(), for readers that hold a reference to it.
  void insert(const key& k, entry e) {
    auto published = std::make_shared<const entry>(std::move(e));
    std::lock_guard<std::mutex> lock(mutex_);
    auto [it, added] = entries_.try_emplace(k, published);
    if (!added) {
      retired_.push_back(std::move(it->second));
      it->second = std::move(published);
      ++generation_;
    }
  }

  /// Changes whenever an entry that a reader may have seen changes: insert() over an existing key,
  /// clear(). Filling or inserting new keys leaves it as it is (no entry read before changes), so
  /// a reader that keeps what it derived from entries (plan::dp_planner's resolved transitions)
  /// may keep it while the generation stays the same.
  std::uint64_t generation() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return generation_;
  }

  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_.size();
  }
  /// Drops every entry (and the retired ones): references from get()/find() dangle afterwards;
  /// pointers from get_shared()/find_shared() stay valid.
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.clear();
    retired_.clear();
    ++generation_;
  }

  /// A copy of every (key, entry), sorted by key (export).
  std::vector<std::pair<key, entry>> entries() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::pair<key, entry>> out;
    out.reserve(entries_.size());
    for (const auto& [k, e] : entries_) out.emplace_back(k, *e);
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
  }

  /// The backend (nullptr for a table without one).
  const liveput::backend* estimator() const { return backend_.get(); }

 private:
  std::shared_ptr<const entry> get_shared_locked(const char* fn, const key& k) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = entries_.find(k);
    if (it != entries_.end()) return it->second;
    if (!backend_) {
      throw_invalid(fn, "key", to_string(k), "in the table (it has no backend to estimate it)");
    }
    detail::check_key(fn, k, backend_->gpus_per_instance());
    std::vector<entry> e = backend_->estimate({k});
    return entries_.emplace(k, std::make_shared<const entry>(std::move(e.front()))).first->second;
  }

  std::shared_ptr<liveput::backend> backend_;
  mutable std::mutex mutex_;
  std::unordered_map<key, std::shared_ptr<const entry>> entries_;
  std::vector<std::shared_ptr<const entry>> retired_;  ///< replaced by insert(), kept until clear()
  std::uint64_t generation_ = 0;                       ///< see generation()
};

/// One predicted interval of a horizon: instances joining and preempted.
struct horizon_step {
  int n_in = 0;
  int n_out = 0;
};

/// Every key a planning horizon can reach (for a bulk fill): step k (k = 1..H) starts with
/// N_{k-1} instances (N_0 = n0, N_k = N_{k-1} + n_in_k - n_out_k) and any configuration (D,P) of
/// `configs` that fits on them (D*P <= N_{k-1}*g), giving the keys (N_{k-1}, D, P, n_in_k,
/// n_out_k) the planner's DP reads (§5.1). Steps that start with no instance are skipped. Sorted,
/// without duplicates.
inline std::vector<key> horizon_keys(int n0, const std::vector<horizon_step>& steps,
                                     const std::vector<parallel_config>& configs, int g = 1) {
  const char* f = "parcae::liveput::horizon_keys";
  check_nonnegative(f, "n0", n0);
  check_at_least(f, "g", g, 1);
  std::vector<key> out;
  int n = n0;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const horizon_step& s = steps[k];
    check_nonnegative(f, "steps[" + std::to_string(k) + "].n_in", s.n_in);
    check_bounded(f, "steps[" + std::to_string(k) + "].n_out", s.n_out, 0, n);
    if (n >= 1) {
      for (const parallel_config c : configs) {
        if (!c.paused() && c.size() <= n * g) out.push_back(key{n, c.d, c.p, s.n_in, s.n_out});
      }
    }
    n += s.n_in - s.n_out;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace parcae::liveput
