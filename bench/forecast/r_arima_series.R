#!/usr/bin/env Rscript
# r_arima_series.R - R's auto.arima one series at a time, for a side-by-side with
# `sculpt forecast --eval ... --model arima` when R is too slow to finish a whole set:
# prints one line per series as soon as it is fitted, so a run stopped early still
# gives figures for the series it finished.
#
# Usage: Rscript r_arima_series.R TRAIN.csv TEST.csv H M > out.txt
# Columns: id cpu_seconds order smape mase msis cov95 naive2_smape naive2_mase
# cpu_seconds is this process's user + system CPU for auto.arima + forecast (one core).
# Score the finished rows with bench/forecast/arima_peer_score.sh (OWA over the rows,
# relative to naive2 on the same rows).
suppressMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 4) stop("usage: r_arima_series.R TRAIN.csv TEST.csv H M")
fh <- as.integer(args[3]); m <- as.integer(args[4])
rd <- function(p) { d <- read.csv(p, header = TRUE, stringsAsFactors = FALSE)
  list(id = d[[1]], x = lapply(seq_len(nrow(d)), function(i) { v <- as.numeric(d[i, -1]); v[!is.na(v)] })) }
tr <- rd(args[1]); te <- rd(args[2])
scale_of <- function(x) mean(abs(diff(x, lag = if (length(x) > m) m else 1)))
seasonality_test <- function(x) {   # M4's SeasonalityTest
  if (length(x) < 3 * m) return(FALSE)
  xacf <- acf(x, plot = FALSE)$acf[-1, 1, 1]
  clim <- 1.645 / sqrt(length(x)) * sqrt(cumsum(c(1, 2 * xacf^2)))
  r <- abs(xacf[m]) > clim[m]
  if (is.na(r)) FALSE else r
}
naive2 <- function(x) {
  y <- ts(x, frequency = m)
  if (m > 1 && seasonality_test(y)) {
    si <- decompose(y, type = "multiplicative")$seasonal
    sio <- head(rep(si[(length(si) - m + 1):length(si)], fh), fh)
    as.numeric(naive(y / si, h = fh)$mean) * sio
  } else as.numeric(naive(y, h = fh)$mean)
}
for (i in seq_along(tr$x)) {
  x <- tr$x[[i]]; y <- te$x[[i]][1:fh]; s <- scale_of(x)
  t0 <- proc.time()
  fit <- auto.arima(ts(x, frequency = m))
  f <- forecast(fit, h = fh, level = 95)
  dt <- proc.time() - t0
  cpu <- dt[["user.self"]] + dt[["sys.self"]]
  mu <- as.numeric(f$mean); lo <- as.numeric(f$lower); hi <- as.numeric(f$upper)
  n2 <- naive2(x)
  cat(sprintf("%s %.2f %s %.6f %.6f %.6f %.6f %.6f %.6f\n", tr$id[i], cpu,
              paste(arimaorder(fit), collapse = ","),
              mean(200 * abs(y - mu) / (abs(y) + abs(mu))), mean(abs(y - mu)) / s,
              mean((hi - lo) + 40 * (lo - y) * (y < lo) + 40 * (y - hi) * (y > hi)) / s,
              mean(y >= lo & y <= hi),
              mean(200 * abs(y - n2) / (abs(y) + abs(n2))), mean(abs(y - n2)) / s))
  flush(stdout())
}
