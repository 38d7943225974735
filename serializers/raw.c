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

/* ==== Records of the other shapes (fc_shapes.h) ====
 *
 * The same 24-byte header with version 2 and the shape's number (enum fc_shape) in the
 * flags field; the CRC-32C covers everything after the header. Then each record: its
 * key (u64), then the shape's fields in the shape's order, each in a fixed layout
 * (the tables below; docs/FORMATS.md spells out each shape byte by byte): integers in
 * the width their field declares, little-endian; f32 and f64 as their IEEE-754 bits;
 * bool one byte, 0 or 1; text a u32 length and the UTF-8 bytes; a list a u32 count and
 * the items; an object its fields; a field that may be null (doc's
 * in_reply_to_status_id, coordinates) or absent (user.location) a presence byte, 0 or
 * 1, before it. No names, no types: the layout is the schema. A record that does not
 * fit it (another field, another type, a value too wide) is refused at encode with
 * FC_EUNSUPPORTED naming the field: raw holds the four shapes, not any tree.
 *
 * Reading checks the header as for the numbers (version 2, the shape asked for), the
 * CRC, each length and count against the bytes left before allocating (a count times
 * its items' smallest size), text UTF-8 (and at most max_string), bools 0 or 1,
 * presence bytes 0 or 1, nothing after the last record, and each key once. Nesting is
 * the schema's. Memory: 24 bytes a list item of at least 4 bytes, 40 a member of at
 * least 1 byte, text rounded to 16 for its 4-byte length: at most 40 x the input.
 */
#include "fc_shapes.h"

#define RAW_SHAPES_VERSION 2

typedef enum stype { S_U8, S_I8, S_U16, S_I16, S_U32, S_I32, S_U64, S_I64, S_F32, S_F64,
                     S_BOOL, S_STR, S_LIST, S_OBJ } stype;
enum { OPT_NO, OPT_NULL, OPT_ABSENT }; /* a presence byte: for null, for a missing member */

typedef struct sfield {
    const char *name;
    stype t;
    unsigned opt;
    const struct sfield *sub; /* S_LIST: the item; S_OBJ: its fields */
    size_t nsub;
} sfield;

#define OBJ(fields) S_OBJ, OPT_NO, fields, sizeof fields / sizeof *fields
static const sfield U64_ITEM = {"", S_U64, OPT_NO, NULL, 0};
static const sfield U32_ITEM = {"", S_U32, OPT_NO, NULL, 0};
static const sfield F32_ITEM = {"", S_F32, OPT_NO, NULL, 0};
static const sfield F64_ITEM = {"", S_F64, OPT_NO, NULL, 0};
static const sfield INTS[] = {
    {"id", S_U64, 0, 0, 0}, {"u8", S_U8, 0, 0, 0}, {"i8", S_I8, 0, 0, 0}, {"u16", S_U16, 0, 0, 0},
    {"i16", S_I16, 0, 0, 0}, {"u32", S_U32, 0, 0, 0}, {"i32", S_I32, 0, 0, 0},
    {"u64", S_U64, 0, 0, 0}, {"i64", S_I64, 0, 0, 0}, {"small", S_U8, 0, 0, 0},
    {"mixed", S_LIST, 0, &U64_ITEM, 1}, {"tag", S_STR, 0, 0, 0}, {"name", S_STR, 0, 0, 0}};
static const sfield LOG[] = {
    {"address", S_STR, 0, 0, 0}, {"identity", S_STR, 0, 0, 0}, {"userid", S_STR, 0, 0, 0},
    {"date", S_STR, 0, 0, 0}, {"request", S_STR, 0, 0, 0}, {"code", S_U16, 0, 0, 0},
    {"size", S_U32, 0, 0, 0}};
static const sfield MESH[] = {{"triangles", S_U32, 0, 0, 0}, {"vertices", S_LIST, 0, &F32_ITEM, 1},
                              {"normals", S_LIST, 0, &F32_ITEM, 1}};
static const sfield URL[] = {{"url", S_STR, 0, 0, 0}, {"expanded_url", S_STR, 0, 0, 0},
                             {"indices", S_LIST, 0, &U32_ITEM, 1}};
static const sfield URL_ITEM = {"", OBJ(URL)};
static const sfield URLS[] = {{"urls", S_LIST, 0, &URL_ITEM, 1}};
static const sfield USER_ENTITIES[] = {{"url", OBJ(URLS)}, {"description", OBJ(URLS)}};
static const sfield USER[] = {
    {"id", S_U64, 0, 0, 0}, {"name", S_STR, 0, 0, 0}, {"screen_name", S_STR, 0, 0, 0},
    {"verified", S_BOOL, 0, 0, 0}, {"followers_count", S_U32, 0, 0, 0},
    {"entities", OBJ(USER_ENTITIES)}, {"location", S_STR, OPT_ABSENT, 0, 0}};
static const sfield HASHTAG[] = {{"text", S_STR, 0, 0, 0}, {"indices", S_LIST, 0, &U32_ITEM, 1}};
static const sfield HASHTAG_ITEM = {"", OBJ(HASHTAG)};
static const sfield MENTION[] = {{"screen_name", S_STR, 0, 0, 0}, {"id", S_U64, 0, 0, 0},
                                 {"indices", S_LIST, 0, &U32_ITEM, 1}};
static const sfield MENTION_ITEM = {"", OBJ(MENTION)};
static const sfield ENTITIES[] = {{"hashtags", S_LIST, 0, &HASHTAG_ITEM, 1},
                                  {"user_mentions", S_LIST, 0, &MENTION_ITEM, 1}};
static const sfield POINT[] = {{"type", S_STR, 0, 0, 0}, {"coordinates", S_LIST, 0, &F64_ITEM, 1}};
static const sfield DOC[] = {
    {"id", S_U64, 0, 0, 0}, {"id_str", S_STR, 0, 0, 0}, {"created_at", S_STR, 0, 0, 0},
    {"text", S_STR, 0, 0, 0}, {"truncated", S_BOOL, 0, 0, 0},
    {"in_reply_to_status_id", S_U64, OPT_NULL, 0, 0}, {"user", OBJ(USER)},
    {"entities", OBJ(ENTITIES)}, {"retweet_count", S_U32, 0, 0, 0},
    {"favorited", S_BOOL, 0, 0, 0}, {"lang", S_STR, 0, 0, 0},
    {"coordinates", S_OBJ, OPT_NULL, POINT, sizeof POINT / sizeof *POINT}};
static const sfield RECORDS[FC_SHAPE_COUNT] = {
    [FC_SHAPE_INTS] = {"", OBJ(INTS)}, [FC_SHAPE_LOG] = {"", OBJ(LOG)},
    [FC_SHAPE_MESH] = {"", OBJ(MESH)}, [FC_SHAPE_DOC] = {"", OBJ(DOC)}};

/* The width of an integer type and its range. */
static size_t int_width(stype t)
{
    static const size_t w[] = {[S_U8] = 1, [S_I8] = 1, [S_U16] = 2, [S_I16] = 2, [S_U32] = 4,
                               [S_I32] = 4, [S_U64] = 8, [S_I64] = 8};
    return w[t];
}

/* The fewest bytes a field takes (for counts against the bytes left). */
static size_t min_size(const sfield *f)
{
    if (f->opt)
        return 1;
    switch (f->t) {
    case S_F32: case S_STR: case S_LIST: return 4;
    case S_F64: return 8;
    case S_BOOL: return 1;
    case S_OBJ: {
        size_t n = 0;
        for (size_t i = 0; i < f->nsub; i++)
            n += min_size(&f->sub[i]);
        return n;
    }
    default: return int_width(f->t);
    }
}

/* ---- Writing ---- */

typedef struct rwriter {
    fc_buffer *out;
    size_t record;
    fc_error *err;
} rwriter;

static int misfit(rwriter *w, const sfield *f, const char *why)
{
    return fc_fail(w->err, FC_EUNSUPPORTED, 0, "raw: record %zu: the field \"%s\" %s: raw "
                   "holds the shape's layout only", w->record, f->name[0] ? f->name : "(item)", why);
}

static int put_le(rwriter *w, uint64_t v, size_t n)
{
    uint8_t b[8];
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return fc_buffer_append(w->out, b, n, w->err);
}

static int rw_value(rwriter *w, const sfield *f, const fc_value *v);

static int rw_int(rwriter *w, const sfield *f, const fc_value *v)
{
    if (v->type != FC_V_INT && v->type != FC_V_UINT)
        return misfit(w, f, "is not an integer");
    size_t n = int_width(f->t);
    bool is_signed = f->t == S_I8 || f->t == S_I16 || f->t == S_I32 || f->t == S_I64;
    uint64_t top = n == 8 ? UINT64_MAX : ((uint64_t)1 << (8 * n)) - 1;
    bool fits = is_signed ? (v->type == FC_V_INT ? v->i >= -(int64_t)(top >> 1) - 1 : v->u <= top >> 1)
                          : v->type == FC_V_UINT && v->u <= top;
    if (!fits)
        return misfit(w, f, "holds an integer its width does not");
    return put_le(w, v->type == FC_V_INT ? (uint64_t)v->i : v->u, n);
}

static int rw_object(rwriter *w, const sfield *f, const fc_value *v)
{
    if (v->type != FC_V_OBJECT)
        return misfit(w, f, "is not an object");
    size_t j = 0;
    int rc = 0;
    for (size_t i = 0; !rc && i < f->nsub; i++) {
        const sfield *s = &f->sub[i];
        const fc_member *m = j < v->obj.n ? &v->obj.members[j] : NULL;
        bool here = m && m->key_len == strlen(s->name) && memcmp(m->key, s->name, m->key_len) == 0;
        if (!here && s->opt != OPT_ABSENT)
            return misfit(w, s, "is missing");
        if (s->opt == OPT_ABSENT && (rc = put_le(w, here, 1)) != 0)
            return rc;
        if (here) {
            rc = rw_value(w, s, &m->value);
            j++;
        }
    }
    if (!rc && j < v->obj.n)
        return fc_fail(w->err, FC_EUNSUPPORTED, 0, "raw: record %zu: the field \"%s\" is not in "
                       "the shape's layout (or not in its place)", w->record,
                       v->obj.members[j].key);
    return rc;
}

static int rw_value(rwriter *w, const sfield *f, const fc_value *v)
{
    int rc = 0;
    if (f->opt == OPT_NULL && (rc = put_le(w, v->type != FC_V_NULL, 1)) != 0)
        return rc;
    if (f->opt == OPT_NULL && v->type == FC_V_NULL)
        return 0;
    uint32_t b32;
    uint64_t b64;
    switch (f->t) {
    case S_F32:
        if (v->type != FC_V_FLOAT32)
            return misfit(w, f, "is not a float32");
        memcpy(&b32, &v->f, 4);
        return put_le(w, b32, 4);
    case S_F64:
        if (v->type != FC_V_DOUBLE)
            return misfit(w, f, "is not a float");
        memcpy(&b64, &v->d, 8);
        return put_le(w, b64, 8);
    case S_BOOL:
        return v->type == FC_V_BOOL ? put_le(w, v->b, 1) : misfit(w, f, "is not a bool");
    case S_STR:
        if (v->type != FC_V_STRING || v->str.len > UINT32_MAX)
            return misfit(w, f, "is not a text under 4 GiB");
        rc = put_le(w, v->str.len, 4);
        return rc ? rc : fc_buffer_append(w->out, v->str.p, v->str.len, w->err);
    case S_LIST:
        if (v->type != FC_V_ARRAY || v->arr.n > UINT32_MAX)
            return misfit(w, f, "is not a list under 2^32 items");
        rc = put_le(w, v->arr.n, 4);
        for (size_t i = 0; !rc && i < v->arr.n; i++)
            rc = rw_value(w, f->sub, &v->arr.items[i]);
        return rc;
    case S_OBJ: return rw_object(w, f, v);
    default: return rw_int(w, f, v);
    }
}

static int raw_encode_records(const fc_records *in, unsigned shape, fc_buffer *out, fc_error *err)
{
    if (shape >= FC_SHAPE_COUNT || !RECORDS[shape].sub)
        return fc_fail(err, FC_EUNSUPPORTED, 0, "raw: no layout for shape %u", shape);
    size_t start = out->len;
    uint8_t h[RAW_HEADER] = {'F', 'C', 'R', 'W'};
    put_u16(h + 4, RAW_SHAPES_VERSION);
    put_u16(h + 6, (uint16_t)shape);
    put_u64(h + 8, in->count);
    rwriter w = {.out = out, .err = err};
    int rc = fc_buffer_append(out, h, RAW_HEADER, err);
    for (size_t i = 0; !rc && i < in->count; i++) {
        w.record = i;
        rc = put_le(&w, in->keys[i], 8);
        if (!rc)
            rc = rw_value(&w, &RECORDS[shape], &in->values[i]);
    }
    if (!rc)
        put_u32(out->data + start + 16, fc_crc32c(0, out->data + start + RAW_HEADER,
                                                  out->len - start - RAW_HEADER));
    return rc;
}

/* ---- Reading ---- */

typedef struct rreader {
    const uint8_t *data;
    size_t len, pos;
    fc_arena *arena;
    fc_error *err;
} rreader;

/* n more bytes at r->pos, of the field that starts at `at`. */
static int rr_need_at(rreader *r, size_t at, size_t n, const sfield *f)
{
    if (n <= r->len - r->pos)
        return 0;
    return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: the file ends inside the field \"%s\" "
                   "(%zu bytes of %zu)", at, f->name[0] ? f->name : "(item)",
                   r->len - r->pos, n);
}

static int rr_need(rreader *r, size_t n, const sfield *f)
{
    return rr_need_at(r, r->pos, n, f);
}

static uint64_t rr_le(rreader *r, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = v << 8 | r->data[r->pos + i];
    r->pos += n;
    return v;
}

/* A byte that must be 0 or 1 (a bool, a presence byte). */
static int rr_flag(rreader *r, const sfield *f, bool *b)
{
    int rc = rr_need(r, 1, f);
    if (rc)
        return rc;
    if (r->data[r->pos] > 1)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: the field \"%s\": byte %u where "
                       "0 or 1 must be", r->pos, f->name, r->data[r->pos]);
    *b = rr_le(r, 1);
    return 0;
}

static int rr_value(rreader *r, const sfield *f, fc_value *v);

static int rr_items(rreader *r, const sfield *f, fc_value *v)
{
    bool obj = f->t == S_OBJ;
    size_t at = r->pos, n = f->nsub, size;
    int rc = 0;
    if (!obj) {
        if ((rc = rr_need(r, 4, f)) != 0)
            return rc;
        n = (size_t)rr_le(r, 4);
        if (n > (r->len - r->pos) / min_size(f->sub))
            return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: the list \"%s\" declares %zu "
                           "items, more than the %zu bytes left hold", at, f->name, n,
                           r->len - r->pos);
    }
    size = obj ? sizeof(fc_member) : sizeof(fc_value);
    void *p = n ? fc_arena_alloc(r->arena, n * size, r->err) : NULL;
    if (n && !p)
        return FC_ENOMEM;
    v->type = obj ? FC_V_OBJECT : FC_V_ARRAY;
    if (!obj) {
        v->arr.items = p;
        v->arr.n = n;
        for (size_t i = 0; !rc && i < n; i++)
            rc = rr_value(r, f->sub, &v->arr.items[i]);
        return rc;
    }
    v->obj.members = p;
    v->obj.n = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        bool here = true;
        if (f->sub[i].opt == OPT_ABSENT && ((rc = rr_flag(r, &f->sub[i], &here)) != 0 || !here))
            continue;
        fc_member *m = &v->obj.members[v->obj.n++];
        m->key = f->sub[i].name;
        m->key_len = strlen(m->key);
        rc = rr_value(r, &f->sub[i], &m->value);
    }
    return rc;
}

static int rr_text(rreader *r, const sfield *f, fc_value *v)
{
    size_t at = r->pos, bad_at;
    int rc = rr_need(r, 4, f);
    if (rc)
        return rc;
    size_t n = (size_t)rr_le(r, 4);
    if (n > fc_tree_default_limits.max_string)
        return fc_fail(r->err, FC_EUNSUPPORTED, 0, "offset %zu: the text \"%s\" has %zu bytes, "
                       "more than the %zu a text may have", at, f->name, n,
                       fc_tree_default_limits.max_string);
    if ((rc = rr_need_at(r, at, n, f)) != 0)
        return rc;
    if (!fc_utf8_valid((const char *)r->data + r->pos, n, &bad_at))
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: the text \"%s\" is not UTF-8 at "
                       "its byte %zu", at, f->name, bad_at);
    char *s = fc_arena_alloc(r->arena, n + 1, r->err);
    if (!s)
        return FC_ENOMEM;
    memcpy(s, r->data + r->pos, n);
    s[n] = '\0';
    r->pos += n;
    *v = (fc_value){.type = FC_V_STRING, .str = {s, n}};
    return 0;
}

static int rr_value(rreader *r, const sfield *f, fc_value *v)
{
    bool here = true, is_signed = f->t == S_I8 || f->t == S_I16 || f->t == S_I32 || f->t == S_I64;
    int rc = f->opt == OPT_NULL ? rr_flag(r, f, &here) : 0;
    if (rc || !here) {
        v->type = FC_V_NULL;
        return rc;
    }
    size_t n = f->t == S_F32 ? 4 : f->t == S_F64 ? 8 : f->t <= S_I64 ? int_width(f->t) : 0;
    if (n && (rc = rr_need(r, n, f)) != 0)
        return rc;
    uint64_t bits = n ? rr_le(r, n) : 0;
    switch (f->t) {
    case S_F32: {
        uint32_t b32 = (uint32_t)bits;
        v->type = FC_V_FLOAT32;
        memcpy(&v->f, &b32, 4);
        return 0;
    }
    case S_F64: v->type = FC_V_DOUBLE; memcpy(&v->d, &bits, 8); return 0;
    case S_BOOL: v->type = FC_V_BOOL; return rr_flag(r, f, &v->b);
    case S_STR: return rr_text(r, f, v);
    case S_LIST: case S_OBJ: return rr_items(r, f, v);
    default:
        if (is_signed && n < 8 && (bits >> (8 * n - 1)))
            bits |= UINT64_MAX << (8 * n); /* sign-extend */
        if (is_signed && (int64_t)bits < 0)
            *v = (fc_value){.type = FC_V_INT, .i = (int64_t)bits};
        else
            *v = (fc_value){.type = FC_V_UINT, .u = bits};
        return 0;
    }
}

static int raw_decode_records(const uint8_t *data, size_t len, unsigned shape, fc_records *out,
                              fc_error *err)
{
    if (shape >= FC_SHAPE_COUNT || !RECORDS[shape].sub)
        return fc_fail(err, FC_EUNSUPPORTED, 0, "raw: no layout for shape %u", shape);
    if (len < RAW_HEADER)
        return fc_fail(err, FC_ECORRUPT, 0, "offset %zu: file ends inside the %d-byte header",
                       len, RAW_HEADER);
    if (memcmp(data, RAW_MAGIC, 4) != 0)
        return fc_fail(err, FC_ECORRUPT, 0, "offset 0: magic is not \"FCRW\"");
    if (get_u16(data + 4) != RAW_SHAPES_VERSION)
        return fc_fail(err, FC_ECORRUPT, 0, "offset 4: version %u, expected %d (records of a "
                       "shape)", get_u16(data + 4), RAW_SHAPES_VERSION);
    if (get_u16(data + 6) != shape)
        return fc_fail(err, FC_ECORRUPT, 0, "offset 6: the file holds shape %u, expected %u (%s)",
                       get_u16(data + 6), shape, fc_shape_name((enum fc_shape)shape));
    if (get_u32(data + 20) != 0)
        return fc_fail(err, FC_ECORRUPT, 0, "offset 20: reserved bits are set");
    uint32_t crc = fc_crc32c(0, data + RAW_HEADER, len - RAW_HEADER);
    if (crc != get_u32(data + 16))
        return fc_fail(err, FC_ECORRUPT, 0, "offset 16: payload CRC-32C is %08x, the header "
                       "says %08x", crc, get_u32(data + 16));
    uint64_t n = get_u64(data + 8);
    size_t each = 8 + min_size(&RECORDS[shape]), first = out->count;
    if (n > (len - RAW_HEADER) / each)
        return fc_fail(err, FC_ECORRUPT, 0, "offset 8: header declares %llu records, but %zu "
                       "bytes hold at most %zu", (unsigned long long)n, len - RAW_HEADER,
                       (len - RAW_HEADER) / each);
    int rc = fc_records_reserve(out, first + (size_t)n, err);
    rreader r = {.data = data, .len = len, .pos = RAW_HEADER, .arena = &out->arena, .err = err};
    static const sfield KEY = {"(key)", S_U64, 0, 0, 0};
    for (size_t i = 0; !rc && i < n; i++) {
        if ((rc = rr_need(&r, 8, &KEY)) != 0)
            break;
        out->keys[out->count] = rr_le(&r, 8);
        if ((rc = rr_value(&r, &RECORDS[shape], &out->values[out->count])) == 0)
            out->count++;
    }
    if (!rc && r.pos != len)
        rc = fc_fail(err, FC_ECORRUPT, 0, "offset %zu: %zu bytes after the last record",
                     r.pos, len - r.pos);
    size_t a, b;
    if (!rc && (rc = fc_records_find_repeat(out, first, &a, &b, err)) == 1)
        rc = fc_fail(err, FC_ECORRUPT, 0, "raw: records %zu and %zu both have the key %llu",
                     a - first, b - first, (unsigned long long)out->keys[a]);
    return rc;
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
                FC_SUPPORTS_BUILTIN | FC_SUPPORTS_EXACT_DOUBLES | FC_SUPPORTS_STRINGS |
                FC_SUPPORTS_NESTING,
    .shapes = FC_SHAPES_MADE, /* a layout per shape: no schemaless input */
    .encode_records = raw_encode_records,
    .decode_records = raw_decode_records,
};
