/* calc.c - the course's load, bit for bit as CPython computes it:
 *
 *     random.seed(n); s = 0.0
 *     for _ in range(iterations): s += random.random()
 *
 * CPython's generator is MT19937. random.seed(n) for an int n >= 0 calls
 * init_by_array() with the 32-bit words of n, least significant first (one word 0
 * for n = 0). random() takes two outputs a, b and returns
 * ((a >> 5) * 67108864.0 + (b >> 6)) / 9007199254740992.0: 53 random bits. The sum
 * is plain double addition in draw order (CPython 3.11; see docs/ARCHITECTURE.md).
 */
#include "forkcollect.h"

#define MT_N 624
#define MT_M 397
#define MT_MATRIX_A 0x9908b0dfu
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu

typedef struct mt_state {
    uint32_t mt[MT_N];
    int index;
} mt_state;

static void mt_init_genrand(mt_state *s, uint32_t seed)
{
    s->mt[0] = seed;
    for (int i = 1; i < MT_N; i++)
        s->mt[i] = 1812433253u * (s->mt[i - 1] ^ (s->mt[i - 1] >> 30)) + (uint32_t)i;
    s->index = MT_N;
}

static void mt_init_by_array(mt_state *s, const uint32_t *key, int key_length)
{
    mt_init_genrand(s, 19650218u);
    int i = 1, j = 0;
    for (int k = MT_N > key_length ? MT_N : key_length; k; k--) {
        s->mt[i] = (s->mt[i] ^ ((s->mt[i - 1] ^ (s->mt[i - 1] >> 30)) * 1664525u)) + key[j] +
                   (uint32_t)j;
        i++;
        j++;
        if (i >= MT_N) {
            s->mt[0] = s->mt[MT_N - 1];
            i = 1;
        }
        if (j >= key_length)
            j = 0;
    }
    for (int k = MT_N - 1; k; k--) {
        s->mt[i] = (s->mt[i] ^ ((s->mt[i - 1] ^ (s->mt[i - 1] >> 30)) * 1566083941u)) -
                   (uint32_t)i;
        i++;
        if (i >= MT_N) {
            s->mt[0] = s->mt[MT_N - 1];
            i = 1;
        }
    }
    s->mt[0] = 0x80000000u; /* MSB is 1, assuring a non-zero initial array */
    s->index = MT_N;
}

/* Regenerates all 624 words at once (the "twist"). */
static void mt_twist(mt_state *s)
{
    uint32_t *mt = s->mt;
    int k;
    for (k = 0; k < MT_N - MT_M; k++) {
        uint32_t y = (mt[k] & MT_UPPER) | (mt[k + 1] & MT_LOWER);
        mt[k] = mt[k + MT_M] ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX_A : 0u);
    }
    for (; k < MT_N - 1; k++) {
        uint32_t y = (mt[k] & MT_UPPER) | (mt[k + 1] & MT_LOWER);
        mt[k] = mt[k + (MT_M - MT_N)] ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX_A : 0u);
    }
    uint32_t y = (mt[MT_N - 1] & MT_UPPER) | (mt[0] & MT_LOWER);
    mt[MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX_A : 0u);
    s->index = 0;
}

static inline uint32_t mt_next(mt_state *s)
{
    if (s->index >= MT_N)
        mt_twist(s);
    uint32_t y = s->mt[s->index++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

double fc_calc(uint64_t n, uint64_t iterations)
{
    mt_state s;
    uint32_t key[2] = {(uint32_t)n, (uint32_t)(n >> 32)};
    mt_init_by_array(&s, key, key[1] ? 2 : 1);
    double sum = 0.0;
    for (uint64_t i = 0; i < iterations; i++) {
        uint32_t a = mt_next(&s) >> 5, b = mt_next(&s) >> 6;
        sum += ((double)a * 67108864.0 + (double)b) * (1.0 / 9007199254740992.0);
    }
    return sum;
}
