#!/usr/bin/env bash
# libsculpt.so exports exactly its public API (issue 9: "a test checks that internal
# symbols are not exported").
#   test_exports.sh BUILD_DIR SOURCE_DIR
# Installs into BUILD/test-exports/prefix, then on the installed libsculpt.so:
#  - SONAME is libsculpt.so.<major>, and no OpenMP among its NEEDED libraries;
#  - every dynamic symbol it defines starts with sc_;
#  - every one is declared in an installed header (comments stripped; a declaration is
#    the name followed by "(", "[" or ";"), and nothing is exported from a header that
#    is not installed;
#  - every function declared in the internal headers (core/forecast/fcint.h, lstm.h,
#    core/sculpt/optimizer internals optint.h, core/base/rng_stream.h, sculpt/json.h) is
#    absent, and so are the named Kalman / LSTM / optimizer internals;
#  - the entry points of the embedding API are present.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$build/test-exports
rm -rf "$work"
cmake --install "$build" --prefix "$work/prefix" > /dev/null
lib=$(find "$work/prefix" -name 'libsculpt.so.*.*' | head -1)
inc=$work/prefix/include/sculpt
[ -n "$lib" ] || { echo "test_exports: FAIL: no libsculpt.so.X.Y installed"; exit 1; }
major=$(sed -n 's/^#define SC_VERSION_MAJOR \([0-9]*\)$/\1/p' "$inc/version.h")
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
nm -D --defined-only "$lib" | awk '{print $NF}' | sort -u > "$work/exported.txt"
python3 - "$work/exported.txt" "$inc" "$soname" "libsculpt.so.$major" "$needed" \
    "$src/core/forecast/fcint.h" "$src/core/forecast/lstm.h" "$src/core/sculpt/optint.h" \
    "$src/core/base/rng_stream.h" "$src/core/include/sculpt/json.h" \
    "$src/core/cloud/cloudint.h" <<'PY'
import glob, os, re, sys
exported_file, inc, soname, want_soname, needed = sys.argv[1:6]
internal_headers = sys.argv[6:]
exported = [l.strip() for l in open(exported_file) if l.strip()]
fails = []

def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)

if soname != want_soname:
    fails.append(f"SONAME is {soname!r}, expected {want_soname!r}")
for bad in ("libgomp",):  # libcurl: used by the cloud adapters (core/cloud) since issue 12
    if bad in needed:
        fails.append(f"{bad} is NEEDED but nothing in the library uses it: {needed}")

not_sc = [s for s in exported if not s.startswith("sc_")]
if not_sc:
    fails.append("exported without the sc_ prefix: " + " ".join(not_sc))

public = "\n".join(strip_comments(open(h).read()) for h in sorted(glob.glob(inc + "/*.h")))
undeclared = [s for s in exported
              if not re.search(r"\b" + re.escape(s) + r"\s*(\(|\[|;)", public)]
if undeclared:
    fails.append("exported but declared in no installed header: " + " ".join(undeclared))

internal = set()
for h in internal_headers:
    if os.path.exists(h):
        internal |= set(re.findall(r"\b(sc_\w+)\s*\(", strip_comments(open(h).read())))
named = {"sc_kalman_setup", "sc_kalman_filter", "sc_kalman_loglik", "sc_kalman_forecast",
         "sc_lstm_net_alloc", "sc_lstm_net_forward", "sc_lstm_model_train",
         "sc_opt_dq", "sc_opt_fill", "sc_rng_stream_alloc", "sc_json_parse",
         "sc_json_get_number"}
leaked = sorted((internal | named) & set(exported))
if leaked:
    fails.append("internal symbols exported: " + " ".join(leaked))
if len(internal) < 20:
    fails.append(f"only {len(internal)} internal functions found: header paths wrong?")

api = {"sc_global_init", "sc_version", "sc_version_string", "sc_scenario_load",
       "sc_scenario_free", "sc_world_build", "sc_world_free", "sc_run_policy",
       "sc_run_free", "sc_run_json", "sc_runs_json", "sc_error_print", "sc_policy_find",
       "sc_policy_register", "sc_provider_register", "sc_forecaster_alloc",
       "sc_optimizer_alloc"}
missing = sorted(api - set(exported))
if missing:
    fails.append("public API not exported: " + " ".join(missing))

for f in fails:
    print("test_exports: FAIL:", f)
print(f"test_exports: {len(exported)} exported symbols, {len(internal)} internal "
      f"functions checked absent; {'FAILED' if fails else 'passed'}")
sys.exit(1 if fails else 0)
PY
