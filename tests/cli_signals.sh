#!/usr/bin/env bash
# tests/cli_signals.sh - signals, inherited signal state and exit statuses of the
# forkcollect command (issue 10).
# Usage: tests/cli_signals.sh path/to/forkcollect path/to/tests/vectors
# shellcheck source=tests/clilib.sh
source "$(dirname "$0")/clilib.sh"

# Iteration counts no other test uses, so that pgrep finds only our children.
LONG=4000000017    # a child that never ends by itself
HALF=100000017     # about half a second per number

# bg and wait_for: tests/clilib.sh.
# finish PID: waits for PID to end, and sets RC to its exit status.
finish() {
  local _
  for _ in $(seq 600); do
    kill -0 "$1" 2>/dev/null || { wait "$1"; RC=$?; return 0; }
    sleep 0.1
  done
  kill -KILL "$1"; wait "$1"; RC=$?
  echo "  still running 60 s later (killed)"; return 1
}
# expect_end WANT PID: finish PID, and its status must be WANT.
expect_end() {
  finish "$2" || return 1
  [ "$RC" -eq "$1" ] && return 0
  echo "  exited $RC, expected $1; stderr:"; sed 's/^/    /' "$WORK/err"; return 1
}
# wait_catching PID: waits until PID catches SIGINT (SigCgt, Linux).
wait_catching() {
  local _ mask
  for _ in $(seq 600); do
    mask=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status" 2>/dev/null)
    [ -n "$mask" ] && (( (16#$mask >> 1) & 1 )) && return 0
    sleep 0.1
  done
  echo "  $1 never caught SIGINT"; return 1
}
# Only this build's processes: other checkouts run these tests at the same time.
no_children() {
  ! pgrep -f "^$FC .*iterations $1" >/dev/null || { echo "  children still running"; return 1; }
}
signum() { kill -l "$1"; }
# perl_sets CODE: PERL=(a command prefix that runs CODE, POSIX imported, then execs the
# rest of its arguments: signal dispositions and the mask pass through exec).
perl_sets() { PERL=(perl -MPOSIX -e "$1; exec @ARGV or die"); }
# The pid of the child forked for keys FIRST..: from run's "forked" lines.
child_pid() { sed -n "s/^forked    child \([0-9]*\): keys $1\.\..*/\1/p" "$WORK/out"; }

# 3: started with SIGCHLD ignored, the kernel reaped the children itself: every child
# was reported "killed by signal 2" from a status never filled in.
t_ignored_sigchld_is_put_right() {
  expect_status 0 "$FC" run --count 4 --iterations 1000 --workers 2 || return 1
  local want; want=$(grep '^total' "$WORK/out")
  perl_sets '$SIG{CHLD} = "IGNORE"'
  expect_status 0 "${PERL[@]}" "$FC" run --count 4 --iterations 1000 --workers 2 &&
  [ "$(grep '^total' "$WORK/out")" = "$want" ] &&
  [ "$(grep -c '^collected child' "$WORK/out")" -eq 2 ] && no_leftovers
}

# 15: SIGINT/SIGTERM blocked in the inherited mask were never acted on; ignored ones
# are acted on too (a non-interactive shell starts `cmd &` with SIGINT ignored).
t_blocked_or_ignored_sigint_sigterm_still_stop_a_run() {
  local setup sig
  for setup in 'sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGINT, SIGTERM))' \
               '$SIG{INT} = $SIG{TERM} = "IGNORE"'; do
    for sig in INT TERM; do
      perl_sets "$setup"
      bg "${PERL[@]}" "$FC" run --count 2 --workers 2 --iterations $LONG
      wait_for '^forked.*keys 2' "$WORK/out" || return 1
      kill -$sig $PID
      expect_end $((128 + $(signum $sig))) $PID || { echo "  ($setup, SIG$sig)"; return 1; }
      grep -qx "forkcollect run: interrupted by SIG$sig: children stopped, files removed" "$WORK/err" &&
      no_children $LONG && no_leftovers || return 1
    done
  done
}

# SIGPIPE inherited ignored is put back to its default: a filter's reader that goes away
# ends a printing command quietly, as when SIGPIPE was not ignored.
t_inherited_ignored_sigpipe_is_put_right() {
  local big=$WORK/big.raw
  expect_status 0 "$FC" run --count 100000 --workers 2 --iterations 1 --format raw --save "$big" || return 1
  perl_sets '$SIG{PIPE} = "IGNORE"'
  "${PERL[@]}" "$FC" dump "$big" 2>"$WORK/err" | head -c 1 >/dev/null
  local rc=${PIPESTATUS[0]}
  [ "$rc" -eq $((128 + $(signum PIPE))) ] && [ ! -s "$WORK/err" ] || { echo "  exit $rc: $(cat "$WORK/err")"; return 1; }
}

# 11: past `ulimit -f`, SIGXFSZ killed convert and run --save and left OUT.part, which
# then blocked every later convert to that name.
t_file_size_limit_is_an_error_and_leaves_no_part_file() {
  local d=$WORK/fsize; mkdir -p "$d"
  expect_status 0 "$FC" run --count 200 --workers 1 --iterations 1 --save "$d/src.json" || return 1
  expect_status 1 bash -c 'ulimit -f 1 && exec "$@"' - "$FC" convert "$d/src.json" --to raw -o "$d/out.raw" &&
  grep -qx "forkcollect convert: $d/out.raw: write of [0-9]* bytes failed: File too large" "$WORK/err" &&
  [ ! -e "$d/out.raw.part" ] && [ ! -e "$d/out.raw" ] || { ls "$d"; return 1; }
  expect_status 0 "$FC" convert "$d/src.json" --to raw -o "$d/out.raw" || return 1
  # Children's files (50 records) fit under the limit; the saved file (200) does not.
  expect_status 1 bash -c 'ulimit -f 2 && exec "$@"' - "$FC" run --count 200 --workers 4 \
    --iterations 1 --format raw --save "$d/all.raw" &&
  grep -qx "forkcollect run: --save: $d/all.raw: write of [0-9]* bytes failed: File too large; nothing was written" "$WORK/err" &&
  [ ! -e "$d/all.raw.part" ] && [ ! -e "$d/all.raw" ] && no_leftovers
}

# 12: SIGHUP, SIGUSR1, SIGALRM... ended the run by their default action and left the
# private directory behind. Each now stops the run like SIGINT, named, 128+N.
# (A shell starts `cmd &` with SIGQUIT ignored, and an ignored SIGQUIT stays ignored:
# perl puts it back to its default first.)
t_other_stop_signals_clean_up_and_name_the_signal() {
  local sig
  perl_sets '$SIG{QUIT} = "DEFAULT"'
  for sig in HUP QUIT USR1 USR2 ALRM VTALRM PROF XCPU IO PWR RTMIN+3 RTMAX; do
    bg "${PERL[@]}" "$FC" run --count 2 --workers 2 --iterations $LONG
    wait_for '^forked.*keys 2' "$WORK/out" || return 1
    kill -s $sig $PID
    expect_end $((128 + $(signum $sig))) $PID || { echo "  (SIG$sig)"; return 1; }
    grep -qx "forkcollect run: interrupted by SIG$sig: children stopped, files removed" "$WORK/err" ||
      { echo "  SIG$sig: $(cat "$WORK/err")"; return 1; }
    no_children $LONG && no_leftovers || return 1
  done
}

# nohup's SIGHUP (inherited ignored) stays ignored: the run goes on to its end.
t_nohup_still_ignores_sighup() {
  bg nohup "$FC" run --count 2 --workers 2 --iterations $HALF
  wait_for '^forked.*keys 2' "$WORK/out" || return 1
  kill -HUP $PID
  expect_end 0 $PID && grep -q '^total: ' "$WORK/out" && no_leftovers
}

# A child still dies by a stop signal sent to it: it does not inherit the parent's
# handler (which would make it ignore SIGHUP and go on computing).
t_a_child_sent_sighup_dies_by_it() {
  bg "$FC" run --count 2 --workers 2 --iterations $HALF
  wait_for '^forked.*keys 2' "$WORK/out" || return 1
  local pid; pid=$(child_pid 1)
  kill -HUP "$pid"
  expect_end 1 $PID &&
  grep -qx "FAILED    child $pid (keys 1..1): killed by signal 1 (Hangup)" "$WORK/out" && no_leftovers
}

# 7: compare computed its reference values with no look at SIGINT (unbounded with
# large flags: here 1,000 numbers of 100,000,000 draws).
t_compare_stops_while_computing_its_reference_values() {
  bg "$FC" compare --count 1000 --iterations 100000000 --formats raw
  wait_catching $PID || { kill -KILL $PID; return 1; }
  sleep 0.3
  kill -INT $PID
  expect_end 130 $PID &&
  grep -qx "forkcollect compare: interrupted by SIGINT: children stopped, files removed" "$WORK/err" &&
  [ ! -s "$WORK/out" ] && no_leftovers
}

# 20: scale, roundtrip and formats exited 0 when stdout could not be written; run said
# "closed early" for a full device. Every command checks, names the cause, exits 1.
t_every_command_reports_stdout_it_cannot_write() {
  local args cmd
  for args in "formats" "roundtrip" "scale --count 2 --iterations 10 --repeat 1 --workers 1" \
              "compare --count 10 --repeat 1 --warmup 0 --formats raw" \
              "dump $VEC/json-edge.json" "run --count 2 --iterations 10" "run --help" "--version"; do
    cmd=${args%% *}; [ "$cmd" = --version ] && cmd=
    # shellcheck disable=SC2086
    "$FC" $args >/dev/full 2>"$WORK/err"; local rc=$?
    [ $rc -eq 1 ] || { echo "  '$args' >/dev/full: exit $rc"; return 1; }
    local tail=; [ "$args" = "run --count 2 --iterations 10" ] && tail="; the run was still completed and cleaned up"
    [ "$(cat "$WORK/err")" = "forkcollect${cmd:+ $cmd}: cannot write to standard output: No space left on device$tail" ] ||
      { echo "  '$args': $(cat "$WORK/err")"; return 1; }
  done
  "$FC" formats >&- 2>"$WORK/err"
  [ $? -eq 1 ] && grep -qx "forkcollect formats: cannot write to standard output: Bad file descriptor" "$WORK/err" &&
  no_leftovers
}

# in_link STRACE_PID: prints the pid of the command strace runs once that command has
# stopped on entering link() or linkat() (x86-64 system calls 86 and 265, as
# /proc/PID/syscall shows a tracee held at the entry); fails after 60 s.
in_link() {
  local _ fc= nr
  for _ in $(seq 600); do
    fc=$(pgrep -P "$1")
    nr=$(cut -d' ' -f1 "/proc/$fc/syscall" 2>/dev/null)
    [ -n "$fc" ] && { [ "$nr" = 86 ] || [ "$nr" = 265 ]; } && { echo "$fc"; return 0; }
    sleep 0.1
  done
  return 1
}

# 14: a signal during the --save write was swallowed (exit 0, file saved). strace holds
# the parent in link(), the last step of the save, while the signal arrives.
t_a_signal_during_the_save_write_is_not_swallowed() {
  if ! strace -o /dev/null true 2>/dev/null; then echo "  (skipped: strace cannot trace here)"; return 0; fi
  [ "$(uname -m)" = x86_64 ] || { echo "  (skipped: system call numbers here are x86-64's)"; return 0; }
  local d=$WORK/save; mkdir -p "$d"
  # LeakSanitizer cannot work under ptrace: an ASan build checks leaks elsewhere.
  local -x ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
  bg strace -o /dev/null -e trace=link,linkat -e inject=link,linkat:delay_enter=2000000 \
    "$FC" run --count 4 --workers 2 --iterations 1000 --save "$d/s.json"
  local fc=
  fc=$(in_link $PID) || { echo "  the save never started"; return 1; }
  kill -TERM "$fc"
  expect_end 143 $PID &&
  grep -qx "forkcollect run: interrupted by SIGTERM: children stopped, files removed (and --save's file)" "$WORK/err" &&
  [ -z "$(ls -A "$d")" ] && no_leftovers || { ls "$d"; return 1; }
  # convert likewise: nothing written, no OUT.part left.
  bg strace -o /dev/null -e trace=link,linkat -e inject=link,linkat:delay_enter=2000000 \
    "$FC" convert "$VEC/json-edge.json" --to raw -o "$d/c.raw"
  fc=$(in_link $PID) || { echo "  convert never wrote"; return 1; }
  kill -INT "$fc"
  expect_end 130 $PID &&
  grep -qx "forkcollect convert: interrupted by SIGINT: nothing written" "$WORK/err" &&
  [ -z "$(ls -A "$d")" ] || { ls "$d"; return 1; }
}

# A file written for the user (--save, convert -o) is written unnamed (O_TMPFILE) and
# linked last, so even SIGKILL, which no handler sees, leaves no .part behind (it left
# OUT.part, which then blocked every later write to OUT).
t_sigkill_while_writing_leaves_no_part_file() {
  if ! strace -o /dev/null true 2>/dev/null; then echo "  (skipped: strace cannot trace here)"; return 0; fi
  [ "$(uname -m)" = x86_64 ] || { echo "  (skipped: system call numbers here are x86-64's)"; return 0; }
  local d=$WORK/kill9; mkdir -p "$d"
  local -x ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
  bg strace -o /dev/null -e trace=link,linkat -e inject=link,linkat:delay_enter=2000000 \
    "$FC" convert "$VEC/json-edge.json" --to raw -o "$d/c.raw"
  local fc
  fc=$(in_link $PID) || { echo "  convert never wrote"; return 1; }
  kill -KILL "$fc"
  wait $PID 2>/dev/null
  [ -z "$(ls -A "$d")" ] || { echo "  left: $(ls -A "$d")"; return 1; }
  expect_status 0 "$FC" convert "$VEC/json-edge.json" --to raw -o "$d/c.raw"
}

# 16: --keep with a failed or interrupted run kept the private directory without naming
# it, and said "files removed".
t_keep_says_what_a_failed_or_interrupted_run_kept() {
  local a b dir
  # Failed: child 1 killed, child 2 collected.
  bg "$FC" run --count 2 --workers 2 --iterations $HALF --keep
  wait_for '^forked.*keys 2' "$WORK/out" || return 1
  a=$(child_pid 1); b=$(child_pid 2)
  kill -KILL "$a"
  expect_end 1 $PID || return 1
  dir=$(ls -d "$TMPDIR"/forkcollect-*)
  grep -qx "forkcollect run: --keep: kept the 1 result file collected, in $dir:" "$WORK/err" &&
  grep -qx "  $dir/$PID-$b.json" "$WORK/err" && [ -f "$dir/$PID-$b.json" ] &&
  [ "$(ls "$dir")" = "$PID-$b.json" ] || { cat "$WORK/err"; return 1; }
  rm -rf "$dir"
  # Interrupted: child 1 stopped (SIGSTOP), child 2 collected, then SIGINT.
  bg "$FC" run --count 2 --workers 2 --iterations $HALF --keep
  wait_for '^forked.*keys 2' "$WORK/out" || return 1
  a=$(child_pid 1); b=$(child_pid 2)
  kill -STOP "$a"
  wait_for "^collected child $b" "$WORK/out" || { kill -KILL "$a" $PID; return 1; }
  kill -INT $PID
  expect_end 130 $PID || return 1
  dir=$(ls -d "$TMPDIR"/forkcollect-*)
  grep -qx "forkcollect run: interrupted by SIGINT: children stopped" "$WORK/err" &&
  grep -qx "forkcollect run: --keep: kept the 1 result file collected, in $dir:" "$WORK/err" &&
  [ "$(ls "$dir")" = "$PID-$b.json" ] && ! grep -q 'files removed' "$WORK/err" &&
  no_children $HALF || { cat "$WORK/err"; return 1; }
  rm -rf "$dir"
  # Nothing collected: said so, and the empty private directory is not left behind.
  expect_status 1 "$FC" run --count 2 --workers 2 --iterations $LONG --timeout 0.2 --keep &&
  grep -qx "forkcollect run: --keep: no child was collected, so no result file was kept" "$WORK/err" &&
  no_leftovers
}

run_tests
