#pragma once
// The largest counts the public API accepts. Every product of them fits an int with room to
// spare (limits::instances * limits::gpus_per_instance = 2^30 GPU slots), so d*p, N*g and the sums
// of a horizon are computed without overflow; entry points check their inputs against these bounds
// (parcae::limits::instances ...) and throw parcae::invalid_argument instead of wrapping around
// (issue 15, item 11: `model --nodes 1000000` with 4,096 GPUs per instance gave config.d =
// -2147483648).

namespace parcae::limits {

/// Instances alive at once (N, capacity, counts of a trace or a forecast): 2^20 = 1,048,576.
inline constexpr int instances = 1 << 20;
/// GPUs per instance (g): 1024, beyond any machine sold (8 or 16 today).
inline constexpr int gpus_per_instance = 1 << 10;
/// GPU slots of a job, instances * gpus_per_instance = 2^30: bounds d, d*p and N*g.
inline constexpr long long gpus = static_cast<long long>(instances) * gpus_per_instance;

static_assert(gpus <= (1LL << 30), "d*p and N*g must fit an int with a factor 2 to spare");

}  // namespace parcae::limits
