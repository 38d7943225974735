/* scale.c - `forkcollect scale`: the course's "fork with load" lesson, measured. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char SCALE_HELP[] =
    "usage: forkcollect scale [--format F] [--workers LIST] [--count N] [--iterations I]\n"
    "                         [--repeat R] [--engine fork|mpi]\n"
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
    "      --engine E       fork (default), or mpi: under mpirun -np N, the workers are\n"
    "                       computing ranks, 1..N-1 (default all of them)\n"
    "  -h, --help           show this help\n";

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

#define SCALE_MAX_COUNTS 1024

/* What scale's flags ask for. */
typedef struct scale_request {
    const fc_codec *codec;
    uint64_t count, iterations, repeat;
    unsigned workers[SCALE_MAX_COUNTS + 1]; /* + 1: the baseline 1 when not listed */
    int nw;
    bool workers_given;
    cli_mpi mpi;                            /* --engine mpi */
} scale_request;

static const cli_flag SCALE_FLAGS[] = {
    {"format", 'f', true, 'f'},     {"workers", 'w', true, 'w'}, {"count", 'n', true, 'n'},
    {"iterations", 'i', true, 'i'}, {"repeat", 'r', true, 'r'},  {"engine", 0, true, 'E'},
    {NULL, 0, false, 0}};

static int add_workers(const char *cmd, const char *text, void *ctx)
{
    scale_request *rq = ctx;
    uint64_t v;
    if (rq->nw == SCALE_MAX_COUNTS) {
        usage_error(cmd, "--workers: at most %d worker counts", SCALE_MAX_COUNTS);
        return -1;
    }
    if (parse_u64(cmd, "--workers", text, 1, 1024, &v) != 0)
        return -1;
    rq->workers[rq->nw++] = (unsigned)v;
    return 0;
}

static int scale_flag(void *ctx, int id, const char *v)
{
    scale_request *rq = ctx;
    switch (id) {
    case 'f': return (rq->codec = parse_format("scale", "--format", v)) ? 0 : -1;
    case 'w': rq->nw = 0, rq->workers_given = true; return for_each_item("scale", "--workers", v, add_workers, rq);
    case 'n': return parse_u64("scale", "--count", v, 1, 10000000, &rq->count);
    case 'i': return parse_u64("scale", "--iterations", v, 0, UINT64_MAX, &rq->iterations);
    case 'r': return parse_u64("scale", "--repeat", v, 1, 1000, &rq->repeat);
    case 'E': return cli_parse_engine("scale", v, &rq->mpi);
    }
    return -1;
}

/* Reads scale's flags into rq; returns CLI_GO_ON, or the exit status. */
static int parse_scale(int argc, char **argv, long cpus, scale_request *rq)
{
    rq->codec = fc_codec_find("raw");
    rq->count = 20;
    rq->iterations = 10000000;
    rq->repeat = 3;
    rq->nw = 0;
    rq->workers_given = false;
    rq->mpi = (cli_mpi){0};
    static const cli_command SCALE = {"scale", SCALE_HELP, SCALE_FLAGS, 0, scale_flag};
    int status = cli_parse(&SCALE, argc, argv, rq, NULL);
    if (status != CLI_GO_ON)
        return status;
    if (rq->mpi.on) { /* MPI starts: from here on, only rank 0 returns CLI_GO_ON */
        fc_engine_config ranks = {0};
        if ((status = cli_mpi_start("scale", &ranks, &rq->mpi)) != CLI_GO_ON)
            return status;
        for (int i = 0; i < rq->nw; i++)
            if (rq->workers[i] > ranks.workers)
                return usage_error("scale", "--workers: %u, but %u ranks compute (mpirun -np "
                                   "%u)", rq->workers[i], ranks.workers, ranks.workers + 1);
        cpus = (long)ranks.workers;
    }
    if (rq->nw == 0)
        for (long w = 1; w <= (cpus > 0 ? cpus : 1) && rq->nw < SCALE_MAX_COUNTS; w++)
            rq->workers[rq->nw++] = (unsigned)w;
    bool has_one = false;
    for (int i = 0; i < rq->nw; i++)
        has_one |= rq->workers[i] == 1;
    if (!has_one) {
        memmove(rq->workers + 1, rq->workers, (size_t)rq->nw * sizeof *rq->workers);
        rq->workers[0] = 1;
        rq->nw++;
    }
    return CLI_GO_ON;
}

int cmd_scale(int argc, char **argv)
{
    scale_request rq;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int status = parse_scale(argc, argv, cpus, &rq);
    if (status != CLI_GO_ON)
        return status;
    const fc_codec *codec = rq.codec;
    uint64_t count = rq.count, iterations = rq.iterations, repeat = rq.repeat;
    const unsigned *workers = rq.workers;
    int nw = rq.nw;

    cli_catch_signals();
    uint64_t *t = calloc((size_t)nw * repeat, sizeof *t);
    if (!t)
        return fail("scale", "out of memory");
    printf("scale: numbers 1..%llu, %llu iteration%s each, format %s, median of %llu round%s, "
           "%ld online CPU%s%s\n\n",
           (unsigned long long)count, (unsigned long long)iterations, plural(iterations),
           codec->name, (unsigned long long)repeat, plural(repeat), cpus, plural((uint64_t)cpus),
           rq.mpi.on ? " (workers: MPI ranks)" : "");
    for (uint64_t r = 0; r < repeat; r++) {
        for (int i = 0; i < nw; i++) {
            fc_engine_config cfg = {.codec = codec, .start = 1, .count = count,
                                    .workers = workers[i], .iterations = iterations,
                                    .cancel = &cli_cancel};
            fc_engine_result res;
            fc_error err = {0};
            int rc = rq.mpi.on ? cli_mpi_run(&cfg, &rq.mpi, &res, &err)
                               : fc_engine_run(&cfg, &res, &err);
            if (rc != 0) {
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
