/* test_pickle.c - the pickle codec against CPython's pickle module, the reference.
 *
 * For each dict, Python (/usr/bin/python3; 3.12 and 3.13 from pyenv too when present)
 * builds the same dict from the keys and the values' bits, checks that pickle.loads
 * reads our bytes as exactly that dict (same order, same bits), and writes
 * pickle.dumps(d, protocol=P) back to us, which must be our bytes exactly (protocol 4;
 * protocol 5 differs in its second byte alone) and which we must read back. */
#include "testutil.h"

#include <math.h>
#include <unistd.h>

static char dir[64];

static const fc_codec *pk(void)
{
    const fc_codec *c = fc_codec_find("pickle");
    ck_assert_ptr_nonnull(c);
    return c;
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/fc-pickle-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Python: the dict from keys.txt, checked against ours.pickle, then pickle.dumps of it
 * with protocol argv[1], written to stdout; argv[2] "pure": the pure-Python pickler. */
static const char PY[] =
    "import pickle, struct, sys\n"
    "d = {}\n"
    "for line in open(sys.argv[3]):\n"
    "    k, v = line.split()\n"
    "    d[int(k)] = struct.unpack('>d', bytes.fromhex(v))[0]\n"
    "got = pickle.loads(open(sys.argv[4], 'rb').read())\n"
    "same = [(k, struct.pack('>d', v)) for k, v in got.items()] == "
    "[(k, struct.pack('>d', v)) for k, v in d.items()]\n"
    "if not same or type(got) is not dict: sys.exit('pickle.loads read another dict')\n"
    "dumps = pickle._dumps if sys.argv[2] == 'pure' else pickle.dumps\n"
    "sys.stdout.buffer.write(dumps(d, protocol=int(sys.argv[1])))\n";

/* Python's pickle of d (after it checked our encoding of d); python is the binary. */
static fc_buffer python_pickle(const char *python, const fc_dataset *d, int protocol,
                               const char *pickler, const fc_buffer *ours)
{
    char path[128], cmd[512];
    snprintf(path, sizeof path, "%s/keys.txt", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i < d->count; i++)
        fprintf(f, "%llu %016llx\n", (unsigned long long)d->keys[i],
                (unsigned long long)bits(d->values[i]));
    ck_assert_int_eq(fclose(f), 0);
    snprintf(path, sizeof path, "%s/ours.pickle", dir);
    ck_assert_int_eq(fc_file_write_new(path, ours->data, ours->len, NULL), 0);
    snprintf(path, sizeof path, "%s/test.py", dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(PY, f);
    ck_assert_int_eq(fclose(f), 0);
    snprintf(cmd, sizeof cmd, "%s %s/test.py %d %s %s/keys.txt %s/ours.pickle", python, dir,
             protocol, pickler, dir, dir);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    fc_buffer b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        ck_assert_int_eq(fc_buffer_append(&b, chunk, n, NULL), 0);
    ck_assert_msg(pclose(p) == 0, "%s failed", cmd);
    snprintf(cmd, sizeof cmd, "rm -f %s/keys.txt %s/ours.pickle", dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    return b;
}

static void assert_same_records(const fc_dataset *a, const fc_dataset *b, const char *what)
{
    ck_assert_msg(a->count == b->count, "%s: %zu records, expected %zu", what, a->count,
                  b->count);
    long i = fc_dataset_first_difference(a, b);
    ck_assert_msg(i == -1, "%s: record %ld differs", what, i);
}

/* Our bytes are Python's, protocol 4 (and 5 but for byte 1); Python reads ours; we read
 * Python's, of protocols 2 to 5 and of the pure-Python pickler. */
static void check_against(const char *python, const fc_dataset *d, const char *what)
{
    fc_buffer ours = {0};
    fc_error e = {0};
    ck_assert_int_eq(pk()->encode(d, &ours, &e), 0);
    for (int protocol = 2; protocol <= 5; protocol++) {
        for (int pure = 0; pure < (protocol % 2 == 0 ? 2 : 1); pure++) {
            fc_buffer theirs = python_pickle(python, d, protocol, pure ? "pure" : "c", &ours);
            if (protocol >= 4 && !pure) {
                ck_assert_msg(theirs.len == ours.len, "%s, protocol %d: %zu bytes, Python "
                              "wrote %zu", what, protocol, ours.len, theirs.len);
                theirs.data[1] = 4; /* PROTO's argument: the one byte 4 and 5 differ in */
                ck_assert_msg(memcmp(theirs.data, ours.data, ours.len) == 0, "%s, protocol %d: "
                              "not Python's bytes", what, protocol);
                theirs.data[1] = (uint8_t)protocol;
            }
            fc_dataset back = {0};
            ck_assert_msg(pk()->decode(theirs.data, theirs.len, &back, &e) == 0, "%s, Python's "
                          "protocol %d%s: %s", what, protocol, pure ? " (pure)" : "", e.msg);
            assert_same_records(&back, d, what);
            fc_dataset_free(&back);
            fc_buffer_free(&theirs);
        }
    }
    fc_dataset back = {0};
    ck_assert_int_eq(pk()->decode(ours.data, ours.len, &back, &e), 0);
    assert_same_records(&back, d, what);
    fc_dataset_free(&back);
    fc_buffer_free(&ours);
}

static uint64_t next_random(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s ^ (*s >> 29);
}

static double random_double(uint64_t *s)
{
    return (double)(next_random(s) >> 11) * 0x1p-53 * 1000.0;
}

/* Keys 0..n-1 (the exercise's shape), for each size around a batch or a frame. */
START_TEST(sizes_are_pythons_bytes)
{
    static const size_t sizes[] = {0, 1, 2, 999, 1000, 1001, 2000, 100000};
    size_t n = sizes[_i];
    fc_dataset d = {0};
    uint64_t s = n + 1;
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(fc_dataset_push(&d, i, random_double(&s), NULL), 0);
    char what[32];
    snprintf(what, sizeof what, "%zu records", n);
    check_against("python3", &d, what);
    fc_dataset_free(&d);
}
END_TEST

/* A key on each side of every opcode boundary, with every edge class of double. */
static void boundary_keys(fc_dataset *d)
{
    static const uint64_t keys[] = {0, 255, 256, 65535, 65536, 2147483647ull, 2147483648ull,
                                    4294967295ull, 4294967296ull, 1099511627775ull,
                                    9223372036854775807ull, 9223372036854775808ull,
                                    18446744073709551615ull};
    static const uint64_t value_bits[] = {
        0x7ff8000000000000ull, 0xfff8000000000000ull, 0x7ff0000000000001ull,
        0x7ff4000000000123ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
        0x8000000000000000ull, 0x0000000000000001ull, 0x000fffffffffffffull,
        0x0010000000000000ull, 0x7fefffffffffffffull, 0x3ff0000000000000ull,
        0xbfb999999999999aull};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        double v;
        memcpy(&v, &value_bits[i], 8);
        ck_assert_int_eq(fc_dataset_push(d, keys[i], v, NULL), 0);
    }
}

START_TEST(boundary_keys_and_edge_values_are_pythons_bytes)
{
    fc_dataset d = {0};
    boundary_keys(&d);
    check_against("python3", &d, "boundary keys");
    fc_dataset_free(&d);
}
END_TEST

/* Keys of every width at random, in random order: frames close after keys and after
 * values of every length, at many offsets. */
START_TEST(random_widths_frame_as_python_does)
{
    fc_dataset d = {0};
    uint64_t s = 99 + (uint64_t)_i;
    size_t n = 7000 + 911 * (size_t)_i;
    uint64_t next[8] = {0}; /* per width of 1..8 bytes, the next key of that width */
    for (int c = 1; c < 8; c++)
        next[c] = (uint64_t)1 << (c == 7 ? 63 : 8 * c);
    while (d.count < n) {
        int c = (int)(next_random(&s) % 8);
        if (c == 0 && next[0] > 255)
            continue;
        uint64_t k = next[c];
        next[c] += 1 + (c > 1 ? next_random(&s) % 251 : 0);
        ck_assert_int_eq(fc_dataset_push(&d, k, random_double(&s), NULL), 0);
    }
    size_t a, b;
    ck_assert_int_eq(fc_dataset_find_repeat(&d, 0, &a, &b, NULL), 0);
    check_against("python3", &d, "random widths");
    fc_dataset_free(&d);
}
END_TEST

/* The other CPythons of this machine, when present: the same bytes. */
START_TEST(other_pythons_write_the_same_bytes)
{
    static const char *const pythons[] = {"/root/.pyenv/versions/3.12.1/bin/python3",
                                          "/root/.pyenv/versions/3.13.0/bin/python3"};
    fc_dataset d = {0};
    boundary_keys(&d);
    for (size_t i = 0; i < 2; i++) {
        if (access(pythons[i], X_OK) != 0) {
            printf("skipped: %s is not here\n", pythons[i]);
            continue;
        }
        check_against(pythons[i], &d, pythons[i]);
    }
    fc_dataset_free(&d);
}
END_TEST

#define P4 "\x80\x04}\x94"
#define HALF "G?\xe0\0\0\0\0\0\0"

/* Inputs refused, each with its message. */
static const struct {
    const char *what, *bytes;
    size_t len;
    const char *msg;
} refused[] = {
#define CASE(what, lit, msg) {what, lit, sizeof lit - 1, msg}
    CASE("GLOBAL", P4 "(K\x01" "cos\nsystem\n" "u.", "offset 7: opcode GLOBAL (0x63) imports "
         "a callable; a result file never does, so it is refused: unpickling untrusted data "
         "can run code"),
    CASE("STACK_GLOBAL", P4 "(K\x01\x93u.", "offset 7: opcode STACK_GLOBAL (0x93) imports a "
         "callable; a result file never does, so it is refused: unpickling untrusted data "
         "can run code"),
    CASE("REDUCE", P4 "(K\x01R", "offset 7: opcode REDUCE (0x52) calls a callable; a result "
         "file never does, so it is refused: unpickling untrusted data can run code"),
    CASE("BUILD", P4 "b", "offset 4: opcode BUILD (0x62) calls __setstate__ or sets an "
         "object's attributes; a result file never does, so it is refused: unpickling "
         "untrusted data can run code"),
    CASE("INST", P4 "(iq\n", "offset 5: opcode INST (0x69) calls a callable; a result file "
         "never does, so it is refused: unpickling untrusted data can run code"),
    CASE("OBJ", P4 "(o", "offset 5: opcode OBJ (0x6f) calls a callable; a result file never "
         "does, so it is refused: unpickling untrusted data can run code"),
    CASE("NEWOBJ", P4 "(K\x01\x81", "offset 7: opcode NEWOBJ (0x81) calls a callable; a "
         "result file never does, so it is refused: unpickling untrusted data can run code"),
    CASE("NEWOBJ_EX", P4 "\x92", "offset 4: opcode NEWOBJ_EX (0x92) calls a callable; a result"
         " file never does, so it is refused: unpickling untrusted data can run code"),
    CASE("EXT1", "\x80\x04\x82\x01", "offset 2: opcode EXT1 (0x82) imports a callable from the "
         "extension registry; a result file never does, so it is refused: unpickling "
         "untrusted data can run code"),
    CASE("BINPERSID", P4 "(K\x01Q", "offset 7: opcode BINPERSID (0x51) calls the unpickler's "
         "persistent_load; a result file never does, so it is refused: unpickling untrusted "
         "data can run code"),
    CASE("not a dict", "\x80\x04\x8c\x05posix\x94.", "offset 2: opcode SHORT_BINUNICODE (0x8c), "
         "expected EMPTY_DICT (7d); a result file is one dict of integer keys to float values"),
    CASE("a string value", P4 "K\x01\x8c\x01" "as.", "offset 6: opcode SHORT_BINUNICODE (0x8c),"
         " expected a value: a float (BINFLOAT); a result file is one dict of integer keys to "
         "float values"),
    CASE("a float key", P4 HALF HALF "s.", "offset 4: opcode BINFLOAT (0x47), expected a key: "
         "an integer 0..2^64-1 (BININT1, BININT2, BININT or LONG1); a result file is one dict "
         "of integer keys to float values"),
    CASE("no opcode", P4 "\xff", "offset 4: byte 0xff is no pickle opcode, expected a key: an "
         "integer 0..2^64-1 (BININT1, BININT2, BININT or LONG1)"),
    CASE("a negative key", P4 "J\xff\xff\xff\xff" HALF "s.", "offset 4: the key is the integer"
         " -1, expected an integer 0..2^64-1"),
    CASE("key 2^64", P4 "\x8a\x09\0\0\0\0\0\0\0\0\x01" HALF "s.", "offset 4: the key is the "
         "integer of 9 bytes (beyond 64 bits), expected an integer 0..2^64-1"),
    CASE("a negative key in a batch", P4 "(K\x01" HALF "J\xff\xff\xff\xff" HALF HALF HALF "u.",
         "offset 16: the key is the integer -1, expected an integer 0..2^64-1"),
    CASE("key 2^64 in a batch", P4 "(\x8a\x09\0\0\0\0\0\0\0\0\x01" HALF HALF HALF "u.",
         "offset 5: the key is the integer of 9 bytes (beyond 64 bits), expected an integer "
         "0..2^64-1"),
    CASE("a string value in a batch", P4 "(K\x01\x8c\x01" "a" HALF HALF HALF "u.", "offset 7: "
         "opcode SHORT_BINUNICODE (0x8c), expected a value: a float (BINFLOAT); a result file "
         "is one dict of integer keys to float values"),
    CASE("value 2^53+1", P4 "K\x01\x8a\x08\x01\0\0\0\0\0\x20\0s.", "integer 9007199254740993 at"
         " offset 6 has no exact double (the nearest is 9007199254740992.0; write that if it "
         "is meant)"),
    CASE("key twice", P4 "(K\x01" HALF "K\x01" HALF "u.", "offset 16 (item 1): key 1 again "
         "(first at offset 5, item 0); a result file holds each key once"),
    CASE("bytes after STOP", P4 ".\0", "offset 5: 1 bytes after STOP, which should end the "
         "file"),
    CASE("no STOP", P4, "offset 4: the file ends before STOP (2e), which ends every pickle"),
    CASE("truncated float", P4 "K\x01G?\xe0", "offset 6: the file ends inside opcode BINFLOAT"
         " (2 bytes of 8)"),
    CASE("frame too long", "\x80\x04\x95\x10\0\0\0\0\0\0\0}\x94.", "offset 2: the FRAME "
         "declares 16 bytes but only 3 follow"),
    CASE("float across a frame", "\x80\x04\x95\x05\0\0\0\0\0\0\0}\x94K\x01G?\xe0\0\0\0\0\0\0s.",
         "offset 15: opcode BINFLOAT runs past the end of its frame (offset 16)"),
    CASE("STOP inside a frame", "\x80\x04\x95\x04\0\0\0\0\0\0\0}\x94.\x2e", "offset 13: STOP, "
         "but its frame goes on to offset 15"),
    CASE("a frame in a frame", "\x80\x04\x95\x0b\0\0\0\0\0\0\0}\x95\0\0\0\0\0\0\0\0\x94.",
         "offset 12: a FRAME inside the frame that ends at offset 22"),
    CASE("protocol 1", "}q\0.", "offset 0: no PROTO opcode: a protocol 0 or 1 pickle; write it "
         "with protocol 2 to 5"),
    CASE("protocol 6", "\x80\x06}\x94.", "offset 1: pickle protocol 6, expected 2 to 5"),
    CASE("empty", "", "offset 0: empty file, expected a pickle (PROTO, 80)"),
    CASE("LONG4 of 2 GiB", P4 "(\x8b\xff\xff\xff\x7f", "offset 5: the file ends inside opcode "
         "LONG4 (0 bytes of 2147483647)"),
    CASE("SETITEM missing", P4 "K\x01" HALF ".", "offset 15: opcode STOP (0x2e), expected "
         "SETITEM (73) after a key and a value; a result file is one dict of integer keys to "
         "float values"),
#undef CASE
};

START_TEST(refused_with_why)
{
    fc_dataset d = {0};
    fc_error e = {0};
    int rc = pk()->decode((const uint8_t *)refused[_i].bytes, refused[_i].len, &d, &e);
    ck_assert_msg(rc == FC_ECORRUPT, "%s: %s", refused[_i].what, fc_code_name(rc));
    ck_assert_msg(strcmp(e.msg, refused[_i].msg) == 0, "%s:\n got  %s\n want %s",
                  refused[_i].what, e.msg, refused[_i].msg);
    fc_dataset_free(&d);
}
END_TEST

/* What a pickle of os.system holds is refused, and so is every byte of it decoded
 * nowhere: nothing is appended. */
START_TEST(a_function_is_refused)
{
    fc_buffer b = {0};
    FILE *p = popen("python3 -c 'import os, pickle, sys; "
                    "sys.stdout.buffer.write(pickle.dumps(os.system, protocol=4))'", "r");
    ck_assert_ptr_nonnull(p);
    char chunk[256];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        ck_assert_int_eq(fc_buffer_append(&b, chunk, n, NULL), 0);
    ck_assert_int_eq(pclose(p), 0);
    fc_dataset d = {0};
    fc_error e = {0};
    ck_assert_int_eq(pk()->decode(b.data, b.len, &d, &e), FC_ECORRUPT);
    ck_assert_str_eq(e.msg, "offset 11: opcode SHORT_BINUNICODE (0x8c), expected EMPTY_DICT "
                            "(7d); a result file is one dict of integer keys to float values");
    fc_buffer_free(&b);
    fc_dataset_free(&d);
}
END_TEST

/* Integer values a double holds exactly are read (as json and msgpack read them);
 * LONG4 and non-minimal LONG1 keys too, as Python reads them. */
START_TEST(exact_integer_values_and_long_keys_are_read)
{
    static const char in[] = P4 "(K\x01K\x02" "M\x00\x01J\xf9\xff\xff\xff"
                             "\x8b\x02\0\0\0\x05\0" "\x8a\x08\0\0\0\0\0\0\x20\0" "u.";
    fc_dataset d = {0};
    fc_error e = {0};
    ck_assert_int_eq(pk()->decode((const uint8_t *)in, sizeof in - 1, &d, &e), 0);
    ck_assert_uint_eq(d.count, 3);
    ck_assert_uint_eq(d.keys[0], 1);
    ck_assert(d.values[0] == 2.0);
    ck_assert_uint_eq(d.keys[1], 256);
    ck_assert(d.values[1] == -7.0);
    ck_assert_uint_eq(d.keys[2], 5);
    ck_assert(d.values[2] == 9007199254740992.0);
    fc_dataset_free(&d);
}
END_TEST

/* The probe's bids, and that 80, msgpack's empty map, is no pickle (and a pickle no
 * msgpack map): each file of one is recognised as that one alone. */
START_TEST(probe_bids)
{
    static const struct {
        const char *bytes;
        size_t len;
        const char *want;
    } cases[] = {
        {P4 ".", 5, "pickle 27"},
        {"\x80\x04\x95\x0f\0\0\0\0\0\0\0}\x94K\x01" HALF "s.", 26, "pickle 35"},
        {"\x80\x02}q\0.", 6, "pickle 27"},
        {"\x80\x02}(", 4, ""},
        {"\x80\x06}\x94.", 5, ""},
        {"\x80\x04\x8c\x05posix", 9, ""},
        {"\x80", 1, "msgpack 4"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const fc_codec *who[8];
        unsigned bids[8];
        size_t n = fc_codec_bidders((const uint8_t *)cases[i].bytes, cases[i].len, who, bids, 8);
        char got[128] = "";
        for (size_t k = 0; k < n; k++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s %u", k ? ", " : "",
                     who[k]->name, bids[k]);
        ck_assert_msg(strcmp(got, cases[i].want) == 0, "case %zu: bids \"%s\", expected \"%s\"",
                      i, got, cases[i].want);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pickle");
    TCase *tc = tcase_create("pickle");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, sizes_are_pythons_bytes, 0, 8);
    tcase_add_test(tc, boundary_keys_and_edge_values_are_pythons_bytes);
    tcase_add_loop_test(tc, random_widths_frame_as_python_does, 0, 3);
    tcase_add_test(tc, other_pythons_write_the_same_bytes);
    tcase_add_loop_test(tc, refused_with_why, 0, (int)(sizeof refused / sizeof refused[0]));
    tcase_add_test(tc, a_function_is_refused);
    tcase_add_test(tc, exact_integer_values_and_long_keys_are_read);
    tcase_add_test(tc, probe_bids);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
