/* report.c - compare's results as a table, CSV, JSON, Markdown, and an SVG chart,
 * each written from the compare_result alone. */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include "fc_shapes.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

const char *report_data_label(const compare_result *r, char *buf, size_t size)
{
    if (r->input[0])
        snprintf(buf, size, "records 0..%llu of %s (your data)",
                 (unsigned long long)(r->count - 1), r->input);
    else if (r->shape)
        snprintf(buf, size, "%s records 1..%llu", fc_shape_name((enum fc_shape)r->shape),
                 (unsigned long long)r->count);
    else
        snprintf(buf, size, "keys 1..%llu, %llu iteration%s each", (unsigned long long)r->count,
                 (unsigned long long)r->iterations, r->iterations == 1 ? "" : "s");
    return buf;
}

const char *library_line(char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; fc_codec_at(i); i++) {
        const fc_codec *c = fc_codec_at(i);
        if (c->supports & FC_SUPPORTS_BUILTIN)
            continue;
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, "%s%s %s", n ? ", " : "", c->library, c->library_version());
    }
    size_t n = strlen(buf);
    snprintf(buf + n, size - n, ", zlib %s", zlibVersion());
    return buf;
}

/* The exact column: "yes", "no: 18% of values 1 ulp off (18,012 of 100,000)", "NO". */
static const char *exact_text(const format_result *fr, char *buf, size_t size)
{
    char lost[160];
    if (fr->exact)
        return "yes";
    if (fr->failure[0] || !fr->loss.changed)
        return "NO";
    snprintf(buf, size, "no: %s", loss_summary(&fr->loss, lost, sizeof lost));
    return buf;
}

/* The index of the best format for a column (smallest value), or -1. */
static int best(const compare_result *r, double (*get)(const format_result *))
{
    int b = -1;
    for (int f = 0; f < r->nformats; f++) {
        if (r->formats[f].failure[0])
            continue;
        if (b < 0 || get(&r->formats[f]) < get(&r->formats[b]))
            b = f;
    }
    return b;
}

static double get_bytes(const format_result *f) { return (double)f->bytes; }
static double get_deflated(const format_result *f) { return (double)f->deflated; }
static double get_wall(const format_result *f) { return f->wall.median; }
static double get_e2e_enc(const format_result *f) { return f->e2e_encode.median; }
static double get_e2e_dec(const format_result *f) { return f->e2e_decode.median; }
static double get_alone_enc(const format_result *f) { return f->alone_encode.median; }
static double get_alone_dec(const format_result *f) { return f->alone_decode.median; }

/* Whether some format was timed without its verification too (FlatBuffers): the
 * "decode unverified" column is printed only then, "-" for the others. */
static bool any_unverified(const compare_result *r)
{
    for (int f = 0; f < r->nformats; f++)
        if (r->formats[f].alone_decode_unverified.median > 0)
            return true;
    return false;
}

#define UNVERIFIED_NOTE                                                                  \
    "decode unverified: the same decode without the format's verification of untrusted " \
    "bytes (FlatBuffers' Verifier), on bytes compare encoded itself; every file read "   \
    "goes through the verified decode."

/* "12.3 [11.9-13.0]" with a precision that suits the size. */
static const char *fmt_stat(stats s, double scale, char *buf, size_t size)
{
    double m = s.median / scale, lo = s.min / scale, hi = s.max / scale;
    int p = m < 10 ? 2 : m < 100 ? 1 : 0;
    snprintf(buf, size, "%.*f [%.*f-%.*f]", p, m, p, lo, p, hi);
    return buf;
}

/* One table cell: text, a '*' right after it when it is the column's best (bold on a
 * terminal), padded to width so the columns line up whatever the escapes. */
static void cell(FILE *o, const char *text, bool is_best, int width, bool right, bool color)
{
    int len = (int)strlen(text) + (is_best ? 1 : 0), pad = width > len ? width - len : 0;
    if (right)
        fprintf(o, "%*s", pad, "");
    fprintf(o, "%s%s%s%s", is_best && color ? "\033[1m" : "", text, is_best ? "*" : "",
            is_best && color ? "\033[0m" : "");
    if (!right)
        fprintf(o, "%*s", pad, "");
    fputc(' ', o);
}

static void write_table(FILE *o, const compare_result *r, bool color)
{
    int b_bytes = best(r, get_bytes), b_defl = best(r, get_deflated), b_wall = best(r, get_wall),
        b_ee = best(r, get_e2e_enc), b_ed = best(r, get_e2e_dec), b_ie = best(r, get_alone_enc),
        b_id = best(r, get_alone_dec);
    char s[64], libs[256];
    char data[512];
    fprintf(o, "forkcollect compare: %s, %u worker%s; "
               "median [min-max] of %u round%s after %u warm-up, formats interleaved\n\n",
            report_data_label(r, data, sizeof data), r->workers, plural(r->workers), r->repeat,
            plural(r->repeat), r->warmup);
    fprintf(o, "End to end: the exercise through fork, %s and the engine\n",
            r->transport && strcmp(r->transport, "pipe") == 0 ? "pipes" : "result files");
    fprintf(o, "%-11s %11s %9s %11s %-20s %-20s %-20s %s\n", "format", "file bytes", "B/record",
            "deflated", "wall time, ms", "encode, ns/record", "decode, ns/record", "exact");
    for (int f = 0; f < r->nformats; f++) {
        const format_result *fr = &r->formats[f];
        if (fr->failure[0] && fr->wall.median == 0) {
            fprintf(o, "%-11s FAILED: %s\n", fr->codec->name, fr->failure);
            continue;
        }
        cell(o, fr->codec->name, false, 11, false, color);
        snprintf(s, sizeof s, "%llu", (unsigned long long)fr->bytes);
        cell(o, s, f == b_bytes, 11, true, color);
        snprintf(s, sizeof s, "%.1f", (double)fr->bytes / (double)r->count);
        cell(o, s, f == b_bytes, 9, true, color);
        snprintf(s, sizeof s, "%llu", (unsigned long long)fr->deflated);
        cell(o, s, f == b_defl, 11, true, color);
        cell(o, fmt_stat(fr->wall, 1e6, s, sizeof s), f == b_wall, 20, false, color);
        cell(o, fmt_stat(fr->e2e_encode, 1, s, sizeof s), f == b_ee, 20, false, color);
        cell(o, fmt_stat(fr->e2e_decode, 1, s, sizeof s), f == b_ed, 20, false, color);
        char ex[200];
        fprintf(o, "%s\n", exact_text(fr, ex, sizeof ex));
    }
    fprintf(o, "\nThe codec alone: all %llu records encoded and decoded in one process, "
               "each sample >= 10 ms\n",
            (unsigned long long)r->count);
    bool unv = any_unverified(r);
    fprintf(o, "%-11s %-20s %-20s ", "format", "encode, ns/record", "decode, ns/record");
    fprintf(o, unv ? "%-29s %s\n" : "%.0s%s\n", "decode unverified, ns/record", "library");
    for (int f = 0; f < r->nformats; f++) {
        const format_result *fr = &r->formats[f];
        if (fr->failure[0] && fr->alone_encode.median == 0)
            continue;
        cell(o, fr->codec->name, false, 11, false, color);
        cell(o, fmt_stat(fr->alone_encode, 1, s, sizeof s), f == b_ie, 20, false, color);
        cell(o, fmt_stat(fr->alone_decode, 1, s, sizeof s), f == b_id, 20, false, color);
        if (unv)
            cell(o, fr->alone_decode_unverified.median > 0
                        ? fmt_stat(fr->alone_decode_unverified, 1, s, sizeof s) : "-",
                 false, 29, false, color);
        fprintf(o, "%s %s\n", fr->codec->library, fr->codec->library_version());
    }
    fprintf(o, "\n* best in its column. Sizes are per run (all children's files); deflated "
               "is zlib level 6, file by file.\n");
    if (unv)
        fprintf(o, "%s\n", UNVERIFIED_NOTE);
    fprintf(o, "Machine: %s, %ld CPUs, %s; built with %s (%s, %s); %s\n", r->cpu, r->cpus,
            r->kernel, FC_COMPILER, FC_BUILD_TYPE, FC_CFLAGS, r->date);
    fprintf(o, "Libraries: %s. Reference values: %.1f ms serial. Peak RSS: parent %ld KiB, "
               "largest child %ld KiB.\n",
            library_line(libs, sizeof libs), r->calc_ns / 1e6, r->parent_rss_kib,
            r->children_rss_kib);
}

static void csv_stat(FILE *o, stats s, double scale)
{
    fprintf(o, ",%.6g,%.6g,%.6g", s.median / scale, s.min / scale, s.max / scale);
}

/* CSV fields are quoted when they hold a comma or a quote. */
static void csv_text(FILE *o, const char *s)
{
    fputc(',', o);
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, o);
        return;
    }
    fputc('"', o);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', o);
        fputc(*s, o);
    }
    fputc('"', o);
}

static void write_csv(FILE *o, const compare_result *r, bool color)
{
    (void)color; /* the table's only */
    fprintf(o, "format,library,version,bytes,bytes_per_record,deflated_bytes,"
               "wall_ms_median,wall_ms_min,wall_ms_max,"
               "e2e_encode_ns_median,e2e_encode_ns_min,e2e_encode_ns_max,"
               "e2e_decode_ns_median,e2e_decode_ns_min,e2e_decode_ns_max,"
               "codec_encode_ns_median,codec_encode_ns_min,codec_encode_ns_max,"
               "codec_decode_ns_median,codec_decode_ns_min,codec_decode_ns_max,exact,"
               "count,iterations,workers,repeat,warmup,cpu,cpus,kernel,compiler,cflags,date,"
               "codec_decode_unverified_ns_median,codec_decode_unverified_ns_min,"
               "codec_decode_unverified_ns_max\n");
    for (int f = 0; f < r->nformats; f++) {
        const format_result *fr = &r->formats[f];
        fprintf(o, "%s", fr->codec->name);
        csv_text(o, fr->codec->library);
        csv_text(o, fr->codec->library_version());
        fprintf(o, ",%llu,%.4g,%llu", (unsigned long long)fr->bytes,
                (double)fr->bytes / (double)r->count, (unsigned long long)fr->deflated);
        csv_stat(o, fr->wall, 1e6);
        csv_stat(o, fr->e2e_encode, 1);
        csv_stat(o, fr->e2e_decode, 1);
        csv_stat(o, fr->alone_encode, 1);
        csv_stat(o, fr->alone_decode, 1);
        fprintf(o, ",%s,%llu,%llu,%u,%u,%u", fr->exact ? "true" : "false",
                (unsigned long long)r->count, (unsigned long long)r->iterations, r->workers,
                r->repeat, r->warmup);
        csv_text(o, r->cpu);
        fprintf(o, ",%ld", r->cpus);
        csv_text(o, r->kernel);
        csv_text(o, FC_COMPILER);
        csv_text(o, FC_CFLAGS);
        csv_text(o, r->date);
        if (fr->alone_decode_unverified.median > 0) /* empty fields for the others */
            csv_stat(o, fr->alone_decode_unverified, 1);
        else
            fputs(",,,", o);
        fputc('\n', o);
    }
}

/* A measured figure with all its bits, in Python's repr digits. cJSON prints %1.15g
 * whenever that reads back within a relative DBL_EPSILON, which changes the last bits
 * of some figures (21.963724999999997 came out as 21.963725). */
static void json_figure(cJSON *o, const char *name, double v)
{
    char digits[FC_REPR_MAX];
    if (!isfinite(v)) {
        cJSON_AddNullToObject(o, name); /* as cJSON writes it: JSON has no such number */
        return;
    }
    fc_format_double(v, digits);
    cJSON_AddRawToObject(o, name, digits);
}

static cJSON *json_stat(stats s, double scale)
{
    cJSON *o = cJSON_CreateObject();
    json_figure(o, "median", s.median / scale);
    json_figure(o, "min", s.min / scale);
    json_figure(o, "max", s.max / scale);
    return o;
}

static void write_json(FILE *o, const compare_result *r, bool color)
{
    (void)color; /* the table's only */
    char libs[256];
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "schema_version", 1); /* docs/compare-output.schema.json */
    cJSON *p = cJSON_AddObjectToObject(root, "parameters");
    cJSON_AddNumberToObject(p, "count", (double)r->count);
    cJSON_AddNumberToObject(p, "iterations", (double)r->iterations);
    cJSON_AddNumberToObject(p, "workers", r->workers);
    cJSON_AddNumberToObject(p, "repeat", r->repeat);
    cJSON_AddNumberToObject(p, "warmup", r->warmup);
    cJSON_AddStringToObject(p, "shape", fc_shape_name((enum fc_shape)r->shape));
    if (r->input[0])
        cJSON_AddStringToObject(p, "input", r->input);
    cJSON *m = cJSON_AddObjectToObject(root, "machine");
    cJSON_AddStringToObject(m, "cpu", r->cpu);
    cJSON_AddNumberToObject(m, "cpus", (double)r->cpus);
    cJSON_AddStringToObject(m, "kernel", r->kernel);
    cJSON_AddStringToObject(m, "compiler", FC_COMPILER);
    cJSON_AddStringToObject(m, "build_type", FC_BUILD_TYPE);
    cJSON_AddStringToObject(m, "cflags", FC_CFLAGS);
    cJSON_AddStringToObject(m, "date", r->date);
    cJSON_AddStringToObject(root, "libraries", library_line(libs, sizeof libs));
    json_figure(root, "reference_calc_ms", r->calc_ns / 1e6);
    cJSON_AddNumberToObject(root, "peak_rss_parent_kib", (double)r->parent_rss_kib);
    cJSON_AddNumberToObject(root, "peak_rss_largest_child_kib", (double)r->children_rss_kib);
    cJSON *arr = cJSON_AddArrayToObject(root, "formats");
    for (int f = 0; f < r->nformats; f++) {
        const format_result *fr = &r->formats[f];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "format", fr->codec->name);
        cJSON_AddStringToObject(x, "library", fr->codec->library);
        cJSON_AddStringToObject(x, "version", fr->codec->library_version());
        cJSON_AddNumberToObject(x, "bytes", (double)fr->bytes);
        json_figure(x, "bytes_per_record", (double)fr->bytes / (double)r->count);
        cJSON_AddNumberToObject(x, "deflated_bytes", (double)fr->deflated);
        cJSON *e2e = cJSON_AddObjectToObject(x, "end_to_end");
        cJSON_AddItemToObject(e2e, "wall_ms", json_stat(fr->wall, 1e6));
        cJSON_AddItemToObject(e2e, "encode_ns_per_record", json_stat(fr->e2e_encode, 1));
        cJSON_AddItemToObject(e2e, "decode_ns_per_record", json_stat(fr->e2e_decode, 1));
        cJSON *alone = cJSON_AddObjectToObject(x, "codec_alone");
        cJSON_AddItemToObject(alone, "encode_ns_per_record", json_stat(fr->alone_encode, 1));
        cJSON_AddItemToObject(alone, "decode_ns_per_record", json_stat(fr->alone_decode, 1));
        if (fr->alone_decode_unverified.median > 0)
            cJSON_AddItemToObject(alone, "decode_unverified_ns_per_record",
                                  json_stat(fr->alone_decode_unverified, 1));
        cJSON_AddBoolToObject(x, "exact", fr->exact);
        if (fr->loss.changed) {
            char lost[160];
            cJSON_AddNumberToObject(x, "values_changed", (double)fr->loss.changed);
            cJSON_AddNumberToObject(x, "values_compared", (double)fr->loss.compared);
            cJSON_AddNumberToObject(x, "max_ulps", (double)fr->loss.max_ulps);
            cJSON_AddStringToObject(x, "exact_summary", loss_summary(&fr->loss, lost, sizeof lost));
        }
        if (fr->failure[0])
            cJSON_AddStringToObject(x, "failure", fr->failure);
        cJSON_AddItemToArray(arr, x);
    }
    char *text = cJSON_Print(root);
    if (text)
        fprintf(o, "%s\n", text);
    cJSON_free(text);
    cJSON_Delete(root);
}

static void write_markdown(FILE *o, const compare_result *r, bool color)
{
    (void)color; /* the table's only */
    char s1[64], s2[64], s3[64], s4[64], s5[64], s6[64], libs[256], ex[200];
    bool unv = any_unverified(r);
    fprintf(o, "| format | file bytes | bytes/record | deflated | wall time, ms | encode, ns/record "
               "(end to end) | decode, ns/record (end to end) | encode, ns/record (codec alone) "
               "| decode, ns/record (codec alone) |%s exact |\n",
            unv ? " decode unverified, ns/record (codec alone) |" : "");
    fprintf(o, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |%s --- |\n",
            unv ? " ---: |" : "");
    for (int f = 0; f < r->nformats; f++) {
        const format_result *fr = &r->formats[f];
        snprintf(s6, sizeof s6, " - |");
        if (fr->alone_decode_unverified.median > 0) {
            fmt_stat(fr->alone_decode_unverified, 1, s6 + 1, sizeof s6 - 3);
            strcat(s6, " |");
        }
        fprintf(o, "| %s | %llu | %.1f | %llu | %s | %s | %s | %s | %s |%s %s |\n", fr->codec->name,
                (unsigned long long)fr->bytes, (double)fr->bytes / (double)r->count,
                (unsigned long long)fr->deflated, fmt_stat(fr->wall, 1e6, s1, sizeof s1),
                fmt_stat(fr->e2e_encode, 1, s2, sizeof s2),
                fmt_stat(fr->e2e_decode, 1, s3, sizeof s3),
                fmt_stat(fr->alone_encode, 1, s4, sizeof s4),
                fmt_stat(fr->alone_decode, 1, s5, sizeof s5), unv ? s6 : "",
                fr->exact || fr->loss.changed ? exact_text(fr, ex, sizeof ex) : "**no**");
    }
    char data[512];
    report_data_label(r, data, sizeof data);
    data[0] = (char)toupper((unsigned char)data[0]);
    fprintf(o, "\n%s, %u worker%s; median [min-max] of %u "
               "round%s after %u warm-up, formats interleaved. %s, %ld CPUs, %s; %s, %s (%s); "
               "%s; %s.\n",
            data, r->workers, plural(r->workers), r->repeat, plural(r->repeat),
            r->warmup, r->cpu, r->cpus, r->kernel, FC_COMPILER, FC_BUILD_TYPE, FC_CFLAGS,
            library_line(libs, sizeof libs), r->date);
    if (unv)
        fprintf(o, "\n%s\n", UNVERIFIED_NOTE);
}

/* The output kinds, in enum output_kind's order. */
static const struct {
    const char *name;
    void (*write)(FILE *o, const compare_result *r, bool color);
} KINDS[OUTPUT_KINDS] = {
    {"table", write_table},
    {"csv", write_csv},
    {"json", write_json},
    {"markdown", write_markdown},
    {"html", write_html},
};

int report_kind(const char *name, enum output_kind *kind)
{
    for (int i = 0; i < OUTPUT_KINDS; i++)
        if (strcasecmp(name, KINDS[i].name) == 0) {
            *kind = (enum output_kind)i;
            return 0;
        }
    return -1;
}

const char *report_kind_names(char *buf, size_t size)
{
    buf[0] = '\0';
    for (int i = 0; i < OUTPUT_KINDS; i++) {
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, "%s%s", i == 0 ? "" : i + 1 == OUTPUT_KINDS ? " or " : ", ",
                 KINDS[i].name);
    }
    return buf;
}

void report_write(FILE *f, const compare_result *r, enum output_kind kind, bool color)
{
    KINDS[kind].write(f, r, color);
}

/* ==== The chart ==== */

static const char *COLORS[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                               "#edc948", "#b07aa1", "#ff9da7"};

/* The chart's rows: one per format, row pixels high, from y = top. */
enum { SVG_ROW = 44, SVG_TOP = 70 };

/* Left panel: bytes per record, on a linear scale. */
static void svg_sizes(FILE *o, const compare_result *r)
{
    int n = r->nformats, row = SVG_ROW, top = SVG_TOP, x0 = 90, pw = 330;
    double maxb = 1;
    for (int f = 0; f < n; f++)
        maxb = fmax(maxb, (double)r->formats[f].bytes / (double)r->count);
    maxb = ceil(maxb / 5) * 5;
    fprintf(o, "<text x=\"%d\" y=\"52\" text-anchor=\"middle\" font-weight=\"bold\">Size of "
               "the result files</text>\n", x0 + pw / 2);
    for (int t = 0; t <= 5; t++) {
        double v = maxb * t / 5;
        int x = x0 + (int)(pw * t / 5);
        fprintf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                   "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%.0f</text>\n",
                x, top - 6, x, top + n * row, x, top + n * row + 18, v);
    }
    fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">bytes per record</text>\n",
            x0 + pw / 2, top + n * row + 40);
    for (int f = 0; f < n; f++) {
        const format_result *fr = &r->formats[f];
        double v = (double)fr->bytes / (double)r->count;
        int y = top + f * row + 8;
        fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n"
                   "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"24\" fill=\"%s\"/>"
                   "<text x=\"%d\" y=\"%d\" fill=\"#222\">%.1f</text>\n",
                x0 - 8, y + 17, fr->codec->name, x0, y, (int)(pw * v / maxb), COLORS[f % 8],
                x0 + (int)(pw * v / maxb) + 4, y + 17, v);
    }
}

/* The speed panel's scale: powers of ten from 10^lo to 10^hi ns around every median. */
static void svg_speed_scale(const compare_result *r, double *lo, double *hi)
{
    bool any = false;
    *lo = 0;
    *hi = 1;
    for (int f = 0; f < r->nformats; f++) {
        const format_result *fr = &r->formats[f];
        double a = fr->alone_encode.median, b = fr->alone_decode.median;
        if (a <= 0 || b <= 0)
            continue;
        double l = floor(log10(fmin(a, b))), u = ceil(log10(fmax(a, b)));
        *lo = any ? fmin(*lo, l) : l;
        *hi = any ? fmax(*hi, u) : u;
        any = true;
    }
    if (*hi <= *lo)
        *hi = *lo + 1;
}

/* Right panel: encode and decode ns per record, codec alone, on a log scale (the
 * formats differ by three orders of magnitude). */
static void svg_speeds(FILE *o, const compare_result *r)
{
    int n = r->nformats, row = SVG_ROW, top = SVG_TOP;
    int x1 = 560, sw = 300; /* room on the right for the longest label */
    double lo, hi;
    svg_speed_scale(r, &lo, &hi);
    fprintf(o, "<text x=\"%d\" y=\"52\" text-anchor=\"middle\" font-weight=\"bold\">Speed of "
               "the codec alone</text>\n", x1 + sw / 2);
    for (double e = lo; e <= hi; e++) {
        int x = x1 + (int)(sw * (e - lo) / (hi - lo));
        fprintf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                   "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%g</text>\n",
                x, top - 6, x, top + n * row, x, top + n * row + 18, pow(10, e));
    }
    fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">ns per record (log scale; "
               "shorter is faster)</text>\n", x1 + sw / 2, top + n * row + 40);
    for (int f = 0; f < n; f++) {
        const format_result *fr = &r->formats[f];
        int y = top + f * row + 4;
        fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", x1 - 8, y + 21,
                fr->codec->name);
        double vals[2] = {fr->alone_encode.median, fr->alone_decode.median};
        const char *what[2] = {"encode", "decode"};
        for (int k = 0; k < 2; k++) {
            if (vals[k] <= 0)
                continue;
            int len = (int)(sw * (log10(vals[k]) - lo) / (hi - lo));
            if (len < 2)
                len = 2;
            fprintf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"15\" fill=\"%s\"/>"
                       "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#222\">%s %.3g</text>\n",
                    x1, y + k * 17, len, k ? "#f28e2b" : "#4e79a7", x1 + len + 4,
                    y + k * 17 + 12, what[k], vals[k]);
        }
    }
}

/* The size panel and the speed panel, printed to o, which is memory: compare writes
 * the file with write_rendered_file. */
void report_svg(FILE *o, const compare_result *r)
{
    int h = SVG_TOP + r->nformats * SVG_ROW + 70, w = 960;
    fprintf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "font-family=\"sans-serif\" font-size=\"13\">\n"
               "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
               "<text x=\"%d\" y=\"24\" font-size=\"16\" text-anchor=\"middle\">forkcollect "
               "compare: ",
            w, h, w / 2);
    char data[512];
    report_escape(o, report_data_label(r, data, sizeof data)); /* a file name may hold & or < */
    fprintf(o, ", %u workers (%s)</text>\n", r->workers, r->date);
    svg_sizes(o, r);
    svg_speeds(o, r);
    fprintf(o, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#555\">", 20, h - 8);
    report_escape(o, r->cpu); /* the machine's text: it may hold & or < */
    fprintf(o, ", %ld CPUs; medians of %u rounds</text>\n</svg>\n", r->cpus, r->repeat);
}
