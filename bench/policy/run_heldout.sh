#!/bin/sh
# The held-out evaluation suite in one command (issue 10, item 5): run every scenario of
# bench/policy/heldout/scenarios (both halves, or --half dev|test), then (full runs) the
# controller at three objectives, write
# heldout/REPORT.md and rebuild bench/policy/README.md (make_readme.sh includes it).
# usage: bench/policy/run_heldout.sh BUILD_DIR [--half dev|test|all] [--only ID,...]
# The scenarios and the split are generated once by `heldout.py gen SHARED_DATA` and
# committed; this script does not regenerate them (the split is fixed before tuning).
set -e
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run_heldout.sh BUILD_DIR [--half dev|test|all] [--only ID,...]}
shift
nice -n 10 /usr/bin/python3 "$here/heldout.py" run "$build/sculpt" "$@"
case " $* " in
  *" --only "*|*" --half "*) ;;  # a partial run keeps the stored objective runs
  *) nice -n 10 /usr/bin/python3 "$here/heldout.py" objectives "$build/sculpt" ;;
esac
/usr/bin/python3 "$here/heldout.py" report > /dev/null
sh "$here/make_readme.sh"
echo "wrote $here/heldout/REPORT.md and $here/README.md"
