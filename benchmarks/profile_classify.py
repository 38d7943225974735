"""Reads `perf script` output (samples with call stacks) of `forkcollect compare` and
prints where its CPU time goes as a markdown table (benchmarks/profile runs it).

A sample whose stack holds the engine (fc_engine_run in the parent, child_main in a
child) is the exercise itself, and goes to the stage its innermost frame names: fork,
file system, calc, encode, decode, checks, memory. The other samples are compare's
own measuring beside the exercise: the in-process codec loops ("codec alone"), the
deflated sizes (zlib), the parent's reference values; or the program's start."""
import re, sys
from collections import Counter

EXERCISE = [  # innermost frame first; the first stage that matches wins
    ("checks: CRC-32C, repeated keys", r"crc32|fc_crc32c|find_repeat|not_increasing|copy_and_check"),
    ("calc (the work itself)", r"^(fc_calc|next_block_and_sum|first_block|mt_init_by_array|init_base|fc_work_calc)"),
    ("encode", r"_encode$|^put_|^fc_format_double|format_finite|fc_shortest_digits|dragonbox|fc_json_key_digits|^msgpack_pack|protobuf_c_message_pack|^tpl_(pack|dump)|cJSON_Print|json_dump|json_object_to_json|open_frame|commit_frame|^mp_encode|^pb_encode"),
    ("decode", r"_decode$|^parse_|^read_|fc_parse_decimal|fast_float|msgpack_unpack|protobuf_c_message_unpack|^tpl_(load|unpack)|cJSON_Parse|json_loadb|json_tokener|^walk$|skip_common|fast_record|fc_dataset_push|decode_op"),
    ("fork, exit, wait (kernel)", r"copy_process|kernel_clone|dup_mm|dup_mmap|copy_page_range|copy_pte|do_exit|exit_mmap|mmput|do_wait|wait4|__x64_sys_exit|ret_from_fork|schedule_tail|release_task|unmap_page|zap_|free_pgtables|tlb_finish|do_wp_page|wp_page_copy|_do_fork|__x64_sys_clone"),
    ("file system (kernel: open, write, read, rename, unlink, close)", r"vfs_|ksys_(read|write)|do_sys_open|path_openat|do_unlinkat|do_renameat|do_linkat|filp_close|__fput|ext4_|shmem_|generic_perform_write|filemap_|copy_page_to_iter|copy_page_from_iter|d_alloc|__x64_sys_(openat|read|write|close|unlink|rename|link|fstat|newfstat|statx|getdents|mkdir|rmdir|fsync|pread64)|dput|lookup_|link_path_walk"),
    ("memory: page faults, malloc, free", r"page_fault|handle_mm_fault|do_anonymous_page|clear_page|malloc|^free|realloc|calloc|mmap|munmap|brk|memset|memcpy|memmove|fc_buffer_reserve|fc_dataset_reserve"),
]
MEASURING = [
    ("deflated sizes (zlib)", r"deflate|longest_match|compress|adler32|crc32_z|_tr_|fill_window"),
    ("codec alone (encode and decode loops in one process)", r"."),
]

def innermost(frames, table):
    for f in frames:
        for name, rx in table:
            if re.search(rx, f):
                return name
    return None

def stage(frames):
    if any(f in ("fc_engine_run", "child_main") for f in frames):
        return "exercise", innermost(frames, EXERCISE) or "other (scheduling, bookkeeping)"
    if any(re.match(r"_dl_|dl_main", f) for f in frames):
        return "start", "program start (dynamic loader)"
    if "reference_values" in frames or re.match(r"fc_calc|next_block", frames[0] if frames else ""):
        return "measuring", "reference values (calc in the parent, for 'exact')"
    if any(f in ("calibrate", "sample_codec", "codec_alone", "deflated_size", "compare_measure",
                    "cmd_compare") for f in frames):
        if re.search(MEASURING[0][1], " ".join(frames[:3])):
            return "measuring", MEASURING[0][0]
        if innermost(frames, EXERCISE[2:4]):
            return "measuring", MEASURING[1][0]
        return "measuring", "compare's own: allocation, reports, other"
    return "other", "other (kernel, not in a known stack)"

counts, frames = Counter({("exercise", name): 0 for name, _ in EXERCISE}), []
def flush():
    if frames:
        counts[stage(frames)] += 1
for line in sys.stdin:
    if not line.strip():
        flush()
        frames = []
        continue
    m = re.match(r"\s+[0-9a-f]+ (\S+?)(\+0x[0-9a-f]+)? \(", line)
    if m:
        frames.append(m.group(1))
flush()
total = sum(counts.values()) or 1
exercise = sum(n for (part, _), n in counts.items() if part == "exercise") or 1
print("| part | stage | share of all CPU time | share of the exercise |")
print("| --- | --- | ---: | ---: |")
for (part, name), n in sorted(counts.items(), key=lambda kv: (kv[0][0] != "exercise", -kv[1])):
    ex = f"{100 * n / exercise:.1f}%" if part == "exercise" else ""
    print(f"| {part} | {name} | {100 * n / total:.1f}% | {ex} |")
print(f"| all | {total} samples | 100% | |")
