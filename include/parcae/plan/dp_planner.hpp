#pragma once
// The liveput planner: an exact dynamic program over the forecast horizon (Parcae §5.1,
// liveput/liveput.py LiveputOptimized), maximising the samples trained over H intervals.
//
// State after step k: (d, p, remaining migration time). Transitions and rewards are the
// artifact's (see detail::charged_cost and detail::step_result in transition_provider.hpp), or,
// with planner_params::concurrent = remainder, a new migration during a running one is charged
// max(remaining, cost) + R. The first step may then start anything. A later step's migrating
// state may keep finishing, keep its configuration through a refill, pause, or start the one
// migration it would start were nothing running (its best, charged cost + R), when that is at
// least as long as what is left (detail::may_start): each of these depends on the time left only
// through the keep chain, so the backward pass stays one value per state and O(transitions). The
// exact rule would let a migrating state switch to any target for rem + R, whose values depend on
// rem target by target: a recursion over targets per query, too slow for a controller (tried: the
// evaluation set took 17x longer), or a per-state sorted list queried 40 million times per
// 24-hour replay (2.5x slower). The restriction only ever under-values a plan.
//
// Exactness. The artifact runs the DP forwards and keeps ONE (samples, remaining) pair per
// migrating state ("more samples, then less remaining"), which is not exact: a pair with fewer
// samples but much less remaining time can win later. The remaining time matters only through
// the "keep finishing" transition (provider cost 0), so we run the DP BACKWARDS instead:
//   W_k(c, running)       = max over targets t of  samples(t) + value of the next state,
//   W_k(c, migrating rem) = max( M_k(c), max over zero-cost targets t of the same with rem ),
// where M_k(c) (targets with a nonzero cost, and pausing) does not depend on rem. A migrating
// state's value is evaluated on demand by following the zero-cost chain (depth <= H - k), so every
// value is exact without keeping a Pareto set of (samples, remaining) per state. The sums are
// formed in the same order as the recursive brute force (brute_force.hpp), so the two agree to
// the last bit, which the tests check.
//
// Bound. A migrating state is never worth more than the running state in the same configuration:
// W_k(c, migrating rem) <= W_k(c, running). Its options are the running state's own (pausing, the
// zero-cost targets, the migrations), each charged at least as much (rem, or max(rem, cost) + R
// >= cost), and a value never grows with the time charged (samples are t * (interval - charged)
// rounded monotonically; the terminal value falls with the time left), so by induction from the
// horizon. The backward pass and migrating_value() use it to skip following a spilled migration
// whose bound cannot raise the maximum they hold; the maximum is then the same, bit for bit. On
// the stochastic planner's sample paths, where most steps lose instances, that cut the DP's time
// by half in bench/plan_bench.cpp and by a quarter in a 24-hour, 80-instance replay.
//
// Rerouting (planner_params::rerouting). A configuration that a later step's losses leave too few
// GPUs may keep running rerouted (ReCycle; the controller does it, runtime::controller::reroute()).
// Its state is the configuration itself on a count that it does not fit: the planner knows counts,
// not which slots went, so the empty slots are d*p - N*g, spread evenly (detail::rerouted_scale),
// and its transitions are the provider's from the configuration whole with the missing instances
// counted as preempted in the step (detail::visit_step_transitions, which the brute force shares).
// Without it, a planner that foresees a loss leaves a configuration that rerouting would have
// kept: with vgg19 on steady churn, truth left (16,2) for (15,2) and (14,2), which train 16-18%
// less than (16,2) with one or two slots rerouted, and trained 0.4-0.7% less than recycle.
//
// Pausing. The paused configuration {0,0} is always a target (0 cost, 0 samples), so a step where
// nothing fits pauses and the plan resumes when instances return (the artifact's DP layer is then
// empty and it crashes, §4 "gpt-6.7b special case").
//
// Tie-break among first actions of equal value (documented deviation: the artifact prefers the
// predecessor with the smaller P in its forward pass): more samples in this step, then keeping the
// current configuration, then less migration time left, then training over pausing, then the
// smaller p, then the smaller d.
//
// Cost: O(H * |R| * |targets|) transitions, |R| = configurations reachable at a step (at most
// the provider's targets, plus pausing), and at most ONE provider call per key: the forward
// reachability pass resolves each transition (validated, target indexed, dropped when it does not
// fit) into a flat cache that the backward pass and the plan read back, and steps with the same
// (N, n_in, n_out) share it (classify_steps), so a liveput table is looked up once per key and
// decision. The provider's transitions must depend only on the call's arguments during a plan.
// A provider with generation() (liveput_provider) lets the resolved lists outlive a plan while
// that value stays the same (issue 16: a controller re-plans every interval, mostly over keys it
// has read before; resolving them again was half of parcae-stochastic's time on 80 instances).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/plan/detail/config_space.hpp"
#include "parcae/plan/transition_provider.hpp"
#include "parcae/plan/types.hpp"

namespace parcae::plan {

/// One candidate for a step: a target with its value (samples over the rest of the horizon).
struct candidate {
  parallel_config target;
  double value = 0.0;        ///< samples of this step plus the best continuation
  double samples = 0.0;      ///< samples of this step
  double prob = 1.0;         ///< reachability probability
  double cost_s = 0.0;       ///< migration time charged in this step
  double remaining_s = 0.0;  ///< migration time left after the step
};

namespace detail {
/// The documented tie-break: true when a is preferred over b.
inline bool prefer(const plan::candidate& a, const plan::candidate& b, parallel_config current) {
  if (a.value != b.value) return a.value > b.value;
  if (a.samples != b.samples) return a.samples > b.samples;
  const bool sa = a.target == current, sb = b.target == current;
  if (sa != sb) return sa;
  if (a.remaining_s != b.remaining_s) return a.remaining_s < b.remaining_s;
  if (a.target.paused() != b.target.paused()) return !a.target.paused();
  if (a.target.p != b.target.p) return a.target.p < b.target.p;
  return a.target.d < b.target.d;
}
}  // namespace detail

/// Exact DP planner over a Provider (see transition_provider.hpp for the concept). Keeps its work
/// buffers between calls; not thread-safe (one planner per thread). Holds a reference to the
/// provider, which must outlive it.
template <class Provider>
class dp_planner {
 public:
  dp_planner(const Provider& provider, planner_params params)
      : provider_(&provider), params_(std::move(params)) {
    params_.validate("parcae::plan::dp_planner::dp_planner");
  }

  const planner_params& params() const { return params_; }
  /// Changes the value after the horizon (planner_params::terminal_s) for the next plans.
  void set_terminal_s(double terminal_s) {
    check_bounded("parcae::plan::dp_planner::set_terminal_s", "terminal_s", terminal_s, 0.0, 1e9);
    params_.terminal_s = terminal_s;
  }

  /// Plans H = steps.size() intervals from `initial` with n0 instances alive now.
  plan_result plan(int n0, plan_state initial, const std::vector<availability_step>& steps) {
    return plan_impl("parcae::plan::dp_planner::plan", n0, initial, steps, nullptr);
  }

  /// plan() with the first step's transitions given instead of asked from the provider: for a
  /// first step that has already happened (the runtime controller knows which instances left,
  /// so it passes the migration costs of the actual survivors, probability 1 where feasible,
  /// instead of the expectation over every way n_out instances could have left). Validated like
  /// provider transitions; targets that do not fit steps[0]'s instances are dropped.
  plan_result plan(int n0, plan_state initial, const std::vector<availability_step>& steps,
                   const std::vector<transition>& first_step) {
    return plan_impl("parcae::plan::dp_planner::plan", n0, initial, steps, &first_step);
  }

  /// Every first action with its exact value (used by the stochastic planner). Empty horizon:
  /// no candidates. `first_step`, when not null, replaces the provider's first-step transitions
  /// as in plan().
  const std::vector<candidate>& first_actions(int n0, plan_state initial,
                                              const std::vector<availability_step>& steps,
                                              const std::vector<transition>* first_step = nullptr) {
    solve("parcae::plan::dp_planner::first_actions", n0, initial, steps, first_step);
    cand_.clear();
    if (horizon_ > 0) candidates(0, initial, cand_);
    return cand_;
  }

 private:
  /// Under the remainder rule, what a migrating state after step k may start (detail::may_start
  /// with detail::best_new_migration): its best new migration, valued as if nothing ran (charged
  /// cost + R), with that cost (ties: the longest), and its refill.
  struct remainder_state {
    double top = -1.0;         ///< value of the best new migration (-1: none)
    double top_cost_s = 0.0;   ///< its cost
    double keep_cost_s = 0.0;  ///< the refill that keeps the configuration (0: none)
    double keep_prob = 0.0;
    double keep_value = 0.0;  ///< the refill's value charged cost + R
  };
  plan_result plan_impl(const char* fn, int n0, plan_state initial,
                        const std::vector<availability_step>& steps,
                        const std::vector<transition>* first_step) {
    solve(fn, n0, initial, steps, first_step);
    plan_result out;
    plan_state s = initial;
    for (int k = 0; k < horizon_; ++k) {
      candidates(k, s, cand_);
      const candidate& best = *pick(cand_, s.config);
      plan_step st;
      st.n_before = n_[static_cast<std::size_t>(k)];
      st.n_after = n_[static_cast<std::size_t>(k) + 1];
      st.events = steps_[static_cast<std::size_t>(k)];
      st.config = best.target;
      st.prob = best.prob;
      st.cost_s = best.cost_s;
      st.samples = best.samples;
      st.remaining_s = best.remaining_s;
      st.empty_slots = static_cast<int>(detail::empty_slots(params_, best.target, st.n_after));
      if (k == 0) out.expected_samples = best.value;
      if (best.target.paused()) out.status = plan_status::paused;
      out.steps.push_back(st);
      s = plan_state{best.target, best.remaining_s};
    }
    return out;
  }

  struct zero_cost {
    int t;
    double prob;
  };
  /// A provider transition resolved for the DP: target index (> 0), probability, cost in s.
  struct resolved {
    int t;
    double prob;
    double cost_s;
  };

  std::size_t at(int k, int ci) const {
    return static_cast<std::size_t>(k) * static_cast<std::size_t>(space_.size()) +
           static_cast<std::size_t>(ci);
  }

  void solve(const char* fn, int n0, plan_state initial,
             const std::vector<availability_step>& raw_steps,
             const std::vector<transition>* first_step) {
    steps_ = detail::normalized_steps(fn, n0, raw_steps);
    const std::vector<availability_step>& steps = steps_;
    n_ = detail::horizon_counts(fn, n0, steps);
    detail::check_initial(fn, params_, n0, initial);
    fn_ = fn;
    horizon_ = static_cast<int>(steps.size());
    // The configurations of the most instances any solve has seen so far (at most the capacity):
    // a configuration's index then stays the same from solve to solve, which lets resolved
    // transition lists outlive a solve (see resolve()); when a horizon needs more, the space grows
    // and the kept lists go. Configurations that do not fit this horizon's instances are never
    // reached (target_index drops them), so the values are those of a space built for the
    // horizon's largest N. (Not the capacity itself: its default, 2^20 instances, is millions of
    // configurations.)
    const int need = std::min(*std::max_element(n_.begin(), n_.end()), params_.capacity);
    const bool grown = space_.size() == 0 || need > space_instances_;
    if (grown) {
      space_instances_ = std::max(need, space_instances_);
      space_.build(params_, space_instances_);
    }
    const int C = space_.size();
    begin_cache_epoch(grown);
    tput_.assign(static_cast<std::size_t>(C), 0.0);
    restart_.assign(static_cast<std::size_t>(C), 0.0);
    for (int i = 1; i < C; ++i) {
      tput_[static_cast<std::size_t>(i)] = provider_->throughput(space_[i]);
      restart_[static_cast<std::size_t>(i)] = provider_->concurrent_restart_s(space_[i]);
      detail::check_rate(fn, "throughput", space_[i], tput_[static_cast<std::size_t>(i)]);
      detail::check_rate(fn, "concurrent_restart_s", space_[i],
                         restart_[static_cast<std::size_t>(i)]);
    }
    const std::size_t cells = static_cast<std::size_t>(horizon_ + 1) * static_cast<std::size_t>(C);
    w_run_.assign(cells, 0.0);
    // Row H: the value after the horizon (planner_params), at the rerouted rate for a
    // configuration that runs rerouted at the horizon's end.
    end_tput_.assign(static_cast<std::size_t>(C), 0.0);
    for (int i = 1; i < C; ++i) {
      end_tput_[static_cast<std::size_t>(i)] =
          detail::terminal_rate(params_, space_[i], tput_[static_cast<std::size_t>(i)], n_.back());
      w_run_[at(horizon_, i)] = params_.terminal_value(end_tput_[static_cast<std::size_t>(i)], 0.0);
    }
    m_mig_.assign(cells, 0.0);
    zc_begin_.assign(cells, 0);
    zc_end_.assign(cells, 0);
    zc_.clear();
    // Forward pass: which configurations can be the state after step k (targets the provider
    // offers from a reachable state, and pausing). Only those are expanded backwards, so the
    // provider is never asked about a configuration it cannot lead to (with the liveput table
    // that would estimate keys no plan reads).
    reach_.assign(cells, 0);
    if (horizon_ > 0) {
      const int i0 = space_.index(initial.config);
      PARCAE_ASSERT(i0 >= 0);
      reach_[at(0, i0)] = 1;
    }
    tr_begin_.assign(cells, 0);
    tr_end_.assign(cells, 0);
    given_tr_.clear();
    classify_steps(first_step != nullptr);
    // The targets of a kept list are also kept as a bitset (resolve()), so a step's reachable
    // set is the OR of a few words per state instead of one store per transition (that store
    // loop was a sixth of the DP's time on 80 instances).
    const std::size_t words = target_words();
    step_bits_.assign(words, 0);
    for (int k = 0; k < horizon_; ++k) {
      const bool last = k + 1 == horizon_;
      std::fill(step_bits_.begin(), step_bits_.end(), std::uint64_t{0});
      for (int ci = 0; ci < C; ++ci) {
        if (!reach_[at(k, ci)]) continue;
        resolve(k, ci, k == 0 ? first_step : nullptr);
        if (last) continue;
        const std::vector<list_range>* row = step_row_[static_cast<std::size_t>(k)];
        if (row == nullptr) {  // the given first step: its list has no bitset
          for (std::size_t x = tr_begin_[at(k, ci)]; x < tr_end_[at(k, ci)]; ++x) {
            set_bit(step_bits_.data(), given_tr_[x].t);
          }
          continue;
        }
        const std::uint64_t* bits = &target_bits_[(*row)[static_cast<std::size_t>(ci)].bits];
        for (std::size_t w = 0; w < words; ++w) step_bits_[w] |= bits[w];
      }
      if (last) continue;
      step_bits_[0] |= 1;  // pausing
      unsigned char* const next = &reach_[at(k + 1, 0)];
      for (std::size_t t = 0; t < static_cast<std::size_t>(C); ++t) {
        next[t] = static_cast<unsigned char>((step_bits_[t / 64] >> (t % 64)) & 1U);
      }
    }
    // Backward pass over the states after steps H-1 .. 1 (the state before step 1 is `initial`,
    // handled by candidates()).
    // The loop is value_of() written out: its common case (the migration ends in the interval,
    // r >= 0) inline, the same operations in the same order, so the values are the same bits.
    const double interval = params_.interval_s;
    const bool remainder = params_.concurrent == concurrent_charge::remainder;
    rem_.assign(remainder ? cells : 0, remainder_state{});
    // Locals, not members, inside the loop: the compiler cannot tell that zc_'s growth leaves
    // the other vectors alone, and reloads a member's data pointer for every transition.
    const double* const tput = tput_.data();
    const double* const restart = restart_.data();
    for (int k = horizon_ - 1; k >= 1; --k) {
      const double* w_next = &w_run_[at(k + 1, 0)];
      const resolved* const list = transitions_of(k);
      for (int ci = 0; ci < C; ++ci) {
        const std::size_t cell = at(k, ci);
        if (!reach_[cell]) continue;  // no plan is in c after step k
        const double pause_value = 0.0 + w_next[0];
        double run = pause_value, mig = pause_value;
        remainder_state rs;
        zc_begin_[cell] = zc_.size();
        const resolved* const end = list + tr_end_[cell];
        for (const resolved* tr = list + tr_begin_[cell]; tr != end; ++tr) {
          const int ti = tr->t;
          const double t = tput[ti];
          const double r = interval * tr->prob - tr->cost_s;
          // A spilled migration is worth at most W_{k+1}(t, running) ("Bound" in the header
          // comment), so it is followed only when that bound could raise the maximum: the same
          // value, bit for bit.
          if (r >= 0.0) {
            run = std::max(run, t * r + w_next[ti]);
          } else if (w_next[ti] > run) {
            run = std::max(run, 0.0 + migrating_value(k + 1, ti, -r));
          }
          if (!(tr->cost_s > 0.0)) {
            zc_.push_back({ti, tr->prob});
            continue;
          }
          // A new migration while one runs, charged cost + R: under the artifact's rule whatever
          // the time left; under the remainder rule the best of them, when it is at least that
          // long, and the refill (detail::may_start).
          const double rm =
              interval * tr->prob - detail::charged_cost(1.0, tr->cost_s, restart[ti]);
          // The bound again: a value that cannot reach the maximum (artifact) or the best new
          // migration (remainder; strictly, as a tie with a longer cost replaces it) is not
          // computed. The refill's value is always needed.
          const bool useless = remainder ? ti != ci && w_next[ti] < rs.top : !(w_next[ti] > mig);
          if (rm < 0.0 && useless) continue;
          const double v = rm >= 0.0 ? t * rm + w_next[ti] : 0.0 + migrating_value(k + 1, ti, -rm);
          if (!remainder) {
            mig = std::max(mig, v);
            continue;
          }
          // The best new migration, ties to the longest; written without branches, which the
          // processor mispredicted on most transitions.
          const double tied_cost =
              v == rs.top ? std::max(rs.top_cost_s, tr->cost_s) : rs.top_cost_s;
          rs.top_cost_s = v > rs.top ? tr->cost_s : tied_cost;
          rs.top = std::max(rs.top, v);
          if (ti == ci) {
            rs.keep_cost_s = tr->cost_s;
            rs.keep_prob = tr->prob;
            rs.keep_value = v;
          }
        }
        zc_end_[cell] = zc_.size();
        w_run_[cell] = run;
        m_mig_[cell] = mig;
        if (remainder) rem_[cell] = rs;
      }
    }
  }

  /// Groups the steps that read the same transitions: the provider's transitions from a
  /// configuration depend only on (N_{k-1}, n_in, n_out) (the liveput key, §1.4), and so does the
  /// filter on N_k, so steps with the same triple share one resolved list per configuration. A
  /// forecast with repeated events (the naive forecast's quiet steps, a periodic horizon) then asks
  /// the provider, validates and copies each list once instead of once per step. A given first step
  /// is a class of its own (class -1: its list is this solve's, never cached).
  void classify_steps(bool given_first) {
    step_row_.assign(static_cast<std::size_t>(horizon_), nullptr);
    const std::size_t C = static_cast<std::size_t>(space_.size());
    for (int k = given_first ? 1 : 0; k < horizon_; ++k) {
      const auto uk = static_cast<std::size_t>(k);
      // A later step's lists hold the rerouting option, the first step's not
      // (visit_step_transitions).
      const bool later = k > 0 && params_.rerouting.available();
      const step_triple key{n_[uk], steps_[uk].n_in, steps_[uk].n_out, later};
      auto it = rows_.find(key);
      if (it == rows_.end()) it = rows_.emplace(key, std::vector<list_range>(C)).first;
      step_row_[uk] = &it->second;  // node-based map: stays valid while rows are added
    }
  }

  /// Starts a solve's use of the resolved lists. They are kept between solves while the provider
  /// says that its transitions have not changed (an optional `generation()` that returns the same
  /// value; liveput_provider's changes when an entry of its table is replaced or cleared) and they
  /// hold fewer than max_cached_transitions (and their bitsets max_cached_bit_words); otherwise
  /// they are dropped, so a provider without generation() is asked again in every solve, as the
  /// contract above allows.
  void begin_cache_epoch(bool space_changed) {
    bool keep = !space_changed && pool_.size() <= max_cached_transitions &&
                target_bits_.size() <= max_cached_bit_words;
    if constexpr (detail::has_generation<Provider>::value) {
      const std::optional<std::uint64_t> g = provider_->generation();
      keep = keep && g.has_value() && cache_generation_ == g;
      cache_generation_ = g;
    } else {
      keep = false;
    }
    if (!keep) {
      rows_.clear();
      pool_.clear();
      target_bits_.clear();
    }
  }

  /// The resolved transitions that state (k, ci)'s range indexes.
  const resolved* transitions_of(int k) const {
    return step_row_[static_cast<std::size_t>(k)] == nullptr ? given_tr_.data() : pool_.data();
  }

  /// Points state (k, ci)'s transition range at its step class's resolved list, asking the
  /// provider (once per class and configuration, and while the lists are kept, once across solves)
  /// for the transitions usable in step k+1 (0-based k). `given`, when not null, replaces the
  /// provider's transitions (plan()'s first_step).
  void resolve(int k, int ci, const std::vector<transition>* given) {
    std::vector<list_range>* row = step_row_[static_cast<std::size_t>(k)];
    if (row == nullptr) {  // the given first step
      tr_begin_[at(k, ci)] = given_tr_.size();
      for (const transition& tr : *given) {
        const int ti = target_index(k, tr, space_[ci], false);
        if (ti > 0) given_tr_.push_back({ti, tr.prob, tr.cost_s});
      }
      tr_end_[at(k, ci)] = given_tr_.size();
      return;
    }
    list_range& r = (*row)[static_cast<std::size_t>(ci)];
    if (!r.resolved) {
      const auto& ev = steps_[static_cast<std::size_t>(k)];
      const bool later = k > 0;
      r.begin = pool_.size();
      auto keep = [&](const transition& tr) {
        const int ti = target_index(k, tr, space_[ci], later);
        if (ti > 0) pool_.push_back({ti, tr.prob, tr.cost_s});
      };
      detail::visit_step_transitions(*provider_, params_, later, n_[static_cast<std::size_t>(k)],
                                     space_[ci], ev.n_in, ev.n_out, buf_, keep);
      r.end = pool_.size();
      r.bits = target_bits_.size();
      target_bits_.resize(r.bits + target_words(), 0);
      for (std::size_t x = r.begin; x < r.end; ++x) set_bit(&target_bits_[r.bits], pool_[x].t);
      r.resolved = true;
    }
    tr_begin_[at(k, ci)] = r.begin;
    tr_end_[at(k, ci)] = r.end;
  }

  /// Index of a target usable in step k+1 (0-based k) from `from`, or -1; validates the entry.
  /// `later`: the list models rerouting (visit_step_transitions).
  int target_index(int k, const transition& tr, parallel_config from, bool later) const {
    detail::check_transition(fn_, tr);
    const int ti = space_.index(tr.target);
    if (ti <= 0 || !detail::step_target_usable(params_, later, from, tr.target,
                                               n_[static_cast<std::size_t>(k) + 1])) {
      return -1;
    }
    return ti;
  }

  /// Value of taking target ti in step k+1 (0-based k) with `charged` seconds of migration.
  double value_of(int k, int ti, double prob, double charged) const {
    const auto o =
        detail::step_result(params_.interval_s, prob, charged, tput_[static_cast<std::size_t>(ti)]);
    return o.samples + (o.remaining_s > 0.0 ? migrating_value(k + 1, ti, o.remaining_s)
                                            : w_run_[at(k + 1, ti)]);
  }

  /// max(best, value_of(k, ti, prob, charged)), skipping the recursion when a spilled migration's
  /// bound, W_{k+1}(ti, running), cannot raise `best` ("Bound" in the header comment).
  double max_with(double best, int k, int ti, double prob, double charged) const {
    const auto o =
        detail::step_result(params_.interval_s, prob, charged, tput_[static_cast<std::size_t>(ti)]);
    if (!(o.remaining_s > 0.0)) return std::max(best, o.samples + w_run_[at(k + 1, ti)]);
    if (!(w_run_[at(k + 1, ti)] > best)) return best;
    return std::max(best, o.samples + migrating_value(k + 1, ti, o.remaining_s));
  }

  /// W_k(c, migrating rem): exact, by following the zero-cost ("keep finishing") chain, and
  /// under the remainder rule, the refill that keeps c (charged max(rem, cost) + R) and the best
  /// new migration when it is at least rem long (detail::may_start).
  double migrating_value(int k, int ci, double rem) const {
    if (k >= horizon_) return params_.terminal_value(end_tput_[static_cast<std::size_t>(ci)], rem);
    double best = m_mig_[at(k, ci)];
    if (params_.concurrent == concurrent_charge::remainder) {
      const remainder_state& rs = rem_[at(k, ci)];
      if (rs.top_cost_s >= rem) best = std::max(best, rs.top);
      if (rs.keep_cost_s > 0.0) {
        best = rs.keep_cost_s >= rem
                   ? std::max(best, rs.keep_value)
                   : max_with(best, k, ci, rs.keep_prob,
                              detail::charged_cost(rem, rs.keep_cost_s,
                                                   restart_[static_cast<std::size_t>(ci)],
                                                   concurrent_charge::remainder));
      }
    }
    for (std::size_t z = zc_begin_[at(k, ci)]; z < zc_end_[at(k, ci)]; ++z) {
      best = max_with(best, k, zc_[z].t, zc_[z].prob, rem);
    }
    return best;
  }

  /// All candidates of step k+1 (0-based k) from state s.
  void candidates(int k, plan_state s, std::vector<candidate>& out) {
    out.clear();
    candidate pause;
    pause.value = 0.0 + w_run_[at(k + 1, 0)];
    out.push_back(pause);
    // s is reachable after step k (the initial state, or a state of the plan's own path), so
    // its transitions were resolved by solve().
    const int ci = space_.index(s.config);
    PARCAE_ASSERT(ci >= 0 && reach_[at(k, ci)]);
    const resolved* list = transitions_of(k);
    for (std::size_t x = tr_begin_[at(k, ci)]; x < tr_end_[at(k, ci)]; ++x) {
      const resolved& tr = list[x];
      const int ti = tr.t;
      // Under the remainder rule a later step's migrating state may start only its best new
      // migration (rem_); its value is the candidate's own, as it is at least what is left.
      const bool remainder_later = k > 0 && params_.concurrent == concurrent_charge::remainder &&
                                   s.migrating() && tr.cost_s > 0.0 && ti != ci;
      if (remainder_later && !(tr.cost_s >= s.remaining_s)) continue;
      candidate c;
      c.target = space_[ti];
      c.prob = tr.prob;
      c.cost_s = detail::charged_cost(s.remaining_s, tr.cost_s,
                                      restart_[static_cast<std::size_t>(ti)], params_.concurrent);
      const auto o = detail::step_result(params_.interval_s, tr.prob, c.cost_s,
                                         tput_[static_cast<std::size_t>(ti)]);
      c.samples = o.samples;
      c.remaining_s = o.remaining_s;
      c.value = value_of(k, ti, tr.prob, c.cost_s);
      if (remainder_later && c.value != rem_[at(k, ci)].top) continue;
      out.push_back(c);
    }
  }

  static const candidate* pick(const std::vector<candidate>& cs, parallel_config current) {
    const candidate* best = &cs.front();
    for (const candidate& c : cs) {
      if (detail::prefer(c, *best, current)) best = &c;
    }
    return best;
  }

  const Provider* provider_;
  planner_params params_;
  const char* fn_ = "";
  int horizon_ = 0;
  std::vector<int> n_;
  std::vector<availability_step> steps_;
  parcae::detail::config_space space_;
  int space_instances_ = 0;  ///< the instances space_ was built for (solve())
  std::vector<double> tput_, restart_, w_run_, m_mig_;
  std::vector<double> end_tput_;  ///< the rate valued after the horizon (rerouted or whole)
  std::vector<std::size_t> zc_begin_, zc_end_, tr_begin_, tr_end_;
  std::vector<unsigned char> reach_;
  /// Resolved transition lists (resolve()): per (N_{k-1}, n_in, n_out) and configuration index, a
  /// range of pool_, kept across solves (begin_cache_epoch()). About 24 bytes per transition.
  struct step_triple {
    int n, n_in, n_out;
    bool later;  ///< a later step whose lists model rerouting
    bool operator<(const step_triple& o) const {
      if (n != o.n) return n < o.n;
      if (n_in != o.n_in) return n_in < o.n_in;
      if (n_out != o.n_out) return n_out < o.n_out;
      return later < o.later;
    }
  };
  struct list_range {
    std::size_t begin = 0, end = 0;
    std::size_t bits = 0;  ///< offset of its targets' bitset in target_bits_ (target_words())
    bool resolved = false;
  };
  /// Words of a bitset over the configuration space.
  std::size_t target_words() const { return (static_cast<std::size_t>(space_.size()) + 63) / 64; }
  static void set_bit(std::uint64_t* words, int i) {
    const auto u = static_cast<std::size_t>(i);
    words[u / 64] |= std::uint64_t{1} << (u % 64);
  }
  /// Bounds of the kept lists (~24 MB) and of their bitsets (16 MB: C/64 words per list, so
  /// large configuration spaces reach it first); above either they are dropped at the next solve.
  static constexpr std::size_t max_cached_transitions = std::size_t{1} << 20;
  static constexpr std::size_t max_cached_bit_words = std::size_t{1} << 21;
  std::map<step_triple, std::vector<list_range>> rows_;
  std::vector<resolved> pool_;
  std::vector<std::uint64_t> target_bits_;  ///< per kept list, the bitset of its targets
  std::vector<std::uint64_t> step_bits_;    ///< solve(): the targets of one step's states
  std::vector<resolved> given_tr_;          ///< the given first step's list (this solve only)
  std::vector<std::vector<list_range>*> step_row_;  ///< per step: its row of rows_, or null
  std::optional<std::uint64_t> cache_generation_;
  std::vector<zero_cost> zc_;
  std::vector<remainder_state> rem_;
  std::vector<transition> buf_;
  std::vector<candidate> cand_;
};

/// One-shot convenience: plan with a fresh dp_planner.
template <class Provider>
plan_result plan_dp(const Provider& provider, const planner_params& params, int n0,
                    plan_state initial, const std::vector<availability_step>& steps) {
  dp_planner<Provider> planner(provider, params);
  return planner.plan(n0, initial, steps);
}

}  // namespace parcae::plan
