#!/usr/bin/python3
"""Summary table of the policy evaluation from bench/policy/results/<name>.json (written
by run_eval.py): for each scenario, the cheapest sweep point of each policy reaching an
SLO attainment target, as ratios to reactive and to the oracle's lower bound.

usage: summarise.py RESULTS_DIR [TARGET]     (prints Markdown)
"""
import json
import os
import sys


def family(label):
    return label.split("_")[0]


def cheapest(rows, fam, target):
    ok = [r for r in rows if family(r["policy"]) == fam and r["slo_attainment"] >= target]
    return min(ok, key=lambda r: r["cost_usd"]) if ok else None


def main():
    d = sys.argv[1]
    target = float(sys.argv[2]) if len(sys.argv) > 2 else 0.999
    order = ["demo", "campaign", "eia", "nasa", "nab"]
    names = [n for n in order if os.path.exists(os.path.join(d, n + ".json"))]
    print("| scenario | oracle bound USD | oracle executed / bound | reactive USD "
          "| sculpt / reactive | sculpt-on-demand / reactive | sculpt-on-demand / "
          "aws-predictive | sculpt viol. min / reactive's | best on-demand penalised / "
          "bound (policy) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for n in names:
        j = json.load(open(os.path.join(d, n + ".json")))
        rows = j["points"]
        bound = j["oracle_bound_usd"]
        orc = [r for r in rows if r["policy"] == "oracle"][0]
        re = cheapest(rows, "reactive", target)
        sc = cheapest(rows, "sculpt", target)
        so = cheapest(rows, "sculpt-on-demand", target)
        aw = cheapest(rows, "aws-predictive", target)

        def ratio(a, b):
            return "%.3f" % (a["cost_usd"] / b["cost_usd"]) if a and b else "n/a"

        def viol(a, b):
            if not a or not b:
                return "n/a"
            return "%.1f / %.1f" % (a["violation_minutes"], b["violation_minutes"])
        od = [r for r in rows if family(r["policy"]) in
              ("reactive", "snaive-predictive", "aws-predictive", "sculpt-on-demand", "static")
              and r["slo_attainment"] >= target]
        best = min(od, key=lambda r: r["penalised_cost_usd"]) if od else None
        print("| %s | %.1f | %.3f | %s | %s | %s | %s | %s | %s |" % (
            n, bound, orc["penalised_cost_usd"] / bound,
            "%.1f (%s)" % (re["cost_usd"], re["policy"]) if re else "none reaches it",
            ratio(sc, re), ratio(so, re), ratio(so, aw), viol(sc, re),
            "%.3f (%s)" % (best["penalised_cost_usd"] / bound, best["policy"]) if best else
            "n/a"))


if __name__ == "__main__":
    main()
