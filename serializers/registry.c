/* registry.c - the backends built, in the order of the list of formats in
 * CMakeLists.txt (the array comes from fc_formats.h, which CMake generates from that
 * list). Every registry-driven test covers each one. */
#include "codecs.h"

#include <string.h>
#include <strings.h>

#define FC_CODEC_ENTRY(name) &fc_codec_##name,
static const fc_codec *const codecs[] = {FC_FORMATS_BUILT(FC_CODEC_ENTRY)};
#undef FC_CODEC_ENTRY
#define NCODECS (sizeof codecs / sizeof codecs[0])

size_t fc_codec_count(void)
{
    return NCODECS;
}

const fc_codec *fc_codec_at(size_t i)
{
    return i < NCODECS ? codecs[i] : NULL;
}

const fc_codec *fc_codec_find(const char *name)
{
    for (size_t i = 0; name && i < NCODECS; i++)
        if (strcasecmp(name, codecs[i]->name) == 0 || strcasecmp(name, codecs[i]->extension) == 0)
            return codecs[i];
    return NULL;
}

const fc_codec *fc_codec_for_path(const char *path)
{
    if (!path)
        return NULL;
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    /* ".json" alone is a hidden file's name, not an extension. */
    return dot && dot != base ? fc_codec_find(dot + 1) : NULL;
}

size_t fc_codec_bidders(const uint8_t *data, size_t len, const fc_codec **out, unsigned *bids,
                        size_t max)
{
    if (len > FC_PROBE_BYTES)
        len = FC_PROBE_BYTES; /* a probe sees the start only, however it is called */
    const fc_codec *who[NCODECS];
    unsigned bid[NCODECS];
    size_t n = 0;
    for (size_t i = 0; i < NCODECS; i++) {
        unsigned b = codecs[i]->probe(data, len);
        if (b == 0)
            continue;
        size_t at = n++; /* insertion sort: highest first, registry order among equals */
        for (; at > 0 && bid[at - 1] < b; at--) {
            who[at] = who[at - 1];
            bid[at] = bid[at - 1];
        }
        who[at] = codecs[i];
        bid[at] = b;
    }
    for (size_t i = 0; i < n && i < max; i++) {
        out[i] = who[i];
        if (bids)
            bids[i] = bid[i];
    }
    return n;
}

const fc_codec *fc_codec_detect(const uint8_t *data, size_t len)
{
    const fc_codec *best = NULL;
    return fc_codec_bidders(data, len, &best, NULL, 1) ? best : NULL;
}
