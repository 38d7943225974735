#!/usr/bin/env bash
# tests/cli_pickle.sh - the pickle format from the command line, with CPython as the
# reference: `run --format pickle --keep` files are pickle.dumps's bytes (protocol 4, and
# protocol 5 but for its second byte) of the dict Python's own random computes; Python's
# pickles of every protocol 2..5 are read; a pickle that would import or call is refused.
source "$(dirname "$0")/clilib.sh"

# check_files DIR START COUNT ITERATIONS: every .pickle in DIR is Python's bytes of its
# dict, and together they hold calc(n) for n in START..START+COUNT-1.
check_files() {
  "$PY" - "$@" <<'PY'
import glob, pickle, random, sys
d, start, count, it = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def calc(n):
    random.seed(n); s = 0.0
    for _ in range(it): s += random.random()
    return s
merged = {}
for path in sorted(glob.glob(d + "/*.pickle")):
    raw = open(path, "rb").read()
    got = pickle.loads(raw)
    assert type(got) is dict and list(got) == sorted(got), path
    assert raw == pickle.dumps(got, protocol=4), path            # Python's own bytes
    five = pickle.dumps(got, protocol=5)
    assert five[:1] + five[2:] == raw[:1] + raw[2:] and five[1] == 5, path
    merged.update(got)
want = {n: calc(n) for n in range(start, start + count)}
assert merged == want, (len(merged), len(want))
PY
}

# run_and_check START COUNT WORKERS ITERATIONS
run_and_check() {
  local d=$WORK/run-$1-$2-$3; mkdir -p "$d"
  expect_status 0 "$FC" run --format pickle --start "$1" --count "$2" --workers "$3" \
    --iterations "$4" --dir "$d" --keep &&
  [ "$(ls "$d" | grep -c '\.pickle$')" -eq "$3" ] && check_files "$d" "$1" "$2" "$4"
}

# Files of 1, 999, 1,000 and 1,001 records (the batches), 50,000 (frames of 64 KiB).
t_run_keep_files_are_pythons_bytes() {
  run_and_check 1 1 1 20 && run_and_check 1 999 1 2 && run_and_check 1 1000 1 2 &&
  run_and_check 1 1001 1 2 && run_and_check 1 100000 2 1 && no_leftovers
}

# Keys at the top of uint64 (LONG1 of 9 bytes) and at the BININT/LONG1 boundary.
t_large_keys_are_pythons_bytes() {
  run_and_check 18446744073709551610 6 2 30 && run_and_check 2147483640 20 3 30 && no_leftovers
}

# What Python writes, we read: protocols 2 to 5, the C and the pure-Python pickler.
t_python_files_are_read() {
  local d=$WORK/py; mkdir -p "$d"
  "$PY" - "$d" <<'PY' || return 1
import pickle, sys
d = {k: k / 3 for k in [0, 255, 256, 65535, 65536, 2**31 - 1, 2**31, 2**63, 2**64 - 1]}
d.update({k: float(k) for k in range(1000, 2001)})
for p in (2, 3, 4, 5):
    open(f"{sys.argv[1]}/c{p}.pickle", "wb").write(pickle.dumps(d, protocol=p))
    open(f"{sys.argv[1]}/pure{p}.pickle", "wb").write(pickle._dumps(d, protocol=p))
open(f"{sys.argv[1]}/want.txt", "w").write("".join(f"{k} {v!r}\n" for k, v in d.items()))
PY
  local f
  for f in "$d"/*.pickle; do
    expect_status 0 "$FC" dump "$f" && cmp -s "$WORK/out" "$d/want.txt" ||
      { echo "  $f: dump differs from the dict Python pickled"; return 1; }
  done
}

# A pickle that would import and call a function is refused, and says why.
t_function_is_refused() {
  "$PY" -c 'import sys; sys.stdout.buffer.write(b"\x80\x04}\x94(K\x01cos\nsystem\n\x94u.")' \
    >"$WORK/evil.pickle" &&
  expect_status 1 "$FC" dump "$WORK/evil.pickle" &&
  grep -qF "evil.pickle: not a valid pickle file (named by its extension): offset 7: opcode GLOBAL (0x63) imports a callable; a result file never does, so it is refused: unpickling untrusted data can run code" "$WORK/err" &&
  "$PY" -c 'import os, pickle, sys; sys.stdout.buffer.write(pickle.dumps(os.system))' \
    >"$WORK/system.pickle" &&
  expect_status 1 "$FC" dump "$WORK/system.pickle" &&
  grep -qF "offset 11: opcode SHORT_BINUNICODE (0x8c), expected EMPTY_DICT (7d)" "$WORK/err"
}

run_tests
