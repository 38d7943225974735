/* jansson.c - the dict as a JSON object, written and read by jansson as its manual
 * shows: json_object + json_object_set_new(json_real), json_dump_callback (json_dumps
 * straight into our buffer); json_loadb, then json_object_foreach.
 *
 * Writing: {"1": 514.13702786238577, "2": 504.02105253917426} - keys as decimal
 * strings in the dataset's order (jansson keeps insertion order), its default
 * separators ", " and ": ". Numbers are jansson's own: "%.17g" (its default precision,
 * JSON_REAL_PRECISION(17)), with ".0" added to an integral value. 17 significant
 * digits always read back to the same double, so this codec keeps every bit
 * (FC_SUPPORTS_EXACT_DOUBLES); the text is longer than Python's shortest digits.
 * NaN and infinities are refused: json_real() has no value for them.
 *
 * Reading: json_loadb with JSON_REJECT_DUPLICATES (jansson would otherwise keep the
 * last of two equal member names without a word); strict RFC 8259; reals by strtod,
 * integers as json_int_t (long long): an integer beyond it is refused by jansson
 * ("too big integer"), and one a double does not hold exactly by us; a real beyond
 * the largest double ("1e400") is refused by jansson ("real number overflow"). */
#include "jsonlib.h"

#include <jansson.h>
#include <stdlib.h>

#define LIB "jansson"

/* jansson's allocations go through json_set_alloc_funcs, so that a failed one is known
 * as such: jansson's loader reports some as syntax errors ("':' expected"). */
static void hooks(void)
{
    json_set_alloc_funcs(jl_counting_malloc, free);
    *jl_alloc_failed() = false;
}

/* json_dump_callback's sink. Once an append fails every later one fails too: jansson
 * 2.14 goes on after a failed write of a key, and a later write that fits would leave
 * text with a hole in it. */
typedef struct sink {
    fc_buffer *out;
    bool failed;
} sink;

static int append_cb(const char *buffer, size_t size, void *data)
{
    sink *s = data;
    if (!s->failed && fc_buffer_append(s->out, buffer, size, NULL) != 0)
        s->failed = true;
    return s->failed ? -1 : 0;
}

static int jansson_encode(const fc_dataset *in, fc_buffer *out, fc_error *err)
{
    int rc = jl_refuse_nonfinite(LIB, in, err);
    if (rc || (rc = jl_refuse_repeat(LIB, in, err)) != 0)
        return rc;
    hooks();
    json_t *obj = json_object();
    if (!obj)
        return fc_fail(err, FC_ENOMEM, 0, "jansson: out of memory for the object");
    for (size_t i = 0; i < in->count; i++) {
        char key[21];
        jl_key_text(in->keys[i], key);
        if (json_object_set_new(obj, key, json_real(in->values[i])) != 0) {
            json_decref(obj);
            return fc_fail(err, FC_ENOMEM, 0, "jansson: out of memory at record %zu of %zu",
                           i, in->count);
        }
    }
    sink sk = {out, false};
    rc = json_dump_callback(obj, append_cb, &sk, JSON_REAL_PRECISION(17));
    json_decref(obj);
    if (rc != 0 || sk.failed || *jl_alloc_failed())
        return fc_fail(err, FC_ENOMEM, 0, "jansson: out of memory writing %zu records",
                       in->count);
    return 0;
}

static int walk(json_t *root, fc_dataset *out, fc_error *err)
{
    if (!json_is_object(root))
        return fc_fail(err, FC_ECORRUPT, 0, "jansson: the file holds JSON, but not an object");
    size_t index = 0;
    const char *name;
    size_t name_len;
    json_t *v;
    json_object_keylen_foreach(root, name, name_len, v)
    {
        uint64_t key = 0;
        double d = 0;
        int rc = jl_key_parse(LIB, name, name_len, index, &key, err);
        if (rc)
            return rc;
        if (json_is_real(v))
            d = json_real_value(v);
        else if (json_is_integer(v))
            rc = jl_check_i64(LIB, (int64_t)json_integer_value(v), index, key, &d, err);
        else
            rc = jl_not_number(LIB, index, key,
                               json_is_object(v) || json_is_array(v) ? "nested"
                               : json_is_string(v)                   ? "a string"
                                                                     : "not a number",
                               err);
        if (rc || (rc = fc_dataset_push(out, key, d, err)) != 0)
            return rc;
        index++;
    }
    return 0;
}

/* jansson's message, or ours for a key twice (JSON_REJECT_DUPLICATES says "duplicate
 * object key near '"7"'"), or FC_ENOMEM when an allocation failed during the load. */
static int load_error(const json_error_t *je, fc_error *err)
{
    const char *near = strstr(je->text, "near '\"");
    if (json_error_code(je) == json_error_out_of_memory || *jl_alloc_failed())
        return fc_fail(err, FC_ENOMEM, 0, "jansson: out of memory at offset %d", je->position);
    if (json_error_code(je) == json_error_duplicate_key && near)
        return fc_fail(err, FC_ECORRUPT, 0,
                       "jansson: offset %d: key %.*s again (first at an earlier member); a "
                       "result file holds each key once",
                       je->position, (int)strcspn(near + 7, "\"'"), near + 7);
    return fc_fail(err, FC_ECORRUPT, 0, "jansson: offset %d: %s", je->position, je->text);
}

/* json_loadb with JSON_REJECT_DUPLICATES: *root, or an error (and *root NULL). */
static int load(const uint8_t *data, size_t len, json_t **root, fc_error *err)
{
    json_error_t je;
    hooks();
    *root = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &je);
    if (!*root)
        return load_error(&je, err);
    if (!*jl_alloc_failed())
        return 0;
    json_decref(*root);
    *root = NULL;
    return fc_fail(err, FC_ENOMEM, 0, "jansson: out of memory loading %zu bytes", len);
}

static int jansson_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    size_t first = out->count;
    json_t *root;
    int rc = load(data, len, &root, err);
    if (rc)
        return rc;
    rc = walk(root, out, err);
    json_decref(root);
    if (rc == 0)
        rc = jl_check_repeat(LIB, out, first, err);
    return rc;
}

/* ==== Records of the other shapes (fc_shapes.h) ====
 *
 * Through jansson's own tree: json_object, json_array, json_stringn, json_integer,
 * json_real, json_true/false/null, set and appended in order, printed by
 * json_dump_callback as the numbers are (", " and ": ", reals "%.17g" and exact);
 * read by json_loadb(JSON_REJECT_DUPLICATES) and a walk of the tree. jansson keeps
 * integers as json_int_t (long long): an integer above 2^63-1 (the ints shape's u64
 * and mixed fields, half of the time) is refused at encode with FC_EUNSUPPORTED, so
 * jansson holds log, mesh and doc, not ints. NaN and infinities are refused too. A
 * float32 is written as the double it widens to and given back as float32
 * (fc_shape_conform). jansson checks the text is UTF-8 and refuses \u0000 (no
 * JSON_ALLOW_NUL); its parser stops at 2,048 levels, our walk at 512. jansson keeps
 * no offsets in its tree: a refusal found by the walk names the record instead. */

static int jt_build(const fc_value *v, size_t record, json_t **out, fc_error *err);

static int jt_container(const fc_value *v, size_t record, json_t *j, fc_error *err)
{
    bool obj = v->type == FC_V_OBJECT;
    size_t n = obj ? v->obj.n : v->arr.n;
    for (size_t i = 0; i < n; i++) {
        json_t *c;
        int rc = jt_build(obj ? &v->obj.members[i].value : &v->arr.items[i], record, &c, err);
        if (rc)
            return rc;
        if (obj ? json_object_setn_new_nocheck(j, v->obj.members[i].key,
                                               v->obj.members[i].key_len, c)
                : json_array_append_new(j, c))
            return fc_fail(err, FC_ENOMEM, 0, "jansson: out of memory at record %zu", record);
    }
    if (obj && json_object_size(j) != n)
        return fc_fail(err, FC_EINVAL, 0, "jansson: record %zu: an object holds a key twice; "
                       "a jansson object holds each once", record);
    return 0;
}

static int jt_build(const fc_value *v, size_t record, json_t **out, fc_error *err)
{
    double d = v->type == FC_V_FLOAT32 ? (double)v->f : v->d;
    char shown[FC_REPR_MAX];
    json_t *j = NULL;
    switch (v->type) {
    case FC_V_NULL: j = json_null(); break;
    case FC_V_BOOL: j = json_boolean(v->b); break;
    case FC_V_INT: j = json_integer(v->i); break;
    case FC_V_UINT:
        if (v->u > INT64_MAX)
            return fc_fail(err, FC_EUNSUPPORTED, 0, "jansson: record %zu holds the integer %llu, "
                           "above jansson's json_int_t (long long: at most 2^63-1)", record,
                           (unsigned long long)v->u);
        j = json_integer((json_int_t)v->u);
        break;
    case FC_V_DOUBLE:
    case FC_V_FLOAT32:
        if (!isfinite(d)) {
            fc_format_double(d, shown);
            return fc_fail(err, FC_EUNSUPPORTED, 0, "jansson: record %zu holds %s, which JSON "
                           "has no number for and jansson does not write", record, shown);
        }
        j = json_real(d);
        break;
    case FC_V_STRING: j = json_stringn_nocheck(v->str.p, v->str.len); break;
    case FC_V_ARRAY: j = json_array(); break;
    case FC_V_OBJECT: j = json_object(); break;
    }
    if (!j)
        return fc_fail(err, FC_ENOMEM, 0, "jansson: out of memory at record %zu", record);
    int rc = v->type == FC_V_ARRAY || v->type == FC_V_OBJECT ? jt_container(v, record, j, err) : 0;
    if (rc)
        json_decref(j);
    *out = rc ? NULL : j;
    return rc;
}

static int jansson_encode_records(const fc_records *in, unsigned shape, fc_buffer *out,
                                  fc_error *err)
{
    (void)shape;
    hooks();
    json_t *top = json_object(), *c;
    int rc = top ? 0 : fc_fail(err, FC_ENOMEM, 0, "jansson: out of memory for the object");
    for (size_t i = 0; !rc && i < in->count; i++) {
        char key[21];
        size_t n = jl_key_text(in->keys[i], key);
        if ((rc = jt_build(&in->values[i], i, &c, err)) == 0 &&
            json_object_setn_new_nocheck(top, key, n, c) != 0)
            rc = fc_fail(err, FC_ENOMEM, 0, "jansson: out of memory at record %zu", i);
    }
    if (!rc && json_object_size(top) != in->count)
        rc = fc_fail(err, FC_EINVAL, 0, "jansson: two records have the same key; a jansson "
                     "object holds each name once");
    sink sk = {out, false};
    if (!rc && (json_dump_callback(top, append_cb, &sk, JSON_REAL_PRECISION(17)) != 0 ||
                sk.failed || *jl_alloc_failed()))
        rc = fc_fail(err, FC_ENOMEM, 0, "jansson: out of memory writing %zu records", in->count);
    json_decref(top);
    return rc;
}

/* jansson's tree into ours: depth counts the file's object as 1. */
static int jt_walk(json_t *j, size_t record, size_t depth, fc_arena *a, fc_value *v,
                   fc_error *err)
{
    int rc = 0;
    size_t i = 0, n;
    switch (json_typeof(j)) {
    case JSON_NULL: v->type = FC_V_NULL; return 0;
    case JSON_TRUE: case JSON_FALSE: v->type = FC_V_BOOL; v->b = json_is_true(j); return 0;
    case JSON_INTEGER: {
        json_int_t x = json_integer_value(j);
        v->type = x < 0 ? FC_V_INT : FC_V_UINT;
        if (x < 0)
            v->i = x;
        else
            v->u = (uint64_t)x;
        return 0;
    }
    case JSON_REAL: v->type = FC_V_DOUBLE; v->d = json_real_value(j); return 0;
    case JSON_STRING:
        v->type = FC_V_STRING;
        v->str.len = json_string_length(j);
        return jl_tree_text(LIB, a, json_string_value(j), v->str.len, "a string", &v->str.p, err);
    default: break;
    }
    if (depth + 1 > fc_tree_default_limits.max_depth)
        return fc_fail(err, FC_EUNSUPPORTED, 0, "jansson: record %zu is nested deeper than %zu",
                       record, fc_tree_default_limits.max_depth);
    if (json_is_array(j)) {
        json_t *c;
        if ((rc = jl_tree_items(a, v, FC_V_ARRAY, json_array_size(j), err)) != 0)
            return rc;
        json_array_foreach(j, i, c) if ((rc = jt_walk(c, record, depth + 1, a, &v->arr.items[i], err)) != 0)
            return rc;
        return 0;
    }
    const char *name;
    json_t *c;
    if ((rc = jl_tree_items(a, v, FC_V_OBJECT, json_object_size(j), err)) != 0)
        return rc;
    json_object_keylen_foreach(j, name, n, c)
    {
        fc_member *m = &v->obj.members[i++];
        m->key_len = n;
        if ((rc = jl_tree_text(LIB, a, name, n, "a key", &m->key, err)) != 0 ||
            (rc = jt_walk(c, record, depth + 1, a, &m->value, err)) != 0)
            return rc;
    }
    return 0; /* JSON_REJECT_DUPLICATES: each name once */
}

static int jansson_decode_records(const uint8_t *data, size_t len, unsigned shape,
                                  fc_records *out, fc_error *err)
{
    size_t first = out->count;
    json_t *root;
    int rc = load(data, len, &root, err);
    if (rc)
        return rc;
    rc = !json_is_object(root)
             ? fc_fail(err, FC_ECORRUPT, 0, "jansson: expected an object of records, keyed by "
                       "their integer keys as text")
             : fc_records_reserve(out, first + json_object_size(root), err);
    const char *name;
    size_t n;
    json_t *c;
    if (!rc)
        json_object_keylen_foreach(root, name, n, c)
        {
            size_t i = out->count;
            if ((rc = jl_tree_key(LIB, name, n, i - first, &out->keys[i], err)) != 0 ||
                (rc = jt_walk(c, i - first, 1, &out->arena, &out->values[i], err)) != 0)
                break;
            out->count++;
        }
    json_decref(root);
    return rc ? rc : jl_tree_records_done(LIB, out, first, shape, err);
}

/* JSON is the built-in json's to detect: it reads any of these files. */
static unsigned jansson_probe(const uint8_t *data, size_t len)
{
    (void)data;
    (void)len;
    return 0;
}

static const char *jansson_version(void)
{
    return jansson_version_str();
}

const fc_codec fc_codec_jansson = {
    .name = "jansson",
    .extension = "jansson",
    .library = "jansson",
    .library_version = jansson_version,
    .encode = jansson_encode,
    .decode = jansson_decode,
    .probe = jansson_probe,
    .version = FC_CODEC_VERSION,
    .shapes = 1u << FC_SHAPE_LOG | 1u << FC_SHAPE_MESH | 1u << FC_SHAPE_DOC | 1u << FC_SHAPE_INPUT,
    .encode_records = jansson_encode_records,
    .decode_records = jansson_decode_records,
    .supports = FC_SUPPORTS_KEY_U64 | FC_SUPPORTS_EXACT_DOUBLES | FC_SUPPORTS_STRINGS |
                FC_SUPPORTS_NESTING,
};
