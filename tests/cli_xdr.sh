#!/usr/bin/env bash
# tests/cli_xdr.sh - the xdr format against Python's xdrlib (standard library in 3.11,
# deprecated there, removed in 3.13): xdrlib reads our files as proto/results.x says to
# the same keys and value bits, packs the same records to our bytes exactly, and we
# read what it writes. Skipped, with a message, when xdr is not built.
# shellcheck source=tests/clilib.sh
source "$(dirname "$0")/clilib.sh"

if ! "$FC" formats --names | grep -qx xdr; then
  echo "  (skipped: xdr is not built: $("$FC" formats | grep '^xdr '))"
  echo "0 passed, 0 failed"
  exit 0
fi

# xdrlib, without its DeprecationWarning (3.11 says it goes in 3.13).
cat >"$WORK/fcxdr.py" <<'PY'
import struct, warnings
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import xdrlib
MAGIC, REVISION = 0x46435844, 1

def load(data):
    """The records of an XDR result file, as results.x describes it."""
    u = xdrlib.Unpacker(data)
    assert u.unpack_uint() == MAGIC and u.unpack_uint() == REVISION
    records = u.unpack_array(lambda: (u.unpack_uhyper(), u.unpack_double()))
    u.done()  # raises if bytes are left
    return records

def dump(records):
    p = xdrlib.Packer()
    p.pack_uint(MAGIC)
    p.pack_uint(REVISION)
    p.pack_array(records, lambda r: (p.pack_uhyper(r[0]), p.pack_double(r[1])))
    return p.get_buffer()

bits = lambda records: [(k, struct.pack("<d", v)) for k, v in records]
PY

# check.py ITERATIONS FILE...: each file's keys are a range a..b-1; xdrlib reads it as
# calc's values bit for bit, and packs those records to the file's bytes exactly.
cat >"$WORK/check.py" <<'PY'
import random, sys
from fcxdr import load, dump, bits
def calc(n, it):
    random.seed(n); s = 0.0
    for _ in range(it): s += random.random()
    return s
it = int(sys.argv[1])
for path in sys.argv[2:]:
    got = open(path, "rb").read()
    back = load(got)
    keys = [k for k, _ in back]
    assert keys == list(range(keys[0], keys[0] + len(keys))), (path, "keys not a range")
    want = [(k, calc(k, it)) for k in keys]
    assert bits(back) == bits(want), (path, "xdrlib read other values")
    assert dump(want) == got, (path, "xdrlib packs other bytes", got[:40].hex())
PY

run_and_check() {
  local d=$WORK/$1 it=$2; shift 2
  mkdir -p "$d"
  expect_status 0 "$FC" run --format xdr --iterations "$it" --dir "$d" --keep "$@" || return 1
  PYTHONPATH=$WORK $PY "$WORK/check.py" "$it" "$d"/*.xdr
}

t_xdrlib_reads_our_files_and_packs_the_same_bytes() {
  run_and_check one 1000 --count 1 --workers 1 &&
    run_and_check thousand 100 --count 1000 --workers 2 &&
    run_and_check int63 10 --start 9223372036854775800 --count 16 --workers 2 &&
    run_and_check int64 10 --start 18446744073709551600 --count 16 --workers 2
}

# Python writes every edge (keys 0, 2^63-1, 2^63, 2^64-1; -0.0, subnormals, infinities,
# a NaN with a payload): dump prints what Python's repr prints, and convert to raw keeps
# every bit, the NaN's payload too.
t_we_read_what_xdrlib_writes() {
  PYTHONPATH=$WORK $PY - "$WORK/py.xdr" "$WORK/want" "$WORK/want.raw" <<'PY' || return 1
import struct, sys
from fcxdr import dump
nan = struct.unpack("<d", struct.pack("<Q", 0x7ff8000000000123))[0]
vals = [0.0, -0.0, 5e-324, -1.7976931348623157e308, float("inf"), float("-inf"), nan,
        0.1, 2.0**53 + 2]
keys = [0, 2**63 - 1, 2**63, 2**64 - 1, 1, 7, 99, 12345678901234567890, 3]
records = list(zip(keys, vals))
open(sys.argv[1], "wb").write(dump(records))
open(sys.argv[2], "w").write("".join(f"{k} {v!r}\n" for k, v in records))
open(sys.argv[3], "wb").write(b"".join(struct.pack("<Qd", k, v) for k, v in records))
PY
  expect_status 0 "$FC" dump "$WORK/py.xdr" && diff "$WORK/out" "$WORK/want" &&
    expect_status 0 "$FC" convert "$WORK/py.xdr" --to raw -o "$WORK/py.raw" &&
    cmp <(tail -c +25 "$WORK/py.raw") "$WORK/want.raw"
}

# Cut short, a byte too many, a key twice (as xdrlib packs it): refused, saying where.
t_damaged_files_are_refused_with_the_offset() {
  PYTHONPATH=$WORK $PY -c 'import sys
from fcxdr import dump
d = dump([(1, 0.5), (2, 0.25), (1, 0.75)])
open(sys.argv[1], "wb").write(d)
open(sys.argv[2], "wb").write(dump([(1, 0.5)])[:-1])
open(sys.argv[3], "wb").write(dump([(1, 0.5)]) + b"\0")' "$WORK/rep.xdr" "$WORK/cut.xdr" "$WORK/long.xdr" || return 1
  expect_status 1 "$FC" dump "$WORK/rep.xdr" &&
    grep -qF "offset 44 (record 2): key 1 again (first at offset 12, record 0); a result file holds each key once" "$WORK/err" &&
    expect_status 1 "$FC" dump "$WORK/cut.xdr" &&
    grep -qF "offset 8: the count says 1 records (16 bytes), and 15 bytes follow it: the file is truncated" "$WORK/err" &&
    expect_status 1 "$FC" dump "$WORK/long.xdr" &&
    grep -qF "offset 28: 1 bytes after the last of the 1 records the count declares" "$WORK/err"
}

t_convert_and_roundtrip() {
  expect_status 0 "$FC" roundtrip --formats raw,json,xdr --values edge &&
    expect_status 0 "$FC" roundtrip --formats xdr --values random --count 1000 &&
    printf '{"1": 0.5, "18446744073709551615": -0.0}' >"$WORK/c.json" &&
    expect_status 0 "$FC" convert "$WORK/c.json" --to xdr &&
    expect_status 0 "$FC" convert "$WORK/c.xdr" --to json -o "$WORK/back.json" &&
    cmp "$WORK/back.json" "$WORK/c.json" &&
    cp "$WORK/c.xdr" "$WORK/noext" && expect_status 0 "$FC" dump "$WORK/noext" &&
    [ "$(cat "$WORK/out")" = $'1 0.5\n18446744073709551615 -0.0' ]
}

run_tests
