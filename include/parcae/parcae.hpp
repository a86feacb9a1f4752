#pragma once
// Umbrella header: everything in the host library. The CUDA backend is separate
// (cuda/parcae/cuda/), since it needs nvcc.

#include "parcae/core/errors.hpp"
#include "parcae/core/macros.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/core/rng.hpp"
#include "parcae/core/units.hpp"
