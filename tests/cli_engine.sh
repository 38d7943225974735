#!/usr/bin/env bash
# tests/cli_engine.sh - `forkcollect run` where the engine meets the system: memory per
# child, setup failures, open-file limits.
# Usage: tests/cli_engine.sh path/to/forkcollect path/to/tests/vectors
# shellcheck source=tests/clilib.sh
source "$(dirname "$0")/clilib.sh"

# "largest child" is each child's own peak (wait4), not RUSAGE_CHILDREN: started from a
# shell that had waited for a 150 MiB process, an earlier version printed that one's.
t_largest_child_is_a_child_of_the_run() {
  bash -c "$PY -c 'b = b\"x\" * (150 << 20)'; exec \"\$@\"" sh \
    "$FC" run --count 2 --workers 2 --iterations 10 >"$WORK/out" 2>"$WORK/err" || return 1
  local mib
  mib=$(sed -n 's/^peak memory: parent .* MiB, largest child \([0-9.]*\) MiB$/\1/p' "$WORK/out")
  [ -n "$mib" ] || { echo "  no peak memory line"; return 1; }
  awk -v m="$mib" 'BEGIN { exit !(m > 0 && m < 100) }' || { echo "  largest child: $mib MiB"; return 1; }
  no_leftovers
}

# The same for compare's "largest child" (an earlier version read RUSAGE_CHILDREN there).
t_compare_largest_child_is_a_child_of_the_runs() {
  bash -c "$PY -c 'b = b\"x\" * (150 << 20)'; exec \"\$@\"" sh \
    "$FC" compare --formats raw --count 100 --repeat 1 --warmup 0 >"$WORK/out" 2>"$WORK/err" ||
    return 1
  local kib
  kib=$(sed -n 's/.*Peak RSS: parent [0-9]* KiB, largest child \([0-9]*\) KiB\.$/\1/p' "$WORK/out")
  [ -n "$kib" ] || { echo "  no Peak RSS line"; return 1; }
  [ "$kib" -gt 0 ] && [ "$kib" -lt 102400 ] || { echo "  largest child: $kib KiB"; return 1; }
}

# A setup failure (a bad --dir, an unusable TMPDIR) prints the real error and nothing
# else, and writes no --save file. An earlier version first printed "2 of 2 children
# failed; 0 keys missing: 0..18446744073709551615" and wrote an empty --save file.
t_setup_failure_prints_only_the_error_and_saves_nothing() {
  expect_status 1 "$FC" run --count 4 --workers 2 --iterations 10 --dir "$WORK/nope" \
    --save "$WORK/saved.json" || return 1
  [ "$(cat "$WORK/err")" = "forkcollect run: $WORK/nope: No such file or directory" ] ||
    { echo "  stderr: $(cat "$WORK/err")"; return 1; }
  [ ! -e "$WORK/saved.json" ] || { echo "  --save file written"; return 1; }
  TMPDIR=$WORK/none expect_status 1 "$FC" run --count 4 --workers 2 --iterations 10 \
    --save "$WORK/saved.json" || return 1
  [ "$(cat "$WORK/err")" = "forkcollect run: cannot make a directory under $WORK/none: No such file or directory" ] ||
    { echo "  stderr: $(cat "$WORK/err")"; return 1; }
  [ ! -e "$WORK/saved.json" ] || { echo "  --save file written"; return 1; }
  no_leftovers
}

# The open-file limit that leaves N descriptors to open in a process with this one's
# (those open already, such as any the test runner passes on, stay open).
fd_limit_leaving() {
  local n=$1 fd=0
  while [ "$n" -gt 0 ]; do
    [ -e "/proc/$BASHPID/fd/$fd" ] || n=$((n - 1))
    fd=$((fd + 1))
  done
  echo "$fd"
}

# Under an open-file limit (each running child holds one pipe), run runs fewer children
# at once and says so, as under a process limit; it fails, clearly, only when not even
# one can run. An earlier version aborted at the first pipe() that failed with EMFILE:
# `--workers 1024` always failed under `ulimit -n 1024`.
t_open_file_limit_runs_fewer_at_once() {
  expect_status 0 "$FC" run --count 100 --workers 100 --iterations 1 || return 1
  local total; total=$(grep '^total: ' "$WORK/out")
  (ulimit -n "$(fd_limit_leaving 30)" && exec "$FC" run --count 100 --workers 100 --iterations 1) \
    >"$WORK/out" 2>"$WORK/err" || { echo "  with 30 descriptors: $(cat "$WORK/err")"; return 1; }
  grep -qx "$total" "$WORK/out" || { echo "  $(grep '^total' "$WORK/out"), expected $total"; return 1; }
  grep -Eqx "forkcollect run: too many open files for one pipe per child \(ulimit -n\): ran [0-9]+ children at a time instead of 100" "$WORK/err" ||
    { echo "  stderr: $(cat "$WORK/err")"; return 1; }
  no_leftovers || return 1
  (ulimit -n "$(fd_limit_leaving 1)" && exec "$FC" run --count 4 --workers 2 --iterations 1) \
    >"$WORK/out" 2>"$WORK/err"
  local rc=$?
  [ $rc -eq 1 ] && [ "$(cat "$WORK/err")" = "forkcollect run: pipe for keys 1..2 failed: Too many open files (the open-file limit, ulimit -n: each running child takes one)" ] ||
    { echo "  with 1 descriptor: exit $rc, $(cat "$WORK/err")"; return 1; }
  no_leftovers
}

run_tests
