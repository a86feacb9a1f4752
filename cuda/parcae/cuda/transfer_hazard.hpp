#pragma once
// Device view of liveput::hazard_model::prepared: its inclusion table is staged and the view is
// a liveput::hazard_sampler pointing to the copy (the sampler code is the model's own, PARCAE_HD).

#include <cstddef>

#include "parcae/cuda/transfer.hpp"

// hazard_model::prepared::operator() is PARCAE_HD but calls the host-only sampler(); nvcc warns
// (#20011 / #20014) when it compiles that operator for the device, although the GPU path never
// calls it (it uses hazard_sampler). Silence that one diagnostic for this include only.
#if defined(__NVCC__)
#pragma nv_diagnostic push
#pragma nv_diag_suppress 20011
#pragma nv_diag_suppress 20014
#endif
#include "parcae/liveput/hazard_model.hpp"
#if defined(__NVCC__)
#pragma nv_diagnostic pop
#endif

namespace parcae::cuda {

template <>
struct device_transfer<liveput::hazard_model::prepared> {
  using view_type = liveput::hazard_sampler;
  static std::size_t stage(const liveput::hazard_model::prepared& host, staging& s) {
    return s.add(host.table.data(), host.table.size() * sizeof(double));
  }
  static view_type view(const liveput::hazard_model::prepared& host, std::size_t offset,
                        const unsigned char* base) {
    return liveput::hazard_sampler{host.n, host.n_out,
                                   reinterpret_cast<const double*>(base + offset)};
  }
};

}  // namespace parcae::cuda
