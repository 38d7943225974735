/* test_cborbson.c - cbor's and bson's own bytes, probes and refusals, without Python
 * (tests/cli_cbor.sh and cli_bson.sh check the same against Python's cbor2 and bson where
 * those are installed). Each format's tests run when it is built. */
#include "testutil.h"

#include <math.h>

static fc_buffer encode_with(const char *name, const fc_dataset *d)
{
    fc_buffer b = {0};
    fc_error e = {0};
    ck_assert_msg(fc_codec_find(name)->encode(d, &b, &e) == 0, "%s", e.msg);
    return b;
}

/* The bytes of the one-record dataset {key: value} as hex. */
static void assert_hex(const char *name, const fc_dataset *d, const char *hex)
{
    fc_buffer b = encode_with(name, d);
    char got[512] = "";
    for (size_t i = 0; i < b.len && 2 * i + 2 < sizeof got; i++)
        snprintf(got + 2 * i, 3, "%02x", b.data[i]);
    ck_assert_msg(strcmp(got, hex) == 0, "%s: %s, want %s", name, got, hex);
    fc_buffer_free(&b);
}

static void assert_refused(const char *name, const char *bytes, size_t len, const char *msg)
{
    fc_dataset d = {0};
    fc_error e = {0};
    ck_assert_int_eq(fc_codec_find(name)->decode((const uint8_t *)bytes, len, &d, &e),
                     FC_ECORRUPT);
    ck_assert_msg(strcmp(e.msg, msg) == 0, "%s:\n got: %s\nwant: %s", name, e.msg, msg);
    fc_dataset_free(&d);
}

static unsigned bid(const char *name, const char *bytes, size_t len)
{
    return fc_codec_find(name)->probe((const uint8_t *)bytes, len);
}

#ifdef FC_HAVE_CBOR
/* The documented example, and the shortest float of each width's edges (RFC 8949's
 * preferred serialization; cbor2's pure-Python canonical encoder writes the same). */
START_TEST(cbor_shortest_heads_and_floats)
{
    fc_dataset d = {0};
    fc_dataset_push(&d, 1, 0.5, NULL);
    fc_dataset_push(&d, 300, -0.0, NULL);
    fc_dataset_push(&d, 301, 514.1370278623858, NULL);
    assert_hex("cbor", &d, "a301f9380019012cf9800019012dfb40801118a2105cb4");
    static const struct {
        uint64_t key, bits;
        const char *hex;
    } cases[] = {
        {23, 0x3ff8000000000000u, "a117f93e00"},          /* 1.5: half */
        {24, 0x3e88000000000000u, "a11818f90003"},        /* 3 x 2^-24: subnormal half */
        {255, 0x40e0000000000000u, "a118fff97800"},       /* 32768: half (cbor2's C: single) */
        {256, 0x40effc0000000000u, "a1190100f97bff"},     /* 65504, the largest half */
        {65535, 0x40f0000000000000u, "a119fffffa47800000"}, /* 65536: single */
        {65536, 0x3e70000000000000u, "a11a00010000f90001"}, /* 2^-24, the least half */
        {1, 0x3e60000000000000u, "a101fa33000000"},       /* 2^-25: single, no half */
        {1, 0x3fb999999999999au, "a101fb3fb999999999999a"}, /* 0.1: double */
        {1, 0x0000000000000001u, "a101fb0000000000000001"}, /* 5e-324 */
        {1, 0x7ff0000000000000u, "a101f97c00"},           /* inf */
        {1, 0xfff0000000000000u, "a101f9fc00"},           /* -inf */
        {1, 0xfff8000000000123u, "a101f97e00"},           /* every NaN: the one NaN */
        {UINT64_MAX, 0, "a11bfffffffffffffffff90000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        d.count = 0;
        double v;
        memcpy(&v, &cases[i].bits, sizeof v);
        fc_dataset_push(&d, cases[i].key, v, NULL);
        assert_hex("cbor", &d, cases[i].hex);
    }
    fc_dataset_free(&d);
}
END_TEST

/* Every finite half value is written as that half, and reads back to the same bits. */
START_TEST(cbor_every_half_is_written_as_itself)
{
    for (uint32_t h = 0; h < 0x10000; h++) {
        if ((h & 0x7c00) == 0x7c00)
            continue; /* infinities and NaN: above */
        int e = (int)(h >> 10 & 31), m = (int)(h & 1023);
        double v = e ? ldexp(1024 + m, e - 25) : ldexp(m, -24);
        fc_dataset d = {0}, back = {0};
        fc_dataset_push(&d, 1, h & 0x8000 ? -v : v, NULL);
        fc_buffer b = encode_with("cbor", &d);
        ck_assert_uint_eq(b.len, 5);
        ck_assert_msg(b.data[2] == 0xf9 && (b.data[3] << 8 | b.data[4]) == (int)h, "half %04x",
                      h);
        ck_assert_int_eq(fc_codec_find("cbor")->decode(b.data, b.len, &back, NULL), 0);
        ck_assert_uint_eq(bits(back.values[0]), bits(d.values[0]));
        fc_buffer_free(&b);
        fc_dataset_free(&d);
        fc_dataset_free(&back);
    }
}
END_TEST

START_TEST(cbor_refusals_name_the_offset)
{
    assert_refused("cbor", "", 0, "offset 0: empty file, expected a map");
    assert_refused("cbor", "\x81\x01", 2,
                   "offset 0: expected a map, found an array (initial byte 0x81)");
    assert_refused("cbor", "\xbb\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00", 11,
                   "offset 0: the map declares 18446744073709551615 entries, but only 2 bytes "
                   "follow (an entry takes at least 2)");
    assert_refused("cbor", "\xa2\x01\xf9\x00\x03\x01\xf9\x00\x03", 9,
                   "offset 5 (map entry 1): key 1 again (first at offset 1, map entry 0); a "
                   "result file holds each key once");
    assert_refused("cbor", "\xa1\x20\xf9\x00\x00", 5,
                   "offset 1: map entry 0: the key is a negative integer (-1-0), expected an "
                   "unsigned integer 0..2^64-1");
    assert_refused("cbor", "\xa1\x01\x1b\x00\x20\x00\x00\x00\x00\x00\x01", 11,
                   "integer 9007199254740993 at offset 2 has no exact double (the nearest is "
                   "9007199254740992.0; write that if it is meant)");
    assert_refused("cbor", "\xa1\x01\xc2\x41\x01", 5,
                   "offset 2: map entry 0: the value is a tag, expected a float");
    assert_refused("cbor", "\xa1\x01\xa0", 3,
                   "offset 2: map entry 0: the value is a map nested in the map, expected a "
                   "float: a result file is one flat map of integer keys to float values");
    assert_refused("cbor", "\xbf\x01\xff", 3,
                   "offset 2: map entry 0: the map ends after a key, without its value");
    assert_refused("cbor", "\xa1\x01\xfc", 3,
                   "offset 2: byte 0xfc does not start a well-formed CBOR item (RFC 8949 "
                   "reserves it or leaves it unassigned); expected a value");
}
END_TEST

/* A NaN of any width and payload reads as the one quiet NaN, the one the writer writes
 * (fuzz_cbor: a float32 NaN with payload read with its bits, then written as f9 7e00). */
START_TEST(cbor_nans_read_as_the_one_quiet_nan)
{
    static const char *const files[] = {"\xa1\x01\xfa\xff\xff\xff\xff", "\xa1\x01\xf9\x7c\x01",
                                        "\xa1\x01\xfb\x7f\xf0\x00\x00\x00\x00\x00\x01"};
    static const size_t lens[] = {7, 5, 11};
    const fc_codec *c = fc_codec_find("cbor");
    for (int k = 0; k < 3; k++) {
        fc_dataset d = {0};
        fc_error e = {0};
        ck_assert_msg(c->decode((const uint8_t *)files[k], lens[k], &d, &e) == 0, "%s", e.msg);
        ck_assert_uint_eq(d.count, 1);
        ck_assert_uint_eq(bits(d.values[0]), 0x7ff8000000000000u);
        fc_dataset_free(&d);
    }
}
END_TEST

START_TEST(cbor_probe_bids)
{
    ck_assert_uint_eq(bid("cbor", "\xa0", 1), 8);
    ck_assert_uint_eq(bid("cbor", "\xa0\x00", 2), 0);    /* an empty map, then more */
    ck_assert_uint_eq(bid("cbor", "\xa1\x01\xf9\x3c\x00", 5), 19);
    ck_assert_uint_eq(bid("cbor", "\xa1\x01\x01", 3), 11); /* an integer value: no evidence */
    ck_assert_uint_eq(bid("cbor", "\xa1\x01\xf9\x3c\x00\x00", 6), 0); /* bytes after */
    ck_assert_uint_eq(bid("cbor", "\xbf\x01\xf9\x3c\x00\xff", 6), 19);
    ck_assert_uint_eq(bid("cbor", "\xa1\x61" "a", 3), 0); /* a text key */
    ck_assert_uint_eq(bid("cbor", "\xbc", 1), 0);          /* reserved count */
}
END_TEST
#endif

#ifdef FC_HAVE_BSON
static bool holds(const fc_buffer *b, const char *bytes, size_t n)
{
    for (size_t i = 0; i + n <= b->len; i++)
        if (memcmp(b->data + i, bytes, n) == 0)
            return true;
    return false;
}

/* The documented example; keys at the edges of int64 and uint64 as their digits. */
START_TEST(bson_decimal_keys_and_doubles)
{
    fc_dataset d = {0}, back = {0};
    fc_dataset_push(&d, 1, 0.5, NULL);
    fc_dataset_push(&d, 300, -0.0, NULL);
    assert_hex("bson", &d, "1d000000013100000000000000e03f0133303000000000000000008000");
    d.count = 0;
    const uint64_t keys[] = {0, INT64_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX};
    for (int i = 0; i < 4; i++)
        fc_dataset_push(&d, keys[i], double_from_hex("7ff0000000000001"), NULL);
    fc_buffer b = encode_with("bson", &d);
    ck_assert(holds(&b, "\x01" "9223372036854775808\0", 21));
    ck_assert(holds(&b, "\x01" "18446744073709551615\0", 22));
    ck_assert_int_eq(fc_codec_find("bson")->decode(b.data, b.len, &back, NULL), 0);
    ck_assert_int_eq(fc_dataset_first_difference(&d, &back), -1); /* NaN payloads too */
    fc_buffer_free(&b);
    fc_dataset_free(&d);
    fc_dataset_free(&back);
}
END_TEST

START_TEST(bson_integer_values_when_exact)
{
    fc_dataset d = {0};
    static const char ok[] = "\x17\0\0\0\x10" "1\0\x05\0\0\0\x12" "2\0\0\0\0\0\0\0\x20\0\0";
    ck_assert_int_eq(fc_codec_find("bson")->decode((const uint8_t *)ok, 23, &d, NULL), 0);
    ck_assert_uint_eq(d.count, 2);
    ck_assert(d.values[0] == 5.0 && d.values[1] == 9007199254740992.0);
    fc_dataset_free(&d);
    assert_refused("bson", "\x10\0\0\0\x12" "2\0\x01\0\0\0\0\0\x20\0\0", 16,
                   "integer 9007199254740993 at offset 7 has no exact double (the nearest is "
                   "9007199254740992.0; write that if it is meant)");
}
END_TEST

START_TEST(bson_refusals_name_the_offset)
{
    assert_refused("bson", "", 0, "offset 0: empty file; a BSON document takes at least 5 bytes "
                                  "(its length and its final 00)");
    assert_refused("bson", "\x06\0\0\0\0", 5, "offset 0: the document's length field says 6 "
                                              "bytes, but the file has 5: it is cut short");
    assert_refused("bson", "\x05\0\0\0\x01", 5, "offset 4: a document ends with 00, not 0x01");
    assert_refused("bson", "\x11\0\0\0\x01" "01\0\0\0\0\0\0\0\0\0\0", 17,
                   "offset 4: element 0: the key \"01\" is not a decimal integer "
                   "0..18446744073709551615 as forkcollect writes keys (digits only, no sign, "
                   "no leading zero)");
    assert_refused("bson", "\x0b\0\0\0\x0a" "1\0\x0a" "2\0\0", 11,
                   "offset 4: element 0: the value is a null (type 0x0a), expected a double");
    assert_refused("bson", "\x0c\0\0\0\x01" "1\0\0\0\0\0\0", 12,
                   "offset 7: element 0 is not well-formed BSON (an unknown type byte, a key "
                   "without its 00, or a value running past the document's end)");
    assert_refused("bson", "\x1b\0\0\0\x01" "1\0\0\0\0\0\0\0\0\0\x01" "1\0\0\0\0\0\0\0\0\0\0",
                   27, "offset 15 (element 1): key 1 again (first at offset 4, element 0); a "
                       "result file holds each key once");
}
END_TEST

START_TEST(bson_probe_bids)
{
    ck_assert_uint_eq(bid("bson", "\x05\0\0\0\0", 5), 40);
    ck_assert_uint_eq(bid("bson", "\x05\0\0\0\0\0", 6), 0);
    ck_assert_uint_eq(bid("bson", "\x10\0\0\0\x01" "1\0\0\0\0\0\0\0\0\0\0", 16), 17);
    ck_assert_uint_eq(bid("bson", "\x10\0\0\0\x02" "1\0", 7), 0);   /* a string value */
    ck_assert_uint_eq(bid("bson", "\x10\0\0\0\x01" "a\0", 7), 0);   /* a key not digits */
    ck_assert_uint_eq(bid("bson", "\x80\x04\x95\x0f\0", 5), 0);     /* a pickle's start */
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("cborbson");
    TCase *tc = tcase_create("cborbson");
    tcase_set_timeout(tc, 60);
#ifdef FC_HAVE_CBOR
    tcase_add_test(tc, cbor_shortest_heads_and_floats);
    tcase_add_test(tc, cbor_every_half_is_written_as_itself);
    tcase_add_test(tc, cbor_refusals_name_the_offset);
    tcase_add_test(tc, cbor_probe_bids);
    tcase_add_test(tc, cbor_nans_read_as_the_one_quiet_nan);
#endif
#ifdef FC_HAVE_BSON
    tcase_add_test(tc, bson_decimal_keys_and_doubles);
    tcase_add_test(tc, bson_integer_values_when_exact);
    tcase_add_test(tc, bson_refusals_name_the_offset);
    tcase_add_test(tc, bson_probe_bids);
#endif
    (void)encode_with, (void)assert_hex, (void)assert_refused, (void)bid;
    suite_add_tcase(s, tc);
    return run_suite(s);
}
