#!/usr/bin/env bash
# tests/cli_sum.sh - run's total against Python: math.fsum and 3.12+'s sum() by default,
# 3.11's sum() in key order with --sum sequential (README.md, "What it prints").
# Usage: tests/cli_sum.sh path/to/forkcollect path/to/tests/vectors
# shellcheck source=tests/clilib.sh
source "$(dirname "$0")/clilib.sh"

# Pythons whose sum() compensates (3.12 and later), where this machine has them.
NEW_PYS=()
for p in /root/.pyenv/versions/3.1[2-9]*/bin/python3; do [ -x "$p" ] && NEW_PYS+=("$p"); done
[ ${#NEW_PYS[@]} -gt 0 ] || echo "  note: no Python 3.12+ under /root/.pyenv/versions: its sum() is not checked"

# run_both NAME ARGS...: runs ARGS with each --sum and --save, leaving the two totals in
# $WORK/NAME.fsum and $WORK/NAME.seq and the records in $WORK/NAME.json.
run_both() {
  local name=$1; shift
  rm -f "$WORK/$name.json"
  expect_status 0 "$FC" run "$@" --save "$WORK/$name.json" && grep '^total: ' "$WORK/out" >"$WORK/$name.fsum" &&
  expect_status 0 "$FC" run "$@" --sum sequential && grep '^total: ' "$WORK/out" >"$WORK/$name.seq"
}

# check_against_python NAME: 3.11's math.fsum and key-order sum(), and 3.12+'s sum()
# when it is there, print the totals run printed.
check_against_python() {
  "$PY" - "$WORK/$1" <<'PY' || return 1
import json, math, sys
f = sys.argv[1]
d = {int(k): v for k, v in json.load(open(f + ".json")).items()}
assert sys.version_info[:2] == (3, 11), sys.version   # Debian 12's: sum() adds in order
assert open(f + ".fsum").read() == "total: %r\n" % math.fsum(d.values()), f
assert open(f + ".seq").read() == "total: %r\n" % sum(d[k] for k in sorted(d)), f
PY
  local p
  for p in "${NEW_PYS[@]}"; do
    "$p" -c 'import json, sys; f = sys.argv[1]; d = {int(k): v for k, v in json.load(open(f + ".json")).items()}
assert open(f + ".fsum").read() == "total: %r\n" % sum(d[k] for k in sorted(d)), (sys.version, f)' "$WORK/$1" || return 1
  done
}

# README's numbers: the course's 1..4 and 1..20, 10,000,000 iterations each.
t_course_totals_as_readme_says() {
  run_both four --count 4 --workers 2 && run_both twenty --count 20 --workers 2 &&
  [ "$(cat "$WORK/four.fsum")" = 'total: 20000046.726721354' ] &&
  [ "$(cat "$WORK/four.seq")" = 'total: 20000046.72672135' ] &&
  [ "$(cat "$WORK/twenty.fsum")" = 'total: 99994566.61574042' ] &&
  [ "$(cat "$WORK/twenty.seq")" = 'total: 99994566.61574045' ] &&
  check_against_python four && check_against_python twenty || return 1
  # The course's program on 3.11 adds the children's results in the order they end:
  # 1, 2 then 3, 4 gives one total, 3, 4 then 1, 2 the other (README.md).
  "$PY" - "$WORK/four.json" <<'PY'
import json, sys
d = {int(k): v for k, v in json.load(open(sys.argv[1])).items()}
assert repr(sum(d[k] for k in (1, 2, 3, 4))) == "20000046.72672135"
assert repr(sum(d[k] for k in (3, 4, 1, 2))) == "20000046.726721354"
PY
}

# Other sets of the course's numbers: other starts, counts and iterations.
t_other_sets_against_python() {
  local args i=0
  for args in "--count 7 --iterations 1000 --workers 3" "--count 50 --start 4294967000 --iterations 37 --workers 2" \
              "--count 200 --start 9 --iterations 1 --workers 2" "--count 33 --start 18446744073709551000 --iterations 300 --workers 3" \
              "--count 1 --iterations 0" "--count 120 --iterations 5000 --workers 2 --format msgpack"; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    run_both "set$i" $args && check_against_python "set$i" || { echo "  $args"; return 1; }
  done
  [ "$(cat "$WORK/set1.fsum")" = 'total: 3484.221470286105' ] && [ "$(cat "$WORK/set1.seq")" = 'total: 3484.2214702861047' ]
}

# README says 3.12's sum() gives math.fsum's value "for these numbers": not always.
t_python312_sum_is_not_always_fsum() {
  local p
  for p in "${NEW_PYS[@]}"; do
    "$p" -c 'import math; xs = [1e16, 1.0, 1e-16]; assert repr(sum(xs)) == "1e+16" and repr(math.fsum(xs)) == "1.0000000000000002e+16"' || return 1
  done
}

t_sum_flag_rejects_other_words() {
  expect_status 2 "$FC" run --count 1 --iterations 1 --sum kahan &&
  grep -qx "forkcollect run: --sum: 'kahan' is neither fsum (correctly rounded, the default) nor sequential (in key order) (see 'forkcollect run --help')" "$WORK/err" &&
  expect_status 2 "$FC" run --count 1 --iterations 1 --sum &&
  expect_status 0 "$FC" run --count 1 --iterations 1 --sum fsum && grep -qx 'total: 0.13436424411240122' "$WORK/out" &&
  no_leftovers
}

# docs/FORMATS.md, "Reading a result file from another program": every block there,
# exactly as written, reads our files as the dict Python's own random computes.
doc_blocks() { # writes the section's fenced blocks to $1/N.LANG, N from 1
  awk -v out="$1" '/^### Reading a result file from another program/ { on = 1; next }
    on && /^## / { on = 0 }
    on && /^```[a-z]+$/ { n++; f = out "/" n "." substr($0, 4); next }
    on && /^```$/ { f = ""; next }
    on && f != "" { print > f }' "$(dirname "$0")/../docs/FORMATS.md"
}

t_documented_readers_work() {
  local d=$WORK/readers f; mkdir -p "$d/src"
  doc_blocks "$d/src" &&
  [ "$(cd "$d/src" && ls | tr '\n' ' ')" = '1.python 2.python 3.sh 4.python 5.python 6.c ' ] || { echo "  blocks: $(ls "$d/src")"; return 1; }
  for f in $("$FC" formats --names); do # each block below reads the formats built
    expect_status 0 "$FC" run --format $f --count 9 --start 18446744073709551600 --iterations 300 --workers 2 --save "$d/ours.$f" || return 1
  done
  ln -s "$PROTO_DIR" "$d/proto" && (cd "$d" && bash src/3.sh) && [ -f "$d/results_pb2.py" ] || return 1
  "$PY" - "$d" <<'PY' || return 1
import os, random, sys
d0 = sys.argv[1]
sys.path.insert(0, d0)
def calc(n, it):
    random.seed(n); s = 0.0
    for _ in range(it): s += random.random()
    return s
want = {n: calc(n, 300) for n in range(2**64 - 16, 2**64 - 7)}
for block, fmt in (("1", "json"), ("2", "msgpack"), ("4", "protobuf"), ("5", "raw")):
    scope = {"path": os.path.join(d0, "ours." + fmt)}
    if not os.path.exists(scope["path"]):
        continue  # a format this build does not hold
    exec(open(os.path.join(d0, "src", block + ".python")).read(), scope)
    assert scope["d"] == want, (fmt, scope["d"])
# Without strict_map_key=False, Python's msgpack refuses our file and its own packb.
import msgpack
for data in (open(os.path.join(d0, "ours.msgpack"), "rb").read(), msgpack.packb(want)):
    try:
        msgpack.unpackb(data)
        raise SystemExit("msgpack read int keys without strict_map_key=False")
    except ValueError as e:
        assert str(e) == "int is not allowed for map key when strict_map_key=True", e
PY
  { grep '^#include' "$d/src/6.c"; echo '#include <stdio.h>'
    echo 'int main(int argc, char **argv) { const char *path = argv[1]; (void)argc;'
    grep -v '^#include' "$d/src/6.c"; echo 'return 0; }'; } >"$d/tpl_reader.c"
  if ! command -v cc >/dev/null || ! pkg-config --exists libtpl || [ ! -f "$d/ours.tpl" ]; then
    echo "  note: no C compiler, libtpl or tpl format: the C block is not compiled"; return 0
  fi
  # shellcheck disable=SC2046
  cc -std=c11 -Wall -Werror -o "$d/tpl_reader" "$d/tpl_reader.c" $(pkg-config --cflags --libs libtpl) &&
  "$d/tpl_reader" "$d/ours.tpl" >"$d/tpl.out" &&
  "$FC" dump "$d/ours.tpl" | "$PY" -c 'import sys; a = [l.split() for l in open(sys.argv[1])]; b = [l.split() for l in sys.stdin]
assert [(int(k), float(v)) for k, v in a] == [(int(k), float(v)) for k, v in b] and len(a) == 9, (a, b)' "$d/tpl.out"
}

run_tests
