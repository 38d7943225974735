/* bounds.c - each decoder's worst shapes at 16-64 MiB, against its documented bound.
 *
 *   fc_bounds [MIB] [CODEC...]     (default 16 MiB, every codec)
 *
 * The fuzzers check the bound on every input they try, but they try inputs of a few
 * KiB, where the constant hides the ratio. This program builds, for each decoder, the
 * inputs that make it allocate the most per input byte (the smallest records, keys out
 * of order so the repeated-key check needs its table, fields protobuf-c keeps but we do
 * not use), of about MIB mebibytes each, decodes them, and compares the most bytes
 * allocated at once with fuzz/bounds.h (docs/FORMATS.md's figures). Prints one line per
 * shape; exits 1 if any shape goes past its bound.
 *
 * It counts allocations by defining malloc, calloc, realloc and free itself (as
 * tests/test_alloc.c does), so it is not built under the sanitizers. ctest runs it at
 * 16 MiB; `scripts/fuzz --bounds` at 64.
 */
#define _GNU_SOURCE
#include "bounds.h"
#include "forkcollect.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== Counting allocations ==== */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static size_t live, peak;

static void *counted(void *p)
{
    if (p) {
        live += malloc_usable_size(p);
        peak = live > peak ? live : peak;
    }
    return p;
}

void *malloc(size_t n)
{
    return counted(__libc_malloc(n));
}

void *calloc(size_t a, size_t b)
{
    return counted(__libc_calloc(a, b));
}

extern void *__libc_memalign(size_t, size_t);

void *aligned_alloc(size_t alignment, size_t n) /* libbson's writer */
{
    return counted(__libc_memalign(alignment, n));
}

void free(void *p)
{
    if (p)
        live -= malloc_usable_size(p);
    __libc_free(p);
}

void *realloc(void *p, size_t n)
{
    if (!p)
        return malloc(n);
    size_t before = malloc_usable_size(p);
    void *q = __libc_realloc(p, n);
    if (q) { /* old and new both live for a moment: count the sum at the peak */
        peak = live + malloc_usable_size(q) > peak ? live + malloc_usable_size(q) : peak;
        live += malloc_usable_size(q) - before;
    }
    return q;
}

/* ==== The shapes ==== */

static void put(fc_buffer *b, const void *p, size_t n)
{
    if (fc_buffer_append(b, p, n, NULL) != 0) {
        fprintf(stderr, "fc_bounds: out of memory building an input\n");
        exit(2);
    }
}

static void put_byte(fc_buffer *b, uint8_t c)
{
    put(b, &c, 1);
}

static void put_varint(fc_buffer *b, uint64_t v)
{
    for (; v >= 0x80; v >>= 7)
        put_byte(b, (uint8_t)(v | 0x80));
    put_byte(b, (uint8_t)v);
}

/* Keys n-1 down to 0, values 0.5: valid, but out of order, so the repeat check hashes. */
static void encode_descending(const char *codec, size_t n, fc_buffer *out)
{
    fc_dataset d = {0};
    if (fc_dataset_reserve(&d, n, NULL) != 0)
        exit(2);
    for (size_t i = 0; i < n; i++)
        fc_dataset_push(&d, n - 1 - i, 0.5, NULL);
    if (fc_codec_find(codec)->encode(&d, out, NULL) != 0)
        exit(2);
    fc_dataset_free(&d);
}

static void raw_descending(size_t size, fc_buffer *b)
{
    encode_descending("raw", size / 16, b);
}

static void tpl_descending(size_t size, fc_buffer *b)
{
    encode_descending("tpl", size / 16, b);
}

/* {"9":0,"8":0,...}: the fewest bytes a record, out of order. */
static void json_short_records(size_t size, fc_buffer *b)
{
    char rec[32];
    size_t n = size / 12;
    put_byte(b, '{');
    for (size_t i = n; i-- > 0;)
        put(b, rec, (size_t)snprintf(rec, sizeof rec, "\"%zu\":0%s", i, i ? "," : "}"));
}

/* {"1":0,"1":0,...}: 6 bytes a record, the least; read whole before the repeat is found. */
static void json_repeated_key(size_t size, fc_buffer *b)
{
    size_t n = size / 6;
    put_byte(b, '{');
    for (size_t i = n; i-- > 0;)
        put(b, i ? "\"1\":0," : "\"1\":0}", 6);
}

/* One number of `size` digits: the reader copies it once for strtod. */
static void json_long_number(size_t size, fc_buffer *b)
{
    put(b, "{\"1\": 0.", 8);
    for (size_t i = 0; i < size; i++)
        put_byte(b, '1');
    put_byte(b, '}');
}

/* A map32 of `00 00` entries: 2 bytes an entry, the least; read whole before the
 * repeated key is found. */
static void msgpack_two_byte_entries(size_t size, fc_buffer *b)
{
    uint32_t n = (uint32_t)(size / 2);
    uint8_t h[5] = {0xdf, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    put(b, h, 5);
    for (uint32_t i = 0; i < n; i++)
        put(b, "\0\0", 2);
}

/* Valid: keys as uint32 (ce), values positive fixint: 6 bytes an entry, descending. */
static void msgpack_valid_small_entries(size_t size, fc_buffer *b)
{
    uint32_t n = (uint32_t)(size / 6);
    uint8_t h[5] = {0xdf, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    put(b, h, 5);
    for (uint32_t i = n; i-- > 0;) {
        uint8_t e[6] = {0xce, (uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8),
                        (uint8_t)i, 0x01};
        put(b, e, 6);
    }
}

/* Issue 10.5's input: count, then 2-byte unknown fields (field 4, varint 0). */
static void protobuf_unknown_fields(size_t size, fc_buffer *b)
{
    put(b, "\x08\x00", 2);
    for (size_t i = 0; i < size / 2; i++)
        put(b, "\x20\x00", 2);
}

/* Keys unpacked, 2 bytes each (tag 0x10, varint 0): a field per key. */
static void protobuf_unpacked_keys(size_t size, fc_buffer *b)
{
    put(b, "\x08\x00", 2);
    for (size_t i = 0; i < size / 2; i++)
        put(b, "\x10\x00", 2);
}

/* Keys packed, 1 byte each: the most key slots per byte. */
static void protobuf_packed_keys(size_t size, fc_buffer *b)
{
    put(b, "\x08\x00\x12", 3);
    put_varint(b, size);
    for (size_t i = 0; i < size; i++)
        put_byte(b, 0);
}

/* Valid: count n, keys packed descending, values packed. */
static void protobuf_valid(size_t size, fc_buffer *b)
{
    encode_descending("protobuf", size / 12, b);
}

/* Flagged ints as keys (descending) and as values: 10 bytes a record, two objects
 * recorded for TYPE_REF, the most records and references per byte. */
static void marshal_flagged_ints(size_t size, fc_buffer *b)
{
    uint32_t n = (uint32_t)(size / 10);
    put_byte(b, 0xfb);
    for (uint32_t i = n; i-- > 0;) {
        uint8_t e[10] = {0xe9, (uint8_t)i, (uint8_t)(i >> 8), (uint8_t)(i >> 16),
                         (uint8_t)(i >> 24 & 0x7f), 0xe9, 1, 0, 0, 0};
        put(b, e, 10);
    }
    put_byte(b, '0');
}

/* Key 1 and a float, then TYPE_REFs to both again and again: read whole before the
 * repeated key is found. */
static void marshal_repeated_refs(size_t size, fc_buffer *b)
{
    put(b, "\xfb\xe9\x01\0\0\0\xe7\0\0\0\0\0\0\xe0\x3f", 15);
    for (size_t i = 0; i < size / 10; i++)
        put(b, "r\1\0\0\0r\2\0\0\0", 10);
    put_byte(b, '0');
}

/* MARK, then key-value pairs with integer values (K 01: 4 to 7 bytes a record, the
 * least), keys descending so the repeat check hashes, SETITEMS, STOP. */
static void pickle_int_records(size_t size, fc_buffer *b, bool repeat)
{
    size_t n = size / 4;
    put(b, "\x80\x04}\x94(", 5);
    for (size_t i = n; i-- > 0;) {
        uint8_t r[4] = {0x4b, (uint8_t)(repeat ? 1 : i), 0x4b, 1};
        if (!repeat && i > 255) { /* BININT2 or BININT keys: 5 or 7 bytes */
            uint8_t w[7] = {0x4a, (uint8_t)i, (uint8_t)(i >> 8), (uint8_t)(i >> 16),
                            (uint8_t)(i >> 24), 0x4b, 1};
            if (i < 65536)
                w[0] = 0x4d, w[3] = 0x4b, w[4] = 1;
            put(b, w, i < 65536 ? 5 : 7);
            continue;
        }
        put(b, r, 4);
    }
    put(b, "u.", 2);
}

static void pickle_descending_ints(size_t size, fc_buffer *b)
{
    pickle_int_records(size, b, false);
}

/* K 01 K 01 repeated: 4 bytes a record, read whole before the repeated key is found. */
static void pickle_repeated_key(size_t size, fc_buffer *b)
{
    pickle_int_records(size, b, true);
}

static void pickle_descending(size_t size, fc_buffer *b)
{
    encode_descending("pickle", size / 16, b);
}

/* A CBOR map (definite, 9-byte count; or indefinite) of `00 00` entries: key 0, integer
 * value 0, 2 bytes an entry, the least; read whole before the repeated key is found. */
static void cbor_two_byte_entries(size_t size, fc_buffer *b, bool indefinite)
{
    uint64_t n = size / 2;
    uint8_t h[9] = {0xbb};
    for (int i = 0; i < 8; i++)
        h[1 + i] = (uint8_t)(n >> (56 - 8 * i));
    put(b, indefinite ? (const uint8_t *)"\xbf" : h, indefinite ? 1 : 9);
    for (uint64_t i = 0; i < n; i++)
        put(b, "\0\0", 2);
    if (indefinite)
        put_byte(b, 0xff);
}

static void cbor_definite_two_byte(size_t size, fc_buffer *b)
{
    cbor_two_byte_entries(size, b, false);
}

static void cbor_indefinite_two_byte(size_t size, fc_buffer *b)
{
    cbor_two_byte_entries(size, b, true);
}

/* Valid: keys descending as 1a + 4 bytes, values the integer 1: 6 bytes an entry. */
static void cbor_valid_small_entries(size_t size, fc_buffer *b)
{
    uint32_t n = (uint32_t)(size / 6);
    put(b, "\xba", 1);
    uint8_t c[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    put(b, c, 4);
    for (uint32_t i = n; i-- > 0;) {
        uint8_t e[6] = {0x1a, (uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8),
                        (uint8_t)i, 0x01};
        put(b, e, 6);
    }
}

/* A BSON document of int32 elements, 7 bytes each (10 "1" 00 and 4 bytes, the least),
 * key "1" again and again: read whole before the repeated key is found. */
static void bson_repeated_int32(size_t size, fc_buffer *b)
{
    size_t n = size / 7;
    uint32_t len = (uint32_t)(5 + 7 * n);
    uint8_t h[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24)};
    put(b, h, 4);
    for (size_t i = 0; i < n; i++)
        put(b, "\x10" "1\0\1\0\0\0", 7);
    put_byte(b, 0);
}

static void bson_descending(size_t size, fc_buffer *b)
{
    encode_descending("bson", size / 18, b);
}

static void xdr_descending(size_t size, fc_buffer *b)
{
    encode_descending("xdr", size / 16, b);
}

/* avro: records of one-byte keys (zigzag 0..63, the smallest record: 9 bytes), each
 * key many times; avro-c reads them all before the repeat is found. */
static void avro_small_keys(size_t size, fc_buffer *b)
{
    fc_dataset d = {0};
    size_t n = size / 9;
    if (fc_dataset_reserve(&d, n, NULL) != 0)
        exit(2);
    for (size_t i = 0; i < n; i++)
        fc_dataset_push(&d, i % 64, 0.5, NULL);
    if (fc_codec_find("avro")->encode(&d, b, NULL) != 0)
        exit(2);
    fc_dataset_free(&d);
}

/* avro: an Avro long (zigzag varint) appended to b. */
static void avro_long(fc_buffer *b, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    for (; z >= 0x80; z >>= 7)
        fc_buffer_append(b, &(uint8_t){(uint8_t)(z | 0x80)}, 1, NULL);
    fc_buffer_append(b, &(uint8_t){(uint8_t)z}, 1, NULL);
}

/* avro: a writer's schema of int keys and float values, which resolves to ours: records
 * of 5 bytes (key 0..63 repeated, 0.0f), each read and promoted by avro-c's resolver. */
static void avro_float_records(size_t size, fc_buffer *b)
{
    static const char schema[] =
        "{\"type\":\"record\",\"name\":\"Results\",\"namespace\":\"forkcollect\",\"fields\":"
        "[{\"name\":\"records\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\","
        "\"name\":\"Record\",\"fields\":[{\"name\":\"key\",\"type\":\"int\"},"
        "{\"name\":\"value\",\"type\":\"float\"}]}}}]}";
    static const uint8_t sync[16] = {0};
    size_t n = size / 5;
    fc_buffer count = {0};
    avro_long(&count, (int64_t)n);
    fc_buffer_append(b, "Obj\1", 4, NULL);
    avro_long(b, 1);
    avro_long(b, 11);
    fc_buffer_append(b, "avro.schema", 11, NULL);
    avro_long(b, (int64_t)sizeof schema - 1);
    fc_buffer_append(b, schema, sizeof schema - 1, NULL);
    avro_long(b, 0);
    fc_buffer_append(b, sync, 16, NULL);
    avro_long(b, 1);
    avro_long(b, (int64_t)(count.len + 5 * n + 1));
    fc_buffer_append(b, count.data, count.len, NULL);
    fc_buffer_reserve(b, 5 * n + 17, NULL);
    for (size_t i = 0; i < n; i++) {
        b->data[b->len] = (uint8_t)(i % 64 * 2);
        memset(b->data + b->len + 1, 0, 4);
        b->len += 5;
    }
    avro_long(b, 0);
    fc_buffer_append(b, sync, 16, NULL);
    fc_buffer_free(&count);
}

static void avro_descending(size_t size, fc_buffer *b)
{
    encode_descending("avro", size / 12, b);
}

static void flatbuffers_descending(size_t size, fc_buffer *b)
{
    encode_descending("flatbuffers", size / 16, b);
}

static void put_le(fc_buffer *b, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        put_byte(b, (uint8_t)(v >> 8 * i));
}

/* A valid Results buffer whose keys and values are one shared vector (FlatBuffers
 * allows it): 8 bytes a record in the file, 16 in the dataset. Keys descending. */
static void flatbuffers_shared_vector(size_t size, fc_buffer *b)
{
    size_t n = size / 8;
    static const uint8_t head[] = {
        20, 0, 0, 0, 'F', 'C', 'R', '1',     /* root table at 20, the identifier */
        10, 0, 20, 0, 4, 0, 12, 0, 16, 0, 0, 0, /* vtable: count, keys, values; padding */
        12, 0, 0, 0};                        /* the table: its vtable 12 bytes before */
    put(b, head, sizeof head);
    put_le(b, n, 8);                         /* count, at 24 */
    put_le(b, 44 - 32, 4);                   /* keys at 32 -> the vector at 44 */
    put_le(b, 44 - 36, 4);                   /* values at 36 -> the same vector */
    put_le(b, 0, 4);                         /* padding: the elements 8-aligned */
    put_le(b, n, 4);                         /* the vector's length, at 44 */
    for (size_t i = n; i-- > 0;)
        put_le(b, i, 8);
}

static const struct shape {
    const char *codec, *name;
    void (*make)(size_t size, fc_buffer *b);
} shapes[] = {
    {"raw", "valid, keys descending", raw_descending},
    {"json", "{\"9\":0,\"8\":0,...}, keys descending", json_short_records},
    {"json", "{\"1\":0,\"1\":0,...}: 6 bytes a record", json_repeated_key},
    {"json", "one number of MIB digits", json_long_number},
    {"msgpack", "map32 of 2-byte entries 00 00", msgpack_two_byte_entries},
    {"msgpack", "valid, uint32 keys descending, fixint values", msgpack_valid_small_entries},
    {"protobuf", "08 00 then 20 00 (unknown field 4) repeated", protobuf_unknown_fields},
    {"protobuf", "08 00 then 10 00 (one unpacked key) repeated", protobuf_unpacked_keys},
    {"protobuf", "08 00 12 LEN then 00 (packed keys of 1 byte)", protobuf_packed_keys},
    {"protobuf", "valid, keys descending", protobuf_valid},
    {"tpl", "valid, keys descending", tpl_descending},
    {"marshal", "e9 KEY e9 01: flagged ints, keys descending", marshal_flagged_ints},
    {"marshal", "key 1, then r 1 r 2 (references) repeated", marshal_repeated_refs},
    {"pickle", "valid, keys descending", pickle_descending},
    {"pickle", "K k K 1 pairs (integer values), keys descending", pickle_descending_ints},
    {"pickle", "K 01 K 01 repeated: 4 bytes a record", pickle_repeated_key},
    {"cbor", "map of 2-byte entries 00 00 (count in 9 bytes)", cbor_definite_two_byte},
    {"cbor", "indefinite map of 2-byte entries 00 00", cbor_indefinite_two_byte},
    {"cbor", "valid, uint32 keys descending, integer values", cbor_valid_small_entries},
    {"bson", "int32 elements, key \"1\" repeated: 7 bytes each", bson_repeated_int32},
    {"bson", "valid, keys descending", bson_descending},
    {"flatbuffers", "valid, keys descending", flatbuffers_descending},
    {"flatbuffers", "keys and values one shared vector, descending", flatbuffers_shared_vector},
#define JSON_LIBRARY_SHAPES(lib)                                                       \
    {lib, "{\"9\":0,\"8\":0,...}, keys descending", json_short_records},                 \
        {lib, "{\"1\":0,\"1\":0,...}: 6 bytes a record", json_repeated_key},             \
        {lib, "one number of MIB digits", json_long_number}
    JSON_LIBRARY_SHAPES("cjson"),
    JSON_LIBRARY_SHAPES("jansson"),
    JSON_LIBRARY_SHAPES("jsonc"),
    {"xdr", "valid, keys descending", xdr_descending},
    {"avro", "valid, keys descending", avro_descending},
    {"avro", "9-byte records, keys 0..63 repeated", avro_small_keys},
    {"avro", "int key, float value (resolved): 5-byte records", avro_float_records},
};

static int wanted(const char *codec, int argc, char **argv)
{
    if (argc < 3)
        return 1;
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], codec) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 16;
    if (mib == 0 || mib > 1024) {
        fprintf(stderr, "usage: fc_bounds [MIB (1..1024)] [CODEC...]\n");
        return 2;
    }
    int failed = 0;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const struct shape *s = &shapes[i];
        if (!wanted(s->codec, argc, argv))
            continue;
        if (!fc_codec_find(s->codec)) { /* protobuf and tpl are optional in the build */
            printf("%-8s (not built)\n", s->codec);
            continue;
        }
        fc_buffer in = {0};
        fc_dataset out = {0};
        fc_error err = {0};
        s->make(mib << 20, &in);
        size_t base = live;
        peak = live;
        int rc = fc_codec_find(s->codec)->decode(in.data, in.len, &out, &err);
        size_t used = peak - base, factor = fc_bound_factor(s->codec);
        fc_dataset_free(&out);
        int over = used > factor * in.len + FC_BOUND_CONST;
        failed |= over;
        printf("%-8s %-48s %9zu bytes: peak %10zu = %5.2f x (bound %2zu x) %s%s%s\n", s->codec,
               s->name, in.len, used, (double)used / (double)in.len, factor,
               over ? "OVER" : "ok", rc ? ", refused: " : "", rc ? err.msg : "");
        fc_buffer_free(&in);
    }
    return failed;
}
