#!/usr/bin/env bash
# tests/cli_onelist.sh - the list of formats (fc_format lines in CMakeLists.txt) is the
# only one: `formats`, the help texts and the fuzz seeds all follow the formats built.
# shellcheck source=tests/clilib.sh
source "$(dirname "$0")/clilib.sh"
CORPUS=$(cd "$VEC/../../fuzz/corpus" && pwd)

# "raw, json, msgpack, protobuf or tpl", for whatever the build holds.
names_or() { "$FC" formats --names | paste -sd, | sed 's/,/, /g; s/\(.*\), /\1 or /'; }

t_formats_names_prints_one_built_name_a_line() {
  expect_status 0 "$FC" formats --names &&
  [ -s "$WORK/out" ] && ! grep -qv '^[a-z][a-z0-9_]*$' "$WORK/out" &&
  [ "$(sort -u "$WORK/out" | wc -l)" -eq "$(wc -l < "$WORK/out")" ] &&
  cp "$WORK/out" "$WORK/names" &&
  expect_status 0 "$FC" formats || return 1
  # Each line after the header: a format built (4+ columns), or one not built and why.
  local bad; bad=$(awk 'NR > 1 && !/^[a-z0-9_]+ +not built: .+/ && NF < 4' "$WORK/out")
  [ -z "$bad" ] || { echo "  malformed: $bad"; return 1; }
  [ "$(awk 'NR > 1 && !/ not built: / {print $1}' "$WORK/out")" = "$(cat "$WORK/names")" ] &&
  expect_status 2 "$FC" formats --names extra && grep -q "unexpected argument 'extra'" "$WORK/err" &&
  expect_status 0 "$FC" formats --help && grep -q -- '--names' "$WORK/out"
}

t_help_texts_list_the_formats_built() {
  local list; list=$(names_or)
  expect_status 0 "$FC" run --help && grep -qxF "  -f, --format F      $list (default json)" "$WORK/out" &&
  expect_status 0 "$FC" convert --help && grep -qxE "  -t, --to FORMAT +$list" "$WORK/out" &&
  expect_status 0 "$FC" --help &&
  grep -qF "Formats: $("$FC" formats --names | paste -sd, | sed 's/,/, /g') (see 'forkcollect formats')." "$WORK/out" &&
  ! grep -q '{formats}' "$WORK/out"
}

# A format built without seeds would be fuzzed from nothing and detected untested.
t_every_format_built_has_fuzz_seeds() {
  local f ext
  expect_status 0 "$FC" formats || return 1
  for f in $("$FC" formats --names); do
    [ -n "$(ls -A "$CORPUS/$f" 2>/dev/null)" ] || { echo "  fuzz/corpus/$f/ is missing or empty"; return 1; }
    ext=$(awk -v f="$f" 'NR > 1 && $1 == f {print $2}' "$WORK/out")
    [ -s "$CORPUS/detect/ex5.$ext" ] || { echo "  fuzz/corpus/detect/ex5.$ext is missing"; return 1; }
  done
}

run_tests
