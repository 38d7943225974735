/* report_html.c - compare's results as one self-contained HTML page: the tables, the
 * chart of --chart, two size-against-speed scatters, the machine and libraries, and
 * the command that reproduces the run. Inline CSS and inline SVG only: no script, no
 * link, nothing fetched (its Content-Security-Policy forbids it too), so the file can
 * be mailed, archived and opened anywhere.
 *
 * Every text that comes from outside (a failure message naming a path, the CPU name)
 * goes through report_escape. Each figure's cell also carries the exact value, as
 * `--output json` prints it (data-median/-min/-max/-value, in Python's repr), so a
 * reader or a test can take the numbers behind the rounded ones. */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

void report_escape(FILE *o, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", o); break;
        case '<': fputs("&lt;", o); break;
        case '>': fputs("&gt;", o); break;
        case '"': fputs("&quot;", o); break;
        case '\'': fputs("&#39;", o); break;
        default: /* control characters are not text, in HTML or in SVG's XML */
            fputc(c < 0x20 && c != '\t' && c != '\n' ? '?' : c == 0x7f ? '?' : c, o);
        }
    }
}

/* ' name="repr(v)"': the exact double, as JSON carries it. */
static void attr_double(FILE *o, const char *name, double v)
{
    char buf[FC_REPR_MAX];
    fc_format_double(v, buf);
    fprintf(o, " %s=\"%s\"", name, buf);
}

/* ==== The tables ==== */

/* A stats column: its heading, its path in the JSON output, where it sits in a
 * format_result, and the unit it is shown in (nanoseconds / scale). */
typedef struct column {
    const char *head;
    const char *key;
    size_t offset;
    double scale;
} column;

static const column END_TO_END[] = {
    {"wall time, ms", "end_to_end.wall_ms", offsetof(format_result, wall), 1e6},
    {"encode, ns/record", "end_to_end.encode_ns_per_record", offsetof(format_result, e2e_encode),
     1},
    {"decode, ns/record", "end_to_end.decode_ns_per_record", offsetof(format_result, e2e_decode),
     1}};
static const column ALONE[] = {
    {"encode, ns/record", "codec_alone.encode_ns_per_record", offsetof(format_result, alone_encode),
     1},
    {"decode, ns/record", "codec_alone.decode_ns_per_record", offsetof(format_result, alone_decode),
     1}};
/* Only for a codec with decode_unverified (FlatBuffers); the column only when one has. */
static const column UNVERIFIED = {"decode unverified, ns/record",
                                  "codec_alone.decode_unverified_ns_per_record",
                                  offsetof(format_result, alone_decode_unverified), 1};

static stats stat_of(const format_result *fr, const column *c)
{
    stats s;
    memcpy(&s, (const char *)fr + c->offset, sizeof s);
    return s;
}

/* The format with the smallest value in a column (a stats column, or the sizes when c is
 * NULL: deflated when `deflated`), among those that did not fail; -1 when none. */
static int best_in(const compare_result *r, const column *c, bool deflated)
{
    int b = -1;
    double bv = 0;
    for (int f = 0; f < r->nformats; f++) {
        const format_result *fr = &r->formats[f];
        double v = c ? stat_of(fr, c).median : (double)(deflated ? fr->deflated : fr->bytes);
        if (!fr->failure[0] && (b < 0 || v < bv)) {
            b = f;
            bv = v;
        }
    }
    return b;
}

/* "12.3 [11.9–13.0]", with the exact values in the cell's attributes. */
static void stat_cell(FILE *o, const format_result *fr, const column *c, bool is_best)
{
    stats s = stat_of(fr, c);
    double m = s.median / c->scale, lo = s.min / c->scale, hi = s.max / c->scale;
    int p = m < 10 ? 2 : m < 100 ? 1 : 0;
    fprintf(o, "<td class=\"num%s\" data-key=\"%s\"", is_best ? " best" : "", c->key);
    attr_double(o, "data-median", m);
    attr_double(o, "data-min", lo);
    attr_double(o, "data-max", hi);
    fprintf(o, ">%.*f <small>[%.*f–%.*f]</small></td>", p, m, p, lo, p, hi);
}

/* Bytes, bytes per record and deflated bytes of one format. */
static void size_cells(FILE *o, const compare_result *r, int f, int b_bytes, int b_defl)
{
    const format_result *fr = &r->formats[f];
    double per = (double)fr->bytes / (double)r->count;
    fprintf(o, "<td class=\"num%s\" data-key=\"bytes\" data-value=\"%llu\">%llu</td>",
            f == b_bytes ? " best" : "", (unsigned long long)fr->bytes,
            (unsigned long long)fr->bytes);
    fprintf(o, "<td class=\"num%s\" data-key=\"bytes_per_record\"", f == b_bytes ? " best" : "");
    attr_double(o, "data-value", per);
    fprintf(o, ">%.1f</td>", per);
    fprintf(o, "<td class=\"num%s\" data-key=\"deflated_bytes\" data-value=\"%llu\">%llu</td>",
            f == b_defl ? " best" : "", (unsigned long long)fr->deflated,
            (unsigned long long)fr->deflated);
}

/* The exact column: "yes", "no: 18% of values 1 ulp off (...)", "NO", or the failure. */
static void exact_cell(FILE *o, const format_result *fr, int span)
{
    char lost[160];
    const char *cls = fr->exact ? "yes" : fr->failure[0] || !fr->loss.changed ? "no" : "lossy";
    fprintf(o, "<td class=\"exact %s\" data-key=\"exact\" data-value=\"%s\"", cls,
            fr->exact ? "true" : "false");
    if (span > 1)
        fprintf(o, " colspan=\"%d\"", span);
    fputc('>', o);
    if (fr->failure[0]) {
        fputs("FAILED: ", o);
        report_escape(o, fr->failure);
    } else if (fr->exact || !fr->loss.changed) {
        fputs(fr->exact ? "yes" : "NO", o);
    } else {
        fputs("no: ", o);
        report_escape(o, loss_summary(&fr->loss, lost, sizeof lost));
    }
    fputs("</td>", o);
}

static void row_head(FILE *o, const format_result *fr)
{
    fputs("<tr data-format=\"", o);
    report_escape(o, fr->codec->name);
    fputs("\"><th scope=\"row\">", o);
    report_escape(o, fr->codec->name);
    fputs("</th>", o);
}

static void table_head(FILE *o, const char *id, const char *const *heads, size_t n)
{
    fprintf(o, "<table id=\"%s\">\n<thead><tr>", id);
    for (size_t i = 0; i < n; i++)
        fprintf(o, "<th scope=\"col\">%s</th>", heads[i]);
    fputs("</tr></thead>\n<tbody>\n", o);
}

static void end_to_end_table(FILE *o, const compare_result *r)
{
    static const char *const heads[] = {"format", "file bytes", "bytes/record", "deflated",
                                        "wall time, ms", "encode, ns/record",
                                        "decode, ns/record", "exact"};
    int b_bytes = best_in(r, NULL, false), b_defl = best_in(r, NULL, true), b[3];
    for (int k = 0; k < 3; k++)
        b[k] = best_in(r, &END_TO_END[k], false);
    fprintf(o, "<h2>End to end</h2>\n<p>The exercise through fork, %s and the engine.</p>\n",
            r->transport && strcmp(r->transport, "pipe") == 0 ? "pipes" : "result files");
    table_head(o, "end-to-end", heads, sizeof heads / sizeof *heads);
    for (int f = 0; f < r->nformats; f++) {
        const format_result *fr = &r->formats[f];
        row_head(o, fr);
        size_cells(o, r, f, b_bytes, b_defl);
        if (!fr->failure[0])
            for (int k = 0; k < 3; k++)
                stat_cell(o, fr, &END_TO_END[k], f == b[k]);
        exact_cell(o, fr, fr->failure[0] ? 4 : 1);
        fputs("</tr>\n", o);
    }
    fputs("</tbody>\n</table>\n", o);
}

static void codec_alone_table(FILE *o, const compare_result *r)
{
    static const char *const heads[] = {"format", "encode, ns/record", "decode, ns/record",
                                        "library"};
    static const char *const heads_unv[] = {"format", "encode, ns/record", "decode, ns/record",
                                            "decode unverified, ns/record", "library"};
    bool unv = false;
    for (int f = 0; f < r->nformats; f++)
        unv = unv || r->formats[f].alone_decode_unverified.median > 0;
    int b[2] = {best_in(r, &ALONE[0], false), best_in(r, &ALONE[1], false)};
    fprintf(o, "<h2>The codec alone</h2>\n<p>All %llu records encoded and decoded in one "
               "process, each sample at least 10 ms.</p>\n",
            (unsigned long long)r->count);
    table_head(o, "codec-alone", unv ? heads_unv : heads, unv ? 5 : 4);
    for (int f = 0; f < r->nformats; f++) {
        const format_result *fr = &r->formats[f];
        row_head(o, fr);
        if (fr->failure[0])
            fprintf(o, "<td colspan=\"%d\" class=\"exact no\">not measured: it failed</td>",
                    unv ? 3 : 2);
        else
            for (int k = 0; k < 2; k++)
                stat_cell(o, fr, &ALONE[k], f == b[k]);
        if (unv && !fr->failure[0] && fr->alone_decode_unverified.median > 0)
            stat_cell(o, fr, &UNVERIFIED, false);
        else if (unv && !fr->failure[0])
            fputs("<td class=\"num\">-</td>", o);
        fputs("<td data-key=\"library\">", o);
        report_escape(o, fr->codec->library);
        fputs(" <span data-key=\"version\">", o);
        report_escape(o, fr->codec->library_version());
        fputs("</span></td></tr>\n", o);
    }
    fputs("</tbody>\n</table>\n<p class=\"note\"><b>Bold</b>: best in its column. Times are "
          "median <small>[min–max]</small>. Sizes are per run (all children's files); "
          "deflated is zlib level 6, file by file.</p>\n",
          o);
    if (unv)
        fputs("<p class=\"note\">Decode unverified: the same decode without the format's "
              "verification of untrusted bytes (FlatBuffers' Verifier), on bytes compare "
              "encoded itself; every file read goes through the verified decode.</p>\n",
              o);
}

/* ==== The scatters: size across, time up ==== */

static const char *const DOTS[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                                   "#edc948", "#b07aa1", "#ff9da7"};

static double y_alone(const format_result *fr)
{
    return fr->alone_encode.median + fr->alone_decode.median;
}
static double y_wall(const format_result *fr) { return fr->wall.median / 1e6; }

typedef struct scatter_frame {
    int x0, y0, w, h;      /* the plot area: left, bottom, width, height */
    double maxb, lo, hi;   /* bytes/record 0..maxb across; 10^lo..10^hi up */
} scatter_frame;

/* The frame's axes, grid lines and their labels. */
static void scatter_axes(FILE *o, const scatter_frame *s, const char *yname)
{
    for (int t = 0; t <= 5; t++) {
        int x = s->x0 + s->w * t / 5;
        fprintf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                   "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%g</text>\n",
                x, s->y0, x, s->y0 - s->h, x, s->y0 + 16, s->maxb * t / 5);
    }
    for (double e = s->lo; e <= s->hi; e++) {
        int y = s->y0 - (int)(s->h * (e - s->lo) / (s->hi - s->lo));
        fprintf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                   "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#555\">%g</text>\n",
                s->x0, y, s->x0 + s->w, y, s->x0 - 6, y + 4, pow(10, e));
    }
    fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">bytes per record</text>\n"
               "<text transform=\"translate(16 %d) rotate(-90)\" text-anchor=\"middle\">%s "
               "(log scale)</text>\n",
            s->x0 + s->w / 2, s->y0 + 36, s->y0 - s->h / 2, yname);
}

/* One labelled dot per format that has a size and a time. */
static void scatter(FILE *o, const compare_result *r, const char *title, const char *yname,
                    double (*yof)(const format_result *))
{
    scatter_frame s = {70, 300, 370, 250, 1, 0, 1};
    bool any = false;
    for (int f = 0; f < r->nformats; f++) {
        const format_result *fr = &r->formats[f];
        double y = yof(fr);
        if (fr->failure[0] || !(y > 0))
            continue;
        s.maxb = fmax(s.maxb, (double)fr->bytes / (double)r->count);
        s.lo = any ? fmin(s.lo, floor(log10(y))) : floor(log10(y));
        s.hi = any ? fmax(s.hi, ceil(log10(y))) : ceil(log10(y));
        any = true;
    }
    s.maxb = ceil(s.maxb / 5) * 5;
    if (s.hi <= s.lo)
        s.hi = s.lo + 1;
    fprintf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"470\" height=\"350\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n"
               "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
               "<text x=\"%d\" y=\"24\" text-anchor=\"middle\" font-weight=\"bold\">%s</text>\n",
            s.x0 + s.w / 2, title);
    scatter_axes(o, &s, yname);
    for (int f = 0; f < r->nformats; f++) {
        const format_result *fr = &r->formats[f];
        double y = yof(fr);
        if (fr->failure[0] || !(y > 0))
            continue;
        int px = s.x0 + (int)(s.w * ((double)fr->bytes / (double)r->count) / s.maxb);
        int py = s.y0 - (int)(s.h * (log10(y) - s.lo) / (s.hi - s.lo));
        fprintf(o, "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">",
                px, py, DOTS[f % 8], px + 8, py + 4);
        report_escape(o, fr->codec->name);
        fputs("</text>\n", o);
    }
    fputs("</svg>\n", o);
}

static void charts(FILE *o, const compare_result *r)
{
    fputs("<h2>Charts</h2>\n<figure>\n", o);
    report_svg(o, r);
    fputs("<figcaption>Size of the result files, and the speed of the codec alone (median "
          "ns per record).</figcaption>\n</figure>\n<figure class=\"pair\">\n",
          o);
    scatter(o, r, "Size against the codec alone", "encode + decode, ns/record", y_alone);
    scatter(o, r, "Size against the exercise end to end", "wall time, ms", y_wall);
    fputs("<figcaption>Each dot a format: further left is smaller, lower is faster (medians; "
          "failed formats are left out).</figcaption>\n</figure>\n",
          o);
}

/* ==== The run, the machine and the command ==== */

static void fact(FILE *o, const char *name, const char *key, const char *text)
{
    fprintf(o, "<dt>%s</dt><dd data-key=\"%s\">", name, key);
    report_escape(o, text);
    fputs("</dd>\n", o);
}

static void machine(FILE *o, const compare_result *r)
{
    char buf[512];
    fputs("<h2>Machine and build</h2>\n<dl>\n", o);
    fact(o, "CPU", "machine.cpu", r->cpu);
    snprintf(buf, sizeof buf, "%ld", r->cpus);
    fact(o, "CPUs online", "machine.cpus", buf);
    fact(o, "Kernel", "machine.kernel", r->kernel);
    fact(o, "Compiler", "machine.compiler", FC_COMPILER);
    fact(o, "Build type", "machine.build_type", FC_BUILD_TYPE);
    fact(o, "C flags", "machine.cflags", FC_CFLAGS);
    fact(o, "forkcollect", "version", FC_VERSION);
    fact(o, "Libraries", "libraries", library_line(buf, sizeof buf));
    fact(o, "Date", "machine.date", r->date);
    snprintf(buf, sizeof buf, "%.1f ms, serial", r->calc_ns / 1e6);
    fact(o, "Reference values", "reference_calc_ms", buf);
    snprintf(buf, sizeof buf, "parent %ld KiB, largest child %ld KiB", r->parent_rss_kib,
             r->children_rss_kib);
    fact(o, "Peak RSS", "peak_rss", buf);
    fputs("</dl>\n", o);
}

/* The command that runs the same measurement again (every parameter spelled out). */
static void command(FILE *o, const compare_result *r)
{
    fputs("<h2>To reproduce</h2>\n<pre><code id=\"command\">forkcollect compare --formats ", o);
    for (int f = 0; f < r->nformats; f++) {
        if (f)
            fputc(',', o);
        report_escape(o, r->formats[f].codec->name);
    }
    fprintf(o, " --count %llu --workers %u --iterations %llu --repeat %u --warmup %u "
               "--output html</code></pre>\n",
            (unsigned long long)r->count, r->workers, (unsigned long long)r->iterations,
            r->repeat, r->warmup);
}

static const char CSS[] =
    "body{font:14px/1.45 system-ui,sans-serif;color:#222;max-width:1000px;margin:1.5em auto;"
    "padding:0 1em}\n"
    "h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em}\n"
    "table{border-collapse:collapse;margin:.5em 0}\n"
    "th,td{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:left;"
    "vertical-align:top}\n"
    "thead th{border-bottom:2px solid #999}\n"
    "td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\n"
    "td.best{font-weight:bold}small{color:#666}\n"
    "td.no{color:#b00000;font-weight:bold}td.lossy{color:#8a5a00}\n"
    "figure{margin:1em 0;overflow-x:auto}figure.pair svg{margin-right:10px}\n"
    "figcaption,.note{color:#555;font-size:.9em}\n"
    "dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dd{margin:0}\n"
    "pre{background:#f4f4f4;padding:.6em;white-space:pre-wrap}\n"
    "@media print{body{max-width:none}figure{overflow:visible;break-inside:avoid}}\n";

void write_html(FILE *o, const compare_result *r, bool color)
{
    (void)color;
    char title[256];
    snprintf(title, sizeof title, "forkcollect compare: %llu records, %llu iteration%s, %u "
                                  "worker%s (%s)",
             (unsigned long long)r->count, (unsigned long long)r->iterations,
             plural(r->iterations), r->workers, plural(r->workers), r->date);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          o);
    report_escape(o, title);
    fprintf(o, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>forkcollect compare</h1>\n"
               "<p id=\"parameters\">Keys 1..%llu, %llu iteration%s each, %u worker%s; "
               "median [min–max] of %u round%s after %u warm-up, formats interleaved.</p>\n",
            CSS, (unsigned long long)r->count, (unsigned long long)r->iterations,
            plural(r->iterations), r->workers, plural(r->workers), r->repeat,
            plural(r->repeat), r->warmup);
    end_to_end_table(o, r);
    codec_alone_table(o, r);
    charts(o, r);
    machine(o, r);
    command(o, r);
    fputs("</body>\n</html>\n", o);
}
