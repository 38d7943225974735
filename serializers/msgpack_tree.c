/* msgpack_tree.c - records of any shape as MessagePack, with msgpack-c.
 *
 * Writing: a map of unsigned integer keys to records, each value in msgpack's own
 * type: integers in their smallest encoding, float32 as float32 (0xca), doubles as
 * float64, text as str, nil, true/false, arrays and maps with str keys. Python's
 * msgpack.unpackb reads it to the same objects (tests/test_shapes.c).
 *
 * Reading: msgpack-c allocates for a container's declared count as soon as it reads
 * the header and stops at 32 levels of nesting calling that "out of memory" (see
 * msgpack.c). So walk() first steps over the whole input without allocating: every
 * count fits the bytes left (an element takes at least one byte), text is UTF-8, map
 * keys inside records are str, nothing is nested past msgpack-c's 32 levels, and no
 * bin or ext (no shape holds bytes). It also adds up what msgpack-c will allocate, so
 * its zone is made once at the right size: 24 bytes an array element and 48 a map
 * entry, at most 48 per input byte, plus the tree (24 bytes a value, strings copied).
 */
#include "codecs.h"
#include "fc_shapes.h"

#include <msgpack.h>
#include <stdio.h>
#include <string.h>

/* ==== Writing ==== */

static int pack_value(msgpack_packer *pk, const fc_value *v)
{
    int rc = 0;
    switch (v->type) {
    case FC_V_NULL: return msgpack_pack_nil(pk);
    case FC_V_BOOL: return v->b ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    case FC_V_INT: return msgpack_pack_int64(pk, v->i);
    case FC_V_UINT: return msgpack_pack_uint64(pk, v->u);
    case FC_V_DOUBLE: return msgpack_pack_double(pk, v->d);
    case FC_V_FLOAT32: return msgpack_pack_float(pk, v->f);
    case FC_V_STRING:
        rc = msgpack_pack_str(pk, v->str.len);
        return rc ? rc : msgpack_pack_str_body(pk, v->str.p, v->str.len);
    case FC_V_ARRAY:
        rc = msgpack_pack_array(pk, v->arr.n);
        for (size_t i = 0; !rc && i < v->arr.n; i++)
            rc = pack_value(pk, &v->arr.items[i]);
        return rc;
    case FC_V_OBJECT:
        rc = msgpack_pack_map(pk, v->obj.n);
        for (size_t i = 0; !rc && i < v->obj.n; i++) {
            const fc_member *m = &v->obj.members[i];
            rc = msgpack_pack_str(pk, m->key_len);
            if (!rc)
                rc = msgpack_pack_str_body(pk, m->key, m->key_len);
            if (!rc)
                rc = pack_value(pk, &m->value);
        }
        return rc;
    }
    return -1;
}

/* msgpack_sbuffer's write, but into our fc_buffer (which reports its own errors). */
static int buffer_write(void *data, const char *buf, size_t len)
{
    return fc_buffer_append(data, buf, len, NULL) ? -1 : 0;
}

int fc_msgpack_write_records(const fc_records *in, unsigned shape, fc_buffer *out,
                             fc_error *err)
{
    (void)shape; /* every shape is a tree here */
    if (in->count > UINT32_MAX)
        return fc_fail(err, FC_EUNSUPPORTED, 0, "msgpack: a map holds at most 2^32-1 entries, "
                       "not %zu", in->count);
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, buffer_write);
    int rc = msgpack_pack_map(&pk, in->count);
    for (size_t i = 0; !rc && i < in->count; i++) {
        rc = msgpack_pack_uint64(&pk, in->keys[i]);
        if (!rc)
            rc = pack_value(&pk, &in->values[i]);
    }
    return rc ? fc_fail(err, FC_ENOMEM, 0, "msgpack: out of memory for %zu records", in->count)
              : 0;
}

/* ==== Reading: the walk ==== */

typedef struct walker {
    const uint8_t *data;
    size_t len, pos;
    size_t zone;  /* bytes msgpack-c will allocate */
    fc_error *err;
} walker;

static uint64_t be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

enum { MSGPACK_C_DEPTH = 32 }; /* msgpack-c's MSGPACK_EMBED_STACK_SIZE */

static int walk(walker *w, unsigned depth, bool is_key);

/* How many bytes of header and body the object at w->pos takes, or its element count
 * for a container (*count, *map), from its type byte. 0: not a type we hold. */
static size_t head_size(uint8_t b, size_t *body, size_t *count, bool *map)
{
    *body = *count = 0;
    *map = false;
    if (b <= 0x7f || b >= 0xe0 || (b >= 0xc0 && b <= 0xc3 && b != 0xc1))
        return 1;
    if (b >= 0xa0 && b <= 0xbf)
        return (*body = b & 0x1f), 1;
    if (b <= 0x8f)
        return (*count = b & 0x0f), (*map = true), 1;
    if (b <= 0x9f)
        return (*count = b & 0x0f), 1;
    switch (b) {
    case 0xca: return 5;
    case 0xcb: return 9;
    case 0xcc: case 0xd0: return 2;
    case 0xcd: case 0xd1: return 3;
    case 0xce: case 0xd2: return 5;
    case 0xcf: case 0xd3: return 9;
    case 0xd9: case 0xda: case 0xdb: return 1 + ((size_t)1 << (b - 0xd9)); /* str 8/16/32 */
    case 0xdc: case 0xde: return 3;
    case 0xdd: case 0xdf: return 5;
    default: return 0; /* 0xc1, bin, ext */
    }
}

static int walk_container(walker *w, uint8_t b, size_t count, bool map, unsigned depth)
{
    size_t at = w->pos;
    if (depth >= MSGPACK_C_DEPTH)
        return fc_fail(w->err, FC_EUNSUPPORTED, 0,
                       "offset %zu: nested deeper than %d, msgpack-c's limit", at, MSGPACK_C_DEPTH);
    if (b == 0xdc || b == 0xdd || b == 0xde || b == 0xdf)
        count = (size_t)be(w->data + w->pos + 1, b == 0xdc || b == 0xde ? 2 : 4);
    w->pos += head_size(b, &(size_t){0}, &(size_t){0}, &(bool){0});
    size_t left = w->len - w->pos;
    if (count > (map ? left / 2 : left))
        return fc_fail(w->err, FC_ECORRUPT, 0,
                       "offset %zu: the %s declares %zu %s, but only %zu bytes follow", at,
                       map ? "map" : "array", count, map ? "entries" : "elements", left);
    w->zone += count * (map ? sizeof(msgpack_object_kv) : sizeof(msgpack_object));
    for (size_t i = 0; i < count; i++) {
        int rc = map ? walk(w, depth + 1, true) : 0;
        if (!rc)
            rc = walk(w, depth + 1, false);
        if (rc)
            return rc;
    }
    return 0;
}

static int walk(walker *w, unsigned depth, bool is_key)
{
    if (w->pos >= w->len)
        return fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: the file ends where a value should be",
                       w->pos);
    uint8_t b = w->data[w->pos];
    size_t body, count, at = w->pos;
    bool map;
    size_t head = head_size(b, &body, &count, &map);
    if (head == 0)
        return fc_fail(w->err, FC_EUNSUPPORTED, 0,
                       "offset %zu: type byte 0x%02x (%s): no shape holds it", at, b,
                       b == 0xc1 ? "never used" : b >= 0xc4 && b <= 0xc6 ? "bin" : "ext");
    if (head > w->len - w->pos)
        return fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: the file ends inside a value's header", at);
    bool str = (b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb);
    if (is_key && !str)
        return fc_fail(w->err, FC_EUNSUPPORTED, 0,
                       "offset %zu: a map key inside a record is not a str (type byte 0x%02x): "
                       "records here have text keys", at, b);
    if ((b >= 0x80 && b <= 0x9f) || b == 0xdc || b == 0xdd || b == 0xde || b == 0xdf)
        return walk_container(w, b, count, map || b == 0xde || b == 0xdf, depth);
    if (b >= 0xd9 && b <= 0xdb)
        body = (size_t)be(w->data + w->pos + 1, head - 1);
    w->pos += head;
    if (body > w->len - w->pos)
        return fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: a str of %zu bytes, but only %zu follow",
                       at, body, w->len - w->pos);
    size_t wrong;
    if (str && !fc_utf8_valid((const char *)w->data + w->pos, body, &wrong))
        return fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: the str here is not UTF-8 at its byte %zu",
                       at, wrong);
    w->pos += body;
    return 0;
}

/* The top: a map of integer keys 0..2^64-1 to records. */
static int walk_file(walker *w, size_t *entries)
{
    uint8_t b = w->len ? w->data[0] : 0;
    size_t head = b >= 0x80 && b <= 0x8f ? 1 : b == 0xde ? 3 : b == 0xdf ? 5 : 0;
    if (head == 0 || w->len < head)
        return fc_fail(w->err, FC_ECORRUPT, 0, "offset 0: expected a map of records");
    *entries = head == 1 ? (size_t)(b & 0x0f) : (size_t)be(w->data + 1, head - 1);
    w->pos = head;
    if (*entries > (w->len - head) / 2)
        return fc_fail(w->err, FC_ECORRUPT, 0,
                       "offset 0: the map declares %zu records, but only %zu bytes follow",
                       *entries, w->len - head);
    w->zone = *entries * sizeof(msgpack_object_kv) + 64;
    for (size_t i = 0; i < *entries; i++) {
        size_t at = w->pos;
        uint8_t k = w->pos < w->len ? w->data[w->pos] : 0xc1;
        if (!(k <= 0x7f || (k >= 0xcc && k <= 0xcf)))
            return fc_fail(w->err, FC_ECORRUPT, 0,
                           "offset %zu: record %zu's key is not an integer 0..2^64-1", at, i);
        int rc = walk(w, 1, false);
        if (!rc)
            rc = walk(w, 1, false);
        if (rc)
            return rc;
    }
    if (w->pos != w->len)
        return fc_fail(w->err, FC_ECORRUPT, 0, "offset %zu: %zu bytes after the map, which "
                       "should end the file", w->pos, w->len - w->pos);
    return 0;
}

/* ==== Reading: msgpack-c's objects into a tree ==== */

static int copy_text(fc_arena *a, const char *p, size_t n, const char **out, fc_error *err)
{
    char *s = fc_arena_alloc(a, n + 1, err);
    if (!s)
        return FC_ENOMEM;
    if (n) /* msgpack-c gives an empty str no pointer */
        memcpy(s, p, n);
    s[n] = '\0';
    *out = s;
    return 0;
}

static int to_value(const msgpack_object *o, fc_arena *a, fc_value *v, fc_error *err)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: v->type = FC_V_NULL; return 0;
    case MSGPACK_OBJECT_BOOLEAN: v->type = FC_V_BOOL; v->b = o->via.boolean; return 0;
    case MSGPACK_OBJECT_POSITIVE_INTEGER: v->type = FC_V_UINT; v->u = o->via.u64; return 0;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: v->type = FC_V_INT; v->i = o->via.i64; return 0;
    case MSGPACK_OBJECT_FLOAT32: v->type = FC_V_FLOAT32; v->f = (float)o->via.f64; return 0;
    case MSGPACK_OBJECT_FLOAT64: v->type = FC_V_DOUBLE; v->d = o->via.f64; return 0;
    case MSGPACK_OBJECT_STR:
        v->type = FC_V_STRING;
        v->str.len = o->via.str.size;
        return copy_text(a, o->via.str.ptr, o->via.str.size, &v->str.p, err);
    case MSGPACK_OBJECT_ARRAY: {
        size_t n = o->via.array.size;
        v->type = FC_V_ARRAY;
        v->arr.n = n;
        v->arr.items = n ? fc_arena_alloc(a, n * sizeof *v->arr.items, err) : NULL;
        if (n && !v->arr.items)
            return FC_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            int rc = to_value(&o->via.array.ptr[i], a, &v->arr.items[i], err);
            if (rc)
                return rc;
        }
        return 0;
    }
    case MSGPACK_OBJECT_MAP: {
        size_t n = o->via.map.size;
        v->type = FC_V_OBJECT;
        v->obj.n = n;
        v->obj.members = n ? fc_arena_alloc(a, n * sizeof *v->obj.members, err) : NULL;
        if (n && !v->obj.members)
            return FC_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            const msgpack_object_kv *kv = &o->via.map.ptr[i];
            fc_member *m = &v->obj.members[i];
            m->key_len = kv->key.via.str.size; /* walk() let only str keys through */
            int rc = copy_text(a, kv->key.via.str.ptr, m->key_len, &m->key, err);
            if (!rc)
                rc = to_value(&kv->val, a, &m->value, err);
            if (rc)
                return rc;
        }
        const fc_member *twice;
        int rc = fc_members_find_repeat(v->obj.members, n, &twice, err);
        if (rc == 1)
            return fc_fail(err, FC_ECORRUPT, 0, "msgpack: a map holds the key \"%.*s\" twice "
                           "(Python would keep the last one without a word)",
                           (int)(twice->key_len > 60 ? 60 : twice->key_len), twice->key);
        return rc;
    }
    default:
        return fc_fail(err, FC_EUNSUPPORTED, 0, "msgpack: a value of msgpack-c type %d", o->type);
    }
}

int fc_msgpack_read_records(const uint8_t *data, size_t len, unsigned shape, fc_records *out,
                            fc_error *err)
{
    walker w = {.data = data, .len = len, .err = err};
    size_t entries = 0;
    int rc = walk_file(&w, &entries);
    if (rc)
        return rc;
    rc = fc_records_reserve(out, out->count + entries, err);
    if (rc)
        return rc;
    msgpack_zone *zone = msgpack_zone_new(w.zone);
    if (!zone)
        return fc_fail(err, FC_ENOMEM, 0, "msgpack: out of memory for %zu bytes of objects", w.zone);
    msgpack_object obj;
    size_t off = 0;
    msgpack_unpack_return u = msgpack_unpack((const char *)data, len, &off, zone, &obj);
    if (u != MSGPACK_UNPACK_SUCCESS)
        rc = fc_fail(err, u == MSGPACK_UNPACK_NOMEM_ERROR ? FC_ENOMEM : FC_ECORRUPT, 0,
                     "msgpack: msgpack-c could not read what the walk accepted (code %d)", (int)u);
    for (size_t i = 0; !rc && i < entries; i++) {
        const msgpack_object_kv *kv = &obj.via.map.ptr[i];
        rc = to_value(&kv->val, &out->arena, &out->values[out->count], err);
        if (!rc)
            rc = fc_shape_conform((enum fc_shape)shape, &out->values[out->count], err);
        if (!rc)
            out->keys[out->count++] = kv->key.via.u64;
    }
    msgpack_zone_free(zone);
    size_t a, b;
    if (!rc && (rc = fc_records_find_repeat(out, out->count - entries, &a, &b, err)) == 1)
        rc = fc_fail(err, FC_ECORRUPT, 0, "msgpack: records %zu and %zu both have the key %llu",
                     a, b, (unsigned long long)out->keys[a]);
    return rc;
}
