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

/* Field 1 (count) as a varint: tag byte 0x08. protobuf writers emit fields in
 * field-number order, and forkcollect requires the count. */
static bool pb_probe(const uint8_t *data, size_t len)
{
    return len >= 2 && data[0] == 0x08;
}

const fc_codec fc_codec_protobuf = {
    .name = "protobuf",
    .extension = "pb",
    .library = "protobuf-c",
    .library_version = pb_version,
    .encode = pb_encode,
    .decode = pb_decode,
    .probe = pb_probe,
};
