#!/usr/bin/env bash
# tests/cli_cbor.sh - the cbor format from the command line, with Python's cbor2 as the
# other side: `run --format cbor --keep` files are cbor2.dumps(d, canonical=True) of the
# dict Python's own random computes, byte for byte; cbor2 reads every file we write to the
# same dict, bit for bit; every double's shortest float is the one cbor2's pure-Python
# canonical encoder picks (RFC 8949's preferred serialization); what cbor2 writes, we read;
# anything else is refused with its offset (docs/FORMATS.md, "cbor").
# Usage: tests/cli_cbor.sh path/to/forkcollect path/to/tests/vectors
# shellcheck source=tests/clilib.sh
source "$(dirname "$0")/clilib.sh"

# shellcheck source=tests/keptfiles.sh
source "$(dirname "$0")/keptfiles.sh"
needs cbor cbor2 python3-cbor2

# Each file is cbor2's canonical bytes of the dict it holds, its keys in increasing order.
CBOR_LOAD='d = cbor2.loads(raw)
assert type(d) is dict and list(d) == sorted(d)
assert raw == cbor2.dumps(d, canonical=True)'
check() { run_and_check cbor cbor2 "$CBOR_LOAD" "$@"; }

# Files of 1 to 100,000 records, keys across every head width (1, 2, 3, 5 and 9 bytes),
# values small enough for single and half precision (0 and 1 iterations).
t_run_keep_files_are_cbor2_canonical_bytes() {
  check 1 1 1 20 && check 0 300 2 3 && check 1 100000 2 1 && check 65530 12 2 0 &&
  check 4294967290 12 3 2 && check 18446744073709551610 6 2 30 && no_leftovers
}

# Every finite half, floats and doubles of every exponent, subnormals, zeros, infinities
# and NaN: our bytes are the canonical bytes of cbor2's pure-Python encoder (RFC 8949's
# shortest float), and cbor2.dumps' (its C encoder) everywhere but the halves of
# magnitude 32768..65504, which it writes as singles (docs/FORMATS.md). cbor2 reads ours
# to the same bits (every NaN as the one NaN, as f9 7e00 holds).
t_every_float_width_is_cbor2s_choice() {
  local d=$WORK/floats; mkdir -p "$d"
  "$PY" - "$d" <<'PY' || return 1
import json, math, random, struct, sys
random.seed(15)
vals = [struct.unpack(">e", h.to_bytes(2, "big"))[0] for h in range(65536)]
vals = [v for v in vals if not math.isnan(v)]
vals += [struct.unpack(">f", random.getrandbits(32).to_bytes(4, "big"))[0] for _ in range(20000)]
vals += [struct.unpack(">d", random.getrandbits(64).to_bytes(8, "big"))[0] for _ in range(20000)]
vals += [2.0 ** e * m for e in range(-1080, 1024) for m in (1, 1.5, 1 + 2 ** -10, 1 + 2 ** -11, 1 + 2 ** -23, 1 + 2 ** -24)
         if 2.0 ** e * m < 1.8e308 and 2.0 ** e * m > 0]
vals += [float("nan"), 5e-324, -5e-324, 1.7976931348623157e308, 0.1, -0.0]
vals = [v for v in vals if math.isfinite(v) or math.isinf(v) or math.isnan(v)]
json.dump({i: v for i, v in enumerate(vals)}, open(sys.argv[1] + "/src.json", "w"))
PY
  expect_status 0 "$FC" convert "$d/src.json" --to cbor -o "$d/ours.cbor" &&
  "$PY" - "$d" <<'PY' &&
import cbor2, cbor2.encoder, io, json, math, struct, sys
d = {int(k): v for k, v in json.load(open(sys.argv[1] + "/src.json")).items()}
ours = open(sys.argv[1] + "/ours.cbor", "rb").read()
f = io.BytesIO(); cbor2.encoder.CBOREncoder(f, canonical=True).encode(d)
assert ours == f.getvalue(), "not the pure-Python canonical bytes"
back = cbor2.loads(ours)
assert list(back) == list(d)
for k, v in d.items():
    w = back[k]
    assert (math.isnan(v) and math.isnan(w)) or struct.pack("<d", v) == struct.pack("<d", w), (k, v, w)
# cbor2.dumps (the C encoder): the same, but for halves of magnitude 32768..65504
c = {k: v for k, v in d.items() if not (32768 <= abs(v) <= 65504 and struct.unpack(">e", struct.pack(">e", v))[0] == v)}
f = io.BytesIO(); cbor2.encoder.CBOREncoder(f, canonical=True).encode(c)
assert cbor2.dumps(c, canonical=True) == f.getvalue()
assert cbor2.dumps({1: 32768.0}, canonical=True).hex() == "a101fa47000000"  # the C encoder's single
PY
  expect_status 0 "$FC" convert "$d/src.json" --to cbor -o - && cmp -s "$WORK/out" "$d/ours.cbor" &&
  printf '\xa1\x01\xf9\x78\x00' | expect_status 0 "$FC" dump --from cbor - && [ "$(cat "$WORK/out")" = "1 32768.0" ]
}

# What cbor2 writes, canonical or not, we read: floats of every width, integer values,
# keys in non-shortest heads, an indefinite-length map; keys 0, 2^63-1, 2^63, 2^64-1.
t_cbor2_files_are_read() {
  local d=$WORK/py; mkdir -p "$d"
  "$PY" - "$d" <<'PY' || return 1
import cbor2, sys
d = {k: k / 3 for k in [0, 23, 24, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1]}
d.update({k: float(k) for k in range(1000, 2001)})
d.update({3: 1.5, 4: -0.0, 5: 65504.0, 6: 5.960464477539063e-08, 7: 1e300, 8: float("inf")})
open(f"{sys.argv[1]}/canonical.cbor", "wb").write(cbor2.dumps(d, canonical=True))
open(f"{sys.argv[1]}/plain.cbor", "wb").write(cbor2.dumps(d))
ints = dict(d); ints.update({9: 2**53, 10: -2**53, 11: -1, 12: 0})
open(f"{sys.argv[1]}/ints.cbor", "wb").write(cbor2.dumps(ints))
# an indefinite-length map, keys with wider heads than needed
body = b"".join(b"\x1b" + k.to_bytes(8, "big") + cbor2.dumps(v) for k, v in d.items())
open(f"{sys.argv[1]}/indefinite.cbor", "wb").write(b"\xbf" + body + b"\xff")
want = lambda m: "".join(f"{k} {float(v)!r}\n" for k, v in m.items())
open(f"{sys.argv[1]}/want.txt", "w").write(want(d))
open(f"{sys.argv[1]}/want-canonical.txt", "w").write(want(dict(sorted(d.items()))))  # keys sorted
open(f"{sys.argv[1]}/want-ints.txt", "w").write(want(ints))
PY
  local f
  expect_status 0 "$FC" dump "$d/canonical.cbor" && cmp -s "$WORK/out" "$d/want-canonical.txt" ||
    { echo "  canonical.cbor: dump differs from the dict cbor2 wrote, keys sorted"; return 1; }
  for f in plain indefinite; do
    expect_status 0 "$FC" dump "$d/$f.cbor" && cmp -s "$WORK/out" "$d/want.txt" ||
      { echo "  $f.cbor: dump differs from the dict cbor2 wrote"; return 1; }
  done
  expect_status 0 "$FC" dump "$d/ints.cbor" && cmp -s "$WORK/out" "$d/want-ints.txt" &&
  expect_status 0 "$FC" dump "$d/canonical.cbor" --from cbor
}

# Anything but a flat map of unsigned integer keys to numbers is refused, by offset.
t_wrong_files_are_refused_with_their_offset() {
  local d=$WORK/bad; mkdir -p "$d"
  "$PY" - "$d" <<'PY' || return 1
import cbor2, sys
w = lambda name, b: open(f"{sys.argv[1]}/{name}.cbor", "wb").write(b)
w("strkey", cbor2.dumps({"1": 0.5}))
w("negkey", cbor2.dumps({-1: 0.5}))
w("bigint", cbor2.dumps({1: 2**53 + 1}))
w("bignum", cbor2.dumps({1: 2**64}))
w("repeat", bytes.fromhex("a2 01 f93800 01 f93c00"))
w("nested", cbor2.dumps({1: [0.5]}))
w("after", cbor2.dumps({1: 0.5}) + b"\x00")
w("list", cbor2.dumps([0.5]))
w("short", cbor2.dumps({1: 0.1})[:-1])
PY
  local cases=(
    "strkey:offset 1: map entry 0: the key is a text string, expected an unsigned integer 0..2^64-1"
    "negkey:offset 1: map entry 0: the key is a negative integer (-1-0), expected an unsigned integer 0..2^64-1"
    "bigint:integer 9007199254740993 at offset 2 has no exact double (the nearest is 9007199254740992.0; write that if it is meant)"
    "bignum:offset 2: map entry 0: the value is a tag, expected a float"
    "repeat:offset 5 (map entry 1): key 1 again (first at offset 1, map entry 0); a result file holds each key once"
    "nested:offset 2: map entry 0: the value is an array nested in the map, expected a float: a result file is one flat map of integer keys to float values"
    "after:offset 11: 1 bytes after the map, which should end the file"
    "list:offset 0: expected a map, found an array (initial byte 0x81)"
    "short:offset 2: the file ends inside a value (the item with initial byte 0xfb runs past the file's last byte)"
  )
  refused "$d" cbor "${cases[@]}"
}

# Recognised from its content; converted and round-tripped.
t_detected_converted_and_round_tripped() {
  detected_converted_round_tripped cbor
}

run_tests
