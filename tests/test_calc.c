/* test_calc.c - calc() against values CPython computed (tests/vectors/calc*.tsv). */
#include "testutil.h"

/* Checks every line "n<TAB>iterations<TAB>repr<TAB>hex bits" of a vector file. */
static void check_file(const char *name, int min_lines)
{
    FILE *f = fopen(vector_path(name), "r");
    ck_assert_msg(f != NULL, "cannot open %s", vector_path(name));
    char line[256];
    int checked = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        unsigned long long n, it;
        char repr[64], hex[32];
        ck_assert_int_eq(sscanf(line, "%llu\t%llu\t%63s\t%31s", &n, &it, repr, hex), 4);
        double got = fc_calc(n, it);
        ck_assert_msg(bits(got) == bits(double_from_hex(hex)),
                      "calc(%llu, %llu) = %016llx, Python says %s (%s)", n, it,
                      (unsigned long long)bits(got), hex, repr);
        char text[FC_REPR_MAX];
        fc_format_double(got, text);
        ck_assert_str_eq(text, repr);
        checked++;
    }
    fclose(f);
    ck_assert_int_ge(checked, min_lines);
}

START_TEST(course_vectors) { check_file("calc.tsv", 11); }
END_TEST

START_TEST(seeds_across_uint64) { check_file("calc-wide.tsv", 60); }
END_TEST

START_TEST(zero_iterations_is_zero)
{
    ck_assert_uint_eq(bits(fc_calc(42, 0)), 0);
}
END_TEST

START_TEST(same_seed_same_value_independent_of_history)
{
    /* Each number reseeds: calc never depends on what was computed before. */
    double a = fc_calc(7, 1000);
    (void)fc_calc(8, 5000);
    ck_assert_uint_eq(bits(fc_calc(7, 1000)), bits(a));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("calc");
    TCase *tc = tcase_create("python");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, course_vectors);
    tcase_add_test(tc, seeds_across_uint64);
    tcase_add_test(tc, zero_iterations_is_zero);
    tcase_add_test(tc, same_seed_same_value_independent_of_history);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
