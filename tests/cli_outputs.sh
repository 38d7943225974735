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

# The smallest compare there is, for the chart tests.
small_compare() { "$FC" compare --count 10 --iterations 1 --repeat 1 --warmup 0 --formats raw "$@"; }

# --chart once opened its file with fopen("w"): it followed a planted symlink and
# overwrote what it pointed at.
t_chart_never_follows_a_symlink() {
  local target=$WORK/precious c=$WORK/chart.svg
  printf 'keep me\n' > "$target"; chmod 600 "$target"
  ln -s "$target" "$c"
  expect_status 2 small_compare --chart "$c" || return 1
  grep -qx "forkcollect compare: --chart: $c is a symbolic link; forkcollect never writes through one (remove it or choose another name) (see 'forkcollect compare --help')" "$WORK/err" &&
  [ ! -s "$WORK/out" ] && [ "$(cat "$target")" = "keep me" ] && [ "$(readlink "$c")" = "$target" ] &&
  [ ! -e "$c.part" ] &&
  # A dangling one too: fopen("w") would have created its target.
  ln -s "$WORK/nowhere" "$WORK/dangling.svg" &&
  expect_status 2 small_compare --chart "$WORK/dangling.svg" &&
  grep -q "dangling.svg is a symbolic link" "$WORK/err" && [ ! -e "$WORK/nowhere" ] && no_leftovers
}

t_chart_never_overwrites_a_file() {
  local c=$WORK/old.svg
  printf 'an older chart\n' > "$c"
  expect_status 2 small_compare --chart "$c" &&
  grep -qx "forkcollect compare: --chart: $c exists; it is never overwritten (see 'forkcollect compare --help')" "$WORK/err" &&
  [ "$(cat "$c")" = "an older chart" ] && no_leftovers
}

# The chart is made by the same writer as result files: mode 0600 whatever the umask,
# no .part left, and checked before the measuring starts.
t_chart_goes_through_the_safe_writer() {
  local c=$WORK/new.svg
  (umask 022; expect_status 0 small_compare --chart "$c") &&
  grep -q '^<svg ' "$c" && tail -1 "$c" | grep -qx '</svg>' &&
  [ "$(stat -c %a "$c")" = 600 ] && [ ! -e "$c.part" ] &&
  expect_status 2 small_compare --chart "$WORK/no/such/dir/c.svg" &&
  grep -qx "forkcollect compare: --chart: cannot write $WORK/no/such/dir/c.svg: directory $WORK/no/such/dir: No such file or directory (see 'forkcollect compare --help')" "$WORK/err" &&
  [ ! -s "$WORK/out" ] && no_leftovers
}

# --save problems other than "exists" were found only after the whole run. Each is now
# found before anything is forked, with exit 2 and the path named.
t_save_destination_is_checked_before_the_run() {
  local why f
  ln -s "$WORK/nowhere" "$WORK/dangling.json"
  : > "$WORK/stale.json.part"
  : > "$WORK/afile"
  for f in "$WORK/dangling.json" "$WORK/missing/out.json" "$WORK/stale.json" "$WORK/afile/out.json" "$WORK/dir/"; do
    expect_status 2 "$FC" run --count 2 --workers 1 --iterations 1 --save "$f" || return 1
    [ ! -s "$WORK/out" ] || { echo "  --save $f: the run went ahead: $(head -2 "$WORK/out")"; return 1; }
    [ "$(wc -l < "$WORK/err")" -eq 1 ] && grep -qF -- "--save: " "$WORK/err" || { cat "$WORK/err"; return 1; }
  done
  expect_status 2 "$FC" run --count 2 --save "$WORK/dangling.json" &&
  grep -qx "forkcollect run: --save: $WORK/dangling.json is a symbolic link; forkcollect never writes through one (remove it or choose another name) (see 'forkcollect run --help')" "$WORK/err" &&
  expect_status 2 "$FC" run --count 2 --save "$WORK/missing/out.json" &&
  grep -qx "forkcollect run: --save: cannot write $WORK/missing/out.json: directory $WORK/missing: No such file or directory (see 'forkcollect run --help')" "$WORK/err" &&
  expect_status 2 "$FC" run --count 2 --save "$WORK/stale.json" &&
  grep -qx "forkcollect run: --save: $WORK/stale.json.part exists (left by an interrupted write?); remove it first (see 'forkcollect run --help')" "$WORK/err" &&
  expect_status 2 "$FC" run --count 2 --save "$WORK/afile/out.json" &&
  grep -qx "forkcollect run: --save: cannot write $WORK/afile/out.json: $WORK/afile is not a directory (see 'forkcollect run --help')" "$WORK/err" &&
  [ ! -e "$WORK/nowhere" ] && [ ! -s "$WORK/stale.json.part" ] && [ ! -e "$WORK/stale.json" ] &&
  no_leftovers
}

run_tests
