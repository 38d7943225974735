/* protobuf_tree.c - records of every shape as the messages of proto/shapes.proto,
 * through protobuf-c's descriptors: one glue for all shapes.
 *
 * Writing: each record becomes its shape's Record message, field by field by name
 * (field 1 is the key); a member that is null is left unset; an integer goes into
 * its field only if the field's width and sign hold it; a string with a NUL byte is
 * refused (protobuf-c's strings end at the first NUL). Then protobuf-c packs the File
 * message of all the records.
 *
 * Reading: protobuf-c unpacks the File message with an allocator that holds it to
 * 64 bytes for each byte of input plus 64 KiB (nested messages are the costly part:
 * a two-byte empty one takes its whole struct); past that the file is refused. The
 * records are then re-packed: a file whose records do not come back to its own size
 * (a string cut at a NUL byte, a field given twice, unknown fields, numbers not
 * packed) is refused rather than read differently from what it says. Fields come back
 * in field-number order, which is shapes.py's member order; an unset field reads as
 * null, but for User.location, which shapes.py leaves out instead.
 */
#include "codecs.h"
#include "fc_shapes.h"

#include "shapes.pb-c.h"

#include <stdlib.h>
#include <string.h>

static const ProtobufCMessageDescriptor *const FILES[FC_SHAPE_COUNT] = {
    [FC_SHAPE_INTS] = &forkcollect__shapes__ints_file__descriptor,
    [FC_SHAPE_LOG] = &forkcollect__shapes__log_file__descriptor,
    [FC_SHAPE_MESH] = &forkcollect__shapes__mesh_file__descriptor,
    [FC_SHAPE_DOC] = &forkcollect__shapes__doc_file__descriptor,
};

/* Fields a shape leaves out when they are unset, rather than null. */
static bool left_out_when_unset(const ProtobufCMessageDescriptor *d,
                                const ProtobufCFieldDescriptor *f)
{
    return d == &forkcollect__shapes__user__descriptor && strcmp(f->name, "location") == 0;
}

static size_t element_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_FLOAT: return sizeof(float);
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_MESSAGE: return sizeof(void *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    default: return 8;
    }
}

static bool is_signed(ProtobufCType t)
{
    return t == PROTOBUF_C_TYPE_INT32 || t == PROTOBUF_C_TYPE_SINT32 ||
           t == PROTOBUF_C_TYPE_SFIXED32 || t == PROTOBUF_C_TYPE_INT64 ||
           t == PROTOBUF_C_TYPE_SINT64 || t == PROTOBUF_C_TYPE_SFIXED64;
}

/* ==== Writing ==== */

typedef struct writer {
    fc_arena arena;
    fc_error *err;
    size_t record;
} writer;

static int fill_message(writer *w, const ProtobufCMessageDescriptor *d, void *msg,
                        const fc_value *obj);

static int wrong(writer *w, const ProtobufCFieldDescriptor *f, const char *why)
{
    return fc_fail(w->err, FC_EUNSUPPORTED, 0, "protobuf: record %zu: field %s: %s", w->record,
                   f->name, why);
}

/* An integer of the tree into a field of width `bits`, signed or not. */
static int put_integer(writer *w, const ProtobufCFieldDescriptor *f, void *at, const fc_value *v)
{
    bool sig = is_signed(f->type);
    unsigned bits = element_size(f->type) == 4 ? 32 : 64;
    if (v->type != FC_V_UINT && v->type != FC_V_INT)
        return wrong(w, f, "expected an integer");
    if (v->type == FC_V_INT && !sig)
        return wrong(w, f, "a negative integer in an unsigned field");
    uint64_t max = sig ? (UINT64_C(1) << (bits - 1)) - 1 : bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    int64_t min = sig ? (bits == 64 ? INT64_MIN : -((int64_t)1 << (bits - 1))) : 0;
    if ((v->type == FC_V_UINT && v->u > max) || (v->type == FC_V_INT && v->i < min))
        return wrong(w, f, "the integer does not fit the field's width");
    uint64_t u = v->type == FC_V_UINT ? v->u : (uint64_t)v->i;
    if (bits == 32) {
        uint32_t x = (uint32_t)u;
        memcpy(at, &x, 4);
    } else {
        memcpy(at, &u, 8);
    }
    return 0;
}

static int put_scalar(writer *w, const ProtobufCFieldDescriptor *f, void *at, const fc_value *v)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_FLOAT:
        if (v->type == FC_V_FLOAT32 || (v->type == FC_V_DOUBLE && (double)(float)v->d == v->d)) {
            float x = v->type == FC_V_FLOAT32 ? v->f : (float)v->d;
            memcpy(at, &x, sizeof x);
            return 0;
        }
        return wrong(w, f, "expected a float32");
    case PROTOBUF_C_TYPE_DOUBLE:
        if (v->type != FC_V_DOUBLE)
            return wrong(w, f, "expected a float");
        memcpy(at, &v->d, sizeof v->d);
        return 0;
    case PROTOBUF_C_TYPE_BOOL:
        if (v->type != FC_V_BOOL)
            return wrong(w, f, "expected true or false");
        *(protobuf_c_boolean *)at = v->b;
        return 0;
    case PROTOBUF_C_TYPE_STRING:
        if (v->type != FC_V_STRING)
            return wrong(w, f, "expected text");
        if (strlen(v->str.p) != v->str.len)
            return wrong(w, f, "text with a NUL byte, which protobuf-c would cut there");
        *(const char **)at = v->str.p;
        return 0;
    case PROTOBUF_C_TYPE_MESSAGE: {
        if (v->type != FC_V_OBJECT)
            return wrong(w, f, "expected an object");
        const ProtobufCMessageDescriptor *d = f->descriptor;
        void *sub = fc_arena_alloc(&w->arena, d->sizeof_message, w->err);
        if (!sub)
            return FC_ENOMEM;
        protobuf_c_message_init(d, sub);
        *(void **)at = sub;
        return fill_message(w, d, sub, v);
    }
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_ENUM:
        return wrong(w, f, "shapes.proto has no such field type");
    default:
        return put_integer(w, f, at, v);
    }
}

static int put_field(writer *w, const ProtobufCFieldDescriptor *f, void *msg, const fc_value *v)
{
    char *base = msg;
    if (v->type == FC_V_NULL)
        return f->label == PROTOBUF_C_LABEL_REPEATED ? wrong(w, f, "null for a list") : 0;
    if (f->label != PROTOBUF_C_LABEL_REPEATED) {
        int rc = put_scalar(w, f, base + f->offset, v);
        if (!rc && f->quantifier_offset && f->type != PROTOBUF_C_TYPE_STRING &&
            f->type != PROTOBUF_C_TYPE_MESSAGE)
            *(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
        return rc;
    }
    if (v->type != FC_V_ARRAY)
        return wrong(w, f, "expected a list");
    size_t size = element_size(f->type), n = v->arr.n;
    char *items = n ? fc_arena_alloc(&w->arena, n * size, w->err) : NULL;
    if (n && !items)
        return FC_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int rc = put_scalar(w, f, items + i * size, &v->arr.items[i]);
        if (rc)
            return rc;
    }
    *(size_t *)(base + f->quantifier_offset) = n;
    *(void **)(base + f->offset) = items;
    return 0;
}

static int fill_message(writer *w, const ProtobufCMessageDescriptor *d, void *msg,
                        const fc_value *obj)
{
    if (obj->type != FC_V_OBJECT)
        return fc_fail(w->err, FC_EUNSUPPORTED, 0, "protobuf: record %zu: expected an object for "
                       "a %s", w->record, d->short_name);
    for (size_t i = 0; i < obj->obj.n; i++) {
        const fc_member *m = &obj->obj.members[i];
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, m->key);
        if (!f || (f->id == 1 && strcmp(f->name, "key") == 0))
            return fc_fail(w->err, FC_EUNSUPPORTED, 0,
                           "protobuf: record %zu: \"%.60s\" has no field in shapes.proto's %s",
                           w->record, m->key, d->short_name);
        int rc = put_field(w, f, msg, &m->value);
        if (rc)
            return rc;
    }
    return 0;
}

int fc_protobuf_write_records(const fc_records *in, unsigned s, fc_buffer *out, fc_error *err)
{
    const ProtobufCMessageDescriptor *fd = s < FC_SHAPE_COUNT ? FILES[s] : NULL;
    if (!fd)
        return fc_fail(err, FC_EUNSUPPORTED, 0, "protobuf: shapes.proto has no message for the "
                       "%s shape", fc_shape_name((enum fc_shape)s));
    const ProtobufCFieldDescriptor *rf = &fd->fields[0]; /* repeated Record records = 1 */
    const ProtobufCMessageDescriptor *rd = rf->descriptor;
    writer w = {.err = err};
    void *file = fc_arena_alloc(&w.arena, fd->sizeof_message, err);
    void **records = file && in->count ? fc_arena_alloc(&w.arena, in->count * sizeof *records, err) : NULL;
    int rc = !file || (in->count && !records) ? FC_ENOMEM : 0;
    if (!rc)
        protobuf_c_message_init(fd, file);
    for (size_t i = 0; !rc && i < in->count; i++) {
        w.record = i;
        records[i] = fc_arena_alloc(&w.arena, rd->sizeof_message, err);
        if (!records[i]) {
            rc = FC_ENOMEM;
            break;
        }
        protobuf_c_message_init(rd, records[i]);
        const ProtobufCFieldDescriptor *key = &rd->fields[0];
        *(uint64_t *)((char *)records[i] + key->offset) = in->keys[i];
        *(protobuf_c_boolean *)((char *)records[i] + key->quantifier_offset) = 1;
        rc = fill_message(&w, rd, records[i], &in->values[i]);
    }
    if (!rc) {
        *(size_t *)((char *)file + rf->quantifier_offset) = in->count;
        *(void ***)((char *)file + rf->offset) = records;
        size_t size = protobuf_c_message_get_packed_size(file);
        rc = fc_buffer_reserve(out, size, err);
        if (!rc && size) /* no records: no bytes, and maybe no buffer to point into */
            out->len += protobuf_c_message_pack(file, out->data + out->len);
    }
    fc_arena_free(&w.arena);
    return rc;
}

/* ==== Reading ==== */

typedef struct budget {
    size_t left;
    bool spent;
} budget;

static void *budget_alloc(void *data, size_t size)
{
    budget *b = data;
    if (size > b->left) {
        b->spent = true;
        return NULL;
    }
    b->left -= size;
    return malloc(size);
}

static void budget_free(void *data, void *p)
{
    (void)data;
    free(p);
}

typedef struct reader {
    fc_arena *arena;
    fc_error *err;
} reader;

static int read_message(reader *r, const ProtobufCMessageDescriptor *d, const void *msg,
                        unsigned skip, fc_value *out);

static int get_scalar(reader *r, const ProtobufCFieldDescriptor *f, const char *at, fc_value *v)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_FLOAT: v->type = FC_V_FLOAT32; memcpy(&v->f, at, sizeof v->f); return 0;
    case PROTOBUF_C_TYPE_DOUBLE: v->type = FC_V_DOUBLE; memcpy(&v->d, at, sizeof v->d); return 0;
    case PROTOBUF_C_TYPE_BOOL: v->type = FC_V_BOOL; v->b = *(const protobuf_c_boolean *)at != 0; return 0;
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(const char *const *)at;
        size_t n = strlen(s), bad;
        if (!fc_utf8_valid(s, n, &bad))
            return fc_fail(r->err, FC_ECORRUPT, 0, "protobuf: field %s: text that is not UTF-8 "
                           "at its byte %zu", f->name, bad);
        char *copy = fc_arena_alloc(r->arena, n + 1, r->err);
        if (!copy)
            return FC_ENOMEM;
        memcpy(copy, s, n + 1);
        v->type = FC_V_STRING;
        v->str.p = copy;
        v->str.len = n;
        return 0;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        return read_message(r, f->descriptor, *(const void *const *)at, 0, v);
    default: {
        int64_t i;
        uint64_t u;
        if (element_size(f->type) == 4) {
            uint32_t x;
            memcpy(&x, at, 4);
            u = x;
            i = (int32_t)x;
        } else {
            memcpy(&u, at, 8);
            i = (int64_t)u;
        }
        if (is_signed(f->type) && i < 0) {
            v->type = FC_V_INT;
            v->i = i;
        } else {
            v->type = FC_V_UINT;
            v->u = is_signed(f->type) ? (uint64_t)i : u;
        }
        return 0;
    }
    }
}

/* Whether field f of msg is set (a list always is: it may be empty). */
static bool is_set(const ProtobufCFieldDescriptor *f, const char *msg)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return true;
    if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
        return *(const void *const *)(msg + f->offset) != NULL;
    return *(const protobuf_c_boolean *)(msg + f->quantifier_offset) != 0;
}

static int get_field(reader *r, const ProtobufCFieldDescriptor *f, const char *msg, fc_value *v)
{
    if (!is_set(f, msg)) {
        v->type = FC_V_NULL;
        return 0;
    }
    if (f->label != PROTOBUF_C_LABEL_REPEATED)
        return get_scalar(r, f, msg + f->offset, v);
    size_t n = *(const size_t *)(msg + f->quantifier_offset), size = element_size(f->type);
    const char *items = *(const char *const *)(msg + f->offset);
    v->type = FC_V_ARRAY;
    v->arr.n = n;
    v->arr.items = n ? fc_arena_alloc(r->arena, n * sizeof *v->arr.items, r->err) : NULL;
    if (n && !v->arr.items)
        return FC_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int rc = get_scalar(r, f, items + i * size, &v->arr.items[i]);
        if (rc)
            return rc;
    }
    return 0;
}

/* msg's fields from number skip+1 on, in number order, as an object. */
static int read_message(reader *r, const ProtobufCMessageDescriptor *d, const void *msg,
                        unsigned skip, fc_value *out)
{
    out->type = FC_V_OBJECT;
    out->obj.n = 0;
    out->obj.members = fc_arena_alloc(r->arena, d->n_fields * sizeof *out->obj.members, r->err);
    if (!out->obj.members)
        return FC_ENOMEM;
    for (unsigned i = skip; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (!is_set(f, msg) && left_out_when_unset(d, f))
            continue;
        fc_member *m = &out->obj.members[out->obj.n++];
        m->key = f->name;
        m->key_len = strlen(f->name);
        int rc = get_field(r, f, msg, &m->value);
        if (rc)
            return rc;
    }
    return 0;
}

static int read_file(const ProtobufCMessageDescriptor *fd, const ProtobufCMessage *file,
                     size_t len, fc_records *out, fc_error *err)
{
    if (protobuf_c_message_get_packed_size(file) != len)
        return fc_fail(err, FC_ECORRUPT, 0,
                       "protobuf: the records come back to %zu bytes, the file has %zu: a string "
                       "cut at a NUL byte, a field given twice, unknown fields or numbers not "
                       "packed; write it as %s of proto/shapes.proto",
                       protobuf_c_message_get_packed_size(file), len, fd->short_name);
    const ProtobufCFieldDescriptor *rf = &fd->fields[0];
    size_t n = *(const size_t *)((const char *)file + rf->quantifier_offset);
    void *const *records = *(void *const *const *)((const char *)file + rf->offset);
    int rc = fc_records_reserve(out, out->count + n, err);
    reader r = {.arena = &out->arena, .err = err};
    size_t first = out->count, a, b;
    for (size_t i = 0; !rc && i < n; i++) {
        const ProtobufCMessageDescriptor *rd = rf->descriptor;
        const ProtobufCFieldDescriptor *key = &rd->fields[0];
        if (!is_set(key, records[i]))
            return fc_fail(err, FC_ECORRUPT, 0, "protobuf: record %zu has no key (field 1)", i);
        rc = read_message(&r, rd, records[i], 1, &out->values[out->count]);
        if (!rc)
            out->keys[out->count++] = *(const uint64_t *)((const char *)records[i] + key->offset);
    }
    if (!rc && (rc = fc_records_find_repeat(out, first, &a, &b, err)) == 1)
        rc = fc_fail(err, FC_ECORRUPT, 0, "protobuf: records %zu and %zu both have the key %llu",
                     a - first, b - first, (unsigned long long)out->keys[a]);
    return rc;
}

int fc_protobuf_read_records(const uint8_t *data, size_t len, unsigned s, fc_records *out,
                             fc_error *err)
{
    const ProtobufCMessageDescriptor *fd = s < FC_SHAPE_COUNT ? FILES[s] : NULL;
    if (!fd)
        return fc_fail(err, FC_EUNSUPPORTED, 0, "protobuf: shapes.proto has no message for the "
                       "%s shape", fc_shape_name((enum fc_shape)s));
    budget b = {.left = len <= (SIZE_MAX - 65536) / 64 ? 64 * len + 65536 : SIZE_MAX};
    ProtobufCAllocator alloc = {.alloc = budget_alloc, .free = budget_free, .allocator_data = &b};
    ProtobufCMessage *file = protobuf_c_message_unpack(fd, &alloc, len, data);
    if (!file && b.spent)
        return fc_fail(err, FC_EUNSUPPORTED, 0, "protobuf: the file asks for more than 64 bytes "
                       "of memory for each of its %zu bytes; refused", len);
    if (!file)
        return fc_fail(err, FC_ECORRUPT, 0, "protobuf: protobuf-c could not read the %zu bytes "
                       "as a %s of proto/shapes.proto", len, fd->short_name);
    int rc = read_file(fd, file, len, out, err);
    protobuf_c_message_free_unpacked(file, &alloc);
    return rc;
}
