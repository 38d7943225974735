#!/usr/bin/env bash
# tests/cli_marshal.sh - the marshal format against CPython itself: `run --format marshal
# --keep` writes the bytes marshal.dumps writes for the course's dict, Python reads our
# files to the same dict, we read Python's. Python 3.11 (/usr/bin/python3) always;
# 3.12.1 and 3.13.0 from pyenv where installed (skipped, with a message, where not).
source "$(dirname "$0")/clilib.sh"

PYENV=/root/.pyenv/versions
# The course's dict, d = {k: calc(k) for k in range(a, b)}, then marshal.dumps(d).
# check.py FILE...: each file's keys are a range a..b-1; the file must be exactly
# marshal.dumps of that dict, and marshal.loads must give it back bit for bit.
cat >"$WORK/check.py" <<'PY'
import marshal, random, struct, sys
def calc(n, it):
    random.seed(n); s = 0.0
    for _ in range(it): s += random.random()
    return s
it = int(sys.argv[1])
for path in sys.argv[2:]:
    got = open(path, "rb").read()
    back = marshal.loads(got)
    a, b = (min(back), max(back) + 1) if back else (0, 0)
    d = {k: calc(k, it) for k in range(a, b)}
    bits = lambda m: [(k, struct.pack("<d", v)) for k, v in m.items()]
    assert bits(back) == bits(d), (sys.version, path, "marshal.loads differs")
    want = marshal.dumps(d)
    if sys.version_info >= (3, 12) and b > 2**63 - 1:
        # 3.12 and later: range's iterator over longs yields its start object itself,
        # which the name `a` holds too, so the first key is flagged (docs/FORMATS.md).
        assert want[1] == got[1] | 0x80 and want[:1] + want[2:] == got[:1] + got[2:], \
            (sys.version, path, got[:40].hex(), want[:40].hex())
    else:
        assert got == want, (sys.version, path, got[:40].hex(), want[:40].hex())
PY

# pythons: /usr/bin/python3, and the pyenv ones present (a message for each absent one).
pythons() {
  echo "$PY"
  local v
  for v in 3.12.1 3.13.0; do
    if [ -x "$PYENV/$v/bin/python3" ]; then echo "$PYENV/$v/bin/python3"
    else echo "  (skipped: Python $v is not installed at $PYENV/$v)" >&2; fi
  done
}

# run_and_check DIR ITERATIONS RUN-ARGS...: run --keep into DIR, then every Python checks.
run_and_check() {
  local d=$WORK/$1 it=$2 p; shift 2
  mkdir -p "$d"
  expect_status 0 "$FC" run --format marshal --iterations "$it" --dir "$d" --keep "$@" || return 1
  ls "$d"/*.marshal >/dev/null || return 1
  for p in $(pythons); do
    "$p" "$WORK/check.py" "$it" "$d"/*.marshal || { echo "  $p: differs"; return 1; }
  done
}

t_keep_files_are_marshal_dumps_at_every_size() {
  run_and_check one 1000 --count 1 --workers 1 &&
    run_and_check twenty 1000 --count 20 --workers 3 &&
    run_and_check thousand 100 --count 1000 --workers 2 &&
    run_and_check hundred-thousand 3 --count 100000 --workers 2
}

# Keys around 256 (the last shared small int), 2^31 (TYPE_INT to TYPE_LONG), 2^63, 2^64-1.
t_keep_files_are_marshal_dumps_at_the_key_boundaries() {
  run_and_check small 10 --start 250 --count 12 --workers 1 &&
    run_and_check int32 10 --start 2147483640 --count 16 --workers 2 &&
    run_and_check int63 10 --start 9223372036854775800 --count 16 --workers 2 &&
    run_and_check int64 10 --start 18446744073709551600 --count 16 --workers 2
}

# No records: json {} converted; Python writes `fb 30` for d = {} then dumps(d).
t_empty_dict_is_marshal_dumps() {
  mkdir -p "$WORK/empty" && printf '{}' >"$WORK/empty/e.json"
  expect_status 0 "$FC" convert "$WORK/empty/e.json" --to marshal || return 1
  $PY -c 'import marshal, sys
d = {k: 0.5 for k in range(0)}
assert open(sys.argv[1], "rb").read() == marshal.dumps(d) == b"\xfb0"' "$WORK/empty/e.marshal"
}

# The edge doubles (every kind of double, a key of 2^64-1), each value a float object of
# its own, as calc's are: our bytes are Python's. Then the same dict with each value held
# by a list too (so every float is flagged, e7), as Python writes it: read to the same
# records.
t_edge_doubles_both_ways() {
  local p src=$WORK/edge/edge.json
  mkdir -p "$WORK/edge" && cp "$VEC/json-edge.json" "$src"
  expect_status 0 "$FC" convert "$src" --to marshal && expect_status 0 "$FC" dump "$src" &&
    cp "$WORK/out" "$WORK/edge/want" || return 1
  for p in $(pythons); do
    "$p" -c 'import json, marshal, struct, sys
fresh = lambda v: struct.unpack("<d", struct.pack("<d", v))[0]
d = {int(k): fresh(v) for k, v in json.loads(open(sys.argv[1]).read()).items()}
assert open(sys.argv[2], "rb").read() == marshal.dumps(d), sys.version
values = list(d.values())
shared = {k: values[i] for i, k in enumerate(d)}
open(sys.argv[3], "wb").write(marshal.dumps(shared))
assert marshal.dumps(shared).count(b"\xe7") == len(d)' "$src" "$WORK/edge/edge.marshal" "$WORK/edge/py.marshal" ||
      { echo "  $p: differs"; return 1; }
    expect_status 0 "$FC" dump "$WORK/edge/py.marshal" && cmp -s "$WORK/out" "$WORK/edge/want" ||
      { echo "  $p: python's file dumps differently"; return 1; }
  done
}

# Any other object is refused, named as Python names it; a code object is never run.
t_python_objects_other_than_the_dict_are_refused() {
  mkdir -p "$WORK/bad"
  $PY -c 'import marshal, sys
w = lambda name, obj: open(sys.argv[1] + "/" + name + ".marshal", "wb").write(marshal.dumps(obj))
w("code", {1: compile("print(1)", "x", "exec")})
w("str", {"1": 0.5})
w("nested", {1: {2: 0.5}})
w("negative", {-1: 0.5})
w("big", {2**64: 0.5})
w("inexact", {1: 2**53 + 1})
w("list", [1.5])
open(sys.argv[1] + "/text.marshal", "wb").write(marshal.dumps({1: 0.5}, 1))' "$WORK/bad"
  local f want
  while IFS='|' read -r f want; do
    expect_status 1 "$FC" dump "$WORK/bad/$f.marshal" || return 1
    grep -qF -- "$want" "$WORK/err" || { echo "  $f: no '$want' in: $(cat "$WORK/err")"; return 1; }
  done <<'EOF'
code|offset 6: dict entry 0: the value is a code object (type byte 'c'), expected a float
str|offset 1: dict entry 0: the key is a str (type byte 'Z' with FLAG_REF), expected an int 0..2^64-1
nested|offset 6: dict entry 0: the value is a dict (type byte '{'), nested in the dict
negative|offset 1: dict entry 0: the key is a negative int, expected an int 0..2^64-1
big|offset 1: dict entry 0: the key is an int beyond 2^64-1
inexact|integer 9007199254740993 at offset 6 has no exact double (the nearest is 9007199254740992.0
list|offset 0: expected a dict (type byte '{'), found a list (type byte '[' with FLAG_REF)
text|offset 6: dict entry 0: the value is a float in text form (TYPE_FLOAT, as marshal versions 0 and 1 write
EOF
}

run_tests
