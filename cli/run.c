/* run.c - `forkcollect run`: the exercise, told as it happens. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/resource.h>
#include <string.h>
#include <unistd.h>

static const char RUN_HELP[] =
    "usage: forkcollect run [--format F] [--count N] [--start S] [--workers P]\n"
    "                       [--iterations I] [--dir D] [--keep] [--timeout SECONDS]\n"
    "                       [--retries K] [--save FILE]\n"
    "\n"
    "Splits the numbers S..S+N-1 into P ranges and forks one child per range. Each\n"
    "child computes calc(n) = Python's random.seed(n) then the sum of I draws of\n"
    "random.random(), for each n of its range, writes its results in format F to\n"
    "D/<parent pid>-<child pid>.<ext> and exits. The parent collects each file as its\n"
    "child ends, checks it, merges it, and removes it unless --keep.\n"
    "\n"
    "  -f, --format F      raw, json, msgpack, protobuf or tpl (default json)\n"
    "  -n, --count N       how many numbers (default 20)\n"
    "  -s, --start S       the first number (default 1)\n"
    "  -w, --workers P     children to fork (default: one per online CPU)\n"
    "  -i, --iterations I  random draws per number (default 10000000)\n"
    "  -d, --dir D         write the result files in D (default: a private temporary\n"
    "                      directory, removed at the end)\n"
    "  -k, --keep          keep the result files (and say where they are)\n"
    "  -t, --timeout SEC   kill a child (and all it started) still running SEC seconds\n"
    "                      after its fork, and count it as failed (default: no limit)\n"
    "  -r, --retries K     run a failed range again in a fresh child, up to K times\n"
    "  -o, --save FILE     write every collected record to FILE, in the run's format\n"
    "                      (or FILE's extension); when children failed, what was\n"
    "                      collected is still saved\n"
    "  -h, --help          show this help\n"
    "\n"
    "Prints each child's range as it is forked, its pid, records and bytes as it is\n"
    "collected, then the total (the sum of all values in key order, as Python prints\n"
    "a float) and the elapsed time. A failed child is reported with its pid, its\n"
    "range and the cause, and the keys left missing are listed. Exit status: 0 when\n"
    "every result was collected, 1 when any was not, 2 for a wrong flag, 128+N when\n"
    "stopped by signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP...): children stopped,\n"
    "files removed, --save's file too (--keep keeps the collected result files).\n";

/* Says, after a failed or interrupted run with --keep, which result files were kept
 * and where. A private directory left empty is removed. */
static void report_kept(const fc_engine_config *cfg, const fc_engine_result *res)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < res->nchildren; i++)
        kept += res->children[i].state == FC_CHILD_COLLECTED;
    if (kept == 0) {
        if (!cfg->dir && res->dir[0])
            rmdir(res->dir);
        fprintf(stderr, "forkcollect run: --keep: no child was collected, so no result file "
                        "was kept\n");
        return;
    }
    fprintf(stderr, "forkcollect run: --keep: kept the %u result file%s collected, in %s:\n",
            kept, kept == 1 ? "" : "s", res->dir);
    for (unsigned i = 0; i < res->nchildren; i++)
        if (res->children[i].state == FC_CHILD_COLLECTED)
            fprintf(stderr, "  %s\n", res->children[i].path);
}

/* The end of every run that got as far as the engine: stdout checked, then one last
 * look for a signal. A signal that came at any point before gives 128+signal, and
 * nothing the run wrote stays: not --save's file either. With --keep, a failed or
 * interrupted run says which result files it kept, and where. */
static int run_end(const fc_engine_config *cfg, fc_engine_result *res, const char *saved,
                   bool failed, int status)
{
    status = cli_output_status("run", "; the run was still completed and cleaned up", status);
    if (cli_last_check()) {
        if (saved)
            unlink(saved);
        status = cli_interrupted("run", cfg->keep ? "children stopped"
                                        : saved   ? "children stopped, files removed (and "
                                                    "--save's file)"
                                                  : NULL);
        failed = true;
    }
    if (failed && cfg->keep)
        report_kept(cfg, res);
    fc_engine_result_free(res);
    return status;
}

static void print_fork(const fc_child_report *c, void *ctx)
{
    (void)ctx;
    printf("forked    child %ld: keys %llu..%llu (%llu numbers)\n", (long)c->pid,
           (unsigned long long)c->first_key,
           (unsigned long long)(c->first_key + c->count - 1), (unsigned long long)c->count);
    cli_flush();
}

static void print_collect(const fc_child_report *c, void *ctx)
{
    char t1[32], t2[32], t3[32], t4[32];
    (void)ctx;
    if (c->state != FC_CHILD_COLLECTED) {
        printf("FAILED    %s%s\n", c->error.msg, c->retrying ? " (retrying)" : "");
        cli_flush();
        return;
    }
    printf("collected child %ld: %llu records, %llu bytes (compute %s, encode %s, write %s, "
           "decode %s)\n",
           (long)c->pid, (unsigned long long)c->count, (unsigned long long)c->file_bytes,
           human_ns((double)c->compute_ns, t1), human_ns((double)c->encode_ns, t2),
           human_ns((double)c->write_ns, t3), human_ns((double)c->decode_ns, t4));
    cli_flush();
}

/* Lists on stderr the children that failed and the keys they leave missing. */
static void report_missing(const fc_engine_result *res)
{
    unsigned failed = 0;
    uint64_t missing = 0;
    for (unsigned i = 0; i < res->nchildren; i++)
        if (res->children[i].state != FC_CHILD_COLLECTED) {
            failed++;
            missing += res->children[i].count;
        }
    if (!failed)
        return;
    fprintf(stderr, "forkcollect run: %u of %u children failed; %llu keys missing:", failed,
            res->nchildren, (unsigned long long)missing);
    for (unsigned i = 0; i < res->nchildren; i++) {
        const fc_child_report *c = &res->children[i];
        if (c->state != FC_CHILD_COLLECTED)
            fprintf(stderr, " %llu..%llu", (unsigned long long)c->first_key,
                    (unsigned long long)(c->first_key + c->count - 1));
    }
    fprintf(stderr, "; no total printed\n");
}

/* Writes the records of every collected child (all of them, on success) to path. */
static int save_collected(const char *path, const fc_codec *codec, fc_engine_result *res)
{
    fc_dataset d = {0};
    fc_buffer buf = {0};
    fc_error err = {0};
    int rc = 0;
    uint64_t start = res->data.count ? res->data.keys[0] : 0;
    for (unsigned i = 0; rc == 0 && i < res->nchildren; i++) {
        const fc_child_report *c = &res->children[i];
        if (c->state != FC_CHILD_COLLECTED)
            continue;
        for (uint64_t k = c->first_key; rc == 0 && k < c->first_key + c->count; k++)
            rc = fc_dataset_push(&d, k, res->data.values[k - start], &err);
    }
    if (rc == 0)
        rc = codec->encode(&d, &buf, &err);
    if (rc == 0)
        rc = fc_file_write_new(path, buf.data, buf.len, &err);
    if (rc != 0)
        fprintf(stderr, "forkcollect run: --save: %s\n", err.msg);
    else if (d.count < res->data.count)
        fprintf(stderr, "forkcollect run: saved the %zu records collected to %s\n", d.count,
                path);
    fc_buffer_free(&buf);
    fc_dataset_free(&d);
    return rc ? EXIT_FAIL : EXIT_OK;
}

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"count", required_argument, NULL, 'n'},
        {"start", required_argument, NULL, 's'},  {"workers", required_argument, NULL, 'w'},
        {"iterations", required_argument, NULL, 'i'}, {"dir", required_argument, NULL, 'd'},
        {"keep", no_argument, NULL, 'k'},         {"help", no_argument, NULL, 'h'},
        {"timeout", required_argument, NULL, 't'}, {"retries", required_argument, NULL, 'r'},
        {"save", required_argument, NULL, 'o'},   {NULL, 0, NULL, 0}};
    const char *save = NULL;
    uint64_t retries = 0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    uint64_t workers = cpus > 0 ? (uint64_t)cpus : 1, count = 20, start = 1,
             iterations = 10000000;
    fc_engine_config cfg = {.codec = fc_codec_find("json")};
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":f:n:s:w:i:d:kht:r:o:", opts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            if (!(cfg.codec = parse_format("run", "--format", optarg)))
                return EXIT_USAGE;
            break;
        case 'n':
            if (parse_u64("run", "--count", optarg, 1, 100000000, &count))
                return EXIT_USAGE;
            break;
        case 's':
            if (parse_u64("run", "--start", optarg, 0, UINT64_MAX, &start))
                return EXIT_USAGE;
            break;
        case 'w':
            if (parse_u64("run", "--workers", optarg, 1, 1024, &workers))
                return EXIT_USAGE;
            break;
        case 'i':
            if (parse_u64("run", "--iterations", optarg, 0, UINT64_MAX, &iterations))
                return EXIT_USAGE;
            break;
        case 'd':
            cfg.dir = optarg;
            break;
        case 'k':
            cfg.keep = true;
            break;
        case 't': {
            char *end;
            double sec = strtod(optarg, &end);
            if (end == optarg || *end || !(sec > 0) || sec > 86400 * 7)
                return usage_error("run", "--timeout: '%s' is not a number of seconds "
                                          "(more than 0, at most a week)", optarg);
            cfg.timeout_ms = (unsigned)(sec * 1000 + 0.5) ? (unsigned)(sec * 1000 + 0.5) : 1;
            break;
        }
        case 'r':
            if (parse_u64("run", "--retries", optarg, 0, 100, &retries))
                return EXIT_USAGE;
            break;
        case 'o':
            save = optarg;
            break;
        case 'h':
            fputs(RUN_HELP, stdout);
            return EXIT_OK;
        case ':':
            return usage_error("run", "%s needs a value", argv[optind - 1]);
        default:
            return usage_error("run", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("run", "unexpected argument '%s'", argv[optind]);
    if (count - 1 > UINT64_MAX - start)
        return usage_error("run", "--start %llu with --count %llu runs past 2^64-1",
                           (unsigned long long)start, (unsigned long long)count);
    cfg.start = start;
    cfg.count = count;
    cfg.workers = (unsigned)workers;
    cfg.iterations = iterations;
    cfg.on_fork = print_fork;
    cfg.on_collect = print_collect;
    cfg.cancel = &cli_cancel;
    cfg.retries = (unsigned)retries;
    const fc_codec *save_codec = cfg.codec;
    if (save) {
        const char *dot = strrchr(save, '.'), *slash = strrchr(save, '/');
        if (dot && (!slash || dot > slash) && fc_codec_find(dot + 1))
            save_codec = fc_codec_find(dot + 1);
        if (access(save, F_OK) == 0)
            return usage_error("run", "--save: %s exists; it is never overwritten", save);
    }

    unsigned used = fc_split_parts(count, cfg.workers);
    printf("run: numbers %llu..%llu, %u worker%s, %llu iterations each, format %s\n",
           (unsigned long long)start, (unsigned long long)(start + count - 1), used,
           used == 1 ? "" : "s", (unsigned long long)iterations, cfg.codec->name);
    cli_flush();
    cli_catch_signals();

    fc_engine_result res;
    fc_error err = {0};
    int rc = fc_engine_run(&cfg, &res, &err);
    if (rc == FC_EINTR || cli_cancel)
        return run_end(&cfg, &res, NULL, true, EXIT_FAIL); /* the signal decides */
    if (res.fork_limited)
        fprintf(stderr, "forkcollect run: fork() failed with EAGAIN (a process limit): ran %u "
                        "children at a time instead of %u\n",
                res.max_parallel, res.nchildren);
    int save_rc = save ? save_collected(save, save_codec, &res) : EXIT_OK;
    if (rc != 0) {
        report_missing(&res);
        fprintf(stderr, "forkcollect run: %s\n", err.msg);
        return run_end(&cfg, &res, save && save_rc == EXIT_OK ? save : NULL, true,
                       rc == FC_EINVAL ? EXIT_USAGE : EXIT_FAIL);
    }

    double total = 0.0;
    for (size_t i = 0; i < res.data.count; i++)
        total += res.data.values[i];
    uint64_t bytes = 0;
    for (unsigned i = 0; i < res.nchildren; i++)
        bytes += res.children[i].file_bytes;
    char num[FC_REPR_MAX], t[32];
    fc_format_double(total, num);
    printf("total: %s\n", num);
    printf("elapsed: %s\n", human_ns((double)res.elapsed_ns, t));
    printf("files: %u, %llu bytes in all (%s)\n", res.nchildren, (unsigned long long)bytes,
           cfg.keep ? "kept" : "removed; --keep keeps them");
    if (cfg.keep)
        for (unsigned i = 0; i < res.nchildren; i++)
            printf("  %s\n", res.children[i].path);
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    printf("peak memory: parent %.1f MiB, largest child %.1f MiB\n", (double)self.ru_maxrss / 1024,
           (double)kids.ru_maxrss / 1024);
    if (save && save_rc == EXIT_OK)
        printf("saved: %zu records to %s (%s)\n", res.data.count, save, save_codec->name);
    return run_end(&cfg, &res, save && save_rc == EXIT_OK ? save : NULL, false, save_rc);
}
