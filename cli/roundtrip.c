/* roundtrip.c - `forkcollect roundtrip`: A encodes, B re-encodes, every bit compared. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "loss.h"

#include <math.h>

#include <string.h>
#include <strings.h>

static const char ROUNDTRIP_HELP[] =
    "usage: forkcollect roundtrip [--formats LIST] [--count N]\n"
    "                             [--values exercise|edge|random] [--seed S]\n"
    "\n"
    "For every ordered pair of formats A, B: encode the values with A, decode, encode\n"
    "the result with B, decode, and compare every key and every value's bits with the\n"
    "original. Prints the matrix and, for a failing pair, the first value that\n"
    "changed. A format that may lose bits (cjson: 15 digits when they read back\n"
    "close enough) shows LOSES, how many values changed and the first one, and does\n"
    "not fail; a format that has no NaN or Infinity (cjson, jansson) is given the\n"
    "finite values only. Exit status 1 if any other pair differs or errs.\n"
    "\n"
    "  -f, --formats LIST  comma-separated formats, or all (default all)\n"
    "  -n, --count N       records (default 1000; ignored by --values edge)\n"
    "  -v, --values SET    exercise: calc(1..N) with 1000 iterations\n"
    "                      edge: every edge class of doubles (+-0, subnormals, +-max,\n"
    "                            +-inf, NaN, 17-digit values, integral values)\n"
    "                      random: random bit patterns, NaNs as the one quiet NaN\n"
    "                      (default edge)\n"
    "  -s, --seed S        seed for --values random (default 1)\n"
    "  -h, --help          show this help\n";

/* Encodes `in` with c and decodes it into out. */
static int through(const fc_codec *c, const fc_dataset *in, fc_dataset *out, fc_error *err)
{
    fc_buffer buf = {0};
    int rc = c->encode(in, &buf, err);
    out->count = 0;
    if (rc == 0)
        rc = c->decode(buf.data, buf.len, out, err);
    fc_buffer_free(&buf);
    return rc;
}

static uint64_t bits_of(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* What roundtrip's flags ask for. */
typedef struct roundtrip_request {
    const fc_codec *codecs[16];
    int ncodecs;
    uint64_t count, seed;      /* --count; --seed, for --values random */
    enum fc_values kind;
    const char *kind_name;
} roundtrip_request;

static const cli_flag ROUNDTRIP_FLAGS[] = {
    {"formats", 'f', true, 'f'}, {"count", 'n', true, 'n'}, {"values", 'v', true, 'v'},
    {"seed", 's', true, 's'},    {NULL, 0, false, 0}};

static int parse_values(const char *text, roundtrip_request *rq)
{
    static const struct {
        const char *name;
        enum fc_values kind;
    } sets[] = {{"exercise", FC_VALUES_EXERCISE}, {"edge", FC_VALUES_EDGE},
                {"random", FC_VALUES_RANDOM}};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        if (strcasecmp(text, sets[i].name) == 0) {
            rq->kind = sets[i].kind;
            rq->kind_name = text;
            return 0;
        }
    usage_error("roundtrip", "--values: '%s' is not exercise, edge or random", text);
    return -1;
}

static int roundtrip_flag(void *ctx, int id, const char *v)
{
    roundtrip_request *rq = ctx;
    switch (id) {
    case 'f':
        rq->ncodecs = parse_format_list("roundtrip", v, rq->codecs, 16);
        return rq->ncodecs < 0 ? -1 : 0;
    case 'n': return parse_u64("roundtrip", "--count", v, 0, 100000000, &rq->count);
    case 's': return parse_u64("roundtrip", "--seed", v, 0, UINT64_MAX, &rq->seed);
    case 'v': return parse_values(v, rq);
    }
    return -1;
}

/* Reads roundtrip's flags into rq; returns CLI_GO_ON, or the exit status. */
static int parse_roundtrip(int argc, char **argv, roundtrip_request *rq)
{
    *rq = (roundtrip_request){.count = 1000, .seed = 1, .kind = FC_VALUES_EDGE,
                              .kind_name = "edge"};
    rq->ncodecs = parse_format_list("roundtrip", "all", rq->codecs, 16);
    static const cli_command ROUNDTRIP = {"roundtrip", ROUNDTRIP_HELP, ROUNDTRIP_FLAGS, 0,
                                          roundtrip_flag};
    return cli_parse(&ROUNDTRIP, argc, argv, rq, NULL);
}

/* The records of in a pair can hold: the finite ones when either format has no NaN
 * and Infinity. Returns how many were left out. */
static size_t holdable(const fc_dataset *in, const fc_codec *a, const fc_codec *b,
                       fc_dataset *out, fc_error *err)
{
    bool all = (a->supports & b->supports & FC_SUPPORTS_NONFINITE) != 0;
    size_t skipped = 0;
    out->count = 0;
    for (size_t i = 0; i < in->count; i++) {
        if (!all && !isfinite(in->values[i]))
            skipped++;
        else if (fc_dataset_push(out, in->keys[i], in->values[i], err) != 0)
            return SIZE_MAX;
    }
    return skipped;
}

enum verdict { V_OK, V_LOSES, V_DIFFERS, V_ERROR };

/* One pair: its verdict, and what to say about it in why (empty when ok). */
static enum verdict one_pair(const fc_codec *a, const fc_codec *b, const fc_dataset *orig,
                             char why[640])
{
    fc_dataset in = {0}, mid = {0}, back = {0};
    fc_error err = {0};
    enum verdict v = V_OK;
    char lost[160], first[200], lost_text[160];
    value_loss l;
    why[0] = '\0';
    size_t skipped = holdable(orig, a, b, &in, &err);
    if (skipped == SIZE_MAX || through(a, &in, &mid, &err) != 0) {
        v = V_ERROR;
        snprintf(why, 640, "%s -> %s: %s", a->name, b->name, err.msg);
    } else if (through(b, &mid, &back, &err) != 0) {
        /* A value a lossy A changed into one B cannot hold (cJSON writes DBL_MAX as
         * 1.79769313486232e+308, which reads as inf) is A's loss, not B's failure. */
        bool is_loss = err.code == FC_EUNSUPPORTED && !(a->supports & FC_SUPPORTS_EXACT_DOUBLES) &&
                    loss_measure(&in, &mid, &l) == 0 && l.changed;
        v = is_loss ? V_LOSES : V_ERROR;
        snprintf(why, 640, "%s -> %s: %s%s%s%s", a->name, b->name,
                 is_loss ? "loses bits: " : "",
                 is_loss ? loss_summary(&l, lost_text, sizeof lost_text)
                         : "",
                 is_loss ? "; then " : "", err.msg);
    } else if (fc_dataset_first_difference(&in, &back) < 0) {
        v = V_OK;
    } else if (loss_measure(&in, &back, &l) == 0 &&
               !(a->supports & b->supports & FC_SUPPORTS_EXACT_DOUBLES)) {
        v = V_LOSES;
        snprintf(why, 640, "%s -> %s: loses bits: %s; first: %s", a->name, b->name,
                 loss_summary(&l, lost, sizeof lost), loss_first(&l, &in, first, sizeof first));
    } else {
        long i = fc_dataset_first_difference(&in, &back);
        v = V_DIFFERS;
        if ((size_t)i < in.count && (size_t)i < back.count) {
            char x[FC_REPR_MAX], y[FC_REPR_MAX];
            fc_format_double(in.values[i], x);
            fc_format_double(back.values[i], y);
            snprintf(why, 640,
                     "%s -> %s: record %ld: key %llu value %s (0x%016llx) came back as key %llu "
                     "value %s (0x%016llx)",
                     a->name, b->name, i, (unsigned long long)in.keys[i], x,
                     (unsigned long long)bits_of(in.values[i]), (unsigned long long)back.keys[i],
                     y, (unsigned long long)bits_of(back.values[i]));
        } else {
            snprintf(why, 640, "%s -> %s: %zu records came back as %zu", a->name, b->name,
                     in.count, back.count);
        }
    }
    fc_dataset_free(&in);
    fc_dataset_free(&mid);
    fc_dataset_free(&back);
    return v;
}

/* What roundtrip found: the values, and each ordered pair's verdict and note. */
typedef struct roundtrip_result {
    fc_dataset orig;                   /* the values every pair starts from */
    size_t nonfinite;                  /* NaNs and infinities among them */
    enum verdict verdict[16][16];      /* [A][B] */
    char notes[16 * 16][640];          /* what to say about the pairs not ok, in order */
    int nnotes;
    int count[4];                      /* pairs per verdict */
} roundtrip_result;

/* calc's iterations for --values exercise: enough to be the exercise's numbers. */
enum { ROUNDTRIP_EXERCISE_ITERATIONS = 1000 };

/* Makes the values and runs every pair into r: 0, or -1 with err filled. */
static int roundtrip_measure(const roundtrip_request *rq, roundtrip_result *r, fc_error *err)
{
    /* fc_values_make's third argument is the exercise's iterations or the random
     * set's seed, as the kind says. */
    uint64_t iterations = ROUNDTRIP_EXERCISE_ITERATIONS, seed = rq->seed;
    uint64_t kind_arg = rq->kind == FC_VALUES_EXERCISE ? iterations : seed;
    if (fc_values_make(rq->kind, (size_t)rq->count, kind_arg, &r->orig, err) != 0)
        return -1;
    for (size_t i = 0; i < r->orig.count; i++)
        r->nonfinite += !isfinite(r->orig.values[i]);
    for (int a = 0; a < rq->ncodecs; a++)
        for (int b = 0; b < rq->ncodecs; b++) {
            enum verdict v = one_pair(rq->codecs[a], rq->codecs[b], &r->orig,
                                      r->notes[r->nnotes]);
            r->verdict[a][b] = v;
            r->count[v]++;
            if (r->notes[r->nnotes][0])
                r->nnotes++;
        }
    return 0;
}

/* The header, the formats that leave values out, the matrix, the counts, the notes. */
static void print_result(const roundtrip_request *rq, const roundtrip_result *r)
{
    static const char *const names[] = {"ok", "LOSES", "DIFFERS", "ERROR"};
    int n = rq->ncodecs;
    printf("roundtrip: %zu %s value%s, %d format%s, %d ordered pair%s\n\n", r->orig.count,
           rq->kind_name, plural(r->orig.count), n, plural((uint64_t)n), n * n,
           plural((uint64_t)(n * n)));
    for (int c = 0; c < n && r->nonfinite; c++)
        if (!(rq->codecs[c]->supports & FC_SUPPORTS_NONFINITE))
            printf("%s has no NaN or Infinity: its pairs leave out the %zu non-finite value%s\n",
                   rq->codecs[c]->name, r->nonfinite, plural(r->nonfinite));
    int w = 9; /* the columns as wide as the longest name ("flatbuffers") */
    for (int c = 0; c < n; c++)
        if ((int)strlen(rq->codecs[c]->name) > w)
            w = (int)strlen(rq->codecs[c]->name);
    printf("%s%-*s", r->nonfinite ? "\n" : "", w + 1, "A \\ B");
    for (int b = 0; b < n; b++)
        printf(" %-*s", w, rq->codecs[b]->name);
    printf("\n");
    for (int a = 0; a < n; a++) {
        printf("%-*s", w + 1, rq->codecs[a]->name);
        for (int b = 0; b < n; b++)
            printf(" %-*s", w, names[r->verdict[a][b]]);
        printf("\n");
    }
    printf("\n%d of %d pairs bit-exact\n", r->count[V_OK], n * n);
    if (r->count[V_LOSES])
        printf("%d pair%s lose%s bits, as a format without exact doubles may\n",
               r->count[V_LOSES], plural((uint64_t)r->count[V_LOSES]),
               r->count[V_LOSES] == 1 ? "s" : "");
    for (int i = 0; i < r->nnotes; i++)
        printf("  %s\n", r->notes[i]);
}

int cmd_roundtrip(int argc, char **argv)
{
    static roundtrip_result r; /* large; one per process */
    roundtrip_request rq;
    int status = parse_roundtrip(argc, argv, &rq);
    if (status != CLI_GO_ON)
        return status;
    fc_error err = {0};
    if (roundtrip_measure(&rq, &r, &err) != 0)
        return fail("roundtrip", "%s", err.msg);
    print_result(&rq, &r);
    fc_dataset_free(&r.orig);
    return r.count[V_DIFFERS] + r.count[V_ERROR] ? EXIT_FAIL : EXIT_OK;
}
