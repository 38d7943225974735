#!/usr/bin/env bash
# tests/examples.sh - each example does what examples/README.md says it teaches.
# Usage: tests/examples.sh path/to/build/examples
set -u
E=$1
FC=$E/../cli/forkcollect # for `forkcollect formats --names`: the formats built
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3 # Debian's, the reference
passed=0 failed=0
check() { if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi; }

t_simple_fork_exit_code_both_ways() {
  local out; out=$("$E/simple_fork") || return 1
  grep -q 'raw status 0x0300 (768)' <<<"$out" &&
  grep -qx 'parent: WEXITSTATUS(status) = 3' <<<"$out" &&
  grep -qx 'parent: by hand, (status >> 8) & 0xff = 3' <<<"$out" &&
  grep -q '^child:  pid [0-9]*, parent [0-9]*, exiting with status 3$' <<<"$out"
}

t_fork_copies_memory() {
  local out; out=$("$E/fork") || return 1
  grep -qx 'child:  counter = 101 (changed in the child)' <<<"$out" &&
  grep -q '^parent: counter = 100 ' <<<"$out" &&
  [[ $(grep 'wait() returned' <<<"$out") =~ returned\ ([0-9]+)\ \(fork\(\)\ had\ returned\ ([0-9]+)\) ]] &&
  [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
}

# Every item in exactly one batch, batches contiguous, sizes differing by at most one.
skeleton_covers() { # ITEMS P WANT_CHILDREN
  local out items; out=$("$E/fork_skeleton" "$1" "$2") || return 1
  items=$(grep '^child' <<<"$out" | sort -n -k2 | sed 's/.*items//' | tr ' ' '\n' | grep . | tr '\n' ' ')
  [ "$items" = "$(seq 0 $(($1 - 1)) | tr '\n' ' ')" ] &&
  [ "$(grep -c '^child' <<<"$out")" -eq "$3" ] &&
  grep -qx "parent: $3 children done, 0 failed" <<<"$out"
}
t_fork_skeleton_batches() {
  skeleton_covers 10 3 3 && skeleton_covers 5 8 5 && skeleton_covers 1 1 1 && skeleton_covers 17 4 4 &&
  [ "$("$E/fork_skeleton" 10 3 | grep '^child 0 ' | wc -w)" -eq $((5 + 4)) ] # "child 0 (pid N): items" + 4 items
}

t_fork_load_same_answer_any_n() {
  local a b; a=$("$E/fork_load" 1 3000000 | sed 's/.*checksum \([0-9a-f]*\).*/\1/') &&
  b=$("$E/fork_load" 3 3000000 | sed 's/.*checksum \([0-9a-f]*\).*/\1/') &&
  [ -n "$a" ] && [ "$a" = "$b" ]
}

t_forkrand_inherits_state() {
  local out; out=$("$E/forkrand") || return 1
  local c1 p1 c2 p2
  c1=$(sed -n 2p <<<"$out" | cut -d: -f2); p1=$(sed -n 3p <<<"$out" | cut -d: -f2)
  c2=$(sed -n 5p <<<"$out" | cut -d: -f2); p2=$(sed -n 6p <<<"$out" | cut -d: -f2)
  [ -n "$c1" ] && [ "$c1" = "$p1" ] && [ "$c2" != "$p2" ] && [ "$p1" = "$p2" ]
}

t_compute_fork_equals_serial() {
  local serial f; serial=$("$E/compute" 7 1000) || return 1
  grep -qx 'total 3484.221470286105' <<<"$serial" || return 1
  for f in $("$FC" formats --names); do
    [ "$("$E/compute_with_fork" --format $f 7 1000 3)" = "$(printf 'do: 1-3\ndo: 3-5\ndo: 5-8\n')
$serial" ] || { echo "  $f differs"; return 1; }
  done
  ! ls /tmp | grep -q '^compute_with_fork-' # each run removes its directory
}

# The lines the course's Python prints (examples/README.md): its split of 1..COUNT over
# P children (COUNT // P each, the last takes the rest), "do: A-B" as range(A, B),
# each value's repr() and the total as math.fsum (Python 3.12+'s sum() here) adds.
python_lines() { # COUNT ITERATIONS P (P = 0: the serial program, no "do:" lines)
  "$PY" - "$@" <<'PY'
import math, random, sys
count, iterations, p = map(int, sys.argv[1:])
def calc(n):
    random.seed(n)
    s = 0.0
    for _ in range(iterations):
        s += random.random()
    return s
for i in range(p):
    start = 1 + i * (count // p)
    print(f"do: {start}-{start + count // p if i < p - 1 else count + 1}")
values = [calc(n) for n in range(1, count + 1)]
for n, v in enumerate(values, 1):
    print(n, repr(v))
print("total", repr(math.fsum(values)))
PY
}
t_compute_prints_like_python() {
  local args want
  for args in "20 1000 3" "4 1000 2" "7 1 7" "13 300 4"; do
    # shellcheck disable=SC2086
    want=$(python_lines $args) && [ "$("$E/compute_with_fork" $args)" = "$want" ] || { echo "  compute_with_fork $args"; return 1; }
  done
  [ "$("$E/compute_with_fork" 20 1000 3 | head -3 | tr '\n' ' ')" = 'do: 1-7 do: 7-13 do: 13-21 ' ] &&
  [ "$("$E/compute" 20 1000)" = "$(python_lines 20 1000 0)" ] &&
  grep -qx '1 514.1370278623858' <(python_lines 1 1000 0)
}

t_marshal_every_format() {
  local out; out=$("$E/marshal") || return 1
  [ "$(grep -c 'read back: 3 records, identical, bit for bit' <<<"$out")" -eq "$("$FC" formats --names | wc -l)" ] &&
  grep -qx '    {"1": 514.1370278623858, "2": -0.0, "300": 1e+100}' <<<"$out"
}

# The course's three formats first, in the lesson's order (pickle named even when this
# build lacks it), then the rest; marshal's bytes are marshal.dumps's, which Python reads.
t_marshal_course_formats_first() {
  local out order; out=$("$E/marshal") || return 1
  order=$(grep -oE '^(== the rest|[a-z]+( \(|: not in this build))' <<<"$out" | sed 's/[ :(].*//' | tr '\n' ' ')
  [ "$order" = "marshal pickle json == $(grep -vxE 'marshal|pickle|json' <<<"$("$FC" formats --names)" | tr '\n' ' ')" ] ||
    { echo "  order: $order"; return 1; }
  grep -qx '    0000  fb e9 01 00 00 00 67 b4 5c 10 a2 18 11 80 40 e9  ......g.\\.....@.' <<<"$out" &&
  python3 -c 'import marshal, sys
hexes = [l[10:57] for l in sys.stdin.read().split("marshal (")[1].split("read back")[0].splitlines()[1:]]
d = marshal.loads(bytes.fromhex("".join(hexes)))
assert repr(d) == "{1: 514.1370278623858, 2: -0.0, 300: 1e+100}", d' <<<"$out"
}

for t in $(declare -F | awk '{print $3}' | grep '^t_'); do check "$t"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
