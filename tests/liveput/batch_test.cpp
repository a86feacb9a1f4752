// The batched cost evaluation (cost_function.hpp: perf_cost::batch over perf::migration_batch)
// gives the estimators the numbers of one perf_cost call per (summary, target): Monte-Carlo
// entries compared field by field with ==; exact entries, whose expectation the batch sums per
// depth (migration_batch::expectation: the same terms, regrouped), with == for the probability
// and to 1e-13 relative for the mean cost (liveput: on the scale of the throughput). For the
// redundant-copy and checkpoint recoveries, with the plan cached by perf_cost_model and built by
// the batch itself.
#include <doctest/doctest.h>

#include <vector>

#include "parcae/liveput/detail/evaluator.hpp"
#include "parcae/liveput/exact.hpp"
#include "parcae/liveput/monte_carlo.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/liveput/preemption.hpp"
#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/throughput.hpp"

using namespace parcae::liveput;
using parcae::parallel_config;

namespace {

// perf_cost without batch(): the estimators fall back to one call per slot.
struct unbatched_model {
  perf_cost_model inner;
  struct bound {
    perf_cost cost;
    migration_sample operator()(const sample_context& ctx, const survivors& s,
                                parallel_config t) const {
      return cost(ctx, s, t);
    }
  };
  bound bind(parallel_config old) const { return bound{inner.bind(old)}; }
};

// perf_cost with no cached plan: each batch builds its own.
struct planless_model {
  perf_cost_model inner;
  perf_cost bind(parallel_config old) const {
    perf_cost c = inner.bind(old);
    c.plan = nullptr;
    return c;
  }
};

static_assert(detail::has_batch<perf_cost>::value, "perf_cost offers the batched form");
static_assert(!detail::has_batch<unbatched_model::bound>::value, "the wrapper does not");

void check_same(const std::vector<entry>& a, const std::vector<entry>& b, bool regrouped = false) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].status == b[i].status);
    CHECK(a[i].states == b[i].states);
    REQUIRE(a[i].targets.size() == b[i].targets.size());
    for (std::size_t t = 0; t < a[i].targets.size(); ++t) {
      const target_estimate& x = a[i].targets[t];
      const target_estimate& y = b[i].targets[t];
      CHECK(x.target == y.target);
      CHECK(x.probability == y.probability);
      CHECK(x.probability_se == y.probability_se);
      if (regrouped) {
        CHECK(x.mean_cost_s == doctest::Approx(y.mean_cost_s).epsilon(1e-13));
        // liveput = T * (prob - cost / interval) cancels: compare on the throughput's scale.
        CHECK(x.liveput == doctest::Approx(y.liveput).epsilon(1e-13).scale(y.throughput));
      } else {
        CHECK(x.mean_cost_s == y.mean_cost_s);
        CHECK(x.liveput == y.liveput);
      }
      CHECK(x.mean_cost_se_s == y.mean_cost_se_s);
    }
  }
}

std::vector<key> some_keys() {
  std::vector<key> keys;
  for (parallel_config c : {parallel_config{4, 8}, parallel_config{1, 32}, parallel_config{2, 13},
                            parallel_config{3, 9}, parallel_config{5, 6}, parallel_config{1, 20},
                            parallel_config{2, 7}}) {
    for (int n_out : {0, 1, 2, 4, 6}) {
      for (int n_in : {0, 2}) keys.push_back(key{32, c.d, c.p, n_in, n_out});
    }
  }
  keys.push_back(key{24, 2, 12, 1, 3});
  return keys;
}

}  // namespace

TEST_CASE("batched perf_cost: Monte-Carlo and exact entries equal one call per target") {
  const parcae::perf::throughput_model tm{parcae::perf::builtin::gpt_1_5b()};
  const auto targets = candidate_targets(tm, 32);
  const auto keys = some_keys();
  for (auto recovery :
       {parcae::perf::state_recovery::redundant_copy, parcae::perf::state_recovery::checkpoint}) {
    CAPTURE(static_cast<int>(recovery));
    parcae::perf::migration_options opt;
    opt.recovery = recovery;
    const perf_cost_model batched{parcae::perf::builtin::gpt_1_5b(), opt};
    const unbatched_model plain{perf_cost_model{parcae::perf::builtin::gpt_1_5b(), opt}};
    const planless_model planless{perf_cost_model{parcae::perf::builtin::gpt_1_5b(), opt}};
    mc_params mp;
    mp.samples = 3000;
    mp.threads = 2;
    const auto want = estimate_monte_carlo(uniform_model{}, plain, targets, keys, mp);
    check_same(estimate_monte_carlo(uniform_model{}, batched, targets, keys, mp), want);
    check_same(estimate_monte_carlo(uniform_model{}, planless, targets, keys, mp), want);
    mp.threads = 1;
    check_same(estimate_monte_carlo(uniform_model{}, batched, targets, keys, mp), want);
    for (const key& k :
         {key{32, 4, 8, 0, 2}, key{32, 2, 13, 2, 3}, key{20, 1, 20, 1, 2}, key{32, 5, 6, 0, 4}}) {
      CAPTURE(to_string(k));
      check_same({estimate_exact(k, batched, targets)}, {estimate_exact(k, plain, targets)}, true);
    }
  }
}
