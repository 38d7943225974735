/* run.c - `forkcollect run`: the exercise, told as it happens. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static const char RUN_HELP[] =
    "usage: forkcollect run [--format F] [--count N] [--start S] [--workers P]\n"
    "                       [--iterations I] [--dir D] [--keep]\n"
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
    "  -h, --help          show this help\n"
    "\n"
    "Prints each child's range as it is forked, its pid, records and bytes as it is\n"
    "collected, then the total (the sum of all values in key order, as Python prints\n"
    "a float) and the elapsed time. Exit status: 0 when every result was collected,\n"
    "1 when any was not, 2 for a wrong flag, 130/143 when interrupted.\n";

static volatile sig_atomic_t cancel_signal;

static void on_signal(int sig)
{
    cancel_signal = sig;
}

static void install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: let poll() return EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static void print_fork(const fc_child_report *c, void *ctx)
{
    (void)ctx;
    printf("forked    child %ld: keys %llu..%llu (%llu numbers)\n", (long)c->pid,
           (unsigned long long)c->first_key,
           (unsigned long long)(c->first_key + c->count - 1), (unsigned long long)c->count);
    fflush(stdout);
}

static void print_collect(const fc_child_report *c, void *ctx)
{
    char t1[32], t2[32], t3[32], t4[32];
    (void)ctx;
    if (c->state != FC_CHILD_COLLECTED) {
        printf("FAILED    %s\n", c->error.msg);
        fflush(stdout);
        return;
    }
    printf("collected child %ld: %llu records, %llu bytes (compute %s, encode %s, write %s, "
           "decode %s)\n",
           (long)c->pid, (unsigned long long)c->count, (unsigned long long)c->file_bytes,
           human_ns((double)c->compute_ns, t1), human_ns((double)c->encode_ns, t2),
           human_ns((double)c->write_ns, t3), human_ns((double)c->decode_ns, t4));
    fflush(stdout);
}

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"count", required_argument, NULL, 'n'},
        {"start", required_argument, NULL, 's'},  {"workers", required_argument, NULL, 'w'},
        {"iterations", required_argument, NULL, 'i'}, {"dir", required_argument, NULL, 'd'},
        {"keep", no_argument, NULL, 'k'},         {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    uint64_t workers = cpus > 0 ? (uint64_t)cpus : 1, count = 20, start = 1,
             iterations = 10000000;
    fc_engine_config cfg = {.codec = fc_codec_find("json")};
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":f:n:s:w:i:d:kh", opts, NULL)) != -1) {
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
    cfg.cancel = &cancel_signal;

    unsigned used = fc_split_parts(count, cfg.workers);
    printf("run: numbers %llu..%llu, %u worker%s, %llu iterations each, format %s\n",
           (unsigned long long)start, (unsigned long long)(start + count - 1), used,
           used == 1 ? "" : "s", (unsigned long long)iterations, cfg.codec->name);
    fflush(stdout);
    install_signal_handlers();

    fc_engine_result res;
    fc_error err = {0};
    int rc = fc_engine_run(&cfg, &res, &err);
    if (rc == FC_EINTR || cancel_signal) {
        fc_engine_result_free(&res);
        fprintf(stderr, "forkcollect run: interrupted by %s: children stopped, files removed\n",
                cancel_signal == SIGTERM ? "SIGTERM" : "SIGINT");
        return cancel_signal == SIGTERM ? EXIT_SIGTERM : EXIT_SIGINT;
    }
    if (rc != 0) {
        unsigned failed = 0;
        for (unsigned i = 0; i < res.nchildren; i++)
            failed += res.children[i].state != FC_CHILD_COLLECTED;
        if (failed)
            fprintf(stderr, "forkcollect run: %u of %u children failed; no total printed\n",
                    failed, res.nchildren);
        fprintf(stderr, "forkcollect run: %s\n", err.msg);
        fc_engine_result_free(&res);
        return rc == FC_EINVAL ? EXIT_USAGE : EXIT_FAIL;
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
    fc_engine_result_free(&res);
    return EXIT_OK;
}
