#pragma once
// Text helpers shared by the trace readers: line splitting (LF or CRLF), field splitting,
// strict integer parsing, and the error that names the source and the line.

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <istream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "parcae/core/errors.hpp"
#include "parcae/trace/trace.hpp"

namespace parcae::detail {

/// Throws the house message with the location in front of the argument:
/// "parcae::trace::read_events: p3.csv:12: event is "addd", but must be add or remove".
[[noreturn]] inline void throw_at(const char* function, const std::string& source, std::size_t line,
                                  const std::string& what, const std::string& value,
                                  const std::string& requirement) {
  throw_invalid(function, source + ":" + std::to_string(line) + ": " + what, value, requirement);
}

/// Free-form variant: "<function>: <source>:<line>: <message>".
[[noreturn]] inline void throw_at_message(const char* function, const std::string& source,
                                          std::size_t line, const std::string& message) {
  throw_invalid_message(function, source + ":" + std::to_string(line) + ": " + message);
}

[[noreturn]] inline void throw_empty(const char* function, const std::string& source) {
  throw_at_message(function, source, 1, "input has no records, but must have at least one");
}

inline std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n\f\v";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

/// Drops a UTF-8 byte-order mark, which spreadsheet exports put in front of CSV files.
inline std::string_view strip_bom(std::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return text;
}

/// One line of a text and its 1-based number; the line excludes "\n" and a trailing "\r".
struct text_line {
  std::string_view text;
  std::size_t number = 0;
};

/// Splits a text into lines, LF or CRLF. A final line without a newline is kept.
inline std::vector<text_line> split_lines(std::string_view text) {
  std::vector<text_line> lines;
  std::size_t number = 1;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    auto line = text.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back({line, number});
    ++number;
    pos = nl + 1;
  }
  return lines;
}

/// A line that carries no record: blank, or a comment starting with '#'.
inline bool is_blank_or_comment(std::string_view line) {
  const auto t = trim(line);
  return t.empty() || t.front() == '#';
}

/// Splits on `sep`; fields are trimmed.
inline std::vector<std::string_view> split_fields(std::string_view line, char sep = ',') {
  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  while (true) {
    const auto next = line.find(sep, pos);
    if (next == std::string_view::npos) {
      fields.push_back(trim(line.substr(pos)));
      break;
    }
    fields.push_back(trim(line.substr(pos, next - pos)));
    pos = next + 1;
  }
  return fields;
}

/// Parses a whole field as a decimal integer (optional leading '-', nothing else); false when the
/// field is empty, has other characters or does not fit.
inline bool parse_int64(std::string_view field, std::int64_t& value) {
  if (field.empty()) return false;
  const char* first = field.data();
  const char* last = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(first, last, value);
  return ec == std::errc() && ptr == last;
}

/// A field that must be an integer in [lo, hi]; the message names the source line.
inline std::int64_t parse_bounded(const char* function, const std::string& source, std::size_t line,
                                  const std::string& what, std::string_view field, std::int64_t lo,
                                  std::int64_t hi) {
  std::int64_t value = 0;
  if (!parse_int64(field, value)) {
    throw_at(function, source, line, what, std::string(field), "an integer");
  }
  if (value < lo || value > hi) {
    throw_at(function, source, line, what, std::string(field),
             "in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return value;
}

/// Appends at most trace::max_file_bytes of a stream to `text`; throws naming `what` when there
/// is more (a device such as /dev/zero, or a file no trace can need).
inline void read_capped(const char* function, std::istream& in, const std::string& what,
                        std::string& text) {
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    const auto n = static_cast<std::size_t>(in.gcount());
    if (text.size() + n > trace::max_file_bytes) {
      throw_invalid(function, what,
                    "longer than " + std::to_string(trace::max_file_bytes) + " bytes",
                    "at most " + std::to_string(trace::max_file_bytes) + " bytes (max_file_bytes)");
    }
    text.append(buffer, n);
  }
}

/// The whole content of a stream (at most trace::max_file_bytes).
inline std::string slurp(const char* function, std::istream& in) {
  std::string text;
  read_capped(function, in, "input", text);
  return text;
}

/// The whole content of a file; throws invalid_argument naming the path when it cannot be read,
/// is not a regular file or a pipe (a directory, /dev/zero), or is longer than max_file_bytes.
inline std::string slurp_file(const char* function, const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(status))
    throw_invalid(function, "path", path, "a readable file, not a directory");
  if (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status) &&
      !std::filesystem::is_fifo(status)) {
    throw_invalid(function, "path", path, "a regular file or a pipe, not a device or socket");
  }
  if (!ec && std::filesystem::is_regular_file(status)) {
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > trace::max_file_bytes) {
      throw_invalid(function, "path", path,
                    "a file of at most " + std::to_string(trace::max_file_bytes) +
                        " bytes (it has " + std::to_string(size) + ")");
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_invalid(function, "path", path, "a readable file");
  std::string text;
  read_capped(function, in, "file " + path, text);
  if (in.bad()) throw_invalid(function, "path", path, "a readable file");
  return text;
}

}  // namespace parcae::detail
