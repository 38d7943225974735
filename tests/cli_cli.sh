#!/usr/bin/env bash
# tests/cli_cli.sh - what cli/ shares between commands: one extension rule (the
# library's, fc_codec_for_path) for --save and convert's default output.
source "$(dirname "$0")/clilib.sh"

# run --save names its format by the file's extension, as reading it back does.
t_save_extension_names_the_format() {
  expect_status 0 "$FC" run --count 3 --workers 1 --iterations 10 --format json --save "$WORK/x.msgpack" &&
  grep -qx "saved: 3 records to $WORK/x.msgpack (msgpack)" "$WORK/out" &&
  "$FC" dump --from msgpack "$WORK/x.msgpack" >/dev/null
}

# A name that begins with its only dot (.msgpack) is a hidden file's, not an
# extension: --save writes the run's format. It wrote msgpack before, while reading
# the file back ignored the name.
t_save_hidden_name_has_no_extension() {
  expect_status 0 "$FC" run --count 3 --workers 1 --iterations 10 --format json --save "$WORK/.msgpack" &&
  grep -qx "saved: 3 records to $WORK/.msgpack (json)" "$WORK/out" &&
  "$FC" dump --from json "$WORK/.msgpack" >/dev/null
}

# convert's default OUT replaces an extension, and keeps a hidden name whole: it made
# sub/.raw of sub/.json before, a name unlike the input's.
t_convert_default_output_keeps_a_hidden_name() {
  mkdir -p "$WORK/sub" &&
  "$FC" run --count 2 --workers 1 --iterations 10 --format json --save "$WORK/sub/.json" >/dev/null &&
  expect_status 0 "$FC" convert "$WORK/sub/.json" --to raw &&
  [ -f "$WORK/sub/.json.raw" ] && [ ! -e "$WORK/sub/.raw" ] &&
  expect_status 0 "$FC" convert "$WORK/sub/.json.raw" --to msgpack &&
  [ -f "$WORK/sub/.json.msgpack" ]
}

# --output's kinds, and its message, come from report.c's one table of kinds: the
# message lists them all (table first), and each one it lists is accepted.
t_compare_output_kinds_from_one_table() {
  expect_status 2 "$FC" compare --output xml &&
  grep -Eqx "forkcollect compare: --output: 'xml' is not table(, [a-z]+)* or [a-z]+ \(see 'forkcollect compare --help'\)" "$WORK/err" &&
  local kinds k
  kinds=$(sed -E "s/.* is not (.*) \(see .*/\1/; s/,? or /, /; s/, / /g" "$WORK/err") &&
  for k in csv json markdown; do
    case " $kinds " in *" $k "*) ;; *) echo "  $k missing from: $kinds"; return 1;; esac
  done &&
  for k in $kinds; do
    expect_status 0 "$FC" compare --output "$k" --formats raw --count 10 --repeat 1 --warmup 0 &&
    [ -s "$WORK/out" ] || { echo "  --output $k"; return 1; }
  done &&
  expect_status 0 "$FC" compare --output MarkDown --formats raw --count 10 --repeat 1 --warmup 0 &&
  head -1 "$WORK/out" | grep -q '^| format | file bytes |'
}

run_tests
