/* compare.h - what `forkcollect compare` measures, shared by the measuring
 * (compare.c) and the reporting (report.c). */
#ifndef FC_COMPARE_H
#define FC_COMPARE_H

#include "cli.h"

/* A sample set: R values, summarised as median, min, max. */
typedef struct stat3 {
    double median, min, max;
} stat3;

/* The values a round trip changed, for a codec that may lose bits (one without
 * FC_SUPPORTS_EXACT_DOUBLES): how many, by how many ulps, and the first. */
typedef struct value_loss {
    size_t compared;           /* records whose keys came back the same */
    size_t changed;            /* ... whose value bits did not */
    uint64_t max_ulps;         /* the largest distance among them */
    long first;                /* the first changed record, or -1 */
    double before, after;      /* its value, and what came back */
} value_loss;

/* Fills l from a round trip: 0, or -1 when keys or counts differ (not a value loss). */
int loss_measure(const fc_dataset *orig, const fc_dataset *back, value_loss *l);
/* "18% of values 1 ulp off (18,012 of 100,000)"; "" when nothing changed. */
const char *loss_summary(const value_loss *l, char *buf, size_t size);
/* "key 13: 490.75311355586604 -> 490.753113555866 (1 ulp)" for the first change. */
const char *loss_first(const value_loss *l, const fc_dataset *orig, char *buf, size_t size);

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
    value_loss loss;           /* a codec that may lose bits: what it lost (exact false) */
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

enum output_kind { OUTPUT_TABLE, OUTPUT_CSV, OUTPUT_JSON, OUTPUT_MARKDOWN, OUTPUT_HTML };

void report_write(FILE *f, const compare_report *r, enum output_kind kind, bool color);
/* The SVG chart, printed to f (compare renders it in memory, then writes the file). */
void report_svg(FILE *f, const compare_report *r);
/* The whole report as one self-contained HTML page (report_html.c). */
void report_html(FILE *f, const compare_report *r);
/* s with & < > " ' as character references, fit for HTML and SVG text and attributes. */
void report_escape(FILE *f, const char *s);
/* "msgpack-c 4.0.0, ..., zlib 1.2.13": the libraries of the formats built, in buf. */
const char *library_line(char *buf, size_t size);

#endif
