/* dataset.c - growable byte buffers and key/value datasets. */
#include "forkcollect.h"

#include <stdlib.h>
#include <string.h>

/* Capacity for at least `need` elements: doubling, so pushes are amortised O(1). */
static size_t grown(size_t cap, size_t need)
{
    size_t c = cap ? cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return need;
        c *= 2;
    }
    return c;
}

int fc_buffer_reserve(fc_buffer *b, size_t extra, fc_error *err)
{
    if (extra > SIZE_MAX - b->len)
        return fc_fail(err, FC_ENOMEM, 0, "buffer of %zu bytes cannot grow by %zu", b->len, extra);
    if (b->len + extra <= b->cap)
        return 0;
    size_t cap = grown(b->cap, b->len + extra);
    uint8_t *p = realloc(b->data, cap);
    if (!p)
        return fc_fail(err, FC_ENOMEM, 0, "out of memory growing a buffer to %zu bytes", cap);
    b->data = p;
    b->cap = cap;
    return 0;
}

int fc_buffer_append(fc_buffer *b, const void *data, size_t n, fc_error *err)
{
    int rc = fc_buffer_reserve(b, n, err);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    return 0;
}

void fc_buffer_free(fc_buffer *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int fc_dataset_reserve(fc_dataset *d, size_t total, fc_error *err)
{
    if (total <= d->cap)
        return 0;
    if (total > SIZE_MAX / sizeof(uint64_t))
        return fc_fail(err, FC_ENOMEM, 0, "a dataset of %zu records is too large", total);
    uint64_t *k = realloc(d->keys, total * sizeof *k);
    if (!k)
        return fc_fail(err, FC_ENOMEM, 0, "out of memory for %zu records", total);
    d->keys = k;
    double *v = realloc(d->values, total * sizeof *v);
    if (!v)
        return fc_fail(err, FC_ENOMEM, 0, "out of memory for %zu records", total);
    d->values = v;
    d->cap = total;
    return 0;
}

int fc_dataset_push(fc_dataset *d, uint64_t key, double value, fc_error *err)
{
    if (d->count == d->cap) {
        int rc = fc_dataset_reserve(d, grown(d->cap, d->count + 1), err);
        if (rc)
            return rc;
    }
    d->keys[d->count] = key;
    d->values[d->count] = value;
    d->count++;
    return 0;
}

void fc_dataset_free(fc_dataset *d)
{
    free(d->keys);
    free(d->values);
    memset(d, 0, sizeof *d);
}

long fc_dataset_first_difference(const fc_dataset *a, const fc_dataset *b)
{
    size_t n = a->count < b->count ? a->count : b->count;
    for (size_t i = 0; i < n; i++) {
        if (a->keys[i] != b->keys[i] ||
            memcmp(&a->values[i], &b->values[i], sizeof(double)) != 0)
            return (long)i;
    }
    return a->count == b->count ? -1 : (long)n;
}

/* A 64-bit mix (the finaliser of SplitMix64), so keys that differ in any bit spread. */
static uint64_t mix(uint64_t k)
{
    k ^= k >> 30;
    k *= 0xbf58476d1ce4e5b9u;
    k ^= k >> 27;
    k *= 0x94d049bb133111ebu;
    return k ^ (k >> 31);
}

int fc_dataset_find_repeat(const fc_dataset *d, size_t first, size_t *a, size_t *b,
                           fc_error *err)
{
    size_t n = d->count > first ? d->count - first : 0;
    const uint64_t *keys = n ? d->keys + first : NULL;
    size_t i = 1;
    while (i < n && keys[i - 1] < keys[i])
        i++;
    if (i >= n)
        return 0; /* strictly increasing: no key can repeat */
    /* Open addressing, at most 3/4 full (so 4 to 11 bytes a record); a slot holds a
     * record's index + 1, 0 is empty. Indices are 32-bit: 2^31 records would already
     * take 32 GiB as a dataset. */
    if (n > (size_t)INT32_MAX)
        return fc_fail(err, FC_ENOMEM, 0, "%zu records are too many to check for repeated "
                                          "keys", n);
    unsigned shift = 63;
    size_t slots = 2;
    while (slots / 4 * 3 < n)
        slots *= 2, shift--;
    uint32_t *table = calloc(slots, sizeof *table);
    if (!table)
        return fc_fail(err, FC_ENOMEM, 0, "out of memory checking %zu records for repeated "
                                          "keys", n);
    int found = 0;
    for (i = 0; i < n && !found; i++) {
        size_t s = (size_t)(mix(keys[i]) >> shift);
        for (; table[s]; s = (s + 1) & (slots - 1)) {
            if (keys[table[s] - 1] == keys[i]) {
                *a = first + table[s] - 1;
                *b = first + i;
                found = 1;
                break;
            }
        }
        table[s] = (uint32_t)(i + 1);
    }
    free(table);
    return found;
}
