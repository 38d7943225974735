/* test_json.c - the JSON backend: Python's bytes exactly, any valid spelling read,
 * everything else rejected with the offset; cJSON as an independent reader. */
#include "testutil.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>

static const fc_codec *json(void)
{
    return fc_codec_find("json");
}

static void assert_encodes_to_vector(const fc_dataset *d, const char *vector)
{
    fc_buffer want = read_vector(vector), got = {0};
    ck_assert_int_eq(json()->encode(d, &got, NULL), 0);
    ck_assert_msg(got.len == want.len && memcmp(got.data, want.data, got.len) == 0,
                  "%s differs:\n got: %.*s\nwant: %.*s", vector, (int)got.len,
                  (const char *)got.data, (int)want.len, (const char *)want.data);
    /* And Python's bytes decode to the same records. */
    fc_dataset back = {0};
    fc_error e = {0};
    ck_assert_msg(json()->decode(want.data, want.len, &back, &e) == 0, "%s", e.msg);
    ck_assert_int_lt(fc_dataset_first_difference(d, &back), 0);
    fc_buffer_free(&want);
    fc_buffer_free(&got);
    fc_dataset_free(&back);
}

START_TEST(course_files_byte_for_byte)
{
    fc_dataset d = {0};
    for (uint64_t k = 1; k <= 5; k++)
        fc_dataset_push(&d, k, fc_calc(k, 1000), NULL);
    assert_encodes_to_vector(&d, "json-1-5-iter1000.json");
    d.count = 0;
    fc_dataset_push(&d, 3, fc_calc(3, 10000000), NULL);
    fc_dataset_push(&d, 4, fc_calc(4, 10000000), NULL);
    assert_encodes_to_vector(&d, "json-3-4-iter10M.json");
    fc_dataset_free(&d);
}
END_TEST

START_TEST(edge_values_byte_for_byte)
{
    /* The dict tests/vectors/gen.py hands to json.dump. */
    const double v[] = {0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308,
                        1.7976931348623157e+308, -1.7976931348623157e+308, INFINITY, -INFINITY,
                        NAN, 1.0, -1.0, 1e16, 1e+22, 123456789012345680.0, 0.1,
                        0.30000000000000004, 1e-05, 0.0001, 1000000000000000.0,
                        9007199254740992.0, 4999459.536548361};
    fc_dataset d = {0};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        fc_dataset_push(&d, i + 1, v[i], NULL);
    fc_dataset_push(&d, UINT64_MAX, 0.5, NULL);
    assert_encodes_to_vector(&d, "json-edge.json");
    fc_dataset_free(&d);
}
END_TEST

static fc_dataset decode_ok(const char *text)
{
    fc_dataset d = {0};
    fc_error e = {0};
    int rc = json()->decode((const uint8_t *)text, strlen(text), &d, &e);
    ck_assert_msg(rc == 0, "%s: %s", text, e.msg);
    return d;
}

START_TEST(any_spelling_is_read)
{
    fc_dataset d = decode_ok(" \n\t{\r\n \"2\" : 1e0 ,\"1\":-0, \"3\": 10E-1, \"4\": 0.5e+1,"
                             "\"5\":NaN,\"6\" :-Infinity, \"7\": Infinity, \"8\": 25E-1 } \n");
    const uint64_t keys[] = {2, 1, 3, 4, 5, 6, 7, 8};
    ck_assert_uint_eq(d.count, 8);
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(d.keys[i], keys[i]);
    ck_assert_uint_eq(bits(d.values[0]), bits(1.0));
    ck_assert_uint_eq(bits(d.values[1]), bits(-0.0));
    ck_assert_uint_eq(bits(d.values[2]), bits(1.0));
    ck_assert_uint_eq(bits(d.values[3]), bits(5.0));
    ck_assert_uint_eq(bits(d.values[4]), 0x7ff8000000000000u);
    ck_assert_uint_eq(bits(d.values[5]), bits(-INFINITY));
    ck_assert_uint_eq(bits(d.values[6]), bits(INFINITY));
    ck_assert_uint_eq(bits(d.values[7]), bits(2.5));
    fc_dataset_free(&d);

    d = decode_ok("{\"\\u0031\\u0032\": 1.5, \"18446744073709551615\": 2}");
    ck_assert_uint_eq(d.keys[0], 12);
    ck_assert_uint_eq(d.keys[1], UINT64_MAX);
    fc_dataset_free(&d);

    d = decode_ok("{}");
    ck_assert_uint_eq(d.count, 0);
    fc_dataset_free(&d);

    /* A number longer than any fixed buffer (cJSON 1.7.15 stops at 63 characters). */
    char long_num[300] = "{\"1\": 0.";
    for (int i = 0; i < 200; i++)
        strcat(long_num, "1");
    strcat(long_num, "}");
    d = decode_ok(long_num);
    ck_assert_uint_eq(bits(d.values[0]), bits(0.11111111111111111));
    fc_dataset_free(&d);
}
END_TEST

static void assert_rejected(const char *text, const char *message)
{
    fc_dataset d = {0};
    fc_error e = {0};
    int rc = json()->decode((const uint8_t *)text, strlen(text), &d, &e);
    ck_assert_msg(rc == FC_ECORRUPT, "%s: accepted", text);
    ck_assert_int_eq(e.code, FC_ECORRUPT);
    ck_assert_msg(strcmp(e.msg, message) == 0, "%s:\n got: %s\nwant: %s", text, e.msg, message);
    fc_dataset_free(&d);
}

START_TEST(anything_else_is_rejected_with_its_offset)
{
    assert_rejected("", "offset 0: expected '{' starting the object, found the end of the file");
    assert_rejected("[1]", "offset 0: expected '{' starting the object, found '['");
    assert_rejected("{\"a\": 1}", "offset 2: the key at offset 1 is not a decimal integer");
    assert_rejected("{\"-1\": 1}", "offset 2: the key at offset 1 is not a decimal integer");
    assert_rejected("{\"\": 1}", "offset 1: empty key");
    assert_rejected("{\"1\" 1}", "offset 5: expected ':' after the key, found '1'");
    assert_rejected("{\"1\": 01}", "offset 7: expected ',' or '}' after a value, found '1'");
    assert_rejected("{\"1\": 1,}", "offset 8: expected '\"' starting a key, found '}'");
    assert_rejected("{\"1\": 1} x", "offset 9: expected the end of the file after the object, "
                                    "found 'x'");
    assert_rejected("{\"1\": nan}", "offset 6: expected a number, found 'n'");
    assert_rejected("{\"1\": \"1.0\"}", "offset 6: expected a number, found '\"'");
    assert_rejected("{\"1\": 1.}", "offset 8: expected a digit after the decimal point, found '}'");
    assert_rejected("{\"1\": 1e}", "offset 8: expected a digit in the exponent, found '}'");
    assert_rejected("{\"1\": +1}", "offset 6: expected a number, found '+'");
    assert_rejected("{\"1\": 1", "offset 7: expected ',' or '}' after a value, found the end of "
                                 "the file");
    assert_rejected("{\"18446744073709551616\": 1}", "offset 1: the key is larger than 2^64-1");
    assert_rejected("{\"1\x01\": 1}", "offset 3: control character 0x01 inside a string");
    assert_rejected("{\"1", "offset 3: the key that starts at offset 1 is not closed");
    /* Issue 11.7: a byte order mark is named as one, not as "byte 0xef". */
    assert_rejected("\xef\xbb\xbf{}", "offset 0: the file starts with a UTF-8 byte order mark "
                                       "(bytes ef bb bf), which RFC 8259 forbids (Python's "
                                       "json.load of a text file refuses it too); remove "
                                       "those 3 bytes");
    assert_rejected(" \xef\xbb\xbf{}", "offset 1: expected '{' starting the object, found "
                                        "byte 0xef");
}
END_TEST

/* Issue 11.3: an integer literal is a value only if a double holds it exactly. */
START_TEST(integers_without_an_exact_double_are_rejected)
{
    assert_rejected("{\"1\": 9007199254740993}",
                    "integer 9007199254740993 at offset 6 has no exact double (the nearest is "
                    "9007199254740992.0; write that if it is meant)");
    assert_rejected("{\"1\": 0, \"2\": -18446744073709551617}",
                    "integer -18446744073709551617 at offset 14 has no exact double (the "
                    "nearest is -1.8446744073709552e+19; write that if it is meant)");
    char big[500] = "{\"1\": 1";
    for (int i = 0; i < 400; i++)
        strcat(big, "0");
    strcat(big, "}");
    assert_rejected(big, "integer 100000000000000000000000... (401 digits) at offset 6 has no "
                         "exact double: it is beyond the largest, 1.7976931348623157e+308");
    /* Integers a double holds are read, however long; float literals round as Python's
     * float() does, 1e400 to inf. */
    fc_dataset d = decode_ok("{\"1\": 9007199254740992, \"2\": -9007199254740994, "
                             "\"3\": 18446744073709551616, \"4\": 9007199254740993.0, "
                             "\"5\": 1e400, \"6\": 999999999999999, \"7\": "
                             "179769313486231570814527423731704356798070567525844996598917476803"
                             "157260780028538760589558632766878171540458953514382464234321326889"
                             "464182768467546703537516986049910576551282076245490090389328944075"
                             "868508455133942304583236903222948165808559332123348274797826204144"
                             "723168738177180919299881250404026184124858368}");
    ck_assert_uint_eq(bits(d.values[0]), bits(9007199254740992.0));
    ck_assert_uint_eq(bits(d.values[1]), bits(-9007199254740994.0));
    ck_assert_uint_eq(bits(d.values[2]), bits(18446744073709551616.0));
    ck_assert_uint_eq(bits(d.values[3]), bits(9007199254740992.0));
    ck_assert_uint_eq(bits(d.values[4]), bits(INFINITY));
    ck_assert_uint_eq(bits(d.values[5]), bits(999999999999999.0));
    ck_assert_uint_eq(bits(d.values[6]), bits(DBL_MAX));
    fc_dataset_free(&d);
}
END_TEST

/* Issue 11.2: Python's json.dump({1: 0.5, "1": 0.7}) writes key "1" twice. */
START_TEST(repeated_keys_are_rejected)
{
    assert_rejected("{\"1\": 0.5, \"1\": 0.7}",
                    "offset 11: key 1 again (first at offset 1); a result file holds each key "
                    "once");
    /* The same key spelled differently is the same key; out of order takes the table. */
    assert_rejected("{\"7\": 1, \"3\": 2,\n \"\\u0037\": 3}",
                    "offset 18: key 7 again (first at offset 1); a result file holds each key "
                    "once");
    fc_dataset d = decode_ok("{\"2\": 1, \"1\": 2, \"3\": 3}");
    ck_assert_uint_eq(d.count, 3);
    fc_dataset_free(&d);
}
END_TEST

/* cJSON, an independent parser, reads our output as the same dict. */
START_TEST(cjson_reads_the_same_values)
{
    fc_dataset d = {0};
    fc_buffer buf = {0};
    fc_values_make(FC_VALUES_RANDOM, 5000, 7, &d, NULL);
    for (size_t i = 0; i < d.count; i++)
        if (!isfinite(d.values[i]))
            d.values[i] = (double)i; /* JSON proper (and cJSON) has no NaN or Infinity */
    ck_assert_int_eq(json()->encode(&d, &buf, NULL), 0);
    cJSON *root = cJSON_ParseWithLength((const char *)buf.data, buf.len);
    ck_assert_ptr_nonnull(root);
    ck_assert_int_eq(cJSON_GetArraySize(root), (int)d.count);
    size_t i = 0;
    for (cJSON *item = root->child; item; item = item->next, i++) {
        ck_assert_uint_eq(strtoull(item->string, NULL, 10), d.keys[i]);
        ck_assert_msg(bits(item->valuedouble) == bits(d.values[i]), "record %zu: %s", i,
                      item->string);
    }
    cJSON_Delete(root);
    fc_buffer_free(&buf);
    fc_dataset_free(&d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("json");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, course_files_byte_for_byte);
    tcase_add_test(tc, edge_values_byte_for_byte);
    tcase_add_test(tc, any_spelling_is_read);
    tcase_add_test(tc, anything_else_is_rejected_with_its_offset);
    tcase_add_test(tc, integers_without_an_exact_double_are_rejected);
    tcase_add_test(tc, repeated_keys_are_rejected);
    tcase_add_test(tc, cjson_reads_the_same_values);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
