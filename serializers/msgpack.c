/* msgpack.c - the dict as a MessagePack map of unsigned integer keys to float64.
 *
 * That is what msgpack users write for {int: float} (msgpack.packb in Python gives
 * the same bytes): a map header, then per record the key in its smallest integer
 * encoding and the value as 0xcb + 8 big-endian bytes.
 *
 * Reading accepts any map whose keys are non-negative integers and whose values are
 * float64, float32 (widened exactly) or integers that a double holds exactly (some
 * encoders, JavaScript's among them, write 514.0 as the integer 514).
 *
 * Each key once; integer values only where a double holds them exactly; nothing
 * nested. Errors name the offset and msgpack's own type names (str, bin, array...).
 *
 * Bounded: msgpack-c allocates for a container's declared count as soon as it reads
 * the header, before the elements are there (a 5-byte map32 header can ask for
 * gigabytes), grows its zone in chunks that double (up to twice what it needs), and
 * stops at 32 levels of nesting calling that "out of memory". So check_shape() first
 * walks the whole input without allocating: a map whose count fits the bytes left
 * (an entry takes at least 2), holding numbers only. msgpack-c then reads the map
 * into a zone made for exactly its pairs: 48 bytes an entry, plus our 16 a record,
 * for entries of at least 2 bytes: 32 x the input (docs/FORMATS.md, measured).
 */
#include "codecs.h"
#include "fc_shapes.h"

#include <msgpack.h>
#include <stdio.h>
#include <string.h>

static const char *mp_version(void)
{
    return msgpack_version();
}

/* Packs with msgpack-c's own msgpack_sbuffer, as a msgpack-c user would, pointed at room
 * reserved in `out` for the worst case (a 5-byte map header, then at most 9 bytes per key
 * and 9 per value), so the sbuffer never has to grow and nothing is copied twice. */
static int mp_encode(const fc_dataset *in, fc_buffer *out, fc_error *err)
{
    if (in->count > UINT32_MAX) /* msgpack-c would write a wrong map32 count */
        return fc_fail(err, FC_EUNSUPPORTED, 0, "msgpack: a map holds at most 2^32-1 entries, "
                                                "not %zu", in->count);
    if (in->count > (SIZE_MAX - 5) / 18)
        return fc_fail(err, FC_ENOMEM, 0, "msgpack: %zu records do not fit in memory", in->count);
    size_t worst = 5 + 18 * in->count;
    int rc = fc_buffer_reserve(out, worst, err);
    if (rc)
        return rc;
    msgpack_sbuffer sb = {.size = 0, .data = (char *)out->data + out->len, .alloc = worst};
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, in->count);
    for (size_t i = 0; i < in->count; i++) {
        msgpack_pack_uint64(&pk, in->keys[i]);
        msgpack_pack_double(&pk, in->values[i]);
    }
    if (sb.data != (char *)out->data + out->len) /* cannot happen: the worst case fits */
        return fc_fail(err, FC_ENOMEM, 0, "msgpack: the encoding outgrew its reservation");
    out->len += sb.size;
    return 0;
}

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* ==== Reading ==== */

/* What a type byte stands for, for messages: msgpack's own names. */
static const char *type_name(uint8_t b)
{
    if (b <= 0x7f || (b >= 0xcc && b <= 0xcf))
        return "positive integer";
    if (b >= 0xe0)
        return "negative integer";
    if (b >= 0xd0 && b <= 0xd3)
        return "signed integer";
    if (b <= 0x8f || b == 0xde || b == 0xdf)
        return "map";
    if (b <= 0x9f || b == 0xdc || b == 0xdd)
        return "array";
    if (b <= 0xbf || (b >= 0xd9 && b <= 0xdb))
        return "str";
    if (b >= 0xc4 && b <= 0xc6)
        return "bin";
    if ((b >= 0xc7 && b <= 0xc9) || (b >= 0xd4 && b <= 0xd8))
        return "ext";
    static const char *const rest[] = {"nil", "never-used byte 0xc1", "boolean", "boolean",
                                       [0xa] = "float32", [0xb] = "float64"};
    return rest[b - 0xc0];
}

static const char *article(const char *name)
{
    return strchr("aeiou", name[0]) ? "an" : "a";
}

/* The bytes a number takes from its type byte, or 0 if the byte does not start one. */
static size_t number_size(uint8_t b)
{
    if (b <= 0x7f || b >= 0xe0)
        return 1;
    if (b == 0xca || b == 0xcb)
        return b == 0xca ? 5 : 9;
    if (b >= 0xcc && b <= 0xd3)
        return 1 + ((size_t)1 << ((b - 0xcc) & 3));
    return 0;
}

typedef struct reader {
    const uint8_t *data;
    size_t len, pos;      /* pos: the next object */
    uint32_t entries;     /* the map's count */
    fc_error *err;
} reader;

/* Steps over the number at r->pos, by its type byte alone. Anything but a number is
 * refused here, before msgpack-c sees the file: a result file is one flat map, so a
 * container inside it is named as nested (msgpack-c's parser would stop at 32 levels
 * and call that "out of memory", and allocate for every container's declared count). */
static int skip_number(reader *r, uint32_t entry, const char *what)
{
    if (r->pos >= r->len)
        return fc_fail(r->err, FC_ECORRUPT, 0,
                       "offset %zu: the file ends after %u of the map's %u entries", r->pos,
                       entry, r->entries);
    uint8_t b = r->data[r->pos];
    size_t n = number_size(b);
    bool key = what[0] == 'k';
    if (n != 0 && n <= r->len - r->pos && (!key || b <= 0x7f || (b >= 0xcc && b <= 0xd3))) {
        r->pos += n; /* the usual case, first */
        return 0;
    }
    const char *name = type_name(b);
    if (n == 0 && (strcmp(name, "map") == 0 || strcmp(name, "array") == 0))
        return fc_fail(r->err, FC_ECORRUPT, 0,
                       "offset %zu: map entry %u: the %s is %s %s nested in the map, nested "
                       "too deep: a result file is one flat map of integer keys to float "
                       "values", r->pos, entry, what, article(name), name);
    if (n == 0 || (key && (b == 0xca || b == 0xcb || b >= 0xe0)))
        return fc_fail(r->err, FC_ECORRUPT, 0,
                       "offset %zu: map entry %u: the %s is %s %s, expected %s", r->pos, entry,
                       what, article(name), name, key ? "an integer 0..2^64-1" : "a float");
    return fc_fail(r->err, FC_ECORRUPT, 0,
                   "offset %zu: the file ends inside map entry %u's %s (%s %s of %zu bytes)",
                   r->pos, entry, what, article(name), name, n);
}

/* The map header: its entry count, and r->pos past it. */
static int read_header(reader *r)
{
    uint8_t b = r->len ? r->data[0] : 0;
    size_t head = b >= 0x80 && b <= 0x8f ? 1 : b == 0xde ? 3 : b == 0xdf ? 5 : 0;
    if (r->len == 0)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset 0: empty file, expected a map");
    if (head == 0)
        return fc_fail(r->err, FC_ECORRUPT, 0,
                       "offset 0: expected a map, found %s %s (type byte 0x%02x)",
                       article(type_name(b)), type_name(b), b);
    if (r->len < head)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset 0: the file ends inside the map header");
    r->entries = head == 1 ? (uint32_t)(b & 0x0f) : (uint32_t)be(r->data + 1, (int)head - 1);
    r->pos = head;
    /* Every entry takes at least 2 bytes: a count beyond that is refused before anything
     * is allocated for it (df ff ff ff ff, 5 bytes, declares 4,294,967,295 entries). */
    if (r->entries > (r->len - head) / 2)
        return fc_fail(r->err, FC_ECORRUPT, 0,
                       "offset 0: the map declares %u entries, but only %zu bytes follow (an "
                       "entry takes at least 2)", r->entries, r->len - head);
    return 0;
}

/* The whole file: a map header, entries of numbers only, nothing after. */
static int check_shape(reader *r)
{
    int rc = read_header(r);
    for (uint32_t i = 0; rc == 0 && i < r->entries; i++)
        if ((rc = skip_number(r, i, "key")) == 0)
            rc = skip_number(r, i, "value");
    if (rc == 0 && r->pos != r->len)
        rc = fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: %zu bytes after the map, which "
                     "should end the file", r->pos, r->len - r->pos);
    return rc;
}

/* The offset of map entry i's key (or value), in a file check_shape accepted. */
static size_t entry_offset(const reader *r, size_t i, bool value)
{
    reader w = *r;
    read_header(&w);
    for (size_t k = 0; k < 2 * i + value; k++)
        w.pos += number_size(w.data[w.pos]);
    return w.pos;
}

/* The value of map entry i: floats as they are, integers only if a double holds them
 * exactly (some encoders write 514.0 as 514). */
static int value_of(const reader *r, const msgpack_object *o, uint32_t i, double *v)
{
    char text[24];
    if (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32) {
        *v = o->via.f64;
        return 0;
    }
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        *v = (double)o->via.u64;
        if (*v < 18446744073709551616.0 && (uint64_t)*v == o->via.u64)
            return 0;
        snprintf(text, sizeof text, "%llu", (unsigned long long)o->via.u64);
    } else {
        *v = (double)o->via.i64;
        if (*v >= -9223372036854775808.0 && (int64_t)*v == o->via.i64)
            return 0;
        snprintf(text, sizeof text, "%lld", (long long)o->via.i64);
    }
    char nearest[FC_REPR_MAX];
    fc_format_double(*v, nearest);
    return fc_fail(r->err, FC_ECORRUPT, 0,
                   "integer %s at offset %zu has no exact double (the nearest is %s; write "
                   "that if it is meant)", text, entry_offset(r, i, true), nearest);
}

/* Copies the map msgpack-c read into out, checking each key's sign and each value. */
static int copy_entries(const reader *r, const msgpack_object_map *m, fc_dataset *out)
{
    int rc;
    for (uint32_t i = 0; i < m->size; i++) {
        const msgpack_object_kv *kv = &m->ptr[i];
        double v;
        if (kv->key.type != MSGPACK_OBJECT_POSITIVE_INTEGER) /* a signed type, below 0 */
            return fc_fail(r->err, FC_ECORRUPT, 0,
                           "offset %zu: map entry %u: the key is a negative integer (%lld), "
                           "expected an integer 0..2^64-1", entry_offset(r, i, false), i,
                           (long long)kv->key.via.i64);
        if ((rc = value_of(r, &kv->val, i, &v)) != 0)
            return rc;
        out->keys[out->count] = kv->key.via.u64;
        out->values[out->count] = v;
        out->count++;
    }
    return 0;
}

/* check_shape walks the file first: numbers only, one flat map. Then msgpack-c reads the
 * map whole, into a zone made to hold exactly its pairs (msgpack-c's own zone grows in
 * chunks that double, up to twice what is needed). */
static int mp_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    reader r = {.data = data, .len = len, .err = err};
    size_t first = out->count, a = 0, b = 0, off = 0;
    int rc;
    if ((rc = check_shape(&r)) != 0 ||
        (rc = fc_dataset_reserve(out, out->count + r.entries, err)) != 0)
        return rc;
    msgpack_object obj;
    msgpack_zone *zone = msgpack_zone_new(sizeof(msgpack_object_kv) * r.entries + 64);
    msgpack_unpack_return u = zone ? msgpack_unpack((const char *)data, len, &off, zone, &obj)
                                   : MSGPACK_UNPACK_NOMEM_ERROR;
    if (u == MSGPACK_UNPACK_NOMEM_ERROR)
        rc = fc_fail(err, FC_ENOMEM, 0, "msgpack-c: out of memory for a map of %u entries",
                     r.entries);
    else if (u != MSGPACK_UNPACK_SUCCESS || obj.type != MSGPACK_OBJECT_MAP)
        rc = fc_fail(err, FC_ECORRUPT, 0, "offset 0: msgpack-c cannot read the map (code %d)",
                     (int)u);
    else
        rc = copy_entries(&r, &obj.via.map, out);
    if (zone)
        msgpack_zone_free(zone);
    if (rc != 0 || (rc = fc_dataset_find_repeat(out, first, &a, &b, err)) <= 0)
        return rc;
    return fc_fail(err, FC_ECORRUPT, 0,
                   "offset %zu (map entry %zu): key %llu again (first at offset %zu, map entry "
                   "%zu); a result file holds each key once", entry_offset(&r, b - first, false),
                   b - first, (unsigned long long)out->keys[b],
                   entry_offset(&r, a - first, false), a - first);
}

/* The bits of evidence in one byte that opens an integer (how many bytes follow in
 * *extra), or 0 if it opens something else. Signed types count: msgpack-c reads a
 * non-negative value in them as a positive integer. */
static unsigned mp_int_bits(uint8_t b, bool negative_ok, size_t *extra)
{
    *extra = 0;
    if (b <= 0x7f)
        return 1; /* positive fixint: the top bit */
    if (b >= 0xe0)
        return negative_ok ? 3 : 0; /* negative fixint */
    if (b >= 0xcc && b <= 0xd3) {
        *extra = (size_t)1 << ((b - 0xcc) & 3); /* 1, 2, 4 or 8 bytes */
        return 5;
    }
    return 0;
}

/* Bids for a map header (4 bits for a fixmap's top nibble, 8 for map16 or map32),
 * then for each of the first records present: its key (an integer type) and its
 * value (8 bits for float64 or float32; an integer is allowed but, as almost any
 * byte below 0x80 is one, no evidence). Anything else where a key or value must be
 * is no file of ours: 0. */
static unsigned mp_probe(const uint8_t *data, size_t len)
{
    if (len == 0)
        return 0;
    uint8_t h = data[0];
    size_t pos = 1;
    uint64_t count = h & 0x0fu;
    unsigned bid = 4;
    if (h == 0xde || h == 0xdf) {
        pos = h == 0xde ? 3 : 5;
        if (len < pos)
            return 8;
        count = be(data + 1, (int)pos - 1);
        bid = 8;
    } else if ((h & 0xf0) != 0x80) {
        return 0;
    }
    if (count == 0 && pos < len) /* an empty map ends the file: 80 04 ... is a pickle */
        return 0;
    uint64_t i = 0;
    for (; i < count && i < 8 && pos < len; i++) {
        size_t extra;
        unsigned k = mp_int_bits(data[pos], false, &extra);
        if (k == 0)
            return 0;
        bid += k;
        if ((pos += 1 + extra) >= len)
            break;
        uint8_t v = data[pos];
        bool is_float = v == 0xca || v == 0xcb;
        if (!is_float && mp_int_bits(v, true, &extra) == 0)
            return 0;
        bid += is_float ? 8 : 0;
        pos += 1 + (v == 0xca ? 4 : v == 0xcb ? 8 : extra);
    }
    if (i == count && pos < len) /* the map ends before the bytes shown do: a result file */
        return 0;                /* ends with its map (82 01 00 00 01 30 ... is BSON) */
    return bid;
}

const fc_codec fc_codec_msgpack = {
    .name = "msgpack",
    .extension = "msgpack",
    .library = "msgpack-c",
    .library_version = mp_version,
    .encode = mp_encode,
    .decode = mp_decode,
    .probe = mp_probe,
    .version = FC_CODEC_VERSION,
    .supports = FC_SUPPORTS_KEY_U64 | FC_SUPPORTS_NONFINITE | FC_SUPPORTS_NAN_BITS |
                FC_SUPPORTS_EXACT_DOUBLES | FC_SUPPORTS_STRINGS | FC_SUPPORTS_NESTING,
    .shapes = FC_SHAPES_ALL, /* msgpack_tree.c */
    .encode_records = fc_msgpack_write_records,
    .decode_records = fc_msgpack_read_records,
};
