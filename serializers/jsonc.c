/* jsonc.c - the dict as a JSON object, written and read by json-c as its manual shows:
 * json_object_new_object + json_object_object_add(json_object_new_double),
 * json_object_to_json_string_ext(JSON_C_TO_STRING_PLAIN); json_tokener_parse_ex, then
 * json_object_object_foreach.
 *
 * Writing: {"1":514.13702786238577,"2":504.02105253917426} - keys as decimal strings
 * in the dataset's order (json-c's object keeps insertion order), no spaces. Numbers
 * are json-c's own: "%.17g" (its default double format), with ".0" added to an
 * integral value; NaN, Infinity and -Infinity as Python writes them. 17 significant
 * digits always read back to the same double: FC_SUPPORTS_EXACT_DOUBLES, and, as
 * json-c reads back the words it writes, FC_SUPPORTS_NONFINITE (one NaN).
 *
 * Reading: json-c's tokener with JSON_TOKENER_STRICT (no comments; json-c 0.16 still
 * takes 'single-quoted' names, "1." and NaN, Infinity, -Infinity); doubles by strtod; a key twice
 * is found by counting members (json-c keeps the last without a word); integers as int64 or uint64, those beyond saturating (json-c
 * reads 99999999999999999999 as 18446744073709551615), and any a double does not hold
 * exactly refused by us. Nesting deeper than json-c's 32 levels is refused by json-c. */
#include "jsonlib.h"

#include <json-c/json.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define LIB "jsonc"

/* The keys' text lives in one block of ours for the object's life
 * (JSON_C_OBJECT_KEY_IS_CONSTANT): json-c does not copy each, and does not leak its copy
 * when inserting it fails (as json-c 0.16 does). Keys were checked unique first
 * (JSON_C_OBJECT_ADD_KEY_IS_NEW). */
static int build(const fc_dataset *in, char *keys, json_object *obj, fc_error *err)
{
    for (size_t i = 0; i < in->count; i++) {
        char *key = keys + 21 * i;
        jl_key_text(in->keys[i], key);
        json_object *v = json_object_new_double(in->values[i]);
        if (!v || json_object_object_add_ex(obj, key, v,
                                            JSON_C_OBJECT_ADD_KEY_IS_NEW |
                                                JSON_C_OBJECT_KEY_IS_CONSTANT) != 0) {
            json_object_put(v);
            return fc_fail(err, FC_ENOMEM, 0, "jsonc: out of memory at record %zu of %zu", i,
                           in->count);
        }
    }
    return 0;
}

/* Whether json-c's text holds every record: json-c 0.16 checks the appends of the
 * values and of the closing brace, but not of "{", ",", the quotes and the keys, so an
 * allocation failing there gives text with a piece missing and no error. Every key in
 * order, quoted, then ':' and a number (which never holds ',' or '}'), commas between. */
static bool whole_text(const fc_dataset *in, const char *keys, const char *t, size_t n)
{
    size_t at = 0;
    if (n < 2 || t[at++] != '{')
        return false;
    for (size_t i = 0; i < in->count; i++) {
        const char *key = keys + 21 * i;
        size_t kl = strlen(key);
        if (i > 0 && (at >= n || t[at++] != ','))
            return false;
        if (at + kl + 3 > n || t[at] != '"' || memcmp(t + at + 1, key, kl) != 0 ||
            t[at + 1 + kl] != '"' || t[at + 2 + kl] != ':')
            return false;
        size_t start = at += kl + 3;
        while (at < n && t[at] != ',' && t[at] != '}')
            at++;
        if (at == start)
            return false;
    }
    return at + 1 == n && t[at] == '}';
}

static int jsonc_encode(const fc_dataset *in, fc_buffer *out, fc_error *err)
{
    int rc = jl_refuse_repeat(LIB, in, err);
    if (rc)
        return rc;
    if (in->count > SIZE_MAX / 21)
        return fc_fail(err, FC_ENOMEM, 0, "jsonc: %zu records do not fit in memory", in->count);
    char *keys = malloc(in->count ? 21 * in->count : 1);
    json_object *obj = keys ? json_object_new_object() : NULL;
    if (!obj) {
        free(keys);
        return fc_fail(err, FC_ENOMEM, 0, "jsonc: out of memory for the object");
    }
    rc = build(in, keys, obj, err);
    size_t n = 0;
    const char *text = rc ? NULL : json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN, &n);
    if (rc == 0)
        rc = text && whole_text(in, keys, text, n)
                 ? fc_buffer_append(out, text, n, err)
                 : fc_fail(err, FC_ENOMEM, 0, "jsonc: out of memory writing %zu records%s",
                           in->count, text ? " (json-c left a piece out of the text)" : "");
    json_object_put(obj);
    free(keys);
    return rc;
}

/* An integer json-c read: int64, or uint64 when it is above INT64_MAX. */
static int integer_value(json_object *v, size_t index, uint64_t key, double *d, fc_error *err)
{
    int64_t i = json_object_get_int64(v);
    if (i == INT64_MAX)
        return jl_check_u64(LIB, json_object_get_uint64(v), index, key, d, err);
    return jl_check_i64(LIB, i, index, key, d, err);
}

static int walk(json_object *root, fc_dataset *out, fc_error *err)
{
    if (!json_object_is_type(root, json_type_object))
        return fc_fail(err, FC_ECORRUPT, 0, "jsonc: the file holds JSON, but not an object");
    size_t index = 0;
    json_object_object_foreach(root, name, v)
    {
        uint64_t key = 0;
        double d = 0;
        int rc = jl_key_parse(LIB, name, strlen(name), index, &key, err);
        if (rc)
            return rc;
        json_type t = json_object_get_type(v);
        if (t == json_type_double)
            d = json_object_get_double(v);
        else if (t == json_type_int)
            rc = integer_value(v, index, key, &d, err);
        else
            rc = jl_not_number(LIB, index, key,
                               t == json_type_object || t == json_type_array ? "nested"
                               : t == json_type_string                       ? "a string"
                                                                             : "not a number",
                               err);
        if (rc || (rc = fc_dataset_push(out, key, d, err)) != 0)
            return rc;
        index++;
    }
    return 0;
}

static int parse(json_tokener *tok, const uint8_t *data, size_t len, json_object **root,
                 fc_error *err)
{
    errno = 0;
    *root = json_tokener_parse_ex(tok, (const char *)data, (int)len);
    if (errno == ENOMEM) { /* json-c has no allocator hook; malloc says so in errno */
        json_object_put(*root);
        *root = NULL;
        return fc_fail(err, FC_ENOMEM, ENOMEM, "jsonc: out of memory parsing %zu bytes", len);
    }
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t at = json_tokener_get_parse_end(tok);
    if (!*root && je == json_tokener_continue)
        return fc_fail(err, FC_ECORRUPT, 0,
                       "jsonc: offset %zu: the file ends inside the JSON text", len);
    if (!*root)
        return fc_fail(err, FC_ECORRUPT, 0, "jsonc: offset %zu: %s", at,
                       json_tokener_error_desc(je));
    while (at < len && (data[at] == ' ' || data[at] == '\t' || data[at] == '\n' ||
                        data[at] == '\r'))
        at++;
    if (at < len)
        return fc_fail(err, FC_ECORRUPT, 0,
                       "jsonc: offset %zu: expected the end of the file after the object, "
                       "found byte 0x%02x", at, data[at]);
    return 0;
}

/* json-c keeps the last of two equal member names without a word, so the tree cannot
 * show a repeat: the member names are found in the text json-c parsed (a string in
 * double or single quotes followed by ':'), counted, and, written plainly in digits, kept in names to say which
 * key came twice. */
static size_t names_in_text(const uint8_t *data, size_t len, fc_dataset *names)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t quote = data[i];
        if (quote != '"' && quote != '\'') /* json-c, even strict, takes 'single quotes' */
            continue;
        size_t start = ++i;
        bool digits = true;
        for (; i < len && data[i] != quote; i++) {
            digits = digits && data[i] >= '0' && data[i] <= '9';
            if (data[i] == '\\')
                i++;
        }
        size_t j = i + 1;
        while (j < len && (data[j] == ' ' || data[j] == '\t' || data[j] == '\n' || data[j] == '\r'))
            j++;
        if (j >= len || data[j] != ':')
            continue;
        uint64_t key = 0;
        if (names && digits && jl_key_parse(LIB, (const char *)data + start, i - start, n, &key,
                                            NULL) == 0)
            fc_dataset_push(names, key, 0, NULL);
        n++;
    }
    return n;
}

static int repeated_name(const uint8_t *data, size_t len, size_t kept, fc_error *err)
{
    fc_dataset names = {0};
    size_t n = names_in_text(data, len, &names), a = 0, b = 0;
    int found = fc_dataset_find_repeat(&names, 0, &a, &b, NULL);
    int rc = found == 1
                 ? fc_fail(err, FC_ECORRUPT, 0,
                           "jsonc: member %zu: key %llu again (first at member %zu); a result "
                           "file holds each key once (json-c keeps the last)",
                           b, (unsigned long long)names.keys[b], a)
                 : fc_fail(err, FC_ECORRUPT, 0,
                           "jsonc: the object has %zu members but json-c kept %zu: a key came "
                           "twice (json-c keeps the last); a result file holds each key once",
                           n, kept);
    fc_dataset_free(&names);
    return rc;
}

static int jsonc_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    if (len > INT_MAX)
        return fc_fail(err, FC_EUNSUPPORTED, 0,
                       "jsonc: %zu bytes: json-c parses at most %d bytes at once", len, INT_MAX);
    json_tokener *tok = json_tokener_new();
    if (tok) /* RFC 8259 and no more: no comments, no single quotes (NaN, Infinity stay) */
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    if (!tok)
        return fc_fail(err, FC_ENOMEM, 0, "jsonc: out of memory for the tokener");
    json_object *root = NULL;
    size_t first = out->count;
    int rc = parse(tok, data, len, &root, err);
    json_tokener_free(tok);
    if (rc == 0)
        rc = walk(root, out, err);
    if (rc == 0 && names_in_text(data, len, NULL) != out->count - first)
        rc = repeated_name(data, len, out->count - first, err);
    json_object_put(root);
    if (rc == 0)
        rc = jl_check_repeat(LIB, out, first, err);
    return rc;
}

/* ==== Records of the other shapes (fc_shapes.h) ====
 *
 * Through json-c's own tree: json_object_new_object, _new_array, _new_string_len,
 * _new_int64, _new_uint64, _new_double, _new_boolean and NULL for null, added in order
 * and printed by json_object_to_json_string_length(JSON_C_TO_STRING_PLAIN |
 * JSON_C_TO_STRING_NOSLASHESCAPE); doubles "%.17g", exact. json-c keeps int64 and
 * uint64, so every integer of every shape comes back: json-c holds every shape. Read
 * by the tokener (JSON_TOKENER_STRICT, depth 512: deeper is json-c's "nesting too
 * deep" at its offset) and a walk of the tree. json-c does not check UTF-8 (we do),
 * keeps the last of two equal names in an object without a word (so the names in the
 * text are counted against the members kept, as for the numbers), and saturates
 * integers beyond -2^63..2^64-1 to those ends (read as such: a documented loss). Its
 * names are C strings, which a NUL would cut: a key holding one is refused on writing,
 * and a \u0000 anywhere in the text on reading (jl_nul_escape). */

static int jc_build(const fc_value *v, size_t record, json_object **out, fc_error *err);

static int jc_container(const fc_value *v, size_t record, json_object *j, fc_error *err)
{
    bool obj = v->type == FC_V_OBJECT;
    size_t n = obj ? v->obj.n : v->arr.n;
    for (size_t i = 0; i < n; i++) {
        json_object *c = NULL;
        const fc_member *m = obj ? &v->obj.members[i] : NULL;
        if (m && memchr(m->key, '\0', m->key_len))
            return fc_fail(err, FC_EUNSUPPORTED, 0, "jsonc: record %zu: a key holds a NUL "
                           "byte, and json-c's names are C strings", record);
        int rc = jc_build(obj ? &m->value : &v->arr.items[i], record, &c, err);
        if (rc)
            return rc;
        if (obj ? json_object_object_add(j, m->key, c) : json_object_array_add(j, c)) {
            json_object_put(c);
            return fc_fail(err, FC_ENOMEM, 0, "jsonc: out of memory at record %zu", record);
        }
    }
    if (obj && (size_t)json_object_object_length(j) != n)
        return fc_fail(err, FC_EINVAL, 0, "jsonc: record %zu: an object holds a key twice; "
                       "a json-c object holds each once", record);
    return 0;
}

static int jc_build(const fc_value *v, size_t record, json_object **out, fc_error *err)
{
    json_object *j = NULL;
    switch (v->type) {
    case FC_V_NULL: *out = NULL; return 0; /* json-c's null is NULL */
    case FC_V_BOOL: j = json_object_new_boolean(v->b); break;
    case FC_V_INT: j = json_object_new_int64(v->i); break;
    case FC_V_UINT: j = json_object_new_uint64(v->u); break;
    case FC_V_DOUBLE: j = json_object_new_double(v->d); break;
    case FC_V_FLOAT32: j = json_object_new_double((double)v->f); break;
    case FC_V_STRING:
        if (v->str.len > INT_MAX)
            return fc_fail(err, FC_EUNSUPPORTED, 0, "jsonc: record %zu: a text of %zu bytes; "
                           "json-c's lengths are int", record, v->str.len);
        j = json_object_new_string_len(v->str.p, (int)v->str.len);
        break;
    case FC_V_ARRAY: j = json_object_new_array_ext(v->arr.n > INT_MAX ? INT_MAX : (int)v->arr.n); break;
    case FC_V_OBJECT: j = json_object_new_object(); break;
    }
    if (!j)
        return fc_fail(err, FC_ENOMEM, 0, "jsonc: out of memory at record %zu", record);
    int rc = v->type == FC_V_ARRAY || v->type == FC_V_OBJECT ? jc_container(v, record, j, err) : 0;
    if (rc)
        json_object_put(j);
    *out = rc ? NULL : j;
    return rc;
}

static int jsonc_encode_records(const fc_records *in, unsigned shape, fc_buffer *out,
                                fc_error *err)
{
    (void)shape;
    json_object *top = json_object_new_object(), *c = NULL;
    int rc = top ? 0 : fc_fail(err, FC_ENOMEM, 0, "jsonc: out of memory for the object");
    for (size_t i = 0; !rc && i < in->count; i++) {
        char key[21];
        jl_key_text(in->keys[i], key);
        if ((rc = jc_build(&in->values[i], i, &c, err)) == 0 && json_object_object_add(top, key, c)) {
            json_object_put(c);
            rc = fc_fail(err, FC_ENOMEM, 0, "jsonc: out of memory at record %zu", i);
        }
    }
    if (!rc && (size_t)json_object_object_length(top) != in->count)
        rc = fc_fail(err, FC_EINVAL, 0, "jsonc: two records have the same key; a json-c "
                     "object holds each name once");
    size_t n = 0;
    const char *text = rc ? NULL : json_object_to_json_string_length(top, JSON_C_TO_STRING_PLAIN |
                                                                   JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    if (!rc)
        rc = text ? fc_buffer_append(out, text, n, err)
                  : fc_fail(err, FC_ENOMEM, 0, "jsonc: out of memory writing %zu records", in->count);
    json_object_put(top);
    return rc;
}

/* json-c's tree into ours; *members counts the object members met, for the repeat check. */
static int jc_walk(json_object *j, size_t record, fc_arena *a, fc_value *v, size_t *members,
                   fc_error *err)
{
    int rc = 0;
    size_t i = 0;
    switch (json_object_get_type(j)) {
    case json_type_null: v->type = FC_V_NULL; return 0;
    case json_type_boolean: v->type = FC_V_BOOL; v->b = json_object_get_boolean(j); return 0;
    case json_type_double: v->type = FC_V_DOUBLE; v->d = json_object_get_double(j); return 0;
    case json_type_int: {
        int64_t x = json_object_get_int64(j);
        v->type = x < 0 ? FC_V_INT : FC_V_UINT;
        if (x < 0)
            v->i = x;
        else
            v->u = json_object_get_uint64(j);
        return 0;
    }
    case json_type_string:
        v->type = FC_V_STRING;
        v->str.len = (size_t)json_object_get_string_len(j);
        return jl_tree_text(LIB, a, json_object_get_string(j), v->str.len, "a string",
                            &v->str.p, err);
    case json_type_array:
        if ((rc = jl_tree_items(a, v, FC_V_ARRAY, json_object_array_length(j), err)) != 0)
            return rc;
        for (i = 0; !rc && i < v->arr.n; i++)
            rc = jc_walk(json_object_array_get_idx(j, i), record, a, &v->arr.items[i], members, err);
        return rc;
    default:
        break;
    }
    if ((rc = jl_tree_items(a, v, FC_V_OBJECT, (size_t)json_object_object_length(j), err)) != 0)
        return rc;
    *members += v->obj.n;
    json_object_object_foreach(j, name, c)
    {
        fc_member *m = &v->obj.members[i++];
        m->key_len = strlen(name);
        if ((rc = jl_tree_text(LIB, a, name, m->key_len, "a key", &m->key, err)) != 0 ||
            (rc = jc_walk(c, record, a, &m->value, members, err)) != 0)
            return rc;
    }
    return 0;
}

static int jc_walk_records(json_object *root, fc_records *out, size_t *members, fc_error *err)
{
    size_t first = out->count;
    if (!json_object_is_type(root, json_type_object))
        return fc_fail(err, FC_ECORRUPT, 0, "jsonc: expected an object of records, keyed by "
                       "their integer keys as text");
    int rc = fc_records_reserve(out, first + (size_t)json_object_object_length(root), err);
    *members = (size_t)json_object_object_length(root);
    json_object_object_foreach(root, name, c)
    {
        size_t i = out->count;
        if (rc || (rc = jl_tree_key(LIB, name, strlen(name), i - first, &out->keys[i], err)) != 0 ||
            (rc = jc_walk(c, i - first, &out->arena, &out->values[i], members, err)) != 0)
            break;
        out->count++;
    }
    return rc;
}

static int jsonc_decode_records(const uint8_t *data, size_t len, unsigned shape,
                                fc_records *out, fc_error *err)
{
    if (len > INT_MAX)
        return fc_fail(err, FC_EUNSUPPORTED, 0,
                       "jsonc: %zu bytes: json-c parses at most %d bytes at once", len, INT_MAX);
    json_tokener *tok = json_tokener_new_ex((int)fc_tree_default_limits.max_depth);
    if (!tok)
        return fc_fail(err, FC_ENOMEM, 0, "jsonc: out of memory for the tokener");
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *root = NULL;
    size_t first = out->count, members = 0, named;
    int rc = jl_refuse_nul_escape(LIB, data, len, "json-c's names are C strings", err);
    if (rc == 0)
        rc = parse(tok, data, len, &root, err);
    json_tokener_free(tok);
    if (rc == 0)
        rc = jc_walk_records(root, out, &members, err);
    json_object_put(root);
    if (rc == 0 && (named = names_in_text(data, len, NULL)) != members)
        rc = fc_fail(err, FC_ECORRUPT, 0, "jsonc: the text names %zu members but json-c kept "
                     "%zu: an object holds a key twice (json-c keeps the last without a word)",
                     named, members);
    return rc ? rc : jl_tree_records_done(LIB, out, first, shape, err);
}

/* JSON is the built-in json's to detect: it reads any of these files. */
static unsigned jsonc_probe(const uint8_t *data, size_t len)
{
    (void)data;
    (void)len;
    return 0;
}

const fc_codec fc_codec_jsonc = {
    .name = "jsonc",
    .extension = "jsonc",
    .library = "json-c",
    .library_version = json_c_version,
    .encode = jsonc_encode,
    .decode = jsonc_decode,
    .probe = jsonc_probe,
    .version = FC_CODEC_VERSION,
    .shapes = FC_SHAPES_ALL,
    .encode_records = jsonc_encode_records,
    .decode_records = jsonc_decode_records,
    .supports = FC_SUPPORTS_KEY_U64 | FC_SUPPORTS_NONFINITE | FC_SUPPORTS_EXACT_DOUBLES |
                FC_SUPPORTS_STRINGS | FC_SUPPORTS_NESTING,
};
