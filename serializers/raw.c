/* raw.c - forkcollect's own binary layout: a 24-byte header, then 16 bytes a record.
 *
 *   offset  size  field
 *   0       4     magic "FCRW"
 *   4       2     version, 1 (little-endian, like every field)
 *   6       2     flags, 0
 *   8       8     record count n
 *   16      4     CRC-32C of the payload (bytes 24 .. 24+16n)
 *   20      4     reserved, 0
 *   24      16n   n records: key (uint64), value (IEEE-754 binary64 bits)
 *
 * docs/FORMATS.md has the same table and what the layout detects.
 */
#include "codecs.h"

#include <string.h>

#define RAW_MAGIC "FCRW"
#define RAW_VERSION 1
#define RAW_HEADER 24
#define RAW_RECORD 16

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define RAW_NATIVE 1 /* records are copied as they are in memory */
#else
#define RAW_NATIVE 0
#endif

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}
static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static const char *raw_version(void)
{
    return "built in (format version 1)";
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define RAW_CLONES __attribute__((target_clones("avx2", "default"))) /* as in core/calc.c */
#else
#define RAW_CLONES
#endif

#define RAW_BLOCK 1024 /* records: 16 KiB, half a first-level data cache */

/* Writes n records into p. Restrict-qualified: the stores go through a byte pointer,
 * which may alias anything, and would otherwise make the compiler reload the arrays'
 * pointers every record and give up on vectorizing. */
RAW_CLONES
static void put_records(uint8_t *restrict p, const uint64_t *restrict keys,
                        const double *restrict values, size_t n)
{
    for (size_t i = 0; i < n; i++) {
#if RAW_NATIVE
        memcpy(p + RAW_RECORD * i, &keys[i], 8); /* the host's order is the file's */
        memcpy(p + RAW_RECORD * i + 8, &values[i], 8);
#else
        uint64_t bits;
        memcpy(&bits, &values[i], 8);
        put_u64(p + RAW_RECORD * i, keys[i]);
        put_u64(p + RAW_RECORD * i + 8, bits);
#endif
    }
}

/* Each 16 KiB block of records is written, then its CRC-32C taken while it is still in
 * the first-level cache: one pass over the output. */
static int raw_encode(const fc_dataset *in, fc_buffer *out, fc_error *err)
{
    if (in->count > (SIZE_MAX - RAW_HEADER) / RAW_RECORD)
        return fc_fail(err, FC_ENOMEM, 0, "raw: %zu records do not fit in memory", in->count);
    size_t size = RAW_HEADER + RAW_RECORD * in->count;
    int rc = fc_buffer_reserve(out, size, err);
    if (rc)
        return rc;
    uint8_t *h = out->data + out->len;
    uint32_t crc = 0;
    for (size_t at = 0; at < in->count; at += RAW_BLOCK) {
        size_t m = in->count - at < RAW_BLOCK ? in->count - at : RAW_BLOCK;
        uint8_t *b = h + RAW_HEADER + RAW_RECORD * at;
        put_records(b, in->keys + at, in->values + at, m);
        crc = fc_crc32c(crc, b, RAW_RECORD * m); /* while the block is in the cache */
    }
    memcpy(h, RAW_MAGIC, 4);
    put_u16(h + 4, RAW_VERSION);
    put_u16(h + 6, 0);
    put_u64(h + 8, in->count);
    put_u32(h + 16, crc);
    put_u32(h + 20, 0);
    out->len += size;
    return 0;
}

static int crc_mismatch(uint32_t crc, const uint8_t *data, fc_error *err)
{
    return fc_fail(err, FC_ECORRUPT, 0, "offset 16: payload CRC-32C is %08x, the header says %08x",
                   crc, get_u32(data + 16));
}

/* Non-zero unless k[0..n) each exceed the one before. The keys' top bits are flipped
 * and compared as signed: x86 has no unsigned 64-bit vector compare, and AVX2 does
 * this loop four keys at a time. */
RAW_CLONES
static uint64_t not_increasing(const uint64_t *restrict k, size_t n)
{
    const uint64_t top = 1ull << 63;
    uint64_t down = 0;
    for (size_t i = 1; i < n; i++)
        down |= (uint64_t)((int64_t)(k[i - 1] ^ top) >= (int64_t)(k[i] ^ top));
    return down;
}

/* Copies n records from p into keys[] and values[] and returns the CRC-32C of their
 * bytes, in one pass over the file: a block's checksum is taken, then its records are
 * copied while they are still in the first-level cache, then its keys are checked to
 * increase. *increasing is cleared unless every key is greater than the one before
 * (the common case, which needs no search for a repeated key). The caller checks the
 * CRC before it counts the records. */
static uint32_t copy_and_check(const uint8_t *restrict p, size_t n, uint64_t *restrict keys,
                               double *restrict values, bool *increasing)
{
    uint32_t crc = 0;
    uint64_t down = 0;
    for (size_t at = 0; at < n; at += RAW_BLOCK) {
        size_t m = n - at < RAW_BLOCK ? n - at : RAW_BLOCK;
        const uint8_t *restrict b = p + RAW_RECORD * at;
        crc = fc_crc32c(crc, b, RAW_RECORD * m);
        for (size_t i = 0; i < m; i++) {
#if RAW_NATIVE
            memcpy(&keys[at + i], b + RAW_RECORD * i, 8); /* the host's order is the file's */
            memcpy(&values[at + i], b + RAW_RECORD * i + 8, 8);
#else
            uint64_t bits = get_u64(b + RAW_RECORD * i + 8);
            keys[at + i] = get_u64(b + RAW_RECORD * i);
            memcpy(&values[at + i], &bits, 8);
#endif
        }
        down |= at ? not_increasing(keys + at - 1, m + 1) : not_increasing(keys, m);
    }
    *increasing = down == 0;
    return crc;
}

static int raw_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    if (len < RAW_HEADER)
        return fc_fail(err, FC_ECORRUPT, 0,
                       "offset %zu: file ends inside the %d-byte header", len, RAW_HEADER);
    if (memcmp(data, RAW_MAGIC, 4) != 0)
        return fc_fail(err, FC_ECORRUPT, 0, "offset 0: magic is not \"FCRW\"");
    if (get_u16(data + 4) != RAW_VERSION)
        return fc_fail(err, FC_ECORRUPT, 0, "offset 4: version %u, expected %d",
                       get_u16(data + 4), RAW_VERSION);
    if (get_u16(data + 6) != 0 || get_u32(data + 20) != 0)
        return fc_fail(err, FC_ECORRUPT, 0, "offset %d: reserved bits are set",
                       get_u16(data + 6) != 0 ? 6 : 20);
    uint64_t n = get_u64(data + 8);
    size_t have = (len - RAW_HEADER) / RAW_RECORD;
    if (n > (INT64_MAX - RAW_HEADER) / RAW_RECORD) /* a file's size is an off_t */
        return fc_fail(err, FC_ECORRUPT, 0,
                       "offset 8: header declares %llu records, more than any file can hold "
                       "(at %d bytes a record, past the largest file size, 2^63-1 bytes); "
                       "the file has %zu bytes after the header",
                       (unsigned long long)n, RAW_RECORD, len - RAW_HEADER);
    if (n != have || (len - RAW_HEADER) % RAW_RECORD != 0)
        return fc_fail(err, FC_ECORRUPT, 0,
                       "offset 8: header declares %llu records (%llu bytes), the file has %zu "
                       "bytes after the header",
                       (unsigned long long)n, (unsigned long long)n * RAW_RECORD,
                       len - RAW_HEADER);
    if (have == 0) {
        uint32_t crc = fc_crc32c(0, data + RAW_HEADER, 0);
        return crc == get_u32(data + 16) ? 0 : crc_mismatch(crc, data, err);
    }
    int rc = fc_dataset_reserve(out, out->count + have, err);
    if (rc)
        return rc;
    bool increasing = true;
    uint32_t crc = copy_and_check(data + RAW_HEADER, have, out->keys + out->count,
                                  out->values + out->count, &increasing);
    if (crc != get_u32(data + 16))
        return crc_mismatch(crc, data, err); /* out->count unchanged: nothing was added */
    size_t first = out->count, a = 0, b = 0;
    out->count += have;
    if (increasing)
        return 0; /* strictly increasing keys: none can repeat */
    if ((rc = fc_dataset_find_repeat(out, first, &a, &b, err)) <= 0)
        return rc;
    return fc_fail(err, FC_ECORRUPT, 0,
                   "offset %zu: key %llu again (first at offset %zu); a result file holds "
                   "each key once", RAW_HEADER + RAW_RECORD * (b - first),
                   (unsigned long long)out->keys[b], RAW_HEADER + RAW_RECORD * (a - first));
}

/* Bids the bits of the header it can check: the magic (32), the version (16), the
 * flags (16) and the reserved word (32). */
static unsigned raw_probe(const uint8_t *data, size_t len)
{
    if (len < 4 || memcmp(data, RAW_MAGIC, 4) != 0)
        return 0;
    if (len < 8)
        return 32;
    if (get_u16(data + 4) != RAW_VERSION || get_u16(data + 6) != 0)
        return 0;
    if (len < RAW_HEADER)
        return 64;
    return get_u32(data + 20) == 0 ? 96 : 0;
}

const fc_codec fc_codec_raw = {
    .name = "raw",
    .extension = "raw",
    .library = "forkcollect",
    .library_version = raw_version,
    .encode = raw_encode,
    .decode = raw_decode,
    .probe = raw_probe,
    .version = FC_CODEC_VERSION,
    .supports = FC_SUPPORTS_KEY_U64 | FC_SUPPORTS_NONFINITE | FC_SUPPORTS_NAN_BITS |
                FC_SUPPORTS_BUILTIN | FC_SUPPORTS_EXACT_DOUBLES,
};
