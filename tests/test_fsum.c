/* test_fsum.c - the run's total, both ways, against Python's own answers.
 *
 * tests/vectors/fsum.tsv was written by Python 3.11 (tests/vectors/gen_fsum.py): for
 * 1,818 sets of doubles of every kind (mixed magnitudes and signs, subnormals, values
 * near the largest double, cancellation, ties, inf and nan), the sum in order and
 * math.fsum's answer or the exception it raised. */
#include "testutil.h"

#include <math.h>

typedef struct {
    char seq[17], fsum[32];
    double *v;
    size_t n;
} sum_case;

/* Parses one line of fsum.tsv into c (c->v is malloc'd). Returns 0 at a comment. */
static int parse_case(char *line, sum_case *c)
{
    char *values;
    if (line[0] == '#')
        return 0;
    ck_assert(sscanf(line, "%16s\t%31s\t", c->seq, c->fsum) == 2);
    values = strchr(strchr(line, '\t') + 1, '\t') + 1;
    c->n = 0;
    c->v = malloc((strlen(values) / 16 + 1) * sizeof *c->v);
    for (char *tok = strtok(values, ",\n"); tok; tok = strtok(NULL, ",\n"))
        c->v[c->n++] = double_from_hex(tok);
    return 1;
}

/* Same bits, or both NaN: which NaN an inf - inf makes is the processor's business. */
static int same(double got, const char *want_hex)
{
    double want = double_from_hex(want_hex);
    return bits(got) == bits(want) || (isnan(got) && isnan(want));
}

/* Runs check on every set of fsum.tsv; returns how many sets there were. */
static size_t each_case(void (*check)(const sum_case *))
{
    fc_buffer b = read_vector("fsum.tsv");
    char *text = malloc(b.len + 1), *save = NULL;
    size_t sets = 0;
    memcpy(text, b.data, b.len);
    text[b.len] = '\0';
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char copy[65536];
        sum_case c;
        ck_assert_uint_lt(strlen(line), sizeof copy);
        strcpy(copy, line);
        if (!parse_case(copy, &c))
            continue;
        check(&c);
        free(c.v);
        sets++;
    }
    free(text);
    fc_buffer_free(&b);
    return sets;
}

static void check_in_order(const sum_case *c)
{
    double got = fc_sum_in_order(c->v, c->n);
    ck_assert_msg(same(got, c->seq), "%zu values: in order %016llx, Python %s", c->n,
                  (unsigned long long)bits(got), c->seq);
}

static void check_fsum(const sum_case *c)
{
    fc_error err = {0};
    double got = 12345.0;
    int rc = fc_fsum(c->v, c->n, &got, &err);
    if (strcmp(c->fsum, "OverflowError") == 0 || strcmp(c->fsum, "ValueError") == 0) {
        const char *py = c->fsum[0] == 'O' ? "OverflowError: intermediate overflow in fsum)"
                                           : "ValueError: -inf + inf in fsum)";
        ck_assert_int_eq(rc, FC_EINVAL);
        ck_assert_int_eq(err.code, FC_EINVAL);
        ck_assert_msg(strstr(err.msg, py), "%s: %s", c->fsum, err.msg);
        ck_assert(bits(got) == bits(12345.0)); /* *sum untouched on error */
        return;
    }
    ck_assert_msg(rc == 0, "%s", err.msg);
    ck_assert_msg(same(got, c->fsum), "%zu values: fsum %016llx, Python %s", c->n,
                  (unsigned long long)bits(got), c->fsum);
}

/* The correctly rounded sum does not depend on the order: reversed, rotated. Only
 * whether a partial sum overflows on the way does. */
static void check_any_order(const sum_case *c)
{
    double *w = malloc((c->n + 1) * sizeof *w), a, b;
    if (fc_fsum(c->v, c->n, &a, NULL) != 0) {
        free(w);
        return;
    }
    for (size_t i = 0; i < c->n; i++)
        w[i] = c->v[c->n - 1 - i];
    if (fc_fsum(w, c->n, &b, NULL) == 0)
        ck_assert(bits(a) == bits(b) || (isnan(a) && isnan(b)));
    for (size_t i = 0; i < c->n; i++)
        w[i] = c->v[(i + c->n / 3) % c->n];
    if (fc_fsum(w, c->n, &b, NULL) == 0)
        ck_assert(bits(a) == bits(b) || (isnan(a) && isnan(b)));
    free(w);
}

START_TEST(in_order_is_python_311_sum)
{
    ck_assert_uint_eq(each_case(check_in_order), 1818);
}
END_TEST

START_TEST(fsum_is_math_fsum)
{
    ck_assert_uint_eq(each_case(check_fsum), 1818);
}
END_TEST

START_TEST(fsum_any_order)
{
    ck_assert_uint_eq(each_case(check_any_order), 1818);
}
END_TEST

/* The course's 1..4 (10,000,000 iterations, tests/vectors/calc.tsv): Python 3.11 prints
 * 20000046.72672135 for the sum in key order; math.fsum and 3.12's sum() print
 * 20000046.726721354. */
START_TEST(course_numbers)
{
    const double v[] = {4999459.536548361, 4999866.304926259, 5001820.3225147715,
                        4998900.56273196};
    char s[FC_REPR_MAX];
    double total = 0;
    fc_format_double(fc_sum_in_order(v, 4), s);
    ck_assert_str_eq(s, "20000046.72672135");
    ck_assert_int_eq(fc_fsum(v, 4, &total, NULL), 0);
    fc_format_double(total, s);
    ck_assert_str_eq(s, "20000046.726721354");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fsum");
    TCase *tc = tcase_create("fsum");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, in_order_is_python_311_sum);
    tcase_add_test(tc, fsum_is_math_fsum);
    tcase_add_test(tc, fsum_any_order);
    tcase_add_test(tc, course_numbers);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
