/* anchors.h - the C entry to benchmarks/anchors.cc: the fastest public C++ code for
 * the JSON work forkcollect's json codec does, used by benchmarks/speed as the anchors
 * of issue 17. Built only when fmt, simdjson and fast_float are all found
 * (benchmarks/CMakeLists.txt defines FCB_HAVE_ANCHORS then). */
#ifndef FCB_ANCHORS_H
#define FCB_ANCHORS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* fmt (Dragonbox's shortest digits): {"key": value, ...} with Python's separators
 * into buf, which has room for n records at 64 bytes each + 2. Returns the length. */
size_t fcb_fmt_encode(const uint64_t *keys, const double *values, size_t n, char *buf);

/* The padding simdjson wants readable after the text (its buffer holds len + this). */
size_t fcb_simdjson_padding(void);

/* simdjson on-demand: parses text (len bytes, capacity >= len + padding) as one object
 * of decimal-string keys to numbers into keys[] and values[] (room for max). Returns
 * the records read, or -1 if simdjson refused the text. */
long fcb_simdjson_decode(const char *text, size_t len, size_t capacity, uint64_t *keys,
                         double *values, size_t max);

/* fast_float on the same numbers: the shortest scan of Python's json bytes that finds
 * each key and number (no validation), the number read by fast_float::from_chars.
 * Returns the records read, or -1 if a number did not parse. */
long fcb_fast_float_decode(const char *text, size_t len, uint64_t *keys, double *values,
                           size_t max);

const char *fcb_anchor_versions(void);

#ifdef __cplusplus
}
#endif

#endif
