#!/usr/bin/python3
"""Summary table of the policy evaluation from bench/policy/results/<name>.json (written
by run_eval.py): for each scenario, the cheapest sweep point of each policy reaching an
SLO attainment target, as ratios to reactive and to the oracle's lower bound; and the
fewest violation minutes sculpt reaches at a cost no higher than reactive's matched
point ("at equal cost").  When the results hold the `--legacy` families of run_eval.py
(sculpt with "intra_hour": false), a second table compares them with the default.

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
          "aws-predictive | sculpt viol. min / reactive's | sculpt viol. min at <= "
          "reactive's cost (point) | best on-demand penalised / bound (policy) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    legacy = []
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
        eq = "n/a"
        if re:
            pts = [r for r in rows if family(r["policy"]) == "sculpt" and
                   r["cost_usd"] <= re["cost_usd"]]
            if pts:
                e = min(pts, key=lambda r: (r["violation_minutes"], r["cost_usd"]))
                eq = "%.1f / %.1f = %.3f (%s)" % (
                    e["violation_minutes"], re["violation_minutes"],
                    e["violation_minutes"] / re["violation_minutes"]
                    if re["violation_minutes"] > 0 else float("nan"), e["policy"])
        print("| %s | %.1f | %.3f | %s | %s | %s | %s | %s | %s | %s |" % (
            n, bound, orc["penalised_cost_usd"] / bound,
            "%.1f (%s)" % (re["cost_usd"], re["policy"]) if re else "none reaches it",
            ratio(sc, re), ratio(so, re), ratio(so, aw), viol(sc, re), eq,
            "%.3f (%s)" % (best["penalised_cost_usd"] / bound, best["policy"]) if best else
            "n/a"))
        sh = cheapest(rows, "sculpt-hourly", target)
        soh = cheapest(rows, "sculpt-on-demand-hourly", target)
        if sh or soh:
            legacy.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                n, ratio(soh, re), ratio(so, re), ratio(soh, aw), ratio(so, aw),
                ratio(sh, re), ratio(sc, re), viol(soh, re), viol(so, re)))
    if legacy:
        print()
        print("Intra-hour shaping (default) against the hourly plan (`\"intra_hour\": false`, "
              "the policy before it), same sweep:")
        print()
        print("| scenario | on-demand hourly / reactive | on-demand shaped / reactive | "
              "on-demand hourly / aws-predictive | on-demand shaped / aws-predictive | "
              "sculpt hourly / reactive | sculpt shaped / reactive | viol. min on-demand "
              "hourly / reactive's | viol. min on-demand shaped / reactive's |")
        print("|---|---:|---:|---:|---:|---:|---:|---|---|")
        print("\n".join(legacy))


if __name__ == "__main__":
    main()
