/* test_shapes.c - the shapes of data: Python's generator draw for draw, each shape's
 * records as scripts/shapes.py makes them (their JSON byte for byte), value trees. */
#include "testutil.h"

#include "fc_shapes.h"

#include <unistd.h>

/* Debian's Python, which has python3-msgpack, even when another is first on PATH. */
static const char *py(void)
{
    return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

/* Runs a command and returns all it printed (the test fails if it fails). */
static fc_buffer run_capture(const char *cmd)
{
    fc_buffer out = {0};
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        ck_assert_int_eq(fc_buffer_append(&out, chunk, n, NULL), 0);
    ck_assert_msg(pclose(p) == 0, "command failed: %s", cmd);
    return out;
}

static const uint64_t SEEDS[] = {0, 1, 42, 4294967295u, 4294967296u, UINT64_C(18446744073709551615)};
enum { NSEEDS = sizeof SEEDS / sizeof *SEEDS };

/* For each seed: getrandbits(k) for k = 1..64, then below(n) for some n, then four
 * random(): Python prints them one a line, C makes the same lines. */
static const char PY_DRAWS[] =
    "import random, sys\n"
    "sys.path.insert(0, '" FC_SOURCE_DIR "/scripts')\n"
    "from shapes import below\n"
    "for s in [0, 1, 42, 4294967295, 4294967296, 18446744073709551615]:\n"
    "    r = random.Random(s)\n"
    "    for k in range(1, 65): print(r.getrandbits(k))\n"
    "    for n in [1, 2, 3, 7, 128, 1000, 2**32 + 1, 2**63 + 5, 2**64 - 1]: print(below(r, n))\n"
    "    for _ in range(4): print(r.random().hex())\n";

START_TEST(generator_draws_as_python)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s -c \"%s\"", py(), PY_DRAWS);
    fc_buffer want = run_capture(cmd);
    fc_buffer got = {0};
    static const uint64_t N[] = {1, 2, 3, 7, 128, 1000, UINT64_C(4294967297),
                                 UINT64_C(9223372036854775813), UINT64_MAX};
    for (int s = 0; s < NSEEDS; s++) {
        fc_pyrandom r;
        fc_pyrandom_seed(&r, SEEDS[s]);
        char line[64];
        for (unsigned k = 1; k <= 64; k++) {
            int n = snprintf(line, sizeof line, "%llu\n",
                             (unsigned long long)fc_pyrandom_bits(&r, k));
            fc_buffer_append(&got, line, (size_t)n, NULL);
        }
        for (size_t i = 0; i < sizeof N / sizeof *N; i++) {
            int n = snprintf(line, sizeof line, "%llu\n",
                             (unsigned long long)fc_pyrandom_below(&r, N[i]));
            fc_buffer_append(&got, line, (size_t)n, NULL);
        }
        for (int i = 0; i < 4; i++) {
            /* Python's float.hex: 0x1.<13 hex digits>p<exp>, or 0x0.0p+0 */
            double d = fc_pyrandom_random(&r);
            int n = snprintf(line, sizeof line, "%a\n", d);
            fc_buffer_append(&got, line, (size_t)n, NULL);
        }
    }
    /* C's %a drops trailing zeros of the fraction and Python's hex() keeps all 13
     * digits: compare as numbers line by line. */
    fc_buffer_append(&want, "", 1, NULL);
    fc_buffer_append(&got, "", 1, NULL);
    char *w = (char *)want.data, *g = (char *)got.data;
    int line = 0;
    while (*w && *g) {
        char *we = strchr(w, '\n'), *ge = strchr(g, '\n');
        ck_assert_ptr_nonnull(we);
        ck_assert_ptr_nonnull(ge);
        *we = *ge = '\0';
        if (strchr(w, 'p'))
            ck_assert_msg(strtod(w, NULL) == strtod(g, NULL), "line %d: %s != %s", line, w, g);
        else
            ck_assert_msg(strcmp(w, g) == 0, "line %d: Python %s, C %s", line, w, g);
        w = we + 1;
        g = ge + 1;
        line++;
    }
    ck_assert_int_eq(*w, *g);
    ck_assert_int_eq(line, NSEEDS * (64 + 9 + 4));
    fc_buffer_free(&want);
    fc_buffer_free(&got);
}
END_TEST

/* Our JSON of the records of keys start..start+count-1 against scripts/shapes.py's. */
static void check_shape_json(enum fc_shape s, uint64_t start, uint64_t count)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s %s/scripts/shapes.py %s %llu %llu", py(), FC_SOURCE_DIR,
             fc_shape_name(s), (unsigned long long)start, (unsigned long long)count);
    fc_buffer want = run_capture(cmd);
    fc_records r = {0};
    fc_error e = {0};
    ck_assert_msg(fc_shape_records(s, start, count, 0, &r, &e) == 0, "%s", e.msg);
    fc_buffer got = {0};
    ck_assert_msg(fc_records_write_json(&r, &got, &e) == 0, "%s", e.msg);
    size_t i = 0;
    while (i < want.len && i < got.len && want.data[i] == got.data[i])
        i++;
    ck_assert_msg(i == want.len && i == got.len,
                  "%s %llu+%llu: bytes differ at %zu of %zu/%zu: Python ...%.60s, C ...%.60s",
                  fc_shape_name(s), (unsigned long long)start, (unsigned long long)count, i,
                  want.len, got.len, (char *)want.data + (i > 20 ? i - 20 : 0),
                  (char *)got.data + (i > 20 ? i - 20 : 0));
    fc_buffer_free(&want);
    fc_buffer_free(&got);
    fc_records_free(&r);
}

START_TEST(records_are_pythons_json)
{
    for (int s = FC_SHAPE_INTS; s < FC_SHAPE_INPUT; s++) {
        check_shape_json((enum fc_shape)s, 0, 300);
        check_shape_json((enum fc_shape)s, 4294967290u, 12);
        check_shape_json((enum fc_shape)s, UINT64_C(18446744073709551612), 4);
    }
}
END_TEST

START_TEST(records_depend_on_the_key_alone)
{
    for (int s = FC_SHAPE_INTS; s < FC_SHAPE_INPUT; s++) {
        fc_records all = {0}, one = {0};
        ck_assert_int_eq(fc_shape_records((enum fc_shape)s, 10, 20, 0, &all, NULL), 0);
        ck_assert_int_eq(fc_shape_records((enum fc_shape)s, 17, 1, 0, &one, NULL), 0);
        ck_assert(fc_value_equal(&all.values[7], &one.values[0]));
        ck_assert(!fc_value_equal(&all.values[6], &one.values[0]));
        fc_records_free(&all);
        fc_records_free(&one);
    }
}
END_TEST

START_TEST(equality_is_bit_for_bit)
{
    fc_value a = {.type = FC_V_DOUBLE, .d = 0.0}, b = {.type = FC_V_DOUBLE, .d = -0.0};
    ck_assert(!fc_value_equal(&a, &b)); /* == would say equal */
    fc_value f = {.type = FC_V_FLOAT32, .f = 1.5f}, d = {.type = FC_V_DOUBLE, .d = 1.5};
    ck_assert(!fc_value_equal(&f, &d)); /* the declared width is part of the value */
    fc_value u = {.type = FC_V_UINT, .u = 5}, i = {.type = FC_V_INT, .i = 5};
    ck_assert(!fc_value_equal(&u, &i));
    fc_value s1 = {.type = FC_V_STRING, .str = {"ab", 2}}, s2 = {.type = FC_V_STRING, .str = {"abc", 2}};
    ck_assert(fc_value_equal(&s1, &s2)); /* the bytes of the length, no more */
}
END_TEST

START_TEST(json_refuses_text_that_is_not_utf8)
{
    static const char *bad[] = {"a\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ab\xe6\x97"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        fc_value v = {.type = FC_V_STRING, .str = {bad[k], strlen(bad[k])}};
        fc_buffer out = {0};
        fc_error e = {0};
        ck_assert_int_eq(fc_value_write_json(&v, &out, &e), FC_EINVAL);
        ck_assert_msg(strstr(e.msg, "not UTF-8 at its byte"), "%s", e.msg);
        fc_buffer_free(&out);
    }
}
END_TEST

START_TEST(shape_names)
{
    enum fc_shape s;
    fc_error e = {0};
    for (int k = 0; k < FC_SHAPE_INPUT; k++) {
        ck_assert_int_eq(fc_shape_find(fc_shape_name((enum fc_shape)k), &s, &e), 0);
        ck_assert_int_eq(s, k);
    }
    ck_assert_int_eq(fc_shape_find("input", &s, &e), FC_EINVAL);
    ck_assert_str_eq(e.msg, "'input' is your own data: give it with --input FILE");
    ck_assert_int_eq(fc_shape_find("tweets", &s, &e), FC_EINVAL);
    ck_assert_str_eq(e.msg, "unknown shape 'tweets': give numbers, ints, log, mesh or doc");
}
END_TEST


/* ==== Reading any JSON document ==== */

static int read_tree(const char *doc, fc_arena *a, fc_value *v, fc_error *e)
{
    return fc_json_read_tree((const uint8_t *)doc, strlen(doc), NULL, a, v, NULL, e);
}

START_TEST(shapes_read_back_from_json)
{
    for (int s = FC_SHAPE_INTS; s < FC_SHAPE_INPUT; s++) {
        fc_records r = {0};
        fc_error e = {0};
        ck_assert_int_eq(fc_shape_records((enum fc_shape)s, 0, 200, 0, &r, &e), 0);
        fc_buffer once = {0}, twice = {0};
        ck_assert_int_eq(fc_records_write_json(&r, &once, &e), 0);
        fc_arena a = {0};
        fc_value v;
        ck_assert_msg(fc_json_read_tree(once.data, once.len, NULL, &a, &v, NULL, &e) == 0,
                      "%s", e.msg);
        ck_assert_int_eq(v.type, FC_V_OBJECT);
        ck_assert_uint_eq(v.obj.n, 200);
        /* JSON has no float32: a mesh reads back as doubles of the same values, so its
         * bytes, not its tree, are what must match; every other shape's tree matches. */
        if (s != FC_SHAPE_MESH)
            for (size_t i = 0; i < 200; i++)
                ck_assert(fc_value_equal(&v.obj.members[i].value, &r.values[i]));
        ck_assert_int_eq(fc_value_write_json(&v, &twice, &e), 0);
        ck_assert_uint_eq(once.len, twice.len);
        ck_assert(memcmp(once.data, twice.data, once.len) == 0);
        fc_buffer_free(&once);
        fc_buffer_free(&twice);
        fc_arena_free(&a);
        fc_records_free(&r);
    }
}
END_TEST

/* Documents Python reads: json.dumps(json.loads(doc)) must be what we write back. */
static const char *const PY_DOCS[] = {
    "[1, -1, 0, -0, 1.0, 1e5, 1E-7, 2.5e+300, 1e400, -1e400, NaN, Infinity, -Infinity]",
    "{\"a\":{\"b\":[true,false,null,{}, []]},\"\u00e9\\ud83d\\ude00\":\"x\\u0000y\\/\"}",
    "[18446744073709551615, -9223372036854775808, 9007199254740993, 0.1, 123456789012345678901234567890.5]",
    "\"caf\u00c3\u00a9 \\t\\n\\r\\b\\f \\\" \\\\\"",
    "  {\"k\" : [ 1 , 2 ] }  ",
};

START_TEST(any_document_as_python_reads_it)
{
    for (size_t k = 0; k < sizeof PY_DOCS / sizeof *PY_DOCS; k++) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd,
                 "%s -c \"import json,sys; sys.stdout.write(json.dumps(json.loads(sys.argv[1])))\" "
                 "'%s'", py(), PY_DOCS[k]);
        fc_buffer want = run_capture(cmd);
        /* the document itself, as the shell gave it to Python */
        char doc[512];
        snprintf(cmd, sizeof cmd, "printf '%%s' '%s'", PY_DOCS[k]);
        fc_buffer raw = run_capture(cmd);
        ck_assert_uint_lt(raw.len, sizeof doc);
        memcpy(doc, raw.data, raw.len);
        doc[raw.len] = '\0';
        fc_arena a = {0};
        fc_value v;
        fc_error e = {0};
        ck_assert_msg(read_tree(doc, &a, &v, &e) == 0, "%s: %s", doc, e.msg);
        fc_buffer got = {0};
        ck_assert_int_eq(fc_value_write_json(&v, &got, &e), 0);
        ck_assert_msg(got.len == want.len && memcmp(got.data, want.data, got.len) == 0,
                      "%s: Python %.*s, C %.*s", doc, (int)want.len, (char *)want.data,
                      (int)got.len, (char *)got.data);
        fc_buffer_free(&want);
        fc_buffer_free(&raw);
        fc_buffer_free(&got);
        fc_arena_free(&a);
    }
}
END_TEST

static const struct {
    const char *doc;
    int code;
    const char *msg;
} BAD_DOCS[] = {
    {"{\"a\": 1, \"b\": 2, \"a\": 3}", FC_ECORRUPT,
     "offset 0: the object that starts here holds the key \"a\" twice (Python would keep the last one without a word)"},
    {"[18446744073709551616]", FC_EUNSUPPORTED,
     "offset 1: the integer 18446744073709551616 is outside -2^63..2^64-1, which no format here holds as an integer (write it as a float or a string)"},
    {"[-9223372036854775809]", FC_EUNSUPPORTED,
     "offset 1: the integer -9223372036854775809 is outside -2^63..2^64-1, which no format here holds as an integer (write it as a float or a string)"},
    {"[\"\\ud800x\"]", FC_EUNSUPPORTED,
     "offset 2: \\ud800 is half of a surrogate pair with no other half: Python reads it, but no UTF-8 text holds it"},
    {"[\"a\tb\"]", FC_ECORRUPT, "offset 3: control character 0x09 inside a string (escape it)"},
    {"[\"a\xff" "b\"]", FC_ECORRUPT, "offset 1: the string that starts here is not UTF-8 at its byte 1"},
    {"[1] x", FC_ECORRUPT, "offset 4: expected the end of the file after the value, found 'x'"},
    {"[1,]", FC_ECORRUPT, "offset 3: expected a value (an object, array, string, number, true, false or null), found ']'"},
    {"{\"a\" 1}", FC_ECORRUPT, "offset 5: expected ':' after a key, found '1'"},
    {"[01]", FC_ECORRUPT, "offset 2: expected ',' or ']' in an array, found '1'"},
    {"[1.]", FC_ECORRUPT, "offset 3: expected a digit after '.', found ']'"},
    {"\"abc", FC_ECORRUPT, "offset 0: the string that starts here is not closed"},
    {"[\"\\x\"]", FC_ECORRUPT, "offset 2: expected an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX), found '\\'"},
    {"", FC_ECORRUPT, "offset 0: expected a value, found the end of the file"},
};

START_TEST(bad_documents_are_named)
{
    for (size_t k = 0; k < sizeof BAD_DOCS / sizeof *BAD_DOCS; k++) {
        fc_arena a = {0};
        fc_value v;
        fc_error e = {0};
        ck_assert_int_eq(read_tree(BAD_DOCS[k].doc, &a, &v, &e), BAD_DOCS[k].code);
        ck_assert_str_eq(e.msg, BAD_DOCS[k].msg);
        fc_arena_free(&a);
    }
}
END_TEST

START_TEST(nesting_and_strings_are_bounded)
{
    enum { DEEP = 100000 };
    char *doc = malloc(2 * DEEP + 1);
    memset(doc, '[', DEEP);
    memset(doc + DEEP, ']', DEEP);
    doc[2 * DEEP] = '\0';
    fc_arena a = {0};
    fc_value v;
    fc_error e = {0};
    ck_assert_int_eq(read_tree(doc, &a, &v, &e), FC_EUNSUPPORTED);
    ck_assert_str_eq(e.msg, "offset 512: arrays and objects nested deeper than 512");
    fc_arena_free(&a);
    /* A higher limit is taken up to FC_TREE_MAX_DEPTH, where the parser's own stack
     * would be at risk. */
    fc_tree_limits lim = {.max_depth = DEEP, .max_string = 3};
    ck_assert_int_eq(fc_json_read_tree((const uint8_t *)doc, 2 * DEEP, &lim, &a, &v, NULL, &e),
                     FC_EUNSUPPORTED);
    ck_assert_str_eq(e.msg, "offset 10000: arrays and objects nested deeper than 10000");
    fc_arena_free(&a);
    const char *mid = doc + DEEP - 9000;
    ck_assert_int_eq(fc_json_read_tree((const uint8_t *)mid, 18000, &lim, &a, &v, NULL, &e), 0);
    fc_arena_free(&a);
    ck_assert_int_eq(fc_json_read_tree((const uint8_t *)"\"abcd\"", 6, &lim, &a, &v, NULL, &e),
                     FC_EUNSUPPORTED);
    ck_assert_str_eq(e.msg, "offset 0: a string of 4 bytes, past the limit of 3");
    fc_arena_free(&a);
    free(doc);
}
END_TEST

START_TEST(json_lines_read_one_value_at_a_time)
{
    const char *lines = "{\"a\": 1}\n[2]\n\"three\"\n";
    size_t off = 0, used, n = 0;
    fc_arena a = {0};
    while (off < strlen(lines)) {
        fc_value v;
        ck_assert_int_eq(fc_json_read_tree((const uint8_t *)lines + off, strlen(lines) - off,
                                           NULL, &a, &v, &used, NULL), 0);
        ck_assert_int_eq(v.type, n == 0 ? FC_V_OBJECT : n == 1 ? FC_V_ARRAY : FC_V_STRING);
        off += used;
        n++;
    }
    ck_assert_uint_eq(n, 3);
    fc_arena_free(&a);
}
END_TEST

/* ==== MessagePack ==== */

/* Writes a file under the scratch directory and returns its path. */
static const char *put_file(const char *name, const fc_buffer *b)
{
    const char *path = scratch_at(name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b->data, 1, b->len, f), b->len);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

/* Python's msgpack reads our file of each shape to shapes.py's records, and we read
 * the file Python's msgpack.packb writes of them to the same JSON. */
START_TEST(msgpack_as_python_reads_and_writes_it)
{
    for (int s = FC_SHAPE_INTS; s < FC_SHAPE_INPUT; s++) {
        fc_records r = {0}, back = {0}, theirs = {0};
        fc_error e = {0};
        const char *name = fc_shape_name((enum fc_shape)s);
        ck_assert_int_eq(fc_shape_records((enum fc_shape)s, 1000, 150, 0, &r, &e), 0);
        fc_buffer ours = {0};
        ck_assert_msg(fc_msgpack_write_records(&r, (unsigned)s, &ours, &e) == 0, "%s", e.msg);
        const char *path = put_file("ours.msgpack", &ours);
        char cmd[1024];
        snprintf(cmd, sizeof cmd,
                 "cd %s/scripts && %s -c \"import msgpack, shapes, sys; "
                 "d = msgpack.unpackb(open('%s', 'rb').read(), strict_map_key=False); "
                 "assert d == shapes.records('%s', 1000, 150), 'differs'; "
                 "sys.stdout.buffer.write(msgpack.packb(d))\"", FC_SOURCE_DIR, py(), path, name);
        fc_buffer packed = run_capture(cmd);
        ck_assert_msg(fc_msgpack_read_records(ours.data, ours.len, (unsigned)s, &back, &e) == 0, "%s", e.msg);
        ck_assert_uint_eq(back.count, r.count);
        for (size_t i = 0; i < r.count; i++) {
            ck_assert_uint_eq(back.keys[i], r.keys[i]);
            ck_assert(fc_value_equal(&back.values[i], &r.values[i]));
        }
        /* Python writes a float32 as a float64: same values, so the same JSON. */
        ck_assert_msg(fc_msgpack_read_records(packed.data, packed.len, (unsigned)s, &theirs, &e) == 0, "%s", e.msg);
        fc_buffer j1 = {0}, j2 = {0};
        ck_assert_int_eq(fc_records_write_json(&r, &j1, &e), 0);
        ck_assert_int_eq(fc_records_write_json(&theirs, &j2, &e), 0);
        ck_assert(j1.len == j2.len && memcmp(j1.data, j2.data, j1.len) == 0);
        if (s != FC_SHAPE_MESH) /* and, but for float32, the bytes are Python's */
            ck_assert(ours.len == packed.len && memcmp(ours.data, packed.data, ours.len) == 0);
        fc_buffer_free(&ours);
        fc_buffer_free(&packed);
        fc_buffer_free(&j1);
        fc_buffer_free(&j2);
        fc_records_free(&r);
        fc_records_free(&back);
        fc_records_free(&theirs);
    }
}
END_TEST

static const struct {
    const char *hex;
    int code;
    const char *msg;
} BAD_MSGPACK[] = {
    {"91", FC_ECORRUPT, "offset 0: expected a map of records"},
    {"df ffffffff 00", FC_ECORRUPT, "offset 0: the map declares 4294967295 records, but only 1 bytes follow"},
    {"81 a1 78 00", FC_ECORRUPT, "offset 1: record 0's key is not an integer 0..2^64-1"},
    {"81 00 dd 7fffffff 00", FC_ECORRUPT, "offset 2: the array declares 2147483647 elements, but only 1 bytes follow"},
    {"81 00 81 01 02", FC_EUNSUPPORTED, "offset 3: a map key inside a record is not a str (type byte 0x01): records here have text keys"},
    {"81 00 c4 01 00", FC_EUNSUPPORTED, "offset 2: type byte 0xc4 (bin): no shape holds it"},
    {"81 00 a2 c3 28", FC_ECORRUPT, "offset 2: the str here is not UTF-8 at its byte 0"},
    {"81 00 82 a1 61 01 a1 61 02", FC_ECORRUPT, "msgpack: a map holds the key \"a\" twice (Python would keep the last one without a word)"},
    {"82 05 c0 05 c0", FC_ECORRUPT, "msgpack: records 0 and 1 both have the key 5"},
    {"81 00 c0 c0", FC_ECORRUPT, "offset 3: 1 bytes after the map, which should end the file"},
    {"81 00 a5 61", FC_ECORRUPT, "offset 2: a str of 5 bytes, but only 1 follow"},
};

static fc_buffer from_hex(const char *hex)
{
    fc_buffer b = {0};
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned v;
        ck_assert_int_eq(sscanf(p, "%2x", &v), 1);
        uint8_t byte = (uint8_t)v;
        fc_buffer_append(&b, &byte, 1, NULL);
        p += 2;
    }
    return b;
}

START_TEST(msgpack_refusals_are_named)
{
    for (size_t k = 0; k < sizeof BAD_MSGPACK / sizeof *BAD_MSGPACK; k++) {
        fc_buffer b = from_hex(BAD_MSGPACK[k].hex);
        fc_records r = {0};
        fc_error e = {0};
        ck_assert_int_eq(fc_msgpack_read_records(b.data, b.len, FC_SHAPE_DOC, &r, &e), BAD_MSGPACK[k].code);
        ck_assert_str_eq(e.msg, BAD_MSGPACK[k].msg);
        fc_records_free(&r);
        fc_buffer_free(&b);
    }
}
END_TEST

START_TEST(msgpack_nesting_stops_at_msgpack_cs_limit)
{
    fc_buffer b = from_hex("81 00");
    for (int i = 0; i < 40; i++)
        fc_buffer_append(&b, "\x91", 1, NULL);
    fc_buffer_append(&b, "\xc0", 1, NULL);
    fc_records r = {0};
    fc_error e = {0};
    ck_assert_int_eq(fc_msgpack_read_records(b.data, b.len, FC_SHAPE_DOC, &r, &e), FC_EUNSUPPORTED);
    ck_assert_str_eq(e.msg, "offset 33: nested deeper than 32, msgpack-c's limit");
    fc_records_free(&r);
    fc_buffer_free(&b);
}
END_TEST

/* ==== Protobuf ==== */

#ifdef FC_HAVE_PROTOBUF
/* Google's protobuf runtime, with code protoc makes from proto/shapes.proto, reads our
 * file of each shape to shapes.py's records and writes the same bytes, which we read. */
START_TEST(protobuf_as_googles_runtime_reads_and_writes_it)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "protoc --python_out=%s --proto_path=%s/proto %s/proto/shapes.proto",
             scratch_dir(), FC_SOURCE_DIR, FC_SOURCE_DIR);
    fc_buffer none = run_capture(cmd);
    fc_buffer_free(&none);
    for (int s = FC_SHAPE_INTS; s < FC_SHAPE_INPUT; s++) {
        fc_records r = {0}, back = {0};
        fc_error e = {0};
        const char *name = fc_shape_name((enum fc_shape)s);
        ck_assert_int_eq(fc_shape_records((enum fc_shape)s, 500, 120, 0, &r, &e), 0);
        fc_buffer ours = {0};
        ck_assert_msg(fc_protobuf_write_records(&r, (unsigned)s, &ours, &e) == 0, "%s", e.msg);
        const char *path = put_file("ours.pb", &ours);
        snprintf(cmd, sizeof cmd, "%s %s/tests/shapes_protobuf.py read %s %s %s", py(),
                 FC_SOURCE_DIR, name, path, scratch_dir());
        fc_buffer ok = run_capture(cmd);
        snprintf(cmd, sizeof cmd, "%s %s/tests/shapes_protobuf.py write %s 500 120 %s", py(),
                 FC_SOURCE_DIR, name, scratch_dir());
        fc_buffer theirs = run_capture(cmd);
        ck_assert_msg(ours.len == theirs.len && memcmp(ours.data, theirs.data, ours.len) == 0,
                      "%s: %zu bytes, Python's %zu", name, ours.len, theirs.len);
        ck_assert_msg(fc_protobuf_read_records(ours.data, ours.len, (unsigned)s, &back, &e) == 0,
                      "%s", e.msg);
        ck_assert_uint_eq(back.count, r.count);
        for (size_t i = 0; i < r.count; i++) {
            ck_assert_uint_eq(back.keys[i], r.keys[i]);
            ck_assert_msg(fc_value_equal(&back.values[i], &r.values[i]), "%s record %zu", name, i);
        }
        fc_buffer_free(&ours);
        fc_buffer_free(&ok);
        fc_buffer_free(&theirs);
        fc_records_free(&r);
        fc_records_free(&back);
    }
}
END_TEST

START_TEST(protobuf_refusals_are_named)
{
    fc_records r = {0};
    fc_error e = {0};
    fc_arena a = {0};
    fc_value v;
    /* a member the message has no field for; an integer too wide; text with a NUL */
    static const struct {
        const char *doc;
        const char *msg;
    } bad[] = {
        {"{\"address\": \"x\", \"colour\": 1}",
         "protobuf: record 0: \"colour\" has no field in shapes.proto's LogRecord"},
        {"{\"code\": 4294967296}", "protobuf: record 0: field code: the integer does not fit the field's width"},
        {"{\"code\": -1}", "protobuf: record 0: field code: a negative integer in an unsigned field"},
        {"{\"userid\": \"a\\u0000b\"}",
         "protobuf: record 0: field userid: text with a NUL byte, which protobuf-c would cut there"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        ck_assert_int_eq(read_tree(bad[k].doc, &a, &v, &e), 0);
        uint64_t key = 0;
        fc_records one = {.keys = &key, .values = &v, .count = 1, .cap = 1};
        fc_buffer out = {0};
        ck_assert_int_eq(fc_protobuf_write_records(&one, FC_SHAPE_LOG, &out, &e), FC_EUNSUPPORTED);
        ck_assert_str_eq(e.msg, bad[k].msg);
        fc_buffer_free(&out);
    }
    fc_arena_free(&a);
    /* A log record whose address says 5 bytes and holds 1: protobuf-c refuses it */
    fc_buffer b = from_hex("0a 05 08 01 12 05 41");
    ck_assert_int_eq(fc_protobuf_read_records(b.data, b.len, FC_SHAPE_LOG, &r, &e), FC_ECORRUPT);
    ck_assert_str_eq(e.msg, "protobuf: protobuf-c could not read the 7 bytes as a LogFile of proto/shapes.proto");
    fc_buffer_free(&b);
    /* "A\0B" as the address: protobuf-c would cut it at the NUL */
    b = from_hex("0a 07 08 01 12 03 41 00 42");
    ck_assert_int_eq(fc_protobuf_read_records(b.data, b.len, FC_SHAPE_LOG, &r, &e), FC_ECORRUPT);
    ck_assert_str_eq(e.msg, "protobuf: the records come back to 7 bytes, the file has 9: a string cut at a NUL byte, a field given twice, unknown fields or numbers not packed; write it as LogFile of proto/shapes.proto");
    fc_buffer_free(&b);
    /* two records with key 1 */
    b = from_hex("0a 02 08 01 0a 02 08 01");
    ck_assert_int_eq(fc_protobuf_read_records(b.data, b.len, FC_SHAPE_LOG, &r, &e), FC_ECORRUPT);
    ck_assert_str_eq(e.msg, "protobuf: records 0 and 1 both have the key 1");
    fc_buffer_free(&b);
    /* 1,000 empty records, two bytes each: protobuf-c would take some 190 bytes for
     * each (the DocRecord struct, its pointer, its scan): past 64 a byte, refused
     * before it is all allocated */
    for (int i = 0; i < 1000; i++)
        fc_buffer_append(&b, "\x0a\x00", 2, NULL);
    ck_assert_int_eq(fc_protobuf_read_records(b.data, b.len, FC_SHAPE_DOC, &r, &e), FC_EUNSUPPORTED);
    ck_assert_str_eq(e.msg, "protobuf: the file asks for more than 64 bytes of memory for each of its 2000 bytes; refused");
    fc_buffer_free(&b);
    fc_records_free(&r);
}
END_TEST
#endif

/* ==== Through the codec table ==== */

/* Every codec that says it holds a shape gives its records back exactly, through
 * the table alone; one that does not has no functions for it. */
START_TEST(every_codec_holds_the_shapes_it_says)
{
    for (size_t c = 0; fc_codec_at(c); c++) {
        const fc_codec *k = fc_codec_at(c);
        ck_assert_uint_eq(k->shapes & ~FC_SHAPES_ALL, 0);
        ck_assert_int_eq(k->shapes != 0, k->encode_records != NULL);
        ck_assert_int_eq(k->shapes != 0, k->decode_records != NULL);
        for (int s = FC_SHAPE_INTS; s < FC_SHAPE_COUNT; s++) {
            if (!(k->shapes & (1u << s)))
                continue;
            fc_records r = {0}, back = {0};
            fc_error e = {0};
            /* the user's own data: any tree; doc's records stand for it */
            enum fc_shape made = s == FC_SHAPE_INPUT ? FC_SHAPE_DOC : (enum fc_shape)s;
            ck_assert_int_eq(fc_shape_records(made, UINT64_MAX - 99, 100, 0, &r, &e), 0);
            fc_buffer b = {0};
            ck_assert_msg(k->encode_records(&r, (unsigned)s, &b, &e) == 0, "%s: %s", k->name, e.msg);
            ck_assert_msg(k->decode_records(b.data, b.len, (unsigned)s, &back, &e) == 0, "%s %s: %s",
                          k->name, fc_shape_name((enum fc_shape)s), e.msg);
            ck_assert_uint_eq(back.count, r.count);
            for (size_t i = 0; i < r.count; i++) {
                ck_assert_uint_eq(back.keys[i], r.keys[i]);
                ck_assert_msg(fc_value_equal(&back.values[i], &r.values[i]), "%s %s record %zu",
                              k->name, fc_shape_name((enum fc_shape)s), i);
            }
            fc_buffer_free(&b);
            fc_records_free(&r);
            fc_records_free(&back);
        }
    }
}
END_TEST

START_TEST(json_records_refusals)
{
    static const struct {
        const char *doc;
        const char *msg;
    } bad[] = {
        {"[1]", "json: expected an object of records, keyed by their integer keys as text"},
        {"{\"01\": 1}", "json: record 0's key \"01\" is not an integer 0..2^64-1 as Python's str() writes it"},
        {"{\"18446744073709551616\": 1}", "json: record 0's key \"18446744073709551616\" is not an integer 0..2^64-1 as Python's str() writes it"},
        {"{\"1\": {\"vertices\": [0.1]}}", "mesh: vertices[0] is 0.10000000000000001, which is not a float32"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        fc_records r = {0};
        fc_error e = {0};
        ck_assert_int_eq(fc_json_read_records((const uint8_t *)bad[k].doc, strlen(bad[k].doc),
                                              FC_SHAPE_MESH, &r, &e), FC_ECORRUPT);
        ck_assert_str_eq(e.msg, bad[k].msg);
        fc_records_free(&r);
    }
}
END_TEST

/* ==== Pickle, marshal and the JSON libraries (branch shapes2) ==== */

/* Python's module `mod` reads our file of each shape (codec `codec`) holds to
 * shapes.py's records r, as `same` (of d, what it read, and r) says; and we read what
 * mod.dumps(records<args>) writes, for each of `args`, to the same records. */
static void python_compares(const char *codec, const char *mod, const char *const *args,
                            size_t nargs, const char *same)
{
    const fc_codec *k = fc_codec_find(codec);
    ck_assert_ptr_nonnull(k);
    for (int s = FC_SHAPE_INTS; s < FC_SHAPE_COUNT; s++) {
        if (!(k->shapes & FC_SHAPES_MADE & (1u << s))) /* shapes.py makes these */
            continue;
        fc_records r = {0};
        fc_error e = {0};
        const char *name = fc_shape_name((enum fc_shape)s);
        ck_assert_int_eq(fc_shape_records((enum fc_shape)s, 1000, 150, 0, &r, &e), 0);
        fc_buffer ours = {0};
        ck_assert_msg(k->encode_records(&r, (unsigned)s, &ours, &e) == 0, "%s", e.msg);
        const char *path = put_file("ours", &ours);
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "cd %s/scripts && %s -c \"import json, %s, shapes; "
                 "d = %s.loads(open('%s', 'rb').read()); r = shapes.records('%s', 1000, 150); "
                 "assert %s, 'differs'\"", FC_SOURCE_DIR, py(), mod, mod, path, name, same);
        fc_buffer none = run_capture(cmd);
        fc_buffer_free(&none);
        for (size_t a = 0; a < nargs; a++) {
            snprintf(cmd, sizeof cmd, "cd %s/scripts && %s -c \"import %s, shapes, sys; "
                     "sys.stdout.buffer.write(%s.dumps(shapes.records('%s', 1000, 150)%s))\"",
                     FC_SOURCE_DIR, py(), mod, mod, name, args[a]);
            fc_buffer theirs = run_capture(cmd);
            fc_records back = {0};
            ck_assert_msg(k->decode_records(theirs.data, theirs.len, (unsigned)s, &back, &e) == 0,
                          "%s %s%s: %s", mod, name, args[a], e.msg);
            ck_assert_uint_eq(back.count, r.count);
            for (size_t i = 0; i < r.count; i++) {
                ck_assert_uint_eq(back.keys[i], r.keys[i]);
                ck_assert_msg(fc_value_equal(&back.values[i], &r.values[i]), "%s %s%s record %zu",
                              mod, name, args[a], i);
            }
            fc_records_free(&back);
            fc_buffer_free(&theirs);
        }
        fc_buffer_free(&ours);
        fc_records_free(&r);
    }
}

/* The same records, compared as json.dumps, which keeps their order and types. */
static void python_reads_and_writes(const char *codec, const char *mod, const char *const *args,
                                    size_t nargs)
{
    python_compares(codec, mod, args, nargs, "json.dumps(d) == json.dumps(r)");
}

START_TEST(pickle_as_python_reads_and_writes_it)
{
    static const char *const protocols[] = {", protocol=2", ", protocol=3", ", protocol=4",
                                            ", protocol=5"};
    python_reads_and_writes("pickle", "pickle", protocols, 4);
}
END_TEST

/* A file (hex) a codec refuses, with its code and message. */
struct refusal {
    const char *hex;
    int code;
    const char *msg;
};

static void refusals_are_named(const char *codec, const struct refusal *bad, size_t n)
{
    const fc_codec *k = fc_codec_find(codec);
    for (size_t i = 0; i < n; i++) {
        fc_buffer b = from_hex(bad[i].hex);
        fc_records r = {0};
        fc_error e = {0};
        ck_assert_msg(k->decode_records(b.data, b.len, FC_SHAPE_DOC, &r, &e) == bad[i].code,
                      "%s %s: %s", codec, bad[i].hex, e.msg);
        ck_assert_str_eq(e.msg, bad[i].msg);
        fc_records_free(&r);
        fc_buffer_free(&b);
    }
}

/* Each hostile or foreign pickle is refused with its offset and why. */
static const struct refusal BAD_PICKLE[] = {
    {"80 04 7d 4b 01 4e 73", FC_ECORRUPT, "offset 7: the file ends before STOP (2e), which ends every pickle"},
    {"80 04 7d 4b 01 63 6f 73 0a 73 79 73 74 65 6d 0a 73 2e", FC_ECORRUPT, "offset 5: opcode GLOBAL (0x63) imports a callable; a result file never does, so it is refused: unpickling untrusted data can run code"},
    {"80 04 7d 4b 01 5d 94 4b 02 68 00 73 2e", FC_EUNSUPPORTED, "offset 9: BINGET 0 fetches a list a second time: a record is a tree, nothing in it is shared (only text and numbers may be fetched again)"},
    {"80 04 7d 4b 01 4e 71 05 73 2e", FC_ECORRUPT, "offset 6: BINPUT 5 skips memo entries (the next is 0): picklers number them in order, and this reader keeps its memo that dense"},
    {"80 04 7d 4b 01 68 00 73 2e", FC_ECORRUPT, "offset 5: BINGET 0, but memo entry 0 was never stored"},
    {"80 04 7d 4b 01 8c 02 c3 28 73 2e", FC_ECORRUPT, "offset 5: the text of SHORT_BINUNICODE is not UTF-8 at its byte 0"},
    {"80 04 7d 4b 01 7d 28 8c 01 61 4e 8c 01 61 4e 75 73 2e", FC_ECORRUPT, "offset 5: the dict made here holds the key \"a\" twice (Python would keep the last one without a word)"},
    {"80 04 7d 28 4b 07 4e 4b 07 4e 75 2e", FC_ECORRUPT, "offset 7 (record 1): key 7 again (first at offset 4, record 0); a file holds each key once"},
    {"80 04 7d 4b 01 7d 4b 02 4e 73 73 2e", FC_EUNSUPPORTED, "offset 6: a dict's key is an int: dicts inside records have str keys"},
    {"80 04 7d 4a ff ff ff ff 4e 73 2e", FC_ECORRUPT, "offset 3: record 0's key is a negative int, expected an int 0..2^64-1"},
    {"80 04 7d 4b 01 8a 09 00 00 00 00 00 00 00 00 01 73 2e", FC_EUNSUPPORTED, "offset 5: the integer of 9 bytes (beyond 64 bits) is outside -2^63..2^64-1, which no shape holds"},
    {"80 04 7d 5d 4b 01 4e 73 2e", FC_ECORRUPT, "offset 7: SETITEM adds to a list (made at offset 3), expected a dict"},
    {"80 04 7d 4b 01 4e 65 2e", FC_ECORRUPT, "offset 6: APPENDS without a MARK before it"},
    {"80 04 7d 4b 01 4e 73 2e 2e", FC_ECORRUPT, "offset 8: 1 bytes after STOP, which should end the file"},
    {"80 04 7d 4b 01 28 4e 2e", FC_ECORRUPT, "offset 7: STOP with 1 MARKs left above the dict of records"},
    {"80 04 7d 4b 01 42 01 00 00 00 00 73 2e", FC_ECORRUPT, "offset 5: opcode BINBYTES (0x42), expected an opcode of a dict, list, str, int, float, bool or None; a result file is one dict of integer keys to float values"},
};

START_TEST(pickle_refusals_are_named)
{
    refusals_are_named("pickle", BAD_PICKLE, sizeof BAD_PICKLE / sizeof *BAD_PICKLE);
}
END_TEST

/* head, `open` deep + 1 times, `close` one time fewer, tail (all hex): refused as
 * nested too deep, by the reader's count, before any recursion goes past it. */
static void nesting_refused(const char *codec, const char *head, const char *open,
                            const char *close, const char *tail, const char *msg)
{
    fc_buffer b = from_hex(head), o = from_hex(open), c = from_hex(close), t = from_hex(tail);
    size_t deep = fc_tree_default_limits.max_depth + 1;
    for (size_t i = 0; i < deep; i++)
        fc_buffer_append(&b, o.data, o.len, NULL);
    for (size_t i = 0; c.len && i + 1 < deep; i++)
        fc_buffer_append(&b, c.data, c.len, NULL);
    fc_buffer_append(&b, t.data, t.len, NULL);
    fc_records r = {0};
    fc_error e = {0};
    ck_assert_int_eq(fc_codec_find(codec)->decode_records(b.data, b.len, FC_SHAPE_DOC, &r, &e),
                     FC_EUNSUPPORTED);
    ck_assert_str_eq(e.msg, msg);
    fc_records_free(&r);
    fc_buffer_free(&b);
    fc_buffer_free(&o);
    fc_buffer_free(&c);
    fc_buffer_free(&t);
}

START_TEST(pickle_nesting_is_bounded)
{
    /* 513 EMPTY_LISTs, then 512 APPENDs: the last makes a record 513 deep, with the
     * file's dict. */
    nesting_refused("pickle", "80 04 7d 4b 01", "5d", "61", "73 2e",
                    "offset 1029: nested deeper than 512");
}
END_TEST

START_TEST(marshal_as_python_reads_and_writes_it)
{
    static const char *const versions[] = {"", ", 2", ", 3", ", 4"};
    python_reads_and_writes("marshal", "marshal", versions, 4);
}
END_TEST

static const struct refusal BAD_MARSHAL[] = {
    {"5b", FC_ECORRUPT, "offset 0: expected a dict (type byte '{'), found a list (type byte '[')"},
    {"7b 69 01000000 4e", FC_ECORRUPT, "offset 7: the file ends inside the dict of records (0 bytes of 1)"},
    {"7b 69 01000000 28 00000000 30", FC_EUNSUPPORTED, "offset 6: a tuple (type byte '('), which no shape holds"},
    {"7b 69 01000000 5b ffffff7f 30", FC_ECORRUPT, "offset 6: a list of 2147483647 items, but only 1 bytes follow"},
    {"7b 69 01000000 7b 69 02000000 4e 30 30", FC_EUNSUPPORTED, "offset 7: a dict's key is not a str: dicts inside records have str keys"},
    {"7b 69 01000000 7b 7a 01 61 4e 7a 01 61 4e 30 30", FC_ECORRUPT, "offset 6: the dict here holds the key \"a\" twice (Python would keep the last one without a word)"},
    {"7b 69 01000000 75 02000000 c3 28 30", FC_ECORRUPT, "offset 6: the str is not UTF-8 at its byte 0"},
    {"7b 69 01000000 7a 01 e9 30", FC_ECORRUPT, "offset 6: the ASCII str (type 'z') holds byte 0xe9 at its byte 0"},
    {"7b 69 01000000 db 00000000 72 00000000 30", FC_EUNSUPPORTED, "offset 11: a reference to a list: a record is a tree, nothing in it is shared (only text and numbers may be)"},
    {"7b 69 01000000 72 00000000 30", FC_ECORRUPT, "offset 6: a reference to object 0, but only 0 were flagged before it"},
    {"7b 69 01000000 6c 05000000 ffff ffff ffff ffff 0100 30", FC_ECORRUPT, "offset 6: an int with a digit above 2^15-1"},
    {"7b 69 01000000 6c 05000000 0000 0000 0000 0000 1000 30", FC_EUNSUPPORTED, "offset 6: an int outside -2^63..2^64-1, which no shape holds"},
    {"7b 69 ffffffff 4e 30", FC_ECORRUPT, "offset 1: record 0's key is not an int 0..2^64-1"},
    {"7b 69 07000000 4e 69 07000000 4e 30", FC_ECORRUPT, "offset 7 (record 1): key 7 again (first at offset 1, record 0); a file holds each key once"},
    {"7b 69 01000000 4e 30 30", FC_ECORRUPT, "offset 8: 1 bytes after the dict, which should end the file"},
};

START_TEST(marshal_refusals_are_named)
{
    refusals_are_named("marshal", BAD_MARSHAL, sizeof BAD_MARSHAL / sizeof *BAD_MARSHAL);
}
END_TEST

START_TEST(marshal_nesting_is_bounded)
{
    /* Lists of one list, 513 deep: the 512th ('[' at offset 6 + 511 x 5) is one too
     * many with the file's dict. */
    nesting_refused("marshal", "7b 69 01000000", "5b 01000000", "", "",
                    "offset 2561: nested deeper than 512");
}
END_TEST

/* Python's json reads each JSON library's file of each shape it holds to shapes.py's
 * records, and each library reads Python's json.dumps of them (ASCII and not). */
START_TEST(json_libraries_as_python_reads_and_writes_them)
{
    static const char *const libs[] = {"cjson", "jansson", "jsonc"};
    static const char *const dumps[] = {").encode(", ", ensure_ascii=False).encode("};
    for (size_t i = 1; i < sizeof libs / sizeof *libs; i++)
        if (fc_codec_find(libs[i]))
            python_reads_and_writes(libs[i], "json", dumps, 2);
    /* cJSON writes a float whose value is an integer (a mesh's 3.0) as "3": Python
     * reads an int, equal but not the same type. */
    if (fc_codec_find("cjson"))
        python_compares("cjson", "json", dumps, 2, "d == json.loads(json.dumps(r)) and "
                        "json.dumps(list(d)) == json.dumps([str(k) for k in r])");
}
END_TEST

/* What a library cannot hold is refused on writing, with the record and the value. */
START_TEST(json_libraries_refuse_what_they_cannot_hold)
{
    static const struct {
        const char *lib;
        enum fc_shape shape;
        const char *msg;
    } bad[] = {
        {"cjson", FC_SHAPE_INTS, "cjson: record 0 holds the integer 17809683713383489082: cJSON keeps numbers as doubles, exact only within +-2^53"},
        {"cjson", FC_SHAPE_DOC, "cjson: record 0 holds the integer 3553260803050964941: cJSON keeps numbers as doubles, exact only within +-2^53"},
        {"jansson", FC_SHAPE_INTS, "jansson: record 0 holds the integer 17809683713383489082, above jansson's json_int_t (long long: at most 2^63-1)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const fc_codec *k = fc_codec_find(bad[i].lib);
        if (!k)
            continue;
        ck_assert_uint_eq(k->shapes & (1u << bad[i].shape), 0);
        fc_records r = {0};
        fc_error e = {0};
        fc_buffer b = {0};
        ck_assert_int_eq(fc_shape_records(bad[i].shape, 0, 1, 0, &r, &e), 0);
        ck_assert_int_eq(k->encode_records(&r, bad[i].shape, &b, &e), FC_EUNSUPPORTED);
        ck_assert_str_eq(e.msg, bad[i].msg);
        fc_buffer_free(&b);
        fc_records_free(&r);
    }
}
END_TEST

/* What each library's tree would hide, refused after (or before) its parse. */
static const struct {
    const char *lib, *doc;
    int code;
    const char *msg;
} BAD_JSONLIB[] = {
    {"cjson", "{\"1\": {\"a\": 1, \"a\": 2}}", FC_ECORRUPT, "cjson: record 0: an object holds the key \"a\" twice (cjson would keep one without a word)"},
    {"jsonc", "{\"1\": {\"a\": 1, \"a\": 2}}", FC_ECORRUPT, "jsonc: the text names 3 members but json-c kept 2: an object holds a key twice (json-c keeps the last without a word)"},
    {"jansson", "{\"1\": {\"a\": 1, \"a\": 2}}", FC_ECORRUPT, "jansson: offset 18: key a again (first at an earlier member); a result file holds each key once"},
    {"cjson", "{\"1\": \"a\\u0000b\"}", FC_EUNSUPPORTED, "cjson: offset 8: \\u0000 in a text: cJSON's texts are C strings, which a NUL cuts"},
    {"jsonc", "{\"1\": {\"a\\u0000b\": 1}}", FC_EUNSUPPORTED, "jsonc: offset 9: \\u0000 in a text: json-c's names are C strings, which a NUL cuts"},
    {"cjson", "{\"1\": \"\xc3\x28\"}", FC_ECORRUPT, "cjson: a string: the text is not UTF-8 at its byte 0"},
    {"jsonc", "{\"1\": \"\xc3\x28\"}", FC_ECORRUPT, "jsonc: a string: the text is not UTF-8 at its byte 0"},
    {"cjson", "{\"01\": 1}", FC_ECORRUPT, "cjson: record 0's key \"01\" is not an integer 0..2^64-1 as Python's str() writes it"},
    {"jsonc", "{\"1\": 1, \"01\": 1}", FC_ECORRUPT, "jsonc: record 1's key \"01\" is not an integer 0..2^64-1 as Python's str() writes it"},
    {"jansson", "[1]", FC_ECORRUPT, "jansson: expected an object of records, keyed by their integer keys as text"},
};

START_TEST(json_libraries_refusals_are_named)
{
    for (size_t i = 0; i < sizeof BAD_JSONLIB / sizeof *BAD_JSONLIB; i++) {
        const fc_codec *k = fc_codec_find(BAD_JSONLIB[i].lib);
        if (!k)
            continue;
        fc_records r = {0};
        fc_error e = {0};
        const char *d = BAD_JSONLIB[i].doc;
        ck_assert_msg(k->decode_records((const uint8_t *)d, strlen(d), FC_SHAPE_DOC, &r, &e) ==
                      BAD_JSONLIB[i].code, "%s %s: %s", BAD_JSONLIB[i].lib, d, e.msg);
        ck_assert_str_eq(e.msg, BAD_JSONLIB[i].msg);
        fc_records_free(&r);
    }
}
END_TEST

START_TEST(json_libraries_nesting_is_bounded)
{
    if (fc_codec_find("jansson"))
        nesting_refused("jansson", "7b 22 31 22 3a", "5b", "5d", "5d 7d",
                        "jansson: record 0 is nested deeper than 512");
    if (fc_codec_find("cjson"))
        nesting_refused("cjson", "7b 22 31 22 3a", "5b", "5d", "5d 7d",
                        "cjson: record 0 is nested deeper than 512");
}
END_TEST

/* raw: our bytes of each shape are the layout docs/FORMATS.md gives, as
 * tests/shapes_raw.py writes it with Python's struct: the header, then the payload. */
START_TEST(raw_is_the_documented_layout)
{
    const fc_codec *k = fc_codec_find("raw");
    for (int s = FC_SHAPE_INTS; s < FC_SHAPE_COUNT; s++) {
        if (!(FC_SHAPES_MADE & (1u << s)))
            continue;
        fc_records r = {0};
        fc_error e = {0};
        fc_buffer ours = {0};
        const char *name = fc_shape_name((enum fc_shape)s);
        ck_assert_int_eq(fc_shape_records((enum fc_shape)s, 1000, 150, 0, &r, &e), 0);
        ck_assert_msg(k->encode_records(&r, (unsigned)s, &ours, &e) == 0, "%s", e.msg);
        char cmd[512];
        snprintf(cmd, sizeof cmd, "%s %s/tests/shapes_raw.py %s 1000 150", py(), FC_SOURCE_DIR, name);
        fc_buffer theirs = run_capture(cmd);
        ck_assert_uint_eq(ours.len, 24 + theirs.len);
        ck_assert(memcmp(ours.data, "FCRW\x02\x00", 6) == 0);
        ck_assert_uint_eq(ours.data[6] | ours.data[7] << 8, (unsigned)s);
        ck_assert_uint_eq(ours.data[8], 150);
        ck_assert_msg(memcmp(ours.data + 24, theirs.data, theirs.len) == 0, "%s differs", name);
        ck_assert_uint_eq(fc_crc32c(0, ours.data + 24, theirs.len),
                          (uint32_t)(ours.data[16] | ours.data[17] << 8 | ours.data[18] << 16 |
                                     (uint32_t)ours.data[19] << 24));
        fc_buffer_free(&ours);
        fc_buffer_free(&theirs);
        fc_records_free(&r);
    }
}
END_TEST

/* A record that does not fit the shape's layout is refused, naming the field. */
START_TEST(raw_refuses_what_its_layout_does_not_hold)
{
    static const struct {
        const char *doc;
        enum fc_shape shape;
        const char *msg;
    } bad[] = {
        {"{\"1\": {\"triangles\": 1, \"vertices\": [0.5], \"normals\": [1]}}", FC_SHAPE_MESH, "raw: record 0: the field \"(item)\" is not a float32: raw holds the shape's layout only"},
        {"{\"1\": {\"triangles\": 1, \"vertices\": []}}", FC_SHAPE_MESH, "raw: record 0: the field \"normals\" is missing: raw holds the shape's layout only"},
        {"{\"1\": {\"triangles\": 4294967296, \"vertices\": [], \"normals\": []}}", FC_SHAPE_MESH, "raw: record 0: the field \"triangles\" holds an integer its width does not: raw holds the shape's layout only"},
        {"{\"1\": {\"triangles\": 1, \"vertices\": [], \"normals\": [], \"x\": 1}}", FC_SHAPE_MESH, "raw: record 0: the field \"x\" is not in the shape's layout (or not in its place)"},
    };
    const fc_codec *k = fc_codec_find("raw");
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fc_records r = {0};
        fc_error e = {0};
        fc_buffer b = {0};
        ck_assert_msg(fc_json_read_records((const uint8_t *)bad[i].doc, strlen(bad[i].doc), bad[i].shape,
                                           &r, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(k->encode_records(&r, bad[i].shape, &b, &e), FC_EUNSUPPORTED);
        ck_assert_str_eq(e.msg, bad[i].msg);
        fc_buffer_free(&b);
        fc_records_free(&r);
    }
}
END_TEST

/* Damaged raw files of a shape, refused with the offset. The CRC is fixed up after the
 * damage, so that the check behind it is the one that speaks. */
START_TEST(raw_refusals_are_named)
{
    static const struct {
        size_t at; /* the byte changed in a log file of 2 records, or the new length */
        uint8_t to;
        bool cut;
        const char *msg;
    } bad[] = {
        {6, 3, false, "offset 6: the file holds shape 3, expected 2 (log)"},
        {4, 1, false, "offset 4: version 1, expected 2 (records of a shape)"},
        {8, 0xff, false, "offset 8: header declares 255 records, but 210 bytes hold at most 6"},
        {32, 0xff, false, "offset 32: the file ends inside the field \"address\" (198 bytes of 255)"},
        {36, 0xc3, false, "offset 32: the text \"address\" is not UTF-8 at its byte 0"},
        {150, 0, true, "offset 137: the file ends inside the field \"address\" (9 bytes of 14)"},
        {133, 0, true, "offset 129: the file ends inside the field \"(key)\" (4 bytes of 8)"},
    };
    const fc_codec *k = fc_codec_find("raw");
    fc_records r = {0};
    fc_error e = {0};
    fc_buffer good = {0};
    ck_assert_int_eq(fc_shape_records(FC_SHAPE_LOG, 0, 2, 0, &r, &e), 0);
    ck_assert_int_eq(k->encode_records(&r, FC_SHAPE_LOG, &good, &e), 0);
    ck_assert_uint_eq(good.len, 24 + 210);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fc_buffer b = {0};
        fc_buffer_append(&b, good.data, good.len, NULL);
        if (bad[i].cut)
            b.len = bad[i].at;
        else
            b.data[bad[i].at] = bad[i].to;
        uint32_t crc = fc_crc32c(0, b.data + 24, b.len - 24);
        for (int j = 0; j < 4; j++)
            b.data[16 + j] = (uint8_t)(crc >> (8 * j));
        fc_records back = {0};
        ck_assert_int_eq(k->decode_records(b.data, b.len, FC_SHAPE_LOG, &back, &e), FC_ECORRUPT);
        ck_assert_str_eq(e.msg, bad[i].msg);
        fc_records_free(&back);
        fc_buffer_free(&b);
    }
    fc_buffer_free(&good);
    fc_records_free(&r);
}
END_TEST

START_TEST(input_is_an_array_json_lines_or_one_document)
{
    static const struct {
        const char *doc;
        size_t records;
        const char *json; /* the records as written back */
    } cases[] = {
        {"[{\"a\": 1}, [2], \"three\"]", 3, "{\"0\": {\"a\": 1}, \"1\": [2], \"2\": \"three\"}"},
        {"{\"a\": 1}\n{\"a\": 2}\n\n{\"b\": null}\n", 3,
         "{\"0\": {\"a\": 1}, \"1\": {\"a\": 2}, \"2\": {\"b\": null}}"},
        {"  {\"statuses\": [1, 2]}  ", 1, "{\"0\": {\"statuses\": [1, 2]}}"},
        {"[1]\n[2]", 2, "{\"0\": [1], \"1\": [2]}"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        fc_records r = {0};
        fc_error e = {0};
        ck_assert_msg(fc_json_read_input((const uint8_t *)cases[k].doc, strlen(cases[k].doc), NULL,
                                         &r, &e) == 0, "%s", e.msg);
        ck_assert_uint_eq(r.count, cases[k].records);
        fc_buffer b = {0};
        ck_assert_int_eq(fc_records_write_json(&r, &b, &e), 0);
        ck_assert_uint_eq(b.len, strlen(cases[k].json));
        ck_assert(memcmp(b.data, cases[k].json, b.len) == 0);
        fc_buffer_free(&b);
        fc_records_free(&r);
    }
    fc_records r = {0};
    fc_error e = {0};
    const char *bad = "{\"a\": 1}\n{\"a\": }\n";
    ck_assert_int_eq(fc_json_read_input((const uint8_t *)bad, strlen(bad), NULL, &r, &e), FC_ECORRUPT);
    ck_assert_str_eq(e.msg, "JSON Lines: value 2 (from offset 9): offset 6: expected a value (an object, array, string, number, true, false or null), found '}'");
    fc_records_free(&r);
}
END_TEST

/* Every codec's reader of every shape it holds, on its own file damaged at every byte
 * (set to 00, ff, +1, or cut there; every few bytes past 256, to bound the time): an
 * error with a message or records, never a crash (run under ASan and UBSan by the asan
 * preset), nothing left allocated. */
START_TEST(damaged_files_are_refused_or_read)
{
    static const uint8_t to[] = {0x00, 0xff, 0x01};
    for (size_t c = 0; fc_codec_at(c); c++) {
        const fc_codec *k = fc_codec_at(c);
        for (int s = FC_SHAPE_INTS; s < FC_SHAPE_COUNT; s++) {
            if (!(k->shapes & (1u << s)))
                continue;
            fc_records r = {0};
            fc_error e = {0};
            fc_buffer good = {0};
            enum fc_shape made = s == FC_SHAPE_INPUT ? FC_SHAPE_DOC : (enum fc_shape)s;
            ck_assert_int_eq(fc_shape_records(made, 7, 2, 0, &r, &e), 0);
            ck_assert_int_eq(k->encode_records(&r, (unsigned)s, &good, &e), 0);
            for (size_t at = 0; at < good.len; at += good.len / 256 + 1) {
                for (size_t m = 0; m <= sizeof to; m++) {
                    uint8_t *copy = malloc(good.len);
                    memcpy(copy, good.data, good.len);
                    size_t len = good.len;
                    if (m == sizeof to)
                        len = at;
                    else
                        copy[at] = m == 2 ? (uint8_t)(copy[at] + 1) : to[m];
                    fc_records back = {0};
                    fc_error be = {0};
                    int rc = k->decode_records(copy, len, (unsigned)s, &back, &be);
                    ck_assert_msg(rc == 0 || (rc < 0 && be.msg[0]), "%s %s at %zu: %d", k->name,
                                  fc_shape_name((enum fc_shape)s), at, rc);
                    fc_records_free(&back);
                    free(copy);
                }
            }
            fc_buffer_free(&good);
            fc_records_free(&r);
        }
    }
}
END_TEST

#ifdef FC_HAVE_TPL
/* tpl: a format string per shape it holds; the others and damaged images refused. */
START_TEST(tpl_refusals_are_named)
{
    const fc_codec *k = fc_codec_find("tpl");
    fc_records r = {0}, back = {0};
    fc_error e = {0};
    fc_buffer b = {0};
    ck_assert_int_eq(fc_shape_records(FC_SHAPE_LOG, 0, 2, 0, &r, &e), 0);
    ck_assert_int_eq(k->encode_records(&r, FC_SHAPE_DOC, &b, &e), FC_EUNSUPPORTED);
    ck_assert_str_eq(e.msg, "tpl: no tpl format for shape 4 yet");
    ck_assert_int_eq(k->encode_records(&r, FC_SHAPE_INTS, &b, &e), FC_EUNSUPPORTED);
    ck_assert_str_eq(e.msg, "tpl: record 0 is not an ints record");
    ck_assert_int_eq(k->encode_records(&r, FC_SHAPE_MESH, &b, &e), FC_EUNSUPPORTED);
    ck_assert_str_eq(e.msg, "tpl: record 0 is not a mesh record");
    ck_assert_int_eq(k->encode_records(&r, FC_SHAPE_LOG, &b, &e), 0);
    ck_assert(memcmp(b.data + 8, "A(Usssssvu)", 12) == 0);
    ck_assert_int_eq(k->decode_records(b.data, b.len, FC_SHAPE_MESH, &back, &e), FC_ECORRUPT);
    ck_assert_str_eq(e.msg, "offset 8: the tpl format is not \"A(UuA(f)A(f))\" (the mesh shape's)");
    ck_assert_int_eq(k->decode_records(b.data, b.len - 1, FC_SHAPE_LOG, &back, &e), FC_ECORRUPT);
    ck_assert_msg(strncmp(e.msg, "offset 4: the image says it is ", 31) == 0, "%s", e.msg);
    fc_records_free(&back);
    fc_buffer_free(&b);
    fc_records_free(&r);
}
END_TEST
#endif

/* No records at all: every codec writes a file that reads back as none (fuzz_shapes
 * found protobuf's writer pointing into a buffer that did not exist). */
START_TEST(no_records_round_trip_in_every_codec)
{
    for (size_t c = 0; fc_codec_at(c); c++) {
        const fc_codec *k = fc_codec_at(c);
        for (unsigned s = FC_SHAPE_INTS; s < FC_SHAPE_COUNT; s++) {
            if (!(k->shapes & (1u << s)))
                continue;
            fc_records none = {0}, back = {0};
            fc_buffer b = {0};
            fc_error e = {0};
            ck_assert_msg(k->encode_records(&none, s, &b, &e) == 0, "%s: %s", k->name, e.msg);
            ck_assert_msg(k->decode_records(b.data, b.len, s, &back, &e) == 0, "%s: %s", k->name,
                          e.msg);
            ck_assert_uint_eq(back.count, 0);
            fc_buffer_free(&b);
            fc_records_free(&back);
        }
    }
}
END_TEST

/* An empty str, whose pointer msgpack-c leaves NULL (fuzz_shapes: memcpy from NULL, which
 * UBSan reports), reads as empty text. */
START_TEST(msgpack_reads_empty_text)
{
    fc_buffer b = from_hex("81 00 82 a0 a0 a1 78 a0");
    fc_records r = {0};
    fc_error e = {0};
    ck_assert_msg(fc_msgpack_read_records(b.data, b.len, FC_SHAPE_INPUT, &r, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(r.count, 1);
    ck_assert_int_eq(r.values[0].type, FC_V_OBJECT);
    ck_assert_uint_eq(r.values[0].obj.members[0].key_len, 0);
    ck_assert_int_eq(r.values[0].obj.members[0].value.type, FC_V_STRING);
    ck_assert_uint_eq(r.values[0].obj.members[0].value.str.len, 0);
    ck_assert_str_eq(r.values[0].obj.members[1].key, "x");
    fc_records_free(&r);
    fc_buffer_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("shapes");
    TCase *tc = tcase_create("shapes");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, generator_draws_as_python);
    tcase_add_test(tc, records_are_pythons_json);
    tcase_add_test(tc, records_depend_on_the_key_alone);
    tcase_add_test(tc, equality_is_bit_for_bit);
    tcase_add_test(tc, json_refuses_text_that_is_not_utf8);
    tcase_add_test(tc, shape_names);
    tcase_add_test(tc, shapes_read_back_from_json);
    tcase_add_test(tc, any_document_as_python_reads_it);
    tcase_add_test(tc, bad_documents_are_named);
    tcase_add_test(tc, nesting_and_strings_are_bounded);
    tcase_add_test(tc, json_lines_read_one_value_at_a_time);
    tcase_add_test(tc, every_codec_holds_the_shapes_it_says);
    tcase_add_test(tc, json_records_refusals);
    tcase_add_test(tc, no_records_round_trip_in_every_codec);
    tcase_add_test(tc, msgpack_reads_empty_text);
    tcase_add_test(tc, input_is_an_array_json_lines_or_one_document);
    tcase_add_checked_fixture(tc, scratch_setup, scratch_teardown);
    tcase_add_test(tc, msgpack_as_python_reads_and_writes_it);
    tcase_add_test(tc, msgpack_refusals_are_named);
    tcase_add_test(tc, msgpack_nesting_stops_at_msgpack_cs_limit);
    /* branch shapes2: pickle, marshal, the JSON libraries */
    tcase_add_test(tc, pickle_as_python_reads_and_writes_it);
    tcase_add_test(tc, pickle_refusals_are_named);
    tcase_add_test(tc, pickle_nesting_is_bounded);
    tcase_add_test(tc, marshal_as_python_reads_and_writes_it);
    tcase_add_test(tc, marshal_refusals_are_named);
    tcase_add_test(tc, marshal_nesting_is_bounded);
    tcase_add_test(tc, json_libraries_as_python_reads_and_writes_them);
    tcase_add_test(tc, json_libraries_refuse_what_they_cannot_hold);
    tcase_add_test(tc, json_libraries_refusals_are_named);
    tcase_add_test(tc, json_libraries_nesting_is_bounded);
    tcase_add_test(tc, raw_is_the_documented_layout);
    tcase_add_test(tc, raw_refuses_what_its_layout_does_not_hold);
    tcase_add_test(tc, raw_refusals_are_named);
    tcase_add_test(tc, damaged_files_are_refused_or_read);
#ifdef FC_HAVE_TPL
    tcase_add_test(tc, tpl_refusals_are_named);
#endif
#ifdef FC_HAVE_PROTOBUF
    tcase_add_test(tc, protobuf_as_googles_runtime_reads_and_writes_it);
    tcase_add_test(tc, protobuf_refusals_are_named);
#endif
    suite_add_tcase(s, tc);
    return run_suite(s);
}
