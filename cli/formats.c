/* formats.c - `forkcollect formats`: the backends and the libraries behind them. */
#include "cli.h"

#include <string.h>

int cmd_formats(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        puts("usage: forkcollect formats\n\n"
             "Lists every format forkcollect can write and read: its name (for --format),\n"
             "its file extension, and the library and version that implement it.");
        return EXIT_OK;
    }
    if (argc > 1)
        return usage_error("formats", "unexpected argument '%s'", argv[1]);
    printf("%-10s %-9s %-12s %s\n", "FORMAT", "EXTENSION", "LIBRARY", "VERSION");
    for (size_t i = 0; fc_codec_at(i); i++) {
        const fc_codec *c = fc_codec_at(i);
        printf("%-10s %-9s %-12s %s\n", c->name, c->extension, c->library,
               c->library_version());
    }
    return EXIT_OK;
}
