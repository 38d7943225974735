/* collect.c - the plan and the collector: the part of the engine every driver shares.
 *
 * The plan splits start..start+count-1 into contiguous parts (fc_split). The collector
 * takes each part's encoded bytes, from wherever a driver got them (a file, a pipe, an
 * MPI message), and checks them in this order: the size and CRC-32C the worker said it
 * sent, the decode, then the keys: exactly the part's range, each once. Only then are
 * the values merged, at values[key - start]; a part that fails leaves nothing merged,
 * so a retry starts clean. It knows nothing of processes, pids or files.
 */
#include "forkcollect.h"
#include "fc_shapes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fc_collector {
    const fc_codec *codec;
    uint64_t start;
    fc_engine_result *out;
    unsigned char *seen;   /* one byte per key of the whole run */
    fc_dataset part;       /* one part's decoded records, reused */
    unsigned shape;        /* 0: numbers, into out->data; else records, into out->records */
    fc_records precs;      /* one part's decoded records of that shape */
};

/* "child <pid> (keys a..b): " or, for a driver without pids, "part <i> (keys a..b): ". */
static int vfail(fc_child_report *c, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static int vfail(fc_child_report *c, int code, const char *fmt, va_list ap)
{
    char what[400], who[48];
    vsnprintf(what, sizeof what, fmt, ap);
    if (c->pid > 0)
        snprintf(who, sizeof who, "child %ld", (long)c->pid);
    else
        snprintf(who, sizeof who, "part %u", c->index);
    c->state = FC_CHILD_FAILED;
    return fc_fail(&c->error, code, 0, "%s (keys %llu..%llu): %s", who,
                   (unsigned long long)c->first_key,
                   (unsigned long long)(c->first_key + c->count - 1), what);
}

static int part_failed(fc_child_report *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int part_failed(fc_child_report *c, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(c, code, fmt, ap);
    va_end(ap);
    return code;
}

static int check_plan(const fc_codec *codec, uint64_t start, uint64_t count, unsigned parts,
                      fc_error *err)
{
    if (!codec)
        return fc_fail(err, FC_EINVAL, 0, "no format given");
    if (count == 0)
        return fc_fail(err, FC_EINVAL, 0, "the count of numbers must be at least 1");
    if (count - 1 > UINT64_MAX - start)
        return fc_fail(err, FC_EINVAL, 0, "numbers %llu + %llu run past 2^64-1",
                       (unsigned long long)start, (unsigned long long)count);
    if (count > SIZE_MAX / 32)
        return fc_fail(err, FC_ENOMEM, 0, "%llu numbers do not fit in memory",
                       (unsigned long long)count);
    if (parts == 0)
        return fc_fail(err, FC_EINVAL, 0, "the number of workers must be at least 1");
    return 0;
}

int fc_collector_open(fc_collector **col, const fc_codec *codec, uint64_t start, uint64_t count,
                      unsigned parts, fc_engine_result *out, fc_error *err)
{
    *col = NULL;
    memset(out, 0, sizeof *out);
    int rc = check_plan(codec, start, count, parts, err);
    if (rc)
        return rc;
    unsigned n = fc_split_parts(count, parts);
    fc_collector *c = calloc(1, sizeof *c);
    out->children = calloc(n, sizeof *out->children);
    if (c)
        c->seen = calloc((size_t)count, 1);
    if (!c || !out->children || !c->seen) {
        rc = fc_fail(err, FC_ENOMEM, 0, "out of memory for %u parts of %llu numbers", n,
                     (unsigned long long)count);
        goto fail;
    }
    *c = (fc_collector){.codec = codec, .start = start, .out = out, .seen = c->seen};
    out->nchildren = n;
    for (unsigned i = 0; i < n; i++) {
        uint64_t off, len;
        fc_split(count, n, i, &off, &len);
        out->children[i].index = i;
        out->children[i].first_key = start + off;
        out->children[i].count = len;
    }
    if ((rc = fc_dataset_reserve(&out->data, (size_t)count, err)) != 0)
        goto fail;
    for (size_t i = 0; i < (size_t)count; i++)
        out->data.keys[i] = start + i, out->data.values[i] = 0;
    out->data.count = (size_t)count;
    *col = c;
    return 0;
fail:
    if (c)
        free(c->seen);
    free(c);
    fc_engine_result_free(out);
    return rc;
}

/* Checks a decoded part's keys against its range: exactly its keys, each once. On
 * failure no key of this part stays marked seen. */
static int check_keys(fc_collector *col, fc_child_report *c, const uint64_t *keys, size_t n,
                      const char *source)
{
    uint64_t start = col->start;
    if (n != c->count)
        return part_failed(c, FC_EKEYS, "%s holds %zu records, expected %llu", source, n,
                           (unsigned long long)c->count);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = keys[i];
        int bad = k < c->first_key || k - c->first_key >= c->count ? 1
                  : col->seen[k - start]                          ? 2
                                                                  : 0;
        if (bad) {
            for (size_t j = 0; j < i; j++)
                col->seen[keys[j] - start] = 0;
            if (bad == 1)
                return part_failed(c, FC_EKEYS, "%s: record %zu has key %llu, outside the range",
                                   source, i, (unsigned long long)k);
            return part_failed(c, FC_EKEYS, "%s: key %llu appears twice", source,
                               (unsigned long long)k);
        }
        col->seen[k - start] = 1;
    }
    return 0;
}

/* Merges a part whose keys check out: numbers at values[key - start], records of
 * another shape at records->values[key - start] (their trees move to the run's arena). */
static int merge(fc_collector *col, fc_child_report *c, const char *source)
{
    if (col->shape) {
        fc_records *p = &col->precs, *all = col->out->records;
        int rc = check_keys(col, c, p->keys, p->count, source);
        if (rc)
            return rc;
        for (size_t i = 0; i < p->count; i++)
            all->values[p->keys[i] - col->start] = p->values[i];
        fc_arena_adopt(&all->arena, &p->arena);
        return 0;
    }
    const fc_dataset *p = &col->part;
    int rc = check_keys(col, c, p->keys, p->count, source);
    if (rc)
        return rc;
    for (size_t i = 0; i < p->count; i++)
        col->out->data.values[p->keys[i] - col->start] = p->values[i];
    return 0;
}

/* Size, checksum, decode, keys: the part's report says the first that fails. */
static int check_and_merge(fc_collector *col, fc_child_report *c, const uint8_t *data,
                           size_t len, const fc_part_sent *sent, const char *source)
{
    fc_error e = {0};
    c->file_bytes = len;
    if (len != sent->bytes)
        return part_failed(c, FC_ECHECKSUM, "%s is %zu bytes, the child wrote %llu", source, len,
                           (unsigned long long)sent->bytes);
    if (fc_crc32c(0, data, len) != sent->crc)
        return part_failed(c, FC_ECHECKSUM, "%s: CRC-32C differs from what the child wrote",
                           source);
    col->part.count = 0;
    col->precs.count = 0;
    fc_arena_free(&col->precs.arena); /* what a failed part left */
    uint64_t t0 = fc_now_ns();
    int rc = col->shape ? col->codec->decode_records(data, len, col->shape, &col->precs, &e)
                        : col->codec->decode(data, len, &col->part, &e);
    c->decode_ns = fc_now_ns() - t0;
    if (rc != 0)
        return part_failed(c, e.code, "%s (%s): %s", source, col->codec->name, e.msg);
    return merge(col, c, source);
}

int fc_collector_accept(fc_collector *col, unsigned part, const uint8_t *data, size_t len,
                        const fc_part_sent *sent, const char *source, fc_error *err)
{
    fc_child_report *c = fc_collector_part(col, part);
    if (!c)
        return fc_fail(err, FC_EINVAL, 0, "part %u: there are only %u parts", part,
                       col->out->nchildren);
    if (c->state == FC_CHILD_COLLECTED)
        return fc_fail(err, FC_EINVAL, 0, "part %u (keys %llu..%llu): already collected; "
                       "these %zu bytes are not merged", part,
                       (unsigned long long)c->first_key,
                       (unsigned long long)(c->first_key + c->count - 1), len);
    memset(&c->error, 0, sizeof c->error);
    int rc = check_and_merge(col, c, data, len, sent, source);
    if (rc != 0) {
        if (err)
            *err = c->error;
        return rc;
    }
    c->state = FC_CHILD_COLLECTED;
    return 0;
}

int fc_collector_fail(fc_collector *col, unsigned part, int code, const char *fmt, ...)
{
    fc_child_report *c = fc_collector_part(col, part);
    if (!c)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vfail(c, code, fmt, ap);
    va_end(ap);
    return code;
}

fc_child_report *fc_collector_part(fc_collector *col, unsigned part)
{
    return part < col->out->nchildren ? &col->out->children[part] : NULL;
}

int fc_collector_close(fc_collector *col, fc_error *err)
{
    if (!col)
        return 0;
    fc_engine_result *out = col->out;
    int rc = 0;
    for (unsigned i = 0; i < out->nchildren; i++) {
        fc_child_report *c = &out->children[i];
        if (c->state == FC_CHILD_RUNNING) {
            c->state = FC_CHILD_FAILED;
            if (c->error.code == 0)
                fc_fail(&c->error, FC_ECHILD, 0, "keys %llu..%llu: never started",
                        (unsigned long long)c->first_key,
                        (unsigned long long)(c->first_key + c->count - 1));
        }
        if (rc == 0 && c->state != FC_CHILD_COLLECTED)
            rc = fc_fail(err, FC_ECHILD, 0, "%s", c->error.msg);
    }
    free(col->seen);
    fc_dataset_free(&col->part);
    fc_records_free(&col->precs);
    free(col);
    return rc;
}

int fc_collector_set_shape(fc_collector *col, unsigned shape, fc_error *err)
{
    if (shape == FC_SHAPE_NUMBERS)
        return 0;
    const fc_codec *k = col->codec;
    if (shape >= FC_SHAPE_COUNT || k->version < 3 || !(k->shapes & (1u << shape)))
        return fc_fail(err, FC_EUNSUPPORTED, 0, "%s does not hold the %s shape (yet): "
                       "'forkcollect formats' says which formats hold which shapes", k->name,
                       fc_shape_name((enum fc_shape)shape));
    fc_engine_result *out = col->out;
    fc_records *r = calloc(1, sizeof *r);
    size_t n = out->data.count;
    int rc = r ? fc_records_reserve(r, n, err)
               : fc_fail(err, FC_ENOMEM, 0, "out of memory for %zu records", n);
    if (rc) {
        free(r);
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        r->keys[i] = col->start + i;
        r->values[i] = (fc_value){.type = FC_V_NULL};
    }
    r->count = n;
    out->records = r;
    fc_dataset_free(&out->data);
    col->shape = shape;
    return 0;
}

/* ==== The work function ==== */

int fc_work_calc(uint64_t first, uint64_t count, uint64_t iterations, void *ctx,
                 fc_dataset *out, fc_error *err)
{
    (void)ctx;
    if (count > SIZE_MAX / 16)
        return fc_fail(err, FC_ENOMEM, 0, "%llu numbers do not fit in memory",
                       (unsigned long long)count);
    int rc = fc_dataset_reserve(out, (size_t)count, err);
    if (rc != 0)
        return rc;
    for (uint64_t k = 0; k < count; k++)
        out->keys[k] = first + k, out->values[k] = fc_calc(first + k, iterations);
    out->count = (size_t)count;
    return 0;
}
