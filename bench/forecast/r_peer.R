#!/usr/bin/env Rscript
# r_peer.R - the R forecast package as a benchmark peer of `sculpt forecast --eval`.
#
# Usage: Rscript r_peer.R TRAIN.csv TEST.csv H M [models]
#   models: comma list of snaive,naive2,ets,arima (default "ets,arima")
# Fits every series in ONE R process, scores exactly as sculpt does (M4 definitions:
# sMAPE, MASE with the seasonal-naive scale, OWA relative to naive2, 95 % coverage and
# MSIS of the (0.025, 0.975) interval) and prints one line per model:
#   R-<model> smape mase owa coverage95 msis seconds
# Only fitting + forecasting is timed.  R is never a dependency of the build or tests
# (Debian: apt-get install r-cran-forecast).
suppressMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 4) stop("usage: r_peer.R TRAIN.csv TEST.csv H M [models]")
fh <- as.integer(args[3]); m <- as.integer(args[4])
models <- if (length(args) >= 5) strsplit(args[5], ",")[[1]] else c("ets", "arima")

read_m4 <- function(path) {
  d <- read.csv(path, header = TRUE, stringsAsFactors = FALSE)
  lapply(seq_len(nrow(d)), function(i) { v <- as.numeric(d[i, -1]); v[!is.na(v)] })
}
train <- read_m4(args[1]); test <- read_m4(args[2])

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
    f <- naive(y / si, h = fh, level = 95)
    list(mean = as.numeric(f$mean) * sio, lower = as.numeric(f$lower) * sio,
         upper = as.numeric(f$upper) * sio)
  } else {
    f <- naive(y, h = fh, level = 95)
    list(mean = as.numeric(f$mean), lower = as.numeric(f$lower), upper = as.numeric(f$upper))
  }
}
run_model <- function(name, x) {
  y <- ts(x, frequency = m)
  f <- switch(name,
              snaive = snaive(y, h = fh, level = 95),
              ets = forecast(ets(y), h = fh, level = 95),
              arima = forecast(auto.arima(y), h = fh, level = 95),
              naive2 = return(naive2(x)),
              stop("unknown model ", name))
  list(mean = as.numeric(f$mean), lower = as.numeric(f$lower), upper = as.numeric(f$upper))
}
score <- function(fc) {
  smape <- mase <- msis <- cov <- numeric(length(train))
  for (i in seq_along(train)) {
    y <- test[[i]][1:fh]; f <- fc[[i]]; s <- scale_of(train[[i]])
    smape[i] <- mean(200 * abs(y - f$mean) / (abs(y) + abs(f$mean)))
    mase[i] <- mean(abs(y - f$mean)) / s
    msis[i] <- mean((f$upper - f$lower) + 40 * (f$lower - y) * (y < f$lower) +
                    40 * (y - f$upper) * (y > f$upper)) / s
    cov[i] <- mean(y >= f$lower & y <= f$upper)
  }
  c(smape = mean(smape), mase = mean(mase), msis = mean(msis), cov = mean(cov))
}
ref <- score(lapply(train, naive2))
for (name in models) {
  t0 <- proc.time()[["elapsed"]]
  fc <- lapply(train, function(x) run_model(name, x))
  secs <- proc.time()[["elapsed"]] - t0
  s <- score(fc)
  owa <- (s[["smape"]] / ref[["smape"]] + s[["mase"]] / ref[["mase"]]) / 2
  cat(sprintf("R-%-7s %8.3f %8.3f %8.3f %8.3f %8.3f %9.1f\n", name, s[["smape"]],
              s[["mase"]], owa, s[["cov"]], s[["msis"]], secs))
}
