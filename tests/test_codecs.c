/* test_codecs.c - every registered backend, the same checks: a new backend is tested
 * the day it lands, with no test written for it. Loop tests take the codec's index. */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include "testutil.h"

#include <math.h>

#include <ctype.h>

static const fc_codec *codec(int i)
{
    const fc_codec *c = fc_codec_at((size_t)i);
    ck_assert_ptr_nonnull(c);
    return c;
}

/* The edge values c can hold: the finite ones for a codec without NaN and Infinity. */
static void edge_values_for(const fc_codec *c, fc_dataset *d)
{
    ck_assert_int_eq(fc_values_make(FC_VALUES_EDGE, 0, 0, d, NULL), 0);
    size_t kept = 0;
    for (size_t i = 0; i < d->count; i++)
        if ((c->supports & FC_SUPPORTS_NONFINITE) || isfinite(d->values[i])) {
            d->keys[kept] = d->keys[i];
            d->values[kept++] = d->values[i];
        }
    d->count = kept;
}

/* Encodes d with c, decodes, and requires every key and value bit back in order: the
 * finite values only for a codec without NaN and Infinity, and the keys only for one
 * that may lose bits (FC_SUPPORTS_EXACT_DOUBLES clear). A codec whose probe leaves its
 * JSON to the built-in json (cjson, jansson, jsonc) is detected as json. */
static void assert_round_trip(const fc_codec *c, const fc_dataset *all)
{
    fc_buffer buf = {0};
    fc_dataset back = {0}, finite = {0};
    fc_error e = {0};
    for (size_t i = 0; i < all->count; i++)
        if ((c->supports & FC_SUPPORTS_NONFINITE) || isfinite(all->values[i]))
            ck_assert_int_eq(fc_dataset_push(&finite, all->keys[i], all->values[i], NULL), 0);
    const fc_dataset *d = &finite;
    ck_assert_msg(c->encode(d, &buf, &e) == 0, "%s encode: %s", c->name, e.msg);
    ck_assert_msg(c->decode(buf.data, buf.len, &back, &e) == 0, "%s decode: %s", c->name, e.msg);
    long diff = fc_dataset_first_difference(d, &back);
    if (!(c->supports & FC_SUPPORTS_EXACT_DOUBLES) && diff >= 0) {
        ck_assert_uint_eq(back.count, d->count);
        ck_assert_int_eq(memcmp(back.keys, d->keys, d->count * sizeof *d->keys), 0);
        diff = -1;
    }
    ck_assert_msg(diff < 0, "%s: record %ld differs (%zu records in, %zu out)", c->name, diff,
                  d->count, back.count);
    const fc_codec *json = fc_codec_find("json");
    bool leaves_to_json = c != json && c->probe(buf.data, buf.len) == 0 &&
                          fc_codec_detect(buf.data, buf.len) == json;
    ck_assert_msg(c->probe(buf.data, buf.len) || d->count == 0 || leaves_to_json,
                  "%s does not recognise its own output", c->name);
    ck_assert_ptr_eq(fc_codec_detect(buf.data, buf.len),
                     (leaves_to_json ? fc_codec_find("json") : c));
    fc_buffer_free(&buf);
    fc_dataset_free(&back);
    fc_dataset_free(&finite);
}

START_TEST(edge_values_round_trip_bit_for_bit)
{
    fc_dataset d = {0};
    ck_assert_int_eq(fc_values_make(FC_VALUES_EDGE, 0, 0, &d, NULL), 0);
    ck_assert_uint_ge(d.count, 25);
    assert_round_trip(codec(_i), &d);
    fc_dataset_free(&d);
}
END_TEST

START_TEST(random_values_round_trip_bit_for_bit)
{
    fc_dataset d = {0};
    ck_assert_int_eq(fc_values_make(FC_VALUES_RANDOM, 20000, 99, &d, NULL), 0);
    assert_round_trip(codec(_i), &d);
    fc_dataset_free(&d);
}
END_TEST

START_TEST(one_record_and_exercise_values)
{
    fc_dataset d = {0};
    ck_assert_int_eq(fc_dataset_push(&d, 1, 514.1370278623858, NULL), 0);
    assert_round_trip(codec(_i), &d);
    d.count = 0;
    ck_assert_int_eq(fc_values_make(FC_VALUES_EXERCISE, 50, 100, &d, NULL), 0);
    assert_round_trip(codec(_i), &d);
    fc_dataset_free(&d);
}
END_TEST

START_TEST(empty_dataset_round_trips)
{
    const fc_codec *c = codec(_i);
    fc_dataset d = {0}, back = {0};
    fc_buffer buf = {0};
    fc_error e = {0};
    ck_assert_int_eq(c->encode(&d, &buf, &e), 0);
    ck_assert_uint_gt(buf.len, 0); /* even "nothing" is written as something */
    ck_assert_msg(c->decode(buf.data, buf.len, &back, &e) == 0, "%s: %s", c->name, e.msg);
    ck_assert_uint_eq(back.count, 0);
    fc_buffer_free(&buf);
    fc_dataset_free(&back);
}
END_TEST

/* Every proper prefix of a valid file is rejected as corrupt, with a message. */
START_TEST(every_truncation_is_rejected)
{
    const fc_codec *c = codec(_i);
    fc_dataset d = {0}, back = {0};
    fc_buffer buf = {0};
    edge_values_for(c, &d);
    ck_assert_int_eq(c->encode(&d, &buf, NULL), 0);
    for (size_t len = 0; len < buf.len; len++) {
        fc_error e = {0};
        back.count = 0;
        /* A copy of exactly len bytes, so ASan sees any read past the end. */
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, buf.data, len);
        int rc = c->decode(copy, len, &back, &e);
        free(copy);
        ck_assert_msg(rc == FC_ECORRUPT, "%s: %zu of %zu bytes: got %s (%s)", c->name, len,
                      buf.len, fc_code_name(rc), e.msg);
        ck_assert_int_eq(e.code, FC_ECORRUPT);
        ck_assert_msg(strlen(e.msg) > 10, "%s: no message for %zu bytes", c->name, len);
    }
    fc_buffer_free(&buf);
    fc_dataset_free(&d);
    fc_dataset_free(&back);
}
END_TEST

/* Every byte of a file flipped in turn: decoding either fails cleanly or succeeds;
 * it never crashes (ASan and UBSan watch) and never returns an unknown code. */
START_TEST(every_flipped_byte_is_survived)
{
    const fc_codec *c = codec(_i);
    fc_dataset d = {0}, back = {0};
    fc_buffer buf = {0};
    edge_values_for(c, &d);
    ck_assert_int_eq(c->encode(&d, &buf, NULL), 0);
    for (size_t i = 0; i < buf.len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            fc_error e = {0};
            back.count = 0;
            buf.data[i] ^= (uint8_t)(1u << bit);
            int rc = c->decode(buf.data, buf.len, &back, &e);
            buf.data[i] ^= (uint8_t)(1u << bit);
            ck_assert_msg(rc == 0 || rc == FC_ECORRUPT, "%s: byte %zu: %s", c->name, i,
                          fc_code_name(rc));
        }
    }
    fc_buffer_free(&buf);
    fc_dataset_free(&d);
    fc_dataset_free(&back);
}
END_TEST

/* Issue 11.2: a key twice is not a result, in any format, wherever the repeat is: in
 * keys that increase (the one-pass check) and in keys out of order (the table). */
START_TEST(a_repeated_key_is_refused)
{
    const fc_codec *c = codec(_i);
    fc_dataset d = {0}, back = {0};
    for (uint64_t k = 0; k < 50000; k++)
        fc_dataset_push(&d, 3 * k, 0.25, NULL);
    for (int shuffled = 0; shuffled < 2; shuffled++) {
        if (shuffled) /* reverse: keys out of order */
            for (size_t i = 0; i < d.count / 2; i++) {
                uint64_t t = d.keys[i];
                d.keys[i] = d.keys[d.count - 1 - i];
                d.keys[d.count - 1 - i] = t;
            }
        d.keys[d.count - 1] = d.keys[d.count / 2]; /* the last repeats one in the middle */
        fc_buffer buf = {0};
        fc_error e = {0};
        char want[64];
        snprintf(want, sizeof want, "key %llu again (first at ",
                 (unsigned long long)d.keys[d.count / 2]);
        int enc = c->encode(&d, &buf, NULL);
        if (enc == FC_EINVAL) /* jansson, jsonc: their objects hold a name once; json writes it */
            enc = fc_codec_find("json")->encode(&d, &buf, NULL);
        ck_assert_int_eq(enc, 0);
        back.count = 0;
        ck_assert_msg(c->decode(buf.data, buf.len, &back, &e) == FC_ECORRUPT, "%s: accepted",
                      c->name);
        ck_assert_msg(strstr(e.msg, want) != NULL && strstr(e.msg, "each key once") != NULL,
                      "%s: %s", c->name, e.msg);
        d.keys[d.count - 1] = shuffled ? 0 : 3 * (d.count - 1); /* put it back */
        fc_buffer_free(&buf);
    }
    fc_dataset_free(&d);
    fc_dataset_free(&back);
}
END_TEST

START_TEST(registry_lookup)
{
    size_t n = fc_codec_count();
    ck_assert_uint_ge(n, 1);
    for (size_t i = 0; i < n; i++) {
        const fc_codec *c = fc_codec_at(i);
        ck_assert_ptr_nonnull(c);
        ck_assert_ptr_eq(fc_codec_find(c->name), c);
        ck_assert_ptr_eq(fc_codec_find(c->extension), c);
        char upper[32];
        ck_assert_uint_lt(strlen(c->name), sizeof upper);
        for (size_t k = 0; k <= strlen(c->name); k++)
            upper[k] = (char)toupper((unsigned char)c->name[k]);
        ck_assert_ptr_eq(fc_codec_find(upper), c);
        ck_assert_ptr_nonnull(c->library_version());
        ck_assert_uint_gt(strlen(c->library_version()), 0);
    }
    ck_assert_ptr_null(fc_codec_find("xml"));
    ck_assert_ptr_null(fc_codec_find(NULL));
    ck_assert_ptr_null(fc_codec_at(n));
    ck_assert_ptr_null(fc_codec_detect((const uint8_t *)"hello", 5));
}
END_TEST

/* The registry is the build's list of formats (FC_FORMATS_BUILT, from the fc_format()
 * lines in CMakeLists.txt), in its order; a format of the list not built is unknown. */
START_TEST(registry_is_the_build_list)
{
    char built[] = FC_FORMATS_BUILT, missing[] = FC_FORMATS_NOT_BUILT;
    size_t i = 0;
    for (char *save = NULL, *name = strtok_r(built, " ", &save); name;
         name = strtok_r(NULL, " ", &save), i++) {
        ck_assert_ptr_nonnull(fc_codec_at(i));
        ck_assert_str_eq(fc_codec_at(i)->name, name);
    }
    ck_assert_uint_eq(i, fc_codec_count());
    for (char *save = NULL, *name = strtok_r(missing, " ", &save); name;
         name = strtok_r(NULL, " ", &save))
        ck_assert_msg(fc_codec_find(name) == NULL, "%s is not built but is registered", name);
}
END_TEST

int main(void)
{
    int n = (int)fc_codec_count();
    Suite *s = suite_create("codecs");
    TCase *tc = tcase_create("every backend");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, edge_values_round_trip_bit_for_bit, 0, n);
    tcase_add_loop_test(tc, random_values_round_trip_bit_for_bit, 0, n);
    tcase_add_loop_test(tc, one_record_and_exercise_values, 0, n);
    tcase_add_loop_test(tc, empty_dataset_round_trips, 0, n);
    tcase_add_loop_test(tc, every_truncation_is_rejected, 0, n);
    tcase_add_loop_test(tc, every_flipped_byte_is_survived, 0, n);
    tcase_add_loop_test(tc, a_repeated_key_is_refused, 0, n);
    tcase_add_test(tc, registry_lookup);
    tcase_add_test(tc, registry_is_the_build_list);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
