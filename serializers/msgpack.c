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
 * Bounded: msgpack-c allocates for a container's declared count as soon as it reads
 * the header, before the elements are there (a 5-byte map32 header can ask for
 * gigabytes). check_counts() first walks the whole input without allocating and
 * rejects any container that declares more elements than bytes remain (every
 * element takes at least one byte), so msgpack-c only ever allocates for elements
 * that are present: at most sizeof(msgpack_object) * len plus its zone chunk.
 */
#include "codecs.h"

#include <msgpack.h>
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

/* ==== The allocation guard ==== */

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Walks one complete msgpack object at data[0..len) without allocating: checks every
 * length against the bytes left and every container count against the bytes left.
 * On success *end is the offset just past the object. */
static int check_counts(const uint8_t *data, size_t len, size_t *end, fc_error *err)
{
    size_t pos = 0;
    uint64_t pending = 1; /* objects still to read; never more than the bytes left */
    while (pending > 0) {
        if (pos >= len)
            return fc_fail(err, FC_ECORRUPT, 0,
                           "offset %zu: file ends with %llu objects still to come", pos,
                           (unsigned long long)pending);
        uint8_t b = data[pos];
        size_t start = pos;
        uint64_t skip = 0, elems = 0;
        int head = 0; /* bytes of length/count after the type byte */
        pending--;
        pos++;
        if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
            /* fixint, nil, bool: nothing more */
        } else if (b <= 0x8f) {
            elems = 2u * (b & 0x0f);
        } else if (b <= 0x9f) {
            elems = b & 0x0f;
        } else if (b <= 0xbf) {
            skip = b & 0x1f;
        } else if (b == 0xc1) {
            return fc_fail(err, FC_ECORRUPT, 0, "offset %zu: byte 0xc1 is never used", start);
        } else if (b >= 0xc4 && b <= 0xc6) {
            head = 1 << (b - 0xc4);                    /* bin 8/16/32 */
        } else if (b >= 0xc7 && b <= 0xc9) {
            head = 1 << (b - 0xc7), skip = 1;          /* ext 8/16/32: + type byte */
        } else if (b == 0xca || b == 0xcb) {
            skip = b == 0xca ? 4 : 8;
        } else if (b >= 0xcc && b <= 0xd3) {
            skip = 1u << ((b - 0xcc) & 3);             /* uint/int 8..64 */
        } else if (b >= 0xd4 && b <= 0xd8) {
            skip = 1 + (1u << (b - 0xd4));             /* fixext: type byte + data */
        } else if (b >= 0xd9 && b <= 0xdb) {
            head = 1 << (b - 0xd9);                    /* str 8/16/32 */
        } else { /* 0xdc..0xdf: array 16/32, map 16/32 */
            int n = (b & 1) ? 4 : 2;
            if (len - pos < (size_t)n)
                return fc_fail(err, FC_ECORRUPT, 0,
                               "offset %zu: file ends inside a container header", start);
            elems = be(data + pos, n) * (b >= 0xde ? 2 : 1);
            pos += (size_t)n;
        }
        if (head) {
            if (len - pos < (size_t)head)
                return fc_fail(err, FC_ECORRUPT, 0,
                               "offset %zu: file ends inside a length field", start);
            skip += be(data + pos, head);
            pos += (size_t)head;
        }
        if (skip > len - pos)
            return fc_fail(err, FC_ECORRUPT, 0,
                           "offset %zu: object needs %llu bytes, only %zu remain", start,
                           (unsigned long long)skip, len - pos);
        pos += (size_t)skip;
        if (pending + elems > len - pos) /* each object takes at least one byte */
            return fc_fail(err, FC_ECORRUPT, 0,
                           "offset %zu: container declares %llu elements, only %zu bytes remain",
                           start, (unsigned long long)elems, len - pos);
        pending += elems;
    }
    *end = pos;
    return 0;
}

/* ==== Reading ==== */

static int value_of(const msgpack_object *o, double *v)
{
    switch (o->type) {
    case MSGPACK_OBJECT_FLOAT64:
    case MSGPACK_OBJECT_FLOAT32:
        *v = o->via.f64;
        return 0;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        *v = (double)o->via.u64;
        return *v < 18446744073709551616.0 && (uint64_t)*v == o->via.u64 ? 0 : -1;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        *v = (double)o->via.i64;
        return *v >= -9223372036854775808.0 && (int64_t)*v == o->via.i64 ? 0 : -1;
    default:
        return -1;
    }
}

static int mp_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    size_t end = 0;
    int rc;
    if (len == 0)
        return fc_fail(err, FC_ECORRUPT, 0, "offset 0: empty file, expected a map");
    if (!((data[0] >= 0x80 && data[0] <= 0x8f) || data[0] == 0xde || data[0] == 0xdf))
        return fc_fail(err, FC_ECORRUPT, 0, "offset 0: expected a map, found type byte 0x%02x",
                       data[0]);
    if ((rc = check_counts(data, len, &end, err)) != 0)
        return rc;
    if (end != len)
        return fc_fail(err, FC_ECORRUPT, 0, "offset %zu: %zu bytes after the map", end, len - end);

    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    msgpack_unpack_return r = msgpack_unpack_next(&u, (const char *)data, len, &off);
    if (r == MSGPACK_UNPACK_NOMEM_ERROR) {
        rc = fc_fail(err, FC_ENOMEM, 0, "msgpack-c: out of memory");
    } else if (r != MSGPACK_UNPACK_SUCCESS) {
        rc = fc_fail(err, FC_ECORRUPT, 0, "msgpack-c rejected the data (code %d)", (int)r);
    } else if ((rc = fc_dataset_reserve(out, out->count + u.data.via.map.size, err)) == 0) {
        const msgpack_object_map *m = &u.data.via.map;
        for (uint32_t i = 0; i < m->size; i++) {
            const msgpack_object_kv *kv = &m->ptr[i];
            double v;
            if (kv->key.type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
                rc = fc_fail(err, FC_ECORRUPT, 0,
                             "map entry %u: key is not a non-negative integer (type %d)", i,
                             (int)kv->key.type);
                break;
            }
            if (value_of(&kv->val, &v) != 0) {
                rc = fc_fail(err, FC_ECORRUPT, 0,
                             "map entry %u (key %llu): value is not a float (type %d)", i,
                             (unsigned long long)kv->key.via.u64, (int)kv->val.type);
                break;
            }
            out->keys[out->count] = kv->key.via.u64;
            out->values[out->count] = v;
            out->count++;
        }
    }
    msgpack_unpacked_destroy(&u);
    return rc;
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
    for (uint64_t i = 0; i < count && i < 8 && pos < len; i++) {
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
    .supports = FC_SUPPORTS_KEY_U64 | FC_SUPPORTS_NONFINITE | FC_SUPPORTS_NAN_BITS,
};
