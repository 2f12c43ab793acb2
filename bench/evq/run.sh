#!/bin/sh
# Build and run the event-queue HOLD benchmark (sc_evq vs std::priority_queue).
# Usage: bench/evq/run.sh [build-dir] [bench_evq options...]
# Run it on a quiet machine: both queues are timed in thread CPU time, but another
# process on the same cores still competes for the shared caches.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-"$src/build-bench"}
[ $# -gt 0 ] && shift
cmake -S "$src" -B "$build" >/dev/null
make -C "$build" bench_evq >/dev/null
exec "$build/bench/evq/bench_evq" "$@"
