/*
 * fc_shapes.h - data beyond a map of doubles: a tree of values, Python's generator,
 * and the shapes of data (scripts/shapes.py is their definition).
 *
 * Same rules as forkcollect.h: the caller owns every struct; functions return 0 or a
 * negative FC_E* code and fill the caller's fc_error; nothing prints.
 */
#ifndef FC_SHAPES_H
#define FC_SHAPES_H

#include "forkcollect.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== Python's generator ==== */

/* random.Random(n) for an integer n >= 0, draw for draw (MT19937 as CPython has it). */
typedef struct fc_pyrandom {
    uint32_t mt[624];
    int index;
} fc_pyrandom;

void fc_pyrandom_seed(fc_pyrandom *r, uint64_t n);
uint32_t fc_pyrandom_u32(fc_pyrandom *r);              /* one 32-bit word */
uint64_t fc_pyrandom_bits(fc_pyrandom *r, unsigned k); /* getrandbits(k), 1 <= k <= 64 */
double fc_pyrandom_random(fc_pyrandom *r);             /* random() */
/* A uniform integer in [0, n), n >= 1, as 3.11's _randbelow_with_getrandbits. */
uint64_t fc_pyrandom_below(fc_pyrandom *r, uint64_t n);

/* ==== A tree of values ==== */

/* What JSON, MessagePack and the other schemaless formats carry. Integers are held as
 * FC_V_UINT when >= 0 and FC_V_INT when < 0, so every value in [-2^63, 2^64) has one
 * spelling. FC_V_FLOAT32 is a value its shape declares 32-bit (it widens exactly). */
typedef enum fc_vtype {
    FC_V_NULL,
    FC_V_BOOL,
    FC_V_INT,
    FC_V_UINT,
    FC_V_DOUBLE,
    FC_V_FLOAT32,
    FC_V_STRING,
    FC_V_ARRAY,
    FC_V_OBJECT
} fc_vtype;

typedef struct fc_value fc_value;
typedef struct fc_member fc_member;

struct fc_value {
    fc_vtype type;
    union {
        bool b;
        int64_t i;
        uint64_t u;
        double d;
        float f;
        struct {
            const char *p; /* UTF-8, len bytes, NUL after them */
            size_t len;
        } str;
        struct {
            fc_value *items;
            size_t n;
        } arr;
        struct {
            fc_member *members; /* in insertion order, as a Python dict */
            size_t n;
        } obj;
    };
};

struct fc_member {
    const char *key; /* UTF-8, key_len bytes, NUL after them */
    size_t key_len;
    fc_value value;
};

/* Where trees live: blocks freed all at once. */
typedef struct fc_arena {
    struct fc_arena_block *head;
    size_t bytes; /* allocated in all blocks, for memory bounds */
} fc_arena;

void *fc_arena_alloc(fc_arena *a, size_t size, fc_error *err); /* aligned for any value */
void fc_arena_free(fc_arena *a);
/* Moves every block of src into dst (src is left empty): what lived in src now lives
 * as long as dst. */
void fc_arena_adopt(fc_arena *dst, fc_arena *src);

/* Records of a shape: keys[i] maps to values[i], trees in `arena`. */
typedef struct fc_records {
    uint64_t *keys;
    fc_value *values;
    size_t count, cap;
    fc_arena arena;
} fc_records;

int fc_records_reserve(fc_records *r, size_t total, fc_error *err);
void fc_records_free(fc_records *r);

/* As fc_dataset_find_repeat, for the keys of records. */
int fc_records_find_repeat(const fc_records *r, size_t first, size_t *a, size_t *b,
                           fc_error *err);
/* 1 when an object's members hold a key twice (*repeat: one of them), 0 when not,
 * FC_ENOMEM. Python keeps the last of a repeated key without a word; our readers
 * refuse it. */
int fc_members_find_repeat(const fc_member *m, size_t n, const fc_member **repeat,
                           fc_error *err);

/* Python's json.dumps of a value (separators ", " and ": ", ensure_ascii, repr for
 * floats, NaN/Infinity), appended to out. */
int fc_value_write_json(const fc_value *v, fc_buffer *out, fc_error *err);
/* json.dumps({key: record, ...}) of the records, in their order. */
int fc_records_write_json(const fc_records *r, fc_buffer *out, fc_error *err);
/* Whether s[0..len) is well-formed UTF-8 (no overlong forms, surrogates or code
 * points past U+10FFFF); if not, *bad_at is the offset of the first bad sequence. */
bool fc_utf8_valid(const char *s, size_t len, size_t *bad_at);
/* 1 when a and b hold the same tree: the same types, floats bit for bit, strings byte
 * for byte, members in the same order. */
bool fc_value_equal(const fc_value *a, const fc_value *b);

/* What an untrusted document may hold before it is refused (FC_EUNSUPPORTED). */
#define FC_TREE_MAX_DEPTH 10000 /* the most max_depth may be: the readers recurse */
typedef struct fc_tree_limits {
    size_t max_depth;  /* arrays and objects open at once, at most FC_TREE_MAX_DEPTH */
    size_t max_string; /* bytes in one string or key, as written in the file */
} fc_tree_limits;
extern const fc_tree_limits fc_tree_default_limits; /* 512 deep, 64 MiB strings */

/* Any JSON document, as Python's json.loads reads it, into a tree in `arena`
 * (serializers/json_tree.c says what it refuses and its memory bound). With `used`
 * NULL the document must fill data[0..len) (whitespace aside); otherwise reading stops
 * after the first value and *used is where the next one would start (JSON Lines). */
int fc_json_read_tree(const uint8_t *data, size_t len, const fc_tree_limits *lim,
                      fc_arena *arena, fc_value *out, size_t *used, fc_error *err);

/* The user's own data (compare --input) as records keyed 0, 1, 2...: a JSON array's
 * elements, the values of JSON Lines (one value after another), or else the one
 * document. */
int fc_json_read_input(const uint8_t *data, size_t len, const fc_tree_limits *lim,
                       fc_records *out, fc_error *err);

/* ==== Shapes ==== */

enum fc_shape {
    FC_SHAPE_NUMBERS, /* the course: calc(key, iterations), one double */
    FC_SHAPE_INTS,    /* integers of every width and sign, a few strings */
    FC_SHAPE_LOG,     /* HTTP access log records */
    FC_SHAPE_MESH,    /* triangles of float32 */
    FC_SHAPE_DOC,     /* a social-media status: UTF-8 text, 64-bit ids, nulls, depth 7 */
    FC_SHAPE_INPUT,   /* the user's own data (compare --input): any tree, no schema */
    FC_SHAPE_COUNT
};

/* fc_codec.shapes: the shapes this tool makes beyond numbers (a schema format has a
 * schema for each), and those plus the user's own data (a schemaless format). */
#define FC_SHAPES_MADE                                                                     \
    ((1u << FC_SHAPE_INTS) | (1u << FC_SHAPE_LOG) | (1u << FC_SHAPE_MESH) | (1u << FC_SHAPE_DOC))
#define FC_SHAPES_ALL (FC_SHAPES_MADE | (1u << FC_SHAPE_INPUT))

const char *fc_shape_name(enum fc_shape s);
/* FC_EINVAL naming the shapes when `name` is none of them. */
int fc_shape_find(const char *name, enum fc_shape *out, fc_error *err);
/* The record of `key` (scripts/shapes.py's, draw for draw), its tree in `a`.
 * `iterations` is calc's for the numbers shape and unused by the others. */
int fc_shape_record(enum fc_shape s, uint64_t key, uint64_t iterations, fc_arena *a,
                    fc_value *out, fc_error *err);
/* Gives a record read from a format back the types its shape declares where the
 * format has no such type: a mesh's coordinates read from JSON as doubles become
 * float32 again (FC_ECORRUPT if one is not exactly a float32). */
int fc_shape_conform(enum fc_shape s, fc_value *v, fc_error *err);
/* Appends the records of keys start .. start+count-1 to r. */
int fc_shape_records(enum fc_shape s, uint64_t start, uint64_t count, uint64_t iterations,
                     fc_records *r, fc_error *err);

/* ==== Tree formats (until the codec table carries shapes) ==== */

/* The codecs' encode_records and decode_records (fc_codec, version 3), for the tests.
 * JSON: json.dumps of {key: record} (serializers/json_tree.c). MessagePack: a map of
 * integer keys to records (serializers/msgpack_tree.c). Protobuf: the shape's File
 * message of proto/shapes.proto (serializers/protobuf_tree.c; built with protobuf-c,
 * FC_HAVE_PROTOBUF). Readers give records their shape's types (fc_shape_conform). */
int fc_json_write_records(const fc_records *in, unsigned shape, fc_buffer *out, fc_error *err);
int fc_json_read_records(const uint8_t *data, size_t len, unsigned shape, fc_records *out,
                         fc_error *err);
int fc_msgpack_write_records(const fc_records *in, unsigned shape, fc_buffer *out,
                             fc_error *err);
int fc_msgpack_read_records(const uint8_t *data, size_t len, unsigned shape, fc_records *out,
                            fc_error *err);
int fc_protobuf_write_records(const fc_records *in, unsigned shape, fc_buffer *out,
                              fc_error *err);
int fc_protobuf_read_records(const uint8_t *data, size_t len, unsigned shape, fc_records *out,
                             fc_error *err);

#ifdef __cplusplus
}
#endif
#endif /* FC_SHAPES_H */
