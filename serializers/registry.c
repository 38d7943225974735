/* registry.c - the backends built, in the order of the list of formats in
 * CMakeLists.txt (the array comes from fc_formats.h, which CMake generates from that
 * list). Every registry-driven test covers each one. */
#include "codecs.h"

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

const fc_codec *fc_codec_detect(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < NCODECS; i++)
        if (codecs[i]->probe(data, len))
            return codecs[i];
    return NULL;
}
