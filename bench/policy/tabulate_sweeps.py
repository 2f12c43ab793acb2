#!/usr/bin/python3
"""Tables of the boot-delay and spot-assumption sweeps (make_sweeps.py, run_sweeps.sh).

usage: tabulate_sweeps.py SUMMARY_DIR OUT_DIR

Reads SUMMARY_DIR/boot-<X>.summary.csv and spot-m<M>-r<R>.summary.csv (the `--csv` of
`sculpt sweep`: mean and 95 % CI half-width over the replicates per (setting, policy))
and writes OUT_DIR/boot.csv, boot.md, spot.csv, spot.md, and the gnuplot data files
OUT_DIR/boot.dat and spot.dat used by plots.sh.
"""
import csv
import glob
import json
import math
import os
import re
import sys

BOOT_POLICIES = ["reactive", "aws-predictive", "sculpt", "sculpt-on-demand"]
MATCHES = [0.999, 0.998]        # matched-attainment levels of the tables
MATCH_PLOT = 0.998              # ... and of boot.dat (every policy reaches it at 900 s)


def fnum(s):
    return float(s) if s not in ("", None) else float("nan")


def read(path):
    rows = []
    with open(path) as f:
        for r in csv.DictReader(f):
            par = json.loads(r["parameters"])
            target = None
            for p in par.get("$.policies", []):
                if p.get("label", p["name"]) == r["policy"]:
                    target = p.get("params", {}).get("target_util")
            rows.append({"policy": r["policy"], "n": int(r["n"]), "target": target,
                         "cost": fnum(r["cost_usd_mean"]), "cost_ci": fnum(r["cost_usd_ci95"]),
                         "pen": fnum(r["penalised_cost_usd_mean"]),
                         "slo": fnum(r["slo_attainment_mean"]),
                         "slo_ci": fnum(r["slo_attainment_ci95"]),
                         "viol": fnum(r["violation_minutes_mean"]),
                         "viol_ci": fnum(r["violation_minutes_ci95"])})
    return rows


def cheapest(rows, match):
    best = {}
    for p in BOOT_POLICIES:
        ok = [r for r in rows if r["policy"] == p and r["slo"] >= match]
        best[p] = min(ok, key=lambda r: r["cost"]) if ok else None
    return best


def ci(x):
    return "" if math.isnan(x) else " ± %.1f" % x


def boot(sdir, out):
    files = glob.glob(os.path.join(sdir, "boot-*.summary.csv"))
    data = {}
    for f in files:
        x = int(re.search(r"boot-(\d+)\.summary", f).group(1))
        data[x] = read(f)
    boots = sorted(data)
    md = []
    with open(os.path.join(out, "boot.csv"), "w") as fc:
        w = csv.writer(fc, lineterminator="\n")
        w.writerow(["boot_median_s", "boot_p95_s", "policy", "target_util", "n", "cost_usd",
                    "cost_usd_ci95", "penalised_cost_usd", "slo_attainment",
                    "slo_attainment_ci95", "violation_minutes", "violation_minutes_ci95"])
        for x in boots:
            for r in data[x]:
                w.writerow([x, round(1.6 * x), r["policy"], r["target"], r["n"],
                            "%.2f" % r["cost"], "%.2f" % r["cost_ci"], "%.2f" % r["pen"],
                            "%.6f" % r["slo"], "%.6f" % r["slo_ci"], "%.2f" % r["viol"],
                            "%.2f" % r["viol_ci"]])
    n = data[boots[0]][0]["n"] if boots else 0
    md.append("Every policy at target 0.6 for every app (the web and api apps' own; batch's is 0.7; mean ± 95 %% CI "
              "half-width over %d replicate seeds; cost USD over the measured period):\n" % n)
    md.append("| boot median / p95 | " + " | ".join(
        "%s cost | %s SLO | %s viol. min" % (p, p, p) for p in BOOT_POLICIES) + " |")
    md.append("|---|" + "---:|" * (3 * len(BOOT_POLICIES)))
    for x in boots:
        cells = []
        for p in BOOT_POLICIES:
            r = [r for r in data[x] if r["policy"] == p and r["target"] == 0.6]
            if not r:
                cells += ["", "", ""]
                continue
            r = r[0]
            cells += ["%.0f%s" % (r["cost"], ci(r["cost_ci"])), "%.5f" % r["slo"],
                      "%.1f%s" % (r["viol"], ci(r["viol_ci"]))]
        md.append("| %d s / %d s | " % (x, round(1.6 * x)) + " | ".join(cells) + " |")
    md.append("")
    for match in MATCHES:
        md.append("Cost at matched attainment >= %g (cheapest of the four targets 0.4 / 0.5 / "
                  "0.6 / 0.7 whose mean attainment reaches it; in brackets its target and "
                  "violation minutes), and as a ratio to reactive's:\n" % match)
        md.append("| boot median | " + " | ".join(BOOT_POLICIES) + " | " +
                  " | ".join("%s / reactive" % p for p in BOOT_POLICIES[1:]) + " |")
        md.append("|---|" + "---|" * len(BOOT_POLICIES) + "---:|" * (len(BOOT_POLICIES) - 1))
        for x in boots:
            best = cheapest(data[x], match)
            cells, ratios = [], []
            for p in BOOT_POLICIES:
                b = best[p]
                cells.append("%.0f (%g, %.1f min)" % (b["cost"], b["target"], b["viol"])
                             if b else "none reaches it")
            base = best["reactive"]
            for p in BOOT_POLICIES[1:]:
                ratios.append("%.3f" % (best[p]["cost"] / base["cost"])
                              if best[p] and base else "n/a")
            md.append("| %d s | " % x + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
        md.append("")
    with open(os.path.join(out, "boot.dat"), "w") as fd:
        fd.write("# boot_median_s, then per policy (%s): cost at matched attainment >= %g "
                 "(nan: none), cost at target 0.6, violation minutes at target 0.6\n"
                 % (", ".join(BOOT_POLICIES), MATCH_PLOT))
        for x in boots:
            best = cheapest(data[x], MATCH_PLOT)
            vals = [str(x)]
            for p in BOOT_POLICIES:
                r6 = [r for r in data[x] if r["policy"] == p and r["target"] == 0.6][0]
                vals += ["%.2f" % best[p]["cost"] if best[p] else "nan",
                         "%.2f" % r6["cost"], "%.2f" % r6["viol"]]
            fd.write(" ".join(vals) + "\n")
    md.append("Every point (cost USD, SLO attainment, violation minutes):\n")
    md.append("| boot median | policy | target | cost USD | SLO attainment | violation min |")
    md.append("|---|---|---:|---:|---:|---:|")
    for x in boots:
        for r in sorted(data[x], key=lambda r: (BOOT_POLICIES.index(r["policy"]), r["target"])):
            md.append("| %d s | %s | %g | %.1f%s | %.5f | %.1f%s |" % (
                x, r["policy"], r["target"], r["cost"], ci(r["cost_ci"]), r["slo"],
                r["viol"], ci(r["viol_ci"])))
    with open(os.path.join(out, "boot.md"), "w") as f:
        f.write("\n".join(md) + "\n")


def spot(sdir, out):
    data = {}
    for f in glob.glob(os.path.join(sdir, "spot-*.summary.csv")):
        m = re.search(r"spot-m([0-9.]+)-r([0-9.]+)\.summary", f)
        data[(float(m.group(1)), float(m.group(2)))] = {r["policy"]: r for r in read(f)}
    mults = sorted({k[0] for k in data})
    rates = sorted({k[1] for k in data})
    if not data:
        return
    md = []
    with open(os.path.join(out, "spot.csv"), "w") as fc, \
            open(os.path.join(out, "spot.dat"), "w") as fd:
        w = csv.writer(fc, lineterminator="\n")
        w.writerow(["spot_price_mult", "interrupt_per_hour", "policy", "n", "cost_usd",
                    "cost_usd_ci95", "penalised_cost_usd", "slo_attainment",
                    "violation_minutes", "cost_vs_on_demand"])
        fd.write("# spot_price_mult, then per interruption rate (%s): sculpt cost / "
                 "sculpt-on-demand cost\n" % ", ".join("%g" % r for r in rates))
        for m in mults:
            vals = ["%g" % m]
            for r in rates:
                d = data.get((m, r))
                if not d:
                    vals.append("nan")
                    continue
                od = d["sculpt-on-demand"]["cost"]
                for p in ("sculpt", "sculpt-on-demand"):
                    x = d[p]
                    w.writerow(["%g" % m, "%g" % r, p, x["n"], "%.2f" % x["cost"],
                                "%.2f" % x["cost_ci"], "%.2f" % x["pen"], "%.6f" % x["slo"],
                                "%.2f" % x["viol"], "%.4f" % (x["cost"] / od)])
                vals.append("%.4f" % (d["sculpt"]["cost"] / od))
            fd.write(" ".join(vals) + "\n")
    any_d = next(iter(data.values()))
    od_costs = [d["sculpt-on-demand"]["cost"] for d in data.values()]
    md.append("sculpt-on-demand (the reference; it buys no spot, so neither assumption "
              "touches it): cost %.1f USD in every cell (spread %.2f USD), SLO attainment "
              "%.5f, %.1f violation minutes.\n" % (
                  any_d["sculpt-on-demand"]["cost"], max(od_costs) - min(od_costs),
                  any_d["sculpt-on-demand"]["slo"], any_d["sculpt-on-demand"]["viol"]))
    md.append("sculpt's cost as a ratio to sculpt-on-demand's (the saving due to spot is 1 "
              "minus it), rows spot price / on-demand price, columns interruptions per "
              "instance-hour:\n")
    md.append("| spot price | " + " | ".join("%g /h" % r for r in rates) + " |")
    md.append("|---|" + "---:|" * len(rates))
    for m in mults:
        md.append("| %g x | " % m + " | ".join(
            "%.3f" % (data[(m, r)]["sculpt"]["cost"] / data[(m, r)]["sculpt-on-demand"]["cost"])
            if (m, r) in data else "" for r in rates) + " |")
    md.append("")
    md.append("sculpt (with spot) itself: cost USD / SLO attainment / violation minutes:\n")
    md.append("| spot price | " + " | ".join("%g /h" % r for r in rates) + " |")
    md.append("|---|" + "---|" * len(rates))
    for m in mults:
        cells = []
        for r in rates:
            x = data.get((m, r), {}).get("sculpt")
            cells.append("%.0f%s / %.5f / %.1f" % (x["cost"], ci(x["cost_ci"]), x["slo"],
                                                  x["viol"]) if x else "")
        md.append("| %g x | " % m + " | ".join(cells) + " |")
    with open(os.path.join(out, "spot.md"), "w") as f:
        f.write("\n".join(md) + "\n")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    boot(sys.argv[1], sys.argv[2])
    spot(sys.argv[1], sys.argv[2])


if __name__ == "__main__":
    main()
