/* report.h - compare's outputs, each written from a compare_result only. */
#ifndef FC_REPORT_H
#define FC_REPORT_H

#include "compare_result.h"

/* The output kinds of --output, in the order their names are listed. A new kind is
 * one value here, one row in report.c's table (its name and its writer). */
enum output_kind {
    OUTPUT_TABLE, OUTPUT_CSV, OUTPUT_JSON, OUTPUT_MARKDOWN, OUTPUT_HTML, OUTPUT_KINDS
};

/* The kind named name (any case): 0, or -1 when none is. */
int report_kind(const char *name, enum output_kind *kind);
/* "table, csv, json, markdown or html": the kinds, for messages. */
const char *report_kind_names(char *buf, size_t size);
/* Writes r to f as kind; color: bold for the best in a column (the table only). */
void report_write(FILE *f, const compare_result *r, enum output_kind kind, bool color);
/* The SVG chart, printed to f (compare renders it in memory, then writes the file). */
void report_svg(FILE *f, const compare_result *r);
/* The whole report as one self-contained HTML page (report_html.c); color is unused. */
void write_html(FILE *f, const compare_result *r, bool color);
/* s with & < > " ' as character references, fit for HTML and SVG text and attributes. */
void report_escape(FILE *f, const char *s);
/* What was compared, for titles: "keys 1..N, I iterations each", "log records 1..N",
 * or "records 0..N-1 of FILE (your data)"; returns buf. */
const char *report_data_label(const compare_result *r, char *buf, size_t size);
/* "msgpack-c 4.0.0, ..., zlib 1.2.13": the libraries of the formats built, in buf. */
const char *library_line(char *buf, size_t size);

#endif
