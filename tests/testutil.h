/* testutil.h - what the Check suites share: vectors, bits, a main(). */
#ifndef FC_TESTUTIL_H
#define FC_TESTUTIL_H

#define _POSIX_C_SOURCE 200809L
#include "forkcollect.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== A scratch directory per test (a Check fixture) ====
 * tcase_add_checked_fixture(tc, scratch_setup, scratch_teardown); then scratch_dir() is
 * a fresh directory under /tmp, and scratch_at("a.json") a path in it (two at a time
 * stay valid, for calls that take two paths). */
static inline char *scratch_dir(void)
{
    static char dir[64];
    return dir;
}

static inline void scratch_setup(void)
{
    snprintf(scratch_dir(), 64, "/tmp/fc-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(scratch_dir()));
}

static inline void scratch_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", scratch_dir());
    ck_assert_int_eq(system(cmd), 0);
}

static inline char *scratch_at(const char *name)
{
    static char p[2][128];
    static int k;
    k ^= 1;
    snprintf(p[k], sizeof p[k], "%s/%s", scratch_dir(), name);
    return p[k];
}

/* FC_VECTORS is the absolute path of tests/vectors, set by tests/CMakeLists.txt. */
static inline char *vector_path(const char *name)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", FC_VECTORS, name);
    return buf;
}

static inline double double_from_hex(const char *hex)
{
    uint64_t b = strtoull(hex, NULL, 16);
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static inline uint64_t bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* Reads a whole vector file; aborts the test if it cannot. */
static inline fc_buffer read_vector(const char *name)
{
    fc_buffer b = {0};
    fc_error e = {0};
    ck_assert_msg(fc_file_read(vector_path(name), &b, &e) == 0, "%s", e.msg);
    return b;
}

/* Runs one suite and returns the exit status ctest reads. */
static inline int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
