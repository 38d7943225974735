#!/usr/bin/env bash
# tests/cli_transport.sh - `run --transport` and `compare --transport`: pipes give what
# files give, for every format, and fail the same way.
# Usage: tests/cli_transport.sh path/to/forkcollect path/to/tests/vectors
# shellcheck source=tests/clilib.sh
source "$(dirname "$0")/clilib.sh"

# Every format: the same total, and the same records byte for byte (--save), over pipes
# as through files; no file or directory is left, and none is made for the pipes.
t_pipe_gives_what_files_give_for_every_format() {
  local f
  for f in $("$FC" formats --names); do
    expect_status 0 "$FC" run -n 13 -w 4 -i 300 -f "$f" --save "$WORK/file.$f" || return 1
    local want; want=$(grep '^total: ' "$WORK/out")
    expect_status 0 "$FC" run -n 13 -w 4 -i 300 -f "$f" --transport pipe \
      --save "$WORK/pipe.$f" || return 1
    [ "$(grep '^total: ' "$WORK/out")" = "$want" ] ||
      { echo "  $f: $(grep '^total' "$WORK/out"), expected $want"; return 1; }
    cmp -s "$WORK/file.$f" "$WORK/pipe.$f" || { echo "  $f: saved records differ"; return 1; }
    grep -q "^streams: 4, [0-9]* bytes in all (over pipes)$" "$WORK/out" ||
      { echo "  $f: $(grep -E '^(files|streams)' "$WORK/out")"; return 1; }
    head -1 "$WORK/out" | grep -q ", format $f, over pipes$" || { head -1 "$WORK/out"; return 1; }
    no_leftovers || return 1
  done
}

# The bytes streamed are the bytes a file holds: the same sizes in the collected lines.
t_pipe_moves_the_same_bytes_as_a_file() {
  expect_status 0 "$FC" run -n 6 -w 2 -i 100 -f msgpack || return 1
  local want; want=$(sed -n 's/^files: [0-9]*, \([0-9]*\) bytes.*/\1/p' "$WORK/out")
  expect_status 0 "$FC" run -n 6 -w 2 -i 100 -f msgpack --transport pipe || return 1
  local got; got=$(sed -n 's/^streams: [0-9]*, \([0-9]*\) bytes.*/\1/p' "$WORK/out")
  if [ -z "$want" ] || [ "$got" != "$want" ]; then
    echo "  $got bytes over pipes, $want in files"; return 1
  fi
}

t_wrong_transport_flags_are_usage_errors() {
  expect_status 2 "$FC" run --transport pipes || return 1
  [ "$(cat "$WORK/err")" = "forkcollect run: --transport: unknown transport 'pipes' (known: file or pipe) (see 'forkcollect run --help')" ] ||
    { echo "  stderr: $(cat "$WORK/err")"; return 1; }
  expect_status 2 "$FC" run -n 2 -i 1 --transport pipe --keep || return 1
  [ "$(cat "$WORK/err")" = "forkcollect run: --keep: the pipe transport writes no files (give --transport file) (see 'forkcollect run --help')" ] ||
    { echo "  stderr: $(cat "$WORK/err")"; return 1; }
  expect_status 2 "$FC" run -n 2 -i 1 --dir "$WORK" --transport pipe || return 1
  grep -q "^forkcollect run: --dir: the pipe transport writes no files" "$WORK/err" ||
    { echo "  stderr: $(cat "$WORK/err")"; return 1; }
  expect_status 2 "$FC" compare --transport socket || return 1
  grep -q "^forkcollect compare: --transport: unknown transport 'socket'" "$WORK/err" ||
    { echo "  stderr: $(cat "$WORK/err")"; return 1; }
  no_leftovers
}

# A child killed while its parent waits on its stream is reported as over files.
t_a_child_killed_over_a_pipe_is_reported_as_over_files() {
  "$FC" run --count 2 --workers 2 --iterations 100000019 --transport pipe >"$WORK/out" 2>"$WORK/err" &
  local pid=$! child="" _
  for _ in $(seq 200); do
    child=$(sed -n 's/^forked    child \([0-9]*\): keys 1\.\..*/\1/p' "$WORK/out")
    [ -n "$child" ] && break
    sleep 0.05
  done
  [ -n "$child" ] || { kill -KILL $pid; echo "  no child forked"; return 1; }
  kill -KILL "$child"
  wait $pid
  local rc=$?
  [ $rc -eq 1 ] || { echo "  exit $rc"; return 1; }
  grep -qx "FAILED    child $child (keys 1..1): killed by signal 9 (Killed)" "$WORK/out" ||
    { cat "$WORK/out"; return 1; }
  no_leftovers
}

t_compare_runs_over_pipes() {
  expect_status 0 "$FC" compare --formats raw,json --count 200 --repeat 1 --warmup 0 \
    --transport pipe --output csv || return 1
  no_leftovers
}

run_tests
