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
    tn = tpl_map((char *)TPL_FORMAT, &job->key, &job->value);
    int rc = tn ? op(tn, job) : fc_fail(job->err, FC_ENOMEM, 0, "tpl_map failed: %s", last_oops);
    escape = NULL;
    if (tn)
        tpl_free(tn);
    restore_hooks();
    return rc;
}

static int encode_op(tpl_node *tn, tpl_job *job)
{
    for (size_t i = 0; i < job->in->count; i++) {
        job->key = job->in->keys[i];
        job->value = job->in->values[i];
        tpl_pack(tn, 1);
    }
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
                FC_SUPPORTS_EXACT_DOUBLES,
};
