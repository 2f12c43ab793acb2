#!/usr/bin/python3
"""Flash-crowd evaluation (issue 10 item 4): violation minutes and cost of sculpt variants
against the best-tuned reactive (the HPA) at the same cost.

usage: flash_eval.py SCULPT_BIN SCENARIO.json OUT.json [VARIANTS.json | '{...}']

Reactive is swept over target_util 0.20, 0.25, ..., 0.90 (sync 15 s, as run_eval.py
runs it); its points (cost, violation minutes) give the front: the fewest violation
minutes reactive reaches at a cost no higher than C, linear between the swept points
(lower convex hull is not taken: only the points themselves and the segments between
neighbours on the cost-sorted Pareto set).  Each sculpt variant (a label -> params
object in VARIANTS.json, default: sculpt-on-demand at its defaults, with and without
the burst guard) is run once; the report gives its cost, violation minutes,
attainment, reactive's violation minutes at that cost (the "best-tuned reactive at no
higher cost") and the ratio (target <= 0.5).

The scenario's own policy list is replaced; relative paths (traces, events) are made
absolute so the variant runs from a temporary file.
"""
import json
import os
import subprocess
import sys
import tempfile

TARGETS = [round(0.2 + 0.05 * i, 2) for i in range(15)]


def absolutise(sc, base):
    for t in sc.get("traces", []):
        for k in ("csv", "h5", "file", "path", "spec"):
            if isinstance(t.get(k), str) and not os.path.isabs(t[k]):
                t[k] = os.path.normpath(os.path.join(base, t[k]))
    if isinstance(sc.get("synthetic"), str) and not os.path.isabs(sc["synthetic"]):
        sc["synthetic"] = os.path.normpath(os.path.join(base, sc["synthetic"]))
    return sc


def run(binp, sc, base, pols):
    sc = json.loads(json.dumps(sc))
    for p in pols:
        ev = p.get("params", {}).get("events")
        if ev and not os.path.isabs(ev):
            p["params"]["events"] = os.path.normpath(os.path.join(base, ev))
    sc["policies"] = pols
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=base, delete=False) as f:
        json.dump(absolutise(sc, base), f)
        path = f.name
    try:
        res = subprocess.run([binp, "run", path, "--json", "--no-per-step", "-j", "2"],
                             capture_output=True, text=True)
        if res.returncode:
            sys.exit("flash_eval: sculpt run failed (%d): %s" % (res.returncode, res.stderr))
        out = res.stdout
    finally:
        os.unlink(path)
    return {p["policy"]: p for p in json.loads(out)}


def front(points):
    """Pareto set (cost ascending, violation minutes strictly descending)."""
    pts = sorted(points)
    out = []
    for c, v in pts:
        if not out or v < out[-1][1]:
            out.append((c, v))
    return out


def reactive_at(fr, cost):
    """Fewest violation minutes reactive reaches at cost <= `cost` (linear between
    neighbouring Pareto points); None if every point costs more."""
    best = None
    for i, (c, v) in enumerate(fr):
        if c <= cost:
            best = v
            if i + 1 < len(fr) and fr[i + 1][0] > cost:
                c1, v1 = fr[i + 1]
                best = v + (v1 - v) * (cost - c) / (c1 - c)
    return best


def main():
    binp, scp, outp = sys.argv[1:4]
    variants = {"sculpt-on-demand": {"on_demand_only": True},
                "sculpt-on-demand-burst": {"on_demand_only": True, "burst": True}}
    if len(sys.argv) > 4:
        arg = sys.argv[4]
        if arg.lstrip().startswith("{"):
            variants = json.loads(arg)
        else:
            with open(arg) as f:
                variants = json.load(f)
    with open(scp) as f:
        sc = json.load(f)
    base = os.path.dirname(os.path.abspath(scp))
    pols = [{"name": "reactive", "label": "reactive_%g" % t,
             "params": {"sync": "15s", "target_util": t}} for t in TARGETS]
    pols += [{"name": "sculpt", "label": k, "params": v} for k, v in variants.items()]
    res = run(binp, sc, base, pols)
    fr = front([(res["reactive_%g" % t]["cost_usd"], res["reactive_%g" % t]["violation_minutes"])
                for t in TARGETS])
    rows = []
    print("| policy | cost USD | violation min | attainment | reactive viol. min at that cost | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for k in list(variants) + ["reactive_%g" % t for t in TARGETS]:
        p = res[k]
        ra = reactive_at(fr, p["cost_usd"]) if not k.startswith("reactive") else None
        ratio = (p["violation_minutes"] / ra) if ra else None
        rows.append({"label": k, "cost_usd": p["cost_usd"],
                     "violation_minutes": p["violation_minutes"],
                     "slo_attainment": p["slo_attainment"], "reactive_vmin_at_cost": ra,
                     "ratio": ratio})
        print("| %s | %.2f | %.1f | %.5f | %s | %s |" % (
            k, p["cost_usd"], p["violation_minutes"], p["slo_attainment"],
            "-" if ra is None else "%.1f" % ra, "-" if ratio is None else "%.3f" % ratio))
    with open(outp, "w") as f:
        json.dump({"scenario": os.path.basename(scp), "reactive_front": fr, "rows": rows}, f,
                  indent=1)


if __name__ == "__main__":
    main()
