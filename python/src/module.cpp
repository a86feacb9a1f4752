// parcae._core: the pybind11 binding of the header-only library (docs/python.md). This unit binds
// profiles, traces, forecasting and liveput; runtime.cpp the job, the controller and the planner;
// sim.cpp the simulator (three units, so that an edit to one area recompiles one). The Pythonic
// layer (keyword defaults, profile search in the package, launcher adapters) is in
// python/parcae/*.py; this file converts types and releases the GIL around long C++ work.
//
// Errors: parcae::invalid_argument becomes parcae.InvalidArgument, a subclass of ValueError, with
// the library's message unchanged; other C++ exceptions follow pybind11's standard translation.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"
#include "parcae/core/errors.hpp"
#include "parcae/forecast/availability_forecaster.hpp"
#include "parcae/liveput/cpu_backend.hpp"
#include "parcae/liveput/perf_cost.hpp"
#include "parcae/liveput/zone_model.hpp"
#include "parcae/perf/profile_json.hpp"
#include "parcae/perf/throughput.hpp"
#include "parcae/trace/bin.hpp"
#include "parcae/trace/read.hpp"

namespace parcae_py {

std::shared_ptr<profile_handle> resolve_profile(const py::object& profile) {
  if (py::isinstance<profile_handle>(profile))
    return profile.cast<std::shared_ptr<profile_handle>>();
  return py::module_::import("parcae")
      .attr("load_profile")(profile)
      .cast<std::shared_ptr<profile_handle>>();
}

namespace {

// ---- profiles ---------------------------------------------------------------------------------

py::dict estimate_dict(const parcae::perf::config_estimate& e) {
  py::dict out;
  out["d"] = e.config.d;
  out["p"] = e.config.p;
  out["status"] = parcae::perf::to_string(e.status);
  out["source"] = parcae::perf::to_string(e.source);
  out["iteration_ms"] = e.iteration_ms;
  out["samples_per_s"] = e.samples_per_s;
  out["micro_batches"] = e.micro_batches;
  out["recompute"] = e.recompute;
  return out;
}

}  // namespace

void bind_profiles(py::module_& m) {
  py::class_<profile_handle, std::shared_ptr<profile_handle>>(
      m, "Profile",
      "A model profile: the job's layers, batch, memory, network and restart costs "
      "(docs/performance-model.md). Load one with parcae.load_profile.")
      .def_property_readonly("name", [](const profile_handle& h) { return h.profile.name; })
      .def_property_readonly("n_layers",
                             [](const profile_handle& h) { return h.profile.n_layers(); })
      .def_property_readonly("micro_batch",
                             [](const profile_handle& h) { return h.profile.micro_batch; })
      .def_property_readonly("global_batch",
                             [](const profile_handle& h) { return h.profile.global_batch; })
      .def_property_readonly("gpus_per_instance",
                             [](const profile_handle& h) { return h.profile.gpus_per_instance; })
      .def_property_readonly("gpu_memory_mb",
                             [](const profile_handle& h) { return h.profile.gpu_memory_mb; })
      .def_property_readonly("transformer",
                             [](const profile_handle& h) { return h.profile.transformer; })
      .def_property_readonly("layer_times",
                             [](const profile_handle& h) { return h.profile.layer_times; })
      .def_property_readonly(
          "min_depth", [](profile_handle& h) { return h.model().min_depth(); },
          "smallest memory-feasible pipeline depth (0: none)")
      .def_property_readonly(
          "max_depth", [](profile_handle& h) { return h.model().max_depth(); },
          "deepest pipeline the model allows (n_layers - 1)")
      .def(
          "throughput",
          [](profile_handle& h, int d, int p) {
            return estimate_dict(h.model().estimate({d, p}));
          },
          py::arg("d"), py::arg("p"),
          "T(d, p): samples/s, iteration time and status of one configuration, as a dict.")
      .def(
          "best",
          [](profile_handle& h, long long gpus) { return estimate_dict(h.model().best(gpus)); },
          py::arg("gpus"), "The throughput-optimal configuration on `gpus` GPUs, as a dict.")
      .def(
          "to_json",
          [](const profile_handle& h) { return parcae::perf::profile_to_json(h.profile); },
          "The profile as a parcae-profile-1 JSON document (parse_profile reads it back).")
      .def("__repr__", [](const profile_handle& h) {
        std::ostringstream out;
        out << "Profile(name='" << h.profile.name << "', n_layers=" << h.profile.n_layers()
            << ", micro_batch=" << h.profile.micro_batch
            << ", global_batch=" << h.profile.global_batch
            << ", gpus_per_instance=" << h.profile.gpus_per_instance << ")";
        return out.str();
      });

  m.def(
      "_load_profile",
      [](const std::string& name, const std::vector<std::string>& dirs) {
        return std::make_shared<profile_handle>(parcae::perf::load_profile(name, dirs));
      },
      py::arg("name_or_path"), py::arg("dirs"));
  m.def(
      "_parse_profile",
      [](const std::string& text, const std::string& origin) {
        return std::make_shared<profile_handle>(parcae::perf::parse_profile(text, origin));
      },
      py::arg("text"), py::arg("origin"));
  m.def(
      "_shipped_profile_names",
      [](const std::vector<std::string>& dirs) {
        return parcae::perf::shipped_profile_names(dirs);
      },
      py::arg("dirs"));
  m.def("_default_profile_dirs", [] { return parcae::perf::profile_search_dirs(); });
}

// ---- traces -----------------------------------------------------------------------------------

namespace {

template <class T>
py::array_t<T> to_numpy(const std::vector<T>& v) {
  py::array_t<T> out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

py::array_t<double> to_numpy(const Eigen::MatrixXd& x) {
  py::array_t<double> out({static_cast<py::ssize_t>(x.rows()), static_cast<py::ssize_t>(x.cols())});
  auto a = out.mutable_unchecked<2>();
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    for (Eigen::Index j = 0; j < x.cols(); ++j) a(i, j) = x(i, j);
  }
  return out;
}

}  // namespace

void bind_traces(py::module_& m) {
  using parcae::trace::availability_trace;
  using parcae::trace::interval_series;
  py::class_<interval_series>(m, "Intervals",
                              "A trace binned into planning intervals: N (alive at the start), "
                              "n_in (added) and n_out (removed) per interval, as numpy arrays.")
      .def_readonly("interval_seconds", &interval_series::interval_seconds)
      .def_readonly("start_ms", &interval_series::start_ms)
      .def_readonly("notes", &interval_series::notes)
      .def_property_readonly("alive", [](const interval_series& s) { return to_numpy(s.alive()); })
      .def_property_readonly("added", [](const interval_series& s) { return to_numpy(s.added()); })
      .def_property_readonly("removed",
                             [](const interval_series& s) { return to_numpy(s.removed()); })
      .def("__len__", &interval_series::size)
      .def("__repr__", [](const interval_series& s) {
        return "Intervals(" + std::to_string(s.size()) + " intervals of " +
               std::to_string(s.interval_seconds) + " s)";
      });

  py::class_<availability_trace>(m, "Trace",
                                 "An availability trace in its one in-memory form (any shape the "
                                 "CLI reads: events, counts, replay, series, json).")
      .def_property_readonly(
          "format",
          [](const availability_trace& t) { return parcae::trace::format_name(t.format); })
      .def_readonly("source", &availability_trace::source)
      .def_readonly("start_ms", &availability_trace::start_ms)
      .def_readonly("end_ms", &availability_trace::end_ms)
      .def_readonly("named", &availability_trace::named)
      .def_readonly("notes", &availability_trace::notes)
      .def_readonly("gpus_per_instance", &availability_trace::gpus_per_instance,
                    "G of a '# gpus_per_instance: G' comment line, 0 when the file has none "
                    "(simulate then runs a profile given by name or Profile on G-GPU instances)")
      .def_property_readonly(
          "times_ms",
          [](const availability_trace& t) {
            std::vector<std::int64_t> v;
            v.reserve(t.changes.size());
            for (const auto& c : t.changes) v.push_back(c.time_ms);
            return to_numpy(v);
          },
          "time of each change (ms, trace clock), numpy int64")
      .def_property_readonly(
          "deltas",
          [](const availability_trace& t) {
            std::vector<std::int32_t> v;
            v.reserve(t.changes.size());
            for (const auto& c : t.changes) {
              v.push_back(c.kind == parcae::trace::change_kind::add ? c.count : -c.count);
            }
            return to_numpy(v);
          },
          "instances added (> 0) or removed (< 0) by each change, numpy int32")
      .def_property_readonly(
          "nodes",
          [](const availability_trace& t) {
            py::list out;
            for (const auto& c : t.changes) out.append(py::cast(c.nodes));
            return out;
          },
          "the instance names of each change (lists; empty when the trace is not named)")
      .def(
          "bin",
          [](const availability_trace& t, double interval_seconds, std::int64_t max_intervals) {
            parcae::trace::binning_params p;
            p.interval_seconds = interval_seconds;
            p.max_intervals = max_intervals;
            py::gil_scoped_release unlocked;
            return parcae::trace::bin(t, p);
          },
          py::arg("interval_seconds") = 60.0, py::arg("max_intervals") = 10'000'000,
          "Bins the trace into intervals of `interval_seconds`.")
      .def("__len__", [](const availability_trace& t) { return t.changes.size(); })
      .def("__repr__", [](const availability_trace& t) {
        return "Trace(source='" + t.source + "', format='" + parcae::trace::format_name(t.format) +
               "', " + std::to_string(t.changes.size()) + " changes, " +
               std::to_string(t.end_ms - t.start_ms) + " ms)";
      });

  m.def(
      "read_trace",
      [](const std::string& path, const std::string& format) {
        const auto f = parcae::trace::parse_format(format);
        py::gil_scoped_release unlocked;
        return parcae::trace::read_trace(std::filesystem::path(path), f);
      },
      py::arg("path"), py::arg("format") = "auto",
      "Reads a trace file; `format` is auto, events, counts, replay, series or json.");
  m.def(
      "parse_trace",
      [](const std::string& text, const std::string& format, const std::string& source) {
        const auto f = parcae::trace::parse_format(format);
        py::gil_scoped_release unlocked;
        return parcae::trace::parse_trace(text, f, source);
      },
      py::arg("text"), py::arg("format") = "auto", py::arg("source") = "<input>",
      "Parses a trace held in a string.");
  m.def(
      "detect_format",
      [](const std::string& text) {
        return parcae::trace::format_name(parcae::trace::detect_format(text));
      },
      py::arg("text"), "The shape of a trace held in a string.");
}

// ---- forecasting ------------------------------------------------------------------------------

namespace {

struct forecast_result {
  parcae::forecast::fitted_model model;
  parcae::forecast::prediction prediction;
  Eigen::MatrixXd paths;
};

parcae::forecast::availability_params forecast_params(const std::string& method, int horizon,
                                                      const std::vector<double>& levels,
                                                      const std::optional<std::vector<int>>& order,
                                                      const std::string& constant,
                                                      const std::optional<std::string>& ets,
                                                      int n_paths, std::uint64_t seed) {
  namespace pf = parcae::forecast;
  const char* fn = "parcae.forecast";
  pf::availability_params p;
  if (method == "arima") {
    p.model = pf::availability_model::arima;
    if (order) {
      if (order->size() != 3) {
        parcae::throw_invalid(fn, "len(order)", order->size(), "3 (p, d, q)");
      }
      p.arima.order = {(*order)[0], (*order)[1], (*order)[2]};
    }
    if (constant != "auto" && constant != "none" && constant != "mean" && constant != "drift") {
      parcae::throw_invalid(fn, "constant", constant, "\"auto\", \"none\", \"mean\" or \"drift\"");
    }
    if (constant == "auto") {  // the artifact's drift for d == 1, R's mean for d == 0
      p.arima.include_drift = p.arima.order.d == 1;
      p.arima.include_mean = p.arima.order.d == 0;
    } else {
      p.arima.include_drift = constant == "drift";
      p.arima.include_mean = constant == "mean";
    }
  } else if (method == "auto_arima") {
    p.model = pf::availability_model::auto_arima;
  } else if (method == "ets") {
    p.model = ets ? pf::availability_model::ets : pf::availability_model::auto_ets;
    if (ets) p.ets = pf::ets_spec::parse(*ets);
  } else if (method == "naive") {
    p.model = pf::availability_model::naive;
  } else if (method == "drift") {
    p.model = pf::availability_model::drift;
  } else if (method == "mean") {
    p.model = pf::availability_model::mean;
  } else {
    parcae::throw_invalid(fn, "method", method,
                          "\"arima\", \"auto_arima\", \"ets\", \"naive\", \"drift\" or \"mean\"");
  }
  p.horizon = horizon;
  p.levels = levels;
  p.n_paths = n_paths;
  p.seed = seed;
  return p;
}

forecast_result run_forecast(const std::vector<double>& y,
                             const parcae::forecast::availability_params& p) {
  forecast_result out;
  parcae::detail::forecaster_fit fit;
  out.prediction = parcae::forecast::fit_and_predict(y, p, fit);
  out.model = fit.summary;
  if (p.n_paths > 0) {
    if (fit.summary.name == "constant") {  // no model was fitted: every path is the constant
      out.paths = Eigen::MatrixXd::Constant(p.n_paths, p.horizon, y.back());
    } else {
      out.paths =
          parcae::detail::forecaster_paths(fit, out.prediction, p.n_paths, p.seed, p.stream);
    }
  } else {
    out.paths.resize(0, p.horizon);
  }
  return out;
}

py::array_t<double> rows_to_numpy(const std::vector<std::vector<double>>& rows, std::size_t cols) {
  py::array_t<double> out({static_cast<py::ssize_t>(rows.size()), static_cast<py::ssize_t>(cols)});
  auto a = out.mutable_unchecked<2>();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t j = 0; j < cols; ++j) {
      a(static_cast<py::ssize_t>(i), static_cast<py::ssize_t>(j)) = rows[i][j];
    }
  }
  return out;
}

}  // namespace

void bind_forecast(py::module_& m) {
  py::class_<forecast_result>(m, "Forecast",
                              "Point forecasts with standard errors, prediction intervals and "
                              "sample paths, and a summary of the fitted model.")
      .def_property_readonly("model_name", [](const forecast_result& r) { return r.model.name; })
      .def_property_readonly("status", [](const forecast_result& r) { return r.model.status; })
      .def_property_readonly("coef",
                             [](const forecast_result& r) {
                               py::dict d;
                               for (std::size_t i = 0; i < r.model.coef.size(); ++i) {
                                 d[py::str(r.model.coef_names[i])] = r.model.coef[i];
                               }
                               return d;
                             })
      .def_property_readonly("sigma2", [](const forecast_result& r) { return r.model.sigma2; })
      .def_property_readonly("loglik", [](const forecast_result& r) { return r.model.loglik; })
      .def_property_readonly("aicc", [](const forecast_result& r) { return r.model.aicc; })
      .def_property_readonly("mean",
                             [](const forecast_result& r) { return to_numpy(r.prediction.mean); })
      .def_property_readonly("se",
                             [](const forecast_result& r) { return to_numpy(r.prediction.se); })
      .def_property_readonly("levels",
                             [](const forecast_result& r) { return to_numpy(r.prediction.levels); })
      .def_property_readonly(
          "lower",
          [](const forecast_result& r) {
            return rows_to_numpy(r.prediction.lower, r.prediction.horizon());
          },
          "lower bounds, shape (len(levels), horizon)")
      .def_property_readonly(
          "upper",
          [](const forecast_result& r) {
            return rows_to_numpy(r.prediction.upper, r.prediction.horizon());
          },
          "upper bounds, shape (len(levels), horizon)")
      .def_property_readonly(
          "paths", [](const forecast_result& r) { return to_numpy(r.paths); },
          "sample paths, shape (n_paths, horizon)")
      .def("__len__", [](const forecast_result& r) { return r.prediction.horizon(); })
      .def("__repr__", [](const forecast_result& r) {
        return "Forecast(model='" + r.model.name +
               "', horizon=" + std::to_string(r.prediction.horizon()) +
               ", n_paths=" + std::to_string(r.paths.rows()) + ")";
      });

  m.def(
      "_forecast",
      [](py::array_t<double, py::array::c_style | py::array::forcecast> y,
         const std::string& method, int horizon, const std::vector<double>& levels,
         const std::optional<std::vector<int>>& order, const std::string& constant,
         const std::optional<std::string>& ets, int n_paths, std::uint64_t seed) {
        if (y.ndim() != 1) {
          parcae::throw_invalid("parcae.forecast", "y.ndim", y.ndim(), "1 (a series)");
        }
        std::vector<double> series(y.data(), y.data() + y.size());
        const auto params =
            forecast_params(method, horizon, levels, order, constant, ets, n_paths, seed);
        py::gil_scoped_release unlocked;
        return run_forecast(series, params);
      },
      py::arg("y"), py::arg("method"), py::arg("horizon"), py::arg("levels"), py::arg("order"),
      py::arg("constant"), py::arg("ets"), py::arg("n_paths"), py::arg("seed"));
}

// ---- liveput ----------------------------------------------------------------------------------

void bind_liveput(py::module_& m) {
  namespace lp = parcae::liveput;
  py::class_<lp::target_estimate>(m, "TargetEstimate",
                                  "Reachability, expected migration cost and liveput of one "
                                  "target configuration of a key.")
      .def_property_readonly("d", [](const lp::target_estimate& t) { return t.target.d; })
      .def_property_readonly("p", [](const lp::target_estimate& t) { return t.target.p; })
      .def_readonly("throughput", &lp::target_estimate::throughput)
      .def_readonly("probability", &lp::target_estimate::probability)
      .def_readonly("probability_se", &lp::target_estimate::probability_se)
      .def_readonly("mean_cost_s", &lp::target_estimate::mean_cost_s)
      .def_readonly("mean_cost_se_s", &lp::target_estimate::mean_cost_se_s)
      .def_readonly("liveput", &lp::target_estimate::liveput)
      .def("__repr__", [](const lp::target_estimate& t) {
        std::ostringstream out;
        out << "TargetEstimate(d=" << t.target.d << ", p=" << t.target.p
            << ", throughput=" << t.throughput << ", probability=" << t.probability
            << ", mean_cost_s=" << t.mean_cost_s << ", liveput=" << t.liveput << ")";
        return out.str();
      });

  py::class_<lp::entry>(m, "LiveputEntry",
                        "Every target reachable from one key (N, D, P, n_in, n_out); `best` is "
                        "the liveput of the key.")
      .def_property_readonly("status", [](const lp::entry& e) { return lp::to_string(e.status); })
      .def_property_readonly("method", [](const lp::entry& e) { return lp::to_string(e.method); })
      .def_readonly("samples", &lp::entry::samples)
      .def_readonly("states", &lp::entry::states)
      .def_readonly("interval_s", &lp::entry::interval_s)
      .def_readonly("targets", &lp::entry::targets)
      .def_property_readonly(
          "best",
          [](const lp::entry& e) -> std::optional<lp::target_estimate> {
            if (const lp::target_estimate* b = e.best()) return *b;
            return std::nullopt;
          },
          "the target with the highest liveput, or None")
      .def("__repr__", [](const lp::entry& e) {
        std::ostringstream out;
        out << "LiveputEntry(status='" << lp::to_string(e.status) << "', method='"
            << lp::to_string(e.method) << "', targets=" << e.targets.size();
        if (const lp::target_estimate* b = e.best()) {
          out << ", best=(" << b->target.d << ", " << b->target.p << ") " << b->liveput;
        }
        out << ")";
        return out.str();
      });

  m.def(
      "_liveput",
      [](std::shared_ptr<profile_handle> h, int nodes, int d, int p, int preempt, int add,
         const std::string& method, std::int64_t samples, std::uint64_t seed, int threads,
         double interval_seconds, const std::optional<std::vector<double>>& zones) {
        const char* fn = "parcae.liveput";
        if (method != "exact" && method != "mc") {
          parcae::throw_invalid(fn, "method", method, "\"exact\" or \"mc\"");
        }
        if (zones && method == "exact") {
          parcae::throw_invalid(fn, "method", method,
                                "\"mc\" with zones (the exact estimator is for the uniform "
                                "model)");
        }
        const lp::key k{nodes, d, p, add, preempt};
        py::gil_scoped_release unlocked;
        const parcae::perf::throughput_model& model = h->model();
        const int g = h->profile.gpus_per_instance;
        const auto candidates = lp::candidate_targets(
            model, static_cast<long long>(k.n_after() > 0 ? k.n_after() : 1) * g);
        lp::perf_cost_model cost(h->profile);
        lp::cpu_params params;
        params.kind =
            method == "exact" ? lp::estimator_kind::exact : lp::estimator_kind::monte_carlo;
        params.samples = samples;
        params.threads = threads;
        params.seed = seed;
        params.interval_s = interval_seconds;
        std::shared_ptr<lp::backend> backend;
        if (zones) {
          lp::zone_model z;
          z.weights = *zones;
          z.validate();
          backend = lp::make_cpu_backend(z, cost, candidates, g, params);
        } else {
          backend = lp::make_cpu_backend(lp::uniform_model{}, cost, candidates, g, params);
        }
        cost.bind({d, p});  // validates the running configuration against the profile
        return backend->estimate({k}).front();
      },
      py::arg("profile"), py::arg("nodes"), py::arg("d"), py::arg("p"), py::arg("preempt"),
      py::arg("add"), py::arg("method"), py::arg("samples"), py::arg("seed"), py::arg("threads"),
      py::arg("interval_seconds"), py::arg("zones"));
}

}  // namespace parcae_py

PYBIND11_MODULE(_core, m) {
  using namespace parcae_py;
  m.doc() = "parcae's C++ core (pybind11). Use the `parcae` package, not this module.";
  py::register_exception<parcae::invalid_argument>(m, "InvalidArgument", PyExc_ValueError);
  bind_profiles(m);
  bind_traces(m);
  bind_forecast(m);
  bind_liveput(m);
  bind_runtime(m);
  bind_sim(m);
}
