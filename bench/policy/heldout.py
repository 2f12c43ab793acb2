#!/usr/bin/python3
"""The held-out evaluation suite (issue 10, item 5): scenarios generated from every real
trace of the project's shared data, split into a development and a test half fixed in
the repository before any tuning; each policy family's knobs swept for the baselines,
sculpt at its defaults; cost at matched attainment per trace, in total, median and worst
ratios, development and test side by side.

usage:
  heldout.py gen SHARED_DATA           write heldout/data/ (the subsets) and
                                       heldout/scenarios/*.json (run once; committed)
  heldout.py run SCULPT_BIN [--half dev|test|all] [--only ID,...] [-j N]
                                       run the suite into heldout/results/<id>.json
  heldout.py objectives SCULPT_BIN [--half dev|test|all] [--only ID,...] [-j N]
                                       sculpt-od and sculpt at their defaults at the
                                       objectives 0.99, 0.999, 0.9995 on every trace of
                                       the half (heldout/results/objectives)
  heldout.py report                    write heldout/REPORT.md from heldout/results/
  run_heldout.sh BUILD_DIR [...]       run + report + make_readme.sh: the one command

Traces (ids; every one gets a scenario; the load mapping is in heldout/README.md):
  nab-*     each series of NAB realAWSCloudwatch (traces/data/nab, 14 series, 5 min)
  nasa      NASA Kennedy Space Center WWW log, July 1995 (traces/data/web, 1 min)
  eia-*     each of the 13 EIA-930 regions (traces/data/eia, hourly, 2021-06-07 on)
  gb, de, nsw, qld  NESO / SMARD / AEMO hourly demand (subsets in heldout/data)
  alibaba, google, azure  datacenter CPU aggregates (subsets in heldout/data, 5 min)

Load mapping (every trace): load (req/s) = value x scale, scale chosen so that the 99th
percentile of the trace over the scenario's whole window (warm-up + measured) is 4000
req/s = 20 m4.large at 100 % CPU.  Only the unit is fitted to the data; no policy sees
the future through it (a constant factor).

Split (heldout/split.json, written by `gen`, committed before any tuning): within each
source, ids sorted, alternately development and test starting with development; NASA,
the only web log with flash crowds, is test.

Policies per scenario (objective 0.999, apps[].slo.attainment):
  reactive        target_util 0.4 / 0.5 / 0.6 / 0.7 / 0.8, on demand
  reactive-mix    the same with "purchase": {"reserved_base": "auto", "spot_above_base": 0.5}
  aws-predictive  target_util 0.5 / 0.6 / 0.7 / 0.8, on demand
  sculpt-od       sculpt {"on_demand_only": true} at its defaults (one point: the SLO
                  sizing of core/policy/sculpt_size.c reads the objective)
  sculpt          sculpt at its defaults (spot and reserved; one point)
  sculpt-od-swept sculpt on demand with the old fixed sizing ({"serve_util": "target",
                  "headroom": 1}) swept over target_util 0.5 / 0.6 / 0.7 / 0.75:
                  sculpt's own hindsight-tuned points, which do not read the objective
  sculpt-swept    the same with spot and reserved
Matched attainment: a baseline family's cost is that of its cheapest point with
attainment >= 0.999; where none reaches it, the issue's rule: the objective becomes
that baseline's best attainment, sculpt's defaults are re-run at that objective
(`rematch` in the results) and compared there.  A sculpt point that misses the
objective is flagged.
  objectives      sculpt-od and sculpt at their defaults re-run at 0.99, 0.999, 0.9995:
                  how many traces meet each, the cost as the objective loosens, and the
                  default against sculpt's own cheapest swept point meeting it (the
                  issue: at most 5 % more)
"""
import csv
import json
import math
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HD = os.path.join(HERE, "heldout")
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
OBJECTIVE = 0.999
P99_LOAD = 4000.0

NAB = ["ec2_cpu_utilization_24ae8d", "ec2_cpu_utilization_53ea38",
       "ec2_cpu_utilization_5f5533", "ec2_cpu_utilization_77c1ca",
       "ec2_cpu_utilization_825cc2", "ec2_cpu_utilization_ac20cd",
       "ec2_cpu_utilization_c6585a", "ec2_cpu_utilization_fe7f93",
       "ec2_disk_write_bytes_1ef3de", "ec2_disk_write_bytes_c0d644",
       "ec2_network_in_257a54", "ec2_network_in_5abac7",
       "iio_us-east-1_i-a2eb1cd9_NetworkIn", "rds_cpu_utilization_cc0c53"]
EIA = ["CAL", "NW", "SW", "CENT", "TEX", "MIDW", "TEN", "SE", "FLA", "CAR", "MIDA", "NY", "NE"]

# geo-demand subsets: (id, source file, column)
GEO = [("de", "smard_de_load_hourly_utc_2018_2022.csv", "DE_LOAD_MW"),
       ("gb", "neso_gb_demand_hourly_utc_2018_2022.csv", "GB_ND_MW"),
       ("nsw", "aemo_nem_nsw_qld_demand_hourly_utc_2018_2022.csv", "AU_NSW1_MW"),
       ("qld", "aemo_nem_nsw_qld_demand_hourly_utc_2018_2022.csv", "AU_QLD1_MW")]
GEO_FROM, GEO_TO = "2021-05-20T00:00:00Z", "2021-07-10T00:00:00Z"
# datacenter subsets: (id, source file, column, synthetic start of the first sample)
DC = [("alibaba", "alibaba2018/machine_usage_days_1_to_8_grouped_300_seconds.csv",
       "cpu_util_percent", "2018-01-01T00:00:00Z"),
      ("azure", "azure_v2/vm_cpu_readings_month_aggregated_cpu_mem.csv", "cpu_usage",
       "2019-01-01T00:00:00Z"),
      ("google", "google2019/instance_usage_grouped_300_seconds_month.csv", "avg_cpu",
       "2019-05-01T00:00:00Z")]


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def parse_iso(s):
    import calendar
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def nab_has_duplicates(path):
    seen = set()
    with open(os.path.join(REPO, path)) as f:
        next(f)
        for line in f:
            t = line.split(",")[0]
            if t in seen:
                return True
            seen.add(t)
    return False


def nab_dedup(src, dst):
    """Copy a NAB series merging rows of the same timestamp by their maximum (two NAB
    series repeat the hour of the 2014-03-09 US clock change)."""
    rows, order = {}, []
    with open(src) as f:
        head = next(f)
        for line in f:
            t, v = line.rstrip("\n").split(",")
            if t not in rows:
                order.append(t)
                rows[t] = float(v)
            else:
                rows[t] = max(rows[t], float(v))
    with open(dst, "w") as out:
        out.write(head)
        for t in order:
            out.write("%s,%r\n" % (t, rows[t]))


def catalogue():
    """Every trace: id, source, csv (repo-relative), value_col, window, step."""
    cat = []
    for n in NAB:
        path = "traces/data/nab/%s.csv" % n
        if nab_has_duplicates(path):
            path = "bench/policy/heldout/data/nab-%s.csv" % n.split("_")[-1]
        with open(os.path.join(REPO, path)) as f:
            next(f)
            first = next(f).split(",")[0]
        t0 = parse_iso(first.replace(" ", "T") + "Z")
        t0 = (t0 // 3600 + 1) * 3600
        short = n.startswith("iio")  # 4.3 days
        cat.append({"id": "nab-" + n.split("_")[-1] if not short else "nab-iio-networkin",
                    "source": "nab", "csv": path, "value_col": 1, "tz": "UTC",
                    "start": iso(t0), "warmup": "2d" if short else "6d",
                    "duration": "2d" if short else "7d", "step": "5m", "resample": "max",
                    "what": "NAB realAWSCloudwatch %s" % n})
    cat.append({"id": "nasa", "source": "web",
                "csv": "traces/data/web/nasa_kennedy_1995_requests_per_minute.csv",
                "value_col": 1, "start": "1995-07-02T04:00:00Z", "warmup": "7d",
                "duration": "14d", "step": "5m", "resample": "max",
                "what": "NASA KSC WWW requests per minute, July 1995"})
    for i, r in enumerate(EIA):
        cat.append({"id": "eia-" + r.lower(), "source": "eia",
                    "csv": "traces/data/eia/eia_13regions_demand_MW_hourly_utc_2020_2022.csv",
                    "value_col": i + 1, "tz": "UTC", "start": "2021-06-07T00:00:00Z",
                    "warmup": "14d", "duration": "14d", "step": "5m",
                    "what": "EIA-930 hourly demand, region %s" % r})
    for gid, _, col in GEO:
        cat.append({"id": gid, "source": "geo-demand",
                    "csv": "bench/policy/heldout/data/%s.csv" % gid, "value_col": 1,
                    "start": "2021-06-07T00:00:00Z", "warmup": "14d", "duration": "14d",
                    "step": "5m", "what": "hourly demand %s" % col})
    for did, _, col, start in DC:
        days = (3, 4) if did == "alibaba" else (7, 14)
        cat.append({"id": did, "source": "datacenter",
                    "csv": "bench/policy/heldout/data/%s.csv" % did, "value_col": 1,
                    "start": start, "warmup": "%dd" % days[0], "duration": "%dd" % days[1],
                    "step": "5m", "resample": "max", "what": "datacenter aggregate %s" % col})
    return cat


def split_of(cat):
    by = {}
    for c in cat:
        by.setdefault(c["source"], []).append(c["id"])
    out = {}
    for src, ids in by.items():
        ids = sorted(ids)
        for i, x in enumerate(ids):
            out[x] = "dev" if i % 2 == 0 else "test"
    out["nasa"] = "test"
    return out


def window_values(c):
    """The trace's values over [start, start + warmup + duration)."""
    t0 = parse_iso(c["start"])
    span = (int(c["warmup"][:-1]) + int(c["duration"][:-1])) * 86400
    vals = []
    with open(os.path.join(REPO, c["csv"])) as f:
        rd = csv.reader(f)
        next(rd)
        for row in rd:
            ts = row[0].strip()
            if "T" not in ts:
                ts = ts.replace(" ", "T") + "Z"
            if ts.endswith("-04:00"):
                t = parse_iso(ts[:-6] + "Z") + 4 * 3600
            else:
                t = parse_iso(ts)
            if t0 <= t < t0 + span:
                try:
                    vals.append(float(row[c["value_col"]]))
                except ValueError:
                    pass
    return vals


def scenario(c, scale):
    tr = {"name": "t", "csv": os.path.relpath(os.path.join(REPO, c["csv"]),
                                               os.path.join(HD, "scenarios")),
          "value_col": c["value_col"]}
    if c.get("tz"):
        tr["tz"] = c["tz"]
    if c.get("resample"):
        tr["resample"] = c["resample"]
    return {
        "_comment": "%s (held-out suite, bench/policy/heldout.py): load (req/s) = value x "
                    "%.6g, the 99th percentile of the window at %g req/s (20 m4.large at "
                    "100 %%); %s warm-up + %s measured." % (c["what"], scale, P99_LOAD,
                                                           c["warmup"], c["duration"]),
        "name": c["id"], "seed": 20261207, "start": c["start"], "warmup": c["warmup"],
        "duration": c["duration"], "step": c["step"],
        "geos": [{"name": "users", "home_region": "us-east-1", "tz": "UTC"}],
        "regions": [{"name": "us-east-1",
                     "boot": {"dist": "lognormal", "median_s": 97, "p95_s": 160},
                     "vcpu_quota": 100000, "spot_interrupt_per_hour": 0.01,
                     "egress_per_gb": 0.02, "reserved_term": "365d", "api_rate_per_sec": 10,
                     "types": {"m4.large": {"on_demand": 0.1, "reserved": 0.062,
                                            "spot": 0.035}}}],
        "instance_types": [{"name": "m4.large", "vcpu": 2, "mem_gib": 8, "io_mbps": 450}],
        "latency_ms": {"users": {"us-east-1": 20}},
        "apps": [{"name": "web", "unit": "req/s", "instance_type": "m4.large",
                  "needs": {"cpu": 0.01}, "target_util": 0.6, "min_instances": 2,
                  "max_instances": 2000, "warmup": "60s",
                  "latency": {"base_ms": 30, "u_max": 0.99},
                  "slo": {"latency_ms": 150, "max_unserved_frac": 0.001,
                          "penalty_per_unit_hour": 0.1, "attainment": OBJECTIVE},
                  "demand": [{"geo": "users", "trace": "t", "scale": scale}],
                  "initial": [{"region": "us-east-1", "count": 10}]}],
        "traces": [tr],
        "policies": [{"name": "static"}]}


def gen(shared):
    os.makedirs(os.path.join(HD, "data"), exist_ok=True)
    os.makedirs(os.path.join(HD, "scenarios"), exist_ok=True)
    t_from, t_to = parse_iso(GEO_FROM), parse_iso(GEO_TO)
    for gid, fname, col in GEO:
        with open(os.path.join(shared, "geo-demand", fname)) as f, \
                open(os.path.join(HD, "data", gid + ".csv"), "w") as out:
            rd = csv.DictReader(f)
            out.write("timestamp,%s\n" % col)
            for row in rd:
                t = parse_iso(row["timestamp"])
                if t_from <= t < t_to:
                    out.write("%s,%s\n" % (row["timestamp"], row[col]))
    for did, fname, col, start in DC:
        t0 = parse_iso(start)
        with open(os.path.join(shared, "datacenter", fname)) as f, \
                open(os.path.join(HD, "data", did + ".csv"), "w") as out:
            rd = csv.DictReader(f)
            out.write("timestamp,%s\n" % col)
            for i, row in enumerate(rd):
                t = t0 + 300 * i if "timestamp" not in row else t0 + int(float(row["timestamp"]))
                out.write("%s,%s\n" % (iso(t), row[col]))
    for n in NAB:
        path = "traces/data/nab/%s.csv" % n
        if nab_has_duplicates(path):
            nab_dedup(os.path.join(REPO, path),
                      os.path.join(HD, "data", "nab-%s.csv" % n.split("_")[-1]))
    cat = catalogue()
    split = split_of(cat)
    with open(os.path.join(HD, "split.json"), "w") as f:
        json.dump({"_comment": "fixed before any tuning (heldout.py split_of): within each "
                               "source, ids sorted, alternately dev and test; nasa test",
                   "split": {c["id"]: split[c["id"]] for c in cat}}, f, indent=1)
        f.write("\n")
    for c in cat:
        vals = sorted(window_values(c))
        p99 = vals[min(len(vals) - 1, int(0.99 * len(vals)))]
        scale = P99_LOAD / p99 if p99 > 0 else 1.0
        with open(os.path.join(HD, "scenarios", c["id"] + ".json"), "w") as f:
            json.dump(scenario(c, float("%.6g" % scale)), f, indent=1)
            f.write("\n")
    print("wrote %d scenarios, split %d dev / %d test" % (
        len(cat), sum(v == "dev" for v in split.values()),
        sum(v == "test" for v in split.values())))


SWEPT_TARGETS = (0.5, 0.6, 0.7, 0.75)
DEFAULTS = ("sculpt-od", "sculpt")
BASELINES = ("reactive", "aws-predictive", "reactive-mix")


def policies():
    pols = []
    for x in (0.4, 0.5, 0.6, 0.7, 0.8):
        pols.append({"name": "reactive", "label": "reactive_%g" % x,
                     "params": {"sync": "15s", "target_util": x}})
    for x in (0.4, 0.5, 0.6, 0.7, 0.8):
        pols.append({"name": "reactive", "label": "reactive-mix_%g" % x,
                     "params": {"sync": "15s", "target_util": x,
                                "purchase": {"reserved_base": "auto",
                                             "spot_above_base": 0.5}}})
    for x in (0.5, 0.6, 0.7, 0.8):
        pols.append({"name": "aws-predictive", "label": "aws-predictive_%g" % x,
                     "params": {"target_util": x}})
    pols.append({"name": "sculpt", "label": "sculpt-od_default",
                 "params": {"on_demand_only": True}})
    pols.append({"name": "sculpt", "label": "sculpt_default", "params": {}})
    for x in SWEPT_TARGETS:
        pols.append({"name": "sculpt", "label": "sculpt-od-swept_%g" % x,
                     "params": {"on_demand_only": True, "serve_util": "target",
                                "headroom": 1, "target_util": x}})
    for x in SWEPT_TARGETS:
        pols.append({"name": "sculpt", "label": "sculpt-swept_%g" % x,
                     "params": {"serve_util": "target", "headroom": 1, "target_util": x}})
    return pols


def run_scenario(binary, i, pols, objective, jobs):
    """`sculpt run --json` of trace i with the policies pols at the objective; returns
    (rows, CPU seconds)."""
    sc = json.load(open(os.path.join(HD, "scenarios", i + ".json")))
    sc["apps"][0]["slo"]["attainment"] = objective
    sc["policies"] = pols
    # the variant lives next to the results: its trace path is made absolute
    sc["traces"][0]["csv"] = os.path.normpath(os.path.join(HD, "scenarios",
                                                           sc["traces"][0]["csv"]))
    var = os.path.join(HD, "results", "%s.%d.sweep.json" % (i, os.getpid()))
    with open(var, "w") as f:
        json.dump(sc, f, indent=1)
    c0 = os.times()
    try:
        res = subprocess.run([binary, "run", var, "--json", "--no-per-step", "-j", str(jobs)],
                             check=True, capture_output=True, text=True)
    finally:
        os.remove(var)
    c1 = os.times()
    cpu = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
    return json.loads(res.stdout), cpu


def default_policies():
    return [p for p in policies() if family(p["label"]) in DEFAULTS]


def run(binary, half, only, jobs):
    split = json.load(open(os.path.join(HD, "split.json")))["split"]
    os.makedirs(os.path.join(HD, "results"), exist_ok=True)
    ids = [i for i in sorted(split) if half == "all" or split[i] == half]
    if only:
        ids = [i for i in ids if i in only]
    tot = 0.0
    for i in ids:
        t = time.time()
        rows, cpu = run_scenario(binary, i, policies(), OBJECTIVE, jobs)
        # the rule where a baseline never meets the objective: sculpt's defaults
        # re-run at that baseline's best attainment
        rematch = {}
        for b in BASELINES:
            pb, ok = matched(rows, b)
            if ok:
                continue
            obj = pb["slo_attainment"]
            key = repr(obj)
            if key not in rematch and 0 < obj < 1:
                rr, c = run_scenario(binary, i, default_policies(), obj, jobs)
                cpu += c
                rematch[key] = [{k: r[k] for k in ("policy", "cost_usd", "slo_attainment",
                                                   "slo_objective")} for r in rr]
        tot += cpu
        with open(os.path.join(HD, "results", i + ".json"), "w") as f:
            json.dump({"id": i, "half": split[i], "cpu_s": round(cpu, 2),
                       "wall_s": round(time.time() - t, 2), "points": rows,
                       "rematch": rematch}, f, indent=1)
            f.write("\n")
        print("%-22s %-4s cpu %6.1f s" % (i, split[i], cpu), flush=True)
    print("total CPU %.1f s" % tot)


OBJECTIVES = (0.99, 0.999, 0.9995)


def objectives(binary, jobs, half="all", only=None):
    """The self-calibrated defaults against the objective (issue 10's target: meets it on
    >= 90 % of the traces for each of 0.99, 0.999, 0.9995, cost falling as it loosens,
    at most 5 % above sculpt's own cheapest swept point meeting it): sculpt-od and
    sculpt at their defaults at each objective, every trace of the half (`--half`,
    default all) or the listed ones (`--only`); the others keep their stored runs."""
    split = json.load(open(os.path.join(HD, "split.json")))["split"]
    os.makedirs(os.path.join(HD, "results", "objectives"), exist_ok=True)
    tot = 0.0
    for i in sorted(split):
        if (half != "all" and split[i] != half) or (only and i not in only):
            continue
        out = {"id": i, "half": split[i], "runs": {}}
        one = 0.0
        for obj in OBJECTIVES:
            rows, cpu = run_scenario(binary, i, default_policies(), obj, jobs)
            one += cpu
            out["runs"][str(obj)] = [{k: r[k] for k in ("policy", "cost_usd", "slo_attainment",
                                                        "slo_objective")} for r in rows]
        tot += one
        out["cpu_s"] = round(one, 2)
        with open(os.path.join(HD, "results", "objectives", i + ".json"), "w") as f:
            json.dump(out, f, indent=1)
            f.write("\n")
        print("%-22s %-4s" % (i, split[i]), flush=True)
    print("total CPU %.1f s" % tot)


def family(label):
    return label.rsplit("_", 1)[0]


def matched(points, fam, objective=OBJECTIVE):
    """(point, met): a family's cheapest point meeting the objective, else its point of
    highest attainment (cheapest among equals)."""
    pts = [p for p in points if family(p["policy"]) == fam]
    ok = [p for p in pts if p["slo_attainment"] >= objective]
    if ok:
        return min(ok, key=lambda p: p["cost_usd"]), True
    return max(pts, key=lambda p: (p["slo_attainment"], -p["cost_usd"])), False


def ratio(r, a, b):
    """(ratio, counted, mark) of sculpt family a (a default) against baseline family b on
    trace result r.  Where b's sweep meets the objective: a's cost / b's cheapest point
    meeting it.  Where it does not, the issue's rule: the objective becomes b's best
    attainment and a's default re-run there (r["rematch"]) is compared, marked `~`, and
    `~!` when a misses that objective too; `()` and not counted when no re-run is
    stored."""
    pts = r["points"]
    pa, _ = matched(pts, a)
    pb, okb = matched(pts, b)
    if pb["cost_usd"] <= 0:
        return float("nan"), False, ""
    if okb:
        return pa["cost_usd"] / pb["cost_usd"], True, ""
    rm = r.get("rematch", {}).get(repr(pb["slo_attainment"]))
    if not rm:
        return pa["cost_usd"] / pb["cost_usd"], False, "()"
    q = [p for p in rm if family(p["policy"]) == a][0]
    return (q["cost_usd"] / pb["cost_usd"], True,
            "~" if q["slo_attainment"] >= pb["slo_attainment"] else "~!")


COMPARE = [("sculpt-od", "reactive"), ("sculpt-od", "aws-predictive"),
           ("sculpt", "reactive-mix")]
FAMILIES = ("reactive", "aws-predictive", "reactive-mix", "sculpt-od", "sculpt",
            "sculpt-od-swept", "sculpt-swept")
OWN = {"sculpt-od": "sculpt-od-swept", "sculpt": "sculpt-swept"}


def own_check(default_pt, swept_pts, objective):
    """The default against sculpt's own cheapest swept point meeting the objective:
    (ratio or None when no swept point meets it, default meets it)."""
    fam = family(swept_pts[0]["policy"]) if swept_pts else None
    if not fam:
        return None, False
    p, ok = matched(swept_pts, fam, objective)
    met = default_pt["slo_attainment"] >= objective
    if not ok or p["cost_usd"] <= 0:
        return None, met
    return default_pt["cost_usd"] / p["cost_usd"], met


def objectives_report(res):
    d = os.path.join(HD, "results", "objectives")
    if not os.path.isdir(d):
        return []
    obj = [json.load(open(os.path.join(d, f))) for f in sorted(os.listdir(d))
           if f.endswith(".json") and ".sweep." not in f]
    if not obj:
        return []
    md = ["#### The self-calibrated defaults against the objective", "",
          "sculpt-od and sculpt at their defaults re-run at each objective "
          "(`apps[].slo.attainment`, `heldout.py objectives`).  *meets*: traces whose "
          "attainment reaches it, of all the half's traces and (in brackets) of the "
          "traces where at least one swept point of any family reaches it (the others no "
          "policy here meets).  *cost*: median over traces of the cost relative to the "
          "same trace at 0.999 (below 1: cheaper as the objective loosens).  *own*: "
          "traces where the default meets the objective at most 5 % above sculpt's own "
          "cheapest swept point meeting it (`sculpt-od-swept` / `sculpt-swept`, "
          "hindsight-tuned), of the traces where such a point exists, and the median "
          "ratio default / that point.  The issue's target: meets on >= 90 % of the "
          "traces at each objective, cost falling as it loosens, own <= 1.05.", "",
          "| family | half | objective | meets | cost / cost at 0.999 | own: <= 1.05 | "
          "own: median ratio |",
          "|---|---|---:|---:|---:|---:|---:|"]
    for fam in DEFAULTS:
        for half in ("dev", "test"):
            rows = [r for r in obj if r["half"] == half]
            for o in OBJECTIVES:
                n = nf = feas_met = 0
                rel, own, own_ok = [], [], 0
                for r in rows:
                    p = [x for x in r["runs"][str(o)] if family(x["policy"]) == fam][0]
                    q = [x for x in r["runs"]["0.999"] if family(x["policy"]) == fam][0]
                    met = p["slo_attainment"] >= o
                    n += met
                    pts = res[r["id"]]["points"] if r["id"] in res else []
                    feasible = any(x["slo_attainment"] >= o for x in pts) or met
                    nf += feasible
                    feas_met += feasible and met
                    if q["cost_usd"] > 0:
                        rel.append(p["cost_usd"] / q["cost_usd"])
                    sw = [x for x in pts if family(x["policy"]) == OWN[fam]]
                    x, m = own_check(p, sw, o)
                    if x is not None:
                        own.append(x)
                        own_ok += m and x <= 1.05
                md.append("| %s | %s | %g | %d / %d (%d / %d) | %s | %d / %d | %s |" % (
                    fam, half, o, n, len(rows), feas_met, nf,
                    "%.3f" % statistics.median(rel) if rel else "-", own_ok, len(own),
                    "%.3f" % statistics.median(own) if own else "-"))
    md.append("")
    return md


def report():
    split = json.load(open(os.path.join(HD, "split.json")))["split"]
    res = {}
    for i in sorted(split):
        p = os.path.join(HD, "results", i + ".json")
        if os.path.exists(p):
            res[i] = json.load(open(p))
    md = ["Generated by `bench/policy/run_heldout.sh` (`heldout.py report`) from "
          "`bench/policy/heldout/results/`; scenarios in `bench/policy/heldout/scenarios/`, "
          "load mapping and split in `bench/policy/heldout/README.md`.  Objective: "
          "attainment >= %g.  A baseline's figure is its cheapest swept point that meets "
          "the objective (`*`: none does; then, as the issue says, the objective becomes that "
          "baseline's best attainment, sculpt's defaults are re-run at it and compared "
          "there: ratio marked `~`, and `~!` when sculpt misses that objective too).  "
          "`sculpt-od` and `sculpt` are the defaults, one point, no sweep (`!`: missed "
          "0.999); `sculpt-od-swept` and `sculpt-swept` are sculpt's own hindsight sweep "
          "(the old fixed sizing at target_util %s), their cheapest point meeting 0.999.  "
          "Ratio = sculpt cost / other cost; medians and worst over the ratios that count."
          % (OBJECTIVE, " / ".join("%g" % x for x in SWEPT_TARGETS)), ""]
    cpu = sum(r.get("cpu_s", 0) for r in res.values())
    md.append("Traces run: %d of %d (%d dev, %d test); CPU of `sculpt run` over them: "
              "%.0f s." % (len(res), len(split), sum(r["half"] == "dev" for r in res.values()),
                           sum(r["half"] == "test" for r in res.values()), cpu))
    md.append("")
    comps = COMPARE + [(a, OWN[a]) for a in DEFAULTS]
    for half in ("dev", "test"):
        ids = [i for i in res if res[i]["half"] == half]
        md.append("#### %s half (%d traces)" % ("Development" if half == "dev" else "Test",
                                                len(ids)))
        md.append("")
        md.append("| trace | " + " | ".join(FAMILIES) + " | " +
                  " | ".join("%s / %s" % c for c in comps) + " |")
        md.append("|---" * (1 + len(FAMILIES) + len(comps)) + "|")
        ratios = {c: [] for c in comps}
        totals = {}
        for i in ids:
            pts = res[i]["points"]
            cells = []
            for fam in FAMILIES:
                p, ok = matched(pts, fam)
                totals[fam] = totals.get(fam, 0.0) + p["cost_usd"]
                cells.append("%.0f (%.4f)%s" % (p["cost_usd"], p["slo_attainment"],
                                                "" if ok else ("!" if fam in DEFAULTS
                                                               else "*")))
            rr = []
            for a, b in comps:
                if b in OWN.values():
                    x, _ = own_check(matched(pts, a)[0],
                                     [p for p in pts if family(p["policy"]) == b], OBJECTIVE)
                    counted, mark = x is not None, ""
                    if x is None:
                        x, mark = float("nan"), "-"
                else:
                    x, counted, mark = ratio(res[i], a, b)
                if counted:
                    ratios[(a, b)].append(x)
                rr.append("-" if mark == "-" else
                          "(%.3f)" % x if mark == "()" else "%.3f%s" % (x, mark))
            md.append("| %s | %s | %s |" % (i, " | ".join(cells), " | ".join(rr)))
        if ids:
            blank = " |" * len(FAMILIES)
            md.append("| **total** | %s | %s |" % (
                " | ".join("%.0f" % totals[f] for f in FAMILIES),
                " | ".join("%.3f" % (totals[a] / totals[b]) for a, b in comps)))
            md.append("| **median ratio** |%s %s |" % (blank, " | ".join(
                "%.3f" % statistics.median(ratios[c]) if ratios[c] else "-" for c in comps)))
            md.append("| **worst ratio** |%s %s |" % (blank, " | ".join(
                "%.3f" % max(ratios[c]) if ratios[c] else "-" for c in comps)))
            md.append("| traces in the ratios |%s %s |" % (blank, " | ".join(
                "%d" % len(ratios[c]) for c in comps)))
        md.append("")
    md.append("Cells: cost in USD of the measured period (attainment).  Totals: every "
              "trace of the half (a baseline that misses 0.999 at its best-attainment "
              "point).  Side by side, development and test (the ratios that count; "
              "*own*: the default / sculpt's own cheapest swept point meeting 0.999, "
              "the issue's check is <= 1.05):")
    md.append("")
    md.append("| ratio | dev median | dev worst | dev traces | test median | test worst | "
              "test traces |")
    md.append("|---|---:|---:|---:|---:|---:|---:|")
    for a, b in comps:
        row = []
        for half in ("dev", "test"):
            xs = []
            for i in res:
                if res[i]["half"] != half:
                    continue
                if b in OWN.values():
                    x, _ = own_check(matched(res[i]["points"], a)[0],
                                     [p for p in res[i]["points"] if family(p["policy"]) == b],
                                     OBJECTIVE)
                    if x is not None:
                        xs.append(x)
                    continue
                x, counted, _ = ratio(res[i], a, b)
                if counted:
                    xs.append(x)
            row += (["%.3f" % statistics.median(xs), "%.3f" % max(xs), "%d" % len(xs)]
                    if xs else ["-", "-", "0"])
        md.append("| %s / %s | %s |" % (a, b, " | ".join(row)))
    md.append("")
    ocpu = 0.0
    d = os.path.join(HD, "results", "objectives")
    if os.path.isdir(d):
        for f in sorted(os.listdir(d)):
            if f.endswith(".json") and ".sweep." not in f:
                ocpu += json.load(open(os.path.join(d, f))).get("cpu_s", 0.0)
    md.append("Run time on this machine (2 cores, `-j 2`): %.0f s of CPU (%.0f s wall) for "
              "%d traces x %d policy points with the re-runs at the baselines' best "
              "attainment; the objectives' re-runs %.0f s of CPU." % (
                  cpu, sum(r.get("wall_s", 0) for r in res.values()), len(res),
                  len(policies()), ocpu))
    md.append("")
    miss = {}
    for half in ("dev", "test"):
        for fam in DEFAULTS:
            n = sum(1 for i in res if res[i]["half"] == half and
                    not matched(res[i]["points"], fam)[1])
            miss[(half, fam)] = n
    md.append("Sculpt defaults missing 0.999 (traces): " + "; ".join(
        "%s %s %d" % (h, f, n) for (h, f), n in miss.items()) + ".")
    md.append("")
    md += objectives_report(res)
    with open(os.path.join(HD, "REPORT.md"), "w") as f:
        f.write("\n".join(md))
    print("\n".join(md))


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    if a[0] == "gen" and len(a) == 2:
        gen(a[1])
    elif a[0] == "run" and len(a) >= 2:
        half, only, jobs = "all", None, 2
        if "--half" in a:
            half = a[a.index("--half") + 1]
        if "--only" in a:
            only = set(a[a.index("--only") + 1].split(","))
        if "-j" in a:
            jobs = int(a[a.index("-j") + 1])
        run(os.path.abspath(a[1]), half, only, jobs)
    elif a[0] == "objectives" and len(a) >= 2:
        jobs = int(a[a.index("-j") + 1]) if "-j" in a else 2
        half = a[a.index("--half") + 1] if "--half" in a else "all"
        only = set(a[a.index("--only") + 1].split(",")) if "--only" in a else None
        objectives(os.path.abspath(a[1]), jobs, half, only)
    elif a[0] == "report":
        report()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
