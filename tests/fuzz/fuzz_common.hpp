#pragma once
// Shared body of the libFuzzer targets (built and run by scripts/fuzz). Each target parses the
// input with one reader, then bins and summarises the trace at two interval lengths and checks
// the invariants of the result. Only parcae::invalid_argument (bad input) is expected; any other
// exception escapes and aborts, and a broken invariant traps, so libFuzzer reports both.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parcae/core/errors.hpp"
#include "parcae/trace/bin.hpp"
#include "parcae/trace/stats.hpp"
#include "parcae/trace/trace.hpp"

namespace parcae_fuzz {

inline void require(bool ok) {
  if (!ok) __builtin_trap();
}

inline void check_trace(const parcae::trace::availability_trace& trace) {
  namespace tr = parcae::trace;
  require(!trace.source.empty());
  require(trace.start_ms <= trace.end_ms);
  for (const double length : {60.0, 7.5}) {
    // A small cap keeps each input fast: a huge span is refused (invalid_argument), not binned.
    tr::binning_params params{length, 200'000};
    try {
      const tr::interval_series s = tr::bin(trace, params);
      require(!s.empty());
      long long added = 0;
      long long removed = 0;
      for (std::size_t k = 0; k < s.size(); ++k) {
        require(s[k].alive >= 0 && s[k].added >= 0 && s[k].removed >= 0);
        require(s[k].alive_after() >= 0);
        if (k + 1 < s.size()) require(s[k + 1].alive == s[k].alive_after());
        added += s[k].added;
        removed += s[k].removed;
      }
      require(s[0].alive == 0);
      const tr::trace_stats st = tr::summarize(trace, params);
      require(st.total.intervals == s.size());
      require(st.total.added == added && st.total.removed == removed);
      require(st.final_alive == s.intervals.back().alive_after());
      require(st.total.min_alive <= st.total.max_alive);
      require(st.total.add_events <= st.total.added);
    } catch (const parcae::invalid_argument&) {
      // Too many intervals for the cap: a refusal, not a failure.
    }
  }
}

/// Runs `parse` on the input and checks the result; bad input may only throw invalid_argument.
template <class Parse>
int run(const std::uint8_t* data, std::size_t size, Parse&& parse) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    check_trace(parse(text));
  } catch (const parcae::invalid_argument&) {
  }
  return 0;
}

}  // namespace parcae_fuzz
