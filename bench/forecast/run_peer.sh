#!/bin/sh
# run_peer.sh - sculpt's forecasters and R's forecast package side by side on the same
# M4-layout series: sMAPE, MASE, OWA, 95 % coverage, MSIS and wall time (one core each).
#
# Usage: bench/forecast/run_peer.sh [SCULPT_BIN] [TRAIN.csv TEST.csv H M]
# Defaults: build/sculpt and the M4 Hourly fixture (H = 48, m = 24).  R's part runs only
# when Rscript and the forecast package are installed (Debian: r-cran-forecast); R is a
# benchmark peer, never a dependency of the build or the tests.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-$root/build/sculpt}
train=${2:-$root/tests/fixtures/forecast/m4-hourly/Hourly-train.csv}
test=${3:-$root/tests/fixtures/forecast/m4-hourly/Hourly-test.csv}
h=${4:-48}
m=${5:-24}
models=${SCULPT_MODELS:-snaive,naive2,ets}
r_models=${R_MODELS:-snaive,naive2,ets,arima}

printf '%-9s %8s %8s %8s %8s %8s %9s\n' tool-model sMAPE MASE OWA cov95 MSIS seconds
# taskset pins to one core when available, so times are single-core figures
pin=""
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"
$pin "$bin" forecast --eval "$train" "$test" --model "$models" --horizon "$h" --period "$m" |
  awk 'NR > 1 { printf "sc-%-6s %8s %8s %8s %8s %8s %9s\n", $1, $2, $3, $4, $5, $6, $7 }'
if command -v Rscript >/dev/null 2>&1 && Rscript -e 'quit(status = !requireNamespace("forecast", quietly = TRUE))' >/dev/null 2>&1; then
  $pin Rscript "$here/r_peer.R" "$train" "$test" "$h" "$m" "$r_models"
else
  echo "(Rscript with the forecast package not found: R peer skipped)"
fi
