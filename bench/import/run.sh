#!/bin/sh
# Trace import with --tz Europe/London against UTC (CPU time, median of 5 interleaved
# runs), then sc_time_parse() alone in the same two settings.
# Usage (from the source root): bench/import/run.sh [BUILD_DIR] [BEFORE_BUILD_DIR]
#   BUILD_DIR         the build to measure (default build)
#   BEFORE_BUILD_DIR  optional build of an earlier commit to compare, e.g. /tmp/build-base
#                     (its sculpt binary and libsculpt.a are used)
set -e
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-build}
before=$2
python3 "$here/bench_import.py" --runs 5 ${before:+"$before/sculpt"} "$build/sculpt"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for b in $before $build; do
    cc -O2 -std=c17 -I"$src/core/include" -I"$b/generated" "$here/parse.c" \
        "$b/libsculpt.a" -lpthread -lm -o "$tmp/bench_parse"
    printf '%s: ' "$b"
    "$tmp/bench_parse" Europe/London
done
