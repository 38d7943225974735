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

run_tests
