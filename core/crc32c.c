/* crc32c.c - CRC-32C (Castagnoli, reflected polynomial 0x82F63B78).
 *
 * Intel's ISA-L (Debian's libisal) computes it where it is available: its crc32_iscsi
 * picks the fastest code for the CPU at run time (carry-less multiply folding where
 * there is PCLMULQDQ), 40 bytes a nanosecond here, against 15 for the crc32
 * instruction in three streams and 2 for a table. ISA-L is required (CMakeLists.txt);
 * the table, 8 bytes at a time, runs only with FC_NO_ISAL set in the environment, which
 * the tests use to check both against the bitwise definition. */
#include "forkcollect.h"

#include <stdlib.h>
#include <string.h>

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

/* ==== Intel's ISA-L ==== */

#include <isa-l/crc.h>
#include <limits.h>

uint32_t fc_crc32c(uint32_t crc, const void *data, size_t len)
{
    /* crc32_iscsi takes the register as it is (no inversions) and an int length. */
    static int use_isal = -1;
    const uint8_t *p = data;
    uint32_t reg = ~crc;
    if (use_isal < 0)
        use_isal = getenv("FC_NO_ISAL") == NULL;
    if (!use_isal)
        return crc32c_sw(crc, p, len);
    while (len > 0) {
        int n = len > INT_MAX ? INT_MAX : (int)len;
        reg = crc32_iscsi((unsigned char *)(uintptr_t)p, n, reg);
        p += n;
        len -= (size_t)n;
    }
    return ~reg;
}
