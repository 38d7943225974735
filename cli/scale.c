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

#define SCALE_MAX_COUNTS 1024

/* What scale's flags ask for. */
typedef struct scale_request {
    const fc_codec *codec;
    uint64_t count, iterations, repeat;
    unsigned workers[SCALE_MAX_COUNTS + 1]; /* + 1: the baseline 1 when not listed */
    int nw;
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
    case 'w': rq->nw = 0; return for_each_item("scale", "--workers", v, add_workers, rq);
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

/* What scale measured: each worker count's wall times, in nanoseconds. */
typedef struct scale_result {
    unsigned children[SCALE_MAX_COUNTS + 1]; /* children per run: fc_split_parts() */
    stats wall[SCALE_MAX_COUNTS + 1];
} scale_result;

/* Every round, worker counts interleaved, into r. 0, or FC_EINTR, or an FC_E* code
 * with err filled and *which the index of the worker count whose run failed (-1: out
 * of memory before any run). */
static int scale_measure(const scale_request *rq, scale_result *r, int *which, fc_error *err)
{
    size_t n = (size_t)rq->nw * rq->repeat;
    double *t = calloc(n ? n : 1, sizeof *t);
    int rc = t ? 0 : fc_fail(err, FC_ENOMEM, 0, "out of memory");
    *which = -1;
    for (uint64_t round = 0; rc == 0 && round < rq->repeat; round++) {
        for (int i = 0; rc == 0 && i < rq->nw; i++) {
            fc_engine_config cfg = {.codec = rq->codec, .start = 1, .count = rq->count,
                                    .workers = rq->workers[i], .iterations = rq->iterations,
                                    .cancel = &cli_cancel};
            fc_engine_result res;
            rc = rq->mpi.on ? cli_mpi_run(&cfg, &rq->mpi, &res, err)
                            : fc_engine_run(&cfg, &res, err);
            if (rc == 0)
                t[(size_t)i * rq->repeat + round] = (double)res.elapsed_ns;
            else
                *which = i;
            if (rc != 0 && cli_cancel)
                rc = FC_EINTR;
            fc_engine_result_free(&res);
        }
    }
    for (int i = 0; rc == 0 && i < rq->nw; i++) {
        r->children[i] = fc_split_parts(rq->count, rq->workers[i]);
        r->wall[i] = stats_of(t + (size_t)i * rq->repeat, (unsigned)rq->repeat);
    }
    free(t);
    return rc;
}

static void print_start(const scale_request *rq, long cpus)
{
    printf("scale: numbers 1..%llu, %llu iteration%s each, format %s, median of %llu round%s, "
           "%ld online CPU%s%s\n\n",
           (unsigned long long)rq->count, (unsigned long long)rq->iterations,
           plural(rq->iterations), rq->codec->name, (unsigned long long)rq->repeat,
           plural(rq->repeat), cpus, plural((uint64_t)cpus),
           rq->mpi.on ? " (workers: MPI ranks)" : "");
}

/* The table: each worker count's median, range, and speedup against 1 worker. */
static void print_result(const scale_request *rq, const scale_result *r)
{
    double base = 0;
    printf("%8s %9s %12s %18s %8s %10s\n", "workers", "children", "wall, ms", "[min-max]",
           "speedup", "efficiency");
    for (int i = 0; i < rq->nw; i++) {
        double med = r->wall[i].median;
        if (rq->workers[i] == 1)
            base = med;
        char range[48];
        snprintf(range, sizeof range, "[%.1f-%.1f]", r->wall[i].min / 1e6, r->wall[i].max / 1e6);
        printf("%8u %9u %12.1f %18s %8.2f %10.2f\n", rq->workers[i], r->children[i], med / 1e6,
               range, base / med, base / med / r->children[i]);
    }
}

int cmd_scale(int argc, char **argv)
{
    static scale_request rq;
    static scale_result r;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int status = parse_scale(argc, argv, cpus, &rq);
    if (status != CLI_GO_ON)
        return status;
    cli_catch_signals();
    print_start(&rq, cpus);
    fc_error err = {0};
    int which, rc = scale_measure(&rq, &r, &which, &err);
    if (rc == FC_EINTR)
        return cli_interrupted("scale", NULL);
    if (rc != 0 && which < 0)
        return fail("scale", "%s", err.msg);
    if (rc != 0)
        return fail("scale", "%u workers: %s", rq.workers[which], err.msg);
    print_result(&rq, &r);
    rc = cli_output_status("scale", "", EXIT_OK);
    return cli_last_check() ? cli_interrupted("scale", NULL) : rc;
}
