#!/usr/bin/python3
"""sculpt's reserved purchases and event feed, measured on the demo and campaign scenarios.

Usage: bench/policy/run_reserve_events.py SCULPT_BIN [OUT_DIR]   (default
bench/policy/results; about 25 s of CPU on the shared 2-core machine)

For each scenario, runs `sculpt run --json` with the scenario's own regions/apps and a
list of sculpt variants (plus reactive as the reference), writes
OUT_DIR/reserve_events.md, and checks every commitment decision of the reserve log
(`reserve_log` parameter) independently: the level is recomputed here from the logged
need histogram with the rule of core/include/sculpt/policy_sculpt.h, and the instances
bought must equal min(level, limit) - held, never more than the rule's level.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def variants(feed):
    v = [
        ("reactive", "reactive", {}),
        ("sculpt (reserved, default)", "sculpt", {}),
        ("sculpt no reserved", "sculpt", {"reserve_every": 0}),
        ("sculpt-on-demand", "sculpt", {"on_demand_only": True}),
        ("sculpt reserve_every 14d", "sculpt", {"reserve_every": "14d"}),
        ("sculpt reserve_every 1d", "sculpt", {"reserve_every": "1d"}),
        ("sculpt harmonic log, no feed, reserved", "sculpt",
         {"forecaster": "harmonic", "forecast_log": True}),
        ("sculpt harmonic log, no feed, no reserved", "sculpt",
         {"reserve_every": 0, "forecaster": "harmonic", "forecast_log": True}),
        ("sculpt-on-demand harmonic log, no feed", "sculpt",
         {"on_demand_only": True, "forecaster": "harmonic", "forecast_log": True}),
    ]
    if feed:
        v += [
            ("sculpt harmonic log + feed, no reserved", "sculpt",
             {"reserve_every": 0, "events": feed}),
            ("sculpt harmonic log + feed + lift, no reserved", "sculpt",
             {"reserve_every": 0, "events": feed, "event_lift": True}),
            ("sculpt harmonic log + feed + reserved", "sculpt", {"events": feed}),
            ("sculpt-on-demand harmonic log + feed", "sculpt",
             {"on_demand_only": True, "events": feed}),
        ]
    return v


def rule_level(hist, c_res, c_od, c_sp, share):
    """Independent re-implementation of the rule on a need histogram [[need, hours]]."""
    n = sum(h for _, h in hist)
    spot = c_sp is not None and c_sp > 0 and share > 0
    sh = min(share, 1.0) if spot else 0.0
    band = min(c_sp, c_od) if spot else c_od
    top = max((x for x, _ in hist), default=0)
    level = 0
    for l in range(1, top + 1):
        tot = 0.0
        for x, h in hist:
            m = math.ceil((1 - sh) * x - 1e-9)
            tot += h * (c_od if l <= m else band if l <= x else 0.0)
        if tot / n >= c_res * (1 - 1e-12):
            level = l
        else:
            break
    return level


def sweep_variants(feed):
    """Feed vs no feed (harmonic on log scale, no reserved) at three targets."""
    v = []
    for od in (False, True):
        for tu in (0.5, 0.6, 0.7):
            for f in (False, True):
                params = {"reserve_every": 0, "target_util": tu}
                if od:
                    params["on_demand_only"] = True
                if f:
                    params["events"] = feed
                else:
                    params.update({"forecaster": "harmonic", "forecast_log": True})
                v.append(("%s %s t%.1f" % ("sculpt-on-demand" if od else "sculpt",
                                          "feed" if f else "no-feed", tu), "sculpt", params))
    return v


def run(bin_, scen_path, vlist, outdir, name):
    sc = json.load(open(scen_path))
    base = os.path.dirname(os.path.abspath(scen_path))
    syn = sc.get("synthetic")
    if isinstance(syn, str) and not os.path.isabs(syn):
        sc["synthetic"] = os.path.join(base, syn)
    for t in sc.get("traces", []):
        for k in ("csv", "store"):
            if k in t and not os.path.isabs(t[k]):
                t[k] = os.path.join(base, t[k])
    pols = []
    logs = {}
    for i, (label, pol, params) in enumerate(vlist):
        params = dict(params)
        if pol == "sculpt" and params.get("reserve_every", 1) != 0 and not params.get(
                "on_demand_only"):
            os.makedirs(os.path.join(outdir, "reserve_logs"), exist_ok=True)
            logs[label] = os.path.join(outdir, "reserve_logs", "%s-v%d.json" % (name, i))
            params["reserve_log"] = logs[label]
        pols.append({"name": pol, "label": "v%d" % i, "params": params})
    sc["policies"] = pols
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, dir=outdir) as f:
        json.dump(sc, f)
        tmp = f.name
    try:
        out = subprocess.run([bin_, "run", tmp, "--json", "-j", "2"], check=True,
                             capture_output=True, text=True).stdout
    finally:
        os.unlink(tmp)
    byl = {r["policy"]: r for r in json.loads(out)}
    rows = []
    for i, (label, _, _) in enumerate(vlist):
        r = byl["v%d" % i]
        rows.append((label, r))
    checks = []
    for label, path in logs.items():
        recs = json.load(open(path))
        bad = bought = above = 0
        for rec in recs:
            L = rule_level(rec["need_hours"], rec["c_res"], rec["c_od"], rec["c_sp"],
                           rec["spot_share"])
            lim = rec["level"]
            # bought up to min(rule level, limit), never beyond the rule's level; held
            # commitments may exceed a later, lower level (they cannot be returned)
            ok = (L == rec["rule_level"] and lim <= L and
                  rec["bought"] == max(0, lim - rec["held"]) and
                  (rec["bought"] == 0 or rec["held"] + rec["bought"] <= L))
            bad += not ok
            bought += rec["bought"]
            above += rec["held"] > L
        checks.append((label, len(recs), bought, bad, above))
    return rows, checks


def main():
    bin_ = os.path.abspath(sys.argv[1])
    outdir = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else
                             os.path.join(ROOT, "bench/policy/results"))
    os.makedirs(outdir, exist_ok=True)
    md = ["# sculpt: reserved purchases and the event feed (`run_reserve_events.py`)", ""]
    for name, scen, feed in (("demo", "scenarios/demo.json", None),
                             ("campaign", "scenarios/campaign.json",
                              os.path.join(ROOT, "scenarios/campaign.events.csv"))):
        rows, checks = run(bin_, os.path.join(ROOT, scen), variants(feed), outdir, name)
        md += ["## %s (`%s`)" % (name, scen), "",
               "| variant | cost USD | on-demand | reserved | spot | penalised USD | SLO attainment | violation min |",
               "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for label, r in rows:
            md.append("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.5f | %.1f |" % (
                label, r["cost_usd"], r["cost_on_demand_usd"], r["cost_reserved_usd"],
                r["cost_spot_usd"], r["penalised_cost_usd"], r["slo_attainment"],
                r["violation_minutes"]))
        md += ["", "Reserve log checked against the rule recomputed here from its need histogram:", "",
               "| variant | commitment decisions | instances bought | decisions off the rule | held above a later, lower level |",
               "|---|---:|---:|---:|---:|"]
        for c in checks:
            md.append("| %s | %d | %d | %d | %d |" % c)
        md.append("")
        if not feed:
            continue
        rows, _ = run(bin_, os.path.join(ROOT, scen), sweep_variants(feed), outdir, name + "-sweep")
        md += ["Feed against no feed at three target utilisations (harmonic on the log scale "
               "both ways, no reserved):", "",
               "| variant | cost USD | penalised USD | SLO attainment | violation min |",
               "|---|---:|---:|---:|---:|"]
        for label, r in rows:
            md.append("| %s | %.2f | %.2f | %.5f | %.1f |" % (
                label, r["cost_usd"], r["penalised_cost_usd"], r["slo_attainment"],
                r["violation_minutes"]))
        md += ["", "Cost at matched attainment (cheapest target reaching it):", "",
               "| arm | >= 0.999 | >= 0.9995 |", "|---|---|---|"]
        for arm in ("sculpt no-feed", "sculpt feed", "sculpt-on-demand no-feed",
                    "sculpt-on-demand feed"):
            cells = []
            for thr in (0.999, 0.9995):
                pts = [(r["cost_usd"], l, r["violation_minutes"]) for l, r in rows
                       if l.rsplit(" ", 1)[0] == arm and r["slo_attainment"] >= thr]
                if pts:
                    c, l, vm = min(pts)
                    cells.append("%.2f (%s, %.1f min)" % (c, l.rsplit(" ", 1)[1], vm))
                else:
                    cells.append("none reaches it")
            md.append("| %s | %s | %s |" % (arm, cells[0], cells[1]))
        md.append("")
    open(os.path.join(outdir, "reserve_events.md"), "w").write("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
