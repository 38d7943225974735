/* avro.c - the dict as an Avro object container file holding one datum of
 * proto/results.avsc:
 *
 *   record forkcollect.Results { array<record Record { long key; double value; }> records; }
 *
 * Avro has no unsigned 64-bit type: a key is stored as the long of the same 64 bits
 * (two's complement), so keys 2^63..2^64-1 are the longs -2^63..-1; docs/FORMATS.md.
 *
 * The container (magic, metadata, sync marker, one block) is written and walked here;
 * avro-c writes and reads the datum inside the block with its generic values. The sync
 * marker comes from the datum's bytes (CRC-32C), not from a random source, so that the
 * same records give the same file.
 *
 * A writer's schema that resolves to ours (an int key, a float value, the fields in
 * the other order) is read too: avro-c reads the datum with it, and we promote.
 *
 * Bounded: the whole container, and the datum inside its block, are walked before
 * avro-c reads anything: every length and block count against the bytes left (a
 * record takes 5 bytes at least), the schema text to FC_AVRO_SCHEMA_MAX bytes, one
 * datum, no codec but "null". avro-c then allocates for the records the datum holds.
 */
#include "codecs.h"

#include "results_avsc.h"

#include <avro.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AVRO_MAGIC "Obj\x01"
#define AVRO_SYNC 16
#define FC_AVRO_SCHEMA_MAX 4096

static const char *av_version(void)
{
    return FC_AVRO_VERSION; /* avro-c has no version call: pkg-config's, at build time */
}

/* The schema and its generic class, made per call (avro-c keeps no global state we
 * would have to guard across fork()). */
typedef struct av_schema {
    avro_schema_t schema;
    avro_value_iface_t *iface;
} av_schema;

static int av_schema_new(av_schema *s, fc_error *err)
{
    s->iface = NULL;
    if (avro_schema_from_json_length(FC_AVRO_SCHEMA, sizeof FC_AVRO_SCHEMA - 1, &s->schema))
        return fc_fail(err, FC_ENOMEM, 0, "avro-c: results.avsc: %s", avro_strerror());
    if (!(s->iface = avro_generic_class_from_schema(s->schema))) {
        avro_schema_decref(s->schema);
        return fc_fail(err, FC_ENOMEM, 0, "avro-c: %s", avro_strerror());
    }
    return 0;
}

static void av_schema_free(av_schema *s)
{
    avro_value_iface_decref(s->iface);
    avro_schema_decref(s->schema);
}

/* ==== Writing ==== */

static uint8_t *put_long(uint8_t *p, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); /* zigzag */
    for (; z >= 0x80; z >>= 7)
        *p++ = (uint8_t)(z | 0x80);
    *p++ = (uint8_t)z;
    return p;
}

static uint8_t *put_bytes(uint8_t *p, const char *s, size_t n)
{
    p = put_long(p, (int64_t)n);
    memcpy(p, s, n);
    return p + n;
}

/* The datum: a generic Results value with the records, in avro-c's binary encoding
 * at the end of out (*size bytes). */
static int write_datum(const av_schema *s, const fc_dataset *in, fc_buffer *out, size_t head,
                       size_t *size, fc_error *err)
{
    avro_value_t results, records, record, field;
    if (avro_generic_value_new(s->iface, &results))
        return fc_fail(err, FC_ENOMEM, 0, "avro-c: %s", avro_strerror());
    int rc = avro_value_get_by_index(&results, 0, &records, NULL);
    for (size_t i = 0; rc == 0 && i < in->count; i++)
        rc = avro_value_append(&records, &record, NULL) ||
             avro_value_get_by_index(&record, 0, &field, NULL) ||
             avro_value_set_long(&field, (int64_t)in->keys[i]) ||
             avro_value_get_by_index(&record, 1, &field, NULL) ||
             avro_value_set_double(&field, in->values[i]);
    if (rc == 0)
        rc = avro_value_sizeof(&results, size);
    /* room for the block's count and size (two longs), the datum and the sync */
    if (rc == 0 && (rc = fc_buffer_reserve(out, head + 11 + *size + AVRO_SYNC, err)) != 0) {
        avro_value_decref(&results);
        return rc;
    }
    avro_writer_t w = rc ? NULL : avro_writer_memory((char *)out->data + out->len + head + 11,
                                                     (int64_t)*size);
    if (rc == 0 && (!w || avro_value_write(w, &results)))
        rc = 1;
    if (w)
        avro_writer_free(w);
    avro_value_decref(&results);
    return rc ? fc_fail(err, FC_ENOMEM, 0, "avro-c: %s", avro_strerror()) : 0;
}

static int av_encode(const fc_dataset *in, fc_buffer *out, fc_error *err)
{
    av_schema s;
    int rc = av_schema_new(&s, err);
    if (rc)
        return rc;
    static const char schema[] = FC_AVRO_SCHEMA;
    size_t head = 4 + 1 + 1 + 10 + 1 + 4 + 1 + 11 + 10 + (sizeof schema - 1) + 1 + AVRO_SYNC;
    size_t size = 0;
    rc = write_datum(&s, in, out, head, &size, err);
    av_schema_free(&s);
    if (rc)
        return rc;
    /* The header: magic, metadata {avro.codec: null, avro.schema: results.avsc}, sync;
     * then the one block: 1 datum, its size, the datum (written above, moved up to
     * its place), the sync again. */
    uint8_t *start = out->data + out->len, *p = start, *datum = start + head + 11;
    memcpy(p, AVRO_MAGIC, 4), p += 4;
    p = put_long(p, 2);
    p = put_bytes(p, "avro.codec", 10);
    p = put_bytes(p, "null", 4);
    p = put_bytes(p, "avro.schema", 11);
    p = put_bytes(p, schema, sizeof schema - 1);
    *p++ = 0;
    uint8_t *sync = p;
    for (uint32_t i = 0; i < 4; i++) {
        uint32_t c = fc_crc32c(i + 1, datum, size);
        memcpy(p, &c, 4), p += 4;
    }
    p = put_long(p, 1);
    p = put_long(p, (int64_t)size);
    memmove(p, datum, size), p += size;
    memcpy(p, sync, AVRO_SYNC), p += AVRO_SYNC;
    out->len += (size_t)(p - start);
    return 0;
}

/* ==== Walking a file ==== */

typedef struct walk {
    const uint8_t *data;
    size_t len, pos;
    fc_error *err;
} walk;

/* A long (zigzag varint of at most 10 bytes, as avro-c reads it) at w->pos. */
static int get_long(walk *w, int64_t *v, const char *what)
{
    size_t at = w->pos;
    uint64_t z = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        if (w->pos >= w->len)
            return fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: the file ends inside %s (a "
                           "varint): it is truncated", at, what);
        uint8_t b = w->data[w->pos++];
        z |= shift < 64 ? (uint64_t)(b & 0x7f) << shift : 0;
        if (!(b & 0x80)) {
            *v = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
            return 0;
        }
    }
    return fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: %s is a varint longer than 10 bytes",
                   at, what);
}

/* A length or count: a long 0..max. */
static int get_count(walk *w, int64_t max, int64_t *n, const char *what)
{
    size_t at = w->pos;
    int rc = get_long(w, n, what);
    if (rc == 0 && (*n < 0 || *n > max))
        rc = fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: %s is %lld; at most %lld fit in the "
                     "bytes left: the file is truncated or damaged", at, what,
                     (long long)*n, (long long)max);
    return rc;
}

typedef struct header {
    const uint8_t *schema, *codec, *sync;
    size_t schema_len, codec_len;
} header;

static void meta_entry(header *h, const uint8_t *key, size_t klen, const uint8_t *val,
                       size_t vlen)
{
    if (klen == 11 && memcmp(key, "avro.schema", 11) == 0)
        h->schema = val, h->schema_len = vlen;
    else if (klen == 10 && memcmp(key, "avro.codec", 10) == 0)
        h->codec = val, h->codec_len = vlen;
}

/* The magic, the metadata map (in blocks, as any Avro map) and the sync marker. */
static int read_header(walk *w, header *h)
{
    if (w->len < 4 || memcmp(w->data, AVRO_MAGIC, 4) != 0)
        return fc_fail(w->err, FC_ECORRUPT, 0, "offset 0: not an Avro object container "
                       "file: it starts with 4f 62 6a 01 (\"Obj\" 1)");
    w->pos = 4;
    for (;;) {
        int64_t n, size, klen, vlen;
        int rc = get_long(w, &n, "the metadata's block count");
        if (rc)
            return rc;
        if (n == 0)
            break;
        if (n < 0 && (n == INT64_MIN ||
                      (rc = get_count(w, (int64_t)(w->len - w->pos), &size,
                                      "the metadata block's size")) != 0))
            return rc ? rc : fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: a metadata block "
                                     "count of -2^63", w->pos);
        for (n = n < 0 ? -n : n; n > 0; n--) {
            size_t k = 0, v = 0;
            if ((rc = get_count(w, (int64_t)(w->len - w->pos), &klen, "a metadata key's length")))
                return rc;
            k = w->pos, w->pos += (size_t)klen;
            if ((rc = get_count(w, (int64_t)(w->len - w->pos), &vlen, "a metadata value's length")))
                return rc;
            v = w->pos, w->pos += (size_t)vlen;
            meta_entry(h, w->data + k, (size_t)klen, w->data + v, (size_t)vlen);
        }
    }
    if (w->len - w->pos < AVRO_SYNC)
        return fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: the file ends inside the header's "
                       "16-byte sync marker: it is truncated", w->pos);
    h->sync = w->data + w->pos;
    w->pos += AVRO_SYNC;
    if (!h->schema)
        return fc_fail(w->err, FC_ECORRUPT, 0, "offset 4: the header has no avro.schema; "
                       "every Avro container file names its writer's schema");
    if (h->codec && !(h->codec_len == 4 && memcmp(h->codec, "null", 4) == 0))
        return fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: the blocks are compressed "
                       "(avro.codec \"%.*s\"); forkcollect reads codec \"null\" only: write "
                       "the file without compression (Python: codec=\"null\")",
                       (size_t)(h->codec - w->data), (int)(h->codec_len < 32 ? h->codec_len : 32),
                       (const char *)h->codec);
    return 0;
}

/* The blocks after the header: exactly one datum in all, each block's size within the
 * file and its sync marker the header's. The datum's block in *at, *size. */
static int read_blocks(walk *w, const header *h, size_t *at, size_t *size)
{
    int64_t objects = 0, n, bytes;
    while (w->pos < w->len) {
        size_t block = w->pos;
        int rc;
        if ((rc = get_count(w, (int64_t)(w->len - w->pos), &n, "a block's datum count")) ||
            (rc = get_count(w, (int64_t)(w->len - w->pos), &bytes, "a block's size")))
            return rc;
        if ((size_t)bytes + AVRO_SYNC > w->len - w->pos)
            return fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: the block of %lld bytes and "
                           "its sync marker run past the end of the file: it is truncated",
                           block, (long long)bytes);
        if (n == 1 && objects == 0)
            *at = w->pos, *size = (size_t)bytes;
        if ((objects += n) > 1)
            return fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: a second datum; a result file "
                           "is one forkcollect.Results datum", block);
        w->pos += (size_t)bytes;
        if (memcmp(w->data + w->pos, h->sync, AVRO_SYNC) != 0)
            return fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: the block's sync marker is "
                           "not the header's: the file is damaged", w->pos);
        w->pos += AVRO_SYNC;
    }
    if (objects == 0)
        return fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu, the end: no datum after the "
                       "header; a result file holds one (with no records, an empty array): it "
                       "is truncated", w->len);
    return 0;
}

/* How the writer's schema lays a record out: results.avsc's, or one that resolves to
 * it (Avro's promotions int -> long and float -> double; fields in either order). */
typedef struct layout {
    avro_schema_t writer;    /* the writer's schema when it is not ours (owned), or NULL */
    size_t value_size;       /* 8 (double) or 4 (float) */
    bool value_first;        /* the record's fields are value, key */
    bool int_key;            /* the key is an int */
} layout;

#define LAYOUT_OURS ((layout){.value_size = 8})

static int skip_value(walk *d, const layout *l)
{
    if (d->len - d->pos < l->value_size)
        return fc_fail(d->err, FC_ECORRUPT, 0, "offset %zu: the datum ends inside a value "
                       "(%zu bytes)", d->pos, l->value_size);
    d->pos += l->value_size;
    return 0;
}

/* The datum in data[at..at+size): the records array, in blocks; every count against
 * the bytes left (a record takes a one-byte key and its value at least). The number of
 * records in *count. */
static int walk_datum(walk *w, const layout *l, size_t at, size_t size, size_t *count)
{
    walk d = {.data = w->data, .len = at + size, .pos = at, .err = w->err};
    int64_t n, bytes, key;
    *count = 0;
    for (;;) {
        size_t block = d.pos;
        int rc = get_long(&d, &n, "the records array's block count");
        if (rc)
            return rc;
        if (n == 0)
            break;
        if (n < 0 && n != INT64_MIN &&
            (rc = get_count(&d, (int64_t)(d.len - d.pos), &bytes, "an array block's size")))
            return rc;
        n = n < 0 ? -n : n; /* -2^63 stays negative: refused below */
        if (n < 0 || (uint64_t)n > (d.len - d.pos) / (1 + l->value_size))
            return fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: an array block of %lld "
                           "records, and %zu bytes left in the datum (a record takes %zu or "
                           "more): the file is damaged", block, (long long)n, d.len - d.pos,
                           1 + l->value_size);
        for (; n > 0; n--, ++*count)
            if ((l->value_first && (rc = skip_value(&d, l))) || (rc = get_long(&d, &key, "a key")) ||
                (!l->value_first && (rc = skip_value(&d, l))))
                return rc;
    }
    if (d.pos != d.len)
        return fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: %zu bytes after the datum, in its "
                       "block", d.pos, d.len - d.pos);
    return 0;
}

/* The offset of record i's key in the datum at data[at..), which walk_datum accepted. */
static size_t key_offset(const layout *l, const uint8_t *data, size_t at, size_t size, size_t i)
{
    walk d = {.data = data, .len = at + size, .pos = at};
    int64_t n, v;
    for (;;) {
        get_long(&d, &n, "");
        if (n < 0)
            get_long(&d, &v, ""), n = -n;
        for (; n > 0; n--, i--) {
            d.pos += l->value_first ? l->value_size : 0;
            if (i == 0)
                return d.pos;
            get_long(&d, &v, "");
            d.pos += l->value_first ? 0 : l->value_size;
        }
    }
}

/* ==== The writer's schema ====
 *
 * avro-c never parses a schema taken from a file: its parser leaks on some errors (a
 * record name defined twice) and its resolver crashes on others. cJSON reads the
 * writer's schema; when it has the shape of results.avsc, or of one that resolves to it,
 * avro-c parses the writer's layout as we write it from a template. */

static const cJSON *member(const cJSON *o, const char *name)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
}

/* A primitive type written as "long" or {"type": "long"}; NULL for anything else. */
static const char *primitive(const cJSON *t)
{
    const cJSON *x = cJSON_IsObject(t) && cJSON_GetArraySize(t) == 1 ? member(t, "type") : t;
    return cJSON_IsString(x) ? x->valuestring : NULL;
}

/* A record named `full` (namespace.name, the namespace given or inherited from ns) with
 * `fields` fields; its fields' array, or NULL. */
static const cJSON *record_of(const cJSON *t, const char *ns, const char *full, int fields)
{
    const cJSON *name = member(t, "name"), *space = member(t, "namespace");
    const cJSON *list = member(t, "fields");
    if (!cJSON_IsString(member(t, "type")) || strcmp(member(t, "type")->valuestring, "record") ||
        !cJSON_IsString(name) || !cJSON_IsArray(list) || cJSON_GetArraySize(list) != fields)
        return NULL;
    char buf[64];
    if (strchr(name->valuestring, '.'))
        snprintf(buf, sizeof buf, "%s", name->valuestring);
    else
        snprintf(buf, sizeof buf, "%s.%s", cJSON_IsString(space) ? space->valuestring : ns,
                 name->valuestring);
    return strcmp(buf, full) == 0 ? list : NULL;
}

/* The layout of a writer's schema of results.avsc's shape: forkcollect.Results, one
 * field "records", an array of forkcollect.Record of two fields, "key" (long or int)
 * and "value" (double or float), in either order. */
static bool resolvable(const cJSON *theirs, layout *l)
{
    const cJSON *top = record_of(theirs, "", "forkcollect.Results", 1);
    const cJSON *records = top ? cJSON_GetArrayItem(top, 0) : NULL;
    const cJSON *array = member(records, "type");
    if (!cJSON_IsString(member(records, "name")) ||
        strcmp(member(records, "name")->valuestring, "records") != 0 ||
        !cJSON_IsString(member(array, "type")) ||
        strcmp(member(array, "type")->valuestring, "array") != 0)
        return false;
    const cJSON *space = member(theirs, "namespace");
    const char *ns = strchr(member(theirs, "name")->valuestring, '.') || !cJSON_IsString(space)
                         ? "forkcollect" : space->valuestring;
    const cJSON *fields = record_of(member(array, "items"), ns, "forkcollect.Record", 2);
    if (!fields)
        return false;
    const cJSON *f0 = cJSON_GetArrayItem(fields, 0), *f1 = cJSON_GetArrayItem(fields, 1);
    const cJSON *n0 = member(f0, "name"), *n1 = member(f1, "name");
    if (!cJSON_IsString(n0) || !cJSON_IsString(n1))
        return false;
    l->value_first = strcmp(n0->valuestring, "value") == 0;
    const cJSON *key = l->value_first ? f1 : f0, *value = l->value_first ? f0 : f1;
    const char *kt = primitive(member(key, "type")), *vt = primitive(member(value, "type"));
    if (strcmp(member(key, "name")->valuestring, "key") != 0 ||
        strcmp(member(value, "name")->valuestring, "value") != 0 || !kt || !vt ||
        (strcmp(kt, "long") && strcmp(kt, "int")) || (strcmp(vt, "double") && strcmp(vt, "float")))
        return false;
    l->int_key = strcmp(kt, "int") == 0;
    l->value_size = strcmp(vt, "double") == 0 ? 8 : 4;
    return true;
}

/* The writer's layout as an avro-c schema, from results.avsc's shape; NULL for ours. */
static int writer_schema(layout *l, fc_error *err)
{
    if (!l->int_key && l->value_size == 8 && !l->value_first)
        return 0;
    char key[48], value[48], text[sizeof FC_AVRO_SCHEMA + 64];
    snprintf(key, sizeof key, "{\"name\":\"key\",\"type\":\"%s\"}", l->int_key ? "int" : "long");
    snprintf(value, sizeof value, "{\"name\":\"value\",\"type\":\"%s\"}",
             l->value_size == 8 ? "double" : "float");
    snprintf(text, sizeof text, "{\"type\":\"record\",\"name\":\"Results\",\"namespace\":"
             "\"forkcollect\",\"fields\":[{\"name\":\"records\",\"type\":{\"type\":\"array\","
             "\"items\":{\"type\":\"record\",\"name\":\"Record\",\"fields\":[%s,%s]}}}]}",
             l->value_first ? value : key, l->value_first ? key : value);
    if (avro_schema_from_json_length(text, strlen(text), &l->writer))
        return l->writer = NULL, fc_fail(err, FC_ENOMEM, 0, "avro-c: %s", avro_strerror());
    return 0;
}

/* The writer's schema (the header's avro.schema): results.avsc's (our own text, or
 * text of the same shape), or one that resolves to it; *l says how its records are laid
 * out. */
static int check_schema(const walk *w, const header *h, layout *l)
{
    size_t at = (size_t)(h->schema - w->data);
    *l = LAYOUT_OURS;
    if (h->schema_len == sizeof FC_AVRO_SCHEMA - 1 &&
        memcmp(h->schema, FC_AVRO_SCHEMA, h->schema_len) == 0)
        return 0;
    if (h->schema_len > FC_AVRO_SCHEMA_MAX)
        return fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: a schema of %zu bytes; "
                       "results.avsc's takes %zu, and forkcollect reads none over %d",
                       at, h->schema_len, sizeof FC_AVRO_SCHEMA - 1, FC_AVRO_SCHEMA_MAX);
    cJSON *theirs = cJSON_ParseWithLength((const char *)h->schema, h->schema_len);
    if (!theirs)
        return fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: the writer's schema is not JSON "
                       "(or memory ran out reading it)", at);
    bool ok = resolvable(theirs, l);
    cJSON_Delete(theirs);
    if (!ok)
        return fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: the writer's schema is not "
                       "proto/results.avsc (a forkcollect.Results record of an array "
                       "\"records\" of {long key, double value}), nor one that resolves to "
                       "it (an int key, a float value, the two fields in the other order): "
                       "write the file with results.avsc", at);
    return writer_schema(l, w->err);
}

/* Record i of the array, as our key and value: the writer's int promoted to long, its
 * float to double (Avro's resolution rules), fields found where the writer put them. */
static void get_record(const layout *l, avro_value_t *records, size_t i, uint64_t *key,
                       double *value)
{
    avro_value_t record, field;
    int64_t k = 0;
    int32_t k32 = 0;
    float v32 = 0;
    avro_value_get_by_index(records, i, &record, NULL);
    avro_value_get_by_index(&record, l->value_first, &field, NULL);
    if (l->int_key)
        avro_value_get_int(&field, &k32), k = k32;
    else
        avro_value_get_long(&field, &k);
    *key = (uint64_t)k;
    avro_value_get_by_index(&record, !l->value_first, &field, NULL);
    if (l->value_size == 4)
        avro_value_get_float(&field, &v32), *value = v32;
    else
        avro_value_get_double(&field, value);
}

/* avro-c reads the datum into a generic value of the writer's schema (ours, or the one
 * that resolves to it; avro-c's own resolver allocates 25 x the input for records of 5
 * bytes, and crashes on records of other names); its records are appended to out. */
static int read_datum(const av_schema *s, const layout *l, const uint8_t *datum, size_t size,
                      size_t count, fc_dataset *out, fc_error *err)
{
    avro_value_t results, records;
    avro_value_iface_t *iface = l->writer ? avro_generic_class_from_schema(l->writer) : s->iface;
    if (!iface || avro_generic_value_new(iface, &results)) {
        if (l->writer && iface)
            avro_value_iface_decref(iface);
        return fc_fail(err, FC_ENOMEM, 0, "avro-c: %s", avro_strerror());
    }
    avro_reader_t r = avro_reader_memory((const char *)datum, (int64_t)size);
    int rc = !r || avro_value_read(r, &results) ||
             avro_value_get_by_index(&results, 0, &records, NULL);
    size_t n = 0;
    if (rc)
        rc = fc_fail(err, FC_ECORRUPT, 0, "avro-c refused the datum that the checks before "
                     "it passed: %s", avro_strerror());
    else if (avro_value_get_size(&records, &n) || n != count)
        rc = fc_fail(err, FC_ECORRUPT, 0, "avro-c read %zu records of the %zu the datum "
                     "holds", n, count);
    if (rc == 0 && (rc = fc_dataset_reserve(out, out->count + count, err)) == 0)
        for (size_t i = 0; i < count; i++, out->count++)
            get_record(l, &records, i, &out->keys[out->count], &out->values[out->count]);
    if (r)
        avro_reader_free(r);
    avro_value_decref(&results);
    if (l->writer)
        avro_value_iface_decref(iface);
    return rc;
}

static int av_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    walk w = {.data = data, .len = len, .err = err};
    header h = {0};
    layout l = LAYOUT_OURS;
    size_t at = 0, size = 0, count = 0, first = out->count, a = 0, b = 0;
    int rc = read_header(&w, &h);
    if (rc || (rc = read_blocks(&w, &h, &at, &size)))
        return rc;
    av_schema s;
    if ((rc = av_schema_new(&s, err)))
        return rc;
    if ((rc = check_schema(&w, &h, &l)) == 0 && (rc = walk_datum(&w, &l, at, size, &count)) == 0)
        rc = read_datum(&s, &l, data + at, size, count, out, err);
    av_schema_free(&s);
    if (l.writer)
        avro_schema_decref(l.writer);
    if (rc != 0 || (rc = fc_dataset_find_repeat(out, first, &a, &b, err)) <= 0)
        return rc;
    return fc_fail(err, FC_ECORRUPT, 0,
                   "offset %zu (records[%zu]): key %llu again (first at offset %zu, "
                   "records[%zu]); a result file holds each key once",
                   key_offset(&l, data, at, size, b - first), b - first,
                   (unsigned long long)out->keys[b],
                   key_offset(&l, data, at, size, a - first), a - first);
}

/* The magic (32 bits), then a metadata map whose first key starts "avro." (16). */
static unsigned av_probe(const uint8_t *data, size_t len)
{
    if (len < 4 || memcmp(data, AVRO_MAGIC, 4) != 0)
        return 0;
    bool meta = len >= 11 && data[4] != 0 && data[4] < 0x80 && data[5] < 0x80 &&
                memcmp(data + 6, "avro.", 5) == 0;
    return 32 + (meta ? 16 : 0);
}

const fc_codec fc_codec_avro = {
    .name = "avro",
    .extension = "avro",
    .library = "avro-c",
    .library_version = av_version,
    .encode = av_encode,
    .decode = av_decode,
    .probe = av_probe,
    .version = FC_CODEC_VERSION,
    .supports = FC_SUPPORTS_KEY_U64 | FC_SUPPORTS_NONFINITE | FC_SUPPORTS_NAN_BITS |
                FC_SUPPORTS_EXACT_DOUBLES,
};
