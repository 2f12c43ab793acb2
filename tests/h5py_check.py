#!/usr/bin/python3
"""h5py_check.py - check a store written by tests/test_h5py.c from outside sculpt.

Opens FILE with h5py (an independent HDF5 reader) and checks the layout documented in
core/include/sculpt/tsdb.h and traces/README.md, and the values the C test wrote, which
are recomputed here from their definition (not read back from sculpt).  Prints one line
per failed check and exits 1 if any failed, 0 otherwise.

With --results, FILE is a `sculpt run -o` file of tests/fixtures/sim/unit.json instead:
the attributes of every runs/<label> group must be exactly the summary fields that
sim/results.h documents, with the documented types (listed here by hand, independent of
the schema table in sim/results_schema.h), and the documented identities between them must
hold.  (Results files use version-1 object headers, which have no "times not tracked"
flag for h5py to report; their reproducibility is checked by comparing bytes.)

Usage: /usr/bin/python3 tests/h5py_check.py FILE
       /usr/bin/python3 tests/h5py_check.py --results FILE
"""
import math
import sys

import h5py
import numpy as np

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def text(x):
    return x.decode("ascii") if isinstance(x, (bytes, np.bytes_)) else str(x)


def check_series(f, path, unit, step_ms, place_kind, t_expected, v_expected):
    check(path in f, f"{path} exists")
    if path not in f:
        return
    g = f[path]
    check(isinstance(g, h5py.Group), f"{path} is a group")
    check(text(g.attrs.get("unit", b"?")) == unit, f"{path} unit == {unit!r}")
    check(g.attrs["step_ms"].dtype == np.int64, f"{path} step_ms is int64")
    check(int(g.attrs["step_ms"]) == step_ms, f"{path} step_ms == {step_ms}")
    check(text(g.attrs["place_kind"]) == place_kind, f"{path} place_kind == {place_kind}")
    check(g.id.get_create_plist().get_obj_track_times() == 0,
          f"{path} group has object time tracking off")
    check(sorted(g.keys()) == ["t", "v"], f"{path} holds exactly t and v")
    for name, dtype in (("t", np.dtype("<i8")), ("v", np.dtype("<f8"))):
        d = g[name]
        check(d.dtype == dtype, f"{path}/{name} dtype {d.dtype} == {dtype}")
        check(d.ndim == 1, f"{path}/{name} is 1-D")
        check(d.maxshape == (None,), f"{path}/{name} is unlimited")
        check(d.chunks == (4096,), f"{path}/{name} chunks {d.chunks} == (4096,)")
        check(d.compression == "gzip", f"{path}/{name} deflate compressed")
        check(d.compression_opts == 4, f"{path}/{name} deflate level 4")
        check(d.shuffle is True, f"{path}/{name} shuffle filter")
        check(d.id.get_create_plist().get_obj_track_times() == 0,
              f"{path}/{name} has object time tracking off")
    t = g["t"][...]
    v = g["v"][...]
    check(len(t) == len(t_expected) and len(v) == len(v_expected),
          f"{path} length {len(t)} == {len(t_expected)}")
    if len(t) == len(t_expected):
        check(np.array_equal(t, np.array(t_expected, dtype=np.int64)), f"{path} t values")
        check(bool(np.all(np.diff(t) > 0)), f"{path} t strictly increasing")
    if len(v) == len(v_expected):
        ve = np.array(v_expected, dtype=np.float64)
        same = (v == ve) | (np.isnan(v) & np.isnan(ve))
        check(bool(np.all(same)), f"{path} v values (NaN where missing)")


# sim/results.h, "runs/<label>/ attrs", by hand
RUN_STRINGS = ["policy", "label"]
RUN_FLOATS = ["cost_usd", "cost_on_demand_usd", "cost_reserved_usd", "cost_spot_usd",
              "egress_usd", "penalty_usd", "penalised_cost_usd", "lower_bound_usd",
              "slo_attainment", "violation_minutes", "unserved_fraction",
              "idle_capacity_hours", "demand_unit_hours", "instance_hours", "slo_objective",
              "outage_violation_minutes"]
RUN_INTS = ["actions", "launches", "refused", "throttled", "interruptions", "decisions"]


def check_results(path):
    with h5py.File(path, "r") as f:
        check(text(f.attrs.get("schema", b"")) == "sculpt-results", "root schema attribute")
        check(int(f.attrs.get("schema_version", -1)) == 1, "root schema_version == 1")
        labels = sorted(f["runs"].keys())
        check(labels == ["reactive", "static"], "runs of unit.json: %s" % labels)
        for lab in labels:
            g = f["runs"][lab]
            names = set(g.attrs.keys())
            want = set(RUN_STRINGS + RUN_FLOATS + RUN_INTS)
            check(names == want, "runs/%s attrs: extra %s, missing %s"
                  % (lab, sorted(names - want), sorted(want - names)))
            for a in RUN_STRINGS:
                if a in g.attrs:
                    check(isinstance(g.attrs[a], (bytes, np.bytes_)), "runs/%s/%s string" % (lab, a))
            for a in RUN_FLOATS:
                if a in g.attrs:
                    check(np.asarray(g.attrs[a]).dtype == np.float64, "runs/%s/%s float64" % (lab, a))
            for a in RUN_INTS:
                if a in g.attrs:
                    check(np.asarray(g.attrs[a]).dtype == np.int64, "runs/%s/%s int64" % (lab, a))
            check(text(g.attrs.get("label", b"")) == lab, "runs/%s label attribute" % lab)
            check(text(g.attrs.get("policy", b"")) == lab, "runs/%s policy type" % lab)
            s = g.attrs
            if all(k in s for k in ("cost_usd", "egress_usd", "cost_on_demand_usd",
                                    "cost_reserved_usd", "cost_spot_usd", "penalty_usd",
                                    "penalised_cost_usd")):
                # the documented definitions: cost = instances by option + egress,
                # penalised = cost + penalty
                parts = (s["cost_on_demand_usd"] + s["cost_reserved_usd"] + s["cost_spot_usd"]
                         + s["egress_usd"])
                check(abs(parts - s["cost_usd"]) <= 1e-9 * max(1.0, abs(s["cost_usd"])),
                      "runs/%s cost_usd = options + egress" % lab)
                check(abs(s["cost_usd"] + s["penalty_usd"] - s["penalised_cost_usd"])
                      <= 1e-9 * max(1.0, abs(s["penalised_cost_usd"])),
                      "runs/%s penalised = cost + penalty" % lab)
            check(0.0 <= s.get("slo_attainment", -1) <= 1.0, "runs/%s slo in [0, 1]" % lab)
    print("h5py_check: %d failure(s)" % len(failures))
    return 1 if failures else 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--results":
        return check_results(sys.argv[2])
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    with h5py.File(sys.argv[1], "r") as f:
        check(text(f.attrs.get("schema", b"")) == "sculpt-tsdb", "root schema attribute")
        check(int(f.attrs.get("schema_version", -1)) == 1, "root schema_version == 1")
        check(list(f.keys()) == ["series"], "root holds only /series")
        check(sorted(f["series"].keys()) == ["shop"], "one app")
        check(sorted(f["series/shop"].keys()) == ["eu", "us-east-1"], "two places")

        # series 1: 5000 five-minute samples from 1.7e12 ms, v = k/4, missing at k % 97 == 5
        t1 = [1700000000000 + 300000 * k for k in range(5000)]
        v1 = [math.nan if k % 97 == 5 else k / 4 for k in range(5000)]
        check_series(f, "series/shop/us-east-1/cpu", "vCPU", 300000, "region", t1, v1)
        # series 2: irregular, three samples
        check_series(f, "series/shop/eu/requests", "", 0, "geo",
                     [1, 5, 100], [1.5, -2.0, 1e300])
    print("h5py_check: %d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
