#!/bin/sh
# arima_peer_score.sh - sums up r_arima_series.R output (one line per finished series):
# series, sMAPE, MASE, OWA relative to naive2 on the same series, 95 % coverage, MSIS and
# R's CPU seconds (total and per series).  Compare with
#   head -n $((K + 1)) TRAIN.csv > t.csv; head -n $((K + 1)) TEST.csv > s.csv
#   /usr/bin/time -f '%U %S' sculpt forecast --eval t.csv s.csv --model naive2,arima ...
# for the same first K series.
# Usage: bench/forecast/arima_peer_score.sh R_SERIES_OUTPUT
set -eu
awk 'NF == 9 { n++; cpu += $2; sm += $4; ma += $5; ms += $6; cv += $7; ns += $8; nm += $9 }
END {
  if (n == 0) { print "no finished series"; exit 1 }
  printf "R-arima   series %d  sMAPE %.3f  MASE %.3f  OWA %.3f  cov95 %.3f  MSIS %.3f  cpu %.1f s (%.1f s/series)\n",
         n, sm / n, ma / n, (sm / ns + ma / nm) / 2, cv / n, ms / n, cpu, cpu / n
}' "$1"
