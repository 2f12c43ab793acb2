#!/usr/bin/env bash
# demo.sh - live mode end to end on loopback, in one command:
#   bash bench/live/demo.sh [BUILD_DIR] [OUT_DIR]
#
# 1. starts moto_server (AWS's APIs, emulated) and prometheus on 127.0.0.1 with free
#    ports; Prometheus is first backfilled with `promtool tsdb create-blocks-from
#    openmetrics` from the demo trace (tests/live/ramp.csv, 1-min samples, taken at each
#    5-min step, scaled per geography as the scenario's demand is): load gauges, a
#    request-latency histogram whose 95th percentile rises past the SLO's 100 ms when
#    the load passes 900 req/s, and request / failure counters, i.e. what the default
#    queries of $.live.metrics.prometheus read;
# 2. runs `sculpt live --provider aws --endpoint http://127.0.0.1:MOTO --metrics
#    prometheus:http://127.0.0.1:PROM --execute --bootstrap --clock fast:1e9 --until 2h`
#    on tests/live/aws.json, appending every observation to OUT/observations.h5;
# 3. a shadow run of the same policy on the same observations against the mock cloud
#    (--provider mock --out OUT/shadow) and its report (`sculpt report OUT/shadow -o
#    OUT/shadow-report`: planned capacity against observed load);
# 4. replays the stored observations offline (--metrics store:OUT/observations.h5);
# 5. a Terraform export of the scenario's groups (`sculpt plan --format terraform`);
# and stops both servers by their pids.  Fake credentials; nothing leaves the machine.
# OUT_DIR (default: a temporary directory, removed at the end) keeps every output.
# Exit 0 when every step succeeded; a server program missing is exit 1 with a message
# (exit 77, "skipped", when SCULPT_DEMO_SKIP_MISSING=1: the ctest live_demo sets it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
sculpt=$build/sculpt
scen=$src/tests/live/aws.json
for p in moto_server prometheus promtool python3; do
  command -v "$p" > /dev/null || {
    echo "demo: $p is not on PATH (moto_server: pip install 'moto[server]'; prometheus," \
         "promtool: apt-get install prometheus; see .ci/install-deps)" >&2
    [ "${SCULPT_DEMO_SKIP_MISSING:-0}" = 1 ] && { echo "demo: SKIPPED: $p missing" >&2; exit 77; }
    exit 1
  }
done
[ -x "$sculpt" ] || { echo "demo: $sculpt not built" >&2; exit 1; }
if [ $# -ge 2 ]; then out=$2; mkdir -p "$out"; keep=1; else out=$(mktemp -d /tmp/sculpt-demo-XXXXXX); keep=0; fi
work=$(mktemp -d /tmp/sculpt-demo-srv-XXXXXX)
moto=""; prom=""
cleanup() {
  [ -n "$prom" ] && kill "$prom" 2> /dev/null && wait "$prom" 2> /dev/null || true
  [ -n "$moto" ] && kill "$moto" 2> /dev/null && wait "$moto" 2> /dev/null || true
  rm -rf "$work"
  [ "$keep" = 1 ] || rm -rf "$out"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 600); do
    (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null && return 0
    sleep 0.1
  done
  echo "demo: nothing listens on 127.0.0.1:$1 after 60 s ($2)" >&2
  return 1
}

echo "== backfilling Prometheus from tests/live/ramp.csv"
python3 - "$src/tests/live/ramp.csv" "$work/series.om" <<'PY'
import calendar, csv, sys, time
rows = list(csv.reader(open(sys.argv[1])))[1:]
vals = {}
for ts, v in rows:
    t = calendar.timegm(time.strptime(ts, "%Y-%m-%d %H:%M:%S"))
    vals[t] = float(v)
t0 = min(vals)
steps = [t for t in sorted(vals) if (t - t0) % 300 == 0]
geos = {"g": 1.0, "h": 0.5}          # the scenario's demand scales (aws.json)
le = ["0.05", "0.1", "0.2", "+Inf"]
with open(sys.argv[2], "w") as f:
    f.write("# TYPE sculpt_load gauge\n")
    for g, sc in geos.items():
        for t in steps:
            f.write('sculpt_load{app="web",geo="%s"} %g %d\n' % (g, vals[t] * sc, t))
    f.write("# TYPE sculpt_request_duration_seconds histogram\n")
    for g, sc in geos.items():
        acc = [0, 0, 0, 0]
        for t in steps:
            n = int(vals[t] * sc * 300)                 # requests in the step
            slow = vals[t] * sc > 900                   # past 900 req/s the p95 > 100 ms
            share = [0.5, 0.6, 0.8, 1.0] if slow else [0.9, 0.96, 1.0, 1.0]
            for i in range(4):
                acc[i] += int(n * share[i])
                f.write('sculpt_request_duration_seconds_bucket{app="web",geo="%s",le="%s"} %d %d\n'
                        % (g, le[i], acc[i], t))
            f.write('sculpt_request_duration_seconds_count{app="web",geo="%s"} %d %d\n' % (g, acc[3], t))
            f.write('sculpt_request_duration_seconds_sum{app="web",geo="%s"} %d %d\n' % (g, acc[3] // 20, t))
    for name, frac in (("sculpt_requests_failed", 0.002), ("sculpt_requests", 1.0)):
        f.write("# TYPE %s counter\n" % name)
        for g, sc in geos.items():
            acc = 0.0
            for t in steps:
                acc += vals[t] * sc * 300 * frac
                f.write('%s_total{app="web",geo="%s"} %.3f %d\n' % (name, g, acc, t))
    f.write("# EOF\n")
PY
promtool tsdb create-blocks-from openmetrics "$work/series.om" "$work/prom-data" > "$work/promtool.log"
printf 'global:\n  scrape_interval: 1h\nscrape_configs: []\n' > "$work/prometheus.yml"

mport=$(free_port)
moto_server -H 127.0.0.1 -p "$mport" > "$work/moto.log" 2>&1 &
moto=$!
pport=$(free_port)
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom-data" \
  --web.listen-address="127.0.0.1:$pport" --storage.tsdb.retention.time=100y \
  --query.lookback-delta=1m > "$work/prometheus.log" 2>&1 &
prom=$!
wait_port "$mport" moto_server
wait_port "$pport" prometheus
ready=0
for _ in $(seq 600); do   # up to 60 s: the TSDB loads the backfilled blocks first
  curl -sf "http://127.0.0.1:$pport/-/ready" > /dev/null 2>&1 && { ready=1; break; }
  sleep 0.1
done
[ "$ready" = 1 ] || { echo "demo: prometheus not ready after 60 s (see its log)" >&2; tail -5 "$work/prometheus.log" >&2; exit 1; }
echo "   moto_server pid $moto on 127.0.0.1:$mport, prometheus pid $prom on 127.0.0.1:$pport"

export AWS_ACCESS_KEY_ID=AKIDDEMO AWS_SECRET_ACCESS_KEY=demo-secret-not-real
metrics=prometheus:http://127.0.0.1:$pport
echo "== sculpt live --provider aws --execute --bootstrap, fed by Prometheus (2 simulated hours)"
"$sculpt" live "$scen" --provider aws --endpoint "http://127.0.0.1:$mport" --metrics "$metrics" \
  --execute --bootstrap --clock fast:1e9 --until 2h --journal "$out/journal" \
  --store "$out/observations.h5" --json 2> "$out/live.log" > "$out/live.json"
cat "$out/live.json"
grep -E '^live: (SLO|observations)' "$out/live.log" || true
echo "== Auto Scaling groups as moto has them"
python3 - "$mport" <<'PY' || echo "   (boto3 not installed: groups not listed)"
import sys, boto3
for r in ["us-east-1", "eu-west-1"]:
    c = boto3.client("autoscaling", region_name=r, endpoint_url="http://127.0.0.1:" + sys.argv[1],
                     aws_access_key_id="x", aws_secret_access_key="y")
    for g in c.describe_auto_scaling_groups()["AutoScalingGroups"]:
        print("  ", r, g["AutoScalingGroupName"], "desired", g["DesiredCapacity"])
PY

echo "== shadow run: the same policy on the same observations, against the mock cloud"
"$sculpt" live "$scen" --provider mock --metrics "$metrics" --clock fast:1e9 \
  --out "$out/shadow" --json 2> "$out/shadow.log" > "$out/shadow.json"
"$sculpt" report "$out/shadow" -o "$out/shadow-report" --force
sed -n '/^| app/,$p' "$out/shadow-report/shadow.md"

echo "== the stored observations replayed offline (no Prometheus needed)"
"$sculpt" live "$scen" --provider mock --metrics "store:$out/observations.h5" \
  --clock fast:1e9 --until 2h --journal "$out/offline.journal" --json 2> /dev/null \
  > "$out/offline.json"
# checks (the ctest runs this script): the live run observed 24 steps with no gap and
# stored 3 signals x 2 geographies x 24 steps; the offline replay plans what the live
# run planned with the same attainment; the shadow report has its table and plots.
python3 - "$out" <<'PY'
import json, os, sys
o = sys.argv[1]
live, off = (json.load(open(os.path.join(o, f))) for f in ("live.json", "offline.json"))
print("   offline: steps", off["steps"], "actions planned", off["actions_planned"], "slo", off.get("slo"))
assert live["steps"] == 24 and live["observations"] == {"gaps": 0, "stored": 144}, live
assert live["calls"]["mutating"] > 0, "no call reached moto"
assert off["actions_planned"] == live["actions_planned"], (off, live)
assert off["slo"] == live["slo"], (off["slo"], live["slo"])
for f in ("shadow-report/shadow.md", "shadow-report/plots/shadow_0.png", "shadow/shadow.csv"):
    assert os.path.getsize(os.path.join(o, f)) > 0, f
PY

echo "== Terraform export of the groups"
"$sculpt" plan --scenario "$scen" --format terraform -o "$out/plan.tf.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("  ", ", ".join(sorted(d["resource"].keys())))' "$out/plan.tf.json"
echo "== done: servers stopped by pid"
[ "$keep" = 1 ] && echo "   outputs: $out" || true
