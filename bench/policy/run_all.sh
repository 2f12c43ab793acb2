#!/bin/sh
# Run the whole policy evaluation (about 140 s of CPU) and rebuild the README.
# usage: bench/policy/run_all.sh [SCULPT_BIN]      (default: build/sculpt)
set -e
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../build/sculpt}
for s in demo campaign eia nasa nab; do
  /usr/bin/python3 "$here/run_eval.py" "$bin" "$here/../../scenarios/$s.json" "$here/results" --legacy --threads 2 >/dev/null
  echo "$s done"
done
sh "$here/make_readme.sh"
