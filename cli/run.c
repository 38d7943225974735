/* run.c - `forkcollect run`: the exercise, told as it happens. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "fc_shapes.h"

#include <zlib.h>

#include <stdlib.h>
#include <signal.h>
#include <sys/resource.h>
#include <string.h>
#include <unistd.h>

static const char RUN_HELP[] =
    "usage: forkcollect run [--format F] [--count N] [--start S] [--workers P]\n"
    "                       [--iterations I] [--dir D] [--keep] [--timeout SECONDS]\n"
    "                       [--retries K] [--save FILE] [--sum fsum|sequential]\n"
    "                       [--transport file|pipe|message] [--engine fork|mpi]\n"
    "                       [--shape S]\n"
    "\n"
    "Splits the numbers S..S+N-1 into P ranges and forks one child per range. Each\n"
    "child computes calc(n) = Python's random.seed(n) then the sum of I draws of\n"
    "random.random(), for each n of its range, writes its results in format F to\n"
    "D/<parent pid>-<child pid>.<ext> and exits. The parent collects each file as its\n"
    "child ends, checks it, merges it, and removes it unless --keep.\n"
    "\n"
    "  -f, --format F      {formats} (default json)\n"
    "  -n, --count N       how many numbers (default 20)\n"
    "  -s, --start S       the first number (default 1)\n"
    "  -w, --workers P     children to fork (default: one per online CPU)\n"
    "  -i, --iterations I  random draws per number (default 10000000)\n"
    "  -d, --dir D         write the result files in D (default: a private temporary\n"
    "                      directory, removed at the end; in a D anyone may write to,\n"
    "                      such as /tmp, a private directory inside D)\n"
    "  -k, --keep          keep the result files (and say where they are)\n"
    "  -t, --timeout SEC   kill a child (and all it started) still running SEC seconds\n"
    "                      after its fork, and count it as failed (default: no limit)\n"
    "  -r, --retries K     run a failed range again in a fresh child, up to K times\n"
    "  -o, --save FILE     write every collected record to FILE, in the run's format\n"
    "                      (or FILE's extension); when children failed, what was\n"
    "                      collected is still saved (no file when nothing was).\n"
    "                      FILE must be new: an existing\n"
    "                      file or symbolic link is refused before the run starts\n"
    "      --sum HOW       how the total is added: fsum (default), correctly rounded,\n"
    "                      as Python's math.fsum, and Python 3.12+'s sum() for the\n"
    "                      course's numbers; or sequential, left to right in key\n"
    "                      order, as Python 3.11 and older sum()\n"
    "      --transport T   how each child's results reach the parent: file (the\n"
    "                      default), its result file as above; or pipe, streamed on a\n"
    "                      pipe to the parent, with no file written (no --dir, --keep).\n"
    "                      With --engine mpi: message (the default), the bytes go in\n"
    "                      MPI messages; or file, each rank writes its file in --dir\n"
    "                      (which every rank must see) and sends its size and CRC\n"
    "      --engine E      fork (default): children of this process; mpi: the ranks\n"
    "                      of an MPI job, started with mpirun -np N (N >= 2): rank 0\n"
    "                      collects, ranks 1..N-1 compute one range each (README.md,\n"
    "                      \"Running on a cluster\"; --workers and --retries do not apply)\n"
    "      --shape S       records of another shape than the course's numbers: ints,\n"
    "                      log, mesh or doc (scripts/shapes.py makes the same ones);\n"
    "                      prints their count and the CRC-32 of their JSON instead\n"
    "                      of a total (with --engine fork)\n"
    "  -h, --help          show this help\n"
    "\n"
    "Prints each child's range as it is forked, its pid, records and bytes as it is\n"
    "collected, then the total (the sum of all values, see --sum, as Python prints a\n"
    "float) and the elapsed time. A failed child is reported with its pid, its\n"
    "range and the cause, and the keys left missing are listed. Exit status: 0 when\n"
    "every result was collected, 1 when any was not, 2 for a wrong flag, 128+N when\n"
    "stopped by signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP...): children stopped,\n"
    "files removed, --save's file too (--keep keeps the collected result files).\n";

/* What a run gave: the engine's result and what was worked out from it. Filled by
 * run_measure() and run_summarise(); printed from by the print_* functions. */
typedef struct run_result {
    fc_engine_result res;      /* children, data, elapsed time, limits met */
    int rc;                    /* fc_engine_run's: 0 or FC_E* */
    fc_error err;              /* its error when rc != 0 */
    int save_rc;               /* --save: EXIT_OK, or what writing it returned */
    size_t saved;              /* --save: the records written */
    /* run_summarise(), after a run that collected every child: */
    int total_rc;              /* EXIT_OK, or EXIT_FAIL when no total could be made */
    double total;              /* the values added as --sum says (core/fsum.c) */
    uint32_t digest;           /* another shape: zlib's CRC-32 of the records' JSON */
    fc_error total_err;
    uint64_t bytes;            /* all result files */
    long parent_rss_kib;       /* this process's peak */
    long largest_child_kib;    /* each child's own, not RUSAGE_CHILDREN: that may be a
                                * compiler's, when a shell that ran one exec'd us */
} run_result;

/* A list of text in memory ("  a\n  b" or " 1..2 3..4"), for one note(); "" when
 * memory ran out. */
typedef struct text_list {
    char *text;
    size_t len;
    FILE *f;
} text_list;

static void list_open(text_list *l)
{
    *l = (text_list){0};
    l->f = open_memstream(&l->text, &l->len);
}

/* The text so far; the list takes no more. */
static const char *list_text(text_list *l)
{
    bool ok = l->f && fclose(l->f) == 0;
    l->f = NULL;
    return ok && l->text ? l->text : "";
}

static void list_free(text_list *l)
{
    if (l->f)
        fclose(l->f);
    free(l->text);
}

/* Says, after a failed or interrupted run with --keep, which result files were kept
 * and where. A private directory left empty is removed. */
static void report_kept(const fc_engine_config *cfg, const fc_engine_result *res)
{
    unsigned kept = 0;
    text_list paths;
    list_open(&paths);
    for (unsigned i = 0; i < res->nchildren; i++)
        if (res->children[i].state == FC_CHILD_COLLECTED) {
            kept++;
            if (paths.f)
                fprintf(paths.f, "\n  %s", res->children[i].path);
        }
    if (kept == 0) {
        if (!cfg->dir && res->dir[0])
            rmdir(res->dir);
        note("run", "--keep: no child was collected, so no result file was kept");
    } else {
        note("run", "--keep: kept the %u result file%s collected, in %s:%s", kept,
             kept == 1 ? "" : "s", res->dir, list_text(&paths));
    }
    list_free(&paths);
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
    printf("forked    child %ld: keys %llu..%llu (%llu number%s)\n", (long)c->pid,
           (unsigned long long)c->first_key, (unsigned long long)(c->first_key + c->count - 1),
           (unsigned long long)c->count, plural(c->count));
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
    printf("collected child %ld: %llu record%s, %llu bytes (compute %s, encode %s, write %s, "
           "decode %s)\n",
           (long)c->pid, (unsigned long long)c->count, plural(c->count),
           (unsigned long long)c->file_bytes,
           human_ns((double)c->compute_ns, t1), human_ns((double)c->encode_ns, t2),
           human_ns((double)c->write_ns, t3), human_ns((double)c->decode_ns, t4));
    cli_flush();
}

/* Lists on stderr the children that failed and the keys they leave missing. */
static void report_missing(const fc_engine_result *res)
{
    unsigned failed = 0;
    uint64_t missing = 0;
    text_list ranges;
    list_open(&ranges);
    for (unsigned i = 0; i < res->nchildren; i++) {
        const fc_child_report *c = &res->children[i];
        if (c->state == FC_CHILD_COLLECTED)
            continue;
        failed++;
        missing += c->count;
        if (ranges.f)
            fprintf(ranges.f, " %llu..%llu", (unsigned long long)c->first_key,
                    (unsigned long long)(c->first_key + c->count - 1));
    }
    if (failed)
        note("run", "%u of %u children failed; %llu keys missing:%s; no total printed", failed,
             res->nchildren, (unsigned long long)missing, list_text(&ranges));
    list_free(&ranges);
}

/* Writes the records of every collected child (all of them, on success) to path;
 * *saved is how many. */
/* zlib's CRC-32 of json.dumps of the records: one number to compare runs by. */
static int records_digest(const fc_records *r, uint32_t *digest, fc_error *err)
{
    fc_buffer json = {0};
    int rc = fc_records_write_json(r, &json, err);
    if (rc == 0)
        *digest = (uint32_t)crc32(0L, json.data, (uInt)json.len);
    fc_buffer_free(&json);
    return rc ? EXIT_FAIL : EXIT_OK;
}

/* --save for another shape: the records of the collected parts, with codec. */
static int save_records(const fc_codec *codec, unsigned shape, const fc_engine_result *res,
                        fc_buffer *buf, size_t *saved, fc_error *err)
{
    const fc_records *all = res->records;
    fc_records some = {0}; /* a view: its trees stay in all's arena */
    int rc = fc_records_reserve(&some, all->count, err);
    uint64_t start = all->count ? all->keys[0] : 0;
    for (unsigned i = 0; rc == 0 && i < res->nchildren; i++) {
        const fc_child_report *c = &res->children[i];
        for (uint64_t j = 0; c->state == FC_CHILD_COLLECTED && j < c->count; j++) {
            some.keys[some.count] = c->first_key + j;
            some.values[some.count++] = all->values[c->first_key + j - start];
        }
    }
    *saved = some.count;
    if (rc == 0 && some.count)
        rc = codec->encode_records(&some, shape, buf, err);
    fc_records_free(&some);
    return rc;
}

static int save_collected(const char *path, const fc_codec *codec, unsigned shape,
                          fc_engine_result *res, size_t *saved)
{
    if (res->records) {
        fc_buffer buf = {0};
        fc_error err = {0};
        int rc = save_records(codec, shape, res, &buf, saved, &err);
        if (rc == 0 && *saved == 0)
            rc = fail("run", "no record was collected, so %s was not written", path);
        else if (rc != 0)
            rc = fail("run", "--save: %s", err.msg);
        else
            rc = write_new_file("run", "--save", path, buf.data, buf.len);
        if (rc == EXIT_OK && *saved < res->records->count)
            note("run", "saved the %zu record%s collected to %s", *saved, plural(*saved), path);
        fc_buffer_free(&buf);
        return rc;
    }
    fc_dataset d = {0};
    fc_buffer buf = {0};
    fc_error err = {0};
    int rc = 0;
    uint64_t start = res->data.count ? res->data.keys[0] : 0;
    for (unsigned i = 0; rc == 0 && i < res->nchildren; i++) {
        const fc_child_report *c = &res->children[i];
        if (c->state != FC_CHILD_COLLECTED)
            continue;
        /* Counted from 0, not up to first_key + count: a range that ends at 2^64-1
         * would make that bound 0 and the range vanish from the file. */
        for (uint64_t j = 0; rc == 0 && j < c->count; j++) {
            uint64_t k = c->first_key + j;
            rc = fc_dataset_push(&d, k, res->data.values[k - start], &err);
        }
    }
    if (rc == 0 && d.count == 0 && res->data.count > 0) {
        /* An empty file would look like a result: say why there is none instead. */
        note("run", "no record was collected, so %s was not written", path);
        *saved = 0;
        fc_dataset_free(&d);
        return EXIT_FAIL;
    }
    if (rc == 0)
        rc = codec->encode(&d, &buf, &err);
    if (rc != 0)
        rc = fail("run", "--save: %s", err.msg);
    else
        rc = write_new_file("run", "--save", path, buf.data, buf.len);
    *saved = d.count; /* said by said_saved(), once the file is sure to stay */
    fc_buffer_free(&buf);
    fc_dataset_free(&d);
    return rc;
}

/* What run's flags ask for. */
typedef struct run_request {
    fc_engine_config cfg;
    uint64_t workers, retries;
    const char *save;
    const fc_codec *save_codec; /* the run's format, or the one --save's extension names */
    bool sum_in_order;          /* --sum sequential */
    cli_mpi mpi;                /* --engine mpi, and its --transport */
    const char *transport;      /* --transport, as given */
    bool workers_given;
} run_request;

static const cli_flag RUN_FLAGS[] = {
    {"format", 'f', true, 'f'},  {"count", 'n', true, 'n'},      {"start", 's', true, 's'},
    {"workers", 'w', true, 'w'}, {"iterations", 'i', true, 'i'}, {"dir", 'd', true, 'd'},
    {"keep", 'k', false, 'k'},   {"timeout", 't', true, 't'},    {"retries", 'r', true, 'r'},
    {"save", 'o', true, 'o'},    {"sum", 0, true, 'S'},          {"engine", 0, true, 'E'},
    {"transport", 0, true, 'T'}, {"shape", 0, true, 'H'},        {NULL, 0, false, 0}};

/* --start: a whole number from 0. A negative one is what Python's random.seed would
 * take, so say what Python does with it. */
static int parse_start(const char *text, uint64_t *start)
{
    const char *digits = text + 1;
    if (text[0] == '-' && digits[0] >= '0' && digits[0] <= '9' &&
        digits[strspn(digits, "0123456789_,")] == '\0') {
        usage_error("run", "--start: %s is negative; Python's random.seed(%s) is "
                           "random.seed(%s) (it drops the sign), so use --start %s",
                    text, text, digits, digits);
        return -1;
    }
    return parse_u64("run", "--start", text, 0, UINT64_MAX, start);
}

static int parse_timeout(const char *text, unsigned *ms)
{
    char *end;
    double sec = strtod(text, &end);
    if (end == text || *end || !(sec > 0) || sec > 86400 * 7) {
        usage_error("run", "--timeout: '%s' is not a number of seconds (more than 0, at most "
                           "a week)", text);
        return -1;
    }
    *ms = (unsigned)(sec * 1000 + 0.5) ? (unsigned)(sec * 1000 + 0.5) : 1;
    return 0;
}

/* --sum: fsum (the default) or sequential. */
static int parse_sum(const char *text, bool *in_order)
{
    if (strcmp(text, "fsum") != 0 && strcmp(text, "sequential") != 0) {
        usage_error("run", "--sum: '%s' is neither fsum (correctly rounded, the default) nor "
                           "sequential (in key order)", text);
        return -1;
    }
    *in_order = text[0] == 's';
    return 0;
}

/* One flag into the run_request; 0, or -1 after a usage error. */
static int run_flag(void *ctx, int id, const char *v)
{
    run_request *rq = ctx;
    fc_engine_config *cfg = &rq->cfg;
    switch (id) {
    case 'f': return (cfg->codec = parse_format("run", "--format", v)) ? 0 : -1;
    case 'n': return parse_u64("run", "--count", v, 1, 100000000, &cfg->count);
    case 's': return parse_start(v, &cfg->start);
    case 'w': rq->workers_given = true; return parse_u64("run", "--workers", v, 1, 1024, &rq->workers);
    case 'i': return parse_u64("run", "--iterations", v, 0, UINT64_MAX, &cfg->iterations);
    case 'd': cfg->dir = v; return 0;
    case 'k': cfg->keep = true; return 0;
    case 't': return parse_timeout(v, &cfg->timeout_ms);
    case 'r': return parse_u64("run", "--retries", v, 0, 100, &rq->retries);
    case 'o': rq->save = v; return 0;
    case 'S': return parse_sum(v, &rq->sum_in_order);
    case 'T': rq->transport = v; return 0; /* checked with --engine, in parse_run */
    case 'E': return cli_parse_engine("run", v, &rq->mpi);
    case 'H': return parse_shape("run", v, &cfg->shape);
    }
    return -1;
}

/* --transport: file or pipe for the fork engine, message or file for --engine mpi. */
static int parse_run_transport(run_request *rq)
{
    if (!rq->mpi.on)
        return (rq->cfg.transport = parse_transport("run", rq->transport)) ? 0 : -1;
    if (strcmp(rq->transport, "message") != 0 && strcmp(rq->transport, "file") != 0)
        return usage_error("run", "--transport: with --engine mpi, '%s' is neither message "
                                  "(the default) nor file", rq->transport), -1;
    rq->mpi.file = rq->transport[0] == 'f';
    return 0;
}

/* Reads run's flags into rq and checks them together; returns CLI_GO_ON, or the exit
 * status (after --help, or a usage error). */
static int parse_run(int argc, char **argv, run_request *rq)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    *rq = (run_request){.cfg = {.codec = fc_codec_find("json"), .start = 1, .count = 20,
                                .iterations = 10000000},
                        .workers = cpus > 0 ? (uint64_t)cpus : 1};
    static const cli_command RUN = {"run", RUN_HELP, RUN_FLAGS, 0, run_flag};
    int status = cli_parse(&RUN, argc, argv, rq, NULL);
    if (status != CLI_GO_ON)
        return status;
    fc_engine_config *cfg = &rq->cfg;
    if (rq->mpi.on && (rq->workers_given || rq->retries))
        return usage_error("run", "--engine mpi: %s", rq->workers_given
                           ? "--workers does not apply: the ranks compute (mpirun -np N: N-1)"
                           : "--retries does not apply: a failed rank's range is not run again");
    if (rq->transport && parse_run_transport(rq) != 0)
        return EXIT_USAGE;
    if (rq->mpi.on && !rq->mpi.file && (cfg->dir || cfg->keep))
        return usage_error("run", "--engine mpi: %s needs --transport file (the bytes go in "
                           "MPI messages otherwise)", cfg->dir ? "--dir" : "--keep");
    if (cfg->count - 1 > UINT64_MAX - cfg->start)
        return usage_error("run", "--start %llu with --count %llu runs past 2^64-1",
                           (unsigned long long)cfg->start, (unsigned long long)cfg->count);
    if (cfg->transport == &fc_transport_pipe && (cfg->dir || cfg->keep))
        return usage_error("run", "%s: the pipe transport writes no files (give --transport "
                           "file)", cfg->keep ? "--keep" : "--dir");
    cfg->workers = (unsigned)rq->workers;
    cfg->retries = (unsigned)rq->retries;
    cfg->on_fork = print_fork;
    cfg->on_collect = print_collect;
    cfg->cancel = &cli_cancel;
    rq->save_codec = cfg->codec;
    if (cfg->shape && !(cfg->codec->shapes & (1u << cfg->shape)))
        return usage_error("run", "--format %s does not hold the %s shape (yet); these do: %s",
                           cfg->codec->name, fc_shape_name((enum fc_shape)cfg->shape),
                           shape_holders(cfg->shape));
    if (cfg->shape && rq->mpi.on)
        return usage_error("run", "--engine mpi carries the course's numbers only (yet): "
                           "--shape runs with --engine fork");
    if (rq->save && !(rq->mpi.on && cli_mpi_other_rank())) { /* rank 0 saves */
        if (fc_codec_for_path(rq->save))
            rq->save_codec = fc_codec_for_path(rq->save);
        if (cfg->shape && !(rq->save_codec->shapes & (1u << cfg->shape)))
            return usage_error("run", "--save %s: %s does not hold the %s shape (yet); these "
                               "do: %s", rq->save, rq->save_codec->name,
                               fc_shape_name((enum fc_shape)cfg->shape), shape_holders(cfg->shape));
        int bad = check_new_file("run", "--save", rq->save);
        if (bad)
            return bad; /* now, before forking, not after the whole run */
    }
    return CLI_GO_ON;
}

/* The run itself: the engine, telling each fork and collection as it happens. */
static void run_measure(const run_request *rq, run_result *out)
{
    *out = (run_result){.save_rc = EXIT_OK, .total_rc = EXIT_OK};
    out->rc = rq->mpi.on ? cli_mpi_run(&rq->cfg, &rq->mpi, &out->res, &out->err)
                         : fc_engine_run(&rq->cfg, &out->res, &out->err);
}

/* After a run that collected every child: the total, the bytes and the memory. */
static void run_summarise(const run_request *rq, run_result *out)
{
    const fc_dataset *d = &out->res.data;
    if (out->res.records)
        out->total_rc = records_digest(out->res.records, &out->digest, &out->total_err);
    else if (rq->sum_in_order)
        out->total = fc_sum_in_order(d->values, d->count);
    else if (fc_fsum(d->values, d->count, &out->total, &out->total_err) != 0)
        out->total_rc = EXIT_FAIL;
    for (unsigned i = 0; i < out->res.nchildren; i++) {
        const fc_child_report *c = &out->res.children[i];
        out->bytes += c->file_bytes;
        if (c->max_rss_kib > out->largest_child_kib)
            out->largest_child_kib = c->max_rss_kib;
    }
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    out->parent_rss_kib = self.ru_maxrss;
}

static void print_start(const run_request *rq)
{
    const fc_engine_config *cfg = &rq->cfg;
    unsigned used = fc_split_parts(cfg->count, cfg->workers);
    const char *how = rq->mpi.on ? (rq->mpi.file ? ", MPI ranks, files" : ", MPI ranks, messages")
                      : cfg->transport == &fc_transport_pipe ? ", over pipes"
                                                              : "";
    if (cfg->shape)
        printf("run: %s records %llu..%llu, %u worker%s, format %s%s\n",
               fc_shape_name((enum fc_shape)cfg->shape), (unsigned long long)cfg->start,
               (unsigned long long)(cfg->start + cfg->count - 1), used, plural(used),
               cfg->codec->name, how);
    else
        printf("run: numbers %llu..%llu, %u worker%s, %llu iteration%s each, format %s%s\n",
               (unsigned long long)cfg->start, (unsigned long long)(cfg->start + cfg->count - 1),
               used, plural(used), (unsigned long long)cfg->iterations, plural(cfg->iterations),
               cfg->codec->name, how);
    cli_flush();
}

/* What the engine met on the way: files it could not remove, limits it ran into. */
static void print_left_behind(const fc_engine_result *res)
{
    if (res->left_behind)
        note("run", "could not remove %s: %s (%u file%s or director%s left behind)",
             res->left_path, strerror(res->left_errno), res->left_behind,
             plural(res->left_behind), res->left_behind == 1 ? "y" : "ies");
}

static void print_limits(const fc_engine_result *res)
{
    const char *children = res->max_parallel == 1 ? "child" : "children";
    if (res->fork_limited)
        note("run", "fork() failed with EAGAIN (a process limit): ran %u %s at a time instead "
                    "of %u", res->max_parallel, children, res->nchildren);
    if (res->fd_limited)
        note("run", "too many open files for one pipe per child (ulimit -n): ran %u %s at a "
                    "time instead of %u", res->max_parallel, children, res->nchildren);
}

/* Whether --save's file was written (a child ran) and stays: the last look for a signal
 * (cli_last_check) is taken now, before "saved" is said, so that a file said to be saved
 * is never then removed; a signal after this look is too late to matter. Says so on
 * stderr when the run saved only part of its records. */
static bool said_saved(const run_request *rq, const run_result *out)
{
    if (!rq->save || !out->res.forked || out->save_rc != EXIT_OK || cli_last_check())
        return false;
    if (out->saved < out->res.data.count)
        note("run", "saved the %zu record%s collected to %s", out->saved, plural(out->saved),
             rq->save);
    return true;
}

/* The end of a run that collected every child: total, time, files, memory, --save. */
static void print_summary(const run_request *rq, const run_result *out)
{
    const fc_engine_config *cfg = &rq->cfg;
    char num[FC_REPR_MAX], t[32];
    if (out->total_rc != EXIT_OK) {
        note("run", "no total: %s", out->total_err.msg);
    } else if (out->res.records) {
        printf("records: %zu, their JSON's CRC-32 0x%08x (zlib.crc32 of json.dumps)\n",
               out->res.records->count, (unsigned)out->digest);
    } else {
        fc_format_double(out->total, num);
        printf("total: %s\n", num);
    }
    printf("elapsed: %s\n", human_ns((double)out->res.elapsed_ns, t));
    const bool files = out->res.dir[0] != '\0'; /* else pipes or MPI messages */
    printf("%s: %u, %llu bytes in all (%s)\n",
           files ? "files" : rq->mpi.on ? "messages" : "streams", out->res.nchildren,
           (unsigned long long)out->bytes,
           files ? (cfg->keep ? "kept" : "removed; --keep keeps them")
           : rq->mpi.on ? "MPI" : "over pipes");
    if (cfg->keep)
        for (unsigned i = 0; i < out->res.nchildren; i++)
            printf("  %s\n", out->res.children[i].path);
    printf("peak memory: parent %.1f MiB, largest child %.1f MiB\n",
           (double)out->parent_rss_kib / 1024, (double)out->largest_child_kib / 1024);
    if (said_saved(rq, out))
        printf("saved: %zu record%s to %s (%s)\n", out->saved, plural(out->saved), rq->save,
               rq->save_codec->name);
}

int cmd_run(int argc, char **argv)
{
    run_request rq;
    run_result out;
    int status = parse_run(argc, argv, &rq);
    if (status != CLI_GO_ON)
        return status;
    if (rq.mpi.on && (status = cli_mpi_start("run", &rq.cfg, &rq.mpi)) != CLI_GO_ON)
        return status; /* a rank other than 0 has done its part */
    print_start(&rq);
    cli_catch_signals();
    run_measure(&rq, &out);
    print_left_behind(&out.res);
    if (out.rc == FC_EINTR || cli_cancel)
        return run_end(&rq.cfg, &out.res, NULL, true, EXIT_FAIL); /* the signal decides */
    print_limits(&out.res);
    /* No child ran (a setup failure): only the real error, and nothing saved. */
    if (rq.save && out.res.forked)
        out.save_rc = save_collected(rq.save, rq.save_codec, rq.cfg.shape, &out.res, &out.saved);
    const char *saved = rq.save && out.save_rc == EXIT_OK ? rq.save : NULL;
    if (out.rc != 0) {
        if (out.res.forked)
            report_missing(&out.res);
        note("run", "%s", out.err.msg);
        said_saved(&rq, &out);
        return run_end(&rq.cfg, &out.res, saved, true,
                       out.rc == FC_EINVAL ? EXIT_USAGE : EXIT_FAIL);
    }
    run_summarise(&rq, &out);
    print_summary(&rq, &out);
    return run_end(&rq.cfg, &out.res, saved, false,
                   out.save_rc != EXIT_OK ? out.save_rc : out.total_rc);
}
