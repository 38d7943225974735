/* roundtrip.c - `forkcollect roundtrip`: A encodes, B re-encodes, every bit compared. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <string.h>
#include <strings.h>

static const char ROUNDTRIP_HELP[] =
    "usage: forkcollect roundtrip [--formats LIST] [--count N]\n"
    "                             [--values exercise|edge|random] [--seed S]\n"
    "\n"
    "For every ordered pair of formats A, B: encode the values with A, decode, encode\n"
    "the result with B, decode, and compare every key and every value's bits with the\n"
    "original. Prints the matrix and, for a failing pair, the first value that\n"
    "changed. Exit status 1 if any pair fails.\n"
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
    uint64_t count, seed;
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

int cmd_roundtrip(int argc, char **argv)
{
    roundtrip_request rq;
    int status = parse_roundtrip(argc, argv, &rq);
    if (status != CLI_GO_ON)
        return status;
    const fc_codec **codecs = rq.codecs;
    int ncodecs = rq.ncodecs;
    uint64_t count = rq.count, seed = rq.seed;
    enum fc_values kind = rq.kind;
    const char *kind_name = rq.kind_name;

    fc_dataset orig = {0}, mid = {0}, back = {0};
    fc_error err = {0};
    if (fc_values_make(kind, (size_t)count, kind == FC_VALUES_EXERCISE ? 1000 : seed, &orig,
                       &err) != 0)
        return fail("roundtrip", "%s", err.msg);
    printf("roundtrip: %zu %s value%s, %d format%s, %d ordered pair%s\n\n", orig.count,
           kind_name, plural(orig.count), ncodecs, plural((uint64_t)ncodecs), ncodecs * ncodecs,
           plural((uint64_t)(ncodecs * ncodecs)));
    printf("%-10s", "A \\ B");
    for (int b = 0; b < ncodecs; b++)
        printf(" %-9s", codecs[b]->name);
    printf("\n");

    int passed = 0;
    char failures[16 * 16][640];
    int nfail = 0;
    for (int a = 0; a < ncodecs; a++) {
        printf("%-10s", codecs[a]->name);
        for (int b = 0; b < ncodecs; b++) {
            const char *verdict = "ok";
            char *why = failures[nfail];
            why[0] = '\0';
            if (through(codecs[a], &orig, &mid, &err) != 0 ||
                through(codecs[b], &mid, &back, &err) != 0) {
                verdict = "ERROR";
                snprintf(why, 640, "%s -> %s: %s", codecs[a]->name, codecs[b]->name, err.msg);
            } else {
                long i = fc_dataset_first_difference(&orig, &back);
                if (i >= 0 && (size_t)i < orig.count && (size_t)i < back.count) {
                    char x[FC_REPR_MAX], y[FC_REPR_MAX];
                    fc_format_double(orig.values[i], x);
                    fc_format_double(back.values[i], y);
                    verdict = "DIFFERS";
                    snprintf(why, 640,
                             "%s -> %s: record %ld: key %llu value %s (0x%016llx) came back as "
                             "key %llu value %s (0x%016llx)",
                             codecs[a]->name, codecs[b]->name, i,
                             (unsigned long long)orig.keys[i], x,
                             (unsigned long long)bits_of(orig.values[i]),
                             (unsigned long long)back.keys[i], y,
                             (unsigned long long)bits_of(back.values[i]));
                } else if (i >= 0) {
                    verdict = "DIFFERS";
                    snprintf(why, 640, "%s -> %s: %zu records came back as %zu",
                             codecs[a]->name, codecs[b]->name, orig.count, back.count);
                }
            }
            if (why[0])
                nfail++;
            else
                passed++;
            printf(" %-9s", verdict);
        }
        printf("\n");
    }
    printf("\n%d of %d pairs bit-exact\n", passed, ncodecs * ncodecs);
    for (int i = 0; i < nfail; i++)
        printf("  %s\n", failures[i]);
    fc_dataset_free(&orig);
    fc_dataset_free(&mid);
    fc_dataset_free(&back);
    return nfail ? EXIT_FAIL : EXIT_OK;
}
