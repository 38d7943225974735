/* compare.h - what `forkcollect compare` measures, shared by the measuring
 * (compare.c) and the reporting (report.c). */
#ifndef FC_COMPARE_H
#define FC_COMPARE_H

#include "cli.h"

/* A sample set: R values, summarised as median, min, max. */
typedef struct stat3 {
    double median, min, max;
} stat3;

/* One format's results. Times in nanoseconds. */
typedef struct format_result {
    const fc_codec *codec;
    /* Sizes (the same in every repeat: encodings are deterministic). */
    uint64_t bytes;            /* all result files of one run */
    uint64_t deflated;         /* the same files, each deflated (zlib level 6) */
    /* End to end: the real exercise through the engine. */
    stat3 wall;                /* first fork to last merge */
    stat3 e2e_encode;          /* per record, in the children */
    stat3 e2e_decode;          /* per record, in the parent */
    /* The codec alone: one process, the whole dataset, samples of >= 10 ms. */
    stat3 iso_encode;          /* per record */
    stat3 iso_decode;          /* per record */
    bool exact;                /* every run and every isolated round trip bit for bit */
    char failure[640];         /* why not, or why a run failed */
} format_result;

typedef struct compare_report {
    uint64_t count, iterations;
    unsigned workers, repeat, warmup;
    int nformats;
    format_result formats[16];
    double calc_ns;            /* serial calc of the reference values, once */
    long parent_rss_kib, children_rss_kib;
    /* Reproduction data. */
    char cpu[128];
    long cpus;
    char date[32];
    char kernel[256];
} compare_report;

enum output_kind { OUTPUT_TABLE, OUTPUT_CSV, OUTPUT_JSON, OUTPUT_MARKDOWN };

void report_write(FILE *f, const compare_report *r, enum output_kind kind, bool color);
/* The SVG chart, printed to f (compare renders it in memory, then writes the file). */
void report_svg(FILE *f, const compare_report *r);

#endif
