#!/usr/bin/env bash
# Times R's forecast::ets fit + 12-step forecast on the same data as bench/forecast_ets_bench.cpp
# (CPU time, R: user.self; non-constant 12-point windows of the p3 alive count, binned as parcae::trace::bin does, and
# the Nile series), then runs the parcae benchmark and prints both. Usage, from the repo root:
#   scripts/bench/ets_vs_r.sh [build-dir]        (default build dir: build)
set -euo pipefail
build=${1:-build}
Rscript - <<'RS'
suppressMessages(library(forecast))
ev <- read.csv("bench/traces/parcae/p3trace.csv", header = FALSE, col.names = c("ms", "kind", "node"))
delta <- ifelse(ev$kind == "add", 1, -1)
minutes <- 0:floor(max(ev$ms) / 60000)
alive <- sapply(minutes, function(t) sum(delta[ev$ms < t * 60000]))  # alive at interval start
wins <- list()
for (i in seq(1, length(alive) - 11, by = 12)) {
  w <- alive[i:(i + 11)]
  if (length(unique(w)) > 1) wins[[length(wins) + 1]] <- w
}
time_us <- function(f, data, reps) {
  t0 <- proc.time()[["user.self"]]
  k <- 0
  for (r in 1:reps) for (y in data) { f(y); k <- k + 1 }
  1e6 * (proc.time()[["user.self"]] - t0) / k
}
cases <- list(
  ets_ANN_p3_window12 = list(function(y) forecast(ets(y, model = "ANN"), h = 12), wins, 3),
  ets_AAdN_p3_window12 = list(function(y) forecast(ets(y, model = "AAN", damped = TRUE), h = 12), wins, 3),
  ets_auto_p3_window12 = list(function(y) forecast(ets(y, model = "AZN"), h = 12), wins, 2),
  ets_ANN_nile = list(function(y) forecast(ets(y, model = "ANN"), h = 12), list(as.numeric(Nile)), 50),
  ets_AAdN_nile = list(function(y) forecast(ets(y, model = "AAN", damped = TRUE), h = 12), list(as.numeric(Nile)), 20),
  ets_auto_nile = list(function(y) forecast(ets(y, model = "AZN"), h = 12), list(as.numeric(Nile)), 10))
cat(sprintf("R %s, forecast %s\n", R.version.string, as.character(packageVersion("forecast"))))
for (n in names(cases)) {
  c <- cases[[n]]
  cat(sprintf("R  %-24s %10.1f us per fit+forecast\n", n, time_us(c[[1]], c[[2]], c[[3]])))
}
RS
"$build/bench/bench_forecast_ets" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  | grep -E "median|Benchmark"
