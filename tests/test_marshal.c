/* test_marshal.c - the marshal backend: CPython's bytes (the hex below is what
 * /usr/bin/python3 3.11 writes; tests/cli_marshal.sh asks Python itself at every size),
 * every flag and reference Python may write read back, everything else refused with its
 * offset and Python's type name. */
#include "testutil.h"

#include <math.h>

static const fc_codec *marshal(void)
{
    return fc_codec_find("marshal");
}

/* Hex text to bytes, in a buffer the caller frees. */
static fc_buffer unhex(const char *hex)
{
    fc_buffer b = {0};
    for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
        char two[3] = {hex[i], hex[i + 1], 0};
        uint8_t c = (uint8_t)strtoul(two, NULL, 16);
        ck_assert_int_eq(fc_buffer_append(&b, &c, 1, NULL), 0);
    }
    return b;
}

static void assert_encodes_to(const fc_dataset *d, const char *hex)
{
    fc_buffer want = unhex(hex), got = {0};
    ck_assert_int_eq(marshal()->encode(d, &got, NULL), 0);
    ck_assert_msg(got.len == want.len && memcmp(got.data, want.data, got.len) == 0,
                  "%zu bytes, want %zu", got.len, want.len);
    fc_dataset back = {0};
    fc_error e = {0};
    ck_assert_msg(marshal()->decode(want.data, want.len, &back, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(fc_dataset_first_difference(d, &back), -1);
    fc_buffer_free(&want);
    fc_buffer_free(&got);
    fc_dataset_free(&back);
}

/* d = {k: v for k in ...} with fresh floats, as tests/cli_marshal.sh builds it. */
START_TEST(python_bytes_at_the_int_long_boundaries)
{
    const uint64_t keys[] = {0, 256, 257, 2147483647, 2147483648, 9223372036854775808u,
                             UINT64_MAX};
    fc_dataset d = {0};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        fc_dataset_push(&d, keys[i], 0.5, NULL);
    assert_encodes_to(&d, "fbe90000000067000000000000e03fe90001000067000000000000e03f6901010000"
                          "67000000000000e03f69ffffff7f67000000000000e03f6c0300000000000000020067"
                          "000000000000e03f6c050000000000000000000000080067000000000000e03f6c0500"
                          "0000ff7fff7fff7fff7f0f0067000000000000e03f30");
    d.count = 0;
    assert_encodes_to(&d, "fb30");
    fc_dataset_push(&d, 1, 0.5, NULL);
    fc_dataset_push(&d, 300, -0.0, NULL);
    assert_encodes_to(&d, "fbe90100000067000000000000e03f692c01000067000000000000008030");
    fc_dataset_free(&d);
}
END_TEST

static fc_dataset decode_ok(const char *hex)
{
    fc_buffer b = unhex(hex);
    fc_dataset d = {0};
    fc_error e = {0};
    ck_assert_msg(marshal()->decode(b.data, b.len, &d, &e) == 0, "%s", e.msg);
    fc_buffer_free(&b);
    return d;
}

/* x = 0.5; {1: x, 2: x, 300: 7, 2**40: x, 5: 1, 6: -2**62, 7: 1}: flags and TYPE_REFs to
 * a float and to ints, in version 4; no flags in version 2. */
START_TEST(references_as_python_writes_them)
{
    const char *v4 = "fbe901000000e7000000000000e03fe9020000007202000000e92c010000e907000000ec"
                     "030000000000000000047202000000e9050000007201000000e906000000ecfbffffff00"
                     "0000000000000004007205000000720100000030";
    const char *v2 = "7b690100000067000000000000e03f690200000067000000000000e03f692c0100006907"
                     "0000006c0300000000000000000467000000000000e03f6905000000690100000069060000"
                     "006cfbffffff000000000000000004006907000000690100000030";
    const uint64_t k[] = {1, 2, 300, 1ull << 40, 5, 6, 7};
    const double v[] = {0.5, 0.5, 7.0, 0.5, 1.0, -4611686018427387904.0, 1.0};
    for (int version = 0; version < 2; version++) {
        fc_dataset d = decode_ok(version ? v2 : v4);
        ck_assert_uint_eq(d.count, 7);
        for (size_t i = 0; i < 7; i++) {
            ck_assert_uint_eq(d.keys[i], k[i]);
            ck_assert_uint_eq(bits(d.values[i]), bits(v[i]));
        }
        fc_dataset_free(&d);
    }
}
END_TEST

/* Integer values: exactly as a double, or refused with the nearest. */
START_TEST(integer_values_only_when_exact)
{
    fc_dataset d = decode_ok("7be903000000ec050000000000000000000000010030"); /* {3: 2**60} */
    ck_assert_uint_eq(bits(d.values[0]), bits(1152921504606846976.0));
    fc_dataset_free(&d);
    d = decode_ok("7be903000000ec050000000010000000000000100030"); /* {3: 2**64 + 2**12} */
    ck_assert_uint_eq(bits(d.values[0]), bits(18446744073709555712.0));
    fc_dataset_free(&d);
    d = decode_ok("7be903000000e9fdffffff30"); /* {3: -3} */
    ck_assert_uint_eq(bits(d.values[0]), bits(-3.0));
    fc_dataset_free(&d);
}
END_TEST

static const struct {
    const char *what, *hex, *msg;
} refused[] = {
    {"empty", "", "offset 0: empty file, expected a dict"},
    {"a list", "5b00000000", "offset 0: expected a dict (type byte '{'), found a list (type byte '[')"},
    {"an unknown type", "07", "offset 0: expected a dict (type byte '{'), found an unknown type byte 0x07"},
    {"no end marker", "fbe901000000", "offset 6: the file ends after dict entry 0's key, before "
                                      "its value"},
    {"bytes after", "7b3030", "offset 2: 1 bytes after the dict, which should end the file"},
    {"a str key", "7bda0161", "offset 1: dict entry 0: the key is a str (type byte 'Z' with "
                              "FLAG_REF), expected an int 0..2^64-1"},
    {"a code object value", "7be90100000063", "offset 6: dict entry 0: the value is a code object "
                                              "(type byte 'c'), expected a float"},
    {"a text float", "7be90100000066033030", "offset 6: dict entry 0: the value is a float in text "
     "form (TYPE_FLOAT, as marshal versions 0 and 1 write; write with version 2 or later) (type "
     "byte 'f'), expected a float"},
    {"a nested tuple", "7be90100000029", "offset 6: dict entry 0: the value is a tuple (type byte "
     "')'), nested in the dict: a result file is one flat dict of integer keys to float values"},
    {"a float key", "7b67000000000000e03f67000000000000e03f30", "offset 1: dict entry 0: the key "
     "is a float (type byte 'g'), expected an int 0..2^64-1"},
    {"a negative key", "7b69ffffffff67000000000000e03f30", "offset 1: dict entry 0: the key is a "
     "negative int, expected an int 0..2^64-1"},
    {"a key of 2^64", "7b6c05000000000000000000000010006700000000"
     "0000e03f30", "offset 1: dict "
     "entry 0: the key is an int beyond 2^64-1, expected an int 0..2^64-1"},
    {"a negative long key", "7b6cfdffffff00000000020067000000000000e03f30", "offset 1: dict "
     "entry 0: the key is a negative int, expected an int 0..2^64-1"},
    {"an unnormalized long", "7b6c020000000100000067000000000000e03f30", "offset 1: dict entry 0: "
     "the key is an int whose top digit is 0 (unnormalized)"},
    {"a digit above 2^15-1", "7b6c01000000008067000000000000e03f30", "offset 1: dict entry 0: "
     "the key is an int with a digit out of range (above 2^15-1)"},
    {"a reference too far", "fbe9010000007201000000e902000000720500000030", "offset 16: dict "
     "entry 1: the value is a reference to object 5, but only 3 were recorded before it"},
    {"a reference to the dict", "fbe901000000720000000030", "offset 6: dict entry 0: the value is a "
     "reference to the dict itself: a result file is one flat dict of integer keys to float values"},
    {"a reference to a float key", "7b6901000000e7000000000000e03f720000000067000000000000e03f30",
     "offset 15: dict entry 1: the key is a reference to a float, expected an int 0..2^64-1"},
    {"a flagged reference", "7be901000000f20000000030", "offset 6: dict entry 0: the value is a "
     "reference (type byte 'r' with FLAG_REF), expected a float"},
    {"a value of 2^53+1", "7be903000000ec04000000010000000000000130", "integer 9007199254740993 "
     "at offset 6 has no exact double (the nearest is 9007199254740992.0; write that if it is "
     "meant)"},
    {"a value of 2^64+1", "7be9030000006c050000000100000000000000100030", "an int of 65 bits "
     "at offset 6 has no exact double (it has 65 significant bits, a double holds 53)"},
    {"a repeated key", "fbe90100000067000000000000e03f720100000067000000000000e03f30", "offset 15 "
     "(dict entry 1): key 1 again (first at offset 1, dict entry 0); a result file holds each key "
     "once"},
    {"a null value", "7be9010000003030", "offset 6: dict entry 0: the value is an end-of-dict "
     "marker (TYPE_NULL) (type byte '0'), expected a float"},
};

START_TEST(anything_else_is_refused_with_its_offset)
{
    fc_buffer b = unhex(refused[_i].hex);
    fc_dataset d = {0};
    fc_error e = {0};
    ck_assert_int_eq(marshal()->decode(b.data, b.len, &d, &e), FC_ECORRUPT);
    ck_assert_msg(strcmp(e.msg, refused[_i].msg) == 0, "%s:\n got: %s\nwant: %s", refused[_i].what,
                  e.msg, refused[_i].msg);
    fc_buffer_free(&b);
    fc_dataset_free(&d);
}
END_TEST

/* A value of 2^1100 (Python's bytes): beyond the largest double. */
START_TEST(integer_beyond_the_largest_double)
{
    fc_buffer b = unhex("7be9030000006c4a000000");
    for (int i = 0; i < 73; i++)
        fc_buffer_append(&b, "\0\0", 2, NULL);
    fc_buffer_append(&b, "\x20\0" "0", 3, NULL);
    fc_dataset d = {0};
    fc_error e = {0};
    ck_assert_int_eq(b.len, 160);
    ck_assert_int_eq(marshal()->decode(b.data, b.len, &d, &e), FC_ECORRUPT);
    ck_assert_str_eq(e.msg, "an int of over 1,024 bits at offset 6 has no exact double: it is "
                            "beyond the largest, 1.7976931348623157e+308");
    fc_buffer_free(&b);
    fc_dataset_free(&d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("marshal");
    TCase *tc = tcase_create("marshal");
    tcase_add_test(tc, python_bytes_at_the_int_long_boundaries);
    tcase_add_test(tc, references_as_python_writes_them);
    tcase_add_test(tc, integer_values_only_when_exact);
    tcase_add_loop_test(tc, anything_else_is_refused_with_its_offset, 0,
                        (int)(sizeof refused / sizeof refused[0]));
    tcase_add_test(tc, integer_beyond_the_largest_double);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
