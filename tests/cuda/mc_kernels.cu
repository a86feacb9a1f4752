// The GPU side of the Monte-Carlo tests: instantiates cuda_backend for the models and costs of
// tests/cuda/mc_test.cpp (declared in gpu_api.hpp).
#include <stdexcept>

#include "cuda_host/gpu_toy_costs.hpp"
#include "gpu_api.hpp"
#include "parcae/cuda/memory.cuh"
#include "parcae/cuda/monte_carlo.cuh"
#include "parcae/cuda/transfer_hazard.hpp"
#include "parcae/cuda/transfer_perf.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/liveput/preemption.hpp"
#include "parcae/perf/builtin_profiles.hpp"

namespace parcae_test {

namespace {

namespace lp = parcae::liveput;
namespace pc = parcae::cuda;

pc::cuda_params to_cuda_params(const gpu_call& call) {
  pc::cuda_params p;
  static_cast<pc::mc_gpu_params&>(p) = call.params;
  p.device = call.device;
  return p;
}

lp::perf_cost_model gpt_cost(int g) {
  parcae::perf::model_profile profile = parcae::perf::builtin::gpt_1_5b();
  profile.gpus_per_instance = g;
  return lp::perf_cost_model(profile);
}

template <class Model, class Cost>
gpu_run run(const Model& model, const Cost& cost, const std::vector<lp::target_info>& targets,
            const std::vector<lp::key>& keys, const gpu_call& call) {
  pc::cuda_backend<Model, Cost> backend(model, cost, targets, to_cuda_params(call));
  gpu_run out;
  out.bit_identical = backend.bit_identical();
  out.name = backend.name();
  if (call.async) {
    pc::device_guard guard(call.device);
    pc::stream s;
    auto batch = backend.estimate_async(keys, s.get());
    out.entries = batch.get();
  } else {
    out.entries = backend.estimate(keys);
  }
  return out;
}

template <class Model>
gpu_run run_cost(const Model& model, gpu_cost cost, const std::vector<lp::target_info>& targets,
                 const std::vector<lp::key>& keys, const gpu_call& call) {
  if (cost == gpu_cost::perf_gpt) {
    return run(model, gpt_cost(call.params.gpus_per_instance), targets, keys, call);
  }
  return run(model, lp::make_stateless_cost(cuda_test::toy_cost{}), targets, keys, call);
}

}  // namespace

gpu_run gpu_estimate(const gpu_model_spec& model, gpu_cost cost,
                     const std::vector<lp::target_info>& targets, const std::vector<lp::key>& keys,
                     const gpu_call& call) {
  switch (model.kind) {
    case gpu_model::uniform:
      return run_cost(lp::uniform_model{}, cost, targets, keys, call);
    case gpu_model::zone: {
      lp::zone_model z;
      z.weights = model.weights;
      z.layout = model.layout;
      return run_cost(z, cost, targets, keys, call);
    }
    case gpu_model::hazard: {
      lp::hazard_model h;
      h.hazards = model.hazards;
      return run_cost(h, cost, targets, keys, call);
    }
    case gpu_model::window:
      return run_cost(lp::custom_model<cuda_test::window_sampler>(cuda_test::window_sampler{}),
                      cost, targets, keys, call);
    case gpu_model::duplicate:
      return run_cost(
          lp::custom_model<cuda_test::duplicate_sampler>(cuda_test::duplicate_sampler{}), cost,
          targets, keys, call);
  }
  throw std::logic_error("gpu_estimate: unknown model");
}

std::shared_ptr<lp::backend> gpu_perf_backend(const std::vector<lp::target_info>& targets,
                                              const pc::mc_gpu_params& params) {
  pc::cuda_params p;
  static_cast<pc::mc_gpu_params&>(p) = params;
  return pc::make_cuda_backend(lp::uniform_model{}, gpt_cost(params.gpus_per_instance), targets, p);
}

void gpu_get_twice(const std::vector<lp::key>& keys, const std::vector<lp::target_info>& targets) {
  pc::cuda_backend<lp::uniform_model, lp::stateless_cost<cuda_test::toy_cost>> backend(
      lp::uniform_model{}, lp::make_stateless_cost(cuda_test::toy_cost{}), targets, {});
  auto batch = backend.estimate_async(keys, backend.stream_handle());
  batch.get();
  batch.get();
}

}  // namespace parcae_test
