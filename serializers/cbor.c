/* cbor.c - the dict as a CBOR map (RFC 8949) of unsigned integer keys to floats, in the
 * deterministic encoding of RFC 8949 section 4.2.1, written and read with libcbor.
 *
 * Writing: a definite-length map header, then per record the key as an unsigned
 * integer in its shortest head and the value in the shortest float that holds it
 * exactly ("preferred serialization": half, single or double precision), every NaN
 * as the one quiet NaN f9 7e00. Those are the bytes of Python's
 * cbor2.dumps(d, canonical=True) for the same dict (docs/FORMATS.md names the one
 * place where cbor2's C encoder differs from RFC 8949 and from cbor2's own Python
 * encoder). Records are written in the dataset's order: a run's keys increase, which
 * is the deterministic order (shortest unsigned heads sort bytewise as the numbers do).
 *
 * Reading takes any well-formed CBOR map, definite or indefinite, whose keys are
 * unsigned integers (of any head width) and whose values are floats of any width
 * (widened exactly) or integers that a double holds exactly; each key once, nothing
 * nested, nothing after the map. Errors name the offset and CBOR's own type names.
 *
 * Bounded: libcbor's cbor_load allocates for what a header declares, so the input goes
 * through its streaming decoder (cbor_stream_decode), which allocates nothing and hands
 * over one item head at a time. A definite map's count is checked against the bytes
 * left (an entry takes at least 2) before room is reserved for it; an indefinite map is
 * counted in a first pass. 16 bytes a record of at least 2 bytes, plus the repeated-key
 * check's table: 14 x the input (docs/FORMATS.md).
 */
#include "codecs.h"

#include <cbor.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define CB_STR2(x) #x
#define CB_STR(x) CB_STR2(x)

static const char *cb_version(void)
{
    return CB_STR(CBOR_MAJOR_VERSION) "." CB_STR(CBOR_MINOR_VERSION) "." CB_STR(
        CBOR_PATCH_VERSION);
}

/* ==== Writing ==== */

/* The binary16 bits of f, if a half holds f exactly (every finite float has one test:
 * its exponent in half's range, and no significand bits below half's last). libcbor
 * 0.8's cbor_encode_half keeps only the leading bit of a subnormal half (3 x 2^-24
 * becomes 2 x 2^-24), so the half is made here. */
static bool half_of(float f, uint16_t *h)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    uint16_t sign = (uint16_t)(u >> 16 & 0x8000u);
    int e = (int)(u >> 23 & 0xffu);
    uint32_t m = u & 0x7fffffu;
    if (e == 0xff || (e == 0 && m == 0)) { /* infinity (NaN is written before), zero */
        *h = (uint16_t)(sign | (e ? 0x7c00u : 0));
        return true;
    }
    int exp = e - 127; /* a float subnormal is below 2^-126: no half */
    if (e == 0 || exp > 15 || exp < -24)
        return false;
    if (exp >= -14) {
        if (m & 0x1fffu)
            return false;
        *h = (uint16_t)(sign | (unsigned)(exp + 15) << 10 | m >> 13);
        return true;
    }
    uint32_t sig = m | 0x800000u; /* a subnormal half: sig x 2^(exp-23) = k x 2^-24 */
    unsigned shift = (unsigned)(-(exp + 1));
    if (sig & ((1u << shift) - 1))
        return false;
    *h = (uint16_t)(sign | sig >> shift);
    return true;
}

/* The value in its shortest exact float; NaN as f9 7e00, as RFC 8949 section 4.2.2
 * suggests and cbor2's canonical encoder writes. */
static size_t put_value(double v, uint8_t *p)
{
    uint16_t h;
    if (isnan(v)) {
        p[0] = 0xf9, p[1] = 0x7e, p[2] = 0x00;
        return 3;
    }
    if (fabs(v) > FLT_MAX && !isinf(v))
        return cbor_encode_double(v, p, 9);
    float f = (float)v;
    if ((double)f != v)
        return cbor_encode_double(v, p, 9);
    if (!half_of(f, &h))
        return cbor_encode_single(f, p, 5);
    p[0] = 0xf9, p[1] = (uint8_t)(h >> 8), p[2] = (uint8_t)h;
    return 3;
}

/* Into room reserved for the worst case: a 9-byte map header, then at most 9 bytes per
 * key and 9 per value. */
static int cb_encode(const fc_dataset *in, fc_buffer *out, fc_error *err)
{
    if (in->count > (SIZE_MAX - 9) / 18)
        return fc_fail(err, FC_ENOMEM, 0, "cbor: %zu records do not fit in memory", in->count);
    int rc = fc_buffer_reserve(out, 9 + 18 * in->count, err);
    if (rc)
        return rc;
    uint8_t *start = out->data + out->len, *p = start;
    p += cbor_encode_map_start(in->count, p, 9);
    for (size_t i = 0; i < in->count; i++) {
        p += cbor_encode_uint(in->keys[i], p, 9);
        p += put_value(in->values[i], p);
    }
    out->len += (size_t)(p - start);
    return 0;
}

/* ==== Reading ==== */

enum kind { K_UINT, K_NEGINT, K_FLOAT, K_MAP, K_INDEF_MAP, K_BREAK, K_OTHER };

/* The item head cbor_stream_decode reported last (its callbacks fill it). */
typedef struct item {
    enum kind kind;
    uint64_t u;        /* K_UINT: the value; K_NEGINT: n of -1-n; K_MAP: the count */
    double d;          /* K_FLOAT, widened exactly */
    const char *name;  /* K_OTHER: what it is, in RFC 8949's words */
    bool nested;       /* K_OTHER: an array, map or tag */
} item;

static void on_uint8(void *c, uint8_t v) { *(item *)c = (item){.kind = K_UINT, .u = v}; }
static void on_uint16(void *c, uint16_t v) { *(item *)c = (item){.kind = K_UINT, .u = v}; }
static void on_uint32(void *c, uint32_t v) { *(item *)c = (item){.kind = K_UINT, .u = v}; }
static void on_uint64(void *c, uint64_t v) { *(item *)c = (item){.kind = K_UINT, .u = v}; }
static void on_neg8(void *c, uint8_t v) { *(item *)c = (item){.kind = K_NEGINT, .u = v}; }
static void on_neg16(void *c, uint16_t v) { *(item *)c = (item){.kind = K_NEGINT, .u = v}; }
static void on_neg32(void *c, uint32_t v) { *(item *)c = (item){.kind = K_NEGINT, .u = v}; }
static void on_neg64(void *c, uint64_t v) { *(item *)c = (item){.kind = K_NEGINT, .u = v}; }
/* Every NaN reads as the one quiet NaN: the codec keeps no NaN bits (a payload would
 * not survive its own writing, which writes f9 7e00; fuzz_cbor found a float32 NaN
 * with payload that did not). */
static double one_nan(double v)
{
    return isnan(v) ? NAN : v;
}
static void on_float(void *c, float v) { *(item *)c = (item){.kind = K_FLOAT, .d = one_nan(v)}; }
static void on_double(void *c, double v) { *(item *)c = (item){.kind = K_FLOAT, .d = one_nan(v)}; }
static void on_map(void *c, size_t n) { *(item *)c = (item){.kind = K_MAP, .u = n}; }
static void on_indef_map(void *c) { *(item *)c = (item){.kind = K_INDEF_MAP}; }
static void on_break(void *c) { *(item *)c = (item){.kind = K_BREAK}; }
static void other(void *c, const char *name, bool nested)
{
    *(item *)c = (item){.kind = K_OTHER, .name = name, .nested = nested};
}
static void on_bytes(void *c, cbor_data d, size_t n)
{
    (void)d, (void)n, other(c, "byte string", false);
}
static void on_bytes_start(void *c) { other(c, "byte string", false); }
static void on_text(void *c, cbor_data d, size_t n)
{
    (void)d, (void)n, other(c, "text string", false);
}
static void on_text_start(void *c) { other(c, "text string", false); }
static void on_array(void *c, size_t n) { (void)n, other(c, "array", true); }
static void on_indef_array(void *c) { other(c, "array", true); }
static void on_tag(void *c, uint64_t t) { (void)t, other(c, "tag", false); }
static void on_undefined(void *c) { other(c, "undefined", false); }
static void on_null(void *c) { other(c, "null", false); }
static void on_bool(void *c, bool b) { other(c, b ? "true" : "false", false); }

static const struct cbor_callbacks callbacks = {
    .uint8 = on_uint8, .uint16 = on_uint16, .uint32 = on_uint32, .uint64 = on_uint64,
    .negint8 = on_neg8, .negint16 = on_neg16, .negint32 = on_neg32, .negint64 = on_neg64,
    .byte_string_start = on_bytes_start, .byte_string = on_bytes, .string = on_text,
    .string_start = on_text_start, .indef_array_start = on_indef_array,
    .array_start = on_array, .indef_map_start = on_indef_map, .map_start = on_map,
    .tag = on_tag, .float2 = on_float, .float4 = on_float, .float8 = on_double,
    .undefined = on_undefined, .null = on_null, .boolean = on_bool, .indef_break = on_break,
};

typedef struct reader {
    const uint8_t *data;
    size_t len, pos;  /* pos: the next item head */
    size_t at;        /* the offset of the item read last */
    bool indefinite;  /* the map ends with a break, not a count */
    uint64_t entries; /* a definite map's count */
    fc_error *err;
} reader;

/* Reads the item head at r->pos into *it. what: what is expected there, for messages. */
static int next(reader *r, item *it, const char *what)
{
    r->at = r->pos;
    if (r->pos >= r->len)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: the file ends where %s should be",
                       r->pos, what);
    struct cbor_decoder_result res =
        cbor_stream_decode(r->data + r->pos, r->len - r->pos, &callbacks, it);
    if (res.status == CBOR_DECODER_NEDATA)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: the file ends inside %s (the item "
                       "with initial byte 0x%02x runs past the file's last byte)", r->pos, what,
                       r->data[r->pos]);
    if (res.status != CBOR_DECODER_FINISHED)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: byte 0x%02x does not start a "
                       "well-formed CBOR item (RFC 8949 reserves it or leaves it unassigned); "
                       "expected %s", r->pos, r->data[r->pos], what);
    r->pos += res.read;
    return 0;
}

static const char *kind_name(const item *it)
{
    static const char *const names[] = {"unsigned integer", "negative integer", "float", "map",
                                        "map", "break"};
    return it->kind == K_OTHER ? it->name : names[it->kind];
}

static const char *article(const char *name)
{
    return strchr("aeiou", name[0]) ? "an" : "a";
}

/* The map header: r->entries or r->indefinite, r->pos past it. */
static int read_header(reader *r)
{
    item it = {0};
    int rc = next(r, &it, "a map");
    if (rc)
        return r->len ? rc : fc_fail(r->err, FC_ECORRUPT, 0, "offset 0: empty file, expected "
                                                              "a map");
    if (it.kind != K_MAP && it.kind != K_INDEF_MAP)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset 0: expected a map, found %s %s (initial "
                       "byte 0x%02x)", article(kind_name(&it)), kind_name(&it), r->data[0]);
    r->indefinite = it.kind == K_INDEF_MAP;
    r->entries = it.u;
    /* Every entry takes at least 2 bytes: a count beyond that is refused before anything
     * is allocated for it (bb ff ff ff ff ff ff ff ff, 9 bytes, declares 2^64-1). */
    if (!r->indefinite && r->entries > (r->len - r->pos) / 2)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset 0: the map declares %llu entries, but "
                       "only %zu bytes follow (an entry takes at least 2)",
                       (unsigned long long)r->entries, r->len - r->pos);
    return 0;
}

/* A value that is an integer: only if a double holds it exactly. */
static int int_value(reader *r, const item *it, double *v)
{
    char text[32], nearest[FC_REPR_MAX];
    bool neg = it->kind == K_NEGINT;
    if (neg && it->u == UINT64_MAX) { /* -2^64 */
        *v = -18446744073709551616.0;
        return 0;
    }
    uint64_t m = neg ? it->u + 1 : it->u; /* the magnitude */
    double d = (double)m;
    *v = neg ? -d : d;
    if (d < 18446744073709551616.0 && (uint64_t)d == m)
        return 0;
    snprintf(text, sizeof text, "%s%llu", neg ? "-" : "", (unsigned long long)m);
    fc_format_double(*v, nearest);
    return fc_fail(r->err, FC_ECORRUPT, 0, "integer %s at offset %zu has no exact double (the "
                   "nearest is %s; write that if it is meant)", text, r->at, nearest);
}

/* Why an item cannot stand where a key (or value) of entry i must. */
static int wrong_item(reader *r, const item *it, uint64_t i, bool key)
{
    const char *name = kind_name(it), *want = key ? "an unsigned integer 0..2^64-1" : "a float";
    if (it->kind == K_BREAK)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: map entry %llu: %s", r->at,
                       (unsigned long long)i, key ? "a break outside an indefinite-length map"
                       : "the map ends after a key, without its value");
    if (it->kind == K_NEGINT && key)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: map entry %llu: the key is a negative "
                       "integer (-1-%llu), expected %s", r->at, (unsigned long long)i,
                       (unsigned long long)it->u, want);
    bool nested = it->kind == K_MAP || it->kind == K_INDEF_MAP ||
                  (it->kind == K_OTHER && it->nested);
    return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: map entry %llu: the %s is %s %s%s, "
                   "expected %s%s", r->at, (unsigned long long)i, key ? "key" : "value",
                   article(name), name, nested ? " nested in the map" : "", want,
                   nested ? ": a result file is one flat map of integer keys to float values"
                          : "");
}

/* Entry i: its key and value into *key and *v. Returns 1 at an indefinite map's break. */
static int read_entry(reader *r, uint64_t i, uint64_t *key, double *v)
{
    item it = {0};
    int rc = next(r, &it, r->indefinite ? "a key or the map's break" : "a key");
    if (rc)
        return rc;
    if (it.kind == K_BREAK && r->indefinite)
        return 1;
    if (it.kind != K_UINT)
        return wrong_item(r, &it, i, true);
    *key = it.u;
    if ((rc = next(r, &it, "a value")) != 0)
        return rc;
    if (it.kind == K_FLOAT) {
        *v = it.d;
        return 0;
    }
    if (it.kind == K_UINT || it.kind == K_NEGINT)
        return int_value(r, &it, v);
    return wrong_item(r, &it, i, false);
}

/* Every entry, then nothing after the map. With store, into out (room reserved). */
static int read_entries(reader *r, fc_dataset *out, bool store, uint64_t *count)
{
    uint64_t i = 0, key = 0;
    double v = 0;
    int rc = 0;
    for (; r->indefinite || i < r->entries; i++) {
        if ((rc = read_entry(r, i, &key, &v)) == 1)
            break;
        if (rc)
            return rc;
        if (store) {
            out->keys[out->count] = key;
            out->values[out->count++] = v;
        }
    }
    *count = i;
    if (r->pos != r->len)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: %zu bytes after the map, which "
                       "should end the file", r->pos, r->len - r->pos);
    return 0;
}

/* The offset of map entry i's key, in a file read_entries accepted. */
static size_t key_offset(const reader *r, size_t i)
{
    reader w = {.data = r->data, .len = r->len};
    item it;
    read_header(&w);
    for (size_t k = 0; k < 2 * i; k++)
        next(&w, &it, "");
    return w.pos;
}

static int cb_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    reader r = {.data = data, .len = len, .err = err};
    size_t first = out->count, a = 0, b = 0;
    uint64_t n = 0;
    int rc = read_header(&r);
    if (rc == 0 && r.indefinite) { /* counted first: nothing says how many */
        reader w = r;
        rc = read_entries(&w, out, false, &r.entries);
    }
    if (rc == 0 && r.entries > (SIZE_MAX - first) / 16)
        rc = fc_fail(err, FC_ENOMEM, 0, "cbor: %llu records do not fit in memory",
                     (unsigned long long)r.entries);
    if (rc || (rc = fc_dataset_reserve(out, first + (size_t)r.entries, err)) != 0 ||
        (rc = read_entries(&r, out, true, &n)) != 0)
        return rc;
    if ((rc = fc_dataset_find_repeat(out, first, &a, &b, err)) <= 0)
        return rc;
    return fc_fail(err, FC_ECORRUPT, 0, "offset %zu (map entry %zu): key %llu again (first at "
                   "offset %zu, map entry %zu); a result file holds each key once",
                   key_offset(&r, b - first), b - first, (unsigned long long)out->keys[b],
                   key_offset(&r, a - first), a - first);
}

/* ==== Recognising ==== */

/* The bytes an integer or float head at p takes (its argument included), or 0 if p does
 * not start one. *major: its major type (7 for floats). */
static size_t number_head(uint8_t b, int *major)
{
    static const size_t arg[] = {1, 2, 4, 8};
    *major = b >> 5;
    uint8_t ai = b & 31u;
    if (*major == 7)
        return b == 0xf9 ? 3 : b == 0xfa ? 5 : b == 0xfb ? 9 : 0;
    if (*major > 1 || ai > 27)
        return 0;
    return 1 + (ai < 24 ? 0 : arg[ai - 24]);
}

/* Bids 3 bits for a map's major type and 5 for a valid count (definite or not), then for
 * each of the first 8 entries present: 3 for an unsigned integer key, 8 for a float
 * value (an integer value is allowed but no evidence). Anything else where a key or
 * value must be is no file of ours: 0. An empty map bids only when nothing follows. */
static unsigned cb_probe(const uint8_t *data, size_t len)
{
    if (len == 0 || data[0] >> 5 != 5 || ((data[0] & 31u) > 27 && data[0] != 0xbf))
        return 0;
    uint8_t ai = data[0] & 31u;
    size_t pos = ai < 24 || ai == 31 ? 1 : 1 + ((size_t)1 << (ai - 24));
    uint64_t count = ai == 31 ? 8 : ai;
    if (pos > len)
        return 8;
    if (ai >= 24 && ai <= 27) {
        count = 0;
        for (size_t k = 1; k < pos; k++)
            count = count << 8 | data[k];
    }
    if (count == 0 && pos < len)
        return 0;
    unsigned bid = 8;
    int major;
    for (uint64_t i = 0; i < count && i < 8 && pos < len; i++) {
        if (data[0] == 0xbf && data[pos] == 0xff)
            break;
        size_t n = number_head(data[pos], &major);
        if (n == 0 || major != 0)
            return 0;
        bid += 3;
        if ((pos += n) >= len)
            break;
        if ((n = number_head(data[pos], &major)) == 0)
            return 0;
        bid += major == 7 ? 8 : 0;
        pos += n;
        if (data[0] != 0xbf && i + 1 == count && pos < len)
            return 0; /* bytes after the map: a result file ends with it */
    }
    return bid;
}

const fc_codec fc_codec_cbor = {
    .name = "cbor",
    .extension = "cbor",
    .library = "libcbor",
    .library_version = cb_version,
    .encode = cb_encode,
    .decode = cb_decode,
    .probe = cb_probe,
    .version = FC_CODEC_VERSION,
    .supports = FC_SUPPORTS_KEY_U64 | FC_SUPPORTS_NONFINITE | FC_SUPPORTS_EXACT_DOUBLES,
};
