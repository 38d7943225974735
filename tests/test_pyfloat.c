/* test_pyfloat.c - doubles printed exactly as Python's repr() and json.dumps print them. */
#include "testutil.h"

#include <math.h>

START_TEST(repr_matches_cpython)
{
    FILE *f = fopen(vector_path("repr.tsv"), "r");
    ck_assert_ptr_nonnull(f);
    char line[128];
    int checked = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        char hex[32], want[64], got[FC_REPR_MAX];
        ck_assert_int_eq(sscanf(line, "%31s\t%63s", hex, want), 2);
        double v = double_from_hex(hex);
        size_t n = fc_format_double(v, got);
        ck_assert_msg(strcmp(got, want) == 0, "%s: got %s, Python says %s", hex, got, want);
        ck_assert_uint_eq(n, strlen(want));
        /* And it reads back to the same bits. */
        ck_assert_uint_eq(bits(strtod(got, NULL)), bits(v));
        checked++;
    }
    fclose(f);
    ck_assert_int_ge(checked, 6000);
}
END_TEST

START_TEST(non_finite)
{
    char b[FC_REPR_MAX];
    fc_format_double(NAN, b);
    ck_assert_str_eq(b, "nan");
    fc_format_double(INFINITY, b);
    ck_assert_str_eq(b, "inf");
    fc_format_double(-INFINITY, b);
    ck_assert_str_eq(b, "-inf");
    fc_format_double_json(NAN, b);
    ck_assert_str_eq(b, "NaN");
    fc_format_double_json(INFINITY, b);
    ck_assert_str_eq(b, "Infinity");
    fc_format_double_json(-INFINITY, b);
    ck_assert_str_eq(b, "-Infinity");
    fc_format_double_json(-0.0, b);
    ck_assert_str_eq(b, "-0.0");
}
END_TEST

START_TEST(layout_boundaries)
{
    static const struct { double v; const char *s; } cases[] = {
        {1e16, "1e+16"}, {1e15, "1000000000000000.0"}, {0.0001, "0.0001"}, {1e-05, "1e-05"},
        {123456789012345680.0, "1.2345678901234568e+17"}, {5e-324, "5e-324"},
        {1.5, "1.5"}, {100.0, "100.0"}, {1e100, "1e+100"}, {-2.5e-300, "-2.5e-300"},
        {9007199254740992.0, "9007199254740992.0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char b[FC_REPR_MAX];
        fc_format_double(cases[i].v, b);
        ck_assert_str_eq(b, cases[i].s);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pyfloat");
    TCase *tc = tcase_create("repr");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, repr_matches_cpython);
    tcase_add_test(tc, non_finite);
    tcase_add_test(tc, layout_boundaries);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
