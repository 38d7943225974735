#!/usr/bin/env bash
# tests/cli_xdr.sh - the xdr format against Python's xdrlib (standard library in 3.11,
# deprecated there, removed in 3.13): xdrlib reads our files as proto/results.x says to
# the same keys and value bits, packs the same records to our bytes exactly, and we
# read what it writes. Skipped, with a message, when xdr is not built.
# shellcheck source=tests/clilib.sh
source "$(dirname "$0")/clilib.sh"
# shellcheck source=tests/interoplib.sh
source "$(dirname "$0")/interoplib.sh"

if ! "$FC" formats --names | grep -qx xdr; then
  echo "  (skipped: xdr is not built: $("$FC" formats | grep '^xdr '))"
  echo "0 passed, 0 failed"
  exit 0
fi

# xdrlib, without its DeprecationWarning (3.11 says it goes in 3.13).
cat >"$WORK/fcxdr.py" <<'PY'
import warnings
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

def redump(records, ours):
    """What xdrlib packs for the records of our file ours."""
    return dump(records)
PY

# Keys across 2^63 and up to 2^64-1 among them.
t_xdrlib_reads_our_files_and_packs_the_same_bytes() {
  interop_runs_check xdr
}

# Every edge, as Python writes it (tests/interoplib.sh).
t_we_read_what_xdrlib_writes() {
  interop_reads_edges xdr
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
  interop_convert_roundtrip xdr
}

run_tests
