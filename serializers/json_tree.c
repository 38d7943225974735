/* json_tree.c - any JSON document into a tree of values (fc_shapes.h), as Python's
 * json.loads reads it, with limits for untrusted input.
 *
 * What Python reads, this reads: RFC 8259 plus NaN, Infinity and -Infinity; integers
 * stay integers (FC_V_UINT or FC_V_INT) and numbers with a fraction or exponent are
 * doubles, correctly rounded (glibc's strtod), 1e400 being inf as in Python.
 * Where Python would make something no format here can carry, this refuses, naming the
 * offset: an integer outside -2^63..2^64-1, a \u escape that leaves a lone surrogate,
 * text that is not UTF-8, a key twice in one object (Python keeps the last silently).
 *
 * Memory: every value takes one fc_value (24 bytes) in the arena and strings their
 * bytes plus a NUL, so a document of n bytes takes at most about 13n plus the arena's
 * block slack (the smallest values, "0," or "[]", are two bytes each); the parser's
 * own stack holds the values of the open arrays and objects, at most 24 bytes per
 * input byte more, freed before it returns. Nesting is limited (limits->max_depth).
 */
#include "codecs.h"
#include "fc_shapes.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tree_parser {
    const uint8_t *start, *p, *end;
    fc_arena *arena;
    const fc_tree_limits *lim;
    fc_error *err;
    fc_value *stack;    /* values of the open arrays, then objects' members, in order */
    fc_member *mstack;
    size_t depth, nstack, capstack, nmstack, capmstack;
} tree_parser;

static size_t at(const tree_parser *t)
{
    return (size_t)(t->p - t->start);
}

static int bad(tree_parser *t, size_t offset, const char *what)
{
    char shown[32];
    if (t->p >= t->end)
        snprintf(shown, sizeof shown, "the end of the file");
    else if (*t->p >= 0x20 && *t->p < 0x7f)
        snprintf(shown, sizeof shown, "'%c'", *t->p);
    else
        snprintf(shown, sizeof shown, "byte 0x%02x", *t->p);
    return fc_fail(t->err, FC_ECORRUPT, 0, "offset %zu: expected %s, found %s", offset, what,
                   shown);
}

static void skip_ws(tree_parser *t)
{
    while (t->p < t->end && (*t->p == ' ' || *t->p == '\t' || *t->p == '\n' || *t->p == '\r'))
        t->p++;
}

static bool word(tree_parser *t, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(t->end - t->p) < n || memcmp(t->p, w, n) != 0)
        return false;
    t->p += n;
    return true;
}

/* ==== Strings ==== */

static int hex4(const uint8_t *p)
{
    int v = 0;
    for (int k = 0; k < 4; k++) {
        int c = p[k], d = c >= '0' && c <= '9' ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v << 4 | d;
    }
    return v;
}

static size_t put_utf8(long cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* The \uXXXX escape at t->p (at its backslash) into *cp, with its low half when it
 * is a high surrogate. hex4 stops at the string's closing quote, which is no digit. */
static int unicode_escape(tree_parser *t, long *cp)
{
    size_t esc = at(t);
    int hi = t->end - t->p >= 6 ? hex4(t->p + 2) : -1;
    if (hi < 0)
        return bad(t, esc, "four hex digits after \\u");
    t->p += 6;
    *cp = hi;
    if (hi < 0xd800 || hi > 0xdfff)
        return 0;
    int lo = hi <= 0xdbff && t->end - t->p >= 6 && t->p[0] == '\\' && t->p[1] == 'u'
                 ? hex4(t->p + 2) : -1;
    if (lo < 0xdc00 || lo > 0xdfff)
        return fc_fail(t->err, FC_EUNSUPPORTED, 0,
                       "offset %zu: \\u%04x is half of a surrogate pair with no other half: "
                       "Python reads it, but no UTF-8 text holds it", esc, (unsigned)hi);
    t->p += 6;
    *cp = 0x10000 + ((long)(hi - 0xd800) << 10) + (lo - 0xdc00);
    return 0;
}

/* The string at t->p (at its quote), unescaped into the arena as UTF-8. */
static int parse_string(tree_parser *t, const char **out, size_t *len)
{
    size_t open = at(t);
    t->p++;
    const uint8_t *q = t->p; /* its raw length bounds its decoded length */
    while (q < t->end && *q != '"')
        q += *q == '\\' && q + 1 < t->end ? 2 : 1;
    if (q >= t->end)
        return fc_fail(t->err, FC_ECORRUPT, 0, "offset %zu: the string that starts here is not closed", open);
    if ((size_t)(q - t->p) > t->lim->max_string)
        return fc_fail(t->err, FC_EUNSUPPORTED, 0,
                       "offset %zu: a string of %zu bytes, past the limit of %zu", open,
                       (size_t)(q - t->p), t->lim->max_string);
    char *s = fc_arena_alloc(t->arena, (size_t)(q - t->p) + 1, t->err), *o = s;
    if (!s)
        return FC_ENOMEM;
    while (*t->p != '"') {
        uint8_t c = *t->p;
        if (c < 0x20)
            return fc_fail(t->err, FC_ECORRUPT, 0,
                           "offset %zu: control character 0x%02x inside a string (escape it)", at(t), c);
        if (c != '\\') {
            *o++ = (char)c; /* UTF-8 is checked below, all at once */
            t->p++;
            continue;
        }
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *k = t->p[1] ? strchr(from, t->p[1]) : NULL;
        if (k) {
            *o++ = to[k - from];
            t->p += 2;
        } else if (t->p[1] == 'u') {
            long cp = 0;
            int rc = unicode_escape(t, &cp);
            if (rc)
                return rc;
            o += put_utf8(cp, o);
        } else {
            return bad(t, at(t), "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
        }
    }
    t->p++;
    *o = '\0';
    *len = (size_t)(o - s);
    *out = s;
    size_t wrong;
    if (!fc_utf8_valid(s, *len, &wrong))
        return fc_fail(t->err, FC_ECORRUPT, 0,
                       "offset %zu: the string that starts here is not UTF-8 at its byte %zu",
                       open, wrong);
    return 0;
}

/* ==== Numbers ==== */

static int parse_number(tree_parser *t, fc_value *v)
{
    const uint8_t *s = t->p;
    bool neg = *t->p == '-';
    t->p += neg;
    if (t->p >= t->end || *t->p < '0' || *t->p > '9')
        return bad(t, at(t), "a digit");
    if (*t->p == '0')
        t->p++;
    else
        while (t->p < t->end && *t->p >= '0' && *t->p <= '9')
            t->p++;
    const uint8_t *int_end = t->p;
    if (t->p < t->end && *t->p == '.') {
        t->p++;
        if (t->p >= t->end || *t->p < '0' || *t->p > '9')
            return bad(t, at(t), "a digit after '.'");
        while (t->p < t->end && *t->p >= '0' && *t->p <= '9')
            t->p++;
    }
    if (t->p < t->end && (*t->p == 'e' || *t->p == 'E')) {
        t->p++;
        if (t->p < t->end && (*t->p == '+' || *t->p == '-'))
            t->p++;
        if (t->p >= t->end || *t->p < '0' || *t->p > '9')
            return bad(t, at(t), "a digit in the exponent");
        while (t->p < t->end && *t->p >= '0' && *t->p <= '9')
            t->p++;
    }
    size_t n = (size_t)(t->p - s);
    if (t->p == int_end) { /* an integer */
        uint64_t u = 0;
        for (const uint8_t *d = s + neg; d < int_end; d++) {
            if (u > (UINT64_MAX - (uint64_t)(*d - '0')) / 10)
                goto out_of_range;
            u = u * 10 + (uint64_t)(*d - '0');
        }
        if (!neg || u == 0) {
            v->type = FC_V_UINT;
            v->u = u;
            return 0;
        }
        if (u > UINT64_C(9223372036854775808))
            goto out_of_range;
        v->type = FC_V_INT;
        v->i = u == UINT64_C(9223372036854775808) ? INT64_MIN : -(int64_t)u;
        return 0;
    out_of_range:
        return fc_fail(t->err, FC_EUNSUPPORTED, 0,
                       "offset %zu: the integer %.*s%s is outside -2^63..2^64-1, which no format "
                       "here holds as an integer (write it as a float or a string)",
                       (size_t)(s - t->start), n > 40 ? 40 : (int)n, (const char *)s,
                       n > 40 ? "..." : "");
    }
    char small[64], *buf = n < sizeof small ? small : malloc(n + 1);
    if (!buf)
        return fc_fail(t->err, FC_ENOMEM, 0, "out of memory for a number of %zu digits", n);
    memcpy(buf, s, n);
    buf[n] = '\0';
    v->type = FC_V_DOUBLE;
    v->d = strtod(buf, NULL);
    if (buf != small)
        free(buf);
    return 0;
}

/* ==== Arrays and objects ==== */

static int parse_value(tree_parser *t, fc_value *v);

static int grow(void **p, size_t *cap, size_t need, size_t size, fc_error *err)
{
    if (need <= *cap)
        return 0;
    size_t cap2 = *cap ? *cap * 2 : 64;
    while (cap2 < need)
        cap2 *= 2;
    void *q = cap2 <= SIZE_MAX / size ? realloc(*p, cap2 * size) : NULL;
    if (!q)
        return fc_fail(err, FC_ENOMEM, 0, "out of memory for %zu open values", need);
    *p = q;
    *cap = cap2;
    return 0;
}

static int parse_array(tree_parser *t, fc_value *v)
{
    size_t base = t->nstack;
    t->p++;
    skip_ws(t);
    if (t->p < t->end && *t->p == ']') {
        t->p++;
        v->type = FC_V_ARRAY;
        v->arr.items = NULL;
        v->arr.n = 0;
        return 0;
    }
    for (;;) {
        int rc = grow((void **)&t->stack, &t->capstack, t->nstack + 1, sizeof *t->stack, t->err);
        fc_value item;
        if (!rc)
            rc = parse_value(t, &item);
        if (rc)
            return rc;
        t->stack[t->nstack++] = item;
        skip_ws(t);
        if (t->p < t->end && *t->p == ',') {
            t->p++;
            continue;
        }
        if (t->p < t->end && *t->p == ']')
            break;
        return bad(t, at(t), "',' or ']' in an array");
    }
    t->p++;
    size_t n = t->nstack - base;
    v->type = FC_V_ARRAY;
    v->arr.n = n;
    v->arr.items = fc_arena_alloc(t->arena, n * sizeof *v->arr.items, t->err);
    if (!v->arr.items)
        return FC_ENOMEM;
    memcpy(v->arr.items, t->stack + base, n * sizeof *v->arr.items);
    t->nstack = base;
    return 0;
}

/* A key held twice: Python's json keeps the last silently; a result must not. */
static int check_repeats(tree_parser *t, const fc_member *m, size_t n, size_t open)
{
    const fc_member *twice;
    int rc = fc_members_find_repeat(m, n, &twice, t->err);
    if (rc != 1)
        return rc;
    return fc_fail(t->err, FC_ECORRUPT, 0,
                   "offset %zu: the object that starts here holds the key \"%.*s\" twice "
                   "(Python would keep the last one without a word)", open,
                   (int)(twice->key_len > 60 ? 60 : twice->key_len), twice->key);
}

static int parse_member(tree_parser *t)
{
    skip_ws(t);
    if (t->p >= t->end || *t->p != '"')
        return bad(t, at(t), "'\"' starting a key");
    int rc = grow((void **)&t->mstack, &t->capmstack, t->nmstack + 1, sizeof *t->mstack, t->err);
    fc_member m;
    if (!rc)
        rc = parse_string(t, &m.key, &m.key_len);
    if (rc)
        return rc;
    skip_ws(t);
    if (t->p >= t->end || *t->p != ':')
        return bad(t, at(t), "':' after a key");
    t->p++;
    rc = parse_value(t, &m.value);
    if (!rc)
        t->mstack[t->nmstack++] = m;
    return rc;
}

static int parse_object(tree_parser *t, fc_value *v)
{
    size_t base = t->nmstack, open = at(t);
    t->p++;
    skip_ws(t);
    v->type = FC_V_OBJECT;
    v->obj.members = NULL;
    v->obj.n = 0;
    if (t->p < t->end && *t->p == '}') {
        t->p++;
        return 0;
    }
    for (;;) {
        int rc = parse_member(t);
        if (rc)
            return rc;
        skip_ws(t);
        if (t->p < t->end && *t->p == ',') {
            t->p++;
            continue;
        }
        if (t->p < t->end && *t->p == '}')
            break;
        return bad(t, at(t), "',' or '}' in an object");
    }
    t->p++;
    size_t n = t->nmstack - base;
    int rc = check_repeats(t, t->mstack + base, n, open);
    if (rc)
        return rc;
    v->obj.members = fc_arena_alloc(t->arena, n * sizeof *v->obj.members, t->err);
    if (!v->obj.members)
        return FC_ENOMEM;
    memcpy(v->obj.members, t->mstack + base, n * sizeof *v->obj.members);
    v->obj.n = n;
    t->nmstack = base;
    return 0;
}

static int parse_value(tree_parser *t, fc_value *v)
{
    skip_ws(t);
    if (t->p >= t->end)
        return bad(t, at(t), "a value");
    uint8_t c = *t->p;
    if (c == '[' || c == '{') {
        size_t max = t->lim->max_depth < FC_TREE_MAX_DEPTH ? t->lim->max_depth : FC_TREE_MAX_DEPTH;
        if (++t->depth > max)
            return fc_fail(t->err, FC_EUNSUPPORTED, 0,
                           "offset %zu: arrays and objects nested deeper than %zu", at(t), max);
        int rc = c == '[' ? parse_array(t, v) : parse_object(t, v);
        t->depth--;
        return rc;
    }
    if (c == '"') {
        v->type = FC_V_STRING;
        return parse_string(t, &v->str.p, &v->str.len);
    }
    v->type = FC_V_DOUBLE;
    if (word(t, "null")) {
        v->type = FC_V_NULL;
    } else if (word(t, "true")) {
        v->type = FC_V_BOOL;
        v->b = true;
    } else if (word(t, "false")) {
        v->type = FC_V_BOOL;
        v->b = false;
    } else if (word(t, "NaN")) {
        v->d = NAN;
    } else if (word(t, "Infinity")) {
        v->d = INFINITY;
    } else if (word(t, "-Infinity")) {
        v->d = -INFINITY;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        return parse_number(t, v);
    } else {
        return bad(t, at(t), "a value (an object, array, string, number, true, false or null)");
    }
    return 0;
}

const fc_tree_limits fc_tree_default_limits = {.max_depth = 512, .max_string = 64u << 20};

int fc_json_read_tree(const uint8_t *data, size_t len, const fc_tree_limits *lim,
                      fc_arena *arena, fc_value *out, size_t *used, fc_error *err)
{
    tree_parser t = {.start = data, .p = data, .end = data + len, .arena = arena,
                     .lim = lim ? lim : &fc_tree_default_limits, .err = err};
    int rc = parse_value(&t, out);
    free(t.stack);
    free(t.mstack);
    if (rc)
        return rc;
    skip_ws(&t);
    if (used)
        *used = at(&t);
    else if (t.p != t.end)
        return bad(&t, at(&t), "the end of the file after the value");
    return 0;
}

/* ==== Records of a shape ==== */

int fc_json_write_records(const fc_records *in, unsigned shape, fc_buffer *out, fc_error *err)
{
    (void)shape; /* every shape is a tree here */
    return fc_records_write_json(in, out, err);
}

/* A key as str(int) writes it: decimal digits, no leading zero, at most 2^64-1. */
static bool key_of(const fc_member *m, uint64_t *key)
{
    const char *s = m->key;
    size_t n = m->key_len;
    if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9 || v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *key = v;
    return true;
}

int fc_json_read_records(const uint8_t *data, size_t len, unsigned shape, fc_records *out,
                         fc_error *err)
{
    fc_value top;
    int rc = fc_json_read_tree(data, len, NULL, &out->arena, &top, NULL, err);
    if (rc)
        return rc;
    if (top.type != FC_V_OBJECT)
        return fc_fail(err, FC_ECORRUPT, 0, "json: expected an object of records, keyed by "
                       "their integer keys as text");
    rc = fc_records_reserve(out, out->count + top.obj.n, err);
    for (size_t i = 0; !rc && i < top.obj.n; i++) {
        fc_member *m = &top.obj.members[i];
        uint64_t key;
        if (!key_of(m, &key))
            return fc_fail(err, FC_ECORRUPT, 0, "json: record %zu's key \"%.40s\" is not an "
                           "integer 0..2^64-1 as Python's str() writes it", i, m->key);
        rc = fc_shape_conform((enum fc_shape)shape, &m->value, err);
        if (!rc) {
            out->keys[out->count] = key;
            out->values[out->count++] = m->value;
        }
    }
    return rc;
}

/* ==== The user's own data ==== */

int fc_json_read_input(const uint8_t *data, size_t len, const fc_tree_limits *lim,
                       fc_records *out, fc_error *err)
{
    size_t used = 0, off = 0;
    fc_value first;
    int rc = fc_json_read_tree(data, len, lim, &out->arena, &first, &used, err);
    if (rc)
        return rc;
    off = used;
    bool lines = off < len; /* more after the first value: JSON Lines */
    if (!lines && first.type == FC_V_ARRAY) {
        rc = fc_records_reserve(out, out->count + first.arr.n, err);
        for (size_t i = 0; !rc && i < first.arr.n; i++) {
            out->keys[out->count] = out->count;
            out->values[out->count++] = first.arr.items[i];
        }
        return rc;
    }
    rc = fc_records_reserve(out, out->count + 1, err);
    if (!rc) {
        out->keys[out->count] = out->count;
        out->values[out->count++] = first;
    }
    while (!rc && off < len) {
        fc_value v;
        rc = fc_json_read_tree(data + off, len - off, lim, &out->arena, &v, &used, err);
        if (rc && err) { /* its offsets count from the value's start: say where that is */
            char inner[sizeof err->msg];
            snprintf(inner, sizeof inner, "%s", err->msg);
            return fc_fail(err, rc, 0, "JSON Lines: value %zu (from offset %zu): %s",
                           out->count + 1, off, inner);
        }
        if (rc)
            return rc;
        off += used;
        rc = fc_records_reserve(out, out->count + 1, err);
        if (!rc) {
            out->keys[out->count] = out->count;
            out->values[out->count++] = v;
        }
    }
    return rc;
}
