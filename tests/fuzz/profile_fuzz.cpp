// libFuzzer target: parcae::perf::parse_profile, the model profile loader (scripts/fuzz; its
// seed corpus includes profiles/*.json). Bad input may only throw parcae::invalid_argument. A
// profile that loads must pass model_profile::validate, write and read back to the same layers,
// and give the throughput model finite, non-negative estimates.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_common.hpp"
#include "parcae/perf/profile_json.hpp"
#include "parcae/perf/throughput.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using parcae_fuzz::require;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const parcae::perf::model_profile m = parcae::perf::parse_profile(text, "fuzz-input");
    m.validate("fuzz");  // what loads is valid: the loader checks at least as much
    const parcae::perf::model_profile back =
        parcae::perf::parse_profile(parcae::perf::profile_to_json(m), "round-trip");
    require(back.n_layers() == m.n_layers());
    require(back.name == m.name);
    require(back.measured.size() == m.measured.size());
    // The throughput model on small documents only (its memory plans are per depth and layer).
    if (m.n_layers() <= 256) {
      const parcae::perf::throughput_model model(m);
      for (int p = 1; p <= model.max_depth() && p <= 8; ++p) {
        for (int d : {1, 3}) {
          const auto e = model.estimate({d, p});
          require(e.samples_per_s >= 0.0 && std::isfinite(e.samples_per_s));
        }
      }
    }
  } catch (const parcae::invalid_argument&) {
  }
  return 0;
}
