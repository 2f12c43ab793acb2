#!/usr/bin/env bash
# Results stay the same: every shipped scenario's `sculpt run --json` must equal the
# stored copy in this folder to the last printed digit (issue 9).  A deliberate change of
# sculpt or the oracle re-baselines the copy in a commit of its own that names the before
# and after figures; the baselines (static, reactive, snaive-predictive, aws-predictive)
# may never change unless an issue asks for it.
#   check.sh SCULPT_BIN SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for golden in "$src"/tests/golden/*.json; do
  name=$(basename "$golden" .json)
  "$bin" run "$src/scenarios/$name.json" --json -j 2 > "$tmp/$name.json"
  if cmp -s "$golden" "$tmp/$name.json"; then
    echo "golden $name: same"
  else
    echo "golden $name: DIFFERENT from tests/golden/$name.json"
    diff "$golden" "$tmp/$name.json" | head -40 || true
    fail=1
  fi
done
exit $fail
