/* pyfloat.c - doubles written as Python writes them.
 *
 * repr(x) is the shortest digit string that reads back to the same bits (the
 * closest such string when there are several), laid out as float_repr_style
 * 'short' does: positional when the decimal exponent x satisfies -4 <= x < 16, with
 * at least one digit after the point; otherwise d.ddde+XX with at least two
 * exponent digits.
 *
 * Finding the digits: the correctly rounded 17-digit form always reads back; if
 * the shortest form has k <= 15 digits, the correctly rounded 15-digit form is
 * those k digits followed by zeros (a double is within 2^-53 relatively of it, far
 * inside a 15-digit rounding step); otherwise the correctly rounded 16-digit form
 * is the closest 16-digit string and reads back if any 16-digit string does. So
 * trying 15, 16, 17 digits with glibc's correctly rounded printf and strtod gives
 * exactly Python's digits. That argument needs the full 53-bit precision: a
 * subnormal has fewer bits (5e-324 has one), so its shortest form can be far
 * shorter than its 15-digit rounding, and subnormals try every length from 1 up.
 * tests/vectors/repr.tsv checks all this against CPython.
 */
#include "forkcollect.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shortest round-trip digits of a finite, non-zero |v|: fills digits (no point, no
 * trailing zeros) and returns their count; *exp10 is the decimal exponent of the
 * first digit. */
static int shortest_digits(double v, char digits[20], int *exp10)
{
    char tmp[40];
    for (int prec = v < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        if (prec < 17 && strtod(tmp, NULL) != v)
            continue;
        /* tmp is "d.ddddde[+-]XX" */
        int n = 0;
        for (const char *p = tmp; *p && *p != 'e'; p++)
            if (*p >= '0' && *p <= '9')
                digits[n++] = *p;
        while (n > 1 && digits[n - 1] == '0')
            n--;
        digits[n] = '\0';
        *exp10 = atoi(strchr(tmp, 'e') + 1);
        return n;
    }
    return 0; /* not reached: 17 digits always read back */
}

static size_t format_finite(double v, char *buf)
{
    char *out = buf;
    if (signbit(v))
        *out++ = '-';
    double a = fabs(v);
    if (a == 0.0) {
        memcpy(out, "0.0", 4);
        return (size_t)(out - buf) + 3;
    }
    char d[20];
    int x;
    int n = shortest_digits(a, d, &x);
    if (x >= -4 && x < 16) {
        if (x < 0) {
            *out++ = '0';
            *out++ = '.';
            for (int i = 0; i < -x - 1; i++)
                *out++ = '0';
            memcpy(out, d, (size_t)n);
            out += n;
        } else {
            for (int i = 0; i <= x; i++)
                *out++ = i < n ? d[i] : '0';
            *out++ = '.';
            if (n > x + 1) {
                memcpy(out, d + x + 1, (size_t)(n - x - 1));
                out += n - x - 1;
            } else {
                *out++ = '0';
            }
        }
        *out = '\0';
    } else {
        *out++ = d[0];
        if (n > 1) {
            *out++ = '.';
            memcpy(out, d + 1, (size_t)(n - 1));
            out += n - 1;
        }
        out += sprintf(out, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
    }
    return (size_t)(out - buf);
}

size_t fc_format_double(double v, char *buf)
{
    const char *s = isnan(v) ? "nan" : isinf(v) ? (v < 0 ? "-inf" : "inf") : NULL;
    if (s) {
        strcpy(buf, s);
        return strlen(s);
    }
    return format_finite(v, buf);
}

size_t fc_format_double_json(double v, char *buf)
{
    const char *s = isnan(v) ? "NaN" : isinf(v) ? (v < 0 ? "-Infinity" : "Infinity") : NULL;
    if (s) {
        strcpy(buf, s);
        return strlen(s);
    }
    return format_finite(v, buf);
}
