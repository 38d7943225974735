#!/usr/bin/env bash
# tests/cli_bson.sh - the bson format from the command line, with Python's bson
# (python3-bson, pymongo's) as the other side: `run --format bson --keep` files are
# bson.encode of the dict Python's own random computes, keys as decimal strings, byte
# for byte; bson.decode reads every file we write to the same dict, bit for bit (NaN
# payloads too); keys 0, 2^63-1, 2^63 and 2^64-1 as their digits; what Python writes,
# int32 and int64 values included, we read; keys that are not canonical decimal
# integers, a key twice, values of other types and a wrong length are refused by offset
# (docs/FORMATS.md, "bson").
# Usage: tests/cli_bson.sh path/to/forkcollect path/to/tests/vectors
# shellcheck source=tests/clilib.sh
source "$(dirname "$0")/clilib.sh"

# shellcheck source=tests/keptfiles.sh
source "$(dirname "$0")/keptfiles.sh"
needs bson bson python3-bson

# Each file is bson.encode's bytes of the document it holds: doubles, under the decimal
# digits of increasing keys.
BSON_LOAD='doc = bson.decode(raw)
assert all(type(v) is float for v in doc.values()) and raw == bson.encode(doc)
d = {int(k): v for k, v in doc.items()}
assert list(d) == sorted(d) and [str(k) for k in d] == list(doc)'
check() { run_and_check bson bson "$BSON_LOAD" "$@"; }

# Files of 1 to 100,000 records; keys around 2^63 and up to 2^64-1, as digits.
t_run_keep_files_are_pythons_bytes() {
  check 1 1 1 20 && check 0 1000 2 3 && check 1 100000 2 1 &&
  check 9223372036854775800 16 2 30 && check 18446744073709551610 6 2 30 && no_leftovers
}

# Keys 0, 2^63-1, 2^63 and 2^64-1 and every edge double (NaN payloads, subnormals,
# infinities): Python reads them to the same digits and bits, and writes the same bytes.
t_edge_keys_and_values_both_ways() {
  local d=$WORK/edge; mkdir -p "$d"
  "$PY" - "$d" <<'PY' || return 1
import bson, struct, sys
d = {}
hexes = ["0000000000000000", "8000000000000000", "0000000000000001", "7fefffffffffffff",
         "7ff0000000000000", "fff0000000000000", "7ff8000000000000", "7ff0000000000001",
         "fff8000000000123", "3fb999999999999a", "c0e0000000000000", "000fffffffffffff"]
keys = [0, 2**63 - 1, 2**63, 2**64 - 1, 1, 9, 10, 99, 100, 2**53, 2**53 + 1, 10**19]
for k, h in zip(keys, hexes):
    d[str(k)] = struct.unpack(">d", bytes.fromhex(h))[0]
open(sys.argv[1] + "/py.bson", "wb").write(bson.encode(d))
open(sys.argv[1] + "/want.txt", "w").write("".join(f"{k} {h}\n" for k, h in zip(keys, hexes)))
PY
  expect_status 0 "$FC" convert "$d/py.bson" --to raw -o "$d/py.raw" &&
  "$PY" - "$d" <<'PY' || return 1
import struct, sys
b = open(sys.argv[1] + "/py.raw", "rb").read()
got = "".join(f"{k} {v.hex()}\n" for k, v in ((struct.unpack_from("<Q", b, o)[0], b[o + 8:o + 16][::-1]) for o in range(24, len(b), 16)))
assert got == open(sys.argv[1] + "/want.txt").read(), got
PY
  expect_status 0 "$FC" convert "$d/py.raw" --to bson -o "$d/ours.bson" &&
  cmp "$d/py.bson" "$d/ours.bson" &&
  "$PY" -c 'import bson, sys; d = bson.decode(open(sys.argv[1], "rb").read()); assert list(d)[:4] == ["0", "9223372036854775807", "9223372036854775808", "18446744073709551615"], list(d)' "$d/ours.bson"
}

# What Python writes with integer values: int32 and int64 (as Python's bson picks them),
# read as doubles when a double holds them exactly.
t_integer_values_when_exact() {
  local d=$WORK/ints; mkdir -p "$d"
  "$PY" - "$d" <<'PY' || return 1
import bson, sys
open(sys.argv[1] + "/ok.bson", "wb").write(bson.encode({"1": 5, "2": -2**31, "3": 2**53, "4": -2**63, "5": 0.5}))
open(sys.argv[1] + "/inexact.bson", "wb").write(bson.encode({"1": 0.5, "2": 2**53 + 1}))
PY
  expect_status 0 "$FC" dump "$d/ok.bson" &&
  [ "$(cat "$WORK/out")" = "$(printf '1 5.0\n2 -2147483648.0\n3 9007199254740992.0\n4 -9.223372036854776e+18\n5 0.5')" ] &&
  expect_status 1 "$FC" dump "$d/inexact.bson" &&
  grep -qF "integer 9007199254740993 at offset 18 has no exact double (the nearest is 9007199254740992.0; write that if it is meant)" "$WORK/err"
}

# Keys that are not canonical decimal integers, a key twice, values of other types, a
# nested document and a length field that is not the file's: refused, by offset.
t_wrong_documents_are_refused_with_their_offset() {
  local d=$WORK/bad; mkdir -p "$d"
  "$PY" - "$d" <<'PY' || return 1
import bson, sys
w = lambda name, b: open(f"{sys.argv[1]}/{name}.bson", "wb").write(b)
w("leading-zero", bson.encode({"01": 0.5}))
w("plus", bson.encode({"+1": 0.5}))
w("empty-key", bson.encode({"": 0.5}))
w("too-big", bson.encode({"18446744073709551616": 0.5}))
w("word", bson.encode({"a": 0.5}))
one = bson.encode({"1": 0.5})
w("repeat", (len(one) * 2 - 5).to_bytes(4, "little") + one[4:-1] + one[4:])
w("string", bson.encode({"1": "0.5"}))
w("nested", bson.encode({"1": {"2": 0.5}}))
w("null", bson.encode({"1": None}))
w("short", one[:-1])
w("after", one + b"\x00")
w("no-end", one[:-1] + b"\x01")
PY
  local cases=(
    'leading-zero:offset 4: element 0: the key "01" is not a decimal integer 0..18446744073709551615 as forkcollect writes keys (digits only, no sign, no leading zero)'
    'plus:offset 4: element 0: the key "+1" is not a decimal integer'
    'empty-key:offset 4: element 0: the key "" is not a decimal integer'
    'too-big:offset 4: element 0: the key "18446744073709551616" is not a decimal integer'
    'word:offset 4: element 0: the key "a" is not'
    'repeat:offset 15 (element 1): key 1 again (first at offset 4, element 0); a result file holds each key once'
    'string:offset 4: element 0: the value is a string (type 0x02), expected a double'
    'nested:offset 4: element 0: the value is an embedded document (type 0x03) nested in the document, expected a double: a result file is one flat document of keys to doubles'
    'null:offset 4: element 0: the value is a null (type 0x0a), expected a double'
    "short:offset 0: the document's length field says 16 bytes, but the file has 15: it is cut short"
    "after:offset 0: the document's length field says 16 bytes, but the file has 17: bytes after the document, which should end the file"
    'no-end:offset 15: a document ends with 00, not 0x01'
  )
  refused "$d" bson "${cases[@]}"
}

# Recognised from its content, the empty document too; converted and round-tripped.
t_detected_converted_and_round_tripped() {
  detected_converted_round_tripped bson &&
  printf '\x05\0\0\0\0' > "$WORK/empty" && expect_status 0 "$FC" dump "$WORK/empty" &&
  [ ! -s "$WORK/out" ]
}

run_tests
