/* main.c - the forkcollect command: one subcommand per file. */
#include "cli.h"

#include <cjson/cJSON.h>
#include <string.h>
#include <zlib.h>

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"compare", cmd_compare, "run the exercise through every format and compare the costs"},
    {"run", cmd_run, "run the exercise: fork children, collect their result files"},
    {"scale", cmd_scale, "wall time, speedup and efficiency for each number of workers"},
    {"formats", cmd_formats, "list the formats and the library versions behind them"},
    {"roundtrip", cmd_roundtrip, "check every pair of formats keeps every value bit for bit"},
    {"convert", cmd_convert, "rewrite a result file in another format"},
    {"dump", cmd_dump, "print a result file as 'key value' lines"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: forkcollect COMMAND [OPTIONS]   (forkcollect COMMAND --help for more)\n\n"
               "Runs the fork-and-collect exercise through each format and compares what\n"
               "each costs. Formats: ");
    for (size_t i = 0; fc_codec_at(i); i++)
        fprintf(f, "%s%s", i ? ", " : "", fc_codec_at(i)->name);
    fprintf(f, " (see 'forkcollect formats').\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\noptions:\n"
               "  -V, --version  the version, each format's library and version, the build type\n"
               "  -h, --help     show this help\n");
}

/* --version, -V: the version, how it was built, and each library behind it. */
static void version(void)
{
    printf("forkcollect %s\n", FC_VERSION);
    printf("build type: %s (%s)\n", FC_BUILD_TYPE, FC_COMPILER);
    for (size_t i = 0; fc_codec_at(i); i++) {
        const fc_codec *c = fc_codec_at(i);
        printf("format %s: %s %s\n", c->name, c->library, c->library_version());
    }
    printf("reports: cJSON %s, zlib %s\n", cJSON_Version(), zlibVersion());
}

static int dispatch(int argc, char **argv, const char **name)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        version();
        return EXIT_OK;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            *name = commands[i].name;
            return commands[i].run(argc - 1, argv + 1);
        }
    fprintf(stderr, "forkcollect: unknown command '%s' (see 'forkcollect --help')\n", argv[1]);
    return EXIT_USAGE;
}

int cli_argc;
char **cli_argv;

int main(int argc, char **argv)
{
    cli_argc = argc;
    cli_argv = argv;
    cli_start();
    const char *name = "";
    int rc = dispatch(argc, argv, &name);
    /* Every command's output must have reached stdout ("forkcollect: ..." without one). */
    return cli_output_status(name, "", rc);
}
