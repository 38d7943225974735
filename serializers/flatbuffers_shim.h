/* flatbuffers_shim.h - the C entry to FlatBuffers, whose API is C++: the few calls
 * serializers/flatbuffers.c needs, implemented in flatbuffers_shim.cc (the format's one
 * C++ file, as core/shortest.cc is libdouble-conversion's) on the code flatc generates
 * from proto/results.fbs. No C++ exception crosses it. */
#ifndef FC_FLATBUFFERS_SHIM_H
#define FC_FLATBUFFERS_SHIM_H

#include "forkcollect.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The largest buffer FlatBuffers builds or verifies (its 32-bit offsets): 2^31 - 1
 * bytes exclusive (FLATBUFFERS_MAX_BUFFER_SIZE). */
#define FC_FB_MAX_BUFFER 0x7fffffffu

/* The library's version, "2.0.8"; static storage. */
const char *fc_fb_version(void);

/* Appends to out a finished Results buffer (identifier "FCR1") of the n records;
 * 0, or FC_ENOMEM (fc_error filled). The caller checks that n fits FC_FB_MAX_BUFFER. */
int fc_fb_build(const uint64_t *keys, const double *values, size_t n, fc_buffer *out,
                fc_error *err);

/* 1 when FlatBuffers' Verifier accepts data[0..len) as a Results buffer with the
 * identifier "FCR1" (every offset and length inside the buffer, aligned, at most a
 * few tables deep), else 0. len < FC_FB_MAX_BUFFER. */
int fc_fb_verify(const uint8_t *data, size_t len);

/* What a Results buffer holds, as offsets into it (zero-copy: the vectors are read in
 * place). An absent field reads as FlatBuffers' default: count 0, vectors empty. */
typedef struct fc_fb_view {
    uint64_t count;
    size_t nkeys, nvalues;     /* the vectors' lengths */
    size_t keys_at, values_at; /* the offset of the first key and value (0 when absent) */
} fc_fb_view;

/* Reads the root table without any check: only for data fc_fb_verify() accepted, or
 * for bytes this program built (compare's "unverified" decode time). */
void fc_fb_read(const uint8_t *data, fc_fb_view *view);

#ifdef __cplusplus
}
#endif

#endif
