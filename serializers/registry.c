/* registry.c - the one list of backends. To add one: its file, a line here, a line
 * in core/CMakeLists.txt. Every registry-driven test then covers it. */
#include "codecs.h"

#include <strings.h>

static const fc_codec *const codecs[] = {
    &fc_codec_raw, &fc_codec_json, &fc_codec_msgpack, &fc_codec_protobuf, &fc_codec_tpl,
};
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
