#pragma once
// Umbrella header: the whole host library, one include per area in the order data flows
// (DESIGN.md "Data flow"). Each header also compiles on its own, so a launcher that needs one
// piece includes just that. The CUDA backend is separate (cuda/parcae/cuda/), since it needs nvcc.

// core: configurations, errors, units, the counter-based RNG
#include "parcae/core/errors.hpp"
#include "parcae/core/macros.hpp"
#include "parcae/core/parallel_config.hpp"
#include "parcae/core/rng.hpp"
#include "parcae/core/units.hpp"

// trace: readers for five trace shapes, binning into intervals, statistics
#include "parcae/trace/bin.hpp"
#include "parcae/trace/read.hpp"
#include "parcae/trace/stats.hpp"

// forecast: ARIMA, auto_arima, ETS, baselines, the availability forecaster
#include "parcae/forecast/arima.hpp"
#include "parcae/forecast/artifact_rules.hpp"
#include "parcae/forecast/auto_arima.hpp"
#include "parcae/forecast/availability_forecaster.hpp"
#include "parcae/forecast/baselines.hpp"
#include "parcae/forecast/ets.hpp"

// perf: model profiles, throughput T(d,p), memory feasibility, migration costs
#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/migration.hpp"
#include "parcae/perf/profile_json.hpp"
#include "parcae/perf/throughput.hpp"

// liveput: preemption models, exact and Monte-Carlo estimators, the liveput table
#include "parcae/liveput/cpu_backend.hpp"
#include "parcae/liveput/hazard_model.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/liveput/table.hpp"
#include "parcae/liveput/zone_model.hpp"

// plan: the liveput DP over the horizon, brute force, planning over sample paths
#include "parcae/plan/brute_force.hpp"
#include "parcae/plan/dp_planner.hpp"
#include "parcae/plan/liveput_provider.hpp"
#include "parcae/plan/stochastic_planner.hpp"

// runtime: the controller a launcher embeds
#include "parcae/runtime/controller.hpp"

// sim: trace-driven simulator, policies, harness
#include "parcae/sim/harness.hpp"
