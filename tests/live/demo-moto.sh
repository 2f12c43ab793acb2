#!/usr/bin/env bash
# demo-moto.sh - live mode against AWS's API emulated by moto, on loopback, in one command:
#   bash tests/live/demo-moto.sh [BUILD_DIR]
# Starts moto_server on 127.0.0.1 with a free port, runs `sculpt live --provider aws
# --execute --bootstrap` on tests/live/aws.json (2 simulated hours at fast:1e9), prints
# the summary and the Auto Scaling groups' desired capacities, reruns on the same journal
# (no mutating call), and stops moto by its pid.  Fake credentials: nothing leaves the
# machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
sculpt=$build/sculpt
command -v moto_server > /dev/null || { echo "demo-moto: moto_server not on PATH (pip install 'moto[server]')" >&2; exit 1; }
[ -x "$sculpt" ] || { echo "demo-moto: $sculpt not built" >&2; exit 1; }
work=$(mktemp -d /tmp/sculpt-demo-moto-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" > "$work/moto.log" 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null; wait "$moto" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  (exec 3<> "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
export AWS_ACCESS_KEY_ID=AKIDDEMO AWS_SECRET_ACCESS_KEY=demo-secret-not-real
args=("$here/aws.json" --provider aws --endpoint "http://127.0.0.1:$port"
      --clock fast:1e9 --until 2h --journal "$work/journal" --json)
echo "== sculpt live --execute --bootstrap (moto on 127.0.0.1:$port)"
"$sculpt" live "${args[@]}" --execute --bootstrap 2> "$work/progress.txt"
tail -1 "$work/progress.txt"
echo "== the same journal again: replayed, no mutating call"
"$sculpt" live "${args[@]}" --execute 2> /dev/null
echo "== groups as moto has them"
python3 - "$port" <<'PY'
import sys, boto3
for r in ["us-east-1", "eu-west-1"]:
    c = boto3.client("autoscaling", region_name=r, endpoint_url="http://127.0.0.1:" + sys.argv[1],
                     aws_access_key_id="x", aws_secret_access_key="y")
    for g in c.describe_auto_scaling_groups()["AutoScalingGroups"]:
        print(r, g["AutoScalingGroupName"], "desired", g["DesiredCapacity"])
PY
