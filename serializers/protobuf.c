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
 * Bounded: protobuf-c counts the elements actually present before it allocates
 * (8 bytes per key, each key at least one byte of input; 8 per value, each value 8
 * bytes of input), so decoding allocates at most about 8 * len.
 */
#include "codecs.h"

#include "results.pb-c.h"

#include <stdlib.h>

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

static int pb_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    bool oom = false;
    ProtobufCAllocator alloc = {.alloc = pb_alloc, .free = pb_free, .allocator_data = &oom};
    Forkcollect__Results *msg = forkcollect__results__unpack(&alloc, len, data);
    if (!msg && oom)
        return fc_fail(err, FC_ENOMEM, 0, "protobuf-c: out of memory");
    if (!msg)
        return fc_fail(err, FC_ECORRUPT, 0,
                       "not a valid Results message: protobuf-c rejected the %zu bytes "
                       "(truncated, or not protobuf)", len);
    int rc = 0;
    if (!msg->has_count)
        rc = fc_fail(err, FC_ECORRUPT, 0, "the message has no count field (truncated, or not "
                                          "written with forkcollect's results.proto)");
    else if (msg->n_keys != msg->count || msg->n_values != msg->count)
        rc = fc_fail(err, FC_ECORRUPT, 0,
                     "count says %llu records, the message has %zu keys and %zu values",
                     (unsigned long long)msg->count, msg->n_keys, msg->n_values);
    else if ((rc = fc_dataset_reserve(out, out->count + msg->n_keys, err)) == 0) {
        for (size_t i = 0; i < msg->n_keys; i++) {
            out->keys[out->count] = msg->keys[i];
            out->values[out->count] = msg->values[i];
            out->count++;
        }
    }
    forkcollect__results__free_unpacked(msg, &alloc);
    return rc;
}

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
    .supports = FC_SUPPORTS_KEY_U64 | FC_SUPPORTS_NONFINITE | FC_SUPPORTS_NAN_BITS,
};
