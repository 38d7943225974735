/* test_split.c - the fork skeleton's batches: contiguous, complete, balanced. */
#include "testutil.h"

START_TEST(every_count_and_parts)
{
    for (uint64_t count = 1; count <= 64; count++) {
        for (unsigned asked = 1; asked <= 20; asked++) {
            unsigned parts = fc_split_parts(count, asked);
            ck_assert_uint_eq(parts, count < asked ? count : asked);
            uint64_t next = 0;
            for (unsigned i = 0; i < parts; i++) {
                uint64_t off, len;
                fc_split(count, parts, i, &off, &len);
                ck_assert_uint_eq(off, next);          /* contiguous, in order */
                ck_assert_uint_ge(len, 1);             /* never an empty child */
                ck_assert_uint_eq(len, count / parts + (i < count % parts)); /* leftover first */
                next = off + len;
            }
            ck_assert_uint_eq(next, count);            /* every item exactly once */
        }
    }
}
END_TEST

START_TEST(course_example)
{
    /* 10 items over 3 children: 4, 3, 3. */
    uint64_t off, len;
    fc_split(10, 3, 0, &off, &len);
    ck_assert_uint_eq(off, 0);
    ck_assert_uint_eq(len, 4);
    fc_split(10, 3, 1, &off, &len);
    ck_assert_uint_eq(off, 4);
    ck_assert_uint_eq(len, 3);
    fc_split(10, 3, 2, &off, &len);
    ck_assert_uint_eq(off, 7);
    ck_assert_uint_eq(len, 3);
}
END_TEST

START_TEST(huge_counts_do_not_overflow)
{
    uint64_t off, len, count = UINT64_MAX;
    fc_split(count, 7, 6, &off, &len);
    ck_assert_uint_eq(off + len, count);
    ck_assert_uint_eq(fc_split_parts(0, 4), 1);
    ck_assert_uint_eq(fc_split_parts(5, 0), 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("split");
    TCase *tc = tcase_create("split");
    tcase_add_test(tc, every_count_and_parts);
    tcase_add_test(tc, course_example);
    tcase_add_test(tc, huge_counts_do_not_overflow);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
