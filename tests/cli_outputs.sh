#!/usr/bin/env bash
# tests/cli_outputs.sh - the files forkcollect writes for the user (--save, --chart) and
# the flags that name them: nothing followed, nothing overwritten, nothing lost, and a
# message that says what is wrong with a flag.
# Usage: tests/cli_outputs.sh path/to/forkcollect path/to/tests/vectors
# shellcheck source=tests/clilib.sh
source "$(dirname "$0")/clilib.sh"

# A child whose range ends at 2^64-1 was dropped from --save (its loop `k < first +
# count` overflowed to 0), while the run said "saved: 6 records" and exited 0.
t_save_keeps_the_range_that_ends_at_2_64() {
  local f=$WORK/top.json
  expect_status 0 "$FC" run --start 18446744073709551610 --count 6 --workers 2 --iterations 1 \
    --save "$f" &&
  grep -qx "saved: 6 records to $f (json)" "$WORK/out" &&
  expect_status 0 "$FC" dump "$f" &&
  [ "$(cut -d' ' -f1 "$WORK/out" | tr '\n' ' ')" = \
    "18446744073709551610 18446744073709551611 18446744073709551612 18446744073709551613 18446744073709551614 18446744073709551615 " ] ||
    { echo "  saved keys: $(cut -d' ' -f1 "$WORK/out" | tr '\n' ' ')"; return 1; }
  no_leftovers
}

run_tests
