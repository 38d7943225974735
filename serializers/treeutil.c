/* treeutil.c - what the built-in formats' records of the other shapes share (codecs.h):
 * each distinct text once, numbered in the order first met (the pickle writer's memo,
 * the marshal writer's references), a doubling vector, the message for a key twice. */
#include "codecs.h"
#include "fc_shapes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fc_text_memo_entry {
    const char *p; /* NULL: a free slot */
    size_t len;
    uint32_t idx;
};

static uint64_t text_hash(const char *p, size_t n)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)p[i]) * 1099511628211u;
    return h;
}

/* The slot of text p[0..n): its entry, or the free slot it would take. */
static struct fc_text_memo_entry *slot(fc_text_memo *m, const char *p, size_t n)
{
    size_t i = (size_t)text_hash(p, n) & (m->slots - 1);
    while (m->table[i].p && !(m->table[i].len == n && memcmp(m->table[i].p, p, n) == 0))
        i = (i + 1) & (m->slots - 1);
    return &m->table[i];
}

static int grow(fc_text_memo *m, fc_error *err)
{
    size_t slots = m->slots ? 2 * m->slots : 256, was = m->slots;
    struct fc_text_memo_entry *old = m->table, *t = calloc(slots, sizeof *t);
    if (!t)
        return fc_fail(err, FC_ENOMEM, 0, "out of memory for a table of %zu texts", m->used);
    m->table = t;
    m->slots = slots;
    for (size_t i = 0; i < was; i++)
        if (old[i].p)
            *slot(m, old[i].p, old[i].len) = old[i];
    free(old);
    return 0;
}

int fc_text_memo_find(fc_text_memo *m, const char *p, size_t n, uint32_t *idx, fc_error *err)
{
    if (m->used >= UINT32_MAX - 1) { /* full: no more numbers */
        *idx = UINT32_MAX;
        return 0;
    }
    if (2 * (m->used + 1) > m->slots) {
        int rc = grow(m, err);
        if (rc)
            return rc;
    }
    struct fc_text_memo_entry *e = slot(m, p, n);
    if (e->p) {
        *idx = e->idx;
        return 1;
    }
    *e = (struct fc_text_memo_entry){.p = p, .len = n, .idx = (uint32_t)m->used++};
    *idx = e->idx;
    return 0;
}

void fc_text_memo_free(fc_text_memo *m)
{
    free(m->table);
    *m = (fc_text_memo){0};
}

int fc_vec_grow(void **p, size_t *cap, size_t need, size_t size, fc_error *err)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? 2 * *cap : 16;
    c = c < need ? need : c;
    void *q = c <= SIZE_MAX / size ? realloc(*p, c * size) : NULL;
    if (!q)
        return fc_fail(err, FC_ENOMEM, 0, "out of memory for %zu items of %zu bytes", c, size);
    *p = q;
    *cap = c;
    return 0;
}

int fc_records_refuse_repeat(const struct fc_records *out, size_t first, const size_t *key_at,
                             fc_error *err)
{
    size_t a, b;
    int rc = fc_records_find_repeat(out, first, &a, &b, err);
    if (rc != 1)
        return rc;
    return fc_fail(err, FC_ECORRUPT, 0, "offset %zu (record %zu): key %llu again (first at "
                   "offset %zu, record %zu); a file holds each key once", key_at[b - first],
                   b - first, (unsigned long long)out->keys[b], key_at[a - first], a - first);
}
