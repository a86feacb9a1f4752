// Throughput model: partition, p2p curve, memory rule, the 1F1B schedule on a hand-checked case,
// the measured tables of the five shipped profiles (digest §2.1) and bad input.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/memory.hpp"
#include "parcae/perf/partition.hpp"
#include "parcae/perf/profile_json.hpp"
#include "parcae/perf/throughput.hpp"

using parcae::parallel_config;
using namespace parcae::perf;

namespace {

model_profile shipped(const std::string& name) {
  return load_profile_file(std::string(PARCAE_SOURCE_DIR) + "/profiles/" + name + ".json");
}

/// A small model with round numbers for hand-checked schedules: n equal layers, no all-reduce
/// volume unless params are given.
model_profile tiny(int n_layers, double fwd, double bwd, double params = 0.0) {
  model_profile m;
  m.name = "tiny";
  m.transformer = false;
  m.micro_batch = 1;
  m.global_batch = 2;
  m.gpu_memory_mb = 1024;
  for (int i = 0; i < n_layers; ++i) m.layers.push_back({"l", fwd, bwd, 0.0, 0.0, params});
  m.p2p = p2p_curve::from_points({4.0}, {500.0});  // every transfer 0.5 ms
  return m;
}

const double mib = 1024.0 * 1024.0;

}  // namespace

TEST_CASE("partition: uniform by count, embedding on stage 0, remainder on the last-but-one") {
  // gpt-1.5b has 50 layers (embedding + 48 blocks + head).
  CHECK(partition_layers(50, 8) == std::vector<int>{0, 7, 13, 19, 25, 31, 37, 44, 50});
  CHECK(partition_layers(50, 4) == std::vector<int>{0, 13, 25, 38, 50});
  CHECK(partition_layers(50, 1) == std::vector<int>{0, 50});
  for (int p = 1; p <= 49; ++p) {
    const auto b = partition_layers(50, p);
    for (int s = 0; s < p; ++s) CHECK(b[s + 1] - b[s] >= 1);
  }
  CHECK_THROWS_WITH_AS(partition_layers(50, 50),
                       "parcae::perf::partition_layers: p is 50, but must be in [1, 49]",
                       parcae::invalid_argument);
  CHECK_THROWS_AS(partition_layers(0, 1), parcae::invalid_argument);
}

TEST_CASE("p2p curve: the artifact's table, interpolation and proportional extrapolation") {
  const p2p_curve c = builtin::artifact_p2p_10gbps();
  CHECK(c.n == 29);
  CHECK(c.cost_ms(1 << 20) == doctest::Approx(1.428108));
  CHECK(c.cost_ms(1) == doctest::Approx(0.142907));  // below the first point: the first time
  CHECK(c.cost_ms(1.5 * (1 << 20)) == doctest::Approx((1428.108 + 3006.771) / 2 / 1000));
  CHECK(c.cost_ms(2.0 * (1 << 30)) == doctest::Approx(2 * 1198.2559));
  CHECK(ring_allreduce_ms(125.0, 4, 1.25) == doctest::Approx(150.0));
  CHECK(ring_allreduce_ms(125.0, 1, 1.25) == 0.0);
  CHECK_THROWS_WITH_AS(p2p_curve::from_points({8, 4}, {1, 1}),
                       "parcae::perf::p2p_curve::from_points: p2p.bytes[1] is 4, but must be > 8 "
                       "(strictly increasing)",
                       parcae::invalid_argument);
  CHECK_THROWS_AS(p2p_curve::from_points({}, {}), parcae::invalid_argument);
  CHECK_THROWS_AS(p2p_curve::from_points({4}, {-1}), parcae::invalid_argument);
}

TEST_CASE("memory rule on gpt-1.5b (hand-computed)") {
  const model_profile m = builtin::gpt_1_5b();
  // p = 1: 1,557.7M parameters (head tied to the embedding) * 12 B = 17,825 MiB > 15,872: OOM.
  const memory_plan p1 = plan_memory(m, 1);
  CHECK_FALSE(p1.feasible);
  CHECK(p1.stages[0].params == doctest::Approx(82124800.0 + 48 * 30740800.0));
  // p = 8, stage 0: embedding + 6 blocks = 266,569,600 params -> 3,050.6 MiB of states; with
  // recomputation every layer (c = 1): 269.0 MiB + 7 checkpoints of 6.25 MiB = 312.7 MiB.
  const memory_plan p8 = plan_memory(m, 8);
  CHECK(p8.feasible);
  CHECK(p8.stages[0].params == doctest::Approx(266569600.0));
  CHECK(p8.stages[0].states_mb == doctest::Approx(266569600.0 * 12 / mib));
  CHECK(p8.stages[0].recompute_mb == doctest::Approx(282034176.0 / mib + 7 * 6.25));
  // in flight on stage 0: 8 micro-batches of (9,420,800 + 6 * 282,034,176) bytes.
  CHECK(p8.stages[0].in_flight_mb == doctest::Approx(8 * (9420800.0 + 6 * 282034176.0) / mib));
  // states + in flight = 16,033 MiB > 15,872: recomputation is on (the artifact would not switch
  // it on, since the in-flight activations alone fit), and the stage needs states + recompute.
  CHECK(p8.stages[0].states_mb + p8.stages[0].in_flight_mb ==
        doctest::Approx(16033.0).epsilon(1e-4));
  CHECK(p8.recompute);
  CHECK(p8.stages[0].total_mb ==
        doctest::Approx(p8.stages[0].states_mb + p8.stages[0].recompute_mb));
  CHECK(p8.peak_mb == doctest::Approx(3363.4).epsilon(1e-4));
  // p = 16: stage 0 holds the embedding + 3 blocks; 16 micro-batches in flight still fit.
  CHECK_FALSE(plan_memory(m, 16).recompute);
  // The artifact's rule admits p >= 2 for gpt-1.5b (its hard-coded p_min of 6 is empirical).
  CHECK(min_feasible_depth(m) == 2);
  // gpt-6.7b: stage 0 at p = 6 holds the embedding + 6 blocks = 1,422.7M params -> OOM; at p = 7
  // embedding + 5 blocks = 1,221.3M params -> 13,977 MiB + recompute fits in 15,872 MiB.
  const model_profile g67 = shipped("gpt-6.7b");
  CHECK_FALSE(plan_memory(g67, 6).feasible);
  CHECK(plan_memory(g67, 7).feasible);
  CHECK(min_feasible_depth(g67) == 7);
}

TEST_CASE("memory rule: recomputation switches on, OOM when states do not fit") {
  model_profile m = tiny(4, 1.0, 2.0, 10.0 * mib / 4);  // 10 MiB of fp32 params per layer
  m.optimizer_states = 2;                               // 30 MiB of states per layer
  for (auto& l : m.layers) l.activation_bytes = 100.0 * mib;
  m.gpu_memory_mb = 300;
  // p = 2: stage 0 has 3 layers (chunk 1, +1 on stage 0, +1 remainder on stage p-2 = 0): in
  // flight 2 * 300 MiB = 600 > 300, so recomputation is on; states 90 + recompute (largest layer
  // activation) 100 = 190 fits in 300.
  const memory_plan p2 = plan_memory(m, 2);
  CHECK(p2.feasible);
  CHECK(p2.recompute);
  CHECK(p2.stages[0].n_layers == 3);
  CHECK(p2.stages[0].total_mb == doctest::Approx(190.0));
  m.gpu_memory_mb = 150;
  CHECK_FALSE(plan_memory(m, 2).feasible);
  CHECK(min_feasible_depth(m) == 0);
  m.gpu_memory_mb = 150;
  const throughput_model tm(m);
  CHECK(tm.min_depth() == 0);
  CHECK(tm.estimate({1, 2}).status == estimate_status::out_of_memory);
  CHECK(tm.feasible_configs(16).empty());
  CHECK(tm.best(16).status == estimate_status::no_estimate);
}

TEST_CASE("1F1B schedule: hand-checked two-stage, two-micro-batch case") {
  // forward 1 ms, backward 2 ms per stage, 0.5 ms p2p. By hand (see docs/performance-model.md):
  // F00 [0,1]  F10 [1,2]  F01 [1.5,2.5]  B01 [2.5,4.5]  F11 [4.5,5.5]  B00 [5,7]  B11 [5.5,7.5]
  // B10 [8,10].
  parcae::detail::pipeline_stage_costs costs{{1.0, 1.0}, {2.0, 2.0}};
  std::vector<double> finish;
  parcae::detail::schedule_1f1b(costs, 2, 0.5, false, finish);
  CHECK(finish == std::vector<double>{10.0, 7.5});
  // One stage: no transfers, 2 * (1 + 2).
  parcae::detail::pipeline_stage_costs one{{1.0}, {2.0}};
  parcae::detail::schedule_1f1b(one, 2, 0.5, false, finish);
  CHECK(finish == std::vector<double>{6.0});
  // The artifact's charging (p2p on every edge) is never faster.
  parcae::detail::schedule_1f1b(costs, 2, 0.5, true, finish);
  CHECK(finish[0] >= 10.0);

  // End to end: tiny 3-layer model, p = 2 -> stages of 2 and 1 layers; d = 1, m = 2.
  const throughput_model tm(tiny(3, 0.5, 1.0));
  auto e = tm.analytic({1, 2});
  // Stage 0: F 1, B 2; stage 1: F 0.5, B 1. By the same rules: F00 [0,1] F10 [1,2] F01 [1.5,2]
  // B01 [2,3] F11 [3,3.5] B11 [3.5,4.5] B00 [3.5,5.5] B10 [5.5,7.5]; no params, no all-reduce.
  CHECK(e.status == estimate_status::ok);
  CHECK(e.micro_batches == 2);
  CHECK(e.iteration_ms == doctest::Approx(7.5));
  CHECK(e.samples_per_s == doctest::Approx(2 / 0.0075));
  // d = 2: one micro-batch each; all-reduce of 4 MiB fp32 params per layer, fp16 halves it.
  model_profile withp = tiny(3, 0.5, 1.0, mib);  // 4 MiB per layer
  const throughput_model tm2(withp);
  e = tm2.analytic({2, 2});
  // m = 1: stage 0 F [0,1], stage 1 F [1.5,2], B [2,3], stage 0 B [3.5,5.5]. Stage 0 all-reduce:
  // 8 MiB / 2 / 1.25 * 2*(2-1)/2 = 3.2 ms -> 8.7; stage 1: 3 + 1.6 = 4.6.
  CHECK(e.micro_batches == 1);
  CHECK(e.iteration_ms == doctest::Approx(5.5 + 3.2));
}

TEST_CASE("gpt-1.5b: measured rows, analytic fallback and the best configuration per N") {
  const throughput_model tm(builtin::gpt_1_5b());
  const auto e48 = tm.estimate({4, 8});
  CHECK(e48.source == estimate_source::measured);
  CHECK(e48.iteration_ms == doctest::Approx(2944.728));
  CHECK(e48.samples_per_s == doctest::Approx(43.468));
  CHECK(tm.estimate({2, 4}).source == estimate_source::analytic);
  // Digest §2.1 (best per N, samples/s to one decimal), with the analytic fallback on.
  const std::vector<std::tuple<int, parallel_config, double>> best = {
      {8, {1, 8}, 17.3},  {12, {2, 6}, 24.2},  {16, {2, 8}, 29.5}, {20, {2, 10}, 35.1},
      {24, {3, 8}, 36.8}, {28, {2, 13}, 40.7}, {32, {4, 8}, 43.5}};
  for (const auto& [n, config, sps] : best) {
    CAPTURE(n);
    const auto b = tm.best(n);
    CHECK(b.config == config);
    CHECK(b.samples_per_s == doctest::Approx(sps).epsilon(0.002));
  }
  // The JSON profile and the built-in copy agree.
  const throughput_model json_tm(shipped("gpt-1.5b"));
  for (int p = 2; p <= 49; p += 7) {
    CHECK(json_tm.analytic({2, p}).iteration_ms ==
          doctest::Approx(tm.analytic({2, p}).iteration_ms));
  }
  CHECK(json_tm.profile().measured.size() == 47);
  // The analytic model is slower than the measurements by about 2x (docs/performance-model.md).
  CHECK(tm.analytic({4, 8}).iteration_ms == doctest::Approx(8032.8).epsilon(0.001));
}

TEST_CASE("digest §2.1: best configuration per N from the measured tables of all five models") {
  throughput_options measured_only;
  measured_only.analytic_fallback = false;  // the artifact: unmeasured configurations give 0
  struct row {
    const char* model;
    int n;
    parallel_config config;  // {0,0}: none
    double sps;
  };
  const std::vector<row> rows = {{"gpt-1.5b", 8, {1, 8}, 17.3},    {"gpt-1.5b", 32, {4, 8}, 43.5},
                                 {"gpt-6.7b", 8, {0, 0}, 0},       {"gpt-6.7b", 12, {1, 12}, 7.8},
                                 {"gpt-6.7b", 20, {1, 16}, 8.0},   {"gpt-6.7b", 32, {2, 12}, 11.1},
                                 {"bert", 8, {4, 2}, 231.6},       {"bert", 12, {6, 2}, 302.9},
                                 {"bert", 16, {4, 4}, 350.1},      {"bert", 20, {10, 2}, 425.5},
                                 {"bert", 24, {8, 3}, 481.5},      {"bert", 28, {9, 3}, 503.7},
                                 {"bert", 32, {8, 4}, 555.7},      {"resnet152", 8, {4, 2}, 693},
                                 {"resnet152", 12, {6, 2}, 1349},  {"resnet152", 16, {8, 2}, 1933},
                                 {"resnet152", 24, {12, 2}, 2257}, {"resnet152", 28, {14, 2}, 2715},
                                 {"resnet152", 32, {16, 2}, 3133}, {"vgg19", 8, {4, 2}, 864},
                                 {"vgg19", 12, {6, 2}, 1080},      {"vgg19", 16, {8, 2}, 1317},
                                 {"vgg19", 20, {10, 2}, 1402},     {"vgg19", 24, {12, 2}, 1513},
                                 {"vgg19", 28, {14, 2}, 1796},     {"vgg19", 32, {16, 2}, 2192}};
  for (const row& r : rows) {
    CAPTURE(r.model);
    CAPTURE(r.n);
    const throughput_model tm(shipped(r.model), measured_only);
    const auto b = tm.best(r.n);
    CHECK(b.config == r.config);
    // The digest rounds to one decimal (to units above 600 samples/s).
    if (r.sps > 0) CHECK(std::abs(b.samples_per_s - r.sps) <= (r.sps > 600 ? 0.5 : 0.05));
  }
}

TEST_CASE("beyond the measured table: a depth's rows extended to more pipelines") {
  // Four layers without parameters (no all-reduce), 8 micro-batches per iteration, so that a
  // depth's rows lie on iteration_ms = per_slot_ms * (m + p - 1) + fixed_ms by construction.
  model_profile m = tiny(4, 1.0, 2.0);
  m.global_batch = 8;
  const auto row = [](int d, int p, double ms) {
    return measured_config{{d, p}, ms, 8.0 / (ms / 1000.0)};
  };
  m.measured = {// p = 2, exactly 10 ms a slot + 5 ms: d = 1 has m = 8 (9 slots), d = 2 m = 4.
                row(1, 2, 95.0), row(2, 2, 55.0),
                // p = 3, three rows off any line: least squares over slots 10, 6, 4.
                row(1, 3, 100.0), row(2, 3, 62.0), row(4, 3, 40.0),
                // p = 1: 80, 40, 40 ms at 8, 4, 2 slots; the best line misses d = 2 by 21%.
                row(1, 1, 80.0), row(2, 1, 40.0), row(4, 1, 40.0)};
  const throughput_model tm(m);

  const auto& two = tm.measured_fit(2);
  CHECK(two.usable);
  CHECK(two.max_measured_d == 2);
  CHECK(two.per_slot_ms == doctest::Approx(10.0));
  CHECK(two.fixed_ms == doctest::Approx(5.0));
  CHECK(two.worst_error == doctest::Approx(0.0));
  auto e = tm.estimate({4, 2});  // m = 2: 3 slots
  CHECK(e.status == estimate_status::ok);
  CHECK(e.source == estimate_source::extrapolated);
  CHECK(e.iteration_ms == doctest::Approx(35.0));
  CHECK(e.samples_per_s == doctest::Approx(8.0 / 0.035));  // the global batch per iteration
  CHECK(tm.estimate({8, 2}).iteration_ms == doctest::Approx(25.0));  // m = 1: 2 slots
  CHECK(tm.estimate({9, 2}).status == estimate_status::batch_too_small);

  // Normal equations by hand: n = 3, sum x = 20, sum y = 202, sum x^2 = 152, sum xy = 1532;
  // slope = (3 * 1532 - 20 * 202) / 56 = 556 / 56, intercept = (202 - 20 * slope) / 3 = 8 / 7.
  const auto& three = tm.measured_fit(3);
  CHECK(three.usable);
  CHECK(three.max_measured_d == 4);
  CHECK(three.per_slot_ms == doctest::Approx(556.0 / 56.0));
  CHECK(three.fixed_ms == doctest::Approx(8.0 / 7.0));
  CHECK(three.worst_error == doctest::Approx((4 * 556.0 / 56.0 + 8.0 / 7.0 - 40.0) / 40.0));
  e = tm.estimate({8, 3});  // m = 1: 3 slots
  CHECK(e.source == estimate_source::extrapolated);
  CHECK(e.iteration_ms == doctest::Approx(3 * 556.0 / 56.0 + 8.0 / 7.0));
  // Inside the table the measured row, below and between measured counts the analytic model.
  CHECK(tm.estimate({4, 3}).source == estimate_source::measured);
  CHECK(tm.estimate({3, 3}).source == estimate_source::analytic);

  // A line that does not describe its rows is not extended.
  CHECK_FALSE(tm.measured_fit(1).usable);
  CHECK(tm.measured_fit(1).worst_error == doctest::Approx((340.0 / 7.0 - 40.0) / 40.0));
  CHECK(tm.estimate({8, 1}).source == estimate_source::analytic);

  // Off: every unmeasured configuration is the analytic model's.
  throughput_options off;
  off.extrapolate_measured = false;
  const throughput_model plain(m, off);
  CHECK(plain.estimate({4, 2}).source == estimate_source::analytic);
  CHECK_THROWS_WITH_AS(tm.measured_fit(4),
                       "parcae::perf::throughput_model::measured_fit: p is 4, but must be in "
                       "[1, 3]",
                       parcae::invalid_argument);
}

TEST_CASE("beyond the measured table: the shipped profiles") {
  // gpt-1.5b: depths 6..16 have two or more measured pipeline counts, each line within 2.4% of
  // its rows; the table's best per N is unchanged up to its 32 GPUs and larger clusters use more.
  const throughput_model gpt(shipped("gpt-1.5b"));
  for (int p = 6; p <= 16; ++p) {
    CAPTURE(p);
    CHECK(gpt.measured_fit(p).usable);
    CHECK(gpt.measured_fit(p).worst_error < 0.025);
  }
  CHECK_FALSE(gpt.measured_fit(17).usable);  // d = 1 only: the slope is unknown
  CHECK(gpt.measured_fit(17).max_measured_d == 1);
  CHECK(gpt.measured_fit(5).max_measured_d == 0);  // no measured row
  CHECK(gpt.best(32).config == parallel_config{4, 8});
  double last = gpt.best(32).samples_per_s;
  for (int n = 40; n <= 128; n += 8) {
    CAPTURE(n);
    const config_estimate b = gpt.best(n);
    CHECK(b.source == estimate_source::extrapolated);
    CHECK(b.config.size() > 32);
    CHECK(b.samples_per_s >= last);
    last = b.samples_per_s;
  }
  // 64 GPUs train 1.4x what the measured 32 do, not 2x: the micro-batches per pipeline halve and
  // the pipeline bubble grows.
  CHECK(gpt.best(64).samples_per_s / gpt.best(32).samples_per_s ==
        doctest::Approx(1.41).epsilon(0.02));
  // gpt-6.7b at depth 16 measured d = 2 slower than d = 1: a negative slope is not extended.
  const throughput_model big(shipped("gpt-6.7b"));
  CHECK_FALSE(big.measured_fit(16).usable);
  CHECK(big.measured_fit(13).usable);
  CHECK(big.best(64).samples_per_s > big.best(32).samples_per_s);
  // resnet152's rows are far from any line at depths 2..14.
  const throughput_model resnet(shipped("resnet152"));
  for (int p : {2, 4, 6, 8, 10}) CHECK_FALSE(resnet.measured_fit(p).usable);
  CHECK(resnet.best(64).config == parallel_config{16, 2});
}

TEST_CASE("more pipelines than micro-batches in the global batch is infeasible") {
  const throughput_model tm(builtin::gpt_1_5b());
  CHECK(tm.estimate({128, 8}).status == estimate_status::ok);
  CHECK(tm.estimate({129, 2}).status == estimate_status::batch_too_small);
  CHECK(tm.estimate({129, 2}).samples_per_s == 0.0);
  CHECK(tm.best(1024).config.d <= 128);
}

TEST_CASE("profiles without layer times use the measured table only") {
  const throughput_model bert(shipped("bert"));
  CHECK_FALSE(bert.profile().layer_times);
  CHECK(bert.estimate({8, 4}).samples_per_s == doctest::Approx(555.709));
  CHECK(bert.estimate({1, 9}).status == estimate_status::no_estimate);
  CHECK(bert.best(32).config == parallel_config{8, 4});
}

TEST_CASE("GPUs per instance: d*p counts GPUs") {
  model_profile m = builtin::gpt_1_5b();
  m.gpus_per_instance = 4;
  const throughput_model tm(m);
  CHECK(tm.estimate({4, 8}, 8).samples_per_s == doctest::Approx(43.468));
  CHECK_THROWS_WITH_AS(tm.estimate({4, 8}, 7),
                       "parcae::perf::throughput_model::estimate: config.d * config.p is 32, but "
                       "must be <= the GPUs alive (28)",
                       parcae::invalid_argument);
}

TEST_CASE("throughput model: bad input") {
  const throughput_model tm(builtin::gpt_1_5b());
  CHECK_THROWS_WITH_AS(tm.estimate({0, 8}),
                       "parcae::perf::throughput_model::estimate: config.d is 0, but must be >= 1",
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(tm.estimate({1, 50}),
                       "parcae::perf::throughput_model::estimate: config.p is 50, but must be in "
                       "[1, 49]",
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(tm.estimate({4, 8}, 31),
                       "parcae::perf::throughput_model::estimate: config.d * config.p is 32, but "
                       "must be <= the GPUs alive (31)",
                       parcae::invalid_argument);
  CHECK_THROWS_AS(tm.best(0), parcae::invalid_argument);
  model_profile m = builtin::gpt_1_5b();
  m.layers.clear();
  CHECK_THROWS_WITH_AS(throughput_model{m},
                       "parcae::perf::throughput_model::throughput_model: profile.layers.size() "
                       "is 0, but must be >= 1",
                       parcae::invalid_argument);
  m = builtin::gpt_1_5b();
  m.layers[3].forward_ms = -1;
  CHECK_THROWS_WITH_AS(throughput_model{m},
                       "parcae::perf::throughput_model::throughput_model: "
                       "profile.layers[3].forward_ms is -1, but must be > 0",
                       parcae::invalid_argument);
  m = builtin::gpt_1_5b();
  m.layers[0].backward_ms = 0;
  CHECK_THROWS_AS(throughput_model{m}, parcae::invalid_argument);
  m = builtin::gpt_1_5b();
  m.measured.push_back(m.measured.front());
  CHECK_THROWS_AS(throughput_model{m}, parcae::invalid_argument);
  m = builtin::gpt_1_5b();
  m.gpu_memory_mb = std::nan("");
  CHECK_THROWS_AS(throughput_model{m}, parcae::invalid_argument);
}
