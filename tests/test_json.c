/* test_json.c - the JSON backend: Python's bytes exactly, any valid spelling read,
 * everything else rejected with the offset; cJSON as an independent reader. */
#include "testutil.h"

#include <cjson/cJSON.h>
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
    assert_rejected("\xef\xbb\xbf{}", "offset 0: expected '{' starting the object, found byte 0xef");
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
    tcase_add_test(tc, cjson_reads_the_same_values);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
