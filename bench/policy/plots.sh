#!/bin/sh
# Make the plots of bench/policy/README.md: the cost-vs-attainment curves of the five
# scenarios (from results/<name>.json), the boot-delay and spot plots (from the tables of
# tabulate_sweeps.py), and copy the sweep Pareto plots of `sculpt report` when the
# report directories of run_sweeps.sh exist.
# usage: bench/policy/plots.sh [WORK_DIR]     (default /tmp/sculpt-policy-sweeps)
set -e
here=$(cd "$(dirname "$0")" && pwd)
work=${1:-/tmp/sculpt-policy-sweeps}
cd "$here"
mkdir -p plots
/usr/bin/python3 curves_data.py results
gnuplot plots.gp
for n in boot-60 boot-900; do
  if [ -f "$work/report-$n/plots/sweep_pareto.png" ]; then
    cp "$work/report-$n/plots/sweep_pareto.png" "plots/report-$n-pareto.png"
  fi
done
