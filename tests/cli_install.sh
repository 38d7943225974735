#!/usr/bin/env bash
# tests/cli_install.sh - forkcollect as installed software (issue 18): `cmake --install`
# and a C program built against the result with pkg-config and with find_package, the
# Debian package (cpack, dpkg -i, dpkg -r), the manual, the bash completion, --version,
# and compare's JSON against docs/compare-output.schema.json.
source "$(dirname "$0")/clilib.sh"
BUILD=$(cd "$(dirname "$FC")/.." && pwd)
SRC=$(cd "$VEC/../.." && pwd)

# --- --version and -V.
t_version() {
  local want; want=$(sed -nE 's/^project\(forkcollect VERSION ([0-9.]+).*/\1/p' "$SRC/CMakeLists.txt")
  expect_status 0 "$FC" --version || return 1
  [ "$(head -1 "$WORK/out")" = "forkcollect $want" ] && [ "$want" = 0.1.0 ] ||
    { echo "  first line '$(head -1 "$WORK/out")', expected 'forkcollect $want'"; return 1; }
  local type; type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
  grep -qx "build type: $type (.*)" "$WORK/out" || { echo "  no 'build type: $type'"; cat "$WORK/out"; return 1; }
  local name
  for name in $("$FC" formats --names); do
    local lib; lib=$("$FC" formats | awk -v n="$name" '$1 == n {print $3}')
    grep -q "^format $name: $lib " "$WORK/out" || { echo "  no line for format $name"; return 1; }
  done
  grep -qE '^reports: cJSON [0-9.]+, zlib [0-9.]+$' "$WORK/out" || { echo "  no cJSON/zlib line"; return 1; }
  cp "$WORK/out" "$WORK/version"
  expect_status 0 "$FC" -V && cmp -s "$WORK/out" "$WORK/version" || { echo "  -V differs"; return 1; }
  [ ! -s "$WORK/err" ]
}

# --- compare --output json against docs/compare-output.schema.json.
t_compare_json_schema() {
  "$PY" -c 'import jsonschema' 2>/dev/null || { echo "  python3-jsonschema is missing (scripts/bootstrap)"; return 1; }
  expect_status 0 "$FC" compare --count 100 --iterations 10 --repeat 1 --warmup 0 --workers 2 \
    --output json || return 1
  cp "$WORK/out" "$WORK/compare.json"
  "$PY" - "$SRC/docs/compare-output.schema.json" "$WORK/compare.json" <<'PY' || return 1
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
errors = [e.message for e in v.iter_errors(doc)]
assert not errors, errors
assert doc["schema_version"] == 1, doc["schema_version"]
# The schema holds: without schema_version, or with a format's size as a string, it fails.
bad = dict(doc); del bad["schema_version"]
assert not v.is_valid(bad)
bad = json.loads(json.dumps(doc)); bad["formats"][0]["bytes"] = "12"
assert not v.is_valid(bad)
PY
  no_leftovers
}

run_tests
