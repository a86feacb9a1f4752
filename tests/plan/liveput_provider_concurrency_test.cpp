// Concurrency: planner threads read a liveput table through plan::liveput_provider while another
// thread fills it and imports (inserts over) entries of the same keys. Entries are immutable once
// published (liveput/table.hpp), so a reader sees one whole entry, old or new, never a mix, and
// never a freed one. Before, insert() assigned into the entry a reader iterated outside the lock
// (issue 15, item 10; 21 ThreadSanitizer reports). scripts/test runs these cases under TSan.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <memory>
#include <thread>
#include <vector>

#include "parcae/liveput/cpu_backend.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/liveput/table.hpp"
#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/throughput.hpp"
#include "parcae/plan/liveput_provider.hpp"

namespace lp = parcae::liveput;
using parcae::parallel_config;
using parcae::plan::transition;

namespace {

struct small_job {
  parcae::perf::model_profile profile = parcae::perf::builtin::gpt_1_5b();
  parcae::perf::throughput_model model{profile};
  std::vector<lp::target_info> targets = lp::candidate_targets(model, 16);
  std::shared_ptr<lp::table> table = std::make_shared<lp::table>(lp::make_cpu_backend(
      lp::uniform_model{}, lp::perf_cost_model(profile), targets, 1,
      lp::cpu_params{lp::estimator_kind::automatic, 500, 1, 1, 10000, 2'000'000, 60.0}));
  parcae::plan::liveput_provider provider{table, targets, profile};
};

/// The same entry with every cost shifted by `shift` s: a second version a reader can tell apart.
lp::entry shifted(lp::entry e, double shift) {
  for (auto& t : e.targets) t.mean_cost_s += shift;
  return e;
}

}  // namespace

TEST_CASE("liveput table concurrency: insert publishes a new entry, the old one stays valid") {
  small_job job;
  const lp::key k{16, 2, 8, 0, 1};
  const lp::entry& first = job.table->get(k);
  const auto held = job.table->get_shared(k);
  REQUIRE(!first.targets.empty());
  const double cost0 = first.targets.front().mean_cost_s;
  job.table->insert(k, shifted(first, 1000.0));
  // The reference and the shared pointer still see the first version, unchanged.
  CHECK(first.targets.front().mean_cost_s == cost0);
  CHECK(held.get() == &first);
  CHECK(job.table->get(k).targets.front().mean_cost_s == cost0 + 1000.0);
  CHECK(job.table->find_shared(k)->targets.front().mean_cost_s == cost0 + 1000.0);
  CHECK(job.table->find_shared(lp::key{16, 2, 8, 0, 2}) == nullptr);
  CHECK(job.table->size() == 1);
  job.table->clear();
  CHECK(held->targets.front().mean_cost_s == cost0);  // a shared pointer outlives clear()
}

TEST_CASE("liveput_provider concurrency: readers while another thread fills and imports") {
  small_job job;
  // Keys the readers plan on, estimated once; version B of each costs 1000 s more.
  std::vector<lp::key> keys;
  for (int n_out = 0; n_out <= 3; ++n_out) keys.push_back({16, 2, 8, 0, n_out});
  keys.push_back({16, 1, 8, 0, 1});
  std::vector<lp::entry> a, b;
  for (const auto& k : keys) {
    a.push_back(job.table->get(k));
    b.push_back(shifted(a.back(), 1000.0));
  }
  std::atomic<long> reads{0}, mixed{0}, bad{0};
  auto reader = [&](int seed) {
    std::vector<transition> out;
    for (int i = 0; i < 300; ++i) {
      const std::size_t j = static_cast<std::size_t>(i + seed) % keys.size();
      const lp::key& k = keys[j];
      job.provider.transitions(k.n, {k.d, k.p}, k.n_in, k.n_out, out);
      // Every target of one call comes from ONE version of the entry.
      int from_a = 0, from_b = 0;
      for (const transition& t : out) {
        const lp::target_estimate* ta = a[j].find(t.target);
        if (ta == nullptr || !(t.prob > 0.0 && t.prob <= 1.0)) {
          ++bad;
          continue;
        }
        from_a += t.cost_s == ta->mean_cost_s ? 1 : 0;
        from_b += t.cost_s == ta->mean_cost_s + 1000.0 ? 1 : 0;
      }
      if (out.empty() || from_a + from_b != static_cast<int>(out.size())) ++bad;
      if (from_a > 0 && from_b > 0) ++mixed;
      ++reads;
    }
  };
  std::thread writer([&] {
    // Import both versions in turn, and bulk-fill keys nobody reads yet (other n_in).
    for (int round = 0; round < 200; ++round) {
      for (std::size_t j = 0; j < keys.size(); ++j) {
        job.table->insert(keys[j], round % 2 == 0 ? b[j] : a[j]);
      }
      if (round < 3) job.table->fill({lp::key{16, 2, 8, round + 1, 1}, {16, 1, 8, round + 1, 2}});
      std::this_thread::yield();
    }
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) readers.emplace_back(reader, r);
  for (auto& t : readers) t.join();
  writer.join();
  CHECK(reads.load() == 900);
  CHECK(mixed.load() == 0);
  CHECK(bad.load() == 0);
  CHECK(job.table->size() == keys.size() + 6);
}
