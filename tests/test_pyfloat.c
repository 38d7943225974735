/* test_pyfloat.c - doubles printed exactly as Python's repr() and json.dumps print them. */
#include "testutil.h"

#include <float.h>
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

/* ==== Tens of millions of doubles ==== */

/* Adds delta (+1 or -1) to the last digit of a digit string, with carry; returns 0 if
 * the string would change length (then that neighbour is not a p-digit string). */
static int step_digits(char *d, int n, int delta)
{
    for (int i = n - 1; i >= 0; i--) {
        int c = d[i] - '0' + delta;
        if (c >= 0 && c <= 9) {
            d[i] = (char)('0' + c);
            return d[0] != '0';
        }
        d[i] = delta > 0 ? '0' : '9';
    }
    return 0;
}

static double read_digits(const char *d, int n, int exp10)
{
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%c.%.*se%d", d[0], n - 1, d + 1, exp10);
    return strtod(tmp, NULL);
}

/* The plainly correct method, slow. For each length p from 1 up, the correctly rounded
 * p-digit string is the closest one; if it reads back, it is the answer. If it does
 * not, its neighbour one unit up or down can still read back: next to a power of two
 * the rounding interval is twice as wide above as below. (An earlier version of
 * forkcollect missed that and printed 17 digits for 2^-696.) */
static int oracle_digits(double v, char digits[20], int *exp10)
{
    char tmp[40];
    /* A normal double's shortest form, if it has at most 15 digits, is its correctly
     * rounded 15-digit form with zeros after: it lies within 2^-53 (relatively) of v,
     * far inside a 15-digit step. Subnormals have fewer bits, so they try every length. */
    for (int prec = v < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        char d[20];
        int n = 0;
        for (const char *p = tmp; *p && *p != 'e'; p++)
            if (*p >= '0' && *p <= '9')
                d[n++] = *p;
        int x = atoi(strchr(tmp, 'e') + 1);
        int found = read_digits(d, n, x) == v;
        for (int delta = -1; !found && delta <= 1; delta += 2) {
            char c[20];
            memcpy(c, d, (size_t)n);
            if (step_digits(c, n, delta) && read_digits(c, n, x) == v) {
                memcpy(d, c, (size_t)n);
                found = 1;
            }
        }
        if (!found)
            continue;
        while (n > 1 && d[n - 1] == '0')
            n--;
        memcpy(digits, d, (size_t)n);
        digits[n] = '\0';
        *exp10 = x;
        return n;
    }
    return 0;
}

/* How many: FC_TEST_SCALE (default 1) times the base count; valgrind runs use less. */
static uint64_t scaled(uint64_t n)
{
    const char *s = getenv("FC_TEST_SCALE");
    double k = s ? atof(s) : 1.0;
    return k > 0 ? (uint64_t)((double)n * k) + 1 : n;
}

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

/* The i-th test double: random bits, with every edge class mixed in: subnormals,
 * values next to powers of two and of ten, integers, numbers like calc's. */
static double nth_double(uint64_t i)
{
    uint64_t r = mix(i);
    double d;
    switch (i % 8) {
    case 0: /* subnormal */
        r &= 0x800fffffffffffffu;
        break;
    case 1: { /* next to a power of two */
        uint64_t e = (r >> 8) % 2046 + 1;
        r = (r & 0x8000000000000000u) | e << 52 | ((r & 1) ? 0 : 0xfffffffffffffu);
        break;
    }
    case 2: { /* next to a power of ten */
        d = pow(10.0, (double)((int)(r % 600) - 300));
        memcpy(&r, &d, 8);
        r += (mix(r) % 5) - 2;
        break;
    }
    case 3: /* an integer */
        d = (double)(r >> (r % 64));
        memcpy(&r, &d, 8);
        break;
    case 4: /* like calc's sums */
        d = (double)(r >> 11) * (1.0 / 9007199254740992.0) * 1e7;
        memcpy(&r, &d, 8);
        break;
    default: /* any bits */
        break;
    }
    memcpy(&d, &r, 8);
    return d;
}

START_TEST(tens_of_millions_read_back)
{
    uint64_t n = scaled(20000000), checked = 0;
    char text[FC_REPR_MAX];
    for (uint64_t i = 0; i < n; i++) {
        double v = nth_double(i);
        if (!isfinite(v))
            continue;
        fc_format_double(v, text);
        if (bits(strtod(text, NULL)) != bits(v))
            ck_abort_msg("%016llx printed as %s does not read back", (unsigned long long)bits(v),
                         text);
        checked++;
    }
    ck_assert_uint_gt(checked, n / 2);
}
END_TEST

START_TEST(millions_are_the_shortest_closest_digits)
{
    uint64_t n = scaled(1000000);
    for (uint64_t i = 0; i < n; i++) {
        double v = fabs(nth_double(i * 7919 + 3));
        if (!isfinite(v) || v == 0)
            continue;
        char want[20], got[FC_REPR_MAX];
        int x;
        oracle_digits(v, want, &x);
        /* Compare digits and decimal exponent directly against our output. */
        fc_format_double(v, got);
        char digits[32];
        int nd = 0;
        const char *e = strchr(got, 'e'), *dot = strchr(got, '.');
        for (const char *p = got; *p && p != e; p++)
            if (*p >= '0' && *p <= '9')
                digits[nd++] = *p;
        digits[nd] = '\0';
        /* The exponent of the first significant digit: after 'e', or from where the
         * point stands ("123.4": 2; "0.00012": -4). */
        int exp10;
        if (e) {
            exp10 = atoi(e + 1);
        } else if (got[0] != '0') {
            exp10 = (int)((dot ? dot : got + strlen(got)) - got) - 1;
        } else {
            exp10 = -1;
            for (const char *p = dot + 1; *p == '0'; p++)
                exp10--;
        }
        ck_assert_msg(exp10 == x, "%016llx: printed %s, exponent %d, the oracle's %d",
                      (unsigned long long)bits(v), got, exp10, x);
        /* Positional forms carry leading zeros ("0.0001") and trailing ".0": strip. */
        char *d = digits;
        while (*d == '0' && d[1])
            d++;
        size_t len = strlen(d);
        while (len > 1 && d[len - 1] == '0')
            d[--len] = '\0';
        ck_assert_msg(strcmp(d, want) == 0, "%016llx: printed %s, shortest closest digits %s",
                      (unsigned long long)bits(v), got, want);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pyfloat");
    TCase *tc = tcase_create("repr");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, repr_matches_cpython);
    tcase_add_test(tc, non_finite);
    tcase_add_test(tc, layout_boundaries);
    tcase_add_test(tc, tens_of_millions_read_back);
    tcase_add_test(tc, millions_are_the_shortest_closest_digits);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
