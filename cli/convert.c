/* convert.c - `forkcollect convert` and `forkcollect dump`: one result file read (in
 * any format), then written in another format, or printed as text. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static const char CONVERT_HELP[] =
    "usage: forkcollect convert IN --to FORMAT [-o OUT] [--from FORMAT] [--max-size BYTES]\n"
    "\n"
    "Reads the result file IN in any format and writes the same records, in the same\n"
    "order, in FORMAT. IN may be - for standard input. The input's format is --from if\n"
    "given, else the one its extension names, else recognised from its content (and\n"
    "refused when two formats read the same bytes). OUT defaults to IN with its\n"
    "extension replaced by FORMAT's; - is standard output. An existing file is never\n"
    "overwritten and a symlink never followed.\n"
    "\n"
    "  -t, --to FORMAT       {formats}\n"
    "  -o, --output OUT      where to write (- for standard output)\n"
    "      --from FORMAT     the input's format, when its name does not say it\n"
    "      --max-size BYTES  read inputs up to this size (default 1073741824, 1 GiB)\n"
    "  -h, --help            show this help\n";

static const char DUMP_HELP[] =
    "usage: forkcollect dump FILE [--from FORMAT] [--max-size BYTES]\n"
    "\n"
    "Prints the records of the result file FILE (- for standard input) as 'key value'\n"
    "lines, in file order, each value as Python prints a float. The format is --from\n"
    "if given, else the one the extension names, else recognised from the content\n"
    "(and refused when two formats read the same bytes).\n"
    "\n"
    "      --from FORMAT     the file's format, when its name does not say it\n"
    "      --max-size BYTES  read files up to this size (default 1073741824, 1 GiB)\n"
    "  -h, --help            show this help\n";

/* OUT for IN: IN's extension replaced by ext (or ext appended when IN has none). */
static int default_output(const char *in, const char *ext, char *out, size_t size)
{
    const char *dot = path_extension(in);
    size_t stem = dot ? (size_t)(dot - in) : strlen(in);
    return snprintf(out, size, "%.*s.%s", (int)stem, in, ext) < (int)size ? 0 : -1;
}

/* Writes buf to OUT: through the safe writer (never a symlink followed, never a file
 * overwritten, nothing left behind on failure), or to standard output for "-". */
static int write_output(const char *out_path, const fc_buffer *buf)
{
    fc_error err = {0};
    if (strcmp(out_path, "-") == 0) {
        if (buf->len)
            fwrite(buf->data, 1, buf->len, stdout);
        return cli_output_status("convert", "", EXIT_OK); /* flushed, closed, cause said */
    }
    if (fc_file_write_new(out_path, buf->data, buf->len, &err) != 0)
        return fail("convert", "%s%s", err.msg,
                    err.sys_errno == EEXIST ? " (it exists; remove it or give -o OUT)" : "");
    return EXIT_OK;
}

/* A format that does not keep every double (FC_SUPPORTS_EXACT_DOUBLES unset: cJSON)
 * may change values as it writes them: read buf back and say how many it changed and
 * the first, so that no value is changed without a word. */
static void warn_if_changed(const fc_codec *to, const fc_dataset *d, const fc_buffer *buf)
{
    if (to->supports & FC_SUPPORTS_EXACT_DOUBLES)
        return;
    fc_dataset back = {0};
    fc_error err = {0};
    if (to->decode(buf->data, buf->len, &back, &err) != 0) {
        note("convert", "warning: %s does not keep every double, and its output could not "
                        "be read back to check: %s", to->name, err.msg);
    } else if (fc_dataset_first_difference(d, &back) >= 0 && back.count == d->count) {
        size_t changed = 0, first = SIZE_MAX;
        for (size_t i = 0; i < d->count; i++)
            if (memcmp(&d->values[i], &back.values[i], sizeof(double)) != 0) {
                changed++;
                first = first == SIZE_MAX ? i : first;
            }
        char x[FC_REPR_MAX], y[FC_REPR_MAX];
        fc_format_double(d->values[first], x);
        fc_format_double(back.values[first], y);
        note("convert", "warning: %s changed %zu of %zu value%s as it wrote them (it does not "
                        "keep every double); the first: key %llu, %s -> %s", to->name, changed,
             d->count, plural(d->count), (unsigned long long)d->keys[first], x, y);
    }
    fc_dataset_free(&back);
}

/* Reads IN, encodes it as `to` and writes OUT. */
static int convert(const char *in_path, const char *out_path, const fc_codec *to,
                   const fc_read_options *opt)
{
    fc_dataset d = {0};
    fc_read_info info = {0};
    int rc = read_result_file("convert", in_path, opt, &d, &info);
    fc_buffer buf = {0};
    fc_error err = {0};
    bool to_stdout = strcmp(out_path, "-") == 0;
    if (rc == EXIT_OK && to->encode(&d, &buf, &err) != 0) {
        rc = fail("convert", "encoding %zu record%s as %s: %s", d.count, plural(d.count),
                  to->name, err.msg);
    } else if (rc == EXIT_OK) {
        cli_catch_signals(); /* a signal from here on must not leave OUT or OUT.part */
        rc = write_output(out_path, &buf);
        if (cli_last_check()) {
            if (rc == EXIT_OK && !to_stdout)
                unlink(out_path);
            rc = cli_interrupted("convert", to_stdout ? "the output may be incomplete"
                                                      : "nothing written");
        } else if (rc == EXIT_OK) {
            note("convert", "%s (%s, %zu record%s) -> %s (%s, %zu bytes)",
                 strcmp(in_path, "-") ? in_path : "standard input", info.codec->name, d.count,
                 plural(d.count), to_stdout ? "standard output" : out_path, to->name, buf.len);
            warn_if_changed(to, &d, &buf);
        }
    }
    fc_buffer_free(&buf);
    fc_dataset_free(&d);
    return rc;
}

/* --max-size: a whole number of bytes, at least 1. */
static int parse_max_size(const char *cmd, const char *text, fc_read_options *opt)
{
    return parse_u64(cmd, "--max-size", text, 1, UINT64_MAX, &opt->max_size) == 0 ? 0 : -1;
}

/* What convert's and dump's flags ask for. */
typedef struct convert_request {
    const char *cmd;      /* "convert" or "dump", for messages */
    const fc_codec *to;   /* convert --to */
    const char *out_path; /* convert -o */
    fc_read_options read; /* --from, --max-size */
} convert_request;

/* One flag of convert or dump into the convert_request; 0, or -1 after a usage error. */
static int convert_flag(void *ctx, int id, const char *v)
{
    convert_request *rq = ctx;
    switch (id) {
    case 't': return (rq->to = parse_format(rq->cmd, "--to", v)) ? 0 : -1;
    case 'o': rq->out_path = v; return 0;
    case 'F': return (rq->read.from = parse_format(rq->cmd, "--from", v)) ? 0 : -1;
    case 'M': return parse_max_size(rq->cmd, v, &rq->read);
    }
    return -1;
}

int cmd_convert(int argc, char **argv)
{
    static const cli_flag FLAGS[] = {{"to", 't', true, 't'},        {"output", 'o', true, 'o'},
                                      {"from", 0, true, 'F'},       {"max-size", 0, true, 'M'},
                                      {NULL, 0, false, 0}};
    static const cli_command CONVERT = {"convert", CONVERT_HELP, FLAGS, 1, convert_flag};
    convert_request rq = {.cmd = "convert"};
    int nargs, status = cli_parse(&CONVERT, argc, argv, &rq, &nargs);
    if (status != CLI_GO_ON)
        return status;
    if (nargs == 0)
        return usage_error("convert", "no input file given");
    if (!rq.to)
        return usage_error("convert", "--to FORMAT is required");
    const fc_codec *to = rq.to;
    const char *out_path = rq.out_path;
    fc_read_options ropt = rq.read;
    const char *in_path = argv[1];
    char def[4096];
    if (!out_path && strcmp(in_path, "-") == 0)
        return usage_error("convert", "reading standard input: give -o OUT (- for standard "
                                      "output)");
    if (!out_path) {
        if (default_output(in_path, to->extension, def, sizeof def) != 0)
            return fail("convert", "%s: path too long", in_path);
        out_path = def;
    }
    return convert(in_path, out_path, to, &ropt);
}

int cmd_dump(int argc, char **argv)
{
    static const cli_flag FLAGS[] = {{"from", 0, true, 'F'}, {"max-size", 0, true, 'M'},
                                      {NULL, 0, false, 0}};
    static const cli_command DUMP = {"dump", DUMP_HELP, FLAGS, 1, convert_flag};
    convert_request rq = {.cmd = "dump"};
    int nargs, status = cli_parse(&DUMP, argc, argv, &rq, &nargs);
    if (status != CLI_GO_ON)
        return status;
    if (nargs == 0)
        return usage_error("dump", "no file given");
    fc_read_options ropt = rq.read;
    fc_dataset d = {0};
    int rc = read_result_file("dump", argv[1], &ropt, &d, NULL);
    for (size_t i = 0; rc == EXIT_OK && i < d.count; i++) {
        char num[FC_REPR_MAX];
        fc_format_double(d.values[i], num);
        printf("%llu %s\n", (unsigned long long)d.keys[i], num);
    }
    fc_dataset_free(&d);
    return rc; /* main() checks that stdout was written */
}
