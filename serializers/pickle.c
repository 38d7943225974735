/* pickle.c - the dict as CPython's pickle.dumps(d, protocol=4) writes it, byte for byte.
 *
 * A dict {int: float} built in key order pickles as:
 *
 *   80 04            PROTO 4
 *   95 <u64 le>      FRAME: the length of what follows in this frame
 *   7d 94            EMPTY_DICT, MEMOIZE
 *   28 ... 75        MARK, up to 1,000 key-value pairs, SETITEMS (again while the batch
 *                    was full: a dict of exactly 1,000 items ends with an empty 28 75)
 *   ... 73           or, for a dict of exactly one item, key value SETITEM
 *   2e               STOP
 *
 * Keys: BININT1 (4b, 0..255), BININT2 (4d, ..65535), BININT (4a, ..2^31-1, 4 bytes
 * little-endian), LONG1 (8a n, n bytes of little-endian two's complement, the fewest
 * that keep the sign bit clear: 5 for 2^31, 9 for 2^63 and above). Values: BINFLOAT
 * (47, the double's 8 bytes big-endian).
 *
 * Framing copies CPython's C pickler (Modules/_pickle.c): a frame opens at the first
 * write after PROTO or after the previous frame; before each key and each value is
 * written (the start of its save()), a frame holding 64 KiB (FRAME_SIZE_TARGET) or more
 * is closed. STOP goes in the last frame; a frame of fewer than 4 bytes
 * (FRAME_SIZE_MIN) gets no FRAME opcode (so `{}` is 80 04 7d 94 2e).
 *
 * Reading accepts exactly what such a dict needs, in the pickles every CPython protocol
 * 2 to 5 writes of it (the C pickler's and the pure-Python one's batches; BINPUT and
 * LONG_BINPUT as protocols 2 and 3 memoize): PROTO, FRAME, EMPTY_DICT, one memo opcode,
 * MARK/SETITEMS, SETITEM, integer keys 0..2^64-1 (BININT1, BININT2, BININT, LONG1,
 * LONG4), BINFLOAT values (or integer values a double holds exactly, as for json and
 * msgpack), STOP, and nothing after STOP. Every opcode that imports or calls anything
 * (GLOBAL, STACK_GLOBAL, REDUCE, BUILD, INST, OBJ, NEWOBJ, NEWOBJ_EX, EXT1/2/4,
 * PERSID, BINPERSID) is refused with why: no reader here ever runs code.
 *
 * Bounded: room for len / 11 records is reserved (a record with a BINFLOAT value takes
 * at least 11 bytes) and the file is checked and copied in one pass; a file with more
 * records than that is walked again into room reserved for exactly its count. A
 * record takes at least 4 bytes (K k K v), so 16 bytes a record plus the repeated-key
 * check's table (at most 11) stay under 7 x the input (docs/FORMATS.md).
 */
#include "codecs.h"
#include "fc_shapes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    OP_MARK = 0x28, OP_STOP = 0x2e, OP_BINFLOAT = 0x47, OP_BININT = 0x4a, OP_BININT1 = 0x4b,
    OP_BININT2 = 0x4d, OP_BINPUT = 0x71, OP_LONG_BINPUT = 0x72, OP_SETITEM = 0x73,
    OP_SETITEMS = 0x75, OP_EMPTY_DICT = 0x7d, OP_PROTO = 0x80, OP_LONG1 = 0x8a,
    OP_LONG4 = 0x8b, OP_MEMOIZE = 0x94, OP_FRAME = 0x95
};

#define PK_PROTOCOL 4
#define PK_BATCH 1000                /* BATCHSIZE */
#define PK_FRAME_TARGET (64 * 1024)  /* FRAME_SIZE_TARGET */
#define PK_FRAME_MIN 4               /* FRAME_SIZE_MIN */
#define PK_FRAME_HEADER 9

/* ==== Writing ==== */

typedef struct writer {
    uint8_t *p;     /* the next byte */
    uint8_t *frame; /* the open frame's header, NULL when none is open */
} writer;

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* _Pickler_Write: a write with no frame open opens one (its header filled in later). */
static inline void open_frame(writer *w)
{
    if (!w->frame) {
        w->frame = w->p;
        w->p += PK_FRAME_HEADER;
    }
}

/* _Pickler_CommitFrame: a FRAME header for 4 bytes or more, else no header at all. */
static void commit_frame(writer *w)
{
    if (!w->frame)
        return;
    size_t n = (size_t)(w->p - w->frame) - PK_FRAME_HEADER;
    if (n >= PK_FRAME_MIN) {
        w->frame[0] = OP_FRAME;
        put_le(w->frame + 1, n, 8);
    } else {
        memmove(w->frame, w->frame + PK_FRAME_HEADER, n);
        w->p -= PK_FRAME_HEADER;
    }
    w->frame = NULL;
}

/* _Pickler_OpcodeBoundary, at the start of each save(): a full frame is closed. */
static inline void boundary(writer *w)
{
    if (w->frame && (size_t)(w->p - w->frame) - PK_FRAME_HEADER >= PK_FRAME_TARGET)
        commit_frame(w);
}

/* save_long and save_float, each after its opcode boundary. */
static inline void put_record(writer *w, uint64_t key, double value)
{
    boundary(w);
    open_frame(w);
    uint8_t *p = w->p;
    if (key < 0x100) {
        p[0] = OP_BININT1;
        p[1] = (uint8_t)key;
        p += 2;
    } else if (key < 0x10000) {
        p[0] = OP_BININT2;
        put_le(p + 1, key, 2);
        p += 3;
    } else if (key < 0x80000000u) {
        p[0] = OP_BININT;
        put_le(p + 1, key, 4);
        p += 5;
    } else { /* the fewest bytes that leave the sign bit clear: bit length / 8 + 1 */
        int n = (64 - __builtin_clzll(key)) / 8 + 1;
        p[0] = OP_LONG1;
        p[1] = (uint8_t)n;
        put_le(p + 2, key, n > 8 ? 8 : n);
        if (n > 8)
            p[10] = 0;
        p += 2 + n;
    }
    w->p = p;
    boundary(w);
    open_frame(w);
    uint64_t bits;
    memcpy(&bits, &value, 8);
    w->p[0] = OP_BINFLOAT;
    for (int i = 0; i < 8; i++)
        w->p[1 + i] = (uint8_t)(bits >> (56 - 8 * i));
    w->p += 9;
}

static inline void put_op(writer *w, uint8_t op)
{
    open_frame(w);
    *w->p++ = op;
}

/* The most bytes n records take: 20 a record (LONG1 of 9 bytes and BINFLOAT), two a
 * batch, 5 fixed, and a frame header for each 64 KiB. */
static size_t worst_size(size_t n)
{
    size_t payload = 5 + 20 * n + 2 * (n / PK_BATCH + 1);
    return payload + PK_FRAME_HEADER * (payload / PK_FRAME_TARGET + 1);
}

/* save_dict and batch_dict_exact of the C pickler, then STOP. */
static int pk_encode(const fc_dataset *in, fc_buffer *out, fc_error *err)
{
    if (in->count > (SIZE_MAX / 32))
        return fc_fail(err, FC_ENOMEM, 0, "pickle: %zu records do not fit in memory",
                       in->count);
    int rc = fc_buffer_reserve(out, worst_size(in->count), err);
    if (rc)
        return rc;
    writer w = {.p = out->data + out->len, .frame = NULL};
    w.p[0] = OP_PROTO;
    w.p[1] = PK_PROTOCOL;
    w.p += 2;
    put_op(&w, OP_EMPTY_DICT);
    put_op(&w, OP_MEMOIZE);
    if (in->count == 1) {
        put_record(&w, in->keys[0], in->values[0]);
        put_op(&w, OP_SETITEM);
    } else if (in->count > 1) {
        size_t i = 0, batch;
        do { /* a full batch is followed by another, empty if nothing is left */
            put_op(&w, OP_MARK);
            for (batch = 0; batch < PK_BATCH && i < in->count; batch++, i++)
                put_record(&w, in->keys[i], in->values[i]);
            put_op(&w, OP_SETITEMS);
        } while (batch == PK_BATCH);
    }
    put_op(&w, OP_STOP);
    commit_frame(&w);
    out->len = (size_t)(w.p - out->data);
    return 0;
}

/* ==== Reading ==== */

/* Every opcode's name (pickletools'), for messages. */
static const char *const op_names[256] = {
    [0x28] = "MARK", [0x2e] = "STOP", [0x30] = "POP", [0x31] = "POP_MARK", [0x32] = "DUP",
    [0x42] = "BINBYTES", [0x43] = "SHORT_BINBYTES", [0x46] = "FLOAT", [0x47] = "BINFLOAT",
    [0x49] = "INT", [0x4a] = "BININT", [0x4b] = "BININT1", [0x4c] = "LONG",
    [0x4d] = "BININT2", [0x4e] = "NONE", [0x50] = "PERSID", [0x51] = "BINPERSID",
    [0x52] = "REDUCE", [0x53] = "STRING", [0x54] = "BINSTRING", [0x55] = "SHORT_BINSTRING",
    [0x56] = "UNICODE", [0x58] = "BINUNICODE", [0x5d] = "EMPTY_LIST", [0x61] = "APPEND",
    [0x62] = "BUILD", [0x63] = "GLOBAL", [0x64] = "DICT", [0x65] = "APPENDS", [0x67] = "GET",
    [0x68] = "BINGET", [0x69] = "INST", [0x6a] = "LONG_BINGET", [0x6c] = "LIST",
    [0x6f] = "OBJ", [0x70] = "PUT", [0x71] = "BINPUT", [0x72] = "LONG_BINPUT",
    [0x73] = "SETITEM", [0x74] = "TUPLE", [0x29] = "EMPTY_TUPLE", [0x75] = "SETITEMS",
    [0x7d] = "EMPTY_DICT", [0x80] = "PROTO", [0x81] = "NEWOBJ", [0x82] = "EXT1",
    [0x83] = "EXT2", [0x84] = "EXT4", [0x85] = "TUPLE1", [0x86] = "TUPLE2",
    [0x87] = "TUPLE3", [0x88] = "NEWTRUE", [0x89] = "NEWFALSE", [0x8a] = "LONG1",
    [0x8b] = "LONG4", [0x8c] = "SHORT_BINUNICODE", [0x8d] = "BINUNICODE8",
    [0x8e] = "BINBYTES8", [0x8f] = "EMPTY_SET", [0x90] = "ADDITEMS", [0x91] = "FROZENSET",
    [0x92] = "NEWOBJ_EX", [0x93] = "STACK_GLOBAL", [0x94] = "MEMOIZE", [0x95] = "FRAME",
    [0x96] = "BYTEARRAY8", [0x97] = "NEXT_BUFFER", [0x98] = "READONLY_BUFFER",
};

/* What an opcode that runs code does, or NULL for the others. */
static const char *danger(uint8_t op)
{
    switch (op) {
    case 0x63: case 0x93: return "imports a callable";
    case 0x82: case 0x83: case 0x84: return "imports a callable from the extension registry";
    case 0x52: case 0x69: case 0x6f: case 0x81: case 0x92: return "calls a callable";
    case 0x62: return "calls __setstate__ or sets an object's attributes";
    case 0x50: case 0x51: return "calls the unpickler's persistent_load";
    default: return NULL;
    }
}

typedef struct reader {
    const uint8_t *data;
    size_t len, pos;      /* pos: the next byte */
    size_t frame_end;     /* the end of the current frame; 0 outside frames */
    fc_dataset *out;      /* NULL: a pass that only checks and counts */
    size_t room;          /* records that may still be stored in out (then only counted) */
    size_t records;       /* records seen */
    size_t want;          /* the record whose key offset is wanted (SIZE_MAX: none) */
    size_t want_offset;
    fc_error *err;
} reader;

/* The one error for an opcode where another was expected. */
static int unexpected(reader *r, size_t off, uint8_t op, const char *expected)
{
    const char *why = danger(op);
    if (why)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: opcode %s (0x%02x) %s; a result "
                       "file never does, so it is refused: unpickling untrusted data can "
                       "run code", off, op_names[op], op, why);
    if (!op_names[op])
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: byte 0x%02x is no pickle opcode, "
                       "expected %s", off, op, expected);
    return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: opcode %s (0x%02x), expected %s; a "
                   "result file is one dict of integer keys to float values", off,
                   op_names[op], op, expected);
}

/* n argument bytes at r->pos, wholly inside the file and inside the current frame. */
static int need(reader *r, size_t off, uint8_t op, size_t n)
{
    if (n > r->len - r->pos)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: the file ends inside opcode %s "
                       "(%zu bytes of %zu)", off, op_names[op], r->len - r->pos, n);
    if (r->frame_end && n > r->frame_end - r->pos)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: opcode %s runs past the end of "
                       "its frame (offset %zu)", off, op_names[op], r->frame_end);
    return 0;
}

/* FRAME opcodes at r->pos: each declares the bytes that follow it in its frame. */
static int enter_frames(reader *r)
{
    while (r->pos < r->len && r->data[r->pos] == OP_FRAME) {
        size_t off = r->pos;
        if (r->frame_end)
            return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: a FRAME inside the frame "
                           "that ends at offset %zu", off, r->frame_end);
        if (r->len - off < PK_FRAME_HEADER)
            return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: the file ends inside a FRAME "
                           "opcode", off);
        uint64_t size = 0;
        for (int i = 7; i >= 0; i--)
            size = size << 8 | r->data[off + 1 + i];
        r->pos = off + PK_FRAME_HEADER;
        if (size > r->len - r->pos)
            return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: the FRAME declares %llu bytes "
                           "but only %zu follow", off, (unsigned long long)size,
                           r->len - r->pos);
        r->frame_end = size ? r->pos + (size_t)size : 0;
    }
    return 0;
}

/* The next opcode, past any FRAME; its offset in *off. */
static int next_op(reader *r, size_t *off, uint8_t *op)
{
    if (r->frame_end && r->pos == r->frame_end)
        r->frame_end = 0;
    int rc = enter_frames(r);
    if (rc)
        return rc;
    if (r->pos >= r->len)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: the file ends before STOP "
                       "(2e), which ends every pickle", r->pos);
    *off = r->pos;
    *op = r->data[r->pos++];
    return 0;
}

/* An integer as the int opcodes hold it: sign, magnitude, or too wide for 64 bits. */
typedef struct pk_int {
    bool negative, wide;
    uint64_t magnitude;
    size_t bytes;         /* LONG1/LONG4's length, for messages */
} pk_int;

/* Little-endian two's complement of n bytes at p. */
static void twos_complement(const uint8_t *p, size_t n, pk_int *v)
{
    v->negative = n > 0 && (p[n - 1] & 0x80);
    uint8_t fill = v->negative ? 0xff : 0;
    uint64_t bits = 0;
    v->wide = false;
    for (size_t i = n; i-- > 0;) {
        if (i >= 8)
            v->wide |= p[i] != fill;
        else
            bits = bits << 8 | p[i];
    }
    for (size_t i = n; i < 8; i++)
        bits |= (uint64_t)fill << (8 * i);
    if (v->negative) /* below -2^63 is wide too: the top bit kept must be set */
        v->wide |= !(bits >> 63) && n > 8;
    v->magnitude = v->negative ? ~bits + 1 : bits;
}

/* The integer an int opcode at off holds: 1 when op is one, 0 when it is not, or an
 * error code. BININT is signed; LONG4's length is checked against the bytes left
 * before anything is read. */
static int read_int(reader *r, size_t off, uint8_t op, pk_int *v)
{
    static const uint8_t fixed[] = {[OP_BININT1] = 1, [OP_BININT2] = 2, [OP_BININT] = 4};
    size_t n = op < sizeof fixed ? fixed[op] : 0;
    int rc;
    if (op == OP_LONG1 || op == OP_LONG4) {
        size_t head = op == OP_LONG1 ? 1 : 4;
        if ((rc = need(r, off, op, head)) != 0)
            return rc;
        n = 0;
        for (size_t i = head; i-- > 0;)
            n = n << 8 | r->data[r->pos + i];
        r->pos += head;
        if (op == OP_LONG4 && (r->data[r->pos - 1] & 0x80))
            return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: LONG4 declares a negative "
                           "length", off);
    } else if (n == 0) {
        return 0;
    }
    if ((rc = need(r, off, op, n)) != 0)
        return rc;
    const uint8_t *p = r->data + r->pos;
    r->pos += n;
    v->bytes = n;
    if (op == OP_BININT1 || op == OP_BININT2) {
        *v = (pk_int){.magnitude = p[0] | (n == 2 ? (uint64_t)p[1] << 8 : 0), .bytes = n};
        return 1;
    }
    twos_complement(p, n, v);
    return 1;
}

/* The integer as text, for messages (a wide one by its size). */
static void int_text(const pk_int *v, char *buf, size_t size)
{
    if (v->wide)
        snprintf(buf, size, "of %zu bytes (beyond 64 bits)", v->bytes);
    else
        snprintf(buf, size, "%s%llu", v->negative ? "-" : "",
                 (unsigned long long)v->magnitude);
}

/* The key opcode at off: an integer 0..2^64-1. */
static int read_key(reader *r, size_t off, uint8_t op, uint64_t *key)
{
    pk_int v;
    char text[48];
    int rc = read_int(r, off, op, &v);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return unexpected(r, off, op, "a key: an integer 0..2^64-1 (BININT1, BININT2, BININT "
                          "or LONG1)");
    if (v.negative || v.wide) {
        int_text(&v, text, sizeof text);
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: the key is the integer %s, "
                       "expected an integer 0..2^64-1", off, text);
    }
    *key = v.magnitude;
    return 0;
}

/* The value opcode at off: BINFLOAT, or an integer that a double holds exactly. */
static int read_value(reader *r, size_t off, uint8_t op, double *value)
{
    if (op == OP_BINFLOAT) {
        int rc = need(r, off, op, 8);
        if (rc)
            return rc;
        uint64_t bits = 0;
        for (int i = 0; i < 8; i++)
            bits = bits << 8 | r->data[r->pos + i];
        r->pos += 8;
        memcpy(value, &bits, 8);
        return 0;
    }
    pk_int v;
    int rc = read_int(r, off, op, &v);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return unexpected(r, off, op, "a value: a float (BINFLOAT)");
    char text[48], nearest[FC_REPR_MAX] = "";
    if (!v.wide) {
        double d = (double)v.magnitude;
        if (d < 18446744073709551616.0 && (uint64_t)d == v.magnitude) {
            *value = v.negative ? -d : d;
            return 0;
        }
        fc_format_double(v.negative ? -d : d, nearest);
    }
    int_text(&v, text, sizeof text);
    if (v.wide)
        return fc_fail(r->err, FC_ECORRUPT, 0, "integer %s at offset %zu is read as a value "
                       "only up to 2^64-1; write the value as a float", text, off);
    return fc_fail(r->err, FC_ECORRUPT, 0, "integer %s at offset %zu has no exact double "
                   "(the nearest is %s; write that if it is meant)", text, off, nearest);
}

/* Record r->records, its key at offset off: counted, or stored. */
static inline void keep(reader *r, size_t off, uint64_t key, double value)
{
    if (r->records == r->want)
        r->want_offset = off;
    r->records++;
    if (r->out && r->room) {
        r->room--;
        r->out->keys[r->out->count] = key;
        r->out->values[r->out->count] = value;
        r->out->count++;
    }
}

/* One key-value pair, its key opcode already read. */
static int read_record(reader *r, size_t off, uint8_t op)
{
    uint64_t key = 0;
    double value = 0;
    size_t voff;
    uint8_t vop;
    int rc;
    if ((rc = read_key(r, off, op, &key)) != 0 || (rc = next_op(r, &voff, &vop)) != 0 ||
        (rc = read_value(r, voff, vop, &value)) != 0)
        return rc;
    keep(r, off, key, value);
    return 0;
}

/* The usual record, a key (BININT1, BININT2, BININT, or LONG1 of 0..2^64-1) then
 * BINFLOAT, when the current frame (or the file) holds the longest such record: read
 * here without the general path's checks. Returns its length, or 0 when the bytes are
 * anything else (the general path then reads them, and names what is wrong). */
static inline size_t fast_record(const uint8_t *p, size_t room, uint64_t *key, double *value)
{
    size_t n;
    uint64_t k = 0, bits = 0;
    if (room < 20) /* LONG1 of 9 bytes and BINFLOAT */
        return 0;
    switch (p[0]) {
    case OP_BININT1:
        k = p[1], n = 2;
        break;
    case OP_BININT2:
        k = p[1] | (uint64_t)p[2] << 8, n = 3;
        break;
    case OP_BININT:
        if (p[4] & 0x80)
            return 0;
        k = p[1] | (uint64_t)p[2] << 8 | (uint64_t)p[3] << 16 | (uint64_t)p[4] << 24, n = 5;
        break;
    case OP_LONG1:
        n = p[1];
        if (n == 0 || n > 9 || (n == 9 ? p[10] != 0 : (p[1 + n] & 0x80)))
            return 0;
        for (size_t i = n > 8 ? 8 : n; i-- > 0;)
            k = k << 8 | p[2 + i];
        n += 2;
        break;
    default:
        return 0;
    }
    if (p[n] != OP_BINFLOAT)
        return 0;
    memcpy(&bits, p + n + 1, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    bits = __builtin_bswap64(bits); /* BINFLOAT is big-endian */
#endif
    memcpy(value, &bits, 8);
    *key = k;
    return n + 9;
}

/* The records of a batch that fast_record reads, from r->pos (with the reader's fields
 * in locals: the stores to the dataset could otherwise alias them). */
static void fast_records(reader *r)
{
    const uint8_t *p = r->data + r->pos;
    const uint8_t *end = r->data + (r->frame_end ? r->frame_end : r->len);
    size_t records = r->records, want = r->want, stored = 0, used;
    size_t room = r->out && r->out->keys ? r->room : 0; /* NULL + 0 is undefined */
    uint64_t *keys = room ? r->out->keys + r->out->count : NULL, key;
    double *values = room ? r->out->values + r->out->count : NULL, value;
    while ((used = fast_record(p, (size_t)(end - p), &key, &value)) != 0) {
        if (records++ == want)
            r->want_offset = (size_t)(p - r->data);
        if (stored < room) {
            keys[stored] = key;
            values[stored++] = value;
        }
        p += used;
    }
    r->records = records;
    r->pos = (size_t)(p - r->data);
    if (stored) {
        r->out->count += stored;
        r->room -= stored;
    }
}

/* PROTO 2..5, EMPTY_DICT, at most one memo opcode; *op the opcode after them. */
static int read_head(reader *r, size_t *off, uint8_t *op)
{
    int rc;
    if (r->len == 0)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset 0: empty file, expected a pickle "
                       "(PROTO, 80)");
    if (r->data[0] != OP_PROTO)
        return r->data[0] == OP_EMPTY_DICT || r->data[0] == OP_MARK
                   ? fc_fail(r->err, FC_ECORRUPT, 0, "offset 0: no PROTO opcode: a protocol 0 "
                             "or 1 pickle; write it with protocol 2 to 5")
                   : unexpected(r, 0, r->data[0], "PROTO (80)");
    if (r->len < 2 || r->data[1] < 2 || r->data[1] > 5)
        return fc_fail(r->err, FC_ECORRUPT, 0, r->len < 2 ? "offset 0: the file ends inside "
                       "PROTO" : "offset 1: pickle protocol %d, expected 2 to 5",
                       r->len < 2 ? 0 : r->data[1]);
    r->pos = 2;
    if ((rc = next_op(r, off, op)) != 0)
        return rc;
    if (*op != OP_EMPTY_DICT)
        return unexpected(r, *off, *op, "EMPTY_DICT (7d)");
    if ((rc = next_op(r, off, op)) != 0)
        return rc;
    if (*op == OP_MEMOIZE || *op == OP_BINPUT || *op == OP_LONG_BINPUT) {
        size_t n = *op == OP_MEMOIZE ? 0 : *op == OP_BINPUT ? 1 : 4;
        if ((rc = need(r, *off, *op, n)) != 0)
            return rc;
        r->pos += n;
        rc = next_op(r, off, op);
    }
    return rc;
}

/* The whole pickle: the head, batches (MARK pairs SETITEMS, or one pair SETITEM) in any
 * order and number, STOP at the end of the file and of its frame. */
static int read_pickle(reader *r)
{
    size_t off;
    uint8_t op;
    int rc = read_head(r, &off, &op);
    while (rc == 0 && op != OP_STOP) {
        if (op == OP_MARK) {
            while ((fast_records(r), rc = next_op(r, &off, &op)) == 0 && op != OP_SETITEMS)
                if ((rc = read_record(r, off, op)) != 0)
                    return rc;
        } else if ((rc = read_record(r, off, op)) == 0 && (rc = next_op(r, &off, &op)) == 0 &&
                   op != OP_SETITEM) {
            return unexpected(r, off, op, "SETITEM (73) after a key and a value");
        }
        if (rc == 0)
            rc = next_op(r, &off, &op);
    }
    if (rc)
        return rc;
    if (r->frame_end && r->pos != r->frame_end)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: STOP, but its frame goes on to "
                       "offset %zu", off, r->frame_end);
    if (r->pos != r->len)
        return fc_fail(r->err, FC_ECORRUPT, 0, "offset %zu: %zu bytes after STOP, which "
                       "should end the file", r->pos, r->len - r->pos);
    return 0;
}

/* The offset of record i's key, in a file read_pickle accepted. */
static size_t key_offset(const reader *r, size_t i)
{
    reader w = {.data = r->data, .len = r->len, .want = i, .err = NULL};
    read_pickle(&w);
    return w.want_offset;
}

/* One pass for the usual file: room is reserved for as many records as len bytes can
 * hold when each value is a BINFLOAT (at least 11 bytes a record: a key opcode and its
 * byte, BINFLOAT and 8), at most 16/11 of the input, and the records are checked and
 * stored together. A file with more records (integer values, as short as 4 bytes) is
 * read a second time into room reserved for exactly its count. On an error the
 * dataset keeps only what it had. */
#define PK_MIN_FLOAT_RECORD 11
static int pk_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    size_t first = out->count, a = 0, b = 0, guess = len / PK_MIN_FLOAT_RECORD;
    int rc = fc_dataset_reserve(out, first + guess, err);
    if (rc)
        return rc;
    reader r = {.data = data, .len = len, .want = SIZE_MAX, .out = out, .room = guess,
                .err = err};
    if ((rc = read_pickle(&r)) == 0 && r.records > guess) {
        out->count = first; /* the second pass, for a file of short records */
        if ((rc = fc_dataset_reserve(out, first + r.records, err)) == 0) {
            r = (reader){.data = data, .len = len, .want = SIZE_MAX, .out = out,
                         .room = r.records, .err = err};
            rc = read_pickle(&r);
        }
    }
    if (rc) {
        out->count = first;
        return rc;
    }
    if ((rc = fc_dataset_find_repeat(out, first, &a, &b, err)) <= 0) {
        if (rc)
            out->count = first;
        return rc;
    }
    rc = fc_fail(err, FC_ECORRUPT, 0, "offset %zu (item %zu): key %llu again (first at offset "
                 "%zu, item %zu); a result file holds each key once", key_offset(&r, b - first),
                 b - first, (unsigned long long)out->keys[b], key_offset(&r, a - first),
                 a - first);
    out->count = first;
    return rc;
}

/* Nothing for fewer than 5 bytes; else 8 bits for PROTO, 3 for a protocol 2..5, 8 for a FRAME if there is one, 8 for
 * EMPTY_DICT and 8 for a memo opcode after it. Anything else there: 0. */
static unsigned pk_probe(const uint8_t *data, size_t len)
{
    if (len < 5 || data[0] != OP_PROTO) /* 80 04 7d 94 2e, the shortest, is 5 bytes */
        return 0;
    if (data[1] < 2 || data[1] > 5)
        return 0;
    unsigned bid = 11;
    size_t pos = 2;
    if (pos < len && data[pos] == OP_FRAME) {
        bid += 8;
        pos += PK_FRAME_HEADER;
    }
    if (pos >= len)
        return bid;
    if (data[pos] != OP_EMPTY_DICT)
        return 0;
    bid += 8;
    if (++pos >= len)
        return bid;
    uint8_t m = data[pos];
    return m == OP_MEMOIZE || m == OP_BINPUT || m == OP_LONG_BINPUT ? bid + 8 : bid;
}

/* ==== Records of the other shapes (fc_shapes.h) ====
 *
 * The dict {key: record} of plain Python objects (dict, list, str, int, float, None,
 * bool), as pickle protocol 4 writes it: EMPTY_DICT, then MARK, key, record, ...,
 * SETITEMS in batches of 1,000 (SETITEM for a dict of one item; lists likewise with
 * EMPTY_LIST, APPENDS and APPEND), integers as the numbers do (BININT1, BININT2,
 * BININT, LONG1), floats BINFLOAT (a float32 widened: Python has no float32), text
 * SHORT_BINUNICODE or BINUNICODE (UTF-8), None NONE, bools NEWTRUE/NEWFALSE. Each
 * distinct text is written once and MEMOIZEd, then fetched by BINGET/LONG_BINGET, as
 * CPython does for a str object it meets twice (it shares by identity, we by value:
 * the bytes differ from CPython's, pickle.loads gives the same dict). Frames as the
 * numbers' writer, but closed only between records.
 *
 * Reading is pickle's stack machine restricted to those objects: PROTO 2..5, FRAME,
 * MARK, the containers and their fillers above, every integer, float, text and constant
 * opcode those objects take in protocols 2 to 5 (BINUNICODE8 and LONG4 too), and the
 * memo: MEMOIZE, BINPUT, LONG_BINPUT, BINGET, LONG_BINGET. Refused, with the offset:
 * every opcode that imports or calls (as for the numbers); a memo index past the next
 * free one (CPython numbers them in order, so the memo stays as dense as the input);
 * fetching a list or dict from the memo (a record is a tree: nothing in it is shared;
 * text and numbers may be fetched again); text that is not UTF-8, or longer than
 * fc_tree_default_limits.max_string; nesting past its max_depth (the file's dict
 * counts 1); integers outside -2^63..2^64-1; a key twice in a dict or among records.
 *
 * Memory: the machine's stack takes 48 bytes a value, the memo 24 bytes an entry, an
 * open list or dict a vector that doubles (at most 2 x 40 bytes an item), the tree 24
 * bytes a value, 40 a member, and text its bytes plus a NUL rounded up to 16. Every
 * value takes at least one byte of input and an item at least one more, so the worst
 * (a list of a million NONEs) stays under 140 x the input (docs/FORMATS.md).
 */

enum {
    OP_NONE = 0x4e, OP_EMPTY_LIST = 0x5d, OP_APPEND = 0x61, OP_APPENDS = 0x65,
    OP_BINGET = 0x68, OP_LONG_BINGET = 0x6a, OP_NEWTRUE = 0x88, OP_NEWFALSE = 0x89,
    OP_BINUNICODE = 0x58, OP_SHORT_BINUNICODE = 0x8c, OP_BINUNICODE8 = 0x8d
};

/* ---- Writing ---- */

typedef struct twriter {
    fc_buffer *out;
    size_t frame;      /* the open frame's header */
    fc_text_memo memo;
    fc_error *err;
} twriter;

static int tw_put(twriter *w, const void *p, size_t n)
{
    return fc_buffer_append(w->out, p, n, w->err);
}

static int tw_op(twriter *w, uint8_t op, uint64_t arg, size_t n)
{
    uint8_t b[9] = {op};
    put_le(b + 1, arg, (int)n);
    return tw_put(w, b, 1 + n);
}

/* save_unicode, then memoize; a text met before is fetched from the memo instead. */
static int tw_text(twriter *w, const char *p, size_t n)
{
    uint32_t idx;
    int rc = fc_text_memo_find(&w->memo, p, n, &idx, w->err);
    if (rc < 0)
        return rc;
    if (rc == 1)
        return idx < 256 ? tw_op(w, OP_BINGET, idx, 1) : tw_op(w, OP_LONG_BINGET, idx, 4);
    rc = n < 256 ? tw_op(w, OP_SHORT_BINUNICODE, n, 1)
                 : n <= UINT32_MAX ? tw_op(w, OP_BINUNICODE, n, 4) : tw_op(w, OP_BINUNICODE8, n, 8);
    if (!rc)
        rc = tw_put(w, p, n);
    return rc || idx == UINT32_MAX ? rc : tw_op(w, OP_MEMOIZE, 0, 0);
}

/* save_long: BININT1, BININT2, BININT for -2^31..2^31-1, else LONG1 of the fewest
 * bytes of two's complement. */
static int tw_int(twriter *w, bool negative, uint64_t bits)
{
    if (!negative && bits < 0x100)
        return tw_op(w, OP_BININT1, bits, 1);
    if (!negative && bits < 0x10000)
        return tw_op(w, OP_BININT2, bits, 2);
    if (negative ? (int64_t)bits >= INT32_MIN : bits < 0x80000000u)
        return tw_op(w, OP_BININT, bits, 4);
    int n = 1; /* the fewest bytes whose sign bit is the value's */
    while (n < 8 && (negative ? (int64_t)bits < -((int64_t)1 << (8 * n - 1))
                              : bits >= (uint64_t)1 << (8 * n - 1)))
        n++;
    if (!negative && bits >> 63)
        n = 9;
    uint8_t b[11] = {OP_LONG1, (uint8_t)n};
    put_le(b + 2, bits, n > 8 ? 8 : n);
    return tw_put(w, b, 2 + (size_t)n);
}

static int tw_value(twriter *w, const fc_value *v);

/* batch_list / batch_dict: one item with APPEND/SETITEM, more in MARK ... batches. */
static int tw_container(twriter *w, const fc_value *v)
{
    bool dict = v->type == FC_V_OBJECT;
    size_t n = dict ? v->obj.n : v->arr.n;
    int rc = tw_op(w, dict ? OP_EMPTY_DICT : OP_EMPTY_LIST, 0, 0);
    for (size_t i = 0; !rc && i < n; i += PK_BATCH) {
        size_t end = n - i > PK_BATCH ? i + PK_BATCH : n;
        if (n > 1)
            rc = tw_op(w, OP_MARK, 0, 0);
        for (size_t k = i; !rc && k < end; k++) {
            if (dict) {
                const fc_member *m = &v->obj.members[k];
                rc = tw_text(w, m->key, m->key_len);
                if (!rc)
                    rc = tw_value(w, &m->value);
            } else {
                rc = tw_value(w, &v->arr.items[k]);
            }
        }
        if (!rc)
            rc = tw_op(w, n > 1 ? (dict ? OP_SETITEMS : OP_APPENDS) : (dict ? OP_SETITEM : OP_APPEND), 0, 0);
    }
    return rc;
}

static int tw_value(twriter *w, const fc_value *v)
{
    uint64_t bits;
    double d;
    switch (v->type) {
    case FC_V_NULL: return tw_op(w, OP_NONE, 0, 0);
    case FC_V_BOOL: return tw_op(w, v->b ? OP_NEWTRUE : OP_NEWFALSE, 0, 0);
    case FC_V_INT: return tw_int(w, true, (uint64_t)v->i);
    case FC_V_UINT: return tw_int(w, false, v->u);
    case FC_V_DOUBLE:
    case FC_V_FLOAT32:
        d = v->type == FC_V_DOUBLE ? v->d : (double)v->f;
        memcpy(&bits, &d, 8);
        uint8_t b[9] = {OP_BINFLOAT};
        for (int i = 0; i < 8; i++)
            b[1 + i] = (uint8_t)(bits >> (56 - 8 * i));
        return tw_put(w, b, 9);
    case FC_V_STRING: return tw_text(w, v->str.p, v->str.len);
    default: return tw_container(w, v);
    }
}

/* Frames of 64 KiB or more, closed between records. */
static int tw_frame(twriter *w, bool last)
{
    size_t n = w->out->len - w->frame - PK_FRAME_HEADER;
    if (!last && n < PK_FRAME_TARGET)
        return 0;
    uint8_t *h = w->out->data + w->frame;
    if (n >= PK_FRAME_MIN) {
        h[0] = OP_FRAME;
        put_le(h + 1, n, 8);
    } else {
        memmove(h, h + PK_FRAME_HEADER, n);
        w->out->len -= PK_FRAME_HEADER;
    }
    w->frame = w->out->len;
    return last ? 0 : tw_put(w, (uint8_t[PK_FRAME_HEADER]){0}, PK_FRAME_HEADER);
}

int fc_pickle_write_records(const fc_records *in, unsigned shape, fc_buffer *out, fc_error *err)
{
    (void)shape; /* every shape is plain objects here */
    twriter w = {.out = out, .err = err};
    int rc = tw_op(&w, OP_PROTO, PK_PROTOCOL, 1);
    w.frame = out->len;
    if (!rc)
        rc = tw_put(&w, (uint8_t[PK_FRAME_HEADER]){0}, PK_FRAME_HEADER);
    if (!rc)
        rc = tw_op(&w, OP_EMPTY_DICT, 0, 0);
    for (size_t i = 0; !rc && i < in->count; i += PK_BATCH) {
        size_t end = in->count - i > PK_BATCH ? i + PK_BATCH : in->count;
        if (in->count > 1)
            rc = tw_op(&w, OP_MARK, 0, 0);
        for (size_t k = i; !rc && k < end; k++) {
            rc = tw_frame(&w, false);
            if (!rc)
                rc = tw_int(&w, false, in->keys[k]);
            if (!rc)
                rc = tw_value(&w, &in->values[k]);
        }
        if (!rc)
            rc = tw_op(&w, in->count > 1 ? OP_SETITEMS : OP_SETITEM, 0, 0);
    }
    if (!rc)
        rc = tw_op(&w, OP_STOP, 0, 0);
    if (!rc)
        rc = tw_frame(&w, true);
    fc_text_memo_free(&w.memo);
    return rc;
}

/* ---- Reading ---- */

typedef struct tslot {
    fc_value v;        /* an open list or dict holds its items in a vector of cap */
    size_t cap, height, at;
} tslot;

typedef struct treader {
    reader r;          /* the position and frames, as for the numbers */
    fc_records *out;
    unsigned shape;
    size_t max_depth;
    tslot *stack;      /* stack[0] is the file's dict, whose items are the records */
    size_t n, cap;
    size_t *marks, nmarks, capmarks;
    fc_value *memo;    /* a list or dict only by its type: it is never fetched */
    size_t nmemo, capmemo;
    size_t *key_at;    /* each record's key offset, for messages */
    size_t first, cap_key_at;
} treader;

static int tr_push(treader *t, fc_value v, size_t at)
{
    void *p = t->stack;
    int rc = fc_vec_grow(&p, &t->cap, t->n + 1, sizeof *t->stack, t->r.err);
    t->stack = p;
    if (!rc)
        t->stack[t->n++] = (tslot){.v = v, .at = at};
    return rc;
}

static const char *kind(const fc_value *v)
{
    static const char *const names[] = {"None", "a bool", "an int", "an int", "a float",
                                        "a float", "a str", "a list", "a dict"};
    return names[v->type];
}

/* SHORT_BINUNICODE, BINUNICODE, BINUNICODE8: UTF-8 text, copied into the arena. */
static int tr_text(treader *t, size_t off, uint8_t op)
{
    size_t head = op == OP_SHORT_BINUNICODE ? 1 : op == OP_BINUNICODE ? 4 : 8, bad_at;
    int rc = need(&t->r, off, op, head);
    if (rc)
        return rc;
    uint64_t n = 0;
    for (size_t i = head; i-- > 0;)
        n = n << 8 | t->r.data[t->r.pos + i];
    t->r.pos += head;
    if (n > fc_tree_default_limits.max_string)
        return fc_fail(t->r.err, FC_EUNSUPPORTED, 0, "offset %zu: %s of %llu bytes, more "
                       "than the %zu a text may have", off, op_names[op],
                       (unsigned long long)n, fc_tree_default_limits.max_string);
    if ((rc = need(&t->r, off, op, (size_t)n)) != 0)
        return rc;
    const char *s = (const char *)t->r.data + t->r.pos;
    if (!fc_utf8_valid(s, (size_t)n, &bad_at))
        return fc_fail(t->r.err, FC_ECORRUPT, 0, "offset %zu: the text of %s is not UTF-8 "
                       "at its byte %zu", off, op_names[op], bad_at);
    char *copy = fc_arena_alloc(&t->out->arena, (size_t)n + 1, t->r.err);
    if (!copy)
        return FC_ENOMEM;
    memcpy(copy, s, (size_t)n);
    copy[n] = '\0';
    t->r.pos += (size_t)n;
    return tr_push(t, (fc_value){.type = FC_V_STRING, .str = {copy, (size_t)n}}, off);
}

/* An integer opcode's value: FC_V_UINT or FC_V_INT. */
static int tr_int(treader *t, size_t off, uint8_t op)
{
    pk_int v;
    char text[48];
    int rc = read_int(&t->r, off, op, &v);
    if (rc <= 0)
        return rc ? rc : unexpected(&t->r, off, op, "an opcode of a dict, list, str, int, "
                                    "float, bool or None");
    if (v.wide || (v.negative && v.magnitude > (uint64_t)1 << 63)) {
        int_text(&v, text, sizeof text);
        return fc_fail(t->r.err, FC_EUNSUPPORTED, 0, "offset %zu: the integer %s is outside "
                       "-2^63..2^64-1, which no shape holds", off, text);
    }
    fc_value x = {.type = v.negative ? FC_V_INT : FC_V_UINT};
    if (v.negative)
        x.i = (int64_t)(0 - v.magnitude);
    else
        x.u = v.magnitude;
    return tr_push(t, x, off);
}

/* MEMOIZE, BINPUT, LONG_BINPUT: the stack's top into the memo, at the next free index
 * or one already used. */
static int tr_put(treader *t, size_t off, uint8_t op)
{
    size_t n = op == OP_MEMOIZE ? 0 : op == OP_BINPUT ? 1 : 4, idx = t->nmemo;
    int rc = need(&t->r, off, op, n);
    if (rc)
        return rc;
    if (n) {
        idx = 0;
        for (size_t i = n; i-- > 0;)
            idx = idx << 8 | t->r.data[t->r.pos + i];
        t->r.pos += n;
    }
    if (t->n == 0 || (t->nmarks && t->marks[t->nmarks - 1] == t->n))
        return fc_fail(t->r.err, FC_ECORRUPT, 0, "offset %zu: %s with no value above the "
                       "last MARK to remember", off, op_names[op]);
    if (idx > t->nmemo)
        return fc_fail(t->r.err, FC_ECORRUPT, 0, "offset %zu: %s %zu skips memo entries "
                       "(the next is %zu): picklers number them in order, and this reader "
                       "keeps its memo that dense", off, op_names[op], idx, t->nmemo);
    if (idx == t->nmemo) {
        void *p = t->memo;
        rc = fc_vec_grow(&p, &t->capmemo, t->nmemo + 1, sizeof *t->memo, t->r.err);
        t->memo = p;
        if (rc)
            return rc;
        t->nmemo++;
    }
    t->memo[idx] = t->stack[t->n - 1].v;
    return 0;
}

/* BINGET, LONG_BINGET: text or a number again; never a list or dict. */
static int tr_get(treader *t, size_t off, uint8_t op)
{
    size_t n = op == OP_BINGET ? 1 : 4, idx = 0;
    int rc = need(&t->r, off, op, n);
    if (rc)
        return rc;
    for (size_t i = n; i-- > 0;)
        idx = idx << 8 | t->r.data[t->r.pos + i];
    t->r.pos += n;
    if (idx >= t->nmemo)
        return fc_fail(t->r.err, FC_ECORRUPT, 0, "offset %zu: %s %zu, but memo entry %zu "
                       "was never stored", off, op_names[op], idx, idx);
    fc_value v = t->memo[idx];
    if (v.type == FC_V_ARRAY || v.type == FC_V_OBJECT)
        return fc_fail(t->r.err, FC_EUNSUPPORTED, 0, "offset %zu: %s %zu fetches %s a second "
                       "time: a record is a tree, nothing in it is shared (only text and "
                       "numbers may be fetched again)", off, op_names[op], idx, kind(&v));
    return tr_push(t, v, off);
}

/* A list's or dict's items from its vector into the arena, exactly as many. */
static int tr_close(treader *t, tslot *s)
{
    bool dict = s->v.type == FC_V_OBJECT;
    size_t n = dict ? s->v.obj.n : s->v.arr.n, size = dict ? sizeof(fc_member) : sizeof(fc_value);
    void *vec = dict ? (void *)s->v.obj.members : (void *)s->v.arr.items, *copy = NULL;
    if (n && !(copy = fc_arena_alloc(&t->out->arena, n * size, t->r.err)))
        return FC_ENOMEM;
    if (n)
        memcpy(copy, vec, n * size);
    free(vec);
    s->cap = 0;
    if (dict)
        s->v.obj.members = copy;
    else
        s->v.arr.items = copy;
    const fc_member *twice;
    int rc = dict ? fc_members_find_repeat(copy, n, &twice, t->r.err) : 0;
    if (rc == 1)
        return fc_fail(t->r.err, FC_ECORRUPT, 0, "offset %zu: the dict made here holds the "
                       "key \"%.*s\" twice (Python would keep the last one without a word)",
                       s->at, (int)(twice->key_len > 60 ? 60 : twice->key_len), twice->key);
    return rc;
}

/* The records: stack[from..n) in pairs, integer key then value. */
static int tr_records(treader *t, size_t from)
{
    size_t k = t->out->count, pairs = (t->n - from) / 2;
    int rc = fc_records_reserve(t->out, k + pairs, t->r.err);
    void *p = t->key_at;
    if (!rc)
        rc = fc_vec_grow(&p, &t->cap_key_at, k - t->first + pairs, sizeof *t->key_at, t->r.err);
    t->key_at = p;
    for (size_t i = from; !rc && i < t->n; i += 2) {
        tslot *key = &t->stack[i], *val = &t->stack[i + 1];
        if (key->v.type != FC_V_UINT)
            return fc_fail(t->r.err, FC_ECORRUPT, 0, "offset %zu: record %zu's key is %s, "
                           "expected an int 0..2^64-1", key->at, t->out->count - t->first,
                           key->v.type == FC_V_INT ? "a negative int" : kind(&key->v));
        if (val->cap || val->v.type == FC_V_ARRAY || val->v.type == FC_V_OBJECT)
            rc = tr_close(t, val);
        if (!rc && val->height + 1 > t->max_depth)
            rc = fc_fail(t->r.err, FC_EUNSUPPORTED, 0, "offset %zu: record %zu is nested "
                         "deeper than %zu", val->at, t->out->count - t->first, t->max_depth);
        if (!rc)
            rc = fc_shape_conform((enum fc_shape)t->shape, &val->v, t->r.err);
        if (!rc) {
            t->key_at[t->out->count - t->first] = key->at;
            t->out->keys[t->out->count] = key->v.u;
            t->out->values[t->out->count++] = val->v;
        }
    }
    if (!rc) /* else the slots stay for the cleanup: those not moved own their vectors */
        t->n = from;
    return rc;
}

/* stack[from..n) into the open list or dict target (pairs of a str key and a value). */
static int tr_items(treader *t, size_t off, tslot *target, size_t from)
{
    bool dict = target->v.type == FC_V_OBJECT;
    size_t have = dict ? target->v.obj.n : target->v.arr.n;
    size_t add = dict ? (t->n - from) / 2 : t->n - from, size = dict ? sizeof(fc_member) : sizeof(fc_value);
    void *vec = dict ? (void *)target->v.obj.members : (void *)target->v.arr.items;
    int rc = fc_vec_grow(&vec, &target->cap, have + add, size, t->r.err);
    if (dict)
        target->v.obj.members = vec;
    else
        target->v.arr.items = vec;
    for (size_t i = from; !rc && i < t->n; i += dict ? 2 : 1) {
        tslot *key = &t->stack[i], *val = dict ? &t->stack[i + 1] : key;
        if (dict && key->v.type != FC_V_STRING)
            return fc_fail(t->r.err, FC_EUNSUPPORTED, 0, "offset %zu: a dict's key is %s: "
                           "dicts inside records have str keys", key->at, kind(&key->v));
        if (val->v.type == FC_V_ARRAY || val->v.type == FC_V_OBJECT)
            rc = tr_close(t, val);
        if (!rc && val->height + 1 > target->height)
            target->height = val->height + 1;
        if (!rc && target->height + 1 > t->max_depth) /* the file's dict is 1 */
            rc = fc_fail(t->r.err, FC_EUNSUPPORTED, 0, "offset %zu: nested deeper than %zu",
                         off, t->max_depth);
        if (rc)
            break;
        if (dict) {
            target->v.obj.members[target->v.obj.n++] = (fc_member){
                .key = key->v.str.p, .key_len = key->v.str.len, .value = val->v};
        } else {
            target->v.arr.items[target->v.arr.n++] = val->v;
        }
    }
    if (!rc) /* else the slots stay for the cleanup: those not moved own their vectors */
        t->n = from;
    return rc;
}

/* APPEND, APPENDS, SETITEM, SETITEMS: items above the target (and above the last
 * MARK: picklers never reach below it). */
static int tr_fill(treader *t, size_t off, uint8_t op)
{
    bool dict = op == OP_SETITEM || op == OP_SETITEMS, batch = op == OP_APPENDS || op == OP_SETITEMS;
    size_t from, fence;
    if (batch) {
        if (!t->nmarks)
            return fc_fail(t->r.err, FC_ECORRUPT, 0, "offset %zu: %s without a MARK before it",
                           off, op_names[op]);
        from = t->marks[--t->nmarks];
    } else {
        from = t->n >= (dict ? 2u : 1u) ? t->n - (dict ? 2 : 1) : 0;
    }
    fence = t->nmarks ? t->marks[t->nmarks - 1] : 0;
    if (from == 0 || from - 1 < fence || (!batch && t->n < (dict ? 3u : 2u)))
        return fc_fail(t->r.err, FC_ECORRUPT, 0, "offset %zu: %s with no %s below its items",
                       off, op_names[op], dict ? "dict" : "list");
    if (dict && (t->n - from) % 2)
        return fc_fail(t->r.err, FC_ECORRUPT, 0, "offset %zu: SETITEMS over %zu values: a key "
                       "without its value", off, t->n - from);
    tslot *target = &t->stack[from - 1];
    if (target->v.type != (dict ? FC_V_OBJECT : FC_V_ARRAY))
        return fc_fail(t->r.err, FC_ECORRUPT, 0, "offset %zu: %s adds to %s (made at offset "
                       "%zu), expected a %s", off, op_names[op], kind(&target->v), target->at,
                       dict ? "dict" : "list");
    return from == 1 ? tr_records(t, from) : tr_items(t, off, target, from);
}

static int tr_op(treader *t, size_t off, uint8_t op)
{
    double d;
    uint64_t bits = 0;
    void *p;
    int rc;
    switch (op) {
    case OP_MARK:
        p = t->marks;
        rc = fc_vec_grow(&p, &t->capmarks, t->nmarks + 1, sizeof *t->marks, t->r.err);
        t->marks = p;
        if (!rc)
            t->marks[t->nmarks++] = t->n;
        return rc;
    case OP_EMPTY_DICT: return tr_push(t, (fc_value){.type = FC_V_OBJECT}, off);
    case OP_EMPTY_LIST: return tr_push(t, (fc_value){.type = FC_V_ARRAY}, off);
    case OP_NONE: return tr_push(t, (fc_value){.type = FC_V_NULL}, off);
    case OP_NEWTRUE: case OP_NEWFALSE:
        return tr_push(t, (fc_value){.type = FC_V_BOOL, .b = op == OP_NEWTRUE}, off);
    case OP_BINFLOAT:
        if ((rc = need(&t->r, off, op, 8)) != 0)
            return rc;
        for (int i = 0; i < 8; i++)
            bits = bits << 8 | t->r.data[t->r.pos++];
        memcpy(&d, &bits, 8);
        return tr_push(t, (fc_value){.type = FC_V_DOUBLE, .d = d}, off);
    case OP_SHORT_BINUNICODE: case OP_BINUNICODE: case OP_BINUNICODE8:
        return tr_text(t, off, op);
    case OP_MEMOIZE: case OP_BINPUT: case OP_LONG_BINPUT: return tr_put(t, off, op);
    case OP_BINGET: case OP_LONG_BINGET: return tr_get(t, off, op);
    case OP_APPEND: case OP_APPENDS: case OP_SETITEM: case OP_SETITEMS:
        return tr_fill(t, off, op);
    default: return tr_int(t, off, op);
    }
}

/* PROTO 2..5, EMPTY_DICT, the machine until STOP, nothing after. */
static int tr_run(treader *t)
{
    size_t off;
    uint8_t op;
    reader head = t->r; /* PROTO 2..5 and EMPTY_DICT, checked as for the numbers */
    int rc = read_head(&head, &off, &op);
    t->r.pos = 2;
    if (rc == 0 && (rc = next_op(&t->r, &off, &op)) == 0)
        rc = tr_push(t, (fc_value){.type = FC_V_OBJECT}, off);
    while (rc == 0 && (rc = next_op(&t->r, &off, &op)) == 0 && op != OP_STOP)
        rc = tr_op(t, off, op);
    if (rc)
        return rc;
    if (t->n != 1 || t->nmarks)
        return fc_fail(t->r.err, FC_ECORRUPT, 0, "offset %zu: STOP with %zu %s left above "
                       "the dict of records", off, t->nmarks ? t->nmarks : t->n - 1,
                       t->nmarks ? "MARKs" : "values");
    if (t->r.frame_end && t->r.pos != t->r.frame_end)
        return fc_fail(t->r.err, FC_ECORRUPT, 0, "offset %zu: STOP, but its frame goes on to "
                       "offset %zu", off, t->r.frame_end);
    if (t->r.pos != t->r.len)
        return fc_fail(t->r.err, FC_ECORRUPT, 0, "offset %zu: %zu bytes after STOP, which "
                       "should end the file", t->r.pos, t->r.len - t->r.pos);
    return 0;
}

int fc_pickle_read_records(const uint8_t *data, size_t len, unsigned shape, fc_records *out,
                           fc_error *err)
{
    treader t = {.r = {.data = data, .len = len, .want = SIZE_MAX, .err = err}, .out = out,
                 .shape = shape, .max_depth = fc_tree_default_limits.max_depth,
                 .first = out->count};
    int rc = tr_run(&t);
    for (size_t i = 1; i < t.n; i++) /* the open lists and dicts left: cap > 0 */
        if (t.stack[i].cap)
            free(t.stack[i].v.type == FC_V_ARRAY ? (void *)t.stack[i].v.arr.items
                                                 : (void *)t.stack[i].v.obj.members);
    if (!rc)
        rc = fc_records_refuse_repeat(out, t.first, t.key_at, err);
    free(t.stack);
    free(t.marks);
    free(t.memo);
    free(t.key_at);
    return rc;
}

static const char *pk_version(void)
{
    return "built in, CPython pickle.dumps(d, protocol=4) bytes";
}

const fc_codec fc_codec_pickle = {
    .name = "pickle",
    .extension = "pickle",
    .library = "forkcollect",
    .library_version = pk_version,
    .encode = pk_encode,
    .decode = pk_decode,
    .probe = pk_probe,
    .version = FC_CODEC_VERSION,
    .supports = FC_SUPPORTS_KEY_U64 | FC_SUPPORTS_NONFINITE | FC_SUPPORTS_NAN_BITS |
                FC_SUPPORTS_BUILTIN | FC_SUPPORTS_EXACT_DOUBLES | FC_SUPPORTS_STRINGS |
                FC_SUPPORTS_NESTING,
    .shapes = FC_SHAPES_ALL,
    .encode_records = fc_pickle_write_records,
    .decode_records = fc_pickle_read_records,
};
