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

#include <string.h>

#define MT_N 624
#define MT_M 397
#define MT_MATRIX_A 0x9908b0dfu
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu

typedef struct mt_state {
    uint32_t mt[MT_N];
} mt_state;

/* init_genrand(19650218), the start of every seeding: the same for every n, so it is
 * computed once (children inherit it). */
static uint32_t base_state[MT_N];
static int base_ready;

static void init_base(void)
{
    base_state[0] = 19650218u;
    for (int i = 1; i < MT_N; i++)
        base_state[i] = 1812433253u * (base_state[i - 1] ^ (base_state[i - 1] >> 30)) + (uint32_t)i;
    base_ready = 1;
}

/* init_by_array as CPython has it. Each step depends on the one before (mt[i-1]); that
 * value is carried in a register (prev) rather than reloaded from the array, which
 * keeps store-to-load latency off the chain. */
static void mt_init_by_array(mt_state *s, const uint32_t *key, int key_length)
{
    if (!base_ready)
        init_base(); /* libforkcollect is single-threaded */
    uint32_t *mt = s->mt;
    memcpy(mt, base_state, sizeof base_state);
    uint32_t prev = mt[0];
    int i = 1, j = 0;
    for (int k = MT_N > key_length ? MT_N : key_length; k; k--) {
        prev = (mt[i] ^ ((prev ^ (prev >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
        mt[i] = prev;
        i++;
        j++;
        if (i >= MT_N) {
            mt[0] = prev;
            i = 1;
        }
        if (j >= key_length)
            j = 0;
    }
    for (int k = MT_N - 1; k; k--) {
        prev = (mt[i] ^ ((prev ^ (prev >> 30)) * 1566083941u)) - (uint32_t)i;
        mt[i] = prev;
        i++;
        if (i >= MT_N) {
            mt[0] = prev;
            i = 1;
        }
    }
    mt[0] = 0x80000000u; /* MSB is 1, assuring a non-zero initial array */
}

/* ==== One block: 624 words, 312 doubles ====
 *
 * CPython draws words one at a time and regenerates all 624 when they run out; after
 * seeding the first draw regenerates. So the draws come in blocks of 624 words, and
 * each random() takes two consecutive words of a block. Generating a whole block into
 * an array (twist, temper, convert: loops with no dependence between elements, which
 * the compiler vectorizes) leaves the sum, whose order is fixed, as the only chain of
 * dependent operations. target_clones picks AVX2 at run time where the CPU has it. */

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define FC_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define FC_CLONES
#endif

#define TWIST(u, v) ((((u) & MT_UPPER) | ((v) & MT_LOWER)) >> 1 ^ (((v) & 1u) ? MT_MATRIX_A : 0u))

/* Tempers words [2*from, 2*to) and converts them to random() values out[from..to). */
static inline __attribute__((always_inline)) void temper_convert(const uint32_t *restrict mt,
                                                                 double *restrict out,
                                                                 int from, int to)
{
    for (int i = from; i < to; i++) {
        uint32_t a = mt[2 * i], b = mt[2 * i + 1];
        a ^= a >> 11;
        a ^= (a << 7) & 0x9d2c5680u;
        a ^= (a << 15) & 0xefc60000u;
        a ^= a >> 18;
        b ^= b >> 11;
        b ^= (b << 7) & 0x9d2c5680u;
        b ^= (b << 15) & 0xefc60000u;
        b ^= b >> 18;
        /* Both products and the sum are exact (integers below 2^53): the result is the
         * same with or without fused multiply-add. */
        out[i] = ((double)(int32_t)(a >> 5) * 67108864.0 + (double)(int32_t)(b >> 6)) *
                 (1.0 / 9007199254740992.0);
    }
}

/* Adds cur[from..to) to s, in order. */
static inline __attribute__((always_inline)) double add_in_order(double s,
                                                                  const double *restrict cur,
                                                                  int from, int to)
{
#ifdef FC_CALC_GENERATION_ONLY /* benchmarks/calc_generation.c: what making costs alone */
    (void)cur, (void)from, (void)to;
#else
    for (int i = from; i < to; i++)
        s += cur[i];
#endif
    return s;
}

#define CHUNK (MT_N / 2 / 8) /* 39 additions after each of 8 generation steps */

/* Makes the next block's 312 values (twist the state, temper, convert) into next[],
 * and adds the current block's values cur[0..312) to *sum, in draw order. The
 * additions form one chain of dependent operations; cutting the generation into
 * steps between groups of additions lets the processor run each step while those
 * additions wait on each other. */
FC_CLONES
static void next_block_and_sum(uint32_t *restrict mt, double *restrict next,
                               const double *restrict cur, double *sum)
{
    double s = *sum;
    int k;
    for (k = 0; k < MT_N - MT_M; k++)
        mt[k] = mt[k + MT_M] ^ TWIST(mt[k], mt[k + 1]);
    s = add_in_order(s, cur, 0, CHUNK);
    for (; k < 425; k++)
        mt[k] = mt[k + (MT_M - MT_N)] ^ TWIST(mt[k], mt[k + 1]);
    s = add_in_order(s, cur, CHUNK, 2 * CHUNK);
    for (; k < MT_N - 1; k++)
        mt[k] = mt[k + (MT_M - MT_N)] ^ TWIST(mt[k], mt[k + 1]);
    mt[MT_N - 1] = mt[MT_M - 1] ^ TWIST(mt[MT_N - 1], mt[0]);
    s = add_in_order(s, cur, 2 * CHUNK, 3 * CHUNK);
    static const int cut[6] = {0, 63, 126, 189, 252, MT_N / 2};
    for (int c = 0; c < 5; c++) {
        temper_convert(mt, next, cut[c], cut[c + 1]);
        s = add_in_order(s, cur, (3 + c) * CHUNK, (4 + c) * CHUNK);
    }
    *sum = s;
}

/* The first block after seeding: nothing to add yet. */
FC_CLONES
static void first_block(uint32_t *restrict mt, double *restrict next)
{
    static const double none[MT_N / 2];
    double ignored = 0;
    next_block_and_sum(mt, next, none, &ignored);
}

double fc_calc(uint64_t n, uint64_t iterations)
{
    if (iterations == 0)
        return 0.0; /* the sum of no draws, as in Python; no need to seed */
    mt_state s;
    double blocks[2][MT_N / 2];
    uint32_t key[2] = {(uint32_t)n, (uint32_t)(n >> 32)};
    mt_init_by_array(&s, key, key[1] ? 2 : 1);
    double sum = 0.0;
    int cur = 0;
    first_block(s.mt, blocks[cur]);
    /* Whole blocks: each is added while the one after it is made. */
    while (iterations > MT_N / 2) {
        next_block_and_sum(s.mt, blocks[cur ^ 1], blocks[cur], &sum);
        cur ^= 1;
        iterations -= MT_N / 2;
    }
    for (int i = 0; i < (int)iterations; i++)
        sum += blocks[cur][i]; /* in draw order, one at a time: CPython's sum */
    return sum;
}
