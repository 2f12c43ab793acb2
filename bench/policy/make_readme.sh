#!/bin/sh
# Regenerate bench/policy/README.md from README.head.md and the results of run_eval.py
# (and of run_sweeps.sh: a line "@include results/<file>.md" in README.head.md is
# replaced by that file).
# usage: bench/policy/make_readme.sh            (after run_all.sh / run_sweeps.sh)
set -e
here=$(cd "$(dirname "$0")" && pwd)
out="$here/README.md"
tmp="$out.tmp.$$"
{
  awk -v dir="$here" '/^@include / { f = dir "/" $2; while ((getline l < f) > 0) print l;
      close(f); next } { print }' "$here/README.head.md"
  echo
  echo "## Summary at matched attainment >= 99.9 %"
  echo
  /usr/bin/python3 "$here/summarise.py" "$here/results" 0.999
  echo
  echo "## Summary at matched attainment >= 99.99 %"
  echo
  /usr/bin/python3 "$here/summarise.py" "$here/results" 0.9999
  echo
  echo "## Full tables"
  echo
  for s in demo campaign eia nasa nab; do
    [ -f "$here/results/$s.md" ] && cat "$here/results/$s.md" && echo
  done
} > "$tmp"
mv "$tmp" "$out"
