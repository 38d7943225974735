/* roundtrip.c - `forkcollect roundtrip`: A encodes, B re-encodes, every bit compared. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <getopt.h>
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

int cmd_roundtrip(int argc, char **argv)
{
    static const struct option opts[] = {
        {"formats", required_argument, NULL, 'f'}, {"count", required_argument, NULL, 'n'},
        {"values", required_argument, NULL, 'v'},  {"seed", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    const fc_codec *codecs[16];
    int ncodecs = parse_format_list("roundtrip", "all", codecs, 16);
    uint64_t count = 1000, seed = 1;
    enum fc_values kind = FC_VALUES_EDGE;
    const char *kind_name = "edge";
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":f:n:v:s:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            if ((ncodecs = parse_format_list("roundtrip", optarg, codecs, 16)) < 0)
                return EXIT_USAGE;
            break;
        case 'n':
            if (parse_u64("roundtrip", "--count", optarg, 0, 100000000, &count))
                return EXIT_USAGE;
            break;
        case 's':
            if (parse_u64("roundtrip", "--seed", optarg, 0, UINT64_MAX, &seed))
                return EXIT_USAGE;
            break;
        case 'v':
            kind_name = optarg;
            if (strcasecmp(optarg, "exercise") == 0)
                kind = FC_VALUES_EXERCISE;
            else if (strcasecmp(optarg, "edge") == 0)
                kind = FC_VALUES_EDGE;
            else if (strcasecmp(optarg, "random") == 0)
                kind = FC_VALUES_RANDOM;
            else
                return usage_error("roundtrip", "--values: '%s' is not exercise, edge or random",
                                   optarg);
            break;
        case 'h':
            fputs(ROUNDTRIP_HELP, stdout);
            return EXIT_OK;
        case ':':
            return usage_error("roundtrip", "%s needs a value", argv[optind - 1]);
        default:
            return usage_error("roundtrip", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("roundtrip", "unexpected argument '%s'", argv[optind]);

    fc_dataset orig = {0}, mid = {0}, back = {0};
    fc_error err = {0};
    if (fc_values_make(kind, (size_t)count, kind == FC_VALUES_EXERCISE ? 1000 : seed, &orig,
                       &err) != 0)
        return fail("roundtrip", "%s", err.msg);
    printf("roundtrip: %zu %s values, %d formats, %d ordered pairs\n\n", orig.count, kind_name,
           ncodecs, ncodecs * ncodecs);
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
