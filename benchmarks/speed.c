/* speed.c - issues 7's, 14's and 17's ratios, each beside its target and its anchor,
 * all measured in this one run.
 *
 *   build-release/benchmarks/speed [calc_reference.py [pyser_reference.py]]
 *   (benchmarks/run builds and runs it)
 *
 * Every time is the fastest of 11 samples; each sample of a short operation repeats it
 * until it lasts at least 5 ms. An anchor is the fastest public code for the same
 * work (fmt, simdjson, fast_float, ISA-L; anchors.cc), the floor of operations that
 * cannot be avoided, or a library used alone in a minimal program (jsonlibs.c and the
 * functions below): what forkcollect's glue costs is the ratio. */
#define _POSIX_C_SOURCE 200809L
#include "forkcollect.h"
#ifdef FC_HAVE_PROTOBUF /* each optional format, when built (the list in CMakeLists.txt) */
#include "results.pb-c.h"
#endif

#ifdef FCB_HAVE_ANCHORS
#include "anchors.h"
#endif
#include "jsonlibs.h"

#include <fcntl.h>
#include <isa-l/crc.h>
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

/* Each time is the fastest of SAMPLES samples of at least 5 ms each: on a machine shared
 * with other work, the fastest is the one least disturbed by it (a median moves with
 * the load; the minimum moves much less). */
#define SAMPLES 11
#define SAMPLE_NS 5000000u

/* How many calls of fn make a sample of at least SAMPLE_NS. */
static unsigned reps_for(work_fn fn, void *ctx)
{
    unsigned reps = 1;
    for (;;) {
        uint64_t t0 = fc_now_ns();
        for (unsigned i = 0; i < reps; i++)
            fn(ctx);
        if (fc_now_ns() - t0 >= SAMPLE_NS)
            return reps;
        reps *= 2;
    }
}

static double sample(work_fn fn, void *ctx, unsigned reps)
{
    uint64_t t0 = fc_now_ns();
    for (unsigned i = 0; i < reps; i++)
        fn(ctx);
    return (double)(fc_now_ns() - t0) / reps;
}

/* The ns one call of fn takes. */
static double time_ns(work_fn fn, void *ctx)
{
    unsigned reps = reps_for(fn, ctx);
    double best = sample(fn, ctx, reps);
    for (int k = 1; k < SAMPLES; k++) {
        double t = sample(fn, ctx, reps);
        best = t < best ? t : best;
    }
    return best;
}

/* The same for two functions, their samples interleaved (a, b, a, b, ...), so that
 * a change in the machine's load falls on both: *a_ns and *b_ns. */
static void time_pair(work_fn a, void *actx, work_fn b, void *bctx, double *a_ns, double *b_ns)
{
    unsigned ra = reps_for(a, actx), rb = reps_for(b, bctx);
    double sa = 1e300, sb = 1e300;
    for (int k = 0; k < SAMPLES; k++) {
        double ta = sample(a, actx, ra), tb = sample(b, bctx, rb);
        sa = ta < sa ? ta : sa;
        sb = tb < sb ? tb : sb;
    }
    *a_ns = sa;
    *b_ns = sb;
}

static int failures;

/* One line: what, measured, base, ratio, target (ratio <= max or >= min). */
static void report(const char *what, double value, const char *unit, double base,
                   const char *base_what, double target, int at_most)
{
    double ratio = value / base;
    if (target <= 0) { /* beside it, no target */
        printf("| %s | %.3g %s | %.3g %s (%s) | %.2fx | none | (for scale) |\n", what, value,
               unit, base, unit, base_what, ratio);
        return;
    }
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

double fcb_calc_generation(uint64_t n, uint64_t iterations); /* calc_generation.c */

static void generation_10m(void *ctx)
{
    sink_d = fcb_calc_generation((uint64_t)(uintptr_t)ctx, 10000000);
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
    char *text;    /* room for an anchor's JSON text */
    char *padded;  /* the encoding with simdjson's padding after it */
    size_t padded_cap;
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
    j->text = malloc(64 * n + 2);
    j->padded_cap = j->encoded.len + 64;
#ifdef FCB_HAVE_ANCHORS
    j->padded_cap = j->encoded.len + fcb_simdjson_padding();
#endif
    j->padded = calloc(1, j->padded_cap);
    memcpy(j->padded, j->encoded.data, j->encoded.len);
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
    free(j->text);
    free(j->padded);
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

/* ==== 7. Issue 17's anchors ==== */

/* ISA-L's crc32_iscsi takes and returns the register as it is: CRC-32C as forkcollect
 * (and iSCSI, ext4, RFC 3720) defines it is ~crc32_iscsi(p, n, ~0). */
static uint32_t isal_crc32c(const void *p, size_t n)
{
    return ~crc32_iscsi((unsigned char *)(uintptr_t)p, (int)n, 0xffffffffu);
}

/* raw's anchor: the same copy as memcpy_encode / memcpy_decode, and a CRC-32C pass over
 * the 16n bytes, two separate passes. */
static void memcpy_crc_encode(void *ctx)
{
    job *j = ctx;
    memcpy_encode(j);
    sink_u = isal_crc32c(j->raw_copy, 16 * j->data.count);
}

static void memcpy_crc_decode(void *ctx)
{
    job *j = ctx;
    sink_u = isal_crc32c(j->encoded.data + 24, 16 * j->data.count);
    memcpy_decode(j);
}

#ifdef FCB_HAVE_ANCHORS
static void fmt_encode(void *ctx)
{
    job *j = ctx;
    sink_u = (uint32_t)fcb_fmt_encode(j->data.keys, j->data.values, j->data.count, j->text);
}

static void simdjson_decode(void *ctx)
{
    job *j = ctx;
    sink_u = (uint32_t)fcb_simdjson_decode(j->padded, j->encoded.len, j->padded_cap,
                                           j->back.keys, j->back.values, j->back.cap);
}

static void fast_float_decode(void *ctx)
{
    job *j = ctx;
    sink_u = (uint32_t)fcb_fast_float_decode(j->padded, j->encoded.len, j->back.keys,
                                             j->back.values, j->back.cap);
}
#endif

/* The pipe transport's anchor: fork, the child writes the bytes into a pipe and exits,
 * the parent reads them to the end and waits. */
static void bare_pipe_round(void *ctx)
{
    job *j = ctx;
    int fd[2];
    if (pipe(fd) != 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        const uint8_t *p = j->encoded.data;
        size_t left = j->encoded.len;
        while (left > 0) {
            ssize_t w = write(fd[1], p, left);
            if (w <= 0)
                _exit(1);
            p += w;
            left -= (size_t)w;
        }
        _exit(0);
    }
    close(fd[1]);
    size_t got = 0;
    ssize_t r;
    while ((r = read(fd[0], j->raw_copy + got, 16 * j->data.count + 64 - got)) > 0)
        got += (size_t)r;
    close(fd[0]);
    waitpid(pid, NULL, 0);
    sink_u = (uint32_t)got;
}

#ifdef FCB_HAVE_TRANSPORT
static void engine_pipe_round(void *ctx)
{
    (void)ctx;
    fc_engine_config cfg = {.codec = fc_codec_find("raw"), .start = 1, .count = 1000,
                            .workers = 1, .iterations = 0,
                            .transport = fc_transport_find("pipe")};
    fc_engine_result r;
    fc_engine_run(&cfg, &r, NULL);
    fc_engine_result_free(&r);
}
#endif

static void not_measured(const char *what, const char *why)
{
    printf("| %s | %s | | | | not measured |\n", what, why);
}

static void table_head(const char *title)
{
    printf("\n### %s\n\n", title);
    printf("| measure | forkcollect | anchor | ratio | target | verdict |\n");
    printf("| --- | ---: | ---: | ---: | ---: | --- |\n");
}

/* A codec's encode and decode per record against an anchor's. */
static void codec_rows(job *j, const char *what, work_fn enc, work_fn dec, const char *anchor,
                       double target)
{
    char row[160];
    double n = (double)j->data.count;
    double ours, base;
    snprintf(row, sizeof row, "%s encode, %zu records", what, j->data.count);
    time_pair(ours_encode, j, enc, j, &ours, &base);
    report(row, ours / n, "ns/record", base / n, anchor, target, 1);
    snprintf(row, sizeof row, "%s decode, %zu records", what, j->data.count);
    time_pair(ours_decode, j, dec, j, &ours, &base);
    report(row, ours / n, "ns/record", base / n, anchor, target, 1);
}

static const size_t sizes[2] = {1000, 100000};

static void issue17_json(void)
{
    for (int si = 0; si < 2; si++) {
        job j;
        char row[128];
        setup_job(&j, "json", sizes[si]);
        double n = (double)sizes[si];
#ifdef FCB_HAVE_ANCHORS
        double ours, base;
        snprintf(row, sizeof row, "json encode (Python's bytes), %zu records", sizes[si]);
        time_pair(ours_encode, &j, fmt_encode, &j, &ours, &base);
        report(row, ours / n, "ns/record", base / n, "fmt, same keys and doubles, one buffer",
               1.3, 1);
        snprintf(row, sizeof row, "json decode, %zu records", sizes[si]);
        time_pair(ours_decode, &j, simdjson_decode, &j, &ours, &base);
        report(row, ours / n, "ns/record", base / n, "simdjson on-demand, same arrays", 1.3, 1);
        snprintf(row, sizeof row, "json decode, %zu records (beside fast_float)", sizes[si]);
        time_pair(ours_decode, &j, fast_float_decode, &j, &ours, &base);
        report(row, ours / n, "ns/record", base / n, "fast_float on the same numbers", 0, 1);
#else
        snprintf(row, sizeof row, "json encode and decode, %zu records", sizes[si]);
        not_measured(row, "anchor not built (fmt, simdjson or fast_float not found)");
#endif
        free_job(&j);
    }
}

static void issue17(double calc_ns, double floor_ns)
{
    table_head("Issue 17: against the fastest known code for the same work");
    issue17_json();
    report("calc(n, 10M), bit-exact", calc_ns / 1e6, "ms", floor_ns / 1e6,
           "10M dependent additions", 1.4, 1);
    double gen, fl;
    time_pair(generation_10m, (void *)(uintptr_t)1, floor_adds, NULL, &gen, &fl);
    report("calc's generation alone (10M numbers made, none added)", gen / 1e6, "ms", fl / 1e6,
           "10M dependent additions", 0, 1);
    for (int si = 0; si < 2; si++) {
        job j;
        setup_job(&j, "raw", sizes[si]);
        codec_rows(&j, "raw", memcpy_crc_encode, memcpy_crc_decode,
                   "memcpy + ISA-L CRC-32C, two passes", 1.2);
        free_job(&j);
    }
    job j;
    setup_job(&j, "raw", 1000);
#ifdef FCB_HAVE_TRANSPORT
    double eng, bare;
    time_pair(engine_pipe_round, NULL, bare_pipe_round, &j, &eng, &bare);
    report("pipe transport, one child's round trip (raw, 1,000 records)", eng / 1e3, "us",
           bare / 1e3,
           "bare pipe write/read, fork, wait", 1.5, 1);
#else
    double bare = time_ns(bare_pipe_round, &j);
    printf("| pipe transport, one child's round trip (raw, 1,000 records) | transport not "
           "built | %.3g us (bare pipe write/read, fork, wait) | | <= 1.50x | not measured |\n",
           bare / 1e3);
#endif
    free_job(&j);
}

/* Checks that ISA-L's CRC convention is forkcollect's, on a raw file's payload. */
static void check_crc_convention(void)
{
    job j;
    setup_job(&j, "raw", 1000);
    uint32_t ours = fc_crc32c(0, j.encoded.data + 24, j.encoded.len - 24);
    uint32_t isal = isal_crc32c(j.encoded.data + 24, j.encoded.len - 24);
    uint32_t check = isal_crc32c("123456789", 9);
    printf("CRC-32C conventions: ~crc32_iscsi(p, n, ~0) = %08x, fc_crc32c(0, p, n) = %08x "
           "(%s); check value of \"123456789\" %08x (%s, e3069283 by definition).\n",
           isal, ours, isal == ours ? "equal" : "**DIFFERENT**", check,
           check == 0xe3069283u ? "right" : "**wrong**");
    free_job(&j);
}

/* ==== 8. Issue 14: pickle and marshal, CPython beside them, the JSON libraries ==== */

/* CPython's ns per call of pickle.dumps, pickle.loads, marshal.dumps, marshal.loads of
 * the dict in a pickle file (benchmarks/pyser_reference.py); 0 if not run. */
static int python_pickle_marshal(const char *script, const job *pk, double ns[4])
{
    char path[] = "/tmp/fc-speed-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    ssize_t w = write(fd, pk->encoded.data, pk->encoded.len);
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "python3 %s %s 2>/dev/null", script, path);
    FILE *p = w == (ssize_t)pk->encoded.len ? popen(cmd, "r") : NULL;
    int got = p ? fscanf(p, "%lf %lf %lf %lf", &ns[0], &ns[1], &ns[2], &ns[3]) : 0;
    if (p)
        pclose(p);
    unlink(path);
    return got == 4 ? 0 : -1;
}

static void issue14_course(const char *pyscript)
{
    table_head("Issue 14: the course's formats, against raw and against CPython");
    for (int si = 0; si < 2; si++) {
        size_t n = sizes[si];
        job raw, pk, ms;
        char row[160];
        setup_job(&raw, "raw", n);
        setup_job(&pk, "pickle", n);
        setup_job(&ms, "marshal", n);
        double t[4], r[4]; /* each beside raw's, interleaved */
        time_pair(ours_encode, &pk, ours_encode, &raw, &t[0], &r[0]);
        time_pair(ours_decode, &pk, ours_decode, &raw, &t[1], &r[1]);
        time_pair(ours_encode, &ms, ours_encode, &raw, &t[2], &r[2]);
        time_pair(ours_decode, &ms, ours_decode, &raw, &t[3], &r[3]);
        static const char *what[4] = {"pickle encode", "pickle decode", "marshal encode",
                                      "marshal decode"};
        static const char *py[4] = {"pickle.dumps", "pickle.loads", "marshal.dumps",
                                    "marshal.loads"};
        double cp[4];
        int have_py = python_pickle_marshal(pyscript, &pk, cp) == 0;
        for (int k = 0; k < 4; k++) {
            snprintf(row, sizeof row, "%s, %zu records", what[k], n);
            report(row, t[k] / (double)n, "ns/record", r[k] / (double)n,
                   k % 2 ? "raw decode" : "raw encode", 2.0, 1);
            snprintf(row, sizeof row, "CPython's %s, %zu records, against ours", py[k], n);
            if (have_py)
                report(row, cp[k] / (double)n, "ns/record", t[k] / (double)n, "forkcollect",
                       10.0, 0);
            else
                not_measured(row, "python3 or pyser_reference.py not found");
        }
        free_job(&raw);
        free_job(&pk);
        free_job(&ms);
    }
}

static const fcb_jsonlib *lib_now;

static void lib_encode(void *ctx)
{
    sink_u = (uint32_t)lib_now->encode(&((job *)ctx)->data);
}

static void lib_decode(void *ctx)
{
    job *j = ctx;
    sink_u = (uint32_t)lib_now->decode(j->encoded.data, j->encoded.len, &j->back);
}

static void issue14_jsonlibs(void)
{
    table_head("Issue 14: each JSON library's codec against the library used directly");
    for (int si = 0; si < 2; si++)
        for (lib_now = fcb_jsonlibs; lib_now->codec; lib_now++) {
            job j;
            char alone[64];
            setup_job(&j, lib_now->codec, sizes[si]);
            snprintf(alone, sizeof alone, "%s's library alone", lib_now->codec);
            codec_rows(&j, lib_now->codec, lib_encode, lib_decode, alone, 1.2);
            free_job(&j);
        }
}

static void libraries_alone(void)
{
    static const struct {
        const char *codec;
        work_fn alone_encode, alone_decode;
        const char *alone;
    } libs[] = {
        {"msgpack", msgpack_alone_encode, msgpack_alone_decode, "msgpack-c alone"},
#ifdef FC_HAVE_PROTOBUF
        {"protobuf", protobuf_alone_encode, protobuf_alone_decode, "protobuf-c alone"},
#endif
#ifdef FC_HAVE_TPL
        {"tpl", tpl_alone_encode, tpl_alone_decode, "tpl alone"},
#endif
#ifdef FC_HAVE_CBOR
        {"cbor", cbor_alone_encode, cbor_alone_decode, "libcbor alone"},
#endif
#ifdef FC_HAVE_BSON
        {"bson", bson_alone_encode, bson_alone_decode, "libbson alone"},
#endif
#ifdef FC_HAVE_XDR
        {"xdr", xdr_alone_encode, xdr_alone_decode, "libtirpc alone"},
#endif
#ifdef FC_HAVE_AVRO
        {"avro", avro_alone_encode, avro_alone_decode, "avro-c alone (the datum)"},
#endif
    };
    table_head("Issues 7 and 17: every codec against its library used directly");
    for (int si = 0; si < 2; si++)
        for (size_t l = 0; l < sizeof libs / sizeof libs[0]; l++) {
            job j;
            setup_job(&j, libs[l].codec, sizes[si]);
            codec_rows(&j, libs[l].codec, libs[l].alone_encode, libs[l].alone_decode,
                       libs[l].alone, 1.5);
            free_job(&j);
        }
}

static void issue7(const char *python_script, double calc_ns)
{
    table_head("Issue 7: the floors, Python, parallel efficiency, the collect overhead");
    double sf = time_ns(floor_seed, (void *)(uintptr_t)7), sc = time_ns(calc_seed_only, (void *)(uintptr_t)7);
    report("seeding + first block, against init_by_array's dependent chain", sc / 1e3, "us",
           sf / 1e3, "its floor", 1.5, 1);
    double py = python_seconds(python_script);
    if (py > 0)
        report("Python 3 calc(1, 10M), against forkcollect's", py * 1e3, "ms", calc_ns / 1e6,
               "forkcollect", 30, 0);
    else
        not_measured("Python 3 calc(1, 10M)", "python3 or calc_reference.py not found");
    long w = sysconf(_SC_NPROCESSORS_ONLN);
    if (w > 1) {
        double t1 = run_wall(1, (uint64_t)(4 * w)), tw = run_wall((unsigned)w, (uint64_t)(4 * w));
        char what[128];
        snprintf(what, sizeof what, "speedup with %ld workers (exercise, %ld numbers, 10M "
                                    "iterations)", w, 4 * w);
        report(what, t1 / tw, "x", 0.85 * (double)w, "0.85 x workers", 1.0, 0);
    }
    job j;
    setup_job(&j, "raw", 1000);
    double bare, eng;
    time_pair(engine_round, NULL, bare_round, &j, &eng, &bare);
    report("one child's round trip through the engine, files (fork, write, wait, read, "
           "check, decode, merge; 1,000 records)", eng / 1e3, "us", bare / 1e3,
           "bare fork, open/write/rename, wait, open/read", 2.0, 1);
    free_job(&j);
}

int main(int argc, char **argv)
{
    const char *calc_script = argc > 1 ? argv[1] : "benchmarks/calc_reference.py";
    const char *pyser_script = argc > 2 ? argv[2] : "benchmarks/pyser_reference.py";
    const char *only = getenv("FCB_ONLY"); /* a section while developing: 17, 14, 7 */
#ifdef FCB_HAVE_ANCHORS
    printf("Anchors: %s, ISA-L (crc32_iscsi).\n", fcb_anchor_versions());
#endif
    check_crc_convention();
    double floor_ns = 0, calc_ns = 0;
    if (!only || strcmp(only, "14") != 0) {
        time_pair(calc_10m, (void *)(uintptr_t)1, floor_adds, NULL, &calc_ns, &floor_ns);
    }
    if (!only || strcmp(only, "17") == 0) {
        issue17(calc_ns, floor_ns);
        libraries_alone();
    }
    if (!only || strcmp(only, "14") == 0) {
        issue14_course(pyser_script);
        issue14_jsonlibs();
    }
    if (!only || strcmp(only, "7") == 0)
        issue7(calc_script, calc_ns);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("\nPeak resident memory of this benchmark: %.1f MiB. `forkcollect run` and "
           "`compare` report their own.\n", (double)ru.ru_maxrss / 1024);
    printf("%d of the targets above not met.\n", failures);
    return 0;
}
