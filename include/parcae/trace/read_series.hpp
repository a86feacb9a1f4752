#pragma once
// Shape 4, a timestamped count series, as logged by a poller that counts live instances about
// once a minute, in either of two layouts:
//
//   YYYY-MM-DD, HH:MM:SS, count          (UTC; LF or CRLF; no header)
//   YYYY-MM-DD HH:MM:SS,count            (the same, as GCP exports write it; 'T' also separates)
//
// Samples come at irregular gaps and, from merged logs or exports, sometimes out of order or
// with several records at one time:
// * Out-of-order lines are sorted by time (stable), with one note per line that came after a
//   later sample. Nothing is dropped.
// * Records at the same time are merged: the LAST one in the file is kept (an export appends
//   the newer count after the older one; a real GCP trace has such pairs). Each dropped record
//   gets a note ("duplicate ... kept once" when the counts agree, "replaces" when they do not),
//   and `availability_trace::merged` counts them (printed by `parcae trace stats`).
// Times become Unix ms; interval 0 starts at the first sample (start_ms). Before it no instance
// is alive, so the first sample adds its count (trace.hpp). Blank and '#' lines are skipped.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "parcae/trace/detail/count_changes.hpp"
#include "parcae/trace/detail/text.hpp"
#include "parcae/trace/trace.hpp"

namespace parcae::detail {

/// Days since 1970-01-01 of a proleptic Gregorian date (the civil-from-days inverse used by
/// C++20 <chrono>, which C++17 lacks).
inline std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

inline bool is_leap_year(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/// "YYYY-MM-DD" and "HH:MM:SS" fields to Unix ms; throws naming the line.
inline std::int64_t parse_date_time(const char* function, const std::string& source,
                                    std::size_t line, std::string_view date,
                                    std::string_view time) {
  const bool date_shape = date.size() == 10 && date[4] == '-' && date[7] == '-';
  const bool time_shape = time.size() == 8 && time[2] == ':' && time[5] == ':';
  if (!date_shape) throw_at(function, source, line, "date", std::string(date), "YYYY-MM-DD");
  if (!time_shape) throw_at(function, source, line, "time", std::string(time), "HH:MM:SS");
  auto digits = [&](std::string_view field, std::string_view part, const char* what,
                    std::int64_t lo, std::int64_t hi) {
    for (char c : part) {
      if (c < '0' || c > '9') throw_at(function, source, line, what, std::string(field), "digits");
    }
    std::int64_t v = 0;
    parse_int64(part, v);
    if (v < lo || v > hi) {
      throw_at(function, source, line, what, std::string(field),
               "a valid date and time (" + std::string(part) + " out of range)");
    }
    return v;
  };
  const auto y = digits(date, date.substr(0, 4), "date", 1970, 9999);
  const auto mo = digits(date, date.substr(5, 2), "date", 1, 12);
  static constexpr int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int dmax = month_days[mo - 1] + (mo == 2 && is_leap_year(y) ? 1 : 0);
  const auto d = digits(date, date.substr(8, 2), "date", 1, dmax);
  const auto h = digits(time, time.substr(0, 2), "time", 0, 23);
  const auto mi = digits(time, time.substr(3, 2), "time", 0, 59);
  const auto s = digits(time, time.substr(6, 2), "time", 0, 59);
  const auto days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 24 + h) * 60 + mi) * 60000 + s * 1000;
}

/// A "YYYY-MM-DD HH:MM:SS" (or "YYYY-MM-DDTHH:MM:SS") field: one date and time.
inline bool is_date_time_field(std::string_view f) {
  return f.size() == 19 && f[4] == '-' && f[7] == '-' && (f[10] == ' ' || f[10] == 'T');
}

inline trace::availability_trace parse_count_series(const char* function, std::string_view text,
                                                    const std::string& source) {
  struct sample {
    std::int64_t time_ms;
    int count;
    std::size_t line;
    std::string stamp;  // as written, for notes
  };
  std::vector<sample> samples;
  trace::availability_trace result;
  result.format = trace::trace_format::series;
  result.source = source;
  std::size_t latest = 0;  // index of the latest sample so far, for out-of-order notes
  for (const auto& line : split_lines(strip_bom(text))) {
    if (is_blank_or_comment(line.text)) continue;
    const auto fields = split_fields(line.text);
    std::string_view date, time, count_field;
    if (fields.size() == 3) {
      date = fields[0];
      time = fields[1];
      count_field = fields[2];
    } else if (fields.size() == 2 && is_date_time_field(fields[0])) {
      date = fields[0].substr(0, 10);
      time = fields[0].substr(11);
      count_field = fields[1];
    } else {
      throw_at(function, source, line.number, "number of fields", std::to_string(fields.size()),
               "3 (YYYY-MM-DD, HH:MM:SS, count) or 2 (YYYY-MM-DD HH:MM:SS, count)");
    }
    const auto t = parse_date_time(function, source, line.number, date, time);
    const auto count =
        parse_bounded(function, source, line.number, "count", count_field, 0, trace::max_instances);
    samples.push_back(
        {t, static_cast<int>(count), line.number, std::string(date) + " " + std::string(time)});
    if (samples.size() > 1 && t < samples[latest].time_ms) {
      result.notes.push_back(source + ":" + std::to_string(line.number) + ": sample at " +
                             samples.back().stamp + " is earlier than the one on line " +
                             std::to_string(samples[latest].line) + " (" + samples[latest].stamp +
                             "); samples sorted by time");
    } else {
      latest = samples.size() - 1;
    }
  }
  if (samples.empty()) throw_empty(function, source);
  std::stable_sort(samples.begin(), samples.end(),
                   [](const sample& a, const sample& b) { return a.time_ms < b.time_ms; });
  result.start_ms = samples.front().time_ms;
  result.end_ms = samples.front().time_ms;
  int alive = 0;
  for (std::size_t i = 0; i < samples.size();) {
    // [i, j): the records at one time, in file order (the sort is stable); the last one counts.
    std::size_t j = i + 1;
    while (j < samples.size() && samples[j].time_ms == samples[i].time_ms) ++j;
    for (std::size_t k = i + 1; k < j; ++k) {
      const sample& s = samples[k];
      const sample& before = samples[k - 1];
      if (s.count == before.count) {
        result.notes.push_back(source + ":" + std::to_string(s.line) + ": duplicate of line " +
                               std::to_string(before.line) + " (" + s.stamp + ", count " +
                               std::to_string(s.count) + "); kept once");
      } else {
        result.notes.push_back(source + ":" + std::to_string(s.line) + ": count " +
                               std::to_string(s.count) + " replaces count " +
                               std::to_string(before.count) + " of line " +
                               std::to_string(before.line) + " (same time " + s.stamp +
                               "); the last record at a time is kept");
      }
    }
    result.merged += j - i - 1;
    const sample& last = samples[j - 1];
    append_count_sample(result, alive, last.time_ms, last.count, last.line);
    i = j;
  }
  return result;
}

}  // namespace parcae::detail

namespace parcae::trace {

/// Parses a timestamped count series held in memory. `source` names it in error messages.
inline availability_trace parse_series(std::string_view text,
                                       const std::string& source = "<input>") {
  return parcae::detail::parse_count_series("parcae::trace::parse_series", text, source);
}

/// Reads a timestamped count series from a stream.
inline availability_trace read_series(std::istream& in, const std::string& source = "<input>") {
  return parcae::detail::parse_count_series("parcae::trace::read_series",
                                            parcae::detail::slurp("parcae::trace::read_series", in),
                                            source);
}

/// Reads a timestamped count series file; errors name the path.
inline availability_trace read_series(const std::filesystem::path& path) {
  const char* function = "parcae::trace::read_series";
  return parcae::detail::parse_count_series(
      function, parcae::detail::slurp_file(function, path.string()), path.string());
}

}  // namespace parcae::trace
