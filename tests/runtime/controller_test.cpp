// Controller tests: placements (hand cases), feasibility under bursty random traces, preemption
// notices, joins during a migration, pausing, thread safety, re-entrancy, bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "parcae/runtime/controller.hpp"
#include "plan/toy_providers.hpp"

using parcae::parallel_config;
using parcae::runtime::assign;
using parcae::runtime::controller;
using parcae::runtime::controller_params;
using parcae::runtime::decision;
using parcae::runtime::instance_id;
using parcae::runtime::migration_kind;
using parcae::runtime::placement;

namespace {

// Old placement of configuration c on instances 0.. (pipeline-major, one GPU each), n layers.
std::vector<placement> layout(parallel_config c, int n_layers, int spares = 0) {
  std::vector<placement> out;
  const auto bounds = parcae::perf::partition_layers(n_layers, c.p);
  instance_id id = 0;
  for (int i = 0; i < c.d; ++i) {
    for (int s = 0; s < c.p; ++s) {
      out.push_back({id++, 0, i, s, bounds[static_cast<std::size_t>(s)],
                     bounds[static_cast<std::size_t>(s) + 1]});
    }
  }
  for (int k = 0; k < spares; ++k) out.push_back({id++, 0, -1, -1, 0, 0});
  return out;
}

std::vector<instance_id> ids_except(int n, std::set<instance_id> gone) {
  std::vector<instance_id> out;
  for (int i = 0; i < n; ++i) {
    if (!gone.count(static_cast<instance_id>(i))) out.push_back(static_cast<instance_id>(i));
  }
  return out;
}

// Checks a decision against the usable instances and the placements before it.
void check_decision(const decision& d, const std::vector<instance_id>& usable, int g, int n_layers,
                    const parcae::plan::planner_params& pp, const std::vector<placement>& before,
                    const std::vector<instance_id>& draining = {}) {
  REQUIRE(pp.fits(d.target, static_cast<int>(usable.size())));
  REQUIRE(pp.allowed(d.target));
  REQUIRE(d.placements.size() == usable.size() * static_cast<std::size_t>(g));
  std::set<std::pair<int, int>> slots;
  std::map<std::pair<instance_id, int>, const placement*> now;
  for (const placement& pl : d.placements) {
    now[{pl.instance, pl.gpu}] = &pl;
    if (pl.spare()) continue;
    REQUIRE(pl.pipeline < d.target.d);
    REQUIRE(pl.stage < d.target.p);
    REQUIRE(slots.insert({pl.pipeline, pl.stage}).second);
    const auto b = parcae::perf::partition_layers(n_layers, d.target.p);
    REQUIRE(pl.first_layer == b[static_cast<std::size_t>(pl.stage)]);
    REQUIRE(pl.end_layer == b[static_cast<std::size_t>(pl.stage) + 1]);
  }
  REQUIRE(static_cast<int>(slots.size()) == d.target.size());
  for (std::size_t i = 0; i < usable.size(); ++i) {
    for (int k = 0; k < g; ++k) REQUIRE(now.count({usable[i], k}) == 1);
  }
  // Every fetch goes to a placed GPU, inside its stage; a peer source held the layers before.
  std::map<std::pair<instance_id, int>, const placement*> old;
  for (const placement& pl : before) old[{pl.instance, pl.gpu}] = &pl;
  for (const auto& f : d.fetches) {
    const placement* to = now.at({f.instance, f.gpu});
    REQUIRE(!to->spare());
    REQUIRE(f.first_layer >= to->first_layer);
    REQUIRE(f.end_layer <= to->end_layer);
    REQUIRE(f.first_layer < f.end_layer);
    if (!f.from_checkpoint) {
      // The sender is usable, or under notice and still alive.
      REQUIRE((now.count({f.source, f.source_gpu}) == 1 ||
               std::find(draining.begin(), draining.end(), f.source) != draining.end()));
      const placement* src = old.at({f.source, f.source_gpu});
      REQUIRE(src->first_layer <= f.first_layer);
      REQUIRE(src->end_layer >= f.end_layer);
    }
  }
}

controller_params small_params(int g = 1) {
  controller_params p;
  p.planner.p_min = 2;
  p.planner.p_max = 6;
  p.planner.gpus_per_instance = g;
  p.horizon = 4;
  p.n_layers = 12;
  return p;
}

parcae::plan::any_transition_provider toy(std::uint64_t seed, int g = 1) {
  parcae_test::random_provider prov;
  prov.seed = seed;
  prov.g = g;
  return parcae::plan::any_transition_provider::wrap(prov);
}

}  // namespace

TEST_CASE("assign: intra-stage regroup moves no state") {
  const auto old = layout({2, 2}, 8);  // instances 0..3: (0,0) (0,1) (1,0) (1,1)
  const auto r = assign(old, {2, 2}, ids_except(4, {3}), 1, {1, 2}, 8);
  CHECK(r.kind == migration_kind::intra_stage);
  CHECK(r.fetches.empty());
  // Instance 0 keeps (0,0), instance 1 keeps (0,1), instance 2 becomes a spare.
  CHECK(r.placements[0].pipeline == 0);
  CHECK(r.placements[0].stage == 0);
  CHECK(r.placements[1].stage == 1);
  CHECK(r.placements[2].spare());
}

// Packing (instances of several GPUs): the job stays on the fewest instances, as the liveput
// model places it, so a preemption of an idle instance costs nothing.
TEST_CASE("assign: with several GPUs per instance, slots fill the instances the job uses") {
  // 2 GPUs per instance, (2,2) over 8 layers ([0,5) [5,8)): instance 0 runs pipeline 0, instance 3
  // holds (1,0) on GPU 0 and nothing on GPU 1, instance 2 held (1,1) and is gone, instance 1 is
  // new. The artifact's (instance, gpu) order would put (1,1) on instance 1 (3 instances in use).
  auto at = [](instance_id i, int gpu, int pipe, int stage) {
    placement pl;
    pl.instance = i;
    pl.gpu = gpu;
    pl.pipeline = pipe;
    pl.stage = stage;
    pl.first_layer = stage == 0 ? 0 : 5;
    pl.end_layer = stage == 0 ? 5 : 8;
    return pl;
  };
  const std::vector<placement> old = {at(0, 0, 0, 0), at(0, 1, 0, 1), at(2, 0, 1, 1),
                                      at(3, 0, 1, 0)};
  const auto r = assign(old, {2, 2}, {0, 1, 3}, 2, {2, 2}, 8);
  REQUIRE(r.placements.size() == 6);  // (instance, gpu): (0,0) (0,1) (1,0) (1,1) (3,0) (3,1)
  CHECK(r.placements[2].spare());
  CHECK(r.placements[3].spare());
  CHECK(r.placements[5].stage == 1);  // instance 3's free GPU takes the lost stage
  CHECK(r.placements[5].pipeline == 1);
  REQUIRE(r.fetches.size() == 1);
  CHECK(r.fetches[0].instance == 3);
  CHECK(r.fetches[0].source == 0);  // from instance 0, the surviving replica of stage 1

  // Shrinking (2,2) to (1,2) keeps the pipeline that sits on one instance: pipeline 0 is spread
  // over instances 0 and 1, pipeline 1 fills instance 2. The artifact's order (old pipeline
  // first) would keep pipeline 0 on two instances.
  const std::vector<placement> spread = {at(0, 0, 0, 0), at(1, 0, 0, 1), at(2, 0, 1, 0),
                                         at(2, 1, 1, 1)};
  const auto s = assign(spread, {2, 2}, {0, 1, 2}, 2, {1, 2}, 8);
  CHECK(s.kind == migration_kind::intra_stage);
  CHECK(s.fetches.empty());
  CHECK(s.placements[0].spare());
  CHECK(s.placements[2].spare());
  CHECK(s.placements[4].stage == 0);
  CHECK(s.placements[5].stage == 1);
}

TEST_CASE("assign: a repartition on several GPUs per instance lays out the slot order") {
  // (4,7) from nothing on 7 instances of 4 GPUs, then instance 6 is lost and the job repartitions
  // to (3,8) on the 24 GPUs left. The liveput table prices the slot order: slot j runs stage
  // j % 8 of pipeline j / 8, and each instance holds one block of 4 consecutive slots. (The
  // overlap greedy gave one instance stages 7, 0, 3, 3: its loss would take two replicas of
  // stage 3 at once.)
  const int g = 4, layers = 28;
  const auto from_nothing = assign({}, {}, ids_except(7, {}), g, {4, 7}, layers);
  const auto r = assign(from_nothing.placements, {4, 7}, ids_except(7, {6}), g, {3, 8}, layers);
  CHECK(r.kind == migration_kind::pipeline);
  std::set<int> blocks;
  for (instance_id i = 0; i < 6; ++i) {
    std::vector<int> slots;
    for (const placement& pl : r.placements) {
      if (pl.instance != i) continue;
      REQUIRE(!pl.spare());
      slots.push_back(pl.pipeline * 8 + pl.stage);
    }
    std::sort(slots.begin(), slots.end());
    REQUIRE(slots.size() == 4);
    CAPTURE(i);
    CHECK(slots[0] % g == 0);
    CHECK(slots[3] == slots[0] + 3);
    blocks.insert(slots[0] / g);
  }
  CHECK(blocks.size() == 6);
  // Some GPUs keep layers they held: not every slot fetches its whole stage.
  int fetched = 0;
  for (const auto& f : r.fetches) fetched += f.end_layer - f.first_layer;
  CHECK(fetched < 24 * layers / 8);
}

TEST_CASE("assign: inter-stage copy from the surviving replica to a spare") {
  const auto old = layout({2, 2}, 8, 1);  // instance 4 is a spare
  const auto r = assign(old, {2, 2}, ids_except(5, {3}), 1, {2, 2}, 8);
  CHECK(r.kind == migration_kind::inter_stage);
  REQUIRE(r.fetches.size() == 1);
  CHECK(r.fetches[0].instance == 4);
  CHECK(r.fetches[0].source == 1);       // the other replica of stage 1
  CHECK(r.fetches[0].first_layer == 5);  // uniform partition of 8 layers: [0,5) [5,8)
  CHECK(r.fetches[0].end_layer == 8);
  CHECK(r.placements[3].pipeline == 1);  // the spare fills pipeline 1, stage 1
  CHECK(r.placements[3].stage == 1);
}

TEST_CASE("rebalance_stages: replicas move to the most-hit stage with its layers") {
  // (4, 2) on instances 0..7: instance 2i holds (i, 0), 2i+1 holds (i, 1). A burst takes
  // instances 1, 3 and 5: stage 1 keeps one replica (instance 7), stage 0 keeps four.
  std::vector<placement> pls =
      parcae::runtime::keep_survivors(layout({4, 2}, 8), ids_except(8, {1, 3, 5}), 1);
  REQUIRE(pls.size() == 5);
  const auto fetches = parcae::runtime::rebalance_stages(pls, {4, 2}, 2);
  // One replica of stage 0 moves: 3 and 2 survivors, the most-hit stage at 2 >= r.
  REQUIRE(fetches.size() == 1);
  std::map<int, int> per_stage;
  std::set<std::pair<int, int>> positions;
  for (const placement& pl : pls) {
    ++per_stage[pl.stage];
    CHECK(positions.insert({pl.pipeline, pl.stage}).second);  // no two on one slot
  }
  CHECK(per_stage[0] == 3);
  CHECK(per_stage[1] == 2);
  const auto& f = fetches.front();
  CHECK(f.source == 7);  // the surviving replica of stage 1 sends its layers
  CHECK(f.first_layer == 5);
  CHECK(f.end_layer == 8);
  CHECK(!f.from_checkpoint);
  for (const placement& pl : pls) {
    if (pl.instance == f.instance) {
      CHECK(pl.stage == 1);
      CHECK(pl.first_layer == 5);
      CHECK(pl.end_layer == 8);
    }
  }
  // Already even: nothing moves. Asked for more than the survivors allow: it stops at the best.
  CHECK(parcae::runtime::rebalance_stages(pls, {4, 2}, 2).empty());
  CHECK(parcae::runtime::rebalance_stages(pls, {4, 2}, 3).empty());
  CHECK_THROWS_WITH_AS(parcae::runtime::rebalance_stages(pls, {4, 2}, 0),
                       doctest::Contains("parcae::runtime::rebalance_stages: r is 0"),
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(parcae::runtime::rebalance_stages(pls, {2, 2}, 1),
                       doctest::Contains("placements[].pipeline is "), parcae::invalid_argument);
}

TEST_CASE("spread_slots: running slots spread evenly over the stages, the rest spare") {
  // (3, 2) with 5 of its 6 slots on instances of 2 GPUs: GPU k runs (k / 2, k % 2) while k < 5.
  const std::vector<placement> pls = parcae::runtime::spread_slots({10, 11, 12}, 2, {3, 2}, 5, 8);
  REQUIRE(pls.size() == 6);
  std::map<int, int> per_stage;
  for (std::size_t k = 0; k < pls.size(); ++k) {
    CHECK(pls[k].instance == 10 + k / 2);
    CHECK(pls[k].gpu == static_cast<int>(k % 2));
    if (k == 5) {
      CHECK(pls[k].spare());
      continue;
    }
    CHECK(pls[k].pipeline == static_cast<int>(k / 2));
    CHECK(pls[k].stage == static_cast<int>(k % 2));
    CHECK(pls[k].first_layer == (pls[k].stage == 0 ? 0 : 5));  // 8 layers: [0,5) [5,8)
    CHECK(pls[k].end_layer == (pls[k].stage == 0 ? 5 : 8));
    ++per_stage[pls[k].stage];
  }
  CHECK(per_stage[0] == 3);
  CHECK(per_stage[1] == 2);
  CHECK(parcae::runtime::spread_slots({1, 2}, 1, {2, 2}, 0, 8)[1].spare());
  CHECK_THROWS_WITH_AS(parcae::runtime::spread_slots({1, 2}, 1, {2, 2}, 3, 8),
                       doctest::Contains("parcae::runtime::spread_slots: running is 3"),
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(parcae::runtime::spread_slots({1, 2}, 1, {2, 2}, -1, 8),
                       doctest::Contains("running is -1"), parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(parcae::runtime::spread_slots({1, 2}, 0, {2, 2}, 1, 8),
                       doctest::Contains("gpus_per_instance is 0"), parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(parcae::runtime::spread_slots({1, 2}, 1, {0, 2}, 1, 8),
                       doctest::Contains("c.d is 0"), parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(parcae::runtime::spread_slots({1, 2}, 1, {1, 8}, 1, 8),
                       doctest::Contains("c.p is 8"), parcae::invalid_argument);
}

TEST_CASE("assign: pipeline repartition and checkpoint restart") {
  const auto old = layout({1, 2}, 8, 2);  // 0: layers [0,4), 1: [4,8), 2 and 3 spare
  const auto r = assign(old, {1, 2}, ids_except(4, {}), 1, {1, 4}, 8);
  CHECK(r.kind == migration_kind::pipeline);
  for (const auto& f : r.fetches) CHECK(!f.from_checkpoint);
  // Every stage of depth 4 is held in part by 0 or 1, so those two keep a stage each.
  CHECK(!r.placements[0].spare());
  CHECK(!r.placements[1].spare());
  // Stage 1 of (1,2) lost entirely: restart from the checkpoint.
  const auto lost = assign(old, {1, 2}, ids_except(4, {1}), 1, {1, 2}, 8);
  CHECK(lost.kind == migration_kind::restart);
  bool ckpt = false;
  for (const auto& f : lost.fetches) ckpt = ckpt || f.from_checkpoint;
  CHECK(ckpt);
  // The same loss with a notice: instance 1 still sends its layers before it goes.
  const auto drained = assign(old, {1, 2}, ids_except(4, {1}), 1, {1, 2}, 8, {1});
  CHECK(drained.kind == migration_kind::inter_stage);
  REQUIRE(drained.fetches.size() == 1);
  CHECK(!drained.fetches[0].from_checkpoint);
  CHECK(drained.fetches[0].source == 1);
  // Pause and resume.
  CHECK(assign(old, {1, 2}, ids_except(4, {}), 1, {}, 8).kind == migration_kind::pause);
  const auto resume = assign({}, {}, ids_except(4, {}), 1, {2, 2}, 8);
  CHECK(resume.kind == migration_kind::resume);
  CHECK(resume.fetches.size() == 4);
  CHECK(resume.fetches[0].from_checkpoint);
  CHECK_THROWS_AS(assign({}, {}, ids_except(2, {}), 1, {2, 2}, 8), parcae::invalid_argument);
}

TEST_CASE("controller: start, lose a stage, pause when nothing fits, resume") {
  std::vector<decision> got;
  std::vector<std::string> lines;
  parcae::runtime::hooks h;
  h.reconfigure = [&](const decision& d) { got.push_back(d); };
  h.log = [&](const std::string& s) { lines.push_back(s); };
  controller c(small_params(), toy(3), nullptr, h);
  c.on_interval(ids_except(8, {}), ids_except(8, {}), {});
  REQUIRE(got.size() == 1);
  CHECK(got[0].kind == migration_kind::resume);
  CHECK(got[0].previous.paused());
  CHECK(!got[0].target.paused());
  CHECK(got[0].target.size() <= 8);
  check_decision(got[0], ids_except(8, {}), 1, 12, c.params().planner, {});
  CHECK(c.current_config() == got[0].target);
  // All but one instance vanish: p_min = 2 does not fit on 1 instance -> pause.
  c.on_interval({0}, {}, ids_except(8, {0}));
  REQUIRE(got.size() == 2);
  CHECK(got[1].target.paused());
  CHECK(got[1].kind == migration_kind::pause);
  // Nobody at all.
  c.on_interval({}, {}, {0});
  CHECK(c.current_config().paused());
  // Instances return: training resumes.
  c.on_interval({10, 11, 12, 13}, {10, 11, 12, 13}, {});
  REQUIRE(got.size() == 3);
  CHECK(got[2].kind == migration_kind::resume);
  CHECK(got[2].target.size() <= 4);
  CHECK(c.history().size() == 4);
  CHECK(c.last_decision().sequence == c.decisions());
  CHECK(c.last_decision().target == c.current_config());
  CHECK(c.history()[1].n_out == 7);
  CHECK(lines.size() == 4);
}

TEST_CASE("controller: preemption notice drains the instances before they go") {
  std::vector<decision> got;
  parcae::runtime::hooks h;
  h.reconfigure = [&](const decision& d) { got.push_back(d); };
  controller c(small_params(), toy(5), nullptr, h);
  c.on_interval(ids_except(6, {}), ids_except(6, {}), {});
  REQUIRE(got.size() == 1);
  // Notice for an instance that holds a stage.
  instance_id victim = 0;
  for (const auto& pl : got[0].placements) {
    if (!pl.spare()) victim = pl.instance;
  }
  c.on_preemption_notice({victim, 999}, 25.0);  // 999 is unknown: ignored
  REQUIRE(got.size() == 2);
  CHECK(got[1].cause == parcae::runtime::trigger::preemption_notice);
  CHECK(got[1].deadline_s == 25.0);
  for (const auto& pl : got[1].placements) CHECK(pl.instance != victim);
  CHECK(got[1].target.size() <= 5);
}

TEST_CASE("controller: bursty random traces never yield an infeasible decision") {
  for (int g : {1, 2}) {
    for (std::uint64_t seed = 1; seed <= 12; ++seed) {
      controller_params params = small_params(g);
      params.kind = seed % 3 == 0 ? parcae::runtime::planner_kind::stochastic
                                  : parcae::runtime::planner_kind::dp;
      params.sample_paths = 3;
      std::vector<decision> got;
      std::vector<placement> before;
      std::vector<instance_id> usable_now, draining_now;
      parcae::runtime::hooks h;
      h.reconfigure = [&](const decision& d) {
        check_decision(d, usable_now, g, params.n_layers, params.planner, before, draining_now);
        got.push_back(d);
      };
      // A forecaster that returns garbage now and then (negative, too many preemptions).
      auto fc = [seed](const std::vector<parcae::runtime::interval_record>& hist, int H, int K) {
        parcae::runtime::availability_forecast f;
        const int n = hist.empty() ? 0 : hist.back().n_after();
        for (int k = 0; k < H; ++k) f.point.push_back({(k + static_cast<int>(seed)) % 3 - 1, n});
        for (int j = 0; j < K; ++j) f.paths.push_back({{j, j - 1}, {2, 0}});
        return f;
      };
      controller c(params, toy(seed * 17, g), fc, h);
      std::set<instance_id> alive;
      instance_id next_id = 0;
      std::uint64_t r = seed;
      for (int t = 0; t < 60; ++t) {
        r = parcae_test::mix(r);
        std::vector<instance_id> joined, gone;
        const int burst = static_cast<int>(r % 10);
        if (burst < 2) {  // bursty preemption: lose half or everything
          for (instance_id id : alive) {
            if (burst == 0 || (parcae_test::mix(r ^ id) & 1)) gone.push_back(id);
          }
        } else if (burst < 5) {
          const int add = 1 + static_cast<int>((r >> 8) % 6);
          for (int k = 0; k < add && alive.size() + joined.size() < 14; ++k) {
            joined.push_back(next_id++);
          }
        } else if (burst == 5 && !alive.empty()) {
          gone.push_back(*alive.begin());
        }
        // A preemption notice for one instance (drained now, gone by the interval's end), then
        // instances added mid-interval (possibly during a migration).
        if ((r >> 20) % 5 == 0 && !alive.empty()) {
          const instance_id victim = *alive.rbegin();
          before = c.placements();
          usable_now.assign(alive.begin(), alive.end());
          usable_now.pop_back();
          draining_now = {victim};
          c.on_preemption_notice({victim}, 20.0);
          draining_now.clear();
          gone.push_back(victim);
        }
        if ((r >> 16) % 4 == 0) {
          const instance_id early = next_id++;
          c.on_instances_added({early});
          joined.push_back(early);
        }
        const std::set<instance_id> gone_set(gone.begin(), gone.end());
        for (instance_id id : gone_set) alive.erase(id);
        for (instance_id id : joined) alive.insert(id);
        std::vector<instance_id> alive_v(alive.begin(), alive.end());
        std::vector<instance_id> gone_v(gone_set.begin(), gone_set.end());
        before = c.placements();
        usable_now = alive_v;
        c.on_interval(alive_v, joined, gone_v);
        const parallel_config cur = c.current_config();
        CHECK(params.planner.fits(cur, static_cast<int>(alive.size())));
        CHECK(params.planner.allowed(cur));
        if (alive.empty()) CHECK(cur.paused());
      }
      CHECK(!got.empty());
    }
  }
}

TEST_CASE("controller: calls from several threads are serialised") {
  std::atomic<int> inside{0};
  std::atomic<bool> overlap{false};
  std::vector<std::uint64_t> seqs;
  parcae::runtime::hooks h;
  h.reconfigure = [&](const decision& d) {
    if (inside.fetch_add(1) != 0) overlap = true;
    seqs.push_back(d.sequence);  // safe: hooks never overlap
    std::this_thread::yield();
    inside.fetch_sub(1);
  };
  controller c(small_params(), toy(11), nullptr, h);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c, t] {
      std::uint64_t r = static_cast<std::uint64_t>(t) + 100;
      for (int i = 0; i < 40; ++i) {
        r = parcae_test::mix(r);
        const int n = static_cast<int>(r % 12);
        std::vector<instance_id> alive;
        for (int k = 0; k < n; ++k) alive.push_back(static_cast<instance_id>(t * 100 + k));
        switch ((r >> 8) % 3) {
          case 0:
            c.on_interval(alive, {}, {});
            break;
          case 1:
            c.on_instances_added({static_cast<instance_id>(1000 + t * 100 + i)});
            break;
          default:
            if (!alive.empty()) c.on_preemption_notice({alive.front()}, 10.0);
        }
        (void)c.current_config();
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(!overlap.load());
  for (std::size_t i = 1; i < seqs.size(); ++i) CHECK(seqs[i] > seqs[i - 1]);
  CHECK(c.decisions() >= seqs.size());
}

TEST_CASE("controller: a hook that calls back into the controller gets std::logic_error") {
  controller* self = nullptr;
  bool threw = false;
  parcae::runtime::hooks h;
  h.reconfigure = [&](const decision&) {
    try {
      self->on_instances_added({42});
    } catch (const std::logic_error&) {
      threw = true;
    }
  };
  controller c(small_params(), toy(2), nullptr, h);
  self = &c;
  c.on_interval(ids_except(4, {}), ids_except(4, {}), {});
  CHECK(threw);
  // The controller still works afterwards.
  c.on_instances_added({50});
  CHECK(c.decisions() == 1);
}

TEST_CASE("controller: bad input") {
  parcae::runtime::hooks h;
  h.reconfigure = [](const decision&) {};
  using parcae::invalid_argument;
  CHECK_THROWS_WITH_AS(controller(small_params(), toy(1), nullptr, parcae::runtime::hooks{}),
                       "parcae::runtime::controller::controller: hooks.reconfigure is empty, but "
                       "must be callable",
                       invalid_argument);
  CHECK_THROWS_AS(controller(small_params(), parcae::plan::any_transition_provider{}, nullptr, h),
                  invalid_argument);
  controller_params bad_checkpoint = small_params();
  bad_checkpoint.checkpoint_s = -1.0;
  CHECK_THROWS_WITH_AS(controller(bad_checkpoint, toy(1), nullptr, h),
                       doctest::Contains("parcae::runtime::controller::controller: "
                                         "params.checkpoint_s is -1"),
                       invalid_argument);
  controller_params p = small_params();
  p.n_layers = 0;
  CHECK_THROWS_WITH_AS(
      controller(p, toy(1), nullptr, h),
      "parcae::runtime::controller::controller: params.n_layers is 0, but must be >= 1",
      invalid_argument);
  p = small_params();
  p.horizon = 0;
  CHECK_THROWS_AS(controller(p, toy(1), nullptr, h), invalid_argument);
  p = small_params();
  p.planner.interval_s = -1;
  CHECK_THROWS_AS(controller(p, toy(1), nullptr, h), invalid_argument);
  controller c(small_params(), toy(1), nullptr, h);
  CHECK_THROWS_WITH_AS(c.on_interval({1, 1}, {}, {}),
                       "parcae::runtime::controller::on_interval: alive has duplicate ids, but "
                       "must be unique",
                       invalid_argument);
  CHECK_THROWS_WITH_AS(
      c.on_interval({1, 2}, {3}, {}),
      "parcae::runtime::controller::on_interval: joined id is 3, but must be in alive",
      invalid_argument);
  CHECK_THROWS_AS(c.on_interval({1, 2}, {}, {2}), invalid_argument);
  CHECK_THROWS_AS(c.on_preemption_notice({1}, -1.0), invalid_argument);
  CHECK_THROWS_AS(c.on_preemption_notice({1}, NAN), invalid_argument);
  CHECK_THROWS_AS(c.on_instances_added({5, 5}), invalid_argument);
  CHECK(c.decisions() == 0);
}
