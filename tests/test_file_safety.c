/* test_file_safety.c - result files are created safely: never through a symlink, never over
 * an existing file, nothing left behind on failure. */
#include "testutil.h"
#include "seams.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#define at scratch_at /* a path in this test's scratch directory */

START_TEST(writes_a_new_private_file)
{
    fc_error e = {0};
    ck_assert_int_eq(fc_file_write_new(at("a.json"), "{}", 2, &e), 0);
    struct stat st;
    ck_assert_int_eq(stat(at("a.json"), &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(st.st_size, 2);
    ck_assert_int_eq(access(at("a.json.part"), F_OK), -1);
}
END_TEST

START_TEST(never_overwrites)
{
    fc_error e = {0};
    ck_assert_int_eq(fc_file_write_new(at("a.json"), "old", 3, &e), 0);
    ck_assert_int_eq(fc_file_write_new(at("a.json"), "new!", 4, &e), FC_EIO);
    ck_assert_int_eq(e.sys_errno, EEXIST);
    ck_assert_msg(strstr(e.msg, "a.json: cannot create: File exists"), "%s", e.msg);
    fc_buffer b = {0};
    ck_assert_int_eq(fc_file_read(at("a.json"), &b, NULL), 0);
    ck_assert_uint_eq(b.len, 3); /* the old file is untouched */
    fc_buffer_free(&b);
    ck_assert_int_eq(access(at("a.json.part"), F_OK), -1);
}
END_TEST

START_TEST(never_follows_a_symlink)
{
    fc_error e = {0};
    /* A symlink where the named temporary file would go, pointing at a file to protect:
     * the staged writer (the children's, and the fallback without O_TMPFILE) refuses
     * it; fc_file_write_new writes an unnamed file and never meets it. */
    ck_assert_int_eq(fc_file_write_new(at("victim"), "safe", 4, &e), 0);
    ck_assert_int_eq(symlink(at("victim"), at("b.json.part")), 0);
    ck_assert_int_eq(fc_file_write_new_staged(at("b.json"), NULL, "evil", 4, NULL, &e), FC_EIO);
    ck_assert_int_eq(e.sys_errno, EEXIST);
    ck_assert_int_eq(fc_file_write_new(at("b.json"), "good", 4, &e), 0);
    struct stat st;
    ck_assert_int_eq(lstat(at("b.json"), &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    /* A symlink at the final name. */
    ck_assert_int_eq(symlink(at("victim"), at("c.json")), 0);
    ck_assert_int_eq(fc_file_write_new(at("c.json"), "evil", 4, &e), FC_EIO);
    ck_assert_int_eq(access(at("c.json.part"), F_OK), -1); /* cleaned up */
    fc_buffer b = {0};
    ck_assert_int_eq(fc_file_read(at("victim"), &b, NULL), 0);
    ck_assert_int_eq(memcmp(b.data, "safe", 4), 0);
    fc_buffer_free(&b);
    /* And reading never follows one either. */
    ck_assert_int_eq(fc_file_read(at("c.json"), &b, &e), FC_EIO);
    ck_assert_int_eq(e.sys_errno, ELOOP);
    fc_buffer_free(&b);
}
END_TEST

START_TEST(missing_directory_is_named)
{
    fc_error e = {0};
    ck_assert_int_eq(fc_file_write_new("/nonexistent-dir/x.raw", "x", 1, &e), FC_EIO);
    ck_assert_str_eq(e.msg, "/nonexistent-dir/x.raw: cannot create a file in /nonexistent-dir: "
                            "No such file or directory");
    ck_assert_int_eq(fc_file_write_new_staged("/nonexistent-dir/x.raw", NULL, "x", 1, NULL, &e),
                     FC_EIO);
    ck_assert_str_eq(e.msg, "/nonexistent-dir/x.raw.part: cannot create: No such file or directory");
    ck_assert_int_eq(fc_file_read("/nonexistent-dir/x.raw", NULL, &e), FC_EIO);
    ck_assert_str_eq(e.msg, "/nonexistent-dir/x.raw: cannot open: No such file or directory");
    ck_assert_int_eq(fc_file_read("/tmp", NULL, &e), FC_EIO);
    ck_assert_str_eq(e.msg, "/tmp: is a directory, not a regular file");
    ck_assert_int_eq(e.sys_errno, 0); /* not a stale errno from an earlier call */
}
END_TEST

/* A FIFO at a result file's name (swapped in, in a shared directory): refused at once.
 * A blocking open() would wait for a writer forever (the test's timeout before the fix). */
START_TEST(a_fifo_is_refused_without_blocking)
{
    fc_error e = {0};
    ck_assert_int_eq(mkfifo(at("1-2.raw"), 0600), 0);
    fc_buffer b = {0};
    errno = ENOENT; /* what a failed call before it might leave */
    ck_assert_int_eq(fc_file_read(at("1-2.raw"), &b, &e), FC_EIO);
    char want[160];
    snprintf(want, sizeof want, "%s: is a FIFO, not a regular file", at("1-2.raw"));
    ck_assert_str_eq(e.msg, want);
    ck_assert_int_eq(e.sys_errno, 0);
    ck_assert_uint_eq(b.len, 0);
    fc_buffer_free(&b);
}
END_TEST

static char seen_part[128];
static int seen_steps[8], nsteps;

static void note_step(const char *part, int step)
{
    snprintf(seen_part, sizeof seen_part, "%s", part);
    if (nsteps < 8)
        seen_steps[nsteps++] = step;
}

/* The engine names each child's temporary file itself (with a random part); the writer
 * goes through exactly that name, step by step, and leaves only the final name. */
START_TEST(a_staged_write_goes_through_the_given_temporary_name)
{
    fc_error e = {0};
    volatile fc_file_stage stage = {FC_STAGE_NONE, 0, 0};
    char part[128];
    snprintf(part, sizeof part, "%s", at("1-2.raw.0123456789abcdef.part"));
    nsteps = 0;
    fc_seam_write_step = note_step;
    ck_assert_int_eq(fc_file_write_new_staged(at("1-2.raw"), part, "abc", 3, &stage, &e), 0);
    fc_seam_write_step = NULL;
    ck_assert_uint_eq(stage.stage, FC_STAGE_LINKED);
    ck_assert_msg(fc_file_is(at("1-2.raw"), &stage), "the file made is not recognised");
    ck_assert_str_eq(seen_part, part);
    ck_assert_int_eq(nsteps, 4);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(seen_steps[i], FC_SEAM_BEFORE_OPEN + i);
    ck_assert_int_eq(access(part, F_OK), -1);
    fc_buffer b = {0};
    ck_assert_int_eq(fc_file_read(at("1-2.raw"), &b, NULL), 0);
    ck_assert_uint_eq(b.len, 3);
    fc_buffer_free(&b);
}
END_TEST

/* A file swapped in at the name after the write, even a regular one with the same
 * bytes, is not the file the writer made: whoever cleans up leaves it alone (issue 10:
 * the engine unlinked a FIFO someone put at a child's result name). */
START_TEST(a_file_swapped_in_is_not_the_one_written)
{
    fc_error e = {0};
    volatile fc_file_stage stage = {FC_STAGE_NONE, 0, 0};
    ck_assert_msg(!fc_file_is(at("3-4.raw"), &stage), "nothing written yet");
    ck_assert_int_eq(fc_file_write_new_staged(at("3-4.raw"), NULL, "abc", 3, &stage, &e), 0);
    ck_assert(fc_file_is(at("3-4.raw"), &stage));
    /* The file moved away (still in use, so its inode number is not given to the next
     * file made), and something else put at its name. */
    ck_assert_int_eq(rename(at("3-4.raw"), at("moved")), 0);
    ck_assert_int_eq(mkfifo(at("3-4.raw"), 0600), 0);
    ck_assert_msg(!fc_file_is(at("3-4.raw"), &stage), "a FIFO taken for the file written");
    ck_assert_int_eq(unlink(at("3-4.raw")), 0);
    ck_assert_int_eq(fc_file_write_new(at("3-4.raw"), "abc", 3, &e), 0);
    ck_assert_msg(!fc_file_is(at("3-4.raw"), &stage), "another file taken for the one written");
    ck_assert_int_eq(unlink(at("3-4.raw")), 0);
    ck_assert_int_eq(unlink(at("moved")), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("file_safety");
    TCase *tc = tcase_create("file_safety");
    tcase_add_checked_fixture(tc, scratch_setup, scratch_teardown);
    tcase_add_test(tc, writes_a_new_private_file);
    tcase_add_test(tc, never_overwrites);
    tcase_add_test(tc, never_follows_a_symlink);
    tcase_add_test(tc, missing_directory_is_named);
    tcase_add_test(tc, a_fifo_is_refused_without_blocking);
    tcase_add_test(tc, a_staged_write_goes_through_the_given_temporary_name);
    tcase_add_test(tc, a_file_swapped_in_is_not_the_one_written);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
