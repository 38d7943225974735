#!/usr/bin/env bash
# tests/cli_reliab2.sh - issue 10's last findings: SIGKILL of the parent (the janitor),
# the save destination checked up front, a shared sticky --dir, FIFOs and the "saved"
# message.
# Usage: tests/cli_reliab2.sh path/to/forkcollect path/to/tests/vectors
# shellcheck source=tests/clilib.sh
source "$(dirname "$0")/clilib.sh"

# An ASan build takes the fault shim preloaded ahead of its runtime (as scripts/faults).
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

LONG=4000000019    # a child that never ends by itself; no other test uses this count

# until_empty DIR: waits (5 s at most) until DIR is empty.
until_empty() {
  local _
  for _ in $(seq 50); do [ -z "$(ls -A "$1")" ] && return 0; sleep 0.1; done
  echo "  left in $1: $(ls -A "$1")"; return 1
}
no_children() {
  local _
  for _ in $(seq 50); do pgrep -f "iterations $LONG" >/dev/null || return 0; sleep 0.1; done
  echo "  children still running"; pkill -KILL -f "iterations $LONG"; return 1
}

# 12 (its last part): a parent killed with SIGKILL ran no code, so its private
# directory stayed, and with --dir its children's files. The janitor removes them.
t_sigkill_of_the_parent_leaves_nothing() {
  bg "$FC" run --count 2 --workers 2 --iterations $LONG
  wait_for '^forked.*keys 2' "$WORK/out" || return 1
  [ -n "$(ls -A "$TMPDIR")" ] || { echo "  no private directory during the run"; return 1; }
  kill -KILL "$PID"; wait "$PID" 2>/dev/null
  until_empty "$TMPDIR" && no_children || return 1
  # --dir: a child stopped while it writes (the fault shim stops it just before its
  # link(), its .part made); the file goes, the directory the user gave stays.
  local shim; shim=$(dirname "$FC")/../tests/libfailshim.so
  [ -f "$shim" ] || { echo "  (no $shim: --dir case skipped)"; return 0; }
  mkdir "$WORK/d"
  bg env LD_PRELOAD="$shim" FC_FAULT=link:1:SIGSTOP:child \
    "$FC" run --count 2 --workers 1 --iterations 1000 --dir "$WORK/d"
  local _ n=0
  for _ in $(seq 300); do n=$(find "$WORK/d" -name '*.part' | wc -l); [ "$n" -gt 0 ] && break; sleep 0.1; done
  [ "$n" -eq 1 ] || { echo "  no .part file to clean up"; kill -KILL "$PID"; return 1; }
  sleep 0.2
  kill -KILL "$PID"; wait "$PID" 2>/dev/null
  local rc=0
  until_empty "$WORK/d" && [ -d "$WORK/d" ] && no_leftovers || rc=1
  return $rc
}

# 10.22 (its last part): a file named as a format was read whole before its format
# was checked: 900 MiB of zeros named x.json took 925 MB. Its first bytes are checked
# first; under a 300 MB address-space limit it must fail with that, not out of memory.
t_a_named_file_that_cannot_be_its_format_fails_before_it_is_read() {
  truncate -s 900M "$WORK/x.json" && printf '{"1": 0.5' >"$WORK/y.raw" &&
  truncate -s 900M "$WORK/y.raw" || return 1
  # 300 MB of address space, where the binary starts under it (ASan's cannot).
  local limit=300000
  ( (ulimit -v $limit; "$FC" --version) ) >/dev/null 2>&1 || limit=unlimited
  (ulimit -v $limit; "$FC" dump "$WORK/x.json") >"$WORK/out" 2>"$WORK/err"
  local rc=$?
  [ $rc -eq 1 ] && [ "$(cat "$WORK/err")" = "forkcollect dump: $WORK/x.json: not a json file (named by its extension): its first 4096 bytes cannot start one, so the rest was not read (give --from FORMAT for another format, or --from json to read it whole all the same)" ] ||
    { echo "  exit $rc:"; cat "$WORK/err"; return 1; }
  # Bytes another format starts with: that format is named.
  (ulimit -v $limit; "$FC" convert "$WORK/x.json" --to raw -o "$WORK/x.raw") >"$WORK/out" 2>"$WORK/err"
  rc=$?
  [ $rc -eq 1 ] && grep -q "x.json: not a json file (named by its extension): its first 4096 bytes cannot start one" "$WORK/err" &&
  [ ! -e "$WORK/x.raw" ] || { echo "  convert: exit $rc:"; cat "$WORK/err"; return 1; }
  (ulimit -v $limit; "$FC" dump "$WORK/y.raw") >"$WORK/out" 2>"$WORK/err"
  rc=$?
  [ $rc -eq 1 ] && [ "$(cat "$WORK/err")" = "forkcollect dump: $WORK/y.raw: not a raw file (named by its extension): its first 4096 bytes cannot start one; they start a json file: give --from json" ] ||
    { echo "  y.raw: exit $rc:"; cat "$WORK/err"; return 1; }
  rm -f "$WORK/x.json" "$WORK/y.raw"
}

# 13 (its last part): a --save target where no file can be made (/proc, though root's
# access() says it can be written) was found only after the whole run.
t_an_impossible_save_target_is_found_before_the_run() {
  local d
  for d in /proc; do
    [ -d "$d" ] || continue
    expect_status 2 "$FC" run --count 2 --workers 2 --iterations 1000 --save "$d/x.json" &&
    [ "$(cat "$WORK/err")" = "forkcollect run: --save: cannot create files in $d: No such file or directory (see 'forkcollect run --help')" ] &&
    ! grep -q '^forked' "$WORK/out" && [ ! -e "$d/x.json.part" ] || { cat "$WORK/err"; return 1; }
  done
  no_leftovers
}

# "saved: 4 records" was printed, and then a signal that had come during the save
# (exit 143) removed the file. "saved" is now said only once the file is sure to stay.
# The fault shim raises SIGTERM just after the save's linkat() (children use link()).
t_saved_is_said_only_of_a_file_that_stays() {
  local shim; shim=$(dirname "$FC")/../tests/libfailshim.so
  [ -f "$shim" ] || { echo "  (no $shim: skipped)"; return 0; }
  expect_status 143 env LD_PRELOAD="$shim" FC_FAULT=linkat:1:SIGTERM-after:parent \
    "$FC" run --count 4 --workers 2 --iterations 1000 --save "$WORK/s.json" &&
  ! grep -q '^saved' "$WORK/out" && [ ! -e "$WORK/s.json" ] &&
  grep -qx "forkcollect run: interrupted by SIGTERM: children stopped, files removed (and --save's file)" "$WORK/err" ||
    { cat "$WORK/out" "$WORK/err"; return 1; }
  # No signal: said, and there.
  expect_status 0 "$FC" run --count 4 --workers 2 --iterations 1000 --save "$WORK/s.json" &&
  grep -qx "saved: 4 records to $WORK/s.json (json)" "$WORK/out" && [ -s "$WORK/s.json" ] &&
  rm "$WORK/s.json" && no_leftovers
}

run_tests
