/* marshal.c - the dict as CPython's marshal module writes it (version 4, the default).
 *
 * A marshal stream is one object: a type byte, its bit 0x80 (FLAG_REF) set when the
 * writer recorded the object so that a later TYPE_REF ('r' + a 32-bit index) can point
 * back at it, then the object's bytes, little-endian. A result file is a dict ('{'),
 * then for each record its key and value, then TYPE_NULL ('0'). Keys are TYPE_INT ('i'
 * + int32) when they fit in 32 signed bits, else TYPE_LONG ('l' + int32 digit count +
 * 15-bit digits, least significant first); values are TYPE_BINARY_FLOAT ('g' + the
 * double's 8 bytes).
 *
 * CPython sets FLAG_REF on an object whose reference count is above 1, so the bytes
 * depend on the object graph. The encoder writes what CPython 3.11, 3.12 and 3.13
 * write for `d = {k: calc(k) for k in range(a, b)}` then `marshal.dumps(d)`: the dict is
 * bound to a name and passed to dumps (two references: 0xfb), keys 0..256 are CPython's
 * shared small ints (flagged: 0xe9), larger keys and the floats have one reference
 * each (no flag). Each object is written once, so no TYPE_REF is written.
 *
 * Reading accepts what CPython may write for such a dict: any of the flags, TYPE_REF to
 * an int or float recorded earlier, and integer values that a double holds exactly.
 * Anything else (strings, tuples, code objects, a nested dict, floats in the text form
 * of marshal versions 0 and 1) is refused with its offset and its type's name.
 *
 * Bounded: a first pass walks the file without allocating, counting the entries and the
 * flagged objects. Then exactly that is allocated: 16 bytes a record (a record takes at
 * least 10 bytes) and 8 bytes a flagged object (at least 5 bytes each): 3.2 x the input
 * at most (docs/FORMATS.md).
 */
#include "codecs.h"
#include "fc_shapes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    T_NULL = '0',
    T_INT = 'i',
    T_LONG = 'l',
    T_BINARY_FLOAT = 'g',
    T_DICT = '{',
    T_REF = 'r',
    FLAG_REF = 0x80,
};

static const char *ms_version(void)
{
    return "built in, CPython marshal version 4 bytes";
}

/* ==== Writing ==== */

static uint8_t *put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

/* A key as w_long writes it: TYPE_INT if it fits in 32 signed bits (flagged for the
 * small ints 0..256, which CPython shares), else TYPE_LONG with 15-bit digits. */
static uint8_t *put_key(uint8_t *p, uint64_t k)
{
    if (k <= 0x7fffffff) {
        *p++ = k <= 256 ? (uint8_t)(T_INT | FLAG_REF) : (uint8_t)T_INT;
        return put32(p, (uint32_t)k);
    }
    uint32_t n = 0;
    for (uint64_t v = k; v; v >>= 15)
        n++;
    *p++ = T_LONG;
    p = put32(p, n);
    for (uint32_t i = 0; i < n; i++, k >>= 15) {
        *p++ = (uint8_t)(k & 0xff);
        *p++ = (uint8_t)((k >> 8) & 0x7f);
    }
    return p;
}

static int ms_encode(const fc_dataset *in, fc_buffer *out, fc_error *err)
{
    /* The worst record: a 5-digit TYPE_LONG key (15 bytes) and a float (9). */
    if (in->count > (SIZE_MAX - 2) / 24)
        return fc_fail(err, FC_ENOMEM, 0, "marshal: %zu records do not fit in memory", in->count);
    int rc = fc_buffer_reserve(out, 2 + 24 * in->count, err);
    if (rc)
        return rc;
    uint8_t *start = out->data + out->len, *p = start;
    *p++ = T_DICT | FLAG_REF;
    for (size_t i = 0; i < in->count; i++) {
        p = put_key(p, in->keys[i]);
        uint64_t b;
        memcpy(&b, &in->values[i], sizeof b);
        *p++ = T_BINARY_FLOAT;
        p = put32(put32(p, (uint32_t)b), (uint32_t)(b >> 32));
    }
    *p++ = T_NULL;
    out->len += (size_t)(p - start);
    return 0;
}

/* ==== Reading ==== */

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* What a type byte (its flag cleared) stands for, for messages: Python's names. */
static const char *type_name(uint8_t t)
{
    switch (t) {
    case '0': return "end-of-dict marker (TYPE_NULL)";
    case 'N': return "None";
    case 'F': case 'T': return "bool";
    case 'S': return "StopIteration";
    case '.': return "Ellipsis";
    case 'i': case 'l': return "int";
    case 'I': return "64-bit int (TYPE_INT64, which no Python 3 writes)";
    case 'f': return "float in text form (TYPE_FLOAT, as marshal versions 0 and 1 write; "
                     "write with version 2 or later)";
    case 'g': return "float";
    case 'x': case 'y': return "complex";
    case 's': return "bytes";
    case 't': case 'u': case 'a': case 'A': case 'z': case 'Z': return "str";
    case 'r': return "reference";
    case '(': case ')': return "tuple";
    case '[': return "list";
    case '{': return "dict";
    case 'c': return "code object";
    case '<': return "set";
    case '>': return "frozenset";
    case ':': return "slice";
    default: return NULL;
    }
}

/* "a str (type byte 'z')" or "an unknown type byte 0x07". */
static const char *describe(uint8_t b, char *buf, size_t n)
{
    uint8_t t = b & (uint8_t)~FLAG_REF;
    const char *name = type_name(t);
    if (!name)
        snprintf(buf, n, "an unknown type byte 0x%02x", b);
    else
        snprintf(buf, n, "%s %s (type byte '%c'%s)", strchr("aeiou", name[0]) ? "an" : "a",
                 name, t, b & FLAG_REF ? " with FLAG_REF" : "");
    return buf;
}

typedef struct reader {
    const uint8_t *data;
    size_t len, pos;      /* pos: the next object */
    size_t entries;       /* the dict's, counted by the first pass */
    size_t flagged;       /* objects with FLAG_REF so far */
    size_t *refs;         /* the offset of each flagged object; NULL in the first pass */
    fc_error *err;
} reader;

static int refuse(reader *r, size_t at, size_t entry, const char *what, const char *msg)
{
    return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: dict entry %zu: the %s %s", at, entry,
                   what, msg);
}

/* The size of the key or value object at r->pos (0 for the end of the dict), by its
 * type byte and length fields alone. Anything else is refused here. */
static int object_size(reader *r, size_t entry, bool key, size_t *size)
{
    const char *what = key ? "key" : "value";
    char buf[200];
    if (r->pos >= r->len && !key)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: the file ends after dict entry "
                       "%zu's key, before its value", r->pos, entry);
    if (r->pos >= r->len)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: the file ends after %zu dict "
                       "entries, without the end-of-dict byte '0'", r->pos, entry);
    uint8_t b = r->data[r->pos], t = b & (uint8_t)~FLAG_REF;
    size_t left = r->len - r->pos;
    *size = t == T_BINARY_FLOAT ? 9 : t == T_INT || t == T_LONG || t == T_REF ? 5 : 0;
    if (b == T_NULL && key)
        return 0;
    if (*size == 0 || b == (T_REF | FLAG_REF)) {
        describe(b, buf, sizeof buf);
        if (t == T_DICT || t == '(' || t == ')' || t == '[' || t == '<' || t == '>')
            return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: dict entry %zu: the %s is %s, "
                           "nested in the dict: a result file is one flat dict of integer "
                           "keys to float values", r->pos, entry, what, buf);
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: dict entry %zu: the %s is %s, "
                       "expected %s", r->pos, entry, what, buf,
                       key ? "an int 0..2^64-1" : "a float");
    }
    if (*size <= left && t == T_LONG) {
        int32_t n = (int32_t)get32(r->data + r->pos + 1);
        uint64_t digits = n < 0 ? (uint64_t)-(int64_t)n : (uint64_t)n;
        if (digits > (left - 5) / 2)
            return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: dict entry %zu: the %s is an "
                           "int of %llu 15-bit digits, but only %zu bytes follow its header",
                           r->pos, entry, what, (unsigned long long)digits, left - 5);
        *size += 2 * (size_t)digits;
    }
    if (*size > left)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: the file ends inside dict entry "
                       "%zu's %s (%s)", r->pos, entry, what, describe(b, buf, sizeof buf));
    return 0;
}

/* The record CPython writes for a key below 2^31: a TYPE_INT key (flagged or not), and
 * a TYPE_BINARY_FLOAT value, unflagged. */
static inline bool is_common(const reader *r)
{
    const uint8_t *p = r->data + r->pos;
    return r->len - r->pos >= 14 && (p[0] & (uint8_t)~FLAG_REF) == T_INT && p[5] == T_BINARY_FLOAT;
}

/* The usual records from r->pos on (at least one), with the reader's fields in locals:
 * through r they would be reloaded after every store. Returns how many. */
static size_t skip_common(reader *r)
{
    const uint8_t *data = r->data;
    size_t pos = r->pos, len = r->len, flagged = r->flagged, start = pos;
    while (len - pos >= 14 && (data[pos] & (uint8_t)~FLAG_REF) == T_INT &&
           data[pos + 5] == T_BINARY_FLOAT) {
        flagged += data[pos] >> 7;
        pos += 14;
    }
    r->pos = pos;
    r->flagged = flagged;
    return (pos - start) / 14;
}

/* The first pass: the dict's type byte, entries of ints and floats, the end marker,
 * nothing after. Counts the entries and the flagged objects. */
static int walk(reader *r)
{
    if (r->len == 0)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset 0: empty file, expected a dict");
    char buf[200];
    if ((r->data[0] & (uint8_t)~FLAG_REF) != T_DICT)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset 0: expected a dict (type byte '{'), "
                       "found %s", describe(r->data[0], buf, sizeof buf));
    r->flagged = r->data[0] >> 7;
    r->pos = 1;
    for (size_t e = 0;; e++) {
        size_t size = 0;
        int rc;
        if (is_common(r)) { /* the usual records, first: 'i' key, 'g' value */
            e += skip_common(r) - 1;
            continue;
        }
        for (int k = 0; k < 2; k++) {
            if ((rc = object_size(r, e, k == 0, &size)) != 0)
                return rc;
            if (size == 0) { /* the end marker */
                r->entries = e;
                if (++r->pos == r->len)
                    return 0;
                return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: %zu bytes after the "
                               "dict, which should end the file", r->pos, r->len - r->pos);
            }
            r->flagged += r->data[r->pos] >> 7;
            r->pos += size;
        }
    }
}

/* The offset of dict entry i's key (or value), in a file walk() accepted. */
static size_t entry_offset(const reader *r, size_t i, bool value)
{
    reader w = *r;
    w.pos = 1;
    for (size_t k = 0; k < 2 * i + value; k++) {
        size_t size = 0;
        object_size(&w, k / 2, k % 2 == 0, &size);
        w.pos += size;
    }
    return w.pos;
}

/* The object at r->pos, through a TYPE_REF if it is one: *at is where its bytes are.
 * Records a flagged object. */
static int resolve(reader *r, size_t entry, const char *what, size_t *at)
{
    const uint8_t *p = r->data + r->pos;
    *at = r->pos;
    if (*p & FLAG_REF)
        r->refs[r->flagged++] = r->pos;
    if (*p != T_REF)
        return 0;
    uint32_t n = get32(p + 1);
    char msg[160];
    if (n >= r->flagged) {
        snprintf(msg, sizeof msg, "is a reference to object %u, but only %zu were recorded "
                 "before it", n, r->flagged);
        return refuse(r, r->pos, entry, what, msg);
    }
    *at = r->refs[n];
    if (*at == 0)
        return refuse(r, r->pos, entry, what, "is a reference to the dict itself: a result "
                      "file is one flat dict of integer keys to float values");
    return 0;
}

/* An int object's 15-bit digits, checked as CPython checks them: *n of them (negative
 * for a negative number), the top one not 0. */
static int long_digits(reader *r, size_t at, size_t entry, const char *what, int64_t *n)
{
    const uint8_t *p = r->data + at;
    *n = (int32_t)get32(p + 1);
    uint64_t count = *n < 0 ? (uint64_t)-*n : (uint64_t)*n;
    for (uint64_t i = 0; i < count; i++) {
        unsigned d = p[5 + 2 * i] | (unsigned)p[6 + 2 * i] << 8;
        if (d > 0x7fff || (d == 0 && i == count - 1))
            return refuse(r, at, entry, what, d ? "is an int with a digit out of range (above "
                          "2^15-1)" : "is an int whose top digit is 0 (unnormalized)");
    }
    return 0;
}

static uint64_t long_u64(const uint8_t *p, int64_t n)
{
    uint64_t v = 0;
    for (int64_t i = n - 1; i >= 0; i--)
        v = v << 15 | (p[5 + 2 * i] | (uint64_t)p[6 + 2 * i] << 8);
    return v;
}

static int read_key(reader *r, size_t entry, uint64_t *key)
{
    size_t at;
    int64_t n;
    int rc = resolve(r, entry, "key", &at);
    if (rc)
        return rc;
    uint8_t t = r->data[at] & (uint8_t)~FLAG_REF;
    if (t == T_INT) {
        int32_t v = (int32_t)get32(r->data + at + 1);
        *key = (uint64_t)v;
        n = v < 0 ? -1 : 1;
    } else if (t == T_LONG) {
        if ((rc = long_digits(r, at, entry, "key", &n)) != 0)
            return rc;
        if (n > 5 || (n == 5 && (r->data[at + 14] != 0 || r->data[at + 13] > 0x0f)))
            return refuse(r, r->pos, entry, "key", "is an int beyond 2^64-1, expected an int "
                          "0..2^64-1");
        *key = n > 0 ? long_u64(r->data + at, n) : 0;
    } else {
        return refuse(r, r->pos, entry, "key", r->data[r->pos] == T_REF
                      ? "is a reference to a float, expected an int 0..2^64-1"
                      : "is a float (type byte 'g'), expected an int 0..2^64-1");
    }
    if (n < 0)
        return refuse(r, r->pos, entry, "key", "is a negative int, expected an int 0..2^64-1");
    return 0;
}

/* An int value, if a double holds it exactly (as the other formats' readers rule). */
static int int_value(reader *r, size_t at, size_t entry, double *v)
{
    const uint8_t *p = r->data + at;
    if ((*p & (uint8_t)~FLAG_REF) == T_INT) {
        *v = (int32_t)get32(p + 1);
        return 0;
    }
    int64_t n;
    int rc = long_digits(r, at, entry, "value", &n);
    if (rc)
        return rc;
    int64_t count = n < 0 ? -n : n;
    int hi = -1, lo = -1; /* the highest and lowest bits set */
    for (int64_t i = 0; i < count && count <= 70; i++) {
        unsigned d = p[5 + 2 * i] | (unsigned)p[6 + 2 * i] << 8;
        for (int b = 0; b < 15; b++)
            if (d >> b & 1) {
                hi = (int)(15 * i + b);
                lo = lo < 0 ? hi : lo;
            }
    }
    double sign = n < 0 ? -1.0 : 1.0;
    if (count <= 70 && hi < 1024 && hi - lo < 53) {
        *v = 0.0;
        for (int64_t i = count - 1; i >= 0; i--) /* exact: every partial sum fits */
            *v += ldexp(p[5 + 2 * i] | (unsigned)p[6 + 2 * i] << 8, (int)(15 * i));
        *v *= sign;
        return 0;
    }
    if (count > 70 || hi >= 1024)
        return fc_fail(r->err, FC_ECORRUPT, 0, "an int of over 1,024 bits at offset %zu has "
                       "no exact double: it is beyond the largest, 1.7976931348623157e+308", at);
    if (hi >= 64)
        return fc_fail(r->err, FC_ECORRUPT, 0, "an int of %d bits at offset %zu has no exact "
                       "double (it has %d significant bits, a double holds 53)", hi + 1, at,
                       hi - lo + 1);
    uint64_t u = long_u64(p, count);
    char nearest[FC_REPR_MAX];
    fc_format_double(sign * (double)u, nearest);
    return fc_fail(r->err, FC_ECORRUPT, 0, "integer %s%llu at offset %zu has no exact double "
                   "(the nearest is %s; write that if it is meant)", n < 0 ? "-" : "",
                   (unsigned long long)u, at, nearest);
}

static int read_value(reader *r, size_t entry, double *v)
{
    size_t at;
    int rc = resolve(r, entry, "value", &at);
    if (rc)
        return rc;
    const uint8_t *p = r->data + at;
    if ((*p & (uint8_t)~FLAG_REF) != T_BINARY_FLOAT)
        return int_value(r, at, entry, v);
    uint64_t b = get32(p + 1) | (uint64_t)get32(p + 5) << 32;
    memcpy(v, &b, sizeof *v);
    return 0;
}

/* Up to max of the usual records from r->pos on into out (a key below 2^31), with
 * the reader's and the dataset's fields in locals: a store to the arrays could
 * otherwise alias them, and make the compiler reload them every record. Returns how
 * many. */
static size_t read_common(reader *r, fc_dataset *out, size_t max)
{
    const uint8_t *data = r->data;
    size_t pos = r->pos, len = r->len, flagged = r->flagged, i = 0;
    uint64_t *restrict keys = out->keys + out->count;
    double *restrict values = out->values + out->count;
    size_t *restrict refs = r->refs;
    for (; i < max && len - pos >= 14; i++, pos += 14) {
        const uint8_t *p = data + pos;
        if ((p[0] & (uint8_t)~FLAG_REF) != T_INT || p[4] >= 0x80 || p[5] != T_BINARY_FLOAT)
            break;
        if (p[0] & FLAG_REF)
            refs[flagged++] = pos;
        keys[i] = get32(p + 1);
        uint64_t b = get32(p + 6) | (uint64_t)get32(p + 10) << 32;
        memcpy(&values[i], &b, sizeof b);
    }
    r->pos = pos;
    r->flagged = flagged;
    out->count += i;
    return i;
}

/* The second pass: each entry's key and value into out, each flagged object's offset
 * into r->refs. */
static int read_entries(reader *r, fc_dataset *out)
{
    r->flagged = 0;
    if (r->data[0] & FLAG_REF)
        r->refs[r->flagged++] = 0;
    r->pos = 1;
    for (size_t e = 0; e < r->entries; e++) {
        size_t size = 0;
        int rc;
        uint64_t key = 0;
        double v = 0.0;
        if ((e += read_common(r, out, r->entries - e)) == r->entries)
            break; /* the usual records, first */
        if ((rc = read_key(r, e, &key)) != 0)
            return rc;
        object_size(r, e, true, &size);
        r->pos += size;
        if ((rc = read_value(r, e, &v)) != 0)
            return rc;
        object_size(r, e, false, &size);
        r->pos += size;
        out->keys[out->count] = key;
        out->values[out->count] = v;
        out->count++;
    }
    return 0;
}

static int ms_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    reader r = {.data = data, .len = len, .err = err};
    size_t first = out->count, a = 0, b = 0;
    int rc;
    if ((rc = walk(&r)) != 0 || (rc = fc_dataset_reserve(out, out->count + r.entries, err)) != 0)
        return rc;
    if (r.flagged && !(r.refs = malloc(r.flagged * sizeof *r.refs)))
        return fc_fail(err, FC_ENOMEM, 0, "marshal: out of memory for %zu references",
                       r.flagged);
    rc = r.entries ? read_entries(&r, out) : 0;
    free(r.refs);
    if (rc != 0 || (rc = fc_dataset_find_repeat(out, first, &a, &b, err)) <= 0)
        return rc;
    return fc_fail(err, FC_ECORRUPT, 0,
                   "offset %zu (dict entry %zu): key %llu again (first at offset %zu, dict entry "
                   "%zu); a result file holds each key once", entry_offset(&r, b - first, false),
                   b - first, (unsigned long long)out->keys[b],
                   entry_offset(&r, a - first, false), a - first);
}

/* ==== Records of the other shapes (fc_shapes.h) ====
 *
 * The dict {key: record} of plain Python objects as marshal writes it (version 4):
 * '{', each key and record, '0'. Keys and integers 'i' + int32 when they fit, else 'l'
 * (a signed count of 15-bit digits, least significant first); floats 'g' + 8 bytes (a
 * float32 widened: Python has no float32); text, the first time, flagged (FLAG_REF)
 * 'z' + 1-byte length when ASCII and shorter than 256, 'a' + 4-byte length when ASCII,
 * else 'u' + 4-byte length and UTF-8; a text met again is 'r' + the number of its first
 * (flagged objects are numbered from 0 in the order written). None 'N', True 'T',
 * False 'F'; a list '[' + int32 count + items; a dict '{' + key value pairs + '0'.
 * CPython flags by reference count and shares by identity, we by value: the bytes
 * differ, marshal.loads gives the same dict.
 *
 * Reading takes what CPython writes of such records (versions 2 to 4: 'u' text and no
 * references before 3, the interned 'Z', 'A', 't'): those types with or without
 * FLAG_REF, and 'r' to a number or text flagged before. Refused, with the offset:
 * every other type (tuples, sets, bytes, code...); 'r' to a list or dict (a record is
 * a tree) or past the objects flagged so far; an ASCII type holding a byte above 0x7f;
 * text not UTF-8 or longer than fc_tree_default_limits.max_string; a list count above
 * the bytes left; integers outside -2^63..2^64-1 or with a digit out of range;
 * nesting past max_depth (the file's dict counts 1); a key twice.
 *
 * Memory: a list's items are allocated once its count is checked against the bytes
 * left (24 bytes an item, each at least one byte); a dict's members go to a vector
 * that doubles (40 bytes each, a member at least 3 bytes) then to the arena; text its
 * bytes plus a NUL rounded to 16 (at least 2 bytes each); 24 bytes a flagged object
 * (at least 2 bytes). The worst, a dict of one-byte keys, stays under 64 x the input.
 */
enum { T_NONE = 'N', T_TRUE = 'T', T_FALSE = 'F', T_LIST = '[' };

/* ---- Writing ---- */

typedef struct mwriter {
    fc_buffer *out;
    fc_text_memo memo;
    fc_error *err;
} mwriter;

static int mw_put(mwriter *w, uint8_t type, const void *p, size_t n)
{
    int rc = fc_buffer_append(w->out, &type, 1, w->err);
    return rc || !n ? rc : fc_buffer_append(w->out, p, n, w->err);
}

static int mw_u32(mwriter *w, uint8_t type, uint32_t v)
{
    uint8_t b[4];
    put32(b, v);
    return mw_put(w, type, b, 4);
}

/* w_long: 'i' for -2^31..2^31-1, else 'l' with 15-bit digits of the magnitude. */
static int mw_int(mwriter *w, bool negative, uint64_t bits)
{
    if (negative ? (int64_t)bits >= INT32_MIN : bits <= INT32_MAX)
        return mw_u32(w, T_INT, (uint32_t)bits);
    uint64_t mag = negative ? 0 - bits : bits;
    uint8_t b[4 + 10], *p = b + 4;
    uint32_t n = 0;
    for (; mag; mag >>= 15, n++) {
        *p++ = (uint8_t)(mag & 0xff);
        *p++ = (uint8_t)((mag >> 8) & 0x7f);
    }
    put32(b, negative ? (uint32_t)-(int32_t)n : n);
    return mw_put(w, T_LONG, b, 4 + 2 * (size_t)n);
}

static int mw_text(mwriter *w, const char *p, size_t n)
{
    uint32_t idx;
    int rc = fc_text_memo_find(&w->memo, p, n, &idx, w->err);
    if (rc)
        return rc < 0 ? rc : mw_u32(w, T_REF, idx);
    if (n > INT32_MAX)
        return fc_fail(w->err, FC_EUNSUPPORTED, 0, "marshal: a text of %zu bytes; marshal's "
                       "lengths stop at 2^31-1", n);
    bool ascii = true;
    for (size_t i = 0; ascii && i < n; i++)
        ascii = (uint8_t)p[i] < 0x80;
    uint8_t flag = idx == UINT32_MAX ? 0 : FLAG_REF;
    if (ascii && n < 256) {
        uint8_t len = (uint8_t)n;
        rc = mw_put(w, (uint8_t)('z' | flag), &len, 1);
    } else {
        rc = mw_u32(w, (uint8_t)((ascii ? 'a' : 'u') | flag), (uint32_t)n);
    }
    return rc || !n ? rc : fc_buffer_append(w->out, p, n, w->err);
}

static int mw_value(mwriter *w, const fc_value *v)
{
    uint64_t b;
    double d;
    int rc = 0;
    switch (v->type) {
    case FC_V_NULL: return mw_put(w, T_NONE, NULL, 0);
    case FC_V_BOOL: return mw_put(w, v->b ? T_TRUE : T_FALSE, NULL, 0);
    case FC_V_INT: return mw_int(w, true, (uint64_t)v->i);
    case FC_V_UINT: return mw_int(w, false, v->u);
    case FC_V_DOUBLE:
    case FC_V_FLOAT32:
        d = v->type == FC_V_DOUBLE ? v->d : (double)v->f;
        memcpy(&b, &d, 8);
        uint8_t le[8];
        put32(put32(le, (uint32_t)b), (uint32_t)(b >> 32));
        return mw_put(w, T_BINARY_FLOAT, le, 8);
    case FC_V_STRING: return mw_text(w, v->str.p, v->str.len);
    case FC_V_ARRAY:
        if (v->arr.n > INT32_MAX)
            return fc_fail(w->err, FC_EUNSUPPORTED, 0, "marshal: a list of %zu items; "
                           "marshal's counts stop at 2^31-1", v->arr.n);
        rc = mw_u32(w, T_LIST, (uint32_t)v->arr.n);
        for (size_t i = 0; !rc && i < v->arr.n; i++)
            rc = mw_value(w, &v->arr.items[i]);
        return rc;
    default:
        rc = mw_put(w, T_DICT, NULL, 0);
        for (size_t i = 0; !rc && i < v->obj.n; i++) {
            rc = mw_text(w, v->obj.members[i].key, v->obj.members[i].key_len);
            if (!rc)
                rc = mw_value(w, &v->obj.members[i].value);
        }
        return rc ? rc : mw_put(w, T_NULL, NULL, 0);
    }
}

int fc_marshal_write_records(const fc_records *in, unsigned shape, fc_buffer *out, fc_error *err)
{
    (void)shape; /* every shape is plain objects here */
    mwriter w = {.out = out, .err = err};
    int rc = mw_put(&w, T_DICT, NULL, 0);
    for (size_t i = 0; !rc && i < in->count; i++) {
        rc = mw_int(&w, false, in->keys[i]);
        if (!rc)
            rc = mw_value(&w, &in->values[i]);
    }
    if (!rc)
        rc = mw_put(&w, T_NULL, NULL, 0);
    fc_text_memo_free(&w.memo);
    return rc;
}

/* ---- Reading ---- */

typedef struct mtree {
    const uint8_t *data;
    size_t len, pos;
    fc_records *out;
    fc_value *refs;    /* a list or dict only by its type: never fetched */
    size_t nrefs, caprefs;
    size_t *key_at, cap_key_at, first;
    fc_error *err;
} mtree;

static int mt_need(mtree *t, size_t at, size_t n, const char *what)
{
    if (n <= t->len - t->pos)
        return 0;
    return fc_fail(t->err, FC_ECORRUPT, 0, "offset %zu: the file ends inside %s (%zu bytes "
                   "of %zu)", at, what, t->len - t->pos, n);
}

/* 'l': a signed count of 15-bit digits; -2^63..2^64-1 only. */
static int mt_long(mtree *t, size_t at, fc_value *v)
{
    int rc = mt_need(t, at, 4, "an int");
    if (rc)
        return rc;
    int32_t n = (int32_t)get32(t->data + t->pos);
    uint64_t count = n < 0 ? (uint64_t)-(int64_t)n : (uint64_t)n, mag = 0;
    t->pos += 4;
    if (count > (t->len - t->pos) / 2)
        return mt_need(t, at, 2 * (size_t)count, "an int's digits");
    const uint8_t *p = t->data + t->pos;
    t->pos += 2 * (size_t)count;
    for (uint64_t i = count; i-- > 0;) {
        unsigned d = p[2 * i] | (unsigned)p[2 * i + 1] << 8;
        if (d > 0x7fff || (d == 0 && i == count - 1))
            return fc_fail(t->err, FC_ECORRUPT, 0, "offset %zu: an int %s", at, d ? "with a "
                           "digit above 2^15-1" : "whose top digit is 0 (unnormalized)");
        if (i >= 5 || (mag >> 49) != 0)
            return fc_fail(t->err, FC_EUNSUPPORTED, 0, "offset %zu: an int outside "
                           "-2^63..2^64-1, which no shape holds", at);
        mag = mag << 15 | d;
    }
    if (n < 0 && mag > (uint64_t)1 << 63)
        return fc_fail(t->err, FC_EUNSUPPORTED, 0, "offset %zu: an int outside "
                       "-2^63..2^64-1, which no shape holds", at);
    if (n < 0)
        *v = (fc_value){.type = FC_V_INT, .i = (int64_t)(0 - mag)};
    else
        *v = (fc_value){.type = FC_V_UINT, .u = mag};
    return 0;
}

/* 'z', 'Z' (1-byte length), 'a', 'A' (ASCII), 'u', 't' (UTF-8), copied to the arena. */
static int mt_text(mtree *t, size_t at, uint8_t type, fc_value *v)
{
    size_t head = type == 'z' || type == 'Z' ? 1 : 4, bad_at;
    int rc = mt_need(t, at, head, "a str's length");
    if (rc)
        return rc;
    size_t n = head == 1 ? t->data[t->pos] : get32(t->data + t->pos);
    t->pos += head;
    if (n > fc_tree_default_limits.max_string)
        return fc_fail(t->err, FC_EUNSUPPORTED, 0, "offset %zu: a str of %zu bytes, more than "
                       "the %zu a text may have", at, n, fc_tree_default_limits.max_string);
    if ((rc = mt_need(t, at, n, "a str")) != 0)
        return rc;
    const char *s = (const char *)t->data + t->pos;
    bool ascii = type != 'u' && type != 't';
    for (size_t i = 0; ascii && i < n; i++)
        if ((uint8_t)s[i] >= 0x80)
            return fc_fail(t->err, FC_ECORRUPT, 0, "offset %zu: the ASCII str (type '%c') "
                           "holds byte 0x%02x at its byte %zu", at, type, (uint8_t)s[i], i);
    if (!ascii && !fc_utf8_valid(s, n, &bad_at))
        return fc_fail(t->err, FC_ECORRUPT, 0, "offset %zu: the str is not UTF-8 at its byte "
                       "%zu", at, bad_at);
    char *copy = fc_arena_alloc(&t->out->arena, n + 1, t->err);
    if (!copy)
        return FC_ENOMEM;
    memcpy(copy, s, n);
    copy[n] = '\0';
    t->pos += n;
    *v = (fc_value){.type = FC_V_STRING, .str = {copy, n}};
    return 0;
}

static int mt_value(mtree *t, size_t depth, fc_value *v);

/* '[': a count checked against the bytes left, then the items. */
static int mt_list(mtree *t, size_t at, size_t depth, fc_value *v)
{
    int rc = mt_need(t, at, 4, "a list's count");
    if (rc)
        return rc;
    int32_t n = (int32_t)get32(t->data + t->pos);
    t->pos += 4;
    if (n < 0 || (size_t)n > t->len - t->pos)
        return fc_fail(t->err, FC_ECORRUPT, 0, "offset %zu: a list of %d items, but only %zu "
                       "bytes follow", at, n, t->len - t->pos);
    *v = (fc_value){.type = FC_V_ARRAY, .arr = {NULL, (size_t)n}};
    if (n && !(v->arr.items = fc_arena_alloc(&t->out->arena, (size_t)n * sizeof(fc_value), t->err)))
        return FC_ENOMEM;
    for (size_t i = 0; !rc && i < (size_t)n; i++)
        rc = mt_value(t, depth + 1, &v->arr.items[i]);
    return rc;
}

/* '{' inside a record: str keys, a vector that doubles, then the arena. */
static int mt_dict(mtree *t, size_t at, size_t depth, fc_value *v)
{
    fc_member *vec = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    while (!rc && (rc = mt_need(t, t->pos, 1, "a dict")) == 0 && t->data[t->pos] != T_NULL) {
        void *p = vec;
        size_t key_at = t->pos;
        rc = fc_vec_grow(&p, &cap, n + 1, sizeof *vec, t->err);
        vec = p;
        fc_value key;
        if (!rc && (rc = mt_value(t, depth + 1, &key)) == 0 && key.type != FC_V_STRING)
            rc = fc_fail(t->err, FC_EUNSUPPORTED, 0, "offset %zu: a dict's key is not a str: "
                         "dicts inside records have str keys", key_at);
        if (!rc && (rc = mt_value(t, depth + 1, &vec[n].value)) == 0) {
            vec[n].key = key.str.p;
            vec[n++].key_len = key.str.len;
        }
    }
    t->pos += !rc;
    *v = (fc_value){.type = FC_V_OBJECT, .obj = {NULL, n}};
    if (!rc && n && (v->obj.members = fc_arena_alloc(&t->out->arena, n * sizeof *vec, t->err)))
        memcpy(v->obj.members, vec, n * sizeof *vec);
    free(vec);
    if (!rc && n && !v->obj.members)
        return FC_ENOMEM;
    const fc_member *twice;
    if (!rc && (rc = fc_members_find_repeat(v->obj.members, n, &twice, t->err)) == 1)
        rc = fc_fail(t->err, FC_ECORRUPT, 0, "offset %zu: the dict here holds the key \"%.*s\" "
                     "twice (Python would keep the last one without a word)", at,
                     (int)(twice->key_len > 60 ? 60 : twice->key_len), twice->key);
    return rc;
}

/* 'r': a number or text flagged before. */
static int mt_ref(mtree *t, size_t at, fc_value *v)
{
    int rc = mt_need(t, at, 4, "a reference");
    if (rc)
        return rc;
    uint32_t n = get32(t->data + t->pos);
    t->pos += 4;
    if (n >= t->nrefs)
        return fc_fail(t->err, FC_ECORRUPT, 0, "offset %zu: a reference to object %u, but only "
                       "%zu were flagged before it", at, n, t->nrefs);
    if (t->refs[n].type == FC_V_ARRAY || t->refs[n].type == FC_V_OBJECT)
        return fc_fail(t->err, FC_EUNSUPPORTED, 0, "offset %zu: a reference to a %s: a record "
                       "is a tree, nothing in it is shared (only text and numbers may be)", at,
                       t->refs[n].type == FC_V_ARRAY ? "list" : "dict");
    *v = t->refs[n];
    return 0;
}

static int mt_value(mtree *t, size_t depth, fc_value *v)
{
    size_t at = t->pos, ref = SIZE_MAX;
    int rc = mt_need(t, at, 1, "a value");
    if (rc)
        return rc;
    uint8_t b = t->data[t->pos++], type = b & (uint8_t)~FLAG_REF;
    bool container = type == T_LIST || type == T_DICT;
    if (container && depth + 1 > fc_tree_default_limits.max_depth)
        return fc_fail(t->err, FC_EUNSUPPORTED, 0, "offset %zu: nested deeper than %zu", at,
                       fc_tree_default_limits.max_depth);
    if ((b & FLAG_REF) && type != T_NONE && type != T_TRUE && type != T_FALSE) {
        void *p = t->refs; /* numbered before the contents, as CPython's r_ref_reserve */
        if ((rc = fc_vec_grow(&p, &t->caprefs, t->nrefs + 1, sizeof *t->refs, t->err)) != 0)
            return rc;
        t->refs = p;
        ref = t->nrefs++;
        t->refs[ref] = (fc_value){.type = FC_V_ARRAY};
    }
    switch (type) {
    case T_NONE: *v = (fc_value){.type = FC_V_NULL}; break;
    case T_TRUE: case T_FALSE: *v = (fc_value){.type = FC_V_BOOL, .b = type == T_TRUE}; break;
    case T_INT:
        if ((rc = mt_need(t, at, 4, "an int")) != 0)
            return rc;
        int32_t i = (int32_t)get32(t->data + t->pos);
        t->pos += 4;
        *v = i < 0 ? (fc_value){.type = FC_V_INT, .i = i} : (fc_value){.type = FC_V_UINT, .u = (uint64_t)i};
        break;
    case T_LONG: rc = mt_long(t, at, v); break;
    case T_BINARY_FLOAT:
        if ((rc = mt_need(t, at, 8, "a float")) != 0)
            return rc;
        uint64_t bits = get32(t->data + t->pos) | (uint64_t)get32(t->data + t->pos + 4) << 32;
        t->pos += 8;
        *v = (fc_value){.type = FC_V_DOUBLE};
        memcpy(&v->d, &bits, 8);
        break;
    case 'z': case 'Z': case 'a': case 'A': case 'u': case 't': rc = mt_text(t, at, type, v); break;
    case T_LIST: rc = mt_list(t, at, depth, v); break;
    case T_DICT: rc = mt_dict(t, at, depth, v); break;
    case T_REF:
        if (b & FLAG_REF)
            goto refused;
        rc = mt_ref(t, at, v);
        break;
    default:
refused:;
        char buf[200];
        return fc_fail(t->err, FC_EUNSUPPORTED, 0, "offset %zu: %s, which no shape holds", at,
                       describe(b, buf, sizeof buf));
    }
    if (!rc && ref != SIZE_MAX && !container)
        t->refs[ref] = *v;
    return rc;
}

/* The file's dict: integer keys 0..2^64-1 to records, then '0', then nothing. */
static int mt_file(mtree *t, unsigned shape)
{
    int rc = mt_need(t, 0, 1, "the dict of records");
    if (rc)
        return rc;
    char buf[200];
    if ((t->data[0] & (uint8_t)~FLAG_REF) != T_DICT)
        return fc_fail(t->err, FC_ECORRUPT, 0, "offset 0: expected a dict (type byte '{'), "
                       "found %s", describe(t->data[0], buf, sizeof buf));
    if (t->data[0] & FLAG_REF)
        t->refs = calloc(1, sizeof *t->refs), t->caprefs = t->nrefs = 1;
    if (t->data[0] & FLAG_REF && !t->refs)
        return fc_fail(t->err, FC_ENOMEM, 0, "marshal: out of memory");
    if (t->refs)
        t->refs[0].type = FC_V_OBJECT;
    t->pos = 1;
    while ((rc = mt_need(t, t->pos, 1, "the dict of records")) == 0 && t->data[t->pos] != T_NULL) {
        size_t at = t->pos, i = t->out->count;
        fc_value key;
        void *p = t->key_at;
        if (i == t->out->cap && (rc = fc_records_reserve(t->out, i < 8 ? 16 : 2 * i, t->err)) != 0)
            return rc;
        if ((rc = fc_vec_grow(&p, &t->cap_key_at, i - t->first + 1, sizeof(size_t), t->err)) != 0)
            return rc;
        t->key_at = p;
        if ((rc = mt_value(t, 1, &key)) != 0)
            return rc;
        if (key.type != FC_V_UINT)
            return fc_fail(t->err, FC_ECORRUPT, 0, "offset %zu: record %zu's key is not an int "
                           "0..2^64-1", at, i - t->first);
        if ((rc = mt_value(t, 1, &t->out->values[i])) != 0 ||
            (rc = fc_shape_conform((enum fc_shape)shape, &t->out->values[i], t->err)) != 0)
            return rc;
        t->key_at[i - t->first] = at;
        t->out->keys[t->out->count++] = key.u;
    }
    if (rc == 0 && ++t->pos != t->len)
        rc = fc_fail(t->err, FC_ECORRUPT, 0, "offset %zu: %zu bytes after the dict, which "
                     "should end the file", t->pos, t->len - t->pos);
    return rc;
}

int fc_marshal_read_records(const uint8_t *data, size_t len, unsigned shape, fc_records *out,
                            fc_error *err)
{
    mtree t = {.data = data, .len = len, .out = out, .first = out->count, .err = err};
    int rc = mt_file(&t, shape);
    if (!rc)
        rc = fc_records_refuse_repeat(out, t.first, t.key_at, err);
    free(t.refs);
    free(t.key_at);
    return rc;
}

/* Bids 8 bits for the dict's type byte, then for each of the first entries present 4
 * for a key's type byte (an int or a reference) and 8 for a float value's (an int or
 * a reference is allowed but no evidence), 4 for the end marker. Anything else where a
 * key or value must be is no file of ours: 0. */
static unsigned ms_probe(const uint8_t *data, size_t len)
{
    if (len == 0 || (data[0] & (uint8_t)~FLAG_REF) != T_DICT)
        return 0;
    unsigned bid = 8;
    size_t pos = 1;
    for (int i = 0; i < 16 && pos < len; i++) {
        uint8_t b = data[pos], t = b & (uint8_t)~FLAG_REF;
        bool key = i % 2 == 0;
        if (key && b == T_NULL)
            return bid + 4;
        if ((t != T_INT && t != T_LONG && t != T_REF && (key || t != T_BINARY_FLOAT)) ||
            b == (T_REF | FLAG_REF))
            return 0;
        bid += key ? 4 : t == T_BINARY_FLOAT ? 8 : 0;
        size_t size = t == T_BINARY_FLOAT ? 9 : 5;
        if (t == T_LONG && len - pos >= 5) {
            int32_t n = (int32_t)get32(data + pos + 1);
            size += 2 * (size_t)(n < 0 ? -(int64_t)n : n);
        }
        if (size >= len - pos)
            break;
        pos += size;
    }
    return bid;
}

const fc_codec fc_codec_marshal = {
    .name = "marshal",
    .extension = "marshal",
    .library = "forkcollect",
    .library_version = ms_version,
    .encode = ms_encode,
    .decode = ms_decode,
    .probe = ms_probe,
    .version = FC_CODEC_VERSION,
    .supports = FC_SUPPORTS_KEY_U64 | FC_SUPPORTS_NONFINITE | FC_SUPPORTS_NAN_BITS |
                FC_SUPPORTS_BUILTIN | FC_SUPPORTS_EXACT_DOUBLES | FC_SUPPORTS_STRINGS |
                FC_SUPPORTS_NESTING,
    .shapes = FC_SHAPES_ALL,
    .encode_records = fc_marshal_write_records,
    .decode_records = fc_marshal_read_records,
};
