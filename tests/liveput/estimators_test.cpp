// Preemption models, the exact estimator (against R's brute force and full enumeration), the
// Monte-Carlo estimator (against the exact one, determinism), with toy cost models.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "liveput/toy_costs.hpp"
#include "parcae/liveput/exact.hpp"
#include "parcae/liveput/hazard_model.hpp"
#include "parcae/liveput/monte_carlo.hpp"
#include "parcae/liveput/preemption.hpp"
#include "parcae/liveput/zone_model.hpp"

using namespace parcae::liveput;
using liveput_test::additive_cost;
using liveput_test::all_targets;
using liveput_test::enumerate_subsets;
using liveput_test::mixed_cost;
using liveput_test::threshold_cost;
using parcae::parallel_config;

namespace {

template <class Sampler>
std::vector<int> draw(const Sampler& s, int n_out, std::uint64_t seed, std::uint64_t index) {
  std::vector<int> out(static_cast<std::size_t>(std::max(n_out, 1)));
  parcae::counter_rng rng(seed, 7, index);
  s(rng, out.data());
  out.resize(static_cast<std::size_t>(n_out));
  return out;
}

// Checks MC against exact: every target's probability and mean cost within 3 standard errors
// (plus the 2^-11 ms rounding of the integer accumulators).
void check_within_3se(const entry& mc, const entry& ex) {
  REQUIRE(mc.targets.size() == ex.targets.size());
  for (std::size_t i = 0; i < mc.targets.size(); ++i) {
    const auto& a = mc.targets[i];
    const auto& b = ex.targets[i];
    CAPTURE(parcae::to_string(a.target));
    CHECK(a.target == b.target);
    CHECK(std::abs(a.probability - b.probability) <= 3.0 * a.probability_se + 1e-12);
    if (a.probability > 0.0 && b.probability > 0.0) {
      CHECK(std::abs(a.mean_cost_s - b.mean_cost_s) <= 3.0 * a.mean_cost_se_s + 1e-6);
    }
  }
}

}  // namespace

TEST_CASE("uniform sampler: distinct ids, every subset equally likely") {
  const auto s = uniform_model{}.prepare(5, 2);
  std::map<std::pair<int, int>, int> counts;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    auto v = draw(s, 2, 3, static_cast<std::uint64_t>(i));
    REQUIRE(v[0] != v[1]);
    REQUIRE(v[0] >= 0);
    REQUIRE(v[1] < 5);
    counts[{std::min(v[0], v[1]), std::max(v[0], v[1])}]++;
  }
  CHECK(counts.size() == 10);
  for (const auto& [pair, c] : counts) {
    // Binomial(n, 1/10): sd = 94.9; 5 sd.
    CHECK(std::abs(c - n / 10) < 475);
  }
  // n_out = n and n_out = 0.
  auto all = draw(uniform_model{}.prepare(6, 6), 6, 1, 0);
  CHECK(std::set<int>(all.begin(), all.end()).size() == 6);
  CHECK(draw(uniform_model{}.prepare(6, 0), 0, 1, 0).empty());
}

TEST_CASE("zone model: one zone is the uniform model sample for sample") {
  const auto u = uniform_model{}.prepare(20, 6);
  zone_model one;
  one.weights = {2.5};
  const auto z = one.prepare(20, 6);
  for (std::uint64_t i = 0; i < 200; ++i) CHECK(draw(u, 6, 9, i) == draw(z, 6, 9, i));
}

TEST_CASE("zone model: losses cluster in the zone hit, overflow to the next") {
  zone_model m;
  m.weights = {1.0, 0.0, 0.0, 0.0};  // blocks of 3 instances on n = 12
  auto s = m.prepare(12, 2);
  for (std::uint64_t i = 0; i < 100; ++i) {
    for (int id : draw(s, 2, 1, i)) CHECK(id < 3);
  }
  s = m.prepare(12, 5);  // zone 0 (3 instances) wiped, 2 more from one other zone
  for (std::uint64_t i = 0; i < 100; ++i) {
    auto v = draw(s, 5, 1, i);
    std::set<int> ids(v.begin(), v.end());
    CHECK(ids.size() == 5);
    CHECK(ids.count(0) == 1);
    CHECK(ids.count(1) == 1);
    CHECK(ids.count(2) == 1);
    std::set<int> zones;
    for (int id : v) zones.insert(id / 3);
    CHECK(zones.size() == 2);
  }
  m.layout = zone_layout::round_robin;  // zone 0 = {0, 4, 8}
  s = m.prepare(12, 3);
  for (std::uint64_t i = 0; i < 50; ++i) {
    for (int id : draw(s, 3, 1, i)) CHECK(id % 4 == 0);
  }
  // Zone frequencies follow the weights.
  m = zone_model{};
  m.weights = {3.0, 1.0};
  s = m.prepare(10, 1);
  int in_zone0 = 0;
  for (std::uint64_t i = 0; i < 40000; ++i) in_zone0 += draw(s, 1, 5, i)[0] < 5 ? 1 : 0;
  CHECK(std::abs(in_zone0 / 40000.0 - 0.75) < 5 * std::sqrt(0.75 * 0.25 / 40000));
}

TEST_CASE("hazard model: conditional inclusion probabilities") {
  // n = 5, n_out = 2: P(i in S) = sum over pairs containing i of w_i w_j / e_2.
  hazard_model m;
  m.hazards = {0.1, 0.5, 0.3, 0.8, 0.2};
  std::vector<double> w;
  for (double q : m.hazards) w.push_back(q / (1 - q));
  double e2 = 0;
  std::vector<double> incl(5, 0.0);
  for (int i = 0; i < 5; ++i) {
    for (int j = i + 1; j < 5; ++j) {
      e2 += w[i] * w[j];
      incl[i] += w[i] * w[j];
      incl[j] += w[i] * w[j];
    }
  }
  const auto s = m.prepare(5, 2);
  std::vector<int> hits(5, 0);
  const int n = 60000;
  for (int k = 0; k < n; ++k) {
    auto v = draw(s, 2, 11, static_cast<std::uint64_t>(k));
    REQUIRE(v.size() == 2);
    REQUIRE(v[0] != v[1]);
    for (int id : v) hits[static_cast<std::size_t>(id)]++;
  }
  for (int i = 0; i < 5; ++i) {
    const double p = incl[static_cast<std::size_t>(i)] / e2;
    CAPTURE(i);
    CHECK(std::abs(hits[static_cast<std::size_t>(i)] / double(n) - p) <
          5 * std::sqrt(p * (1 - p) / n));
  }
  // Losing every instance, and extreme hazards, still give n_out distinct ids.
  hazard_model extreme;
  extreme.hazards = {1e-9, 0.999999, 0.5, 1e-9};
  for (int k = 0; k <= 4; ++k) {
    auto v = draw(extreme.prepare(4, k), k, 2, 0);
    CHECK(std::set<int>(v.begin(), v.end()).size() == static_cast<std::size_t>(k));
  }
}

TEST_CASE("exact estimator matches R's brute force (tests/data/liveput/mvhg.csv)") {
  std::ifstream in(std::string(PARCAE_SOURCE_DIR) + "/tests/data/liveput/mvhg.csv");
  REQUIRE(in.good());
  std::string line;
  std::getline(in, line);  // comment
  std::getline(in, line);  // header
  int rows = 0;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::vector<double> v;
    std::string cell;
    while (std::getline(ss, cell, ',')) v.push_back(std::stod(cell));
    REQUIRE(v.size() == 9);
    const int n = int(v[0]), d = int(v[1]), p = int(v[2]), n_out = int(v[3]), k = int(v[4]);
    CAPTURE(line);
    const std::vector<target_info> target{{{k, 1}, 1.0}};
    const key key1{n, d, p, n, n_out};  // n_in = n: the target always fits
    const entry prob = estimate_exact(key1, make_stateless_cost(threshold_cost{}), target);
    REQUIRE(prob.targets.size() == 1);
    CHECK(prob.targets[0].probability == doctest::Approx(v[5]).epsilon(1e-12));
    const entry add = estimate_exact(key1, make_stateless_cost(additive_cost{}), target);
    const double expected = 1000 * v[6] + 10 * v[7] + v[8];
    CHECK(add.targets[0].mean_cost_s * 1000 == doctest::Approx(expected).epsilon(1e-12));
    CHECK(add.targets[0].probability == doctest::Approx(1.0).epsilon(1e-15));
    ++rows;
  }
  CHECK(rows == 25);
}

TEST_CASE("exact estimator equals full enumeration of preemption sets (N <= 12)") {
  struct layout_case {
    int n, d, p, g;
  };
  // The last three have g >= P, where instances of different residues i*g mod P share a class.
  const std::vector<layout_case> cases{{12, 2, 4, 1},  {12, 3, 4, 1}, {10, 1, 7, 1}, {9, 2, 3, 1},
                                       {12, 1, 12, 1}, {6, 2, 5, 2},  {5, 3, 3, 2},  {4, 2, 5, 3},
                                       {6, 1, 2, 2},   {5, 3, 2, 2},  {4, 2, 3, 4}};
  const auto cost = make_stateless_cost(mixed_cost{});
  int checked = 0;
  for (const auto& c : cases) {
    for (int n_out = 0; n_out <= std::min(c.n, 6); ++n_out) {
      for (int n_in : {0, 2}) {
        const key k{c.n, c.d, c.p, n_in, n_out};
        exact_params ep;
        ep.gpus_per_instance = c.g;
        const entry e = estimate_exact(k, cost, all_targets(16), ep);
        REQUIRE(e.status == (k.n_after() > 0 ? entry_status::ok : entry_status::no_target));
        for (const auto& t : e.targets) {
          const auto [prob, mean] = enumerate_subsets(instance_layout{c.n, c.d, c.p, c.g}, n_in,
                                                      n_out, mixed_cost{}, t.target);
          CAPTURE(to_string(k));
          CAPTURE(parcae::to_string(t.target));
          CHECK(t.probability == doctest::Approx(prob).epsilon(1e-12));
          CHECK(t.mean_cost_s * 1000 == doctest::Approx(mean).epsilon(1e-12));
          ++checked;
        }
      }
    }
  }
  CHECK(checked > 1000);
}

TEST_CASE("instance classes equal grouping every instance by its slot signature") {
  // Reference: describe each instance by (GPU slots per old stage, idle GPUs, holds no slot) and
  // group equal descriptions in order of first appearance.
  for (int g = 1; g <= 5; ++g) {
    for (int p = 1; p <= 7; ++p) {
      for (int d = 1; d <= 3; ++d) {
        const int need = (d * p + g - 1) / g;
        for (int n = need; n <= need + 3; ++n) {
          const instance_layout layout{n, d, p, g};
          std::map<std::vector<int>, int> index;
          std::vector<std::pair<std::vector<int>, int>> expected;  // signature, size
          for (int i = 0; i < n; ++i) {
            std::vector<int> sig(static_cast<std::size_t>(p) + 2, 0);
            for (int t = 0; t < g; ++t) {
              const int j = i * g + t;
              ++sig[j < d * p ? static_cast<std::size_t>(j % p) : static_cast<std::size_t>(p)];
            }
            sig[static_cast<std::size_t>(p) + 1] = i * g >= d * p ? 1 : 0;
            const auto [it, fresh] = index.emplace(sig, static_cast<int>(expected.size()));
            if (fresh) expected.push_back({sig, 0});
            ++expected[static_cast<std::size_t>(it->second)].second;
          }
          const auto classes = parcae::liveput::detail::instance_groups(layout);
          CAPTURE(n);
          CAPTURE(d);
          CAPTURE(p);
          CAPTURE(g);
          REQUIRE(classes.groups.size() == expected.size());
          for (std::size_t c = 0; c < expected.size(); ++c) {
            const auto& grp = classes.groups[c];
            std::vector<int> sig(static_cast<std::size_t>(p) + 2, 0);
            for (int x = grp.begin; x < grp.end; ++x) {
              const auto [stage, slots] = classes.held[static_cast<std::size_t>(x)];
              CHECK(slots > 0);
              sig[static_cast<std::size_t>(stage)] = slots;
            }
            sig[static_cast<std::size_t>(p)] = grp.spare_gpus;
            sig[static_cast<std::size_t>(p) + 1] = grp.spare_instance ? 1 : 0;
            CHECK(sig == expected[c].first);
            CHECK(grp.size == expected[c].second);
          }
        }
      }
    }
  }
}

TEST_CASE("exact estimator: target set, statuses and the state limit") {
  const auto cost = make_stateless_cost(mixed_cost{});
  // Targets are those with d*p <= N' * g, sorted by (p, d).
  const entry e = estimate_exact(key{8, 2, 3, 1, 3}, cost, all_targets(16));
  CHECK(e.targets.size() == all_targets(6).size());
  for (std::size_t i = 1; i < e.targets.size(); ++i) {
    CHECK(e.targets[i - 1].target < e.targets[i].target);
  }
  CHECK(e.states > 0);
  CHECK(e.method == method::exact);
  // Nothing fits: no_target.
  const std::vector<target_info> big{{{4, 4}, 1.0}};
  CHECK(estimate_exact(key{10, 2, 3, 0, 2}, cost, big).status == entry_status::no_target);
  // Too many loss vectors: a status, not an exception.
  exact_params small;
  small.max_states = 10;
  const entry t = estimate_exact(key{32, 1, 32, 0, 8}, cost, all_targets(32), small);
  CHECK(t.status == entry_status::too_many_states);
  CHECK(t.states == 10518300);  // C(32, 8) loss vectors
  CHECK(t.targets.empty());
}

TEST_CASE("Monte-Carlo within 3 standard errors of exact on many keys") {
  const auto cost = make_stateless_cost(mixed_cost{});
  const auto targets = all_targets(24);
  std::vector<key> keys;
  for (int n : {8, 12, 20}) {
    for (parallel_config c : {parallel_config{2, 3}, parallel_config{1, 6}, parallel_config{3, 2},
                              parallel_config{2, 4}}) {
      for (int n_out : {0, 1, 3, 5}) keys.push_back(key{n, c.d, c.p, n % 3, n_out});
    }
  }
  mc_params mp;
  mp.samples = 4000;
  mp.seed = 42;
  const auto mc = estimate_monte_carlo(uniform_model{}, cost, targets, keys, mp);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    CAPTURE(to_string(keys[i]));
    check_within_3se(mc[i], estimate_exact(keys[i], cost, targets));
    CHECK(mc[i].samples == 4000);
    CHECK(mc[i].method == method::monte_carlo);
  }
}

TEST_CASE("Monte-Carlo: same seed, same result at any thread count and chunk size") {
  const auto cost = make_stateless_cost(mixed_cost{});
  const auto targets = all_targets(32);
  std::vector<key> keys;
  for (int n_out = 0; n_out <= 6; ++n_out) {
    keys.push_back(key{32, 4, 8, 0, n_out});
    keys.push_back(key{32, 4, 8, 3, n_out});
    keys.push_back(key{30, 2, 13, 1, n_out});
  }
  mc_params mp;
  mp.samples = 3000;
  mp.seed = 7;
  mp.threads = 1;
  const auto one = estimate_monte_carlo(uniform_model{}, cost, targets, keys, mp);
  for (int threads : {2, 3, 0}) {
    for (std::int64_t chunk : {std::int64_t{0}, std::int64_t{2048}, std::int64_t{333}}) {
      mc_params q = mp;
      q.threads = threads;
      q.chunk = chunk;
      const auto other = estimate_monte_carlo(uniform_model{}, cost, targets, keys, q);
      for (std::size_t i = 0; i < keys.size(); ++i) {
        REQUIRE(other[i].targets.size() == one[i].targets.size());
        if (chunk == 0) CHECK(other[i].states == one[i].states);  // automatic chunking
        for (std::size_t t = 0; t < one[i].targets.size(); ++t) {
          // Bit for bit.
          CHECK(other[i].targets[t].probability == one[i].targets[t].probability);
          CHECK(other[i].targets[t].mean_cost_s == one[i].targets[t].mean_cost_s);
          CHECK(other[i].targets[t].mean_cost_se_s == one[i].targets[t].mean_cost_se_s);
          CHECK(other[i].targets[t].liveput == one[i].targets[t].liveput);
        }
      }
    }
  }
  // One key alone equals the same key inside the batch (samples do not depend on the batch).
  const entry alone = estimate_monte_carlo(uniform_model{}, cost, targets, keys[4], mp);
  CHECK(alone.targets[5].mean_cost_s == one[4].targets[5].mean_cost_s);
  // Another seed gives another estimate.
  mc_params other_seed = mp;
  other_seed.seed = 8;
  const auto diff = estimate_monte_carlo(uniform_model{}, cost, targets, keys, other_seed);
  bool any_differs = false;
  for (std::size_t t = 0; t < one[12].targets.size(); ++t) {
    any_differs |= diff[12].targets[t].mean_cost_s != one[12].targets[t].mean_cost_s;
  }
  CHECK(any_differs);
}

TEST_CASE("Monte-Carlo: hazard and zone models against the exact uniform estimator") {
  const auto cost = make_stateless_cost(mixed_cost{});
  const auto targets = all_targets(16);
  const std::vector<key> keys{{12, 2, 4, 0, 3}, {16, 3, 4, 1, 5}, {10, 1, 8, 0, 2}};
  mc_params mp;
  mp.samples = 5000;
  hazard_model equal;
  equal.hazards.assign(16, 0.2);
  zone_model one;
  const auto h = estimate_monte_carlo(equal, cost, targets, keys, mp);
  const auto z = estimate_monte_carlo(one, cost, targets, keys, mp);
  const auto u = estimate_monte_carlo(uniform_model{}, cost, targets, keys, mp);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const entry ex = estimate_exact(keys[i], cost, targets);
    check_within_3se(h[i], ex);
    check_within_3se(z[i], ex);
    for (std::size_t t = 0; t < u[i].targets.size(); ++t) {  // one zone = uniform, bit for bit
      CHECK(z[i].targets[t].mean_cost_s == u[i].targets[t].mean_cost_s);
    }
  }
  // Clustered losses wipe whole pipelines rather than hit one stage in many: with zones = blocks
  // of whole pipelines, every stage keeps a replica more often than under the uniform model.
  zone_model zones;
  zones.weights = {1, 1, 1, 1};
  const std::vector<target_info> t{{{3, 1}, 1.0}};  // every stage keeps 3 replicas
  const key k{16, 4, 4, 0, 4};
  const double p_zone = estimate_monte_carlo(zones, make_stateless_cost(threshold_cost{}), t, k, mp)
                            .targets[0]
                            .probability;
  const double p_unif =
      estimate_exact(k, make_stateless_cost(threshold_cost{}), t).targets[0].probability;
  CHECK(p_zone == 1.0);  // each event takes exactly one pipeline
  CHECK(p_unif == doctest::Approx(4.0 * 4 * 4 * 4 / 1820));  // one loss per stage
}

TEST_CASE("custom sampler: contract and checks") {
  // Preempts the last n_out instances (the spares first): deterministic.
  auto last = [](parcae::counter_rng&, int n, int n_out, int* out) {
    for (int i = 0; i < n_out; ++i) out[i] = n - 1 - i;
  };
  const auto cost = make_stateless_cost(mixed_cost{});
  const key k{10, 2, 4, 0, 2};
  mc_params mp;
  mp.samples = 100;
  const entry e = estimate_monte_carlo(custom_model(last), cost, all_targets(10), k, mp);
  REQUIRE(!e.targets.empty());
  for (const auto& t : e.targets) {
    CHECK(t.mean_cost_se_s == 0.0);  // one preemption set only
    CHECK((t.probability == 0.0 || t.probability == 1.0));
  }
  CHECK(e.states == 1);
  // Duplicate ids and ids out of range are caught.
  auto dup = [](parcae::counter_rng&, int, int n_out, int* out) {
    for (int i = 0; i < n_out; ++i) out[i] = 0;
  };
  CHECK_THROWS_WITH_AS(estimate_monte_carlo(custom_model(dup), cost, all_targets(10), k, mp),
                       "parcae::liveput::estimate_monte_carlo: the sampler's instance id 1 of "
                       "sample 0 (n = 10) is 0, but must be distinct and in [0, n)",
                       parcae::invalid_argument);
  auto out_of_range = [](parcae::counter_rng&, int n, int n_out, int* out) {
    for (int i = 0; i < n_out; ++i) out[i] = n + i;
  };
  CHECK_THROWS_AS(estimate_monte_carlo(custom_model(out_of_range), cost, all_targets(10), k, mp),
                  parcae::invalid_argument);
}

TEST_CASE("bad input to the models and estimators") {
  const auto cost = make_stateless_cost(mixed_cost{});
  const auto targets = all_targets(8);
  CHECK_THROWS_WITH_AS(uniform_model{}.prepare(0, 0),
                       "parcae::liveput::uniform_model::prepare: n is 0, but must be >= 1",
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(uniform_model{}.prepare(4, 5),
                       "parcae::liveput::uniform_model::prepare: n_out is 5, but must be in [0, 4]",
                       parcae::invalid_argument);
  zone_model z;
  z.weights = {};
  CHECK_THROWS_AS(z.prepare(4, 1), parcae::invalid_argument);
  z.weights = {1.0, -1.0};
  CHECK_THROWS_WITH_AS(z.prepare(4, 1),
                       "parcae::liveput::zone_model::validate: weights[1] is -1, but must be >= 0",
                       parcae::invalid_argument);
  z.weights = {0.0, 0.0};
  CHECK_THROWS_AS(z.prepare(4, 1), parcae::invalid_argument);
  z.weights = {std::nan("")};
  CHECK_THROWS_AS(z.prepare(4, 1), parcae::invalid_argument);
  z.weights.assign(max_zones + 1, 1.0);
  CHECK_THROWS_AS(z.prepare(4, 1), parcae::invalid_argument);
  hazard_model h;
  CHECK_THROWS_AS(h.prepare(4, 1), parcae::invalid_argument);  // empty
  h.hazards = {0.1, 0.2, 1.0};
  CHECK_THROWS_WITH_AS(
      h.prepare(3, 1),
      "parcae::liveput::hazard_model::validate: hazards[2] is 1, but must be in (0, 1)",
      parcae::invalid_argument);
  h.hazards = {0.1, 0.2};
  CHECK_THROWS_WITH_AS(h.prepare(3, 1),
                       "parcae::liveput::hazard_model::prepare: hazards has 2 elements, but must "
                       "have at least n = 3",
                       parcae::invalid_argument);
  // Keys.
  CHECK_THROWS_WITH_AS(estimate_exact(key{4, 2, 3, 0, 1}, cost, targets),
                       "parcae::liveput::estimate_exact: key.d*key.p is 6, but must be <= "
                       "key.n*gpus_per_instance = 4",
                       parcae::invalid_argument);
  CHECK_THROWS_AS(estimate_exact(key{0, 1, 1, 0, 0}, cost, targets), parcae::invalid_argument);
  CHECK_THROWS_AS(estimate_exact(key{4, 0, 1, 0, 0}, cost, targets), parcae::invalid_argument);
  CHECK_THROWS_AS(estimate_exact(key{4, 1, 0, 0, 0}, cost, targets), parcae::invalid_argument);
  CHECK_THROWS_AS(estimate_exact(key{4, 1, 2, -1, 0}, cost, targets), parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(estimate_monte_carlo(uniform_model{}, cost, targets, key{4, 1, 2, 0, 5}),
                       "parcae::liveput::estimate_monte_carlo: key.n_out is 5, but must be in "
                       "[0, 4]",
                       parcae::invalid_argument);
  CHECK_THROWS_AS(estimate_exact(key{200, 1, max_stages + 1, 0, 0}, cost, targets),
                  parcae::invalid_argument);
  // Parameters.
  mc_params mp;
  mp.samples = 0;
  CHECK_THROWS_WITH_AS(mp.validate(),
                       "parcae::liveput::mc_params::validate: samples is 0, but must be in [1, "
                       "68719476736]",
                       parcae::invalid_argument);
  mp = mc_params{};
  mp.threads = -1;
  CHECK_THROWS_AS(mp.validate(), parcae::invalid_argument);
  mp = mc_params{};
  mp.chunk = -1;
  CHECK_THROWS_AS(mp.validate(), parcae::invalid_argument);
  mp = mc_params{};
  mp.interval_s = std::nan("");
  CHECK_THROWS_AS(mp.validate(), parcae::invalid_argument);
  mp = mc_params{};
  mp.gpus_per_instance = 0;
  CHECK_THROWS_AS(mp.validate(), parcae::invalid_argument);
  exact_params ep;
  ep.max_states = 0;
  CHECK_THROWS_AS(ep.validate(), parcae::invalid_argument);
  ep = exact_params{};
  ep.interval_s = -60;
  CHECK_THROWS_WITH_AS(
      ep.validate(), "parcae::liveput::exact_params::validate: interval_s is -60, but must be > 0",
      parcae::invalid_argument);
}

TEST_CASE("custom sampler of docs/liveput.md: the oldest instances go first") {
  auto oldest_first = [](parcae::counter_rng& rng, int n, int n_out, int* out) {
    int pool[8];
    const int m = n < 8 ? n : 8;
    for (int i = 0; i < m; ++i) pool[i] = i;
    for (int i = 0; i < n_out; ++i) {
      if (i < m) {
        const int j = i + static_cast<int>(rng.next_below(static_cast<std::uint32_t>(m - i)));
        const int t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
        out[i] = pool[i];
      } else {
        out[i] = i;
      }
    }
  };
  // (16, 2, 8): instances 0..7 are pipeline 0. Up to 8 losses leave pipeline 1 whole (every
  // stage keeps a replica); the 9th loss is instance 8 = stage 0 of pipeline 1, and with all of
  // pipeline 0 gone stage 0 is wiped.
  const auto cost = make_stateless_cost(threshold_cost{});
  const std::vector<target_info> one_replica{{{1, 1}, 1.0}};
  mc_params mp;
  mp.samples = 500;
  CHECK(
      estimate_monte_carlo(custom_model(oldest_first), cost, one_replica, key{16, 2, 8, 16, 3}, mp)
          .targets[0]
          .probability == 1.0);
  CHECK(
      estimate_monte_carlo(custom_model(oldest_first), cost, one_replica, key{16, 2, 8, 16, 9}, mp)
          .targets[0]
          .probability == 0.0);
}
