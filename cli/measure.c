/* measure.c - compare's measuring: every format through the same exercise.
 *
 * Two views, kept apart so nobody mistakes one for the other:
 *  - end to end: the real exercise through the engine (fork, compute, encode, write,
 *    read, decode, merge), timed as a user would feel it;
 *  - the codec alone: encode and decode of the whole dataset in this process,
 *    repeated until one sample lasts at least 10 ms, so small payloads are timed as
 *    precisely as large ones. A codec with decode_unverified (FlatBuffers) is also
 *    timed without its verification of untrusted bytes, as a third figure labelled
 *    so: zero-copy access without the Verifier is not the same thing as decoding.
 * Formats run interleaved, round by round (A B C ..., A B C ...), after warm-up rounds
 * that are not counted, so a drift of the machine hits every format alike. Every
 * figure is the median of the repeats, with their min and max.
 */
#define _POSIX_C_SOURCE 200809L
#include "measure.h"

#include "fc_shapes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* ==== The codec alone ==== */

/* What a sample times: encode, decode, or decode without verification. */
enum op { OP_ENCODE, OP_DECODE, OP_DECODE_UNVERIFIED, OPS };

/* The codec's decode without verification (fc_codec version 3), or NULL. */
static int (*unverified(const fc_codec *c))(const uint8_t *, size_t, fc_dataset *, fc_error *)
{
    return c->version >= 3 ? c->decode_unverified : NULL;
}

/* What the codec alone is timed on: the numbers (d) or records of another shape (rec),
 * their whole encoding, and where each sample encodes or decodes to. */
typedef struct codec_job {
    const fc_codec *c;
    unsigned shape;            /* 0: numbers */
    const fc_dataset *d;
    const fc_records *rec;
    const fc_buffer *encoded;
    fc_buffer *scratch;
    fc_dataset *back;
    fc_records *rback;
} codec_job;

static int code_once(const codec_job *j, enum op op, fc_error *err)
{
    if (op == OP_ENCODE) {
        j->scratch->len = 0;
        return j->shape ? j->c->encode_records(j->rec, j->shape, j->scratch, err)
                        : j->c->encode(j->d, j->scratch, err);
    }
    if (!j->shape) {
        j->back->count = 0;
        return (op == OP_DECODE ? j->c->decode : unverified(j->c))(j->encoded->data,
                                                                    j->encoded->len, j->back, err);
    }
    j->rback->count = 0;
    fc_arena_free(&j->rback->arena); /* the trees of the sample before */
    return j->c->decode_records(j->encoded->data, j->encoded->len, j->shape, j->rback, err);
}

/* Nanoseconds per record for one sample of encoding (or decoding) the data, repeated
 * `reps` times. */
static double sample_codec(const codec_job *j, unsigned reps, enum op op, fc_error *err)
{
    uint64_t t0 = fc_now_ns();
    for (unsigned k = 0; k < reps; k++)
        if (code_once(j, op, err) != 0)
            return -1;
    double ns = (double)(fc_now_ns() - t0);
    size_t n = j->shape ? j->rec->count : j->d->count;
    return ns / reps / (double)(n ? n : 1);
}

/* How many repetitions make one sample last at least 10 ms. */
static unsigned calibrate(const codec_job *j, enum op op)
{
    unsigned reps = 1;
    for (;;) {
        uint64_t t0 = fc_now_ns();
        if (sample_codec(j, reps, op, NULL) < 0)
            return 1;
        uint64_t t = fc_now_ns() - t0;
        if (t >= 10000000u || reps >= (1u << 24))
            return reps;
        unsigned next = t ? (unsigned)fmin((double)reps * 12e6 / (double)t, (double)(1u << 24))
                          : reps * 100;
        reps = next > reps ? next : reps * 2;
    }
}

/* Deflated size of the data encoded the way the engine splits it among children. */
static int deflated_size(const codec_job *j, unsigned workers, uint64_t *bytes,
                         uint64_t *deflated, fc_error *err)
{
    size_t n = j->shape ? j->rec->count : j->d->count;
    unsigned parts = fc_split_parts(n, workers);
    *bytes = *deflated = 0;
    for (unsigned i = 0; i < parts; i++) {
        uint64_t off, len;
        fc_split(n, parts, i, &off, &len);
        fc_buffer b = {0};
        int rc;
        if (j->shape) {
            fc_records part = {.keys = j->rec->keys + off, .values = j->rec->values + off,
                               .count = (size_t)len, .cap = (size_t)len};
            rc = j->c->encode_records(&part, j->shape, &b, err);
        } else {
            fc_dataset part = {j->d->keys + off, j->d->values + off, (size_t)len, (size_t)len};
            rc = j->c->encode(&part, &b, err);
        }
        if (rc == 0) {
            uLongf zlen = compressBound((uLong)b.len);
            Bytef *z = malloc(zlen);
            if (!z || compress2(z, &zlen, b.data, (uLong)b.len, 6) != Z_OK)
                rc = fc_fail(err, FC_ENOMEM, 0, "deflate failed");
            *bytes += b.len;
            *deflated += zlen;
            free(z);
        }
        fc_buffer_free(&b);
        if (rc)
            return rc;
    }
    return 0;
}

/* The reference values: calc(1..count), as fc_values_make(FC_VALUES_EXERCISE) makes
 * them, but looking for a signal between keys (with large flags this takes hours). */
static int reference_values(uint64_t count, uint64_t iterations, fc_dataset *ref,
                            fc_error *err)
{
    int rc = fc_dataset_reserve(ref, (size_t)count, err);
    for (uint64_t k = 1; rc == 0 && k <= count; k++) {
        if (cli_cancel)
            return fc_fail(err, FC_EINTR, 0, "interrupted");
        rc = fc_dataset_push(ref, k, fc_calc(k, iterations), err);
    }
    return rc;
}

/* ==== Reproduction data ==== */

static void machine_facts(compare_result *r)
{
    snprintf(r->cpu, sizeof r->cpu, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
            snprintf(r->cpu, sizeof r->cpu, "%s", strchr(line, ':') + 2);
            r->cpu[strcspn(r->cpu, "\n")] = '\0';
            break;
        }
    }
    if (f)
        fclose(f);
    r->cpus = sysconf(_SC_NPROCESSORS_ONLN);
    time_t now = time(NULL);
    strftime(r->date, sizeof r->date, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(r->kernel, sizeof r->kernel, "%.64s %.64s %.64s", u.sysname, u.release,
                 u.machine);
}

/* ==== The rounds ==== */

/* The samples each round takes of each format, per record but the wall time. A new
 * timed figure is a kind here and a stats in format_result, summarised in
 * summarise_all(). */
enum sample_kind {
    S_WALL, S_E2E_ENCODE, S_E2E_DECODE, S_ALONE_ENCODE, S_ALONE_DECODE,
    S_ALONE_DECODE_UNVERIFIED, /* 0 for a codec without decode_unverified */
    S_KINDS
};

/* What the rounds share. */
typedef struct measurer {
    const compare_params *p;
    compare_result *r;
    fc_dataset ref;            /* the values every run must give, bit for bit */
    fc_dataset back;           /* the codec alone's decoded copy */
    fc_records made;           /* another shape: its records, made here */
    const fc_records *rref;    /* ... the records every run must give (made, or --input) */
    fc_records rback;          /* ... the codec alone's decoded copy */
    fc_buffer *encoded;        /* per format: ref encoded whole */
    fc_buffer scratch;         /* the codec alone's encoding */
    unsigned *reps;            /* per format: repetitions per sample, for each enum op */
    double *samples;           /* per format, per kind, per counted round */
    fc_error err;
} measurer;

/* What every run must give: the numbers, or the records of another shape (made here,
 * or the user's own). */
static int reference_data(measurer *m)
{
    const compare_params *p = m->p;
    if (!p->shape)
        return reference_values(p->count, p->iterations, &m->ref, &m->err);
    if (p->input) {
        m->rref = p->input;
        return 0;
    }
    m->rref = &m->made;
    return fc_shape_records((enum fc_shape)p->shape, 1, p->count, p->iterations, &m->made, &m->err);
}

static codec_job job_of(measurer *m, int f)
{
    return (codec_job){.c = m->p->codecs[f], .shape = m->p->shape, .d = &m->ref, .rec = m->rref,
                       .encoded = &m->encoded[f], .scratch = &m->scratch, .back = &m->back,
                       .rback = &m->rback};
}

/* The first record of b that differs from a's (trees equal bit for bit), or -1. */
static long first_record_difference(const fc_records *a, const fc_records *b)
{
    size_t n = a->count < b->count ? a->count : b->count;
    for (size_t i = 0; i < n; i++)
        if (a->keys[i] != b->keys[i] || !fc_value_equal(&a->values[i], &b->values[i]))
            return (long)i;
    return a->count == b->count ? -1 : (long)n;
}

static double *sample(measurer *m, int f, enum sample_kind kind, unsigned round)
{
    return &m->samples[((size_t)f * S_KINDS + kind) * m->p->repeat + round];
}

/* A codec without FC_SUPPORTS_EXACT_DOUBLES whose round trip kept every key and
 * changed only values: records the loss in fr (exact no more) and returns true. Any
 * other difference is a failure. */
static bool lossy_allowed(format_result *fr, const fc_dataset *ref, const fc_dataset *back)
{
    value_loss l;
    if ((fr->codec->supports & FC_SUPPORTS_EXACT_DOUBLES) || loss_measure(ref, back, &l) != 0)
        return false;
    if (l.changed > fr->loss.changed)
        fr->loss = l;
    fr->exact = false;
    return true;
}

/* One format's failure: not exact, and why ("run: ..."). */
static void failed(format_result *fr, const char *stage, const char *why)
{
    fr->exact = false;
    snprintf(fr->failure, sizeof fr->failure, "%s: %s", stage, why);
}

/* The sizes, and ref encoded whole for the codec alone; a format that cannot encode
 * ref fails here and is not run. */
static void prepare_formats(measurer *m)
{
    for (int f = 0; f < m->p->ncodecs; f++) {
        format_result *fr = &m->r->formats[f];
        fr->codec = m->p->codecs[f];
        fr->exact = true;
        codec_job j = job_of(m, f);
        int rc = deflated_size(&j, m->r->workers, &fr->bytes, &fr->deflated, &m->err);
        if (rc == 0)
            rc = m->p->shape ? fr->codec->encode_records(m->rref, m->p->shape, &m->encoded[f],
                                                         &m->err)
                             : fr->codec->encode(&m->ref, &m->encoded[f], &m->err);
        if (rc != 0)
            failed(fr, "encode", m->err.msg);
    }
}

/* One run through the engine: its wall time and the per-record encode and decode
 * times in s[]. 0; 1 when the format failed (recorded); FC_EINTR. */
static int end_to_end(measurer *m, format_result *fr, double s[S_KINDS])
{
    const compare_params *p = m->p;
    fc_engine_config cfg = {.codec = fr->codec, .start = 1, .count = p->count,
                            .workers = m->r->workers, .iterations = p->iterations,
                            .cancel = &cli_cancel, .transport = p->transport,
                            .shape = p->shape, .input = p->input};
    if (p->input)
        cfg.start = 0; /* the user's records are keyed 0..n-1 */
    fc_engine_result res;
    int rc = p->mpi.on ? cli_mpi_run(&cfg, &p->mpi, &res, &m->err)
                       : fc_engine_run(&cfg, &res, &m->err);
    if (rc != 0) {
        fc_engine_result_free(&res);
        if (cli_cancel)
            return FC_EINTR;
        failed(fr, "run", m->err.msg);
        return 1;
    }
    long diff;
    if (p->shape) {
        diff = first_record_difference(m->rref, res.records);
    } else {
        diff = fc_dataset_first_difference(&m->ref, &res.data);
        if (diff >= 0 && lossy_allowed(fr, &m->ref, &res.data))
            diff = -1; /* a value loss the codec declares: measured on the round trip */
    }
    if (diff >= 0 && fr->exact) { /* timed still: the samples are not used */
        char why[96];
        snprintf(why, sizeof why, "record %ld (key %llu) differs", diff,
                 (unsigned long long)(p->shape ? m->rref->keys[diff] : m->ref.keys[diff]));
        failed(fr, "run", why);
    }
    double enc = 0, dec = 0;
    for (unsigned i = 0; i < res.nchildren; i++) {
        enc += (double)res.children[i].encode_ns;
        dec += (double)res.children[i].decode_ns;
    }
    for (unsigned i = 0; i < res.nchildren; i++) /* each child's own, from wait4: */
        if (res.children[i].max_rss_kib > m->r->children_rss_kib) /* not RUSAGE_CHILDREN, */
            m->r->children_rss_kib = res.children[i].max_rss_kib; /* maybe a compiler's */
    s[S_WALL] = (double)res.elapsed_ns;
    s[S_E2E_ENCODE] = enc / (double)p->count;
    s[S_E2E_DECODE] = dec / (double)p->count;
    fc_engine_result_free(&res);
    return 0;
}

/* The codec alone, format f: its per-record encode and decode times in s[] (and its
 * decode without verification, when it has one; the repetitions calibrated in the
 * first round). 0, or 1 when it failed (recorded). */
static int codec_alone(measurer *m, int f, unsigned round, double s[S_KINDS])
{
    format_result *fr = &m->r->formats[f];
    const fc_codec *c = fr->codec;
    codec_job j = job_of(m, f);
    unsigned *reps = &m->reps[OPS * f];
    static const enum sample_kind kind[OPS] = {S_ALONE_ENCODE, S_ALONE_DECODE,
                                               S_ALONE_DECODE_UNVERIFIED};
    for (int op = 0; op < OPS; op++) {
        if (op == OP_DECODE_UNVERIFIED && (!unverified(c) || j.shape))
            break;
        if (round == 0)
            reps[op] = calibrate(&j, (enum op)op);
        s[kind[op]] = sample_codec(&j, reps[op], (enum op)op, &m->err);
        if (s[kind[op]] < 0) {
            failed(fr, "codec alone", m->err.msg);
            return 1;
        }
        /* Each decode's records, checked: the unverified one must give the same. */
        bool differs = j.shape ? first_record_difference(m->rref, &m->rback) >= 0
                               : fc_dataset_first_difference(&m->ref, &m->back) >= 0 &&
                                     !lossy_allowed(fr, &m->ref, &m->back);
        if (op != OP_ENCODE && differs && fr->exact)
            failed(fr, "codec alone", op == OP_DECODE ? "round trip differs"
                                                      : "round trip differs (unverified)");
    }
    return 0;
}

/* Format f in one round: its samples kept unless the round is a warm-up. 0, or
 * FC_EINTR. */
static int measure_one(measurer *m, int f, unsigned round)
{
    format_result *fr = &m->r->formats[f];
    double s[S_KINDS] = {0};
    if (fr->failure[0])
        return 0;
    int rc = end_to_end(m, fr, s);
    if (rc != 0)
        return rc == FC_EINTR ? rc : 0;
    if (codec_alone(m, f, round, s) != 0 || round < m->p->warmup)
        return 0;
    for (int k = 0; k < S_KINDS; k++)
        *sample(m, f, (enum sample_kind)k, round - (unsigned)m->p->warmup) = s[k];
    return 0;
}

/* Every round, formats interleaved. 0, or FC_EINTR. */
static int run_rounds(measurer *m, measure_progress progress)
{
    unsigned rounds = (unsigned)(m->p->warmup + m->p->repeat), n = (unsigned)m->p->ncodecs;
    unsigned steps = rounds * n, step = 0;
    int rc = 0;
    for (unsigned round = 0; round < rounds && rc == 0; round++) {
        for (unsigned f = 0; f < n && rc == 0; f++) {
            char what[64];
            snprintf(what, sizeof what, "round %u/%u %s", round + 1, rounds,
                     m->p->codecs[f]->name);
            progress(step++, steps, what);
            /* A signal is seen between runs: nothing of ours is on disk. */
            rc = cli_cancel ? FC_EINTR : measure_one(m, (int)f, round);
        }
    }
    progress(steps, steps, "");
    return rc;
}

static void summarise_all(measurer *m)
{
    for (int f = 0; f < m->p->ncodecs; f++) {
        format_result *fr = &m->r->formats[f];
        unsigned n = fr->failure[0] ? 0 : (unsigned)m->p->repeat;
        fr->wall = stats_of(sample(m, f, S_WALL, 0), n);
        fr->e2e_encode = stats_of(sample(m, f, S_E2E_ENCODE, 0), n);
        fr->e2e_decode = stats_of(sample(m, f, S_E2E_DECODE, 0), n);
        fr->alone_encode = stats_of(sample(m, f, S_ALONE_ENCODE, 0), n);
        fr->alone_decode = stats_of(sample(m, f, S_ALONE_DECODE, 0), n);
        fr->alone_decode_unverified = stats_of(sample(m, f, S_ALONE_DECODE_UNVERIFIED, 0), n);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    m->r->parent_rss_kib = ru.ru_maxrss;
}

static void measurer_free(measurer *m)
{
    for (int f = 0; m->encoded && f < m->p->ncodecs; f++)
        fc_buffer_free(&m->encoded[f]);
    free(m->samples);
    free(m->encoded);
    free(m->reps);
    fc_buffer_free(&m->scratch);
    fc_dataset_free(&m->back);
    fc_dataset_free(&m->ref);
    fc_records_free(&m->made);
    fc_records_free(&m->rback);
}

int compare_measure(const compare_params *p, compare_result *r, measure_progress progress,
                    fc_error *err)
{
    measurer m = {.p = p, .r = r};
    *r = (compare_result){.count = p->count, .iterations = p->iterations,
                          .workers = fc_split_parts(p->count, (unsigned)p->workers),
                          .repeat = (unsigned)p->repeat, .warmup = (unsigned)p->warmup,
                          .transport = p->mpi.on ? (p->mpi.file ? "mpi, files" : "mpi, messages")
                                                 : fc_transport_name(p->transport),
                          .nformats = p->ncodecs};
    machine_facts(r);
    r->shape = p->shape;
    if (p->input_name)
        snprintf(r->input, sizeof r->input, "%s", p->input_name);
    /* The reference values, computed once here: every run must give these bits. */
    uint64_t t0 = fc_now_ns();
    int rc = reference_data(&m);
    r->calc_ns = (double)(fc_now_ns() - t0);
    if (cli_cancel)
        rc = FC_EINTR;
    if (rc == 0) {
        m.samples = calloc((size_t)p->ncodecs * S_KINDS * p->repeat, sizeof *m.samples);
        m.encoded = calloc((size_t)p->ncodecs, sizeof *m.encoded);
        m.reps = calloc((size_t)p->ncodecs * OPS, sizeof *m.reps);
        if (!m.samples || !m.encoded || !m.reps)
            rc = fc_fail(&m.err, FC_ENOMEM, 0, "out of memory");
    }
    if (rc == 0) {
        prepare_formats(&m);
        rc = run_rounds(&m, progress);
    }
    if (rc == 0)
        summarise_all(&m);
    else if (rc != FC_EINTR)
        *err = m.err;
    measurer_free(&m);
    return rc;
}
