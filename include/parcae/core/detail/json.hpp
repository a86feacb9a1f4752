#pragma once
// A small strict JSON (RFC 8259) reader for the JSON trace shapes (trace/read_json.hpp,
// trace/read_replay.hpp) and the model profiles (perf/profile_json.hpp). The core headers may
// depend on Eigen, Boost.Math, LBFGS++ and Random123 only, none of which reads JSON, so this one
// is written here; the CLI uses nlohmann-json for its own output. It builds a plain tree, keeps
// each value's byte offset so errors can name the line, and limits nesting depth so that hostile
// input ("[[[[...") cannot exhaust the stack (fuzzed by tests/fuzz/).

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "parcae/core/errors.hpp"

namespace parcae::detail {

struct json_value {
  enum class kind { null, boolean, number, string, array, object };
  kind type = kind::null;
  bool boolean = false;
  double number = 0.0;
  std::string text;               ///< a string's value, or a number's literal as written
  std::size_t offset = 0;         ///< byte offset of the value in the parsed text
  std::vector<json_value> items;  ///< array elements, or object member values
  std::vector<std::string> keys;  ///< object member names, parallel to items

  /// First member called `key`, or nullptr (also when this is not an object).
  const json_value* find(std::string_view key) const {
    if (type != kind::object) return nullptr;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == key) return &items[i];
    }
    return nullptr;
  }
};

inline const char* json_kind_name(json_value::kind k) {
  switch (k) {
    case json_value::kind::null:
      return "null";
    case json_value::kind::boolean:
      return "a boolean";
    case json_value::kind::number:
      return "a number";
    case json_value::kind::string:
      return "a string";
    case json_value::kind::array:
      return "an array";
    case json_value::kind::object:
      return "an object";
  }
  return "unknown";
}

class json_parser {
 public:
  static constexpr int max_depth = 64;

  /// `first_line` is the source line on which `text` starts (JSON-lines parse line by line).
  json_parser(const char* function, std::string source, std::string_view text,
              std::size_t first_line = 1)
      : function_(function), source_(std::move(source)), text_(text), first_line_(first_line) {}

  /// Parses the whole text as one value; only whitespace may surround it.
  json_value parse_document() {
    skip_ws();
    json_value v = parse_value(0);
    skip_ws();
    if (pos_ != text_.size()) fail("unexpected text after the value");
    return v;
  }

  /// Source line of a byte offset (binary search in a table of newline offsets, built once, so
  /// that naming the line of each of many values stays cheap).
  std::size_t line_of(std::size_t offset) const {
    if (!newlines_built_) {
      for (std::size_t i = 0; i < text_.size(); ++i) {
        if (text_[i] == '\n') newlines_.push_back(i);
      }
      newlines_built_ = true;
    }
    const auto before = std::lower_bound(newlines_.begin(), newlines_.end(), offset);
    return first_line_ + static_cast<std::size_t>(before - newlines_.begin());
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw_invalid_message(
        function_, source_ + ":" + std::to_string(line_of(pos_)) + ": invalid JSON: " + what);
  }

  void skip_ws() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool at_end() const { return pos_ >= text_.size(); }

  void expect(char c) {
    if (at_end() || text_[pos_] != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }

  json_value parse_value(int depth) {
    if (depth >= max_depth) fail("nesting deeper than " + std::to_string(max_depth) + " levels");
    if (at_end()) fail("unexpected end of input");
    json_value v;
    v.offset = pos_;
    const char c = text_[pos_];
    if (c == '{') {
      v.type = json_value::kind::object;
      ++pos_;
      skip_ws();
      if (!at_end() && text_[pos_] == '}') {
        ++pos_;
        return v;
      }
      while (true) {
        skip_ws();
        if (at_end() || text_[pos_] != '"') fail("expected a member name");
        v.keys.push_back(parse_string());
        skip_ws();
        expect(':');
        skip_ws();
        v.items.push_back(parse_value(depth + 1));
        skip_ws();
        if (!at_end() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.type = json_value::kind::array;
      ++pos_;
      skip_ws();
      if (!at_end() && text_[pos_] == ']') {
        ++pos_;
        return v;
      }
      while (true) {
        skip_ws();
        v.items.push_back(parse_value(depth + 1));
        skip_ws();
        if (!at_end() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.type = json_value::kind::string;
      v.text = parse_string();
      return v;
    }
    if (literal("true")) {
      v.type = json_value::kind::boolean;
      v.boolean = true;
      return v;
    }
    if (literal("false")) {
      v.type = json_value::kind::boolean;
      return v;
    }
    if (literal("null")) return v;
    if (c == '-' || (c >= '0' && c <= '9')) {
      v.type = json_value::kind::number;
      parse_number(v);
      return v;
    }
    fail(std::string("unexpected character '") + c + "'");
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  void digits() {
    if (at_end() || !is_digit(text_[pos_])) fail("expected a digit");
    while (!at_end() && is_digit(text_[pos_])) ++pos_;
  }

  void parse_number(json_value& v) {
    const std::size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    if (!at_end() && text_[pos_] == '0') {
      ++pos_;
    } else {
      digits();
    }
    if (!at_end() && text_[pos_] == '.') {
      ++pos_;
      digits();
    }
    if (!at_end() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (!at_end() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      digits();
    }
    v.text = std::string(text_.substr(start, pos_ - start));
    const auto [ptr, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), v.number);
    if (ec != std::errc() || ptr != v.text.data() + v.text.size()) fail("number out of range");
  }

  unsigned hex4() {
    if (text_.size() - pos_ < 4) fail("truncated \\u escape");
    unsigned value = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = text_[pos_++];
      value <<= 4;
      if (h >= '0' && h <= '9') {
        value |= static_cast<unsigned>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        value |= static_cast<unsigned>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        value |= static_cast<unsigned>(h - 'A' + 10);
      } else {
        fail("bad hex digit in \\u escape");
      }
    }
    return value;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string parse_string() {
    expect('"');
    std::string out;
    while (true) {
      if (at_end()) fail("unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_end()) fail("unterminated string");
      const char e = text_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!literal("\\u")) fail("unpaired surrogate in \\u escape");
            const unsigned low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("unpaired surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("unpaired surrogate in \\u escape");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          fail(std::string("bad escape '\\") + e + "'");
      }
    }
  }

  const char* function_;
  std::string source_;
  std::string_view text_;
  std::size_t first_line_;
  std::size_t pos_ = 0;
  mutable std::vector<std::size_t> newlines_;
  mutable bool newlines_built_ = false;
};

/// A JSON number that is a whole number in [lo, hi] (written as an integer, or with a zero
/// fraction such as 3.0); else throws naming the line.
inline std::int64_t json_integer(const char* function, const std::string& source, std::size_t line,
                                 const std::string& what, const json_value& v, std::int64_t lo,
                                 std::int64_t hi) {
  const std::string at = source + ":" + std::to_string(line) + ": " + what;
  if (v.type != json_value::kind::number) {
    throw_invalid(function, at, std::string(json_kind_name(v.type)), "a number");
  }
  if (!(v.number >= static_cast<double>(lo) && v.number <= static_cast<double>(hi))) {
    throw_invalid(function, at, v.text,
                  "in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  const auto i = static_cast<std::int64_t>(v.number);
  if (static_cast<double>(i) != v.number) throw_invalid(function, at, v.text, "a whole number");
  return i;
}

}  // namespace parcae::detail
