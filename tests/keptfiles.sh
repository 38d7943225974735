#!/usr/bin/env bash
# tests/keptfiles.sh - what the scripts that check a format against a Python library share
# (cli_cbor.sh, cli_bson.sh); sourced after clilib.sh.
#
# needs FORMAT MODULE PACKAGE: ends the script, skipped with a note, when this build does
# not hold FORMAT or Python cannot import MODULE (from the Debian PACKAGE).
needs() {
  if ! "$FC" formats --names | grep -qx "$1"; then
    echo "  note: $1 not built, skipped"; echo "0 passed, 0 failed"; exit 0
  fi
  if ! "$PY" -c "import $2" 2>/dev/null; then
    echo "  note: Python's $2 ($3) is not installed, skipped"; echo "0 passed, 0 failed"; exit 0
  fi
}

# run_and_check FORMAT MODULE LOAD START COUNT WORKERS ITERATIONS: `run --keep` makes
# WORKERS files; Python (with MODULE imported) runs LOAD on each file's bytes `raw`, which
# asserts what it must of them and sets `d`, the dict {int key: float value}; together
# the files must hold calc(n) for n in START..START+COUNT-1, bit for bit.
run_and_check() {
  local f=$1 module=$2 load=$3 dir=$WORK/run-$4-$5-$6; mkdir -p "$dir"
  expect_status 0 "$FC" run --format "$f" --start "$4" --count "$5" --workers "$6" \
    --iterations "$7" --dir "$dir" --keep &&
  [ "$(ls "$dir" | grep -c "\.$f\$")" -eq "$6" ] &&
  "$PY" - "$dir" "$f" "$module" "$load" "$4" "$5" "$7" <<'PY'
import glob, importlib, random, struct, sys
dir, ext, module, load = sys.argv[1:5]
start, count, it = (int(a) for a in sys.argv[5:8])
def calc(n):
    random.seed(n); s = 0.0
    for _ in range(it): s += random.random()
    return s
merged = {}
for path in sorted(glob.glob(f"{dir}/*.{ext}")):
    scope = {"raw": open(path, "rb").read(), module: importlib.import_module(module)}
    exec(load, scope)
    merged.update(scope["d"])
want = {n: calc(n) for n in range(start, start + count)}
bits = lambda m: {k: struct.pack("<d", v) for k, v in m.items()}
assert bits(merged) == bits(want), (len(merged), len(want))
PY
}

# detected_converted_round_tripped FORMAT: a file of FORMAT named nothing is recognised from
# its content; converted to json and back it is the same bytes; `roundtrip` with json and
# msgpack keeps every value.
detected_converted_round_tripped() {
  local f=$1 d=$WORK/detect-$1; mkdir -p "$d"
  "$FC" run --format "$f" --count 40 --workers 1 --dir "$d" --keep >/dev/null &&
  cp "$d"/*."$f" "$d/noname" &&
  expect_status 0 "$FC" dump "$d/noname" && [ "$(wc -l < "$WORK/out")" -eq 40 ] &&
  expect_status 0 "$FC" convert "$d/noname" --to json -o "$d/back.json" &&
  expect_status 0 "$FC" convert "$d/back.json" --to "$f" -o "$d/again.$f" &&
  cmp -s "$d"/*-*."$f" "$d/again.$f" &&
  expect_status 0 "$FC" roundtrip --formats "$f",json,msgpack --values edge &&
  ! grep -q DIFFERS "$WORK/out"
}

# refused DIR EXT "NAME:MESSAGE"...: each DIR/NAME.EXT is refused by `dump` (exit 1) with
# MESSAGE in its error.
refused() {
  local dir=$1 ext=$2 c; shift 2
  for c in "$@"; do
    expect_status 1 "$FC" dump "$dir/${c%%:*}.$ext" || return 1
    grep -qF "${c#*:}" "$WORK/err" || { echo "  ${c%%:*}: $(cat "$WORK/err")"; return 1; }
  done
}
