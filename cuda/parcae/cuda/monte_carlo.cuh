#pragma once
// Monte-Carlo liveput on the GPU: one kernel launch draws the preemption sets of every family of
// a batch of keys and evaluates every target of every key (docs/cuda.md).
//
// Determinism (the promise of docs/cuda.md): sample i of family (N, D, P, n_out) is drawn by
// liveput::draw_survivors from counter_rng(seed, family_stream(N, D, P, n_out), i), exactly as
// on the CPU (liveput/monte_carlo.hpp); each (sample, target) cost is the same PARCAE_HD
// function, quantised to 2^-10 ms and summed as an integer (atomics on integers are exact and
// order-free); the host turns the sums into entries with the CPU's own finalisation. So the
// entries equal liveput::estimate_monte_carlo's bit for bit (entry::states excepted) whatever the
// grid, block and tile sizes, provided the device code is compiled without contraction of
// multiply-adds (--fmad=false, which the parcae::cuda CMake target sets; see
// cuda_backend::bit_identical()).
//
// Include from a .cu file (nvcc). A g++-compiled program reaches the backend through
// liveput::backend (make_cuda_backend returns a std::shared_ptr<liveput::backend>).

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <cuda_runtime.h>

#include "parcae/core/errors.hpp"
#include "parcae/cuda/check.cuh"
#include "parcae/cuda/detail/mc_plan.hpp"
#include "parcae/cuda/detail/mc_tile.hpp"
#include "parcae/cuda/memory.cuh"
#include "parcae/cuda/transfer.hpp"
#include "parcae/liveput/backend.hpp"
#include "parcae/liveput/cost_function.hpp"
#include "parcae/liveput/preemption.hpp"
#include "parcae/liveput/types.hpp"

namespace parcae::cuda {

/// Settings of the CUDA backend: the Monte-Carlo settings (mc_gpu_params: samples, seed,
/// interval, g, launch shape) and the device.
struct cuda_params : mc_gpu_params {
  int device = 0;  ///< CUDA device index

  void validate() const {
    mc_gpu_params::validate();
    check_nonnegative("parcae::cuda::cuda_params::validate", "device", device);
  }
};

namespace detail {

/// Adds a partial sum to a slot's global accumulator with integer atomics. The 128-bit sum of
/// squares is added as two words: the thread whose addition wraps the low word adds the carry to
/// the high word, so the total is exact whatever the order.
__device__ inline void atomic_accumulate(mc_accumulator& g,
                                         const liveput::detail::cost_accumulator& a) {
  atomicAdd(&g.feasible, static_cast<unsigned long long>(a.feasible));
  atomicAdd(&g.sum, static_cast<unsigned long long>(a.sum));
  const unsigned long long lo = static_cast<unsigned long long>(a.sum_sq.lo);
  const unsigned long long old = atomicAdd(&g.sq_lo, lo);
  const unsigned long long carry = old + lo < old ? 1ull : 0ull;
  const unsigned long long hi = static_cast<unsigned long long>(a.sum_sq.hi) + carry;
  if (hi != 0) atomicAdd(&g.sq_hi, hi);
}

struct atomic_add_slot {
  mc_accumulator* acc;
  __device__ void operator()(int slot, const liveput::detail::cost_accumulator& a) const {
    atomic_accumulate(acc[slot], a);
  }
};

struct atomic_report {
  unsigned long long* bad;
  __device__ void operator()(unsigned long long code) const { atomicMin(bad, code); }
};

/// The kernel: grid-stride over the tiles of the batch, four phases per tile (mc_tile.hpp).
template <class Sampler, class Cost>
__global__ void mc_kernel(mc_launch<Sampler, Cost> l) {
  extern __shared__ __align__(16) unsigned char parcae_mc_shared[];
  const tile_shared sh = carve_tile_shared(parcae_mc_shared, l.tile);
  const int j = static_cast<int>(threadIdx.x);
  const int block = static_cast<int>(blockIdx.x);
  for (std::int64_t t = blockIdx.x; t < l.tiles; t += gridDim.x) {
    const tile_span span = locate_tile(l, t);
    for (int i = j; i < span.n; i += blockDim.x) {
      tile_draw(l, span, sh, block, i, atomic_report{l.bad_sample});
    }
    __syncthreads();
    for (int i = j; i < span.n; i += blockDim.x) tile_dedup(sh, i);
    __syncthreads();
    if (j == 0) {
      const int distinct = tile_compact(sh, span.n);
      atomicAdd(&l.states[span.family], static_cast<unsigned long long>(distinct));
    }
    __syncthreads();
    tile_evaluate(l, span, sh, j, static_cast<int>(blockDim.x), atomic_add_slot{l.acc});
    __syncthreads();  // the next tile overwrites the shared summaries
  }
}

/// a*b + c computed by the device code of this translation unit: with contraction (--fmad=true)
/// it is fused and differs from the host's two roundings for the arguments of fmad_contracts().
template <int>
__global__ void fmad_probe_kernel(double a, double b, double c, double* out) {
  *out = a * b + c;
}

}  // namespace detail

/// Whether the device code of this translation unit fuses multiply-adds (compiled with
/// --fmad=true, nvcc's default). Runs one tiny kernel on the current device.
inline bool fmad_contracts() {
  const double a = 1.0 + 0x1p-30, b = 1.0 + 0x1p-30, c = -(1.0 + 0x1p-29);
  device_buffer out(sizeof(double));
  detail::fmad_probe_kernel<0><<<1, 1>>>(a, b, c, out.as<double>());
  PARCAE_CUDA_CHECK(cudaGetLastError());
  double host = 0.0;
  PARCAE_CUDA_CHECK(cudaMemcpy(&host, out.get(), sizeof(double), cudaMemcpyDeviceToHost));
  return host != 0.0;  // unfused: (1 + 2^-29) rounded, minus itself, is 0; fused: 2^-60
}

template <class Model, class CostModel>
class cuda_backend;

/// A batch of keys in flight on a stream (estimate_async). Owns its device and pinned memory;
/// get() waits for it and returns the entries (once). Destroying a batch that is still running
/// waits for it first.
template <class Model, class CostModel>
class mc_batch {
 public:
  using plan_type = detail::mc_plan<Model, CostModel>;

  mc_batch(mc_batch&&) noexcept = default;
  mc_batch& operator=(mc_batch&&) noexcept = default;
  mc_batch(const mc_batch&) = delete;
  mc_batch& operator=(const mc_batch&) = delete;
  ~mc_batch() {
    if (pending_ && done_.get() != nullptr) cudaEventSynchronize(done_.get());
  }

  /// True when the results have arrived (get() will not block).
  bool ready() const {
    if (!launched_) return true;
    const cudaError_t s = cudaEventQuery(done_.get());
    if (s == cudaErrorNotReady) {
      cudaGetLastError();
      return false;
    }
    PARCAE_CUDA_CHECK(s);
    return true;
  }

  /// Waits for the batch and returns one entry per key, in the order of the keys. Throws
  /// parcae::cuda_error on a CUDA failure, parcae::invalid_argument when a user sampler wrote an
  /// invalid preemption set (the CPU estimator's message), std::logic_error on a second call.
  std::vector<liveput::entry> get() {
    if (taken_) throw std::logic_error("parcae::cuda::mc_batch::get: called twice");
    taken_ = true;
    std::vector<mc_accumulator> acc(plan_.slots.size(), mc_accumulator{0, 0, 0, 0});
    std::vector<unsigned long long> states(plan_.families.size(), 0);
    unsigned long long bad = ~0ull;
    if (launched_) {
      PARCAE_CUDA_CHECK(cudaEventSynchronize(done_.get()));
      pending_ = false;
      const auto* h = host_.as<unsigned char>();
      std::copy_n(reinterpret_cast<const mc_accumulator*>(h), acc.size(), acc.begin());
      std::copy_n(reinterpret_cast<const unsigned long long*>(h + states_offset_), states.size(),
                  states.begin());
      bad = *reinterpret_cast<const unsigned long long*>(h + bad_offset_);
    }
    if (bad != ~0ull) detail::throw_bad_sample(plan_, params_.seed, bad);
    return detail::finalise_mc_plan(plan_, acc, states, params_);
  }

  /// Grid size of the launch (0 when nothing had to run).
  int grid() const { return grid_; }

 private:
  template <class M, class C>
  friend class cuda_backend;
  mc_batch(plan_type plan, const cuda_params& params) : plan_(std::move(plan)), params_(params) {}

  plan_type plan_;
  cuda_params params_;
  std::vector<typename plan_type::family_type> families_;
  device_buffer staged_, families_dev_, slots_dev_, results_dev_, scratch_dev_;
  pinned_buffer host_;
  event done_{event::empty{}};
  std::size_t states_offset_ = 0, bad_offset_ = 0;
  int grid_ = 0;
  bool launched_ = false, pending_ = false, taken_ = false;
};

/// The CUDA Monte-Carlo backend of the liveput table (liveput::backend): same interface and,
/// bit for bit, the same entries as the CPU Monte-Carlo estimator at the same seed and samples.
/// Owns a non-blocking stream on its device for the synchronous calls.
///
/// Model: a preemption model whose prepared sampler has a device view (transfer.hpp: every
/// trivially copyable PARCAE_HD sampler; hazard_model with transfer_hazard.hpp). CostModel: a
/// cost model whose bound cost has one (stateless PARCAE_HD costs; perf_cost_model with
/// transfer_perf.hpp).
template <class Model, class CostModel>
class cuda_backend final : public liveput::backend {
 public:
  using batch_type = mc_batch<Model, CostModel>;

  cuda_backend(Model model, CostModel cost, std::vector<liveput::target_info> candidates,
               cuda_params params)
      : model_(std::move(model)),
        cost_(std::move(cost)),
        candidates_(std::move(candidates)),
        params_(params) {
    const char* f = "parcae::cuda::cuda_backend::cuda_backend";
    params_.validate();
    const int devices = device_count();
    if (devices == 0) {
      throw cuda_error(std::string(f) + ": no CUDA device is visible to this process");
    }
    check_bounded(f, "params.device", params_.device, 0, devices - 1);
    device_guard guard(params_.device);
    cudaDeviceProp prop{};
    PARCAE_CUDA_CHECK(cudaGetDeviceProperties(&prop, params_.device));
    sms_ = prop.multiProcessorCount;
    device_name_ = prop.name;
    const std::size_t shared = tile_shared_bytes(params_.tile);
    if (shared > prop.sharedMemPerBlockOptin) {
      throw_invalid(f, "params.tile", params_.tile,
                    "small enough for " + std::to_string(prop.sharedMemPerBlockOptin) +
                        " bytes of shared memory per block (" + std::to_string(shared) +
                        " needed)");
    }
    stream_ = std::make_unique<stream>();
    bit_identical_ = !fmad_contracts();
  }

  /// Estimates `keys` on the backend's stream and waits (liveput::backend).
  std::vector<liveput::entry> estimate(const std::vector<liveput::key>& keys) override {
    return estimate_async(keys, stream_->get()).get();
  }

  /// Validates `keys`, prepares the batch on the host, and enqueues the copies, the kernel and
  /// the copy back on `s` (a stream of the backend's device); returns without waiting.
  batch_type estimate_async(const std::vector<liveput::key>& keys, cudaStream_t s) {
    const char* f = "parcae::cuda::cuda_backend::estimate_async";
    batch_type b(detail::make_mc_plan(f, model_, cost_, candidates_, keys, params_), params_);
    const auto& plan = b.plan_;
    const std::int64_t tiles = plan.tiles();
    if (tiles == 0) return b;  // no key has a target (or no keys): nothing to run
    device_guard guard(params_.device);
    using plan_type = typename batch_type::plan_type;
    using sampler_view = typename plan_type::sampler_view;
    using cost_view = typename plan_type::cost_view;

    b.staged_ = device_buffer(plan.staged.size());
    const auto* base = b.staged_.template as<unsigned char>();
    b.families_ = plan.device_families(base);
    b.families_dev_ = device_buffer(b.families_.size() * sizeof(b.families_[0]));
    b.slots_dev_ = device_buffer(plan.slots.size() * sizeof(mc_slot));
    // Results: accumulators, then states, then the bad-sample word (one copy back).
    const std::size_t acc_bytes = plan.slots.size() * sizeof(mc_accumulator);
    b.states_offset_ = acc_bytes;
    b.bad_offset_ = acc_bytes + plan.families.size() * sizeof(unsigned long long);
    const std::size_t result_bytes = b.bad_offset_ + sizeof(unsigned long long);
    b.results_dev_ = device_buffer(result_bytes);
    b.host_ = pinned_buffer(result_bytes);

    auto kernel = detail::mc_kernel<sampler_view, cost_view>;
    const std::size_t shared = tile_shared_bytes(params_.tile);
    if (shared > 48 * 1024) {
      PARCAE_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                             static_cast<int>(shared)));
    }
    int grid = params_.max_blocks;
    if (grid == 0) {
      int per_sm = 0;
      PARCAE_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(
          &per_sm, kernel, params_.block_threads, shared));
      grid = std::max(1, per_sm) * sms_;
    }
    // Scratch for the preempted ids: tile * stride ints per block, at most 256 MiB.
    const int stride = std::max(1, plan.max_n_out);
    const std::size_t per_block = static_cast<std::size_t>(params_.tile) * stride * sizeof(int);
    const std::size_t cap = std::max<std::size_t>(1, (std::size_t{256} << 20) / per_block);
    grid = static_cast<int>(std::min<std::int64_t>(
        {static_cast<std::int64_t>(grid), tiles, static_cast<std::int64_t>(cap)}));
    b.grid_ = grid;
    b.scratch_dev_ = device_buffer(static_cast<std::size_t>(grid) * per_block);

    mc_launch<sampler_view, cost_view> l;
    l.families = b.families_dev_.template as<typename plan_type::family_type>();
    l.n_families = static_cast<int>(b.families_.size());
    l.slots = b.slots_dev_.template as<mc_slot>();
    l.acc = b.results_dev_.template as<mc_accumulator>();
    l.states = reinterpret_cast<unsigned long long*>(b.results_dev_.template as<unsigned char>() +
                                                     b.states_offset_);
    l.bad_sample = reinterpret_cast<unsigned long long*>(
        b.results_dev_.template as<unsigned char>() + b.bad_offset_);
    l.scratch = b.scratch_dev_.template as<int>();
    l.scratch_stride = stride;
    l.tiles = tiles;
    l.samples = params_.samples;
    l.seed = params_.seed;
    l.tile = params_.tile;
    l.check_output = liveput::checks_output<Model>::value;

    if (plan.staged.size() > 0) {
      PARCAE_CUDA_CHECK(cudaMemcpyAsync(b.staged_.get(), plan.staged.data(), plan.staged.size(),
                                        cudaMemcpyHostToDevice, s));
    }
    PARCAE_CUDA_CHECK(cudaMemcpyAsync(b.families_dev_.get(), b.families_.data(),
                                      b.families_.size() * sizeof(b.families_[0]),
                                      cudaMemcpyHostToDevice, s));
    PARCAE_CUDA_CHECK(cudaMemcpyAsync(b.slots_dev_.get(), plan.slots.data(),
                                      plan.slots.size() * sizeof(mc_slot), cudaMemcpyHostToDevice,
                                      s));
    PARCAE_CUDA_CHECK(cudaMemsetAsync(b.results_dev_.get(), 0, b.bad_offset_, s));
    PARCAE_CUDA_CHECK(cudaMemsetAsync(b.results_dev_.template as<unsigned char>() + b.bad_offset_,
                                      0xff, sizeof(unsigned long long), s));
    kernel<<<grid, params_.block_threads, shared, s>>>(l);
    PARCAE_CUDA_CHECK(cudaGetLastError());
    PARCAE_CUDA_CHECK(cudaMemcpyAsync(b.host_.get(), b.results_dev_.get(), result_bytes,
                                      cudaMemcpyDeviceToHost, s));
    b.done_ = event();
    PARCAE_CUDA_CHECK(cudaEventRecord(b.done_.get(), s));
    b.launched_ = true;
    b.pending_ = true;
    return b;
  }

  int gpus_per_instance() const override { return params_.gpus_per_instance; }
  std::string name() const override { return "cuda-mc"; }

  const cuda_params& params() const { return params_; }
  /// The backend's own stream (synchronous calls run on it).
  cudaStream_t stream_handle() const { return stream_->get(); }
  /// Name of the device ("NVIDIA H200", ...).
  const std::string& device_name() const { return device_name_; }
  /// False when the device code was compiled with multiply-add contraction (--fmad=true): the
  /// estimates may then differ from the CPU's by one cost quantum (2^-10 ms) in rare samples.
  bool bit_identical() const { return bit_identical_; }

 private:
  Model model_;
  CostModel cost_;
  std::vector<liveput::target_info> candidates_;
  cuda_params params_;
  std::unique_ptr<stream> stream_;
  std::string device_name_;
  int sms_ = 1;
  bool bit_identical_ = true;
};

/// A shared CUDA backend (for liveput::table), usable from code compiled without nvcc.
template <class Model, class CostModel>
std::shared_ptr<liveput::backend> make_cuda_backend(Model model, CostModel cost,
                                                    std::vector<liveput::target_info> candidates,
                                                    cuda_params params = {}) {
  return std::make_shared<cuda_backend<Model, CostModel>>(std::move(model), std::move(cost),
                                                          std::move(candidates), params);
}

}  // namespace parcae::cuda
