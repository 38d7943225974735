#!/bin/bash
# The shapes beyond numbers through the commands: the records are scripts/shapes.py's,
# whatever the format, transport and number of children.
source "$(dirname "$0")/clilib.sh"
SHAPES_PY="$(dirname "$0")/../scripts/shapes.py"

# zlib.crc32 of shapes.py's JSON of the records of keys START..START+COUNT-1.
python_digest() {
  "$PY" -c "import sys, zlib, subprocess
b = subprocess.run([sys.executable, '$SHAPES_PY', '$1', '$2', '$3'], check=True,
                   capture_output=True).stdout
print('0x%08x' % zlib.crc32(b))"
}

holders() { "$FC" formats --names | while read -r f; do
  "$FC" run --shape "$1" --format "$f" --count 1 --workers 1 >/dev/null 2>&1 && echo "$f"; done; }

t_run_gives_pythons_records_in_every_format_and_transport() {
  local s f t want got n=0
  for s in ints log mesh doc; do
    want=$(python_digest "$s" 7 40) || return 1
    for f in $(holders "$s"); do
      for t in file pipe; do
        expect_status 0 "$FC" run --shape "$s" --format "$f" --start 7 --count 40 --workers 3 \
          --transport "$t" || return 1
        got=$(sed -n 's/^records: 40, their JSON.s CRC-32 \(0x[0-9a-f]*\) .*/\1/p' "$WORK/out")
        [ "$got" = "$want" ] || { echo "  $s $f $t: $got, Python $want"; return 1; }
        n=$((n + 1))
      done
    done
  done
  [ $n -ge 24 ] # json, msgpack and protobuf at least, both transports, four shapes
}

t_run_saves_records_python_reads() {
  expect_status 0 "$FC" run --shape doc --count 12 --workers 2 --save "$WORK/doc.json" &&
  "$PY" "$SHAPES_PY" doc 1 12 > "$WORK/want.json" &&
  cmp "$WORK/doc.json" "$WORK/want.json" &&
  grep -qx "saved: 12 records to $WORK/doc.json (json)" "$WORK/out"
}

t_run_refuses_a_format_without_the_shape() {
  local f=""
  for x in $("$FC" formats --names); do
    "$FC" run --shape mesh --format "$x" --count 1 --workers 1 >/dev/null 2>&1 || { f=$x; break; }
  done
  [ -n "$f" ] || { echo "  (every format holds mesh: nothing to refuse)"; return 0; }
  expect_status 2 "$FC" run --shape mesh --format "$f" &&
  grep -q "^forkcollect run: --format $f does not hold the mesh shape (yet); these do: " "$WORK/err"
}

t_run_names_the_shapes() {
  expect_status 2 "$FC" run --shape tweets &&
  [ "$(cat "$WORK/err")" = "forkcollect run: --shape: unknown shape 'tweets': give numbers, ints, log, mesh or doc (see 'forkcollect run --help')" ] &&
  expect_status 2 "$FC" run --shape input &&
  grep -q "'input' is your own data: give it with --input FILE" "$WORK/err"
}

# compare on a shape: only the formats that hold it, each exact, the rest named.
t_compare_a_shape_runs_its_holders_exactly() {
  local want
  want=$(holders log | paste -sd' ')
  expect_status 0 "$FC" compare --shape log --count 300 --repeat 1 --warmup 0 --output json &&
  "$PY" - "$WORK/out" "$want" <<'PY' &&
import json, sys
d = json.load(open(sys.argv[1]))
assert d["parameters"]["shape"] == "log", d["parameters"]
names = [f["format"] for f in d["formats"]]
assert names == sys.argv[2].split(), (names, sys.argv[2])
assert all(f["exact"] is True for f in d["formats"]), d["formats"]
PY
  { [ "$(holders log | wc -l)" = "$("$FC" formats --names | wc -l)" ] ||
    grep -q "^forkcollect compare: left out, as they do not hold the log shape yet: " "$WORK/err"; }
}

t_compare_on_your_own_data() {
  # A social-media dump as JSON Lines: the doc shape's records, one a line.
  "$PY" -c "import json, sys
sys.path.insert(0, '$(dirname "$0")/../scripts')
import shapes
for r in shapes.records('doc', 0, 40).values(): print(json.dumps(r))" > "$WORK/dump.jsonl" &&
  expect_status 0 "$FC" compare --input "$WORK/dump.jsonl" --repeat 1 --warmup 0 &&
  grep -q "^forkcollect compare: records 0..39 of $WORK/dump.jsonl (your data), " "$WORK/out" &&
  ! grep -q '^[a-z]* .* no$' "$WORK/out" &&
  printf '[{"a": 1}, {"a": 1, "a": 2}]' > "$WORK/bad.json" &&
  expect_status 1 "$FC" compare --input "$WORK/bad.json" &&
  [ "$(cat "$WORK/err")" = "forkcollect compare: --input $WORK/bad.json: offset 11: the object that starts here holds the key \"a\" twice (Python would keep the last one without a word)" ] &&
  expect_status 2 "$FC" compare --input "$WORK/dump.jsonl" --shape log
}

run_tests
