/* test_detect.c - how a file the user names is recognised and read: the probes' bids,
 * the extension before the content, two formats that read the same bytes refused, what
 * each format can hold (fc_codec.supports), and fc_result_read on symlinks, FIFOs,
 * pipes, directories and files over the size limit. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define at scratch_at /* a path in this test's scratch directory */

static void put(const char *name, const void *data, size_t len)
{
    FILE *f = fopen(at(name), "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

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

/* A protobuf Results message (an unknown field 113 first, then one value packed, count
 * 1 and key 109 unpacked) that is also a msgpack map of 8 integer pairs, each key once
 * (issue 11, finding 4). The issue's own 21 bytes are no longer both: read as msgpack
 * they hold key 1 three times, which msgpack now refuses (issue 11, finding 2). */
static const uint8_t AMBIGUOUS[] = {0x88, 0x07, 0x25, 0x1a, 0x08, 0x52, 0x3e, 0x15, 0x20,
                                    0x0d, 0x5d, 0x78, 0x45, 0x08, 0x01, 0x10, 0x6d};

/* ==== Probes ==== */

/* Each format's own files, of every size, are recognised as that format and as no
 * other, from their content alone (a name that says nothing). */
START_TEST(every_format_recognises_its_own_files)
{
    const fc_codec *c = codec(_i);
    fc_dataset sets[3] = {{0}, {0}, {0}};
    ck_assert_int_eq(fc_values_make(FC_VALUES_EXERCISE, 20, 100, &sets[2], NULL), 0);
    fc_buffer own = encode(c, &sets[2]);
    bool leaves_to_json = strcmp(c->name, "json") != 0 && c->probe(own.data, own.len) == 0 &&
                          fc_codec_detect(own.data, own.len) == fc_codec_find("json");
    fc_buffer_free(&own);
    fc_dataset_free(&sets[2]);
    if (leaves_to_json)
        return; /* cjson, jansson, jsonc: their JSON is the built-in json's to detect */
    ck_assert_int_eq(fc_values_make(FC_VALUES_EDGE, 0, 0, &sets[1], NULL), 0);
    ck_assert_int_eq(fc_values_make(FC_VALUES_EXERCISE, 20, 100, &sets[2], NULL), 0);
    for (int s = 0; s < 3; s++) {
        fc_buffer b = encode(c, &sets[s]);
        const fc_codec *who[8];
        size_t n = fc_codec_bidders(b.data, b.len, who, NULL, 8);
        if (c->probe(b.data, b.len) == 0 && strcmp(c->name, "json") != 0 &&
            c->probe((const uint8_t *)"{\"1\": 1.0}", 11) == 0) {
            /* cjson, jansson, jsonc leave JSON to the built-in json, which reads it */
            ck_assert_msg(n == 1 && strcmp(who[0]->name, "json") == 0, "%s, set %d", c->name, s);
            fc_buffer_free(&b);
            continue;
        }
        ck_assert_msg(n == 1 && who[0] == c, "%s, set %d: %zu bidders, first %s", c->name, s, n,
                      n ? who[0]->name : "none");
        put("file.bin", b.data, b.len);
        fc_dataset back = {0};
        fc_read_info info = {0};
        fc_error e = {0};
        ck_assert_msg(fc_result_read(at("file.bin"), NULL, &back, &info, &e) == 0, "%s", e.msg);
        ck_assert_ptr_eq(info.codec, c);
        ck_assert_int_eq(info.source, FC_FORMAT_CONTENT);
        ck_assert_uint_eq(info.bytes, b.len);
        ck_assert_int_eq(fc_dataset_first_difference(&back, &sets[s]), -1);
        fc_dataset_free(&back);
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
#ifdef FC_HAVE_XDR
    {"xdr magic alone", "FCXD", 4, "xdr 32"},
    {"xdr magic and revision", "FCXD\0\0\0\1", 8, "xdr 64"},
    {"xdr, another revision", "FCXD\0\0\0\2", 8, ""},
#endif
#ifdef FC_HAVE_AVRO
    {"avro magic alone", "Obj\1", 4, "avro 32"},
    {"avro magic and metadata", "Obj\1\x04\x14" "avro.codec", 16, "avro 48"},
    {"avro, another version", "Obj\2", 4, ""},
#endif
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

/* ==== The ambiguous file ==== */

START_TEST(ambiguous_bytes_are_read_by_name_or_refused)
{
    fc_dataset d = {0};
    fc_error e = {0};
    fc_read_info info = {0};
    /* Both decoders do accept the bytes: that is what makes them ambiguous. */
    ck_assert_int_eq(fc_codec_find("protobuf")->decode(AMBIGUOUS, sizeof AMBIGUOUS, &d, NULL), 0);
    ck_assert_uint_eq(d.count, 1);
    d.count = 0;
    ck_assert_int_eq(fc_codec_find("msgpack")->decode(AMBIGUOUS, sizeof AMBIGUOUS, &d, NULL), 0);
    ck_assert_uint_eq(d.count, 8);
    d.count = 0;
    /* Named .pb: protobuf, whatever the content looks like. */
    put("amb.pb", AMBIGUOUS, sizeof AMBIGUOUS);
    ck_assert_int_eq(fc_result_read(at("amb.pb"), NULL, &d, &info, &e), 0);
    ck_assert_ptr_eq(info.codec, fc_codec_find("protobuf"));
    ck_assert_int_eq(info.source, FC_FORMAT_NAME);
    ck_assert_uint_eq(d.count, 1);
    ck_assert_uint_eq(d.keys[0], 109);
    ck_assert_uint_eq(bits(d.values[0]), 0x45785d0d20153e52u);
    /* Named .msgpack: msgpack. */
    put("amb.msgpack", AMBIGUOUS, sizeof AMBIGUOUS);
    ck_assert_int_eq(fc_result_read(at("amb.msgpack"), NULL, &d, &info, &e), 0);
    ck_assert_uint_eq(d.count, 9);
    ck_assert_int_eq(info.source, FC_FORMAT_NAME);
    /* A name that says nothing: refused, nothing appended, --from named. */
    put("amb", AMBIGUOUS, sizeof AMBIGUOUS);
    ck_assert_int_eq(fc_result_read(at("amb"), NULL, &d, &info, &e), FC_EINVAL);
    ck_assert_uint_eq(d.count, 9);
    char want[512];
    snprintf(want, sizeof want, "%s: reads as protobuf (1 record) and as msgpack (8 records); "
                                "its name does not say which: give --from protobuf or --from "
                                "msgpack", at("amb"));
    ck_assert_str_eq(e.msg, want);
    /* ... unless --from says. */
    fc_read_options opt = {.from = fc_codec_find("msgpack")};
    ck_assert_int_eq(fc_result_read(at("amb"), &opt, &d, &info, &e), 0);
    ck_assert_int_eq(info.source, FC_FORMAT_GIVEN);
    ck_assert_uint_eq(d.count, 17);
    fc_dataset_free(&d);
}
END_TEST

/* A file whose name and content disagree is read by its name, and the error says
 * which format does read it. */
START_TEST(the_name_wins_and_the_error_says_what_reads_it)
{
    const char json[] = "{\"1\": 0.5}";
    put("j.pb", json, strlen(json));
    fc_dataset d = {0};
    fc_error e = {0};
    ck_assert_int_eq(fc_result_read(at("j.pb"), NULL, &d, NULL, &e), FC_ECORRUPT);
    char want[512];
    snprintf(want, sizeof want, "%s: not a valid protobuf file (named by its extension): "
                                "offset 0: field 15 has wire type 3, which is a group or no "
                                "type at all; results.proto has neither; it reads as json: "
                                "give --from json", at("j.pb"));
    ck_assert_str_eq(e.msg, want);
    fc_dataset_free(&d);
}
END_TEST

/* Any file of any format cut short, named by its extension or by nothing, gets an
 * error that names the file and --from. */
START_TEST(every_could_not_read_error_names_from)
{
    const fc_codec *c = codec(_i);
    fc_dataset d = {0};
    ck_assert_int_eq(fc_values_make(FC_VALUES_EXERCISE, 5, 10, &d, NULL), 0);
    fc_buffer b = encode(c, &d);
    char named[32];
    snprintf(named, sizeof named, "cut.%s", c->extension);
    const char *names[] = {named, "cut", "cut.bin"};
    for (int k = 0; k < 3; k++) {
        put(names[k], b.data, b.len - 1);
        fc_dataset back = {0};
        fc_error e = {0};
        ck_assert_int_ne(fc_result_read(at(names[k]), NULL, &back, NULL, &e), 0);
        ck_assert_msg(strstr(e.msg, at(names[k])) && strstr(e.msg, "--from"), "%s", e.msg);
        fc_dataset_free(&back);
    }
    fc_buffer_free(&b);
    fc_dataset_free(&d);
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

/* Each bit a codec sets is true of it (and NAN_BITS, EXACT_DOUBLES and BUILTIN are false
 * when unset). */
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
    /* calc(13, 1000), 0.1, the largest double, the smallest subnormal: cJSON's 15 digits
     * change the first and the third (into inf). */
    bool exact = round_trips(c, 13, 0x407eac0cc0ccc9e7u) && round_trips(c, 1, bits(0.1)) &&
                 round_trips(c, 1, 0x7fefffffffffffffu) && round_trips(c, 1, 1u);
    ck_assert_msg(exact == !!(c->supports & FC_SUPPORTS_EXACT_DOUBLES), "%s: doubles %s",
                  c->name, exact ? "kept" : "changed");
    bool keeps = round_trips(c, 1, 0x7ff8000000000001u) && round_trips(c, 1, 0xfff8000000000000u);
    ck_assert_msg(keeps == !!(c->supports & FC_SUPPORTS_NAN_BITS), "%s: NaN bits %s", c->name,
                  keeps ? "kept" : "lost");
    ck_assert_msg(!!(c->supports & FC_SUPPORTS_BUILTIN) == (strcmp(c->library, "forkcollect") == 0),
                  "%s", c->name);
    /* Strings and nesting come with the shapes beyond numbers (test_shapes.c carries
     * every shape through every codec that says it holds them). */
    bool trees = c->shapes != 0;
    ck_assert_int_eq(!!(c->supports & FC_SUPPORTS_STRINGS), trees);
    ck_assert_int_eq(!!(c->supports & FC_SUPPORTS_NESTING), trees);
}
END_TEST

/* ==== Inputs of every kind ==== */

static const char JSON1[] = "{\"7\": 0.25}";

static void assert_reads_json1(const char *path)
{
    fc_dataset d = {0};
    fc_error e = {0};
    fc_read_options opt = {.from = fc_codec_find("json")};
    ck_assert_msg(fc_result_read(path, &opt, &d, NULL, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(d.count, 1);
    ck_assert_uint_eq(d.keys[0], 7);
    fc_dataset_free(&d);
}

START_TEST(symlinks_are_followed_for_reading)
{
    put("real.json", JSON1, strlen(JSON1));
    ck_assert_int_eq(symlink(at("real.json"), at("link.json")), 0);
    assert_reads_json1(at("link.json"));
}
END_TEST

START_TEST(a_fifo_without_writer_is_an_error_not_a_hang)
{
    ck_assert_int_eq(mkfifo(at("f"), 0600), 0);
    fc_dataset d = {0};
    fc_error e = {0};
    time_t t0 = time(NULL);
    ck_assert_int_eq(fc_result_read(at("f"), NULL, &d, NULL, &e), FC_EIO);
    ck_assert_int_le(time(NULL) - t0, 3);
    char want[256];
    snprintf(want, sizeof want, "%s: a FIFO with no writer (none came within 1000 ms): start "
                                "what writes to it first", at("f"));
    ck_assert_str_eq(e.msg, want);
}
END_TEST

START_TEST(a_fifo_with_a_writer_is_read_as_a_stream)
{
    ck_assert_int_eq(mkfifo(at("f.json"), 0600), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL); /* after the reader opened it */
        int fd = open(at("f.json"), O_WRONLY);
        _exit(fd >= 0 && write(fd, JSON1, strlen(JSON1)) == (ssize_t)strlen(JSON1) ? 0 : 1);
    }
    fc_dataset d = {0};
    fc_error e = {0};
    ck_assert_msg(fc_result_read(at("f.json"), NULL, &d, NULL, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(d.count, 1);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    fc_dataset_free(&d);
}
END_TEST

/* A writer that holds the FIFO open and sends nothing, or stops midway, made the
 * read wait forever (issue 10): past the idle limit it is an error naming the offset. */
START_TEST(a_silent_writer_is_an_error_not_a_hang)
{
    ck_assert_int_eq(mkfifo(at("s.json"), 0600), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(at("s.json"), O_WRONLY);
        if (_i == 1 && write(fd, "{\"1\": ", 6) != 6)
            _exit(1);
        pause(); /* holds it open, silent */
        _exit(0);
    }
    int fd = -1;
    for (int i = 0; i < 200 && fd < 0; i++) { /* once the writer has it open */
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
        fd = open(at("s.json"), O_RDONLY | O_NONBLOCK);
        if (fd >= 0 && _i == 1) { /* and has written */
            struct pollfd p = {.fd = fd, .events = POLLIN};
            ck_assert_int_eq(poll(&p, 1, 2000), 1);
        }
    }
    ck_assert_int_ge(fd, 0);
    nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL); /* its open() has returned */
    fc_dataset d = {0};
    fc_error e = {0};
    fc_read_options opt = {.idle_ms = 300};
    uint64_t t0 = fc_now_ns();
    ck_assert_int_eq(fc_result_read(at("s.json"), &opt, &d, NULL, &e), FC_EIO);
    ck_assert_msg(fc_now_ns() - t0 < 3000000000u, "it waited too long");
    char want[300];
    snprintf(want, sizeof want, "%s: nothing came for 0.3 s after byte %d from the writer, "
             "which holds it open (stalled, or waiting on something else)", at("s.json"),
             _i == 1 ? 6 : 0);
    ck_assert_str_eq(e.msg, want);
    ck_assert_int_eq(e.sys_errno, ETIMEDOUT);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(fd);
    fc_dataset_free(&d);
}
END_TEST

START_TEST(a_pipe_is_read_by_descriptor)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(write(p[1], JSON1, strlen(JSON1)), (ssize_t)strlen(JSON1));
    close(p[1]);
    fc_dataset d = {0};
    fc_read_info info = {0};
    fc_error e = {0};
    ck_assert_msg(fc_result_read_fd(p[0], "standard input", NULL, &d, &info, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(info.source, FC_FORMAT_CONTENT);
    ck_assert_uint_eq(d.count, 1);
    close(p[0]);
    /* A pipe whose writer wrote nothing. */
    ck_assert_int_eq(pipe(p), 0);
    close(p[1]);
    ck_assert_int_eq(fc_result_read_fd(p[0], "standard input", NULL, &d, NULL, &e), FC_EIO);
    ck_assert_str_eq(e.msg, "standard input: a FIFO or pipe whose writer wrote nothing");
    close(p[0]);
    fc_dataset_free(&d);
}
END_TEST

START_TEST(sizes_are_checked_before_reading)
{
    /* A 2 GiB sparse file: refused from its size, without reading (or holding) it. */
    int fd = open(at("big.raw"), O_WRONLY | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)2 << 30), 0);
    close(fd);
    fc_dataset d = {0};
    fc_error e = {0};
    ck_assert_int_eq(fc_result_read(at("big.raw"), NULL, &d, NULL, &e), FC_EINVAL);
    char want[512];
    snprintf(want, sizeof want, "%s: 2147483648 bytes, more than the limit of 1073741824 bytes "
                                "for a result file (give --max-size BYTES to read it)",
             at("big.raw"));
    ck_assert_str_eq(e.msg, want);
    /* A smaller limit, for a file and for a stream. */
    put("small.json", JSON1, strlen(JSON1));
    fc_read_options opt = {.max_size = 5};
    ck_assert_int_eq(fc_result_read(at("small.json"), &opt, &d, NULL, &e), FC_EINVAL);
    opt.max_size = strlen(JSON1);
    ck_assert_int_eq(fc_result_read(at("small.json"), &opt, &d, NULL, &e), 0);
    opt = (fc_read_options){.max_size = 100000, .from = fc_codec_find("raw")};
    ck_assert_int_eq(fc_result_read("/dev/zero", &opt, &d, NULL, &e), FC_EINVAL);
    ck_assert_str_eq(e.msg, "/dev/zero: more than the limit of 100000 bytes for a result file "
                            "(give --max-size BYTES to read more)");
    fc_dataset_free(&d);
}
END_TEST

START_TEST(directories_and_empty_files_are_named)
{
    fc_dataset d = {0};
    fc_error e = {0};
    ck_assert_int_eq(fc_result_read(scratch_dir(), NULL, &d, NULL, &e), FC_EIO);
    char want[256];
    snprintf(want, sizeof want, "%s: is a directory, not a result file", scratch_dir());
    ck_assert_str_eq(e.msg, want);
    put("empty", "", 0);
    ck_assert_int_eq(fc_result_read(at("empty"), NULL, &d, NULL, &e), FC_ECORRUPT);
    snprintf(want, sizeof want, "%s: is empty: no records, no format (give --from FORMAT if an "
                                "empty file is meant)", at("empty"));
    ck_assert_str_eq(e.msg, want);
    put("what.bin", "hello", 5);
    ck_assert_int_eq(fc_result_read(at("what.bin"), NULL, &d, NULL, &e), FC_ECORRUPT);
    snprintf(want, sizeof want, "%s: cannot tell its format from its content or its name; give "
                                "--from FORMAT", at("what.bin"));
    ck_assert_str_eq(e.msg, want);
    ck_assert_int_eq(fc_result_read(at("missing.json"), NULL, &d, NULL, &e), FC_EIO);
    ck_assert_int_eq(e.sys_errno, ENOENT);
    fc_dataset_free(&d);
}
END_TEST

int main(void)
{
    int n = (int)fc_codec_count();
    Suite *s = suite_create("detect");
    TCase *tc = tcase_create("detect");
    tcase_add_checked_fixture(tc, scratch_setup, scratch_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, every_format_recognises_its_own_files, 0, n);
    tcase_add_loop_test(tc, probes_bid_the_bits_they_check, 0,
                        (int)(sizeof probe_cases / sizeof probe_cases[0]));
    tcase_add_loop_test(tc, extensions_name_formats, 0,
                        (int)(sizeof path_cases / sizeof path_cases[0]));
    tcase_add_test(tc, ambiguous_bytes_are_read_by_name_or_refused);
    tcase_add_test(tc, the_name_wins_and_the_error_says_what_reads_it);
    tcase_add_loop_test(tc, every_could_not_read_error_names_from, 0, n);
    tcase_add_loop_test(tc, supports_bits_say_what_round_trips, 0, n);
    tcase_add_test(tc, symlinks_are_followed_for_reading);
    tcase_add_test(tc, a_fifo_without_writer_is_an_error_not_a_hang);
    tcase_add_test(tc, a_fifo_with_a_writer_is_read_as_a_stream);
    tcase_add_loop_test(tc, a_silent_writer_is_an_error_not_a_hang, 0, 2);
    tcase_add_test(tc, a_pipe_is_read_by_descriptor);
    tcase_add_test(tc, sizes_are_checked_before_reading);
    tcase_add_test(tc, directories_and_empty_files_are_named);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
