#pragma once
// Device views of samplers and bound costs.
//
// The Monte-Carlo kernel receives, per family, the preemption model's sampler and the cost model's
// bound cost by value. Most are trivially copyable and self-contained (uniform_sampler,
// zone_sampler, custom samplers, stateless costs): their device view is the object itself. Some
// point to host tables (perf_cost -> perf::migration_cost_table, hazard_model::prepared -> its
// inclusion table): their tables are first staged into one byte buffer, which the backend copies
// to the device in one transfer, and their view points into that copy.
//
// A user type that holds pointers specialises device_transfer<T> (see transfer_perf.hpp and
// transfer_hazard.hpp for the two built-in ones):
//
//   template <> struct parcae::cuda::device_transfer<T> {
//     using view_type = ...;                                         // trivially copyable
//     static std::size_t stage(const T& host, staging& s);           // s.add(...) its tables
//     static view_type view(const T& host, std::size_t offset, const unsigned char* base);
//   };
//
// `base` is the device address of the staged bytes (or their host address when the kernel logic
// runs on the host, mc_host.hpp). Plain C++ (no CUDA headers).

#include <cstddef>
#include <cstring>
#include <map>
#include <type_traits>
#include <vector>

namespace parcae::cuda {

/// Host bytes to be copied to the device in one transfer; blocks are 256-byte aligned and staged
/// once per host address (families sharing a cost table share its copy).
class staging {
 public:
  static constexpr std::size_t alignment = 256;

  /// Stages `bytes` bytes at `host` (once per address) and returns their offset.
  std::size_t add(const void* host, std::size_t bytes) {
    const auto it = offsets_.find(host);
    if (it != offsets_.end()) return it->second;
    const std::size_t offset = (bytes_.size() + alignment - 1) / alignment * alignment;
    bytes_.resize(offset + (bytes == 0 ? 1 : bytes), 0);
    if (bytes > 0) std::memcpy(bytes_.data() + offset, host, bytes);
    offsets_.emplace(host, offset);
    return offset;
  }

  std::size_t size() const { return bytes_.size(); }
  const unsigned char* data() const { return bytes_.data(); }
  /// Distinct blocks staged.
  std::size_t blocks() const { return offsets_.size(); }
  void clear() {
    bytes_.clear();
    offsets_.clear();
  }

 private:
  std::vector<unsigned char> bytes_;
  std::map<const void*, std::size_t> offsets_;
};

/// Default: a trivially copyable, self-contained object is its own device view.
template <class T, class = void>
struct device_transfer {
  static_assert(std::is_trivially_copyable<T>::value,
                "parcae::cuda: a sampler or bound cost used on the GPU must be trivially copyable, "
                "or have a device_transfer specialisation (transfer.hpp)");
  using view_type = T;
  static std::size_t stage(const T&, staging&) { return 0; }
  static view_type view(const T& host, std::size_t, const unsigned char*) { return host; }
};

/// The device view type of T.
template <class T>
using device_view_t = typename device_transfer<T>::view_type;

}  // namespace parcae::cuda
