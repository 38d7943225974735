// shortest.cc - the one C++ file: a C entry point to Debian's libdouble-conversion,
// whose API is C++. It finds the shortest digits that read back to a double (Grisu3,
// with an exact bignum fallback when Grisu3 cannot decide), which core/pyfloat.c lays
// out as Python does. docs/ARCHITECTURE.md says why this is not done in C.
#include "shortest.h"

#include <double-conversion/double-to-string.h>

// shortest.h says what it does.
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
