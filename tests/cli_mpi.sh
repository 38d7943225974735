#!/usr/bin/env bash
# tests/cli_mpi.sh - `run --engine mpi` (cli/mpi.c, core/mpi_driver.c) under a real mpirun
# on this machine, 2 to 8 ranks: the same total and the same records as the fork engine
# for every format and both transports, messages split in pieces, and the failures: a
# rank killed, a rank hung past --timeout, garbage bytes, a broken header. Every mpirun
# is wrapped in `timeout`, so a hang is a failure, never a stuck test.
# Skipped (with a message) when mpirun is missing or forkcollect was built without MPI.
source "$(dirname "$0")/clilib.sh"

skip_all() { echo "skipped: $*"; echo "0 passed, 0 failed"; exit 0; }
command -v mpirun >/dev/null || skip_all "no mpirun on PATH (install openmpi-bin)"
[ -x "$(dirname "$FC")/forkcollect-mpi" ] || skip_all "forkcollect was built without MPI"
MPIRUN=(mpirun)
if mpirun --version 2>/dev/null | grep -q "Open MPI"; then
  MPIRUN+=(--oversubscribe) # more ranks than the machine's cores
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 # as root in CI
  export OMPI_MCA_rmaps_base_oversubscribe=1
fi
# Open MPI's own allocations are never freed: LeakSanitizer would fail every rank.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
FORMATS=$("$FC" formats --names)

# mpi NP ARGS...: `forkcollect ARGS...` on NP ranks, given at most 60 s (then SIGTERM,
# and SIGKILL 10 s later: an mpirun stuck in its own shutdown must not hold the test).
mpi() { local np=$1; shift; timeout -k 10 60 "${MPIRUN[@]}" -np "$np" "$FC" "$@"; }
total() { grep '^total: ' "$1"; }

# --- the same total and the same records as the fork engine, every format, 2..8 ranks.
t_every_format_same_total_and_records() {
  local f np=2 out=$WORK/same
  mkdir -p "$out"
  for f in $FORMATS; do
    expect_status 0 "$FC" run -f "$f" -n 37 -i 2000 -w $((np - 1)) -o "$out/fork.$f" || return 1
    cp "$WORK/out" "$out/fork.txt"
    expect_status 0 mpi "$np" run --engine mpi -f "$f" -n 37 -i 2000 -o "$out/mpi.$f" || return 1
    [ "$(total "$WORK/out")" = "$(total "$out/fork.txt")" ] && [ -n "$(total "$WORK/out")" ] ||
      { echo "  $f, $np ranks: '$(total "$WORK/out")', fork: '$(total "$out/fork.txt")'"; return 1; }
    cmp -s "$out/fork.$f" "$out/mpi.$f" ||
      { echo "  $f, $np ranks: --save files differ"; return 1; }
    [ "$(grep -c '^collected rank ' "$WORK/out")" -eq $((np - 1)) ] ||
      { echo "  $f, $np ranks: not $((np - 1)) ranks collected:"; cat "$WORK/out"; return 1; }
    np=$((np % 8 + 2)) # 2, 3, ..., 8, 2, ...
  done
}

# --- what it prints: the ranks and their hosts, the total, the bytes in messages.
t_prints_ranks_and_hosts() {
  expect_status 0 mpi 3 run --engine mpi -f msgpack -n 10 -i 100 || return 1
  grep -qE '^run: numbers 1\.\.10, 2 workers, 100 iterations each, format msgpack, MPI ranks, messages$' "$WORK/out" &&
    grep -qE '^started   rank 1 on [^ ]+ \(pid [0-9]+\): keys 1\.\.5 \(5 numbers\)$' "$WORK/out" &&
    grep -qE '^started   rank 2 on [^ ]+ \(pid [0-9]+\): keys 6\.\.10 \(5 numbers\)$' "$WORK/out" &&
    grep -qE '^collected rank 2 on [^ ]+: 5 records, [0-9]+ bytes \(compute .*, receive .*\)$' "$WORK/out" &&
    grep -qE '^messages: 2, [0-9]+ bytes in all \(MPI\)$' "$WORK/out" ||
    { echo "  unexpected output:"; cat "$WORK/out"; return 1; }
}

# --- messages split in pieces (FORKCOLLECT_MPI_CHUNK: the split of encodings over 2 GiB,
# tested with 7-byte pieces).
t_chunked_messages_same_records() {
  local f
  for f in raw json; do
    expect_status 0 mpi 4 run --engine mpi -f "$f" -n 40 -i 100 -o "$WORK/whole.$f" || return 1
    FORKCOLLECT_MPI_CHUNK=7 expect_status 0 mpi 4 run --engine mpi -f "$f" -n 40 -i 100 \
      -o "$WORK/pieces.$f" || return 1
    cmp -s "$WORK/whole.$f" "$WORK/pieces.$f" || { echo "  $f: in pieces, other records"; return 1; }
  done
}

# --- the file transport: each rank's file is the fork engine's child's file, byte for
# byte (the same ranges); nothing left behind without --keep.
t_file_transport_same_files() {
  local d=$WORK/shared k=$WORK/keep
  mkdir -p "$d" "$k/fork" "$k/mpi"
  expect_status 0 mpi 4 run --engine mpi --transport file --dir "$d" -f pickle -n 30 -i 500 || return 1
  [ -z "$(ls -A "$d")" ] || { echo "  left in --dir: $(ls -A "$d")"; return 1; }
  grep -qE '^files: 3, [0-9]+ bytes in all \(removed' "$WORK/out" || { cat "$WORK/out"; return 1; }
  expect_status 0 mpi 4 run --engine mpi --transport file --dir "$k/mpi" --keep -f pickle -n 30 -i 500 || return 1
  sed -n 's/^  //p' "$WORK/out" >"$WORK/mpi.list"
  expect_status 0 "$FC" run --dir "$k/fork" --keep -w 3 -f pickle -n 30 -i 500 || return 1
  sed -n 's/^  //p' "$WORK/out" >"$WORK/fork.list"
  [ "$(wc -l <"$WORK/mpi.list")" -eq 3 ] || { echo "  kept: $(cat "$WORK/mpi.list")"; return 1; }
  paste -d' ' "$WORK/fork.list" "$WORK/mpi.list" | while read -r a b; do
    cmp -s "$a" "$b" || { echo "  $b differs from $a"; exit 1; }
  done || return 1
  # Without --dir: a private directory under TMPDIR, removed.
  expect_status 0 mpi 3 run --engine mpi --transport file -n 6 -i 10 && no_leftovers
}

# --- more ranks than numbers: the extra ranks have nothing to do.
t_more_ranks_than_numbers() {
  expect_status 0 mpi 5 run --engine mpi -n 2 -i 100 || return 1
  expect_status 0 "$FC" run -n 2 -i 100 -w 4 || return 1
  local want; want=$(total "$WORK/out")
  expect_status 0 mpi 5 run --engine mpi -n 2 -i 100 || return 1
  [ "$(total "$WORK/out")" = "$want" ] && [ "$(grep -c '^collected rank' "$WORK/out")" -eq 2 ] ||
    { cat "$WORK/out"; return 1; }
}

# --- a rank killed: mpirun ends the job; rank 0 says which ranks were not collected; no hang.
t_killed_rank_ends_the_job() {
  local t0=$SECONDS
  FORKCOLLECT_MPI_FAULT=die:2 mpi 4 run --engine mpi -n 30 -i 100 >"$WORK/out" 2>"$WORK/err"
  local rc=$?
  [ "$rc" -ne 0 ] && [ $((SECONDS - t0)) -lt 45 ] ||
    { echo "  exit $rc after $((SECONDS - t0)) s"; cat "$WORK/err"; return 1; }
  grep -q 'rank 2 .*exited on signal 9' "$WORK/err" ||
    { echo "  no clear error naming rank 2:"; cat "$WORK/err"; return 1; }
  # Rank 0's own list, when mpirun still forwards it as it ends the job (not always).
  ! grep -q 'not collected:' "$WORK/err" ||
    grep -qE 'not collected:( rank [13] on [^ ]+ \(keys [0-9.]+\))* rank 2 on [^ ]+ \(keys 11\.\.20\)' "$WORK/err" ||
    { echo "  rank 0's list does not name rank 2:"; cat "$WORK/err"; return 1; }
  ! grep -q '^total:' "$WORK/out" || { echo "  a total was printed"; return 1; }
}

# --- a rank that hangs: after --timeout rank 0 names it and ends the job with MPI_Abort.
t_hung_rank_times_out() {
  local t0=$SECONDS
  FORKCOLLECT_MPI_FAULT=hang:1 mpi 3 run --engine mpi -n 10 -i 100 --timeout 2 >"$WORK/out" 2>"$WORK/err"
  local rc=$?
  [ "$rc" -ne 0 ] && [ $((SECONDS - t0)) -lt 30 ] ||
    { echo "  exit $rc after $((SECONDS - t0)) s"; cat "$WORK/err"; return 1; }
  grep -qE '^FAILED    rank 1 on [^ ]+ \(pid [0-9]+, keys 1\.\.5\): no result within the 2\.000 s timeout' "$WORK/out" &&
    grep -q '^collected rank 2 ' "$WORK/out" &&
    grep -q 'ending the MPI job with MPI_Abort' "$WORK/err" ||
    { echo "  unexpected:"; cat "$WORK/out" "$WORK/err"; return 1; }
}

# --- garbage: a changed byte (CRC), bytes of no format (decode), a broken header. Each
# is refused with the rank and its host; the others are collected; exit 1, no total.
t_garbage_is_refused() {
  FORKCOLLECT_MPI_FAULT=crc:2 expect_status 1 mpi 4 run --engine mpi -f json -n 30 -i 100 || return 1
  grep -qE '^FAILED    rank 2 on [^ ]+ \(pid [0-9]+, keys 11\.\.20\): its message: CRC-32C differs' "$WORK/out" &&
    [ "$(grep -c '^collected rank' "$WORK/out")" -eq 2 ] && ! grep -q '^total' "$WORK/out" &&
    grep -q '1 of 3 children failed; 10 keys missing: 11..20' "$WORK/err" ||
    { echo "  crc:"; cat "$WORK/out" "$WORK/err"; return 1; }
  FORKCOLLECT_MPI_FAULT=junk:1 expect_status 1 mpi 3 run --engine mpi -f msgpack -n 10 -i 100 || return 1
  grep -qE '^FAILED    rank 1 on [^ ]+ \(pid [0-9]+, keys 1\.\.5\): its message \(msgpack\): ' "$WORK/out" ||
    { echo "  junk:"; cat "$WORK/out" "$WORK/err"; return 1; }
  local t0=$SECONDS
  FORKCOLLECT_MPI_FAULT=header:1 mpi 3 run --engine mpi -n 10 -i 100 >"$WORK/out" 2>"$WORK/err"
  local rc=$?
  [ "$rc" -ne 0 ] && [ $((SECONDS - t0)) -lt 45 ] &&
    grep -qE '^FAILED    rank 1 on [^ ]+ \(pid [0-9]+, keys 1\.\.5\): sent a message of [0-9]+ bytes with tag 1 where its [0-9]+-byte header' "$WORK/out" ||
    { echo "  header (exit $rc):"; cat "$WORK/out" "$WORK/err"; return 1; }
}

# --- a rank that cannot write its file says why, through rank 0.
t_rank_write_failure_reported() {
  expect_status 1 mpi 3 run --engine mpi --transport file --dir /proc -n 4 -i 10 || return 1
  grep -qE '^FAILED    rank [12] on [^ ]+ \(pid [0-9]+, keys [0-9.]+\): .*/proc/' "$WORK/out" ||
    { cat "$WORK/out" "$WORK/err"; return 1; }
}

# --- usage: one rank is not enough; flags that do not apply; fork flags refused early.
t_usage_errors() {
  expect_status 2 mpi 1 run --engine mpi -n 4 -i 10 &&
    grep -q 'needs at least 2 ranks' "$WORK/err" || return 1
  # Without mpirun: MPI_Init makes a job of one (a singleton), and the same error.
  expect_status 2 timeout -k 5 30 "$FC" run --engine mpi -n 4 -i 10 &&
    grep -q 'needs at least 2 ranks' "$WORK/err" || return 1
  expect_status 2 "$FC" run --engine mpi -w 3 && grep -q -- '--workers does not apply' "$WORK/err" &&
    expect_status 2 "$FC" run --engine mpi -r 1 && grep -q -- '--retries does not apply' "$WORK/err" &&
    expect_status 2 "$FC" run --engine mpi --keep && grep -q -- '--keep needs --transport file' "$WORK/err" &&
    expect_status 2 "$FC" run --engine mpi --dir "$WORK" && grep -q -- '--dir needs --transport file' "$WORK/err" &&
    expect_status 2 "$FC" run --engine mpj && grep -q -- "--engine: 'mpj' is neither fork" "$WORK/err" &&
    expect_status 2 "$FC" run --engine mpi --transport pipe &&
    grep -q -- "--transport: with --engine mpi, 'pipe' is neither message (the default) nor file" "$WORK/err" &&
    expect_status 2 "$FC" run --transport message &&
    grep -q -- "--transport: unknown transport 'message' (known: file or pipe)" "$WORK/err"
}

# --- --save is rank 0's: an existing file is refused once, before MPI starts; a --dir
# that is not one is rank 0's setup error, said once, and no rank hangs.
t_rank_0_checks_save_and_dir() {
  : >"$WORK/taken.json"
  expect_status 2 mpi 3 run --engine mpi -n 4 -i 10 -o "$WORK/taken.json" || return 1
  [ "$(grep -c 'taken.json exists; it is never overwritten' "$WORK/err")" -eq 1 ] ||
    { echo "  not said once:"; cat "$WORK/err"; return 1; }
  expect_status 1 mpi 3 run --engine mpi --transport file --dir "$WORK/nowhere" -n 4 -i 10 || return 1
  [ "$(grep -c "forkcollect run: --dir $WORK/nowhere: No such file or directory" "$WORK/err")" -eq 1 ] &&
    ! grep -q '^started' "$WORK/out" || { echo "  unexpected:"; cat "$WORK/out" "$WORK/err"; return 1; }
}

# --- scale --engine mpi: one job, a run for each number of computing ranks (1..N-1).
t_scale_by_ranks() {
  expect_status 0 mpi 4 scale --engine mpi -n 6 -i 10 -r 1 || return 1
  grep -q '(workers: MPI ranks)$' "$WORK/out" &&
    [ "$(grep -cE '^ +[123] +[123] +[0-9.]+ +\[' "$WORK/out")" -eq 3 ] ||
    { echo "  unexpected:"; cat "$WORK/out"; return 1; }
  expect_status 2 mpi 3 scale --engine mpi -w 5 -n 4 -i 10 &&
    grep -q -- '--workers: 5, but 2 ranks compute (mpirun -np 3)' "$WORK/err"
}

# --- compare --engine mpi: the end-to-end runs on the ranks, every value exact.
t_compare_on_ranks() {
  expect_status 0 mpi 3 compare --engine mpi -f raw,msgpack -n 200 -r 1 --warmup 0 || return 1
  grep -qE '^raw .* yes$' "$WORK/out" && grep -qE '^msgpack .* yes$' "$WORK/out" ||
    { echo "  unexpected:"; cat "$WORK/out"; return 1; }
  expect_status 0 mpi 3 compare --engine mpi --transport file -f json -n 50 -r 1 --warmup 0 ||
    return 1
  grep -qE '^json .* yes$' "$WORK/out" || { echo "  unexpected:"; cat "$WORK/out"; return 1; }
  expect_status 2 mpi 3 compare --engine mpi --transport pipe -n 10 &&
    grep -q -- '--transport pipe: with --engine mpi the bytes go in MPI messages' "$WORK/err" || return 1
  expect_status 2 mpi 3 compare --engine mpi -w 4 -n 10 &&
    grep -q -- '--workers: 4, but 2 ranks compute (mpirun -np 3)' "$WORK/err"
}

# --- forkcollect without forkcollect-mpi beside it: a clear error, not a crash.
t_without_mpi_build_says_so() {
  # forkcollect itself never loads MPI: only forkcollect-mpi links libmpi.
  ! ldd "$FC" | grep -q 'libmpi' || { echo "  forkcollect links libmpi"; return 1; }
  ldd "$(dirname "$FC")/forkcollect-mpi" | grep -q 'libmpi' || { echo "  forkcollect-mpi does not"; return 1; }
  mkdir -p "$WORK/alone" && cp "$FC" "$WORK/alone/forkcollect" || return 1
  expect_status 1 "$WORK/alone/forkcollect" run --engine mpi -n 2 &&
    grep -q "built without MPI (there is no $WORK/alone/forkcollect-mpi)" "$WORK/err" ||
    { cat "$WORK/err"; return 1; }
}

run_tests
