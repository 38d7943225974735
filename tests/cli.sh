#!/usr/bin/env bash
# tests/cli.sh - the forkcollect command as a user runs it: outputs, files, exit codes.
# Usage: tests/cli.sh path/to/forkcollect path/to/tests/vectors
# shellcheck source=tests/clilib.sh
source "$(dirname "$0")/clilib.sh"

t_total_matches_python() {
  expect_status 0 "$FC" run --format json --count 4 --workers 2 &&
  grep -qx 'total: 20000046.726721354' "$WORK/out" &&   # math.fsum's; tests/cli_sum.sh has both sums
  [ "$(grep -c '^forked ' "$WORK/out")" -eq 2 ] &&
  [ "$(grep -c '^collected child [0-9]*: 2 records, 48 bytes' "$WORK/out")" -eq 2 ] &&
  no_leftovers
}

t_every_format_same_total() {
  local f
  for f in $("$FC" formats --names); do
    expect_status 0 "$FC" run --format $f --count 7 --workers 3 --iterations 1000 || return 1
    grep -qx 'total: 3484.221470286105' "$WORK/out" || { echo "  $f: $(grep total "$WORK/out")"; return 1; }
  done
  no_leftovers
}

t_keep_writes_python_bytes() {
  local d=$WORK/keep; mkdir -p "$d"
  expect_status 0 "$FC" run --count 5 --iterations 1000 --workers 1 --dir "$d" --keep &&
  [ "$(ls "$d" | wc -l)" -eq 1 ] &&
  ls "$d" | grep -Eq '^[0-9]+-[0-9]+\.json$' &&
  cmp -s "$d"/*.json "$VEC/json-1-5-iter1000.json" &&
  [ "$(stat -c %a "$d"/*.json)" = 600 ]
}

t_keep_private_dir_is_kept_and_named() {
  expect_status 0 "$FC" run --format msgpack --count 3 --workers 3 --iterations 10 --keep &&
  [ "$(grep -c "^  $TMPDIR/forkcollect-.*/[0-9]*-[0-9]*\.msgpack$" "$WORK/out")" -eq 3 ] &&
  rm -rf "$TMPDIR"/forkcollect-* && no_leftovers
}

t_wrong_flags_exit_2_with_one_line() {
  local args
  for args in "run --count abc" "run --count 0" "run --workers 0" "run --bogus" "run --format xml" \
              "run --count" "run extra" "frobnicate" "roundtrip --values odd" "convert" \
              "convert x.json" "dump" "formats extra" "run --start 18446744073709551615 --count 2"; do
    # shellcheck disable=SC2086
    expect_status 2 "$FC" $args || return 1
    [ "$(wc -l < "$WORK/err")" -eq 1 ] || { echo "  '$args': $(cat "$WORK/err")"; return 1; }
    [ ! -s "$WORK/out" ] || { echo "  '$args' printed to stdout"; return 1; }
  done
  expect_status 2 "$FC" frobnicate && grep -q "unknown command 'frobnicate'" "$WORK/err" || return 1
  local known; known=$("$FC" formats --names | paste -sd, | sed 's/,/, /g')
  expect_status 2 "$FC" run --format xml
  grep -qx "forkcollect run: --format: unknown format 'xml' (known: $known) (see 'forkcollect run --help')" "$WORK/err"
}

t_help_everywhere() {
  local c
  expect_status 0 "$FC" --help && grep -q '^  roundtrip' "$WORK/out" || return 1
  for c in run formats roundtrip convert dump compare scale; do
    expect_status 0 "$FC" $c --help && grep -q "^usage: forkcollect $c" "$WORK/out" || return 1
  done
}

# Every format built has its line (name, extension, library, version), in --names' order.
t_formats_lists_every_format_built() {
  local names; names=$("$FC" formats --names) && [ -n "$names" ] || return 1
  expect_status 0 "$FC" formats &&
  [ "$(awk 'NR > 1 && !/^[a-z0-9_]+ +not built: / && NF >= 4 {print $1}' "$WORK/out")" = "$names" ] &&
  grep -qE '^msgpack +msgpack +msgpack-c +[0-9]+\.[0-9]+' "$WORK/out" &&
  { ! grep -qx protobuf <<<"$names" || grep -qE '^protobuf +pb +protobuf-c +[0-9]+\.[0-9]+' "$WORK/out"; }
}

# Every pair of n formats bit-exact, or losing bits because one of them may (LOSES).
exact_or_declared_loss() {
  local n=$1 ok lost
  ok=$(sed -n 's/^\([0-9]*\) of [0-9]* pairs bit-exact$/\1/p' "$2")
  lost=$(sed -n 's/^\([0-9]*\) pairs\{0,1\} loses\{0,1\} bits, .*/\1/p' "$2")
  [ "$((ok + ${lost:-0}))" -eq "$((n * n))" ] || { echo "  $ok exact + ${lost:-0} lossy != $((n * n))"; return 1; }
}

t_roundtrip_edge_and_random() {
  local n; n=$("$FC" formats --names | wc -l)
  expect_status 0 "$FC" roundtrip --values edge &&
  exact_or_declared_loss "$n" "$WORK/out" &&
  expect_status 0 "$FC" roundtrip --values random --count 3000 --formats json,msgpack &&
  grep -qx '4 of 4 pairs bit-exact' "$WORK/out"
}

t_dump_prints_python_floats() {
  expect_status 0 "$FC" dump "$VEC/json-1-5-iter1000.json" &&
  [ "$(head -2 "$WORK/out")" = "$(printf '1 514.1370278623858\n2 504.02105253917426')" ] &&
  expect_status 0 "$FC" dump "$VEC/json-edge.json" &&
  grep -qx '3 5e-324' "$WORK/out" && grep -qx '10 nan' "$WORK/out" &&
  grep -qx '9 -inf' "$WORK/out" && grep -qx '18446744073709551615 0.5' "$WORK/out"
}

# json -> X -> json gives back Python's exact bytes, and X dumps as json does, for every
# format X built (its extension from `formats`).
t_convert_through_every_format() {
  local f ext src=$WORK/conv/edge.json
  mkdir -p "$WORK/conv" && cp "$VEC/json-edge.json" "$src"
  expect_status 0 "$FC" formats && cp "$WORK/out" "$WORK/formats" &&
  expect_status 0 "$FC" dump "$src" && cp "$WORK/out" "$WORK/dump.json" || return 1
  for f in $("$FC" formats --names); do
    [ "$f" != json ] || continue
    ext=$(awk -v f="$f" 'NR > 1 && $1 == f {print $2}' "$WORK/formats")
    if "$FC" convert "$src" --to "$f" >"$WORK/out" 2>"$WORK/err"; then :
    else # cjson, jansson: no NaN or Infinity, refused by name (tests/cli_jsonlibs.sh has more)
      grep -q "which JSON has no number for and $f does not write" "$WORK/err" || { cat "$WORK/err"; return 1; }
      continue
    fi
    expect_status 0 "$FC" dump "$WORK/conv/edge.$ext" || return 1
    cmp -s "$WORK/out" "$WORK/dump.json" || { echo "  $f: dump differs"; return 1; }
    expect_status 0 "$FC" convert "$WORK/conv/edge.$ext" --to json -o "$WORK/conv/back-$f.json" || return 1
    cmp -s "$WORK/conv/back-$f.json" "$src" || { echo "  $f: json differs"; return 1; }
  done
}

t_convert_never_overwrites() {
  mkdir -p "$WORK/ow" && cp "$VEC/json-edge.json" "$WORK/ow/a.json" && echo keep > "$WORK/ow/a.raw"
  expect_status 1 "$FC" convert "$WORK/ow/a.json" --to raw &&
  grep -q 'a.raw: cannot create: File exists (it exists; remove it or give -o OUT)' "$WORK/err" &&
  [ "$(cat "$WORK/ow/a.raw")" = keep ] && [ ! -e "$WORK/ow/a.raw.part" ]
}

t_corrupt_files_are_named() {
  mkdir -p "$WORK/bad"
  head -c 60 "$VEC/json-edge.json" > "$WORK/bad/cut.json"
  expect_status 1 "$FC" dump "$WORK/bad/cut.json" &&
  grep -qF "cut.json: not a valid json file (named by its extension): offset 60: expected ',' or '}' after a value, found the end of the file (if it is another format, give --from FORMAT)" "$WORK/err" &&
  printf 'hello' > "$WORK/bad/what.bin" &&
  expect_status 1 "$FC" dump "$WORK/bad/what.bin" &&
  grep -q "what.bin: cannot tell its format from its content or its name; give --from FORMAT" "$WORK/err" &&
  expect_status 1 "$FC" dump "$WORK/bad/what.bin" --from raw &&
  grep -q "what.bin: not a valid raw file (as given by --from)" "$WORK/err" &&
  expect_status 1 "$FC" dump "$WORK/bad/missing.json" &&
  grep -q "missing.json: cannot open: No such file or directory" "$WORK/err"
}

t_run_dir_problems() {
  expect_status 1 "$FC" run --count 2 --iterations 10 --dir "$WORK/nope" &&
  grep -qx "forkcollect run: $WORK/nope: No such file or directory" "$WORK/err" && no_leftovers
}

t_signals_stop_children_and_clean_up() {
  local sig want pid rc
  for sig in INT TERM; do
    want=$([ $sig = INT ] && echo 130 || echo 143)
    : >"$WORK/out" # now: the child's own > may come after the grep below read the last run's
    "$FC" run --count 4 --workers 2 --iterations 4000000000 >"$WORK/out" 2>"$WORK/err" &
    pid=$!
    for _ in $(seq 50); do grep -q '^forked.*keys 3' "$WORK/out" && break; sleep 0.1; done
    kill -$sig $pid; wait $pid; rc=$?
    [ $rc -eq "$want" ] || { echo "  SIG$sig: exit $rc"; return 1; }
    grep -q "interrupted by SIG$sig" "$WORK/err" || return 1
    pgrep -f 'iterations 4000000000' >/dev/null && { echo "  children still running"; return 1; }
    no_leftovers || return 1
  done
}

t_compare_json_holds_the_table() {
  expect_status 0 "$FC" compare --count 300 --repeat 2 --warmup 0 || return 1
  cp "$WORK/out" "$WORK/table"
  [ ! -s "$WORK/err" ] || { echo "  progress written to a non-terminal"; return 1; }
  "$FC" formats --names >"$WORK/names" &&
  expect_status 0 "$FC" compare --count 300 --repeat 2 --warmup 0 --output json || return 1
  python3 - "$WORK/out" "$WORK/table" "$WORK/names" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
table = open(sys.argv[2]).read().split("\n")
assert d["parameters"] == {"count": 300, "iterations": 100, "workers": d["parameters"]["workers"], "repeat": 2, "warmup": 0, "shape": "numbers"}
for k in ("cpu", "cpus", "kernel", "compiler", "cflags", "date", "build_type"):
    assert d["machine"][k] not in ("", None), k
assert [f["format"] for f in d["formats"]] == open(sys.argv[3]).read().split()
for f in d["formats"]:
    assert f["exact"] is True or f.get("values_changed", 0) > 0, f
    for view, keys in (("end_to_end", ("wall_ms", "encode_ns_per_record", "decode_ns_per_record")),
                       ("codec_alone", ("encode_ns_per_record", "decode_ns_per_record"))):
        for k in keys:
            s = f[view][k]
            assert 0 < s["min"] <= s["median"] <= s["max"], (f["format"], k, s)
    row = [l for l in table if l.startswith(f["format"] + " ")][0].split()
    assert int(row[1].rstrip("*")) == f["bytes"], (row, f["bytes"])
    assert int(row[3].rstrip("*")) == f["deflated_bytes"], (row, f["deflated_bytes"])
PY
}

t_compare_csv_markdown_chart() {
  expect_status 0 "$FC" compare --count 100 --repeat 1 --warmup 0 --formats raw,json --output csv \
    --chart "$WORK/c.svg" &&
  [ "$(wc -l < "$WORK/out")" -eq 3 ] && head -1 "$WORK/out" | grep -q '^format,library,version,bytes,' &&
  grep -q '^json,forkcollect,' "$WORK/out" &&
  grep -q '^<svg ' "$WORK/c.svg" && grep -q '>raw</text>' "$WORK/c.svg" && grep -q '>json</text>' "$WORK/c.svg" &&
  expect_status 0 "$FC" compare --count 100 --repeat 1 --warmup 0 --output markdown &&
  [ "$(grep -c '^| [a-z]* | [0-9]' "$WORK/out")" -eq "$("$FC" formats --names | wc -l)" ] &&
  expect_status 2 "$FC" compare --output xml
}

t_scale_table() {
  expect_status 0 "$FC" scale --count 4 --iterations 1000 --workers 2 --repeat 1 &&
  grep -Eq '^ +1 +1 +[0-9.]+ +\[.*\] +1\.00 +1\.00$' "$WORK/out" &&
  grep -Eq '^ +2 +2 +[0-9.]+ ' "$WORK/out"
}

# The promise: Python reads our files as the dict it would have computed itself.
t_python_agrees() {
  local d=$WORK/py; mkdir -p "$d"
  expect_status 0 "$FC" run --count 6 --start 4294967290 --iterations 700 --workers 2 --dir "$d" --keep || return 1
  python3 - "$d" "$(grep '^total' "$WORK/out")" <<'PY'
import glob, json, math, random, sys
def calc(n, it):
    random.seed(n); s = 0.0
    for _ in range(it): s += random.random()
    return s
merged = {}
for path in sorted(glob.glob(sys.argv[1] + "/*.json")):
    raw = open(path).read()
    d = {int(k): v for k, v in json.loads(raw).items()}
    assert raw == json.dumps({str(k): v for k, v in d.items()}), path   # Python's own bytes
    merged.update(d)
want = {n: calc(n, 700) for n in range(4294967290, 4294967296)}
assert merged == want, (merged, want)
assert sys.argv[2] == "total: " + repr(math.fsum(want.values())), sys.argv[2]
PY
}

t_timeout_reports_missing_keys() {
  expect_status 1 "$FC" run --count 3 --workers 3 --iterations 4000000000 --timeout 0.3 --save "$WORK/partial.raw" &&
  [ "$(grep -c 'still running after the 0.300 s timeout: killed with its process group' "$WORK/out")" -eq 3 ] &&
  grep -q 'forkcollect run: 3 of 3 children failed; 3 keys missing: 1..1 2..2 3..3; no total printed' "$WORK/err" &&
  grep -q "no record was collected, so $WORK/partial.raw was not written" "$WORK/err" &&
  [ ! -e "$WORK/partial.raw" ] && touch "$WORK/partial.raw" &&
  expect_status 2 "$FC" run --count 2 --iterations 10 --save "$WORK/partial.raw" &&
  grep -q 'exists; it is never overwritten' "$WORK/err" && rm "$WORK/partial.raw" &&
  expect_status 2 "$FC" run --timeout 0 && expect_status 2 "$FC" run --timeout abc &&
  expect_status 2 "$FC" run --retries 101 && no_leftovers
}

t_save_writes_the_merged_result() {
  expect_status 0 "$FC" run --count 5 --iterations 1000 --workers 2 --format raw --save "$WORK/all.json" &&
  grep -qx "saved: 5 records to $WORK/all.json (json)" "$WORK/out" &&
  cmp -s "$WORK/all.json" "$VEC/json-1-5-iter1000.json"
}

# A real full disk: a 16 KiB tmpfs (needs root and mount; said and skipped otherwise).
t_full_disk_is_reported_with_the_path() {
  local d=$WORK/full; mkdir -p "$d"
  if ! mount -t tmpfs -o size=16k tmpfs "$d" 2>/dev/null; then
    echo "  (skipped: cannot mount a tmpfs here)"; return 0
  fi
  expect_status 1 "$FC" run --count 2000 --workers 2 --iterations 1 --format json --dir "$d"
  local rc=$?
  local left; left=$(ls -A "$d")
  umount "$d"
  [ $rc -eq 0 ] && grep -Eq "\.json\.[0-9a-f]{16}\.part: write of [0-9]* bytes failed: No space left on device" "$WORK/out" &&
  [ -z "$left" ] || { echo "  left on the full disk: $left"; return 1; }
}

# Files go both ways between forkcollect and the reference implementations in another
# language: Python's msgpack, and Google's protobuf runtime with code protoc generates
# from our results.proto. Each reads ours as the same dict and writes the same bytes;
# we read what each writes.
t_reference_implementations_agree() {
  local d=$WORK/ref; mkdir -p "$d"
  if ! "$FC" formats --names | grep -qx protobuf; then
    echo "  (skipped: protobuf is not built in this build; see 'forkcollect formats')"; return 0
  fi
  expect_status 0 "$FC" run --count 7 --iterations 500 --workers 2 --format msgpack --save "$d/ours.msgpack" &&
  expect_status 0 "$FC" run --count 7 --iterations 500 --workers 3 --format protobuf --save "$d/ours.pb" &&
  protoc --python_out="$d" --proto_path="$PROTO_DIR" "$PROTO_DIR/results.proto" || return 1
  "$PY" - "$d" <<'PY' || return 1
import random, struct, sys
d = sys.argv[1]
sys.path.insert(0, d)
import msgpack, results_pb2
def calc(n, it):
    random.seed(n); s = 0.0
    for _ in range(it): s += random.random()
    return s
want = {n: calc(n, 500) for n in range(1, 8)}
ours = open(d + "/ours.msgpack", "rb").read()
assert msgpack.unpackb(ours, strict_map_key=False) == want
assert msgpack.packb(want) == ours, "Python's msgpack writes other bytes"
ours = open(d + "/ours.pb", "rb").read()
r = results_pb2.Results(); r.ParseFromString(ours)
assert r.count == 7 and dict(zip(r.keys, r.values)) == want
assert results_pb2.Results(count=7, keys=list(want), values=list(want.values())).SerializeToString() == ours
theirs = {0: -0.0, 2**64 - 1: float("inf"), 5: 5e-324, 6: 1e+22, 7: -2.5}
open(d + "/theirs.msgpack", "wb").write(msgpack.packb(theirs))
open(d + "/theirs.pb", "wb").write(results_pb2.Results(count=5, keys=list(theirs),
                                                       values=list(theirs.values())).SerializeToString())
PY
  local want; want=$(printf '0 -0.0\n18446744073709551615 inf\n5 5e-324\n6 1e+22\n7 -2.5')
  expect_status 0 "$FC" dump "$d/theirs.msgpack" && [ "$(cat "$WORK/out")" = "$want" ] &&
  expect_status 0 "$FC" dump "$d/theirs.pb" && [ "$(cat "$WORK/out")" = "$want" ]
}

# The reader of run's output goes away mid-run: the run still cleans up after itself.
t_compare_and_scale_clean_up_when_interrupted() {
  local cmd pid rc
  for cmd in "compare --count 400000 --repeat 3" "scale --count 8 --iterations 400000000 --repeat 2"; do
    # shellcheck disable=SC2086
    "$FC" $cmd >"$WORK/out" 2>"$WORK/err" &
    pid=$!
    for _ in $(seq 50); do [ -n "$(ls -A "$TMPDIR")" ] && break; sleep 0.05; done
    sleep 0.3
    kill -INT $pid; wait $pid; rc=$?
    [ $rc -eq 130 ] || { echo "  '$cmd': exit $rc"; cat "$WORK/err"; return 1; }
    grep -q "interrupted by SIGINT: children stopped, files removed" "$WORK/err" || return 1
    no_leftovers || return 1
  done
}

t_closed_output_leaves_nothing_behind() {
  "$FC" run --count 6 --workers 3 --iterations 3000000 2>"$WORK/err" | head -c 10 >/dev/null
  local rc=${PIPESTATUS[0]}
  [ "$rc" -eq 1 ] || { echo "  exit $rc"; return 1; }
  grep -q 'standard output was closed early; the run was still completed and cleaned up' "$WORK/err" &&
  no_leftovers
}

run_tests
