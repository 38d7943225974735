/* shortest.h - the one C++ function (core/shortest.cc), for the C that calls it
 * (core/pyfloat.c). Internal: not installed. */
#ifndef FC_SHORTEST_H
#define FC_SHORTEST_H

#ifdef __cplusplus
extern "C" {
#endif

/* Fills digits (no sign, no point, NUL-terminated, at most size bytes) with the shortest
 * digits that read back to v, a finite non-zero double, and returns their count;
 * *exp10 is the decimal exponent of the first digit (v = d.ddd * 10^exp10). */
int fc_shortest_digits(double v, char *digits, int size, int *exp10);

#ifdef __cplusplus
}
#endif
#endif
