/* flatbuffers.c - the dict as a FlatBuffers table (proto/results.fbs):
 *
 *   table Results { count: ulong; keys: [ulong]; values: [double]; }
 *   root_type Results; file_identifier "FCR1";
 *
 * FlatBuffers is C++: the library is reached through serializers/flatbuffers_shim.cc
 * (build, verify, read), and everything a file must hold, with every message, is here.
 *
 * Reading is zero-copy: the vectors are read in place. An untrusted file goes through
 * FlatBuffers' Verifier first (every offset and length inside the file, aligned, one
 * table deep), and nothing of it is read before the Verifier accepts it; then count
 * must equal both lengths, and each key appear once. The only allocation is the
 * records appended to the dataset (16 bytes each, bounded by the verified vectors'
 * lengths, so by the file's size) and fc_dataset_find_repeat's table for keys out of
 * order. fc_codec.decode_unverified is the same without the Verifier: it exists only
 * so that `compare` can show what the verification costs, on bytes it encoded itself.
 */
#include "codecs.h"
#include "flatbuffers_shim.h"

#include <string.h>

#define FB_IDENT "FCR1"

static const char *fb_version(void)
{
    return fc_fb_version();
}

static int fb_encode(const fc_dataset *in, fc_buffer *out, fc_error *err)
{
    /* 16 bytes a record and some 60 of tables: FlatBuffers' 32-bit offsets stop at 2 GiB. */
    if (in->count > (FC_FB_MAX_BUFFER - 4096) / 16)
        return fc_fail(err, FC_EUNSUPPORTED, 0,
                       "flatbuffers: %zu records take %zu bytes or more, past FlatBuffers' "
                       "limit of 2 GiB a buffer (its offsets are 32-bit); write fewer records "
                       "a file", in->count, in->count * 16);
    return fc_fb_build(in->keys, in->values, in->count, out, err);
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
    uint64_t v = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(&v, p, 8);
#else
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
#endif
    return v;
}

/* The records of a Results buffer (verified, or built here) appended to out, after the
 * checks the Verifier does not make: count equals both lengths, no key twice. */
static int fb_records(const uint8_t *data, fc_dataset *out, fc_error *err)
{
    fc_fb_view v;
    fc_fb_read(data, &v);
    if (v.count != v.nkeys || v.count != v.nvalues)
        return fc_fail(err, FC_ECORRUPT, 0,
                       "offset %zu (the root table): count says %llu records, the table has "
                       "%zu keys and %zu values; a writer of results.fbs sets count to the "
                       "number of records", (size_t)get_le32(data), (unsigned long long)v.count,
                       v.nkeys, v.nvalues);
    size_t n = v.nkeys, first = out->count, a = 0, b = 0;
    int rc = n ? fc_dataset_reserve(out, out->count + n, err) : 0;
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        uint64_t bits = get_le64(data + v.values_at + 8 * i);
        out->keys[out->count + i] = get_le64(data + v.keys_at + 8 * i);
        memcpy(&out->values[out->count + i], &bits, 8);
    }
    out->count += n;
    if ((rc = fc_dataset_find_repeat(out, first, &a, &b, err)) <= 0)
        return rc;
    return fc_fail(err, FC_ECORRUPT, 0,
                   "offset %zu (keys[%zu]): key %llu again (first at offset %zu, keys[%zu]); "
                   "a result file holds each key once", v.keys_at + 8 * (b - first), b - first,
                   (unsigned long long)out->keys[b], v.keys_at + 8 * (a - first), a - first);
}

static int fb_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    if (len < 8)
        return fc_fail(err, FC_ECORRUPT, 0,
                       "offset %zu, the end: a FlatBuffers file starts with an 8-byte header "
                       "(the root table's offset, then the identifier \"" FB_IDENT "\"); this "
                       "one has %zu bytes", len, len);
    if (memcmp(data + 4, FB_IDENT, 4) != 0)
        return fc_fail(err, FC_ECORRUPT, 0,
                       "offset 4: expected the file identifier \"" FB_IDENT "\" of "
                       "results.fbs, found bytes %02x %02x %02x %02x: not a results file "
                       "(FlatBuffers writers must pass the identifier to Finish)",
                       data[4], data[5], data[6], data[7]);
    if (len >= FC_FB_MAX_BUFFER)
        return fc_fail(err, FC_ECORRUPT, 0,
                       "offset %u: the file runs past FlatBuffers' limit of 2 GiB a buffer "
                       "(%zu bytes)", FC_FB_MAX_BUFFER, len);
    if (!fc_fb_verify(data, len))
        return fc_fail(err, FC_ECORRUPT, 0,
                       "offset 0: the FlatBuffers verifier refused this %zu-byte file: an "
                       "offset or a vector's length points outside it, something is "
                       "misaligned, or a field does not have results.fbs's type; the file is "
                       "truncated, damaged or not written with results.fbs", len);
    return fb_records(data, out, err);
}

/* The same without the Verifier: for bytes this program built (compare's timing of
 * what verification costs), never for a file. */
static int fb_decode_unverified(const uint8_t *data, size_t len, fc_dataset *out,
                                fc_error *err)
{
    if (len < 8 || memcmp(data + 4, FB_IDENT, 4) != 0)
        return fb_decode(data, len, out, err);
    return fb_records(data, out, err);
}

/* Bids the identifier (32 bits) and, when the root offset is 4-aligned and inside
 * what the probe is shown or past it (a large file), 8 more. */
static unsigned fb_probe(const uint8_t *data, size_t len)
{
    if (len < 8 || memcmp(data + 4, FB_IDENT, 4) != 0)
        return 0;
    uint32_t root = get_le32(data);
    return root >= 8 && root % 4 == 0 ? 40 : 32;
}

const fc_codec fc_codec_flatbuffers = {
    .name = "flatbuffers",
    .extension = "fb",
    .library = "flatbuffers",
    .library_version = fb_version,
    .encode = fb_encode,
    .decode = fb_decode,
    .probe = fb_probe,
    .version = FC_CODEC_VERSION,
    .supports = FC_SUPPORTS_KEY_U64 | FC_SUPPORTS_NONFINITE | FC_SUPPORTS_NAN_BITS |
                FC_SUPPORTS_EXACT_DOUBLES,
    .decode_unverified = fb_decode_unverified,
};
