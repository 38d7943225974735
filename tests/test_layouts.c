/* test_layouts.c - each format's own layout (its exact bytes) and its own ways of
 * failing, and the CRC-32C that raw carries. The registry-wide checks of every format
 * are test_codecs.c. */
#include "testutil.h"

#include <stdlib.h>
#ifdef FC_HAVE_TPL /* each format's own tests run when it is built */
#include <tpl.h>
#endif

static fc_buffer encode_with(const char *name, const fc_dataset *d)
{
    fc_buffer b = {0};
    fc_error e = {0};
    ck_assert_msg(fc_codec_find(name)->encode(d, &b, &e) == 0, "%s", e.msg);
    return b;
}

static void assert_bytes(const fc_buffer *b, const uint8_t *want, size_t n)
{
    ck_assert_uint_eq(b->len, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(b->data[i] == want[i], "byte %zu: %02x, want %02x", i, b->data[i], want[i]);
}

static int decode_with(const char *name, const uint8_t *data, size_t len, fc_dataset *out,
                       fc_error *e)
{
    out->count = 0;
    return fc_codec_find(name)->decode(data, len, out, e);
}

static void assert_rejected(const char *name, const uint8_t *data, size_t len, const char *msg)
{
    fc_dataset d = {0};
    fc_error e = {0};
    ck_assert_int_eq(decode_with(name, data, len, &d, &e), FC_ECORRUPT);
    ck_assert_msg(strstr(e.msg, msg) != NULL, "%s: got \"%s\", want \"%s\"", name, e.msg, msg);
    fc_dataset_free(&d);
}

static void assert_rejected_exactly(const char *name, const uint8_t *data, size_t len,
                                    const char *msg)
{
    fc_dataset d = {0};
    fc_error e = {0};
    ck_assert_int_eq(decode_with(name, data, len, &d, &e), FC_ECORRUPT);
    ck_assert_int_eq(e.code, FC_ECORRUPT);
    ck_assert_msg(strcmp(e.msg, msg) == 0, "%s:\n got: %s\nwant: %s", name, e.msg, msg);
    fc_dataset_free(&d);
}

static fc_dataset two_records(void)
{
    fc_dataset d = {0};
    fc_dataset_push(&d, 1, 0.5, NULL);
    fc_dataset_push(&d, 300, -0.0, NULL);
    return d;
}

/* ==== raw ==== */

START_TEST(crc32c_known_answer)
{
    ck_assert_uint_eq(fc_crc32c(0, "123456789", 9), 0xe3069283u);
    ck_assert_uint_eq(fc_crc32c(fc_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
    ck_assert_uint_eq(fc_crc32c(0, "", 0), 0);
}
END_TEST

/* CRC-32C one bit at a time: slow, and plainly the definition. */
static uint32_t crc32c_bitwise(const uint8_t *p, size_t len)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    }
    return ~c;
}

/* Lengths around the boundaries of the fast paths (8-byte words, 64- and 256-byte
 * blocks, larger strides), at every alignment. Run twice by ctest: with ISA-L, and with
 * FC_NO_ISAL=1 for the table. */
START_TEST(crc32c_matches_the_definition)
{
    size_t max = 3 * 3 * 4096 + 64;
    uint8_t *buf = malloc(max + 8);
    for (size_t i = 0; i < max + 8; i++)
        buf[i] = (uint8_t)(i * 2654435761u >> 13);
    const size_t lengths[] = {0,    1,    7,     8,     9,     15,    16,    17,   31,
                              32,   63,   64,    65,    127,   128,   129,   255,  256,
                              257,  511,  512,   1023,  1024,  4095,  4096,  4097, 12287,
                              12288, 12289, 24576, 24577, 3 * 3 * 4096, max};
    for (size_t a = 0; a < 8; a++)
        for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
            size_t n = lengths[k];
            ck_assert_msg(fc_crc32c(0, buf + a, n) == crc32c_bitwise(buf + a, n),
                          "length %zu at offset %zu", n, a);
        }
    /* Continuing a CRC equals computing it in one go. */
    ck_assert_uint_eq(fc_crc32c(fc_crc32c(0, buf, 5000), buf + 5000, 20000),
                      crc32c_bitwise(buf, 25000));
    free(buf);
}
END_TEST

START_TEST(raw_layout)
{
    fc_dataset d = two_records();
    fc_buffer b = encode_with("raw", &d);
    uint8_t want[24 + 32] = {'F', 'C', 'R', 'W', 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0};
    uint8_t *p = want + 24;
    p[0] = 1, p[14] = 0xe0, p[15] = 0x3f;            /* 1: 0.5 */
    p[16] = 0x2c, p[17] = 0x01, p[31] = 0x80;        /* 300: -0.0 */
    uint32_t crc = fc_crc32c(0, want + 24, 32);
    for (int i = 0; i < 4; i++)
        want[16 + i] = (uint8_t)(crc >> (8 * i));
    assert_bytes(&b, want, sizeof want);

    want[0] = 'X';
    assert_rejected("raw", want, sizeof want, "offset 0: magic is not \"FCRW\"");
    want[0] = 'F', want[4] = 2;
    assert_rejected("raw", want, sizeof want, "offset 4: version 2, expected 1");
    want[4] = 1, want[8] = 3;
    assert_rejected("raw", want, sizeof want,
                    "offset 8: header declares 3 records (48 bytes), the file has 32 bytes");
    want[8] = 2, want[40] ^= 1;
    assert_rejected("raw", want, sizeof want, "offset 16: payload CRC-32C is");
    fc_buffer_free(&b);
    fc_dataset_free(&d);
}
END_TEST

/* Issue 10.21: a count whose size overflows 64 bits was shown as "(0 bytes)". */
START_TEST(raw_count_larger_than_any_file)
{
    uint8_t h[24] = {'F', 'C', 'R', 'W', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
    assert_rejected_exactly("raw", h, sizeof h,
                            "offset 8: header declares 1152921504606846976 records, more than "
                            "any file can hold (at 16 bytes a record, past the largest file "
                            "size, 2^63-1 bytes); the file has 0 bytes after the header");
    h[15] = 0x08; /* 2^59 records: 2^63 bytes, no overflow, but still no file holds them */
    assert_rejected("raw", h, sizeof h, "more than any file can hold");
}
END_TEST

/* Issue 11.2: a key twice is not a result; both offsets are named. */
START_TEST(raw_repeated_key)
{
    fc_dataset d = {0};
    fc_dataset_push(&d, 1, 0.5, NULL);
    fc_dataset_push(&d, 2, 0.6, NULL);
    fc_dataset_push(&d, 1, 0.7, NULL);
    fc_buffer b = encode_with("raw", &d);
    assert_rejected_exactly("raw", b.data, b.len,
                            "offset 56: key 1 again (first at offset 24); a result file holds "
                            "each key once");
    fc_buffer_free(&b);
    fc_dataset_free(&d);
}
END_TEST

/* ==== msgpack ==== */

START_TEST(msgpack_bytes_are_what_python_writes)
{
    /* msgpack.packb({1: 0.5, 300: -0.0}) in Python. */
    static const uint8_t want[] = {0x82, 0x01, 0xcb, 0x3f, 0xe0, 0, 0, 0, 0, 0, 0,
                                   0xcd, 0x01, 0x2c, 0xcb, 0x80, 0, 0, 0, 0, 0, 0, 0};
    fc_dataset d = two_records();
    fc_buffer b = encode_with("msgpack", &d);
    assert_bytes(&b, want, sizeof want);
    fc_buffer_free(&b);
    fc_dataset_free(&d);
}
END_TEST

START_TEST(msgpack_reads_other_encoders_numbers)
{
    /* {1: 514 (uint16), 2: 0.5 (float32), 3: -2 (negative fixint)} */
    static const uint8_t in[] = {0x83, 0x01, 0xcd, 0x02, 0x02, 0x02, 0xca, 0x3f, 0, 0, 0,
                                 0x03, 0xfe};
    fc_dataset d = {0};
    fc_error e = {0};
    ck_assert_msg(decode_with("msgpack", in, sizeof in, &d, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(d.count, 3);
    ck_assert_uint_eq(bits(d.values[0]), bits(514.0));
    ck_assert_uint_eq(bits(d.values[1]), bits(0.5));
    ck_assert_uint_eq(bits(d.values[2]), bits(-2.0));
    fc_dataset_free(&d);
}
END_TEST

START_TEST(msgpack_huge_declared_counts_are_refused_before_allocating)
{
    /* 5 bytes declaring a map of 4,294,967,295 entries: msgpack-c alone would try to
     * allocate 4294967295 * sizeof(msgpack_object_kv) before noticing the end. */
    static const uint8_t map32[] = {0xdf, 0xff, 0xff, 0xff, 0xff};
    assert_rejected_exactly("msgpack", map32, sizeof map32,
                            "offset 0: the map declares 4294967295 entries, but only 0 bytes "
                            "follow (an entry takes at least 2)");
    /* The same, nested as a value: refused as nested before its count matters. */
    static const uint8_t nested[] = {0x81, 0x01, 0xdd, 0xff, 0xff, 0xff, 0xff};
    assert_rejected("msgpack", nested, sizeof nested,
                    "offset 2: map entry 0: the value is an array nested in the map");
    static const uint8_t str32[] = {0x81, 0x01, 0xdb, 0x7f, 0xff, 0xff, 0xff};
    assert_rejected_exactly("msgpack", str32, sizeof str32,
                            "offset 2: map entry 0: the value is a str, expected a float");
}
END_TEST

START_TEST(msgpack_wrong_shapes)
{
    static const uint8_t array[] = {0x91, 0x01};
    assert_rejected_exactly("msgpack", array, sizeof array,
                            "offset 0: expected a map, found an array (type byte 0x91)");
    static const uint8_t trailing[] = {0x80, 0x00};
    assert_rejected_exactly("msgpack", trailing, sizeof trailing,
                            "offset 1: 1 bytes after the map, which should end the file");
    static const uint8_t neg_key[] = {0x81, 0xff, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_rejected_exactly("msgpack", neg_key, sizeof neg_key,
                            "offset 1: map entry 0: the key is a negative integer, expected an "
                            "integer 0..2^64-1");
    static const uint8_t c1[] = {0x81, 0x01, 0xc1};
    assert_rejected_exactly("msgpack", c1, sizeof c1,
                            "offset 2: map entry 0: the value is a never-used byte 0xc1, "
                            "expected a float");
    static const uint8_t short_map[] = {0x82, 0x01, 0x02, 0x03};
    assert_rejected_exactly("msgpack", short_map, sizeof short_map,
                            "offset 0: the map declares 2 entries, but only 3 bytes follow (an "
                            "entry takes at least 2)");
    static const uint8_t cut[] = {0x82, 0x01, 0x02, 0x03, 0xcb, 0x3f};
    assert_rejected_exactly("msgpack", cut, sizeof cut,
                            "offset 4: the file ends inside map entry 1's value (a float64 of 9 "
                            "bytes)");
    static const uint8_t none[] = {0};
    assert_rejected_exactly("msgpack", none, 0, "offset 0: empty file, expected a map");
}
END_TEST

/* Issue 11.7: msgpack's type names, not msgpack-c's enum numbers ("type 5"). */
START_TEST(msgpack_names_types)
{
    static const struct {
        uint8_t bytes[4];
        const char *name;
    } cases[] = {{{0xa1, 'x'}, "a str"}, {{0xc4, 1, 0}, "a bin"}, {{0xc0}, "a nil"},
                 {{0xc3}, "a boolean"}, {{0xd4, 1, 0}, "an ext"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t in[8] = {0x81, 0x01};
        memcpy(in + 2, cases[i].bytes, 4);
        char want[128];
        snprintf(want, sizeof want, "offset 2: map entry 0: the value is %s, expected a float",
                 cases[i].name);
        assert_rejected_exactly("msgpack", in, 6, want);
    }
    static const uint8_t str_key[] = {0x81, 0xa1, 'x', 0x01};
    assert_rejected_exactly("msgpack", str_key, sizeof str_key,
                            "offset 1: map entry 0: the key is a str, expected an integer "
                            "0..2^64-1");
    static const uint8_t float_key[] = {0x81, 0xca, 0x3f, 0x80, 0, 0, 0x01};
    assert_rejected_exactly("msgpack", float_key, sizeof float_key,
                            "offset 1: map entry 0: the key is a float32, expected an integer "
                            "0..2^64-1");
}
END_TEST

/* Issue 10.17: 32 levels of nesting, 35 bytes, was "out of memory" (msgpack-c's stack). */
START_TEST(msgpack_nesting_is_named)
{
    uint8_t deep[35] = {0x81, 0x01};
    memset(deep + 2, 0x91, 32);
    deep[34] = 0x01;
    assert_rejected_exactly("msgpack", deep, sizeof deep,
                            "offset 2: map entry 0: the value is an array nested in the map, "
                            "nested too deep: a result file is one flat map of integer keys to "
                            "float values");
    uint8_t maps[35];
    for (int i = 0; i < 17; i++)
        maps[2 * i] = 0x81, maps[2 * i + 1] = 0x01;
    maps[34] = 0x01;
    assert_rejected("msgpack", maps, sizeof maps,
                    "offset 2: map entry 0: the value is a map nested in the map");
}
END_TEST

/* Issue 11.3: one rule with JSON's: an integer value needs an exact double. */
START_TEST(msgpack_integers_need_an_exact_double)
{
    static const uint8_t big[] = {0x81, 0x01, 0xcf, 0x00, 0x20, 0, 0, 0, 0, 0, 1};
    assert_rejected_exactly("msgpack", big, sizeof big,
                            "integer 9007199254740993 at offset 2 has no exact double (the "
                            "nearest is 9007199254740992.0; write that if it is meant)");
    static const uint8_t neg[] = {0x81, 0x01, 0xd3, 0xff, 0xdf, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff};
    assert_rejected_exactly("msgpack", neg, sizeof neg,
                            "integer -9007199254740993 at offset 2 has no exact double (the "
                            "nearest is -9007199254740992.0; write that if it is meant)");
    static const uint8_t max[] = {0x81, 0x01, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff};
    assert_rejected("msgpack", max, sizeof max, "integer 18446744073709551615 at offset 2");
    static const uint8_t exact[] = {0x81, 0x01, 0xcf, 0x00, 0x20, 0, 0, 0, 0, 0, 2};
    fc_dataset d = {0};
    ck_assert_int_eq(decode_with("msgpack", exact, sizeof exact, &d, NULL), 0);
    ck_assert_uint_eq(bits(d.values[0]), bits(9007199254740994.0));
    fc_dataset_free(&d);
}
END_TEST

/* Issue 11.2: a map with a repeated key, as Python's msgpack.packb never writes but a
 * hand-made map or another encoder may. */
START_TEST(msgpack_repeated_key)
{
    static const uint8_t in[] = {0x83, 0x05, 0x01, 0xcd, 0x01, 0x2c, 0x02, 0xcc, 0x05, 0x03};
    assert_rejected_exactly("msgpack", in, sizeof in,
                            "offset 7 (map entry 2): key 5 again (first at offset 1, map entry "
                            "0); a result file holds each key once");
}
END_TEST

/* ==== protobuf ==== */
#ifdef FC_HAVE_PROTOBUF

START_TEST(protobuf_bytes)
{
    /* count=2; keys=[1, 300] packed; values=[0.5, -0.0] packed (little-endian). */
    static const uint8_t want[] = {0x08, 0x02, 0x12, 0x03, 0x01, 0xac, 0x02, 0x1a, 0x10,
                                   0, 0, 0, 0, 0, 0, 0xe0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x80};
    fc_dataset d = two_records();
    fc_buffer b = encode_with("protobuf", &d);
    assert_bytes(&b, want, sizeof want);
    /* Unpacked repeated fields are valid protobuf for the same message. */
    static const uint8_t unpacked[] = {0x08, 0x02, 0x10, 0x01, 0x10, 0xac, 0x02,
                                       0x19, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f,
                                       0x19, 0, 0, 0, 0, 0, 0, 0, 0x80};
    fc_dataset back = {0};
    fc_error e = {0};
    ck_assert_msg(decode_with("protobuf", unpacked, sizeof unpacked, &back, &e) == 0, "%s", e.msg);
    ck_assert_int_lt(fc_dataset_first_difference(&d, &back), 0);
    fc_buffer_free(&b);
    fc_dataset_free(&d);
    fc_dataset_free(&back);
}
END_TEST

START_TEST(protobuf_wrong_shapes)
{
    /* Issue 11.7: a file without count was "not written with forkcollect's results.proto". */
    static const uint8_t no_count[] = {0x12, 0x01, 0x01, 0x1a, 0x08, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f};
    assert_rejected_exactly("protobuf", no_count, sizeof no_count,
                            "offset 13, the end: the message has no count (field 1): every "
                            "writer of results.proto "
                            "must set it (to 0 for no records), as it is how a reader tells a "
                            "file cut short on a field boundary from a whole one. This file is "
                            "truncated, or its writer left count unset: set count to the "
                            "number of records (here 1 keys and 1 values)");
    static const uint8_t short_values[] = {0x08, 0x02, 0x12, 0x02, 0x01, 0x02,
                                           0x1a, 0x08, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f};
    assert_rejected_exactly("protobuf", short_values, sizeof short_values,
                            "offset 0: count says 2 records, the message has 2 keys and 1 "
                            "values");
    static const uint8_t garbage[] = {0xff, 0xff, 0xff};
    assert_rejected_exactly("protobuf", garbage, sizeof garbage,
                            "offset 0: not a field tag (a protobuf field starts with a varint "
                            "of its number, 1..2^29-1, and type)");
    static const uint8_t group[] = {0x08, 0x00, 0x23, 0x24};
    assert_rejected("protobuf", group, sizeof group,
                    "offset 2: field 4 has wire type 3, which is a group or no type at all");
    static const uint8_t count_as_bytes[] = {0x0a, 0x00};
    assert_rejected_exactly("protobuf", count_as_bytes, sizeof count_as_bytes,
                            "offset 0: field 1 (count) has wire type 2, which results.proto "
                            "does not give it");
    static const uint8_t long_len[] = {0x08, 0x00, 0x12, 0x05, 0x01};
    assert_rejected_exactly("protobuf", long_len, sizeof long_len,
                            "offset 2: field 2: its length runs past the end of the file");
    static const uint8_t cut_key[] = {0x08, 0x01, 0x12, 0x01, 0x81, 0x1a, 0x08,
                                      0, 0, 0, 0, 0, 0, 0, 0};
    assert_rejected_exactly("protobuf", cut_key, sizeof cut_key,
                            "offset 4: the packed keys end inside a varint");
    static const uint8_t long_key[] = {0x08, 0x01, 0x12, 0x0b, 0x80, 0x80, 0x80, 0x80, 0x80,
                                       0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    assert_rejected_exactly("protobuf", long_key, sizeof long_key,
                            "offset 4: a packed key's varint runs past 10 bytes");
    static const uint8_t odd_values[] = {0x08, 0x00, 0x1a, 0x03, 0, 0, 0};
    assert_rejected_exactly("protobuf", odd_values, sizeof odd_values,
                            "offset 2: the packed values take 3 bytes, not a multiple of 8");
}
END_TEST

/* Unknown fields are skipped, as protobuf readers do; repeated fields may come in
 * pieces, packed or not, in any order. (Issue 10.5: such a file, of 2-byte unknown
 * fields, made protobuf-c allocate 56 x its size: fuzz/bounds.c measures it.) */
START_TEST(protobuf_unknown_fields_and_pieces)
{
    static const uint8_t in[] = {0x20, 0x07,                   /* field 4 = 7 */
                                 0x1a, 0x08, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f, /* values [0.5] */
                                 0x12, 0x01, 0x01,             /* keys [1] */
                                 0x2a, 0x02, 'h', 'i',         /* field 5 = "hi" */
                                 0x10, 0xac, 0x02,             /* keys += 300, unpacked */
                                 0x08, 0x09, 0x08, 0x02,       /* count 9, then 2: the last */
                                 0x19, 0, 0, 0, 0, 0, 0, 0, 0x80}; /* values += -0.0 */
    fc_dataset d = {0}, want = two_records();
    fc_error e = {0};
    ck_assert_msg(decode_with("protobuf", in, sizeof in, &d, &e) == 0, "%s", e.msg);
    ck_assert_int_lt(fc_dataset_first_difference(&d, &want), 0);
    fc_dataset_free(&d);
    fc_dataset_free(&want);
}
END_TEST

/* Issue 11.2: a key twice, named with the offsets of both varints. */
START_TEST(protobuf_repeated_key)
{
    static const uint8_t in[] = {0x08, 0x03, 0x12, 0x04, 0x05, 0xac, 0x02, 0x05, 0x1a, 0x18,
                                 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                 0, 0, 0, 0, 0, 0, 0, 0};
    assert_rejected_exactly("protobuf", in, sizeof in,
                            "offset 7 (keys[2]): key 5 again (first at offset 4, keys[0]); a "
                            "result file holds each key once");
}
END_TEST

#endif

/* ==== tpl ==== */
#ifdef FC_HAVE_TPL

START_TEST(tpl_layout)
{
    fc_dataset d = two_records();
    fc_buffer b = encode_with("tpl", &d);
    /* "tpl", flags, total length, "A(Uf)\0", array length, then (key, value) pairs. */
    ck_assert_uint_eq(b.len, 4 + 4 + 6 + 4 + 2 * 16);
    ck_assert_int_eq(memcmp(b.data, "tpl", 3), 0);
    ck_assert_uint_eq(b.data[4], b.len);
    ck_assert_int_eq(memcmp(b.data + 8, "A(Uf)", 6), 0);
    ck_assert_uint_eq(b.data[14], 2);
    /* Another tpl format is refused, by its offset, and nothing printed. */
    memcpy(b.data + 8, "A(If)", 5);
    assert_rejected_exactly("tpl", b.data, b.len,
                            "offset 8: the tpl format is \"A(If)\", expected \"A(Uf)\" (an "
                            "array of uint64 key, double value)");
    memcpy(b.data + 8, "A(Uf)", 5);
    /* Every error names its offset (tpl_load's own say only "not a valid tpl file"). */
    uint8_t longer[64];
    memcpy(longer, b.data, b.len);
    longer[b.len] = 0;
    assert_rejected_exactly("tpl", longer, b.len + 1,
                            "offset 4: the image says it is 50 bytes, the file has 51");
    longer[4] = 51;
    assert_rejected_exactly("tpl", longer, b.len + 1,
                            "offset 14: the array declares 2 records (32 bytes), the image has "
                            "33 bytes after its header");
    assert_rejected_exactly("tpl", b.data, 17,
                            "offset 17: the file ends inside the 18-byte header of a tpl image");
    b.data[14] = 0, b.data[17] = 0x10; /* 2^28 records */
    assert_rejected("tpl", b.data, b.len, "offset 14: the array declares 268435456 records");
    fc_buffer_free(&b);
    fc_dataset_free(&d);
}
END_TEST

/* Issue 11.2: a key twice, with both records' offsets. */
START_TEST(tpl_repeated_key)
{
    fc_dataset d = {0};
    fc_dataset_push(&d, 9, 0.5, NULL);
    fc_dataset_push(&d, 4, 0.6, NULL);
    fc_dataset_push(&d, 9, 0.7, NULL);
    fc_buffer b = encode_with("tpl", &d);
    assert_rejected_exactly("tpl", b.data, b.len,
                            "offset 50 (record 2): key 9 again (first at offset 18, record 0); "
                            "a result file holds each key once");
    /* The offsets are where the keys are. */
    ck_assert_uint_eq(b.data[18], 9);
    ck_assert_uint_eq(b.data[50], 9);
    fc_buffer_free(&b);
    fc_dataset_free(&d);
}
END_TEST

extern tpl_hook_t tpl_hook;

/* A program using tpl itself keeps its hooks: the codec puts them back. (It once left
 * its own installed, and a caller's free() of tpl_dump's buffer then crashed.) */
START_TEST(tpl_leaves_the_callers_hooks_alone)
{
    tpl_hook_t before = tpl_hook;
    fc_dataset d = two_records(), back = {0};
    fc_buffer b = encode_with("tpl", &d);
    ck_assert_int_eq(memcmp(&before, &tpl_hook, sizeof before), 0);
    ck_assert_int_eq(decode_with("tpl", b.data, b.len, &back, NULL), 0);
    ck_assert_int_eq(memcmp(&before, &tpl_hook, sizeof before), 0);
    ck_assert_int_eq(decode_with("tpl", (const uint8_t *)"tpl?", 4, &back, NULL), FC_ECORRUPT);
    ck_assert_int_eq(memcmp(&before, &tpl_hook, sizeof before), 0);
    /* And what tpl allocates for the caller is the caller's malloc's. */
    uint64_t k = 1;
    double v = 0.5;
    void *out = NULL;
    size_t len = 0;
    tpl_node *tn = tpl_map((char *)"A(Uf)", &k, &v);
    tpl_pack(tn, 1);
    ck_assert_int_eq(tpl_dump(tn, TPL_MEM, &out, &len), 0);
    free(out);
    tpl_free(tn);
    fc_buffer_free(&b);
    fc_dataset_free(&d);
    fc_dataset_free(&back);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("layouts");
    TCase *tc = tcase_create("layouts");
    tcase_add_test(tc, crc32c_known_answer);
    tcase_add_test(tc, crc32c_matches_the_definition);
    tcase_add_test(tc, raw_layout);
    tcase_add_test(tc, raw_count_larger_than_any_file);
    tcase_add_test(tc, raw_repeated_key);
    tcase_add_test(tc, msgpack_bytes_are_what_python_writes);
    tcase_add_test(tc, msgpack_reads_other_encoders_numbers);
    tcase_add_test(tc, msgpack_huge_declared_counts_are_refused_before_allocating);
    tcase_add_test(tc, msgpack_wrong_shapes);
    tcase_add_test(tc, msgpack_names_types);
    tcase_add_test(tc, msgpack_nesting_is_named);
    tcase_add_test(tc, msgpack_integers_need_an_exact_double);
    tcase_add_test(tc, msgpack_repeated_key);
#ifdef FC_HAVE_PROTOBUF
    tcase_add_test(tc, protobuf_bytes);
    tcase_add_test(tc, protobuf_wrong_shapes);
    tcase_add_test(tc, protobuf_unknown_fields_and_pieces);
    tcase_add_test(tc, protobuf_repeated_key);
#endif
#ifdef FC_HAVE_TPL
    tcase_add_test(tc, tpl_layout);
    tcase_add_test(tc, tpl_repeated_key);
    tcase_add_test(tc, tpl_leaves_the_callers_hooks_alone);
#endif
    suite_add_tcase(s, tc);
    return run_suite(s);
}
