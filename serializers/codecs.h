/* codecs.h - the backends compiled into libforkcollect: fc_codec_<name> for each format
 * of the list in CMakeLists.txt that was built (fc_formats.h, generated from it). */
#ifndef FC_CODECS_H
#define FC_CODECS_H

#include "fc_formats.h"
#include "forkcollect.h"

#define FC_DECLARE_CODEC(name) extern const fc_codec fc_codec_##name;
FC_FORMATS_BUILT(FC_DECLARE_CODEC)
#undef FC_DECLARE_CODEC

/* The decimal digits of v into buf (20 bytes at most, no NUL); returns how many. The
 * JSON writers' keys (json.c). */
size_t fc_json_key_digits(uint64_t v, char *buf);

/* Each distinct text, numbered in the order first met (treeutil.c). The texts must
 * outlive the memo. */
typedef struct fc_text_memo {
    struct fc_text_memo_entry *table;
    size_t slots, used;
} fc_text_memo;
/* 1 and *idx its number when p[0..n) was met before; 0 when not, and *idx the number
 * it now has (UINT32_MAX when the memo is full: it was not added); or FC_ENOMEM. */
int fc_text_memo_find(fc_text_memo *m, const char *p, size_t n, uint32_t *idx, fc_error *err);
void fc_text_memo_free(fc_text_memo *m);
/* Room for `need` items of `size` bytes in *p, of *cap: the capacity doubles. */
int fc_vec_grow(void **p, size_t *cap, size_t need, size_t size, fc_error *err);
/* 0 when records first.. of out hold each key once; else FC_ECORRUPT naming both keys'
 * offsets (key_at[i - first] is record i's), or FC_ENOMEM. */
struct fc_records;
int fc_records_refuse_repeat(const struct fc_records *out, size_t first, const size_t *key_at,
                             fc_error *err);

/* Records of the shapes beyond numbers (fc_codec version 3) in the built-in formats
 * whose file comments describe them: pickle.c, marshal.c. */
int fc_pickle_write_records(const struct fc_records *in, unsigned shape, fc_buffer *out,
                            fc_error *err);
int fc_pickle_read_records(const uint8_t *data, size_t len, unsigned shape,
                           struct fc_records *out, fc_error *err);
int fc_marshal_write_records(const struct fc_records *in, unsigned shape, fc_buffer *out,
                             fc_error *err);
int fc_marshal_read_records(const uint8_t *data, size_t len, unsigned shape,
                            struct fc_records *out, fc_error *err);

#endif
