#pragma once
// JSON <-> parcae::perf::model_profile for the tool layer (the core headers take the struct and
// never see JSON). Format "parcae-profile-1", documented in docs/performance-model.md; the shipped
// profiles are profiles/<name>.json. Every error names the JSON field path, for example
//   parcae::tool::load_profile(my.json): model.layers[1].forward_ms is -1, but must be > 0
//
// Profile names resolve to <dir>/<name>.json, searched in order: $PARCAE_PROFILE_DIR, the source
// tree's profiles/ (PARCAE_SOURCE_DIR, when compiled in), and <prefix>/share/parcae/profiles next
// to the installed executable (<exe dir>/../share/parcae/profiles). An argument that names an
// existing file, contains a '/' or ends in ".json" is read as a file.

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parcae/core/errors.hpp"
#include "parcae/perf/profile.hpp"

namespace parcae_tool {

namespace profile_detail {

using json = nlohmann::json;

/// Reads typed fields and reports errors with the full field path.
class reader {
 public:
  explicit reader(std::string origin)
      : function_("parcae::tool::load_profile(" + std::move(origin) + ")") {}

  const char* fn() const { return function_.c_str(); }

  [[noreturn]] void fail(const std::string& path, const std::string& shown,
                         const std::string& requirement) const {
    throw parcae::invalid_argument(function_ + ": " + path + " is " + shown + ", but must be " +
                                   requirement);
  }

  static std::string shown(const json& v) {
    std::string s = v.dump();
    if (s.size() > 40) s = s.substr(0, 37) + "...";
    return s + " (" + v.type_name() + ")";
  }

  const json& object(const json& parent, const std::string& path, const char* key) const {
    const json& v = field(parent, path, key);
    if (!v.is_object()) fail(join(path, key), shown(v), "an object");
    return v;
  }
  const json& array(const json& parent, const std::string& path, const char* key) const {
    const json& v = field(parent, path, key);
    if (!v.is_array()) fail(join(path, key), shown(v), "an array");
    return v;
  }
  const json& field(const json& parent, const std::string& path, const char* key) const {
    if (!parent.is_object()) fail(path.empty() ? "the document" : path, shown(parent), "an object");
    const auto it = parent.find(key);
    if (it == parent.end()) fail(join(path, key), "missing", "present");
    return *it;
  }
  bool has(const json& parent, const char* key) const {
    return parent.is_object() && parent.contains(key);
  }

  enum class sign { any, nonnegative, positive };

  double number(const json& v, const std::string& path, sign s = sign::any) const {
    if (!v.is_number()) fail(path, shown(v), "a number");
    const double x = v.get<double>();
    if (!std::isfinite(x)) fail(path, shown(v), "finite");
    if (s == sign::positive && !(x > 0)) fail(path, v.dump(), "> 0");
    if (s == sign::nonnegative && !(x >= 0)) fail(path, v.dump(), ">= 0");
    return x;
  }
  double number(const json& parent, const std::string& path, const char* key,
                sign s = sign::any) const {
    return number(field(parent, path, key), join(path, key), s);
  }
  int integer(const json& v, const std::string& path, int minimum) const {
    if (!v.is_number_integer()) fail(path, shown(v), "an integer");
    const long long x = v.get<long long>();
    if (x < minimum) fail(path, v.dump(), ">= " + std::to_string(minimum));
    if (x > 1000000000LL) fail(path, v.dump(), "<= 1000000000");
    return static_cast<int>(x);
  }
  int integer(const json& parent, const std::string& path, const char* key, int minimum) const {
    return integer(field(parent, path, key), join(path, key), minimum);
  }
  bool boolean(const json& parent, const std::string& path, const char* key) const {
    const json& v = field(parent, path, key);
    if (!v.is_boolean()) fail(join(path, key), shown(v), "true or false");
    return v.get<bool>();
  }
  std::string string(const json& parent, const std::string& path, const char* key) const {
    const json& v = field(parent, path, key);
    if (!v.is_string()) fail(join(path, key), shown(v), "a string");
    return v.get<std::string>();
  }

  static std::string join(const std::string& path, const char* key) {
    return path.empty() ? std::string(key) : path + "." + key;
  }
  static std::string index(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

 private:
  std::string function_;
};

inline void read_layers(const reader& r, const json& model, parcae::perf::model_profile& m) {
  const json& layers = r.array(model, "model", "layers");
  if (layers.empty()) r.fail("model.layers", "[] (0 layers)", "a non-empty array");
  bool any_times = false, all_times = true;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const bool t = r.has(layers[i], "forward_ms");
    any_times = any_times || t;
    all_times = all_times && t;
  }
  if (any_times && !all_times) {
    for (std::size_t i = 0; i < layers.size(); ++i) {
      r.field(layers[i], reader::index("model.layers", i), "forward_ms");  // names the first gap
    }
  }
  m.layer_times = all_times;
  using sign = reader::sign;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string at = reader::index("model.layers", i);
    const json& l = layers[i];
    parcae::perf::layer_profile lp;
    lp.name = r.has(l, "name") ? r.string(l, at, "name") : "layer";
    const int count = r.has(l, "count") ? r.integer(l, at, "count", 1) : 1;
    if (m.layer_times) {
      lp.forward_ms = r.number(l, at, "forward_ms", sign::positive);
      lp.backward_ms = r.number(l, at, "backward_ms", sign::positive);
      lp.optimizer_ms = r.number(l, at, "optimizer_ms", sign::nonnegative);
    }
    lp.activation_bytes = r.number(l, at, "activation_bytes", sign::nonnegative);
    lp.params = r.number(l, at, "params", sign::nonnegative);
    if (m.layers.size() + static_cast<std::size_t>(count) > 100000) {
      r.fail(at + ".count", std::to_string(count), "such that the model has <= 100000 layers");
    }
    m.layers.insert(m.layers.end(), static_cast<std::size_t>(count), lp);
  }
}

inline void read_restart(const reader& r, const json& doc, parcae::perf::model_profile& m) {
  using sign = reader::sign;
  const json& rs = r.object(doc, "", "restart");
  parcae::perf::restart_params& p = m.restart;
  p.rendezvous_ms = r.number(rs, "restart", "rendezvous_ms", sign::nonnegative);
  p.proc_ms = r.number(rs, "restart", "proc_ms", sign::nonnegative);
  p.extra_model_ms = r.number(rs, "restart", "extra_model_ms", sign::nonnegative);
  if (r.has(rs, "checkpoint_ms")) {
    p.checkpoint_ms = r.number(rs, "restart", "checkpoint_ms", sign::nonnegative);
  }
  if (r.has(rs, "fixed_restart_ms")) {
    p.fixed_restart_ms = r.number(rs, "restart", "fixed_restart_ms", sign::nonnegative);
  }
  const json& c = r.object(rs, "restart", "comm");
  const std::string kind = r.string(c, "restart.comm", "kind");
  p.comm.init_ms = r.number(c, "restart.comm", "init_ms", sign::nonnegative);
  if (kind == "per_group" || kind == "per_gpu") {
    p.comm.kind = kind == "per_group" ? parcae::perf::comm_rebuild_kind::per_group
                                      : parcae::perf::comm_rebuild_kind::per_gpu;
    p.comm.add_ms_per_unit = r.number(c, "restart.comm", "add_ms_per_unit", sign::nonnegative);
    p.comm.remove_ms_per_unit =
        r.number(c, "restart.comm", "remove_ms_per_unit", sign::nonnegative);
  } else if (kind == "stepped_by_d") {
    p.comm.kind = parcae::perf::comm_rebuild_kind::stepped_by_d;
    p.comm.add_factor = r.number(c, "restart.comm", "add_factor", sign::nonnegative);
    const json& steps = r.array(c, "restart.comm", "steps");
    if (steps.empty() || steps.size() > parcae::perf::max_comm_steps) {
      r.fail("restart.comm.steps", std::to_string(steps.size()) + " steps",
             "1 to " + std::to_string(parcae::perf::max_comm_steps) + " steps");
    }
    p.comm.n_steps = static_cast<int>(steps.size());
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const std::string at = reader::index("restart.comm.steps", i);
      if (!steps[i].is_array() || steps[i].size() != 2) {
        r.fail(at, reader::shown(steps[i]), "a pair [min_d, ms]");
      }
      p.comm.step_min_d[i] = r.integer(steps[i][0], at + "[0]", 0);
      p.comm.step_ms[i] = r.number(steps[i][1], at + "[1]", sign::nonnegative);
    }
  } else {
    r.fail("restart.comm.kind", "\"" + kind + "\"",
           "\"per_group\", \"per_gpu\" or \"stepped_by_d\"");
  }
  const json& b = r.object(rs, "restart", "build_ms");
  if (r.has(b, "formula")) {
    const json& f = r.object(b, "restart.build_ms", "formula");
    const std::string at = "restart.build_ms.formula";
    const double bytes = r.number(f, at, "embedding_bytes", sign::nonnegative);
    const double per_block = r.number(f, at, "per_block_ms", sign::nonnegative);
    const int blocks = r.integer(f, at, "blocks", 1);
    const int p_min = r.integer(f, at, "p_min", 1);
    const int p_max = r.integer(f, at, "p_max", p_min);
    if (p_max > 100000) r.fail(at + ".p_max", std::to_string(p_max), "<= 100000");
    const double embed_ms = m.p2p.cost_ms(bytes);
    for (int q = p_min; q <= p_max; ++q) {
      p.build.push_back({q, embed_ms + per_block * std::ceil(static_cast<double>(blocks) / q)});
    }
  } else {
    const json& t = r.object(b, "restart.build_ms", "table");
    for (auto it = t.begin(); it != t.end(); ++it) {
      const std::string at = "restart.build_ms.table." + it.key();
      int q = 0;
      try {
        std::size_t used = 0;
        q = std::stoi(it.key(), &used);
        if (used != it.key().size()) q = 0;
      } catch (const std::exception&) {
        q = 0;
      }
      if (q < 1) r.fail(at, "a key \"" + it.key() + "\"", "a pipeline depth >= 1");
      p.build.push_back({q, r.number(it.value(), at, sign::nonnegative)});
    }
    std::sort(p.build.begin(), p.build.end(),
              [](const auto& x, const auto& y) { return x.p < y.p; });
  }
}

}  // namespace profile_detail

/// Parses a profile document. `origin` names it in error messages (usually the file path).
inline parcae::perf::model_profile profile_from_json(const nlohmann::json& doc,
                                                     const std::string& origin) {
  using profile_detail::reader;
  using sign = reader::sign;
  const reader r(origin);
  parcae::perf::model_profile m;
  if (r.has(doc, "format")) {
    const std::string format = r.string(doc, "", "format");
    if (format != "parcae-profile-1")
      r.fail("format", "\"" + format + "\"", "\"parcae-profile-1\"");
  }
  m.name = r.string(doc, "", "name");
  const nlohmann::json& model = r.object(doc, "", "model");
  m.transformer = r.boolean(model, "model", "transformer");
  m.micro_batch = r.integer(model, "model", "micro_batch", 1);
  m.global_batch = r.integer(model, "model", "global_batch", m.micro_batch);
  m.activation_p2p_bytes = r.number(model, "model", "activation_p2p_bytes", sign::nonnegative);
  m.optimizer_states = r.integer(model, "model", "optimizer_states", 0);
  profile_detail::read_layers(r, model, m);

  const nlohmann::json& cluster = r.object(doc, "", "cluster");
  m.gpu_memory_mb = r.number(cluster, "cluster", "gpu_memory_mb", sign::positive);
  m.gpus_per_instance = r.integer(cluster, "cluster", "gpus_per_instance", 1);

  const nlohmann::json& net = r.object(doc, "", "network");
  const nlohmann::json& p2p = r.object(net, "network", "p2p");
  const nlohmann::json& bytes = r.array(p2p, "network.p2p", "bytes");
  const nlohmann::json& micros = r.array(p2p, "network.p2p", "micros");
  if (bytes.empty() || bytes.size() > static_cast<std::size_t>(parcae::perf::max_p2p_points)) {
    r.fail("network.p2p.bytes", std::to_string(bytes.size()) + " points",
           "1 to " + std::to_string(parcae::perf::max_p2p_points) + " points");
  }
  if (micros.size() != bytes.size()) {
    r.fail("network.p2p.micros", std::to_string(micros.size()) + " points",
           "as many as network.p2p.bytes (" + std::to_string(bytes.size()) + ")");
  }
  m.p2p.n = static_cast<int>(bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    m.p2p.bytes[i] = r.number(bytes[i], reader::index("network.p2p.bytes", i), sign::positive);
    m.p2p.micros[i] = r.number(micros[i], reader::index("network.p2p.micros", i), sign::positive);
    if (i > 0 && !(m.p2p.bytes[i] > m.p2p.bytes[i - 1])) {
      r.fail(reader::index("network.p2p.bytes", i), bytes[i].dump(),
             "> " + bytes[i - 1].dump() + " (strictly increasing)");
    }
  }
  m.allreduce_mb_per_ms = r.number(net, "network", "allreduce_mb_per_ms", sign::positive);
  m.fp16_gradients = r.boolean(net, "network", "fp16_gradients");

  profile_detail::read_restart(r, doc, m);

  if (r.has(doc, "measured")) {
    const nlohmann::json& meas = r.object(doc, "", "measured");
    const nlohmann::json& rows = r.array(meas, "measured", "configs");
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const std::string at = reader::index("measured.configs", i);
      if (!rows[i].is_array() || rows[i].size() != 4) {
        r.fail(at, reader::shown(rows[i]), "a row [d, p, iteration_ms, samples_per_s]");
      }
      parcae::perf::measured_config c;
      c.config.d = r.integer(rows[i][0], at + "[0]", 1);
      c.config.p = r.integer(rows[i][1], at + "[1]", 1);
      c.iteration_ms = r.number(rows[i][2], at + "[2]", sign::positive);
      c.samples_per_s = r.number(rows[i][3], at + "[3]", sign::positive);
      m.measured.push_back(c);
    }
  }
  if (r.has(doc, "artifact_targets")) {
    const nlohmann::json& t = r.object(doc, "", "artifact_targets");
    m.artifact_targets.min_p = r.integer(t, "artifact_targets", "min_p", 1);
    m.artifact_targets.max_p = r.integer(t, "artifact_targets", "max_p", 0);
    for (const char* key : {"ignore_p", "ignore_d"}) {
      if (!r.has(t, key)) continue;
      const nlohmann::json& a = r.array(t, "artifact_targets", key);
      auto& out = std::string(key) == "ignore_p" ? m.artifact_targets.ignore_p
                                                 : m.artifact_targets.ignore_d;
      for (std::size_t i = 0; i < a.size(); ++i) {
        out.push_back(r.integer(a[i], reader::index(std::string("artifact_targets.") + key, i), 1));
      }
    }
  }
  m.validate(r.fn());  // cross-field checks the JSON pass does not cover
  return m;
}

/// Writes a profile as a "parcae-profile-1" document that profile_from_json reads back to the same
/// struct. Runs of identical consecutive layers are written once with a count; build[p] is written
/// as a table; "source" fields are not kept in the struct, so the output has none.
inline nlohmann::json profile_to_json(const parcae::perf::model_profile& m) {
  using nlohmann::json;
  json layers = json::array();
  for (std::size_t i = 0; i < m.layers.size();) {
    const parcae::perf::layer_profile& l = m.layers[i];
    std::size_t j = i + 1;
    while (j < m.layers.size() && m.layers[j].name == l.name &&
           m.layers[j].forward_ms == l.forward_ms && m.layers[j].backward_ms == l.backward_ms &&
           m.layers[j].optimizer_ms == l.optimizer_ms &&
           m.layers[j].activation_bytes == l.activation_bytes && m.layers[j].params == l.params) {
      ++j;
    }
    json jl = {{"name", l.name}, {"count", j - i}};
    if (m.layer_times) {
      jl["forward_ms"] = l.forward_ms;
      jl["backward_ms"] = l.backward_ms;
      jl["optimizer_ms"] = l.optimizer_ms;
    }
    jl["activation_bytes"] = l.activation_bytes;
    jl["params"] = l.params;
    layers.push_back(jl);
    i = j;
  }
  json bytes = json::array(), micros = json::array();
  for (int i = 0; i < m.p2p.n; ++i) {
    bytes.push_back(m.p2p.bytes[i]);
    micros.push_back(m.p2p.micros[i]);
  }
  const parcae::perf::comm_rebuild_params& c = m.restart.comm;
  json comm = {{"init_ms", c.init_ms}};
  if (c.kind == parcae::perf::comm_rebuild_kind::stepped_by_d) {
    comm["kind"] = "stepped_by_d";
    comm["add_factor"] = c.add_factor;
    comm["steps"] = json::array();
    for (int i = 0; i < c.n_steps; ++i) comm["steps"].push_back({c.step_min_d[i], c.step_ms[i]});
  } else {
    comm["kind"] = c.kind == parcae::perf::comm_rebuild_kind::per_group ? "per_group" : "per_gpu";
    comm["add_ms_per_unit"] = c.add_ms_per_unit;
    comm["remove_ms_per_unit"] = c.remove_ms_per_unit;
  }
  json build = json::object();
  for (const auto& b : m.restart.build) build[std::to_string(b.p)] = b.ms;
  json restart = {{"rendezvous_ms", m.restart.rendezvous_ms},
                  {"proc_ms", m.restart.proc_ms},
                  {"extra_model_ms", m.restart.extra_model_ms},
                  {"checkpoint_ms", m.restart.checkpoint_ms},
                  {"comm", comm},
                  {"build_ms", {{"table", build}}}};
  if (m.restart.fixed_restart_ms >= 0) restart["fixed_restart_ms"] = m.restart.fixed_restart_ms;
  json rows = json::array();
  for (const auto& r : m.measured) {
    rows.push_back({r.config.d, r.config.p, r.iteration_ms, r.samples_per_s});
  }
  return {
      {"format", "parcae-profile-1"},
      {"name", m.name},
      {"model",
       {{"transformer", m.transformer},
        {"micro_batch", m.micro_batch},
        {"global_batch", m.global_batch},
        {"activation_p2p_bytes", m.activation_p2p_bytes},
        {"optimizer_states", m.optimizer_states},
        {"layers", layers}}},
      {"cluster", {{"gpu_memory_mb", m.gpu_memory_mb}, {"gpus_per_instance", m.gpus_per_instance}}},
      {"network",
       {{"p2p", {{"bytes", bytes}, {"micros", micros}}},
        {"allreduce_mb_per_ms", m.allreduce_mb_per_ms},
        {"fp16_gradients", m.fp16_gradients}}},
      {"restart", restart},
      {"measured", {{"configs", rows}}},
      {"artifact_targets",
       {{"min_p", m.artifact_targets.min_p},
        {"max_p", m.artifact_targets.max_p},
        {"ignore_p", m.artifact_targets.ignore_p},
        {"ignore_d", m.artifact_targets.ignore_d}}}};
}

/// Reads and parses a profile file. Malformed JSON is reported with its position.
inline parcae::perf::model_profile load_profile_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw parcae::invalid_argument("parcae::tool::load_profile: file is \"" + path +
                                   "\", but must be a readable profile file");
  }
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw parcae::invalid_argument("parcae::tool::load_profile(" + path +
                                   "): malformed JSON: " + e.what());
  }
  return profile_from_json(doc, path);
}

/// Directories searched for profiles/<name>.json, in order (see the file comment).
inline std::vector<std::string> profile_search_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("PARCAE_PROFILE_DIR"); env != nullptr && *env != '\0') {
    dirs.emplace_back(env);
  }
#ifdef PARCAE_SOURCE_DIR
  dirs.emplace_back(std::string(PARCAE_SOURCE_DIR) + "/profiles");
#endif
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back((exe.parent_path().parent_path() / "share/parcae/profiles").string());
  return dirs;
}

/// Resolves NAME or FILE to a file path; throws parcae::invalid_argument naming the places
/// searched.
inline std::string resolve_profile_path(const std::string& name_or_file) {
  if (name_or_file.empty()) {
    throw parcae::invalid_argument(
        "parcae::tool::load_profile: profile is \"\", but must be a "
        "profile name or a JSON file");
  }
  const bool looks_like_file =
      name_or_file.find('/') != std::string::npos ||
      (name_or_file.size() > 5 && name_or_file.compare(name_or_file.size() - 5, 5, ".json") == 0);
  std::error_code ec;
  if (looks_like_file || std::filesystem::is_regular_file(name_or_file, ec)) return name_or_file;
  std::string searched;
  for (const std::string& dir : profile_search_dirs()) {
    const std::string candidate = dir + "/" + name_or_file + ".json";
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
    searched += (searched.empty() ? "" : ", ") + dir;
  }
  throw parcae::invalid_argument("parcae::tool::load_profile: profile is \"" + name_or_file +
                                 "\", but must be a JSON file or a name NAME with NAME.json in " +
                                 searched + " (or in $PARCAE_PROFILE_DIR)");
}

/// Resolves and loads a profile by name or file.
inline parcae::perf::model_profile load_profile(const std::string& name_or_file) {
  return load_profile_file(resolve_profile_path(name_or_file));
}

}  // namespace parcae_tool
