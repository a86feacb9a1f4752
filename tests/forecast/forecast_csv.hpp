#pragma once
// Reader of the reference tables under tests/data/forecast (written by scripts/reference/*.R):
// a '#' comment line, a header row, then comma-separated rows. "NA" reads as NaN.
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace parcae_test {

struct csv_table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;

  int column(const std::string& name) const {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (columns[i] == name) return static_cast<int>(i);
    }
    throw std::runtime_error("no column " + name);
  }
  std::string text(std::size_t row, const std::string& name) const {
    return rows[row][column(name)];
  }
  double number(std::size_t row, const std::string& name) const {
    const std::string& s = rows[row][column(name)];
    return s == "NA" ? std::numeric_limits<double>::quiet_NaN() : std::stod(s);
  }
};

inline std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, ',')) out.push_back(cell);
  return out;
}

inline csv_table read_csv_table(const std::string& relative) {
  const std::string path = std::string(PARCAE_SOURCE_DIR) + "/" + relative;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  csv_table t;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (t.columns.empty()) {
      t.columns = split_csv_line(line);
    } else {
      t.rows.push_back(split_csv_line(line));
    }
  }
  return t;
}

/// Long table series,index,value -> one vector per series.
inline std::map<std::string, std::vector<double>> read_series(const std::string& relative) {
  const csv_table t = read_csv_table(relative);
  std::map<std::string, std::vector<double>> out;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    out[t.text(r, "series")].push_back(t.number(r, "value"));
  }
  return out;
}

inline double rel_diff(double a, double b) {
  return std::fabs(a - b) / std::max(1.0, std::max(std::fabs(a), std::fabs(b)));
}

}  // namespace parcae_test
