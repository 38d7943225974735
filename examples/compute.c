/* compute.c - the exercise, serially: calc(n) for n = 1..COUNT, one after another.
 *
 * calc(n) is the course's Python load:
 *
 *     random.seed(n)
 *     return sum of ITERATIONS draws of random.random()
 *
 * This file carries its own copy of Python's generator (MT19937 seeded the way
 * random.seed(n) seeds it, and random()'s 53-bit doubles), so it reads top to bottom
 * on its own; libforkcollect's fc_calc() is the same code, tuned. The output is
 * "n value" lines and the total, printed as Python prints them, so the lines can be
 * put beside the course's: each value as Python's repr() (fc_format_double, from
 * libforkcollect: the shortest digits that read back to the same double), and the
 * total as math.fsum adds (fc_fsum), which is also what Python 3.12+'s sum() prints
 * for these numbers (README.md, "What it prints"). compute_with_fork prints the same
 * lines.
 *
 *   build/examples/compute [COUNT [ITERATIONS]]    (default 20 numbers, 10000000)
 */
#include "forkcollect.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* ==== Python's random module, the parts the load uses ==== */

enum { N = 624, M = 397 };

typedef struct { uint32_t mt[N]; int i; } mt19937;

static void init_genrand(mt19937 *g, uint32_t s)
{
    g->mt[0] = s;
    for (int i = 1; i < N; i++)
        g->mt[i] = 1812433253u * (g->mt[i - 1] ^ (g->mt[i - 1] >> 30)) + (uint32_t)i;
    g->i = N;
}

/* random.seed(n) for an int n >= 0: init_by_array with n's 32-bit words, low first. */
static void python_seed(mt19937 *g, uint64_t n)
{
    uint32_t key[2] = {(uint32_t)n, (uint32_t)(n >> 32)};
    int len = key[1] ? 2 : 1, i = 1, j = 0;
    init_genrand(g, 19650218u);
    for (int k = N > len ? N : len; k; k--) {
        g->mt[i] = (g->mt[i] ^ ((g->mt[i - 1] ^ (g->mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
        if (++i >= N) { g->mt[0] = g->mt[N - 1]; i = 1; }
        if (++j >= len) j = 0;
    }
    for (int k = N - 1; k; k--) {
        g->mt[i] = (g->mt[i] ^ ((g->mt[i - 1] ^ (g->mt[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
        if (++i >= N) { g->mt[0] = g->mt[N - 1]; i = 1; }
    }
    g->mt[0] = 0x80000000u;
}

static uint32_t genrand(mt19937 *g)
{
    if (g->i >= N) { /* regenerate all 624 words */
        for (int k = 0; k < N; k++) {
            uint32_t y = (g->mt[k] & 0x80000000u) | (g->mt[(k + 1) % N] & 0x7fffffffu);
            g->mt[k] = g->mt[(k + M) % N] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
        }
        g->i = 0;
    }
    uint32_t y = g->mt[g->i++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    return y ^ (y >> 18);
}

/* random.random(): 27 + 26 random bits make a double in [0, 1). */
static double python_random(mt19937 *g)
{
    uint32_t a = genrand(g) >> 5, b = genrand(g) >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

static double calc(uint64_t n, uint64_t iterations)
{
    mt19937 g;
    python_seed(&g, n);
    double sum = 0.0;
    for (uint64_t i = 0; i < iterations; i++)
        sum += python_random(&g);
    return sum;
}

/* ==== The exercise ==== */

int main(int argc, char **argv)
{
    uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 20;
    uint64_t iterations = argc > 2 ? strtoull(argv[2], NULL, 10) : 10000000u;
    double *values = count < SIZE_MAX / sizeof(double) ? malloc((count ? count : 1) * sizeof(double)) : NULL;
    double total = 0.0;
    char text[FC_REPR_MAX];
    if (!values) {
        fprintf(stderr, "compute: no memory for %" PRIu64 " values\n", count);
        return 1;
    }
    for (uint64_t n = 1; n <= count; n++) {
        values[n - 1] = calc(n, iterations);
        fc_format_double(values[n - 1], text);
        printf("%" PRIu64 " %s\n", n, text);
    }
    fc_error err = {0};
    if (fc_fsum(values, count, &total, &err) != 0) {
        fprintf(stderr, "compute: no total: %s\n", err.msg);
        free(values);
        return 1;
    }
    fc_format_double(total, text);
    printf("total %s\n", text);
    free(values);
    return 0;
}
