/* report.c - compare's results as a table, CSV, JSON, Markdown, and an SVG chart. */
#define _POSIX_C_SOURCE 200809L
#include "compare.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>
#include <zlib.h>

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

/* ==== Values a codec changed ==== */

/* A double's place on the number line, as an integer: adjacent doubles differ by 1. */
static int64_t ordinal(double d)
{
    int64_t b;
    memcpy(&b, &d, sizeof b);
    return b < 0 ? INT64_MIN - b : b;
}

static uint64_t ulps_between(double a, double b)
{
    int64_t x = ordinal(a), y = ordinal(b);
    return x > y ? (uint64_t)x - (uint64_t)y : (uint64_t)y - (uint64_t)x;
}

int loss_measure(const fc_dataset *orig, const fc_dataset *back, value_loss *l)
{
    *l = (value_loss){.first = -1};
    if (orig->count != back->count)
        return -1;
    for (size_t i = 0; i < orig->count; i++) {
        if (orig->keys[i] != back->keys[i])
            return -1;
        double a = orig->values[i], b = back->values[i];
        l->compared++;
        if (memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b)))
            continue;
        uint64_t u = isnan(a) || isnan(b) ? UINT64_MAX : ulps_between(a, b);
        if (l->changed++ == 0) {
            l->first = (long)i;
            l->before = a;
            l->after = b;
        }
        l->max_ulps = u > l->max_ulps ? u : l->max_ulps;
    }
    return 0;
}

/* 18012 as "18,012". */
static const char *grouped(size_t v, char *buf)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%zu", v), o = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
    return buf;
}

static void ulps_text(uint64_t u, char *buf, size_t size)
{
    if (u == UINT64_MAX)
        snprintf(buf, size, "NaN");
    else
        snprintf(buf, size, "%llu ulp%s", (unsigned long long)u, u == 1 ? "" : "s");
}

const char *loss_summary(const value_loss *l, char *buf, size_t size)
{
    char a[40], b[40], u[32];
    buf[0] = '\0';
    if (!l->changed)
        return buf;
    double pct = 100.0 * (double)l->changed / (double)l->compared;
    ulps_text(l->max_ulps, u, sizeof u);
    snprintf(buf, size, "%.*f%% of values %s%s off (%s of %s)", pct < 1 ? 2 : 0, pct,
             l->max_ulps == 1 ? "" : "up to ", u, grouped(l->changed, a),
             grouped(l->compared, b));
    return buf;
}

const char *loss_first(const value_loss *l, const fc_dataset *orig, char *buf, size_t size)
{
    char x[FC_REPR_MAX], y[FC_REPR_MAX], u[32];
    buf[0] = '\0';
    if (l->first < 0)
        return buf;
    fc_format_double(l->before, x);
    fc_format_double(l->after, y);
    ulps_text(isnan(l->before) || isnan(l->after) ? UINT64_MAX
                                                  : ulps_between(l->before, l->after),
              u, sizeof u);
    snprintf(buf, size, "key %llu: %s -> %s (%s)", (unsigned long long)orig->keys[l->first], x,
             y, u);
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
static int best(const compare_report *r, double (*get)(const format_result *))
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
static double get_iso_enc(const format_result *f) { return f->iso_encode.median; }
static double get_iso_dec(const format_result *f) { return f->iso_decode.median; }

/* "12.3 [11.9-13.0]" with a precision that suits the size. */
static const char *fmt_stat(stat3 s, double scale, char *buf, size_t size)
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

static void write_table(FILE *o, const compare_report *r, bool color)
{
    int b_bytes = best(r, get_bytes), b_defl = best(r, get_deflated), b_wall = best(r, get_wall),
        b_ee = best(r, get_e2e_enc), b_ed = best(r, get_e2e_dec), b_ie = best(r, get_iso_enc),
        b_id = best(r, get_iso_dec);
    char s[64], libs[256];
    fprintf(o, "forkcollect compare: keys 1..%llu, %llu iteration%s each, %u worker%s; "
               "median [min-max] of %u round%s after %u warm-up, formats interleaved\n\n",
            (unsigned long long)r->count, (unsigned long long)r->iterations,
            plural(r->iterations), r->workers, plural(r->workers), r->repeat, plural(r->repeat),
            r->warmup);
    fprintf(o, "End to end: the exercise through fork, result files and the engine\n");
    fprintf(o, "%-9s %11s %9s %11s %-20s %-20s %-20s %s\n", "format", "file bytes", "B/record",
            "deflated", "wall time, ms", "encode, ns/record", "decode, ns/record", "exact");
    for (int f = 0; f < r->nformats; f++) {
        const format_result *fr = &r->formats[f];
        if (fr->failure[0] && fr->wall.median == 0) {
            fprintf(o, "%-9s FAILED: %s\n", fr->codec->name, fr->failure);
            continue;
        }
        cell(o, fr->codec->name, false, 9, false, color);
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
    fprintf(o, "%-9s %-20s %-20s %s\n", "format", "encode, ns/record", "decode, ns/record",
            "library");
    for (int f = 0; f < r->nformats; f++) {
        const format_result *fr = &r->formats[f];
        if (fr->failure[0] && fr->iso_encode.median == 0)
            continue;
        cell(o, fr->codec->name, false, 9, false, color);
        cell(o, fmt_stat(fr->iso_encode, 1, s, sizeof s), f == b_ie, 20, false, color);
        cell(o, fmt_stat(fr->iso_decode, 1, s, sizeof s), f == b_id, 20, false, color);
        fprintf(o, "%s %s\n", fr->codec->library, fr->codec->library_version());
    }
    fprintf(o, "\n* best in its column. Sizes are per run (all children's files); deflated "
               "is zlib level 6, file by file.\n");
    fprintf(o, "Machine: %s, %ld CPUs, %s; built with %s (%s, %s); %s\n", r->cpu, r->cpus,
            r->kernel, FC_COMPILER, FC_BUILD_TYPE, FC_CFLAGS, r->date);
    fprintf(o, "Libraries: %s. Reference values: %.1f ms serial. Peak RSS: parent %ld KiB, "
               "largest child %ld KiB.\n",
            library_line(libs, sizeof libs), r->calc_ns / 1e6, r->parent_rss_kib,
            r->children_rss_kib);
}

static void csv_stat(FILE *o, stat3 s, double scale)
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

static void write_csv(FILE *o, const compare_report *r)
{
    fprintf(o, "format,library,version,bytes,bytes_per_record,deflated_bytes,"
               "wall_ms_median,wall_ms_min,wall_ms_max,"
               "e2e_encode_ns_median,e2e_encode_ns_min,e2e_encode_ns_max,"
               "e2e_decode_ns_median,e2e_decode_ns_min,e2e_decode_ns_max,"
               "codec_encode_ns_median,codec_encode_ns_min,codec_encode_ns_max,"
               "codec_decode_ns_median,codec_decode_ns_min,codec_decode_ns_max,exact,"
               "count,iterations,workers,repeat,warmup,cpu,cpus,kernel,compiler,cflags,date\n");
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
        csv_stat(o, fr->iso_encode, 1);
        csv_stat(o, fr->iso_decode, 1);
        fprintf(o, ",%s,%llu,%llu,%u,%u,%u", fr->exact ? "true" : "false",
                (unsigned long long)r->count, (unsigned long long)r->iterations, r->workers,
                r->repeat, r->warmup);
        csv_text(o, r->cpu);
        fprintf(o, ",%ld", r->cpus);
        csv_text(o, r->kernel);
        csv_text(o, FC_COMPILER);
        csv_text(o, FC_CFLAGS);
        csv_text(o, r->date);
        fputc('\n', o);
    }
}

static cJSON *json_stat(stat3 s, double scale)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "median", s.median / scale);
    cJSON_AddNumberToObject(o, "min", s.min / scale);
    cJSON_AddNumberToObject(o, "max", s.max / scale);
    return o;
}

static void write_json(FILE *o, const compare_report *r)
{
    char libs[256];
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "schema_version", 1); /* docs/compare-output.schema.json */
    cJSON *p = cJSON_AddObjectToObject(root, "parameters");
    cJSON_AddNumberToObject(p, "count", (double)r->count);
    cJSON_AddNumberToObject(p, "iterations", (double)r->iterations);
    cJSON_AddNumberToObject(p, "workers", r->workers);
    cJSON_AddNumberToObject(p, "repeat", r->repeat);
    cJSON_AddNumberToObject(p, "warmup", r->warmup);
    cJSON *m = cJSON_AddObjectToObject(root, "machine");
    cJSON_AddStringToObject(m, "cpu", r->cpu);
    cJSON_AddNumberToObject(m, "cpus", (double)r->cpus);
    cJSON_AddStringToObject(m, "kernel", r->kernel);
    cJSON_AddStringToObject(m, "compiler", FC_COMPILER);
    cJSON_AddStringToObject(m, "build_type", FC_BUILD_TYPE);
    cJSON_AddStringToObject(m, "cflags", FC_CFLAGS);
    cJSON_AddStringToObject(m, "date", r->date);
    cJSON_AddStringToObject(root, "libraries", library_line(libs, sizeof libs));
    cJSON_AddNumberToObject(root, "reference_calc_ms", r->calc_ns / 1e6);
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
        cJSON_AddNumberToObject(x, "bytes_per_record", (double)fr->bytes / (double)r->count);
        cJSON_AddNumberToObject(x, "deflated_bytes", (double)fr->deflated);
        cJSON *e2e = cJSON_AddObjectToObject(x, "end_to_end");
        cJSON_AddItemToObject(e2e, "wall_ms", json_stat(fr->wall, 1e6));
        cJSON_AddItemToObject(e2e, "encode_ns_per_record", json_stat(fr->e2e_encode, 1));
        cJSON_AddItemToObject(e2e, "decode_ns_per_record", json_stat(fr->e2e_decode, 1));
        cJSON *alone = cJSON_AddObjectToObject(x, "codec_alone");
        cJSON_AddItemToObject(alone, "encode_ns_per_record", json_stat(fr->iso_encode, 1));
        cJSON_AddItemToObject(alone, "decode_ns_per_record", json_stat(fr->iso_decode, 1));
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

static void write_markdown(FILE *o, const compare_report *r)
{
    char s1[64], s2[64], s3[64], s4[64], s5[64], libs[256], ex[200];
    fprintf(o, "| format | file bytes | bytes/record | deflated | wall time, ms | encode, ns/record "
               "(end to end) | decode, ns/record (end to end) | encode, ns/record (codec alone) "
               "| decode, ns/record (codec alone) | exact |\n");
    fprintf(o, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    for (int f = 0; f < r->nformats; f++) {
        const format_result *fr = &r->formats[f];
        fprintf(o, "| %s | %llu | %.1f | %llu | %s | %s | %s | %s | %s | %s |\n", fr->codec->name,
                (unsigned long long)fr->bytes, (double)fr->bytes / (double)r->count,
                (unsigned long long)fr->deflated, fmt_stat(fr->wall, 1e6, s1, sizeof s1),
                fmt_stat(fr->e2e_encode, 1, s2, sizeof s2),
                fmt_stat(fr->e2e_decode, 1, s3, sizeof s3),
                fmt_stat(fr->iso_encode, 1, s4, sizeof s4),
                fmt_stat(fr->iso_decode, 1, s5, sizeof s5),
                fr->exact || fr->loss.changed ? exact_text(fr, ex, sizeof ex) : "**no**");
    }
    fprintf(o, "\nKeys 1..%llu, %llu iteration%s each, %u worker%s; median [min-max] of %u "
               "round%s after %u warm-up, formats interleaved. %s, %ld CPUs, %s; %s, %s (%s); "
               "%s; %s.\n",
            (unsigned long long)r->count, (unsigned long long)r->iterations,
            plural(r->iterations), r->workers, plural(r->workers), r->repeat, plural(r->repeat),
            r->warmup, r->cpu, r->cpus, r->kernel, FC_COMPILER, FC_BUILD_TYPE, FC_CFLAGS,
            library_line(libs, sizeof libs), r->date);
}

void report_write(FILE *f, const compare_report *r, enum output_kind kind, bool color)
{
    switch (kind) {
    case OUTPUT_TABLE: write_table(f, r, color); break;
    case OUTPUT_CSV: write_csv(f, r); break;
    case OUTPUT_JSON: write_json(f, r); break;
    case OUTPUT_MARKDOWN: write_markdown(f, r); break;
    case OUTPUT_HTML: report_html(f, r); break;
    }
}

/* ==== The chart ==== */

static const char *COLORS[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                               "#edc948", "#b07aa1", "#ff9da7"};

/* Left panel: bytes per record (linear). Right panel: encode and decode ns per record,
 * codec alone, on a log scale (the formats differ by three orders of magnitude).
 * Printed to o, which is memory: compare writes the file with write_rendered_file. */
void report_svg(FILE *o, const compare_report *r)
{
    int n = r->nformats, row = 44, top = 70, h = top + n * row + 70, w = 960;
    fprintf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "font-family=\"sans-serif\" font-size=\"13\">\n"
               "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
               "<text x=\"%d\" y=\"24\" font-size=\"16\" text-anchor=\"middle\">forkcollect "
               "compare: %llu records, %llu iterations, %u workers (%s)</text>\n",
            w, h, w / 2, (unsigned long long)r->count, (unsigned long long)r->iterations,
            r->workers, r->date);
    /* Size panel. */
    int x0 = 90, pw = 330;
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
    /* Speed panel, log scale from 10^lo to 10^hi ns. */
    int x1 = 560, sw = 300; /* room on the right for the longest label */
    double lo = 0, hi = 1;
    bool any = false;
    for (int f = 0; f < n; f++) {
        const format_result *fr = &r->formats[f];
        double a = fr->iso_encode.median, b = fr->iso_decode.median;
        if (a <= 0 || b <= 0)
            continue;
        double l = floor(log10(fmin(a, b))), u = ceil(log10(fmax(a, b)));
        lo = any ? fmin(lo, l) : l;
        hi = any ? fmax(hi, u) : u;
        any = true;
    }
    if (hi <= lo)
        hi = lo + 1;
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
        double vals[2] = {fr->iso_encode.median, fr->iso_decode.median};
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
    fprintf(o, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#555\">", 20, h - 8);
    report_escape(o, r->cpu); /* the machine's text: it may hold & or < */
    fprintf(o, ", %ld CPUs; medians of %u rounds</text>\n</svg>\n", r->cpus, r->repeat);
}
