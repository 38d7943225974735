/* compare.c - `forkcollect compare`: every format through the same exercise, measured.
 *
 * Two views, kept apart in the report so nobody mistakes one for the other:
 *  - end to end: the real exercise through the engine (fork, compute, encode, write,
 *    read, decode, merge), timed as a user would feel it;
 *  - the codec alone: encode and decode of the whole dataset in this process,
 *    repeated until one sample lasts at least 10 ms, so small payloads are timed as
 *    precisely as large ones.
 * Formats run interleaved, round by round (A B C ..., A B C ...), after warm-up rounds
 * that are not counted, so a drift of the machine hits every format alike. Every
 * figure is the median of the repeats, with their min and max.
 */
#define _POSIX_C_SOURCE 200809L
#include "compare.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

static const char COMPARE_HELP[] =
    "usage: forkcollect compare [--formats LIST] [--count N] [--workers P] [--iterations I]\n"
    "                           [--repeat R] [--warmup W] [--output table|csv|json|markdown]\n"
    "                           [--chart FILE.svg] [--transport file|pipe]\n"
    "\n"
    "Runs the exercise through every format and reports what each costs: bytes of the\n"
    "result files (raw and deflated), encode and decode time per record, end-to-end\n"
    "wall time, and whether every value came back bit for bit. Formats run interleaved\n"
    "round by round; times are medians over R repeats with [min - max] beside them.\n"
    "\n"
    "  -f, --formats LIST   comma-separated formats, or all (default all)\n"
    "  -n, --count N        records: the numbers 1..N (default 100000)\n"
    "  -w, --workers P      children per run (default: one per online CPU)\n"
    "  -i, --iterations I   random draws per number (default 100: cheap, so that the\n"
    "                       formats, not the load, make the differences)\n"
    "  -r, --repeat R       measured rounds (default 10)\n"
    "      --warmup W       rounds run first and not counted (default 1)\n"
    "  -o, --output KIND    table (default), csv, json or markdown, on stdout\n"
    "      --chart FILE     also write an SVG chart: size, and encode/decode speed\n"
    "                       (FILE must be new: it is never overwritten)\n"
    "      --transport T    how the end-to-end runs move each child's results: file\n"
    "                       (default: result files) or pipe (streamed to the parent)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status: 0 when every format ran and round-tripped bit for bit, 1 otherwise,\n"
    "2 for a wrong flag.\n";

/* ==== Statistics ==== */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static stat3 summarise(double *v, unsigned n)
{
    stat3 s = {0, 0, 0};
    if (n == 0)
        return s;
    qsort(v, n, sizeof *v, cmp_double);
    s.min = v[0];
    s.max = v[n - 1];
    s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return s;
}

/* ==== The codec alone ==== */

/* Nanoseconds per record for one sample of encoding (or decoding) the dataset,
 * repeated `reps` times. */
static double sample_codec(const fc_codec *c, const fc_dataset *d, const fc_buffer *encoded,
                           fc_buffer *scratch, fc_dataset *back, unsigned reps, bool decode,
                           fc_error *err)
{
    uint64_t t0 = fc_now_ns();
    for (unsigned k = 0; k < reps; k++) {
        int rc;
        if (decode) {
            back->count = 0;
            rc = c->decode(encoded->data, encoded->len, back, err);
        } else {
            scratch->len = 0;
            rc = c->encode(d, scratch, err);
        }
        if (rc != 0)
            return -1;
    }
    double ns = (double)(fc_now_ns() - t0);
    return ns / reps / (double)(d->count ? d->count : 1);
}

/* How many repetitions make one sample last at least 10 ms. */
static unsigned calibrate(const fc_codec *c, const fc_dataset *d, const fc_buffer *encoded,
                          fc_buffer *scratch, fc_dataset *back, bool decode)
{
    unsigned reps = 1;
    for (;;) {
        uint64_t t0 = fc_now_ns();
        if (sample_codec(c, d, encoded, scratch, back, reps, decode, NULL) < 0)
            return 1;
        uint64_t t = fc_now_ns() - t0;
        if (t >= 10000000u || reps >= (1u << 24))
            return reps;
        unsigned next = t ? (unsigned)fmin((double)reps * 12e6 / (double)t, (double)(1u << 24))
                          : reps * 100;
        reps = next > reps ? next : reps * 2;
    }
}

/* Deflated size of the dataset encoded the way the engine splits it among children. */
static int deflated_size(const fc_codec *c, const fc_dataset *d, unsigned workers,
                         uint64_t *bytes, uint64_t *deflated, fc_error *err)
{
    unsigned parts = fc_split_parts(d->count, workers);
    *bytes = *deflated = 0;
    for (unsigned i = 0; i < parts; i++) {
        uint64_t off, len;
        fc_split(d->count, parts, i, &off, &len);
        fc_dataset part = {d->keys + off, d->values + off, (size_t)len, (size_t)len};
        fc_buffer b = {0};
        int rc = c->encode(&part, &b, err);
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

static void machine_facts(compare_report *r)
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

/* ==== Progress ==== */

static void progress(bool on, unsigned done, unsigned total, const char *what)
{
    if (!on)
        return;
    int width = 30, filled = (int)(width * done / (total ? total : 1));
    fprintf(stderr, "\r[%.*s%*s] %3u%% %-30s", filled, "##############################",
            width - filled, "", 100 * done / (total ? total : 1), what);
    if (done == total)
        fprintf(stderr, "\r%*s\r", width + 40, "");
    fflush(stderr);
}

/* ==== The command ==== */

static void render_svg(FILE *f, const void *report)
{
    report_svg(f, report);
}

static int parse_output(const char *s, enum output_kind *k)
{
    static const char *names[] = {"table", "csv", "json", "markdown"};
    for (int i = 0; i < 4; i++)
        if (strcasecmp(s, names[i]) == 0) {
            *k = (enum output_kind)i;
            return 0;
        }
    return -1;
}

/* What compare's flags ask for. */
typedef struct compare_request {
    const fc_codec *codecs[16];
    int n;
    uint64_t count, iterations, workers, repeat, warmup;
    enum output_kind output;
    const char *chart;
    const fc_transport *transport; /* --transport; NULL: files */
} compare_request;

static const cli_flag COMPARE_FLAGS[] = {
    {"formats", 'f', true, 'f'},    {"count", 'n', true, 'n'},  {"workers", 'w', true, 'w'},
    {"iterations", 'i', true, 'i'}, {"repeat", 'r', true, 'r'}, {"warmup", 0, true, 'W'},
    {"output", 'o', true, 'o'},     {"chart", 0, true, 'c'},
    {"transport", 0, true, 'T'},    {NULL, 0, false, 0}};

static int compare_flag(void *ctx, int id, const char *v)
{
    compare_request *rq = ctx;
    switch (id) {
    case 'f': return (rq->n = parse_format_list("compare", v, rq->codecs, 16)) < 0 ? -1 : 0;
    case 'n': return parse_u64("compare", "--count", v, 1, 10000000, &rq->count);
    case 'w': return parse_u64("compare", "--workers", v, 1, 1024, &rq->workers);
    case 'i': return parse_u64("compare", "--iterations", v, 0, 100000000, &rq->iterations);
    case 'r': return parse_u64("compare", "--repeat", v, 1, 1000, &rq->repeat);
    case 'W': return parse_u64("compare", "--warmup", v, 0, 100, &rq->warmup);
    case 'c': rq->chart = v; return 0;
    case 'T': return (rq->transport = parse_transport("compare", v)) ? 0 : -1;
    case 'o':
        if (parse_output(v, &rq->output) == 0)
            return 0;
        usage_error("compare", "--output: '%s' is not table, csv, json or markdown", v);
        return -1;
    }
    return -1;
}

/* Reads compare's flags into rq; returns CLI_GO_ON, or the exit status. */
static int parse_compare(int argc, char **argv, compare_request *rq)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    *rq = (compare_request){.count = 100000, .iterations = 100,
                            .workers = cpus > 0 ? (uint64_t)cpus : 1, .repeat = 10,
                            .warmup = 1, .output = OUTPUT_TABLE};
    rq->n = parse_format_list("compare", "all", rq->codecs, 16);
    static const cli_command COMPARE = {"compare", COMPARE_HELP, COMPARE_FLAGS, 0,
                                        compare_flag};
    int status = cli_parse(&COMPARE, argc, argv, rq, NULL);
    if (status != CLI_GO_ON)
        return status;
    int bad = rq->chart ? check_new_file("compare", "--chart", rq->chart) : 0;
    return bad ? bad : CLI_GO_ON; /* now, not after minutes of measuring */
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

int cmd_compare(int argc, char **argv)
{
    static compare_report r; /* large; one per process */
    compare_request rq;
    int status = parse_compare(argc, argv, &rq);
    if (status != CLI_GO_ON)
        return status;
    const fc_codec **codecs = rq.codecs;
    int n = rq.n;
    uint64_t count = rq.count, iterations = rq.iterations, workers = rq.workers,
             repeat = rq.repeat, warmup = rq.warmup;
    enum output_kind output = rq.output;
    const char *chart = rq.chart;

    cli_catch_signals(); /* before any work: an early Ctrl-C must not be lost either */
    r.count = count;
    r.iterations = iterations;
    r.workers = fc_split_parts(count, (unsigned)workers);
    r.repeat = (unsigned)repeat;
    r.warmup = (unsigned)warmup;
    r.nformats = n;
    machine_facts(&r);

    /* The reference values, computed once here: every run must give these bits. */
    fc_dataset ref = {0};
    fc_error err = {0};
    uint64_t t0 = fc_now_ns();
    int made = reference_values(count, iterations, &ref, &err);
    r.calc_ns = (double)(fc_now_ns() - t0);
    if (made != 0 || cli_cancel) {
        fc_dataset_free(&ref);
        return cli_cancel ? cli_interrupted("compare", NULL) : fail("compare", "%s", err.msg);
    }

    int rc = EXIT_OK;
    unsigned rounds = (unsigned)(warmup + repeat);
    double *samples = calloc((size_t)n * 5 * repeat, sizeof *samples);
    fc_buffer *encoded = calloc((size_t)n, sizeof *encoded);
    unsigned *reps = calloc((size_t)n * 2, sizeof *reps);
    fc_buffer scratch = {0};
    fc_dataset back = {0};
    if (!samples || !encoded || !reps)
        return fail("compare", "out of memory");
#define SAMPLE(f, kind, round) samples[((size_t)(f) * 5 + (kind)) * repeat + (round)]

    for (int f = 0; f < n; f++) {
        format_result *fr = &r.formats[f];
        fr->codec = codecs[f];
        fr->exact = true;
        if (deflated_size(codecs[f], &ref, r.workers, &fr->bytes, &fr->deflated, &err) != 0 ||
            codecs[f]->encode(&ref, &encoded[f], &err) != 0) {
            fr->exact = false;
            snprintf(fr->failure, sizeof fr->failure, "encode: %s", err.msg);
        }
    }
    bool tty = isatty(STDERR_FILENO);
    unsigned steps = rounds * (unsigned)n, step = 0;
    bool interrupted = false;
    for (unsigned round = 0; round < rounds && !interrupted; round++) {
        for (int f = 0; f < n; f++) {
            format_result *fr = &r.formats[f];
            char what[64];
            snprintf(what, sizeof what, "round %u/%u %s", round + 1, rounds, codecs[f]->name);
            progress(tty, step++, steps, what);
            if (cli_cancel) { /* between runs: nothing of ours is on disk */
                interrupted = true;
                break;
            }
            if (fr->failure[0])
                continue;
            /* End to end. */
            fc_engine_config cfg = {.codec = codecs[f], .start = 1, .count = count,
                                    .workers = r.workers, .iterations = iterations,
                                    .cancel = &cli_cancel, .transport = rq.transport};
            fc_engine_result res;
            if (fc_engine_run(&cfg, &res, &err) != 0) {
                if (cli_cancel) {
                    fc_engine_result_free(&res);
                    interrupted = true;
                    break;
                }
                fr->exact = false;
                snprintf(fr->failure, sizeof fr->failure, "run: %s", err.msg);
                fc_engine_result_free(&res);
                continue;
            }
            long diff = fc_dataset_first_difference(&ref, &res.data);
            if (diff >= 0 && lossy_allowed(fr, &ref, &res.data))
                diff = -1; /* a value loss the codec declares: measured on the round trip */
            if (diff >= 0 && fr->exact) {
                fr->exact = false;
                snprintf(fr->failure, sizeof fr->failure, "run: record %ld (key %llu) differs",
                         diff, (unsigned long long)ref.keys[diff]);
            }
            double enc = 0, dec = 0;
            for (unsigned i = 0; i < res.nchildren; i++) {
                enc += (double)res.children[i].encode_ns;
                dec += (double)res.children[i].decode_ns;
            }
            uint64_t wall = res.elapsed_ns;
            fc_engine_result_free(&res);
            /* The codec alone. */
            if (round == 0) {
                reps[2 * f] = calibrate(codecs[f], &ref, &encoded[f], &scratch, &back, false);
                reps[2 * f + 1] = calibrate(codecs[f], &ref, &encoded[f], &scratch, &back, true);
            }
            double ie = sample_codec(codecs[f], &ref, &encoded[f], &scratch, &back, reps[2 * f],
                                     false, &err);
            double id = sample_codec(codecs[f], &ref, &encoded[f], &scratch, &back,
                                     reps[2 * f + 1], true, &err);
            if (ie < 0 || id < 0) {
                fr->exact = false;
                snprintf(fr->failure, sizeof fr->failure, "codec alone: %s", err.msg);
                continue;
            }
            if (fc_dataset_first_difference(&ref, &back) >= 0 && fr->exact &&
                !lossy_allowed(fr, &ref, &back)) {
                fr->exact = false;
                snprintf(fr->failure, sizeof fr->failure, "codec alone: round trip differs");
            }
            if (round < warmup)
                continue;
            unsigned k = round - (unsigned)warmup;
            SAMPLE(f, 0, k) = (double)wall;
            SAMPLE(f, 1, k) = enc / (double)count;
            SAMPLE(f, 2, k) = dec / (double)count;
            SAMPLE(f, 3, k) = ie;
            SAMPLE(f, 4, k) = id;
        }
    }
    progress(tty, steps, steps, "");
    if (interrupted) {
        rc = cli_interrupted("compare", NULL);
        goto out;
    }
    for (int f = 0; f < n; f++) {
        format_result *fr = &r.formats[f];
        unsigned m = fr->failure[0] ? 0 : (unsigned)repeat;
        fr->wall = summarise(&SAMPLE(f, 0, 0), m);
        fr->e2e_encode = summarise(&SAMPLE(f, 1, 0), m);
        fr->e2e_decode = summarise(&SAMPLE(f, 2, 0), m);
        fr->iso_encode = summarise(&SAMPLE(f, 3, 0), m);
        fr->iso_decode = summarise(&SAMPLE(f, 4, 0), m);
    }
#undef SAMPLE
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    r.parent_rss_kib = ru.ru_maxrss;
    getrusage(RUSAGE_CHILDREN, &ru);
    r.children_rss_kib = ru.ru_maxrss;

    report_write(stdout, &r, output, tty && isatty(STDOUT_FILENO));
    bool charted = false;
    if (chart && !cli_cancel) {
        if (write_rendered_file("compare", "--chart", chart, render_svg, &r) != EXIT_OK)
            rc = EXIT_FAIL;
        else
            charted = true;
    }
    for (int f = 0; f < n; f++) {
        /* A declared loss (the exact column says how much) is a result, not a failure. */
        if (!r.formats[f].exact && (r.formats[f].failure[0] || !r.formats[f].loss.changed)) {
            fprintf(stderr, "forkcollect compare: %s: %s\n", r.formats[f].codec->name,
                    r.formats[f].failure[0] ? r.formats[f].failure : "not bit-exact");
            rc = EXIT_FAIL;
        }
    }
    rc = cli_output_status("compare", "", rc);
    if (cli_last_check()) { /* a signal at any point: nothing of ours stays */
        if (charted)
            unlink(chart);
        rc = cli_interrupted("compare", charted ? "children stopped, files removed (and "
                                                  "the chart)" : NULL);
    }
out:
    for (int f = 0; f < n; f++)
        fc_buffer_free(&encoded[f]);
    free(samples);
    free(encoded);
    free(reps);
    fc_buffer_free(&scratch);
    fc_dataset_free(&back);
    fc_dataset_free(&ref);
    return rc;
}
