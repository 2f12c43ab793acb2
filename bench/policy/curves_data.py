#!/usr/bin/python3
"""Cost-vs-attainment data of the knob sweeps of run_eval.py, for plots.gp.

usage: curves_data.py RESULTS_DIR

`sculpt report` draws curves from a sweep file (`sculpt sweep -o`), but run_eval.py runs
every knob as a labelled policy of one `sculpt run` and keeps only results/<name>.json, so
the curves of the five scenarios are drawn here from those files.  For each scenario it
writes RESULTS_DIR/curves/<name>.dat: one gnuplot data block per policy family (blocks
separated by two blank lines, in the order of FAMILIES; a family without points gets one
NaN row so block indices stay fixed), rows `unattained cost_usd attainment label` sorted
by attainment, only the family's Pareto front (no other point of the family has cost <=
and attainment >= with one strictly better).  unattained = 1 - attainment, clamped to
1e-5 so that full attainment can be drawn on a log axis.
"""
import json
import os
import sys

SCENARIOS = ["demo", "campaign", "eia", "nasa", "nab"]
FAMILIES = ["reactive", "snaive-predictive", "aws-predictive", "sculpt", "sculpt-on-demand"]
FLOOR = 1e-5


def front(points):
    out = []
    for p in points:
        dominated = any(q is not p and q["cost_usd"] <= p["cost_usd"] and
                        q["slo_attainment"] >= p["slo_attainment"] and
                        (q["cost_usd"] < p["cost_usd"] or
                         q["slo_attainment"] > p["slo_attainment"]) for q in points)
        if not dominated:
            out.append(p)
    return sorted(out, key=lambda p: p["slo_attainment"])


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    res = sys.argv[1]
    os.makedirs(os.path.join(res, "curves"), exist_ok=True)
    for s in SCENARIOS:
        path = os.path.join(res, s + ".json")
        if not os.path.exists(path):
            continue
        pts = json.load(open(path))["points"]
        blocks = []
        for fam in FAMILIES:
            fp = front([p for p in pts if p["policy"].split("_")[0] == fam])
            rows = ["%.6g %.2f %.6f %s" % (max(1 - p["slo_attainment"], FLOOR), p["cost_usd"],
                                           p["slo_attainment"], p["policy"]) for p in fp]
            blocks.append("# %s\n" % fam + ("\n".join(rows) if rows else "NaN NaN NaN none"))
        out = os.path.join(res, "curves", s + ".dat")
        with open(out + ".tmp", "w") as f:
            f.write("# %s: per family, its Pareto front: 1-attainment (floor %g), cost USD, "
                    "attainment, point\n" % (s, FLOOR))
            f.write("\n\n\n".join(blocks) + "\n")
        os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
