/* files.c - `forkcollect convert` and `forkcollect dump`: result files by hand. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

static const char CONVERT_HELP[] =
    "usage: forkcollect convert IN --to FORMAT [-o OUT] [--from FORMAT]\n"
    "\n"
    "Reads the result file IN in any format and writes the same records, in the same\n"
    "order, in FORMAT. The input's format is --from if given, else recognised from\n"
    "its content, else from its extension. OUT defaults to IN with its extension\n"
    "replaced by FORMAT's; an existing file is never overwritten.\n"
    "\n"
    "  -t, --to FORMAT     raw, json, msgpack, protobuf or tpl\n"
    "  -o, --output OUT    where to write\n"
    "      --from FORMAT   the input's format, when it cannot be recognised\n"
    "  -h, --help          show this help\n";

static const char DUMP_HELP[] =
    "usage: forkcollect dump FILE [--from FORMAT]\n"
    "\n"
    "Prints the records of the result file FILE as 'key value' lines, in file order,\n"
    "each value as Python prints a float. The format is --from if given, else\n"
    "recognised from the content, else from the extension.\n"
    "\n"
    "      --from FORMAT   the file's format, when it cannot be recognised\n"
    "  -h, --help          show this help\n";

/* OUT for IN: IN's extension replaced by ext (or ext appended when IN has none). */
static int default_output(const char *in, const char *ext, char *out, size_t size)
{
    const char *slash = strrchr(in, '/'), *dot = strrchr(in, '.');
    size_t stem = dot && (!slash || dot > slash) && dot != in ? (size_t)(dot - in) : strlen(in);
    return snprintf(out, size, "%.*s.%s", (int)stem, in, ext) < (int)size ? 0 : -1;
}

int cmd_convert(int argc, char **argv)
{
    static const struct option opts[] = {
        {"to", required_argument, NULL, 't'},   {"output", required_argument, NULL, 'o'},
        {"from", required_argument, NULL, 'F'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const fc_codec *to = NULL, *from = NULL;
    const char *out_path = NULL;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":t:o:h", opts, NULL)) != -1) {
        switch (opt) {
        case 't':
            if (!(to = parse_format("convert", "--to", optarg)))
                return EXIT_USAGE;
            break;
        case 'F':
            if (!(from = parse_format("convert", "--from", optarg)))
                return EXIT_USAGE;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'h':
            fputs(CONVERT_HELP, stdout);
            return EXIT_OK;
        case ':':
            return usage_error("convert", "%s needs a value", argv[optind - 1]);
        default:
            return usage_error("convert", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error("convert", "no input file given");
    if (optind + 1 < argc)
        return usage_error("convert", "unexpected argument '%s'", argv[optind + 1]);
    if (!to)
        return usage_error("convert", "--to FORMAT is required");
    const char *in_path = argv[optind];
    char def[4096];
    if (!out_path) {
        if (default_output(in_path, to->extension, def, sizeof def) != 0)
            return fail("convert", "%s: path too long", in_path);
        out_path = def;
    }

    fc_dataset d = {0};
    const fc_codec *used = NULL;
    int rc = read_result_file("convert", in_path, from, &d, &used);
    if (rc != EXIT_OK) {
        fc_dataset_free(&d);
        return rc;
    }
    fc_buffer buf = {0};
    fc_error err = {0};
    int written = -1;
    if (to->encode(&d, &buf, &err) != 0) {
        rc = fail("convert", "encoding %zu records as %s: %s", d.count, to->name, err.msg);
    } else {
        cli_catch_signals(); /* a signal from here on must not leave OUT or OUT.part */
        written = fc_file_write_new(out_path, buf.data, buf.len, &err);
    }
    if (cli_last_check()) {
        if (written == 0)
            unlink(out_path);
        rc = cli_interrupted("convert", "nothing written");
    } else if (written < 0 && rc == EXIT_OK) {
        rc = fail("convert", "%s%s", err.msg,
                  err.sys_errno == EEXIST ? " (it exists; remove it or give -o OUT)" : "");
    } else if (written == 0) {
        fprintf(stderr, "forkcollect convert: %s (%s, %zu records) -> %s (%s, %zu bytes)\n",
                in_path, used->name, d.count, out_path, to->name, buf.len);
    }
    fc_buffer_free(&buf);
    fc_dataset_free(&d);
    return rc;
}

int cmd_dump(int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, 'F'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const fc_codec *from = NULL;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (opt) {
        case 'F':
            if (!(from = parse_format("dump", "--from", optarg)))
                return EXIT_USAGE;
            break;
        case 'h':
            fputs(DUMP_HELP, stdout);
            return EXIT_OK;
        case ':':
            return usage_error("dump", "%s needs a value", argv[optind - 1]);
        default:
            return usage_error("dump", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error("dump", "no file given");
    if (optind + 1 < argc)
        return usage_error("dump", "unexpected argument '%s'", argv[optind + 1]);
    fc_dataset d = {0};
    int rc = read_result_file("dump", argv[optind], from, &d, NULL);
    for (size_t i = 0; rc == EXIT_OK && i < d.count; i++) {
        char num[FC_REPR_MAX];
        fc_format_double(d.values[i], num);
        printf("%llu %s\n", (unsigned long long)d.keys[i], num);
    }
    fc_dataset_free(&d);
    return rc; /* main() checks that stdout was written */
}
