/* compare.c - `forkcollect compare`: every format through the same exercise, measured
 * (measure.c) and reported (report.c). Parse, measure, print: the command only joins
 * them, around a compare_result.
 */
#define _POSIX_C_SOURCE 200809L
#include "fc_shapes.h"
#include "measure.h"
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char COMPARE_HELP[] =
    "usage: forkcollect compare [--formats LIST] [--count N] [--workers P] [--iterations I]\n"
    "                           [--repeat R] [--warmup W]\n"
    "                           [--output table|csv|json|markdown|html] [--chart FILE.svg]\n"
    "                           [--html FILE.html] [--transport file|pipe]\n"
    "                           [--engine fork|mpi] [--shape S | --input FILE.json]\n"
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
    "  -o, --output KIND    table (default), csv, json, markdown or html, on stdout\n"
    "      --chart FILE     also write an SVG chart: size, and encode/decode speed\n"
    "                       (FILE must be new: it is never overwritten)\n"
    "      --html FILE      also write the report as one self-contained HTML page:\n"
    "                       tables, charts, machine, the command to reproduce it\n"
    "                       (FILE must be new: it is never overwritten)\n"
    "      --transport T    how the end-to-end runs move each child's results: file\n"
    "                       (default: result files) or pipe (streamed to the parent)\n"
    "      --shape S        records of another shape than the course's numbers: ints,\n"
    "                       log, mesh or doc; only the formats that hold it are run\n"
    "      --input FILE     your own data instead: a JSON array of records, JSON Lines,\n"
    "                       or one document; the schemaless formats are run on it\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status: 0 when every format ran and round-tripped bit for bit, 1 otherwise,\n"
    "2 for a wrong flag.\n";

/* A progress bar on stderr, when it is a terminal. */
static bool progress_on;

static void progress(unsigned done, unsigned total, const char *what)
{
    if (!progress_on)
        return;
    int width = 30, filled = (int)(width * done / (total ? total : 1));
    fprintf(stderr, "\r[%.*s%*s] %3u%% %-30s", filled, "##############################",
            width - filled, "", 100 * done / (total ? total : 1), what);
    if (done == total)
        fprintf(stderr, "\r%*s\r", width + 40, "");
    fflush(stderr);
}

/* What compare's flags ask for: what to measure, and how to print it. */
typedef struct compare_request {
    compare_params params;
    enum output_kind output;
    const char *chart;
    const char *html;
    bool formats_given;        /* --formats: a format without the shape is an error */
    fc_records input;          /* --input's records */
} compare_request;

static const cli_flag COMPARE_FLAGS[] = {
    {"formats", 'f', true, 'f'},    {"count", 'n', true, 'n'},  {"workers", 'w', true, 'w'},
    {"iterations", 'i', true, 'i'}, {"repeat", 'r', true, 'r'}, {"warmup", 0, true, 'W'},
    {"output", 'o', true, 'o'},     {"chart", 0, true, 'c'},    {"html", 0, true, 'H'},
    {"transport", 0, true, 'T'},    {"engine", 0, true, 'E'},   {"shape", 0, true, 'S'},
    {"input", 0, true, 'I'},        {NULL, 0, false, 0}};

static int compare_flag(void *ctx, int id, const char *v)
{
    compare_request *rq = ctx;
    compare_params *p = &rq->params;
    char kinds[128];
    switch (id) {
    case 'f':
        rq->formats_given = true;
        p->ncodecs = parse_format_list("compare", v, p->codecs, COMPARE_MAX_FORMATS);
        return p->ncodecs < 0 ? -1 : 0;
    case 'n': return parse_u64("compare", "--count", v, 1, 10000000, &p->count);
    case 'w':
        p->workers_given = true;
        return parse_u64("compare", "--workers", v, 1, 1024, &p->workers);
    case 'i': return parse_u64("compare", "--iterations", v, 0, 100000000, &p->iterations);
    case 'r': return parse_u64("compare", "--repeat", v, 1, 1000, &p->repeat);
    case 'W': return parse_u64("compare", "--warmup", v, 0, 100, &p->warmup);
    case 'c': rq->chart = v; return 0;
    case 'T': return (p->transport = parse_transport("compare", v)) ? 0 : -1;
    case 'S': return parse_shape("compare", v, &p->shape);
    case 'I': p->input_name = v; return 0;
    case 'E': return cli_parse_engine("compare", v, &p->mpi);
    case 'H': rq->html = v; return 0;
    case 'o':
        if (report_kind(v, &rq->output) == 0)
            return 0;
        usage_error("compare", "--output: '%s' is not %s", v,
                    report_kind_names(kinds, sizeof kinds));
        return -1;
    }
    return -1;
}

/* --input FILE: the user's records, read whole (and bounded) before any measuring. */
static int parse_input(compare_request *rq)
{
    compare_params *p = &rq->params;
    if (!p->input_name)
        return CLI_GO_ON;
    if (p->shape)
        return usage_error("compare", "--input is data of its own shape: give --shape or "
                           "--input, not both");
    fc_buffer b = {0};
    fc_error e = {0};
    int rc = fc_file_read(p->input_name, &b, &e);
    if (rc == 0)
        rc = fc_json_read_input(b.data, b.len, NULL, &rq->input, &e);
    fc_buffer_free(&b);
    if (rc != 0)
        return fail("compare", "--input %s: %s", p->input_name, e.msg);
    if (rq->input.count == 0)
        return fail("compare", "--input %s: an empty array holds no records to compare",
                    p->input_name);
    p->shape = FC_SHAPE_INPUT;
    p->input = &rq->input;
    p->count = rq->input.count;
    return CLI_GO_ON;
}

/* With another shape than numbers, only the formats that hold it: named by --formats,
 * a format without it is an error; from the default list, it is left out, saying so. */
static int keep_holders(compare_request *rq)
{
    compare_params *p = &rq->params;
    char left[256] = "";
    int kept = 0;
    if (!p->shape)
        return CLI_GO_ON;
    const char *shape = fc_shape_name((enum fc_shape)p->shape);
    for (int f = 0; f < p->ncodecs; f++) {
        const fc_codec *c = p->codecs[f];
        if (c->shapes & (1u << p->shape)) {
            p->codecs[kept++] = c;
            continue;
        }
        if (rq->formats_given)
            return usage_error("compare", "--formats: %s does not hold the %s shape (yet); "
                               "these do: %s", c->name, shape, shape_holders(p->shape));
        snprintf(left + strlen(left), sizeof left - strlen(left), "%s%s", left[0] ? ", " : "",
                 c->name);
    }
    p->ncodecs = kept;
    if (left[0])
        note("compare", "left out, as they do not hold the %s shape yet: %s", shape, left);
    return CLI_GO_ON;
}

/* --engine mpi: starts MPI; on rank 0 the workers are computing ranks (at most all of
 * them, default all), and --transport file has each rank write its file. */
static int compare_on_ranks(compare_params *p)
{
    if (p->transport == &fc_transport_pipe)
        return usage_error("compare", "--transport pipe: with --engine mpi the bytes go in MPI "
                                      "messages (the default) or files (--transport file)");
    p->mpi.file = p->transport == &fc_transport_file;
    fc_engine_config ranks = {0};
    int status = cli_mpi_start("compare", &ranks, &p->mpi);
    if (status != CLI_GO_ON)
        return status;
    if (p->workers > ranks.workers && p->workers_given)
        return usage_error("compare", "--workers: %llu, but %u ranks compute (mpirun -np %u)",
                           (unsigned long long)p->workers, ranks.workers, ranks.workers + 1);
    p->workers = ranks.workers < p->workers || !p->workers_given ? ranks.workers : p->workers;
    return CLI_GO_ON;
}

/* Reads compare's flags into rq; returns CLI_GO_ON, or the exit status. */
static int parse_compare(int argc, char **argv, compare_request *rq)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    *rq = (compare_request){.params = {.count = 100000, .iterations = 100,
                                       .workers = cpus > 0 ? (uint64_t)cpus : 1, .repeat = 10,
                                       .warmup = 1},
                            .output = OUTPUT_TABLE};
    rq->params.ncodecs = parse_format_list("compare", "all", rq->params.codecs,
                                           COMPARE_MAX_FORMATS);
    static const cli_command COMPARE = {"compare", COMPARE_HELP, COMPARE_FLAGS, 0,
                                        compare_flag};
    int status = cli_parse(&COMPARE, argc, argv, rq, NULL);
    if (status != CLI_GO_ON)
        return status;
    if ((status = parse_input(rq)) != CLI_GO_ON || (status = keep_holders(rq)) != CLI_GO_ON)
        return status;
    if (rq->params.mpi.on && rq->params.shape)
        return usage_error("compare", "--engine mpi carries the course's numbers only (yet): "
                           "--shape and --input run with --engine fork");
    if (rq->params.mpi.on && (status = compare_on_ranks(&rq->params)) != CLI_GO_ON)
        return status;
    /* Now, not after minutes of measuring. */
    int bad = rq->chart ? check_new_file("compare", "--chart", rq->chart) : 0;
    if (!bad && rq->html)
        bad = check_new_file("compare", "--html", rq->html);
    if (!bad && rq->chart && rq->html && strcmp(rq->chart, rq->html) == 0)
        bad = usage_error("compare", "--chart and --html name the same file, %s", rq->html);
    return bad ? bad : CLI_GO_ON;
}

static void render_svg(FILE *f, const void *result)
{
    report_svg(f, result);
}

static void render_html(FILE *f, const void *result)
{
    write_html(f, result, false);
}

/* Each format that failed, or was not bit-exact without declaring a loss, on stderr:
 * EXIT_FAIL when any, else EXIT_OK. A declared loss (the exact column says how much)
 * is a result, not a failure. */
static int print_failures(const compare_result *r)
{
    int rc = EXIT_OK;
    for (int f = 0; f < r->nformats; f++) {
        const format_result *fr = &r->formats[f];
        if (!fr->exact && (fr->failure[0] || !fr->loss.changed)) {
            note("compare", "%s: %s", fr->codec->name,
                 fr->failure[0] ? fr->failure : "not bit-exact");
            rc = EXIT_FAIL;
        }
    }
    return rc;
}

/* Writes one of the files the user named (--chart, --html) unless a signal came:
 * true when it is written; *rc becomes EXIT_FAIL when it could not be. */
static bool write_named(const char *flag, const char *path,
                        void (*render)(FILE *f, const void *ctx), const compare_result *r,
                        int *rc)
{
    if (!path || cli_cancel)
        return false;
    if (write_rendered_file("compare", flag, path, render, r) == EXIT_OK)
        return true;
    *rc = EXIT_FAIL;
    return false;
}

/* Prints r as asked (stdout, then --chart's and --html's files); returns the exit
 * status. */
static int print_result(const compare_request *rq, const compare_result *r)
{
    int rc = EXIT_OK;
    report_write(stdout, r, rq->output, progress_on && isatty(STDOUT_FILENO));
    bool charted = write_named("--chart", rq->chart, render_svg, r, &rc);
    bool paged = write_named("--html", rq->html, render_html, r, &rc);
    if (print_failures(r) != EXIT_OK)
        rc = EXIT_FAIL;
    rc = cli_output_status("compare", "", rc);
    if (cli_last_check()) { /* a signal at any point: nothing of ours stays */
        if (charted)
            unlink(rq->chart);
        if (paged)
            unlink(rq->html);
        rc = cli_interrupted("compare", charted && paged ? "children stopped, files removed "
                                                           "(and the chart and the page)"
                                        : charted ? "children stopped, files removed (and "
                                                    "the chart)"
                                        : paged   ? "children stopped, files removed (and "
                                                    "the page)"
                                                  : NULL);
    }
    return rc;
}

int cmd_compare(int argc, char **argv)
{
    static compare_result r; /* large; one per process */
    compare_request rq;
    int status = parse_compare(argc, argv, &rq);
    if (status == CLI_GO_ON) {
        cli_catch_signals(); /* before any work: an early Ctrl-C must not be lost either */
        progress_on = isatty(STDERR_FILENO);
        fc_error err = {0};
        int rc = compare_measure(&rq.params, &r, progress, &err);
        status = rc == FC_EINTR ? cli_interrupted("compare", NULL)
                 : rc != 0      ? fail("compare", "%s", err.msg)
                                : print_result(&rq, &r);
    }
    fc_records_free(&rq.input);
    return status;
}
