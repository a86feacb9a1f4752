#pragma once
// JSON export and import of the liveput table (tool layer: the core headers do not depend on
// nlohmann-json). Format, version 1:
//
//   {"format": "parcae-liveput-table", "version": 1, "meta": {...free-form...},
//    "entries": [{"key": {"n": 32, "d": 4, "p": 8, "n_in": 0, "n_out": 2},
//                 "status": "ok", "method": "exact", "samples": 0, "states": 36,
//                 "interval_s": 60,
//                 "targets": [{"d": 4, "p": 7, "throughput": 41.3, "probability": 1,
//                              "probability_se": 0, "mean_cost_s": 7.9, "mean_cost_se_s": 0,
//                              "liveput": 35.8}, ...]}, ...]}
//
// Doubles are written with nlohmann-json's shortest round-trip form, so export -> import gives the
// same bits. The artifact persists its LiveStore the same way, as JSON keyed by
// (N, D, P, n_in, n_out) (parcae-artifact.md §1.4); its layout differs (a dict of "(d, p)" ->
// (prob, cost in ms)) and is not read here.
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "parcae/core/errors.hpp"
#include "parcae/liveput/table.hpp"
#include "parcae/liveput/types.hpp"

namespace parcae_tool {

inline nlohmann::json liveput_entry_to_json(const parcae::liveput::key& k,
                                            const parcae::liveput::entry& e) {
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& t : e.targets) {
    targets.push_back({{"d", t.target.d},
                       {"p", t.target.p},
                       {"throughput", t.throughput},
                       {"probability", t.probability},
                       {"probability_se", t.probability_se},
                       {"mean_cost_s", t.mean_cost_s},
                       {"mean_cost_se_s", t.mean_cost_se_s},
                       {"liveput", t.liveput}});
  }
  return {{"key", {{"n", k.n}, {"d", k.d}, {"p", k.p}, {"n_in", k.n_in}, {"n_out", k.n_out}}},
          {"status", parcae::liveput::to_string(e.status)},
          {"method", parcae::liveput::to_string(e.method)},
          {"samples", e.samples},
          {"states", e.states},
          {"interval_s", e.interval_s},
          {"targets", targets}};
}

inline nlohmann::json liveput_table_to_json(const parcae::liveput::table& t,
                                            const nlohmann::json& meta = nlohmann::json::object()) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& [k, e] : t.entries()) entries.push_back(liveput_entry_to_json(k, e));
  return {{"format", "parcae-liveput-table"}, {"version", 1}, {"meta", meta}, {"entries", entries}};
}

namespace detail {

constexpr const char* liveput_import_fn = "parcae::tool::import_liveput_table";

inline const nlohmann::json& field(const nlohmann::json& obj, const std::string& path,
                                   const char* name) {
  if (!obj.is_object() || !obj.contains(name)) {
    throw parcae::invalid_argument(std::string(liveput_import_fn) + ": " + path + "." + name +
                                   " is missing, but must be present");
  }
  return obj.at(name);
}

inline double number(const nlohmann::json& obj, const std::string& path, const char* name) {
  const nlohmann::json& v = field(obj, path, name);
  if (!v.is_number()) {
    parcae::throw_invalid(liveput_import_fn, path + "." + name, v.dump(), "a number");
  }
  return v.get<double>();
}

inline int integer(const nlohmann::json& obj, const std::string& path, const char* name) {
  const nlohmann::json& v = field(obj, path, name);
  if (!v.is_number_integer()) {
    parcae::throw_invalid(liveput_import_fn, path + "." + name, v.dump(), "an integer");
  }
  return v.get<int>();
}

}  // namespace detail

/// Reads a table written by liveput_table_to_json into `out` (entries are inserted, replacing
/// equal keys). Errors name the field path: "entries[3].targets[0].mean_cost_s is "x", but must
/// be a number". Imported entries keep the method that produced them.
inline void import_liveput_table(const nlohmann::json& doc, parcae::liveput::table& out) {
  namespace lp = parcae::liveput;
  using detail::integer;
  using detail::number;
  const char* fn = detail::liveput_import_fn;
  const nlohmann::json& format = detail::field(doc, "document", "format");
  if (format != "parcae-liveput-table") {
    parcae::throw_invalid(fn, "format", format.dump(), "\"parcae-liveput-table\"");
  }
  if (integer(doc, "document", "version") != 1) {
    parcae::throw_invalid(fn, "version", doc.at("version").dump(), "1");
  }
  const nlohmann::json& entries = detail::field(doc, "document", "entries");
  if (!entries.is_array()) parcae::throw_invalid(fn, "entries", entries.dump(), "an array");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string at = "entries[" + std::to_string(i) + "]";
    const nlohmann::json& je = entries[i];
    const nlohmann::json& jk = detail::field(je, at, "key");
    const std::string kp = at + ".key";
    const lp::key k{integer(jk, kp, "n"), integer(jk, kp, "d"), integer(jk, kp, "p"),
                    integer(jk, kp, "n_in"), integer(jk, kp, "n_out")};
    // Shape only (GPUs per instance are not known here; the table's user checks D*P).
    parcae::check_at_least(fn, kp + ".n", k.n, 1);
    parcae::check_at_least(fn, kp + ".d", k.d, 1);
    parcae::check_bounded(fn, kp + ".p", k.p, 1, lp::max_stages);
    parcae::check_nonnegative(fn, kp + ".n_in", k.n_in);
    parcae::check_bounded(fn, kp + ".n_out", k.n_out, 0, k.n);
    lp::entry e;
    const std::string status = detail::field(je, at, "status").dump();
    if (status == "\"ok\"") {
      e.status = lp::entry_status::ok;
    } else if (status == "\"no_target\"") {
      e.status = lp::entry_status::no_target;
    } else if (status == "\"too_many_states\"") {
      e.status = lp::entry_status::too_many_states;
    } else {
      parcae::throw_invalid(fn, at + ".status", status,
                            "\"ok\", \"no_target\" or \"too_many_states\"");
    }
    const std::string method = detail::field(je, at, "method").dump();
    if (method == "\"exact\"") {
      e.method = lp::method::exact;
    } else if (method == "\"mc\"") {
      e.method = lp::method::monte_carlo;
    } else {
      parcae::throw_invalid(fn, at + ".method", method, "\"exact\" or \"mc\"");
    }
    e.samples = static_cast<std::int64_t>(number(je, at, "samples"));
    e.states = static_cast<std::int64_t>(number(je, at, "states"));
    e.interval_s = number(je, at, "interval_s");
    parcae::check_positive(fn, at + ".interval_s", e.interval_s);
    const nlohmann::json& jt = detail::field(je, at, "targets");
    if (!jt.is_array()) parcae::throw_invalid(fn, at + ".targets", jt.dump(), "an array");
    for (std::size_t j = 0; j < jt.size(); ++j) {
      const std::string tp = at + ".targets[" + std::to_string(j) + "]";
      lp::target_estimate t;
      t.target = {integer(jt[j], tp, "d"), integer(jt[j], tp, "p")};
      parcae::check_at_least(fn, tp + ".d", t.target.d, 1);
      parcae::check_at_least(fn, tp + ".p", t.target.p, 1);
      t.throughput = number(jt[j], tp, "throughput");
      t.probability = number(jt[j], tp, "probability");
      t.probability_se = number(jt[j], tp, "probability_se");
      t.mean_cost_s = number(jt[j], tp, "mean_cost_s");
      t.mean_cost_se_s = number(jt[j], tp, "mean_cost_se_s");
      t.liveput = number(jt[j], tp, "liveput");
      parcae::check_nonnegative(fn, tp + ".throughput", t.throughput);
      parcae::check_bounded(fn, tp + ".probability", t.probability, 0.0, 1.0);
      parcae::check_nonnegative(fn, tp + ".mean_cost_s", t.mean_cost_s);
      parcae::check_nonnegative(fn, tp + ".liveput", t.liveput);
      e.targets.push_back(t);
    }
    out.insert(k, std::move(e));
  }
}

/// Writes the table to a file (pretty-printed).
inline void save_liveput_table(const parcae::liveput::table& t, const std::string& path,
                               const nlohmann::json& meta = nlohmann::json::object()) {
  std::ofstream file(path);
  if (!file) {
    throw parcae::invalid_argument("parcae::tool::save_liveput_table: file is \"" + path +
                                   "\", but must be writable");
  }
  file << liveput_table_to_json(t, meta).dump(1) << "\n";
}

/// Reads a table file into `out`; malformed JSON is reported with its position.
inline void load_liveput_table(const std::string& path, parcae::liveput::table& out) {
  std::ifstream in(path);
  if (!in) {
    throw parcae::invalid_argument("parcae::tool::load_liveput_table: file is \"" + path +
                                   "\", but must be a readable liveput table");
  }
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw parcae::invalid_argument("parcae::tool::load_liveput_table(" + path +
                                   "): malformed JSON: " + e.what());
  }
  import_liveput_table(doc, out);
}

}  // namespace parcae_tool
