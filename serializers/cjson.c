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

/* cJSON_Parse of the whole file (no byte order mark, nothing after the value). */
static int parse(const uint8_t *data, size_t len, cJSON **root, fc_error *err)
{
    const char *end = NULL;
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) /* cJSON would skip it */
        return fc_fail(err, FC_ECORRUPT, 0,
                       "cjson: offset 0: the file starts with a UTF-8 byte order mark (bytes ef "
                       "bb bf), which RFC 8259 forbids; remove those 3 bytes");
    hooks();
    *root = cJSON_ParseWithLengthOpts((const char *)data, len, &end, 0);
    if (!*root && *jl_alloc_failed())
        return fc_fail(err, FC_ENOMEM, 0, "cjson: out of memory parsing %zu bytes", len);
    if (!*root) {
        size_t at = end ? (size_t)((const uint8_t *)end - data) : 0;
        return fc_fail(err, FC_ECORRUPT, 0,
                       "cjson: offset %zu: cJSON_Parse refused the text there (cJSON says "
                       "no more than where)", at > len ? len : at);
    }
    size_t at = (size_t)((const uint8_t *)end - data);
    while (at < len && json_space(data[at]))
        at++;
    if (at < len)
        return fc_fail(err, FC_ECORRUPT, 0,
                       "cjson: offset %zu: expected the end of the file after the object, "
                       "found byte 0x%02x", at, data[at]);
    return 0;
}

static int cjson_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    size_t first = out->count;
    cJSON *root = NULL;
    int rc = parse(data, len, &root, err);
    if (rc == 0)
        rc = walk(root, out, err);
    cJSON_Delete(root);
    if (rc == 0)
        rc = check_integers(data, len, out, first, err);
    if (rc == 0)
        rc = jl_check_repeat(LIB, out, first, err);
    return rc;
}

/* ==== Records of the other shapes (fc_shapes.h) ====
 *
 * Through cJSON's own tree: cJSON_CreateObject, _CreateArray, _CreateString,
 * _CreateNumber, _CreateBool, _CreateNull, added in order, printed by
 * cJSON_PrintUnformatted; read by cJSON_Parse and a walk. cJSON has one kind of
 * number, a double, printed "%1.15g" (or "%1.17g"): so an integer beyond +-2^53, which
 * a double does not hold (ids of 63 bits, the ints shape's 64-bit fields), is refused
 * at encode with FC_EUNSUPPORTED, and a double may come back 1 or 2 ulps off (as for
 * the numbers: no FC_SUPPORTS_EXACT_DOUBLES). Reading, a number that is integral, not
 * -0, and within +-2^53 is an int (that is what cJSON wrote for one), any other a
 * double; a mesh's coordinates are doubles whatever they look like ("3" for 3.0), then
 * float32 (fc_shape_conform). So cJSON holds log and mesh exactly; ints and doc not.
 * cJSON does not check UTF-8 (we do) and keeps both of two equal names (we refuse);
 * its texts are C strings: a text or key with a NUL is refused on writing, a \u0000 in
 * the file on reading. Its parser stops at 1,000 levels (CJSON_NESTING_LIMIT), our
 * walk at 512; its tree keeps no offsets, so the walk's refusals name the record. */

#define CJ_INT_MAX 9007199254740992.0 /* 2^53 */

static int cj_build(const fc_value *v, size_t record, cJSON **out, fc_error *err);

static int cj_container(const fc_value *v, size_t record, cJSON *j, fc_error *err)
{
    bool obj = v->type == FC_V_OBJECT;
    size_t n = obj ? v->obj.n : v->arr.n;
    for (size_t i = 0; i < n; i++) {
        cJSON *c;
        const fc_member *m = obj ? &v->obj.members[i] : NULL;
        if (m && memchr(m->key, '\0', m->key_len))
            return fc_fail(err, FC_EUNSUPPORTED, 0, "cjson: record %zu: a key holds a NUL byte, "
                           "and cJSON's texts are C strings", record);
        int rc = cj_build(obj ? &m->value : &v->arr.items[i], record, &c, err);
        if (rc)
            return rc;
        if (!(obj ? cJSON_AddItemToObject(j, m->key, c) : cJSON_AddItemToArray(j, c))) {
            cJSON_Delete(c);
            return fc_fail(err, FC_ENOMEM, 0, "cjson: out of memory at record %zu", record);
        }
    }
    return 0;
}

static int cj_number(double d, size_t record, cJSON **out, fc_error *err)
{
    char shown[FC_REPR_MAX];
    if (isfinite(d)) {
        *out = cJSON_CreateNumber(d);
        return 0;
    }
    fc_format_double(d, shown);
    return fc_fail(err, FC_EUNSUPPORTED, 0, "cjson: record %zu holds %s, which JSON has no "
                   "number for and cJSON does not write", record, shown);
}

static int cj_build(const fc_value *v, size_t record, cJSON **out, fc_error *err)
{
    cJSON *j = NULL;
    int rc = 0;
    switch (v->type) {
    case FC_V_NULL: j = cJSON_CreateNull(); break;
    case FC_V_BOOL: j = cJSON_CreateBool(v->b); break;
    case FC_V_INT:
    case FC_V_UINT:
        if (v->type == FC_V_INT ? (double)v->i < -CJ_INT_MAX : (double)v->u > CJ_INT_MAX) {
            if (v->type == FC_V_INT)
                return fc_fail(err, FC_EUNSUPPORTED, 0, "cjson: record %zu holds the integer "
                               "%lld: cJSON keeps numbers as doubles, exact only within "
                               "+-2^53", record, (long long)v->i);
            return fc_fail(err, FC_EUNSUPPORTED, 0, "cjson: record %zu holds the integer %llu: "
                           "cJSON keeps numbers as doubles, exact only within +-2^53", record,
                           (unsigned long long)v->u);
        }
        j = cJSON_CreateNumber(v->type == FC_V_INT ? (double)v->i : (double)v->u);
        break;
    case FC_V_DOUBLE: rc = cj_number(v->d, record, &j, err); break;
    case FC_V_FLOAT32: rc = cj_number((double)v->f, record, &j, err); break;
    case FC_V_STRING:
        if (memchr(v->str.p, '\0', v->str.len))
            return fc_fail(err, FC_EUNSUPPORTED, 0, "cjson: record %zu: a text holds a NUL "
                           "byte, and cJSON's texts are C strings", record);
        j = cJSON_CreateString(v->str.p);
        break;
    case FC_V_ARRAY: j = cJSON_CreateArray(); break;
    case FC_V_OBJECT: j = cJSON_CreateObject(); break;
    }
    if (rc)
        return rc;
    if (!j)
        return fc_fail(err, FC_ENOMEM, 0, "cjson: out of memory at record %zu", record);
    rc = v->type == FC_V_ARRAY || v->type == FC_V_OBJECT ? cj_container(v, record, j, err) : 0;
    if (rc)
        cJSON_Delete(j);
    *out = rc ? NULL : j;
    return rc;
}

static int cjson_encode_records(const fc_records *in, unsigned shape, fc_buffer *out,
                                fc_error *err)
{
    (void)shape;
    hooks();
    cJSON *top = cJSON_CreateObject(), *c;
    int rc = top ? 0 : fc_fail(err, FC_ENOMEM, 0, "cjson: out of memory for the object");
    for (size_t i = 0; !rc && i < in->count; i++) {
        char key[21];
        jl_key_text(in->keys[i], key);
        if ((rc = cj_build(&in->values[i], i, &c, err)) == 0 && !cJSON_AddItemToObject(top, key, c)) {
            cJSON_Delete(c);
            rc = fc_fail(err, FC_ENOMEM, 0, "cjson: out of memory at record %zu", i);
        }
    }
    char *text = rc ? NULL : cJSON_PrintUnformatted(top);
    if (!rc)
        rc = text ? fc_buffer_append(out, text, strlen(text), err)
                  : fc_fail(err, FC_ENOMEM, 0, "cjson: out of memory printing %zu records", in->count);
    cJSON_free(text);
    cJSON_Delete(top);
    return rc;
}

/* A number cJSON read: an int when it is one a double holds exactly, else a double. */
static void cj_read_number(double d, fc_value *v)
{
    if (d == floor(d) && fabs(d) <= CJ_INT_MAX && !(d == 0 && signbit(d))) {
        v->type = d < 0 ? FC_V_INT : FC_V_UINT;
        if (d < 0)
            v->i = (int64_t)d;
        else
            v->u = (uint64_t)d;
    } else {
        v->type = FC_V_DOUBLE;
        v->d = d;
    }
}

/* cJSON's tree into ours: depth counts the file's object as 1. */
static int cj_walk(const cJSON *j, size_t record, size_t depth, fc_arena *a, fc_value *v,
                   fc_error *err)
{
    if (cJSON_IsNull(j))
        return (v->type = FC_V_NULL), 0;
    if (cJSON_IsBool(j)) {
        v->type = FC_V_BOOL;
        v->b = cJSON_IsTrue(j);
        return 0;
    }
    if (cJSON_IsNumber(j))
        return cj_read_number(j->valuedouble, v), 0;
    if (cJSON_IsString(j)) {
        v->type = FC_V_STRING;
        v->str.len = strlen(j->valuestring);
        return jl_tree_text(LIB, a, j->valuestring, v->str.len, "a string", &v->str.p, err);
    }
    if (depth + 1 > fc_tree_default_limits.max_depth)
        return fc_fail(err, FC_EUNSUPPORTED, 0, "cjson: record %zu is nested deeper than %zu",
                       record, fc_tree_default_limits.max_depth);
    bool obj = cJSON_IsObject(j);
    int rc = jl_tree_items(a, v, obj ? FC_V_OBJECT : FC_V_ARRAY, (size_t)cJSON_GetArraySize(j), err);
    size_t i = 0;
    const cJSON *c;
    if (rc)
        return rc;
    cJSON_ArrayForEach(c, j)
    {
        fc_member *m = obj ? &v->obj.members[i] : NULL;
        if (m) {
            m->key_len = strlen(c->string);
            rc = jl_tree_text(LIB, a, c->string, m->key_len, "a key", &m->key, err);
        }
        if (!rc)
            rc = cj_walk(c, record, depth + 1, a, m ? &m->value : &v->arr.items[i], err);
        if (rc)
            return rc;
        i++;
    }
    return rc || !obj ? rc : jl_tree_members_once(LIB, v, record, err);
}

/* A mesh's coordinates are doubles, though cJSON wrote 3.0 as "3". */
static void cj_mesh_floats(fc_value *record)
{
    for (size_t k = 0; record->type == FC_V_OBJECT && k < record->obj.n; k++) {
        fc_member *m = &record->obj.members[k];
        if (m->value.type != FC_V_ARRAY || (strcmp(m->key, "vertices") && strcmp(m->key, "normals")))
            continue;
        for (size_t i = 0; i < m->value.arr.n; i++) {
            fc_value *x = &m->value.arr.items[i];
            if (x->type == FC_V_UINT)
                *x = (fc_value){.type = FC_V_DOUBLE, .d = (double)x->u};
            else if (x->type == FC_V_INT)
                *x = (fc_value){.type = FC_V_DOUBLE, .d = (double)x->i};
        }
    }
}

static int cjson_decode_records(const uint8_t *data, size_t len, unsigned shape,
                                fc_records *out, fc_error *err)
{
    size_t first = out->count;
    cJSON *root = NULL;
    int rc = jl_refuse_nul_escape(LIB, data, len, "cJSON's texts are C strings", err);
    if (!rc)
        rc = parse(data, len, &root, err);
    if (!rc && !cJSON_IsObject(root))
        rc = fc_fail(err, FC_ECORRUPT, 0, "cjson: expected an object of records, keyed by "
                     "their integer keys as text");
    if (!rc)
        rc = fc_records_reserve(out, first + (size_t)cJSON_GetArraySize(root), err);
    const cJSON *c;
    if (!rc)
        cJSON_ArrayForEach(c, root)
        {
            size_t i = out->count;
            if ((rc = jl_tree_key(LIB, c->string, strlen(c->string), i - first, &out->keys[i], err)) != 0 ||
                (rc = cj_walk(c, i - first, 1, &out->arena, &out->values[i], err)) != 0)
                break;
            if (shape == FC_SHAPE_MESH)
                cj_mesh_floats(&out->values[i]);
            out->count++;
        }
    cJSON_Delete(root);
    return rc ? rc : jl_tree_records_done(LIB, out, first, shape, err);
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
    .supports = FC_SUPPORTS_KEY_U64 | FC_SUPPORTS_STRINGS | FC_SUPPORTS_NESTING,
    .shapes = 1u << FC_SHAPE_LOG | 1u << FC_SHAPE_MESH,
    .encode_records = cjson_encode_records,
    .decode_records = cjson_decode_records,
};
