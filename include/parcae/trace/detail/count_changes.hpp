#pragma once
// Count shapes (count CSV, count series, gap/data JSON) carry no node names: a sample says how
// many instances are alive from its time on. Each sample becomes the change from the previous
// count (0 before the first sample, see trace.hpp), an unchanged count only extends the trace.

#include <cstddef>
#include <cstdint>

#include "parcae/trace/trace.hpp"

namespace parcae::detail {

inline void append_count_sample(trace::availability_trace& out, int& previous_count,
                                std::int64_t time_ms, int count, std::size_t line) {
  if (count != previous_count) {
    trace::change c;
    c.time_ms = time_ms;
    c.kind = count > previous_count ? trace::change_kind::add : trace::change_kind::remove;
    c.count = count > previous_count ? count - previous_count : previous_count - count;
    c.line = line;
    out.changes.push_back(c);
    previous_count = count;
  }
  if (time_ms > out.end_ms) out.end_ms = time_ms;
}

}  // namespace parcae::detail
