#pragma once
// Migration cost of moving a job from configuration (D,P) to (d,p) after some instances were
// preempted and some joined (Parcae §3, "live migration"; artifact liveput/monte_carlo.py
// `try_migration` and liveput/cost.py; digest §3.1-§3.3). All artifact formulas are in ms.
//
// NOTE FOR CALLERS (liveput, CUDA): the signatures of `migration_cost_table`,
// `make_migration_cost_table`, `migration_cost_ms`, `restart_cost_ms`, `count_survivors` and
// `estimate_migration` are stable. Fields may be added to the table, none removed.
//
// Layers:
//  * `migration_cost_ms(table, replicas, free_gpus, joined_gpus, target)`: PARCAE_HD, no
//    allocation, no exceptions, plain arrays. The per-sample cost of liveput estimation on the GPU.
//  * `estimate_migration(...)`: host API with validation, returning {type, seconds}.
//  * `migration_batch` (migration_batch.hpp, over a `migration_plan`): many targets per survivor
//    summary on the host, the same bits as migration_cost_ms; the liveput estimators' CPU path.
//    Both are composed of the branch functions below (detail::same_depth_migration, ...).
//
// Survivors are summarised per old stage: replicas[s] = surviving GPUs that hold old stage s
// (s = 0..P-1). All replicas of a stage hold the same layers, so which pipeline they were in does
// not matter. `free_gpus` counts surviving GPUs that hold no stage slot (spare instances, and idle
// GPUs of a partly used instance); `joined_gpus` counts GPUs of instances that joined.
//
// Placement with gpus_per_instance = g (the artifact supports g = 1 only): GPU slot j = i*g + k is
// GPU k of instance i; slot j < D*P runs pipeline j / P, stage j % P (pipeline-major, the
// artifact's node numbering); slots >= D*P are free. So an instance holds g consecutive stages of
// one pipeline (when g divides P), and losing it takes out all g of its GPUs.
// `count_survivors` turns a set of preempted instances into (replicas, free_gpus) with this rule.
//
// Migration type for a target (d,p) (digest §3.2):
//  * none:        p = P, d = D and no slot was lost (a preempted spare costs nothing; the artifact
//                 charges an intra-stage migration there, we do not).
//  * intra_stage: p = P and min_s replicas[s] >= d: G(d,p,remove) + proc.
//  * inter_stage: p = P otherwise; need_s = max(d - replicas[s], 0);
//                 max(max_{need_s>0} xfer_s, sum_{need_s = d, or s = p-1 and need_s = d-1} xfer_s)
//                 + R(d,p,type), xfer_s = p2p(states of stage s). The second term is the serial
//                 fetch from the single redundant copy (artifact quirk kept as is).
//  * pipeline:    p != P. New stages are assigned greedily, in order, to the surviving old stage
//                 replica that already holds most of their parameters; X = sum of the missing
//                 parameters; cost p2p(X * (1+k) * 4) + [d > 1] max_t p2p(new stage t states)
//                 + R(d,p,type). FIX of the artifact (digest §10 item 2): monte_carlo.py assigns
//                 `total_params_need = num_params` instead of accumulating, so only the last
//                 stage's X counted; we sum over all new stages. A new stage left with no surviving
//                 old replica fetches all its parameters (the artifact adds nothing for it).
//  * restart:     only with recovery = checkpoint, when every replica of some old stage is lost:
//                 R(d,p,type) + checkpoint + sum_t p2p(new stage t states) (the reactive baseline's
//                 restart, throughput.py). With recovery = redundant_copy (the artifact's
//                 assumption, default) model state is never lost.
//  * infeasible:  d*p exceeds the GPUs available, p is not a valid or memory-feasible depth.
// R(d,p,type) = [add ? rendezvous + extra_model : 0] + G(d,p,type) + proc + build[p], or the fixed
// restart cost; type = add when the target needs GPUs from outside the old job (d*p > sum of
// replicas; the artifact tests d*p > D*P - n_out, which differs only when spares were preempted).

#include <algorithm>
#include <cmath>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/macros.hpp"
#include "parcae/core/migration_kind.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/core/units.hpp"
#include "parcae/perf/memory.hpp"
#include "parcae/perf/network.hpp"
#include "parcae/perf/partition.hpp"
#include "parcae/perf/profile.hpp"

namespace parcae::perf {

/// Deepest pipeline the fixed-capacity cost table supports.
inline constexpr int max_stages = 128;
/// Most layers the fixed-capacity cost table supports.
inline constexpr int max_layers = 512;

/// The cost function's migration kinds (none .. infeasible) are parcae::migration_kind.
using parcae::migration_kind;
using parcae::to_string;

/// What happens to model state when every replica of a stage is lost.
enum class state_recovery : int {
  redundant_copy = 0,  ///< artifact: fetched from a redundant (Bamboo-style) copy, never lost
  checkpoint = 1,      ///< restart from the last checkpoint
};

/// Kind of restart in R(d,p,type) (artifact `estimate_restart_cost` type argument).
enum class restart_kind : int { add = 0, remove = 1, no_op = 2 };

/// Trivially copyable cost table, built on the host once per (profile, old configuration) by
/// make_migration_cost_table, then used by migration_cost_ms on host or device.
struct migration_cost_table {
  parallel_config old_config;  ///< (D, P)
  int gpus_per_instance = 1;
  int n_layers = 0;
  int max_p = 0;  ///< deepest valid target: min(max_pipeline_depth, max_stages)
  double state_bytes_per_param = 12.0;              ///< (1 + k) * 4
  double layer_params_prefix[max_layers + 1] = {};  ///< prefix sums of params per layer
  int old_bounds[max_stages + 1] = {};              ///< old partition, P + 1 layer indices
  double old_stage_transfer_ms[max_stages] = {};    ///< p2p(states of old stage s)
  p2p_curve p2p;
  comm_rebuild_params comm;
  double rendezvous_ms = 0.0;
  double proc_ms = 0.0;
  double extra_model_ms = 0.0;
  double checkpoint_ms = 0.0;
  double fixed_restart_ms = -1.0;                     ///< >= 0 replaces R
  double build_ms[max_stages + 1] = {};               ///< build[p], p = 1..max_p
  unsigned char depth_feasible[max_stages + 1] = {};  ///< memory-feasible depths (1 = yes)
  /// Per target depth p: max_t p2p(states of new stage t), the pipeline branch's broadcast term
  /// (precomputed: it does not depend on the survivors; same loop, so bit-identical).
  double depth_broadcast_ms[max_stages + 1] = {};
  /// Per target depth p: sum_t p2p(states of new stage t), the checkpoint restart's fetch term.
  double depth_fetch_ms[max_stages + 1] = {};
  state_recovery recovery = state_recovery::redundant_copy;
  bool tied_head = false;  ///< transformer at p = 1: the head shares the embedding's parameters
};

/// Options of make_migration_cost_table.
struct migration_options {
  state_recovery recovery = state_recovery::redundant_copy;
  /// Treat memory-infeasible target depths as infeasible (default). Off: every depth is allowed.
  bool check_memory = true;

  void validate(const char*) const {}
};

/// Result of the device-side cost function, in milliseconds.
struct migration_result {
  migration_kind type = migration_kind::infeasible;
  double cost_ms = INFINITY;
};

}  // namespace parcae::perf

namespace parcae::detail {

/// Parameters of layers [a, b).
PARCAE_HD inline double layer_range_params(const perf::migration_cost_table& t, int a, int b) {
  return t.layer_params_prefix[b] - t.layer_params_prefix[a];
}

/// Parameters of a stage [a, b) of a depth-p partition (tied head removed at p = 1).
PARCAE_HD inline double stage_params(const perf::migration_cost_table& t, int a, int b, int p) {
  double v = layer_range_params(t, a, b);
  if (p == 1 && t.tied_head && t.n_layers >= 2) {
    v -= layer_range_params(t, t.n_layers - 1, t.n_layers);
  }
  return v;
}

/// Parameters of new stage [a, b) (`total` of them) that old stage s does not hold.
PARCAE_HD inline double stage_missing(const perf::migration_cost_table& t, int s, int a, int b,
                                      double total) {
  const int lo = a > t.old_bounds[s] ? a : t.old_bounds[s];
  const int hi = b < t.old_bounds[s + 1] ? b : t.old_bounds[s + 1];
  const double held = hi > lo ? layer_range_params(t, lo, hi) : 0.0;
  return total - held > 0.0 ? total - held : 0.0;
}

/// Greedy step of the pipeline migration, over the old stages overlapping new stage [a, b) (from
/// `first`, the first old stage ending after a): among those with a surviving unassigned replica
/// (left[s] > 0), the first one missing the fewest of its `total` parameters; writes that count
/// to `best` and returns s, or -1 (best untouched) if none.
PARCAE_HD inline int best_overlapping_stage(const perf::migration_cost_table& t, const int* left,
                                            int first, int a, int b, double total, double& best) {
  int best_s = -1;
  for (int s = first; s < t.old_config.p && t.old_bounds[s] < b; ++s) {
    if (left[s] == 0) continue;
    const double extra = stage_missing(t, s, a, b, total);
    if (best_s < 0 || extra < best) {
      best = extra;
      best_s = s;
    }
  }
  return best_s;
}

/// The greedy assignment of the pipeline migration to depth p (partition `bounds`), new stages
/// n_begin .. n_end-1: each new stage takes the surviving unassigned old replica (left[s] > 0) that
/// already holds most of its parameters, and `missing` accumulates what it lacks. Returns the
/// sum; writes each new stage's choice (-1: nothing left, all fetched) to `choice` unless null,
/// and the running sum before each step n to `partial[n]` unless null (perf::migration_plan
/// records both). Resuming at n_begin > 0 with the `left` and `missing` of steps 0 .. n_begin-1
/// gives the same bits as one run (the additions happen in the same order);
/// perf::migration_batch does that.
/// The greedy's rule is "first old stage with the fewest missing parameters" over all P stages
/// (the artifact's scan); this computes the same choice in O(p + P) per run. Partitions are
/// contiguous, so only the old stages overlapping new stage [a, b) can hold any of its
/// parameters: those are scanned first. When none of them holds any (still available), every
/// available old stage misses exactly `total` (held >= 0 since parameters are >= 0, and extra =
/// max(total - held, 0) <= total), so the full scan's first-index tie-break picks the first old
/// stage with a replica left, with best = total; as `left` only decreases, that index only moves
/// forward and is tracked by a pointer. (tests/perf/migration_test.cpp checks this against the
/// full scan on every survivor vector of several tables.)
PARCAE_HD inline double pipeline_greedy(const perf::migration_cost_table& t, const int* bounds,
                                        int p, int* left, int n_begin, int n_end, double missing,
                                        int* choice, double* partial = nullptr) {
  const int P = t.old_config.p;
  int first = 0;  // first old stage ending after the current new stage begins
  int avail = 0;  // no old stage below `avail` has a replica left
  for (int n = n_begin; n < n_end; ++n) {
    const int a = bounds[n], b = bounds[n + 1];
    const double total = stage_params(t, a, b, p);
    while (first < P - 1 && t.old_bounds[first + 1] <= a) ++first;
    double best = total;  // no surviving replica: everything is fetched
    int best_s = best_overlapping_stage(t, left, first, a, b, total, best);
    if (best_s < 0 || !(best < total)) {
      while (avail < P && left[avail] == 0) ++avail;
      best = total;
      best_s = avail < P ? avail : -1;
    }
    if (best_s >= 0) --left[best_s];
    if (choice != nullptr) choice[n] = best_s;
    if (partial != nullptr) partial[n] = missing;
    missing += best;  // FIX: the artifact assigns (=) here; we accumulate (+=)
  }
  return missing;
}

/// What every branch of migration_cost_ms reads from the survivors besides the target: O(P)
/// once per survivor summary (migration_batch computes it once for all of its targets).
struct survivor_totals {
  int in_job = 0;           ///< surviving GPUs that hold a stage slot
  int min_r = 0;            ///< min_s replicas[s] (at most D)
  int max_r = 0;            ///< max_s replicas[s]
  bool stage_lost = false;  ///< some old stage has no surviving replica
};

PARCAE_HD inline survivor_totals sum_survivors(const perf::migration_cost_table& t,
                                               const int* replicas) {
  survivor_totals out;
  out.min_r = t.old_config.d;
  for (int s = 0; s < t.old_config.p; ++s) {
    out.in_job += replicas[s];
    if (replicas[s] < out.min_r) out.min_r = replicas[s];
    if (replicas[s] > out.max_r) out.max_r = replicas[s];
    if (replicas[s] <= 0) out.stage_lost = true;
  }
  return out;
}

/// Whether a valid target fits on the GPUs available, and its restart kind (add when it needs
/// GPUs from outside the old job).
PARCAE_HD inline bool target_fits(const survivor_totals& s, int free_gpus, int joined_gpus,
                                  parallel_config target, perf::restart_kind& kind) {
  const long long needed = static_cast<long long>(target.d) * target.p;
  if (needed > static_cast<long long>(s.in_job) + free_gpus + joined_gpus) return false;
  kind = needed > s.in_job ? perf::restart_kind::add : perf::restart_kind::remove;
  return true;
}

}  // namespace parcae::detail

namespace parcae::perf {

/// R(d,p,type) in ms (artifact `estimate_restart_cost`; digest §3.3). Also the cost of a
/// concurrent restart (a migration starting while one is running), with kind = no_op.
PARCAE_HD inline double restart_cost_ms(const migration_cost_table& t, parallel_config target,
                                        restart_kind kind) {
  if (t.fixed_restart_ms >= 0.0) return t.fixed_restart_ms;
  const bool add = kind == restart_kind::add;
  double cost = add ? t.rendezvous_ms + t.extra_model_ms : 0.0;
  cost += t.comm.cost_ms(target.d, target.p, add);
  cost += t.proc_ms;
  const int p = target.p < 1 ? 1 : (target.p > max_stages ? max_stages : target.p);
  cost += t.build_ms[p];
  return cost;
}

}  // namespace parcae::perf

namespace parcae::detail {

// The branches of migration_cost_ms for a target that fits (see the header comment). Shared with
// perf::migration_batch, which evaluates many targets per survivor summary: both compose the
// same functions, so they return the same bits.

/// restart (recovery = checkpoint, some old stage lost).
PARCAE_HD inline perf::migration_result checkpoint_restart(const perf::migration_cost_table& t,
                                                           parallel_config target,
                                                           perf::restart_kind kind) {
  perf::migration_result out;
  out.type = perf::migration_kind::restart;
  out.cost_ms = restart_cost_ms(t, target, kind) + t.checkpoint_ms + t.depth_fetch_ms[target.p];
  return out;
}

/// none, intra_stage or inter_stage (p = P). O(P) for inter_stage.
PARCAE_HD inline perf::migration_result same_depth_migration(const perf::migration_cost_table& t,
                                                             const int* replicas,
                                                             const survivor_totals& s,
                                                             parallel_config target,
                                                             perf::restart_kind kind) {
  perf::migration_result out;
  const int D = t.old_config.d, P = t.old_config.p;
  const int d = target.d, p = target.p;
  if (d == D && s.min_r >= D) {
    out.type = perf::migration_kind::none;
    out.cost_ms = 0.0;
    return out;
  }
  if (s.min_r >= d) {
    out.type = perf::migration_kind::intra_stage;
    out.cost_ms = t.comm.cost_ms(d, p, false) + t.proc_ms;
    return out;
  }
  double stage_cost = 0.0, redundant_cost = 0.0;
  for (int st = 0; st < P; ++st) {
    const int need = d - replicas[st] > 0 ? d - replicas[st] : 0;
    if (need == 0) continue;
    const double c = t.old_stage_transfer_ms[st];
    if (need == d || (st == p - 1 && need == d - 1)) redundant_cost += c;
    if (c > stage_cost) stage_cost = c;
  }
  out.type = perf::migration_kind::inter_stage;
  out.cost_ms = (stage_cost > redundant_cost ? stage_cost : redundant_cost) +
                restart_cost_ms(t, target, kind);
  return out;
}

/// pipeline (p != P), given p2p(missing parameters' states) and R(d,p,type).
PARCAE_HD inline perf::migration_result pipeline_migration(const perf::migration_cost_table& t,
                                                           double missing_ms,
                                                           parallel_config target,
                                                           double restart_ms) {
  perf::migration_result out;
  out.type = perf::migration_kind::pipeline;
  out.cost_ms = missing_ms + (target.d > 1 ? t.depth_broadcast_ms[target.p] : 0.0) + restart_ms;
  return out;
}

}  // namespace parcae::detail

namespace parcae::perf {

/// Migration type and cost in ms for one survivor summary and one target. `replicas` has
/// old_config.p entries. Allocation-free, never throws; usable in device code. For many targets
/// per summary on the host, perf::migration_batch (migration_batch.hpp) returns the same bits
/// faster.
PARCAE_HD inline migration_result migration_cost_ms(const migration_cost_table& t,
                                                    const int* replicas, int free_gpus,
                                                    int joined_gpus, parallel_config target) {
  const int d = target.d, p = target.p;
  if (d < 1 || p < 1 || p > t.max_p || !t.depth_feasible[p]) return migration_result{};
  const detail::survivor_totals s = detail::sum_survivors(t, replicas);
  restart_kind kind = restart_kind::remove;
  if (!detail::target_fits(s, free_gpus, joined_gpus, target, kind)) return migration_result{};
  if (s.stage_lost && t.recovery == state_recovery::checkpoint) {
    return detail::checkpoint_restart(t, target, kind);
  }
  if (p == t.old_config.p) return detail::same_depth_migration(t, replicas, s, target, kind);
  // Pipeline migration (repartition to a new depth).
  int left[max_stages];  // surviving replicas of each old stage not yet assigned
  for (int st = 0; st < t.old_config.p; ++st) left[st] = replicas[st] > 0 ? replicas[st] : 0;
  int bounds[max_stages + 1];
  partition_bounds(t.n_layers, p, bounds);
  const double missing_params = detail::pipeline_greedy(t, bounds, p, left, 0, p, 0.0, nullptr);
  return detail::pipeline_migration(t, t.p2p.cost_ms(missing_params * t.state_bytes_per_param),
                                    target, restart_cost_ms(t, target, kind));
}

/// Turns a set of preempted instances into the survivor summary of migration_cost_table, using
/// the placement documented above. `preempted` lists n_preempted distinct instance indices in
/// [0, n_instances); `replicas` receives old_config.p counts. Returns free_gpus. No checks.
PARCAE_HD inline int count_survivors(const migration_cost_table& t, int n_instances,
                                     const int* preempted, int n_preempted, int* replicas) {
  const int D = t.old_config.d, P = t.old_config.p, g = t.gpus_per_instance;
  const int slots = D * P;
  for (int s = 0; s < P; ++s) replicas[s] = D;
  for (int i = 0; i < n_preempted; ++i) {
    const int first = preempted[i] * g;
    for (int k = 0; k < g; ++k) {
      const int j = first + k;
      if (j < slots) --replicas[j % P];
    }
  }
  int in_job = 0;
  for (int s = 0; s < P; ++s) in_job += replicas[s];
  return (n_instances - n_preempted) * g - in_job;
}

}  // namespace parcae::perf

namespace parcae::detail {
/// The terms of a cost table that depend on the old configuration: its partition and the p2p
/// time of each old stage. Everything else in the table depends on the profile and options only.
inline void set_old_config(perf::migration_cost_table& t, parallel_config old_config) {
  t.old_config = old_config;
  perf::partition_bounds(t.n_layers, old_config.p, t.old_bounds);
  for (int s = 0; s < old_config.p; ++s) {
    const double params = stage_params(t, t.old_bounds[s], t.old_bounds[s + 1], old_config.p);
    t.old_stage_transfer_ms[s] = t.p2p.cost_ms(params * t.state_bytes_per_param);
  }
  for (int s = old_config.p; s < perf::max_stages; ++s) t.old_stage_transfer_ms[s] = 0.0;
  for (int s = old_config.p + 1; s <= perf::max_stages; ++s) t.old_bounds[s] = 0;
}
}  // namespace parcae::detail

namespace parcae::perf {

/// Builds the cost table for `profile` running `old_config`. Throws parcae::invalid_argument for
/// an invalid profile, a config outside the table's capacity or deeper than the model allows.
inline migration_cost_table make_migration_cost_table(const model_profile& profile,
                                                      parallel_config old_config,
                                                      const migration_options& options = {}) {
  static constexpr const char* fn = "parcae::perf::make_migration_cost_table";
  profile.validate(fn);
  const int n = profile.n_layers();
  check_at_most(fn, "profile.layers.size()", n, max_layers);
  check_at_least(fn, "old_config.d", old_config.d, 1);
  check_bounded(fn, "old_config.p", old_config.p, 1, std::min(max_pipeline_depth(n), max_stages));

  migration_cost_table t;
  t.old_config = old_config;
  t.gpus_per_instance = profile.gpus_per_instance;
  t.n_layers = n;
  t.max_p = std::min(max_pipeline_depth(n), max_stages);
  t.state_bytes_per_param = profile.state_bytes_per_param();
  t.tied_head = profile.transformer;
  for (int l = 0; l < n; ++l) {
    t.layer_params_prefix[l + 1] =
        t.layer_params_prefix[l] + profile.layers[static_cast<std::size_t>(l)].params;
  }
  t.p2p = profile.p2p;
  detail::set_old_config(t, old_config);
  const restart_params& r = profile.restart;
  t.comm = r.comm;
  t.rendezvous_ms = r.rendezvous_ms;
  t.proc_ms = r.proc_ms;
  t.extra_model_ms = r.extra_model_ms;
  t.checkpoint_ms = r.checkpoint_ms;
  t.fixed_restart_ms = r.fixed_restart_ms;
  for (int p = 1; p <= t.max_p; ++p) {
    t.build_ms[p] = r.build_ms(p);
    t.depth_feasible[p] = options.check_memory ? (plan_memory(profile, p).feasible ? 1 : 0) : 1;
    int bounds[max_stages + 1];
    partition_bounds(n, p, bounds);
    double broadcast = 0.0, fetch = 0.0;
    for (int s = 0; s < p; ++s) {
      const double c = t.p2p.cost_ms(detail::stage_params(t, bounds[s], bounds[s + 1], p) *
                                     t.state_bytes_per_param);
      fetch += c;
      if (c > broadcast) broadcast = c;
    }
    t.depth_broadcast_ms[p] = broadcast;
    t.depth_fetch_ms[p] = fetch;
  }
  t.recovery = options.recovery;
  return t;
}

/// The table of `old_config` made from `table`, a table of the same profile and options built
/// for another old configuration: equal to make_migration_cost_table(profile, old_config,
/// options) field by field, without the per-depth loop (memory plans, partitions and p2p times of
/// every depth), which costs about a millisecond and does not depend on the old configuration.
/// For callers that bind many old configurations of one job (liveput::perf_cost_model).
inline migration_cost_table rebind_migration_cost_table(const migration_cost_table& table,
                                                        parallel_config old_config) {
  static constexpr const char* fn = "parcae::perf::rebind_migration_cost_table";
  check_at_least(fn, "table.n_layers", table.n_layers, 1);
  check_at_least(fn, "old_config.d", old_config.d, 1);
  check_bounded(fn, "old_config.p", old_config.p, 1, table.max_p);
  migration_cost_table t = table;
  detail::set_old_config(t, old_config);
  return t;
}

/// Host-side migration result.
struct migration_estimate {
  migration_kind type = migration_kind::infeasible;
  seconds cost{INFINITY};  ///< infinite when infeasible
};

/// Validated host API over migration_cost_ms. `replicas` has old_config.p entries, each in
/// [0, D * gpus... ] (at most D); free_gpus and joined_gpus are >= 0.
inline migration_estimate estimate_migration(const migration_cost_table& table,
                                             const std::vector<int>& replicas, int free_gpus,
                                             int joined_gpus, parallel_config target) {
  static constexpr const char* fn = "parcae::perf::estimate_migration";
  const int P = table.old_config.p;
  if (static_cast<int>(replicas.size()) != P) {
    throw_invalid(fn, "replicas.size()", replicas.size(),
                  "equal to the old pipeline depth " + std::to_string(P));
  }
  for (std::size_t s = 0; s < replicas.size(); ++s) {
    check_bounded(fn, "replicas[" + std::to_string(s) + "]", replicas[s], 0, table.old_config.d);
  }
  check_nonnegative(fn, "free_gpus", free_gpus);
  check_nonnegative(fn, "joined_gpus", joined_gpus);
  check_at_least(fn, "target.d", target.d, 1);
  check_at_least(fn, "target.p", target.p, 1);
  const migration_result r =
      migration_cost_ms(table, replicas.data(), free_gpus, joined_gpus, target);
  return migration_estimate{r.type, to_seconds(milliseconds(r.cost_ms))};
}

}  // namespace parcae::perf
