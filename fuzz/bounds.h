/* bounds.h - each decoder's allocation bound, as docs/FORMATS.md states it: decoding
 * len bytes keeps at most factor * len + FC_BOUND_CONST bytes allocated at once, the
 * libraries' allocations included. fuzz_decode.c checks it on every input the fuzzers
 * try (small ones), fuzz/bounds.c on each decoder's worst shapes at 16-64 MiB. */
#ifndef FC_FUZZ_BOUNDS_H
#define FC_FUZZ_BOUNDS_H

#include <stddef.h>
#include <string.h>

#define FC_BOUND_CONST (256 * 1024)

static const struct fc_bound {
    const char *codec;
    size_t factor;
} fc_bounds[] = {
    {"raw", 2}, {"json", 8}, {"msgpack", 33}, {"protobuf", 10}, {"tpl", 2}, {"marshal", 4}, {"pickle", 7},
    /* The JSON libraries build a tree first: a node, a key and a number each per
     * member of 6 bytes or more ("1":1,), then our records. */
    {"cjson", 24}, {"jansson", 20}, {"jsonc", 32},
    /* cbor: 16 bytes a record of at least 2 bytes, then the repeated-key table. */
    {"cbor", 14},
    /* bson: 16 bytes a record of at least 7 bytes (an int32 element), then the table. */
    {"bson", 4},
    /* xdr: the array as XDR reads it (1 x), our copy (1 x), the repeated-key table. */
    {"xdr", 3},
    /* avro: avro-c's generic array (about 24 bytes a record of 5 bytes or more, an int
     * key and a float value, grown by doubling), then our copy. */
    {"avro", 8},
    /* Zero-copy: only our records, 16 bytes each from as few as 8 (a shared vector). */
    {"flatbuffers", 4},
};

/* The factor for a codec by name (the loosest if the name is unknown). */
static inline size_t fc_bound_factor(const char *codec)
{
    size_t most = 0;
    for (size_t i = 0; i < sizeof fc_bounds / sizeof fc_bounds[0]; i++) {
        if (strcmp(fc_bounds[i].codec, codec) == 0)
            return fc_bounds[i].factor;
        most = fc_bounds[i].factor > most ? fc_bounds[i].factor : most;
    }
    return most;
}

#endif
