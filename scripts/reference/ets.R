#!/usr/bin/env Rscript
# Reference tables for parcae::forecast ETS and the naive/drift/mean baselines, written by
# R's forecast package. Run from the repository root:
#   Rscript scripts/reference/ets.R
# Writes tests/data/forecast/ets_series.csv, ets_fits.csv, ets_forecasts.csv, ets_select.csv,
# baseline_forecasts.csv. Each file starts with a comment line naming R and forecast versions.
suppressMessages(library(forecast))
out_dir <- "tests/data/forecast"
header <- sprintf("# written by scripts/reference/ets.R with %s, forecast %s",
                  R.version.string, as.character(packageVersion("forecast")))

# Alive count at each minute start of an event trace (timestamp_ms,add|remove,node): the events
# with timestamp <= the minute's start have happened.
alive_count <- function(path) {
  ev <- read.csv(path, header = FALSE, col.names = c("ms", "kind", "node"),
                 strip.white = TRUE)
  delta <- ifelse(ev$kind == "add", 1, -1)
  minutes <- 0:floor(max(ev$ms) / 60000)
  sapply(minutes, function(t) sum(delta[ev$ms <= t * 60000]))
}

p3 <- alive_count("bench/traces/parcae/p3trace.csv")
g4dn <- alive_count("bench/traces/bamboo/g4dn-trace.csv")
series <- list(
  LakeHuron = as.numeric(LakeHuron),
  Nile = as.numeric(Nile),
  WWWusage = as.numeric(WWWusage),
  lh = as.numeric(lh),
  loglynx = log(as.numeric(lynx)),
  airmiles = as.numeric(airmiles),
  austres = as.numeric(austres),
  p3 = p3,
  g4dn = g4dn,
  p3_w60 = p3[301:360],   # one hour of p3 with preemptions and additions
  g4dn_w30 = g4dn[101:130]
)

write_table <- function(df, name) {
  path <- file.path(out_dir, name)
  writeLines(header, path)
  suppressWarnings(write.table(df, path, sep = ",", row.names = FALSE, quote = FALSE,
                               append = TRUE))
}

long <- do.call(rbind, lapply(names(series), function(s)
  data.frame(series = s, index = seq_along(series[[s]]), value = series[[s]])))
write_table(long, "ets_series.csv")

specs <- list(ANN = list(model = "ANN", damped = FALSE), AAN = list(model = "AAN", damped = FALSE),
              AAdN = list(model = "AAN", damped = TRUE), MNN = list(model = "MNN", damped = FALSE),
              MAN = list(model = "MAN", damped = FALSE), MAdN = list(model = "MAN", damped = TRUE))
g <- function(p, k) if (is.na(p[k])) NA else unname(p[k])

# R's Nelder-Mead (reltol 1.5e-8) often stops short of the optimum. "Polished" columns restart
# stats::optim's Nelder-Mead on forecast's own likelihood (forecast:::lik, which is +Inf outside
# the bounds) from ets' answer until the criterion stops improving: the optimum of R's own
# criterion nearest to R's answer, the target parcae is tested against.
polish <- function(f, y, e, t, d) {
  p <- f$par
  np <- length(p)
  nstate <- 1 + (t == "A")
  lower <- c(rep(1e-04, 3), 0.8); upper <- c(rep(0.9999, 3), 0.98)
  fn <- function(q) {
    names(q) <- names(p)
    forecast:::lik(q, y = y, nstate = nstate, errortype = e, trendtype = t, seasontype = "N",
                   damped = d, par.noopt = NULL, lowerb = c(lower, rep(-Inf, nstate)),
                   upperb = c(upper, rep(Inf, nstate)), opt.crit = "lik", nmse = 3,
                   bounds = "both", m = 1, pnames = names(p), pnames2 = NULL)
  }
  best <- fn(p)
  for (i in 1:200) {
    o <- optim(p, fn, method = "Nelder-Mead", control = list(reltol = 1e-14, maxit = 5000))
    if (o$value > best - 1e-10) break
    best <- o$value; p <- o$par
  }
  names(p) <- names(f$par)
  list(par = p, loglik = -0.5 * best)
}
fits <- list(); fcs <- list()
h <- 12
for (s in names(series)) {
  y <- series[[s]]
  for (m in names(specs)) {
    if (substr(m, 1, 1) == "M" && min(y) <= 0) next
    f <- tryCatch(ets(y, model = specs[[m]]$model, damped = specs[[m]]$damped),
                  error = function(e) NULL)
    if (is.null(f) || !inherits(f, "ets") || is.null(f$fit)) next
    p <- f$par
    pp <- polish(f, y, substr(m, 1, 1), substr(m, 2, 2), specs[[m]]$damped)
    q <- pp$par
    fits[[length(fits) + 1]] <- data.frame(
      series = s, model = m, n = length(y), alpha = g(p, "alpha"), beta = g(p, "beta"),
      phi = g(p, "phi"), l0 = g(p, "l"), b0 = g(p, "b"), loglik = f$loglik, aic = f$aic,
      aicc = f$aicc, bic = f$bic, sigma2 = f$sigma2, nm_evaluations = f$fit$fncount,
      polished_loglik = pp$loglik, polished_alpha = g(q, "alpha"), polished_beta = g(q, "beta"),
      polished_phi = g(q, "phi"), polished_l0 = g(q, "l"), polished_b0 = g(q, "b"))
    fc <- forecast(f, h = h, level = c(80, 95))
    fcs[[length(fcs) + 1]] <- data.frame(
      series = s, model = m, h = 1:h, mean = as.numeric(fc$mean),
      lo80 = as.numeric(fc$lower[, 1]), hi80 = as.numeric(fc$upper[, 1]),
      lo95 = as.numeric(fc$lower[, 2]), hi95 = as.numeric(fc$upper[, 2]))
  }
}
opt <- options(digits = 15)
write_table(do.call(rbind, fits), "ets_fits.csv")
write_table(do.call(rbind, fcs), "ets_forecasts.csv")

sel <- do.call(rbind, lapply(names(series), function(s) {
  y <- series[[s]]
  a <- ets(y, model = "AZN")
  z <- ets(y, model = "ZZN")
  data.frame(series = s, azn = gsub("[(),]", "", sub("ETS", "", a$method)), azn_aicc = a$aicc,
             zzn = gsub("[(),]", "", sub("ETS", "", z$method)), zzn_aicc = z$aicc)
}))
write_table(sel, "ets_select.csv")

base <- do.call(rbind, lapply(names(series), function(s) {
  y <- series[[s]]
  one <- function(method, fc) data.frame(
    series = s, method = method, h = 1:h, mean = as.numeric(fc$mean),
    lo80 = as.numeric(fc$lower[, 1]), hi80 = as.numeric(fc$upper[, 1]),
    lo95 = as.numeric(fc$lower[, 2]), hi95 = as.numeric(fc$upper[, 2]))
  rbind(one("naive", naive(y, h = h)), one("drift", rwf(y, h = h, drift = TRUE)),
        one("mean", meanf(y, h = h)))
}))
write_table(base, "baseline_forecasts.csv")
options(opt)
