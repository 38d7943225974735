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

# ==== Flags: one parser for every command (cli_parse in cli/common.c) ====

# expect_usage LINE CMD...: exit 2, nothing on stdout, exactly LINE on stderr.
expect_usage() {
  local line=$1; shift
  expect_status 2 "$FC" "$@" || return 1
  [ ! -s "$WORK/out" ] || { echo "  '$*' printed to stdout"; return 1; }
  [ "$(cat "$WORK/err")" = "$line" ] || { echo "  '$*' said: $(cat "$WORK/err")"; echo "  expected: $line"; return 1; }
}

# getopt's tail said "unknown option 'run'" for -Zk (argv[optind - 1] after a cluster).
t_unknown_flag_in_a_cluster_is_named() {
  local c
  for c in run compare scale roundtrip; do
    expect_usage "forkcollect $c: unknown option '-Z' (in '-Zk') (see 'forkcollect $c --help')" $c -Zk &&
    expect_usage "forkcollect $c: unknown option '-Z' (see 'forkcollect $c --help')" $c -Z &&
    expect_usage "forkcollect $c: unknown option '--bogus' (see 'forkcollect $c --help')" $c --bogus=1 || return 1
  done
}

# An ambiguous prefix was called unknown; it now lists what it could be.
t_ambiguous_prefix_lists_the_candidates() {
  expect_usage "forkcollect compare: option '--w' is ambiguous: it could be --workers or --warmup (see 'forkcollect compare --help')" compare --w 2 &&
  expect_usage "forkcollect roundtrip: unknown option '--' (see 'forkcollect roundtrip --help')" roundtrip --=1 &&
  # run's list grows with its flags; --start and --save are two of the candidates.
  expect_status 2 "$FC" run --s 5 &&
  grep -q "^forkcollect run: option '--s' is ambiguous: it could be --start.*--save" "$WORK/err" ||
    { cat "$WORK/err"; return 1; }
  # A whole name is never ambiguous, and a unique prefix is that flag.
  expect_status 0 "$FC" run --coun 2 --work 1 --it 1 --form raw && grep -q '^total: ' "$WORK/out"
}

# --keep=yes was called an unknown option.
t_flag_without_value_says_so() {
  expect_usage "forkcollect run: --keep takes no value (got '--keep=yes') (see 'forkcollect run --help')" run --keep=yes &&
  expect_usage "forkcollect run: --count needs a value (see 'forkcollect run --help')" run --count &&
  expect_usage "forkcollect run: -n (--count) needs a value (see 'forkcollect run --help')" run -n &&
  expect_usage "forkcollect compare: --chart needs a value (see 'forkcollect compare --help')" compare --chart &&
  expect_usage "forkcollect scale: unexpected argument 'extra' (see 'forkcollect scale --help')" scale extra
}

# Every spelling getopt took still works: -n2, -n 2, --count=2, clusters, "--".
t_flag_spellings() {
  expect_status 0 "$FC" run -kn2 -w1 -i1 --format=raw --dir "$WORK" &&
  grep -qx 'total: 1.0903985160016507' "$WORK/out" && rm -f "$WORK"/*.raw &&
  expect_status 0 "$FC" run -n 2 -w 1 -i 1 -fjson && grep -qx 'total: 1.0903985160016507' "$WORK/out" &&
  expect_usage "forkcollect run: unexpected argument '--count' (see 'forkcollect run --help')" run -- --count &&
  expect_status 0 "$FC" run --he && grep -q '^usage: forkcollect run' "$WORK/out" &&
  expect_status 0 "$FC" scale -h && grep -q '^usage: forkcollect scale' "$WORK/out" &&
  no_leftovers
}

# scale --workers: 64 or more counts exited 2 without a word; a list over 511
# characters was cut where it crossed 511, without a word.
t_scale_worker_lists_of_any_length() {
  local many long
  many=$(seq -s, 1 70)
  expect_status 0 "$FC" scale --workers "$many" --count 1 --iterations 1 --repeat 1 &&
  [ "$(grep -cE '^ +[0-9]+ +1 +[0-9.]+ ' "$WORK/out")" -eq 70 ] || { echo "  70 counts: $(tail -1 "$WORK/out")"; return 1; }
  long=$(printf '0001,%.0s' $(seq 130))0002   # 655 characters; the 2 is at the end
  expect_status 0 "$FC" scale --workers "$long" --count 2 --iterations 1 --repeat 1 &&
  [ "$(grep -cE '^ +1 +1 ' "$WORK/out")" -eq 130 ] && grep -qE '^ +2 +2 ' "$WORK/out" ||
    { echo "  long list: $(tail -2 "$WORK/out")"; return 1; }
  expect_usage "forkcollect scale: --workers: at most 1024 worker counts (see 'forkcollect scale --help')" \
    scale --workers "$(seq -s, 1 1025)" &&
  expect_usage "forkcollect scale: --workers: '1,,2' has an empty item (item 2) (see 'forkcollect scale --help')" \
    scale --workers 1,,2 &&
  expect_usage "forkcollect compare: --formats: 'raw,' has an empty item (item 2) (see 'forkcollect compare --help')" \
    compare --formats raw,
}

# Issue 11 item 7: a negative --start was "not a whole number"; say what Python does.
t_negative_start_says_what_python_does() {
  expect_usage "forkcollect run: --start: -5 is negative; Python's random.seed(-5) is random.seed(5) (it drops the sign), so use --start 5 (see 'forkcollect run --help')" run --start -5 &&
  expect_usage "forkcollect run: --start: -5 is negative; Python's random.seed(-5) is random.seed(5) (it drops the sign), so use --start 5 (see 'forkcollect run --help')" run --start=-5 &&
  expect_usage "forkcollect run: --count: -3 is negative (give 1 to 100000000) (see 'forkcollect run --help')" run --count -3 &&
  "$PY" -c 'import random; random.seed(-5); a = random.random(); random.seed(5); assert a == random.random()'
}

# Issue 11 item 7: "(1 numbers)".
t_one_is_singular() {
  expect_status 0 "$FC" run --count 1 --workers 1 --iterations 1 --save "$WORK/one.json" &&
  grep -qx 'run: numbers 1..1, 1 worker, 1 iteration each, format json' "$WORK/out" &&
  grep -qx 'forked    child [0-9]*: keys 1..1 (1 number)' "$WORK/out" &&
  grep -q '^collected child [0-9]*: 1 record, 26 bytes (' "$WORK/out" &&
  grep -qx "saved: 1 record to $WORK/one.json (json)" "$WORK/out" &&
  expect_status 0 "$FC" roundtrip --formats raw --values random --count 1 &&
  grep -qx 'roundtrip: 1 random value, 1 format, 1 ordered pair' "$WORK/out"
}

# convert and dump read their flags with the same parser as the other commands (they had
# getopt loops of their own, with "unknown option" for a cluster and no abbreviations).
t_convert_and_dump_share_the_parser() {
  local d=$WORK/parser; mkdir -p "$d"
  expect_status 2 "$FC" dump -Zk "$VEC/json-1-5-iter1000.json" &&
  grep -qF "unknown option '-Z' (in '-Zk')" "$WORK/err" &&
  expect_status 2 "$FC" convert "$VEC/json-1-5-iter1000.json" --to raw --keep &&
  grep -qF "unknown option '--keep'" "$WORK/err" || return 1
  expect_status 0 "$FC" dump --from=json "$VEC/json-1-5-iter1000.json" &&
  [ "$(wc -l < "$WORK/out")" -eq 5 ] &&
  expect_status 0 "$FC" convert "$VEC/json-1-5-iter1000.json" --fr json --t raw --out="$d/five.raw" &&
  expect_status 0 "$FC" dump "$d/five.raw" && [ "$(wc -l < "$WORK/out")" -eq 5 ]
}

# --save - and --chart - made a file named "-" (convert and dump take - as the standard
# streams; run and compare print their report there).
t_dash_is_not_a_save_or_chart_file() {
  local d=$WORK/dash; mkdir -p "$d"
  (cd "$d" && expect_status 2 "$FC" run --count 2 --iterations 1 --save -) &&
  grep -qF "forkcollect run: --save: '-' is not standard output here" "$WORK/err" &&
  (cd "$d" && expect_status 2 "$FC" compare --count 10 --repeat 1 --warmup 0 --chart -) &&
  grep -qF "forkcollect compare: --chart: '-' is not standard output here" "$WORK/err" &&
  [ -z "$(ls -A "$d")" ]
}

# roundtrip's matrix stays aligned when a name is longer than its column was
# ("flatbuffers", 11 characters, pushed its row's verdicts right).
t_roundtrip_matrix_is_aligned() {
  expect_status 0 "$FC" roundtrip --count 2 &&
  awk '/^A \\ B/ { on = 1; w = length($0) } on && NF == 0 { exit } on && length($0) != w { bad = 1 }
       END { exit bad || !w }' "$WORK/out" || { cat "$WORK/out"; return 1; }
}

run_tests
