// parcae._core, the simulator: policies replayed over a trace (sim/harness.hpp), with the
// settings of `parcae sim` (tools/parcae/cmd_sim.cpp), so that the same arguments give the CLI's
// numbers. Results are plain dicts (python/parcae/sim.py wraps them); the replay runs with the
// GIL released, and the optional progress callback takes it back.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"
#include "parcae/core/errors.hpp"
#include "parcae/plan/job.hpp"
#include "parcae/sim/events.hpp"
#include "parcae/sim/harness.hpp"
#include "parcae/trace/read.hpp"

namespace parcae_py {

namespace {

namespace sim = parcae::sim;

py::dict timeline_columns(const std::vector<sim::timeline_row>& rows) {
  // Columns, not one dict per row: a DataFrame takes them as they are, and 9 policies x 683
  // intervals stay cheap.
  std::vector<std::int64_t> index;
  std::vector<int> instances, n_in, n_out, d, p, slots_lost, empty_slots;
  std::vector<std::string> kind;
  std::vector<double> cost_s, lost_s, samples, cumulative, remaining_s;
  for (const auto& r : rows) {
    index.push_back(static_cast<std::int64_t>(r.index));
    instances.push_back(r.instances);
    n_in.push_back(r.n_in);
    n_out.push_back(r.n_out);
    d.push_back(r.config.d);
    p.push_back(r.config.p);
    kind.emplace_back(r.kind);
    cost_s.push_back(r.cost_s);
    lost_s.push_back(r.lost_s);
    samples.push_back(r.samples);
    cumulative.push_back(r.cumulative);
    remaining_s.push_back(r.remaining_s);
    slots_lost.push_back(r.slots_lost);
    empty_slots.push_back(r.empty_slots);
  }
  py::dict out;
  out["interval"] = index;
  out["instances"] = instances;
  out["n_in"] = n_in;
  out["n_out"] = n_out;
  out["d"] = d;
  out["p"] = p;
  out["kind"] = kind;
  out["cost_s"] = cost_s;
  out["lost_s"] = lost_s;
  out["samples"] = samples;
  out["cumulative"] = cumulative;
  out["remaining_s"] = remaining_s;
  out["slots_lost"] = slots_lost;
  out["empty_slots"] = empty_slots;
  return out;
}

}  // namespace

void bind_sim(py::module_& m) {
  m.def("_policy_names", [] { return sim::policy_names(); });
  m.def(
      "_simulate",
      [](const parcae::trace::availability_trace& trace, const py::object& profile_or_job,
         const std::vector<std::string>& policies, double interval_s, int horizon,
         std::uint64_t seed, const std::string& accounting, const std::string& forecaster,
         const std::string& first_step, const std::string& reaction, int window, int on_demand,
         int paths, std::int64_t mc_samples, double spot_price, double on_demand_price,
         bool timeline, bool reroute, bool guard, const std::string& concurrent,
         const py::object& progress) {
        const char* fn = "parcae.simulate";
        namespace rt = parcae::runtime;
        namespace pf = parcae::forecast;
        sim::harness_params hp;
        hp.sim.spot_price_per_hour = spot_price;
        hp.sim.on_demand_price_per_hour = on_demand_price;
        hp.sim.keep_timeline = timeline;
        hp.on_demand_instances = on_demand;
        hp.parcae.horizon = horizon;
        hp.parcae.window = window > 0 ? window : std::max(3, horizon);  // the CLI's default
        hp.parcae.seed = seed;
        hp.parcae.sample_paths = paths;
        hp.parcae.reroute = reroute;
        hp.parcae.guard = guard;
        set_concurrent(hp.sim.concurrent, fn, concurrent);
        set_one_of(
            hp.parcae.accounting, fn, "accounting", accounting,
            {{"realized", sim::accounting::realized}, {"expected", sim::accounting::expected}},
            "\"realized\" or \"expected\"");
        set_one_of(hp.parcae.first_step, fn, "first_step", first_step,
                   {{"notice", sim::first_step::notice}, {"forecast", sim::first_step::forecast}},
                   "\"notice\" or \"forecast\"");
        // The CLI's names of the reactions are accepted too.
        set_one_of(hp.parcae.reaction, fn, "reaction", reaction,
                   {{"replan", rt::notice_reaction::replan},
                    {"replan-preemption", rt::notice_reaction::replan},
                    {"replan-when-undercut", rt::notice_reaction::replan_when_undercut},
                    {"replan-undercut", rt::notice_reaction::replan_when_undercut},
                    {"shrink", rt::notice_reaction::shrink}},
                   "\"replan\", \"replan-when-undercut\" or \"shrink\"");
        set_one_of(hp.parcae.model, fn, "forecaster", forecaster,
                   {{"arima", pf::availability_model::arima},
                    {"ets", pf::availability_model::ets},
                    {"naive", pf::availability_model::naive},
                    {"drift", pf::availability_model::drift}},
                   "\"naive\", \"arima\", \"ets\" or \"drift\"");
        hp.validate();
        const std::vector<std::string> names = sim::expand_policy_names(policies);

        parcae::trace::binning_params bp;
        bp.interval_seconds = interval_s;
        std::shared_ptr<const parcae::plan::job> job;
        std::shared_ptr<profile_handle> profile;
        if (py::isinstance<parcae::plan::job>(profile_or_job)) {
          job = profile_or_job.cast<std::shared_ptr<parcae::plan::job>>();
          if (job->interval_s() != interval_s) {
            parcae::throw_invalid(fn, "interval_s", interval_s,
                                  "the job's interval_s = " + std::to_string(job->interval_s()));
          }
        } else {
          profile = resolve_profile(profile_or_job);
        }
        std::function<void(const std::string&, std::size_t, std::size_t)> report;
        if (!progress.is_none()) {
          py_callable cb(progress);
          report = [cb](const std::string& name, std::size_t i, std::size_t n) {
            py::gil_scoped_acquire gil;
            cb.get()(name, i, n);
          };
        }

        sim::event_trace ev;
        sim::harness_result hr;
        {
          py::gil_scoped_release nogil;
          ev = sim::make_event_trace(trace, bp, seed);
          if (ev.capacity() < 1) {
            parcae::throw_invalid_message(fn, "the trace has no instance alive, but needs one");
          }
          if (!job) {  // as `parcae sim` builds it
            parcae::plan::job_params jp;
            jp.capacity = ev.capacity();
            jp.interval_s = interval_s;
            jp.liveput.seed = seed;
            jp.liveput.samples = mc_samples;
            parcae::perf::model_profile pr = profile->profile;
            if (trace.gpus_per_instance > 0) pr.gpus_per_instance = trace.gpus_per_instance;
            job = std::make_shared<const parcae::plan::job>(pr, jp);
          }
          hr = sim::run_harness(ev, *job, names, hp, report);
        }

        py::dict out;
        out["trace"] = trace.source;
        out["profile"] = job->profile().name;
        out["intervals"] = ev.size();
        out["interval_seconds"] = interval_s;
        out["capacity"] = ev.capacity();
        out["horizon"] = horizon;
        out["seed"] = seed;
        out["accounting"] = accounting;
        out["first_step"] = first_step;
        out["reaction"] = rt::to_string(hp.parcae.reaction);
        out["forecaster"] = forecaster;
        out["window"] = hp.parcae.window;
        out["reroute"] = reroute;
        out["guard"] = guard;
        out["ideal_samples"] = hr.ideal_samples;
        py::list rows;
        for (const auto& e : hr.policies) {
          const auto& r = e.result;
          py::dict row;
          row["name"] = r.name;
          row["samples"] = r.samples;
          row["ratio_to_ideal"] = e.ratio_to_ideal;
          row["reconfigurations"] = r.reconfigurations;
          row["config_changes"] = r.config_changes;
          row["migration_seconds"] = r.migration_seconds;
          row["paused_seconds"] = r.paused_seconds;
          row["instance_hours"] = r.instance_hours;
          row["cost_usd"] = r.cost_usd;
          row["usd_per_million_samples"] = r.samples > 0 ? r.usd_per_million_samples() : 0.0;
          row["slots_preempted"] = r.slots_preempted;
          row["guard_trips"] =
              r.guard_trips >= 0 ? py::object(py::int_(r.guard_trips)) : py::object(py::none());
          row["on_demand"] = r.on_demand;
          if (timeline) row["timeline"] = timeline_columns(r.timeline);
          rows.append(row);
        }
        out["policies"] = rows;
        return out;
      },
      py::arg("trace"), py::arg("profile"), py::arg("policies"), py::arg("interval_s"),
      py::arg("horizon"), py::arg("seed"), py::arg("accounting"), py::arg("forecaster"),
      py::arg("first_step"), py::arg("reaction"), py::arg("window"), py::arg("on_demand"),
      py::arg("paths"), py::arg("mc_samples"), py::arg("spot_price"), py::arg("on_demand_price"),
      py::arg("timeline"), py::arg("reroute"), py::arg("guard"), py::arg("concurrent"),
      py::arg("progress"));
}

}  // namespace parcae_py
