#include <doctest/doctest.h>

#include <string>
#include <unordered_set>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/core/units.hpp"

TEST_CASE("error messages follow the house format") {
  try {
    parcae::check_nonnegative("parcae::forecast::arima::fit", "order.p", -1);
    FAIL("no throw");
  } catch (const parcae::invalid_argument& e) {
    CHECK(std::string(e.what()) == "parcae::forecast::arima::fit: order.p is -1, but must be >= 0");
  }
  CHECK_THROWS_WITH_AS(parcae::check_positive("f", "x", 0.0), "f: x is 0, but must be > 0",
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(parcae::check_finite("f", "x", std::numeric_limits<double>::quiet_NaN()),
                       "f: x is nan, but must be finite", parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(parcae::check_open_interval("f", "level", 100.0, 0.0, 100.0),
                       "f: level is 100, but must be in (0, 100)", parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(parcae::check_bounded("f", "k", 9, 0, 8), "f: k is 9, but must be in [0, 8]",
                       parcae::invalid_argument);
  const std::vector<double> v{1.0, 2.0, std::numeric_limits<double>::infinity()};
  CHECK_THROWS_WITH_AS(parcae::check_all_finite("f", "series", v),
                       "f: series[2] is inf, but must be finite", parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(parcae::check_min_size("f", "series", v, 4),
                       "f: series has 3 elements, but must have at least 4",
                       parcae::invalid_argument);
  // Catchable as the standard type, too.
  CHECK_THROWS_AS(parcae::check_at_least("f", "n", 1, 2), std::invalid_argument);
  CHECK_NOTHROW(parcae::check_at_most("f", "n", 2, 2));
}

TEST_CASE("PARCAE_ASSERT throws internal_error naming the condition") {
  CHECK_THROWS_AS(PARCAE_ASSERT(1 + 1 == 3), parcae::internal_error);
  CHECK_NOTHROW(PARCAE_ASSERT(1 + 1 == 2));
}

TEST_CASE("parallel_config") {
  constexpr parcae::parallel_config c{4, 8};
  static_assert(c.size() == 32);
  CHECK(parcae::to_string(c) == "(4,8)");
  CHECK(parcae::parallel_config{}.paused());
  CHECK(parcae::parallel_config{2, 8} < parcae::parallel_config{1, 16});
  CHECK(parcae::parallel_config{1, 8} < parcae::parallel_config{2, 8});
  std::unordered_set<parcae::parallel_config> set{{1, 2}, {2, 1}, {1, 2}};
  CHECK(set.size() == 2);
}

TEST_CASE("strong units convert explicitly") {
  constexpr parcae::milliseconds ms(2043.5);
  static_assert(parcae::to_seconds(ms).get() == 2.0435);
  CHECK(parcae::to_milliseconds(parcae::seconds(60)).get() == 60000.0);
  CHECK((parcae::seconds(1) + parcae::seconds(2)).get() == 3.0);
  CHECK(parcae::intervals(12) > parcae::intervals(8));
}
