/* jsonlibs.h - cJSON, jansson and json-c used directly, as their documentation shows,
 * for the same object forkcollect's cjson, jansson and jsonc codecs write and read
 * (issue 14: each codec within 1.2x of its library alone). benchmarks/jsonlibs.c. */
#ifndef FCB_JSONLIBS_H
#define FCB_JSONLIBS_H

#include "forkcollect.h"

typedef struct fcb_jsonlib {
    const char *codec;                     /* the forkcollect codec over the library */
    size_t (*encode)(const fc_dataset *in); /* returns the text's length */
    size_t (*decode)(const uint8_t *text, size_t len, fc_dataset *back); /* records */
} fcb_jsonlib;

size_t fcb_jsonc_encode(const fc_dataset *in);
size_t fcb_jsonc_decode(const uint8_t *text, size_t len, fc_dataset *back);

/* The libraries built, ended by a row whose codec is NULL. */
extern const fcb_jsonlib fcb_jsonlibs[];

#endif
