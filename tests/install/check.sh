#!/usr/bin/env bash
# The installed library works for a program that knows only pkg-config (issue 9, item 6).
#   check.sh BUILD_DIR SOURCE_DIR
# 1. `cmake --install BUILD --prefix BUILD/install-check/prefix` (a fresh prefix).
# 2. The installed headers compile one by one, as C17 and as C++17, with no GSL, cJSON,
#    HDF5 or GLPK header among what they pull in (checked with cc -M).
# 3. examples/run_policy.c built with `cc $(pkg-config --cflags --libs sculpt)` only
#    (PKG_CONFIG_PATH at the prefix), and statically with `pkg-config --static`.
# 4. Both run on scenarios/demo.json for the default (first) policy and two labels; each
#    output must equal, key for key and value for value, the matching object of the
#    installed `sculpt run --json --policy LABEL` (parsed with python3's json module).
# 5. A CMake consumer (find_package(sculpt); sculpt::sculpt and sculpt::sculpt_static)
#    builds and gives the same.
# The prefix is moved after installing, so the relocatable sculpt.pc is checked too.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$build/install-check
rm -rf "$work"
mkdir -p "$work"
cc=${CC:-cc}
cxx=${CXX:-c++}

echo "install-check: cmake --install into a temporary prefix"
cmake --install "$build" --prefix "$work/installed" > "$work/install.log"
# Relocatable: the tree works from wherever it is moved to.
mv "$work/installed" "$work/prefix"
prefix=$work/prefix
pcfile=$(find "$prefix" -name sculpt.pc | head -1)
[ -n "$pcfile" ] || { echo "install-check: FAIL: no sculpt.pc installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pcfile")
libdir=$(pkg-config --variable=libdir sculpt)
incdir=$(pkg-config --variable=includedir sculpt)
for f in "$libdir/libsculpt.a" "$libdir/libsculpt.so" "$prefix/bin/sculpt" \
         "$incdir/sculpt/sculpt.h" "$incdir/sculpt/version.h"; do
  [ -e "$f" ] || { echo "install-check: FAIL: $f not installed"; exit 1; }
done
case "$(cd "$libdir" && pwd -P)/" in
  "$(cd "$prefix" && pwd -P)"/*) ;;
  *) echo "install-check: FAIL: sculpt.pc's libdir $libdir is outside the moved prefix"; exit 1;;
esac
[ ! -e "$incdir/sculpt/json.h" ] || { echo "install-check: FAIL: internal json.h installed"; exit 1; }

echo "install-check: every installed header compiles alone (C and C++), no GSL/cJSON/HDF5/GLPK"
fail=0
for h in "$incdir"/sculpt/*.h; do
  name=sculpt/$(basename "$h")
  printf '#include <%s>\nint sc_header_check_dummy;\n' "$name" > "$work/one.c"
  if ! "$cc" -std=c17 -Wall -Wextra -Wstrict-prototypes -Werror -I"$incdir" -c "$work/one.c" \
         -o "$work/one.o" 2> "$work/one.err"; then
    echo "  $name: does not compile alone as C"; cat "$work/one.err"; fail=1; continue
  fi
  if "$cc" -std=c17 -I"$incdir" -M "$work/one.c" | tr ' \\' '\n\n' |
       grep -E '/(gsl|cjson|hdf5|glpk)[^/]*(/|\.h)|/H5[A-Za-z]*\.h|/glpk\.h' > "$work/deps.txt"; then
    echo "  $name: pulls in a dependency's header:"; sed 's/^/    /' "$work/deps.txt"; fail=1
  fi
  cp "$work/one.c" "$work/one.cpp"
  if ! "$cxx" -std=c++17 -Wall -Wextra -Werror -I"$incdir" -fsyntax-only "$work/one.cpp" \
         2> "$work/one.err"; then
    echo "  $name: does not compile alone as C++"; cat "$work/one.err"; fail=1
  fi
done
[ $fail -eq 0 ] || { echo "install-check: FAIL: headers"; exit 1; }

echo "install-check: build examples/run_policy.c with pkg-config only"
# shellcheck disable=SC2046
"$cc" -std=c17 -Wall -Wextra -Werror "$src/examples/run_policy.c" \
      $(pkg-config --cflags --libs sculpt) -o "$work/run_policy"
# Static: the same flags with --static, libsculpt.a chosen over libsculpt.so by name.
# shellcheck disable=SC2046
"$cc" -std=c17 -Wall -Wextra -Werror "$src/examples/run_policy.c" \
      $(pkg-config --static --cflags --libs sculpt | sed 's/-lsculpt\b/-l:libsculpt.a/') \
      -o "$work/run_policy_static"
# (ldd's output is saved first: `ldd | grep -q` can end ldd with SIGPIPE, which
# pipefail would report as a failure.)
LD_LIBRARY_PATH= ldd "$work/run_policy_static" > "$work/ldd-static.txt"
if grep -q 'libsculpt\.so' "$work/ldd-static.txt"; then
  echo "install-check: FAIL: the static build links libsculpt.so"; exit 1
fi
LD_LIBRARY_PATH=$libdir ldd "$work/run_policy" > "$work/ldd-shared.txt"
grep -q "libsculpt\.so\.0 => $libdir" "$work/ldd-shared.txt" || {
  echo "install-check: FAIL: run_policy does not load libsculpt.so.0 from $libdir"
  cat "$work/ldd-shared.txt"; exit 1; }

echo "install-check: build a CMake consumer (find_package(sculpt))"
consumer=""
consumer_static=""
if cmake -S "$src/tests/install/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
         -DSCULPT_EXAMPLE="$src/examples/run_policy.c" > "$work/consumer.log" 2>&1 &&
   cmake --build "$work/consumer" >> "$work/consumer.log" 2>&1; then
  consumer=$work/consumer/run_policy_cmake
  consumer_static=$work/consumer/run_policy_cmake_static
else
  cat "$work/consumer.log"; echo "install-check: FAIL: CMake consumer"; exit 1
fi

scen=$src/scenarios/demo.json
compare() { # compare LABEL-or-empty PROGRAM... : one JSON object vs sculpt run --json
  local label=$1; shift
  local want=$work/want.json
  if [ -n "$label" ]; then
    "$prefix/bin/sculpt" run "$scen" --json --policy "$label" -j 1 > "$want"
  else
    "$prefix/bin/sculpt" run "$scen" --json -j 1 > "$want"
  fi
  for prog in "$@"; do
    LD_LIBRARY_PATH=$libdir "$prog" "$scen" ${label:+"$label"} > "$work/got.json"
    python3 - "$want" "$work/got.json" "${label:-}" "$(basename "$prog")" <<'PY'
import json, sys
want_all = json.load(open(sys.argv[1]))
got = json.load(open(sys.argv[2]))
label, prog = sys.argv[3], sys.argv[4]
assert isinstance(want_all, list) and want_all, "sculpt run --json printed no array"
want = want_all[0] if not label else next(o for o in want_all if o["policy"] == label)
if not isinstance(got, dict):
    sys.exit(f"{prog}: output is not one JSON object")
if list(got.keys()) != list(want.keys()):
    sys.exit(f"{prog} {label or '(first)'}: keys differ: {list(got)} vs {list(want)}")
bad = [k for k in want if got[k] != want[k] or type(got[k]) is not type(want[k])]
if bad:
    sys.exit(f"{prog} {label or '(first)'}: values differ: " +
             ", ".join(f"{k}: {got[k]!r} != {want[k]!r}" for k in bad))
print(f"  {prog} {label or '(first: ' + want['policy'] + ')'}: {len(want)} keys equal")
PY
  done
}
compare "" "$work/run_policy" "$work/run_policy_static" "$consumer" "$consumer_static"
compare reactive "$work/run_policy" "$work/run_policy_static"
compare sculpt-on-demand "$work/run_policy" "$work/run_policy_static" "$consumer" \
        "$consumer_static"

# Bad input is a clear error, not a crash.
set +e
LD_LIBRARY_PATH=$libdir "$work/run_policy" "$scen" no-such-label > /dev/null 2> "$work/err.txt"
rc=$?
set -e
if [ $rc -ne 2 ] || ! grep -q "no-such-label" "$work/err.txt"; then
  echo "install-check: FAIL: unknown label gave exit $rc:"; cat "$work/err.txt"; exit 1
fi
echo "install-check: passed"
