#pragma once
// The "parcae-profile-1" JSON document -> perf::model_profile, on the core's JSON reader
// (core/detail/json.hpp). Every error names the field path, e.g.
//   parcae::perf::load_profile(my.json): model.layers[1].forward_ms is -1, but must be > 0
// Unknown members are rejected with the known names (a typo such as "forwrd_ms" would otherwise
// leave a default in place without a word). The public entry points are in perf/profile_json.hpp.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <system_error>
#include <vector>

#include "parcae/core/detail/json.hpp"
#include "parcae/core/errors.hpp"
#include "parcae/perf/network.hpp"
#include "parcae/perf/profile.hpp"

namespace parcae::detail {

/// Reads typed fields of a profile document and reports errors with the full field path.
class profile_reader {
 public:
  using json = json_value;
  enum class sign { any, nonnegative, positive };

  explicit profile_reader(const std::string& origin)
      : function_("parcae::perf::load_profile(" + origin + ")") {}

  const char* fn() const { return function_.c_str(); }

  [[noreturn]] void fail(const std::string& path, const std::string& shown,
                         const std::string& requirement) const {
    throw parcae::invalid_argument(function_ + ": " + path + " is " + shown + ", but must be " +
                                   requirement);
  }

  /// A value as a message shows it: compact JSON, control and non-ASCII bytes escaped, capped at
  /// 40 characters (binary input must not reach a terminal raw).
  static std::string dump(const json& v) {
    std::string s;
    dump_to(v, s);
    if (s.size() > 40) s = s.substr(0, 37) + "...";
    return s;
  }
  /// A string as dump() shows it.
  static std::string quote(const std::string& text) {
    std::string s;
    dump_string(text, s);
    if (s.size() > 40) s = s.substr(0, 37) + "...";
    return s;
  }
  /// dump() and the type name, as "\"fast\" (string)".
  static std::string shown(const json& v) { return dump(v) + " (" + type_name(v) + ")"; }

  static const char* type_name(const json& v) {
    switch (v.type) {
      case json::kind::null:
        return "null";
      case json::kind::boolean:
        return "boolean";
      case json::kind::number:
        return "number";
      case json::kind::string:
        return "string";
      case json::kind::array:
        return "array";
      case json::kind::object:
        return "object";
    }
    return "unknown";
  }

  /// Rejects members not in `known` (and repeated members), naming the known ones.
  void only(const json& obj, const std::string& path, std::initializer_list<const char*> known,
            bool numeric_keys = false) const {
    for (std::size_t i = 0; i < obj.keys.size(); ++i) {
      const std::string& key = obj.keys[i];
      const std::string at = join(path, key);
      for (std::size_t j = 0; j < i; ++j) {
        if (obj.keys[j] == key) fail(at, "repeated", "given once");
      }
      if (numeric_keys) continue;
      if (std::find_if(known.begin(), known.end(), [&](const char* k) { return key == k; }) ==
          known.end()) {
        std::string names;
        for (const char* k : known) names += std::string(names.empty() ? "" : ", ") + k;
        fail(at, "an unknown member", "one of the known names (" + names + ")");
      }
    }
  }

  const json& object(const json& parent, const std::string& path, const char* key) const {
    const json& v = field(parent, path, key);
    if (v.type != json::kind::object) fail(join(path, key), shown(v), "an object");
    return v;
  }
  const json& array(const json& parent, const std::string& path, const char* key) const {
    const json& v = field(parent, path, key);
    if (v.type != json::kind::array) fail(join(path, key), shown(v), "an array");
    return v;
  }
  const json& field(const json& parent, const std::string& path, const char* key) const {
    if (parent.type != json::kind::object) {
      fail(path.empty() ? "the document" : path, shown(parent), "an object");
    }
    const json* v = parent.find(key);
    if (v == nullptr) fail(join(path, key), "missing", "present");
    return *v;
  }
  static bool has(const json& parent, const char* key) { return parent.find(key) != nullptr; }

  double number(const json& v, const std::string& path, sign s = sign::any) const {
    if (v.type != json::kind::number) fail(path, shown(v), "a number");
    const double x = v.number;
    if (!std::isfinite(x)) fail(path, shown(v), "finite");
    if (s == sign::positive && !(x > 0)) fail(path, v.text, "> 0");
    if (s == sign::nonnegative && !(x >= 0)) fail(path, v.text, ">= 0");
    return x;
  }
  double number(const json& parent, const std::string& path, const char* key,
                sign s = sign::any) const {
    return number(field(parent, path, key), join(path, key), s);
  }
  /// An integer literal (no fraction, no exponent) in [minimum, 1e9].
  int integer(const json& v, const std::string& path, int minimum) const {
    const bool literal =
        v.type == json::kind::number && v.text.find_first_of(".eE") == std::string::npos;
    if (!literal) fail(path, shown(v), "an integer");
    std::int64_t x = 0;
    const auto [ptr, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), x);
    const bool fits = ec == std::errc() && ptr == v.text.data() + v.text.size();
    if (fits && x < minimum) fail(path, v.text, ">= " + std::to_string(minimum));
    if (!fits || x > 1000000000LL) fail(path, dump(v), "<= 1000000000");
    return static_cast<int>(x);
  }
  int integer(const json& parent, const std::string& path, const char* key, int minimum) const {
    return integer(field(parent, path, key), join(path, key), minimum);
  }
  bool boolean(const json& parent, const std::string& path, const char* key) const {
    const json& v = field(parent, path, key);
    if (v.type != json::kind::boolean) fail(join(path, key), shown(v), "true or false");
    return v.boolean;
  }
  std::string string(const json& parent, const std::string& path, const char* key) const {
    const json& v = field(parent, path, key);
    if (v.type != json::kind::string) fail(join(path, key), shown(v), "a string");
    return v.text;
  }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  static std::string index(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

 private:
  static void dump_string(const std::string& text, std::string& out) {
    static const char* hex = "0123456789abcdef";
    out += '"';
    for (const char ch : text) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += ch;
      } else if (c < 0x20 || c >= 0x7f) {
        out += "\\x";
        out += hex[c >> 4];
        out += hex[c & 0xf];
      } else {
        out += ch;
      }
      if (out.size() > 64) return;  // dump() cuts at 40 anyway
    }
    out += '"';
  }

  static void dump_to(const json& v, std::string& out) {
    if (out.size() > 64) return;
    switch (v.type) {
      case json::kind::null:
        out += "null";
        return;
      case json::kind::boolean:
        out += v.boolean ? "true" : "false";
        return;
      case json::kind::number:
        out += v.text;
        return;
      case json::kind::string:
        dump_string(v.text, out);
        return;
      case json::kind::array:
      case json::kind::object: {
        const bool obj = v.type == json::kind::object;
        out += obj ? '{' : '[';
        for (std::size_t i = 0; i < v.items.size() && out.size() <= 64; ++i) {
          if (i > 0) out += ',';
          if (obj) {
            dump_string(v.keys[i], out);
            out += ':';
          }
          dump_to(v.items[i], out);
        }
        out += obj ? '}' : ']';
        return;
      }
    }
  }

  std::string function_;
};

inline void read_profile_layers(const profile_reader& r, const json_value& model,
                                perf::model_profile& m) {
  using sign = profile_reader::sign;
  const json_value& layers = r.array(model, "model", "layers");
  if (layers.items.empty()) r.fail("model.layers", "[] (0 layers)", "a non-empty array");
  bool any_times = false, all_times = true;
  for (const json_value& l : layers.items) {
    const bool t = profile_reader::has(l, "forward_ms");
    any_times = any_times || t;
    all_times = all_times && t;
  }
  if (any_times && !all_times) {
    for (std::size_t i = 0; i < layers.items.size(); ++i) {  // names the first gap
      r.field(layers.items[i], profile_reader::index("model.layers", i), "forward_ms");
    }
  }
  m.layer_times = all_times;
  for (std::size_t i = 0; i < layers.items.size(); ++i) {
    const std::string at = profile_reader::index("model.layers", i);
    const json_value& l = layers.items[i];
    if (l.type != json_value::kind::object) r.fail(at, profile_reader::shown(l), "an object");
    r.only(l, at,
           {"name", "count", "forward_ms", "backward_ms", "optimizer_ms", "activation_bytes",
            "params"});
    perf::layer_profile lp;
    lp.name = profile_reader::has(l, "name") ? r.string(l, at, "name") : "layer";
    const int count = profile_reader::has(l, "count") ? r.integer(l, at, "count", 1) : 1;
    if (m.layer_times) {
      lp.forward_ms = r.number(l, at, "forward_ms", sign::positive);
      lp.backward_ms = r.number(l, at, "backward_ms", sign::positive);
      lp.optimizer_ms = r.number(l, at, "optimizer_ms", sign::nonnegative);
      // An absurd time (1e308) would train nothing yet give normal-looking ratios: refused with
      // the field's path (perf::max_layer_ms).
      for (const char* key : {"forward_ms", "backward_ms", "optimizer_ms"}) {
        if (r.number(l, at, key) > perf::max_layer_ms) {
          r.fail(profile_reader::join(at, key), l.find(key)->text,
                 "<= 3600000 (an hour per layer and micro-batch)");
        }
      }
    }
    lp.activation_bytes = r.number(l, at, "activation_bytes", sign::nonnegative);
    lp.params = r.number(l, at, "params", sign::nonnegative);
    if (m.layers.size() + static_cast<std::size_t>(count) > 100000) {
      r.fail(at + ".count", std::to_string(count), "such that the model has <= 100000 layers");
    }
    m.layers.insert(m.layers.end(), static_cast<std::size_t>(count), lp);
  }
}

inline void read_profile_comm(const profile_reader& r, const json_value& c,
                              perf::comm_rebuild_params& p) {
  using sign = profile_reader::sign;
  const std::string at = "restart.comm";
  r.only(c, at,
         {"kind", "init_ms", "add_ms_per_unit", "remove_ms_per_unit", "add_factor", "steps",
          "source"});
  const std::string kind = r.string(c, at, "kind");
  p.init_ms = r.number(c, at, "init_ms", sign::nonnegative);
  if (kind == "per_group" || kind == "per_gpu") {
    p.kind =
        kind == "per_group" ? perf::comm_rebuild_kind::per_group : perf::comm_rebuild_kind::per_gpu;
    p.add_ms_per_unit = r.number(c, at, "add_ms_per_unit", sign::nonnegative);
    p.remove_ms_per_unit = r.number(c, at, "remove_ms_per_unit", sign::nonnegative);
  } else if (kind == "stepped_by_d") {
    p.kind = perf::comm_rebuild_kind::stepped_by_d;
    p.add_factor = r.number(c, at, "add_factor", sign::nonnegative);
    const json_value& steps = r.array(c, at, "steps");
    if (steps.items.empty() || steps.items.size() > perf::max_comm_steps) {
      r.fail(at + ".steps", std::to_string(steps.items.size()) + " steps",
             "1 to " + std::to_string(perf::max_comm_steps) + " steps");
    }
    p.n_steps = static_cast<int>(steps.items.size());
    for (std::size_t i = 0; i < steps.items.size(); ++i) {
      const std::string s = profile_reader::index(at + ".steps", i);
      const json_value& step = steps.items[i];
      if (step.type != json_value::kind::array || step.items.size() != 2) {
        r.fail(s, profile_reader::shown(step), "a pair [min_d, ms]");
      }
      p.step_min_d[i] = r.integer(step.items[0], s + "[0]", 0);
      p.step_ms[i] = r.number(step.items[1], s + "[1]", sign::nonnegative);
    }
  } else {
    r.fail(at + ".kind", profile_reader::dump(*c.find("kind")),
           "\"per_group\", \"per_gpu\" or \"stepped_by_d\"");
  }
}

inline void read_profile_build(const profile_reader& r, const json_value& rs,
                               perf::model_profile& m) {
  using sign = profile_reader::sign;
  perf::restart_params& p = m.restart;
  const json_value& b = r.object(rs, "restart", "build_ms");
  r.only(b, "restart.build_ms", {"formula", "table", "source"});
  if (profile_reader::has(b, "formula")) {
    const std::string at = "restart.build_ms.formula";
    const json_value& f = r.object(b, "restart.build_ms", "formula");
    r.only(f, at, {"embedding_bytes", "per_block_ms", "blocks", "p_min", "p_max"});
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
    return;
  }
  const json_value& t = r.object(b, "restart.build_ms", "table");
  r.only(t, "restart.build_ms.table", {}, /*numeric_keys=*/true);
  for (std::size_t i = 0; i < t.keys.size(); ++i) {
    const std::string& key = t.keys[i];
    const std::string at = "restart.build_ms.table." + key;
    int q = 0;
    const auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), q);
    if (ec != std::errc() || ptr != key.data() + key.size()) q = 0;
    if (q < 1) {
      r.fail(at, "a key " + profile_reader::quote(key), "a pipeline depth >= 1");
    }
    p.build.push_back({q, r.number(t.items[i], at, sign::nonnegative)});
  }
  std::sort(p.build.begin(), p.build.end(), [](const auto& x, const auto& y) { return x.p < y.p; });
}

inline void read_profile_restart(const profile_reader& r, const json_value& doc,
                                 perf::model_profile& m) {
  using sign = profile_reader::sign;
  const json_value& rs = r.object(doc, "", "restart");
  r.only(rs, "restart",
         {"rendezvous_ms", "proc_ms", "extra_model_ms", "checkpoint_ms", "fixed_restart_ms", "comm",
          "build_ms", "source", "checkpoint_source"});
  perf::restart_params& p = m.restart;
  p.rendezvous_ms = r.number(rs, "restart", "rendezvous_ms", sign::nonnegative);
  p.proc_ms = r.number(rs, "restart", "proc_ms", sign::nonnegative);
  p.extra_model_ms = r.number(rs, "restart", "extra_model_ms", sign::nonnegative);
  if (profile_reader::has(rs, "checkpoint_ms")) {
    p.checkpoint_ms = r.number(rs, "restart", "checkpoint_ms", sign::nonnegative);
  }
  if (profile_reader::has(rs, "fixed_restart_ms")) {
    p.fixed_restart_ms = r.number(rs, "restart", "fixed_restart_ms", sign::nonnegative);
  }
  read_profile_comm(r, r.object(rs, "restart", "comm"), p.comm);
  read_profile_build(r, rs, m);
}

inline void read_profile_network(const profile_reader& r, const json_value& doc,
                                 perf::model_profile& m) {
  using sign = profile_reader::sign;
  const json_value& net = r.object(doc, "", "network");
  r.only(net, "network", {"p2p", "allreduce_mb_per_ms", "fp16_gradients", "source"});
  const json_value& p2p = r.object(net, "network", "p2p");
  r.only(p2p, "network.p2p", {"bytes", "micros", "source"});
  const json_value& bytes = r.array(p2p, "network.p2p", "bytes");
  const json_value& micros = r.array(p2p, "network.p2p", "micros");
  const std::size_t n = bytes.items.size();
  if (n == 0 || n > static_cast<std::size_t>(perf::max_p2p_points)) {
    r.fail("network.p2p.bytes", std::to_string(n) + " points",
           "1 to " + std::to_string(perf::max_p2p_points) + " points");
  }
  if (micros.items.size() != n) {
    r.fail("network.p2p.micros", std::to_string(micros.items.size()) + " points",
           "as many as network.p2p.bytes (" + std::to_string(n) + ")");
  }
  m.p2p.n = static_cast<int>(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string at = profile_reader::index("network.p2p.bytes", i);
    m.p2p.bytes[i] = r.number(bytes.items[i], at, sign::positive);
    m.p2p.micros[i] =
        r.number(micros.items[i], profile_reader::index("network.p2p.micros", i), sign::positive);
    if (i > 0 && !(m.p2p.bytes[i] > m.p2p.bytes[i - 1])) {
      r.fail(at, bytes.items[i].text, "> " + bytes.items[i - 1].text + " (strictly increasing)");
    }
  }
  m.allreduce_mb_per_ms = r.number(net, "network", "allreduce_mb_per_ms", sign::positive);
  m.fp16_gradients = r.boolean(net, "network", "fp16_gradients");
}

inline void read_profile_extras(const profile_reader& r, const json_value& doc,
                                perf::model_profile& m) {
  using sign = profile_reader::sign;
  if (profile_reader::has(doc, "measured")) {
    const json_value& meas = r.object(doc, "", "measured");
    r.only(meas, "measured", {"configs", "columns", "source"});
    const json_value& rows = r.array(meas, "measured", "configs");
    for (std::size_t i = 0; i < rows.items.size(); ++i) {
      const std::string at = profile_reader::index("measured.configs", i);
      const json_value& row = rows.items[i];
      if (row.type != json_value::kind::array || row.items.size() != 4) {
        r.fail(at, profile_reader::shown(row), "a row [d, p, iteration_ms, samples_per_s]");
      }
      perf::measured_config c;
      c.config.d = r.integer(row.items[0], at + "[0]", 1);
      c.config.p = r.integer(row.items[1], at + "[1]", 1);
      c.iteration_ms = r.number(row.items[2], at + "[2]", sign::positive);
      if (c.iteration_ms > perf::max_iteration_ms) {
        r.fail(at + "[2]", row.items[2].text, "<= 86400000 (a day per iteration)");
      }
      c.samples_per_s = r.number(row.items[3], at + "[3]", sign::positive);
      m.measured.push_back(c);
    }
  }
  if (profile_reader::has(doc, "artifact_targets")) {
    const json_value& t = r.object(doc, "", "artifact_targets");
    r.only(t, "artifact_targets", {"min_p", "max_p", "ignore_p", "ignore_d", "source"});
    m.artifact_targets.min_p = r.integer(t, "artifact_targets", "min_p", 1);
    m.artifact_targets.max_p = r.integer(t, "artifact_targets", "max_p", 0);
    if (m.artifact_targets.max_p > 0 && m.artifact_targets.min_p > m.artifact_targets.max_p) {
      r.fail("artifact_targets.min_p", std::to_string(m.artifact_targets.min_p),
             "<= artifact_targets.max_p, " + std::to_string(m.artifact_targets.max_p) +
                 " (or max_p 0: no bound); no pipeline depth would be a target");
    }
    for (const char* key : {"ignore_p", "ignore_d"}) {
      if (!profile_reader::has(t, key)) continue;
      const json_value& a = r.array(t, "artifact_targets", key);
      auto& out = std::string(key) == "ignore_p" ? m.artifact_targets.ignore_p
                                                 : m.artifact_targets.ignore_d;
      for (std::size_t i = 0; i < a.items.size(); ++i) {
        out.push_back(r.integer(
            a.items[i], profile_reader::index(std::string("artifact_targets.") + key, i), 1));
      }
    }
  }
}

/// The whole document -> model_profile; `origin` names it in messages.
inline perf::model_profile read_profile(const json_value& doc, const std::string& origin) {
  using sign = profile_reader::sign;
  const profile_reader r(origin);
  if (doc.type != json_value::kind::object) {
    r.fail("the document", profile_reader::shown(doc), "an object");
  }
  r.only(doc, "",
         {"format", "name", "description", "model", "cluster", "network", "restart", "measured",
          "artifact_targets"});
  perf::model_profile m;
  if (profile_reader::has(doc, "format")) {
    const std::string format = r.string(doc, "", "format");
    if (format != "parcae-profile-1") {
      r.fail("format", profile_reader::dump(*doc.find("format")), "\"parcae-profile-1\"");
    }
  }
  m.name = r.string(doc, "", "name");
  const json_value& model = r.object(doc, "", "model");
  r.only(model, "model",
         {"transformer", "micro_batch", "global_batch", "activation_p2p_bytes", "optimizer_states",
          "layers", "source"});
  m.transformer = r.boolean(model, "model", "transformer");
  m.micro_batch = r.integer(model, "model", "micro_batch", 1);
  m.global_batch = r.integer(model, "model", "global_batch", m.micro_batch);
  m.activation_p2p_bytes = r.number(model, "model", "activation_p2p_bytes", sign::nonnegative);
  m.optimizer_states = r.integer(model, "model", "optimizer_states", 0);
  read_profile_layers(r, model, m);

  const json_value& cluster = r.object(doc, "", "cluster");
  r.only(cluster, "cluster", {"gpu_memory_mb", "gpus_per_instance", "source"});
  m.gpu_memory_mb = r.number(cluster, "cluster", "gpu_memory_mb", sign::positive);
  m.gpus_per_instance = r.integer(cluster, "cluster", "gpus_per_instance", 1);

  read_profile_network(r, doc, m);
  read_profile_restart(r, doc, m);
  read_profile_extras(r, doc, m);
  m.validate(r.fn());  // cross-field checks the JSON pass does not cover
  return m;
}

}  // namespace parcae::detail
