#pragma once
// Device view of liveput::perf_cost: its perf::migration_cost_table (one per old configuration,
// shared by every family with that configuration) is staged and the view points to the copy.
// perf::migration_cost_ms itself is PARCAE_HD (perf/migration.hpp), so the GPU runs the same
// formulas as the CPU.

#include <cstddef>

#include "parcae/cuda/transfer.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/perf/migration.hpp"

namespace parcae::cuda {

template <>
struct device_transfer<liveput::perf_cost> {
  using view_type = liveput::perf_cost;
  static std::size_t stage(const liveput::perf_cost& host, staging& s) {
    return s.add(host.table, sizeof(perf::migration_cost_table));
  }
  static view_type view(const liveput::perf_cost&, std::size_t offset, const unsigned char* base) {
    // The staged bytes are a memcpy of a trivially copyable table.
    return liveput::perf_cost{reinterpret_cast<const perf::migration_cost_table*>(base + offset),
                              nullptr};
  }
};

}  // namespace parcae::cuda
