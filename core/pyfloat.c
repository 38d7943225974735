/* pyfloat.c - doubles written as Python writes them.
 *
 * repr(x) is the shortest digit string that reads back to the same bits (the
 * closest such string when there are several), laid out as float_repr_style
 * 'short' does: positional when the decimal exponent x satisfies -4 <= x < 16, with
 * at least one digit after the point; otherwise d.ddde+XX with at least two
 * exponent digits.
 *
 * The digits come from fmt's Dragonbox (core/shortest.cc), about 40 times faster than
 * trying printf and strtod. tests/test_pyfloat.c checks it against CPython's own output (tests/vectors/repr.tsv) and against that
 * slow but plainly correct method on a million doubles.
 */
#include "forkcollect.h"
#include "shortest.h"

#include <math.h>
#include <stdio.h>
#include <string.h>


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
    int n = fc_shortest_digits(a, d, (int)sizeof d, &x);
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

/* Python's words for the non-finite values, then the finite layout. */
static size_t format_with(double v, char *buf, const char *nan, const char *inf,
                          const char *minus_inf)
{
    const char *s = isnan(v) ? nan : isinf(v) ? (v < 0 ? minus_inf : inf) : NULL;
    if (!s)
        return format_finite(v, buf);
    size_t n = strlen(s);
    memcpy(buf, s, n + 1);
    return n;
}

size_t fc_format_double(double v, char *buf)
{
    return format_with(v, buf, "nan", "inf", "-inf"); /* repr() */
}

size_t fc_format_double_json(double v, char *buf)
{
    return format_with(v, buf, "NaN", "Infinity", "-Infinity"); /* json.dumps */
}
