/* xdr.c - the dict as XDR (RFC 4506), the structure proto/results.x describes:
 *
 *   struct fc_xdr_record  { unsigned hyper key; double value; };
 *   struct fc_xdr_results { unsigned int magic; unsigned int revision;
 *                           fc_xdr_record records<FC_XDR_MAX_RECORDS>; };
 *
 * rpcgen turns results.x into results.h and xdr_fc_xdr_results() in the build tree;
 * libtirpc's xdrmem streams do the bytes: big-endian, fixed width, 12 + 16 n bytes.
 *
 * Bounded: the header is checked before XDR reads anything, and the array's count
 * against the bytes that follow it (16 a record, exactly), so a count can never make
 * anyone allocate more than the input holds. The array is read into a buffer we
 * allocate (so that xdr_array, which prints when malloc fails, allocates nothing),
 * then copied into the dataset: about 2 x the input, plus the repeated-key check's
 * table when the keys are out of order.
 */
#include "codecs.h"

#include "results.h"

#include <stdlib.h>
#include <string.h>

#define XDR_HEADER 12u /* magic, revision, count */
#define XDR_RECORD 16u /* key, value */

static const char *xdr_version(void)
{
    return FC_TIRPC_VERSION; /* libtirpc has no version call: pkg-config's, at build time */
}

static int xdr_encode(const fc_dataset *in, fc_buffer *out, fc_error *err)
{
    if (in->count > FC_XDR_MAX_RECORDS)
        return fc_fail(err, FC_EUNSUPPORTED, 0,
                       "xdr: %zu records; results.x's array holds at most %u (its bytes "
                       "must fit XDR's 32-bit count of them)", in->count, FC_XDR_MAX_RECORDS);
    size_t size = XDR_HEADER + XDR_RECORD * in->count;
    int rc = fc_buffer_reserve(out, size, err);
    if (rc)
        return rc;
    XDR x;
    xdrmem_create(&x, (char *)out->data + out->len, (u_int)size, XDR_ENCODE);
    u_int magic = FC_XDR_MAGIC, revision = FC_XDR_REVISION, count = (u_int)in->count;
    bool ok = xdr_u_int(&x, &magic) && xdr_u_int(&x, &revision) && xdr_u_int(&x, &count);
    for (size_t i = 0; ok && i < in->count; i++) {
        fc_xdr_record r = {.key = in->keys[i], .value = in->values[i]};
        ok = xdr_fc_xdr_record(&x, &r);
    }
    size_t used = xdr_getpos(&x);
    xdr_destroy(&x);
    if (!ok || used != size)
        return fc_fail(err, FC_EINVAL, 0, "xdr: libtirpc wrote %zu of the %zu bytes", used, size);
    out->len += size;
    return 0;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The header (magic, revision, count), checked against the bytes there are; the
 * number of records in *count. */
static int check_header(const uint8_t *data, size_t len, size_t *count, fc_error *err)
{
    if (len < 4 || be32(data) != FC_XDR_MAGIC)
        return fc_fail(err, FC_ECORRUPT, 0,
                       "offset 0: not an XDR result file: it starts with the magic 46 43 58 44 "
                       "(\"FCXD\", results.x's FC_XDR_MAGIC)%s", len < 4 ? ", and the file "
                       "is shorter than that" : "");
    if (len < 8)
        return fc_fail(err, FC_ECORRUPT, 0, "offset 4: the file ends before the revision");
    if (be32(data + 4) != FC_XDR_REVISION)
        return fc_fail(err, FC_ECORRUPT, 0, "offset 4: revision %u; this reader knows "
                       "revision %u of results.x", be32(data + 4), FC_XDR_REVISION);
    if (len < XDR_HEADER)
        return fc_fail(err, FC_ECORRUPT, 0, "offset 8: the file ends before the record count");
    uint32_t n = be32(data + 8);
    size_t rest = len - XDR_HEADER;
    if (n > FC_XDR_MAX_RECORDS)
        return fc_fail(err, FC_ECORRUPT, 0, "offset 8: the count, %u, is over results.x's "
                       "bound of %u records", n, FC_XDR_MAX_RECORDS);
    size_t need = (size_t)n * XDR_RECORD; /* at most 2^32 - 16: no overflow */
    if (rest < need)
        return fc_fail(err, FC_ECORRUPT, 0,
                       "offset 8: the count says %u records (%zu bytes), and %zu bytes follow "
                       "it: the file is truncated", n, need, rest);
    if (rest > need)
        return fc_fail(err, FC_ECORRUPT, 0,
                       "offset %zu: %zu bytes after the last of the %u records the count "
                       "declares; an XDR result file ends with its last record",
                       XDR_HEADER + need, rest - need, n);
    *count = n;
    return 0;
}

static int xdr_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    size_t count = 0, first = out->count, a = 0, b = 0;
    int rc = check_header(data, len, &count, err);
    if (rc)
        return rc;
    fc_xdr_results r = {0};
    r.records.records_val = malloc(count ? count * sizeof(fc_xdr_record) : 1);
    if (!r.records.records_val)
        return fc_fail(err, FC_ENOMEM, 0, "xdr: out of memory for %zu records", count);
    XDR x;
    xdrmem_create(&x, (char *)(uintptr_t)data, (u_int)len, XDR_DECODE);
    bool ok = xdr_fc_xdr_results(&x, &r) && r.records.records_len == count;
    xdr_destroy(&x);
    if (!ok)
        rc = fc_fail(err, FC_ECORRUPT, 0, "offset 0: libtirpc's xdr_fc_xdr_results refused "
                     "the %zu bytes, which the checks before it passed", len);
    else if ((rc = fc_dataset_reserve(out, out->count + count, err)) == 0)
        for (size_t i = 0; i < count; i++, out->count++) {
            out->keys[out->count] = r.records.records_val[i].key;
            out->values[out->count] = r.records.records_val[i].value;
        }
    free(r.records.records_val);
    if (rc != 0 || (rc = fc_dataset_find_repeat(out, first, &a, &b, err)) <= 0)
        return rc;
    return fc_fail(err, FC_ECORRUPT, 0,
                   "offset %zu (record %zu): key %llu again (first at offset %zu, record %zu); "
                   "a result file holds each key once", XDR_HEADER + (b - first) * XDR_RECORD,
                   b - first, (unsigned long long)out->keys[b],
                   XDR_HEADER + (a - first) * XDR_RECORD, a - first);
}

/* The magic (32 bits), then the revision (32); another revision is no file of ours. */
static unsigned xdr_probe(const uint8_t *data, size_t len)
{
    if (len < 4 || be32(data) != FC_XDR_MAGIC)
        return 0;
    if (len < 8)
        return 32;
    return be32(data + 4) == FC_XDR_REVISION ? 64 : 0;
}

const fc_codec fc_codec_xdr = {
    .name = "xdr",
    .extension = "xdr",
    .library = "libtirpc",
    .library_version = xdr_version,
    .encode = xdr_encode,
    .decode = xdr_decode,
    .probe = xdr_probe,
    .version = FC_CODEC_VERSION,
    .supports = FC_SUPPORTS_KEY_U64 | FC_SUPPORTS_NONFINITE | FC_SUPPORTS_NAN_BITS |
                FC_SUPPORTS_EXACT_DOUBLES,
};
