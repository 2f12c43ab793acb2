#!/usr/bin/python3
"""Item 6 of issue 10: the forecaster that drives sculpt's decisions, compared on a
half of the held-out suite.  Tabulates the outputs of bench/policy/flash_heldout.py
(one OUT_DIR per forecaster variant, each run beside sculpt's defaults on the same
traces, common random numbers) into one Markdown table: per forecaster, the median and
worst of heldout.ratio()'s three ratios (sculpt-od / reactive, sculpt-od /
aws-predictive, sculpt / reactive-mix; counted only where the baseline's sweep meets
the objective, as flash_heldout.py prints them) and the number of traces on which
sculpt's default meets the objective (on demand only, and with every purchase option).
The default's row is taken from the first directory (every directory holds it).

usage: forecaster_choice.py NAME=OUT_DIR [NAME=OUT_DIR ...]
   e.g. forecaster_choice.py ensemble=/tmp/ens-dev harmonic168=/tmp/h168-dev

Writes nothing; the table goes to stdout.  Reproduce a directory with
  bench/policy/flash_heldout.py build/sculpt OUT_DIR dev '{"forecaster": "ensemble"}'
"""
import glob
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "policy"))
import heldout  # noqa: E402

PAIRS = [("sculpt-od", "reactive"), ("sculpt-od", "aws-predictive"),
         ("sculpt", "reactive-mix")]


def load(d):
    out = []
    for f in sorted(glob.glob(os.path.join(d, "*.json"))):
        r = json.load(open(f))
        if "points" in r:
            out.append(r)
    return out


def row(runs, prefix):
    """(medians, worsts, meets od, meets all, traces) of the default (prefix "") or the
    variant (prefix "v-") over the runs."""
    ratios = {p: [] for p in PAIRS}
    meet_od = meet_all = 0
    for r in runs:
        pts = r["points"]
        if prefix:
            pv = [dict(p, policy=p["policy"][2:]) if p["policy"].startswith("v-") else p
                  for p in pts if not p["policy"].startswith("sculpt")]
        else:
            pv = [p for p in pts if not p["policy"].startswith("v-")]
        for a, b in PAIRS:
            x, counted, _ = heldout.ratio({"points": pv}, a, b)
            if counted:
                ratios[(a, b)].append(x)
        for p in pv:
            ok = p["slo_attainment"] >= p["slo_objective"]
            if p["policy"] == "sculpt-od_default":
                meet_od += ok
            elif p["policy"] == "sculpt_default":
                meet_all += ok
    med = [statistics.median(ratios[p]) if ratios[p] else float("nan") for p in PAIRS]
    worst = [max(ratios[p]) if ratios[p] else float("nan") for p in PAIRS]
    return med, worst, meet_od, meet_all, len(runs)


def main():
    pairs = [a.split("=", 1) for a in sys.argv[1:]]
    if not pairs or any(len(p) != 2 for p in pairs):
        sys.exit(__doc__)
    print("| forecaster | traces | median od/reactive | od/aws-pred. | all/reactive-mix "
          "| worst (same three) | meets 0.999 (od / all options) |")
    print("|---|---:|---:|---:|---:|---|---|")
    first = True
    for name, d in pairs:
        runs = load(d)
        if not runs:
            sys.exit("%s: no flash_heldout.py results in %s" % (name, d))
        rows = ([("default (ets 24 h)", "")] if first else []) + [(name, "v-")]
        first = False
        for label, prefix in rows:
            med, worst, mo, ma, n = row(runs, prefix)
            print("| %s | %d | %.3f | %.3f | %.3f | %s | %d / %d |" % (
                label, n, med[0], med[1], med[2], " / ".join("%.3f" % w for w in worst),
                mo, ma))


if __name__ == "__main__":
    main()
