#pragma once
// Random deviates for forecast sample paths, drawn from parcae::counter_rng by inversion so that
// one uniform gives one deviate: a path is a pure function of (seed, stream, path index), the
// same on every thread count and on the GPU.

#include <cstdint>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/poisson.hpp>

#include "parcae/core/rng.hpp"

namespace parcae::detail {

/// Uniform in (0, 1): the 53-bit uniform of counter_rng shifted by half an ulp, so that the
/// inverse CDFs below never see 0 or 1.
inline double open_uniform(parcae::counter_rng& rng) {
  return rng.next_uniform() + 0.5 / 9007199254740992.0;
}

/// Standard normal deviate by inversion (Boost.Math quantile).
inline double standard_normal(parcae::counter_rng& rng) {
  static const boost::math::normal_distribution<double> standard(0.0, 1.0);
  return boost::math::quantile(standard, open_uniform(rng));
}

/// Poisson(mean) deviate by inversion of the CDF; mean <= 0 gives 0.
inline int poisson_deviate(parcae::counter_rng& rng, double mean) {
  if (!(mean > 0.0)) return 0;
  const double u = open_uniform(rng);
  // Sequential search of the CDF: mean here is a removal rate of a few per interval.
  const boost::math::poisson_distribution<double> dist(mean);
  int k = 0;
  while (boost::math::cdf(dist, static_cast<double>(k)) < u && k < 100000) ++k;
  return k;
}

}  // namespace parcae::detail
