#!/usr/bin/env Rscript
# Reference table for parcae::liveput's exact estimator (uniform preemption model), computed by
# brute force in R: every n_out-subset of the n instances (utils::combn) is equally likely; the
# instance i (0-based) < d*p sits at stage i %% p (the artifact's placement, one GPU per
# instance); the others are spares. For each case and each k = 1..d it writes
#   prob_min_ge_k  P(min_s r_s >= k)              (r_s = surviving replicas of stage s)
#   e_wiped        E[#{s : r_s = 0}]
#   e_missing_k    E[sum_s max(k - r_s, 0)]
#   e_spares       E[spare instances alive]
# Run from the repository root:  Rscript scripts/reference/liveput_mvhg.R
# Writes tests/data/liveput/mvhg.csv (first line: a comment naming the R version).
out <- "tests/data/liveput/mvhg.csv"
cases <- list(c(8, 2, 4, 3), c(10, 3, 3, 4), c(12, 2, 5, 5), c(12, 4, 3, 2), c(16, 3, 5, 6),
              c(12, 1, 12, 3), c(9, 2, 4, 0), c(14, 2, 6, 7), c(16, 4, 4, 8), c(7, 2, 3, 7))
rows <- list()
for (cs in cases) {
  n <- cs[1]; d <- cs[2]; p <- cs[3]; n_out <- cs[4]
  stage <- ifelse(0:(n - 1) < d * p, (0:(n - 1)) %% p, -1)
  subsets <- if (n_out == 0) matrix(integer(0), nrow = 0, ncol = 1) else combn(n, n_out)
  m <- ncol(subsets)
  r <- matrix(d, nrow = m, ncol = p)
  spares <- rep(n - d * p, m)
  for (j in seq_len(m)) {
    for (i in subsets[, j]) {
      s <- stage[i]
      if (s >= 0) r[j, s + 1] <- r[j, s + 1] - 1 else spares[j] <- spares[j] - 1
    }
  }
  for (k in 1:d) {
    rows[[length(rows) + 1]] <- data.frame(
      n = n, d = d, p = p, n_out = n_out, k = k,
      prob_min_ge_k = sprintf("%.17g", mean(apply(r, 1, min) >= k)),
      e_wiped = sprintf("%.17g", mean(rowSums(r == 0))),
      e_missing_k = sprintf("%.17g", mean(rowSums(pmax(k - r, 0)))),
      e_spares = sprintf("%.17g", mean(spares)))
  }
}
tab <- do.call(rbind, rows)
con <- file(out, "w")
writeLines(sprintf("# written by scripts/reference/liveput_mvhg.R with %s (brute force over combn)",
                   R.version.string), con)
write.csv(tab, con, row.names = FALSE, quote = FALSE)
close(con)
