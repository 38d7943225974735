/* shortest.h - the C++ functions (core/shortest.cc), for the C that calls them
 * (core/pyfloat.c, serializers/json.c). Internal: not installed. */
#ifndef FC_SHORTEST_H
#define FC_SHORTEST_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fills digits (no sign, no point, NUL-terminated, at most size bytes) with the shortest
 * digits that read back to v, a finite non-zero double, and returns their count;
 * *exp10 is the decimal exponent of the first digit (v = d.ddd * 10^exp10). */
int fc_shortest_digits(double v, char *digits, int size, int *exp10);

/* Reads the number that s[0..n) spells (-?digits[.digits][e[+-]digits], no NUL needed)
 * into *v, correctly rounded as strtod does (beyond the largest double: infinity), by
 * fast_float. Returns how many bytes it read: 0 if s does not start with a number. */
size_t fc_parse_decimal(const char *s, size_t n, double *v);

/* What writes and reads the digits, for version strings: "digits by fmt 9.1.0
 * (Dragonbox), read by fast_float". */
const char *fc_shortest_library(void);

#ifdef __cplusplus
}
#endif
#endif
