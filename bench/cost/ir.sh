#!/usr/bin/env bash
# Instruction counts (callgrind Ir, user space) of the refactor-cost workloads of issue 9:
# the demo, bench_scale (100 apps x 10 regions x 3 days) and bench_yearlong (8 days).
# Instruction counts do not depend on the load of a shared machine (wall times vary by
# more than the 3 % budget here).
#   bench/cost/ir.sh BUILD_DIR [SOURCE_DIR]   -> prints "workload Ir" lines
set -euo pipefail
b=$1
src=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
ir() {
  local name=$1; shift
  local out
  out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        sed -n 's/.*Collected : *\([0-9]*\).*/\1/p')
  echo "$name $out"
}
ir demo "$b/sculpt" run "$src/scenarios/demo.json" -j 1 -o /tmp/ir-demo.$$.h5
rm -f /tmp/ir-demo.$$.h5
ir scale "$b/bench/bench_scale" --apps 100 --regions 10 --days 3
ir yearlong8 "$b/bench/bench_yearlong" --days 8
