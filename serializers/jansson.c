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

static int jansson_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    json_error_t je;
    size_t first = out->count;
    hooks();
    json_t *root = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return load_error(&je, err);
    int rc = *jl_alloc_failed()
                 ? fc_fail(err, FC_ENOMEM, 0, "jansson: out of memory loading %zu bytes", len)
                 : walk(root, out, err);
    json_decref(root);
    if (rc == 0)
        rc = jl_check_repeat(LIB, out, first, err);
    return rc;
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
    .supports = FC_SUPPORTS_KEY_U64 | FC_SUPPORTS_EXACT_DOUBLES,
};
