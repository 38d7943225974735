// shortest.cc - the one C++ file: C entry points to two Debian libraries whose APIs are
// C++, both used header-only (no library at run time). fmt's Dragonbox finds the
// shortest digits that read back to a double, which core/pyfloat.c lays out as Python
// does. fast_float reads a decimal number, correctly rounded, for serializers/json.c.
// docs/ARCHITECTURE.md says why neither is done in C.
#include "shortest.h"

#define FMT_HEADER_ONLY // fmt's Dragonbox compiled here: no libfmt at run time
#include <fast_float/fast_float.h>
#include <fmt/format.h>

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

extern "C" const char *fc_shortest_library(void)
{
    static char text[80];
    if (!text[0])
        snprintf(text, sizeof text, "digits by fmt %d.%d.%d (Dragonbox), read by fast_float",
                 FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100);
    return text;
}

// shortest.h says what each function does. Dragonbox gives the shortest significand
// that reads back to v, the closest to v when there are several (ties to even), without
// trailing zeros: Python's digits.
static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                            "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                            "8081828384858687888990919293949596979899";

// The n decimal digits of v (n of them exactly) into p[0..n), two at a time from the
// end; eight-digit groups first, so that their 32-bit arithmetic runs side by side.
static void write_digits(uint64_t v, char *p, int n)
{
    char *end = p + n;
    while (v >= 100000000) {
        uint32_t group = static_cast<uint32_t>(v % 100000000);
        v /= 100000000;
        for (int k = 0; k < 4; k++, group /= 100)
            memcpy(end -= 2, pairs + 2 * (group % 100), 2);
    }
    uint32_t rest = static_cast<uint32_t>(v);
    while (rest >= 10) {
        memcpy(end -= 2, pairs + 2 * (rest % 100), 2);
        rest /= 100;
    }
    if (end > p)
        *--end = static_cast<char>('0' + rest);
}

extern "C" int fc_shortest_digits(double v, char *digits, int size, int *exp10)
{
    fmt::detail::dragonbox::decimal_fp<double> d = fmt::detail::dragonbox::to_decimal(v);
    static const uint64_t pow10[20] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                       100000000, 1000000000, 10000000000, 100000000000,
                                       1000000000000, 10000000000000, 100000000000000,
                                       1000000000000000, 10000000000000000,
                                       100000000000000000, 1000000000000000000,
                                       10000000000000000000u};
    // The digit count from the bit length (1233/4096 is just above log10(2)), then one
    // comparison to correct it. The significand is never 0 (v is not).
    int bits = 64 - __builtin_clzll(d.significand);
    int n = (bits * 1233) >> 12;
    n += n < 20 && d.significand >= pow10[n];
    if (n >= size)
        return 0;
    write_digits(d.significand, digits, n);
    digits[n] = '\0';
    *exp10 = d.exponent + n - 1;
    return n;
}

extern "C" size_t fc_parse_decimal(const char *s, size_t n, double *v)
{
    fast_float::from_chars_result r = fast_float::from_chars(s, s + n, *v);
    return r.ec == std::errc() ? static_cast<size_t>(r.ptr - s) : 0;
}
