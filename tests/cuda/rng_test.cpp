#include <doctest/doctest.h>

#include "gpu_api.hpp"
#include "parcae/core/errors.hpp"
#include "parcae/core/rng.hpp"

TEST_CASE("GPU counter_rng equals the host's bit for bit") {
  const std::uint64_t seed = 0xfeedfacecafebeefULL;
  const std::uint32_t stream = 12345;
  const std::uint64_t first = (1ULL << 33) - 100;  // crosses the 32-bit boundary of the index
  const int count = 4096;
  const int words = 7;  // not a multiple of 4: exercises the refill
  const auto gpu = parcae_test::gpu_draw_words(seed, stream, first, count, words);
  REQUIRE(gpu.size() == static_cast<std::size_t>(count * words));
  int mismatches = 0;
  for (int i = 0; i < count; ++i) {
    parcae::counter_rng rng(seed, stream, first + static_cast<std::uint64_t>(i));
    for (int k = 0; k < words; ++k) mismatches += rng.next_u32() != gpu[i * words + k];
  }
  CHECK(mismatches == 0);
}

TEST_CASE("GPU draw rejects bad arguments") {
  CHECK_THROWS_AS(parcae_test::gpu_draw_words(1, 1, 0, 0, 4), parcae::invalid_argument);
  CHECK_THROWS_AS(parcae_test::gpu_draw_words(1, 1, 0, 4, -1), parcae::invalid_argument);
}
