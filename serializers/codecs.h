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

/* Records of the shapes beyond numbers (fc_codec version 3) in the built-in formats
 * whose file comments describe them: pickle.c, marshal.c. */
struct fc_records;
int fc_pickle_write_records(const struct fc_records *in, unsigned shape, fc_buffer *out,
                            fc_error *err);
int fc_pickle_read_records(const uint8_t *data, size_t len, unsigned shape,
                           struct fc_records *out, fc_error *err);
int fc_marshal_write_records(const struct fc_records *in, unsigned shape, fc_buffer *out,
                             fc_error *err);
int fc_marshal_read_records(const uint8_t *data, size_t len, unsigned shape,
                            struct fc_records *out, fc_error *err);

#endif
