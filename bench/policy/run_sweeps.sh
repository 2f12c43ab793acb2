#!/bin/sh
# Boot-delay and spot-assumption sweeps (issue 4 item 6), then their tables, plots and
# `sculpt report` directories, and README.md.  About 10 minutes on 2 shared cores.
# usage: bench/policy/run_sweeps.sh [SCULPT_BIN] [WORK_DIR]
#   (defaults: build/sculpt, /tmp/sculpt-policy-sweeps; the .h5 results files and the
#   report directories go to WORK_DIR, the summary CSVs to results/sweeps/, the tables to
#   results/boot.* and results/spot.*, the plots to plots/)
set -e
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../build/sculpt}
work=${2:-/tmp/sculpt-policy-sweeps}
mkdir -p "$work" "$here/results/sweeps" "$here/plots"
/usr/bin/python3 "$here/make_sweeps.py" 4d 2 >/dev/null
for f in "$here"/sweeps/boot-*.json "$here"/sweeps/spot-*.json; do
  n=$(basename "$f" .json)
  "$bin" sweep "$f" -j 2 --no-per-step -o "$work/$n.h5" --csv "$here/results/sweeps/$n.summary.csv" >/dev/null
  echo "$n done"
done
/usr/bin/python3 "$here/tabulate_sweeps.py" "$here/results/sweeps" "$here/results"
for n in boot-60 boot-900 spot-m0.35-r0.02; do
  "$bin" report "$work/$n.h5" -o "$work/report-$n" --force >/dev/null
done
sh "$here/plots.sh" "$work"
sh "$here/make_readme.sh"
