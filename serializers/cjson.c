/* cjson.c - the dict as a JSON object, written and read by cJSON as its README shows:
 * cJSON_CreateObject + cJSON_AddNumberToObject, cJSON_PrintUnformatted; cJSON_Parse
 * (cJSON_ParseWithLengthOpts, for a buffer that is not NUL-terminated), then a walk of
 * the tree with cJSON_ArrayForEach.
 *
 * Writing: {"1":514.13702786238577,"2":504.021052539174} - keys as decimal strings,
 * in the dataset's order, no spaces. Numbers are cJSON's own: "%1.15g", and "%1.17g"
 * only when the 15 digits do not read back within DBL_EPSILON of the value (cJSON's
 * compare_double is a relative comparison, not an exact one), so a value 1 ulp from
 * its 15-digit reading keeps the 15 digits and reads back 1 ulp off. That loses bits
 * on about a third of random doubles: this codec does not set
 * FC_SUPPORTS_EXACT_DOUBLES. NaN and infinities are refused (cJSON would write null).
 *
 * Reading: what cJSON_Parse accepts (its grammar is cJSON's, a little wider than
 * RFC 8259: "+1", "01", ".5"; numbers longer than 63 characters are refused), one
 * object whose members are numbers under decimal keys; numbers read by strtod. cJSON
 * keeps no integer type and no text of a number, so the rule that an integer literal
 * needs an exact double is checked on the input text after cJSON has parsed it. */
#include "jsonlib.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

#define LIB "cjson"

/* cJSON's allocations go through cJSON_InitHooks, so that a failed one is known as
 * such: cJSON_Parse returns NULL for a syntax error and for no memory alike. */
static void hooks(void)
{
    cJSON_Hooks h = {jl_counting_malloc, free};
    cJSON_InitHooks(&h);
    *jl_alloc_failed() = false;
}

static int cjson_encode(const fc_dataset *in, fc_buffer *out, fc_error *err)
{
    int rc = jl_refuse_nonfinite(LIB, in, err);
    if (rc)
        return rc;
    hooks();
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        return fc_fail(err, FC_ENOMEM, 0, "cjson: out of memory for the object");
    for (size_t i = 0; i < in->count; i++) {
        char key[21];
        jl_key_text(in->keys[i], key);
        if (!cJSON_AddNumberToObject(obj, key, in->values[i])) {
            cJSON_Delete(obj);
            return fc_fail(err, FC_ENOMEM, 0, "cjson: out of memory at record %zu of %zu", i,
                           in->count);
        }
    }
    char *text = cJSON_PrintUnformatted(obj);
    cJSON_Delete(obj);
    if (!text)
        return fc_fail(err, FC_ENOMEM, 0, "cjson: out of memory printing %zu records",
                       in->count);
    rc = fc_buffer_append(out, text, strlen(text), err);
    cJSON_free(text);
    return rc;
}

static bool json_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The integer literal data[at..at+n) (cJSON's number characters, already parsed by it),
 * which cJSON read as v: a double must hold it exactly. */
static int check_literal(const uint8_t *data, size_t at, size_t n, double v, fc_error *err)
{
    const char *t = (const char *)data + at;
    size_t sign = (t[0] == '-' || t[0] == '+'), nd = n - sign;
    char exact[320];
    for (size_t i = sign; i < n; i++)
        if (t[i] < '0' || t[i] > '9')
            return 0; /* a float literal: rounds as strtod does */
    while (nd > 1 && t[sign] == '0') { /* cJSON reads "007" as 7 */
        sign++;
        nd--;
    }
    if (nd <= 15 || (isfinite(v) && (size_t)snprintf(exact, sizeof exact, "%.0f", fabs(v)) == nd &&
                     memcmp(exact, t + sign, nd) == 0))
        return 0;
    char nearest[FC_REPR_MAX];
    fc_format_double(v, nearest);
    if (!isfinite(v))
        return fc_fail(err, FC_ECORRUPT, 0,
                       "cjson: integer %.*s at offset %zu has no exact double: it is beyond "
                       "the largest, 1.7976931348623157e+308", (int)(n < 40 ? n : 40), t, at);
    return fc_fail(err, FC_ECORRUPT, 0,
                   "cjson: integer %.*s at offset %zu has no exact double (the nearest is %s; "
                   "write that if it is meant)", (int)(n < 40 ? n : 40), t, at, nearest);
}

/* cJSON has parsed data: finds each number's text in the order of the members, for
 * the integer rule. Strings are skipped (escapes and all); numbers are runs of the
 * characters cJSON's parse_number takes. */
static int check_integers(const uint8_t *data, size_t len, const fc_dataset *out,
                          size_t first, fc_error *err)
{
    size_t member = first;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = data[i];
        if (c == '"') {
            for (i++; i < len && data[i] != '"'; i++)
                if (data[i] == '\\')
                    i++;
            continue;
        }
        if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.'))
            continue;
        size_t at = i;
        while (i < len && ((data[i] >= '0' && data[i] <= '9') || data[i] == '-' ||
                           data[i] == '+' || data[i] == '.' || data[i] == 'e' || data[i] == 'E'))
            i++;
        if (member < out->count) {
            int rc = check_literal(data, at, i - at, out->values[member], err);
            if (rc)
                return rc;
        }
        member++;
        i--;
    }
    return 0;
}

/* Walks the object cJSON built: decimal keys, number values. */
static int walk(const cJSON *root, fc_dataset *out, fc_error *err)
{
    if (!cJSON_IsObject(root))
        return fc_fail(err, FC_ECORRUPT, 0, "cjson: the file holds JSON, but not an object");
    size_t index = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, root)
    {
        uint64_t key = 0;
        int rc = jl_key_parse(LIB, m->string, strlen(m->string), index, &key, err);
        if (rc)
            return rc;
        if (!cJSON_IsNumber(m))
            return jl_not_number(LIB, index, key,
                                 cJSON_IsObject(m) || cJSON_IsArray(m) ? "nested"
                                 : cJSON_IsString(m)                   ? "a string"
                                                                       : "not a number",
                                 err);
        if ((rc = fc_dataset_push(out, key, m->valuedouble, err)) != 0)
            return rc;
        index++;
    }
    return 0;
}

static int cjson_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    const char *end = NULL;
    size_t first = out->count;
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) /* cJSON would skip it */
        return fc_fail(err, FC_ECORRUPT, 0,
                       "cjson: offset 0: the file starts with a UTF-8 byte order mark (bytes ef "
                       "bb bf), which RFC 8259 forbids; remove those 3 bytes");
    hooks();
    cJSON *root = cJSON_ParseWithLengthOpts((const char *)data, len, &end, 0);
    if (!root && *jl_alloc_failed())
        return fc_fail(err, FC_ENOMEM, 0, "cjson: out of memory parsing %zu bytes", len);
    if (!root) {
        size_t at = end ? (size_t)((const uint8_t *)end - data) : 0;
        return fc_fail(err, FC_ECORRUPT, 0,
                       "cjson: offset %zu: cJSON_Parse refused the text there (cJSON says "
                       "no more than where)", at > len ? len : at);
    }
    size_t at = (size_t)((const uint8_t *)end - data);
    while (at < len && json_space(data[at]))
        at++;
    int rc = 0;
    if (at < len)
        rc = fc_fail(err, FC_ECORRUPT, 0,
                     "cjson: offset %zu: expected the end of the file after the object, "
                     "found byte 0x%02x", at, data[at]);
    if (rc == 0)
        rc = walk(root, out, err);
    cJSON_Delete(root);
    if (rc == 0)
        rc = check_integers(data, len, out, first, err);
    if (rc == 0)
        rc = jl_check_repeat(LIB, out, first, err);
    return rc;
}

/* JSON is the built-in json's to detect: it reads any of these files. */
static unsigned cjson_probe(const uint8_t *data, size_t len)
{
    (void)data;
    (void)len;
    return 0;
}

static const char *cjson_version(void)
{
    return cJSON_Version();
}

const fc_codec fc_codec_cjson = {
    .name = "cjson",
    .extension = "cjson",
    .library = "cJSON",
    .library_version = cjson_version,
    .encode = cjson_encode,
    .decode = cjson_decode,
    .probe = cjson_probe,
    .version = FC_CODEC_VERSION,
    .supports = FC_SUPPORTS_KEY_U64,
};
