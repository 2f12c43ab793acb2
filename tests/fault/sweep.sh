#!/usr/bin/env bash
# tests/fault/sweep.sh SCULPT SRC [KIND] [LIMIT]    (ONLY=REGEX: the operations whose name matches)
#
# Fault-injection sweep (issue 13, item 3), in the manner of SQLite's test_malloc.c: for
# each operation below, count the allocations (KIND=alloc) or output I/O steps
# (KIND=io: temporary-file creation, fwrite/fputs/fclose to files, fsync, rename) that
# `sculpt` makes, then run it again failing the N-th one, for every N up to LIMIT values
# (all of them when there are fewer; otherwise the first 40 and the rest evenly spaced).
# SCULPT must be built with -DSCULPT_FAULT=ON, and with -DSCULPT_SANITIZE=ON for the
# leak check (core/base/fault.h).  Every run must
#   - end with exit 1, 2 or 3 (no crash, no signal, no sanitizer report, no leak), not 0:
#     the N-th operation did fail, so exit 0 means the failure was absorbed silently;
#   - when it fails, print one "sculpt: error:" line naming what failed;
#   - when it fails, leave no output under its final name and no temporary file.
# Prints one line per operation (calls counted, runs, failures by exit status) and every
# violation; exits 1 if there was any.
set -u
S=$(realpath "${1:?sculpt program built with -DSCULPT_FAULT=ON}")
SRC=$(realpath "${2:?source tree}")
KIND=${3:-alloc}
LIMIT=${4:-120}
case "$KIND" in alloc) VAR=SCULPT_FAULT_ALLOC ;; io) VAR=SCULPT_FAULT_IO ;;
    *) echo "KIND is alloc or io" >&2; exit 2 ;; esac
export ASAN_OPTIONS=detect_leaks=1:exitcode=99:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:exitcode=98
export LSAN_OPTIONS=exitcode=97
W=$(mktemp -d /tmp/sculpt-fault-XXXXXX)
trap 'rm -rf "$W"' EXIT
cp "$SRC/tests/fixtures/sim/unit.json" "$SRC/tests/fixtures/sim/flat.csv" "$W/"
cp "$SRC/traces/specs/demo.json" "$W/spec.json"
# a two-run sweep of the unit scenario (a sweep results file: its own writer)
echo '{"name": "s2", "base": "unit.json", "axes": [{"path": "$.apps[0].target_util", "values": [0.5, 0.8]}], "replicates": 1}' > "$W/sweep2.json"
(cd "$W" && "$S" run unit.json -o base.h5 -j 1 >/dev/null 2>&1) || { echo "setup run failed"; exit 1; }
# the spot market (issue 11): scheduled and random stock-outs with reclaims, an hourly price
sed 's/"api_rate_per_sec": 1,/"api_rate_per_sec": 1, "spot_stockouts": [{"type": "t2", "start": "2026-01-05T00:30:00Z", "duration": "30m", "reclaim": 0.5}, {"type": "t2", "mtbf": "40m", "mttr": "10m"}], "spot_price": {"log_sd": 0.4, "reversion": "6h"},/' \
    "$W/unit.json" > "$W/spot.json"

# name | command (run in $W/case) | outputs that must not exist after a failure
OPS=(
  "scenario load|$S scenario check unit.json|"
  "world build, short run, results write|$S run unit.json -o r.h5 -j 1 --policy reactive|r.h5"
  "forecast fit and predict|$S forecast flat.csv --model ets --step 5m --horizons 10m -o w.json|w.json"
  "forecast fit and predict (arima)|$S forecast flat.csv --model arima --step 5m --horizons 10m -o w.json|w.json"
  "run, every policy of the scenario|$S run unit.json -o r.h5 -j 1|r.h5"
  "run with spot stock-outs and an hourly spot price|$S run spot.json -o r.h5 -j 1 --policy reactive|r.h5"
  "sweep, sweep results write|$S sweep sweep2.json -o sw.h5 -j 1|sw.h5"
  "compare (two results files read)|$S compare base.h5 base.h5|"
  "plan|$S plan --scenario unit.json|"
  "report|$S report base.h5 -o rep --format none|rep"
  "trace gen (three outputs)|$S trace gen spec.json --duration 2d -o g.h5 --truth t.csv -q|g.h5 g.events.csv t.csv"
)
bad=0
for op in "${OPS[@]}"; do
  IFS='|' read -r name cmd outs <<<"$op"
  [ -n "${ONLY:-}" ] && ! [[ "$name" =~ $ONLY ]] && continue
  rm -rf "$W/case"; mkdir "$W/case"; cp "$W"/*.json "$W"/*.csv "$W/base.h5" "$W/case/"
  total=$(cd "$W/case" && SCULPT_FAULT_REPORT=1 $cmd 2>&1 >/dev/null |
          sed -n "s/^sculpt-fault: \([0-9]*\) allocations, \([0-9]*\) I\/O steps$/\1 \2/p")
  [ "$KIND" = alloc ] && K=${total%% *} || K=${total##* }
  if [ -z "$K" ]; then echo "FAIL $name: no count (is $S built with -DSCULPT_FAULT=ON?)"; bad=1; continue; fi
  # the N to try
  if [ "$K" -le "$LIMIT" ]; then NS=$(seq 1 "$K")
  else NS=$( (seq 1 40; awk -v k="$K" -v m="$((LIMIT - 40))" 'BEGIN{for(i=1;i<=m;i++) printf "%d\n", 40 + int(i*(k-40)/m)}') | sort -un)
  fi
  runs=0; declare -A byrc=()
  for n in $NS; do
    rm -rf "$W/case"; mkdir "$W/case"; cp "$W"/*.json "$W"/*.csv "$W/base.h5" "$W/case/"
    (cd "$W/case" && env "$VAR=$n" $cmd >"$W/out" 2>"$W/err"); rc=$?
    runs=$((runs + 1)); byrc[$rc]=$(( ${byrc[$rc]:-0} + 1 ))
    why=""
    case $rc in 0|1|2|3) ;; *) why="exit $rc" ;; esac
    # N is within the count of the unfailed run, so the fault did fire: exit 0 means a
    # caller absorbed it (a silently wrong result), unless the op lists N's caller as a
    # fallback by design (none so far).
    [ "$rc" = 0 ] && [ "$n" -le "$K" ] && why="$why; exit 0: the failure was absorbed (SCULPT_FAULT_TRACE=1 shows where)" 
    grep -q "Sanitizer\|runtime error" "$W/err" && why="$why; sanitizer: $(grep -m1 'Sanitizer\|runtime error' "$W/err")"
    if [ "$rc" != 0 ]; then
      grep -q "^sculpt: error: .*\[ERR_" "$W/err" || why="$why; no error line: $(head -c 200 "$W/err")"
      for o in $outs; do [ -e "$W/case/$o" ] && why="$why; output $o left"; done
      ls -a "$W/case" | grep -q '\.tmp\.' && why="$why; temporary left: $(ls -a "$W/case" | grep '\.tmp\.' | head -2 | tr '\n' ' ')"
    fi
    if [ -n "$why" ]; then
      echo "FAIL $name: $VAR=$n: ${why#; }"; bad=1
    fi
  done
  summary=""; for k in "${!byrc[@]}"; do summary="$summary exit$k=${byrc[$k]}"; done
  echo "$name: $K ${KIND} calls, $runs runs:$summary"
  unset byrc
done
exit $bad
