// Large clusters (issue 15, item 11): every count the API accepts is bounded by core/limits.hpp
// and products are taken in 64 bits, so a huge input is a clear error, never an int overflow
// (config.d = -2147483648, 268435456 * 8 under UBSan, a current count of 3e9).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "parcae/core/limits.hpp"
#include "parcae/forecast/availability_forecaster.hpp"
#include "parcae/liveput/detail/checks.hpp"
#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/throughput.hpp"
#include "parcae/plan/types.hpp"

namespace {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const parcae::invalid_argument& e) {
    return e.what();
  }
  return "(no parcae::invalid_argument thrown)";
}

}  // namespace

TEST_CASE("limits: products of the bounds fit an int") {
  CHECK(parcae::limits::instances == 1'048'576);
  CHECK(parcae::limits::gpus == 1'073'741'824LL);
  CHECK(parcae::limits::gpus * 2 - 1 == 2'147'483'647LL);  // INT_MAX
}

TEST_CASE("limits: throughput model and profile") {
  auto profile = parcae::perf::builtin::gpt_1_5b();
  const parcae::perf::throughput_model model(profile);
  // 1,000,000 nodes of 4,096 GPUs: 4.096e9 slots, beyond an int.
  CHECK(error_of([&] { model.feasible_configs(1'000'000LL * 4096); }) ==
        "parcae::perf::throughput_model::feasible_configs: gpus is 4096000000, but must be <= "
        "1073741824");
  CHECK(error_of([&] { model.best(0); }) ==
        "parcae::perf::throughput_model::best: gpus is 0, but must be >= 1");
  CHECK(error_of([&] {
          model.analytic({268'435'456, 8});
        }) ==
        "parcae::perf::throughput_model::analytic: config.d * config.p is 2147483648, but must be "
        "<= 1073741824");
  CHECK(error_of([&] {
          model.estimate({4, 8}, 2'000'000);
        }) ==
        "parcae::perf::throughput_model::estimate: alive_instances is 2000000, but must be <= "
        "1048576");
  profile.gpus_per_instance = 4096;
  CHECK(error_of([&] { profile.validate("f"); }) ==
        "f: profile.gpus_per_instance is 4096, but must be <= 1024");
}

TEST_CASE("limits: liveput keys compare d*p and N*g in 64 bits") {
  namespace lp = parcae::liveput;
  // 268435456 * 8 = 2^31 overflowed an int (UBSan) and passed the check as a negative number.
  CHECK(error_of([] {
          lp::detail::check_key("f", lp::key{8, 268'435'456, 8, 0, 0}, 8);
        }) == "f: key.d*key.p is 2147483648, but must be <= key.n*gpus_per_instance = 64");
  CHECK(error_of([] {
          lp::detail::check_key("f", lp::key{2'000'000, 1, 1, 0, 0}, 8);
        }) == "f: key.n is 2000000, but must be <= 1048576");
  CHECK(error_of([] {
          lp::detail::check_key("f", lp::key{8, 1, 1, 0, 0}, 4096);
        }) == "f: gpus_per_instance is 4096, but must be <= 1024");
  CHECK(error_of([] {
          lp::detail::check_key("f", lp::key{8, 1, 1, 2'000'000'000, 0}, 8);
        }) == "f: key.n_in is 2000000000, but must be <= 1048576");
  lp::detail::check_key("f", lp::key{1'048'576, 1'073'741'824 / 128, 128, 0, 0}, 1024);
}

TEST_CASE("limits: planner parameters and horizons") {
  parcae::plan::planner_params p;
  p.validate();  // the defaults are within the bounds
  p.capacity = parcae::limits::instances + 1;
  CHECK(error_of([&] { p.validate("f"); }) ==
        "f: params.capacity is 1048577, but must be <= 1048576");
  p.capacity = 32;
  p.gpus_per_instance = 4096;
  CHECK(error_of([&] { p.validate("f"); }) ==
        "f: params.gpus_per_instance is 4096, but must be <= 1024");
  // N_k stays within the bound: a sum of joins that would overflow is refused.
  const std::vector<parcae::plan::availability_step> steps{{1'000'000, 0}, {2'000'000'000, 0}};
  CHECK(error_of([&] { parcae::plan::detail::horizon_counts("f", 32, steps); }) ==
        "f: steps[1].n_in is 2000000000, but must be <= 48544");
}

TEST_CASE("limits: availability forecast of huge counts and paths") {
  namespace fc = parcae::forecast;
  fc::availability_params params;
  params.horizon = 3;
  CHECK(error_of([&] {
          fc::forecast_availability({3e9, 3e9, 3e9}, {}, params);
        }) ==
        "parcae::forecast::forecast_availability: alive[0] is 3000000000, but must be <= "
        "1048576");
  CHECK(error_of([&] {
          fc::forecast_availability({3, 4, 5}, {1, -1}, params);
        }) == "parcae::forecast::forecast_availability: removed[1] is -1, but must be >= 0");
  params.n_paths = 10'000'000;
  params.horizon = 1000;
  CHECK(error_of([&] { params.validate(); }) ==
        "parcae::forecast::availability_params::validate: n_paths * horizon is 10000000000, but "
        "must be <= 20000000");
  params.n_paths = 0;
  params.capacity = 2'000'000;
  CHECK(error_of([&] { params.validate(); }) ==
        "parcae::forecast::availability_params::validate: capacity is 2000000, but must be <= "
        "1048576");
}
