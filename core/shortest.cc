// shortest.cc - the one C++ file: C entry points to two Debian libraries whose APIs are
// C++. libdouble-conversion finds the shortest digits that read back to a double
// (Grisu3, with an exact bignum fallback when Grisu3 cannot decide), which
// core/pyfloat.c lays out as Python does. fast_float (header-only) reads a decimal
// number, correctly rounded, for serializers/json.c. docs/ARCHITECTURE.md says why
// neither is done in C.
#include <double-conversion/double-to-string.h>
#include <fast_float/fast_float.h>

#include <stddef.h>

extern "C" int fc_shortest_digits(double v, char *digits, int size, int *exp10);
extern "C" size_t fc_parse_decimal(const char *s, size_t n, double *v);

// Fills digits (no sign, no point, NUL-terminated) for a finite non-zero v and returns
// their count; *exp10 is the decimal exponent of the first digit (v = d.ddd * 10^exp10).
extern "C" int fc_shortest_digits(double v, char *digits, int size, int *exp10)
{
    bool sign;
    int length = 0, point = 0;
    double_conversion::DoubleToStringConverter::DoubleToAscii(
        v, double_conversion::DoubleToStringConverter::SHORTEST, 0, digits, size, &sign,
        &length, &point);
    *exp10 = point - 1;
    return length;
}

// Reads the number that s[0..n) spells (-?digits[.digits][e[+-]digits], no NUL needed)
// into *v, correctly rounded as strtod does (beyond the largest double: infinity).
// Returns how many bytes it read: 0 if s does not start with a number.
extern "C" size_t fc_parse_decimal(const char *s, size_t n, double *v)
{
    fast_float::from_chars_result r = fast_float::from_chars(s, s + n, *v);
    return r.ec == std::errc() ? static_cast<size_t>(r.ptr - s) : 0;
}
