/* jsonlib.h - what the codecs built on outside JSON libraries (cjson.c, jansson.c,
 * jsonc.c) share: the key as an object member name, the rules every reader applies
 * after the library has parsed (docs/FORMATS.md, "What every reader accepts and
 * rejects"), and the refusal of what JSON cannot hold.
 *
 * Each library parses the text its own way; these functions only walk what it built.
 * A member name is read here, not by the library: decimal digits only (as the built-in
 * json reads a key), 0..2^64-1. */
#ifndef FC_JSONLIB_H
#define FC_JSONLIB_H

#include "codecs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An allocation failure inside a library that says "syntax error" for it (cJSON,
 * jansson): the codec gives the library this malloc through its hook, clears the flag
 * before a call and reads it after. One flag per thread and per codec file. */
static inline bool *jl_alloc_failed(void)
{
    static _Thread_local bool failed;
    return &failed;
}

static inline void *jl_counting_malloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        *jl_alloc_failed() = true;
    return p;
}

/* The decimal text of a key into buf (21 bytes), NUL-terminated; returns its length. */
static inline size_t jl_key_text(uint64_t v, char buf[21])
{
    size_t n = fc_json_key_digits(v, buf);
    buf[n] = '\0';
    return n;
}

/* A member name (len bytes, as the library decoded it) as a key. */
static inline int jl_key_parse(const char *lib, const char *s, size_t len, size_t index,
                               uint64_t *key, fc_error *err)
{
    uint64_t v = 0;
    if (len == 0)
        return fc_fail(err, FC_ECORRUPT, 0, "%s: member %zu: empty key", lib, index);
    for (size_t i = 0; i < len; i++) {
        unsigned c = (unsigned char)s[i];
        if (c < '0' || c > '9')
            return fc_fail(err, FC_ECORRUPT, 0,
                           "%s: member %zu: the key \"%.40s\" is not a decimal integer", lib,
                           index, s);
        if (v > (UINT64_MAX - (c - '0')) / 10)
            return fc_fail(err, FC_ECORRUPT, 0,
                           "%s: member %zu: the key \"%.40s\" is larger than 2^64-1", lib,
                           index, s);
        v = v * 10 + (c - '0');
    }
    *key = v;
    return 0;
}

/* An integer value the library read as a signed 64-bit integer: a double must hold it
 * exactly (2^63 is a double, but (double)INT64_MAX rounds up to it). */
static inline int jl_check_i64(const char *lib, int64_t i, size_t index, uint64_t key,
                               double *v, fc_error *err)
{
    double d = (double)i;
    bool exact = d >= -9223372036854775808.0 && d < 9223372036854775808.0 && (int64_t)d == i;
    if (exact) {
        *v = d;
        return 0;
    }
    char nearest[FC_REPR_MAX];
    fc_format_double(d, nearest);
    return fc_fail(err, FC_ECORRUPT, 0,
                   "%s: member %zu (key %llu): integer %lld has no exact double (the nearest "
                   "is %s; write that if it is meant)",
                   lib, index, (unsigned long long)key, (long long)i, nearest);
}

/* The same for an unsigned 64-bit integer. */
static inline int jl_check_u64(const char *lib, uint64_t u, size_t index, uint64_t key,
                               double *v, fc_error *err)
{
    double d = (double)u;
    if (d < 18446744073709551616.0 && (uint64_t)d == u) {
        *v = d;
        return 0;
    }
    char nearest[FC_REPR_MAX];
    fc_format_double(d, nearest);
    return fc_fail(err, FC_ECORRUPT, 0,
                   "%s: member %zu (key %llu): integer %llu has no exact double (the nearest "
                   "is %s; write that if it is meant)",
                   lib, index, (unsigned long long)key, (unsigned long long)u, nearest);
}

/* Encode refuses what JSON has no number for (these libraries write none, or null). */
static inline int jl_refuse_nonfinite(const char *lib, const fc_dataset *in, fc_error *err)
{
    for (size_t i = 0; i < in->count; i++)
        if (!isfinite(in->values[i])) {
            char shown[FC_REPR_MAX];
            fc_format_double(in->values[i], shown);
            return fc_fail(err, FC_EUNSUPPORTED, 0,
                           "%s: record %zu (key %llu) is %s, which JSON has no number for "
                           "and %s does not write; use the json format (Python's NaN and "
                           "Infinity) or a binary one",
                           lib, i, (unsigned long long)in->keys[i], shown, lib);
        }
    return 0;
}

/* After the walk: each key once. first is where this decode's records start in out. */
static inline int jl_check_repeat(const char *lib, const fc_dataset *out, size_t first,
                                  fc_error *err)
{
    size_t a = 0, b = 0;
    int rc = fc_dataset_find_repeat(out, first, &a, &b, err);
    if (rc <= 0)
        return rc;
    return fc_fail(err, FC_ECORRUPT, 0,
                   "%s: member %zu: key %llu again (first at member %zu); a result file "
                   "holds each key once",
                   lib, b - first, (unsigned long long)out->keys[b], a - first);
}

/* Before writing, for a library whose object holds each name once (jansson, json-c
 * would replace the first value without a word): a key twice is refused. */
static inline int jl_refuse_repeat(const char *lib, const fc_dataset *in, fc_error *err)
{
    size_t a = 0, b = 0;
    int rc = fc_dataset_find_repeat(in, 0, &a, &b, err);
    if (rc <= 0)
        return rc;
    return fc_fail(err, FC_EINVAL, 0,
                   "%s: records %zu and %zu both hold key %llu; a %s object holds each name "
                   "once, and a result file each key once", lib, a, b,
                   (unsigned long long)in->keys[a], lib);
}

/* The names of what a member's value is, when it is not a number. */
static inline int jl_not_number(const char *lib, size_t index, uint64_t key, const char *what,
                                fc_error *err)
{
    return fc_fail(err, FC_ECORRUPT, 0,
                   "%s: member %zu (key %llu): the value is %s, not a number", lib, index,
                   (unsigned long long)key, what);
}

/* ==== Records of the other shapes, through the library's tree ==== */

#include "fc_shapes.h"

/* Text the library decoded (a string or a member name): UTF-8, at most max_string
 * bytes, copied into the arena. `where` names it for messages. */
static inline int jl_tree_text(const char *lib, fc_arena *a, const char *s, size_t n,
                               const char *where, const char **out, fc_error *err)
{
    size_t bad_at;
    if (n > fc_tree_default_limits.max_string)
        return fc_fail(err, FC_EUNSUPPORTED, 0, "%s: %s: a text of %zu bytes, more than the "
                       "%zu a text may have", lib, where, n, fc_tree_default_limits.max_string);
    if (!fc_utf8_valid(s, n, &bad_at))
        return fc_fail(err, FC_ECORRUPT, 0, "%s: %s: the text is not UTF-8 at its byte %zu",
                       lib, where, bad_at);
    char *c = fc_arena_alloc(a, n + 1, err);
    if (!c)
        return FC_ENOMEM;
    memcpy(c, s, n);
    c[n] = '\0';
    *out = c;
    return 0;
}

/* A record's member name: an integer 0..2^64-1 as Python's str() writes it. */
static inline int jl_tree_key(const char *lib, const char *s, size_t n, size_t index,
                              uint64_t *key, fc_error *err)
{
    if (jl_key_parse(lib, s, n, index, key, NULL) != 0 || (n > 1 && s[0] == '0'))
        return fc_fail(err, FC_ECORRUPT, 0, "%s: record %zu's key \"%.*s\" is not an integer "
                       "0..2^64-1 as Python's str() writes it", lib, index,
                       (int)(n > 40 ? 40 : n), s);
    return 0;
}

/* After an object's members are read: each name once. */
static inline int jl_tree_members_once(const char *lib, const fc_value *obj, size_t record,
                                       fc_error *err)
{
    const fc_member *twice;
    int rc = fc_members_find_repeat(obj->obj.members, obj->obj.n, &twice, err);
    if (rc != 1)
        return rc;
    return fc_fail(err, FC_ECORRUPT, 0, "%s: record %zu: an object holds the key \"%.*s\" "
                   "twice (%s would keep one without a word)", lib, record,
                   (int)(twice->key_len > 60 ? 60 : twice->key_len), twice->key, lib);
}

/* After the records are read: each key once, and the shape's types. */
static inline int jl_tree_records_done(const char *lib, fc_records *out, size_t first,
                                       unsigned shape, fc_error *err)
{
    for (size_t i = first; i < out->count; i++) {
        int rc = fc_shape_conform((enum fc_shape)shape, &out->values[i], err);
        if (rc)
            return rc;
    }
    size_t a, b;
    int rc = fc_records_find_repeat(out, first, &a, &b, err);
    if (rc != 1)
        return rc;
    return fc_fail(err, FC_ECORRUPT, 0, "%s: records %zu and %zu both have the key %llu", lib,
                   a - first, b - first, (unsigned long long)out->keys[a]);
}

/* A \u0000 escape in a JSON text, for a library that would cut a text there: refused
 * with its offset (a text's bytes are walked as JSON strings are: escapes and all). */
static inline int jl_refuse_nul_escape(const char *lib, const uint8_t *data, size_t len,
                                       const char *why, fc_error *err)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t quote = data[i]; /* json-c takes 'single-quoted' names too */
        if (quote != '"' && quote != '\'')
            continue;
        for (i++; i < len && data[i] != quote; i++) {
            if (data[i] != '\\')
                continue;
            if (i + 5 < len && data[i + 1] == 'u' && memcmp(data + i + 2, "0000", 4) == 0)
                return fc_fail(err, FC_EUNSUPPORTED, 0, "%s: offset %zu: \\u0000 in a text: "
                               "%s, which a NUL cuts", lib, i, why);
            i++;
        }
    }
    return 0;
}

/* Room for an array's or object's n items in the arena. */
static inline int jl_tree_items(fc_arena *a, fc_value *v, fc_vtype type, size_t n,
                                fc_error *err)
{
    size_t size = type == FC_V_ARRAY ? sizeof(fc_value) : sizeof(fc_member);
    void *p = NULL;
    if (n > SIZE_MAX / size)
        return fc_fail(err, FC_ENOMEM, 0, "%zu items do not fit in memory", n);
    if (n && !(p = fc_arena_alloc(a, n * size, err)))
        return FC_ENOMEM;
    v->type = type;
    if (type == FC_V_ARRAY) {
        v->arr.items = p;
        v->arr.n = n;
    } else {
        v->obj.members = p;
        v->obj.n = n;
    }
    return 0;
}

#endif
