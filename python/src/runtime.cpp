// parcae._core, the decision loop: the job (plan/job.hpp), the runtime controller with Python
// hooks (runtime/controller.hpp), a plan over a horizon (plan/dp_planner.hpp) and the trace
// replay (runtime/trace_replay.hpp). docs/python.md describes the Python side.
//
// GIL. Every controller call releases the GIL before it takes the controller's lock, and the
// hooks (reconfigure, log, a Python forecaster) take the GIL back while they run. A thread that
// waits for the lock therefore never holds the GIL that the thread inside a hook needs (no
// deadlock), and a hook that calls back into its own controller gets the controller's
// std::logic_error ("re-entrant call"), which pybind11 raises as RuntimeError. An exception a
// hook raises crosses the controller (which documents that its state then already holds the
// new decision) and reaches the caller as the same Python exception.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"
#include "parcae/core/errors.hpp"
#include "parcae/plan/dp_planner.hpp"
#include "parcae/plan/job.hpp"
#include "parcae/runtime/availability_source.hpp"
#include "parcae/runtime/controller.hpp"
#include "parcae/runtime/trace_replay.hpp"

namespace parcae_py {

namespace {

namespace rt = parcae::runtime;
namespace pl = parcae::plan;
using parcae::parallel_config;

std::string config_repr(parallel_config c) {
  return "Config(d=" + std::to_string(c.d) + ", p=" + std::to_string(c.p) + ")";
}

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

const char* cause_name(rt::trigger t) {
  return t == rt::trigger::interval ? "interval" : "preemption_notice";
}

rt::notice_reaction parse_reaction(const std::string& s, const char* fn) {
  // The controller's names (runtime::to_string) and the CLI's (`parcae sim --reaction`).
  if (s == "replan" || s == "replan-preemption") return rt::notice_reaction::replan;
  if (s == "replan-when-undercut" || s == "replan-undercut") {
    return rt::notice_reaction::replan_when_undercut;
  }
  if (s == "shrink") return rt::notice_reaction::shrink;
  parcae::throw_invalid(fn, "reaction", s, "\"replan\", \"replan-when-undercut\" or \"shrink\"");
}

parcae::liveput::estimator_kind parse_estimator(const std::string& s, const char* fn) {
  if (s == "auto") return parcae::liveput::estimator_kind::automatic;
  if (s == "exact") return parcae::liveput::estimator_kind::exact;
  if (s == "mc") return parcae::liveput::estimator_kind::monte_carlo;
  parcae::throw_invalid(fn, "liveput", s, "\"auto\", \"exact\" or \"mc\"");
}

/// A sequence of (n_in, n_out) pairs from Python.
std::vector<pl::availability_step> to_steps(const py::handle& seq, const char* fn,
                                            const char* what) {
  std::vector<pl::availability_step> out;
  if (!py::isinstance<py::sequence>(seq) || py::isinstance<py::str>(seq)) {
    parcae::throw_invalid_message(fn, std::string(what) + " is " +
                                          std::string(py::str(py::type::of(seq).attr("__name__"))) +
                                          ", but must be a sequence of (n_in, n_out) pairs");
  }
  for (const py::handle item : seq) {
    const auto pair = py::reinterpret_borrow<py::sequence>(item);
    if (!py::isinstance<py::sequence>(item) || py::len(pair) != 2) {
      parcae::throw_invalid_message(fn, std::string(what) + "[" + std::to_string(out.size()) +
                                            "] is " + std::string(py::repr(item)) +
                                            ", but must be an (n_in, n_out) pair");
    }
    out.push_back({pair[0].cast<int>(), pair[1].cast<int>()});
  }
  return out;
}

/// A forecaster_fn over a Python callable f(history, horizon, paths) -> [(n_in, n_out), ...]
/// or {"point": [...], "paths": [[...], ...], "lists_every_event": bool, "quiet_after": number}
/// (runtime::availability_forecast; all but "point" optional); history is a list of
/// (n, n_in, n_out) tuples.
rt::forecaster_fn python_forecaster(py_callable fn) {
  return [fn](const std::vector<rt::interval_record>& history, int horizon, int paths) {
    const char* f = "parcae.Controller forecaster";
    py::gil_scoped_acquire gil;
    py::list h(history.size());
    for (std::size_t i = 0; i < history.size(); ++i) {
      h[i] = py::make_tuple(history[i].n, history[i].n_in, history[i].n_out);
    }
    const py::object out = fn.get()(h, horizon, paths);
    rt::availability_forecast fc;
    if (py::isinstance<py::dict>(out)) {
      const auto d = py::reinterpret_borrow<py::dict>(out);
      if (!d.contains("point")) {
        parcae::throw_invalid_message(f, "the returned dict has no \"point\", but must have one");
      }
      fc.point = to_steps(d["point"], f, "point");
      if (d.contains("paths")) {
        for (const py::handle path : d["paths"]) fc.paths.push_back(to_steps(path, f, "path"));
      }
      if (d.contains("lists_every_event")) {
        const py::object v = d["lists_every_event"];
        if (!py::isinstance<py::bool_>(v)) {
          parcae::throw_invalid_message(f, "\"lists_every_event\" is " + std::string(py::repr(v)) +
                                               ", but must be True or False");
        }
        fc.lists_every_event = v.cast<bool>();
      }
      if (d.contains("quiet_after")) {
        const py::object v = d["quiet_after"];
        const bool number = (py::isinstance<py::int_>(v) || py::isinstance<py::float_>(v)) &&
                            !py::isinstance<py::bool_>(v);
        const double q = number ? v.cast<double>() : -1.0;
        if (!number || !(q >= 0.0) || !std::isfinite(q)) {
          parcae::throw_invalid_message(f, "\"quiet_after\" is " + std::string(py::repr(v)) +
                                               ", but must be a finite number of intervals >= 0");
        }
        fc.quiet_after_intervals = q;
      }
    } else {
      fc.point = to_steps(out, f, "the returned forecast");
    }
    return fc;
  };
}

/// The controller and the job it plans for (which its provider references).
struct py_controller {
  std::shared_ptr<const pl::job> job;
  std::unique_ptr<rt::controller> ctl;
  std::string forecaster;  ///< its name, for repr
};

py::dict step_dict(const pl::plan_step& s) {
  py::dict d;
  d["n_before"] = s.n_before;
  d["n_after"] = s.n_after;
  d["n_in"] = s.events.n_in;
  d["n_out"] = s.events.n_out;
  d["config"] = py::make_tuple(s.config.d, s.config.p);
  d["prob"] = s.prob;
  d["cost_s"] = s.cost_s;
  d["samples"] = s.samples;
  d["remaining_s"] = s.remaining_s;
  d["empty_slots"] = s.empty_slots;
  return d;
}

void bind_values(py::module_& m) {
  py::class_<parallel_config>(m, "Config",
                              "A parallel configuration: d data-parallel pipelines of p stages "
                              "(Config(0, 0) = paused). Compares equal to the tuple (d, p).")
      .def(py::init([](int d, int p) {
             return parallel_config{d, p};
           }),
           py::arg("d") = 0, py::arg("p") = 0)
      .def(py::init([](const py::tuple& t) {
             if (t.size() != 2) {
               parcae::throw_invalid("parcae.Config", "len(config)", t.size(), "2 (d, p)");
             }
             return parallel_config{t[0].cast<int>(), t[1].cast<int>()};
           }),
           py::arg("config"))
      .def_readonly("d", &parallel_config::d)
      .def_readonly("p", &parallel_config::p)
      .def_property_readonly("size", &parallel_config::size, "d * p: GPU slots used")
      .def_property_readonly("paused", &parallel_config::paused)
      .def("__len__", [](const parallel_config&) { return 2; })
      .def("__iter__", [](const parallel_config& c) { return py::iter(py::make_tuple(c.d, c.p)); })
      .def("__getitem__",
           [](const parallel_config& c, int i) {
             if (i < -2 || i > 1) throw py::index_error("Config index out of range");
             return (i == 0 || i == -2) ? c.d : c.p;
           })
      .def("__eq__",
           [](const parallel_config& a, const py::object& b) {
             if (py::isinstance<parallel_config>(b)) return a == b.cast<parallel_config>();
             return py::make_tuple(a.d, a.p).equal(b);
           })
      .def("__hash__", [](const parallel_config& c) { return py::hash(py::make_tuple(c.d, c.p)); })
      .def("__repr__", &config_repr)
      .def(py::pickle([](const parallel_config& c) { return py::make_tuple(c.d, c.p); },
                      [](const py::tuple& t) {
                        return parallel_config{t[0].cast<int>(), t[1].cast<int>()};
                      }));
  py::implicitly_convertible<py::tuple, parallel_config>();

  py::class_<rt::placement>(m, "Placement",
                            "Where one GPU of one instance goes: (pipeline, stage) and its layers "
                            "[first_layer, end_layer); pipeline = stage = -1 for a spare.")
      .def_readonly("instance", &rt::placement::instance)
      .def_readonly("gpu", &rt::placement::gpu)
      .def_readonly("pipeline", &rt::placement::pipeline)
      .def_readonly("stage", &rt::placement::stage)
      .def_readonly("first_layer", &rt::placement::first_layer)
      .def_readonly("end_layer", &rt::placement::end_layer)
      .def_property_readonly("spare", &rt::placement::spare)
      .def("__eq__",
           [](const rt::placement& a, const rt::placement& b) {
             return a.instance == b.instance && a.gpu == b.gpu && a.pipeline == b.pipeline &&
                    a.stage == b.stage && a.first_layer == b.first_layer &&
                    a.end_layer == b.end_layer;
           })
      .def("__repr__", [](const rt::placement& p) {
        return "Placement(instance=" + std::to_string(p.instance) +
               ", gpu=" + std::to_string(p.gpu) + ", pipeline=" + std::to_string(p.pipeline) +
               ", stage=" + std::to_string(p.stage) + ", layers=[" + std::to_string(p.first_layer) +
               ", " + std::to_string(p.end_layer) + "))";
      });

  py::class_<rt::layer_fetch>(m, "LayerFetch",
                              "Layers [first_layer, end_layer) one GPU receives before training: "
                              "from (source, source_gpu), or from the checkpoint.")
      .def_readonly("instance", &rt::layer_fetch::instance)
      .def_readonly("gpu", &rt::layer_fetch::gpu)
      .def_readonly("first_layer", &rt::layer_fetch::first_layer)
      .def_readonly("end_layer", &rt::layer_fetch::end_layer)
      .def_readonly("from_checkpoint", &rt::layer_fetch::from_checkpoint)
      .def_readonly("source", &rt::layer_fetch::source)
      .def_readonly("source_gpu", &rt::layer_fetch::source_gpu)
      .def("__repr__", [](const rt::layer_fetch& f) {
        std::string from = f.from_checkpoint ? std::string("checkpoint")
                                             : "(" + std::to_string(f.source) + ", " +
                                                   std::to_string(f.source_gpu) + ")";
        return "LayerFetch(instance=" + std::to_string(f.instance) +
               ", gpu=" + std::to_string(f.gpu) + ", layers=[" + std::to_string(f.first_layer) +
               ", " + std::to_string(f.end_layer) + "), from=" + from + ")";
      });

  py::class_<pl::plan_step>(m, "PlanStep",
                            "One step of a plan: the events it was planned for, the target, its "
                            "reachability, migration time and samples.")
      .def_readonly("n_before", &pl::plan_step::n_before)
      .def_readonly("n_after", &pl::plan_step::n_after)
      .def_property_readonly("n_in", [](const pl::plan_step& s) { return s.events.n_in; })
      .def_property_readonly("n_out", [](const pl::plan_step& s) { return s.events.n_out; })
      .def_readonly("config", &pl::plan_step::config)
      .def_readonly("prob", &pl::plan_step::prob)
      .def_readonly("cost_s", &pl::plan_step::cost_s)
      .def_readonly("samples", &pl::plan_step::samples)
      .def_readonly("remaining_s", &pl::plan_step::remaining_s)
      .def_readonly("empty_slots", &pl::plan_step::empty_slots,
                    "Slots of config left empty after the step, their micro-batches rerouted to "
                    "their stages' peers (a later step of a plan with reroute=True); 0: whole.")
      .def("to_dict", &step_dict)
      .def("__repr__", [](const pl::plan_step& s) {
        return "PlanStep(n_before=" + std::to_string(s.n_before) +
               ", n_after=" + std::to_string(s.n_after) + ", config=" + config_repr(s.config) +
               ", prob=" + number(s.prob) + ", cost_s=" + number(s.cost_s) +
               ", samples=" + number(s.samples) +
               (s.empty_slots > 0 ? ", empty_slots=" + std::to_string(s.empty_slots) : "") + ")";
      });

  py::class_<pl::plan_result>(m, "Plan",
                              "A plan over the horizon (plan/dp_planner.hpp): only its first "
                              "step is executed, then it is re-planned.")
      .def_property_readonly("status",
                             [](const pl::plan_result& r) {
                               return r.status == pl::plan_status::ok ? "ok" : "paused";
                             })
      .def_readonly("steps", &pl::plan_result::steps)
      .def_readonly("expected_samples", &pl::plan_result::expected_samples)
      .def_property_readonly("first", &pl::plan_result::first, "the configuration to run now")
      .def("__len__", [](const pl::plan_result& r) { return r.steps.size(); })
      .def("__repr__", [](const pl::plan_result& r) {
        std::string out = "Plan(status='";
        out += r.status == pl::plan_status::ok ? "ok" : "paused";
        out += "', configs=[";
        for (std::size_t k = 0; k < r.steps.size(); ++k) {
          out += (k ? ", " : "") + parcae::to_string(r.steps[k].config);
        }
        return out + "], expected_samples=" + number(r.expected_samples) + ")";
      });

  py::class_<rt::decision>(
      m, "Decision",
      "One decision of the controller: the target configuration, how to reach it (kind, "
      "placements, layer fetches) and what the planner expects it to cost and train.")
      .def_readonly("sequence", &rt::decision::sequence)
      .def_property_readonly("cause", [](const rt::decision& d) { return cause_name(d.cause); })
      .def_readonly("previous", &rt::decision::previous)
      .def_readonly("target", &rt::decision::target)
      .def_property_readonly("kind", [](const rt::decision& d) { return rt::to_string(d.kind); })
      .def_readonly("placements", &rt::decision::placements)
      .def_readonly("fetches", &rt::decision::fetches)
      .def_readonly("expected_cost_s", &rt::decision::expected_cost_s)
      .def_readonly("expected_remaining_s", &rt::decision::expected_remaining_s)
      .def_readonly("expected_samples", &rt::decision::expected_samples)
      .def_property_readonly(
          "deadline_s",
          [](const rt::decision& d) -> py::object {
            if (d.deadline_s < 0.0) return py::none();
            return py::float_(d.deadline_s);
          },
          "seconds until the noticed instances go (None for an interval decision)")
      .def_readonly("plan", &rt::decision::plan)
      .def_readonly("keys_filled", &rt::decision::keys_filled)
      .def_readonly("empty_slots", &rt::decision::empty_slots,
                    "slots of target left empty, their micro-batches rerouted (kind reroute)")
      .def_readonly("throughput_scale", &rt::decision::throughput_scale)
      .def_readonly("guarded", &rt::decision::guarded,
                    "made by the regret guard's reactive rule, not by the planner")
      .def_readonly("terminal_s", &rt::decision::terminal_s,
                    "seconds valued after the horizon at the plan's last configuration")
      .def(
          "to_dict",
          [](const rt::decision& d) {
            py::dict out;
            out["sequence"] = d.sequence;
            out["cause"] = cause_name(d.cause);
            out["previous"] = py::make_tuple(d.previous.d, d.previous.p);
            out["target"] = py::make_tuple(d.target.d, d.target.p);
            out["kind"] = rt::to_string(d.kind);
            py::list placements;
            for (const auto& p : d.placements) {
              placements.append(py::dict(
                  py::arg("instance") = p.instance, py::arg("gpu") = p.gpu,
                  py::arg("pipeline") = p.pipeline, py::arg("stage") = p.stage,
                  py::arg("first_layer") = p.first_layer, py::arg("end_layer") = p.end_layer));
            }
            out["placements"] = placements;
            py::list fetches;
            for (const auto& f : d.fetches) {
              fetches.append(py::dict(
                  py::arg("instance") = f.instance, py::arg("gpu") = f.gpu,
                  py::arg("first_layer") = f.first_layer, py::arg("end_layer") = f.end_layer,
                  py::arg("from_checkpoint") = f.from_checkpoint, py::arg("source") = f.source,
                  py::arg("source_gpu") = f.source_gpu));
            }
            out["fetches"] = fetches;
            out["expected_cost_s"] = d.expected_cost_s;
            out["expected_remaining_s"] = d.expected_remaining_s;
            out["expected_samples"] = d.expected_samples;
            out["deadline_s"] =
                d.deadline_s < 0.0 ? py::object(py::none()) : py::object(py::float_(d.deadline_s));
            py::list plan;
            for (const auto& s : d.plan) plan.append(step_dict(s));
            out["plan"] = plan;
            out["keys_filled"] = d.keys_filled;
            out["empty_slots"] = d.empty_slots;
            out["throughput_scale"] = d.throughput_scale;
            out["guarded"] = d.guarded;
            out["terminal_s"] = d.terminal_s;
            return out;
          },
          "The decision as nested dicts and lists (JSON-ready).")
      .def("__repr__", [](const rt::decision& d) {
        int placed = 0;
        for (const auto& p : d.placements) placed += p.spare() ? 0 : 1;
        return "Decision(sequence=" + std::to_string(d.sequence) + ", cause='" +
               cause_name(d.cause) + "', previous=" + config_repr(d.previous) +
               ", target=" + config_repr(d.target) + ", kind='" + rt::to_string(d.kind) +
               "', placed=" + std::to_string(placed) + "/" + std::to_string(d.placements.size()) +
               ", fetches=" + std::to_string(d.fetches.size()) +
               ", expected_cost_s=" + number(d.expected_cost_s) +
               ", expected_samples=" + number(d.expected_samples) + ")";
      });
}

/// (Config, samples/s) pairs of a candidate list, in its order.
py::list config_rates(const std::vector<parcae::liveput::target_info>& list) {
  py::list out;
  for (const auto& c : list) out.append(py::make_tuple(py::cast(c.config), c.throughput));
  return out;
}

void bind_job(py::module_& m) {
  py::class_<pl::job, std::shared_ptr<pl::job>>(
      m, "Job",
      "One job setup (plan/job.hpp): a profile on a cluster of at most `capacity` instances; the "
      "throughput model, candidate configurations, migration costs and the liveput table that "
      "every controller, plan and simulation on this job shares.")
      .def(py::init([](const py::object& profile, int capacity, double interval_s,
                       const std::string& liveput, std::int64_t samples,
                       std::int64_t exact_threshold, std::uint64_t seed, int threads,
                       bool artifact_targets, const std::string& recovery, double prune_ratio,
                       int prune_top, bool pareto_targets, bool extrapolate) {
             const char* fn = "parcae.Job";
             std::shared_ptr<profile_handle> h = resolve_profile(profile);
             pl::job_params jp;
             jp.capacity = capacity;
             jp.interval_s = interval_s;
             jp.liveput.kind = parse_estimator(liveput, fn);
             jp.liveput.samples = samples;
             jp.liveput.exact_threshold = exact_threshold;
             jp.liveput.seed = seed;
             jp.liveput.threads = threads;
             jp.artifact_targets = artifact_targets;
             if (recovery == "redundant_copy") {
               jp.recovery = parcae::perf::state_recovery::redundant_copy;
             } else if (recovery == "checkpoint") {
               jp.recovery = parcae::perf::state_recovery::checkpoint;
             } else {
               parcae::throw_invalid(fn, "recovery", recovery,
                                     "\"redundant_copy\" or \"checkpoint\"");
             }
             jp.prune_ratio = prune_ratio;
             jp.prune_top = prune_top;
             jp.pareto_targets = pareto_targets;
             jp.throughput.extrapolate_measured = extrapolate;
             parcae::perf::model_profile p = h->profile;
             py::gil_scoped_release nogil;
             return std::make_shared<pl::job>(std::move(p), jp);
           }),
           py::arg("profile"), py::arg("capacity"), py::arg("interval_s") = 60.0, py::kw_only(),
           py::arg("liveput") = "auto", py::arg("samples") = 100, py::arg("exact_threshold") = 100,
           py::arg("seed") = 1, py::arg("threads") = 0, py::arg("artifact_targets") = true,
           py::arg("recovery") = "redundant_copy", py::arg("prune_ratio") = 0.0,
           py::arg("prune_top") = 2, py::arg("pareto_targets") = true,
           py::arg("extrapolate") = true)
      .def_property_readonly(
          "profile", [](const pl::job& j) { return std::make_shared<profile_handle>(j.profile()); })
      .def_property_readonly("capacity", &pl::job::capacity)
      .def_property_readonly("interval_s", &pl::job::interval_s)
      .def_property_readonly("gpus_per_instance", &pl::job::gpus_per_instance)
      .def_property_readonly("n_layers", &pl::job::n_layers)
      .def_property_readonly("p_min", [](const pl::job& j) { return j.planner().p_min; })
      .def_property_readonly("p_max", [](const pl::job& j) { return j.planner().p_max; })
      .def_property_readonly("checkpoint_s", &pl::job::checkpoint_s)
      .def_property_readonly(
          "candidates", [](const pl::job& j) { return config_rates(j.candidates()); },
          "(Config, samples/s) of every candidate configuration, sorted by (p, d)")
      .def_property_readonly(
          "targets", [](const pl::job& j) { return config_rates(j.targets()); },
          "(Config, samples/s) of the planner's targets (pareto_targets: the candidates no other "
          "beats on both GPUs and throughput, and the throughput-optimal ones), sorted by (p, d)")
      .def(
          "throughput", [](const pl::job& j, parallel_config c) { return j.throughput(c); },
          py::arg("config"), "T(d, p) in samples/s (0 outside the candidates)")
      .def("best", &pl::job::best, py::arg("instances"),
           "the throughput-optimal candidate on `instances` instances (Config(0, 0): none fits)")
      .def_property_readonly(
          "table_size", [](const pl::job& j) { return j.table()->size(); },
          "liveput keys estimated so far (the table is shared by everything on this job)")
      .def("__repr__", [](const pl::job& j) {
        return "Job(profile='" + j.profile().name + "', capacity=" + std::to_string(j.capacity()) +
               ", interval_s=" + number(j.interval_s()) +
               ", candidates=" + std::to_string(j.candidates().size()) +
               ", targets=" + std::to_string(j.targets().size()) + ")";
      });
}

void bind_controller(py::module_& m) {
  py::class_<py_controller>(
      m, "Controller",
      "The runtime controller a launcher embeds (runtime/controller.hpp). Report events with "
      "on_interval / on_preemption_notice / on_instances_added; decisions arrive in the "
      "reconfigure hook, on the reporting thread, in order.")
      .def(py::init([](std::shared_ptr<pl::job> job, int horizon, const std::string& reaction,
                       const std::string& planner, int sample_paths, int planner_threads,
                       bool observed_first_step, int history_limit, bool reroute, bool guard,
                       double guard_margin_s, int guard_probation, int guard_patience,
                       const std::string& concurrent, const py::object& forecaster, int window,
                       int min_history, std::uint64_t seed, const py::object& reconfigure,
                       const py::object& log) {
             const char* fn = "parcae.Controller";
             if (!job) parcae::throw_invalid_message(fn, "job is None, but must be a parcae.Job");
             rt::controller_options o;
             o.horizon = horizon;
             o.reaction = parse_reaction(reaction, fn);
             if (planner == "dp") {
               o.kind = rt::planner_kind::dp;
             } else if (planner == "stochastic") {
               o.kind = rt::planner_kind::stochastic;
             } else {
               parcae::throw_invalid(fn, "planner", planner, "\"dp\" or \"stochastic\"");
             }
             o.sample_paths = sample_paths;
             o.planner_threads = planner_threads;
             o.observed_first_step = observed_first_step;
             o.history_limit = history_limit;
             o.reroute = reroute;
             o.guard = guard;
             o.guard_margin_s = guard_margin_s;
             o.guard_probation = guard_probation;
             o.guard_patience = guard_patience;
             set_concurrent(o.concurrent, fn, concurrent);

             auto out = std::make_unique<py_controller>();
             out->job = job;
             rt::forecaster_fn fc;
             if (py::isinstance<py::str>(forecaster)) {
               const std::string name = forecaster.cast<std::string>();
               out->forecaster = name;
               namespace pf = parcae::forecast;
               rt::availability_source_params ap;
               ap.forecast.window = window;
               ap.forecast.capacity = job->capacity();
               ap.forecast.seed = seed;
               ap.min_history = min_history;
               if (name == "arima") {
                 ap.forecast.model = pf::availability_model::arima;
               } else if (name == "auto_arima") {
                 ap.forecast.model = pf::availability_model::auto_arima;
               } else if (name == "ets") {
                 ap.forecast.model = pf::availability_model::auto_ets;
               } else if (name == "naive") {
                 ap.forecast.model = pf::availability_model::naive;
               } else if (name == "drift") {
                 ap.forecast.model = pf::availability_model::drift;
               } else if (name == "mean") {
                 ap.forecast.model = pf::availability_model::mean;
               } else if (name != "persistence") {
                 parcae::throw_invalid(fn, "forecaster", name,
                                       "\"arima\", \"auto_arima\", \"ets\", \"naive\", "
                                       "\"drift\", \"mean\", \"persistence\" or a callable");
               }
               if (name != "persistence") fc = rt::availability_source(ap);
             } else if (PyCallable_Check(forecaster.ptr())) {
               out->forecaster = "callable";
               fc = python_forecaster(py_callable(forecaster));
             } else {
               parcae::throw_invalid_message(fn, "forecaster is " +
                                                     std::string(py::repr(forecaster)) +
                                                     ", but must be a name or a callable");
             }

             rt::hooks h;
             if (reconfigure.is_none()) {
               h.reconfigure = [](const rt::decision&) {};
             } else {
               if (!PyCallable_Check(reconfigure.ptr())) {
                 parcae::throw_invalid_message(fn, "reconfigure is not callable, but must be");
               }
               py_callable cb(reconfigure);
               h.reconfigure = [cb](const rt::decision& d) {
                 py::gil_scoped_acquire gil;
                 cb.get()(d);
               };
             }
             if (!log.is_none()) {
               if (!PyCallable_Check(log.ptr())) {
                 parcae::throw_invalid_message(fn, "log is not callable, but must be");
               }
               py_callable cb(log);
               h.log = [cb](const std::string& line) {
                 py::gil_scoped_acquire gil;
                 cb.get()(line);
               };
             }
             out->ctl = std::make_unique<rt::controller>(*job, o, std::move(fc), std::move(h));
             return out;
           }),
           py::arg("job"), py::kw_only(), py::arg("horizon") = 12, py::arg("reaction") = "replan",
           py::arg("planner") = "dp", py::arg("sample_paths") = 16, py::arg("planner_threads") = 1,
           py::arg("observed_first_step") = true, py::arg("history_limit") = 4096,
           py::arg("reroute") = true, py::arg("guard") = true, py::arg("guard_margin_s") = 30.0,
           py::arg("guard_probation") = 60, py::arg("guard_patience") = 12,
           py::arg("concurrent") = "remainder", py::arg("forecaster") = "arima",
           py::arg("window") = 12, py::arg("min_history") = 8, py::arg("seed") = 0,
           py::arg("reconfigure") = py::none(), py::arg("log") = py::none())
      .def(
          "on_interval",
          [](py_controller& c, const std::vector<rt::instance_id>& alive,
             const std::vector<rt::instance_id>& joined,
             const std::vector<rt::instance_id>& preempted) {
            c.ctl->on_interval(alive, joined, preempted);
          },
          py::arg("alive"), py::arg("joined") = std::vector<rt::instance_id>{},
          py::arg("preempted") = std::vector<rt::instance_id>{},
          py::call_guard<py::gil_scoped_release>(),
          "At an interval's end: the instances alive now, and those that joined / were "
          "preempted during it. Re-plans; calls reconfigure when the placement changes.")
      .def(
          "on_preemption_notice",
          [](py_controller& c, const std::vector<rt::instance_id>& ids, double deadline_s) {
            c.ctl->on_preemption_notice(ids, deadline_s);
          },
          py::arg("ids"), py::arg("deadline_s") = 0.0, py::call_guard<py::gil_scoped_release>(),
          "A preemption notice (or a detected failure, deadline 0): drains the instances and "
          "reacts when one holds a stage.")
      .def(
          "on_instances_added",
          [](py_controller& c, const std::vector<rt::instance_id>& ids) {
            c.ctl->on_instances_added(ids);
          },
          py::arg("ids"), py::call_guard<py::gil_scoped_release>(),
          "Instances that joined mid-interval: spares until the next decision.")
      .def(
          "current_config", [](const py_controller& c) { return c.ctl->current_config(); },
          py::call_guard<py::gil_scoped_release>())
      .def(
          "placements", [](const py_controller& c) { return c.ctl->placements(); },
          py::call_guard<py::gil_scoped_release>())
      .def(
          "last_decision", [](const py_controller& c) { return c.ctl->last_decision(); },
          py::call_guard<py::gil_scoped_release>(),
          "The latest decision, also one that changed nothing (kind 'none').")
      .def(
          "decisions", [](const py_controller& c) { return c.ctl->decisions(); },
          py::call_guard<py::gil_scoped_release>(), "Decisions made so far.")
      .def(
          "guard_state",
          [](const py_controller& c) {
            rt::guard_status g;
            {
              py::gil_scoped_release nogil;
              g = c.ctl->guard_state();
            }
            py::dict d;
            d["active"] = g.active;
            d["following"] = g.following;
            d["trips"] = g.trips;
            d["probation_left"] = g.probation_left;
            d["planned_samples"] = g.planned_samples;
            d["shadow_samples"] = g.shadow_samples;
            return d;
          },
          "The regret guard: whether it runs and follows the reactive rule now, its trips, the "
          "probation left, and the two accounts (samples) since it last planned afresh.")
      .def(
          "history",
          [](const py_controller& c) {
            std::vector<rt::interval_record> h;
            {
              py::gil_scoped_release nogil;
              h = c.ctl->history();
            }
            py::list out(h.size());
            for (std::size_t i = 0; i < h.size(); ++i) {
              out[i] = py::make_tuple(h[i].n, h[i].n_in, h[i].n_out);
            }
            return out;
          },
          "The recorded intervals, oldest first, as (n, n_in, n_out) tuples.")
      .def_property_readonly("job", [](const py_controller& c) { return c.job; })
      .def_property_readonly("params",
                             [](const py_controller& c) {
                               const rt::controller_params& p = c.ctl->params();
                               py::dict d;
                               d["horizon"] = p.horizon;
                               d["planner"] = p.kind == rt::planner_kind::dp ? "dp" : "stochastic";
                               d["sample_paths"] = p.sample_paths;
                               d["planner_threads"] = p.planner_threads;
                               d["reaction"] = rt::to_string(p.reaction);
                               d["observed_first_step"] = p.observed_first_step;
                               d["history_limit"] = p.history_limit;
                               d["reroute"] = p.reroute;
                               d["guard"] = p.guard;
                               d["guard_margin_s"] = p.guard_margin_s;
                               d["guard_probation"] = p.guard_probation;
                               d["guard_patience"] = p.guard_patience;
                               d["concurrent"] = p.planner.concurrent ==
                                                         parcae::plan::concurrent_charge::remainder
                                                     ? "remainder"
                                                     : "artifact";
                               d["forecaster"] = c.forecaster;
                               d["interval_s"] = p.planner.interval_s;
                               d["capacity"] = p.planner.capacity;
                               d["p_min"] = p.planner.p_min;
                               d["p_max"] = p.planner.p_max;
                               d["n_layers"] = p.n_layers;
                               return d;
                             })
      .def("__repr__", [](const py_controller& c) {
        const rt::controller_params& p = c.ctl->params();
        return "Controller(job='" + c.job->profile().name +
               "', horizon=" + std::to_string(p.horizon) + ", forecaster='" + c.forecaster +
               "', reaction='" + rt::to_string(p.reaction) + "')";
      });
}

void bind_plan_and_replay(py::module_& m) {
  m.def(
      "_plan",
      [](std::shared_ptr<pl::job> job, int n_now, const py::object& steps, parallel_config initial,
         double remaining_s, const std::string& concurrent, bool reroute) {
        const char* fn = "parcae.plan";
        if (!job) parcae::throw_invalid_message(fn, "job is None, but must be a parcae.Job");
        const std::vector<pl::availability_step> s = to_steps(steps, fn, "steps");
        pl::planner_params params = job->planner();
        set_concurrent(params.concurrent, fn, concurrent);
        // As the Controller plans with its reroute option (runtime::controller).
        if (reroute) params.rerouting = job->reroute();
        py::gil_scoped_release nogil;
        pl::dp_planner<pl::liveput_provider> planner(job->provider(), params);
        return planner.plan(n_now, pl::plan_state{initial, remaining_s}, s);
      },
      py::arg("job"), py::arg("n_now"), py::arg("steps"), py::arg("initial"),
      py::arg("remaining_s"), py::arg("concurrent"), py::arg("reroute"));

  py::class_<rt::trace_replay>(
      m, "TraceReplay",
      "Launcher events from a binned trace (runtime/trace_replay.hpp): instances named by "
      "arrival (0, 1, ...), the oldest preempted first, as `parcae plan` and the controller "
      "benchmark replay traces.")
      .def(py::init<int>(), py::arg("initial_alive"))
      .def("step", py::overload_cast<int, int>(&rt::trace_replay::step), py::arg("removed"),
           py::arg("added"), "One interval: `removed` instances leave, `added` join.")
      .def_property_readonly("alive", &rt::trace_replay::alive)
      .def_property_readonly("joined", &rt::trace_replay::joined)
      .def_property_readonly("preempted", &rt::trace_replay::preempted)
      .def_property_readonly("transient", &rt::trace_replay::transient);
}

}  // namespace

void bind_runtime(py::module_& m) {
  bind_values(m);
  bind_job(m);
  bind_controller(m);
  bind_plan_and_replay(m);
}

}  // namespace parcae_py
