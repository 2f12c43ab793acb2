#!/usr/bin/env python3
"""route_fronts.py - cost against attainment with routing (issue 11, item 8).

Runs `sculpt run --json` on the three routed scenarios (scenarios/global.json,
europe-spike.json, region-outage.json) with one policy row at a time, so that a routing a
scenario's mechanisms refuse is reported and skipped rather than failing the set:

  - sculpt with its routing plan (the default where a geography is routed: one region
    per weighted geography, "route_pick", sculpt_route.c), with "routing": "home", and
    with the plan without route_pick ("route_pick": false: routes checked at the planned
    utilisation only), each with spot and reserved and on demand only;
  - reactive and aws-predictive with each baseline routing (home, latency, failover,
    spill, cheapest: the routing controller next to the policy);
  - the oracle at the SLO operating point ("serve_util": "slo") with "routing": "home"
    and "plan" (its executed plan routes weighted geographies within the latency bound,
    each route at its own SLO utilisation: core/policy/oracle_route.c).

Each row is a point (cost, attainment) of the scenario's front; egress is given as a
share of cost, and outage violation minutes where the scenario has outage windows.

    bench/policy/route_fronts.py BUILD_DIR [--only global,region-outage] [--csv OUT.csv]

Prints one Markdown table per scenario (the figures bench/policy/README.head.md quotes)
and the issue's targets computed from them.  Scenario copies with absolute paths are
written to a temporary directory; nothing in the source tree changes.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

SRC = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCENARIOS = ["global", "europe-spike", "region-outage"]
ROUTINGS = ["home", "latency", "failover", "spill", "cheapest"]


def rows():
    out = []
    for od in (False, True):
        sfx = "-od" if od else ""
        base = {"on_demand_only": True} if od else {}
        out.append({"name": "sculpt", "label": "sculpt-plan" + sfx,
                    "params": dict(base, routing="plan")})
        out.append({"name": "sculpt", "label": "sculpt-home" + sfx,
                    "params": dict(base, routing="home")})
        out.append({"name": "sculpt", "label": "sculpt-plan-nopick" + sfx,
                    "params": dict(base, routing="plan", route_pick=False)})
    for rt in ROUTINGS:
        out.append({"name": "reactive", "label": "reactive-" + rt,
                    "params": {"sync": "15s", "routing": rt}})
    for rt in ROUTINGS:
        out.append({"name": "aws-predictive", "label": "aws-predictive-" + rt,
                    "params": {"routing": rt}})
    for rt in ("home", "plan"):
        out.append({"name": "oracle", "label": "oracle-slo-" + rt,
                    "params": {"serve_util": "slo", "routing": rt}})
    return out


def absolutise(o, base):
    if isinstance(o, dict):
        for k, v in o.items():
            if isinstance(v, str) and (v.startswith("../") or v.endswith(".csv")) \
                    and not os.path.isabs(v) and os.path.exists(os.path.join(base, v)):
                o[k] = os.path.normpath(os.path.join(base, v))
            else:
                absolutise(v, base)
    elif isinstance(o, list):
        for x in o:
            absolutise(x, base)


def run_one(sculpt, scen_path, row, tmp):
    d = json.load(open(scen_path))
    absolutise(d, os.path.dirname(scen_path))
    d["policies"] = [row]
    path = os.path.join(tmp, "%s-%s.json" % (d["name"], row["label"]))
    with open(path, "w") as f:
        json.dump(d, f)
    p = subprocess.run([sculpt, "run", path, "--json", "-j", "1"], capture_output=True,
                       text=True)
    if p.returncode != 0:
        return None, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "exit %d" % p.returncode
    return json.loads(p.stdout)[0], None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build")
    ap.add_argument("--only", default="")
    ap.add_argument("--csv", default="")
    a = ap.parse_args()
    sculpt = os.path.join(a.build, "sculpt")
    names = [s for s in a.only.split(",") if s] or SCENARIOS
    table = []
    with tempfile.TemporaryDirectory() as tmp:
        for sn in names:
            print("\n### %s\n" % sn)
            print("| policy | cost USD | attainment | violation min | outage violation min "
                  "| egress USD | egress share |")
            print("|---|---|---|---|---|---|---|")
            res = {}
            for row in rows():
                r, why = run_one(sculpt, os.path.join(SRC, "scenarios", sn + ".json"), row, tmp)
                if r is None:
                    print("| %s | refused: %s | | | | | |" % (row["label"], why[:90]))
                    continue
                res[row["label"]] = r
                ov = r.get("outage_violation_minutes")
                share = r["egress_usd"] / r["cost_usd"] if r["cost_usd"] > 0 else 0.0
                print("| %s | %.2f | %.5f | %.1f | %s | %.3f | %.4f %% |" % (
                    row["label"], r["cost_usd"], r["slo_attainment"], r["violation_minutes"],
                    "%.1f" % ov if ov is not None else "-", r["egress_usd"], 100 * share))
                table.append({"scenario": sn, "policy": row["label"], "cost_usd": r["cost_usd"],
                              "slo_attainment": r["slo_attainment"],
                              "violation_minutes": r["violation_minutes"],
                              "outage_violation_minutes": ov if ov is not None else "",
                              "egress_usd": r["egress_usd"], "egress_share": share})
            targets(sn, res)
    if a.csv:
        with open(a.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(table[0].keys()))
            w.writeheader()
            w.writerows(table)


def targets(sn, res):
    """The issue's targets, from the points above (none when a point is missing)."""
    g = res.get
    if sn == "global" and all(g(k) for k in ("sculpt-home-od", "sculpt-plan-od",
                                              "oracle-slo-home", "oracle-slo-plan")):
        gain_s = g("sculpt-home-od")["cost_usd"] - g("sculpt-plan-od")["cost_usd"]
        gain_o = g("oracle-slo-home")["cost_usd"] - g("oracle-slo-plan")["cost_usd"]
        print("\nrouting gain, on demand only: sculpt %.2f USD, oracle %.2f USD (%s; "
              "target >= 0.70)" % (
                  gain_s, gain_o, "ratio %.3f" % (gain_s / gain_o) if gain_o > 0
                  else "the oracle's executed plan does not route: no ratio"))
        print("oracle's gain / its home cost: %.2f %% (target >= 5 %%); sculpt plan attainment "
              "%.5f vs home %.5f (target: no lower)" % (
                  100 * gain_o / g("oracle-slo-home")["cost_usd"],
                  g("sculpt-plan-od")["slo_attainment"], g("sculpt-home-od")["slo_attainment"]))
        att = g("sculpt-plan-od")["slo_attainment"]
        ok = [(k, v["cost_usd"]) for k, v in res.items()
              if k.startswith("reactive-") and v["slo_attainment"] >= att]
        if ok:
            k, c = min(ok, key=lambda x: x[1])
            print("sculpt plan (od) / cheapest reactive reaching its attainment (%s): %.3f "
                  "(target <= 0.85)" % (k, g("sculpt-plan-od")["cost_usd"] / c))
        else:
            print("no reactive routing reaches sculpt plan's attainment %.5f" % att)
    if sn == "region-outage" and all(g(k) for k in ("sculpt-plan-od", "reactive-failover")):
        s, r = g("sculpt-plan-od"), g("reactive-failover")
        print("\noutage violation min, on demand only: sculpt plan %.1f / reactive-failover "
              "%.1f = %.2f (target <= 0.25); cost ratio %.3f (target <= 1.05)" % (
                  s["outage_violation_minutes"], r["outage_violation_minutes"],
                  s["outage_violation_minutes"] / r["outage_violation_minutes"],
                  s["cost_usd"] / r["cost_usd"]))


if __name__ == "__main__":
    sys.exit(main())
