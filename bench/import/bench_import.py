#!/usr/bin/env python3
"""Trace import with a time zone against UTC: CPU time (user + sys) of `sculpt trace import`.

Usage: bench_import.py [--runs 5] SCULPT [SCULPT_BEFORE]

For each binary and each data set, imports the same CSV files with no --tz (UTC) and with
--tz Europe/London, interleaved (a UTC run, a zone run, then the next binary, ... repeated
--runs times), and prints the median CPU time of each and the zone/UTC ratio.  CPU time of
the child process comes from getrusage(RUSAGE_CHILDREN) (microsecond resolution), so the
figure is the work done, not the wall time of a shared machine.
"""
import argparse
import glob
import os
import resource
import statistics
import subprocess
import sys
import tempfile

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATASETS = {
    # 14 NAB files, 2 columns each: the time cell is half the parsing work
    "nab (14 files, 2 columns, 55,055 rows)": (
        ["--format", "nab", "--duplicates", "max"],
        sorted(glob.glob(os.path.join(SRC, "traces/data/nab/*.csv")))),
    # one EIA file, 14 columns
    "eia (1 file, 14 columns, 26,304 rows)": (
        ["--time-col", "date_time_utc", "--value-col", "*", "--duplicates", "max"],
        [os.path.join(SRC, "traces/data/eia/eia_13regions_demand_MW_hourly_utc_2020_2022.csv")]),
}


def without_gaps(files, tz, tmp):
    """The files with the rows whose naive first-column time does not exist in tz (a
    daylight-saving gap, refused by sculpt since issue 13) left out, copied into tmp when
    any is; both the UTC and the zone runs read the copies, so they parse the same rows."""
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo
    z = ZoneInfo(tz)
    out = []
    for f in files:
        with open(f, newline="") as fh:
            lines = fh.readlines()
        keep = lines[:1]
        for line in lines[1:]:
            cell = line.split(",", 1)[0].strip().strip('"')
            try:
                t = datetime.strptime(cell[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=z)
            except ValueError:
                keep.append(line)
                continue
            back = t.astimezone(timezone.utc).astimezone(z).replace(tzinfo=None)
            if back == t.replace(tzinfo=None):
                keep.append(line)
        if len(keep) == len(lines):
            out.append(f)
            continue
        copy = os.path.join(tmp, "nogap_" + os.path.basename(f))
        with open(copy, "w", newline="") as fh:
            fh.writelines(keep)
        print(f"({os.path.basename(f)}: {len(lines) - len(keep)} rows in {tz} gaps left out)")
        out.append(copy)
    return out


def cpu_of(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tz", default="Europe/London")
    ap.add_argument("binaries", nargs="+")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench_import_")
    print(f"| binary | data | UTC CPU s | {a.tz} CPU s | ratio |")
    print("|---|---|---|---|---|")
    for name, (opts, files) in DATASETS.items():
        files = without_gaps(files, a.tz, tmp)
        times = {(b, z): [] for b in a.binaries for z in ("utc", "tz")}
        for r in range(a.runs):
            for b in a.binaries:
                for z in ("utc", "tz"):
                    store = os.path.join(tmp, f"s{r}.h5")
                    if os.path.exists(store):
                        os.remove(store)
                    cmd = [b, "trace", "import", *opts, "-o", store]
                    if z == "tz":
                        cmd += ["--tz", a.tz]
                    times[(b, z)].append(cpu_of(cmd + files))
        for b in a.binaries:
            u = statistics.median(times[(b, "utc")])
            t = statistics.median(times[(b, "tz")])
            print(f"| {b} | {name} | {u:.3f} | {t:.3f} | **{t / u:.2f}** |")
            sys.stdout.flush()
    for f in glob.glob(os.path.join(tmp, "*")):
        os.remove(f)
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
