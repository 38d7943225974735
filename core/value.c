/* value.c - trees of values (fc_shapes.h): the arena they live in, the records that
 * hold them, their equality, and Python's json.dumps of them. */
#include "fc_shapes.h"

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== The arena ==== */

struct fc_arena_block {
    struct fc_arena_block *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
};

enum { ARENA_BLOCK = 64 * 1024 };

void *fc_arena_alloc(fc_arena *a, size_t size, fc_error *err)
{
    size_t align = alignof(max_align_t);
    size = (size + align - 1) & ~(align - 1);
    struct fc_arena_block *b = a->head;
    if (!b || b->cap - b->used < size) {
        size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        if (cap > SIZE_MAX - sizeof *b) {
            fc_fail(err, FC_ENOMEM, 0, "a value of %zu bytes does not fit in memory", size);
            return NULL;
        }
        b = malloc(sizeof *b + cap);
        if (!b) {
            fc_fail(err, FC_ENOMEM, 0, "out of memory for %zu bytes of values", cap);
            return NULL;
        }
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
        a->bytes += sizeof *b + cap;
    }
    void *p = b->data + b->used;
    b->used += size;
    return p;
}

void fc_arena_free(fc_arena *a)
{
    struct fc_arena_block *b = a->head;
    while (b) {
        struct fc_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->bytes = 0;
}

void fc_arena_adopt(fc_arena *dst, fc_arena *src)
{
    if (!src->head)
        return;
    struct fc_arena_block *tail = src->head;
    while (tail->next)
        tail = tail->next;
    tail->next = dst->head;
    dst->head = src->head;
    dst->bytes += src->bytes;
    src->head = NULL;
    src->bytes = 0;
}

/* ==== Records ==== */

int fc_records_reserve(fc_records *r, size_t total, fc_error *err)
{
    if (total <= r->cap)
        return 0;
    if (total > SIZE_MAX / sizeof(fc_value))
        return fc_fail(err, FC_ENOMEM, 0, "%zu records do not fit in memory", total);
    uint64_t *keys = realloc(r->keys, total * sizeof *keys);
    if (!keys)
        return fc_fail(err, FC_ENOMEM, 0, "out of memory for %zu records", total);
    r->keys = keys;
    fc_value *values = realloc(r->values, total * sizeof *values);
    if (!values)
        return fc_fail(err, FC_ENOMEM, 0, "out of memory for %zu records", total);
    r->values = values;
    r->cap = total;
    return 0;
}

void fc_records_free(fc_records *r)
{
    free(r->keys);
    free(r->values);
    fc_arena_free(&r->arena);
    memset(r, 0, sizeof *r);
}

int fc_records_find_repeat(const fc_records *r, size_t first, size_t *a, size_t *b,
                           fc_error *err)
{
    const fc_dataset keys = {.keys = r->keys, .count = r->count}; /* it reads keys only */
    return fc_dataset_find_repeat(&keys, first, a, b, err);
}

static int key_order(const void *a, const void *b)
{
    const fc_member *x = *(fc_member *const *)a, *y = *(fc_member *const *)b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    return c ? c : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

int fc_members_find_repeat(const fc_member *m, size_t n, const fc_member **repeat,
                           fc_error *err)
{
    if (n < 2)
        return 0;
    if (n <= 8) { /* most records: no allocation */
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (m[i].key_len == m[j].key_len && memcmp(m[i].key, m[j].key, m[i].key_len) == 0)
                    return (*repeat = &m[i]), 1;
        return 0;
    }
    const fc_member **sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return fc_fail(err, FC_ENOMEM, 0, "out of memory to check %zu keys", n);
    for (size_t i = 0; i < n; i++)
        sorted[i] = &m[i];
    qsort(sorted, n, sizeof *sorted, key_order);
    int found = 0;
    for (size_t i = 1; !found && i < n; i++)
        if (key_order(&sorted[i - 1], &sorted[i]) == 0) {
            *repeat = sorted[i];
            found = 1;
        }
    free(sorted);
    return found;
}

/* ==== Equality ==== */

static bool same_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

bool fc_value_equal(const fc_value *a, const fc_value *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case FC_V_NULL:
        return true;
    case FC_V_BOOL:
        return a->b == b->b;
    case FC_V_INT:
        return a->i == b->i;
    case FC_V_UINT:
        return a->u == b->u;
    case FC_V_DOUBLE:
        return memcmp(&a->d, &b->d, sizeof a->d) == 0;
    case FC_V_FLOAT32:
        return memcmp(&a->f, &b->f, sizeof a->f) == 0;
    case FC_V_STRING:
        return same_bytes(a->str.p, a->str.len, b->str.p, b->str.len);
    case FC_V_ARRAY:
        if (a->arr.n != b->arr.n)
            return false;
        for (size_t i = 0; i < a->arr.n; i++)
            if (!fc_value_equal(&a->arr.items[i], &b->arr.items[i]))
                return false;
        return true;
    case FC_V_OBJECT:
        if (a->obj.n != b->obj.n)
            return false;
        for (size_t i = 0; i < a->obj.n; i++) {
            const fc_member *x = &a->obj.members[i], *y = &b->obj.members[i];
            if (!same_bytes(x->key, x->key_len, y->key, y->key_len) ||
                !fc_value_equal(&x->value, &y->value))
                return false;
        }
        return true;
    }
    return false;
}

/* ==== json.dumps ==== */

static int put(fc_buffer *out, const char *s, size_t n, fc_error *err)
{
    return fc_buffer_append(out, s, n, err);
}

/* The next code point of UTF-8 text at s[*i], or -1 if it is not well-formed (an
 * overlong form, a surrogate, past U+10FFFF, cut short). */
static long next_code_point(const unsigned char *s, size_t len, size_t *i)
{
    unsigned char c = s[*i];
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : -1;
    if (more < 0 || c > 0xf4 || len - *i <= (size_t)more)
        return -1;
    long cp = c & (0x3f >> more);
    for (int k = 1; k <= more; k++) {
        unsigned char t = s[*i + (size_t)k];
        if ((t & 0xc0) != 0x80)
            return -1;
        cp = cp << 6 | (t & 0x3f);
    }
    static const long least[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < least[more] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    *i += (size_t)more + 1;
    return cp;
}

bool fc_utf8_valid(const char *s, size_t len, size_t *bad_at)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t here = i;
        if (next_code_point(u, len, &i) < 0) {
            if (bad_at)
                *bad_at = here;
            return false;
        }
    }
    return true;
}

static size_t escape_unit(long unit, char *p)
{
    static const char hex[] = "0123456789abcdef";
    p[0] = '\\';
    p[1] = 'u';
    for (int k = 0; k < 4; k++)
        p[2 + k] = hex[(unit >> (12 - 4 * k)) & 0xf];
    return 6;
}

/* One code point as json.dumps(ensure_ascii=True) writes it; returns the length. */
static size_t escape_code_point(long cp, char *p)
{
    switch (cp) {
    case '"': return (void)memcpy(p, "\\\"", 2), 2;
    case '\\': return (void)memcpy(p, "\\\\", 2), 2;
    case '\n': return (void)memcpy(p, "\\n", 2), 2;
    case '\r': return (void)memcpy(p, "\\r", 2), 2;
    case '\t': return (void)memcpy(p, "\\t", 2), 2;
    case '\b': return (void)memcpy(p, "\\b", 2), 2;
    case '\f': return (void)memcpy(p, "\\f", 2), 2;
    default: break;
    }
    if (cp >= 0x20 && cp < 0x7f) {
        p[0] = (char)cp;
        return 1;
    }
    if (cp < 0x10000)
        return escape_unit(cp, p);
    cp -= 0x10000;
    size_t n = escape_unit(0xd800 | (cp >> 10), p);
    return n + escape_unit(0xdc00 | (cp & 0x3ff), p + n);
}

static int write_string(const char *s, size_t len, fc_buffer *out, fc_error *err)
{
    /* At most 12 bytes out (a surrogate pair) for each 4 in. */
    if (len > (SIZE_MAX - 2) / 6)
        return fc_fail(err, FC_ENOMEM, 0, "json: a string of %zu bytes does not fit in memory", len);
    int rc = fc_buffer_reserve(out, 2 + 6 * len, err);
    if (rc)
        return rc;
    char *p = (char *)out->data + out->len, *start = p;
    *p++ = '"';
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t at = i;
        long cp = next_code_point(u, len, &i);
        if (cp < 0)
            return fc_fail(err, FC_EINVAL, 0,
                           "json: a string is not UTF-8 at its byte %zu (0x%02x)", at, u[at]);
        p += escape_code_point(cp, p);
    }
    *p++ = '"';
    out->len += (size_t)(p - start);
    return 0;
}

static int write_scalar(const fc_value *v, fc_buffer *out, fc_error *err)
{
    char num[FC_REPR_MAX];
    size_t n;
    switch (v->type) {
    case FC_V_NULL: return put(out, "null", 4, err);
    case FC_V_BOOL: return v->b ? put(out, "true", 4, err) : put(out, "false", 5, err);
    case FC_V_UINT: n = (size_t)snprintf(num, sizeof num, "%llu", (unsigned long long)v->u); break;
    case FC_V_INT: n = (size_t)snprintf(num, sizeof num, "%lld", (long long)v->i); break;
    case FC_V_DOUBLE: n = fc_format_double_json(v->d, num); break;
    case FC_V_FLOAT32: n = fc_format_double_json((double)v->f, num); break;
    default: return write_string(v->str.p, v->str.len, out, err);
    }
    return put(out, num, n, err);
}

enum { MAX_DEPTH = FC_TREE_MAX_DEPTH }; /* as deep as the readers read */

static int write_value(const fc_value *v, fc_buffer *out, unsigned depth, fc_error *err)
{
    if (depth > MAX_DEPTH)
        return fc_fail(err, FC_EUNSUPPORTED, 0, "json: values nested deeper than %d", MAX_DEPTH);
    int rc = 0;
    if (v->type == FC_V_ARRAY) {
        rc = put(out, "[", 1, err);
        for (size_t i = 0; !rc && i < v->arr.n; i++) {
            if (i)
                rc = put(out, ", ", 2, err);
            if (!rc)
                rc = write_value(&v->arr.items[i], out, depth + 1, err);
        }
        return rc ? rc : put(out, "]", 1, err);
    }
    if (v->type != FC_V_OBJECT)
        return write_scalar(v, out, err);
    rc = put(out, "{", 1, err);
    for (size_t i = 0; !rc && i < v->obj.n; i++) {
        const fc_member *m = &v->obj.members[i];
        if (i)
            rc = put(out, ", ", 2, err);
        if (!rc)
            rc = write_string(m->key, m->key_len, out, err);
        if (!rc)
            rc = put(out, ": ", 2, err);
        if (!rc)
            rc = write_value(&m->value, out, depth + 1, err);
    }
    return rc ? rc : put(out, "}", 1, err);
}

int fc_value_write_json(const fc_value *v, fc_buffer *out, fc_error *err)
{
    return write_value(v, out, 0, err);
}

int fc_records_write_json(const fc_records *r, fc_buffer *out, fc_error *err)
{
    int rc = put(out, "{", 1, err);
    for (size_t i = 0; !rc && i < r->count; i++) {
        char key[32];
        int n = snprintf(key, sizeof key, "%s\"%llu\": ", i ? ", " : "",
                         (unsigned long long)r->keys[i]);
        rc = put(out, key, (size_t)n, err);
        if (!rc)
            rc = write_value(&r->values[i], out, 1, err);
    }
    return rc ? rc : put(out, "}", 1, err);
}
