#!/usr/bin/env bash
# tests/clilib.sh - what every command-line test script shares: the command under test,
# a scratch directory (TMPDIR points into it, so leftovers show), expect_status,
# no_leftovers, and run_tests, which runs every function named t_* and prints
# "N passed, N failed". A script sources it with its two arguments, defines its t_*
# functions, and ends with run_tests.
# Usage of a script: tests/cli_NAME.sh path/to/forkcollect path/to/tests/vectors
set -u
FC=$1
VEC=$2
WORK=$(mktemp -d)
PROTO_DIR=$(cd "$VEC/../../proto" && pwd)
# Debian's python3 (with python3-msgpack and python3-protobuf) even if another is first on PATH.
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
export TMPDIR=$WORK/tmp   # every private run directory lands here, so leftovers show
mkdir -p "$TMPDIR"
trap 'rm -rf "$WORK"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
# expect_status WANT CMD...: runs CMD, keeps stdout/stderr in $WORK/out, $WORK/err.
expect_status() {
  local want=$1; shift
  "$@" >"$WORK/out" 2>"$WORK/err"; local got=$?
  if [ "$got" -eq "$want" ]; then return 0; fi
  echo "  '$*' exited $got, expected $want; stderr:"; sed 's/^/    /' "$WORK/err"; return 1
}
# bg CMD...: starts CMD in the background, stdout/stderr in $WORK/out, $WORK/err; sets PID.
# The files are emptied first, here: the child's own `>` may come after wait_for has
# read the last command's "forked" lines, and the signal would come too early.
bg() { : >"$WORK/out"; : >"$WORK/err"; "$@" >"$WORK/out" 2>"$WORK/err" & PID=$!; }
# Waits are long (60 s at most), for slow builds (the asan preset is -O0) on a busy
# machine: a command that works ends or prints long before.
# wait_for PATTERN FILE: waits until FILE has a line matching PATTERN.
wait_for() {
  local _
  for _ in $(seq 600); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.1; done
  echo "  no line '$1' in $2 after 60 s"; return 1
}
no_leftovers() { [ -z "$(ls -A "$TMPDIR")" ] || { echo "  left behind: $(ls -A "$TMPDIR")"; return 1; }; }

run_tests() {
  local t
  for t in $(declare -F | awk '{print $3}' | grep '^t_'); do
    if $t; then ok; else bad "$t"; fi
  done
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
