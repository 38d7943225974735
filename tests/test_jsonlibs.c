/* test_jsonlibs.c - cjson, jansson and jsonc: the JSON libraries as formats. Each writes
 * the dict as a JSON object in key order with its own number printing, reads the
 * built-in json's files bit for bit, and applies the rules of docs/FORMATS.md ("What
 * every reader accepts and rejects") after the library's parse. A format this build
 * left out is skipped with a message. */
#include "testutil.h"

#include <math.h>

static const char *const LIBS[] = {"cjson", "jansson", "jsonc"};
#define NLIBS 3

/* The codec for LIBS[i], or NULL (and a message) when this build has none. */
static const fc_codec *lib(int i)
{
    const fc_codec *c = fc_codec_find(LIBS[i]);
    if (!c)
        printf("%s: not built, skipped\n", LIBS[i]);
    return c;
}

static int decode_text(const fc_codec *c, const char *text, fc_dataset *out, fc_error *e)
{
    out->count = 0;
    return c->decode((const uint8_t *)text, strlen(text), out, e);
}

/* Decoding text with c fails with code, and the message holds want. */
static void assert_refused(const fc_codec *c, const char *text, int code, const char *want)
{
    fc_dataset d = {0};
    fc_error e = {0};
    int rc = decode_text(c, text, &d, &e);
    ck_assert_msg(rc == code, "%s: %s: got %s (%s)", c->name, text, fc_code_name(rc), e.msg);
    ck_assert_msg(strstr(e.msg, want) != NULL, "%s: %s: message \"%s\" lacks \"%s\"", c->name,
                  text, e.msg, want);
    fc_dataset_free(&d);
}

/* Finite random values and the exercise's, together. */
static void finite_values(fc_dataset *d)
{
    fc_dataset r = {0};
    ck_assert_int_eq(fc_values_make(FC_VALUES_RANDOM, 50000, 5, &r, NULL), 0);
    for (size_t i = 0; i < r.count; i++)
        if (isfinite(r.values[i]))
            ck_assert_int_eq(fc_dataset_push(d, r.keys[i], r.values[i], NULL), 0);
    fc_dataset_free(&r);
}

START_TEST(reads_the_built_in_json_files_bit_for_bit)
{
    const fc_codec *c = lib(_i), *json = fc_codec_find("json");
    if (!c)
        return;
    fc_dataset d = {0}, back = {0};
    fc_buffer buf = {0};
    fc_error e = {0};
    finite_values(&d);
    ck_assert_int_eq(fc_values_make(FC_VALUES_EXERCISE, 2000, 1000, &d, NULL), 0);
    ck_assert_int_eq(json->encode(&d, &buf, NULL), 0);
    ck_assert_msg(c->decode(buf.data, buf.len, &back, &e) == 0, "%s: %s", c->name, e.msg);
    ck_assert_int_eq(fc_dataset_first_difference(&d, &back), -1);
    fc_buffer_free(&buf);
    fc_dataset_free(&d);
    fc_dataset_free(&back);
}
END_TEST

/* The bytes of each: an object in key order, the library's own separators and digits
 * (cJSON writes -0.0 as -0, which reads back as -0.0; jansson drops the exponent's +). */
START_TEST(writes_an_object_in_key_order)
{
    static const char *const want[NLIBS] = {
        "{\"1\":514.13702786238582,\"2\":0.1,\"18446744073709551615\":-0,\"0\":1e+300}",
        "{\"1\": 514.13702786238582, \"2\": 0.10000000000000001, \"18446744073709551615\": "
        "-0.0, \"0\": 1.0000000000000001e300}",
        "{\"1\":514.13702786238582,\"2\":0.10000000000000001,\"18446744073709551615\":-0.0,"
        "\"0\":1.0000000000000001e+300}"};
    const fc_codec *c = lib(_i);
    if (!c)
        return;
    fc_dataset d = {0};
    fc_buffer got = {0};
    fc_dataset_push(&d, 1, 514.1370278623858, NULL);
    fc_dataset_push(&d, 2, 0.1, NULL);
    fc_dataset_push(&d, UINT64_MAX, -0.0, NULL);
    fc_dataset_push(&d, 0, 1e300, NULL);
    ck_assert_int_eq(c->encode(&d, &got, NULL), 0);
    ck_assert_msg(got.len == strlen(want[_i]) && memcmp(got.data, want[_i], got.len) == 0,
                  "%s:\n got: %.*s\nwant: %s", c->name, (int)got.len, (const char *)got.data,
                  want[_i]);
    fc_buffer_free(&got);
    fc_dataset_free(&d);
}
END_TEST

/* FC_SUPPORTS_EXACT_DOUBLES is what the library does: jansson and json-c print 17
 * digits and keep every bit; cJSON keeps 15 when they read back within DBL_EPSILON,
 * and so changes the exercise's key 13 (calc(13, 1000)) by 1 ulp. */
START_TEST(exact_doubles_bit_says_what_the_library_does)
{
    const fc_codec *c = lib(_i);
    if (!c)
        return;
    fc_dataset d = {0}, back = {0};
    fc_buffer buf = {0};
    finite_values(&d);
    ck_assert_int_eq(c->encode(&d, &buf, NULL), 0);
    ck_assert_int_eq(c->decode(buf.data, buf.len, &back, NULL), 0);
    long diff = fc_dataset_first_difference(&d, &back);
    ck_assert_msg((diff < 0) == !!(c->supports & FC_SUPPORTS_EXACT_DOUBLES),
                  "%s: first difference %ld, exact bit %d", c->name, diff,
                  !!(c->supports & FC_SUPPORTS_EXACT_DOUBLES));
    d.count = 0;
    fc_dataset_push(&d, 13, double_from_hex("407eac0cc0ccc9e7"), NULL);
    ck_assert_uint_eq(bits(fc_calc(13, 1000)), 0x407eac0cc0ccc9e7u);
    buf.len = 0;
    back.count = 0;
    ck_assert_int_eq(c->encode(&d, &buf, NULL), 0);
    ck_assert_int_eq(c->decode(buf.data, buf.len, &back, NULL), 0);
    ck_assert_uint_eq(bits(back.values[0]), strcmp(c->name, "cjson") == 0
                                                ? 0x407eac0cc0ccc9e6u
                                                : 0x407eac0cc0ccc9e7u);
    fc_buffer_free(&buf);
    fc_dataset_free(&d);
    fc_dataset_free(&back);
}
END_TEST

/* cJSON and jansson have no NaN or Infinity (cJSON would write null): refused by name.
 * json-c writes and reads them as Python does. */
START_TEST(non_finite_values_as_the_library_can)
{
    const fc_codec *c = lib(_i);
    if (!c)
        return;
    fc_dataset d = {0}, back = {0};
    fc_buffer buf = {0};
    fc_error e = {0};
    fc_dataset_push(&d, 1, 1.5, NULL);
    fc_dataset_push(&d, 2, -INFINITY, NULL);
    fc_dataset_push(&d, 3, NAN, NULL);
    int rc = c->encode(&d, &buf, &e);
    if (c->supports & FC_SUPPORTS_NONFINITE) {
        ck_assert_int_eq(rc, 0);
        static const char want[] = "{\"1\":1.5,\"2\":-Infinity,\"3\":NaN}";
        ck_assert(buf.len == strlen(want) && memcmp(buf.data, want, buf.len) == 0);
        ck_assert_int_eq(c->decode(buf.data, buf.len, &back, NULL), 0);
        ck_assert_int_eq(fc_dataset_first_difference(&d, &back), -1);
        back.count = 0;
        ck_assert_int_eq(decode_text(c, "{\"1\": NaN, \"2\": Infinity}", &back, NULL), 0);
        ck_assert(isnan(back.values[0]) && back.values[1] == INFINITY);
    } else {
        ck_assert_int_eq(rc, FC_EUNSUPPORTED);
        char want[160];
        snprintf(want, sizeof want, "%s: record 1 (key 2) is -inf, which JSON has no number "
                 "for and %s does not write", c->name, c->name);
        ck_assert_msg(strstr(e.msg, want) != NULL, "%s", e.msg);
    }
    fc_buffer_free(&buf);
    fc_dataset_free(&d);
    fc_dataset_free(&back);
}
END_TEST

/* A key twice, however spelled, is refused after the library's parse (jansson and
 * json-c would otherwise keep the last value without a word). */
START_TEST(a_key_twice_is_refused)
{
    const fc_codec *c = lib(_i);
    if (!c)
        return;
    assert_refused(c, "{\"1\": 1.5, \"1\": 2.5}", FC_ECORRUPT, "key 1 again (first at ");
    assert_refused(c, "{\"7\": 1.5, \"2\": 0.5, \"007\": 2.5}", FC_ECORRUPT,
                   "key 7 again (first at member 0); a result file holds each key once");
    if (strcmp(c->name, "jsonc") == 0) /* json-c takes single quotes: still the same key */
        assert_refused(c, "{'1': 1.5, \"1\": 2.5}", FC_ECORRUPT,
                       "member 1: key 1 again (first at member 0)");
    /* Writing: jansson's and json-c's objects hold a name once, so a repeat is refused
     * rather than a record dropped; cJSON writes both, and reads them back as a repeat. */
    fc_dataset d = {0};
    fc_buffer buf = {0};
    fc_error e = {0};
    fc_dataset_push(&d, 4, 1.5, NULL);
    fc_dataset_push(&d, 4, 2.5, NULL);
    int rc = c->encode(&d, &buf, &e);
    if (strcmp(c->name, "cjson") == 0) {
        ck_assert_int_eq(rc, 0);
        ck_assert_int_eq(c->decode(buf.data, buf.len, &d, &e), FC_ECORRUPT);
    } else {
        ck_assert_int_eq(rc, FC_EINVAL);
        ck_assert_msg(strstr(e.msg, "records 0 and 1 both hold key 4") != NULL, "%s", e.msg);
    }
    fc_buffer_free(&buf);
    fc_dataset_free(&d);
}
END_TEST

/* An integer literal stands for an integer, which a double must hold exactly. */
START_TEST(an_integer_needs_an_exact_double)
{
    const fc_codec *c = lib(_i);
    if (!c)
        return;
    fc_dataset d = {0};
    ck_assert_int_eq(decode_text(c, "{\"1\": 9007199254740992, \"2\": -3, \"3\": 1}", &d, NULL),
                     0);
    ck_assert_uint_eq(bits(d.values[0]), bits(9007199254740992.0));
    ck_assert_uint_eq(bits(d.values[1]), bits(-3.0));
    ck_assert_uint_eq(bits(d.values[2]), bits(1.0));
    assert_refused(c, "{\"1\": 9007199254740993}", FC_ECORRUPT,
                   "integer 9007199254740993");
    assert_refused(c, "{\"1\": 9007199254740993}", FC_ECORRUPT,
                   "has no exact double (the nearest is 9007199254740992.0; write that if it "
                   "is meant)");
    /* A float literal rounds as strtod does. */
    ck_assert_int_eq(decode_text(c, "{\"1\": 9007199254740993.0}", &d, NULL), 0);
    ck_assert_uint_eq(bits(d.values[0]), bits(9007199254740992.0));
    fc_dataset_free(&d);
}
END_TEST

/* Keys: member names of decimal digits, 0..2^64-1; values: numbers; one object. */
START_TEST(keys_values_and_the_object)
{
    const fc_codec *c = lib(_i);
    if (!c)
        return;
    fc_dataset d = {0};
    ck_assert_int_eq(decode_text(c, " {\"18446744073709551615\": 0.5, \"0\": -0.0}\n", &d, NULL),
                     0);
    ck_assert_uint_eq(d.count, 2);
    ck_assert_uint_eq(d.keys[0], UINT64_MAX);
    ck_assert_uint_eq(bits(d.values[1]), bits(-0.0));
    ck_assert_int_eq(decode_text(c, "{}", &d, NULL), 0);
    ck_assert_uint_eq(d.count, 0);
    assert_refused(c, "{\"18446744073709551616\": 1}", FC_ECORRUPT, "is larger than 2^64-1");
    assert_refused(c, "{\"a1\": 1}", FC_ECORRUPT, "is not a decimal integer");
    assert_refused(c, "{\"\": 1}", FC_ECORRUPT, "empty key");
    assert_refused(c, "{\"1\": \"2\"}", FC_ECORRUPT, "the value is a string, not a number");
    assert_refused(c, "{\"1\": [2]}", FC_ECORRUPT, "the value is nested, not a number");
    assert_refused(c, "{\"1\": null}", FC_ECORRUPT, "the value is not a number");
    assert_refused(c, "[1]", FC_ECORRUPT, "not an object");
    assert_refused(c, "{\"1\": 1} {", FC_ECORRUPT, "offset");
    assert_refused(c, "\xef\xbb\xbf{}", FC_ECORRUPT, "offset");
    assert_refused(c, "", FC_ECORRUPT, "offset");
    assert_refused(c, "{\"1\": 1", FC_ECORRUPT, "offset");
    fc_dataset_free(&d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("jsonlibs");
    TCase *tc = tcase_create("jsonlibs");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, reads_the_built_in_json_files_bit_for_bit, 0, NLIBS);
    tcase_add_loop_test(tc, writes_an_object_in_key_order, 0, NLIBS);
    tcase_add_loop_test(tc, exact_doubles_bit_says_what_the_library_does, 0, NLIBS);
    tcase_add_loop_test(tc, non_finite_values_as_the_library_can, 0, NLIBS);
    tcase_add_loop_test(tc, a_key_twice_is_refused, 0, NLIBS);
    tcase_add_loop_test(tc, an_integer_needs_an_exact_double, 0, NLIBS);
    tcase_add_loop_test(tc, keys_values_and_the_object, 0, NLIBS);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
