/* pyrandom.c - CPython's random.Random, one draw at a time (Modules/_randommodule.c).
 *
 * calc.c has the same generator built for one job, summing random() in blocks; the
 * shapes need words one by one, for getrandbits and choices, so they use this one.
 */
#include "fc_shapes.h"

#define MT_N 624
#define MT_M 397

/* random.seed(n): init_by_array() with n's 32-bit words, least significant first. */
void fc_pyrandom_seed(fc_pyrandom *r, uint64_t n)
{
    uint32_t key[2] = {(uint32_t)n, (uint32_t)(n >> 32)};
    int len = key[1] ? 2 : 1;
    uint32_t *mt = r->mt;
    mt[0] = 19650218u;
    for (int i = 1; i < MT_N; i++)
        mt[i] = 1812433253u * (mt[i - 1] ^ (mt[i - 1] >> 30)) + (uint32_t)i;
    int i = 1, j = 0;
    for (int k = MT_N; k; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
        if (++i >= MT_N) {
            mt[0] = mt[MT_N - 1];
            i = 1;
        }
        if (++j >= len)
            j = 0;
    }
    for (int k = MT_N - 1; k; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
        if (++i >= MT_N) {
            mt[0] = mt[MT_N - 1];
            i = 1;
        }
    }
    mt[0] = 0x80000000u;
    r->index = MT_N; /* the first draw twists */
}

static void twist(uint32_t *mt)
{
    static const uint32_t mag01[2] = {0u, 0x9908b0dfu};
    int k;
    uint32_t y;
    for (k = 0; k < MT_N - MT_M; k++) {
        y = (mt[k] & 0x80000000u) | (mt[k + 1] & 0x7fffffffu);
        mt[k] = mt[k + MT_M] ^ (y >> 1) ^ mag01[y & 1u];
    }
    for (; k < MT_N - 1; k++) {
        y = (mt[k] & 0x80000000u) | (mt[k + 1] & 0x7fffffffu);
        mt[k] = mt[k + (MT_M - MT_N)] ^ (y >> 1) ^ mag01[y & 1u];
    }
    y = (mt[MT_N - 1] & 0x80000000u) | (mt[0] & 0x7fffffffu);
    mt[MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ mag01[y & 1u];
}

uint32_t fc_pyrandom_u32(fc_pyrandom *r)
{
    if (r->index >= MT_N) {
        twist(r->mt);
        r->index = 0;
    }
    uint32_t y = r->mt[r->index++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

/* getrandbits(k): 32-bit words from the least significant up; the last word drawn
 * keeps its top k mod 32 bits. */
uint64_t fc_pyrandom_bits(fc_pyrandom *r, unsigned k)
{
    if (k <= 32)
        return fc_pyrandom_u32(r) >> (32 - k);
    uint64_t low = fc_pyrandom_u32(r);
    uint64_t high = fc_pyrandom_u32(r) >> (64 - k);
    return low | high << 32;
}

double fc_pyrandom_random(fc_pyrandom *r)
{
    uint32_t a = fc_pyrandom_u32(r) >> 5, b = fc_pyrandom_u32(r) >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

uint64_t fc_pyrandom_below(fc_pyrandom *r, uint64_t n)
{
    unsigned k = 64 - (unsigned)__builtin_clzll(n); /* n's bit length; n >= 1 */
    uint64_t x = fc_pyrandom_bits(r, k);
    while (x >= n)
        x = fc_pyrandom_bits(r, k);
    return x;
}
