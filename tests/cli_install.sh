#!/usr/bin/env bash
# tests/cli_install.sh - forkcollect as installed software (issue 18): `cmake --install`
# and a C program built against the result with pkg-config and with find_package, the
# Debian package (cpack, dpkg -i, dpkg -r), the manual, the bash completion, --version,
# and compare's JSON against docs/compare-output.schema.json.
source "$(dirname "$0")/clilib.sh"
BUILD=$(cd "$(dirname "$FC")/.." && pwd)
SRC=$(cd "$VEC/../.." && pwd)
MAN=$BUILD/docs/man/forkcollect.1
PREFIX=$WORK/prefix
# A sanitized build's library wants its runtime loaded first: nothing to install or link.
SANITIZED=""
grep -qE '^FC_(SANITIZE|FUZZ):BOOL=ON' "$BUILD/CMakeCache.txt" && SANITIZED=1
skip() { echo "  skipped: $*"; }

# The one installation into $PREFIX the install tests share.
install_prefix() {
  [ -e "$PREFIX/bin/forkcollect" ] && return 0
  cmake --install "$BUILD" --prefix "$PREFIX" >"$WORK/install.log" 2>&1 ||
    { echo "  cmake --install failed:"; sed 's/^/    /' "$WORK/install.log"; return 1; }
}

# The ten-line program: the registry and calc through the installed header and library.
PROGRAM='#include <forkcollect.h>
#include <stdio.h>

int main(void)
{
    const fc_codec *c = fc_codec_find("msgpack");
    if (!c)
        return 1;
    printf("%s .%s %a\n", c->name, c->extension, fc_calc(1, 10));
    return 0;
}'
# calc(1, 10): random.seed(1), then the sum of 10 random.random() left to right, as
# Python 3.11 sums them: 4.508091164800865, float.hex 0x1.208490ce0d336p+2.
PROGRAM_OUT="msgpack .msgpack 0x1.208490ce0d336p+2"

t_install_layout() {
  [ -n "$SANITIZED" ] && { skip "sanitized build"; return 0; }
  install_prefix || return 1
  local f
  for f in bin/forkcollect lib/libforkcollect.a lib/libforkcollect.so.0.1.0 \
           include/forkcollect.h lib/pkgconfig/forkcollect.pc \
           lib/cmake/forkcollect/forkcollectConfig.cmake \
           lib/cmake/forkcollect/forkcollectConfigVersion.cmake \
           share/man/man1/forkcollect.1 share/bash-completion/completions/forkcollect; do
    [ -f "$PREFIX/$f" ] || { echo "  not installed: $f"; return 1; }
  done
  [ "$(readlink "$PREFIX/lib/libforkcollect.so.0")" = libforkcollect.so.0.1.0 ] &&
    [ "$(readlink "$PREFIX/lib/libforkcollect.so")" = libforkcollect.so.0 ] ||
    { echo "  the shared library's symbolic links are wrong"; ls -l "$PREFIX/lib"; return 1; }
  objdump -p "$PREFIX/lib/libforkcollect.so.0.1.0" | grep -qE 'SONAME +libforkcollect\.so\.0$' ||
    { echo "  no SONAME libforkcollect.so.0"; return 1; }
  "$PREFIX/bin/forkcollect" formats --names | grep -qx msgpack || { echo "  installed forkcollect fails"; return 1; }
}

t_install_pkgconfig() {
  [ -n "$SANITIZED" ] && { skip "sanitized build"; return 0; }
  install_prefix || return 1
  local d=$WORK/pc; mkdir -p "$d"; printf '%s\n' "$PROGRAM" >"$d/prog.c"
  local pc="env PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig pkg-config"
  # shellcheck disable=SC2046
  cc -Werror -o "$d/prog" "$d/prog.c" $($pc --cflags --libs forkcollect) 2>"$WORK/err" ||
    { echo "  cc with pkg-config failed:"; cat "$WORK/err"; return 1; }
  # shellcheck disable=SC2046
  cc -Werror -o "$d/prog_static" "$d/prog.c" $($pc --cflags forkcollect) \
     "$PREFIX/lib/libforkcollect.a" $($pc --static --libs forkcollect | sed 's/-lforkcollect//') \
     2>"$WORK/err" || { echo "  static cc with pkg-config failed:"; cat "$WORK/err"; return 1; }
  [ "$(LD_LIBRARY_PATH=$PREFIX/lib "$d/prog")" = "$PROGRAM_OUT" ] &&
    [ "$("$d/prog_static")" = "$PROGRAM_OUT" ] || { echo "  the program printed something else"; return 1; }
  LD_LIBRARY_PATH=$PREFIX/lib ldd "$d/prog" | grep -q "$PREFIX/lib/libforkcollect.so.0" ||
    { echo "  prog does not use the installed libforkcollect.so.0"; return 1; }
}

t_install_cmake_package() {
  [ -n "$SANITIZED" ] && { skip "sanitized build"; return 0; }
  install_prefix || return 1
  local d=$WORK/cm; mkdir -p "$d"; printf '%s\n' "$PROGRAM" >"$d/prog.c"
  cat >"$d/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(use_forkcollect C)
find_package(forkcollect 0.1 REQUIRED)
add_executable(prog prog.c)
target_link_libraries(prog PRIVATE forkcollect::forkcollect)
add_executable(prog_static prog.c)
target_link_libraries(prog_static PRIVATE forkcollect::forkcollect_static)
CMAKE
  { cmake -S "$d" -B "$d/build" -DCMAKE_PREFIX_PATH="$PREFIX" && cmake --build "$d/build"; } \
    >"$WORK/out" 2>&1 || { echo "  the CMake project failed:"; sed 's/^/    /' "$WORK/out"; return 1; }
  [ "$("$d/build/prog")" = "$PROGRAM_OUT" ] && [ "$("$d/build/prog_static")" = "$PROGRAM_OUT" ] ||
    { echo "  the program printed something else"; return 1; }
  ldd "$d/build/prog" | grep -q "$PREFIX/lib/libforkcollect.so.0" ||
    { echo "  prog does not use the installed libforkcollect.so.0"; return 1; }
}

# --- The Debian package: installs into the machine's /usr, so as root only, one at a
# time (a lock), and removed again whatever happens (the subshell's EXIT trap).
deb_files() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ {print substr($6, 2)}'; }
deb_test() {
  local deb=$1
  trap 'dpkg -P forkcollect >/dev/null 2>&1' EXIT
  trap 'exit 1' INT TERM HUP
  dpkg --path-include='/usr/share/man/man1/forkcollect*' -i "$deb" >"$WORK/out" 2>&1 ||
    { echo "  dpkg -i failed:"; cat "$WORK/out"; return 1; }
  /usr/bin/forkcollect formats >"$WORK/out" 2>&1 && grep -q '^msgpack ' "$WORK/out" ||
    { echo "  forkcollect formats (installed) failed:"; cat "$WORK/out"; return 1; }
  MANPAGER=cat MANWIDTH=80 LC_ALL=C man forkcollect >"$WORK/out" 2>"$WORK/err" &&
    grep -qE 'forkcollect +- fork children' "$WORK/out" ||
    { echo "  man forkcollect failed:"; cat "$WORK/err" "$WORK/out"; return 1; }
  dpkg -r forkcollect >"$WORK/out" 2>&1 || { echo "  dpkg -r failed:"; cat "$WORK/out"; return 1; }
  local f left=""
  for f in $(deb_files "$deb"); do [ -e "$f" ] || [ -L "$f" ] && left="$left $f"; done
  [ -z "$left" ] || { echo "  left after dpkg -r:$left"; return 1; }
}

t_deb_package() {
  [ -n "$SANITIZED" ] && { skip "sanitized build"; return 0; }
  [ "$(id -u)" -eq 0 ] || { skip "dpkg -i needs root"; return 0; }
  exec 9>/tmp/forkcollect-deb-test.lock
  flock -w 120 9 || { echo "  another package test holds /tmp/forkcollect-deb-test.lock"; return 1; }
  if dpkg-query -W -f='${Status}' forkcollect 2>/dev/null | grep -q 'ok installed'; then
    skip "a forkcollect package is installed already: not replacing it"; return 0
  fi
  [ -e /usr/bin/forkcollect ] && { skip "/usr/bin/forkcollect exists"; return 0; }
  (cd "$WORK" && cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$WORK/deb") \
    >"$WORK/out" 2>&1 || { echo "  cpack failed:"; sed 's/^/    /' "$WORK/out"; return 1; }
  local deb; deb=$(ls "$WORK"/deb/forkcollect_*.deb) || return 1
  local depends; depends=$(dpkg-deb -f "$deb" Depends)
  local lib
  for lib in libmsgpackc2 libisal2 libc6; do
    [[ ", $depends," =~ ,\ $lib[\ ,] ]] || { echo "  Depends lacks $lib: $depends"; return 1; }
  done
  (deb_test "$deb")
}

# --- forkcollect(1): every command, every long flag of every --help, no groff warning.
t_man_every_flag() {
  [ -f "$MAN" ] || { echo "  $MAN was not generated"; return 1; }
  local text cmd flag missing=""
  text=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$MAN")
  for cmd in $("$FC" --help | awk '/^commands:/ {on = 1; next} on && NF {print $1} /^$/ {on = 0}'); do
    grep -q "^\.SS \"forkcollect $cmd" <<<"$text" || missing="$missing command:$cmd"
    for flag in $("$FC" "$cmd" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
      grep -qE -- "(^|[^a-z-])$flag([^a-z0-9-]|$)" <<<"$text" || missing="$missing $cmd:$flag"
    done
  done
  for flag in $("$FC" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
    grep -qE -- "(^|[^a-z-])$flag([^a-z0-9-]|$)" <<<"$text" || missing="$missing forkcollect:$flag"
  done
  [ -z "$missing" ] || { echo "  not in the manual:$missing"; return 1; }
  local section
  for section in NAME SYNOPSIS DESCRIPTION COMMANDS "FILE FORMATS" "EXIT STATUS" EXAMPLES; do
    grep -qE "^\.SH \"?$section\"?$" "$MAN" || { echo "  no $section section"; return 1; }
  done
  LC_ALL=C groff -man -ww -z "$MAN" 2>"$WORK/err" && [ ! -s "$WORK/err" ] ||
    { echo "  groff warns:"; cat "$WORK/err"; return 1; }
  grep -q "forkcollect $("$FC" --version | head -1 | cut -d' ' -f2)" "$MAN" ||
    { echo "  the manual does not name this version"; return 1; }
}

# --- bash completion: COMPREPLY for a command line, as bash would ask for it.
# complete_words WORD...: the last word is the one being completed.
complete_words() {
  PATH="$(dirname "$FC"):$PATH" bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _forkcollect forkcollect "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$SRC/completion/forkcollect.bash" forkcollect "$@"
}
expect_completion() { # WANT WORD...
  local want=$1 got; shift
  got=$(complete_words "$@" | sort | paste -sd' ')
  [ "$got" = "$want" ] || { echo "  'forkcollect $*<TAB>' gave '$got', expected '$want'"; return 1; }
}
t_completion() {
  expect_completion "$("$FC" formats --names | grep '^m' | sort | paste -sd' ')" run --format m &&
    expect_completion "msgpack" run --format ms &&
    expect_completion "compare convert" co &&
    expect_completion "$("$FC" formats --names | sort | paste -sd' ')" scale -f "" &&
    expect_completion "$("$FC" formats --names | grep "^j" | sort | paste -sd" ")" convert x.raw --to j &&
    expect_completion "$({ echo all; "$FC" formats --names | grep '^a'; } | sort | sed 's/^/raw,json,/' | paste -sd' ')" compare --formats raw,json,a &&
    expect_completion "raw,msgpack" roundtrip -f raw,ms &&
    expect_completion "--keep" run --k &&
    expect_completion "--warmup --workers" compare --w &&
    expect_completion "--from" dump x.bin --f &&
    expect_completion "" nosuchcommand --f &&
    expect_completion "--names" formats --n &&
    expect_completion "csv" compare -o c &&
    expect_completion "sequential" run --sum s &&
    expect_completion "--version" --v
}

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
