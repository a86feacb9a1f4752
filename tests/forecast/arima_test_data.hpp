#pragma once
// Readers for the reference tables written by scripts/reference/forecast.R (R + forecast).

#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace parcae_test {

inline std::string arima_data_path(const std::string& file) {
  return std::string(PARCAE_SOURCE_DIR) + "/tests/data/forecast/" + file;
}

/// One value per line; lines starting with '#' are comments.
inline std::vector<double> read_arima_series(const std::string& name) {
  std::ifstream in(arima_data_path("arima_series_" + name + ".csv"));
  if (!in) throw std::runtime_error("missing series " + name);
  std::vector<double> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    out.push_back(std::strtod(line.c_str(), nullptr));
  }
  return out;
}

/// A CSV table as written by R's write.csv (quoted strings, header row, '#' comment lines).
using csv_row = std::map<std::string, std::string>;

inline std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  std::string cur;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  fields.push_back(cur);
  return fields;
}

inline std::vector<csv_row> read_arima_table(const std::string& file) {
  std::ifstream in(arima_data_path(file));
  if (!in) throw std::runtime_error("missing table " + file);
  std::vector<csv_row> rows;
  std::vector<std::string> header;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto fields = split_csv_line(line);
    if (header.empty()) {
      header = fields;
      continue;
    }
    csv_row row;
    for (std::size_t i = 0; i < header.size() && i < fields.size(); ++i) row[header[i]] = fields[i];
    rows.push_back(row);
  }
  return rows;
}

/// "a;b;c" -> {a, b, c}; "" -> {}; "NA" -> NaN.
inline std::vector<double> parse_list(const std::string& s) {
  std::vector<double> out;
  if (s.empty()) return out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ';')) {
    out.push_back(item == "NA" ? std::numeric_limits<double>::quiet_NaN()
                               : std::strtod(item.c_str(), nullptr));
  }
  return out;
}

}  // namespace parcae_test
