#!/usr/bin/env bash
# tests/cli_avro.sh - the avro format against Apache Avro's Python library (Debian's
# python3-avro 1.11): DataFileReader reads our container files as one Results datum
# with the same keys (a key >= 2^63 as the long of the same bits) and value bits;
# DataFileWriter, given our sync marker and schema text, writes our bytes exactly; and
# we read what it writes. Skipped, with a message, when avro is not built.
# shellcheck source=tests/clilib.sh
source "$(dirname "$0")/clilib.sh"
# shellcheck source=tests/interoplib.sh
source "$(dirname "$0")/interoplib.sh"

if ! "$FC" formats --names | grep -qx avro; then
  echo "  (skipped: avro is not built: $("$FC" formats | grep '^avro '))"
  echo "0 passed, 0 failed"
  exit 0
fi
if ! $PY -c 'import avro.datafile' 2>/dev/null; then
  echo "  (skipped: Python's avro is not installed: apt-get install python3-avro)"
  echo "0 passed, 0 failed"
  exit 0
fi

cat >"$WORK/fcavro.py" <<PY
import io
import avro.schema
from avro.datafile import DataFileReader, DataFileWriter
from avro.io import DatumReader, DatumWriter
SCHEMA = avro.schema.parse(open("$PROTO_DIR/results.avsc").read())

def load(data):
    """The records of a result file: one Results datum; keys back to uint64."""
    with DataFileReader(io.BytesIO(data), DatumReader()) as r:
        datums = list(r)
    assert len(datums) == 1, len(datums)
    return [(x["key"] % 2**64, x["value"]) for x in datums[0]["records"]]

def dump(records, sync=None, schema_text=None, codec="null"):
    """A container file of one Results datum; keys 2^63.. as negative longs."""
    out = io.BytesIO()
    w = DataFileWriter(out, DatumWriter(), SCHEMA, codec=codec)
    if sync is not None:
        w.sync_marker = sync
    if schema_text is not None:
        w.schema = schema_text
    w.append({"records": [{"key": k - 2**64 if k >= 2**63 else k, "value": v}
                          for k, v in records]})
    w.flush()
    return out.getvalue()

def redump(records, ours):
    """What DataFileWriter writes for the records of our file ours, given its sync
    marker and its schema's text (the two things a writer chooses)."""
    with DataFileReader(io.BytesIO(ours), DatumReader()) as r:
        assert r.codec == "null" and r.sync_marker == ours[-16:]
        text = r.get_meta("avro.schema").decode()
    return dump(records, ours[-16:], text)
PY


# Keys across 2^63 (the longs' sign) and up to 2^64-1 (the long -1).
t_python_avro_reads_our_files_and_writes_the_same_bytes() {
  interop_runs_check avro
}

# What DataFileWriter writes on its own (a random sync marker, Python's text of the
# schema), every edge (tests/interoplib.sh).
t_we_read_what_python_avro_writes() {
  interop_reads_edges avro
}

# Valid Avro that is not a result file, and damaged files: refused, saying what and where.
t_other_and_damaged_files_are_refused() {
  PYTHONPATH=$WORK $PY - "$WORK" <<'PY' || return 1
import io, sys, avro.schema
from avro.datafile import DataFileWriter
from avro.io import DatumWriter
from fcavro import dump, SCHEMA
d = sys.argv[1]
open(d + "/rep.avro", "wb").write(dump([(1, 0.5), (2, 0.25), (1, 0.75)]))
open(d + "/deflate.avro", "wb").write(dump([(1, 0.5)], codec="deflate"))
open(d + "/cut.avro", "wb").write(dump([(1, 0.5)])[:-1])
out = io.BytesIO()
w = DataFileWriter(out, DatumWriter(), SCHEMA)
w.append({"records": []}); w.append({"records": []}); w.flush()
open(d + "/two.avro", "wb").write(out.getvalue())
other = avro.schema.parse('{"type": "record", "name": "Results", "namespace": "forkcollect",'
  '"fields": [{"name": "records", "type": {"type": "array", "items": {"type": "record",'
  '"name": "Record", "fields": [{"name": "key", "type": "string"},'
  '{"name": "value", "type": "double"}]}}}]}')
out = io.BytesIO()
w = DataFileWriter(out, DatumWriter(), other)
w.append({"records": [{"key": "1", "value": 0.5}]}); w.flush()
open(d + "/string-keys.avro", "wb").write(out.getvalue())
PY
  expect_status 1 "$FC" dump "$WORK/rep.avro" &&
    grep -qE "offset [0-9]+ \(records\[2\]\): key 1 again \(first at offset [0-9]+, records\[0\]\); a result file holds each key once" "$WORK/err" &&
    expect_status 1 "$FC" dump "$WORK/deflate.avro" &&
    grep -qF '(avro.codec "deflate"); forkcollect reads codec "null" only' "$WORK/err" &&
    expect_status 1 "$FC" dump "$WORK/cut.avro" &&
    grep -qE "offset [0-9]+: the block of [0-9]+ bytes and its sync marker run past the end of the file: it is truncated" "$WORK/err" &&
    expect_status 1 "$FC" dump "$WORK/two.avro" &&
    grep -qF "a second datum; a result file is one forkcollect.Results datum" "$WORK/err" &&
    expect_status 1 "$FC" dump "$WORK/string-keys.avro" &&
    grep -qF "the writer's schema is not proto/results.avsc (a forkcollect.Results record of an array \"records\" of {long key, double value}), nor one that resolves to it" "$WORK/err"
}

# Schema resolution: a writer's schema with an int key, a float value, or the fields in
# the other order resolves to results.avsc (Avro's promotions, fields by name): read
# exactly, a negative int key as the uint64 of the same long. Another record name is
# refused (avro-c's resolver would crash on it).
t_writer_schemas_that_resolve_are_read() {
  PYTHONPATH=$WORK $PY - "$WORK" <<'PY' || return 1
import io, sys, avro.schema
from avro.datafile import DataFileWriter
from avro.io import DatumWriter
d = sys.argv[1]
def write(name, fields, records, record_name="Record"):
    s = avro.schema.parse('{"type": "record", "name": "Results", "namespace": "forkcollect",'
        '"fields": [{"name": "records", "type": {"type": "array", "items": {"type": "record",'
        '"name": "%s", "fields": %s}}}]}' % (record_name, fields))
    out = io.BytesIO()
    w = DataFileWriter(out, DatumWriter(), s)
    w.append({"records": records}); w.flush()
    open(d + "/" + name, "wb").write(out.getvalue())
int_float = '[{"name": "key", "type": "int"}, {"name": "value", "type": "float"}]'
write("int-float.avro", int_float,
      [{"key": 7, "value": 0.1}, {"key": -1, "value": -0.0}, {"key": 2**31 - 1, "value": 3e38}])
write("value-first.avro", '[{"name": "value", "type": "double"}, {"name": "key", "type": "long"}]',
      [{"key": 5, "value": 0.1}, {"key": 2**63 - 1, "value": -2.5}])
write("renamed.avro", int_float, [{"key": 7, "value": 0.5}], "Row")
PY
  expect_status 0 "$FC" dump "$WORK/int-float.avro" &&
    [ "$(cat "$WORK/out")" = $'7 0.10000000149011612
18446744073709551615 -0.0
2147483647 3.0000000054977558e+38' ] &&
    expect_status 0 "$FC" dump "$WORK/value-first.avro" &&
    [ "$(cat "$WORK/out")" = $'5 0.1
9223372036854775807 -2.5' ] &&
    expect_status 1 "$FC" dump "$WORK/renamed.avro" &&
    grep -qF "nor one that resolves to it" "$WORK/err"
}

t_convert_and_roundtrip() {
  interop_convert_roundtrip avro
}

run_tests
