/* speed.c - issue 7's ratios, each beside its target, all measured in this one run.
 *
 *   build-release/benchmarks/speed        (benchmarks/run builds and runs it)
 *
 * Every time is the median of several samples; each sample of a short operation repeats
 * it until it lasts at least 10 ms. "Library alone" programs below do the same work as
 * forkcollect's backends with nothing but the library: what glue costs is the ratio. */
#define _POSIX_C_SOURCE 200809L
#include "forkcollect.h"
#ifdef FC_HAVE_PROTOBUF /* each optional format, when built (the list in CMakeLists.txt) */
#include "results.pb-c.h"
#endif

#include <fcntl.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#ifdef FC_HAVE_TPL
#include <tpl.h>
#endif
#ifdef FC_HAVE_CBOR
#include <cbor.h>
#endif
#ifdef FC_HAVE_BSON
#include <bson.h>
#endif
#ifdef FC_HAVE_XDR
#include "results.h" /* rpcgen's, from proto/results.x */
#endif
#ifdef FC_HAVE_AVRO
#include "results_avsc.h"
#include <avro.h>
#endif
#include <unistd.h>

/* ==== Timing ==== */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef void (*work_fn)(void *ctx);

/* Median over 7 samples of the ns one call of fn takes, each sample >= 10 ms. */
static double time_ns(work_fn fn, void *ctx)
{
    unsigned reps = 1;
    for (;;) {
        uint64_t t0 = fc_now_ns();
        for (unsigned i = 0; i < reps; i++)
            fn(ctx);
        if (fc_now_ns() - t0 >= 10000000u)
            break;
        reps *= 2;
    }
    double s[7];
    for (int k = 0; k < 7; k++) {
        uint64_t t0 = fc_now_ns();
        for (unsigned i = 0; i < reps; i++)
            fn(ctx);
        s[k] = (double)(fc_now_ns() - t0) / reps;
    }
    qsort(s, 7, sizeof s[0], cmp_double);
    return s[3];
}

static int failures;

/* One line: what, measured, base, ratio, target (ratio <= max or >= min). */
static void report(const char *what, double value, const char *unit, double base,
                   const char *base_what, double target, int at_most)
{
    double ratio = value / base;
    int ok = at_most ? ratio <= target : ratio >= target;
    failures += !ok;
    printf("| %s | %.3g %s | %.3g %s (%s) | %.2fx | %s %.2fx | %s |\n", what, value, unit, base,
           unit, base_what, ratio, at_most ? "<=" : ">=", target, ok ? "met" : "**not met**");
}

/* ==== 1. calc against its floor ==== */

static volatile double sink_d;
static volatile uint32_t sink_u;

static void floor_adds(void *ctx)
{
    (void)ctx;
    volatile double one = 0.5;
    double x = one, s = 0;
    for (long i = 0; i < 10000000; i++)
        s += x; /* 10M dependent additions: the order of the sum is fixed */
    sink_d = s;
}

static void calc_10m(void *ctx)
{
    sink_d = fc_calc((uint64_t)(uintptr_t)ctx, 10000000);
}

/* Seeding's floor: init_by_array's 1,247 dependent steps, with nothing else. */
static void floor_seed(void *ctx)
{
    volatile uint32_t start = (uint32_t)(uintptr_t)ctx;
    uint32_t prev = start;
    for (int k = 0; k < 624; k++)
        prev = (prev ^ ((prev ^ (prev >> 30)) * 1664525u)) + (uint32_t)k;
    for (int k = 0; k < 623; k++)
        prev = (prev ^ ((prev ^ (prev >> 30)) * 1566083941u)) - (uint32_t)k;
    sink_u = prev;
}

static void calc_seed_only(void *ctx)
{
    sink_d = fc_calc((uint64_t)(uintptr_t)ctx, 1); /* seeding and one block */
}

/* ==== 2. Python ==== */

static double python_seconds(const char *script)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "python3 %s 1 10000000 2>/dev/null", script);
    FILE *p = popen(cmd, "r");
    double best = -1, t;
    char value[64];
    if (p && fscanf(p, "%lf %63s", &t, value) == 2)
        best = t;
    if (p)
        pclose(p);
    return best;
}

/* ==== 3. Parallel efficiency ==== */

static double run_wall(unsigned workers, uint64_t count)
{
    double s[5];
    for (int k = 0; k < 5; k++) {
        fc_engine_config cfg = {.codec = fc_codec_find("raw"), .start = 1, .count = count,
                                .workers = workers, .iterations = 10000000};
        fc_engine_result r;
        if (fc_engine_run(&cfg, &r, NULL) != 0)
            return -1;
        s[k] = (double)r.elapsed_ns;
        fc_engine_result_free(&r);
    }
    qsort(s, 5, sizeof s[0], cmp_double);
    return s[2];
}

/* ==== 4 and 5. Codecs against their libraries alone ==== */

typedef struct job {
    const fc_codec *codec;
    fc_dataset data, back;
    fc_buffer buf, encoded;
    uint8_t *raw_copy;
    size_t avro_datum; /* avro: where the datum starts in encoded */
} job;

static void ours_encode(void *ctx)
{
    job *j = ctx;
    j->buf.len = 0;
    j->codec->encode(&j->data, &j->buf, NULL);
}

static void ours_decode(void *ctx)
{
    job *j = ctx;
    j->back.count = 0;
    j->codec->decode(j->encoded.data, j->encoded.len, &j->back, NULL);
}

/* raw's floor: copying the same bytes. */
static void memcpy_encode(void *ctx)
{
    job *j = ctx;
    size_t n = j->data.count;
    memcpy(j->raw_copy, j->data.keys, 8 * n);
    memcpy(j->raw_copy + 8 * n, j->data.values, 8 * n);
}

static void memcpy_decode(void *ctx)
{
    job *j = ctx;
    size_t n = j->data.count;
    memcpy(j->back.keys, j->raw_copy, 8 * n);
    memcpy(j->back.values, j->raw_copy + 8 * n, 8 * n);
}

/* msgpack-c alone: what a msgpack-c user writes for the same map. */
static void msgpack_alone_encode(void *ctx)
{
    job *j = ctx;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, j->data.count);
    for (size_t i = 0; i < j->data.count; i++) {
        msgpack_pack_uint64(&pk, j->data.keys[i]);
        msgpack_pack_double(&pk, j->data.values[i]);
    }
    sink_u = (uint32_t)sb.size;
    msgpack_sbuffer_destroy(&sb);
}

static void msgpack_alone_decode(void *ctx)
{
    job *j = ctx;
    msgpack_unpacked u;
    size_t off = 0;
    msgpack_unpacked_init(&u);
    if (msgpack_unpack_next(&u, (const char *)j->encoded.data, j->encoded.len, &off) ==
        MSGPACK_UNPACK_SUCCESS) {
        for (uint32_t i = 0; i < u.data.via.map.size; i++) {
            j->back.keys[i] = u.data.via.map.ptr[i].key.via.u64;
            j->back.values[i] = u.data.via.map.ptr[i].val.via.f64;
        }
    }
    msgpack_unpacked_destroy(&u);
}

#ifdef FC_HAVE_PROTOBUF
static void protobuf_alone_encode(void *ctx)
{
    job *j = ctx;
    Forkcollect__Results m = FORKCOLLECT__RESULTS__INIT;
    m.has_count = 1;
    m.count = j->data.count;
    m.n_keys = m.n_values = j->data.count;
    m.keys = j->data.keys;
    m.values = j->data.values;
    uint8_t *out = malloc(forkcollect__results__get_packed_size(&m));
    sink_u = (uint32_t)forkcollect__results__pack(&m, out);
    free(out);
}

static void protobuf_alone_decode(void *ctx)
{
    job *j = ctx;
    Forkcollect__Results *m = forkcollect__results__unpack(NULL, j->encoded.len, j->encoded.data);
    if (m) {
        memcpy(j->back.keys, m->keys, m->n_keys * 8);
        memcpy(j->back.values, m->values, m->n_values * 8);
        forkcollect__results__free_unpacked(m, NULL);
    }
}
#endif

#ifdef FC_HAVE_TPL
static void tpl_alone_encode(void *ctx)
{
    job *j = ctx;
    uint64_t k;
    double v;
    void *out;
    size_t len;
    tpl_node *tn = tpl_map((char *)"A(Uf)", &k, &v);
    for (size_t i = 0; i < j->data.count; i++) {
        k = j->data.keys[i];
        v = j->data.values[i];
        tpl_pack(tn, 1);
    }
    tpl_dump(tn, TPL_MEM, &out, &len);
    sink_u = (uint32_t)len;
    free(out);
    tpl_free(tn);
}

static void tpl_alone_decode(void *ctx)
{
    job *j = ctx;
    uint64_t k;
    double v;
    tpl_node *tn = tpl_map((char *)"A(Uf)", &k, &v);
    if (tpl_load(tn, TPL_MEM, j->encoded.data, j->encoded.len) == 0) {
        size_t i = 0;
        while (tpl_unpack(tn, 1) > 0) {
            j->back.keys[i] = k;
            j->back.values[i++] = v;
        }
    }
    tpl_free(tn);
}
#endif

#ifdef FC_HAVE_CBOR
/* libcbor alone: its encoders into a buffer of the worst size, every value a double (no
 * shortest float), and its streaming decoder with callbacks that only store. */
static void cbor_alone_encode(void *ctx)
{
    job *j = ctx;
    size_t n = j->data.count, pos = 0;
    unsigned char *out = malloc(9 + 18 * n);
    pos += cbor_encode_map_start(n, out, 9);
    for (size_t i = 0; i < n; i++) {
        pos += cbor_encode_uint(j->data.keys[i], out + pos, 9);
        pos += cbor_encode_double(j->data.values[i], out + pos, 9);
    }
    sink_u = (uint32_t)pos;
    free(out);
}

typedef struct cbor_sink {
    job *j;
    size_t i;
    bool value;
} cbor_sink;

static void cbor_alone_u64(void *c, uint64_t v)
{
    cbor_sink *s = c;
    s->j->back.keys[s->i] = v;
    s->value = true;
}
static void cbor_alone_u32(void *c, uint32_t v) { cbor_alone_u64(c, v); }
static void cbor_alone_u16(void *c, uint16_t v) { cbor_alone_u64(c, v); }
static void cbor_alone_u8(void *c, uint8_t v) { cbor_alone_u64(c, v); }
static void cbor_alone_f64(void *c, double v)
{
    cbor_sink *s = c;
    s->j->back.values[s->i++] = v;
    s->value = false;
}
static void cbor_alone_f32(void *c, float v) { cbor_alone_f64(c, v); }

static void cbor_alone_decode(void *ctx)
{
    struct cbor_callbacks cb = cbor_empty_callbacks;
    cb.uint8 = cbor_alone_u8, cb.uint16 = cbor_alone_u16, cb.uint32 = cbor_alone_u32;
    cb.uint64 = cbor_alone_u64, cb.float2 = cb.float4 = cbor_alone_f32;
    cb.float8 = cbor_alone_f64;
    cbor_sink s = {.j = ctx};
    job *j = ctx;
    for (size_t pos = 0; pos < j->encoded.len;) {
        struct cbor_decoder_result r =
            cbor_stream_decode(j->encoded.data + pos, j->encoded.len - pos, &cb, &s);
        if (r.status != CBOR_DECODER_FINISHED)
            break;
        pos += r.read;
    }
}
#endif

#ifdef FC_HAVE_BSON
/* libbson alone: bson_new and bson_append_double with the key's digits, then the bytes
 * copied out; bson_init_static and an iterator, keys read with strtoull. */
static void bson_alone_encode(void *ctx)
{
    job *j = ctx;
    bson_t *b = bson_new();
    char key[24];
    for (size_t i = 0; i < j->data.count; i++) {
        int n = snprintf(key, sizeof key, "%llu", (unsigned long long)j->data.keys[i]);
        bson_append_double(b, key, n, j->data.values[i]);
    }
    uint8_t *out = malloc(b->len);
    memcpy(out, bson_get_data(b), b->len);
    sink_u = b->len;
    free(out);
    bson_destroy(b);
}

static void bson_alone_decode(void *ctx)
{
    job *j = ctx;
    bson_t b;
    bson_iter_t it;
    size_t i = 0;
    if (bson_init_static(&b, j->encoded.data, j->encoded.len) && bson_iter_init(&it, &b))
        for (; bson_iter_next(&it); i++) {
            j->back.keys[i] = strtoull(bson_iter_key(&it), NULL, 10);
            j->back.values[i] = bson_iter_double(&it);
        }
}
#endif

#ifdef FC_HAVE_XDR
static void xdr_alone_encode(void *ctx)
{
    job *j = ctx;
    size_t size = 12 + 16 * j->data.count;
    char *out = malloc(size);
    XDR x;
    xdrmem_create(&x, out, (u_int)size, XDR_ENCODE);
    u_int magic = FC_XDR_MAGIC, revision = FC_XDR_REVISION, n = (u_int)j->data.count;
    xdr_u_int(&x, &magic), xdr_u_int(&x, &revision), xdr_u_int(&x, &n);
    for (size_t i = 0; i < j->data.count; i++) {
        fc_xdr_record r = {.key = j->data.keys[i], .value = j->data.values[i]};
        xdr_fc_xdr_record(&x, &r);
    }
    sink_u = xdr_getpos(&x);
    xdr_destroy(&x);
    free(out);
}

static void xdr_alone_decode(void *ctx)
{
    job *j = ctx;
    fc_xdr_results r = {0};
    XDR x;
    xdrmem_create(&x, (char *)j->encoded.data, (u_int)j->encoded.len, XDR_DECODE);
    if (xdr_fc_xdr_results(&x, &r))
        for (u_int i = 0; i < r.records.records_len; i++) {
            j->back.keys[i] = r.records.records_val[i].key;
            j->back.values[i] = r.records.records_val[i].value;
        }
    xdr_destroy(&x);
    free(r.records.records_val);
}
#endif

#ifdef FC_HAVE_AVRO
/* avro-c alone: the datum only (the container is forkcollect's few bytes around it),
 * as a program using avro-c makes it: the schema, its generic class, a value. */
typedef struct avro_alone {
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t results;
} avro_alone;

static avro_alone avro_alone_new(void)
{
    avro_alone a;
    avro_schema_from_json_length(FC_AVRO_SCHEMA, sizeof FC_AVRO_SCHEMA - 1, &a.schema);
    a.iface = avro_generic_class_from_schema(a.schema);
    avro_generic_value_new(a.iface, &a.results);
    return a;
}

static void avro_alone_free(avro_alone *a)
{
    avro_value_decref(&a->results);
    avro_value_iface_decref(a->iface);
    avro_schema_decref(a->schema);
}

static void avro_alone_encode(void *ctx)
{
    job *j = ctx;
    avro_alone a = avro_alone_new();
    avro_value_t results = a.results, records, record, field;
    avro_value_get_by_index(&results, 0, &records, NULL);
    for (size_t i = 0; i < j->data.count; i++) {
        avro_value_append(&records, &record, NULL);
        avro_value_get_by_index(&record, 0, &field, NULL);
        avro_value_set_long(&field, (int64_t)j->data.keys[i]);
        avro_value_get_by_index(&record, 1, &field, NULL);
        avro_value_set_double(&field, j->data.values[i]);
    }
    size_t size = 0;
    avro_value_sizeof(&results, &size);
    char *out = malloc(size);
    avro_writer_t w = avro_writer_memory(out, (int64_t)size);
    avro_value_write(w, &results);
    sink_u = (uint32_t)size;
    avro_writer_free(w);
    free(out);
    avro_alone_free(&a);
}

/* The datum of an encoded file: after the header (its length from the file's own
 * bytes: the block's datum is the file's end minus the sync marker). */
static void avro_alone_decode(void *ctx)
{
    job *j = ctx;
    avro_alone a = avro_alone_new();
    avro_value_t results = a.results, records, record, field;
    avro_reader_t r = avro_reader_memory((const char *)j->encoded.data + j->avro_datum,
                                         (int64_t)(j->encoded.len - j->avro_datum - 16));
    size_t n = 0;
    if (avro_value_read(r, &results) == 0) {
        avro_value_get_by_index(&results, 0, &records, NULL);
        avro_value_get_size(&records, &n);
        for (size_t i = 0; i < n; i++) {
            int64_t k = 0;
            avro_value_get_by_index(&records, i, &record, NULL);
            avro_value_get_by_index(&record, 0, &field, NULL);
            avro_value_get_long(&field, &k);
            j->back.keys[i] = (uint64_t)k;
            avro_value_get_by_index(&record, 1, &field, NULL);
            avro_value_get_double(&field, &j->back.values[i]);
        }
    }
    avro_reader_free(r);
    avro_alone_free(&a);
}
#endif

static void setup_job(job *j, const char *codec, size_t n)
{
    memset(j, 0, sizeof *j);
    j->codec = fc_codec_find(codec);
    fc_values_make(FC_VALUES_EXERCISE, n, 1, &j->data, NULL);
    fc_dataset_reserve(&j->back, n, NULL);
    j->codec->encode(&j->data, &j->encoded, NULL);
    j->raw_copy = malloc(16 * n + 64); /* raw files are 24 + 16n bytes */
    if (strcmp(codec, "avro") == 0) { /* after the header's sync marker, the block's two longs */
        const uint8_t *e = j->encoded.data, *sync = e + j->encoded.len - 16;
        size_t at = 4;
        while (memcmp(e + at, sync, 16) != 0)
            at++;
        for (at += 16; e[at] & 0x80; at++) /* the block's count */
            ;
        for (at++; e[at] & 0x80; at++) /* its size */
            ;
        j->avro_datum = at + 1;
    }
}

static void free_job(job *j)
{
    fc_dataset_free(&j->data);
    fc_dataset_free(&j->back);
    fc_buffer_free(&j->buf);
    fc_buffer_free(&j->encoded);
    free(j->raw_copy);
}

/* ==== 6. Collect overhead ==== */

/* The bare system calls of one child's round: fork, write a file, wait, read it. */
static void bare_round(void *ctx)
{
    job *j = ctx;
    char path[64], part[72];
    pid_t pid = fork();
    if (pid == 0) {
        snprintf(path, sizeof path, "/tmp/fc-speed-%ld-%ld.raw", (long)getppid(), (long)getpid());
        snprintf(part, sizeof part, "%s.part", path);
        int fd = open(part, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0 || write(fd, j->encoded.data, j->encoded.len) < 0)
            _exit(1);
        close(fd);
        rename(part, path);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    snprintf(path, sizeof path, "/tmp/fc-speed-%ld-%ld.raw", (long)getpid(), (long)pid);
    int fd = open(path, O_RDONLY);
    ssize_t got = read(fd, j->raw_copy, 16 * j->data.count + 64);
    sink_u = (uint32_t)got;
    close(fd);
    unlink(path);
}

/* The engine doing the same: one child, 1,000 records, no load (0 iterations). */
static void engine_round(void *ctx)
{
    (void)ctx;
    fc_engine_config cfg = {.codec = fc_codec_find("raw"), .start = 1, .count = 1000,
                            .workers = 1, .iterations = 0, .dir = "/tmp"};
    fc_engine_result r;
    fc_engine_run(&cfg, &r, NULL);
    fc_engine_result_free(&r);
}

int main(int argc, char **argv)
{
    const char *python_script = argc > 1 ? argv[1] : "benchmarks/calc_reference.py";
    printf("| measure | forkcollect | base | ratio | target | verdict |\n");
    printf("| --- | ---: | ---: | ---: | ---: | --- |\n");

    /* 1. calc */
    double fl = time_ns(floor_adds, NULL), c = time_ns(calc_10m, (void *)(uintptr_t)1);
    report("calc(n, 10M) against 10M dependent additions", c / 1e6, "ms", fl / 1e6,
           "the floor", 2.5, 1);
    double sf = time_ns(floor_seed, (void *)(uintptr_t)7), sc = time_ns(calc_seed_only, (void *)(uintptr_t)7);
    report("seeding + first block, against init_by_array's dependent chain", sc / 1e3, "us",
           sf / 1e3, "its floor", 1.5, 1);

    /* 2. Python */
    double py = python_seconds(python_script);
    if (py > 0)
        report("Python 3 calc(1, 10M), against forkcollect's", py * 1e3, "ms", c / 1e6,
               "forkcollect", 30, 0);
    else
        printf("| Python 3 calc(1, 10M) | (python3 or %s not found) | | | >= 30x | not measured |\n",
               python_script);

    /* 3. Parallel efficiency */
    long w = sysconf(_SC_NPROCESSORS_ONLN);
    if (w > 1) {
        double t1 = run_wall(1, (uint64_t)(4 * w)), tw = run_wall((unsigned)w, (uint64_t)(4 * w));
        char what[96];
        snprintf(what, sizeof what, "speedup with %ld workers (exercise, %ld numbers, 10M "
                                    "iterations)", w, 4 * w);
        report(what, t1 / tw, "x", 0.85 * (double)w, "0.85 x workers", 1.0, 0);
    }

    /* 4 and 5. Codecs */
    const size_t sizes[2] = {1000, 100000};
    for (int si = 0; si < 2; si++) {
        size_t n = sizes[si];
        job j;
        char what[128];
        setup_job(&j, "json", n);
        if (n == 1000) {
            report("json encode at 1,000 records", time_ns(ours_encode, &j) / (double)n,
                   "ns/record", 200, "the target", 1.0, 1);
            report("json decode at 1,000 records", time_ns(ours_decode, &j) / (double)n,
                   "ns/record", 175, "the target", 1.0, 1);
        }
        free_job(&j);
        static const struct {
            const char *codec;
            work_fn alone_encode, alone_decode;
            const char *alone;
            double target;
        } libs[] = {
            {"raw", memcpy_encode, memcpy_decode, "memcpy of the same bytes", 2.0},
            {"msgpack", msgpack_alone_encode, msgpack_alone_decode, "msgpack-c alone", 1.5},
#ifdef FC_HAVE_PROTOBUF
            {"protobuf", protobuf_alone_encode, protobuf_alone_decode, "protobuf-c alone", 1.5},
#endif
#ifdef FC_HAVE_TPL
            {"tpl", tpl_alone_encode, tpl_alone_decode, "tpl alone", 1.5},
#endif
#ifdef FC_HAVE_CBOR
            {"cbor", cbor_alone_encode, cbor_alone_decode, "libcbor alone", 1.5},
#endif
#ifdef FC_HAVE_BSON
            {"bson", bson_alone_encode, bson_alone_decode, "libbson alone", 1.5},
#endif
#ifdef FC_HAVE_XDR
            {"xdr", xdr_alone_encode, xdr_alone_decode, "libtirpc alone", 1.5},
#endif
#ifdef FC_HAVE_AVRO
            {"avro", avro_alone_encode, avro_alone_decode, "avro-c alone (the datum)", 1.5},
#endif
        };
        for (size_t l = 0; l < sizeof libs / sizeof libs[0]; l++) {
            setup_job(&j, libs[l].codec, n);
            snprintf(what, sizeof what, "%s encode, %zu records", libs[l].codec, n);
            report(what, time_ns(ours_encode, &j) / (double)n, "ns/record",
                   time_ns(libs[l].alone_encode, &j) / (double)n, libs[l].alone, libs[l].target, 1);
            snprintf(what, sizeof what, "%s decode, %zu records", libs[l].codec, n);
            report(what, time_ns(ours_decode, &j) / (double)n, "ns/record",
                   time_ns(libs[l].alone_decode, &j) / (double)n, libs[l].alone, libs[l].target, 1);
            free_job(&j);
        }
    }

    /* 6. Collect overhead */
    job j;
    setup_job(&j, "raw", 1000);
    double bare = time_ns(bare_round, &j), eng = time_ns(engine_round, NULL);
    report("one child's round trip through the engine (fork, write, wait, read, check, "
           "decode, merge; 1,000 records)", eng / 1e3, "us", bare / 1e3,
           "bare fork, open/write/rename, wait, open/read", 2.0, 1);
    free_job(&j);

    /* 7. Memory */
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("\nPeak resident memory of this benchmark: %.1f MiB. `forkcollect run` and "
           "`compare` report their own.\n", (double)ru.ru_maxrss / 1024);
    printf("%d of the targets above not met.\n", failures);
    return 0;
}
