// Shared by the translation units of parcae._core (module.cpp, runtime.cpp, sim.cpp): the profile
// handle, the Python-callable holder and the bind_* entry points. Each unit binds one area, so
// an edit to the controller binding does not recompile the forecasting one.
#pragma once

#include <pybind11/pybind11.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <utility>

#include "parcae/core/errors.hpp"
#include "parcae/perf/profile.hpp"
#include "parcae/perf/throughput.hpp"
#include "parcae/plan/types.hpp"

namespace parcae_py {

namespace py = pybind11;

/// A profile and its throughput model, built on first use and shared by copies.
struct profile_handle {
  parcae::perf::model_profile profile;
  std::shared_ptr<const parcae::perf::throughput_model> model_;

  explicit profile_handle(parcae::perf::model_profile p) : profile(std::move(p)) {}

  const parcae::perf::throughput_model& model() {
    if (!model_) model_ = std::make_shared<const parcae::perf::throughput_model>(profile);
    return *model_;
  }
};

/// A Python callable kept by a C++ std::function that may be copied, called and destroyed while
/// the GIL is released (the controller's hooks and forecaster). The reference is dropped under
/// the GIL; calls must take it (py::gil_scoped_acquire) before touching `get()`.
class py_callable {
 public:
  explicit py_callable(py::object fn)
      : fn_(new py::object(std::move(fn)), [](py::object* p) {
          py::gil_scoped_acquire gil;
          delete p;
        }) {}
  const py::object& get() const { return *fn_; }

 private:
  std::shared_ptr<py::object> fn_;
};

/// The profile named by `profile`: a Profile, or a name / path resolved by parcae.load_profile
/// (which searches the profiles shipped in the package).
std::shared_ptr<profile_handle> resolve_profile(const py::object& profile);

void bind_profiles(py::module_& m);
void bind_traces(py::module_& m);
void bind_forecast(py::module_& m);
void bind_liveput(py::module_& m);
void bind_runtime(py::module_& m);  // runtime.cpp: Config, Job, Controller, plan, TraceReplay
void bind_sim(py::module_& m);      // sim.cpp: the simulator harness

/// Sets `out` to the value that `text` names among `choices`, or throws
/// parcae::invalid_argument naming the function, the argument and the text (`requirement`: the
/// names accepted, as the message shows them).
template <class T>
struct non_deduced {
  using type = T;
};
template <class E>
void set_one_of(
    E& out, const char* fn, const char* argument, const std::string& text,
    std::initializer_list<std::pair<const char*, typename non_deduced<E>::type>> choices,
    const char* requirement) {
  for (const auto& [name, value] : choices) {
    if (text == name) {
      out = value;
      return;
    }
  }
  parcae::throw_invalid(fn, argument, text, requirement);
}

/// The `concurrent=` argument of every binding that takes one (parcae.simulate, parcae.Controller,
/// parcae.plan): what a migration started during another costs, by name.
inline void set_concurrent(parcae::plan::concurrent_charge& out, const char* fn,
                           const std::string& text) {
  set_one_of(out, fn, "concurrent", text,
             {{"remainder", parcae::plan::concurrent_charge::remainder},
              {"artifact", parcae::plan::concurrent_charge::artifact}},
             "\"remainder\" or \"artifact\"");
}

}  // namespace parcae_py
