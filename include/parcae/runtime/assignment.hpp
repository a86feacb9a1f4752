#pragma once
// Turns a target configuration into a placement of every GPU and the layers each must fetch
// (Parcae §3.1: intra-stage regrouping, inter-stage copies, pipeline repartition).
//
// Rule (mirrors the artifact's runtime, deepspeed/runtime/pipe/engine.py `assign_coordinates`
// and `get_recv_decisions`, at layer granularity):
//  1. Layers are split with the uniform partition of perf/partition.hpp, for the old and the new
//     depth.
//  2. At an unchanged depth, every surviving GPU that holds layers of a new stage is a
//     candidate for it; (GPU, stage) pairs are taken greedily by the number of layers already
//     held (most first; ties: the GPU's old pipeline, then its id), at most d GPUs per stage. So
//     a survivor that already holds a stage keeps it, and no state moves in an intra-stage
//     migration.
//  3. Slots left empty are filled with GPUs that hold nothing (spares, new instances) first, then
//     with any other unassigned GPU, in (instance, gpu) order, round by round: one GPU to each
//     stage that is short, stage 0 to p-1, then again (from nothing: pipeline 0's stages, then
//     pipeline 1's, the liveput model's layout of liveput/survivors.hpp).
//  2'. In a repartition (the depth changes) the target is laid out as the liveput model lays it:
//     slot j runs stage j % p of pipeline j / p, and each block of g consecutive slots lies on
//     one instance, the one whose GPUs hold most of the block's layers (greedy).
//  Deviations, for instances of several GPUs, so that the placement is the one the liveput table
//  prices (a test replays a long churn and checks every decision's placement against the table):
//  - packing: in 2, ties go to the GPUs of instances that held more of the job; in 3, to
//    instances with more slots already placed. The job then sits on the fewest instances, and
//    fewer preemptions hit it.
//  - spread: in 3, a stage goes to the first GPU whose instance holds it fewer than ceil(g / p)
//    times (the model's most), and a fill that cannot avoid it is swapped with another filled
//    GPU's stage. An instance holding more replicas of a stage loses them all at once, which
//    the model never priced (the stage left one copy or none: a checkpoint reload).
//  - 2' replaces the artifact's overlap greedy, which after a repartition could put two
//    replicas of a stage on one instance and spread the job over more instances than it needs.
//    What a repartition costs (perf/migration.hpp) does not depend on where the stages land.
//  4. A GPU fetches the layers of its new stage that it does not hold, each range from a
//     surviving holder of that old stage (the least-loaded sender, then the smallest id; an
//     instance under a preemption notice can still send until its deadline), or from the
//     checkpoint when no copy survives (or the job was paused).
// A placement that was still being migrated to is treated as complete (its fetch is assumed to
// have finished when the next decision is made).

#include <algorithm>
#include <cstddef>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/perf/partition.hpp"
#include "parcae/runtime/decision.hpp"

namespace parcae::runtime {

namespace detail {

/// Layers of [a, b) and [c, e) in common.
inline int layers_in_common(int a, int b, int c, int e) {
  return std::max(0, std::min(b, e) - std::max(a, c));
}

/// The liveput model's layout of `target` (liveput/survivors.hpp, perf/migration.hpp): slot j
/// runs stage j % p of pipeline j / p, and block b, slots b*g .. b*g+g-1, lies on one instance.
/// Returns the GPU (instance * g + gpu) of every slot. Each block goes to the instance whose GPUs
/// hold most of its layers (`held`: the old placement of each GPU, or null), each slot to the
/// GPU of that instance that holds most of its stage; greedy, ties to the lower index.
inline std::vector<std::size_t> model_layout(const std::vector<const placement*>& held,
                                             std::size_t instances, std::size_t g,
                                             parallel_config target,
                                             const std::vector<int>& bounds) {
  const auto slots = static_cast<std::size_t>(target.size());
  const std::size_t blocks = (slots + g - 1) / g;
  const auto p = static_cast<std::size_t>(target.p);
  const auto kept = [&](std::size_t gpu, std::size_t slot) {
    const placement* h = held[gpu];
    const std::size_t t = slot % p;
    return h == nullptr ? 0
                        : layers_in_common(h->first_layer, h->end_layer, bounds[t], bounds[t + 1]);
  };
  // Slot -> GPU of instance i for block b, greedily by layers kept; their sum.
  const auto fit = [&](std::size_t i, std::size_t b, std::size_t* out) {
    std::vector<char> used(g, 0);
    int total = 0;
    for (std::size_t slot = b * g; slot < std::min(slots, (b + 1) * g); ++slot) {
      std::size_t best = g;
      for (std::size_t k = 0; k < g; ++k) {
        if (!used[k] && (best == g || kept(i * g + k, slot) > kept(i * g + best, slot))) best = k;
      }
      used[best] = 1;
      total += kept(i * g + best, slot);
      if (out != nullptr) out[slot] = i * g + best;
    }
    return total;
  };
  struct pair {
    int layers;
    std::size_t instance, block;
  };
  std::vector<pair> pairs;
  pairs.reserve(instances * blocks);
  for (std::size_t i = 0; i < instances; ++i) {
    for (std::size_t b = 0; b < blocks; ++b) pairs.push_back({fit(i, b, nullptr), i, b});
  }
  std::sort(pairs.begin(), pairs.end(), [](const pair& x, const pair& y) {
    return std::tie(y.layers, x.instance, x.block) < std::tie(x.layers, y.instance, y.block);
  });
  std::vector<std::size_t> slot_gpu(slots);
  std::vector<char> instance_used(instances, 0), block_done(blocks, 0);
  for (const pair& pr : pairs) {
    if (instance_used[pr.instance] || block_done[pr.block]) continue;
    instance_used[pr.instance] = block_done[pr.block] = 1;
    fit(pr.instance, pr.block, slot_gpu.data());
  }
  return slot_gpu;
}

/// Steps 2 and 3 at an unchanged depth (or from nothing): survivors keep the stages they hold,
/// the empty slots are filled round by round (see the header comment).
inline void place_same_depth(const std::vector<const placement*>& held, std::size_t instances,
                             std::size_t g, parallel_config target, const std::vector<int>& bounds,
                             std::vector<int>& stage_of,
                             std::vector<std::vector<std::size_t>>& members) {
  const std::size_t G = instances * g;
  // 2. Greedy by layers already held.
  // Packing: the liveput model places a configuration on the fewest instances (liveput/
  // survivors.hpp: instance i owns slots i*g .. i*g+g-1), and a preemption hits the job only
  // where it has slots. So among equal choices the GPUs of instances that hold more of the job
  // go first (`held_on`: GPUs of the instance that held a slot), and empty slots are filled on
  // the instances the job already uses before it spreads to idle ones. With one GPU per instance
  // these counts are all equal and the order is the artifact's.
  std::vector<int> held_on(instances, 0);
  for (std::size_t j = 0; j < G; ++j) held_on[j / g] += held[j] != nullptr ? 1 : 0;
  struct pair_score {
    int layers;
    int instance_held;
    int old_pipeline;
    std::size_t gpu;
    int stage;
  };
  std::vector<pair_score> pairs;
  for (std::size_t j = 0; j < G; ++j) {
    if (held[j] == nullptr) continue;
    for (int t = 0; t < target.p; ++t) {
      const int layers = layers_in_common(held[j]->first_layer, held[j]->end_layer,
                                          bounds[static_cast<std::size_t>(t)],
                                          bounds[static_cast<std::size_t>(t) + 1]);
      if (layers > 0) pairs.push_back({layers, held_on[j / g], held[j]->pipeline, j, t});
    }
  }
  std::sort(pairs.begin(), pairs.end(), [](const pair_score& a, const pair_score& b) {
    return std::tie(b.layers, b.instance_held, a.old_pipeline, a.gpu, a.stage) <
           std::tie(a.layers, a.instance_held, b.old_pipeline, b.gpu, b.stage);
  });
  // Replicas of one stage on one instance: the model's layout has at most `spread` (an instance
  // holds g consecutive slots, stage j mod p). An instance with more loses them all at once,
  // which the model does not price: the stage is left fewer copies, or none (a checkpoint).
  const int spread = static_cast<int>((g + static_cast<std::size_t>(target.p) - 1) /
                                      static_cast<std::size_t>(target.p));
  std::vector<int> on_instance(instances * static_cast<std::size_t>(target.p), 0);
  const auto count = [&](std::size_t gpu, int t) -> int& {
    return on_instance[(gpu / g) * static_cast<std::size_t>(target.p) +
                       static_cast<std::size_t>(t)];
  };
  const auto place = [&](std::size_t gpu, int t) {
    stage_of[gpu] = t;
    members[static_cast<std::size_t>(t)].push_back(gpu);
    ++count(gpu, t);
  };
  for (const pair_score& ps : pairs) {
    const auto& m = members[static_cast<std::size_t>(ps.stage)];
    if (stage_of[ps.gpu] >= 0 || static_cast<int>(m.size()) >= target.d) continue;
    place(ps.gpu, ps.stage);
  }
  // 3. Fill the empty slots: GPUs holding nothing first, then the rest; within each, the
  // instances with the most slots already placed first, then (instance, gpu) order.
  std::vector<int> placed_on(instances, 0);
  for (std::size_t j = 0; j < G; ++j) placed_on[j / g] += stage_of[j] >= 0 ? 1 : 0;
  std::vector<std::size_t> pool;
  for (int pass = 0; pass < 2; ++pass) {
    const std::size_t first = pool.size();
    for (std::size_t j = 0; j < G; ++j) {
      if (stage_of[j] < 0 && ((pass == 0) == (held[j] == nullptr))) pool.push_back(j);
    }
    std::stable_sort(
        pool.begin() + static_cast<std::ptrdiff_t>(first), pool.end(),
        [&](std::size_t a, std::size_t b) { return placed_on[a / g] > placed_on[b / g]; });
  }
  // Round by round: one GPU to each stage still short of its round, stages 0 to p-1, then the
  // next round; each takes the first free GPU of the pool whose instance holds it fewer than
  // `spread` times, else the first free one. From nothing this is the model's layout (slot j
  // holds stage j mod p: a pipeline's stages on consecutive GPUs), so an instance holds one
  // replica of each of its stages, and a preemption costs copies from the surviving replicas.
  std::vector<char> taken(pool.size(), 0);
  std::size_t first_free = 0;
  for (int round = 0; round < target.d; ++round) {
    for (int t = 0; t < target.p; ++t) {
      if (static_cast<int>(members[static_cast<std::size_t>(t)].size()) > round) continue;
      while (taken[first_free]) ++first_free;
      std::size_t k = first_free;
      while (k < pool.size() && (taken[k] || count(pool[k], t) >= spread)) ++k;
      if (k == pool.size()) k = first_free;
      taken[k] = 1;
      place(pool[k], t);
    }
  }
  // The greedy fill can leave an instance's last free GPUs only stages it already holds: swap
  // such a GPU's stage with another filled GPU's where that clears both instances (both fetch
  // their layers anyway).
  std::vector<std::size_t> filled;
  for (std::size_t k = 0; k < pool.size(); ++k) {
    if (taken[k]) filled.push_back(pool[k]);
  }
  for (const std::size_t a : filled) {
    const int ta = stage_of[a];
    if (count(a, ta) <= spread) continue;
    for (const std::size_t b : filled) {
      const int tb = stage_of[b];
      if (a / g == b / g || tb == ta || count(b, ta) >= spread || count(a, tb) >= spread) continue;
      --count(a, ta);
      --count(b, tb);
      stage_of[a] = tb;
      stage_of[b] = ta;
      ++count(a, tb);
      ++count(b, ta);
      auto& ma = members[static_cast<std::size_t>(ta)];
      auto& mb = members[static_cast<std::size_t>(tb)];
      *std::find(ma.begin(), ma.end(), a) = b;
      *std::find(mb.begin(), mb.end(), b) = a;
      break;
    }
  }
}

}  // namespace detail

struct assignment_result {
  migration_kind kind = migration_kind::none;
  std::vector<placement> placements;  ///< every usable GPU, sorted by (instance, gpu)
  std::vector<layer_fetch> fetches;
};

/// Places `target` on the GPUs of the `usable` instances, starting from `old` placements (which
/// may list GPUs of instances that are gone). `usable` must be sorted and unique; target must fit
/// (d*p <= usable.size() * gpus_per_instance) and p <= max_pipeline_depth(n_layers).
/// `draining` lists instances under a preemption notice that are still alive: they may send the
/// layers they hold (before their deadline) but get no slot.
inline assignment_result assign(const std::vector<placement>& old, parallel_config old_config,
                                const std::vector<instance_id>& usable, int gpus_per_instance,
                                parallel_config target, int n_layers,
                                const std::vector<instance_id>& draining = {}) {
  const char* fn = "parcae::runtime::assign";
  check_at_least(fn, "gpus_per_instance", gpus_per_instance, 1);
  check_at_least(fn, "n_layers", n_layers, 1);
  const long long gpus = static_cast<long long>(usable.size()) * gpus_per_instance;
  if (!target.paused()) {
    check_bounded(fn, "target.p", target.p, 1, perf::max_pipeline_depth(n_layers));
    check_at_least(fn, "target.d", target.d, 1);
    if (static_cast<long long>(target.size()) > gpus) {
      throw_invalid(fn, "target", to_string(target),
                    "at most " + std::to_string(gpus) + " GPU slots (the usable GPUs)");
    }
  }
  using gpu_key = std::pair<instance_id, int>;
  std::map<gpu_key, const placement*> before;
  for (const placement& pl : old) {
    if (!pl.spare()) before[{pl.instance, pl.gpu}] = &pl;
  }

  assignment_result out;
  const std::size_t G = static_cast<std::size_t>(gpus);
  out.placements.resize(G);
  std::vector<const placement*> held(G, nullptr);  // old placement of each usable GPU
  for (std::size_t i = 0; i < usable.size(); ++i) {
    for (int k = 0; k < gpus_per_instance; ++k) {
      const std::size_t j =
          i * static_cast<std::size_t>(gpus_per_instance) + static_cast<std::size_t>(k);
      out.placements[j].instance = usable[i];
      out.placements[j].gpu = k;
      auto it = before.find({usable[i], k});
      if (it != before.end() && !old_config.paused()) held[j] = it->second;
    }
  }
  if (target.paused()) {
    out.kind = old_config.paused() ? migration_kind::none : migration_kind::pause;
    return out;
  }

  const std::vector<int> bounds = perf::partition_layers(n_layers, target.p);
  const auto g = static_cast<std::size_t>(gpus_per_instance);
  std::vector<int> stage_of(G, -1);
  std::vector<std::vector<std::size_t>> members(static_cast<std::size_t>(target.p));
  if (!old_config.paused() && target.p != old_config.p) {
    // 2'. A repartition moves the layers anyway, and what it costs (perf/migration.hpp) does not
    // depend on where the new stages land: the target is laid out as the liveput model lays it,
    // on the instances that hold most of each block's layers.
    const std::vector<std::size_t> slot_gpu =
        detail::model_layout(held, usable.size(), g, target, bounds);
    for (std::size_t j = 0; j < slot_gpu.size(); ++j) {
      const int t = static_cast<int>(j % static_cast<std::size_t>(target.p));
      stage_of[slot_gpu[j]] = t;
      members[static_cast<std::size_t>(t)].push_back(slot_gpu[j]);  // pipeline j / p
    }
  } else {
    detail::place_same_depth(held, usable.size(), g, target, bounds, stage_of, members);
  }
  // Replica index: keep the old pipeline index where it is free, then the lowest free one.
  for (int t = 0; t < target.p; ++t) {
    std::vector<char> taken(static_cast<std::size_t>(target.d), 0);
    std::vector<std::size_t> rest;
    for (std::size_t j : members[static_cast<std::size_t>(t)]) {
      const int op = held[j] != nullptr && held[j]->stage == t && target.p == old_config.p
                         ? held[j]->pipeline
                         : -1;
      if (op >= 0 && op < target.d && !taken[static_cast<std::size_t>(op)]) {
        taken[static_cast<std::size_t>(op)] = 1;
        out.placements[j].pipeline = op;
      } else {
        rest.push_back(j);
      }
    }
    int free_i = 0;
    for (std::size_t j : rest) {
      while (taken[static_cast<std::size_t>(free_i)]) ++free_i;
      taken[static_cast<std::size_t>(free_i)] = 1;
      out.placements[j].pipeline = free_i;
    }
    for (std::size_t j : members[static_cast<std::size_t>(t)]) {
      out.placements[j].stage = t;
      out.placements[j].first_layer = bounds[static_cast<std::size_t>(t)];
      out.placements[j].end_layer = bounds[static_cast<std::size_t>(t) + 1];
    }
  }
  // 4. Fetches, split at the old stage boundaries; senders balanced by load.
  // Senders: the usable GPUs' old placements, then those of draining instances (under a
  // preemption notice, still alive until their deadline: they send but get no slot).
  std::vector<const placement*> senders(held);
  for (instance_id id : draining) {
    for (int k = 0; k < gpus_per_instance; ++k) {
      auto it = before.find({id, k});
      if (it != before.end() && !old_config.paused()) senders.push_back(it->second);
    }
  }
  const std::size_t S = senders.size();
  std::vector<int> load(S, 0);
  bool from_ckpt = false;
  auto fetch_range = [&](std::size_t j, int a, int b) {
    while (a < b) {
      std::size_t src = S;
      int src_end = b;
      for (std::size_t s = 0; s < S; ++s) {
        const placement* h = senders[s];
        if (h == nullptr || h->first_layer > a || h->end_layer <= a) continue;
        if (src == S || load[s] < load[src]) src = s;
      }
      layer_fetch f;
      f.instance = out.placements[j].instance;
      f.gpu = out.placements[j].gpu;
      f.first_layer = a;
      if (src == S) {
        // No surviving copy of layer a: read from the checkpoint up to the next held layer.
        int e = a + 1;
        while (e < b) {
          bool any = false;
          for (std::size_t s = 0; s < S && !any; ++s) {
            any =
                senders[s] != nullptr && senders[s]->first_layer <= e && senders[s]->end_layer > e;
          }
          if (any) break;
          ++e;
        }
        src_end = e;
        f.from_checkpoint = true;
        from_ckpt = true;
      } else {
        src_end = std::min(b, senders[src]->end_layer);
        f.source = senders[src]->instance;
        f.source_gpu = senders[src]->gpu;
        ++load[src];
      }
      f.end_layer = src_end;
      out.fetches.push_back(f);
      a = src_end;
    }
  };
  bool moved = target != old_config;
  for (std::size_t j = 0; j < G; ++j) {
    const placement& pl = out.placements[j];
    if (pl.spare()) {
      moved = moved || held[j] != nullptr;
      continue;
    }
    const int ha = held[j] ? held[j]->first_layer : 0, hb = held[j] ? held[j]->end_layer : 0;
    moved = moved || held[j] == nullptr || held[j]->pipeline != pl.pipeline ||
            held[j]->stage != pl.stage;
    if (hb <= pl.first_layer || ha >= pl.end_layer) {
      fetch_range(j, pl.first_layer, pl.end_layer);
    } else {
      if (pl.first_layer < ha) fetch_range(j, pl.first_layer, ha);
      if (hb < pl.end_layer) fetch_range(j, hb, pl.end_layer);
    }
  }
  if (old_config.paused()) {
    out.kind = migration_kind::resume;
  } else if (from_ckpt) {
    out.kind = migration_kind::restart;
  } else if (target.p != old_config.p) {
    out.kind = migration_kind::pipeline;
  } else if (!out.fetches.empty()) {
    out.kind = migration_kind::inter_stage;
  } else {
    out.kind = moved ? migration_kind::intra_stage : migration_kind::none;
  }
  return out;
}

/// The placement of a configuration kept running with empty slots (their micro-batches rerouted
/// to the stage's peers, perf/rerouting.hpp): every placed GPU of `old` on a `usable` instance
/// keeps its slot and layers, every other GPU of a usable instance is a spare. `usable` must be
/// sorted and unique; the result is sorted by (instance, gpu), as assign()'s. Nothing moves.
inline std::vector<placement> keep_survivors(const std::vector<placement>& old,
                                             const std::vector<instance_id>& usable,
                                             int gpus_per_instance) {
  check_at_least("parcae::runtime::keep_survivors", "gpus_per_instance", gpus_per_instance, 1);
  std::map<std::pair<instance_id, int>, placement> placed;
  for (const placement& pl : old) {
    if (!pl.spare() && std::binary_search(usable.begin(), usable.end(), pl.instance)) {
      placed[{pl.instance, pl.gpu}] = pl;
    }
  }
  std::vector<placement> out;
  out.reserve(usable.size() * static_cast<std::size_t>(gpus_per_instance));
  for (instance_id id : usable) {
    for (int k = 0; k < gpus_per_instance; ++k) {
      const auto it = placed.find({id, k});
      out.push_back(it != placed.end() ? it->second : placement{id, k, -1, -1, 0, 0});
    }
  }
  return out;
}

/// The placement of `c` started afresh with `running` of its d*p slots (a rerouted start from
/// the checkpoint, runtime::controller; ideal-rerouting's bound in the simulator): the k-th GPU of
/// the `usable` instances in (instance, gpu) order runs (pipeline k / p, stage k % p) while
/// k < running, every other GPU is a spare. The running slots spread evenly over the stages (each
/// has floor(running / p) or one more replicas), so the most-hit stage has as many as any
/// placement of `running` slots gives it. `usable` must be sorted and unique; the result is sorted
/// by (instance, gpu), as assign()'s.
inline std::vector<placement> spread_slots(const std::vector<instance_id>& usable,
                                           int gpus_per_instance, parallel_config c, int running,
                                           int n_layers) {
  const char* fn = "parcae::runtime::spread_slots";
  check_at_least(fn, "gpus_per_instance", gpus_per_instance, 1);
  check_at_least(fn, "c.d", c.d, 1);
  check_bounded(fn, "c.p", c.p, 1, perf::max_pipeline_depth(n_layers));
  const long long gpus = static_cast<long long>(usable.size()) * gpus_per_instance;
  check_bounded(fn, "running", running, 0, static_cast<int>(std::min<long long>(gpus, c.size())));
  const std::vector<int> bounds = perf::partition_layers(n_layers, c.p);
  std::vector<placement> out;
  out.reserve(static_cast<std::size_t>(gpus));
  int k = 0;
  for (instance_id id : usable) {
    for (int gpu = 0; gpu < gpus_per_instance; ++gpu, ++k) {
      if (k >= running) {
        out.push_back({id, gpu, -1, -1, 0, 0});
        continue;
      }
      const auto st = static_cast<std::size_t>(k % c.p);
      out.push_back({id, gpu, k / c.p, k % c.p, bounds[st], bounds[st + 1]});
    }
  }
  return out;
}

/// Moves running slots of `c`, which runs with empty slots (keep_survivors), between stages until
/// every stage has at least `r` replicas (perf/rerouting.hpp, rebalancing): a slot of the
/// best-replicated stage takes an empty (pipeline, stage) position of the most-hit one, with that
/// stage's layers, fetched from one of its surviving replicas. Stops early when no stage can give
/// a slot without falling below r. Returns the fetches.
inline std::vector<layer_fetch> rebalance_stages(std::vector<placement>& placements,
                                                 parallel_config c, int r) {
  const char* fn = "parcae::runtime::rebalance_stages";
  check_at_least(fn, "c.d", c.d, 1);
  check_at_least(fn, "c.p", c.p, 1);
  check_bounded(fn, "r", r, 1, c.d);
  const auto p = static_cast<std::size_t>(c.p);
  std::vector<std::vector<std::size_t>> at(p);
  std::vector<std::vector<bool>> used(p, std::vector<bool>(static_cast<std::size_t>(c.d), false));
  for (std::size_t i = 0; i < placements.size(); ++i) {
    const placement& pl = placements[i];
    if (pl.spare()) continue;
    check_bounded(fn, "placements[].stage", pl.stage, 0, c.p - 1);
    check_bounded(fn, "placements[].pipeline", pl.pipeline, 0, c.d - 1);
    at[static_cast<std::size_t>(pl.stage)].push_back(i);
    used[static_cast<std::size_t>(pl.stage)][static_cast<std::size_t>(pl.pipeline)] = true;
  }
  const auto by_size = [](const std::vector<std::size_t>& a, const std::vector<std::size_t>& b) {
    return a.size() < b.size();
  };
  std::vector<layer_fetch> fetches;
  for (;;) {
    auto& low = *std::min_element(at.begin(), at.end(), by_size);
    auto& high = *std::max_element(at.begin(), at.end(), by_size);
    if (low.empty() || static_cast<int>(low.size()) >= r || static_cast<int>(high.size()) <= r) {
      break;
    }
    const std::size_t s_low = static_cast<std::size_t>(&low - at.data());
    const std::size_t s_high = static_cast<std::size_t>(&high - at.data());
    const std::size_t moved = high.back();
    high.pop_back();
    placement& pl = placements[moved];
    used[s_high][static_cast<std::size_t>(pl.pipeline)] = false;
    const auto free_pos = std::find(used[s_low].begin(), used[s_low].end(), false);
    const placement& peer = placements[low.front()];
    pl.pipeline = static_cast<int>(free_pos - used[s_low].begin());
    pl.stage = static_cast<int>(s_low);
    pl.first_layer = peer.first_layer;
    pl.end_layer = peer.end_layer;
    *free_pos = true;
    low.push_back(moved);
    fetches.push_back(
        {pl.instance, pl.gpu, peer.first_layer, peer.end_layer, false, peer.instance, peer.gpu});
  }
  return fetches;
}

}  // namespace parcae::runtime
