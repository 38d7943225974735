#!/usr/bin/env bash
# tests/cli_jsonlibs.sh - cjson, jansson and jsonc from the command line: Python's json
# reads their files to the same keys (and floats, where the library keeps every bit),
# compare and roundtrip say which lose bits and which value first, and what JSON has
# no number for is refused by name (docs/FORMATS.md, "The JSON libraries").
# Usage: tests/cli_jsonlibs.sh path/to/forkcollect path/to/tests/vectors
# shellcheck source=tests/clilib.sh
source "$(dirname "$0")/clilib.sh"

LIBS=()
for l in cjson jansson jsonc; do
  if "$FC" formats --names | grep -qx "$l"; then LIBS+=("$l"); else echo "  note: $l not built, skipped"; fi
done

# Finite doubles of every size and sign, Python's json bytes, keys up to 2^64-1.
make_source() {
  "$PY" - "$1" <<'PY'
import json, random, struct, sys, math
random.seed(7)
d = {}
while len(d) < 3000:
    v = struct.unpack("<d", struct.pack("<Q", random.getrandbits(64)))[0]
    if math.isfinite(v):
        d[random.getrandbits(64)] = v
for k in range(1, 200):
    d[k] = random.random() * 10 ** random.randint(-5, 5)
d[2**64 - 1] = 5e-324
json.dump(d, open(sys.argv[1], "w"))
PY
}

t_python_reads_each_library_files() {
  local l
  make_source "$WORK/src.json" || return 1
  for l in "${LIBS[@]}"; do
    expect_status 0 "$FC" convert "$WORK/src.json" --to "$l" -o "$WORK/src.$l" || return 1
    "$PY" - "$WORK/src.json" "$WORK/src.$l" "$l" <<'PY' || return 1
import json, math, sys
want = json.load(open(sys.argv[1]))
got = json.loads(open(sys.argv[2], "rb").read())
assert list(got) == list(want), "keys differ or in another order"
changed = [k for k in want if got[k] != want[k]]
if sys.argv[3] == "cjson":
    # cJSON prints 15 digits when they read back within DBL_EPSILON: at most 2 ulps off.
    assert changed, "cjson kept every bit: its FC_SUPPORTS_EXACT_DOUBLES is wrong"
    for k in changed:
        assert abs(got[k] - want[k]) <= 2 * math.ulp(want[k]), (k, got[k], want[k])
else:
    assert not changed, (sys.argv[3], changed[:3])
PY
    # And the library reads the built-in json's file to the same records json does.
    expect_status 0 "$FC" dump --from "$l" "$WORK/src.json" && cp "$WORK/out" "$WORK/lib.dump" &&
    expect_status 0 "$FC" dump "$WORK/src.json" && cmp -s "$WORK/out" "$WORK/lib.dump" ||
      { echo "  $l reads json's file differently"; return 1; }
  done
}

# The first value cJSON changes, named with both reprs and the distance; not a failure.
t_roundtrip_names_what_cjson_changes() {
  [[ " ${LIBS[*]} " == *" cjson "* ]] || return 0
  expect_status 0 "$FC" roundtrip --formats json,cjson --values exercise --count 20 &&
  grep -qx 'json       ok        LOSES    ' "$WORK/out" &&
  grep -qx '1 of 4 pairs bit-exact' "$WORK/out" &&
  grep -qx '3 pairs lose bits, as a format without exact doubles may' "$WORK/out" &&
  grep -qxF '  json -> cjson: loses bits: 10% of values 1 ulp off (2 of 20); first: key 13: 490.75311355586604 -> 490.753113555866 (1 ulp)' "$WORK/out" ||
    { cat "$WORK/out"; return 1; }
}

# jansson and json-c keep every bit of random doubles; cjson and jansson leave out NaN
# and Infinity, and say so.
t_roundtrip_random_values() {
  [ ${#LIBS[@]} -eq 3 ] || return 0
  expect_status 0 "$FC" roundtrip --formats json,jansson,jsonc --values random --count 3000 &&
  grep -qx '9 of 9 pairs bit-exact' "$WORK/out" &&
  grep -qx 'jansson has no NaN or Infinity: its pairs leave out the 1 non-finite value' "$WORK/out" ||
    { cat "$WORK/out"; return 1; }
}

t_compare_exact_column() {
  local l
  [ ${#LIBS[@]} -gt 0 ] || return 0
  expect_status 0 "$FC" compare --formats "json,$(IFS=,; echo "${LIBS[*]}")" --count 300 \
    --repeat 1 --warmup 0 || return 1
  grep -qE '^json .* yes$' "$WORK/out" || { cat "$WORK/out"; return 1; }
  for l in "${LIBS[@]}"; do
    case $l in
      cjson) grep -qE '^cjson .* no: [0-9]+% of values (up to [0-9]+ ulps|1 ulp) off \([0-9,]+ of 300\)$' "$WORK/out" ;;
      *) grep -qE "^$l .* yes\$" "$WORK/out" ;;
    esac || { echo "  $l: exact column"; cat "$WORK/out"; return 1; }
  done
}

t_non_finite_values() {
  local l
  for l in "${LIBS[@]}"; do
    if [ "$l" = jsonc ]; then
      expect_status 0 "$FC" convert "$VEC/json-edge.json" --to jsonc -o "$WORK/edge.jsonc" &&
      expect_status 0 "$FC" convert "$WORK/edge.jsonc" --to json -o "$WORK/edge-back.json" &&
      cmp -s "$WORK/edge-back.json" "$VEC/json-edge.json" || { echo "  jsonc: edge values differ"; return 1; }
    else
      expect_status 1 "$FC" convert "$VEC/json-edge.json" --to "$l" -o "$WORK/edge.$l" &&
      grep -q "which JSON has no number for and $l does not write" "$WORK/err" &&
      [ ! -e "$WORK/edge.$l" ] || return 1
    fi
  done
}

# A library's file is found by its name (.cjson, .jansson, .jsonc), and, named .json or
# nothing, read by the built-in json, to the same records.
t_names_and_detection() {
  local l
  make_source "$WORK/d.json" || return 1
  expect_status 0 "$FC" dump "$WORK/d.json" && cp "$WORK/out" "$WORK/want" || return 1
  for l in "${LIBS[@]}"; do
    [ "$l" != cjson ] || continue # cjson's own digits differ: checked above with Python
    expect_status 0 "$FC" convert "$WORK/d.json" --to "$l" -o "$WORK/d.$l" &&
    expect_status 0 "$FC" dump "$WORK/d.$l" && cmp -s "$WORK/out" "$WORK/want" &&
    cp "$WORK/d.$l" "$WORK/noname-$l" &&
    expect_status 0 "$FC" dump "$WORK/noname-$l" && cmp -s "$WORK/out" "$WORK/want" ||
      { echo "  $l"; return 1; }
  done
}

# convert into a format that does not keep every double said nothing when it changed
# values: cJSON writes the largest double as 1.79769313486232e+308, which reads as inf.
t_convert_says_what_a_lossy_format_changed() {
  "$FC" formats --names | grep -qx cjson || { echo "  (skipped: cjson not built)"; return 0; }
  local d=$WORK/lossy; mkdir -p "$d"
  $PY -c 'import json; print(json.dumps({8: 1.7976931348623157e+308, 9: 0.5}))' > "$d/max.json"
  expect_status 0 "$FC" convert "$d/max.json" --to cjson -o "$d/max.cjson" &&
  grep -qx "forkcollect convert: warning: cjson changed 1 of 2 values as it wrote them (it does not keep every double); the first: key 8, 1.7976931348623157e+308 -> inf" "$WORK/err" &&
  expect_status 0 "$FC" convert "$d/max.json" --to jansson -o "$d/max.jansson" &&
  ! grep -q warning "$WORK/err"
}

run_tests
