#pragma once
// perf::model_profile -> a "parcae-profile-1" JSON document that perf/detail/profile_reader.hpp
// reads back to the same struct. Numbers are written in their shortest round-trip form
// (std::to_chars), so writing what was read gives the same text again.

#include <charconv>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "parcae/core/detail/json.hpp"
#include "parcae/perf/profile.hpp"

namespace parcae::detail {

inline json_value json_number(double x) {
  json_value v;
  v.type = json_value::kind::number;
  v.number = x;
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, x);
  v.text.assign(buf, res.ptr);
  return v;
}
/// An integer field: plain digits (json_number may choose "1e+06", which the reader's integer
/// fields refuse).
inline json_value json_int(long long x) {
  json_value v;
  v.type = json_value::kind::number;
  v.number = static_cast<double>(x);
  v.text = std::to_string(x);
  return v;
}
inline json_value json_string(std::string s) {
  json_value v;
  v.type = json_value::kind::string;
  v.text = std::move(s);
  return v;
}
inline json_value json_bool(bool b) {
  json_value v;
  v.type = json_value::kind::boolean;
  v.boolean = b;
  return v;
}
inline json_value json_array(std::vector<json_value> items = {}) {
  json_value v;
  v.type = json_value::kind::array;
  v.items = std::move(items);
  return v;
}
inline json_value json_object() {
  json_value v;
  v.type = json_value::kind::object;
  return v;
}
inline json_value& json_add(json_value& obj, std::string key, json_value value) {
  obj.keys.push_back(std::move(key));
  obj.items.push_back(std::move(value));
  return obj.items.back();
}

inline void json_write_string(const std::string& s, std::string& out) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += ch;
    }
  }
  out += '"';
}

/// Objects one member per line, arrays of scalars on one line.
inline void json_write(const json_value& v, std::string& out, int indent) {
  switch (v.type) {
    case json_value::kind::null:
      out += "null";
      return;
    case json_value::kind::boolean:
      out += v.boolean ? "true" : "false";
      return;
    case json_value::kind::number:
      out += v.text;
      return;
    case json_value::kind::string:
      json_write_string(v.text, out);
      return;
    case json_value::kind::array: {
      bool flat = true;
      for (const json_value& x : v.items) flat = flat && x.type != json_value::kind::object;
      const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
      out += '[';
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        if (i > 0) out += flat ? ", " : ",";
        if (!flat) out += "\n" + pad;
        json_write(v.items[i], out, indent + 2);
      }
      if (!flat && !v.items.empty())
        out += "\n" + std::string(static_cast<std::size_t>(indent), ' ');
      out += ']';
      return;
    }
    case json_value::kind::object: {
      if (v.items.empty()) {
        out += "{}";
        return;
      }
      const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
      out += '{';
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        out += i > 0 ? ",\n" : "\n";
        out += pad;
        json_write_string(v.keys[i], out);
        out += ": ";
        json_write(v.items[i], out, indent + 2);
      }
      out += "\n" + std::string(static_cast<std::size_t>(indent), ' ') + '}';
      return;
    }
  }
}

inline json_value profile_layers_json(const perf::model_profile& m) {
  json_value layers = json_array();
  for (std::size_t i = 0; i < m.layers.size();) {
    const perf::layer_profile& l = m.layers[i];
    std::size_t j = i + 1;
    while (j < m.layers.size() && m.layers[j].name == l.name &&
           m.layers[j].forward_ms == l.forward_ms && m.layers[j].backward_ms == l.backward_ms &&
           m.layers[j].optimizer_ms == l.optimizer_ms &&
           m.layers[j].activation_bytes == l.activation_bytes && m.layers[j].params == l.params) {
      ++j;
    }
    json_value jl = json_object();
    json_add(jl, "name", json_string(l.name));
    json_add(jl, "count", json_int(static_cast<long long>(j - i)));
    if (m.layer_times) {
      json_add(jl, "forward_ms", json_number(l.forward_ms));
      json_add(jl, "backward_ms", json_number(l.backward_ms));
      json_add(jl, "optimizer_ms", json_number(l.optimizer_ms));
    }
    json_add(jl, "activation_bytes", json_number(l.activation_bytes));
    json_add(jl, "params", json_number(l.params));
    layers.items.push_back(std::move(jl));
    i = j;
  }
  return layers;
}

inline json_value profile_restart_json(const perf::restart_params& r) {
  const perf::comm_rebuild_params& c = r.comm;
  json_value comm = json_object();
  if (c.kind == perf::comm_rebuild_kind::stepped_by_d) {
    json_add(comm, "kind", json_string("stepped_by_d"));
    json_add(comm, "init_ms", json_number(c.init_ms));
    json_add(comm, "add_factor", json_number(c.add_factor));
    json_value steps = json_array();
    for (int i = 0; i < c.n_steps; ++i) {
      steps.items.push_back(json_array({json_int(c.step_min_d[i]), json_number(c.step_ms[i])}));
    }
    json_add(comm, "steps", std::move(steps));
  } else {
    json_add(comm, "kind",
             json_string(c.kind == perf::comm_rebuild_kind::per_group ? "per_group" : "per_gpu"));
    json_add(comm, "init_ms", json_number(c.init_ms));
    json_add(comm, "add_ms_per_unit", json_number(c.add_ms_per_unit));
    json_add(comm, "remove_ms_per_unit", json_number(c.remove_ms_per_unit));
  }
  json_value table = json_object();
  for (const perf::build_point& b : r.build)
    json_add(table, std::to_string(b.p), json_number(b.ms));
  json_value build = json_object();
  json_add(build, "table", std::move(table));
  json_value restart = json_object();
  json_add(restart, "rendezvous_ms", json_number(r.rendezvous_ms));
  json_add(restart, "proc_ms", json_number(r.proc_ms));
  json_add(restart, "extra_model_ms", json_number(r.extra_model_ms));
  json_add(restart, "checkpoint_ms", json_number(r.checkpoint_ms));
  if (r.fixed_restart_ms >= 0)
    json_add(restart, "fixed_restart_ms", json_number(r.fixed_restart_ms));
  json_add(restart, "comm", std::move(comm));
  json_add(restart, "build_ms", std::move(build));
  return restart;
}

inline json_value profile_json(const perf::model_profile& m) {
  json_value doc = json_object();
  json_add(doc, "format", json_string("parcae-profile-1"));
  json_add(doc, "name", json_string(m.name));
  json_value& model = json_add(doc, "model", json_object());
  json_add(model, "transformer", json_bool(m.transformer));
  json_add(model, "micro_batch", json_int(m.micro_batch));
  json_add(model, "global_batch", json_int(m.global_batch));
  json_add(model, "activation_p2p_bytes", json_number(m.activation_p2p_bytes));
  json_add(model, "optimizer_states", json_int(m.optimizer_states));
  json_add(model, "layers", profile_layers_json(m));
  json_value& cluster = json_add(doc, "cluster", json_object());
  json_add(cluster, "gpu_memory_mb", json_number(m.gpu_memory_mb));
  json_add(cluster, "gpus_per_instance", json_int(m.gpus_per_instance));
  json_value bytes = json_array(), micros = json_array();
  for (int i = 0; i < m.p2p.n; ++i) {
    bytes.items.push_back(json_number(m.p2p.bytes[i]));
    micros.items.push_back(json_number(m.p2p.micros[i]));
  }
  json_value& net = json_add(doc, "network", json_object());
  json_value& p2p = json_add(net, "p2p", json_object());
  json_add(p2p, "bytes", std::move(bytes));
  json_add(p2p, "micros", std::move(micros));
  json_add(net, "allreduce_mb_per_ms", json_number(m.allreduce_mb_per_ms));
  json_add(net, "fp16_gradients", json_bool(m.fp16_gradients));
  json_add(doc, "restart", profile_restart_json(m.restart));
  json_value rows = json_array();
  for (const perf::measured_config& r : m.measured) {
    rows.items.push_back(json_array({json_int(r.config.d), json_int(r.config.p),
                                     json_number(r.iteration_ms), json_number(r.samples_per_s)}));
  }
  json_value& measured = json_add(doc, "measured", json_object());
  json_add(measured, "configs", std::move(rows));
  json_value& targets = json_add(doc, "artifact_targets", json_object());
  json_add(targets, "min_p", json_int(m.artifact_targets.min_p));
  json_add(targets, "max_p", json_int(m.artifact_targets.max_p));
  json_value ip = json_array(), id = json_array();
  for (int p : m.artifact_targets.ignore_p) ip.items.push_back(json_int(p));
  for (int d : m.artifact_targets.ignore_d) id.items.push_back(json_int(d));
  json_add(targets, "ignore_p", std::move(ip));
  json_add(targets, "ignore_d", std::move(id));
  return doc;
}

}  // namespace parcae::detail
