/* test_detect.c - how a file the user names is recognised and read: the probes' bids,
 * the extension before the content, two formats that read the same bytes refused, what
 * each format can hold (fc_codec.supports), and fc_result_read on symlinks, FIFOs,
 * pipes, directories and files over the size limit. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const fc_codec *codec(int i)
{
    const fc_codec *c = fc_codec_at((size_t)i);
    ck_assert_ptr_nonnull(c);
    return c;
}

static fc_buffer encode(const fc_codec *c, const fc_dataset *d)
{
    fc_buffer b = {0};
    fc_error e = {0};
    ck_assert_msg(c->encode(d, &b, &e) == 0, "%s: %s", c->name, e.msg);
    return b;
}

/* A protobuf Results message (an unknown field 17 first, then count 1, keys [23] and
 * one value) that is also a msgpack map of 10 integer pairs (issue 11, finding 4). */
static const uint8_t AMBIGUOUS[] = {0x8a, 0x01, 0x03, 0x67, 0x0a, 0x3d, 0x08, 0x01, 0x12, 0x01, 0x17,
                                    0x1a, 0x08, 0x32, 0xf1, 0x6b, 0xf5, 0x04, 0x2c, 0x1f, 0x3d};

/* ==== Probes ==== */

/* Each format's own files, of every size, are recognised as that format and as no
 * other, from their content alone (a name that says nothing). */
START_TEST(every_format_recognises_its_own_files)
{
    const fc_codec *c = codec(_i);
    fc_dataset sets[3] = {{0}, {0}, {0}};
    ck_assert_int_eq(fc_values_make(FC_VALUES_EDGE, 0, 0, &sets[1], NULL), 0);
    ck_assert_int_eq(fc_values_make(FC_VALUES_EXERCISE, 20, 100, &sets[2], NULL), 0);
    for (int s = 0; s < 3; s++) {
        fc_buffer b = encode(c, &sets[s]);
        const fc_codec *who[8];
        size_t n = fc_codec_bidders(b.data, b.len, who, NULL, 8);
        ck_assert_msg(n == 1 && who[0] == c, "%s, set %d: %zu bidders, first %s", c->name, s, n,
                      n ? who[0]->name : "none");
        fc_buffer_free(&b);
    }
    for (int s = 0; s < 3; s++)
        fc_dataset_free(&sets[s]);
}
END_TEST

/* Bytes, and the bids the probes make on them, highest first. */
static const struct {
    const char *what;
    const char *bytes;
    size_t len;
    const char *bids; /* "name bid, name bid" */
} probe_cases[] = {
    {"nothing", "", 0, ""},
    {"text", "hello", 5, ""},
    {"raw magic alone", "FCRW", 4, "raw 32"},
    {"raw magic and version", "FCRW\1\0\0\0", 8, "raw 64"},
    {"raw, another version", "FCRW\2\0\0\0", 8, ""},
    {"raw header", "FCRW\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 24, "raw 96"},
    {"raw header, reserved set", "FCRW\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1\0\0\0", 24, ""},
    {"json brace", " \n{", 3, "json 8"},
    {"json empty object", "{ }", 3, "json 16"},
    {"json with a key", "{\"1\": 0.5}", 10, "json 20"},
    {"json with a word key", "{\"a\": 0.5}", 10, ""},
    {"json array", "[1]", 3, ""},
    {"msgpack empty map", "\x80", 1, "msgpack 4"},
    {"msgpack map16 header", "\xde\x00", 2, "msgpack 8"},
    {"msgpack one float record", "\x81\x01\xcb\x3f\xe0\0\0\0\0\0\0", 11, "msgpack 13"},
    {"msgpack uint64 key", "\x81\xcf\xff\xff\xff\xff\xff\xff\xff\xff\xcb", 11, "msgpack 17"},
    {"msgpack string key", "\x81\xa1" "a\xcb", 4, ""},
    {"msgpack map value", "\x81\x01\x80", 3, ""},
    {"protobuf count", "\x08\x05", 2, "protobuf 8"},
    {"protobuf count, keys, values", "\x08\x01\x12\x01\x01\x1a\x08", 7, "protobuf 24"},
    {"protobuf count as a string", "\x0a\x01\x01", 3, ""},
    {"protobuf group", "\x0b", 1, ""},
    {"protobuf unknown fields only", "\xa0\x01\x05", 3, ""},
    {"tpl magic", "tpl", 3, "tpl 24"},
    {"tpl header", "tpl\0b\0\0\0A(Uf)\0", 14, "tpl 72"},
    {"tpl, another format string", "tpl\0b\0\0\0A(Uv)\0", 14, ""},
    {"protobuf that is msgpack too", (const char *)AMBIGUOUS, sizeof AMBIGUOUS,
     "protobuf 24, msgpack 12"},
};

START_TEST(probes_bid_the_bits_they_check)
{
    const fc_codec *who[8];
    unsigned bids[8];
    size_t n = fc_codec_bidders((const uint8_t *)probe_cases[_i].bytes, probe_cases[_i].len, who,
                                bids, 8);
    char got[256] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s %u", i ? ", " : "",
                 who[i]->name, bids[i]);
    ck_assert_msg(strcmp(got, probe_cases[_i].bids) == 0, "%s: bids \"%s\", expected \"%s\"",
                  probe_cases[_i].what, got, probe_cases[_i].bids);
    const fc_codec *best = fc_codec_detect((const uint8_t *)probe_cases[_i].bytes,
                                           probe_cases[_i].len);
    ck_assert_ptr_eq(best, n ? who[0] : NULL);
}
END_TEST

/* The extension, when it names a format; nothing otherwise. */
static const struct {
    const char *path, *format;
} path_cases[] = {
    {"1-2.pb", "protobuf"},      {"out/1-2.json", "json"},   {"a.b.msgpack", "msgpack"},
    {"X.JSON", "json"},          {"r.protobuf", "protobuf"}, {"t.tpl", "tpl"},
    {"/x/y.raw", "raw"},         {"amb", NULL},              {"amb.bin", NULL},
    {".json", NULL},             {"dir.json/file", NULL},    {"dir.json/", NULL},
    {"file.", NULL},             {"-", NULL},
};

START_TEST(extensions_name_formats)
{
    const fc_codec *c = fc_codec_for_path(path_cases[_i].path);
    ck_assert_msg(path_cases[_i].format ? c && strcmp(c->name, path_cases[_i].format) == 0 : !c,
                  "%s: %s, expected %s", path_cases[_i].path, c ? c->name : "none",
                  path_cases[_i].format ? path_cases[_i].format : "none");
}
END_TEST

/* ==== What a format can hold ==== */

static bool round_trips(const fc_codec *c, uint64_t key, uint64_t value_bits)
{
    fc_dataset d = {0}, back = {0};
    double v;
    memcpy(&v, &value_bits, 8);
    ck_assert_int_eq(fc_dataset_push(&d, key, v, NULL), 0);
    fc_buffer b = {0};
    bool ok = c->encode(&d, &b, NULL) == 0 && c->decode(b.data, b.len, &back, NULL) == 0 &&
              fc_dataset_first_difference(&d, &back) < 0;
    fc_buffer_free(&b);
    fc_dataset_free(&d);
    fc_dataset_free(&back);
    return ok;
}

/* Each bit a codec sets is true of it (and NAN_BITS and BUILTIN are false when unset). */
START_TEST(supports_bits_say_what_round_trips)
{
    const fc_codec *c = codec(_i);
    ck_assert_uint_eq(c->version, FC_CODEC_VERSION);
    if (c->supports & FC_SUPPORTS_KEY_U64)
        ck_assert_msg(round_trips(c, UINT64_MAX, 0x3fe0000000000000u), "%s", c->name);
    ck_assert_msg(round_trips(c, (uint64_t)1 << 53, 0x3fe0000000000000u), "%s", c->name);
    if (c->supports & FC_SUPPORTS_NONFINITE) {
        ck_assert_msg(round_trips(c, 1, bits(INFINITY)), "%s", c->name);
        ck_assert_msg(round_trips(c, 1, bits(-INFINITY)), "%s", c->name);
        ck_assert_msg(round_trips(c, 1, bits(NAN)), "%s", c->name);
    }
    bool keeps = round_trips(c, 1, 0x7ff8000000000001u) && round_trips(c, 1, 0xfff8000000000000u);
    ck_assert_msg(keeps == !!(c->supports & FC_SUPPORTS_NAN_BITS), "%s: NaN bits %s", c->name,
                  keeps ? "kept" : "lost");
    ck_assert_msg(!!(c->supports & FC_SUPPORTS_BUILTIN) == (strcmp(c->library, "forkcollect") == 0),
                  "%s", c->name);
    ck_assert_uint_eq(c->supports & (FC_SUPPORTS_STRINGS | FC_SUPPORTS_NESTING |
                                     FC_SUPPORTS_SCHEMA), 0);
}
END_TEST

int main(void)
{
    int n = (int)fc_codec_count();
    Suite *s = suite_create("detect");
    TCase *tc = tcase_create("detect");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, every_format_recognises_its_own_files, 0, n);
    tcase_add_loop_test(tc, probes_bid_the_bits_they_check, 0,
                        (int)(sizeof probe_cases / sizeof probe_cases[0]));
    tcase_add_loop_test(tc, extensions_name_formats, 0,
                        (int)(sizeof path_cases / sizeof path_cases[0]));
    tcase_add_loop_test(tc, supports_bits_say_what_round_trips, 0, n);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
