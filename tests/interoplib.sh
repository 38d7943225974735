#!/usr/bin/env bash
# tests/interoplib.sh - what the interop tests of a format against another language's
# library share (tests/cli_xdr.sh, tests/cli_avro.sh). A script sources it after
# clilib.sh and writes $WORK/fc<FORMAT>.py, a Python module with load(bytes) -> records
# (a list of (key, value)), dump(records) -> bytes, and redump(records, ours) -> the bytes
# the other library writes for records, taking what a writer may choose from our file.

# The course's function, as Python computes it.
cat >"$WORK/fccalc.py" <<'PY'
import random
def calc(n, it):
    random.seed(n); s = 0.0
    for _ in range(it): s += random.random()
    return s
PY

# check.py FORMAT ITERATIONS FILE...: each file's keys are a range a..b-1; the other
# library reads it as calc's values bit for bit, and writes those records to the file's
# bytes exactly.
cat >"$WORK/check.py" <<'PY'
import importlib, struct, sys
from fccalc import calc
fmt = importlib.import_module("fc" + sys.argv[1])
it = int(sys.argv[2])
bits = lambda records: [(k, struct.pack("<d", v)) for k, v in records]
for path in sys.argv[3:]:
    got = open(path, "rb").read()
    back = fmt.load(got)
    keys = [k for k, _ in back]
    assert keys == list(range(keys[0], keys[0] + len(keys))), (path, "keys not a range")
    want = [(k, calc(k, it)) for k in keys]
    assert bits(back) == bits(want), (path, "the library read other values")
    assert fmt.redump(want, got) == got, (path, "the library writes other bytes", got[:40].hex())
PY

# interop_run_and_check FORMAT DIR ITERATIONS RUN-ARGS...: run --keep into DIR, then
# check.py on every file.
interop_run_and_check() {
  local f=$1 d=$WORK/$2 it=$3; shift 3
  mkdir -p "$d"
  expect_status 0 "$FC" run --format "$f" --iterations "$it" --dir "$d" --keep "$@" || return 1
  PYTHONPATH=$WORK $PY "$WORK/check.py" "$f" "$it" "$d"/*."$f"
}

# Files of one record, of 1,000, and with keys across 2^63 and up to 2^64-1.
interop_runs_check() {
  interop_run_and_check "$1" one 1000 --count 1 --workers 1 &&
    interop_run_and_check "$1" thousand 100 --count 1000 --workers 2 &&
    interop_run_and_check "$1" int63 10 --start 9223372036854775800 --count 16 --workers 2 &&
    interop_run_and_check "$1" int64 10 --start 18446744073709551600 --count 16 --workers 2
}

# interop_reads_edges FORMAT: the other library writes every edge (keys 0, 2^63-1, 2^63,
# 2^64-1; -0.0, subnormals, infinities, a NaN with a payload): dump prints Python's
# repr, convert to raw keeps every bit, and the content alone tells the format.
interop_reads_edges() {
  local f=$1
  PYTHONPATH=$WORK $PY - "$f" "$WORK/py.$f" "$WORK/want" "$WORK/want.raw" <<'PY' || return 1
import importlib, struct, sys
dump = importlib.import_module("fc" + sys.argv[1]).dump
nan = struct.unpack("<d", struct.pack("<Q", 0x7ff8000000000123))[0]
vals = [0.0, -0.0, 5e-324, -1.7976931348623157e308, float("inf"), float("-inf"), nan,
        0.1, 2.0**53 + 2]
keys = [0, 2**63 - 1, 2**63, 2**64 - 1, 1, 7, 99, 12345678901234567890, 3]
records = list(zip(keys, vals))
open(sys.argv[2], "wb").write(dump(records))
open(sys.argv[3], "w").write("".join(f"{k} {v!r}\n" for k, v in records))
open(sys.argv[4], "wb").write(b"".join(struct.pack("<Qd", k, v) for k, v in records))
PY
  expect_status 0 "$FC" dump "$WORK/py.$f" && diff "$WORK/out" "$WORK/want" &&
    expect_status 0 "$FC" convert "$WORK/py.$f" --to raw -o "$WORK/py.raw" &&
    cmp <(tail -c +25 "$WORK/py.raw") "$WORK/want.raw" &&
    cp "$WORK/py.$f" "$WORK/noext" && expect_status 0 "$FC" dump "$WORK/noext" &&
    diff "$WORK/out" "$WORK/want"
}

# interop_convert_roundtrip FORMAT: roundtrip with raw and json, edge and random values;
# json -> FORMAT -> json gives the same bytes.
interop_convert_roundtrip() {
  local f=$1
  expect_status 0 "$FC" roundtrip --formats "raw,json,$f" --values edge &&
    expect_status 0 "$FC" roundtrip --formats "$f" --values random --count 1000 &&
    printf '{"1": 0.5, "18446744073709551615": -0.0}' >"$WORK/c.json" &&
    expect_status 0 "$FC" convert "$WORK/c.json" --to "$f" &&
    expect_status 0 "$FC" convert "$WORK/c.$f" --to json -o "$WORK/back.json" &&
    cmp "$WORK/back.json" "$WORK/c.json"
}
