/* tpl.c - the dict as a tpl image of format "A(Uf)": an array of (uint64, double).
 *
 * tpl's defaults do not fit a library: its fatal hook calls exit(-1) and its oops
 * hook prints to stderr. Both are replaced before every call: oops messages are kept
 * for our error, and fatal (which tpl calls only when an allocation fails, and after
 * which tpl would go on with a NULL pointer) jumps back out of tpl with longjmp and
 * reports FC_ENOMEM. tpl's allocations go through hooks that keep them in a list, so
 * after such a jump everything tpl had allocated is freed: no leak on that path.
 *
 * Bounded: tpl_load(TPL_MEM) does not copy the buffer, and tpl_sanity() walks the
 * whole image against its length before anything is unpacked; unpacking allocates
 * nothing per record.
 */
#include "codecs.h"
#include "fc_shapes.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tpl.h>

extern tpl_hook_t tpl_hook; /* defined by libtpl, not declared in tpl.h */

#define TPL_FORMAT "A(Uf)"
#define TPL_RECORDS 18 /* "tpl", flags, length (4), "A(Uf)\0", array length (4) */

static jmp_buf *escape;      /* where the fatal hook jumps; set around each tpl call */
static char last_oops[256];  /* tpl's last complaint */

/* ==== tpl's allocations, tracked ==== */

/* Every block tpl holds, in a list, behind a header that keeps the payload aligned. */
typedef union block {
    struct {
        union block *prev, *next;
    } link;
    max_align_t align;
} block;

static block *blocks; /* tpl's live blocks; empty between calls */

static void link_block(block *b)
{
    b->link.prev = NULL;
    b->link.next = blocks;
    if (blocks)
        blocks->link.prev = b;
    blocks = b;
}

static void unlink_block(block *b)
{
    if (b->link.prev)
        b->link.prev->link.next = b->link.next;
    else
        blocks = b->link.next;
    if (b->link.next)
        b->link.next->link.prev = b->link.prev;
}

static void *hook_malloc(size_t size)
{
    block *b = size <= SIZE_MAX - sizeof *b ? malloc(sizeof *b + size) : NULL;
    if (!b)
        return NULL;
    link_block(b);
    return b + 1;
}

static void hook_free(void *p)
{
    if (!p)
        return;
    block *b = (block *)p - 1;
    unlink_block(b);
    free(b);
}

static void *hook_realloc(void *p, size_t size)
{
    if (!p)
        return hook_malloc(size);
    block *b = (block *)p - 1;
    unlink_block(b);
    block *nb = size <= SIZE_MAX - sizeof *b ? realloc(b, sizeof *b + size) : NULL;
    link_block(nb ? nb : b); /* on failure the old block is still tpl's */
    return nb ? nb + 1 : NULL;
}

/* After a jump out of tpl: frees whatever it still held. */
static void free_all_blocks(void)
{
    while (blocks) {
        block *b = blocks;
        unlink_block(b);
        free(b);
    }
}

static int hook_oops(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int hook_oops(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_oops, sizeof last_oops, fmt, ap);
    va_end(ap);
    size_t n = strlen(last_oops);
    if (n && last_oops[n - 1] == '\n')
        last_oops[n - 1] = '\0';
    return 0;
}

static void hook_fatal(const char *fmt, ...)
{
    (void)fmt;
    if (escape)
        longjmp(*escape, 1);
}

/* tpl_hook is process-wide: ours are installed for the length of one codec call and the
 * caller's put back after, so a program that also uses tpl itself keeps its own. */
static tpl_hook_t saved_hooks;

static void restore_hooks(void)
{
    tpl_hook = saved_hooks;
}

static void install_hooks(void)
{
    saved_hooks = tpl_hook;
    tpl_hook.oops = hook_oops;
    tpl_hook.fatal = hook_fatal;
    tpl_hook.malloc = hook_malloc;
    tpl_hook.realloc = hook_realloc;
    tpl_hook.free = hook_free;
    last_oops[0] = '\0';
}

static const char *tpl_version(void)
{
    return "1.6.1"; /* libtpl has no version call; this is Debian 12's libtpl0 */
}

/* One (key, value) record mapped for tpl, and what an operation works on. */
typedef struct tpl_job {
    uint64_t key;
    double value;
    const fc_dataset *in; /* encode */
    fc_buffer *out;
    const uint8_t *data;  /* decode */
    size_t len;
    fc_dataset *records;
    fc_error *err;
    /* Records of a shape (the section at the end): the map, and what it maps. */
    tpl_node *(*map)(struct tpl_job *job);
    const fc_records *rin;
    fc_records *rout;
    unsigned shape;
    char *s[5];
    uint16_t u16;
    uint32_t u32;
    double f;
    struct { /* the ints shape's fields */
        uint64_t id, u64, mixed;
        int64_t i64;
        int32_t i32;
        int16_t i16;
        char c[3]; /* u8, i8, small */
    } n;
} tpl_job;

/* Runs op on a fresh tpl map of TPL_FORMAT, with our hooks installed for the length of
 * the call: a fatal (out of memory) jumps back here, tpl's blocks are freed and
 * FC_ENOMEM returned; the caller's hooks are put back on every way out. */
static int tpl_guarded(int (*op)(tpl_node *tn, tpl_job *job), tpl_job *job)
{
    tpl_node *volatile tn = NULL;
    jmp_buf jb;
    install_hooks();
    if (setjmp(jb)) {
        escape = NULL;
        free_all_blocks();
        restore_hooks();
        return fc_fail(job->err, FC_ENOMEM, 0, "tpl: out of memory");
    }
    escape = &jb;
    tn = job->map ? job->map(job) : tpl_map((char *)TPL_FORMAT, &job->key, &job->value);
    int rc = tn ? op(tn, job) : fc_fail(job->err, FC_ENOMEM, 0, "tpl_map failed: %s", last_oops);
    escape = NULL;
    if (tn)
        tpl_free(tn);
    restore_hooks();
    return rc;
}

/* tpl_dump of the packed image into job->out. */
static int dump_image(tpl_node *tn, tpl_job *job)
{
    size_t size = 0;
    if (tpl_dump(tn, TPL_GETSIZE, &size) != 0)
        return fc_fail(job->err, FC_EUNSUPPORTED, 0, "tpl_dump: %s", last_oops);
    int rc = fc_buffer_reserve(job->out, size, job->err);
    if (rc)
        return rc;
    if (tpl_dump(tn, TPL_MEM | TPL_PREALLOCD, job->out->data + job->out->len, size) != 0)
        return fc_fail(job->err, FC_EUNSUPPORTED, 0, "tpl_dump: %s", last_oops);
    job->out->len += size;
    return 0;
}

static int encode_op(tpl_node *tn, tpl_job *job)
{
    for (size_t i = 0; i < job->in->count; i++) {
        job->key = job->in->keys[i];
        job->value = job->in->values[i];
        tpl_pack(tn, 1);
    }
    return dump_image(tn, job);
}

/* A little-endian or big-endian (flags bit 0) 32-bit field of the image. */
static uint32_t image_u32(const uint8_t *data, const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[(data[3] & 1) ? 3 - i : i] << (8 * i);
    return v;
}

/* The header of an A(Uf) image, field by field, so that an error names its offset;
 * tpl_load then checks the image again with its own rules. */
static int check_image(const uint8_t *data, size_t len, fc_error *err)
{
    if (len < TPL_RECORDS)
        return fc_fail(err, FC_ECORRUPT, 0, "offset %zu: the file ends inside the %d-byte "
                       "header of a tpl image", len, TPL_RECORDS);
    if (memcmp(data, "tpl", 3) != 0)
        return fc_fail(err, FC_ECORRUPT, 0, "offset 0: magic is not \"tpl\"");
    if (image_u32(data, data + 4) != len)
        return fc_fail(err, FC_ECORRUPT, 0, "offset 4: the image says it is %u bytes, the "
                       "file has %zu", image_u32(data, data + 4), len);
    if (memcmp(data + 8, TPL_FORMAT, sizeof TPL_FORMAT) != 0) {
        char shown[sizeof TPL_FORMAT] = {0};
        for (size_t i = 0; i + 1 < sizeof TPL_FORMAT && data[8 + i]; i++)
            shown[i] = data[8 + i] >= 0x20 && data[8 + i] < 0x7f ? (char)data[8 + i] : '?';
        return fc_fail(err, FC_ECORRUPT, 0, "offset 8: the tpl format is \"%s\", expected "
                       "\"%s\" (an array of uint64 key, double value)", shown, TPL_FORMAT);
    }
    uint32_t n = image_u32(data, data + 14);
    if ((uint64_t)n * 16 != len - TPL_RECORDS)
        return fc_fail(err, FC_ECORRUPT, 0, "offset 14: the array declares %u records (%llu "
                       "bytes), the image has %zu bytes after its header", n,
                       (unsigned long long)n * 16, len - TPL_RECORDS);
    return 0;
}

static int decode_op(tpl_node *tn, tpl_job *job)
{
    int rc = check_image(job->data, job->len, job->err);
    if (rc)
        return rc;
    /* tpl_load(TPL_MEM) reads the buffer in place and never writes to it. */
    if (tpl_load(tn, TPL_MEM, (void *)(uintptr_t)job->data, job->len) != 0)
        return fc_fail(job->err, FC_ECORRUPT, 0,
                       "offset 0: not a valid tpl image of format %s (%zu bytes): %s",
                       TPL_FORMAT, job->len, last_oops[0] ? last_oops : "rejected");
    int n = tpl_Alen(tn, 1);
    if (n < 0)
        return fc_fail(job->err, FC_ECORRUPT, 0, "offset 14: the tpl image has no array");
    fc_dataset *out = job->records;
    rc = fc_dataset_reserve(out, out->count + (size_t)n, job->err);
    if (rc)
        return rc;
    size_t first = out->count, a = 0, b = 0;
    while (tpl_unpack(tn, 1) > 0) {
        out->keys[out->count] = job->key;
        out->values[out->count] = job->value;
        out->count++;
    }
    if ((rc = fc_dataset_find_repeat(out, first, &a, &b, job->err)) <= 0)
        return rc;
    /* tpl_sanity() checked the image: for A(Uf), the records start at TPL_RECORDS. */
    return fc_fail(job->err, FC_ECORRUPT, 0,
                   "offset %zu (record %zu): key %llu again (first at offset %zu, record %zu); "
                   "a result file holds each key once", TPL_RECORDS + 16 * (b - first),
                   b - first, (unsigned long long)out->keys[b], TPL_RECORDS + 16 * (a - first),
                   a - first);
}

static int tpl_encode(const fc_dataset *in, fc_buffer *out, fc_error *err)
{
    tpl_job job = {.in = in, .out = out, .err = err};
    return tpl_guarded(encode_op, &job);
}

static int tpl_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    tpl_job job = {.data = data, .len = len, .records = out, .err = err};
    return tpl_guarded(decode_op, &job);
}

/* ==== Records of the other shapes (fc_shapes.h) ====
 *
 * A tpl format string per shape; tpl has no null, no optional field, no float32 and
 * no object with names, so a record is its fields in the shape's order (the names are
 * the format's positions) and only the shapes that need none of what tpl lacks are
 * held: ints, log and mesh. doc is not yet (it needs presence flags for its nulls and
 * absent members: docs/FORMATS.md).
 *
 *   ints  A(UUccvjuiUIcA(U)ss)  key, id, u8 and i8 (c: a byte), u16 (v), i16 (j),
 *                        u32 (u), i32 (i), u64 (U), i64 (I), small (c), mixed
 *                        (A(U)), tag, name
 *   log   A(Usssssvu)    key, address, identity, userid, date, request (C strings:
 *                        a NUL inside is refused), code (uint16), size (uint32)
 *   mesh  A(UuA(f)A(f))  key, triangles (uint32), vertices and normals: float32
 *                        widened to double ('f'), float32 again on reading
 *
 * Reading checks the image's header (magic, length, the shape's format string) naming
 * the offset, then tpl_load, whose tpl_sanity walks the whole image against its length
 * before anything is unpacked (so every count is one the image holds: 24 bytes of tree
 * for each 8-byte double). Strings tpl unpacks are its allocations: copied (checked
 * UTF-8), then given back. A NULL string (tpl can hold one) is refused. */

static const char *const TPL_SHAPE_FORMAT[FC_SHAPE_COUNT] = {
    [FC_SHAPE_INTS] = "A(UUccvjuiUIcA(U)ss)", [FC_SHAPE_LOG] = "A(Usssssvu)",
    [FC_SHAPE_MESH] = "A(UuA(f)A(f))"};
static const char *const LOG_TEXT[5] = {"address", "identity", "userid", "date", "request"};

static tpl_node *map_shape(tpl_job *j)
{
    char *fmt = (char *)TPL_SHAPE_FORMAT[j->shape];
    if (j->shape == FC_SHAPE_LOG)
        return tpl_map(fmt, &j->key, &j->s[0], &j->s[1], &j->s[2], &j->s[3], &j->s[4], &j->u16,
                       &j->u32);
    if (j->shape == FC_SHAPE_INTS)
        return tpl_map(fmt, &j->key, &j->n.id, &j->n.c[0], &j->n.c[1], &j->u16, &j->n.i16,
                       &j->u32, &j->n.i32, &j->n.u64, &j->n.i64, &j->n.c[2], &j->n.mixed,
                       &j->s[0], &j->s[1]);
    return tpl_map(fmt, &j->key, &j->u32, &j->f, &j->f);
}

/* Member i of a record must be `name`, of type t: an integer from lo (below 0: also
 * FC_V_INT) up to max: *x. */
static int field_in(tpl_job *j, const fc_value *v, size_t rec, size_t i, const char *name,
                    fc_vtype t, int64_t lo, uint64_t max, const fc_value **x)
{
    const fc_member *m = v->type == FC_V_OBJECT && i < v->obj.n ? &v->obj.members[i] : NULL;
    const fc_value *y = m ? &m->value : NULL;
    *x = y;
    bool ok = y && strcmp(m->key, name) == 0 &&
              (y->type == t || (lo < 0 && y->type == FC_V_INT && y->i >= lo));
    if (ok && y->type == FC_V_UINT && y->u > max)
        ok = false;
    if (ok && y->type == FC_V_STRING && memchr(y->str.p, '\0', y->str.len))
        ok = false;
    if (ok)
        return 0;
    return fc_fail(j->err, FC_EUNSUPPORTED, 0, "tpl: record %zu: field %zu is not \"%s\" as "
                   "the %s shape's tpl format %s has it", rec, i, name,
                   fc_shape_name((enum fc_shape)j->shape), TPL_SHAPE_FORMAT[j->shape]);
}

static int field(tpl_job *j, const fc_value *v, size_t rec, size_t i, const char *name,
                 fc_vtype t, uint64_t max, const fc_value **x)
{
    return field_in(j, v, rec, i, name, t, 0, max, x);
}

/* The ints record v's fields into the job (its mixed list packed as A(U) 2). */
static int pack_ints(tpl_node *tn, tpl_job *j, const fc_value *v, size_t rec)
{
    static const struct { const char *name; int64_t lo; uint64_t max; } F[10] = {
        {"id", 0, UINT64_MAX}, {"u8", 0, 255}, {"i8", -128, 127}, {"u16", 0, 65535},
        {"i16", -32768, 32767}, {"u32", 0, UINT32_MAX}, {"i32", INT32_MIN, INT32_MAX},
        {"u64", 0, UINT64_MAX}, {"i64", INT64_MIN, INT64_MAX}, {"small", 0, 255}};
    uint64_t b[10];
    const fc_value *x;
    int rc = 0;
    for (size_t k = 0; !rc && k < 10; k++)
        if ((rc = field_in(j, v, rec, k, F[k].name, FC_V_UINT, F[k].lo, F[k].max, &x)) == 0)
            b[k] = x->type == FC_V_INT ? (uint64_t)x->i : x->u;
    if (rc || (rc = field(j, v, rec, 10, "mixed", FC_V_ARRAY, 0, &x)) != 0)
        return rc;
    j->n.id = b[0], j->n.c[0] = (char)b[1], j->n.c[1] = (char)b[2], j->u16 = (uint16_t)b[3];
    j->n.i16 = (int16_t)b[4], j->u32 = (uint32_t)b[5], j->n.i32 = (int32_t)b[6];
    j->n.u64 = b[7], j->n.i64 = (int64_t)b[8], j->n.c[2] = (char)b[9];
    for (size_t k = 0; k < x->arr.n; k++) {
        if (x->arr.items[k].type != FC_V_UINT)
            return fc_fail(j->err, FC_EUNSUPPORTED, 0, "tpl: record %zu: mixed[%zu] is not an "
                           "integer 0..2^64-1", rec, k);
        j->n.mixed = x->arr.items[k].u;
        tpl_pack(tn, 2);
    }
    for (size_t k = 0; !rc && k < 2; k++) {
        rc = field(j, v, rec, 11 + k, k ? "name" : "tag", FC_V_STRING, 0, &x);
        j->s[k] = rc ? NULL : (char *)x->str.p;
    }
    return rc;
}

/* The mesh record v's arrays, packed as A(f) 2 and 3. */
static int pack_mesh_arrays(tpl_node *tn, tpl_job *j, const fc_value *v, size_t rec)
{
    for (int a = 1; a <= 2; a++) {
        const char *name = a == 1 ? "vertices" : "normals";
        const fc_value *arr;
        int rc = field(j, v, rec, (size_t)a, name, FC_V_ARRAY, 0, &arr);
        for (size_t k = 0; !rc && k < arr->arr.n; k++) {
            if (arr->arr.items[k].type != FC_V_FLOAT32)
                return fc_fail(j->err, FC_EUNSUPPORTED, 0, "tpl: record %zu: %s[%zu] is not "
                               "a float32", rec, name, k);
            j->f = (double)arr->arr.items[k].f;
            tpl_pack(tn, a + 1);
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int encode_shape_op(tpl_node *tn, tpl_job *j)
{
    bool log = j->shape == FC_SHAPE_LOG, ints = j->shape == FC_SHAPE_INTS;
    for (size_t i = 0; i < j->rin->count; i++) {
        const fc_value *v = &j->rin->values[i], *x = NULL, *y = NULL;
        int rc = 0;
        j->key = j->rin->keys[i];
        if (v->type != FC_V_OBJECT || v->obj.n != (log ? 7u : ints ? 13u : 3u))
            return fc_fail(j->err, FC_EUNSUPPORTED, 0, "tpl: record %zu is not a%s %s record",
                           i, ints ? "n" : "", fc_shape_name((enum fc_shape)j->shape));
        if (ints && (rc = pack_ints(tn, j, v, i)) == 0) {
            tpl_pack(tn, 1);
            continue;
        }
        for (size_t k = 0; log && !rc && k < 5; k++) {
            rc = field(j, v, i, k, LOG_TEXT[k], FC_V_STRING, 0, &x);
            j->s[k] = rc ? NULL : (char *)x->str.p; /* tpl_pack copies it */
        }
        if (log && !rc && (rc = field(j, v, i, 5, "code", FC_V_UINT, UINT16_MAX, &x)) == 0 &&
            (rc = field(j, v, i, 6, "size", FC_V_UINT, UINT32_MAX, &y)) == 0) {
            j->u16 = (uint16_t)x->u;
            j->u32 = (uint32_t)y->u;
        }
        if (!log && !ints && (rc = field(j, v, i, 0, "triangles", FC_V_UINT, UINT32_MAX, &x)) == 0) {
            j->u32 = (uint32_t)x->u;
            rc = pack_mesh_arrays(tn, j, v, i);
        }
        if (rc)
            return rc;
        tpl_pack(tn, 1);
    }
    return dump_image(tn, j);
}

/* The header of the shape's image, field by field, so that an error names its offset. */
static int check_shape_image(tpl_job *j)
{
    const char *fmt = TPL_SHAPE_FORMAT[j->shape];
    size_t n = strlen(fmt) + 1;
    if (j->len < 8 + n)
        return fc_fail(j->err, FC_ECORRUPT, 0, "offset %zu: the file ends inside the header "
                       "of a tpl image", j->len);
    if (memcmp(j->data, "tpl", 3) != 0)
        return fc_fail(j->err, FC_ECORRUPT, 0, "offset 0: magic is not \"tpl\"");
    if (image_u32(j->data, j->data + 4) != j->len)
        return fc_fail(j->err, FC_ECORRUPT, 0, "offset 4: the image says it is %u bytes, the "
                       "file has %zu", image_u32(j->data, j->data + 4), j->len);
    if (memcmp(j->data + 8, fmt, n) != 0)
        return fc_fail(j->err, FC_ECORRUPT, 0, "offset 8: the tpl format is not \"%s\" (the %s "
                       "shape's)", fmt, fc_shape_name((enum fc_shape)j->shape));
    return 0;
}

/* tpl's string j->s[k], unpacked for the field `name`, into *m (when m is not NULL and
 * nothing failed before: *rc); given back to tpl in every case. */
static void take_text(tpl_job *j, size_t k, const char *name, fc_member *m, int *rc)
{
    size_t bad_at, n = j->s[k] ? strlen(j->s[k]) : 0;
    if (m && !*rc && !j->s[k])
        *rc = fc_fail(j->err, FC_ECORRUPT, 0, "tpl: record %zu: %s is a NULL string",
                      j->rout->count, name);
    else if (m && !*rc && !fc_utf8_valid(j->s[k], n, &bad_at))
        *rc = fc_fail(j->err, FC_ECORRUPT, 0, "tpl: record %zu: %s is not UTF-8 at its byte "
                      "%zu", j->rout->count, name, bad_at);
    char *c = m && !*rc ? fc_arena_alloc(&j->rout->arena, n + 1, j->err) : NULL;
    if (m && !*rc && !c)
        *rc = FC_ENOMEM;
    if (c) {
        memcpy(c, j->s[k], n + 1);
        *m = (fc_member){name, strlen(name), {.type = FC_V_STRING, .str = {c, n}}};
    }
    hook_free(j->s[k]);
    j->s[k] = NULL;
}

/* The log record just unpacked, into the tree; tpl's strings given back. */
static int unpack_log(tpl_job *j, fc_value *v)
{
    int rc = 0;
    v->type = FC_V_OBJECT;
    v->obj.n = 7;
    if (!(v->obj.members = fc_arena_alloc(&j->rout->arena, 7 * sizeof(fc_member), j->err)))
        rc = FC_ENOMEM;
    for (size_t k = 0; k < 5; k++)
        take_text(j, k, LOG_TEXT[k], rc ? NULL : &v->obj.members[k], &rc);
    if (!rc) {
        v->obj.members[5] = (fc_member){"code", 4, {.type = FC_V_UINT, .u = j->u16}};
        v->obj.members[6] = (fc_member){"size", 4, {.type = FC_V_UINT, .u = j->u32}};
    }
    return rc;
}

static fc_member int_member(const char *name, int64_t i, uint64_t u, bool is_signed)
{
    fc_member m = {name, strlen(name), {.type = FC_V_UINT, .u = u}};
    if (is_signed && i < 0)
        m.value = (fc_value){.type = FC_V_INT, .i = i};
    else if (is_signed)
        m.value.u = (uint64_t)i;
    return m;
}

/* The ints record just unpacked (its mixed list still to unpack), into the tree. */
static int unpack_ints(tpl_node *tn, tpl_job *j, fc_value *v)
{
    int rc = 0, n = tpl_Alen(tn, 2);
    fc_member *m = fc_arena_alloc(&j->rout->arena, 13 * sizeof *m, j->err);
    fc_value *items = n > 0 && m ? fc_arena_alloc(&j->rout->arena, (size_t)n * sizeof *items, j->err) : NULL;
    if (!m || (n > 0 && !items))
        rc = FC_ENOMEM;
    for (size_t k = 0; k < 2; k++)
        take_text(j, k, k ? "name" : "tag", rc ? NULL : &m[11 + k], &rc);
    if (rc)
        return rc;
    *v = (fc_value){.type = FC_V_OBJECT, .obj = {m, 13}};
    m[0] = int_member("id", 0, j->n.id, false);
    m[1] = int_member("u8", 0, (uint8_t)j->n.c[0], false);
    m[2] = int_member("i8", (int8_t)j->n.c[1], 0, true);
    m[3] = int_member("u16", 0, j->u16, false);
    m[4] = int_member("i16", j->n.i16, 0, true);
    m[5] = int_member("u32", 0, j->u32, false);
    m[6] = int_member("i32", j->n.i32, 0, true);
    m[7] = int_member("u64", 0, j->n.u64, false);
    m[8] = int_member("i64", j->n.i64, 0, true);
    m[9] = int_member("small", 0, (uint8_t)j->n.c[2], false);
    m[10] = (fc_member){"mixed", 5, {.type = FC_V_ARRAY, .arr = {items, n > 0 ? (size_t)n : 0}}};
    for (int i = 0; i < n && tpl_unpack(tn, 2) > 0; i++)
        items[i] = (fc_value){.type = FC_V_UINT, .u = j->n.mixed};
    return 0;
}

/* The mesh record just unpacked (its two arrays still to unpack), into the tree. */
static int unpack_mesh(tpl_node *tn, tpl_job *j, fc_value *v)
{
    fc_arena *a = &j->rout->arena;
    fc_member *m = fc_arena_alloc(a, 3 * sizeof *m, j->err);
    if (!m)
        return FC_ENOMEM;
    *v = (fc_value){.type = FC_V_OBJECT, .obj = {m, 3}};
    m[0] = (fc_member){"triangles", 9, {.type = FC_V_UINT, .u = j->u32}};
    for (int k = 1; k <= 2; k++) {
        int n = tpl_Alen(tn, k + 1);
        fc_value *items = n > 0 ? fc_arena_alloc(a, (size_t)n * sizeof *items, j->err) : NULL;
        if (n > 0 && !items)
            return FC_ENOMEM;
        m[k] = (fc_member){k == 1 ? "vertices" : "normals", k == 1 ? 8u : 7u,
                           {.type = FC_V_ARRAY, .arr = {items, n > 0 ? (size_t)n : 0}}};
        for (int i = 0; i < n && tpl_unpack(tn, k + 1) > 0; i++)
            items[i] = (fc_value){.type = FC_V_DOUBLE, .d = j->f};
    }
    return fc_shape_conform(FC_SHAPE_MESH, v, j->err);
}

static int decode_shape_op(tpl_node *tn, tpl_job *j)
{
    int rc = check_shape_image(j);
    if (rc)
        return rc;
    if (tpl_load(tn, TPL_MEM, (void *)(uintptr_t)j->data, j->len) != 0)
        return fc_fail(j->err, FC_ECORRUPT, 0, "offset 0: not a valid tpl image of format %s "
                       "(%zu bytes): %s", TPL_SHAPE_FORMAT[j->shape], j->len,
                       last_oops[0] ? last_oops : "rejected");
    int n = tpl_Alen(tn, 1);
    fc_records *out = j->rout;
    size_t first = out->count, a, b;
    if (n < 0 || (rc = fc_records_reserve(out, first + (size_t)n, j->err)) != 0)
        return n < 0 ? fc_fail(j->err, FC_ECORRUPT, 0, "tpl: the image has no array") : rc;
    while (!rc && tpl_unpack(tn, 1) > 0) {
        out->keys[out->count] = j->key;
        fc_value *v = &out->values[out->count];
        rc = j->shape == FC_SHAPE_LOG    ? unpack_log(j, v)
             : j->shape == FC_SHAPE_INTS ? unpack_ints(tn, j, v)
                                         : unpack_mesh(tn, j, v);
        out->count += !rc;
    }
    if (!rc && (rc = fc_records_find_repeat(out, first, &a, &b, j->err)) == 1)
        rc = fc_fail(j->err, FC_ECORRUPT, 0, "tpl: records %zu and %zu both have the key %llu",
                     a - first, b - first, (unsigned long long)out->keys[a]);
    return rc;
}

static int tpl_encode_records(const fc_records *in, unsigned shape, fc_buffer *out,
                              fc_error *err)
{
    if (shape >= FC_SHAPE_COUNT || !TPL_SHAPE_FORMAT[shape])
        return fc_fail(err, FC_EUNSUPPORTED, 0, "tpl: no tpl format for shape %u yet", shape);
    tpl_job job = {.rin = in, .out = out, .shape = shape, .err = err, .map = map_shape};
    return tpl_guarded(encode_shape_op, &job);
}

static int tpl_decode_records(const uint8_t *data, size_t len, unsigned shape, fc_records *out,
                              fc_error *err)
{
    if (shape >= FC_SHAPE_COUNT || !TPL_SHAPE_FORMAT[shape])
        return fc_fail(err, FC_EUNSUPPORTED, 0, "tpl: no tpl format for shape %u yet", shape);
    tpl_job job = {.data = data, .len = len, .rout = out, .shape = shape, .err = err,
                   .map = map_shape};
    return tpl_guarded(decode_shape_op, &job);
}

/* A tpl image starts "tpl", a flags byte, its 4-byte length, then its format string
 * with its NUL: 24 bits for "tpl", 48 more for "A(Uf)" and the NUL. */
static unsigned tpl_probe(const uint8_t *data, size_t len)
{
    static const char format[] = TPL_FORMAT; /* with its NUL */
    if (len < 3 || memcmp(data, "tpl", 3) != 0)
        return 0;
    if (len < 8 + sizeof format)
        return 24;
    return memcmp(data + 8, format, sizeof format) == 0 ? 24 + 8 * (unsigned)sizeof format : 0;
}

const fc_codec fc_codec_tpl = {
    .name = "tpl",
    .extension = "tpl",
    .library = "tpl",
    .library_version = tpl_version,
    .encode = tpl_encode,
    .decode = tpl_decode,
    .probe = tpl_probe,
    .version = FC_CODEC_VERSION,
    .supports = FC_SUPPORTS_KEY_U64 | FC_SUPPORTS_NONFINITE | FC_SUPPORTS_NAN_BITS |
                FC_SUPPORTS_EXACT_DOUBLES | FC_SUPPORTS_STRINGS | FC_SUPPORTS_NESTING,
    .shapes = 1u << FC_SHAPE_INTS | 1u << FC_SHAPE_LOG | 1u << FC_SHAPE_MESH,
    .encode_records = tpl_encode_records,
    .decode_records = tpl_decode_records,
};
