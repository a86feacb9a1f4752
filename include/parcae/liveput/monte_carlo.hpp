#pragma once
// Monte-Carlo liveput for any preemption model, multi-threaded (std::thread), deterministic.
//
// Sample i of the family (N, D, P, n_out) is a pure function of (seed, stream, i):
//
//   rng     = parcae::counter_rng(seed, family_stream(N, D, P, n_out), i)     (core/rng.hpp)
//   set     = sampler(rng, preempted)           the model's n_out preempted instance ids
//   summary = summarize(layout, preempted)      r[s] per old stage, spares alive (survivors.hpp)
//
// (draw_survivors below; the CUDA backend calls the same function). n_in is not part of the
// stream: the sets drawn for a family serve every n_in, and are drawn once for all of them.
// Each (sample, target) cost is rounded to 2^-10 ms and summed as an integer
// (detail/accumulator.hpp), so the estimate is the same bit for bit whatever the number of
// threads, the chunk size or the backend. Equal summaries within a chunk are merged before the
// cost function runs (with few preemptions most samples repeat), which changes nothing in the
// sums; each distinct summary is evaluated for all targets at once (the cost's batch() when it
// has one, which returns the same bits as one call per target; cost_function.hpp). The artifact's
// Python sampler does the same computation per sample and target (monte_carlo.py,
// parcae-artifact.md §1.4).
//
// Result per (key, target): reachability probability (feasible samples / samples) with its
// binomial standard error, mean cost over feasible samples with its standard error, and liveput.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/macros.hpp"
#include "parcae/core/rng.hpp"
#include "parcae/liveput/cost_function.hpp"
#include "parcae/liveput/detail/accumulator.hpp"
#include "parcae/liveput/detail/checks.hpp"
#include "parcae/liveput/detail/evaluator.hpp"
#include "parcae/liveput/detail/families.hpp"
#include "parcae/liveput/detail/survivor_set.hpp"
#include "parcae/liveput/preemption.hpp"
#include "parcae/liveput/survivors.hpp"
#include "parcae/liveput/types.hpp"

namespace parcae::liveput {

struct mc_params {
  std::int64_t samples = 10000;  ///< preemption sets per family (the artifact's --n-sim default)
  std::uint64_t seed = 1;        ///< Philox key; same seed, same result
  int threads = 1;               ///< worker threads; 0 = std::thread::hardware_concurrency()
  /// Samples per work item; 0 = automatic: a whole family per item when there are >= 8 families
  /// (equal summaries are then merged over the whole family), else 8 items per family (at least
  /// 1,024 samples each). Does not change the estimates (only the diagnostic entry::states).
  std::int64_t chunk = 0;
  double interval_s = 60.0;   ///< Δ for the liveput value
  int gpus_per_instance = 1;  ///< g

  void validate() const {
    const char* f = "parcae::liveput::mc_params::validate";
    check_bounded(f, "samples", samples, std::int64_t{1}, std::int64_t{1} << 36);
    check_nonnegative(f, "threads", threads);
    check_nonnegative(f, "chunk", chunk);
    check_positive(f, "interval_s", interval_s);
    check_at_least(f, "gpus_per_instance", gpus_per_instance, 1);
  }
};

/// The Philox stream of the family (N, D, P, n_out): FNV-1a over the four values as 32-bit words,
/// then the murmur3 finaliser. Part of the API: the CUDA backend derives the same stream.
PARCAE_HD inline std::uint32_t family_stream(int n, int d, int p, int n_out) {
  std::uint32_t h = 2166136261u;
  const int v[4] = {n, d, p, n_out};
  for (int i = 0; i < 4; ++i) {
    h ^= static_cast<std::uint32_t>(v[i]);
    h *= 16777619u;
  }
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

/// Survivors of sample `index` of a family (see the header comment). `preempted` must hold
/// n_out ints. PARCAE_HD, allocation-free: the per-sample unit of every backend.
template <class Sampler>
PARCAE_HD void draw_survivors(const Sampler& sampler, const instance_layout& layout, int n_out,
                              std::uint64_t seed, std::uint32_t stream, std::uint64_t index,
                              int* preempted, survivors& out) {
  counter_rng rng(seed, stream, index);
  sampler(rng, preempted);
  summarize(layout, preempted, n_out, out);
}

namespace detail {

/// Runs work(item, worker) for item in [0, items) on `threads` threads (the caller is one of
/// them); rethrows the first exception after every thread has stopped.
template <class Work>
void parallel_for_items(std::size_t items, int threads, Work&& work) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int workers =
      static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads), items));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto run = [&](int worker) {
    try {
      for (std::size_t i = next++; i < items && !failed; i = next++) work(i, worker);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      failed = true;
    }
  };
  std::vector<std::thread> pool;
  for (int w = 1; w < workers; ++w) pool.emplace_back(run, w);
  run(0);
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace detail

/// Monte-Carlo estimates of `keys` (any order, duplicates allowed) under `model`; out[i] is the
/// entry of keys[i]. `candidates`: the targets the throughput model allows (each entry lists those
/// fitting on N' instances). The result is a pure function of (seed, keys, model, cost,
/// candidates, samples): identical at any thread count and chunk size (see the header comment).
template <class Model, class CostModel>
std::vector<entry> estimate_monte_carlo(const Model& model, const CostModel& cost,
                                        const std::vector<target_info>& candidates,
                                        const std::vector<key>& keys,
                                        const mc_params& params = {}) {
  const char* f = "parcae::liveput::estimate_monte_carlo";
  params.validate();
  const int g = params.gpus_per_instance;
  for (const key& k : keys) detail::check_key(f, k, g);
  const auto families = detail::group_keys(keys);

  // Host-side preparation (validation, tables) before any thread starts.
  using prepared_t = decltype(model.prepare(1, 0));
  using bound_t = std::decay_t<decltype(cost.bind(parallel_config{1, 1}))>;
  std::vector<prepared_t> samplers;
  std::vector<bound_t> bound;
  samplers.reserve(families.size());
  bound.reserve(families.size());
  struct slot {
    std::size_t n_in_index;
    sample_context ctx;
    target_info target;
  };
  std::vector<std::vector<slot>> slots(families.size());
  std::vector<std::vector<bool>> has_target(families.size());
  for (std::size_t fi = 0; fi < families.size(); ++fi) {
    const auto& fam = families[fi];
    samplers.push_back(model.prepare(fam.n, fam.n_out));
    bound.push_back(cost.bind(fam.old));
    has_target[fi].assign(fam.n_ins.size(), false);
    for (std::size_t e = 0; e < fam.n_ins.size(); ++e) {
      const sample_context ctx{fam.n, fam.old.d, fam.old.p, fam.n_ins[e], fam.n_out, g};
      for (const auto& t : reachable_targets(candidates, ctx.n_after(), g)) {
        slots[fi].push_back(slot{e, ctx, t});
        has_target[fi][e] = true;
      }
    }
  }
  // The per-summary evaluators (batched where the cost offers it; cost_function.hpp).
  using evaluator_t = decltype(detail::make_evaluator(
      std::declval<const bound_t&>(), std::declval<const std::vector<cost_slot>&>()));
  std::vector<evaluator_t> evaluators;
  evaluators.reserve(families.size());
  for (std::size_t fi = 0; fi < families.size(); ++fi) {
    std::vector<cost_slot> cs;
    cs.reserve(slots[fi].size());
    for (const slot& sl : slots[fi]) cs.push_back(cost_slot{sl.ctx, sl.target.config});
    evaluators.push_back(detail::make_evaluator(bound[fi], cs));
  }

  const int threads = params.threads <= 0
                          ? static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))
                          : params.threads;
  // Automatic chunking depends on the request only (not on the thread count), so even the
  // diagnostic entry::states is the same at any thread count.
  std::int64_t chunk = params.chunk;
  if (chunk == 0) {
    chunk = families.size() >= 8 ? params.samples
                                 : std::max<std::int64_t>(1024, (params.samples + 7) / 8);
  }
  // Work items: (family, chunk of samples).
  struct item {
    std::size_t family;
    std::int64_t begin, end;
  };
  std::vector<item> items;
  std::vector<std::size_t> first_item(families.size() + 1, 0);
  for (std::size_t fi = 0; fi < families.size(); ++fi) {
    first_item[fi] = items.size();
    if (slots[fi].empty()) continue;  // nothing to evaluate: no target fits
    for (std::int64_t b = 0; b < params.samples; b += chunk) {
      items.push_back(item{fi, b, std::min(params.samples, b + chunk)});
    }
  }
  first_item[families.size()] = items.size();
  std::vector<std::vector<detail::cost_accumulator>> sums(items.size());
  std::vector<std::int64_t> distinct(items.size(), 0);

  struct scratch {
    std::vector<int> preempted;
    std::vector<unsigned char> seen;
    std::vector<migration_sample> costs;
    detail::survivor_set set;
    survivors current;
  };
  std::vector<scratch> scratches(static_cast<std::size_t>(std::max(1, threads)));

  detail::parallel_for_items(items.size(), threads, [&](std::size_t it, int worker) {
    const item& job = items[it];
    const auto& fam = families[job.family];
    const auto& sampler = samplers[job.family];
    const instance_layout layout{fam.n, fam.old.d, fam.old.p, g};
    const std::uint32_t stream = family_stream(fam.n, fam.old.d, fam.old.p, fam.n_out);
    scratch& sc = scratches[static_cast<std::size_t>(worker)];
    sc.preempted.assign(static_cast<std::size_t>(std::max(1, fam.n_out)), 0);
    sc.set.reset(static_cast<std::size_t>(job.end - job.begin));
    for (std::int64_t i = job.begin; i < job.end; ++i) {
      draw_survivors(sampler, layout, fam.n_out, params.seed, stream, static_cast<std::uint64_t>(i),
                     sc.preempted.data(), sc.current);
      if constexpr (checks_output<Model>::value) {
        sc.seen.assign(static_cast<std::size_t>(fam.n), 0);
        for (int q = 0; q < fam.n_out; ++q) {
          const int id = sc.preempted[static_cast<std::size_t>(q)];
          if (id < 0 || id >= fam.n || sc.seen[static_cast<std::size_t>(id)]) {
            throw_invalid("parcae::liveput::estimate_monte_carlo",
                          "the sampler's instance id " + std::to_string(q) + " of sample " +
                              std::to_string(i) + " (n = " + std::to_string(fam.n) + ")",
                          id, "distinct and in [0, n)");
          }
          sc.seen[static_cast<std::size_t>(id)] = 1;
        }
      }
      sc.set.insert(sc.current);
    }
    const evaluator_t& evaluate = evaluators[job.family];
    const std::size_t n_slots = slots[job.family].size();
    auto& acc = sums[it];
    acc.assign(n_slots, detail::cost_accumulator{});
    sc.costs.resize(n_slots);
    for (std::size_t u = 0; u < sc.set.size(); ++u) {
      const std::int64_t count = sc.set.count(u);
      evaluate(sc.set.item(u), sc.costs.data());
      for (std::size_t k = 0; k < n_slots; ++k) {
        const migration_sample& m = sc.costs[k];
        if (m.feasible) acc[k].add(count, detail::quantise_cost_ms(m.cost_ms));
      }
    }
    distinct[it] = static_cast<std::int64_t>(sc.set.size());
  });

  // Merge the chunks of each family (integer sums: order does not matter) and finalise.
  std::vector<entry> out(keys.size());
  const double n = static_cast<double>(params.samples);
  for (std::size_t fi = 0; fi < families.size(); ++fi) {
    const auto& fam = families[fi];
    std::vector<detail::cost_accumulator> total(slots[fi].size());
    std::int64_t states = 0;
    for (std::size_t it = first_item[fi]; it < first_item[fi + 1]; ++it) {
      for (std::size_t k = 0; k < total.size(); ++k) total[k].merge(sums[it][k]);
      states += distinct[it];
    }
    std::vector<entry> by_n_in(fam.n_ins.size());
    for (std::size_t e = 0; e < by_n_in.size(); ++e) {
      by_n_in[e].method = method::monte_carlo;
      by_n_in[e].samples = params.samples;
      by_n_in[e].states = states;
      by_n_in[e].interval_s = params.interval_s;
      if (!has_target[fi][e]) by_n_in[e].status = entry_status::no_target;
    }
    for (std::size_t k = 0; k < slots[fi].size(); ++k) {
      const slot& sl = slots[fi][k];
      const double prob = static_cast<double>(total[k].feasible) / n;
      const double prob_se = std::sqrt(prob * (1.0 - prob) / n);
      const detail::cost_moments m = detail::finalise_cost(total[k]);
      by_n_in[sl.n_in_index].targets.push_back(
          make_estimate(sl.target, prob, prob_se, m.mean_ms, m.se_ms, params.interval_s));
    }
    for (std::size_t j = 0; j < fam.positions.size(); ++j) {
      out[fam.positions[j]] = by_n_in[fam.members[j]];
    }
  }
  return out;
}

/// Monte-Carlo estimate of one key (see the batch overload).
template <class Model, class CostModel>
entry estimate_monte_carlo(const Model& model, const CostModel& cost,
                           const std::vector<target_info>& candidates, const key& k,
                           const mc_params& params = {}) {
  return estimate_monte_carlo(model, cost, candidates, std::vector<key>{k}, params).front();
}

}  // namespace parcae::liveput
