/* protobuf.c - the dict as a protobuf message (proto/results.proto):
 *
 *   message Results { optional uint64 count = 1;
 *                     repeated uint64 keys = 2 [packed = true];
 *                     repeated double values = 3 [packed = true]; }
 *
 * Two packed arrays side by side are what protobuf users write for a large numeric
 * map: a map<uint64, double> costs a nested message (tag, length, two tags) per
 * record and, in proto3, drops -0.0 as a default value. docs/FORMATS.md compares.
 *
 * Bounded: scan_message() walks the wire format first, without allocating. protobuf-c
 * keeps 32 bytes for each field it meets (and 24 more for an unknown one), so a message
 * in many small fields is first rewritten as results.proto's writers write it. Then
 * protobuf-c allocates 8 bytes for each key (a key takes 1 byte or more) and each value
 * (8 bytes): at most 8 x the input, and the rewrite adds at most 1 x. docs/FORMATS.md
 * has the measured figures.
 */
#include "codecs.h"
#include "fc_shapes.h"

#include "results.pb-c.h"

#include <stdlib.h>
#include <string.h>

static const char *pb_version(void)
{
    return protobuf_c_version();
}

static int pb_encode(const fc_dataset *in, fc_buffer *out, fc_error *err)
{
    Forkcollect__Results msg = FORKCOLLECT__RESULTS__INIT;
    msg.has_count = 1;
    msg.count = in->count;
    msg.n_keys = in->count;
    msg.keys = in->keys;
    msg.n_values = in->count;
    msg.values = in->values;
    size_t size = forkcollect__results__get_packed_size(&msg);
    int rc = fc_buffer_reserve(out, size, err);
    if (rc)
        return rc;
    out->len += forkcollect__results__pack(&msg, out->data + out->len);
    return 0;
}

/* protobuf-c reports "out of memory" and "not a valid message" alike, as NULL; an
 * allocator that notes its failures tells them apart. */
static void *pb_alloc(void *data, size_t size)
{
    void *p = malloc(size);
    if (!p)
        *(bool *)data = true;
    return p;
}

static void pb_free(void *data, void *p)
{
    (void)data;
    free(p);
}

/* ==== The walk before protobuf-c ==== */

/* protobuf-c keeps 32 bytes (in slabs that double) for every field it meets and 24 more
 * for every unknown one, so a file of 2-byte fields made it allocate 56 x its length.
 * scan() walks the wire format once, without allocating. A file as results.proto's
 * writers write it (count, then keys packed, then values packed, each at most once)
 * goes to protobuf-c as it is; any other (unknown fields, which protobuf readers skip,
 * repeated fields written unpacked or in several pieces) is first rewritten in that
 * form, at most the input's size, and protobuf-c reads the rewrite. */
typedef struct scan {
    const uint8_t *data;
    size_t len;
    bool canonical;          /* count, keys, values at most once each, packed, in order */
    bool has_count;
    uint64_t count;          /* the last count seen */
    size_t count_at;         /* and its offset */
    size_t key_bytes, value_bytes; /* payload bytes of keys and values, every piece */
    fc_error *err;
} scan;

/* Reads a varint at data[*pos..len); false if it is cut off or longer than 10 bytes. */
static bool pb_varint(const uint8_t *data, size_t len, size_t *pos, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; *pos < len && shift < 70; shift += 7) {
        uint8_t b = data[(*pos)++];
        *v |= (uint64_t)(b & 0x7f) << (shift < 64 ? shift : 63);
        if (!(b & 0x80))
            return true;
    }
    return false;
}

typedef struct pb_field {
    size_t at, payload, size; /* offsets of the tag and the payload; payload's bytes */
    uint64_t number;
    unsigned wire;
} pb_field;

/* The field at *pos: its number, wire type and payload, checked against the bytes left
 * and against results.proto's types for fields 1 to 3. */
static int next_field(const scan *sc, size_t *pos, pb_field *f)
{
    static const size_t fixed[8] = {[1] = 8, [5] = 4};
    uint64_t tag = 0, n = 0;
    f->at = *pos;
    if (!pb_varint(sc->data, sc->len, pos, &tag) || tag >> 3 == 0 || tag >> 3 > 0x1fffffff)
        return fc_fail(sc->err, FC_ECORRUPT, 0, "offset %zu: not a field tag (a protobuf "
                       "field starts with a varint of its number, 1..2^29-1, and type)", f->at);
    f->number = tag >> 3, f->wire = (unsigned)(tag & 7);
    f->payload = *pos;
    if (f->wire == 0 && !pb_varint(sc->data, sc->len, pos, &n))
        return fc_fail(sc->err, FC_ECORRUPT, 0, "offset %zu: field %llu: the varint does not "
                       "end before the file does", f->payload, (unsigned long long)f->number);
    if (f->wire == 2 && (!pb_varint(sc->data, sc->len, pos, &n) || n > sc->len - *pos))
        return fc_fail(sc->err, FC_ECORRUPT, 0, "offset %zu: field %llu: its length runs past "
                       "the end of the file", f->at, (unsigned long long)f->number);
    if (f->wire == 2)
        f->payload = *pos;
    if (f->wire == 3 || f->wire == 4 || f->wire > 5)
        return fc_fail(sc->err, FC_ECORRUPT, 0, "offset %zu: field %llu has wire type %u, "
                       "which is a group or no type at all; results.proto has neither",
                       f->at, (unsigned long long)f->number, f->wire);
    if (fixed[f->wire] > sc->len - *pos)
        return fc_fail(sc->err, FC_ECORRUPT, 0, "offset %zu: field %llu: the file ends inside "
                       "it", f->at, (unsigned long long)f->number);
    n = fixed[f->wire] ? fixed[f->wire] : f->wire == 2 ? n : 0;
    *pos += (size_t)n;
    f->size = *pos - f->payload;
    static const unsigned allowed[4] = {0, 1u << 0, 1u << 0 | 1u << 2, 1u << 1 | 1u << 2};
    if (f->number <= 3 && !(allowed[f->number] >> f->wire & 1))
        return fc_fail(sc->err, FC_ECORRUPT, 0, "offset %zu: field %llu (%s) has wire type %u, "
                       "which results.proto does not give it", f->at,
                       (unsigned long long)f->number,
                       f->number == 1 ? "count" : f->number == 2 ? "keys" : "values", f->wire);
    return 0;
}

static int scan_message(scan *sc)
{
    size_t pos = 0;
    uint64_t last = 0;
    sc->canonical = true;
    while (pos < sc->len) {
        pb_field f;
        int rc = next_field(sc, &pos, &f);
        if (rc)
            return rc;
        if (f.number > 3 || f.number <= last || (f.number > 1 && f.wire != 2))
            sc->canonical = false;
        last = f.number;
        if (f.number == 1) {
            size_t p = f.payload;
            pb_varint(sc->data, sc->len, &p, &sc->count);
            sc->has_count = true;
            sc->count_at = f.at;
        } else if (f.number == 2) {
            sc->key_bytes += f.size;
            if (f.wire == 2 && f.size && sc->data[f.payload + f.size - 1] >= 0x80)
                return fc_fail(sc->err, FC_ECORRUPT, 0, "offset %zu: the packed keys end "
                               "inside a varint", f.payload + f.size - 1);
        } else if (f.number == 3) {
            sc->value_bytes += f.size;
            if (f.size % 8)
                return fc_fail(sc->err, FC_ECORRUPT, 0, "offset %zu: the packed values take "
                               "%zu bytes, not a multiple of 8", f.at, f.size);
        }
    }
    return 0;
}

static void put_varint(uint8_t **p, uint64_t v)
{
    for (; v >= 0x80; v >>= 7)
        *(*p)++ = (uint8_t)(v | 0x80);
    *(*p)++ = (uint8_t)v;
}

/* The message in results.proto's writers' form: count, keys packed, values packed,
 * unknown fields left out. Its size is at most the input's + 23 bytes of headers. */
static uint8_t *rewrite(const scan *sc, size_t *size)
{
    uint8_t *buf = malloc(sc->key_bytes + sc->value_bytes + 32), *p = buf;
    if (!buf)
        return NULL;
    if (sc->has_count)
        *p++ = 0x08, put_varint(&p, sc->count);
    for (unsigned number = 2; number <= 3; number++) {
        *p++ = (uint8_t)(number << 3 | 2);
        put_varint(&p, number == 2 ? sc->key_bytes : sc->value_bytes);
        pb_field f;
        for (size_t pos = 0; pos < sc->len;) {
            next_field(sc, &pos, &f);
            if (f.number == number)
                memcpy(p, sc->data + f.payload, f.size), p += f.size;
        }
    }
    *size = (size_t)(p - buf);
    return buf;
}

/* The offset of key i (its varint), for messages: in a file scan_message accepted. */
static size_t key_offset(const scan *sc, size_t i)
{
    pb_field f;
    for (size_t pos = 0; pos < sc->len;) {
        next_field(sc, &pos, &f);
        for (size_t p = f.payload; f.number == 2 && p < f.payload + f.size; i--) {
            uint64_t v;
            if (i == 0)
                return p;
            pb_varint(sc->data, sc->len, &p, &v);
        }
    }
    return 0;
}

/* The offset of a packed key's varint longer than 10 bytes, the one thing in a file
 * scan_message() passed that protobuf-c refuses; looked for only once it has (a walk
 * over every key costs a quarter of the decoding time). 0 if there is none. */
static size_t long_varint(const scan *sc)
{
    pb_field f;
    for (size_t pos = 0; pos < sc->len;) {
        next_field(sc, &pos, &f);
        uint64_t v;
        for (size_t p = f.payload, at = p; f.number == 2 && f.wire == 2 &&
                                          p < f.payload + f.size; at = p)
            if (!pb_varint(sc->data, f.payload + f.size, &p, &v))
                return at;
    }
    return 0;
}

/* ==== Reading ==== */

static int check_message(const scan *sc, const Forkcollect__Results *msg, fc_error *err)
{
    if (!msg->has_count)
        return fc_fail(err, FC_ECORRUPT, 0,
                       "offset %zu, the end: the message has no count (field 1): every "
                       "writer of results.proto must set it (to 0 for no records), as it is "
                       "how a reader tells a file cut short on a field boundary from a whole "
                       "one. This file is truncated, or its writer left count unset: set "
                       "count to the number of records (here %zu keys and %zu values)",
                       sc->len, msg->n_keys, msg->n_values);
    if (msg->n_keys != msg->count || msg->n_values != msg->count)
        return fc_fail(err, FC_ECORRUPT, 0,
                       "offset %zu: count says %llu records, the message has %zu keys and %zu "
                       "values", sc->count_at, (unsigned long long)msg->count, msg->n_keys,
                       msg->n_values);
    return 0;
}

static int pb_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    scan sc = {.data = data, .len = len, .err = err};
    int rc = scan_message(&sc);
    if (rc)
        return rc;
    size_t size = len, first = out->count, a = 0, b = 0;
    uint8_t *copy = sc.canonical ? NULL : rewrite(&sc, &size);
    if (!sc.canonical && !copy)
        return fc_fail(err, FC_ENOMEM, 0, "protobuf: out of memory for a %zu-byte message", len);
    bool oom = false;
    ProtobufCAllocator alloc = {.alloc = pb_alloc, .free = pb_free, .allocator_data = &oom};
    Forkcollect__Results *msg = forkcollect__results__unpack(&alloc, size, copy ? copy : data);
    free(copy);
    if (!msg && oom)
        return fc_fail(err, FC_ENOMEM, 0, "protobuf-c: out of memory");
    if (!msg && long_varint(&sc))
        return fc_fail(err, FC_ECORRUPT, 0, "offset %zu: a packed key's varint runs past 10 "
                       "bytes", long_varint(&sc));
    if (!msg)
        return fc_fail(err, FC_ECORRUPT, 0,
                       "offset 0: protobuf-c refused the %zu-byte message, which the checks "
                       "before it passed", len);
    if ((rc = check_message(&sc, msg, err)) == 0 &&
        (rc = fc_dataset_reserve(out, out->count + msg->n_keys, err)) == 0) {
        for (size_t i = 0; i < msg->n_keys; i++) {
            out->keys[out->count] = msg->keys[i];
            out->values[out->count] = msg->values[i];
            out->count++;
        }
    }
    forkcollect__results__free_unpacked(msg, &alloc);
    if (rc != 0 || (rc = fc_dataset_find_repeat(out, first, &a, &b, err)) <= 0)
        return rc;
    return fc_fail(err, FC_ECORRUPT, 0,
                   "offset %zu (keys[%zu]): key %llu again (first at offset %zu, keys[%zu]); a "
                   "result file holds each key once", key_offset(&sc, b - first), b - first,
                   (unsigned long long)out->keys[b], key_offset(&sc, a - first), a - first);
}

/* Walks the first fields: each must have a field number and a wire type protobuf
 * has (no groups), and results.proto's fields the wire types they are written with
 * (count a varint; keys packed or a varint; values packed or 8 bytes). Bids 8 bits
 * for each of those fields seen, unknown fields (which protobuf skips) nothing; 0
 * when none of ours is seen or a field is impossible. */
static unsigned pb_probe(const uint8_t *data, size_t len)
{
    unsigned bid = 0;
    size_t pos = 0;
    for (int fields = 0; fields < 16 && pos < len; fields++) {
        uint64_t tag, n;
        if (!pb_varint(data, len, &pos, &tag))
            break;
        uint64_t field = tag >> 3;
        unsigned wire = (unsigned)(tag & 7);
        bool ours = (field == 1 && wire == 0) || (field == 2 && (wire == 2 || wire == 0)) ||
                    (field == 3 && (wire == 2 || wire == 1));
        if (field == 0 || wire == 3 || wire == 4 || wire > 5 || (field <= 3 && !ours))
            return 0;
        bid += ours ? 8 : 0;
        if (wire == 0 && !pb_varint(data, len, &pos, &n))
            break;
        if (wire == 2 && !pb_varint(data, len, &pos, &n))
            break;
        size_t skip = wire == 1 ? 8 : wire == 5 ? 4 : wire == 2 ? (size_t)n : 0;
        if (wire == 2 && n > len - pos)
            break; /* runs past what the probe is shown */
        pos += skip;
    }
    return bid;
}

const fc_codec fc_codec_protobuf = {
    .name = "protobuf",
    .extension = "pb",
    .library = "protobuf-c",
    .library_version = pb_version,
    .encode = pb_encode,
    .decode = pb_decode,
    .probe = pb_probe,
    .version = FC_CODEC_VERSION,
    .supports = FC_SUPPORTS_KEY_U64 | FC_SUPPORTS_NONFINITE | FC_SUPPORTS_NAN_BITS |
                FC_SUPPORTS_EXACT_DOUBLES | FC_SUPPORTS_STRINGS | FC_SUPPORTS_NESTING |
                FC_SUPPORTS_SCHEMA,
    .shapes = FC_SHAPES_MADE, /* protobuf_tree.c, proto/shapes.proto */
    .encode_records = fc_protobuf_write_records,
    .decode_records = fc_protobuf_read_records,
};
