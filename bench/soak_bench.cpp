// Soak: does an embedded controller stay as fast, and as small, after a million intervals as
// after ten thousand? (issue 15: "a controller lives for weeks"; 10^6 one-minute intervals are
// 694 days.) One runtime::controller on gpt-1.5b (a job of <= 32 p3.2xlarge instances, H = 12,
// the naive forecaster: the simulator's default and cheap, so the decision itself is measured)
// is driven through a seeded synthetic trace with churn:
//   * each interval, with probability 0.15, 1-4 random instances are preempted; with 0.005 every
//     instance is (a burst to zero); with 0.2, 1-4 instances join (up to 32);
//   * with probability 0.02 a preemption notice (deadline 30 s) for one instance precedes the
//     interval's end, and with 0.02 an instance is added mid-interval (on_instances_added);
//   * instance ids are never reused, so they grow without bound as in a real launcher.
// Every on_interval call is timed, wall clock and the calling thread's CPU time (one thread: the
// liveput table is filled by the exact estimator with one thread as keys are needed; the CPU
// time is what a loaded machine does not inflate). The counters:
//   first_p50_us, first_p99_us: per-decision wall time over the first 10,000 decisions (after
//                               the first 100, which fill the liveput table);
//   last_p50_us,  last_p99_us:  the same over the last 10,000;
//   *_cpu_us: the same quantiles of the thread's CPU time;
//   rss_first_mb: resident memory after the first 10,000 decisions (VmRSS, /proc/self/status),
//   rss_last_mb:  at the end, hwm_mb: the peak (VmHWM) at the end;
//   keys: liveput keys in the table at the end; history: records the controller keeps.
// Constant per-decision time and bounded memory is the claim: last_* ~ first_*, and rss_last_mb ~
// rss_first_mb. The timings of the first and last window are kept in two fixed buffers, so the
// benchmark's own memory does not grow with the interval count.
//
// Usage: bench_soak [--intervals=N] [Google Benchmark flags]; N defaults to 1,000,000.
#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/plan/job.hpp"
#include "parcae/runtime/availability_source.hpp"
#include "parcae/runtime/controller.hpp"

namespace rt = parcae::runtime;

namespace {

long long g_intervals = 1000000;
constexpr std::size_t window = 10000;
constexpr std::size_t warmup = 100;

/// A field of /proc/self/status in MiB (VmRSS, VmHWM); 0 where it is missing (not Linux).
double status_mb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':') {
      return std::strtod(line.c_str() + n + 1, nullptr) / 1024.0;  // kB
    }
  }
  return 0.0;
}

double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) * 1e-3;
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

/// splitmix64: the trace generator's stream (seeded, so every run replays the same trace).
struct splitmix {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
};

void BM_controller_soak(benchmark::State& state) {
  const long long intervals = g_intervals;
  constexpr int capacity = 32;
  parcae::plan::job_params jp;
  jp.capacity = capacity;
  jp.liveput.kind = parcae::liveput::estimator_kind::exact;
  jp.liveput.threads = 1;
  const parcae::plan::job job(parcae::perf::builtin::gpt_1_5b(), jp);
  rt::availability_source_params fp;
  fp.forecast.model = parcae::forecast::availability_model::naive;
  fp.forecast.window = 12;
  fp.forecast.capacity = capacity;
  rt::hooks hooks;
  std::uint64_t reconfigurations = 0;
  hooks.reconfigure = [&reconfigurations](const rt::decision&) { ++reconfigurations; };

  std::vector<double> first, last(window, 0.0), first_cpu, last_cpu(window, 0.0);
  first.reserve(window);
  first_cpu.reserve(window);
  double rss_first = 0.0;
  std::size_t keys = 0, history = 0;
  for (auto _ : state) {
    rt::controller ctl(job, rt::controller_options{}, rt::availability_source(fp), hooks);
    splitmix rng{20261205};
    std::set<rt::instance_id> alive;
    rt::instance_id next_id = 0;
    std::vector<rt::instance_id> joined, gone, pick;
    for (long long k = 0; k < intervals; ++k) {
      joined.clear();
      gone.clear();
      // Mid-interval events first: a notice for one instance, an instance added early.
      if (!alive.empty() && rng.uniform() < 0.02) {
        const rt::instance_id victim =
            *std::next(alive.begin(), rng.below(static_cast<int>(alive.size())));
        ctl.on_preemption_notice({victim}, 30.0);
        alive.erase(victim);
        gone.push_back(victim);
      }
      if (static_cast<int>(alive.size()) < capacity && rng.uniform() < 0.02) {
        ctl.on_instances_added({next_id});
        joined.push_back(next_id);
        alive.insert(next_id++);
      }
      const double u = rng.uniform();
      if (u < 0.005) {
        gone.insert(gone.end(), alive.begin(), alive.end());
        alive.clear();
      } else if (u < 0.155 && !alive.empty()) {
        const int n = std::min(1 + rng.below(4), static_cast<int>(alive.size()));
        for (int i = 0; i < n; ++i) {
          const auto it = std::next(alive.begin(), rng.below(static_cast<int>(alive.size())));
          gone.push_back(*it);
          alive.erase(it);
        }
      }
      if (rng.uniform() < 0.2) {
        const int n = 1 + rng.below(4);
        for (int i = 0; i < n && static_cast<int>(alive.size()) < capacity; ++i) {
          joined.push_back(next_id);
          alive.insert(next_id++);
        }
      }
      // An instance that joined and left within the interval is in neither list (the
      // controller's contract: joined ids are alive, preempted ones were alive at the start).
      std::vector<rt::instance_id> both;
      for (rt::instance_id id : joined) {
        if (!alive.count(id)) both.push_back(id);
      }
      for (rt::instance_id id : both) {
        joined.erase(std::find(joined.begin(), joined.end(), id));
        gone.erase(std::find(gone.begin(), gone.end(), id));
      }
      pick.assign(alive.begin(), alive.end());
      const double c0 = thread_cpu_us();
      const auto t0 = std::chrono::steady_clock::now();
      ctl.on_interval(pick, joined, gone);
      const double us =
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      const double cpu = thread_cpu_us() - c0;
      const auto uk = static_cast<std::size_t>(k);
      if (uk >= warmup && first.size() < window) {
        first.push_back(us);
        first_cpu.push_back(cpu);
        if (first.size() == window) rss_first = status_mb("VmRSS");
      }
      last[uk % window] = us;
      last_cpu[uk % window] = cpu;
    }
    keys = job.table()->size();
    history = ctl.history().size();
  }
  // The last window: the buffer holds the newest min(window, intervals) timings.
  if (static_cast<std::size_t>(intervals) < window) {
    last.resize(static_cast<std::size_t>(intervals));
    last_cpu.resize(static_cast<std::size_t>(intervals));
  }
  auto& c = state.counters;
  c["intervals"] = static_cast<double>(intervals);
  if (!first.empty()) {
    c["first_p50_us"] = quantile(first, 0.5);
    c["first_p99_us"] = quantile(first, 0.99);
    c["first_p50_cpu_us"] = quantile(first_cpu, 0.5);
    c["first_p99_cpu_us"] = quantile(first_cpu, 0.99);
  }
  if (!last.empty()) {
    c["last_p50_us"] = quantile(last, 0.5);
    c["last_p99_us"] = quantile(last, 0.99);
    c["last_p50_cpu_us"] = quantile(last_cpu, 0.5);
    c["last_p99_cpu_us"] = quantile(last_cpu, 0.99);
  }
  c["rss_first_mb"] = rss_first;
  c["rss_last_mb"] = status_mb("VmRSS");
  c["hwm_mb"] = status_mb("VmHWM");
  c["keys"] = static_cast<double>(keys);
  c["history"] = static_cast<double>(history);
  c["reconfigs"] = static_cast<double>(reconfigurations);
}

}  // namespace

int main(int argc, char** argv) {
  // --intervals=N is ours; everything else goes to Google Benchmark.
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    const char* flag = "--intervals=";
    if (i > 0 && std::strncmp(argv[i], flag, std::strlen(flag)) == 0) {
      char* end = nullptr;
      const long long n = std::strtoll(argv[i] + std::strlen(flag), &end, 10);
      if (end == argv[i] + std::strlen(flag) || *end != '\0' || n < 1 || n > 100000000) {
        std::fprintf(stderr,
                     "bench_soak: --intervals is '%s', but must be an integer in [1, 1e8]\n",
                     argv[i] + std::strlen(flag));
        return 2;
      }
      g_intervals = n;
      continue;
    }
    rest.push_back(argv[i]);
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RegisterBenchmark("BM_controller_soak", BM_controller_soak)
      ->Iterations(1)
      ->Unit(benchmark::kSecond);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
