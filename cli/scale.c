/* scale.c - `forkcollect scale`: the course's "fork with load" lesson, measured. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char SCALE_HELP[] =
    "usage: forkcollect scale [--format F] [--workers LIST] [--count N] [--iterations I]\n"
    "                         [--repeat R]\n"
    "\n"
    "Runs the exercise with each number of workers in LIST and prints the wall time,\n"
    "the speedup against one worker and the efficiency (speedup / workers). Worker\n"
    "counts run interleaved, round by round; times are medians of R rounds.\n"
    "\n"
    "  -f, --format F       the format (default raw)\n"
    "  -w, --workers LIST   comma-separated worker counts (default 1..online CPUs);\n"
    "                       1 is always measured, as the baseline\n"
    "  -n, --count N        numbers (default 20)\n"
    "  -i, --iterations I   random draws per number (default 10000000)\n"
    "  -r, --repeat R       rounds (default 3)\n"
    "  -h, --help           show this help\n";

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int cmd_scale(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"workers", required_argument, NULL, 'w'},
        {"count", required_argument, NULL, 'n'},  {"iterations", required_argument, NULL, 'i'},
        {"repeat", required_argument, NULL, 'r'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const fc_codec *codec = fc_codec_find("raw");
    uint64_t count = 20, iterations = 10000000, repeat = 3;
    unsigned workers[64];
    int nw = 0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":f:w:n:i:r:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            if (!(codec = parse_format("scale", "--format", optarg)))
                return EXIT_USAGE;
            break;
        case 'w': {
            char copy[512];
            snprintf(copy, sizeof copy, "%s", optarg);
            nw = 0;
            for (char *save = NULL, *t = strtok_r(copy, ",", &save); t;
                 t = strtok_r(NULL, ",", &save)) {
                uint64_t v;
                if (nw == 63 || parse_u64("scale", "--workers", t, 1, 1024, &v))
                    return EXIT_USAGE;
                workers[nw++] = (unsigned)v;
            }
            break;
        }
        case 'n':
            if (parse_u64("scale", "--count", optarg, 1, 10000000, &count))
                return EXIT_USAGE;
            break;
        case 'i':
            if (parse_u64("scale", "--iterations", optarg, 0, UINT64_MAX, &iterations))
                return EXIT_USAGE;
            break;
        case 'r':
            if (parse_u64("scale", "--repeat", optarg, 1, 1000, &repeat))
                return EXIT_USAGE;
            break;
        case 'h':
            fputs(SCALE_HELP, stdout);
            return EXIT_OK;
        case ':':
            return usage_error("scale", "%s needs a value", argv[optind - 1]);
        default:
            return usage_error("scale", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("scale", "unexpected argument '%s'", argv[optind]);
    if (nw == 0)
        for (long w = 1; w <= (cpus > 0 ? cpus : 1) && nw < 63; w++)
            workers[nw++] = (unsigned)w;
    bool has_one = false;
    for (int i = 0; i < nw; i++)
        has_one |= workers[i] == 1;
    if (!has_one) {
        memmove(workers + 1, workers, (size_t)nw * sizeof *workers);
        workers[0] = 1;
        nw++;
    }

    cli_catch_signals();
    uint64_t *t = calloc((size_t)nw * repeat, sizeof *t);
    if (!t)
        return fail("scale", "out of memory");
    printf("scale: numbers 1..%llu, %llu iterations each, format %s, median of %llu rounds, "
           "%ld online CPUs\n\n",
           (unsigned long long)count, (unsigned long long)iterations, codec->name,
           (unsigned long long)repeat, cpus);
    for (uint64_t r = 0; r < repeat; r++) {
        for (int i = 0; i < nw; i++) {
            fc_engine_config cfg = {.codec = codec, .start = 1, .count = count,
                                    .workers = workers[i], .iterations = iterations,
                                    .cancel = &cli_cancel};
            fc_engine_result res;
            fc_error err = {0};
            if (fc_engine_run(&cfg, &res, &err) != 0) {
                fc_engine_result_free(&res);
                free(t);
                if (cli_cancel)
                    return cli_interrupted("scale", NULL);
                return fail("scale", "%u workers: %s", workers[i], err.msg);
            }
            t[(size_t)i * repeat + r] = res.elapsed_ns;
            fc_engine_result_free(&res);
        }
    }
    double base = 0;
    printf("%8s %9s %12s %18s %8s %10s\n", "workers", "children", "wall, ms", "[min-max]",
           "speedup", "efficiency");
    for (int i = 0; i < nw; i++) {
        uint64_t *s = t + (size_t)i * repeat;
        qsort(s, repeat, sizeof *s, cmp_u64);
        double med = repeat % 2 ? (double)s[repeat / 2]
                                : ((double)s[repeat / 2 - 1] + (double)s[repeat / 2]) / 2;
        if (workers[i] == 1)
            base = med;
        unsigned children = fc_split_parts(count, workers[i]);
        char range[48];
        snprintf(range, sizeof range, "[%.1f-%.1f]", (double)s[0] / 1e6,
                 (double)s[repeat - 1] / 1e6);
        printf("%8u %9u %12.1f %18s %8.2f %10.2f\n", workers[i], children, med / 1e6, range,
               base / med, base / med / children);
    }
    free(t);
    int rc = cli_output_status("scale", "", EXIT_OK);
    return cli_last_check() ? cli_interrupted("scale", NULL) : rc;
}
