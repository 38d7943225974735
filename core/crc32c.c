/* crc32c.c - CRC-32C (Castagnoli, reflected polynomial 0x82F63B78).
 *
 * With SSE4.2 (checked at run time) the CPU's crc32 instruction does it, three
 * independent streams at a time so its 3-cycle latency is hidden, the three results
 * combined with a shift in GF(2) (zlib's crc32_combine, for a fixed length). Elsewhere,
 * a table, 8 bytes at a time. Both give the same bits; tests check them against each
 * other and against the standard check value. */
#include "forkcollect.h"

#include <stdlib.h>
#include <string.h>

static uint32_t crc32c_sw(uint32_t crc, const uint8_t *p, size_t len);

static uint32_t table[8][256];
static int table_ready;

static void build_table(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
    table_ready = 1;
}

static uint32_t crc32c_sw(uint32_t crc, const uint8_t *p, size_t len)
{
    if (!table_ready)
        build_table(); /* libforkcollect is single-threaded; children inherit the table */
    crc = ~crc;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        w ^= crc;
        crc = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^ table[5][(w >> 16) & 0xff] ^
              table[4][(w >> 24) & 0xff] ^ table[3][(w >> 32) & 0xff] ^
              table[2][(w >> 40) & 0xff] ^ table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
        p += 8;
        len -= 8;
    }
#endif
    while (len--)
        crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
    return ~crc;
}

/* ==== The SSE4.2 path ==== */

#if defined(__x86_64__) && defined(__GNUC__)
#include <nmmintrin.h>

#define STREAM 4096 /* bytes per stream in one round of three */

/* Multiplies a 32-bit vector by a 32x32 GF(2) matrix (zlib's gf2_matrix_times). */
static uint32_t gf2_times(const uint32_t *mat, uint32_t vec)
{
    uint32_t sum = 0;
    for (int i = 0; vec; vec >>= 1, i++)
        if (vec & 1)
            sum ^= mat[i];
    return sum;
}

static void gf2_square(uint32_t *square, const uint32_t *mat)
{
    for (int n = 0; n < 32; n++)
        square[n] = gf2_times(mat, mat[n]);
}

/* shift[k][b]: the CRC state after feeding STREAM zero bytes to a state whose byte k is
 * b (and the rest 0); a state is shifted by XOR of four lookups. */
static uint32_t shift[4][256];
static int shift_ready;

static void build_shift(void)
{
    uint32_t odd[32], even[32], op[32];
    /* The operator for one zero bit, then squared up to 8 * STREAM bits. */
    odd[0] = 0x82F63B78u;
    uint32_t row = 1;
    for (int n = 1; n < 32; n++, row <<= 1)
        odd[n] = row;
    gf2_square(even, odd); /* 2 bits */
    gf2_square(odd, even); /* 4 bits */
    memcpy(op, odd, sizeof op);
    size_t bits = 4;
    while (bits < 8 * STREAM) {
        gf2_square(even, op);
        memcpy(op, even, sizeof op);
        bits *= 2; /* STREAM is a power of two, so squaring lands on it exactly */
    }
    for (int k = 0; k < 4; k++)
        for (uint32_t b = 0; b < 256; b++)
            shift[k][b] = gf2_times(op, b << (8 * k));
    shift_ready = 1;
}

static uint32_t shift_crc(uint32_t crc)
{
    return shift[0][crc & 0xff] ^ shift[1][(crc >> 8) & 0xff] ^ shift[2][(crc >> 16) & 0xff] ^
           shift[3][crc >> 24];
}

__attribute__((target("sse4.2")))
static uint32_t crc32c_hw(uint32_t crc, const uint8_t *p, size_t len)
{
    if (!shift_ready)
        build_shift();
    uint64_t c0 = ~crc;
    while (len >= 3 * STREAM) {
        uint64_t c1 = 0, c2 = 0, w0, w1, w2;
        for (size_t i = 0; i < STREAM; i += 8) {
            memcpy(&w0, p + i, 8);
            memcpy(&w1, p + STREAM + i, 8);
            memcpy(&w2, p + 2 * STREAM + i, 8);
            c0 = _mm_crc32_u64(c0, w0);
            c1 = _mm_crc32_u64(c1, w1);
            c2 = _mm_crc32_u64(c2, w2);
        }
        /* The raw (un-inverted) states of the later streams start from 0, so the state
         * for the three together is each earlier state shifted past what follows it. */
        c0 = shift_crc(shift_crc((uint32_t)c0) ^ (uint32_t)c1) ^ (uint32_t)c2;
        p += 3 * STREAM;
        len -= 3 * STREAM;
    }
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c0 = _mm_crc32_u64(c0, w);
    }
    uint32_t c = (uint32_t)c0;
    for (; len; len--)
        c = _mm_crc32_u8(c, *p++);
    return ~c;
}

static int has_sse42 = -1;

uint32_t fc_crc32c(uint32_t crc, const void *data, size_t len)
{
    if (has_sse42 < 0)
        has_sse42 = __builtin_cpu_supports("sse4.2") && !getenv("FC_NO_SSE42");
    return has_sse42 ? crc32c_hw(crc, data, len) : crc32c_sw(crc, data, len);
}
#else
uint32_t fc_crc32c(uint32_t crc, const void *data, size_t len)
{
    return crc32c_sw(crc, data, len);
}
#endif
