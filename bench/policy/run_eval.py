#!/usr/bin/python3
"""Policy evaluation (issue 4 item 6): sweep each policy's own knob on a scenario through
`sculpt run`, and tabulate cost against SLO attainment, cost at matched attainment and
penalised cost as a ratio to the oracle's LP lower bound.

usage: run_eval.py SCULPT_BIN SCENARIO.json OUT_DIR [--quick] [--legacy] [--threads N]

For each scenario it writes OUT_DIR/<name>.json (all points) and OUT_DIR/<name>.md (the
tables).  The scenario's own policy list is replaced by the sweep below; relative trace
and generator paths are made absolute so the variant can live in OUT_DIR.  The oracle's
bound is read from the results file (runs/<label> attribute lower_bound_usd) with h5py.

Knobs (one family of points per policy):
  reactive            target_util (HPA setpoint; the app's own is 0.6 / 0.7), 0.2 to 0.8
  snaive-predictive   target_util
  aws-predictive      buffer (pre-launch, s) at the app's target, then target_util
  sculpt              penalty_multiplier (the penalty's weight against prices), then
                      target_util at penalty 1, then both (targets 0.7 / 0.8 x
                      penalties 0.03 / 0.3)
  sculpt-on-demand    the same with on_demand_only
  aws-predictive      also buffer 0 / 900 s at targets 0.7 / 0.8 (its two knobs together,
                      as sculpt's)
  --legacy            adds sculpt-hourly and sculpt-on-demand-hourly: the same sculpt
                      points with "intra_hour": false (hourly plan steps, the guard never
                      scaling in), the policy before intra-hour shaping
  oracle              none (one point: the bound and the executed plan)
"""
import json
import os
import subprocess
import sys

import h5py

TARGETS = [0.4, 0.5, 0.6, 0.7, 0.8]
BUFFERS = [0, 300, 900]
PENALTY = [0.03, 0.1, 0.3, 1.0, 3.0, 10.0]


def sculpt_points(fam, extra, t, pm, quick):
    pols = []
    od = fam.startswith("sculpt-on-demand")
    for m in pm:
        pols.append({"name": "sculpt", "label": "%s_%g" % (fam, m),
                     "params": dict(extra, penalty_multiplier=m, on_demand_only=od)})
    for x in t:
        if x != 0.6:
            pols.append({"name": "sculpt", "label": "%s_t%g" % (fam, x),
                         "params": dict(extra, target_util=x, on_demand_only=od)})
    if not quick:
        for x in (0.7, 0.8):
            for m in (0.03, 0.3):
                pols.append({"name": "sculpt", "label": "%s_t%gp%g" % (fam, x, m),
                             "params": dict(extra, target_util=x, penalty_multiplier=m,
                                            on_demand_only=od)})
    return pols


def sweep(quick, legacy=False):
    t = [0.5, 0.6, 0.7] if quick else TARGETS
    pm = [0.1, 1.0, 10.0] if quick else PENALTY
    pols = [{"name": "static", "label": "static", "params": {}}]
    for x in ([0.2, 0.3] if not quick else []) + t:
        pols.append({"name": "reactive", "label": "reactive_%g" % x,
                     "params": {"sync": "15s", "target_util": x}})
    for x in t:
        pols.append({"name": "snaive-predictive", "label": "snaive-predictive_%g" % x,
                     "params": {"target_util": x}})
    for b in BUFFERS:
        pols.append({"name": "aws-predictive", "label": "aws-predictive_buffer%d" % b,
                     "params": {"buffer": "%ds" % b}})
    for x in t:
        if x != 0.6:
            pols.append({"name": "aws-predictive", "label": "aws-predictive_%g" % x,
                         "params": {"target_util": x}})
    if not quick:
        for x in (0.7, 0.8):
            for b in (0, 900):
                pols.append({"name": "aws-predictive", "label": "aws-predictive_t%gb%d" % (x, b),
                             "params": {"target_util": x, "buffer": "%ds" % b}})
    for fam in ("sculpt", "sculpt-on-demand"):
        pols += sculpt_points(fam, {}, t, pm, quick)
    if legacy:
        for fam in ("sculpt-hourly", "sculpt-on-demand-hourly"):
            pols += sculpt_points(fam, {"intra_hour": False}, t, pm, quick)
    pols.append({"name": "oracle", "label": "oracle", "params": {}})
    return pols


def absolutise(sc, base):
    if isinstance(sc.get("synthetic"), str):
        sc["synthetic"] = os.path.normpath(os.path.join(base, sc["synthetic"]))
    for t in sc.get("traces", []):
        for k in ("csv", "store"):
            if k in t and not os.path.isabs(t[k]):
                t[k] = os.path.normpath(os.path.join(base, t[k]))


def family(label):
    return label.split("_")[0]


def cost_at(points, target):
    """Cheapest measured cost among the family's points with attainment >= target, and
    linear interpolation of cost in attainment between the two points that bracket the
    target (None when no point reaches it)."""
    ok = [p for p in points if p["slo_attainment"] >= target]
    if not ok:
        return None, None
    cheapest = min(ok, key=lambda p: p["cost_usd"])
    pts = sorted(points, key=lambda p: p["slo_attainment"])
    interp = None
    for a, b in zip(pts, pts[1:]):
        if a["slo_attainment"] <= target <= b["slo_attainment"] and \
                b["slo_attainment"] > a["slo_attainment"]:
            f = (target - a["slo_attainment"]) / (b["slo_attainment"] - a["slo_attainment"])
            c = a["cost_usd"] + f * (b["cost_usd"] - a["cost_usd"])
            interp = c if interp is None else min(interp, c)
    return cheapest, interp


def main():
    args = sys.argv[1:]
    quick = "--quick" in args
    legacy = "--legacy" in args
    threads = "2"
    if "--threads" in args:
        threads = args[args.index("--threads") + 1]
        del args[args.index("--threads"):args.index("--threads") + 2]
    args = [a for a in args if a not in ("--quick", "--legacy")]
    if len(args) != 3:
        sys.exit(__doc__)
    binary, scen, out = args
    os.makedirs(out, exist_ok=True)
    sc = json.load(open(scen))
    absolutise(sc, os.path.dirname(os.path.abspath(scen)))
    sc["policies"] = sweep(quick, legacy)
    name = sc["name"]
    var = os.path.join(out, name + ".sweep.json")
    with open(var, "w") as f:
        json.dump(sc, f, indent=1)
    h5 = os.path.join(out, name + ".h5")
    res = subprocess.run([binary, "run", var, "--json", "--no-per-step", "-o", h5, "-j", threads],
                         check=True, capture_output=True, text=True)
    rows = json.loads(res.stdout)
    with h5py.File(h5, "r") as f:
        for r in rows:
            g = f["runs"][r["policy"]]
            r["lower_bound_usd"] = float(g.attrs.get("lower_bound_usd", float("nan")))
    os.remove(h5)
    bound = [r["lower_bound_usd"] for r in rows if r["policy"] == "oracle"][0]
    oracle_pc = [r["penalised_cost_usd"] for r in rows if r["policy"] == "oracle"][0]
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump({"scenario": scen, "oracle_bound_usd": bound, "points": rows}, f, indent=1)

    md = ["### %s (`%s`)\n" % (name, os.path.relpath(scen, os.path.dirname(out) + "/../..")),
          "Oracle LP lower bound on penalised cost: **%.1f USD** (measured period); the "
          "oracle's executed plan: %.1f USD (%.3f x the bound).\n" % (bound, oracle_pc,
                                                                     oracle_pc / bound),
          "| policy_knob | cost USD | penalised USD | / oracle bound | SLO attainment | "
          "violation min | unserved frac | actions |",
          "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        md.append("| %s | %.1f | %.1f | %.3f | %.5f | %.1f | %.2e | %d |" % (
            r["policy"], r["cost_usd"], r["penalised_cost_usd"],
            r["penalised_cost_usd"] / bound, r["slo_attainment"], r["violation_minutes"],
            r["unserved_fraction"], r["actions"]))
    fams = []
    for r in rows:
        if family(r["policy"]) not in fams:
            fams.append(family(r["policy"]))
    for target in (0.999, 0.9999):
        md.append("")
        md.append("Cost at matched attainment >= %g (the cheapest sweep point of each "
                  "policy that reaches it):\n" % target)
        md.append("| policy | cheapest point | its cost USD | vs reactive | violation min | "
                  "penalised / oracle bound |")
        md.append("|---|---|---:|---:|---:|---:|")
        base = None
        entries = []
        for fam in fams:
            pts = [r for r in rows if family(r["policy"]) == fam]
            ch, ip = cost_at(pts, target)
            entries.append((fam, ch, ip))
            if fam == "reactive" and ch:
                base = ch["cost_usd"]
        for fam, ch, ip in entries:
            if fam == "oracle":
                continue
            if ch is None:
                md.append("| %s | none reaches it | | | | |" % fam)
                continue
            md.append("| %s | %s | %.1f | %s | %.1f | %.3f |" % (
                fam, ch["policy"], ch["cost_usd"],
                "%.3f" % (ch["cost_usd"] / base) if base else "", ch["violation_minutes"],
                ch["penalised_cost_usd"] / bound))
    md.append("")
    with open(os.path.join(out, name + ".md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
