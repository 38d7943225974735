#!/usr/bin/env bash
# tests/cli_inputs.sh - the files a person names to dump and convert: the extension
# before the content, two formats reading the same bytes refused, symlinks, FIFOs,
# pipes, standard input and output, sizes checked before reading, and convert's
# output written safely.
source "$(dirname "$0")/clilib.sh"

IN=$WORK/in
mkdir -p "$IN"
FC=$(realpath "$FC") VEC=$(realpath "$VEC")
cd "$WORK" || exit 1  # a mistaken "-o -" (an older binary) writes a file named "-" here
# A protobuf Results message that is also a msgpack map of 8 integer pairs, each key
# once (issue 11.4; the issue's own bytes repeat a key as msgpack, which is now refused).
printf '\x88\x07\x25\x1a\x08\x52\x3e\x15\x20\x0d\x5d\x78\x45\x08\x01\x10\x6d' > "$IN/amb.pb"
cp "$IN/amb.pb" "$IN/amb"
"$FC" convert "$VEC/json-1-5-iter1000.json" --to json -o "$IN/five.json" 2>/dev/null
for f in raw msgpack pb tpl; do
  "$FC" convert "$IN/five.json" --to $f -o "$IN/five.$f" 2>/dev/null
done
FIVE=$("$FC" dump "$IN/five.json")

t_the_extension_names_the_format() {
  expect_status 0 "$FC" dump "$IN/amb.pb" &&
  [ "$(cat "$WORK/out")" = "109 4.7125826997045506e+26" ] ||
    { echo "  amb.pb printed: $(head -3 "$WORK/out")"; return 1; }
}

t_two_formats_reading_the_same_bytes_are_refused() {
  expect_status 1 "$FC" dump "$IN/amb" &&
  [ "$(cat "$WORK/err")" = "forkcollect dump: $IN/amb: reads as protobuf (1 record) and as msgpack (8 records); its name does not say which: give --from protobuf or --from msgpack" ] &&
  [ ! -s "$WORK/out" ] &&
  expect_status 0 "$FC" dump "$IN/amb" --from msgpack && [ "$(wc -l < "$WORK/out")" -eq 8 ]
}

# Python reads the bytes both ways too, as we do with --from: the ambiguity is the
# formats', not ours.
t_python_reads_the_ambiguous_bytes_both_ways() {
  local d=$WORK/py; mkdir -p "$d"
  protoc --python_out="$d" --proto_path="$PROTO_DIR" "$PROTO_DIR/results.proto" || return 1
  "$FC" dump "$IN/amb" --from msgpack > "$d/msgpack.txt" &&
  "$FC" dump "$IN/amb" --from protobuf > "$d/protobuf.txt" || return 1
  "$PY" - "$d" "$IN/amb" <<'PY'
import sys
d = sys.argv[1]
sys.path.insert(0, d)
import msgpack, results_pb2
b = open(sys.argv[2], "rb").read()
pairs = msgpack.unpackb(b, strict_map_key=False, object_pairs_hook=list)
assert len(pairs) == 8
assert open(d + "/msgpack.txt").read() == "".join(f"{k} {float(v)!r}\n" for k, v in pairs)
r = results_pb2.Results(); r.ParseFromString(b)
assert r.count == 1 and list(r.keys) == [109]
assert open(d + "/protobuf.txt").read() == f"109 {r.values[0]!r}\n"
PY
}

# name | content | --from | status | what stdout or stderr must hold
t_a_table_of_names_and_contents() {
  local row name src from want_rc want n=0
  while IFS='|' read -r name src from want_rc want; do
    n=$((n + 1))
    rm -f "$IN/t"*
    cp "$IN/$src" "$IN/$name"
    # shellcheck disable=SC2086
    expect_status "$want_rc" "$FC" dump "$IN/$name" $from || { echo "  row $n"; return 1; }
    if [ "$want_rc" -eq 0 ]; then
      [ "$(cat "$WORK/out")" = "$FIVE" ] || { echo "  row $n: wrong records"; return 1; }
    else
      grep -qF -- "$want" "$WORK/err" || { echo "  row $n: $(cat "$WORK/err")"; return 1; }
    fi
  done <<'ROWS'
t.raw|five.raw||0|
t.bin|five.raw||0|
t|five.msgpack||0|
t.data|five.pb||0|
t.TPL|five.tpl||0|
t.pb|five.json||1|not a valid protobuf file (named by its extension): offset 0: field 15 has wire type 3, which is a group or no type at all; results.proto has neither; it reads as json: give --from json
t.pb|five.json|--from json|0|
t.json|five.msgpack||1|not a valid json file (named by its extension): offset 0: expected '{' starting the object, found byte 0x85; it reads as msgpack: give --from msgpack
t.msgpack|five.tpl||1|it reads as tpl: give --from tpl
t.json|five.raw|--from tpl|1|not a valid tpl file (as given by --from)
t.bin|amb.pb||1|give --from protobuf or --from msgpack
ROWS
}

t_corrupt_input_errors_name_from() {
  head -c 40 "$IN/five.raw" > "$IN/cut.bin"
  expect_status 1 "$FC" dump "$IN/cut.bin" &&
  grep -qF "cut.bin: not a valid raw file (recognised from its content): offset 8: header declares 5 records (80 bytes), the file has 16 bytes after the header (if it is another format, give --from FORMAT)" "$WORK/err"
}

t_symlinks_stdin_and_process_substitution_are_read() {
  ln -sf "$IN/five.msgpack" "$IN/link.msgpack"
  expect_status 0 "$FC" dump "$IN/link.msgpack" && [ "$(cat "$WORK/out")" = "$FIVE" ] || return 1
  expect_status 0 "$FC" dump /dev/stdin < "$IN/five.pb" && [ "$(cat "$WORK/out")" = "$FIVE" ] || return 1
  expect_status 0 "$FC" dump - < "$IN/five.tpl" && [ "$(cat "$WORK/out")" = "$FIVE" ] || return 1
  expect_status 0 "$FC" dump <(cat "$IN/five.raw") && [ "$(cat "$WORK/out")" = "$FIVE" ] || return 1
  [ "$(cat "$IN/five.json" | "$FC" dump -)" = "$FIVE" ] || return 1
  expect_status 0 "$FC" convert <(cat "$IN/five.json") --to raw -o "$IN/subst.raw" &&
  cmp -s "$IN/subst.raw" "$IN/five.raw"
}

t_a_fifo_without_writer_is_an_error_not_a_hang() {
  mkfifo "$IN/fifo"
  expect_status 1 timeout 10 "$FC" dump "$IN/fifo" &&
  [ "$(cat "$WORK/err")" = "forkcollect dump: $IN/fifo: a FIFO with no writer (none came within 1000 ms): start what writes to it first" ] &&
  expect_status 1 timeout 10 "$FC" convert "$IN/fifo" --to raw -o "$IN/fifo.raw" &&
  [ ! -e "$IN/fifo.raw" ]
}

t_a_fifo_with_a_writer_is_read() {
  mkfifo "$IN/fifo2"
  (sleep 0.2; cat "$IN/five.pb" > "$IN/fifo2") &
  expect_status 0 timeout 10 "$FC" dump "$IN/fifo2" --from protobuf; local rc=$?
  wait
  [ $rc -eq 0 ] && [ "$(cat "$WORK/out")" = "$FIVE" ]
}

t_an_empty_pipe_is_named() {
  true | "$FC" dump - 2>"$WORK/err"; local rc=$?
  [ $rc -eq 1 ] && [ "$(cat "$WORK/err")" = "forkcollect dump: standard input: a FIFO or pipe whose writer wrote nothing" ]
}

# The size first (a 2 GiB sparse file used to take 2.1 GB of memory), then the format.
t_sizes_are_checked_before_reading() {
  truncate -s 2G "$IN/big.raw"
  # 300 MB of address space, where the binary starts under it (ASan's cannot).
  local limit=300000
  ( ulimit -v $limit; "$FC" --version ) >/dev/null 2>&1 || limit=unlimited
  ( ulimit -v $limit; "$FC" dump "$IN/big.raw" ) >"$WORK/out" 2>"$WORK/err"; local rc=$?
  rm -f "$IN/big.raw"
  [ $rc -eq 1 ] &&
  [ "$(cat "$WORK/err")" = "forkcollect dump: $IN/big.raw: 2147483648 bytes, more than the limit of 1073741824 bytes for a result file (give --max-size BYTES to read it)" ] || return 1
  expect_status 1 "$FC" dump "$IN/five.json" --max-size 120 &&
  grep -qF "five.json: 121 bytes, more than the limit of 120 bytes" "$WORK/err" &&
  expect_status 0 "$FC" dump "$IN/five.json" --max-size 121 &&
  expect_status 1 timeout 10 "$FC" dump /dev/zero --from raw --max-size 100000 &&
  [ "$(cat "$WORK/err")" = "forkcollect dump: /dev/zero: more than the limit of 100000 bytes for a result file (give --max-size BYTES to read more)" ] &&
  expect_status 2 "$FC" convert "$IN/five.json" --to raw --max-size 0
}

t_a_directory_is_named() {
  expect_status 1 "$FC" dump "$IN" &&
  [ "$(cat "$WORK/err")" = "forkcollect dump: $IN: is a directory, not a result file" ]
}

t_convert_writes_to_standard_output() {
  "$FC" convert "$IN/five.json" --to msgpack -o - 2>"$WORK/err" > "$IN/out.bin" &&
  cmp -s "$IN/out.bin" "$IN/five.msgpack" &&
  grep -qF "five.json (json, 5 records) -> standard output (msgpack, 51 bytes)" "$WORK/err" || return 1
  [ "$("$FC" convert - --to tpl -o - < "$IN/five.raw" 2>/dev/null | "$FC" dump - --from tpl)" = "$FIVE" ] || return 1
  expect_status 2 "$FC" convert - --to json < "$IN/five.raw" &&
  grep -qF "reading standard input: give -o OUT (- for standard output)" "$WORK/err" &&
  expect_status 2 "$FC" convert "$IN/five.json" -o - &&
  grep -qF -- "--to FORMAT is required" "$WORK/err"
}

# -o goes through the safe writer: a symlink planted at OUT or OUT.part is never
# followed, an existing file never overwritten, nothing left behind on failure.
t_convert_output_never_follows_a_symlink() {
  local d=$WORK/planted; mkdir -p "$d"
  echo victim > "$d/victim"
  ln -s "$d/victim" "$d/out.raw"
  expect_status 1 "$FC" convert "$IN/five.json" --to raw -o "$d/out.raw" &&
  grep -qF "$d/out.raw: cannot create: File exists (it exists; remove it or give -o OUT)" "$WORK/err" &&
  [ "$(cat "$d/victim")" = victim ] && [ -L "$d/out.raw" ] && [ ! -e "$d/out.raw.part" ] || return 1
  # The file is written unnamed (O_TMPFILE) and then linked: a symlink planted at the
  # old temporary name is neither followed nor in the way.
  ln -s "$d/victim" "$d/two.raw.part"
  expect_status 0 "$FC" convert "$IN/five.json" --to raw -o "$d/two.raw" &&
  [ "$(cat "$d/victim")" = victim ] && [ -f "$d/two.raw" ] && [ ! -L "$d/two.raw" ] &&
  [ -L "$d/two.raw.part" ] || return 1
  ln -s "$d/nowhere" "$d/dangling.raw"
  expect_status 1 "$FC" convert "$IN/five.json" --to raw -o "$d/dangling.raw" &&
  [ ! -e "$d/nowhere" ] && [ ! -e "$d/dangling.raw.part" ]
}

t_convert_leaves_nothing_when_the_input_is_bad() {
  local d=$WORK/bad; mkdir -p "$d"
  head -c 50 "$IN/five.json" > "$d/cut.json"
  expect_status 1 "$FC" convert "$d/cut.json" --to raw -o "$d/cut.raw" &&
  [ -z "$(ls -A "$d" | grep -v '^cut.json$')" ]
}

run_tests
