#!/usr/bin/env bash
# tests/cli_decoders.sh - what the readers refuse, from the command line, with Python as
# the writer of the files (issue 11.2, 11.3, 11.7; issue 10.17, 10.21).
source "$(dirname "$0")/clilib.sh"

# expect_refused FILE TEXT: dump and convert both exit 1 naming TEXT; convert leaves nothing.
expect_refused() {
  local f=$1 text=$2 before
  expect_status 1 "$FC" dump "$f" || return 1
  grep -qF -- "$text" "$WORK/err" || { echo "  dump: no '$text' in: $(cat "$WORK/err")"; return 1; }
  before=$(ls "$(dirname "$f")" | wc -l)
  expect_status 1 "$FC" convert "$f" --to raw -o "$WORK/conv-out.raw" || return 1
  grep -qF -- "$text" "$WORK/err" || { echo "  convert: no '$text' in: $(cat "$WORK/err")"; return 1; }
  [ ! -e "$WORK/conv-out.raw" ] && [ "$(ls "$(dirname "$f")" | wc -l)" -eq "$before" ]
}

t_python_repeated_key_is_refused_in_json() {
  mkdir -p "$WORK/dup"
  $PY -c 'import json, sys; json.dump({1: 0.5, "1": 0.7}, open(sys.argv[1], "w"))' "$WORK/dup/d.json"
  [ "$(cat "$WORK/dup/d.json")" = '{"1": 0.5, "1": 0.7}' ] || { echo "  python wrote $(cat "$WORK/dup/d.json")"; return 1; }
  expect_refused "$WORK/dup/d.json" "offset 11: key 1 again (first at offset 1); a result file holds each key once"
}

t_repeated_key_is_refused_in_msgpack() {
  mkdir -p "$WORK/dupm"
  # Python's msgpack keeps one key per dict; a map with a key twice is written by hand.
  $PY -c 'import msgpack, sys
open(sys.argv[1], "wb").write(b"\x82" + msgpack.packb(1) + msgpack.packb(0.5) + msgpack.packb(1) + msgpack.packb(0.7))' "$WORK/dupm/d.msgpack"
  expect_refused "$WORK/dupm/d.msgpack" "offset 11 (map entry 1): key 1 again (first at offset 1, map entry 0)"
}

t_integers_without_an_exact_double_are_refused() {
  mkdir -p "$WORK/int"
  $PY -c 'import json, msgpack, sys
json.dump({1: 2**53 + 1}, open(sys.argv[1] + "/a.json", "w"))
json.dump({1: 10**400}, open(sys.argv[1] + "/b.json", "w"))
open(sys.argv[1] + "/c.msgpack", "wb").write(msgpack.packb({1: 2**53 + 1}))' "$WORK/int"
  expect_refused "$WORK/int/a.json" "integer 9007199254740993 at offset 6 has no exact double" &&
    expect_refused "$WORK/int/b.json" "(401 digits) at offset 6 has no exact double" &&
    expect_refused "$WORK/int/c.msgpack" "integer 9007199254740993 at offset 2 has no exact double"
}

t_python_float_literals_still_read_as_python_reads_them() {
  mkdir -p "$WORK/flt"
  printf '{"1": 1e400, "2": 9007199254740993.0, "3": 9007199254740992}' > "$WORK/flt/f.json"
  expect_status 0 "$FC" dump "$WORK/flt/f.json" || return 1
  local want
  want=$($PY -c 'import json, sys
for k, v in json.load(open(sys.argv[1])).items(): print(k, repr(float(v)))' "$WORK/flt/f.json")
  [ "$(awk '{print $1, $2}' "$WORK/out")" = "$want" ] || { echo "  got $(cat "$WORK/out"), python: $want"; return 1; }
}

t_bom_is_named() {
  mkdir -p "$WORK/bom"
  printf '\xef\xbb\xbf{"1": 0.5}' > "$WORK/bom/b.json"
  expect_refused "$WORK/bom/b.json" "starts with a UTF-8 byte order mark (bytes ef bb bf)"
}

t_msgpack_nested_is_named_not_out_of_memory() {
  mkdir -p "$WORK/nest"
  $PY -c 'import sys; open(sys.argv[1], "wb").write(b"\x81\x01" + b"\x91" * 32 + b"\x01")' "$WORK/nest/n.msgpack"
  expect_refused "$WORK/nest/n.msgpack" "offset 2: map entry 0: the value is an array nested in the map, nested too deep"
}

t_raw_count_no_file_holds() {
  mkdir -p "$WORK/raw"
  $PY -c 'import sys; open(sys.argv[1], "wb").write(b"FCRW\x01\x00\x00\x00" + (2**60).to_bytes(8, "little") + bytes(8))' "$WORK/raw/c.raw"
  expect_refused "$WORK/raw/c.raw" "header declares 1152921504606846976 records, more than any file can hold"
}

t_protobuf_without_count_says_why() {
  mkdir -p "$WORK/pb"
  $PY -c 'import sys; open(sys.argv[1], "wb").write(bytes([0x12, 1, 1, 0x1a, 8, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f]))' "$WORK/pb/p.pb"
  expect_status 1 "$FC" dump --from protobuf "$WORK/pb/p.pb" &&
    grep -qF "the message has no count (field 1): every writer of results.proto must set it" "$WORK/err"
}

run_tests
