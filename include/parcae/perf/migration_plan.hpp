#pragma once
// The survivor-independent part of the pipeline migration (p != P) of one old configuration,
// tabulated per target depth, so that perf::migration_batch evaluates the greedy assignment of
// perf::migration_cost_ms in a fraction of the work and with the same bits. Host only (the GPU
// keeps the per-target migration_cost_ms and a small table).
//
// Per depth p the plan records the greedy on the full old configuration (every old stage with D
// replicas): each new stage's choice and the partial sums of the missing parameters, plus the
// preference list of each new stage (the old stages overlapping it, sorted by (missing
// parameters, index), computed with migration.hpp's functions).
//
// Why a recorded run can be replayed: with survivors r[s] <= D, the survivors' run makes the same
// choices as the full run up to the first step n0 whose full-run choice has no replica left
// (the (r[s]+1)-th pick of a stage s that the full run picks more than r[s] times). Before n0,
// the survivors' available stages are a subset of the full run's that contains the full run's
// choice, and the first minimum over a subset holding the first minimum of the set is that same
// element (fallback included: if no overlapping stage helped in the full run, none helps in the
// subset). So with no short stage the result is the recorded one (O(1) when min_s r[s] is at
// least the largest demand), and otherwise the greedy resumes at n0 from the recorded partial
// sum, adding the same terms in the same order: the same bits. Each resumed step takes the first
// entry of its preference list with a replica left, which is best_overlapping_stage's choice, and
// falls back as pipeline_greedy does. tests/perf/migration_batch_test.cpp compares the results
// with migration_cost_ms on every survivor vector of several tables.

#include <algorithm>
#include <cstddef>
#include <vector>

#include "parcae/perf/migration.hpp"
#include "parcae/perf/partition.hpp"

namespace parcae::perf {

/// Recorded greedy runs of one migration_cost_table, for every valid target depth p != P.
/// Holds a pointer to the table, which must outlive it. Immutable once built: one plan serves any
/// number of threads and batches.
class migration_plan {
 public:
  explicit migration_plan(const migration_cost_table& table)
      : table_(&table), depths_(static_cast<std::size_t>(table.max_p) + 1) {
    // Reserve what plan_depth appends, so a bind (one plan per old configuration) does not
    // reallocate: per depth 3p + P + 2 ints and 2p + 1 doubles, plus the preference lists, whose
    // entries (old stages overlapping each new stage) number at most p + P - 1.
    std::size_t n_ints = 0, n_doubles = 0;
    const auto P = static_cast<std::size_t>(table.old_config.p);
    for (int p = 1; p <= table.max_p; ++p) {
      const auto up = static_cast<std::size_t>(p);
      n_ints += 4 * up + 2 * P + 2;
      n_doubles += 3 * up + P + 1;
    }
    ints_.reserve(n_ints);
    doubles_.reserve(n_doubles);
    for (int p = 1; p <= table.max_p; ++p) {
      if (table.depth_feasible[p] && p != table.old_config.p) {
        plan_depth(depths_[static_cast<std::size_t>(p)], p);
      }
    }
  }

  const migration_cost_table& table() const { return *table_; }

  /// Largest number of picks of one old stage in the full run at depth p (valid p != P).
  int max_demand(int p) const { return depths_[static_cast<std::size_t>(p)].max_demand; }

  /// p2p(states of the parameters the greedy misses at depth p) for survivors `replicas` with
  /// totals `s`: the missing-parameter term of migration_cost_ms's pipeline branch, same bits.
  /// `short_stages` lists the old stages with fewer than D replicas, n_short of them; it is read
  /// only when s.min_r < max_demand(p). p must be valid (memory-feasible, <= max_p) and != P.
  double pipeline_missing_ms(int p, const int* replicas, const detail::survivor_totals& s,
                             const int* short_stages, int n_short) const {
    const migration_cost_table& t = *table_;
    const depth& g = depths_[static_cast<std::size_t>(p)];
    const int D = t.old_config.d, P = t.old_config.p;
    int n0 = p;  // first step at which the survivors' run leaves the full run
    if (s.max_r > D) {
      n0 = 0;  // not a survivor count of this configuration: no replay
    } else if (s.min_r < g.max_demand) {
      const int* off = ints_.data() + g.pick_offset;
      const int* picks = ints_.data() + g.picks;
      for (int i = 0; i < n_short; ++i) {
        const int st = short_stages[i];
        const int r = replicas[st] > 0 ? replicas[st] : 0;
        if (off[st] + r < off[st + 1]) n0 = std::min(n0, picks[off[st] + r]);
      }
    }
    if (n0 == p) return g.full_missing_ms;
    int left[max_stages];  // as in migration_cost_ms, after the full run's first n0 steps
    for (int st = 0; st < P; ++st) left[st] = replicas[st] > 0 ? replicas[st] : 0;
    const int* choice = ints_.data() + g.choice;
    for (int n = 0; n < n0; ++n) {
      if (choice[n] >= 0) --left[choice[n]];
    }
    double missing = doubles_[g.prefix + static_cast<std::size_t>(n0)];
    const int* pref_off = ints_.data() + g.pref_offset;
    const int* pref = ints_.data() + g.pref_stage;
    const double* pref_extra = doubles_.data() + g.pref_extra;
    const double* totals = doubles_.data() + g.total;
    int avail = 0;                  // no old stage below `avail` has a replica left
    for (int n = n0; n < p; ++n) {  // pipeline_greedy's steps
      const double total = totals[n];
      double best = total;
      int best_s = -1;
      for (int k = pref_off[n]; k < pref_off[n + 1]; ++k) {
        if (left[pref[k]] != 0) {
          best_s = pref[k];
          best = pref_extra[k];
          break;
        }
      }
      if (best_s < 0 || !(best < total)) {
        while (avail < P && left[avail] == 0) ++avail;
        best = total;
        best_s = avail < P ? avail : -1;
      }
      if (best_s >= 0) --left[best_s];
      missing += best;  // FIX of the artifact, as in pipeline_greedy
    }
    return t.p2p.cost_ms(missing * t.state_bytes_per_param);
  }

 private:
  /// One depth's recorded run and preference lists (offsets into ints_ and doubles_).
  struct depth {
    std::size_t choice = 0;        ///< ints_[choice .. +p): old stage chosen by new stage n, or -1
    std::size_t prefix = 0;        ///< doubles_[prefix .. +p]: missing params after n steps
    std::size_t total = 0;         ///< doubles_[total .. +p): params of new stage n
    std::size_t pref_offset = 0;   ///< ints_[pref_offset .. +p]: stage n's range in the lists
    std::size_t pref_stage = 0;    ///< ints_[pref_stage + k]: overlapping old stages, best first
    std::size_t pref_extra = 0;    ///< doubles_[pref_extra + k]: what each of them misses
    std::size_t pick_offset = 0;   ///< ints_[pick_offset .. +P]: per old stage, range in picks
    std::size_t picks = 0;         ///< ints_[picks + k]: steps choosing each old stage, in order
    int max_demand = 0;            ///< most picks of one old stage
    double full_missing_ms = 0.0;  ///< p2p(states of the full run's missing params)
  };

  std::size_t grow_ints(std::size_t n) {
    ints_.resize(ints_.size() + n, 0);
    return ints_.size() - n;
  }
  std::size_t grow_doubles(std::size_t n) {
    doubles_.resize(doubles_.size() + n, 0.0);
    return doubles_.size() - n;
  }

  void plan_depth(depth& g, int p) {
    const migration_cost_table& t = *table_;
    const int D = t.old_config.d, P = t.old_config.p;
    const auto up = static_cast<std::size_t>(p);
    int bounds[max_stages + 1];
    partition_bounds(t.n_layers, p, bounds);
    // The full run (migration_cost_ms's own greedy), recording choices and partial sums.
    g.choice = grow_ints(up);
    g.prefix = grow_doubles(up + 1);
    int left[max_stages];
    for (int st = 0; st < P; ++st) left[st] = D;
    const double missing = detail::pipeline_greedy(
        t, bounds, p, left, 0, p, 0.0, ints_.data() + g.choice, doubles_.data() + g.prefix);
    doubles_[g.prefix + up] = missing;
    g.full_missing_ms = t.p2p.cost_ms(missing * t.state_bytes_per_param);
    // Preference lists: the old stages best_overlapping_stage scans, stably sorted by what they
    // miss (insertion sort: a few entries each), so the first with a replica left is its choice.
    g.total = grow_doubles(up);
    g.pref_offset = grow_ints(up + 1);
    g.pref_stage = ints_.size();
    g.pref_extra = doubles_.size();
    for (int n = 0, first = 0; n < p; ++n) {
      const int a = bounds[n], b = bounds[n + 1];
      const double total = detail::stage_params(t, a, b, p);
      doubles_[g.total + static_cast<std::size_t>(n)] = total;
      while (first < P - 1 && t.old_bounds[first + 1] <= a) ++first;
      const std::size_t begin = ints_.size();
      for (int st = first; st < P && t.old_bounds[st] < b; ++st) {
        ints_.push_back(st);
        doubles_.push_back(detail::stage_missing(t, st, a, b, total));
        for (std::size_t j = ints_.size() - 1; j > begin; --j) {
          const std::size_t x = g.pref_extra + (j - g.pref_stage);
          if (!(doubles_[x - 1] > doubles_[x])) break;
          std::swap(doubles_[x - 1], doubles_[x]);
          std::swap(ints_[j - 1], ints_[j]);
        }
      }
      ints_[g.pref_offset + static_cast<std::size_t>(n) + 1] =
          static_cast<int>(ints_.size() - g.pref_stage);
    }
    // Steps choosing each old stage, grouped by stage (counting sort).
    g.pick_offset = grow_ints(static_cast<std::size_t>(P) + 1);
    g.picks = grow_ints(up);
    int* off = ints_.data() + g.pick_offset;
    const int* choice = ints_.data() + g.choice;
    for (int n = 0; n < p; ++n) {
      if (choice[n] >= 0) ++off[choice[n] + 1];
    }
    for (int st = 0; st < P; ++st) {
      g.max_demand = std::max(g.max_demand, off[st + 1]);
      off[st + 1] += off[st];
    }
    int* fill = left;  // next free position per stage
    for (int st = 0; st < P; ++st) fill[st] = off[st];
    for (int n = 0; n < p; ++n) {
      if (choice[n] >= 0) ints_[g.picks + static_cast<std::size_t>(fill[choice[n]]++)] = n;
    }
  }

  const migration_cost_table* table_;
  std::vector<depth> depths_;  ///< by target depth p (entries for invalid depths and P unused)
  std::vector<int> ints_;
  std::vector<double> doubles_;
};

}  // namespace parcae::perf
