/* test_collect.c - the collector alone (bytes fed to it directly, as an MPI driver
 * would), and the pipe transport's faults: a stream cut off by a kill, a short stream,
 * a long one, a wrong checksum. */
#include "testutil.h"
#include "seams.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

/* The raw encoding of keys first..first+count-1 with the exercise's values (200 draws),
 * keys shifted by `shift`, and what its sender would say it sent. */
static fc_buffer encoding(uint64_t first, uint64_t count, uint64_t shift, fc_part_sent *sent)
{
    fc_dataset d = {0};
    fc_buffer b = {0};
    ck_assert_int_eq(fc_work_calc(first, count, 200, NULL, &d, NULL), 0);
    for (size_t i = 0; i < d.count; i++)
        d.keys[i] += shift;
    ck_assert_int_eq(fc_codec_find("raw")->encode(&d, &b, NULL), 0);
    fc_dataset_free(&d);
    *sent = (fc_part_sent){.bytes = b.len, .crc = fc_crc32c(0, b.data, b.len)};
    return b;
}

/* 10 numbers from 1 in 3 parts: keys 1..4, 5..7, 8..10. */
static fc_collector *plan(fc_engine_result *r)
{
    fc_collector *col;
    fc_error e = {0};
    ck_assert_msg(fc_collector_open(&col, fc_codec_find("raw"), 1, 10, 3, r, &e) == 0, "%s",
                  e.msg);
    ck_assert_uint_eq(r->nchildren, 3);
    ck_assert_uint_eq(r->children[1].first_key, 5);
    ck_assert_uint_eq(r->children[1].count, 3);
    ck_assert_uint_eq(r->data.count, 10);
    return col;
}

/* Feeds part i its right bytes; returns the collector's code. */
static int feed(fc_collector *col, fc_engine_result *r, unsigned i, fc_error *e)
{
    fc_part_sent sent;
    fc_buffer b = encoding(r->children[i].first_key, r->children[i].count, 0, &sent);
    int rc = fc_collector_accept(col, i, b.data, b.len, &sent, "the bytes", e);
    fc_buffer_free(&b);
    return rc;
}

START_TEST(every_part_fed_gives_the_whole_dataset)
{
    fc_engine_result r;
    fc_collector *col = plan(&r);
    fc_error e = {0};
    for (unsigned i = 3; i-- > 0;) /* in any order */
        ck_assert_msg(feed(col, &r, i, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(fc_collector_close(col, &e), 0);
    for (uint64_t k = 1; k <= 10; k++) {
        ck_assert_uint_eq(r.data.keys[k - 1], k);
        ck_assert_uint_eq(bits(r.data.values[k - 1]), bits(fc_calc(k, 200)));
    }
    ck_assert_int_eq(r.children[2].state, FC_CHILD_COLLECTED);
    ck_assert_uint_eq(r.children[2].file_bytes, 24 + 3 * 16 + 4 - 4); /* raw: 24 + 16 a record */
    fc_engine_result_free(&r);
}
END_TEST

/* Wrong size, wrong CRC, wrong keys, undecodable: each fails its part with the code and
 * message a file would get, merges nothing, and a retry with the right bytes succeeds. */
START_TEST(wrong_bytes_fail_the_part_and_merge_nothing)
{
    fc_engine_result r;
    fc_collector *col = plan(&r);
    fc_error e = {0};
    fc_part_sent sent;
    fc_buffer b = encoding(5, 3, 0, &sent);
    fc_part_sent longer = {sent.bytes + 1, sent.crc}, flipped = {sent.bytes, sent.crc ^ 1};
    ck_assert_int_eq(fc_collector_accept(col, 1, b.data, b.len, &longer, "the bytes", &e),
                     FC_ECHECKSUM);
    ck_assert_str_eq(e.msg, "part 1 (keys 5..7): the bytes is 72 bytes, the child wrote 73");
    ck_assert_int_eq(fc_collector_accept(col, 1, b.data, b.len, &flipped, "the bytes", &e),
                     FC_ECHECKSUM);
    ck_assert_str_eq(e.msg, "part 1 (keys 5..7): the bytes: CRC-32C differs from what the "
                            "child wrote");
    ck_assert_str_eq(r.children[1].error.msg, e.msg);
    ck_assert_int_eq(r.children[1].state, FC_CHILD_FAILED);
    fc_buffer_free(&b);

    b = encoding(5, 3, 1, &sent); /* keys 6..8: 8 is not part 1's */
    ck_assert_int_eq(fc_collector_accept(col, 1, b.data, b.len, &sent, "the bytes", &e), FC_EKEYS);
    ck_assert_str_eq(e.msg, "part 1 (keys 5..7): the bytes: record 2 has key 8, outside the range");
    ck_assert_uint_eq(bits(r.data.values[5]), 0); /* keys 6 and 7 were not merged */
    fc_buffer_free(&b);

    b = encoding(5, 2, 0, &sent); /* one record short */
    ck_assert_int_eq(fc_collector_accept(col, 1, b.data, b.len, &sent, "the bytes", &e), FC_EKEYS);
    ck_assert_str_eq(e.msg, "part 1 (keys 5..7): the bytes holds 2 records, expected 3");
    fc_buffer_free(&b);

    fc_part_sent garbage = {3, fc_crc32c(0, "abc", 3)};
    ck_assert_int_eq(fc_collector_accept(col, 1, (const uint8_t *)"abc", 3, &garbage, "x", &e),
                     FC_ECORRUPT);
    ck_assert_msg(strncmp(e.msg, "part 1 (keys 5..7): x (raw): ", 29) == 0, "%s", e.msg);

    ck_assert_msg(feed(col, &r, 1, &e) == 0, "%s", e.msg); /* the retry */
    ck_assert_int_eq(r.children[1].state, FC_CHILD_COLLECTED);
    ck_assert_int_eq(r.children[1].error.code, 0);
    ck_assert_int_eq(fc_collector_close(col, &e), FC_ECHILD); /* parts 0 and 2 never came */
    ck_assert_str_eq(e.msg, "keys 1..4: never started");
    fc_engine_result_free(&r);
}
END_TEST

/* Keys outside the part's own range are caught even where they belong to another part
 * already merged: a part cannot take over another's keys. */
START_TEST(a_key_twice_across_parts_is_caught)
{
    fc_engine_result r;
    fc_collector *col = plan(&r);
    fc_error e = {0};
    ck_assert_int_eq(feed(col, &r, 0, &e), 0);
    fc_part_sent sent;
    fc_buffer b = encoding(4, 3, 0, &sent); /* keys 4..6 as part 1 (5..7) */
    ck_assert_int_eq(fc_collector_accept(col, 1, b.data, b.len, &sent, "b", &e), FC_EKEYS);
    ck_assert_str_eq(e.msg, "part 1 (keys 5..7): b: record 0 has key 4, outside the range");
    ck_assert_uint_eq(bits(r.data.values[3]), bits(fc_calc(4, 200))); /* part 0's, kept */
    fc_buffer_free(&b);
    fc_collector_close(col, NULL);
    fc_engine_result_free(&r);
}
END_TEST

/* A part that arrives twice: refused, and the first stays merged and collected. */
START_TEST(a_duplicate_part_is_refused)
{
    fc_engine_result r;
    fc_collector *col = plan(&r);
    fc_error e = {0};
    ck_assert_int_eq(feed(col, &r, 2, &e), 0);
    ck_assert_int_eq(feed(col, &r, 2, &e), FC_EINVAL);
    ck_assert_str_eq(e.msg, "part 2 (keys 8..10): already collected; these 72 bytes are not "
                            "merged");
    ck_assert_int_eq(r.children[2].state, FC_CHILD_COLLECTED);
    ck_assert_int_eq(r.children[2].error.code, 0);
    fc_part_sent sent;
    fc_buffer b = encoding(8, 3, 0, &sent);
    ck_assert_int_eq(fc_collector_accept(col, 3, b.data, b.len, &sent, "b", &e), FC_EINVAL);
    ck_assert_str_eq(e.msg, "part 3: there are only 3 parts");
    fc_buffer_free(&b);
    ck_assert_int_eq(feed(col, &r, 0, &e), 0);
    ck_assert_int_eq(feed(col, &r, 1, &e), 0);
    ck_assert_int_eq(fc_collector_close(col, &e), 0);
    fc_engine_result_free(&r);
}
END_TEST

/* A worker that sent nothing: the driver says why; with a pid the message names it. */
START_TEST(a_failed_worker_is_reported_by_part_or_pid)
{
    fc_engine_result r;
    fc_collector *col = plan(&r);
    fc_error e = {0};
    ck_assert_int_eq(fc_collector_fail(col, 0, FC_ECHILD, "rank %d died", 1), FC_ECHILD);
    ck_assert_str_eq(r.children[0].error.msg, "part 0 (keys 1..4): rank 1 died");
    fc_collector_part(col, 1)->pid = 4321;
    fc_collector_fail(col, 1, FC_ECHILD, "gone");
    ck_assert_str_eq(r.children[1].error.msg, "child 4321 (keys 5..7): gone");
    ck_assert_ptr_null(fc_collector_part(col, 3));
    ck_assert_int_eq(feed(col, &r, 2, &e), 0);
    ck_assert_int_eq(fc_collector_close(col, &e), FC_ECHILD);
    ck_assert_str_eq(e.msg, "part 0 (keys 1..4): rank 1 died"); /* the first failure */
    fc_engine_result_free(&r);
}
END_TEST

START_TEST(bad_plans)
{
    fc_engine_result r;
    fc_collector *col;
    fc_error e = {0};
    const fc_codec *raw = fc_codec_find("raw");
    ck_assert_int_eq(fc_collector_open(&col, raw, 1, 0, 3, &r, &e), FC_EINVAL);
    ck_assert_int_eq(fc_collector_open(&col, raw, 1, 3, 0, &r, &e), FC_EINVAL);
    ck_assert_int_eq(fc_collector_open(&col, NULL, 1, 3, 1, &r, &e), FC_EINVAL);
    ck_assert_int_eq(fc_collector_open(&col, raw, UINT64_MAX, 2, 1, &r, &e), FC_EINVAL);
    /* Too many numbers for memory is FC_ENOMEM, as in the codecs (issue 12.5). */
    ck_assert_int_eq(fc_collector_open(&col, raw, 0, UINT64_MAX / 8, 1, &r, &e), FC_ENOMEM);
    ck_assert_str_eq(e.msg, "2305843009213693951 numbers do not fit in memory");
    ck_assert_ptr_null(col);
    ck_assert_uint_eq(r.nchildren, 0);
    fc_engine_config cfg = {.codec = raw, .start = 0, .count = UINT64_MAX / 8, .workers = 2};
    ck_assert_int_eq(fc_engine_run(&cfg, &r, &e), FC_ENOMEM);
    fc_engine_result_free(&r);
}
END_TEST

/* ==== The pipe transport's faults ==== */

static char tmpdir[64];

static void setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/fc-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    setenv("TMPDIR", tmpdir, 1);
}

static void teardown(void)
{
    fc_seam_pipe_send = NULL;
    ck_assert_int_eq(rmdir(tmpdir), 0); /* empty: nothing was left behind */
}

/* The child of keys 1..: loop 0 sends 10 bytes fewer than its header says (a short
 * stream), 1 says a wrong CRC, 2 says 10 bytes fewer than it sends (a long one), 3 is
 * killed half way through its stream. */
static int fault_kind;

static void pipe_fault(int step, struct fc_part_sent *h, size_t *len)
{
    if (h->bytes != 24 + 4 * 16 + 4 - 4) /* only the child of keys 1..4 (raw: 88 bytes) */
        return;
    if (step == FC_SEAM_PIPE_HEADER && fault_kind == 0)
        *len -= 10;
    if (step == FC_SEAM_PIPE_HEADER && fault_kind == 1)
        h->crc ^= 0x100;
    if (step == FC_SEAM_PIPE_HEADER && fault_kind == 2)
        h->bytes -= 10;
    if (step == FC_SEAM_PIPE_HALF && fault_kind == 3)
        raise(SIGKILL);
}

START_TEST(a_bad_stream_is_caught_as_a_bad_file_is)
{
    static const struct { int code; const char *says; } want[] = {
        {FC_ECHECKSUM, "its stream is 78 bytes, the child wrote 88"},
        {FC_ECHECKSUM, "its stream: CRC-32C differs from what the child wrote"},
        {FC_ECHECKSUM, "its stream is 88 bytes, the child wrote 78"},
        {FC_ECHILD, "killed by signal 9 (Killed)"},
    };
    fault_kind = _i;
    fc_seam_pipe_send = pipe_fault;
    fc_engine_config cfg = {.codec = fc_codec_find("raw"), .start = 1, .count = 10,
                            .workers = 3, .iterations = 200, .transport = &fc_transport_pipe};
    fc_engine_result r;
    fc_error e = {0};
    ck_assert_int_eq(fc_engine_run(&cfg, &r, &e), FC_ECHILD);
    char head[64];
    snprintf(head, sizeof head, "child %ld (keys 1..4): ", (long)r.children[0].pid);
    ck_assert_int_eq(r.children[0].error.code, want[_i].code);
    ck_assert_msg(strncmp(r.children[0].error.msg, head, strlen(head)) == 0 &&
                      strcmp(r.children[0].error.msg + strlen(head), want[_i].says) == 0,
                  "%s", r.children[0].error.msg);
    ck_assert_int_eq(r.children[1].state, FC_CHILD_COLLECTED);
    ck_assert_int_eq(r.children[2].state, FC_CHILD_COLLECTED);
    ck_assert_str_eq(r.dir, ""); /* no directory was made */
    fc_engine_result_free(&r);
}
END_TEST

/* Encodings far larger than a pipe's buffer, from every child at once: the parent
 * drains them all as they come, so none blocks the others; the records are those of
 * files. */
START_TEST(large_streams_from_every_child_at_once)
{
    fc_engine_config cfg = {.codec = fc_codec_find("json"), .start = 1, .count = 40000,
                            .workers = 6, .iterations = 1};
    fc_engine_result viafile, viapipe;
    fc_error e = {0};
    ck_assert_msg(fc_engine_run(&cfg, &viafile, &e) == 0, "%s", e.msg);
    cfg.transport = &fc_transport_pipe;
    ck_assert_msg(fc_engine_run(&cfg, &viapipe, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(fc_dataset_first_difference(&viafile.data, &viapipe.data), -1);
    for (unsigned i = 0; i < viapipe.nchildren; i++) {
        ck_assert_uint_gt(viapipe.children[i].file_bytes, 65536);
        ck_assert_uint_eq(viapipe.children[i].file_bytes, viafile.children[i].file_bytes);
        ck_assert_str_eq(viapipe.children[i].path, "");
    }
    fc_engine_result_free(&viafile);
    fc_engine_result_free(&viapipe);
}
END_TEST

START_TEST(transports_by_name)
{
    ck_assert_ptr_eq(fc_transport_find("file"), &fc_transport_file);
    ck_assert_ptr_eq(fc_transport_find("pipe"), &fc_transport_pipe);
    ck_assert_ptr_null(fc_transport_find("pipes"));
    ck_assert_ptr_null(fc_transport_find(NULL));
    ck_assert_str_eq(fc_transport_name(NULL), "file");
    ck_assert_ptr_eq(fc_transport_at(0), &fc_transport_file);
    ck_assert_ptr_null(fc_transport_at(2));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("collect");
    TCase *tc = tcase_create("collector");
    tcase_add_test(tc, every_part_fed_gives_the_whole_dataset);
    tcase_add_test(tc, wrong_bytes_fail_the_part_and_merge_nothing);
    tcase_add_test(tc, a_key_twice_across_parts_is_caught);
    tcase_add_test(tc, a_duplicate_part_is_refused);
    tcase_add_test(tc, a_failed_worker_is_reported_by_part_or_pid);
    tcase_add_test(tc, bad_plans);
    suite_add_tcase(s, tc);
    TCase *tp = tcase_create("pipe");
    tcase_set_timeout(tp, 60);
    tcase_add_checked_fixture(tp, setup, teardown);
    tcase_add_loop_test(tp, a_bad_stream_is_caught_as_a_bad_file_is, 0, 4);
    tcase_add_test(tp, large_streams_from_every_child_at_once);
    tcase_add_test(tp, transports_by_name);
    suite_add_tcase(s, tp);
    return run_suite(s);
}
